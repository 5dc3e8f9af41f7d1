/* Suite "runner": the task runner seen through its first long-lived user,
 * the built-in worker loop ("mp.worker"): one child runs many tasks of
 * this program's table, each answered with a result record, and a task
 * that fails or does not exist does not end the loop. Also the reserved
 * namespace of built-in names. Run once per start method. */
#include <string.h>

#include "helpers.h"
#include "mp_builtin.h" /* MP__TASK_WORKER, MP__BUILTIN_PREFIX */
#include "mp_core.h"    /* mp__tasks_set, mp__tasks_find */
#include "mp_order.h"   /* the worker's orders */
#include "mp_record.h"  /* the result records it answers with */

/* A worker serving orders on the parent's end of a duplex pipe. */
typedef struct worker {
    mp_process_t *proc;
    mp_connection_t *conn; /* the parent's end */
} worker_t;

/* Start "mp.worker" with one end of a fresh pipe; the parent keeps the
 * other. Asserted; false (nothing to clean) on failure. */
static bool start_worker(worker_t *w)
{
    mp_connection_t *theirs = NULL;
    *w = (worker_t){0};
    if (!EXPECT_RC(mp_pipe_create(&w->conn, &theirs, NULL), 0))
        return false;
    w->proc = start_process(&(mp_process_opts_t){.task = MP__TASK_WORKER, MP_OBJECTS(theirs)});
    /* The child has its own copy now; with ours closed, the parent's end
     * sees end-of-file should the worker die. */
    mp_connection_destroy(theirs);
    if (!w->proc) {
        mp_connection_destroy(w->conn);
        return false;
    }
    return true;
}

static void dispose_worker(worker_t *w)
{
    dispose_process(w->proc);
    mp_connection_destroy(w->conn);
}

/* Send one order (asserted). */
static bool send_order(worker_t *w, mp__order_op_t op, const char *task, const void *arg,
                       size_t len)
{
    mp__buf_t buf = {0};
    mp__order_t order = {.op = op, .task = (char *)task, .arg = (void *)arg, .arg_len = len};
    bool ok = EXPECT_RC(mp__order_encode(&order, &buf), 0) &&
              EXPECT_RC(mp_connection_send(w->conn, buf.data, buf.len, MP_FOREVER), 0);
    mp__buf_free(&buf);
    return ok;
}

/* Receive and decode the answer to the oldest order (asserted); the
 * caller frees it with mp__result_free(). */
static bool recv_result(worker_t *w, mp__result_t *out)
{
    void *data = NULL;
    size_t len = 0;
    *out = (mp__result_t){0};
    bool ok = EXPECT_RC(mp_connection_recv_alloc(w->conn, &data, &len, JOIN_LIMIT_S), 0) &&
              EXPECT_RC(mp__result_decode(data, len, out), 0);
    mp_free(data);
    return ok;
}

/* Run `task` with argument bytes `arg` and read its int64 result
 * (asserted). */
static bool run_i64(worker_t *w, const char *task, const void *arg, size_t len, int64_t *out)
{
    mp__result_t r;
    if (!send_order(w, MP__ORDER_RUN, task, arg, len) || !recv_result(w, &r))
        return false;
    bool ok = EXPECT_EQ(r.boot_error, 0) && EXPECT_EQ(r.task_error, 0) &&
              EXPECT(r.has_value, "%s: no value", task) && EXPECT_EQ(r.value_len, sizeof *out);
    if (ok)
        memcpy(out, r.value, sizeof *out);
    mp__result_free(&r);
    return ok;
}

/* Run `task` with an int64 argument and expect the int64 result `want`. */
static bool expect_i64(worker_t *w, const char *task, int64_t arg, int64_t want)
{
    int64_t got = 0;
    return run_i64(w, task, &arg, sizeof arg, &got) && EXPECT_EQ(got, want);
}

/* Expect an error answer: boot error `boot`, task error `task`, and a
 * message that contains `part`. */
static void expect_error(worker_t *w, int boot, int task, const char *part)
{
    mp__result_t r;
    if (!recv_result(w, &r))
        return;
    EXPECT_RC(r.boot_error, boot);
    EXPECT_RC(r.task_error, task);
    EXPECT(!r.has_value, "an error came with a value");
    EXPECT(strstr(r.message, part) != NULL, "message '%s' lacks '%s'", r.message, part);
    mp__result_free(&r);
}

/* The worker ended by itself with exit code 0 and no error of its own. */
static void expect_clean_end(worker_t *w)
{
    if (!EXPECT_RC(mp_process_join(w->proc, JOIN_LIMIT_S), 0))
        return;
    EXPECT_EQ(exitcode_of(w->proc), 0);
    int code = 1;
    const char *message = NULL;
    EXPECT_RC(mp_process_error(w->proc, &code, &message), 0);
    EXPECT_RC(code, 0);
}

/* One worker runs different tasks of the table in turn: a square, a
 * string echo, a task that fails with a message, names that exist in
 * neither table, an order that is not an order; each gets its own answer
 * and the loop goes on; a stop order ends it with exit code 0. */
static void test_worker_runs_tasks(void)
{
    worker_t w;
    if (!start_worker(&w))
        return;
    expect_i64(&w, "task_square", 7, 49);

    static const char text[] = "through the worker loop";
    mp__result_t r;
    if (send_order(&w, MP__ORDER_RUN, "task_echo", text, sizeof text) && recv_result(&w, &r)) {
        EXPECT_RC(r.task_error, 0);
        if (EXPECT(r.has_value, "echo: no value") && EXPECT_EQ(r.value_len, sizeof text))
            EXPECT_STR((const char *)r.value, text);
        mp__result_free(&r);
    }

    int64_t five = 5;
    if (send_order(&w, MP__ORDER_RUN, "task_fail_message", &five, sizeof five))
        expect_error(&w, 0, MP_EINVAL, "failed with 5");
    if (send_order(&w, MP__ORDER_RUN, "no_such_task", NULL, 0))
        expect_error(&w, MP_ENOTASK, 0, "no_such_task");
    if (send_order(&w, MP__ORDER_RUN, MP__BUILTIN_PREFIX "no_such_builtin", NULL, 0))
        expect_error(&w, MP_ENOTASK, 0, "no_such_builtin");
    if (EXPECT_RC(mp_connection_send(w.conn, "not an order", 12, MP_FOREVER), 0))
        expect_error(&w, MP_EBOOTSTRAP, 0, "corrupt");

    expect_i64(&w, "task_square", -3, 9); /* still serving */
    if (send_order(&w, MP__ORDER_STOP, "", NULL, 0))
        expect_clean_end(&w);
    dispose_worker(&w);
}

/* The worker ends with exit code 0 once the parent closes its end, under
 * fork too: a fork child lets go of the copies it inherited of the
 * parent's connection ends it was not given, so the parent's end is not
 * held open by the worker itself. */
static void test_worker_ends_on_eof(void)
{
    worker_t w;
    if (!start_worker(&w))
        return;
    expect_i64(&w, "task_square", 12, 144);
    EXPECT_RC(mp_connection_close(w.conn), 0);
    expect_clean_end(&w);
    dispose_worker(&w);
}

/* Thousands of orders through one worker do not grow its heap: what each
 * order and run allocates is freed before the next. The heap is read by a
 * task on the worker itself after a warm-up and after ORDERS more. The
 * warm-up goes through every message size once, because glibc counts the
 * chunks its per-size caches keep as in use; after it the count is flat,
 * and any allocation kept per order (32 bytes at least) would add hundreds
 * of KiB. Where the platform cannot say (-1), only the answers are
 * checked. */
static void test_worker_memory_flat(void)
{
    enum { WARMUP = 1200, ORDERS = 10000, SLACK = 64 * 1024 };
    worker_t w;
    if (!start_worker(&w))
        return;
    char blob[600];
    memset(blob, 'x', sizeof blob);
    int64_t heap[2] = {0, 0};
    bool ok = true;
    for (int round = 0; round < 2 && ok; round++) {
        int n = round == 0 ? WARMUP : ORDERS;
        for (int i = 0; i < n && ok; i++) {
            /* A mix that touches every path: values, echoed bytes of
             * varying size, failures and unknown names. */
            mp__result_t r = {0};
            int64_t k = i;
            switch (i % 4) {
            case 0: ok = send_order(&w, MP__ORDER_RUN, "task_square", &k, sizeof k); break;
            case 1: ok = send_order(&w, MP__ORDER_RUN, "task_echo", blob, (size_t)(i % 600)); break;
            case 2: ok = send_order(&w, MP__ORDER_RUN, "task_fail_message", &k, sizeof k); break;
            default: ok = send_order(&w, MP__ORDER_RUN, "no_such_task", NULL, 0); break;
            }
            ok = ok && recv_result(&w, &r);
            if (ok)
                ok = EXPECT(i % 4 < 2 ? r.task_error == 0 && r.has_value
                                      : r.task_error < 0 || r.boot_error < 0,
                            "order %d: boot_error %d task_error %d", i, r.boot_error, r.task_error);
            mp__result_free(&r);
        }
        ok = ok && run_i64(&w, "task_heap_in_use", NULL, 0, &heap[round]);
    }
    if (ok && heap[0] >= 0)
        EXPECT(heap[1] - heap[0] < SLACK,
               "the worker's heap grew from %lld to %lld bytes over %d orders", (long long)heap[0],
               (long long)heap[1], ORDERS);
    if (ok && send_order(&w, MP__ORDER_STOP, "", NULL, 0))
        expect_clean_end(&w);
    dispose_worker(&w);
}

/* A program cannot register a name in the library's namespace: the table
 * is refused (MP_EINVAL, saying why) and the current one stays. Built-in
 * names reach mp_process_create() nonetheless, and an unknown one is
 * MP_ENOTASK there, as any unknown name. */
static void test_reserved_prefix(void)
{
    static const mp_task_def_t exact[] = {MP_TASK_NAMED(MP__BUILTIN_PREFIX, mp__builtin_worker),
                                          MP_TASK_END};
    static const mp_task_def_t named[] = {
        MP_TASK_NAMED("mine", mp__builtin_worker),
        MP_TASK_NAMED(MP__BUILTIN_PREFIX "worker", mp__builtin_worker), MP_TASK_END};
    EXPECT_RC(mp__tasks_set(exact), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "reserved") != NULL, "errdetail: %s", mp_errdetail());
    EXPECT_RC(mp__tasks_set(named), MP_EINVAL);
    if (!EXPECT(mp__tasks_find("task_square") != NULL, "the suite's table was replaced"))
        mp__tasks_set(test_tasks); /* keep the other tests running */
    EXPECT(mp__tasks_find("mine") == NULL, "a refused table was taken");

    mp_process_t *p = NULL;
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = MP__BUILTIN_PREFIX "nope"}),
              MP_ENOTASK);
    if (EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = MP__TASK_WORKER}), 0))
        mp_process_destroy(p);
}

static const test_case_t tests[] = {
    {"worker_runs_tasks", test_worker_runs_tasks, ON_ALL},
    {"worker_ends_on_eof", test_worker_ends_on_eof, ON_ALL},
    {"worker_memory_flat", test_worker_memory_flat, ON_ALL},
    {"reserved_prefix", test_reserved_prefix, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_runner = {"runner", true, tests};
