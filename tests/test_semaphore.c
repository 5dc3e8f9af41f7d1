/* Suite "semaphore": Semaphore and BoundedSemaphore (checklist section 7,
 * items 73-76). Run once per start method. */
#include "sync_helpers.h"

/* The semaphore's value must be `want`. */
static void expect_value(mp_semaphore_t *sem, unsigned want)
{
    unsigned v = 12345;
    if (EXPECT_RC(mp_semaphore_value(sem, &v), 0))
        EXPECT_EQ(v, want);
}

/* Checklist items 73 and 74: the value goes 2 -> 1 -> 0 over two
 * acquires, and at 0 an acquire with timeout 0 fails; releases bring it back
 * to 2 and (unbounded) on past it. */
static void check_counts(bool bounded)
{
    mp_semaphore_t *sem = NULL;
    if (!EXPECT_RC(
            mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 2, .bounded = bounded}), 0))
        return;
    expect_value(sem, 2);
    EXPECT_RC(mp_semaphore_acquire(sem, MP_FOREVER), 0);
    expect_value(sem, 1);
    EXPECT_RC(mp_semaphore_acquire(sem, 0), 0);
    expect_value(sem, 0);
    EXPECT_RC(mp_semaphore_acquire(sem, 0), MP_ETIMEDOUT);
    expect_value(sem, 0);
    EXPECT_RC(mp_semaphore_release(sem), 0);
    expect_value(sem, 1);
    EXPECT_RC(mp_semaphore_release(sem), 0);
    expect_value(sem, 2);
    if (!bounded) {
        EXPECT_RC(mp_semaphore_release(sem), 0);
        expect_value(sem, 3);
        EXPECT_RC(mp_semaphore_release(sem), 0);
        expect_value(sem, 4);
    }
    mp_semaphore_destroy(sem);
}

static void test_semaphore_counts(void)
{
    check_counts(false);
}

static void test_bounded_semaphore_counts(void)
{
    check_counts(true);
}

/* Checklist item 75: releasing a BoundedSemaphore above its initial value
 * is refused and leaves the value alone, at once and after a cycle; a
 * BoundedSemaphore(0) can never be released. */
static void test_bounded_over_release(void)
{
    mp_semaphore_t *sem = NULL, *zero = NULL;
    if (EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 2, .bounded = true}),
                  0)) {
        EXPECT_RC(mp_semaphore_release(sem), MP_ESTATE);
        expect_value(sem, 2);
        EXPECT_RC(mp_semaphore_acquire(sem, 0), 0);
        EXPECT_RC(mp_semaphore_release(sem), 0);
        EXPECT_RC(mp_semaphore_release(sem), MP_ESTATE);
        expect_value(sem, 2);
        mp_semaphore_destroy(sem);
    }
    if (EXPECT_RC(mp_semaphore_create(&zero, &(mp_semaphore_opts_t){.value = 0, .bounded = true}),
                  0)) {
        EXPECT_RC(mp_semaphore_release(zero), MP_ESTATE);
        expect_value(zero, 0);
        mp_semaphore_destroy(zero);
    }
}

/* Checklist item 76 on Semaphore(0): an acquire with timeout 0 fails at
 * once, a negative timeout is refused (not a poll), and a timed one fails
 * after about t. */
static void test_semaphore_timeouts(void)
{
    mp_semaphore_t *sem = NULL;
    if (!EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 0}), 0))
        return;
    double t0 = now_s();
    EXPECT_RC(mp_semaphore_acquire(sem, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_semaphore_acquire(sem, -1.0), MP_EINVAL);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_semaphore_acquire(sem, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    expect_value(sem, 0);
    mp_semaphore_destroy(sem);
}

/* With no options a semaphore starts at 0 (every option left out is 0;
 * Python's default is 1) and is not bounded. */
static void test_semaphore_default_options(void)
{
    mp_semaphore_t *sem = NULL;
    if (!EXPECT_RC(mp_semaphore_create(&sem, NULL), 0))
        return;
    expect_value(sem, 0);
    EXPECT_RC(mp_semaphore_acquire(sem, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_semaphore_release(sem), 0);
    EXPECT_RC(mp_semaphore_release(sem), 0);
    expect_value(sem, 2);
    mp_semaphore_destroy(sem);
}

/* Across processes: a child blocked on Semaphore(0) gets the unit the
 * parent releases, and a unit the child releases is the parent's. */
static void test_semaphore_across_processes(void)
{
    mp_semaphore_t *sem = NULL, *back = NULL;
    if (!EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 0}), 0) ||
        !EXPECT_RC(mp_semaphore_create(&back, &(mp_semaphore_opts_t){.value = 0}), 0))
        goto out;
    sync_script_t s = {{{OP_SEM_ACQUIRE, 0, REACH_LIMIT_S}, {OP_SEM_RELEASE, 1, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(sem, back)});
    if (p) {
        sleep_s(0.05);
        EXPECT_RC(mp_semaphore_release(sem), 0);
        EXPECT_RC(mp_semaphore_acquire(back, REACH_LIMIT_S), 0);
    }
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 0);
    expect_value(sem, 0);
    expect_value(back, 0);
    dispose_process(p);
out:
    mp_semaphore_destroy(back);
    mp_semaphore_destroy(sem);
}

/* A Semaphore(2) limits concurrency (the tutorial's semaphore example):
 * with two children holding it the value is 0 and a third child's timed
 * acquire gives up; when they let go it is back at 2. */
static void test_semaphore_limits_processes(void)
{
    mp_semaphore_t *sem = NULL;
    mp_event_t *go = NULL;
    mp_process_t *holders[2] = {0}, *third = NULL;
    if (!EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 2, .bounded = true}),
                   0) ||
        !EXPECT_RC(mp_event_create(&go, NULL), 0))
        goto out;
    sync_script_t hold = {{{OP_SEM_ACQUIRE, 0, REACH_LIMIT_S},
                           {OP_EVENT_WAIT, 1, REACH_LIMIT_S},
                           {OP_SEM_RELEASE, 0, 0}}};
    for (int i = 0; i < 2; i++)
        holders[i] = start_process(&(mp_process_opts_t){SCRIPT_TASK(hold), MP_OBJECTS(sem, go)});
    script_rcs_t r;
    if (EXPECT(wait_semaphore_value(sem, 0, REACH_LIMIT_S), "the holders never took it")) {
        sync_script_t attempt = {{{OP_SEM_ACQUIRE, 0, 0.1}}};
        third = start_process(&(mp_process_opts_t){SCRIPT_TASK(attempt), MP_OBJECTS(sem)});
        if (script_result(third, &r))
            EXPECT_RCS(r, MP_ETIMEDOUT);
    }
    EXPECT_RC(mp_event_set(go), 0);
    for (int i = 0; i < 2; i++)
        if (script_result(holders[i], &r))
            EXPECT_RCS(r, 0, 0, 0);
    expect_value(sem, 2);
out:
    for (int i = 0; i < 2; i++)
        dispose_process(holders[i]);
    dispose_process(third);
    mp_event_destroy(go);
    mp_semaphore_destroy(sem);
}

/* The largest value, 2^30, is accepted, and a semaphore created with it
 * can go down and back up to it (Python: Semaphore(SEM_VALUE_MAX)); one
 * more is refused at create. */
static void test_semaphore_max_value(void)
{
    const unsigned max = 1u << 30;
    mp_semaphore_t *sem = (mp_semaphore_t *)&sem;
    EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = max + 1}), MP_EINVAL);
    for (int bounded = 0; bounded < 2; bounded++) {
        if (!EXPECT_RC(
                mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = max, .bounded = bounded}),
                0))
            continue;
        expect_value(sem, max);
        EXPECT_RC(mp_semaphore_acquire(sem, 0), 0);
        expect_value(sem, max - 1);
        EXPECT_RC(mp_semaphore_release(sem), 0);
        expect_value(sem, max);
        mp_semaphore_destroy(sem);
    }
}

static const test_case_t tests[] = {
    {"semaphore_counts", test_semaphore_counts, ON_ALL},
    {"bounded_semaphore_counts", test_bounded_semaphore_counts, ON_ALL},
    {"bounded_over_release", test_bounded_over_release, ON_ALL},
    {"semaphore_timeouts", test_semaphore_timeouts, ON_ALL},
    {"semaphore_default_options", test_semaphore_default_options, ON_ALL},
    {"semaphore_across_processes", test_semaphore_across_processes, ON_ALL},
    {"semaphore_limits_processes", test_semaphore_limits_processes, ON_ALL},
    {"semaphore_max_value", test_semaphore_max_value, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_semaphore = {"semaphore", true, tests};
