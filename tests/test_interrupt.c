/* Suite "interrupt": mp_set_interruptible(). A thread sends SIGUSR1, whose
 * handler is installed without SA_RESTART (as Python installs its own), to
 * the test's main thread while it blocks in a wait. With the switch on, the
 * wait returns MP_EINTR promptly, as Python raises KeyboardInterrupt; off
 * (the default), it goes on and ends as it would have. POSIX only: no
 * signal interrupts a wait on Windows. Run once per start method (one of
 * the waits is a join). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "sync_helpers.h"

/* How soon after the first signal an interrupted wait must have returned:
 * well under the wait's own timeout (REACH_LIMIT_S), with room for a busy
 * machine. */
#define INTERRUPT_PROMPT_S 2.0
/* The timeout of a wait with the switch off: it must run to its end, and
 * is long enough for the first signals to come on a busy machine. */
#define UNINTERRUPTED_S 1.0

static volatile sig_atomic_t handled;

static void on_signal(int signo)
{
    (void)signo;
    handled++;
}

/* A thread that signals the waiting thread every 0.1 s, from 0.2 s on,
 * until told to stop: a signal that lands while the waiter is not asleep
 * in the kernel (spinning, or between two sleeps) is not seen by the wait,
 * so one is not enough on a loaded machine. */
typedef struct interrupter {
    pthread_t thread, target;
    atomic_bool stop;
    double first_at; /* when it sent the first signal; read after the join */
} interrupter_t;

static void *interrupter_main(void *arg)
{
    interrupter_t *it = arg;
    sleep_s(0.2);
    it->first_at = now_s();
    while (!atomic_load(&it->stop)) {
        pthread_kill(it->target, SIGUSR1);
        sleep_s(0.1);
    }
    return NULL;
}

/* One blocking call on `ctx` with `timeout`; its code. */
typedef int (*wait_fn)(void *ctx, double timeout);

/* Run `wait` while being signalled, the switch set to `on`; its code, and
 * how long after the first signal it returned. */
static int wait_signalled(wait_fn wait, void *ctx, bool on, double *after_signal)
{
    struct sigaction sa = {.sa_handler = on_signal}, old;
    sigemptyset(&sa.sa_mask); /* sa_flags 0: no SA_RESTART */
    sigaction(SIGUSR1, &sa, &old);
    int was = mp_set_interruptible(on);
    interrupter_t it = {.target = pthread_self()};
    atomic_init(&it.stop, false);
    handled = 0;
    int rc = MP_ESTATE;
    if (EXPECT(pthread_create(&it.thread, NULL, interrupter_main, &it) == 0,
               "no interrupter thread")) {
        rc = wait(ctx, on ? REACH_LIMIT_S : UNINTERRUPTED_S);
        double returned = now_s();
        atomic_store(&it.stop, true);
        pthread_join(it.thread, NULL);
        *after_signal = returned - it.first_at;
    }
    mp_set_interruptible(was);
    sigaction(SIGUSR1, &old, NULL);
    return rc;
}

/* With the switch on, `wait` returns MP_EINTR promptly after the signal;
 * off, it is signalled too (the handler ran) and returns `off_rc` at the
 * end of its own timeout. */
static void expect_interruptible(const char *what, wait_fn wait, void *ctx, int off_rc)
{
    double after = 0;
    int rc = wait_signalled(wait, ctx, true, &after);
    EXPECT(rc == MP_EINTR, "%s, switch on: %s, not MP_EINTR", what, mp_err_name(rc));
    EXPECT(handled > 0 && after < INTERRUPT_PROMPT_S, "%s: returned %.3f s after the signal", what,
           after);
    double t0 = now_s();
    rc = wait_signalled(wait, ctx, false, &after);
    double took = now_s() - t0;
    EXPECT(rc == off_rc, "%s, switch off: %s, not %s", what, mp_err_name(rc), mp_err_name(off_rc));
    EXPECT(handled > 0 && took >= UNINTERRUPTED_S - EARLY_S,
           "%s, switch off: %d signals, returned after %.3f s", what, (int)handled, took);
}

static int wait_lock(void *lock, double timeout)
{
    return mp_lock_acquire(lock, timeout);
}

/* A Lock this thread holds: acquiring it again blocks. */
static void test_lock_acquire(void)
{
    mp_lock_t *lock = NULL;
    if (EXPECT_RC(mp_lock_create(&lock, NULL), 0) &&
        EXPECT_RC(mp_lock_acquire(lock, MP_FOREVER), 0)) {
        expect_interruptible("Lock acquire", wait_lock, lock, MP_ETIMEDOUT);
        EXPECT_RC(mp_lock_release(lock), 0);
        EXPECT_EQ(mp_lock_is_locked(lock), 0); /* the interrupted acquire took nothing */
    }
    mp_lock_destroy(lock);
}

static int wait_semaphore(void *sem, double timeout)
{
    return mp_semaphore_acquire(sem, timeout);
}

static void test_semaphore_acquire(void)
{
    mp_semaphore_t *sem = NULL;
    if (EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 0}), 0)) {
        expect_interruptible("Semaphore acquire", wait_semaphore, sem, MP_ETIMEDOUT);
        unsigned value = 99;
        EXPECT_RC(mp_semaphore_value(sem, &value), 0);
        EXPECT_EQ(value, 0);
    }
    mp_semaphore_destroy(sem);
}

/* A condition wait, under its lock: the lock is held again after the
 * wait, interrupted or not (the release says so). */
static int wait_condition(void *cond, double timeout)
{
    int rc = mp_condition_acquire(cond, MP_FOREVER);
    if (rc < 0)
        return rc;
    rc = mp_condition_wait(cond, timeout);
    int released = mp_condition_release(cond);
    return released < 0 ? released : rc;
}

static void test_condition_wait(void)
{
    mp_condition_t *cond = NULL;
    if (EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        expect_interruptible("Condition wait", wait_condition, cond, MP_ETIMEDOUT);
    mp_condition_destroy(cond);
}

static int wait_event(void *event, double timeout)
{
    return mp_event_wait(event, timeout);
}

static void test_event_wait(void)
{
    mp_event_t *event = NULL;
    if (EXPECT_RC(mp_event_create(&event, NULL), 0))
        expect_interruptible("Event wait", wait_event, event, MP_ETIMEDOUT);
    mp_event_destroy(event);
}

/* Alone in a barrier of two, after a reset: interrupted, the wait breaks
 * the barrier (as Python's does on KeyboardInterrupt); off, its timeout
 * does. */
static int wait_barrier(void *barrier, double timeout)
{
    int rc = mp_barrier_reset(barrier);
    return rc < 0 ? rc : mp_barrier_wait(barrier, timeout, NULL);
}

static void test_barrier_wait(void)
{
    mp_barrier_t *b = NULL;
    if (EXPECT_RC(mp_barrier_create(&b, &(mp_barrier_opts_t){.parties = 2}), 0)) {
        expect_interruptible("Barrier wait", wait_barrier, b, MP_EBROKEN);
        EXPECT_EQ(mp_barrier_is_broken(b), 1);
        EXPECT_EQ(mp_barrier_n_waiting(b), 0);
    }
    mp_barrier_destroy(b);
}

static int wait_join(void *p, double timeout)
{
    return mp_process_join(p, timeout);
}

static void test_process_join(void)
{
    mp_process_t *p = start_sleeper(60.0);
    if (p) {
        expect_interruptible("Process join", wait_join, p, MP_ETIMEDOUT);
        EXPECT_EQ(mp_process_is_alive(p), 1);
    }
    dispose_process(p);
}

static int wait_recv(void *c, double timeout)
{
    char buf[8];
    size_t len = 0;
    return mp_connection_recv(c, buf, sizeof buf, &len, timeout);
}

/* A timed receive (it waits in poll()); the pipe still carries a message
 * afterwards. */
static void test_connection_recv(void)
{
    mp_connection_t *a = NULL, *b = NULL;
    if (EXPECT_RC(mp_pipe_create(&a, &b, NULL), 0)) {
        expect_interruptible("Connection recv", wait_recv, a, MP_ETIMEDOUT);
        char buf[8] = "";
        size_t len = 0;
        EXPECT_RC(mp_connection_send(b, "ok", 3, REACH_LIMIT_S), 0);
        EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, REACH_LIMIT_S), 0);
        EXPECT_STR(buf, "ok");
    }
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* What a receive with no timeout needs: the pipe's two ends, and a thread
 * that sends the message `after` seconds in (so that, not interrupted, the
 * receive ends normally) unless it is stopped first. */
typedef struct late_sender {
    pthread_t thread;
    mp_connection_t *to;
    double after;
    atomic_bool stop;
} late_sender_t;

static void *late_sender_main(void *arg)
{
    late_sender_t *ls = arg;
    double until = now_s() + ls->after;
    while (!atomic_load(&ls->stop) && now_s() < until)
        sleep_s(0.01);
    if (!atomic_load(&ls->stop))
        mp_connection_send(ls->to, "late", 5, REACH_LIMIT_S);
    return NULL;
}

/* ends[0] receives with MP_FOREVER (a blocking read, not poll()); the
 * message comes from ends[1] `timeout` seconds in. */
static int wait_recv_forever(void *ends, double timeout)
{
    mp_connection_t **pair = ends;
    late_sender_t ls = {.to = pair[1], .after = timeout};
    atomic_init(&ls.stop, false);
    if (pthread_create(&ls.thread, NULL, late_sender_main, &ls) != 0)
        return MP_ESTATE;
    int rc = wait_recv(pair[0], MP_FOREVER);
    atomic_store(&ls.stop, true);
    pthread_join(ls.thread, NULL);
    return rc;
}

static void test_connection_recv_forever(void)
{
    mp_connection_t *ends[2] = {NULL, NULL};
    if (EXPECT_RC(mp_pipe_create(&ends[0], &ends[1], NULL), 0))
        expect_interruptible("Connection recv for ever", wait_recv_forever, ends, 0);
    mp_connection_destroy(ends[0]);
    mp_connection_destroy(ends[1]);
}

/* The switch answers its previous setting; the default is off. */
static void test_switch(void)
{
    EXPECT_EQ(mp_set_interruptible(true), 0);
    EXPECT_EQ(mp_set_interruptible(false), 1);
    EXPECT_EQ(mp_set_interruptible(false), 0);
}

static const test_case_t tests[] = {
    {"switch", test_switch, ON_ALL},
    {"lock_acquire", test_lock_acquire, ON_ALL},
    {"semaphore_acquire", test_semaphore_acquire, ON_ALL},
    {"condition_wait", test_condition_wait, ON_ALL},
    {"event_wait", test_event_wait, ON_ALL},
    {"barrier_wait", test_barrier_wait, ON_ALL},
    {"process_join", test_process_join, ON_ALL},
    {"connection_recv", test_connection_recv, ON_ALL},
    {"connection_recv_forever", test_connection_recv_forever, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_interrupt = {"interrupt", true, tests};
