/* Suite "futures": what a future does, seen through real executors of both
 * kinds (checklist section 16, and items 166 and 167 of section 17): the
 * state table of cancel, done, running and cancelled; result(0) and
 * error(0) by state; a waiter in another thread woken by the outcome or by
 * a cancel; done callbacks (exactly once, in order, at once when added
 * after completion, never for a destroyed future); mp_futures_wait() with
 * each condition, duplicates and a short timeout; and as_completed.
 *
 * Not here, having no C meaning: a callback that raises (item 142: a C
 * callback returns nothing), a second set_result and the description of a
 * future (item 146: no C function sets a future's outcome or prints it),
 * a cancelled but not yet notified future in wait() (item 166: C has no
 * set_running_or_notify_cancel), and references held by as_completed
 * (item 167: the iterator borrows the caller's futures by contract).
 *
 * A task that must hold its worker is a gated task (executor_helpers.h):
 * it runs until the test opens its gate, so no test depends on how fast
 * the machine is. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "executor_helpers.h"
#include "sync_helpers.h" /* poll_until */

/* How long a test lets a wrong implementation block it before deciding
 * that a call waited for what it should not have: far below EXEC_WAIT_S,
 * far above anything a loaded machine needs. */
#define PROMPTLY_S (EXEC_WAIT_S / 2)

/* ---- the state table (items 143, 144) ------------------------------------ */

/* Gated tasks queued behind the held one on one worker: the last of them
 * is pending. */
enum { QUEUED = HELD_QUEUED_MAX };

/* cancel(), done(), running(), cancelled(), result(0) and error(0) in
 * each state: pending, running, cancelled, finished with a result and
 * finished with an error; abort() of a done future (aborting a running
 * one kills its worker: the fault suites'). */
static void state_table(mp_executor_kind_t kind)
{
    held_executor_t h;
    if (!held_start(&h, kind, 1, QUEUED))
        goto out;
    mp_future_t *running = h.held, *pending = held_last(&h);
    EXPECT_STATE(running, 0, 1, 0);
    EXPECT_STATE(pending, 0, 0, 0);
    /* Pending or running: result(0) and error(0) time out, at once or
     * after a short wait. */
    EXPECT_RC(mp_future_result(running, 0, NULL, NULL), MP_ETIMEDOUT);
    EXPECT_RC(mp_future_error(running, 0, NULL, NULL), MP_ETIMEDOUT);
    EXPECT_RC(mp_future_result(pending, 0, NULL, NULL), MP_ETIMEDOUT);
    EXPECT_RC(mp_future_error(pending, 0.05, NULL, NULL), MP_ETIMEDOUT);
    EXPECT_RC(mp_future_result(pending, 0.05, NULL, NULL), MP_ETIMEDOUT);
    /* RUNNING -> False and left alone; PENDING -> True; CANCELLED -> True. */
    EXPECT_EQ(mp_future_cancel(running), 0);
    EXPECT_STATE(running, 0, 1, 0);
    EXPECT_EQ(mp_future_cancel(pending), 1);
    EXPECT_CANCELLED(pending);
    EXPECT_EQ(mp_future_cancel(pending), 1);
    EXPECT_CANCELLED(pending);
    EXPECT_EQ(mp_future_abort(pending), 1); /* abort: cancelled stays cancelled */
    EXPECT_CANCELLED(pending);
    gate_open(&h.gate);
    /* FINISHED with a result -> False, and the result stays. */
    EXPECT_RESULT_I64(running, 0);
    EXPECT_EQ(mp_future_cancel(running), 0);
    EXPECT_EQ(mp_future_abort(running), 0);
    EXPECT_STATE(running, 1, 0, 0);
    int code = -1;
    const char *message = NULL;
    EXPECT_RC(mp_future_error(running, 0, &code, &message), 0);
    EXPECT_EQ(code, 0);
    EXPECT_STR(message, "");
    for (int i = 0; i < QUEUED - 1; i++)
        EXPECT_RESULT_I64(h.queued[i], i + 1);
    /* FINISHED with an error -> False, and the error stays. */
    mp_future_t *failed = submit_i64(h.ex, "task_fail_message", 7);
    EXPECT_TASK_ERROR(failed, MP_EINVAL, "failed with 7");
    EXPECT_EQ(mp_future_cancel(failed), 0);
    EXPECT_EQ(mp_future_abort(failed), 0);
    EXPECT_STATE(failed, 1, 0, 0);
    EXPECT_TASK_ERROR(failed, MP_EINVAL, "failed with 7");
    mp_future_destroy(failed);
out:
    held_end(&h);
}
BOTH_KINDS(state_table)

/* The typed results of one future: the bytes, and the typed getters of
 * the right size; a result read twice is the same. */
static void result_twice(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *f = submit_i64(ex, "task_square", -9);
    const void *data = NULL;
    size_t len = 0;
    if (f && EXPECT_RC(mp_future_result(f, EXEC_WAIT_S, &data, &len), 0) &&
        EXPECT_EQ(len, sizeof(int64_t))) {
        int64_t v;
        memcpy(&v, data, sizeof v);
        EXPECT_EQ(v, 81);
    }
    EXPECT_RESULT_I64(f, 81);
    EXPECT_RC(mp_future_result(f, 0, NULL, NULL), 0); /* the out-pointers may be NULL */
    mp_executor_destroy(ex);
    mp_future_destroy(f);
}
BOTH_KINDS(result_twice)

/* ---- waiters in other threads (item 145) ---------------------------------- */

/* A thread blocked in mp_future_result() and then mp_future_error(). */
typedef struct waiter {
    pthread_t thread;
    bool started;
    mp_future_t *f;
    int result_rc, error_rc;
} waiter_t;

static void *waiter_main(void *arg)
{
    waiter_t *w = arg;
    w->result_rc = mp_future_result(w->f, EXEC_WAIT_S, NULL, NULL);
    w->error_rc = mp_future_error(w->f, EXEC_WAIT_S, NULL, NULL);
    return NULL;
}

static bool waiter_start(waiter_t *w, mp_future_t *f)
{
    *w = (waiter_t){.f = f, .result_rc = 1, .error_rc = 1};
    int err = f ? pthread_create(&w->thread, NULL, waiter_main, w) : -1;
    w->started = err == 0;
    return EXPECT(w->started, "pthread_create: %d", err);
}

static void waiter_join(waiter_t *w)
{
    if (w->started)
        pthread_join(w->thread, NULL);
    w->started = false;
}

/* A thread waiting on a running task wakes with its result when it ends;
 * a thread waiting on a pending task wakes with MP_ECANCELLED when another
 * thread cancels it. */
static void waiter_woken(mp_executor_kind_t kind)
{
    held_executor_t h;
    waiter_t on_running, on_pending;
    if (!held_start(&h, kind, 1, QUEUED) || !waiter_start(&on_running, h.held))
        goto out;
    if (waiter_start(&on_pending, held_last(&h))) {
        sleep_s(0.05); /* let it block (it may not yet: then it finds the outcome) */
        EXPECT_EQ(mp_future_cancel(held_last(&h)), 1);
        waiter_join(&on_pending);
        EXPECT_RC(on_pending.result_rc, MP_ECANCELLED);
        EXPECT_RC(on_pending.error_rc, MP_ECANCELLED);
    }
    EXPECT_EQ(mp_future_is_done(h.held), 0);
    gate_open(&h.gate);
    waiter_join(&on_running);
    EXPECT_RC(on_running.result_rc, 0);
    EXPECT_RC(on_running.error_rc, 0);
out:
    held_end(&h);
}
BOTH_KINDS(waiter_woken)

/* ---- done callbacks (item 141) -------------------------------------------- */

enum { CB_MAX = 16 };

/* What the callbacks saw, in the order they ran. */
typedef struct cb_log {
    atomic_int calls;    /* claimed slots */
    atomic_int recorded; /* filled slots (release: the slot is written) */
    int id[CB_MAX];
    mp_future_t *future[CB_MAX];
    int result_rc[CB_MAX]; /* mp_future_result(f, 0) inside the callback */
    long thread[CB_MAX];
} cb_log_t;

/* One callback's argument: where it logs, and who it is. */
typedef struct cb_arg {
    cb_log_t *log;
    int id;
} cb_arg_t;

static void record_callback(mp_future_t *f, void *arg)
{
    cb_arg_t *a = arg;
    int k = atomic_fetch_add(&a->log->calls, 1);
    if (k >= CB_MAX)
        return;
    a->log->id[k] = a->id;
    a->log->future[k] = f;
    a->log->result_rc[k] = mp_future_result(f, 0, NULL, NULL);
    a->log->thread[k] = self_thread_id();
    atomic_fetch_add_explicit(&a->log->recorded, 1, memory_order_release);
}

static void cb_log_init(cb_log_t *log)
{
    memset(log, 0, sizeof *log);
    atomic_init(&log->calls, 0);
    atomic_init(&log->recorded, 0);
}

static int recorded(cb_log_t *log)
{
    return atomic_load_explicit(&log->recorded, memory_order_acquire);
}

typedef struct cb_probe {
    cb_log_t *log;
    int want;
} cb_probe_t;

static bool enough_recorded(void *ctx)
{
    cb_probe_t *p = ctx;
    return recorded(p->log) >= p->want;
}

/* Wait until `want` callbacks have run (EXEC_WAIT_S at most); asserted. */
static bool wait_recorded(cb_log_t *log, int want)
{
    cb_probe_t p = {log, want};
    return EXPECT(poll_until(enough_recorded, &p, EXEC_WAIT_S), "%d callbacks ran, expected %d",
                  recorded(log), want);
}

/* Add record_callback with `a` to `f`; asserted. */
static bool add_callback(mp_future_t *f, cb_arg_t *a)
{
    return f && EXPECT_RC(mp_future_add_done_callback(f, record_callback, a), 0);
}

/* Callbacks added before completion run exactly once when the task
 * succeeds, fails or is cancelled, with their future and argument; by
 * then the outcome is there (result(0) inside the callback has it); a
 * cancel runs them at once, in the cancelling thread. */
static void callbacks_before_done(mp_executor_kind_t kind)
{
    cb_log_t ok_log, fail_log, cancel_log;
    cb_log_init(&ok_log);
    cb_log_init(&fail_log);
    cb_log_init(&cancel_log);
    cb_arg_t ok_arg = {&ok_log, 1}, fail_arg = {&fail_log, 2}, cancel_arg = {&cancel_log, 3};
    /* One worker, held: everything after the gated task waits. */
    held_executor_t h;
    mp_future_t *failing = NULL, *pending = NULL;
    if (!held_start(&h, kind, 1, QUEUED) || !(failing = submit_i64(h.ex, "task_fail_message", 5)) ||
        !add_callback(h.held, &ok_arg) || !add_callback(failing, &fail_arg) ||
        !add_callback(pending = held_last(&h), &cancel_arg))
        goto out;
    EXPECT_EQ(recorded(&ok_log) + recorded(&fail_log) + recorded(&cancel_log), 0);
    EXPECT_EQ(mp_future_cancel(pending), 1);
    if (EXPECT_EQ(recorded(&cancel_log), 1)) {
        EXPECT(cancel_log.future[0] == pending, "the callback got another future");
        EXPECT_RC(cancel_log.result_rc[0], MP_ECANCELLED);
        EXPECT_EQ(cancel_log.thread[0], self_thread_id());
    }
    gate_open(&h.gate);
    EXPECT_RESULT_I64(h.held, 0);
    EXPECT_TASK_ERROR(failing, MP_EINVAL, "failed with 5");
    if (wait_recorded(&ok_log, 1)) {
        EXPECT(ok_log.future[0] == h.held, "the callback got another future");
        EXPECT_RC(ok_log.result_rc[0], 0);
    }
    if (wait_recorded(&fail_log, 1)) {
        EXPECT(fail_log.future[0] == failing, "the callback got another future");
        EXPECT_RC(fail_log.result_rc[0], MP_ETASK);
    }
    /* Once: nothing runs them again, down to the executor's end. */
    EXPECT_RC(mp_executor_shutdown(h.ex, true, false), 0);
    held_end(&h);
    EXPECT_EQ(atomic_load(&ok_log.calls), 1);
    EXPECT_EQ(atomic_load(&fail_log.calls), 1);
    EXPECT_EQ(atomic_load(&cancel_log.calls), 1);
out:
    held_end(&h);
    mp_future_destroy(failing);
}
BOTH_KINDS(callbacks_before_done)

/* A callback added to a done future (succeeded, failed, cancelled) runs
 * at once, in the calling thread, exactly once. */
static void callbacks_after_done(mp_executor_kind_t kind)
{
    cb_log_t log;
    cb_log_init(&log);
    cb_arg_t args[3] = {{&log, 0}, {&log, 1}, {&log, 2}};
    held_executor_t h;
    mp_future_t *fs[3] = {NULL};
    if (!held_start(&h, kind, 1, QUEUED))
        goto out;
    fs[2] = held_last(&h);
    if (!EXPECT_EQ(mp_future_cancel(fs[2]), 1))
        goto out;
    gate_open(&h.gate);
    fs[0] = submit_i64(h.ex, "task_square", 4);
    fs[1] = submit_i64(h.ex, "task_fail_message", 1);
    if (!EXPECT_RESULT_I64(fs[0], 16) || !EXPECT_TASK_ERROR(fs[1], MP_EINVAL, "failed with 1"))
        goto out;
    static const int want_rc[3] = {0, MP_ETASK, MP_ECANCELLED};
    for (int i = 0; i < 3; i++) {
        if (!add_callback(fs[i], &args[i]) || !EXPECT_EQ(recorded(&log), i + 1))
            break;
        EXPECT_EQ(log.id[i], i);
        EXPECT(log.future[i] == fs[i], "callback %d got another future", i);
        EXPECT_RC(log.result_rc[i], want_rc[i]);
        EXPECT_EQ(log.thread[i], self_thread_id());
    }
    held_end(&h);
    EXPECT_EQ(atomic_load(&log.calls), 3);
out:
    held_end(&h);
    destroy_futures(fs, 2); /* fs[2] is the held executor's */
}
BOTH_KINDS(callbacks_after_done)

/* A future whose result a caller has read is done: a callback added then
 * runs before mp_future_add_done_callback() returns, in the calling
 * thread, every time (executor.h: "at once, in the calling thread, if it
 * is done already"), not later in the thread that finished the task. */
static void callback_at_once_when_done(mp_executor_kind_t kind)
{
    enum { ROUNDS = 200 };
    mp_executor_t *ex = start_executor(kind, 1);
    cb_log_t log;
    for (int i = 0; ex && i < ROUNDS; i++) {
        cb_log_init(&log);
        cb_arg_t arg = {&log, i};
        mp_future_t *f = submit_i64(ex, "task_square", i);
        bool ok = EXPECT_RESULT_I64(f, (int64_t)i * i) && add_callback(f, &arg);
        int now = recorded(&log);
        long thread = now ? log.thread[0] : 0;
        ok = ok && EXPECT(now == 1 && thread == self_thread_id(),
                          "round %d: %d callbacks ran before add returned (thread %ld, this %ld)",
                          i, now, thread, self_thread_id());
        if (!ok) {
            /* A late run must not outlive `log`: the executor's threads
             * are joined first. */
            mp_executor_destroy(ex);
            ex = NULL;
        }
        mp_future_destroy(f);
    }
    mp_executor_destroy(ex);
}
BOTH_KINDS(callback_at_once_when_done)

/* Several callbacks run in the order they were added; a future destroyed
 * before it is done never runs its callbacks. */
static void callback_order(mp_executor_kind_t kind)
{
    enum { N = 5 };
    cb_log_t log, dropped_log;
    cb_log_init(&log);
    cb_log_init(&dropped_log);
    cb_arg_t args[N], dropped_arg = {&dropped_log, 0};
    held_executor_t h;
    if (!held_start(&h, kind, 1, 1))
        goto out;
    for (int i = 0; i < N; i++) {
        args[i] = (cb_arg_t){&log, i};
        if (!add_callback(h.held, &args[i]))
            goto out;
    }
    if (!add_callback(h.queued[0], &dropped_arg))
        goto out;
    mp_future_destroy(h.queued[0]);
    h.queued[0] = NULL;
    gate_open(&h.gate);
    EXPECT_RESULT_I64(h.held, 0);
    if (wait_recorded(&log, N))
        for (int i = 0; i < N; i++)
            EXPECT_EQ(log.id[i], i);
    held_end(&h);
    EXPECT_EQ(atomic_load(&log.calls), N);
    EXPECT_EQ(atomic_load(&dropped_log.calls), 0);
out:
    held_end(&h);
}
BOTH_KINDS(callback_order)

/* A callback may submit more work and read its own future's result: no
 * lock of the library is held while it runs. */
typedef struct chain {
    mp_executor_t *ex;
    int64_t seen;
    mp_future_t *next;
    atomic_int ran;
} chain_t;

static void chain_callback(mp_future_t *f, void *arg)
{
    chain_t *c = arg;
    if (mp_future_result_i64(f, 0, &c->seen) == 0)
        mp_executor_submit_i64(c->ex, &c->next, "task_square", c->seen);
    atomic_store_explicit(&c->ran, 1, memory_order_release);
}

static bool chain_ran(void *ctx)
{
    chain_t *c = ctx;
    return atomic_load_explicit(&c->ran, memory_order_acquire) != 0;
}

static void callback_submits(mp_executor_kind_t kind)
{
    chain_t c = {.ex = start_executor(kind, 2), .seen = 0, .next = NULL};
    atomic_init(&c.ran, 0);
    mp_future_t *f = submit_i64(c.ex, "task_square", 3);
    if (f && EXPECT_RC(mp_future_add_done_callback(f, chain_callback, &c), 0) &&
        EXPECT(poll_until(chain_ran, &c, EXEC_WAIT_S), "the callback never ran")) {
        EXPECT_EQ(c.seen, 9);
        EXPECT_RESULT_I64(c.next, 81);
    }
    mp_executor_destroy(c.ex);
    mp_future_destroy(f);
    mp_future_destroy(c.next);
}
BOTH_KINDS(callback_submits)

/* ---- mp_futures_wait (item 166) -------------------------------------------- */

/* mp_futures_wait() with its flags; the call's return must be `want`, the
 * flags `done` (1 done, 0 not, -1 either), and it must not have waited
 * for PROMPTLY_S when `prompt`. */
#define EXPECT_WAIT(fs, n, timeout, when, want, prompt, ...)                                \
    expect_wait((fs), (n), (timeout), (when), (want), (prompt), (const int[]){__VA_ARGS__}, \
                __FILE__, __LINE__)
static bool expect_wait(mp_future_t *const *fs, size_t n, double timeout, mp_return_when_t when,
                        int want, bool prompt, const int *done, const char *file, int line)
{
    unsigned char flags[8];
    memset(flags, 0xEE, sizeof flags);
    double t0 = now_s();
    int rc = mp_futures_wait(fs, n, timeout, when, flags);
    double took = now_s() - t0;
    bool ok = rc == want && (!prompt || took < PROMPTLY_S);
    char got[32] = "";
    for (size_t i = 0; i < n && i < sizeof flags; i++) {
        ok = ok && (done[i] < 0 || flags[i] == done[i]);
        got[i] = flags[i] == 1 ? '1' : flags[i] == 0 ? '0' : '?';
    }
    return check_true(ok, file, line, "wait(when %d) returned %d (%s) in %.3f s, flags %s",
                      (int)when, rc, rc < 0 ? mp_err_name(rc) : "", took, got);
}

/* ALL_COMPLETED waits for every future, failed ones included; a future
 * given twice counts once; n = 0 returns 0. */
static void wait_all(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 2);
    mp_future_t *fs[4] = {submit_i64(ex, "task_square", 2), submit_i64(ex, "task_fail_message", 3),
                          submit_i64(ex, "task_square", 4), NULL};
    fs[3] = fs[0];
    if (fs[0] && fs[1] && fs[2]) {
        EXPECT_WAIT(fs, 4, EXEC_WAIT_S, MP_ALL_COMPLETED, 3, false, 1, 1, 1, 1);
        mp_future_t *twice[2] = {fs[0], fs[0]};
        EXPECT_WAIT(twice, 2, 0, MP_ALL_COMPLETED, 1, true, 1, 1);
        EXPECT_RESULT_I64(fs[2], 16);
    }
    EXPECT_EQ(mp_futures_wait(NULL, 0, 0, MP_ALL_COMPLETED, NULL), 0);
    EXPECT_EQ(mp_futures_wait(fs, 3, EXEC_WAIT_S, MP_ALL_COMPLETED, NULL), 3);
    mp_executor_destroy(ex);
    destroy_futures(fs, 3);
}
BOTH_KINDS(wait_all)

/* FIRST_COMPLETED returns on the first completion, and at once when a
 * future is done already; a timeout of 0.05 returns the pending future as
 * not done without waiting for it. */
static void wait_first_completed(mp_executor_kind_t kind)
{
    held_executor_t h;
    mp_future_t *quick = NULL;
    if (!held_start(&h, kind, 2, 0) || !(quick = submit_i64(h.ex, "task_square", 5)))
        goto out;
    mp_future_t *both[2] = {h.held, quick};
    EXPECT_WAIT(both, 2, EXEC_WAIT_S, MP_FIRST_COMPLETED, 1, true, 0, 1);
    EXPECT_WAIT(both, 2, EXEC_WAIT_S, MP_FIRST_COMPLETED, 1, true, 0, 1); /* done already */
    EXPECT_WAIT(both, 2, 0.05, MP_ALL_COMPLETED, 1, true, 0, 1);
    EXPECT_WAIT(both, 1, 0.05, MP_FIRST_COMPLETED, 0, true, 0);
    EXPECT_WAIT(both, 2, 0, MP_FIRST_EXCEPTION, 1, true, 0, 1);
    gate_open(&h.gate);
    EXPECT_WAIT(both, 2, EXEC_WAIT_S, MP_ALL_COMPLETED, 2, false, 1, 1);
out:
    held_end(&h);
    mp_future_destroy(quick);
}
BOTH_KINDS(wait_first_completed)

/* FIRST_EXCEPTION returns on the first failure, with what is done so far,
 * and at once when a future has failed already; with no failure it waits
 * for all. */
static void wait_first_exception(mp_executor_kind_t kind)
{
    held_executor_t h;
    mp_future_t *ok = NULL, *failing = NULL, *ok2 = NULL;
    if (!held_start(&h, kind, 2, 0) || !(ok = submit_i64(h.ex, "task_square", 6)) ||
        !EXPECT_RESULT_I64(ok, 36) || !(failing = submit_i64(h.ex, "task_fail_message", 2)))
        goto out;
    mp_future_t *three[3] = {h.held, ok, failing};
    EXPECT_WAIT(three, 3, EXEC_WAIT_S, MP_FIRST_EXCEPTION, 2, true, 0, 1, 1);
    EXPECT_WAIT(three, 3, EXEC_WAIT_S, MP_FIRST_EXCEPTION, 2, true, 0, 1, 1); /* failed already */
    /* With no failure among them, FIRST_EXCEPTION is ALL_COMPLETED. */
    if (!(ok2 = submit_i64(h.ex, "task_square", 7)))
        goto out;
    mp_future_t *no_failure[2] = {ok, ok2};
    EXPECT_WAIT(no_failure, 2, EXEC_WAIT_S, MP_FIRST_EXCEPTION, 2, false, 1, 1);
    mp_future_t *with_held[2] = {ok, h.held};
    EXPECT_WAIT(with_held, 2, 0.05, MP_FIRST_EXCEPTION, 1, true, 1, 0);
    gate_open(&h.gate);
    EXPECT_WAIT(with_held, 2, EXEC_WAIT_S, MP_FIRST_EXCEPTION, 2, false, 1, 1);
out:
    held_end(&h);
    mp_future_destroy(ok);
    mp_future_destroy(failing);
    mp_future_destroy(ok2);
}
BOTH_KINDS(wait_first_exception)

/* One wait over futures of two executors, one of each kind. */
static void test_wait_two_executors(void)
{
    mp_executor_t *procs = start_executor(MP_EXECUTOR_PROCESSES, 1);
    mp_executor_t *threads = start_executor(MP_EXECUTOR_THREADS, 1);
    mp_future_t *fs[2] = {submit_i64(procs, "task_square", 8),
                          submit_i64(threads, "task_square", 9)};
    if (fs[0] && fs[1]) {
        EXPECT_WAIT(fs, 2, EXEC_WAIT_S, MP_ALL_COMPLETED, 2, false, 1, 1);
        EXPECT_RESULT_I64(fs[0], 64);
        EXPECT_RESULT_I64(fs[1], 81);
    }
    mp_executor_destroy(procs);
    mp_executor_destroy(threads);
    destroy_futures(fs, 2);
}

/* ---- as_completed (item 167) ------------------------------------------------ */

/* Four futures: two done, two held by a gate; a worker each, so that no
 * test here depends on which worker a task is queued to. */
typedef struct four {
    held_executor_t h;
    mp_future_t *fs[4]; /* done, held, done, held */
} four_t;

static bool four_make(four_t *four, mp_executor_kind_t kind)
{
    memset(four->fs, 0, sizeof four->fs);
    if (!held_start(&four->h, kind, 4, 1))
        return false;
    four->fs[1] = four->h.held;
    four->fs[3] = four->h.queued[0];
    four->fs[0] = submit_i64(four->h.ex, "task_square", 10);
    four->fs[2] = submit_i64(four->h.ex, "task_fail_message", 11);
    return gate_wait_started(&four->h.gate, 1) && EXPECT_RESULT_I64(four->fs[0], 100) &&
           EXPECT_TASK_ERROR(four->fs[2], MP_EINVAL, "failed with 11");
}

static void four_free(four_t *four)
{
    held_end(&four->h);
    mp_future_destroy(four->fs[0]);
    mp_future_destroy(four->fs[2]);
}

/* The index in `fs` of `f`, or -1. */
static int index_of(mp_future_t *const *fs, int n, const mp_future_t *f)
{
    for (int i = 0; i < n; i++)
        if (fs[i] == f)
            return i;
    return -1;
}

/* Take `count` futures from `it`; each must be one of `fs` not yet seen
 * (`seen` counts them); asserted. */
static bool take_distinct(mp_as_completed_t *it, mp_future_t *const *fs, int n, int *seen,
                          int count)
{
    for (int k = 0; k < count; k++) {
        mp_future_t *f = NULL;
        if (!EXPECT_RC(mp_as_completed_next(it, &f), 0))
            return false;
        int i = index_of(fs, n, f);
        if (!EXPECT(i >= 0 && seen[i] == 0, "yielded %p: index %d, seen %d times before", (void *)f,
                    i, i >= 0 ? seen[i] : 0))
            return false;
        seen[i]++;
        EXPECT_EQ(mp_future_is_done(f), 1);
    }
    return true;
}

/* Every future is yielded once, the done ones first, then the others as
 * they finish; then NULL, again and again. Duplicates come once. */
static void as_completed_all(mp_executor_kind_t kind)
{
    four_t four;
    mp_as_completed_t *it = NULL;
    if (!four_make(&four, kind))
        goto out;
    mp_future_t *given[6] = {four.fs[0], four.fs[1], four.fs[2],
                             four.fs[3], four.fs[1], four.fs[0]};
    if (!EXPECT_RC(mp_as_completed_create(&it, given, 6, MP_FOREVER), 0))
        goto out;
    int seen[4] = {0};
    if (!take_distinct(it, four.fs, 4, seen, 2))
        goto out;
    EXPECT(seen[0] == 1 && seen[2] == 1, "the done futures did not come first");
    gate_open(&four.h.gate);
    if (!take_distinct(it, four.fs, 4, seen, 2))
        goto out;
    for (int k = 0; k < 2; k++) {
        mp_future_t *f = four.fs[0];
        EXPECT_RC(mp_as_completed_next(it, &f), 0);
        EXPECT(f == NULL, "yielded a fifth future");
    }
out:
    mp_as_completed_destroy(it);
    four_free(&four);
}
BOTH_KINDS(as_completed_all)

/* With a timeout of 0 or 0.1, the done futures come, then MP_ETIMEDOUT
 * saying "2 (of 4) futures unfinished". */
static void as_completed_timeout(mp_executor_kind_t kind)
{
    static const double timeouts[] = {0, 0.1};
    four_t four;
    if (!four_make(&four, kind))
        goto out;
    for (int t = 0; t < 2; t++) {
        mp_as_completed_t *it = NULL;
        if (!EXPECT_RC(mp_as_completed_create(&it, four.fs, 4, timeouts[t]), 0))
            break;
        int seen[4] = {0};
        mp_future_t *f = NULL;
        if (take_distinct(it, four.fs, 4, seen, 2) &&
            EXPECT_RC(mp_as_completed_next(it, &f), MP_ETIMEDOUT))
            EXPECT(strstr(mp_errdetail(), "2 (of 4) futures unfinished") != NULL,
                   "timeout %.1f: mp_errdetail() says \"%s\"", timeouts[t], mp_errdetail());
        mp_as_completed_destroy(it);
    }
out:
    four_free(&four);
}
BOTH_KINDS(as_completed_timeout)

static const test_case_t tests[] = {
    BOTH_KINDS_ROWS(state_table, ON_ALL),
    BOTH_KINDS_ROWS(result_twice, ON_ALL),
    BOTH_KINDS_ROWS(waiter_woken, ON_ALL),
    BOTH_KINDS_ROWS(callbacks_before_done, ON_ALL),
    BOTH_KINDS_ROWS(callbacks_after_done, ON_ALL),
    BOTH_KINDS_ROWS(callback_at_once_when_done, ON_ALL),
    BOTH_KINDS_ROWS(callback_order, ON_ALL),
    BOTH_KINDS_ROWS(callback_submits, ON_ALL),
    BOTH_KINDS_ROWS(wait_all, ON_ALL),
    BOTH_KINDS_ROWS(wait_first_completed, ON_ALL),
    BOTH_KINDS_ROWS(wait_first_exception, ON_ALL),
    {"wait_two_executors", test_wait_two_executors, ON_ALL},
    BOTH_KINDS_ROWS(as_completed_all, ON_ALL),
    BOTH_KINDS_ROWS(as_completed_timeout, ON_ALL),
    {NULL, NULL, 0},
};

const test_suite_t suite_futures = {"futures", true, tests};
