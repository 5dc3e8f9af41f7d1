/* Suite "mgr_condition": a manager's Condition and Event through proxies,
 * with waiters in child processes and in threads of the test process
 * (checklist items 78-80, 82-84, +mgr). Run once per start method. */
#include "test_mgr_sync_tasks.h"

/* Waiters: `procs` children and `threads` threads of this process, all
 * running `script` on `objs` (the threads on second handles). */
typedef struct waiters {
    mp_process_t *procs[3];
    mgr_thread_t threads[3];
    int nprocs, nthreads;
} waiters_t;

static void start_waiters(waiters_t *w, int procs, int threads, const sync_script_t *script,
                          mp_proxy_t *const *objs, size_t nobjs)
{
    *w = (waiters_t){0};
    for (; w->nprocs < procs; w->nprocs++)
        w->procs[w->nprocs] = start_process(&(mp_process_opts_t){.task = "task_mgr_script",
                                                                 ARG_OF(*script),
                                                                 .objects = (void *const *)objs,
                                                                 .nobjects = nobjs});
    for (; w->nthreads < threads; w->nthreads++)
        mgr_thread_start(&w->threads[w->nthreads], script, objs, nobjs);
}

/* Join every waiter; each must have returned `want` (SCRIPT_STEPS codes). */
static void join_waiters(waiters_t *w, const int32_t *want)
{
    for (int i = 0; i < w->nprocs; i++) {
        script_rcs_t r;
        if (script_result(w->procs[i], &r))
            expect_rcs(&r, want, "process waiter", __FILE__, __LINE__);
        dispose_process(w->procs[i]);
    }
    for (int i = 0; i < w->nthreads; i++) {
        mgr_thread_join(&w->threads[i]);
        expect_rcs(&w->threads[i].rcs, want, "thread waiter", __FILE__, __LINE__);
    }
}

/* Objects 0 cond, 1 ready, 2 woken: take the lock, say so (while holding
 * it, so the parent's acquire proves we are inside wait), wait, say woken. */
static const sync_script_t waiter = {{{MOP_ACQUIRE, 0, REACH_LIMIT_S},
                                      {MOP_RELEASE, 1, 0},
                                      {MOP_COND_WAIT, 0, REACH_LIMIT_S},
                                      {MOP_RELEASE, 2, 0},
                                      {MOP_RELEASE, 0, 0}}};
static const int32_t waiter_done[SCRIPT_STEPS] = {0};

typedef struct cond_objs {
    mp_manager_t *m;
    mp_proxy_t *cond, *ready, *woken;
} cond_objs_t;

static bool make_cond_objs(cond_objs_t *o)
{
    *o = (cond_objs_t){.m = start_manager()};
    return o->m && EXPECT_RC(mp_manager_condition(o->m, NULL, &o->cond), 0) &&
           EXPECT_RC(mp_manager_semaphore(o->m, 0, &o->ready), 0) &&
           EXPECT_RC(mp_manager_semaphore(o->m, 0, &o->woken), 0);
}

static void free_cond_objs(cond_objs_t *o)
{
    mp_proxy_destroy(o->cond);
    mp_proxy_destroy(o->ready);
    mp_proxy_destroy(o->woken);
    mp_manager_destroy(o->m);
}

/* Until `n` waiters are asleep in wait: each said ready while holding the
 * lock, so once we hold it they are all inside wait. Returns holding it. */
static bool all_waiting(cond_objs_t *o, int n)
{
    for (int i = 0; i < n; i++)
        if (!EXPECT_RC(mp_mlock_acquire(o->ready, REACH_LIMIT_S), 0))
            return false;
    return EXPECT_RC(mp_mlock_acquire(o->cond, REACH_LIMIT_S), 0);
}

static long woken_count(cond_objs_t *o)
{
    unsigned v = 0;
    return EXPECT_RC(mp_msemaphore_value(o->woken, &v), 0) ? (long)v : -1;
}

/* Checklist item 78 +mgr: one process and one thread wait; notify() wakes
 * exactly one, a second notify() the other. */
static void test_notify(void)
{
    cond_objs_t o;
    waiters_t w = {0};
    if (!make_cond_objs(&o))
        goto out;
    start_waiters(&w, 1, 1, &waiter, PROXIES(o.cond, o.ready, o.woken));
    if (all_waiting(&o, 2)) {
        EXPECT_EQ(woken_count(&o), 0);
        EXPECT_RC(mp_mcond_notify(o.cond, 1), 0);
        EXPECT_RC(mp_mlock_release(o.cond), 0);
        EXPECT_RC(mp_mlock_acquire(o.woken, REACH_LIMIT_S), 0);
        EXPECT_RC(mp_mlock_acquire(o.woken, 0.3), MP_ETIMEDOUT); /* only one woke */
        EXPECT_RC(mp_mlock_acquire(o.cond, REACH_LIMIT_S), 0);
        EXPECT_RC(mp_mcond_notify(o.cond, 1), 0);
        EXPECT_RC(mp_mlock_release(o.cond), 0);
        EXPECT_RC(mp_mlock_acquire(o.woken, REACH_LIMIT_S), 0);
    }
    join_waiters(&w, waiter_done);
out:
    free_cond_objs(&o);
}

/* Checklist item 79 +mgr: six waiters (3 processes, 3 threads) with a
 * timeout all time out; six new ones are not woken early, and one
 * notify_all() wakes all six. */
static void test_notify_all(void)
{
    cond_objs_t o;
    waiters_t w = {0};
    if (!make_cond_objs(&o))
        goto out;
    const sync_script_t timing_out = {
        {{MOP_ACQUIRE, 0, REACH_LIMIT_S}, {MOP_COND_WAIT, 0, 0.3}, {MOP_RELEASE, 0, 0}}};
    start_waiters(&w, 3, 3, &timing_out, PROXIES(o.cond, o.ready, o.woken));
    join_waiters(&w, (const int32_t[SCRIPT_STEPS]){0, MP_ETIMEDOUT, 0});

    start_waiters(&w, 3, 3, &waiter, PROXIES(o.cond, o.ready, o.woken));
    if (all_waiting(&o, 6)) {
        EXPECT_EQ(woken_count(&o), 0);
        EXPECT_RC(mp_mcond_notify_all(o.cond), 0);
        EXPECT_RC(mp_mlock_release(o.cond), 0);
        for (int i = 0; i < 6; i++)
            EXPECT_RC(mp_mlock_acquire(o.woken, REACH_LIMIT_S), 0);
    }
    join_waiters(&w, waiter_done);
out:
    free_cond_objs(&o);
}

/* Checklist item 80 +mgr: wait(t) with no notify gives up after about t,
 * holding the lock again (to its full RLock depth). */
static void test_wait_timeout(void)
{
    cond_objs_t o;
    if (!make_cond_objs(&o))
        goto out;
    mp_proxy_t *other = second_handle(o.cond);
    EXPECT_RC(mp_mlock_acquire(o.cond, MP_FOREVER), 0);
    EXPECT_RC(mp_mlock_acquire(o.cond, MP_FOREVER), 0); /* depth 2 */
    double t0 = now_s();
    EXPECT_RC(mp_mcond_wait(o.cond, 0.3), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT_RC(mp_mlock_acquire(other, 0), MP_ETIMEDOUT); /* held again */
    EXPECT_RC(mp_mlock_release(o.cond), 0);
    EXPECT_RC(mp_mlock_release(o.cond), 0);
    EXPECT_RC(mp_mlock_release(o.cond), MP_ENOTOWNER);
    EXPECT_RC(mp_mlock_acquire(other, 0), 0);
    EXPECT_RC(mp_mlock_release(other), 0);
    mp_proxy_destroy(other);
out:
    free_cond_objs(&o);
}

/* wait, notify and release without holding the lock: MP_ENOTOWNER, at
 * once, and nothing waits. */
static void test_not_owner(void)
{
    cond_objs_t o;
    if (!make_cond_objs(&o))
        goto out;
    double t0 = now_s();
    EXPECT_RC(mp_mcond_wait(o.cond, 5.0), MP_ENOTOWNER);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_RC(mp_mcond_notify(o.cond, 1), MP_ENOTOWNER);
    EXPECT_RC(mp_mcond_notify_all(o.cond), MP_ENOTOWNER);
    EXPECT_RC(mp_mlock_release(o.cond), MP_ENOTOWNER);
    /* Held by another client is not held by us. */
    mp_proxy_t *other = second_handle(o.cond);
    EXPECT_RC(mp_mlock_acquire(other, 0), 0);
    EXPECT_RC(mp_mcond_wait(o.cond, 5.0), MP_ENOTOWNER);
    EXPECT_RC(mp_mlock_release(other), 0);
    mp_proxy_destroy(other);
out:
    free_cond_objs(&o);
}

/* A Condition over a given Lock shares it: acquiring the Condition locks
 * the Lock, waiting unlocks it, and the Lock's proxy sees both. */
static void test_over_lock(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *lock = NULL, *cond = NULL, *rlock = NULL, *rcond = NULL;
    if (!m || !EXPECT_RC(mp_manager_lock(m, &lock), 0) ||
        !EXPECT_RC(mp_manager_condition(m, lock, &cond), 0) ||
        !EXPECT_RC(mp_manager_rlock(m, &rlock), 0) ||
        !EXPECT_RC(mp_manager_condition(m, rlock, &rcond), 0))
        goto out;
    EXPECT_RC(mp_mlock_acquire(cond, MP_FOREVER), 0);
    EXPECT_EQ(mp_mlock_is_locked(lock), 1);
    EXPECT_RC(mp_mlock_acquire(lock, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_mcond_wait(cond, 0.05), MP_ETIMEDOUT);
    EXPECT_EQ(mp_mlock_is_locked(lock), 1);
    EXPECT_RC(mp_mlock_release(lock), 0); /* a Lock: anyone may release it */
    EXPECT_RC(mp_mcond_wait(cond, 0.05), MP_ENOTOWNER);
    /* Over an RLock, the owner is the client that took it. */
    EXPECT_RC(mp_mlock_acquire(rcond, MP_FOREVER), 0);
    EXPECT_EQ(mp_mlock_is_locked(rlock), 1);
    EXPECT_RC(mp_mlock_release(rlock), MP_ENOTOWNER);
    EXPECT_RC(mp_mlock_release(rcond), 0);
    EXPECT_EQ(mp_mlock_is_locked(rlock), 0);
out:
    mp_proxy_destroy(rcond);
    mp_proxy_destroy(rlock);
    mp_proxy_destroy(cond);
    mp_proxy_destroy(lock);
    mp_manager_destroy(m);
}

/* The predicate of test_wait_for: the Value (a proxy) holds 4. */
static int value_is_four(void *ctx)
{
    int64_t v = 0;
    return mp_mvalue_getf(ctx, "I", &v) == 0 && v == 4;
}

static int never(void *ctx)
{
    (void)ctx;
    return 0;
}

/* Checklist item 81's form for a manager: wait_for(pred) returns once a
 * child set the Value to 4 and notified; wait_for of a predicate that
 * never holds gives up after about t; both need the lock. */
static void test_wait_for(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *cond = NULL, *value = NULL;
    mp_var_t *zero = mp_var_int(0);
    if (!m || !EXPECT_RC(mp_manager_condition(m, NULL, &cond), 0) ||
        !EXPECT_RC(mp_manager_value(m, zero, &value), 0))
        goto out;
    EXPECT_RC(mp_mcond_wait_for(cond, never, NULL, 0), MP_ENOTOWNER);
    EXPECT_RC(mp_mlock_acquire(cond, MP_FOREVER), 0);
    sync_script_t s = {{{MOP_SLEEP, 0, 0.2},
                        {MOP_ACQUIRE, 0, REACH_LIMIT_S},
                        {MOP_VALUE_SET, 1, 4},
                        {MOP_COND_NOTIFY, 0, 1},
                        {MOP_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(
        &(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(cond, value)});
    EXPECT_RC(mp_mcond_wait_for(cond, value_is_four, value, REACH_LIMIT_S), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0, 0, 0, 0);
    dispose_process(p);
    double t0 = now_s();
    EXPECT_RC(mp_mcond_wait_for(cond, never, NULL, 0.3), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT_RC(mp_mcond_wait_for(cond, value_is_four, value, 0), 0); /* true at once */
    EXPECT_RC(mp_mlock_release(cond), 0);
out:
    mp_var_free(zero);
    mp_proxy_destroy(value);
    mp_proxy_destroy(cond);
    mp_manager_destroy(m);
}

/* Checklist item 82: a Condition acquired and released in a child. */
static void test_condition_in_child(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *cond = NULL;
    if (!m || !EXPECT_RC(mp_manager_condition(m, NULL, &cond), 0))
        goto out;
    sync_script_t s = {{{MOP_ACQUIRE, 0, REACH_LIMIT_S},
                        {MOP_COND_NOTIFY, 0, 1},
                        {MOP_RELEASE, 0, 0},
                        {MOP_RELEASE, 0, 0}}};
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(cond)}),
                      &r))
        EXPECT_RCS(r, 0, 0, 0, MP_ENOTOWNER);
    EXPECT_RC(mp_mlock_acquire(cond, 0), 0); /* released by the child */
    EXPECT_RC(mp_mlock_release(cond), 0);
out:
    mp_proxy_destroy(cond);
    mp_manager_destroy(m);
}

/* Checklist item 83 +mgr: unset, a wait(0) fails at once and wait(t)
 * after about t; set, waits succeed at once; cleared, a child that sets it
 * after a delay ends a wait. */
static void test_event(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *e = NULL;
    if (!m || !EXPECT_RC(mp_manager_event(m, &e), 0))
        goto out;
    EXPECT_EQ(mp_mevent_is_set(e), 0);
    double t0 = now_s();
    EXPECT_RC(mp_mevent_wait(e, 0), MP_ETIMEDOUT);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_mevent_wait(e, 0.3), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT_RC(mp_mevent_set(e), 0);
    EXPECT_EQ(mp_mevent_is_set(e), 1);
    t0 = now_s();
    EXPECT_RC(mp_mevent_wait(e, MP_FOREVER), 0);
    EXPECT_RC(mp_mevent_wait(e, 0.3), 0);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_RC(mp_mevent_clear(e), 0);
    EXPECT_EQ(mp_mevent_is_set(e), 0);
    sync_script_t s = {{{MOP_SLEEP, 0, 0.2}, {MOP_EVENT_SET, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(e)});
    EXPECT_RC(mp_mevent_wait(e, REACH_LIMIT_S), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0);
    dispose_process(p);
out:
    mp_proxy_destroy(e);
    mp_manager_destroy(m);
}

/* Checklist item 84: set in the parent is seen in a child, and the
 * child's clear() is seen in the parent. */
static void test_event_in_child(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *e = NULL;
    if (!m || !EXPECT_RC(mp_manager_event(m, &e), 0))
        goto out;
    EXPECT_RC(mp_mevent_set(e), 0);
    sync_script_t s = {{{MOP_EVENT_IS_SET, 0, 0}, {MOP_EVENT_WAIT, 0, 0}, {MOP_EVENT_CLEAR, 0, 0}}};
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(e)}), &r))
        EXPECT_RCS(r, 1, 0, 0);
    EXPECT_EQ(mp_mevent_is_set(e), 0);
out:
    mp_proxy_destroy(e);
    mp_manager_destroy(m);
}

static const test_case_t tests[] = {
    {"notify", test_notify, ON_ALL},
    {"notify_all", test_notify_all, ON_ALL},
    {"wait_timeout", test_wait_timeout, ON_ALL},
    {"not_owner", test_not_owner, ON_ALL},
    {"over_lock", test_over_lock, ON_ALL},
    {"wait_for", test_wait_for, ON_ALL},
    {"condition_in_child", test_condition_in_child, ON_ALL},
    {"event", test_event, ON_ALL},
    {"event_in_child", test_event_in_child, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_condition = {"mgr_condition", true, tests};
