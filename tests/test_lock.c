/* Suite "lock": Lock and RLock across processes and threads (checklist
 * section 6, items 67-72). Run once per start method. Owner death is in
 * suite "owner_death". */
#include <unistd.h> /* getpid */

#include "sync_helpers.h"

/* Checklist item 67: acquire, locked, a refused second acquire (the lock
 * is not recursive, even for its holder), release, and the release of an
 * unlocked lock. */
static void test_lock_basics(void)
{
    mp_lock_t *lock = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0))
        return;
    EXPECT_EQ(mp_lock_is_locked(lock), 0);
    EXPECT_RC(mp_lock_acquire(lock, MP_FOREVER), 0);
    EXPECT_EQ(mp_lock_is_locked(lock), 1);
    double t0 = now_s();
    EXPECT_RC(mp_lock_acquire(lock, 0), MP_ETIMEDOUT); /* 0: try once, no wait */
    EXPECT_RC(mp_lock_acquire(lock, -1.0), MP_EINVAL); /* negative: refused, not a poll */
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_lock_is_locked(lock), 1);
    EXPECT_RC(mp_lock_release(lock), 0);
    EXPECT_EQ(mp_lock_is_locked(lock), 0);
    EXPECT_RC(mp_lock_release(lock), MP_ESTATE);
    EXPECT_EQ(mp_lock_is_locked(lock), 0);
    /* Still usable after the refused release. */
    EXPECT_RC(mp_lock_acquire(lock, 0), 0);
    EXPECT_RC(mp_lock_release(lock), 0);
    mp_lock_destroy(lock);
}

/* Checklist item 68: while a child holds the Lock, locked() is true in
 * the child and in the parent, and the parent cannot take it; once the
 * child releases, it is free in both. */
static void test_lock_locked_in_both(void)
{
    mp_lock_t *lock = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) || !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    sync_script_t s = {{{OP_LOCK_ACQUIRE, 0, MP_FOREVER},
                        {OP_LOCK_LOCKED, 0, 0},
                        {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                        {OP_LOCK_RELEASE, 0, 0},
                        {OP_LOCK_LOCKED, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(lock, go)});
    if (p && EXPECT(wait_lock_locked(lock, REACH_LIMIT_S), "the child never took the lock")) {
        EXPECT_EQ(mp_lock_is_locked(lock), 1);
        EXPECT_RC(mp_lock_acquire(lock, 0), MP_ETIMEDOUT);
        EXPECT_RC(mp_event_set(go), 0);
    }
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 1, 0, 0, 0);
    EXPECT_EQ(mp_lock_is_locked(lock), 0);
    dispose_process(p);
out:
    mp_event_destroy(go);
    mp_lock_destroy(lock);
}

/* A Lock has no owner: a child may release the parent's lock, and a
 * child's release of an unlocked lock is refused like the parent's. */
static void test_lock_released_by_other_process(void)
{
    mp_lock_t *lock = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0))
        return;
    EXPECT_RC(mp_lock_acquire(lock, MP_FOREVER), 0);
    sync_script_t s = {{{OP_LOCK_RELEASE, 0, 0}, {OP_LOCK_LOCKED, 0, 0}, {OP_LOCK_RELEASE, 0, 0}}};
    script_rcs_t r;
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(lock)});
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0, MP_ESTATE);
    EXPECT_EQ(mp_lock_is_locked(lock), 0);
    dispose_process(p);
    mp_lock_destroy(lock);
}

/* A process blocked in acquire while a child holds the lock: a timed
 * acquire gives up after ~t, and a blocked child gets the lock as soon as
 * the parent lets it go (the wake-up crosses processes). */
static void test_lock_contention(void)
{
    mp_lock_t *lock = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) || !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    sync_script_t holder = {{{OP_LOCK_ACQUIRE, 0, MP_FOREVER},
                             {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                             {OP_LOCK_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(
        &(mp_process_opts_t){SCRIPT_TASK(holder), MP_OBJECTS(lock, go)});
    script_rcs_t r;
    if (p && EXPECT(wait_lock_locked(lock, REACH_LIMIT_S), "the child never took the lock")) {
        double t0 = now_s();
        EXPECT_RC(mp_lock_acquire(lock, 0.2), MP_ETIMEDOUT);
        EXPECT_ABOUT(now_s() - t0, 0.2);
        EXPECT_RC(mp_event_set(go), 0);
        EXPECT_RC(mp_lock_acquire(lock, 10.0), 0);
        if (script_result(p, &r))
            EXPECT_RCS(r, 0, 0, 0);
    }
    dispose_process(p);

    /* Now the parent holds it and a child waits. */
    sync_script_t waiter = {{{OP_LOCK_ACQUIRE, 0, 10.0}, {OP_LOCK_RELEASE, 0, 0}}};
    p = start_process(&(mp_process_opts_t){SCRIPT_TASK(waiter), MP_OBJECTS(lock)});
    if (p) {
        sleep_s(0.1);
        EXPECT_RC(mp_lock_release(lock), 0);
        if (script_result(p, &r))
            EXPECT_RCS(r, 0, 0);
    }
    dispose_process(p);
out:
    mp_event_destroy(go);
    mp_lock_destroy(lock);
}

/* A Lock has no owner (CPython: any thread may release it), so one taken
 * by a thread that has since ended is still locked while this process
 * lives: nobody else gets it until some thread releases it. (Owner death
 * is about processes: sync.h, "whose owner process dies".) */
static void test_lock_held_by_ended_thread(void)
{
    mp_lock_t *lock = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0))
        return;
    sync_script_t take = {{{OP_LOCK_ACQUIRE, 0, MP_FOREVER}}};
    script_thread_t th;
    if (script_thread_start(&th, &take, HANDLES(lock))) {
        script_thread_join(&th);
        EXPECT_RCS(th.rcs, 0);
        EXPECT_EQ(mp_lock_is_locked(lock), 1);
        int rc = mp_lock_acquire(lock, 0);
        EXPECT(rc == MP_ETIMEDOUT, "a Lock held for a living process was taken: %s",
               mp_err_name(rc));
        if (rc == 0 || rc == MP_EOWNERDEAD)
            mp_lock_release(lock);
        /* Another thread hands it on, as CPython allows. */
        sync_script_t release = {{{OP_LOCK_RELEASE, 0, 0}}};
        if (rc == MP_ETIMEDOUT && script_thread_start(&th, &release, HANDLES(lock))) {
            script_thread_join(&th);
            EXPECT_RCS(th.rcs, 0);
            EXPECT_RC(mp_lock_acquire(lock, 0), 0);
            EXPECT_RC(mp_lock_release(lock), 0);
        }
    }
    mp_lock_destroy(lock);
}

/* Check mp_lock_owner() against an expected (pid, tid); tid -1 means "any
 * nonzero one" (another process's thread ids are not ours to predict). */
static void expect_lock_owner(mp_lock_t *lock, mp_pid_t pid, long tid)
{
    mp_pid_t got_pid = -1;
    long got_tid = -1;
    if (!EXPECT_RC(mp_lock_owner(lock, &got_pid, &got_tid), 0))
        return;
    bool tid_ok = tid == -1 ? got_tid > 0 : got_tid == tid;
    EXPECT(got_pid == pid && tid_ok, "Lock owner (%lld, %ld), expected (%lld, %ld)",
           (long long)got_pid, got_tid, (long long)pid, tid);
}

typedef struct lock_owner_probe {
    mp_lock_t *lock;
    mp_pid_t pid;
} lock_owner_probe_t;

/* The lock names `pid` and a thread: a thread records itself just after
 * taking the lock, so the pid may come first for an instant. */
static bool lock_owned_by(void *ctx)
{
    lock_owner_probe_t *o = ctx;
    mp_pid_t pid = 0;
    long tid = 0;
    return mp_lock_owner(o->lock, &pid, &tid) == 0 && pid == o->pid && tid > 0;
}

/* mp_lock_owner(), as Python's Lock repr names its owner: nobody (0, 0);
 * this thread; a child, named by its pid while it holds the lock; nobody
 * again once the child let go. Every out-parameter may be NULL. */
static void test_lock_owner(void)
{
    mp_lock_t *lock = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) || !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    expect_lock_owner(lock, 0, 0);
    EXPECT_RC(mp_lock_owner(NULL, NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_lock_acquire(lock, MP_FOREVER), 0);
    expect_lock_owner(lock, getpid(), self_thread_id());
    EXPECT_RC(mp_lock_owner(lock, NULL, NULL), 0);
    EXPECT_RC(mp_lock_release(lock), 0);
    expect_lock_owner(lock, 0, 0);

    sync_script_t s = {{{OP_LOCK_ACQUIRE, 0, MP_FOREVER},
                        {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                        {OP_LOCK_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(lock, go)});
    lock_owner_probe_t probe = {lock, p ? pid_of(p) : 0};
    if (p && EXPECT(poll_until(lock_owned_by, &probe, REACH_LIMIT_S), "the child never took it"))
        expect_lock_owner(lock, probe.pid, -1);
    EXPECT_RC(mp_event_set(go), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0, 0);
    expect_lock_owner(lock, 0, 0);
    dispose_process(p);
out:
    mp_event_destroy(go);
    mp_lock_destroy(lock);
}

/* Mutual exclusion across processes: 4 children add 1 to a raw shared
 * int64 20,000 times each, each ++ under the Lock; no update is lost. */
static void test_lock_mutual_exclusion(void)
{
    enum { PROCS = 4, TIMES = 20000 };
    mp_lock_t *lock = NULL;
    mp_value_t *counter = NULL;
    mp_process_t *procs[PROCS] = {0};
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) ||
        !EXPECT_RC(mp_value_create(&counter, &(mp_value_opts_t){.type = MP_INT64, .raw = true}), 0))
        goto out;
    incr_arg_t a = {.times = TIMES, .mode = INCR_LOCKED_RAW};
    for (int i = 0; i < PROCS; i++)
        procs[i] = start_process(&(mp_process_opts_t){
            .task = "task_value_increment", ARG_OF(a), MP_OBJECTS(counter, lock)});
    for (int i = 0; i < PROCS; i++)
        if (procs[i] && EXPECT_RC(mp_process_join(procs[i], JOIN_LIMIT_S), 0))
            EXPECT_EQ(exitcode_of(procs[i]), 0);
    EXPECT_EQ(*(int64_t *)mp_value_ptr(counter), PROCS * TIMES);
    EXPECT_EQ(mp_lock_is_locked(lock), 0);
out:
    for (int i = 0; i < PROCS; i++)
        dispose_process(procs[i]);
    mp_value_destroy(counter);
    mp_lock_destroy(lock);
}

/* Checklist item 70: three acquires, locked until the third release, a
 * fourth release refused; an RLock that was never taken cannot be
 * released either. */
static void test_rlock_recursion(void)
{
    mp_rlock_t *lock = NULL;
    if (!EXPECT_RC(mp_rlock_create(&lock, NULL), 0))
        return;
    EXPECT_RC(mp_rlock_release(lock), MP_ENOTOWNER);
    EXPECT_EQ(mp_rlock_is_locked(lock), 0);
    for (int i = 0; i < 3; i++)
        EXPECT_RC(mp_rlock_acquire(lock, MP_FOREVER), 0);
    EXPECT_RC(mp_rlock_acquire(lock, 0), 0); /* the owner never waits */
    EXPECT_RC(mp_rlock_release(lock), 0);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(mp_rlock_is_locked(lock), 1);
        EXPECT_RC(mp_rlock_release(lock), 0);
    }
    EXPECT_EQ(mp_rlock_is_locked(lock), 0);
    EXPECT_RC(mp_rlock_release(lock), MP_ENOTOWNER);
    EXPECT_EQ(mp_rlock_is_locked(lock), 0);
    mp_rlock_destroy(lock);
}

/* Check mp_rlock_owner() against an expected (pid, tid, count); tid 0
 * means "any nonzero one" unless the pid is 0 too. */
static void expect_owner(mp_rlock_t *lock, mp_pid_t pid, long tid, unsigned count)
{
    mp_pid_t got_pid = -1;
    long got_tid = -1;
    unsigned got_count = 99;
    if (!EXPECT_RC(mp_rlock_owner(lock, &got_pid, &got_tid, &got_count), 0))
        return;
    bool tid_ok = tid ? got_tid == tid : pid ? got_tid > 0 : got_tid == 0;
    EXPECT(got_pid == pid && tid_ok && got_count == count,
           "owner (%lld, %ld, %u), expected (%lld, %ld, %u)", (long long)got_pid, got_tid,
           got_count, (long long)pid, tid, count);
}

/* Checklist item 71: the owner and depth, as Python's RLock repr shows
 * them: nobody, this thread at depth 3, another thread of this process
 * (whose lock this thread can neither release nor take), and no one again.
 * Every out-parameter may be NULL. */
static void test_rlock_owner(void)
{
    mp_rlock_t *lock = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_rlock_create(&lock, NULL), 0) || !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    expect_owner(lock, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        EXPECT_RC(mp_rlock_acquire(lock, MP_FOREVER), 0);
    expect_owner(lock, getpid(), self_thread_id(), 3);
    EXPECT_RC(mp_rlock_owner(lock, NULL, NULL, NULL), 0);
    EXPECT_RC(mp_rlock_release(lock), 0);
    expect_owner(lock, getpid(), self_thread_id(), 2);
    EXPECT_RC(mp_rlock_release(lock), 0);
    EXPECT_RC(mp_rlock_release(lock), 0);
    expect_owner(lock, 0, 0, 0);

    sync_script_t s = {{{OP_RLOCK_ACQUIRE, 0, MP_FOREVER},
                        {OP_RLOCK_ACQUIRE, 0, MP_FOREVER},
                        {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                        {OP_RLOCK_RELEASE, 0, 0},
                        {OP_RLOCK_RELEASE, 0, 0}}};
    script_thread_t th;
    if (script_thread_start(&th, &s, HANDLES(lock, go))) {
        if (EXPECT(wait_rlock_owner(lock, getpid(), 2, REACH_LIMIT_S),
                   "the thread never took it twice")) {
            mp_pid_t pid;
            long tid = 0;
            unsigned count = 0;
            EXPECT_RC(mp_rlock_owner(lock, &pid, &tid, &count), 0);
            EXPECT(tid > 0 && tid != self_thread_id(), "owner thread %ld (main is %ld)", tid,
                   self_thread_id());
            EXPECT_EQ(count, 2);
            EXPECT_EQ(mp_rlock_is_locked(lock), 1);
            EXPECT_RC(mp_rlock_release(lock), MP_ENOTOWNER);
            EXPECT_RC(mp_rlock_acquire(lock, 0), MP_ETIMEDOUT);
        }
        EXPECT_RC(mp_event_set(go), 0);
        script_thread_join(&th);
        EXPECT_RCS(th.rcs, 0, 0, 0, 0, 0);
    }
    expect_owner(lock, 0, 0, 0);
out:
    mp_event_destroy(go);
    mp_rlock_destroy(lock);
}

/* Checklist items 68 and 71 for a child: while it holds the RLock twice,
 * locked() is true in both processes, the owner is the child's pid at
 * depth 2, and the parent can neither release nor take it. */
static void test_rlock_held_by_child(void)
{
    mp_rlock_t *lock = NULL;
    mp_event_t *go = NULL;
    if (!EXPECT_RC(mp_rlock_create(&lock, NULL), 0) || !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    sync_script_t s = {{{OP_RLOCK_ACQUIRE, 0, MP_FOREVER},
                        {OP_RLOCK_ACQUIRE, 0, MP_FOREVER},
                        {OP_RLOCK_LOCKED, 0, 0},
                        {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                        {OP_RLOCK_RELEASE, 0, 0},
                        {OP_RLOCK_LOCKED, 0, 0},
                        {OP_RLOCK_RELEASE, 0, 0},
                        {OP_RLOCK_LOCKED, 0, 0},
                        {OP_RLOCK_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(lock, go)});
    pid_t pid = p ? pid_of(p) : 0;
    if (p && EXPECT(wait_rlock_owner(lock, pid, 2, REACH_LIMIT_S), "the child never took it")) {
        expect_owner(lock, pid, 0, 2);
        EXPECT_EQ(mp_rlock_is_locked(lock), 1);
        EXPECT_RC(mp_rlock_release(lock), MP_ENOTOWNER);
        EXPECT_RC(mp_rlock_acquire(lock, 0), MP_ETIMEDOUT);
        EXPECT_RC(mp_event_set(go), 0);
    }
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0, 1, 0, 0, 1, 0, 0, MP_ENOTOWNER);
    expect_owner(lock, 0, 0, 0);
    dispose_process(p);
out:
    mp_event_destroy(go);
    mp_rlock_destroy(lock);
}

/* An RLock held by the parent: a child's release is refused, a child's
 * timed acquire gives up, and the child gets it once the parent lets go. */
static void test_rlock_child_not_owner(void)
{
    mp_rlock_t *lock = NULL;
    mp_semaphore_t *tried = NULL;
    if (!EXPECT_RC(mp_rlock_create(&lock, NULL), 0) ||
        !EXPECT_RC(mp_semaphore_create(&tried, &(mp_semaphore_opts_t){.value = 0}), 0))
        goto out;
    EXPECT_RC(mp_rlock_acquire(lock, MP_FOREVER), 0);
    sync_script_t s = {{{OP_RLOCK_RELEASE, 0, 0},
                        {OP_RLOCK_ACQUIRE, 0, 0.05},
                        {OP_SEM_RELEASE, 1, 0},
                        {OP_RLOCK_ACQUIRE, 0, 10.0},
                        {OP_RLOCK_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(lock, tried)});
    if (p && EXPECT_RC(mp_semaphore_acquire(tried, REACH_LIMIT_S), 0)) {
        expect_owner(lock, getpid(), self_thread_id(), 1);
        EXPECT_RC(mp_rlock_release(lock), 0);
    }
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, MP_ENOTOWNER, MP_ETIMEDOUT, 0, 0, 0);
    dispose_process(p);
out:
    mp_semaphore_destroy(tried);
    mp_rlock_destroy(lock);
}

static const test_case_t tests[] = {
    {"lock_basics", test_lock_basics, ON_ALL},
    {"lock_locked_in_both", test_lock_locked_in_both, ON_ALL},
    {"lock_released_by_other_process", test_lock_released_by_other_process, ON_ALL},
    {"lock_contention", test_lock_contention, ON_ALL},
    {"lock_held_by_ended_thread", test_lock_held_by_ended_thread, ON_ALL},
    {"lock_mutual_exclusion", test_lock_mutual_exclusion, ON_ALL},
    {"lock_owner", test_lock_owner, ON_ALL},
    {"rlock_recursion", test_rlock_recursion, ON_ALL},
    {"rlock_owner", test_rlock_owner, ON_ALL},
    {"rlock_held_by_child", test_rlock_held_by_child, ON_ALL},
    {"rlock_child_not_owner", test_rlock_child_not_owner, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_lock = {"lock", true, tests};
