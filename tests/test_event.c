/* Suite "event": Event across processes and threads (checklist section 9,
 * items 83-84). Run once per start method. */
#include "sync_helpers.h"

/* Checklist item 83: unset, wait(0) fails at once (a negative timeout is
 * refused) and wait(t) after about t; once set, waits succeed at once,
 * with or without a timeout; after clear() it is unset again. */
static void test_event_basics(void)
{
    mp_event_t *e = NULL;
    if (!EXPECT_RC(mp_event_create(&e, NULL), 0))
        return;
    EXPECT_EQ(mp_event_is_set(e), 0);
    double t0 = now_s();
    EXPECT_RC(mp_event_wait(e, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_event_wait(e, -1.0), MP_EINVAL); /* negative: refused, not a poll */
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_event_wait(e, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT_RC(mp_event_set(e), 0);
    EXPECT_EQ(mp_event_is_set(e), 1);
    EXPECT_RC(mp_event_set(e), 0); /* setting twice is fine */
    EXPECT_EQ(mp_event_is_set(e), 1);
    t0 = now_s();
    EXPECT_RC(mp_event_wait(e, MP_FOREVER), 0);
    EXPECT_RC(mp_event_wait(e, 0.2), 0);
    EXPECT_RC(mp_event_wait(e, 0), 0);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_event_is_set(e), 1); /* waiting does not consume it */
    EXPECT_RC(mp_event_clear(e), 0);
    EXPECT_EQ(mp_event_is_set(e), 0);
    EXPECT_RC(mp_event_clear(e), 0);
    EXPECT_RC(mp_event_wait(e, 0), MP_ETIMEDOUT);
    mp_event_destroy(e);
}

/* Checklist item 83: after clear(), a child that sets the event after a
 * delay makes the parent's wait() return true, not before the set. */
static void test_event_set_by_child(void)
{
    mp_event_t *e = NULL;
    if (!EXPECT_RC(mp_event_create(&e, NULL), 0))
        return;
    EXPECT_RC(mp_event_set(e), 0);
    EXPECT_RC(mp_event_clear(e), 0);
    sync_script_t s = {{{OP_SLEEP, 0, 0.2}, {OP_EVENT_SET, 0, 0}}};
    double t0 = now_s();
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(e)});
    if (p) {
        EXPECT_RC(mp_event_wait(e, REACH_LIMIT_S), 0);
        EXPECT(now_s() - t0 >= 0.2 - EARLY_S, "woke after %.3f s, before the child set it",
               now_s() - t0);
        EXPECT_EQ(mp_event_is_set(e), 1);
    }
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0);
    dispose_process(p);
    mp_event_destroy(e);
}

/* Checklist item 84 (natively): set in the parent is seen in a child, and
 * the child's clear() is seen in the parent. */
static void test_event_visible_both_ways(void)
{
    mp_event_t *e = NULL;
    if (!EXPECT_RC(mp_event_create(&e, NULL), 0))
        return;
    EXPECT_RC(mp_event_set(e), 0);
    sync_script_t s = {{{OP_EVENT_IS_SET, 0, 0},
                        {OP_EVENT_WAIT, 0, 0},
                        {OP_EVENT_CLEAR, 0, 0},
                        {OP_EVENT_IS_SET, 0, 0},
                        {OP_EVENT_WAIT, 0, 0.05}}};
    script_rcs_t r;
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(e)});
    if (script_result(p, &r))
        EXPECT_RCS(r, 1, 0, 0, 0, MP_ETIMEDOUT);
    EXPECT_EQ(mp_event_is_set(e), 0);
    dispose_process(p);
    mp_event_destroy(e);
}

/* One set() wakes every waiter: three processes and a thread (the
 * tutorial's two waiters, and more). */
static void test_event_wakes_all(void)
{
    enum { PROCS = 3 };
    mp_event_t *e = NULL;
    mp_semaphore_t *ready = NULL;
    mp_process_t *procs[PROCS] = {0};
    if (!EXPECT_RC(mp_event_create(&e, NULL), 0) ||
        !EXPECT_RC(mp_semaphore_create(&ready, &(mp_semaphore_opts_t){.value = 0}), 0))
        goto out;
    sync_script_t s = {{{OP_SEM_RELEASE, 1, 0}, {OP_EVENT_WAIT, 0, REACH_LIMIT_S}}};
    for (int i = 0; i < PROCS; i++)
        procs[i] = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(e, ready)});
    script_thread_t th;
    bool thread = script_thread_start(&th, &s, HANDLES(e, ready));
    for (int i = 0; i < PROCS + thread; i++)
        EXPECT_RC(mp_semaphore_acquire(ready, REACH_LIMIT_S), 0);
    sleep_s(0.05); /* let them get into their waits */
    double t0 = now_s();
    EXPECT_RC(mp_event_set(e), 0);
    script_rcs_t r;
    for (int i = 0; i < PROCS; i++)
        if (script_result(procs[i], &r))
            EXPECT_RCS(r, 0, 0);
    script_thread_join(&th);
    if (thread)
        EXPECT_RCS(th.rcs, 0, 0);
    EXPECT(now_s() - t0 < 5.0, "the waiters took %.3f s to wake", now_s() - t0);
out:
    for (int i = 0; i < PROCS; i++)
        dispose_process(procs[i]);
    mp_semaphore_destroy(ready);
    mp_event_destroy(e);
}

/* A clear() before any waiter looks leaves waiters waiting: a child that
 * waits with a timeout after a set+clear times out. */
static void test_event_clear_before_wait(void)
{
    mp_event_t *e = NULL;
    if (!EXPECT_RC(mp_event_create(&e, NULL), 0))
        return;
    EXPECT_RC(mp_event_set(e), 0);
    EXPECT_RC(mp_event_clear(e), 0);
    sync_script_t s = {{{OP_EVENT_WAIT, 0, 0.1}, {OP_EVENT_IS_SET, 0, 0}}};
    script_rcs_t r;
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(e)});
    if (script_result(p, &r))
        EXPECT_RCS(r, MP_ETIMEDOUT, 0);
    dispose_process(p);
    mp_event_destroy(e);
}

static const test_case_t tests[] = {
    {"event_basics", test_event_basics, ON_ALL},
    {"event_set_by_child", test_event_set_by_child, ON_ALL},
    {"event_visible_both_ways", test_event_visible_both_ways, ON_ALL},
    {"event_wakes_all", test_event_wakes_all, ON_ALL},
    {"event_clear_before_wait", test_event_clear_before_wait, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_event = {"event", true, tests};
