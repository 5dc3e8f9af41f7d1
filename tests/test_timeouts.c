/* Suite "timeouts": every timed wait of sync.h gives up after ~t, never
 * before (issue 4: "exact about timeouts"), and keeps its deadline when
 * signals interrupt it ("survives EINTR"). Only the test process and its
 * threads take part, so it runs once. */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "sync_helpers.h"

/* What the waits wait on; each is unavailable for the whole test. */
static struct fixture {
    mp_lock_t *lock;        /* held by this thread (a Lock is not recursive) */
    mp_rlock_t *rlock;      /* held by another thread */
    mp_semaphore_t *sem;    /* at 0 */
    mp_event_t *event;      /* unset */
    mp_condition_t *cond;   /* held by this thread, never notified */
    mp_condition_t *taken;  /* held by another thread */
    mp_barrier_t *barrier;  /* 2 parties, only we come */
    mp_event_t *go;         /* lets the other thread end */
    mp_semaphore_t *holds;  /* the other thread took its locks */
    script_thread_t holder; /* that thread */
} fx;

static int never(void *ctx)
{
    (void)ctx;
    return 0;
}

static int wait_lock(double t)
{
    return mp_lock_acquire(fx.lock, t);
}

static int wait_rlock(double t)
{
    return mp_rlock_acquire(fx.rlock, t);
}

static int wait_semaphore(double t)
{
    return mp_semaphore_acquire(fx.sem, t);
}

static int wait_event(double t)
{
    return mp_event_wait(fx.event, t);
}

static int wait_condition(double t)
{
    return mp_condition_wait(fx.cond, t);
}

static int wait_condition_for(double t)
{
    return mp_condition_wait_for(fx.cond, never, NULL, t);
}

static int wait_condition_acquire(double t)
{
    return mp_condition_acquire(fx.taken, t);
}

/* A barrier's timeout breaks it; mend it for the next wait. */
static int wait_barrier(double t)
{
    int rc = mp_barrier_wait(fx.barrier, t, NULL);
    mp_barrier_reset(fx.barrier);
    return rc;
}

static const struct timed_wait {
    const char *what;
    int (*wait)(double t);
    int want; /* what a wait that gives up returns */
} waits[] = {
    {"mp_lock_acquire", wait_lock, MP_ETIMEDOUT},
    {"mp_rlock_acquire", wait_rlock, MP_ETIMEDOUT},
    {"mp_semaphore_acquire", wait_semaphore, MP_ETIMEDOUT},
    {"mp_event_wait", wait_event, MP_ETIMEDOUT},
    {"mp_condition_wait", wait_condition, MP_ETIMEDOUT},
    {"mp_condition_wait_for", wait_condition_for, MP_ETIMEDOUT},
    {"mp_condition_acquire", wait_condition_acquire, MP_ETIMEDOUT},
    {"mp_barrier_wait", wait_barrier, MP_EBROKEN},
};
enum { NWAITS = sizeof waits / sizeof waits[0] };

static bool fixture_up(void)
{
    memset(&fx, 0, sizeof fx);
    if (!EXPECT_RC(mp_lock_create(&fx.lock, NULL), 0) ||
        !EXPECT_RC(mp_rlock_create(&fx.rlock, NULL), 0) ||
        !EXPECT_RC(mp_semaphore_create(&fx.sem, &(mp_semaphore_opts_t){.value = 0}), 0) ||
        !EXPECT_RC(mp_event_create(&fx.event, NULL), 0) ||
        !EXPECT_RC(mp_condition_create(&fx.cond, NULL), 0) ||
        !EXPECT_RC(mp_condition_create(&fx.taken, NULL), 0) ||
        !EXPECT_RC(mp_barrier_create(&fx.barrier, &(mp_barrier_opts_t){.parties = 2}), 0) ||
        !EXPECT_RC(mp_event_create(&fx.go, NULL), 0) ||
        !EXPECT_RC(mp_semaphore_create(&fx.holds, &(mp_semaphore_opts_t){.value = 0}), 0) ||
        !EXPECT_RC(mp_lock_acquire(fx.lock, MP_FOREVER), 0) ||
        !EXPECT_RC(mp_condition_acquire(fx.cond, MP_FOREVER), 0))
        return false;
    sync_script_t s = {{{OP_RLOCK_ACQUIRE, 0, MP_FOREVER},
                        {OP_COND_ACQUIRE, 1, MP_FOREVER},
                        {OP_SEM_RELEASE, 2, 0},
                        {OP_EVENT_WAIT, 3, REACH_LIMIT_S},
                        {OP_COND_RELEASE, 1, 0},
                        {OP_RLOCK_RELEASE, 0, 0}}};
    return script_thread_start(&fx.holder, &s, HANDLES(fx.rlock, fx.taken, fx.holds, fx.go)) &&
           EXPECT_RC(mp_semaphore_acquire(fx.holds, REACH_LIMIT_S), 0);
}

static void fixture_down(void)
{
    if (fx.go)
        mp_event_set(fx.go);
    bool started = fx.holder.running;
    script_thread_join(&fx.holder);
    if (started)
        EXPECT_RCS(fx.holder.rcs, 0, 0, 0, 0, 0, 0);
    mp_condition_release(fx.cond);
    mp_lock_release(fx.lock);
    mp_semaphore_destroy(fx.holds);
    mp_event_destroy(fx.go);
    mp_barrier_destroy(fx.barrier);
    mp_condition_destroy(fx.taken);
    mp_condition_destroy(fx.cond);
    mp_event_destroy(fx.event);
    mp_semaphore_destroy(fx.sem);
    mp_rlock_destroy(fx.rlock);
    mp_lock_destroy(fx.lock);
}

/* Each wait with timeout t gives up with its code after about t; a
 * negative t is no poll but MP_EINVAL, at once (types.h, MP_FOREVER). */
static void check_every_wait(double t)
{
    double expect = t > 0 ? t : 0;
    for (size_t i = 0; i < NWAITS; i++) {
        int want = t < 0 ? MP_EINVAL : waits[i].want;
        double t0 = now_s();
        int rc = waits[i].wait(t);
        double took = now_s() - t0;
        EXPECT(rc == want, "%s(%.3f) returned %s, expected %s", waits[i].what, t, mp_err_name(rc),
               mp_err_name(want));
        EXPECT(took >= expect - EARLY_S && took <= expect + LATE_S, "%s(%.3f) took %.3f s",
               waits[i].what, t, took);
    }
}

/* Timeouts of 0, a negative one, 50 ms and 250 ms: the first gives up at
 * once, the negative one is refused at once, the others give up after
 * about t and not before. */
static void test_waits_give_up_on_time(void)
{
    if (fixture_up()) {
        check_every_wait(0);
        check_every_wait(-1.0);
        check_every_wait(0.05);
        check_every_wait(0.25);
    }
    fixture_down();
}

#if TEST_POSIX /* Windows waits are never interrupted by signals */
/* Sends SIGUSR1 to the test thread every 5 ms until told to stop. */
static struct storm {
    pthread_t target, thread;
    /* Set by the test thread, read by the storm thread: atomic, since
     * volatile sig_atomic_t orders nothing between threads. */
    atomic_int stop;
    /* Counted by the handler, which runs on the test thread itself. */
    volatile sig_atomic_t delivered;
} storm;

static void on_sigusr1(int sig)
{
    (void)sig;
    storm.delivered++;
}

static void *storm_main(void *arg)
{
    (void)arg;
    while (!storm.stop) {
        pthread_kill(storm.target, SIGUSR1);
        sleep_s(0.005);
    }
    return NULL;
}

/* The same waits while a signal with a handler installed without
 * SA_RESTART interrupts them every 5 ms: each resumes and keeps its
 * deadline (neither gives up early nor restarts its timeout). */
static void test_waits_survive_signals(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: system calls see EINTR */
    if (!EXPECT(sigaction(SIGUSR1, &sa, &old) == 0, "sigaction"))
        return;
    if (fixture_up()) {
        memset(&storm, 0, sizeof storm);
        storm.target = pthread_self();
        if (EXPECT(pthread_create(&storm.thread, NULL, storm_main, NULL) == 0, "pthread_create")) {
            check_every_wait(0.2);
            storm.stop = 1;
            pthread_join(storm.thread, NULL);
            EXPECT(storm.delivered > NWAITS * 10, "only %d signals arrived", (int)storm.delivered);
        }
    }
    fixture_down();
    sigaction(SIGUSR1, &old, NULL);
}
#endif /* TEST_POSIX */

static const test_case_t tests[] = {
    {"waits_give_up_on_time", test_waits_give_up_on_time, ON_ALL},
#if TEST_POSIX
    {"waits_survive_signals", test_waits_survive_signals, ON_ALL},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_timeouts = {"timeouts", false, tests};
