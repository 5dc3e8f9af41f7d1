/* Suite "mgr_barrier": a manager's Barrier through proxies, with parties
 * in child processes (checklist items 85-89, +mgr). Run once per start
 * method. */
#include "test_mgr_sync_tasks.h"

enum { PARTIES = 5, ROUNDS = 10 };

/* Checklist items 85-86 +mgr: Barrier(5), 4 children and the parent, 10
 * rounds in lockstep; in each round the indexes are 0..4, one each, so
 * exactly one party gets 0; afterwards nobody waits and it is not broken. */
static void test_rounds(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *b = NULL;
    mp_process_t *p[PARTIES - 1] = {0};
    if (!m || !EXPECT_RC(mp_manager_barrier(m, PARTIES, &b), 0))
        goto out;
    EXPECT_EQ(mp_mbarrier_parties(b), PARTIES);
    sync_script_t s = {{{0}}};
    for (int r = 0; r < ROUNDS; r++)
        s.steps[r] = (sync_step_t){MOP_BARRIER_WAIT, 0, REACH_LIMIT_S};
    for (int i = 0; i < PARTIES - 1; i++)
        p[i] = start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(b)});
    unsigned seen[ROUNDS] = {0}; /* bit i: some party got index i */
    for (int r = 0; r < ROUNDS; r++) {
        unsigned index = 99;
        if (EXPECT_RC(mp_mbarrier_wait(b, REACH_LIMIT_S, &index), 0) && index < PARTIES)
            seen[r] |= 1u << index;
    }
    for (int i = 0; i < PARTIES - 1; i++) {
        script_rcs_t rc;
        if (!script_result(p[i], &rc))
            continue;
        for (int r = 0; r < ROUNDS; r++) {
            int idx = rc.rc[r];
            if (!EXPECT(idx >= 0 && idx < PARTIES, "child %d round %d: %d", i, r, idx))
                continue;
            EXPECT(!(seen[r] & (1u << idx)), "round %d: index %d twice", r, idx);
            seen[r] |= 1u << idx;
        }
    }
    for (int r = 0; r < ROUNDS; r++)
        EXPECT(seen[r] == (1u << PARTIES) - 1, "round %d: indexes seen 0x%x", r, seen[r]);
    EXPECT_EQ(mp_mbarrier_n_waiting(b), 0);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 0);
out:
    for (int i = 0; i < PARTIES - 1; i++)
        dispose_process(p[i]);
    mp_proxy_destroy(b);
    mp_manager_destroy(m);
}

/* Until `n` parties wait in the barrier. */
static bool wait_n_waiting(mp_proxy_t *b, int n)
{
    double end = now_s() + REACH_LIMIT_S;
    while (mp_mbarrier_n_waiting(b) != n)
        if (now_s() > end)
            return EXPECT(false, "never %d waiting", n);
        else
            sleep_s(0.01);
    return true;
}

/* Checklist item 87 +mgr: abort() breaks the wait of a party waiting now
 * and of any that comes later; broken is then true. */
static void test_abort(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *b = NULL;
    if (!m || !EXPECT_RC(mp_manager_barrier(m, 3, &b), 0))
        goto out;
    sync_script_t s = {{{MOP_BARRIER_WAIT, 0, REACH_LIMIT_S}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(b)});
    if (p && wait_n_waiting(b, 1))
        EXPECT_RC(mp_mbarrier_abort(b), 0);
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, MP_EBROKEN);
    dispose_process(p);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 1);
    EXPECT_EQ(mp_mbarrier_n_waiting(b), 0);
    double t0 = now_s();
    EXPECT_RC(mp_mbarrier_wait(b, REACH_LIMIT_S, NULL), MP_EBROKEN);
    EXPECT_IMMEDIATE(now_s() - t0);
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(b)}), &r))
        EXPECT_RCS(r, MP_EBROKEN);
    EXPECT_RC(mp_mbarrier_reset(b), 0);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 0);
out:
    mp_proxy_destroy(b);
    mp_manager_destroy(m);
}

/* Checklist item 88 +mgr: with a party late, every party's wait(0.5)
 * breaks the barrier after about 0.5 s; the late one finds it broken. */
static void test_timeout(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *b = NULL;
    if (!m || !EXPECT_RC(mp_manager_barrier(m, 3, &b), 0))
        goto out;
    sync_script_t early = {{{MOP_BARRIER_WAIT, 0, 0.5}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(early), MP_OBJECTS(b)});
    if (p && wait_n_waiting(b, 1)) {
        double t0 = now_s();
        EXPECT_RC(mp_mbarrier_wait(b, 0.5, NULL), MP_EBROKEN);
        EXPECT(now_s() - t0 <= 0.5 + LATE_S, "took %.3f s", now_s() - t0);
    }
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, MP_EBROKEN);
    dispose_process(p);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 1);
    EXPECT_RC(mp_mbarrier_wait(b, 0.5, NULL), MP_EBROKEN); /* the late party */
    /* Alone in a fresh round, the timeout is this call's own: about t. */
    EXPECT_RC(mp_mbarrier_reset(b), 0);
    double t0 = now_s();
    EXPECT_RC(mp_mbarrier_wait(b, 0.3, NULL), MP_EBROKEN);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 1);
out:
    mp_proxy_destroy(b);
    mp_manager_destroy(m);
}

/* Checklist item 89: Barrier(1) lets every wait through at once, index 0. */
static void test_single_party(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *b = NULL;
    if (!m || !EXPECT_RC(mp_manager_barrier(m, 1, &b), 0))
        goto out;
    double t0 = now_s();
    for (int i = 0; i < 3; i++) {
        unsigned index = 99;
        EXPECT_RC(mp_mbarrier_wait(b, MP_FOREVER, &index), 0);
        EXPECT_EQ(index, 0);
    }
    EXPECT(now_s() - t0 < 1.0, "three waits took %.3f s", now_s() - t0);
out:
    mp_proxy_destroy(b);
    mp_manager_destroy(m);
}

/* Checklist item 89: a child reads parties and resets a broken barrier;
 * the parent sees it whole again. A reset while a party waits breaks
 * that party's wait. */
static void test_parties_and_reset_in_child(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *b = NULL;
    if (!m || !EXPECT_RC(mp_manager_barrier(m, 4, &b), 0))
        goto out;
    EXPECT_RC(mp_mbarrier_abort(b), 0);
    sync_script_t s = {{{MOP_PARTIES, 0, 0}, {MOP_RESET, 0, 0}}};
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(b)}), &r))
        EXPECT_RCS(r, 4, 0);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 0);
    sync_script_t waiter = {{{MOP_BARRIER_WAIT, 0, REACH_LIMIT_S}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(waiter), MP_OBJECTS(b)});
    if (p && wait_n_waiting(b, 1))
        EXPECT_RC(mp_mbarrier_reset(b), 0);
    if (script_result(p, &r))
        EXPECT_RCS(r, MP_EBROKEN);
    dispose_process(p);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 0); /* reset, not broken */
    EXPECT_EQ(mp_mbarrier_n_waiting(b), 0);
out:
    mp_proxy_destroy(b);
    mp_manager_destroy(m);
}

static const test_case_t tests[] = {
    {"rounds", test_rounds, ON_ALL},
    {"abort", test_abort, ON_ALL},
    {"timeout", test_timeout, ON_ALL},
    {"single_party", test_single_party, ON_ALL},
    {"parties_and_reset_in_child", test_parties_and_reset_in_child, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_barrier = {"mgr_barrier", true, tests};
