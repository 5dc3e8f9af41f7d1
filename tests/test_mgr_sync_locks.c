/* Suite "mgr_lock": a manager's Lock, RLock, Semaphore and
 * BoundedSemaphore through proxies, across processes (checklist items 67,
 * 70, 72-77, +mgr), and a waiter killed inside acquire. Run once per start
 * method. */
#include "test_mgr_sync_tasks.h"

/* Checklist item 67 +mgr: acquire, locked, a refused second acquire (not
 * recursive, even for its holder), release, and releasing it unlocked. */
static void test_lock_basics(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *l = NULL;
    if (!m || !EXPECT_RC(mp_manager_lock(m, &l), 0))
        goto out;
    EXPECT_STR(mp_proxy_type(l), "Lock");
    EXPECT_EQ(mp_mlock_is_locked(l), 0);
    EXPECT_RC(mp_mlock_acquire(l, MP_FOREVER), 0);
    EXPECT_EQ(mp_mlock_is_locked(l), 1);
    double t0 = now_s();
    EXPECT_RC(mp_mlock_acquire(l, 0), MP_ETIMEDOUT);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_mlock_acquire(l, 0.3), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT_RC(mp_mlock_release(l), 0);
    EXPECT_EQ(mp_mlock_is_locked(l), 0);
    EXPECT_RC(mp_mlock_release(l), MP_ESTATE);
    EXPECT_RC(mp_mlock_acquire(l, 0), 0); /* still usable after the refused release */
    EXPECT_RC(mp_mlock_release(l), 0);
out:
    mp_proxy_destroy(l);
    mp_manager_destroy(m);
}

/* A manager Lock has no owner (as Python's): a child acquires it, the
 * parent sees it locked in both and releases it; the child's own release
 * afterwards finds it unlocked. */
static void test_lock_child_acquires_parent_releases(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *l = NULL, *held = NULL, *go = NULL;
    if (!m || !EXPECT_RC(mp_manager_lock(m, &l), 0) || !EXPECT_RC(mp_manager_event(m, &held), 0) ||
        !EXPECT_RC(mp_manager_event(m, &go), 0))
        goto out;
    sync_script_t s = {{{MOP_ACQUIRE, 0, MP_FOREVER},
                        {MOP_LOCKED, 0, 0},
                        {MOP_EVENT_SET, 1, 0},
                        {MOP_EVENT_WAIT, 2, REACH_LIMIT_S},
                        {MOP_LOCKED, 0, 0},
                        {MOP_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(
        &(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(l, held, go)});
    if (p && EXPECT_RC(mp_mevent_wait(held, REACH_LIMIT_S), 0)) {
        EXPECT_EQ(mp_mlock_is_locked(l), 1);
        EXPECT_RC(mp_mlock_acquire(l, 0), MP_ETIMEDOUT);
        EXPECT_RC(mp_mlock_release(l), 0); /* the child's acquire, released here */
    }
    EXPECT_RC(mp_mevent_set(go), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 1, 0, 0, 0, MP_ESTATE);
    dispose_process(p);
out:
    mp_proxy_destroy(l);
    mp_proxy_destroy(held);
    mp_proxy_destroy(go);
    mp_manager_destroy(m);
}

/* Checklist item 70 +mgr: three acquires, locked until the third release,
 * a fourth release refused; another client (a second handle) can neither
 * take it nor release it meanwhile. */
static void test_rlock_basics(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *l = NULL, *other = NULL;
    if (!m || !EXPECT_RC(mp_manager_rlock(m, &l), 0) || !(other = second_handle(l)))
        goto out;
    for (int i = 0; i < 3; i++)
        EXPECT_RC(mp_mlock_acquire(l, MP_FOREVER), 0);
    EXPECT_RC(mp_mlock_acquire(other, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_mlock_release(other), MP_ENOTOWNER);
    EXPECT_EQ(mp_mlock_is_locked(other), 1);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(mp_mlock_is_locked(l), 1);
        EXPECT_RC(mp_mlock_release(l), 0);
    }
    EXPECT_EQ(mp_mlock_is_locked(l), 0);
    EXPECT_RC(mp_mlock_release(l), MP_ENOTOWNER);
    EXPECT_RC(mp_mlock_acquire(other, 0), 0); /* free for anyone now */
    EXPECT_RC(mp_mlock_release(other), 0);
out:
    mp_proxy_destroy(other);
    mp_proxy_destroy(l);
    mp_manager_destroy(m);
}

/* Checklist item 72: a manager RLock acquired (twice) and released in a
 * child; the parent cannot release it for the child, and it is free after. */
static void test_rlock_in_child(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *l = NULL, *held = NULL, *go = NULL;
    if (!m || !EXPECT_RC(mp_manager_rlock(m, &l), 0) || !EXPECT_RC(mp_manager_event(m, &held), 0) ||
        !EXPECT_RC(mp_manager_event(m, &go), 0))
        goto out;
    sync_script_t s = {{{MOP_ACQUIRE, 0, MP_FOREVER},
                        {MOP_ACQUIRE, 0, MP_FOREVER},
                        {MOP_EVENT_SET, 1, 0},
                        {MOP_EVENT_WAIT, 2, REACH_LIMIT_S},
                        {MOP_RELEASE, 0, 0},
                        {MOP_LOCKED, 0, 0},
                        {MOP_RELEASE, 0, 0},
                        {MOP_LOCKED, 0, 0},
                        {MOP_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(
        &(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(l, held, go)});
    if (p && EXPECT_RC(mp_mevent_wait(held, REACH_LIMIT_S), 0)) {
        EXPECT_EQ(mp_mlock_is_locked(l), 1);
        EXPECT_RC(mp_mlock_release(l), MP_ENOTOWNER);
        EXPECT_RC(mp_mlock_acquire(l, 0), MP_ETIMEDOUT);
    }
    EXPECT_RC(mp_mevent_set(go), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0, 0, 0, 0, 1, 0, 0, MP_ENOTOWNER);
    EXPECT_EQ(mp_mlock_is_locked(l), 0);
    EXPECT_RC(mp_mlock_acquire(l, 0), 0);
    EXPECT_RC(mp_mlock_release(l), 0);
    dispose_process(p);
out:
    mp_proxy_destroy(l);
    mp_proxy_destroy(held);
    mp_proxy_destroy(go);
    mp_manager_destroy(m);
}

/* The value of a semaphore proxy, or -1 (asserted). */
static long sem_value(mp_proxy_t *s)
{
    unsigned v = 0;
    return EXPECT_RC(mp_msemaphore_value(s, &v), 0) ? (long)v : -1;
}

/* Checklist items 73-75 +mgr: 2 -> 1 -> 0 over two acquires, a refused
 * try at 0, back to 2; a Semaphore counts on (3, 4), a BoundedSemaphore
 * refuses with MP_EINVAL and stays at 2. */
static void check_semaphore(bool bounded)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *s = NULL;
    int rc = !m        ? MP_EINVAL
             : bounded ? mp_manager_bounded_semaphore(m, 2, &s)
                       : mp_manager_semaphore(m, 2, &s);
    if (!EXPECT_RC(rc, 0))
        goto out;
    EXPECT_STR(mp_proxy_type(s), bounded ? "BoundedSemaphore" : "Semaphore");
    EXPECT_EQ(sem_value(s), 2);
    EXPECT_RC(mp_mlock_acquire(s, MP_FOREVER), 0);
    EXPECT_EQ(sem_value(s), 1);
    EXPECT_RC(mp_mlock_acquire(s, 0), 0);
    EXPECT_EQ(sem_value(s), 0);
    EXPECT_RC(mp_mlock_acquire(s, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_mlock_release(s), 0);
    EXPECT_EQ(sem_value(s), 1);
    EXPECT_RC(mp_mlock_release(s), 0);
    EXPECT_EQ(sem_value(s), 2);
    EXPECT_RC(mp_mlock_release(s), bounded ? MP_EINVAL : 0);
    EXPECT_EQ(sem_value(s), bounded ? 2 : 3);
    EXPECT_RC(mp_mlock_release(s), bounded ? MP_EINVAL : 0);
    EXPECT_EQ(sem_value(s), bounded ? 2 : 4);
out:
    mp_proxy_destroy(s);
    mp_manager_destroy(m);
}

static void test_semaphore(void)
{
    check_semaphore(false);
}

static void test_bounded_semaphore(void)
{
    check_semaphore(true);
}

/* Checklist item 76 +mgr: on Semaphore(0) a try fails at once, a wait of
 * t after about t. */
static void test_semaphore_timeouts(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *s = NULL;
    if (!m || !EXPECT_RC(mp_manager_semaphore(m, 0, &s), 0))
        goto out;
    double t0 = now_s();
    EXPECT_RC(mp_mlock_acquire(s, 0), MP_ETIMEDOUT);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_mlock_acquire(s, 0.3), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT_EQ(sem_value(s), 0);
out:
    mp_proxy_destroy(s);
    mp_manager_destroy(m);
}

/* Checklist item 77: a Semaphore or BoundedSemaphore acquired in a child
 * (down to 0: a further try fails there) is released by the parent. */
static void check_child_acquires(bool bounded)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *s = NULL;
    int rc = !m        ? MP_EINVAL
             : bounded ? mp_manager_bounded_semaphore(m, 1, &s)
                       : mp_manager_semaphore(m, 1, &s);
    if (!EXPECT_RC(rc, 0))
        goto out;
    sync_script_t sc = {{{MOP_ACQUIRE, 0, MP_FOREVER}, {MOP_ACQUIRE, 0, 0}, {MOP_SEM_VALUE, 0, 0}}};
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(sc), MP_OBJECTS(s)}), &r))
        EXPECT_RCS(r, 0, MP_ETIMEDOUT, 0);
    EXPECT_EQ(sem_value(s), 0);
    EXPECT_RC(mp_mlock_release(s), 0);
    EXPECT_EQ(sem_value(s), 1);
    EXPECT_RC(mp_mlock_release(s), bounded ? MP_EINVAL : 0);
out:
    mp_proxy_destroy(s);
    mp_manager_destroy(m);
}

static void test_semaphore_child_acquires(void)
{
    check_child_acquires(false);
}

static void test_bounded_semaphore_child_acquires(void)
{
    check_child_acquires(true);
}

/* A waiter that dies takes nothing: the parent holds the Lock, a child
 * waits in acquire (for ever) and is SIGKILLed there; after the server
 * has seen it hang up, the parent releases and can take the lock again
 * at once. Had the dead waiter "acquired" it, it would be held for ever. */
static void test_lock_waiter_killed(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *l = NULL, *ready = NULL;
    if (!m || !EXPECT_RC(mp_manager_lock(m, &l), 0) || !EXPECT_RC(mp_manager_event(m, &ready), 0))
        goto out;
    EXPECT_RC(mp_mlock_acquire(l, MP_FOREVER), 0);
    sync_script_t s = {{{MOP_EVENT_SET, 1, 0}, {MOP_ACQUIRE, 0, MP_FOREVER}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(l, ready)});
    if (p && EXPECT_RC(mp_mevent_wait(ready, REACH_LIMIT_S), 0)) {
        sleep_s(0.3); /* from the event to the acquire's request */
        EXPECT_RC(mp_process_kill(p), 0);
        /* Reaped, so its connection is closed: the server's waiter sees
         * end-of-file whenever it wakes, the release's notify included. */
        EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
        EXPECT_RC(mp_mlock_release(l), 0);
        EXPECT_RC(mp_mlock_acquire(l, 5.0), 0);
        EXPECT_RC(mp_mlock_release(l), 0);
    }
    dispose_process(p);
out:
    mp_proxy_destroy(l);
    mp_proxy_destroy(ready);
    mp_manager_destroy(m);
}

/* A server killed while a call waits in it: the waiting acquire (a
 * thread's, on its own handle) and every later call fail promptly with
 * MP_EBROKEN, never a hang. */
static void test_server_killed(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *l = NULL;
    mp_pid_t pid = 0;
    mgr_thread_t waiter = {0};
    if (!m || !EXPECT_RC(mp_manager_lock(m, &l), 0) || !EXPECT_RC(mp_manager_pid(m, &pid), 0))
        goto out;
    EXPECT_RC(mp_mlock_acquire(l, MP_FOREVER), 0);
    sync_script_t s = {{{MOP_ACQUIRE, 0, MP_FOREVER}}};
    if (mgr_thread_start(&waiter, &s, PROXIES(l))) {
        sleep_s(0.3); /* let it block in the server */
        kill_pid((pid_t)pid);
        double t0 = now_s();
        mgr_thread_join(&waiter);
        EXPECT(now_s() - t0 < REACH_LIMIT_S, "the waiter took %.3f s", now_s() - t0);
        EXPECT_RCS(waiter.rcs, MP_EBROKEN);
    }
    EXPECT_RC(mp_mlock_release(l), MP_EBROKEN);
    EXPECT_RC(mp_mlock_is_locked(l), MP_EBROKEN);
out:
    mgr_thread_join(&waiter);
    mp_proxy_destroy(l);
    mp_manager_destroy(m);
}

static const test_case_t tests[] = {
    {"lock_basics", test_lock_basics, ON_ALL},
    {"lock_child_acquires_parent_releases", test_lock_child_acquires_parent_releases, ON_ALL},
    {"rlock_basics", test_rlock_basics, ON_ALL},
    {"rlock_in_child", test_rlock_in_child, ON_ALL},
    {"semaphore", test_semaphore, ON_ALL},
    {"bounded_semaphore", test_bounded_semaphore, ON_ALL},
    {"semaphore_timeouts", test_semaphore_timeouts, ON_ALL},
    {"semaphore_child_acquires", test_semaphore_child_acquires, ON_ALL},
    {"bounded_semaphore_child_acquires", test_bounded_semaphore_child_acquires, ON_ALL},
    {"lock_waiter_killed", test_lock_waiter_killed, ON_ALL},
    {"server_killed", test_server_killed, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_lock = {"mgr_lock", true, tests};
