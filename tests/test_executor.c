/* Suite "executor": the executor of executor.h (Python's ProcessPoolExecutor
 * and ThreadPoolExecutor, checklist section 17), with real workers of both
 * kinds: submit and result of every type, a task's failure of any size, a
 * task's exit code, map with every chunksize, a failing element and a
 * timeout, mp_executor_map_i64(), shutdown with and without waiting and
 * with cancel_futures, submit after shutdown, destroy without shutdown,
 * saturation, idle reuse, the initializer and max_tasks_per_child. The
 * futures themselves (state table, callbacks, wait, as_completed) are
 * suite "futures"; bad input is suite "executor_bad_input"; a worker that
 * dies, a task over its time limit and a broken executor are the fault
 * suites' (items 152, 159 and the "Faults").
 *
 * Checklist items of section 17 left out, and why:
 * - 147: keyword arguments and "no callable" have no C form (a task is a
 *   name and argument bytes; an unknown name is in executor_bad_input).
 * - 148: chunksize < 1 cannot be given (size_t; 0 means automatic).
 * - 150: buffersize: the C map has no such option (it copies its arguments).
 * - 151: max_workers 0 means mp_cpu_count() in C (negative: bad input);
 *   Windows' 61 limit and the sandbox's PermissionError are CPython's.
 * - 153, 158, 160, 161, 168: pickling, tracebacks, references and falsey
 *   exceptions have no C meaning: arguments and results are bytes, copied.
 * - 156: terminate_workers/kill_workers have no C function.
 * - 157 (finalisation), 162 and 163's program-exit parts: about the
 *   interpreter's exit; C has none (destroy joins, tested here).
 * - 164: fork pre-spawning: the C executor starts workers on demand under
 *   every start method (executor.h), which idle_reuse and saturation test.
 */
#include <math.h>
#include <string.h>

#include "executor_helpers.h"
#include "sync_helpers.h" /* poll_until */

/* ---- submit and result ---------------------------------------------------- */

/* Each submit form and each typed result: bytes (an inner NUL, and none at
 * all), int64, double, string, and the options form. */
static void submit_types(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 2);
    static const char bytes[] = "abc\0def";
    mp_future_t *fs[6] = {NULL};
    if (!ex || !EXPECT_RC(mp_executor_submit(ex, &fs[0], "task_echo", bytes, sizeof bytes), 0) ||
        !EXPECT_RC(mp_executor_submit(ex, &fs[1], "task_echo", NULL, 0), 0) ||
        !EXPECT_RC(mp_executor_submit_i64(ex, &fs[2], "task_square", -12), 0) ||
        !EXPECT_RC(mp_executor_submit_double(ex, &fs[3], "task_exec_twice", 1.25), 0) ||
        !EXPECT_RC(mp_executor_submit_str(ex, &fs[4], "task_exec_shout", "abc"), 0) ||
        !EXPECT_RC(
            mp_executor_submit_with(ex, &fs[5], "task_square", &(mp_submit_opts_t){MP_ARG_I64(5)}),
            0))
        goto out;
    const void *data = NULL;
    size_t len = 0;
    if (EXPECT_RC(mp_future_result(fs[0], EXEC_WAIT_S, &data, &len), 0) &&
        EXPECT_EQ(len, sizeof bytes))
        EXPECT(memcmp(data, bytes, sizeof bytes) == 0, "the echoed bytes differ");
    data = bytes;
    len = 99;
    if (EXPECT_RC(mp_future_result(fs[1], EXEC_WAIT_S, &data, &len), 0)) {
        EXPECT_EQ(len, 0);
        EXPECT(data == NULL, "an empty result is NULL bytes");
    }
    EXPECT_RESULT_I64(fs[2], 144);
    double d = 0;
    if (EXPECT_RC(mp_future_result_double(fs[3], EXEC_WAIT_S, &d), 0))
        EXPECT(d == 2.5, "got %g, expected 2.5", d);
    const char *s = NULL;
    if (EXPECT_RC(mp_future_result_str(fs[4], EXEC_WAIT_S, &s), 0))
        EXPECT_STR(s, "ABC" EXEC_SHOUT_SUFFIX);
    EXPECT_RESULT_I64(fs[5], 25);
out:
    mp_executor_destroy(ex);
    destroy_futures(fs, 6);
}
BOTH_KINDS(submit_types)

/* The worker that ran a task: a worker process (not this one, one of the
 * executor's, reported alike by mp_future_worker() and by the task), or
 * for threads this very process, with pid 0 from mp_future_worker() and no
 * worker pids. */
static void worker_identity(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *f = NULL;
    mp_process_info_t me;
    exec_whoami_t w;
    const void *data = NULL;
    size_t len = 0;
    if (!ex || !EXPECT_RC(mp_current_process(&me), 0) ||
        !EXPECT_RC(mp_executor_submit(ex, &f, "task_exec_whoami", NULL, 0), 0) ||
        !EXPECT_RC(mp_future_result(f, EXEC_WAIT_S, &data, &len), 0) || !EXPECT_EQ(len, sizeof w))
        goto out;
    memcpy(&w, data, sizeof w);
    mp_pid_t pid = -1, pids[4] = {0};
    int exitcode = 99;
    size_t count = 99;
    EXPECT_RC(mp_future_worker(f, &pid, &exitcode), 0);
    EXPECT_EQ(exitcode, 0);
    EXPECT_RC(mp_executor_worker_pids(ex, pids, 4, &count), 0);
    if (kind == MP_EXECUTOR_THREADS) {
        EXPECT_EQ(w.pid, me.pid);
        EXPECT_EQ(pid, 0);
        EXPECT_EQ(count, 0);
    } else {
        EXPECT(w.pid != me.pid, "a worker process has the parent's pid %lld", (long long)me.pid);
        EXPECT_EQ(pid, w.pid);
        if (EXPECT_EQ(count, 1))
            EXPECT_EQ(pids[0], w.pid);
        EXPECT_STR(w.start_method, suite_method());
    }
out:
    mp_executor_destroy(ex);
    mp_future_destroy(f);
}
BOTH_KINDS(worker_identity)

/* The size of the big failure message: 1 MiB, far over any fixed buffer. */
#define BIG_MESSAGE ((int64_t)1 << 20)

/* A task's failure fails that future only (MP_ETASK), with its code and
 * message: a short one, one of 1 MiB intact, and none (a bare code: the
 * code's own message), including a code that is also a call's
 * (MP_ETIMEDOUT), never confused with the call's own failure. The
 * executor goes on. */
static void task_errors(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *small = submit_i64(ex, "task_fail_message", 42);
    mp_future_t *big = submit_i64(ex, "task_exec_fail_big", BIG_MESSAGE);
    mp_future_t *bare = submit_i64(ex, "task_return_code", MP_ETIMEDOUT);
    mp_future_t *after = submit_i64(ex, "task_square", 3);
    EXPECT_TASK_ERROR(small, MP_EINVAL, "failed with 42");
    EXPECT_TASK_ERROR(bare, MP_ETIMEDOUT, "");
    int code = 0;
    const char *message = NULL;
    if (big && EXPECT_RC(mp_future_result(big, EXEC_WAIT_S, NULL, NULL), MP_ETASK) &&
        EXPECT_RC(mp_future_error(big, 0, &code, &message), 0)) {
        EXPECT_RC(code, MP_EINVAL);
        size_t n = strlen(message), bad = 0;
        while (bad < n && message[bad] == exec_message_char(bad))
            bad++;
        EXPECT(n == (size_t)BIG_MESSAGE && bad == n,
               "the message is %zu bytes (expected %lld), first wrong byte at %zu", n,
               (long long)BIG_MESSAGE, bad);
    }
    EXPECT_RESULT_I64(after, 9);
    mp_executor_destroy(ex);
    mp_future_destroy(small);
    mp_future_destroy(big);
    mp_future_destroy(bare);
    mp_future_destroy(after);
}
BOTH_KINDS(task_errors)

/* A task that returns a positive number (an exit code for a process,
 * task.h): in an executor that is the task's failure, not its worker's
 * (Python's SystemExit in a task: item 159). Its future fails with
 * MP_ETASK, with MP_ETASK as its code (codes are negative MP_E*: executor.h
 * says "anything else: what the task returned", which a positive number
 * cannot be) and a message that names the exit code, alike on both kinds;
 * no worker dies, and the same worker goes on. */
static void task_exit_code(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *first = submit_i64(ex, "task_square", 2);
    EXPECT_RESULT_I64(first, 4);
    mp_future_t *exits = submit_i64(ex, "task_return_code", 3);
    mp_future_t *after = submit_i64(ex, "task_square", 4);
    EXPECT_TASK_ERROR(exits, MP_ETASK, "the task ended with exit code 3");
    EXPECT_RESULT_I64(after, 16);
    mp_pid_t pid_first = -1, pid_after = -2;
    int exitcode = 99;
    if (first && exits && after && EXPECT_RC(mp_future_worker(first, &pid_first, NULL), 0) &&
        EXPECT_RC(mp_future_worker(exits, NULL, &exitcode), 0) &&
        EXPECT_RC(mp_future_worker(after, &pid_after, NULL), 0)) {
        EXPECT_EQ(exitcode, 0);
        EXPECT_EQ(pid_after, pid_first);
    }
    mp_executor_stats_t st;
    if (ex && EXPECT_RC(mp_executor_stats(ex, &st), 0)) {
        EXPECT_EQ(st.worker_deaths, 0);
        EXPECT_EQ(st.workers_started, 1);
        EXPECT_EQ(st.tasks_done, 3);
    }
    mp_executor_destroy(ex);
    mp_future_destroy(first);
    mp_future_destroy(exits);
    mp_future_destroy(after);
}
BOTH_KINDS(task_exit_code)

/* Submit, read and destroy `n` futures one after another. */
static bool submit_cycles(mp_executor_t *ex, int n)
{
    for (int i = 0; i < n; i++) {
        mp_future_t *f = submit_i64(ex, "task_square", i);
        bool ok = EXPECT_RESULT_I64(f, (int64_t)i * i);
        mp_future_destroy(f);
        if (!ok)
            return false;
    }
    return true;
}

/* A future read and destroyed leaves nothing behind in this process: the
 * heap does not grow with the number of tasks (a leak of one task's
 * bookkeeping, a few hundred bytes, shows as hundreds of KiB). Where the
 * allocator cannot say (heap_bytes_in_use() < 0, or an ASan build, whose
 * leak checker sees it instead) there is nothing to compare. */
static void no_growth(mp_executor_kind_t kind)
{
    enum { WARMUP = 200, CYCLES = 2000 };
    const long long slack = 128 << 10;
    mp_executor_t *ex = start_executor(kind, 1);
    long long before = 0, after = 0;
    if (ex && submit_cycles(ex, WARMUP) && (before = heap_bytes_in_use()) > 0 &&
        submit_cycles(ex, CYCLES) && (after = heap_bytes_in_use()) > 0)
        EXPECT(after - before < slack, "the heap grew by %lld bytes over %d tasks", after - before,
               CYCLES);
    mp_executor_destroy(ex);
}
BOTH_KINDS(no_growth)

/* ---- map -------------------------------------------------------------------- */

enum { MAP_N = 23 };

/* map(square, 0..MAP_N-1) with chunksize 1, 3, exactly n, more than n and
 * automatic: the results in order, read with both getters. */
static void map_chunksizes(mp_executor_kind_t kind)
{
    static const size_t chunks[] = {1, 3, MAP_N, 1000, 0};
    int64_t in[MAP_N];
    for (int i = 0; i < MAP_N; i++)
        in[i] = i - 5;
    mp_executor_t *ex = start_executor(kind, 2);
    for (size_t c = 0; ex && c < sizeof chunks / sizeof chunks[0]; c++) {
        mp_map_t *m = NULL;
        mp_map_opts_t opts = {.chunksize = chunks[c]};
        if (!EXPECT_RC(mp_executor_map(ex, &m, "task_square", in, sizeof in[0], MAP_N, &opts), 0))
            continue;
        EXPECT_EQ(mp_map_count(m), MAP_N);
        for (size_t i = 0; i < MAP_N; i++) {
            int64_t v = -1;
            const void *data = NULL;
            size_t len = 0;
            bool ok = mp_map_get_i64(m, i, &v) == 0 && v == in[i] * in[i] &&
                      mp_map_get(m, i, &data, &len) == 0 && len == sizeof v &&
                      memcmp(data, &v, sizeof v) == 0;
            if (!EXPECT(ok, "chunksize %zu: result %zu is %lld (len %zu), expected %lld", chunks[c],
                        i, (long long)v, len, (long long)(in[i] * in[i])))
                break;
        }
        int code = 99;
        EXPECT_RC(mp_map_error(m, 0, &code, NULL), 0);
        EXPECT_EQ(code, 0);
        mp_map_destroy(m);
    }
    mp_executor_destroy(ex);
}
BOTH_KINDS(map_chunksizes)

/* Element k fails: the results before it are there, k gives MP_ETASK and
 * mp_map_error() its code and message, and the ones after it are there too
 * (each element has its own outcome), in a chunk of one and in a chunk of
 * all. A task that fails with MP_ETIMEDOUT itself is a failed element, not
 * the map's timeout. */
static void map_element_fails(mp_executor_kind_t kind)
{
    static const int64_t in[] = {1, 2, -3, 4, MP_ETIMEDOUT};
    enum { N = sizeof in / sizeof in[0], K = 2 };
    static const size_t chunks[] = {1, N};
    mp_executor_t *ex = start_executor(kind, 2);
    for (size_t c = 0; ex && c < 2; c++) {
        mp_map_t *m = NULL;
        mp_map_opts_t opts = {.chunksize = chunks[c]};
        if (!EXPECT_RC(
                mp_executor_map(ex, &m, "task_exec_square_or_fail", in, sizeof in[0], N - 1, &opts),
                0))
            continue;
        for (size_t i = 0; i < N - 1; i++) {
            int64_t v = 0;
            if (i != K) {
                if (EXPECT_RC(mp_map_get_i64(m, i, &v), 0))
                    EXPECT_EQ(v, in[i] * in[i]);
                continue;
            }
            int code = 0;
            const char *message = NULL;
            if (EXPECT_RC(mp_map_get_i64(m, i, &v), MP_ETASK) &&
                EXPECT_RC(mp_map_error(m, i, &code, &message), 0)) {
                EXPECT_RC(code, MP_EINVAL);
                EXPECT_STR(message, EXEC_NEGATIVE_MESSAGE " -3");
            }
        }
        mp_map_destroy(m);
    }
    mp_map_t *m = NULL;
    int code = 0;
    if (ex &&
        EXPECT_RC(mp_executor_map(ex, &m, "task_return_code", &in[N - 1], sizeof in[0], 1, NULL),
                  0) &&
        EXPECT_RC(mp_map_get(m, 0, NULL, NULL), MP_ETASK) &&
        EXPECT_RC(mp_map_error(m, 0, &code, NULL), 0))
        EXPECT_RC(code, MP_ETIMEDOUT);
    mp_map_destroy(m);
    mp_executor_destroy(ex);
}
BOTH_KINDS(map_element_fails)

/* Start `n` workers and wait until each runs (gated tasks, then the gate
 * opens), so that a timing that follows does not include starting them. */
static bool warm_up(mp_executor_t *ex, int n)
{
    exec_gate_t g;
    if (!gate_make(&g))
        return false;
    mp_future_t *fs[8] = {NULL};
    bool ok = n <= 8;
    for (int i = 0; ok && i < n; i++)
        ok = (fs[i] = gate_submit(ex, &g, i)) != NULL;
    for (int i = 0; ok && i < n; i++)
        ok = gate_wait_started(&g, i);
    gate_open(&g);
    for (int i = 0; ok && i < n; i++)
        ok = EXPECT_RESULT_I64(fs[i], i);
    gate_remove(&g);
    destroy_futures(fs, 8);
    return ok;
}

/* map(sleep, [0, 0, 2], timeout 1) (item 149, shortened): the first two
 * results come, the third answers MP_ETIMEDOUT once the map's second has
 * passed, and again after. */
static void map_timeout(mp_executor_kind_t kind)
{
    static const double sleeps[] = {0, 0, 2.0};
    mp_executor_t *ex = start_executor(kind, 3);
    mp_map_t *m = NULL;
    if (!ex || !warm_up(ex, 3) ||
        !EXPECT_RC(mp_executor_map(ex, &m, "task_sleep", sleeps, sizeof sleeps[0], 3,
                                   &(mp_map_opts_t){.chunksize = 1, .timeout = 1.0}),
                   0))
        goto out;
    EXPECT_RC(mp_map_get(m, 0, NULL, NULL), 0);
    EXPECT_RC(mp_map_get(m, 1, NULL, NULL), 0);
    EXPECT_RC(mp_map_get(m, 2, NULL, NULL), MP_ETIMEDOUT);
    EXPECT_RC(mp_map_get(m, 2, NULL, NULL), MP_ETIMEDOUT);
out:
    mp_map_destroy(m);
    mp_executor_destroy(ex);
}
BOTH_KINDS(map_timeout)

/* mp_executor_map_i64(): out[i] = square(in[i]) for every i; none for
 * n = 0; a failure at 7 is MP_ETASK with its message in mp_errdetail(). */
static void map_i64(mp_executor_kind_t kind)
{
    enum { N = 40 };
    int64_t in[N], out[N];
    for (int i = 0; i < N; i++) {
        in[i] = 3 * i - 1;
        out[i] = -1;
    }
    in[0] = 0;
    mp_executor_t *ex = start_executor(kind, 2);
    if (ex &&
        EXPECT_RC(mp_executor_map_i64(ex, "task_exec_square_or_fail", in, out, N, EXEC_WAIT_S), 0))
        for (int i = 0; i < N; i++)
            if (!EXPECT_EQ(out[i], in[i] * in[i]))
                break;
    EXPECT_RC(mp_executor_map_i64(ex, "task_exec_square_or_fail", NULL, NULL, 0, EXEC_WAIT_S), 0);
    in[7] = -7;
    if (EXPECT_RC(mp_executor_map_i64(ex, "task_exec_square_or_fail", in, out, N, EXEC_WAIT_S),
                  MP_ETASK))
        EXPECT(strstr(mp_errdetail(), EXEC_NEGATIVE_MESSAGE " -7") != NULL,
               "mp_errdetail() says \"%s\"", mp_errdetail());
    mp_executor_destroy(ex);
}
BOTH_KINDS(map_i64)

/* ---- shutdown and destroy (items 162, 163, 164) ------------------------------ */

/* Every way to give work answers MP_ESHUTDOWN; the out-pointers go to
 * `f` (5) and `m`. */
static void give_work_after_shutdown(mp_executor_t *ex, mp_future_t **f, mp_map_t **m)
{
    int64_t one = 1, out = 0;
    EXPECT_RC(mp_executor_submit(ex, &f[0], "task_echo", "x", 1), MP_ESHUTDOWN);
    EXPECT_RC(mp_executor_submit_i64(ex, &f[1], "task_square", 1), MP_ESHUTDOWN);
    EXPECT_RC(mp_executor_submit_double(ex, &f[2], "task_exec_twice", 1), MP_ESHUTDOWN);
    EXPECT_RC(mp_executor_submit_str(ex, &f[3], "task_exec_shout", "x"), MP_ESHUTDOWN);
    EXPECT_RC(mp_executor_submit_with(ex, &f[4], "task_echo", NULL), MP_ESHUTDOWN);
    EXPECT_RC(mp_executor_map(ex, m, "task_square", &one, sizeof one, 1, NULL), MP_ESHUTDOWN);
    EXPECT_RC(mp_executor_map_i64(ex, "task_square", &one, &out, 1, EXEC_WAIT_S), MP_ESHUTDOWN);
}

/* Every way to give work answers MP_ESHUTDOWN (what a refused call may
 * have written is refused_work_gives_nothing's business). */
static void expect_no_more_work(mp_executor_t *ex)
{
    mp_future_t *f[5] = {NULL};
    mp_map_t *m = NULL;
    give_work_after_shutdown(ex, f, &m);
    destroy_futures(f, 5); /* harmless on NULL and on a destroyed handle */
    mp_map_destroy(m);
}

/* A submit or map refused after shutdown gives no handle: an
 * out-parameter is written only on success (api/CONVENTIONS.md). */
static void refused_work_gives_nothing(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *f[5] = {NULL};
    mp_map_t *m = NULL;
    if (!ex || !EXPECT_RC(mp_executor_shutdown(ex, true, false), 0))
        goto out;
    give_work_after_shutdown(ex, f, &m);
    for (int i = 0; i < 5; i++)
        EXPECT(f[i] == NULL, "refused submit %d wrote its out-pointer", i);
    EXPECT(m == NULL, "a refused map wrote its out-pointer");
out:
    mp_executor_destroy(ex);
    destroy_futures(f, 5);
    mp_map_destroy(m);
}
BOTH_KINDS(refused_work_gives_nothing)

/* shutdown(wait) with 50 queued tasks completes every one of them before
 * it returns, and leaves no worker; then every submit is refused, and a
 * second shutdown is harmless. */
static void shutdown_waits(mp_executor_kind_t kind)
{
    enum { N = 50 };
    mp_future_t *fs[N] = {NULL};
    mp_executor_t *ex = start_executor(kind, 2);
    for (int i = 0; ex && i < N; i++)
        if (!(fs[i] = submit_i64(ex, "task_square", i)))
            goto out;
    if (!EXPECT_RC(mp_executor_shutdown(ex, true, false), 0))
        goto out;
    for (int i = 0; i < N; i++) {
        int64_t v = -1;
        int rc = mp_future_result_i64(fs[i], 0, &v);
        if (!EXPECT(rc == 0 && v == (int64_t)i * i, "task %d: %s, %lld", i, mp_err_name(rc),
                    (long long)v))
            break;
    }
    size_t count = 99;
    mp_executor_stats_t st;
    EXPECT_RC(mp_executor_worker_pids(ex, NULL, 0, &count), 0);
    EXPECT_EQ(count, 0);
    if (EXPECT_RC(mp_executor_stats(ex, &st), 0)) {
        EXPECT_EQ(st.workers_alive, 0);
        EXPECT_EQ(st.tasks_done, N);
    }
    expect_no_more_work(ex);
    EXPECT_RC(mp_executor_shutdown(ex, true, false), 0);
    EXPECT_RC(mp_executor_shutdown(ex, false, true), 0);
out:
    mp_executor_destroy(ex);
    destroy_futures(fs, N);
}
BOTH_KINDS(shutdown_waits)

/* shutdown(cancel_futures) with 30 queued 0.1 s tasks on 2 workers (item
 * 163, scaled down): many are cancelled, at least one completed, and every
 * one not cancelled is done without an error. */
static void shutdown_cancels(mp_executor_kind_t kind)
{
    enum { N = 30, MIN_CANCELLED = 10 };
    mp_future_t *fs[N] = {NULL};
    mp_executor_t *ex = start_executor(kind, 2);
    for (int i = 0; ex && i < N; i++)
        if (!EXPECT_RC(mp_executor_submit_double(ex, &fs[i], "task_sleep", 0.1), 0))
            goto out;
    /* One done first, so that "at least one completed" is no race. */
    if (!EXPECT_RC(mp_future_result(fs[0], EXEC_WAIT_S, NULL, NULL), 0) ||
        !EXPECT_RC(mp_executor_shutdown(ex, true, true), 0))
        goto out;
    int cancelled = 0;
    for (int i = 0; i < N; i++) {
        if (mp_future_is_cancelled(fs[i]) == 1) {
            cancelled++;
            EXPECT_CANCELLED(fs[i]);
            continue;
        }
        int code = 99;
        EXPECT_EQ(mp_future_is_done(fs[i]), 1);
        EXPECT_RC(mp_future_result(fs[i], 0, NULL, NULL), 0);
        EXPECT_RC(mp_future_error(fs[i], 0, &code, NULL), 0);
        EXPECT_EQ(code, 0);
    }
    EXPECT(cancelled >= MIN_CANCELLED && cancelled < N, "%d of %d cancelled, expected %d to %d",
           cancelled, N, MIN_CANCELLED, N - 1);
    expect_no_more_work(ex);
out:
    mp_executor_destroy(ex);
    destroy_futures(fs, N);
}
BOTH_KINDS(shutdown_cancels)

/* shutdown(wait = false) returns while tasks run; they finish in the
 * background, and destroy joins: every future is done, right. */
static void shutdown_no_wait(mp_executor_kind_t kind)
{
    enum { N = 10 };
    held_executor_t h;
    mp_future_t *fs[N] = {NULL};
    if (!held_start(&h, kind, 2, 0))
        goto out;
    for (int i = 0; i < N; i++)
        if (!(fs[i] = submit_i64(h.ex, "task_square", i)))
            goto out;
    EXPECT_RC(mp_executor_shutdown(h.ex, false, false), 0);
    EXPECT_EQ(mp_future_is_done(h.held), 0);
    expect_no_more_work(h.ex);
    gate_open(&h.gate);
    mp_executor_destroy(h.ex);
    h.ex = NULL;
    EXPECT_RESULT_I64(h.held, 0);
    for (int i = 0; i < N; i++)
        EXPECT_RESULT_I64(fs[i], (int64_t)i * i);
out:
    held_end(&h);
    destroy_futures(fs, N);
}
BOTH_KINDS(shutdown_no_wait)

/* A task submitted while every worker is busy runs on the first worker
 * that is free, not behind a task that runs on: with one worker held by a
 * gated task, two quick tasks submitted back to back both finish while it
 * is still held (Python's executors share one call queue; no task waits
 * behind a long one while another worker has nothing to do). */
static void free_worker_takes_queued(mp_executor_kind_t kind)
{
    held_executor_t h;
    mp_future_t *a = NULL, *b = NULL;
    if (!held_start(&h, kind, 2, 0) || !(a = submit_i64(h.ex, "task_square", 2)) ||
        !(b = submit_i64(h.ex, "task_square", 3)))
        goto out;
    int64_t va = 0, vb = 0;
    int rca = mp_future_result_i64(a, EXEC_WAIT_S / 3, &va);
    int rcb = mp_future_result_i64(b, EXEC_WAIT_S / 3, &vb);
    EXPECT(rca == 0 && va == 4 && rcb == 0 && vb == 9,
           "with one worker held: %s (%lld) and %s (%lld) in %.0f s", mp_err_name(rca),
           (long long)va, mp_err_name(rcb), (long long)vb, EXEC_WAIT_S / 3);
    EXPECT_EQ(mp_future_is_done(h.held), 0);
out:
    held_end(&h);
    mp_future_destroy(a);
    mp_future_destroy(b);
}
BOTH_KINDS(free_worker_takes_queued)

/* Whether a joined worker's pid is gone. Windows keeps a process object a
 * moment after its last handle closed (about half a second under wine,
 * for any process the library joined), so this looks again for a while;
 * on POSIX the first look answers. */
static bool pid_reaped_soon(pid_t pid)
{
    for (double end = now_s() + 10.0; !pid_reaped(pid); sleep_s(0.05))
        if (now_s() > end)
            return false;
    return true;
}

/* Destroy without shutdown (Python's `with` and `del`): it waits for the
 * running tasks, joins every worker (no worker pid is left, not even a
 * zombie), and the futures stay valid, done. */
static void destroy_joins(mp_executor_kind_t kind)
{
    enum { N = 2 };
    exec_gate_t g;
    if (!gate_make(&g))
        return;
    mp_future_t *fs[N] = {NULL};
    mp_pid_t pids[N + 1] = {0};
    size_t count = 0;
    mp_executor_t *ex = start_executor(kind, N);
    for (int i = 0; ex && i < N; i++)
        if (!(fs[i] = gate_submit(ex, &g, i)) || !gate_wait_started(&g, i))
            goto out;
    if (!EXPECT_RC(mp_executor_worker_pids(ex, pids, N + 1, &count), 0) ||
        !EXPECT_EQ(count, kind == MP_EXECUTOR_THREADS ? 0 : N))
        goto out;
    gate_open(&g);
    mp_executor_destroy(ex);
    ex = NULL;
    for (size_t i = 0; i < count; i++)
        EXPECT(pid_reaped_soon((pid_t)pids[i]), "worker %lld outlived the executor's destroy",
               (long long)pids[i]);
    for (int i = 0; i < N; i++) {
        EXPECT_STATE(fs[i], 1, 0, 0);
        EXPECT_RESULT_I64(fs[i], i);
    }
out:
    gate_open(&g);
    mp_executor_destroy(ex);
    gate_remove(&g);
    destroy_futures(fs, N);
}
BOTH_KINDS(destroy_joins)

/* ---- workers: how many, which (items 154, 155, 157) ----------------------- */

/* 15 x max_workers tasks at once: there are never more than max_workers
 * workers (looked at while they run, and counted at the end). */
static void saturation(mp_executor_kind_t kind)
{
    enum { WORKERS = 2, N = 15 * WORKERS };
    mp_future_t *fs[N] = {NULL};
    mp_executor_t *ex = start_executor(kind, WORKERS);
    for (int i = 0; ex && i < N; i++)
        if (!EXPECT_RC(mp_executor_submit_double(ex, &fs[i], "task_exec_whoami", 0.01), 0))
            goto out;
    size_t most = 0;
    while (mp_future_is_done(fs[N - 1]) == 0) {
        size_t count = 0;
        if (!EXPECT_RC(mp_executor_worker_pids(ex, NULL, 0, &count), 0))
            break;
        most = count > most ? count : most;
        sleep_s(0.002);
    }
    EXPECT(most <= WORKERS, "%zu workers at once, max_workers %d", most, WORKERS);
    mp_pid_t seen[WORKERS + 1] = {0};
    size_t distinct = 0;
    for (int i = 0; i < N; i++) {
        exec_whoami_t w;
        if (!whoami_of(fs[i], &w))
            break;
        size_t k = 0;
        while (k < distinct && seen[k] != w.pid)
            k++;
        if (k == distinct && distinct <= WORKERS)
            seen[distinct++] = w.pid;
    }
    if (kind == MP_EXECUTOR_PROCESSES)
        EXPECT(distinct <= WORKERS, "%zu worker pids ran tasks", distinct);
    mp_executor_stats_t st;
    if (EXPECT_RC(mp_executor_stats(ex, &st), 0)) {
        EXPECT(st.workers_started >= 1 && st.workers_started <= WORKERS,
               "%llu workers started, max_workers %d", (unsigned long long)st.workers_started,
               WORKERS);
        EXPECT(st.workers_alive <= WORKERS, "%llu workers alive",
               (unsigned long long)st.workers_alive);
    }
out:
    mp_executor_destroy(ex);
    destroy_futures(fs, N);
}
BOTH_KINDS(saturation)

/* Sequential submit-then-result cycles start one worker only, which runs
 * them all (an idle worker is reused, whatever max_workers allows). Under
 * fork, as in Python (checklist item 164), every worker starts with the
 * executor, and the first of them runs every cycle. */
static void idle_reuse(mp_executor_kind_t kind)
{
    enum { CYCLES = 10, WORKERS = 4 };
    bool prestarted = kind == MP_EXECUTOR_PROCESSES && strcmp(suite_method(), "fork") == 0;
    mp_executor_t *ex = start_executor(kind, WORKERS);
    mp_pid_t first = -1;
    for (int i = 0; ex && i < CYCLES; i++) {
        mp_future_t *f = submit_i64(ex, "task_square", i);
        mp_pid_t pid = -1;
        bool ok = EXPECT_RESULT_I64(f, (int64_t)i * i) &&
                  EXPECT_RC(mp_future_worker(f, &pid, NULL), 0);
        mp_future_destroy(f);
        if (!ok)
            break;
        if (i == 0)
            first = pid;
        if (!EXPECT(pid == first, "cycle %d ran on %lld, the first on %lld", i, (long long)pid,
                    (long long)first))
            break;
    }
    mp_executor_stats_t st;
    if (ex && EXPECT_RC(mp_executor_stats(ex, &st), 0)) {
        EXPECT_EQ(st.workers_started, prestarted ? WORKERS : 1);
        EXPECT_EQ(st.tasks_done, CYCLES);
    }
    mp_executor_destroy(ex);
}
BOTH_KINDS(idle_reuse)

/* The initializer runs once in each worker, with its argument, before the
 * worker's first task: every task sees its marker, on each of two
 * workers. */
static void initializer(mp_executor_kind_t kind)
{
    enum { WORKERS = 2, N = 6, MARKER = 4242 };
    exec_gate_t g;
    if (!gate_make(&g))
        return;
    int64_t marker = MARKER;
    mp_executor_opts_t opts = {.kind = kind,
                               .max_workers = WORKERS,
                               .initializer = "task_exec_init",
                               .initarg = &marker,
                               .initarg_len = sizeof marker};
    if (kind == MP_EXECUTOR_PROCESSES)
        opts.context = method_context();
    mp_executor_t *ex = start_executor_opts(&opts);
    marker = 0; /* the executor has its own copy */
    mp_future_t *held[WORKERS] = {NULL}, *fs[N] = {NULL};
    /* Both workers run: hold each with a gated task, then give them work. */
    for (int i = 0; ex && i < WORKERS; i++)
        if (!(held[i] = gate_submit(ex, &g, i)) || !gate_wait_started(&g, i))
            goto out;
    for (int i = 0; ex && i < N; i++)
        if (!EXPECT_RC(mp_executor_submit(ex, &fs[i], "task_exec_whoami", NULL, 0), 0))
            goto out;
    gate_open(&g);
    for (int i = 0; i < N; i++) {
        exec_whoami_t w;
        if (!whoami_of(fs[i], &w))
            break;
        EXPECT(w.init_marker == MARKER && w.init_runs == 1,
               "task %d on worker %lld: marker %lld, initializer ran %lld times", i,
               (long long)w.pid, (long long)w.init_marker, (long long)w.init_runs);
    }
    mp_executor_stats_t st;
    if (EXPECT_RC(mp_executor_stats(ex, &st), 0))
        EXPECT_EQ(st.workers_started, WORKERS);
out:
    gate_open(&g);
    mp_executor_destroy(ex);
    gate_remove(&g);
    destroy_futures(held, WORKERS);
    destroy_futures(fs, N);
}
BOTH_KINDS(initializer)

/* An executor of worker processes with max_tasks_per_child and a context
 * (NULL: the default); asserted. */
static mp_executor_t *start_retiring(int max_workers, int max_tasks, mp_context_t *ctx)
{
    return start_executor_opts(&(mp_executor_opts_t){
        .max_workers = max_workers, .max_tasks_per_child = max_tasks, .context = ctx});
}

static bool one_worker_left(void *ctx)
{
    size_t count = 99;
    return mp_executor_worker_pids(ctx, NULL, 0, &count) == 0 && count == 1;
}

/* max_tasks_per_child = 3 (item 155): one pid serves 3 tasks, a new pid
 * serves the 4th, the first worker is gone and one process is left. */
static void test_max_tasks_per_child(void)
{
    enum { N = 4 };
    mp_executor_t *ex = start_retiring(1, 3, method_context());
    mp_future_t *fs[N] = {NULL};
    mp_pid_t pid[N] = {0};
    for (int i = 0; ex && i < N; i++) {
        exec_whoami_t w;
        if (!EXPECT_RC(mp_executor_submit(ex, &fs[i], "task_exec_whoami", NULL, 0), 0) ||
            !whoami_of(fs[i], &w) || !EXPECT_RC(mp_future_worker(fs[i], &pid[i], NULL), 0))
            goto out;
        EXPECT_EQ(pid[i], w.pid);
    }
    EXPECT(pid[1] == pid[0] && pid[2] == pid[0] && pid[3] != pid[0],
           "pids %lld %lld %lld %lld: expected 3 the same, then another", (long long)pid[0],
           (long long)pid[1], (long long)pid[2], (long long)pid[3]);
    EXPECT(wait_pid_gone((pid_t)pid[0], EXEC_WAIT_S), "the retired worker %lld is still alive",
           (long long)pid[0]);
    EXPECT(poll_until(one_worker_left, ex, EXEC_WAIT_S), "not exactly one worker left");
    mp_executor_stats_t st;
    if (EXPECT_RC(mp_executor_stats(ex, &st), 0)) {
        EXPECT_EQ(st.workers_retired, 1);
        EXPECT_EQ(st.workers_started, 2);
        EXPECT_EQ(st.worker_deaths, 0);
    }
out:
    mp_executor_destroy(ex);
    destroy_futures(fs, N);
}

/* With max_tasks_per_child and no context, the workers are spawned (as
 * Python), whatever the default start method is. */
static void test_max_tasks_default_spawn(void)
{
    mp_executor_t *ex = start_retiring(1, 2, NULL);
    mp_future_t *f = NULL;
    exec_whoami_t w;
    if (ex && EXPECT_RC(mp_executor_submit(ex, &f, "task_exec_whoami", NULL, 0), 0) &&
        whoami_of(f, &w))
        EXPECT_STR(w.start_method, "spawn");
    mp_executor_destroy(ex);
    mp_future_destroy(f);
}

#if TEST_POSIX
/* max_tasks_per_child with a fork context: MP_EINVAL (as Python's
 * ValueError), and no executor. */
static void test_max_tasks_fork_refused(void)
{
    mp_context_t *fork_ctx = NULL;
    mp_executor_t *ex = NULL;
    if (EXPECT_RC(mp_get_context(&fork_ctx, "fork"), 0))
        EXPECT_RC(mp_executor_create(
                      &ex, &(mp_executor_opts_t){.max_tasks_per_child = 3, .context = fork_ctx}),
                  MP_EINVAL);
    EXPECT(ex == NULL, "a refused create gave an executor");
    mp_executor_destroy(ex);
}
#endif

/* max_tasks_per_child = 1 with 3 workers, 6 tasks and shutdown(wait) at
 * once (item 155): every result is right, retiring workers being replaced
 * while the executor shuts down. Then item 165: with 2 workers, a failing
 * task and shutdown(wait = false), nothing hangs and the others succeed. */
static void test_max_tasks_early_shutdown(void)
{
    enum { N = 6 };
    mp_executor_t *ex = start_retiring(3, 1, method_context());
    mp_future_t *fs[N] = {NULL};
    for (int i = 0; ex && i < N; i++)
        if (!(fs[i] = submit_i64(ex, "task_square", i + 1)))
            goto out;
    if (ex && EXPECT_RC(mp_executor_shutdown(ex, true, false), 0))
        for (int i = 0; i < N; i++)
            EXPECT_RESULT_I64(fs[i], (int64_t)(i + 1) * (i + 1));
    mp_executor_destroy(ex);
    destroy_futures(fs, N);
    memset(fs, 0, sizeof fs);

    ex = start_retiring(2, 1, method_context());
    for (int i = 0; ex && i < N; i++)
        if (!(fs[i] = submit_i64(ex, "task_exec_square_or_fail", i == 0 ? -1 : i)))
            goto out;
    if (ex && EXPECT_RC(mp_executor_shutdown(ex, false, false), 0)) {
        mp_executor_destroy(ex);
        ex = NULL;
        EXPECT_TASK_ERROR(fs[0], MP_EINVAL, EXEC_NEGATIVE_MESSAGE " -1");
        for (int i = 1; i < N; i++)
            EXPECT_RESULT_I64(fs[i], (int64_t)i * i);
    }
out:
    mp_executor_destroy(ex);
    destroy_futures(fs, N);
}

static const test_case_t tests[] = {
    BOTH_KINDS_ROWS(submit_types, ON_ALL),
    BOTH_KINDS_ROWS(worker_identity, ON_ALL),
    BOTH_KINDS_ROWS(task_errors, ON_ALL),
    BOTH_KINDS_ROWS(task_exit_code, ON_ALL),
    BOTH_KINDS_ROWS(no_growth, ON_ALL),
    BOTH_KINDS_ROWS(map_chunksizes, ON_ALL),
    BOTH_KINDS_ROWS(map_element_fails, ON_ALL),
    BOTH_KINDS_ROWS(map_timeout, ON_ALL),
    BOTH_KINDS_ROWS(map_i64, ON_ALL),
    BOTH_KINDS_ROWS(shutdown_waits, ON_ALL),
    BOTH_KINDS_ROWS(refused_work_gives_nothing, ON_ALL),
    BOTH_KINDS_ROWS(shutdown_cancels, ON_ALL),
    BOTH_KINDS_ROWS(shutdown_no_wait, ON_ALL),
    BOTH_KINDS_ROWS(destroy_joins, ON_ALL),
    BOTH_KINDS_ROWS(free_worker_takes_queued, ON_ALL),
    BOTH_KINDS_ROWS(saturation, ON_ALL),
    BOTH_KINDS_ROWS(idle_reuse, ON_ALL),
    BOTH_KINDS_ROWS(initializer, ON_ALL),
    {"max_tasks_per_child", test_max_tasks_per_child, ON_NOT_FORK},
    {"max_tasks_default_spawn", test_max_tasks_default_spawn, ON_ALL},
#if TEST_POSIX
    {"max_tasks_fork_refused", test_max_tasks_fork_refused, ON_ALL},
#endif
    {"max_tasks_early_shutdown", test_max_tasks_early_shutdown, ON_NOT_FORK},
    {NULL, NULL, 0},
};

const test_suite_t suite_executor = {"executor", true, tests};
