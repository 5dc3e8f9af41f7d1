/* Suite "condition": Condition over its own RLock, a given Lock or a given
 * RLock, with waiters in processes and threads (checklist section 8, items
 * 78-81). Run once per start method. */
#include <string.h>

#include "sync_helpers.h"

/* The objects of a waiter, as CPython's test_notify has them: the
 * condition, a semaphore released by each waiter before it waits, and one
 * released by each waiter once it has woken. */
typedef struct waiters {
    mp_condition_t *cond;
    mp_semaphore_t *sleeping, *woken;
    mp_process_t *procs[3];
    script_thread_t threads[3];
    int nprocs, nthreads;
} waiters_t;

/* Create the semaphores (the condition is the test's). */
static bool waiters_init(waiters_t *w, mp_condition_t *cond)
{
    memset(w, 0, sizeof *w);
    w->cond = cond;
    return EXPECT_RC(mp_semaphore_create(&w->sleeping, &(mp_semaphore_opts_t){.value = 0}), 0) &&
           EXPECT_RC(mp_semaphore_create(&w->woken, &(mp_semaphore_opts_t){.value = 0}), 0);
}

/* Start `nprocs` processes and `nthreads` threads that each wait on the
 * condition with `timeout`, then wait until all of them are inside
 * mp_condition_wait(): each released `sleeping` while holding the lock,
 * so once the parent can take the lock they have all let go of it in
 * their wait. */
static bool waiters_start(waiters_t *w, int nprocs, int nthreads, double timeout)
{
    sync_script_t s = {{{OP_COND_ACQUIRE, 0, MP_FOREVER},
                        {OP_SEM_RELEASE, 1, 0},
                        {OP_COND_WAIT, 0, timeout},
                        {OP_SEM_RELEASE, 2, 0},
                        {OP_COND_RELEASE, 0, 0}}};
    for (int i = 0; i < nprocs; i++)
        w->procs[w->nprocs++] = start_process(
            &(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(w->cond, w->sleeping, w->woken)});
    for (int i = 0; i < nthreads; i++)
        script_thread_start(&w->threads[w->nthreads++], &s,
                            HANDLES(w->cond, w->sleeping, w->woken));
    for (int i = 0; i < nprocs + nthreads; i++)
        if (!EXPECT_RC(mp_semaphore_acquire(w->sleeping, REACH_LIMIT_S), 0))
            return false;
    if (!EXPECT_RC(mp_condition_acquire(w->cond, REACH_LIMIT_S), 0))
        return false;
    return EXPECT_RC(mp_condition_release(w->cond), 0);
}

/* How many waiters have woken so far. */
static unsigned woken_count(waiters_t *w)
{
    unsigned v = 0;
    EXPECT_RC(mp_semaphore_value(w->woken, &v), 0);
    return v;
}

/* Notify (n, or all when n is 0) under the lock. */
static void notify(mp_condition_t *cond, unsigned n)
{
    EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0);
    EXPECT_RC(n ? mp_condition_notify(cond, n) : mp_condition_notify_all(cond), 0);
    EXPECT_RC(mp_condition_release(cond), 0);
}

/* Join every waiter; each must have waited with `wait_rc`. */
static void waiters_finish(waiters_t *w, int wait_rc)
{
    script_rcs_t r;
    for (int i = 0; i < w->nprocs; i++) {
        if (w->procs[i] && script_result(w->procs[i], &r))
            EXPECT_RCS(r, 0, 0, wait_rc, 0, 0);
        dispose_process(w->procs[i]);
    }
    for (int i = 0; i < w->nthreads; i++) {
        script_thread_join(&w->threads[i]);
        EXPECT_RCS(w->threads[i].rcs, 0, 0, wait_rc, 0, 0);
    }
    w->nprocs = w->nthreads = 0;
}

static void waiters_destroy(waiters_t *w)
{
    waiters_finish(w, 0);
    mp_semaphore_destroy(w->sleeping);
    mp_semaphore_destroy(w->woken);
}

/* After every waiter has gone, a notify finds no sleeper: it must return
 * at once (a stale sleeper count would make it wait for one). */
static void expect_no_sleepers(mp_condition_t *cond)
{
    double t0 = now_s();
    notify(cond, 1);
    EXPECT_IMMEDIATE(now_s() - t0);
}

/* Checklist item 78: with a process and a thread waiting, notify() wakes
 * exactly one, and a second notify() the other. */
static void test_notify_one(void)
{
    mp_condition_t *cond = NULL;
    waiters_t w;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    if (waiters_init(&w, cond) && waiters_start(&w, 1, 1, REACH_LIMIT_S)) {
        sleep_s(0.1);
        EXPECT_EQ(woken_count(&w), 0); /* nobody woke on their own */
        notify(cond, 1);
        EXPECT(wait_semaphore_value(w.woken, 1, REACH_LIMIT_S), "no waiter woke");
        sleep_s(0.1);
        EXPECT_EQ(woken_count(&w), 1);
        notify(cond, 1);
        EXPECT(wait_semaphore_value(w.woken, 2, REACH_LIMIT_S), "the second waiter never woke");
        waiters_finish(&w, 0);
        expect_no_sleepers(cond);
    }
    waiters_destroy(&w);
    mp_condition_destroy(cond);
}

/* notify(n) wakes n of three waiters; a larger n wakes the rest. */
static void test_notify_n(void)
{
    mp_condition_t *cond = NULL;
    waiters_t w;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    if (waiters_init(&w, cond) && waiters_start(&w, 2, 1, REACH_LIMIT_S)) {
        notify(cond, 2);
        EXPECT(wait_semaphore_value(w.woken, 2, REACH_LIMIT_S), "two waiters never woke");
        sleep_s(0.1);
        EXPECT_EQ(woken_count(&w), 2);
        notify(cond, 5);
        EXPECT(wait_semaphore_value(w.woken, 3, REACH_LIMIT_S), "the third never woke");
        waiters_finish(&w, 0);
        expect_no_sleepers(cond);
    }
    waiters_destroy(&w);
    mp_condition_destroy(cond);
}

/* Checklist item 79: three processes and three threads that wait with a
 * timeout all time out; six new ones are not woken early, and
 * notify_all() wakes all six. */
static void test_notify_all(void)
{
    mp_condition_t *cond = NULL;
    waiters_t w;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    if (waiters_init(&w, cond) && waiters_start(&w, 3, 3, 0.3)) {
        EXPECT(wait_semaphore_value(w.woken, 6, REACH_LIMIT_S), "the waiters never timed out");
        waiters_finish(&w, MP_ETIMEDOUT);
        expect_no_sleepers(cond);
        EXPECT_EQ(woken_count(&w), 6);
        /* Back to zero woken for the second half. */
        while (mp_semaphore_acquire(w.woken, 0) == 0)
            ;
        if (waiters_start(&w, 3, 3, REACH_LIMIT_S)) {
            sleep_s(0.1);
            EXPECT_EQ(woken_count(&w), 0);
            notify(cond, 0);
            EXPECT(wait_semaphore_value(w.woken, 6, REACH_LIMIT_S), "%u of 6 woke",
                   woken_count(&w));
            waiters_finish(&w, 0);
            expect_no_sleepers(cond);
        }
    }
    waiters_destroy(&w);
    mp_condition_destroy(cond);
}

/* A notify that finds a dead sleeper returns "promptly": well under the
 * 5 s it used to wait for one, with room for a loaded machine. */
#define NOTIFY_PROMPT_S 2.0

/* Notify (n, or all when 0) and say whether it returned promptly. */
static void expect_prompt_notify(mp_condition_t *cond, unsigned n, const char *what)
{
    double t0 = now_s();
    notify(cond, n);
    double took = now_s() - t0;
    EXPECT(took < NOTIFY_PROMPT_S, "%s took %.3f s", what, took);
}

/* A waiter SIGKILLed while it sleeps in wait() must not stall the next
 * notify (it used to wait 5 s for the dead one to leave); a live thread
 * waiting beside it is woken by the same notify_all(), and the condition
 * goes on working for new waiters. */
static void test_notify_after_sleeper_killed(void)
{
    mp_condition_t *cond = NULL;
    waiters_t w;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    if (waiters_init(&w, cond) && waiters_start(&w, 1, 1, REACH_LIMIT_S)) {
        mp_process_t *victim = w.procs[0];
        w.procs[0] = NULL;
        if (EXPECT_RC(mp_process_kill(victim), 0) &&
            EXPECT_RC(mp_process_join(victim, JOIN_LIMIT_S), 0))
            EXPECT_EQ(exitcode_of(victim), KILLED_EXITCODE);
        dispose_process(victim);
        expect_prompt_notify(cond, 0, "notify_all beside a dead sleeper");
        EXPECT(wait_semaphore_value(w.woken, 1, REACH_LIMIT_S), "the live waiter never woke");
        waiters_finish(&w, 0);
        expect_prompt_notify(cond, 1, "a notify after the dead sleeper");
        if (waiters_start(&w, 1, 0, REACH_LIMIT_S)) {
            expect_prompt_notify(cond, 1, "notify of a new waiter");
            EXPECT(wait_semaphore_value(w.woken, 2, REACH_LIMIT_S), "the new waiter never woke");
        }
    }
    waiters_destroy(&w);
    mp_condition_destroy(cond);
}

/* The same when the dead sleeper is the only one: notify(1) gives its
 * unit to nobody and returns. */
static void test_notify_only_dead_sleeper(void)
{
    mp_condition_t *cond = NULL;
    waiters_t w;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    if (waiters_init(&w, cond) && waiters_start(&w, 1, 0, REACH_LIMIT_S)) {
        mp_process_t *victim = w.procs[0];
        w.procs[0] = NULL;
        EXPECT_RC(mp_process_kill(victim), 0);
        EXPECT_RC(mp_process_join(victim, JOIN_LIMIT_S), 0);
        dispose_process(victim);
        expect_prompt_notify(cond, 1, "notify of a dead sleeper");
        expect_prompt_notify(cond, 1, "the next notify");
    }
    waiters_destroy(&w);
    mp_condition_destroy(cond);
}

/* Checklist item 80: wait(t) with no notify gives up after about t and
 * holds the lock again. */
static void test_wait_timeout(void)
{
    mp_condition_t *cond = NULL;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0);
    double t0 = now_s();
    EXPECT_RC(mp_condition_wait(cond, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    t0 = now_s();
    EXPECT_RC(mp_condition_wait(cond, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_condition_wait(cond, -1.0), MP_EINVAL); /* refused, the lock still held */
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_RC(mp_condition_release(cond), 0);
    EXPECT_RC(mp_condition_release(cond), MP_ENOTOWNER);
    mp_condition_destroy(cond);
}

/* Checklist item 81, CPython's test_waitfor: the child sets a shared
 * Value to 0 and waits for 4; the parent waits for 0, then adds 1 and
 * notifies four times. Both wait_for calls return true. */
static void test_wait_for_across_processes(void)
{
    mp_condition_t *cond = NULL;
    mp_value_t *state = NULL;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0) ||
        !EXPECT_RC(
            mp_value_create(&state, &(mp_value_opts_t){.type = MP_INT32, .init = &(int32_t){-1}}),
            0))
        goto out;
    mp_process_t *p = start_process(
        &(mp_process_opts_t){.task = "task_cond_wait_for_four", MP_OBJECTS(cond, state)});
    if (p && EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0)) {
        value_target_t zero = {.value = state, .want = 0};
        EXPECT_RC(mp_condition_wait_for(cond, value_reaches, &zero, REACH_LIMIT_S), 0);
        EXPECT(value_reaches(&zero), "state is not 0");
        EXPECT_RC(mp_condition_release(cond), 0);
        for (int i = 0; i < WAIT_FOR_TARGET; i++) {
            sleep_s(0.01);
            EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0);
            EXPECT_RC(mp_value_add_i64(state, 0, 1, NULL), 0);
            EXPECT_RC(mp_condition_notify(cond, 1), 0);
            EXPECT_RC(mp_condition_release(cond), 0);
        }
        if (EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
            EXPECT_EQ(exitcode_of(p), 0);
    }
    dispose_process(p);
out:
    mp_value_destroy(state);
    mp_condition_destroy(cond);
}

static int never(void *ctx)
{
    (*(int *)ctx)++;
    return 0;
}

static int always(void *ctx)
{
    (*(int *)ctx)++;
    return 1;
}

/* Checklist item 81: wait_for a predicate that never comes true gives up
 * after about t (and not before); one that is already true returns at
 * once without waiting. The predicate gets its context. */
static void test_wait_for_timeout(void)
{
    mp_condition_t *cond = NULL;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    int calls = 0;
    EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0);
    double t0 = now_s();
    EXPECT_RC(mp_condition_wait_for(cond, never, &calls, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT(calls >= 1, "the predicate was called %d times", calls);
    calls = 0;
    t0 = now_s();
    EXPECT_RC(mp_condition_wait_for(cond, always, &calls, 10.0), 0);
    EXPECT_EQ(calls, 1);
    EXPECT_RC(mp_condition_wait_for(cond, never, &calls, 0), MP_ETIMEDOUT);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_RC(mp_condition_release(cond), 0);
    mp_condition_destroy(cond);
}

/* Waiting and notifying need the lock: without it (nobody holds it, or
 * another thread does) they are refused, and so is a release. */
static void test_wait_without_lock(void)
{
    mp_condition_t *cond = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0) ||
        !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    int calls = 0;
    EXPECT_RC(mp_condition_wait(cond, 0.1), MP_ENOTOWNER);
    EXPECT_RC(mp_condition_wait_for(cond, never, &calls, 0.1), MP_ENOTOWNER);
    EXPECT_RC(mp_condition_notify(cond, 1), MP_ENOTOWNER);
    EXPECT_RC(mp_condition_notify_all(cond), MP_ENOTOWNER);
    EXPECT_RC(mp_condition_release(cond), MP_ENOTOWNER);
    sync_script_t s = {{{OP_COND_ACQUIRE, 0, MP_FOREVER},
                        {OP_SEM_RELEASE, 1, 0},
                        {OP_EVENT_WAIT, 2, REACH_LIMIT_S},
                        {OP_COND_RELEASE, 0, 0}}};
    mp_semaphore_t *holding = NULL;
    script_thread_t th;
    if (EXPECT_RC(mp_semaphore_create(&holding, &(mp_semaphore_opts_t){.value = 0}), 0) &&
        script_thread_start(&th, &s, HANDLES(cond, holding, go))) {
        if (EXPECT_RC(mp_semaphore_acquire(holding, REACH_LIMIT_S), 0)) {
            double t0 = now_s();
            EXPECT_RC(mp_condition_wait(cond, 0.1), MP_ENOTOWNER);
            EXPECT_RC(mp_condition_notify(cond, 1), MP_ENOTOWNER);
            EXPECT_RC(mp_condition_release(cond), MP_ENOTOWNER);
            EXPECT_RC(mp_condition_acquire(cond, 0), MP_ETIMEDOUT);
            EXPECT_IMMEDIATE(now_s() - t0);
        }
        EXPECT_RC(mp_event_set(go), 0);
        script_thread_join(&th);
        EXPECT_RCS(th.rcs, 0, 0, 0, 0);
    }
    mp_semaphore_destroy(holding);
out:
    mp_event_destroy(go);
    mp_condition_destroy(cond);
}

/* A child waiter on `cond` is woken by the parent's notify: whatever lock
 * the condition has, the child's handle shares it. */
static void check_child_notified(mp_condition_t *cond)
{
    waiters_t w;
    if (waiters_init(&w, cond) && waiters_start(&w, 1, 0, REACH_LIMIT_S)) {
        notify(cond, 1);
        EXPECT(wait_semaphore_value(w.woken, 1, REACH_LIMIT_S), "the child never woke");
    }
    waiters_destroy(&w);
}

/* A condition on a given Lock uses that very lock: holding the condition
 * holds the Lock (in a child too), holding the Lock lets the holder wait,
 * and it is not recursive. */
static void test_condition_with_lock(void)
{
    mp_lock_t *lock = NULL;
    mp_condition_t *cond = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) ||
        !EXPECT_RC(mp_condition_create(&cond, &(mp_condition_opts_t){.lock = lock}), 0) ||
        !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0);
    EXPECT_EQ(mp_lock_is_locked(lock), 1);
    EXPECT_RC(mp_condition_acquire(cond, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_condition_release(cond), 0);
    EXPECT_EQ(mp_lock_is_locked(lock), 0);
    EXPECT_RC(mp_lock_acquire(lock, MP_FOREVER), 0);
    EXPECT_RC(mp_condition_wait(cond, 0.05), MP_ETIMEDOUT);
    EXPECT_EQ(mp_lock_is_locked(lock), 1);
    EXPECT_RC(mp_lock_release(lock), 0);

    sync_script_t s = {{{OP_COND_ACQUIRE, 0, MP_FOREVER},
                        {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                        {OP_COND_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(cond, go)});
    if (p)
        EXPECT(wait_lock_locked(lock, REACH_LIMIT_S), "the child's condition is not our Lock");
    EXPECT_RC(mp_event_set(go), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0, 0);
    dispose_process(p);
    check_child_notified(cond);
out:
    mp_event_destroy(go);
    mp_condition_destroy(cond);
    mp_lock_destroy(lock);
}

/* A condition on a given RLock uses that RLock: the depth shows through
 * mp_rlock_owner(), survives a wait (which lets go of every level), and a
 * child holding the condition is the RLock's owner. */
static void test_condition_with_rlock(void)
{
    mp_rlock_t *lock = NULL;
    mp_condition_t *cond = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_rlock_create(&lock, NULL), 0) ||
        !EXPECT_RC(mp_condition_create(&cond, &(mp_condition_opts_t){.rlock = lock}), 0) ||
        !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    unsigned count = 0;
    EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0);
    EXPECT_RC(mp_rlock_acquire(lock, MP_FOREVER), 0);
    EXPECT_RC(mp_rlock_owner(lock, NULL, NULL, &count), 0);
    EXPECT_EQ(count, 2);
    EXPECT_RC(mp_condition_wait(cond, 0.05), MP_ETIMEDOUT);
    EXPECT_RC(mp_rlock_owner(lock, NULL, NULL, &count), 0);
    EXPECT_EQ(count, 2);
    EXPECT_RC(mp_rlock_release(lock), 0);
    EXPECT_RC(mp_condition_release(cond), 0);
    EXPECT_EQ(mp_rlock_is_locked(lock), 0);

    sync_script_t s = {{{OP_COND_ACQUIRE, 0, MP_FOREVER},
                        {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                        {OP_COND_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(cond, go)});
    if (p)
        EXPECT(wait_rlock_owner(lock, pid_of(p), 1, REACH_LIMIT_S),
               "the child's condition is not our RLock");
    EXPECT_RC(mp_event_set(go), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0, 0);
    dispose_process(p);
    check_child_notified(cond);
out:
    mp_event_destroy(go);
    mp_condition_destroy(cond);
    mp_rlock_destroy(lock);
}

/* The default condition's own RLock: recursive, restored to its depth
 * after a wait, and a child is woken through it. */
static void test_condition_own_rlock(void)
{
    mp_condition_t *cond = NULL;
    if (!EXPECT_RC(mp_condition_create(&cond, NULL), 0))
        return;
    EXPECT_RC(mp_condition_acquire(cond, MP_FOREVER), 0);
    EXPECT_RC(mp_condition_acquire(cond, 0), 0);
    EXPECT_RC(mp_condition_wait(cond, 0.05), MP_ETIMEDOUT);
    EXPECT_RC(mp_condition_release(cond), 0);
    EXPECT_RC(mp_condition_release(cond), 0);
    EXPECT_RC(mp_condition_release(cond), MP_ENOTOWNER);
    check_child_notified(cond);
    mp_condition_destroy(cond);
}

static const test_case_t tests[] = {
    {"notify_one", test_notify_one, ON_ALL},
    {"notify_n", test_notify_n, ON_ALL},
    {"notify_all", test_notify_all, ON_ALL},
    {"notify_after_sleeper_killed", test_notify_after_sleeper_killed, ON_ALL},
    {"notify_only_dead_sleeper", test_notify_only_dead_sleeper, ON_ALL},
    {"wait_timeout", test_wait_timeout, ON_ALL},
    {"wait_for_across_processes", test_wait_for_across_processes, ON_ALL},
    {"wait_for_timeout", test_wait_for_timeout, ON_ALL},
    {"wait_without_lock", test_wait_without_lock, ON_ALL},
    {"condition_with_lock", test_condition_with_lock, ON_ALL},
    {"condition_with_rlock", test_condition_with_rlock, ON_ALL},
    {"condition_own_rlock", test_condition_own_rlock, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_condition = {"condition", true, tests};
