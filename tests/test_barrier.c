/* Suite "barrier": Barrier with parties in processes (checklist section
 * 10, items 85-89). Run once per start method. */
#include <string.h>

#include "mp_sync.h" /* a test hook: a barrier's block, to play a hostile process */
#include "sync_helpers.h"

enum { CHILDREN = 4, PARTIES = CHILDREN + 1 };

/* A barrier of `parties` with `action` (may be NULL). */
static mp_barrier_t *make_barrier(unsigned parties, const char *action)
{
    mp_barrier_t *b = NULL;
    EXPECT_RC(mp_barrier_create(&b, &(mp_barrier_opts_t){.parties = parties, .action = action}), 0);
    return b;
}

/* Start a task_barrier_party child; `masks` and `counter` may be NULL
 * (then the child is not given them; counter needs masks). */
static mp_process_t *start_party(mp_barrier_t *b, barrier_arg_t a, mp_value_t *masks,
                                 mp_value_t *counter)
{
    void *objects[] = {b, masks, counter};
    size_t n = counter ? 3 : masks ? 2 : 1;
    return start_process(&(mp_process_opts_t){
        .task = "task_barrier_party", ARG_OF(a), .objects = objects, .nobjects = n});
}

/* Join a party; its result (0 or the first wait's code) must be `want`. */
static void expect_party(mp_process_t *p, int want)
{
    int64_t result = INT64_MIN;
    if (p && EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0) && EXPECT_EQ(exitcode_of(p), 0) &&
        result_of(p, &result, sizeof result))
        EXPECT_RC((int)result, want);
    dispose_process(p);
}

/* Checklist items 85 and 86: CHILDREN processes and the parent pass
 * `rounds` rounds in lockstep; in each round the indices are exactly
 * 0..PARTIES-1 (so exactly one 0), and the action, when there is one, runs
 * once per round. Afterwards nobody waits and the barrier is not broken. */
static void run_rounds(int rounds, bool with_action)
{
    mp_barrier_t *b = make_barrier(PARTIES, with_action ? "task_barrier_action" : NULL);
    mp_value_t *masks = NULL, *counter = NULL;
    mp_process_t *procs[CHILDREN] = {0};
    if (!b || !EXPECT_RC(mp_value_create(&masks, &(mp_value_opts_t){.type = MP_INT64,
                                                                    .length = (size_t)rounds}),
                         0))
        goto out;
    if (with_action &&
        !EXPECT_RC(mp_value_create(&counter, &(mp_value_opts_t){.type = MP_INT64}), 0))
        goto out;
    barrier_action_counter = counter; /* the parent may be the last party too */
    EXPECT_EQ(mp_barrier_parties(b), PARTIES);
    for (int i = 0; i < CHILDREN; i++)
        procs[i] = start_party(b, (barrier_arg_t){.rounds = rounds, .timeout = REACH_LIMIT_S},
                               masks, counter);
    for (int r = 0; r < rounds; r++) {
        unsigned index = 99;
        if (!EXPECT_RC(mp_barrier_wait(b, REACH_LIMIT_S, &index), 0))
            break;
        EXPECT(index < PARTIES, "index %u", index);
        EXPECT_RC(mp_value_add_i64(masks, (size_t)r, (int64_t)1 << index, NULL), 0);
        int64_t runs = 0;
        /* The action ran before anyone left this round, and the next
         * round cannot end without us. */
        if (with_action && EXPECT_RC(mp_value_get_i64(counter, 0, &runs), 0))
            EXPECT(runs == r + 1, "round %d: the action ran %lld times in all", r, (long long)runs);
    }
    for (int i = 0; i < CHILDREN; i++) {
        expect_party(procs[i], 0);
        procs[i] = NULL;
    }
    for (int r = 0; r < rounds; r++) {
        int64_t mask = 0;
        EXPECT_RC(mp_value_get_i64(masks, (size_t)r, &mask), 0);
        EXPECT(mask == (1 << PARTIES) - 1, "round %d: indices gave mask %#llx", r, (long long)mask);
    }
    EXPECT_EQ(mp_barrier_n_waiting(b), 0);
    EXPECT_EQ(mp_barrier_is_broken(b), 0);
out:
    barrier_action_counter = NULL;
    for (int i = 0; i < CHILDREN; i++)
        dispose_process(procs[i]);
    mp_value_destroy(counter);
    mp_value_destroy(masks);
    mp_barrier_destroy(b);
}

static void test_barrier_one_round(void)
{
    run_rounds(1, false);
}

static void test_barrier_ten_rounds(void)
{
    run_rounds(10, false);
}

static void test_barrier_action(void)
{
    run_rounds(5, true);
}

/* An action that fails breaks the barrier for every party of the round. */
static void test_barrier_action_fails(void)
{
    mp_barrier_t *b = make_barrier(2, "task_barrier_action_fail");
    if (!b)
        return;
    mp_process_t *p = start_party(b, (barrier_arg_t){.rounds = 1, .timeout = REACH_LIMIT_S}, NULL,
                                  NULL);
    EXPECT_RC(mp_barrier_wait(b, REACH_LIMIT_S, NULL), MP_EBROKEN);
    expect_party(p, MP_EBROKEN);
    EXPECT_EQ(mp_barrier_is_broken(b), 1);
    mp_barrier_destroy(b);
}

/* Checklist item 87: abort() sends the parties waiting now, and those that
 * come later, away with MP_EBROKEN; the barrier says it is broken. */
static void test_barrier_abort(void)
{
    mp_barrier_t *b = make_barrier(3, NULL);
    if (!b)
        return;
    barrier_arg_t a = {.rounds = 1, .timeout = REACH_LIMIT_S};
    mp_process_t *waiting[2] = {start_party(b, a, NULL, NULL), start_party(b, a, NULL, NULL)};
    if (EXPECT(wait_barrier_waiting(b, 2, REACH_LIMIT_S), "%d parties waiting, not 2",
               mp_barrier_n_waiting(b)))
        EXPECT_RC(mp_barrier_abort(b), 0);
    expect_party(waiting[0], MP_EBROKEN);
    expect_party(waiting[1], MP_EBROKEN);
    EXPECT_EQ(mp_barrier_is_broken(b), 1);
    EXPECT_EQ(mp_barrier_n_waiting(b), 0);
    double t0 = now_s();
    EXPECT_RC(mp_barrier_wait(b, REACH_LIMIT_S, NULL), MP_EBROKEN);
    EXPECT_IMMEDIATE(now_s() - t0);
    expect_party(start_party(b, a, NULL, NULL), MP_EBROKEN);
    mp_barrier_destroy(b);
}

/* Checklist item 88: one party late (it waits 1 s before arriving), every
 * party's wait(0.5) fails with MP_EBROKEN: the parent's after about 0.5 s,
 * and the late one's because it finds the barrier broken. */
static void test_barrier_timeout(void)
{
    mp_barrier_t *b = make_barrier(3, NULL);
    if (!b)
        return;
    mp_process_t *on_time = start_party(b, (barrier_arg_t){.rounds = 1, .timeout = 0.5}, NULL,
                                        NULL);
    mp_process_t *late = start_party(b, (barrier_arg_t){.rounds = 1, .timeout = 0.5, .delay = 1.0},
                                     NULL, NULL);
    double t0 = now_s();
    EXPECT_RC(mp_barrier_wait(b, 0.5, NULL), MP_EBROKEN);
    EXPECT_ABOUT(now_s() - t0, 0.5);
    expect_party(on_time, MP_EBROKEN);
    expect_party(late, MP_EBROKEN);
    EXPECT_EQ(mp_barrier_is_broken(b), 1);
    mp_barrier_destroy(b);
}

/* Checklist item 88: each wait has its own timeout (Python's per-barrier
 * default has no counterpart). The parent's short one breaks the barrier
 * for a child that would have waited much longer; alone in a fresh
 * barrier, a child's own timeout is what ends its wait. */
static void test_barrier_own_timeout(void)
{
    mp_barrier_t *b = make_barrier(3, NULL);
    if (!b)
        return;
    mp_process_t *p = start_party(b, (barrier_arg_t){.rounds = 1, .timeout = REACH_LIMIT_S}, NULL,
                                  NULL);
    double t0 = now_s();
    if (p && EXPECT(wait_barrier_waiting(b, 1, REACH_LIMIT_S), "the child never waited")) {
        t0 = now_s();
        EXPECT_RC(mp_barrier_wait(b, 0.3, NULL), MP_EBROKEN);
        EXPECT_ABOUT(now_s() - t0, 0.3);
    }
    expect_party(p, MP_EBROKEN);
    /* Not after its own REACH_LIMIT_S: the parent's timeout sent it away. */
    EXPECT(now_s() - t0 < REACH_LIMIT_S / 2, "the child left after %.3f s", now_s() - t0);
    mp_barrier_destroy(b);

    /* Alone in a fresh one, so the child's own timeout is what ends it. */
    if (!(b = make_barrier(2, NULL)))
        return;
    t0 = now_s();
    p = start_party(b, (barrier_arg_t){.rounds = 1, .timeout = 0.3}, NULL, NULL);
    expect_party(p, MP_EBROKEN);
    EXPECT(now_s() - t0 >= 0.3 - EARLY_S, "the child gave up after %.3f s", now_s() - t0);
    EXPECT_EQ(mp_barrier_is_broken(b), 1);
    mp_barrier_destroy(b);
}

/* Checklist item 89: Barrier(1) returns at once, again and again, always
 * with index 0. */
static void test_barrier_single(void)
{
    mp_barrier_t *b = make_barrier(1, NULL);
    if (!b)
        return;
    EXPECT_EQ(mp_barrier_parties(b), 1);
    double t0 = now_s();
    for (int i = 0; i < 5; i++) {
        unsigned index = 99;
        EXPECT_RC(mp_barrier_wait(b, MP_FOREVER, &index), 0);
        EXPECT_EQ(index, 0);
    }
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_barrier_n_waiting(b), 0);
    EXPECT_EQ(mp_barrier_is_broken(b), 0);
    mp_barrier_destroy(b);
}

/* reset() sends the waiting parties away broken, but leaves the barrier
 * whole and usable; it also mends an aborted one. (CPython's test_reset
 * and test_abort_and_reset.) */
static void test_barrier_reset(void)
{
    mp_barrier_t *b = make_barrier(3, NULL);
    if (!b)
        return;
    barrier_arg_t a = {.rounds = 1, .timeout = REACH_LIMIT_S};
    mp_process_t *waiting[2] = {start_party(b, a, NULL, NULL), start_party(b, a, NULL, NULL)};
    if (EXPECT(wait_barrier_waiting(b, 2, REACH_LIMIT_S), "%d parties waiting, not 2",
               mp_barrier_n_waiting(b)))
        EXPECT_RC(mp_barrier_reset(b), 0);
    expect_party(waiting[0], MP_EBROKEN);
    expect_party(waiting[1], MP_EBROKEN);
    EXPECT_EQ(mp_barrier_is_broken(b), 0);
    EXPECT_EQ(mp_barrier_n_waiting(b), 0);

    /* A full round passes after the reset... */
    waiting[0] = start_party(b, a, NULL, NULL);
    waiting[1] = start_party(b, a, NULL, NULL);
    EXPECT_RC(mp_barrier_wait(b, REACH_LIMIT_S, NULL), 0);
    expect_party(waiting[0], 0);
    expect_party(waiting[1], 0);

    /* ...and after abort() and reset(). */
    EXPECT_RC(mp_barrier_abort(b), 0);
    EXPECT_EQ(mp_barrier_is_broken(b), 1);
    EXPECT_RC(mp_barrier_reset(b), 0);
    EXPECT_EQ(mp_barrier_is_broken(b), 0);
    waiting[0] = start_party(b, a, NULL, NULL);
    waiting[1] = start_party(b, a, NULL, NULL);
    EXPECT_RC(mp_barrier_wait(b, REACH_LIMIT_S, NULL), 0);
    expect_party(waiting[0], 0);
    expect_party(waiting[1], 0);
    mp_barrier_destroy(b);
}

/* "Promptly" after a party's death: well under the 5 s a notify used to
 * stall, with room for a loaded machine. */
#define DEATH_NOTICED_S 2.0

/* Kill a party child and check that it died of the signal. */
static void kill_party(mp_process_t *p)
{
    if (p && EXPECT_RC(mp_process_kill(p), 0) && EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
        EXPECT_EQ(exitcode_of(p), KILLED_EXITCODE);
    dispose_process(p);
}

/* A party SIGKILLed inside wait() is not counted as waiting: the next
 * party's wait(1.0) fails with MP_EBROKEN at once (it used to complete the
 * round after a 5 s stall, past its own timeout), the barrier says it is
 * broken, and reset() makes it whole: a full round passes. */
static void test_barrier_party_killed(void)
{
    mp_barrier_t *b = make_barrier(2, NULL);
    if (!b)
        return;
    barrier_arg_t a = {.rounds = 1, .timeout = REACH_LIMIT_S};
    mp_process_t *victim = start_party(b, a, NULL, NULL);
    EXPECT(wait_barrier_waiting(b, 1, REACH_LIMIT_S), "the party never waited");
    kill_party(victim);
    double t0 = now_s();
    EXPECT_RC(mp_barrier_wait(b, 1.0, NULL), MP_EBROKEN);
    double took = now_s() - t0;
    EXPECT(took < DEATH_NOTICED_S, "the wait after the death took %.3f s", took);
    EXPECT_EQ(mp_barrier_is_broken(b), 1);
    EXPECT_EQ(mp_barrier_n_waiting(b), 0);
    EXPECT_RC(mp_barrier_reset(b), 0);
    EXPECT_EQ(mp_barrier_is_broken(b), 0);
    mp_process_t *p = start_party(b, a, NULL, NULL);
    unsigned index = 99;
    EXPECT_RC(mp_barrier_wait(b, REACH_LIMIT_S, &index), 0);
    EXPECT(index < 2, "index %u", index);
    expect_party(p, 0);
    mp_barrier_destroy(b);
}

/* A party killed while others wait breaks the barrier for them promptly
 * (as an abort does), in this process and in another one. */
static void test_barrier_party_killed_while_others_wait(void)
{
    mp_barrier_t *b = make_barrier(4, NULL);
    if (!b)
        return;
    barrier_arg_t a = {.rounds = 1, .timeout = REACH_LIMIT_S};
    mp_process_t *survivor = start_party(b, a, NULL, NULL);
    mp_process_t *victim = start_party(b, a, NULL, NULL);
    killer_t killer;
    if (EXPECT(wait_barrier_waiting(b, 2, REACH_LIMIT_S), "%d parties waiting, not 2",
               mp_barrier_n_waiting(b)) &&
        killer_start(&killer, victim, NULL, 0.3)) {
        EXPECT_RC(mp_barrier_wait(b, REACH_LIMIT_S, NULL), MP_EBROKEN);
        double noticed = now_s() - killer.killed_at;
        killer_join(&killer);
        EXPECT(killer.killed_at > 0 && noticed < DEATH_NOTICED_S,
               "the death was noticed after %.3f s", noticed);
    }
    expect_party(survivor, MP_EBROKEN);
    kill_party(victim);
    EXPECT_EQ(mp_barrier_is_broken(b), 1);
    mp_barrier_destroy(b);
}

/* The block behind a barrier handle of this process, and its size. */
static unsigned char *barrier_block(mp_barrier_t *b, size_t *size)
{
    mp__block_object_t *bo = mp__handle_live(b, mp__kind_barrier.id);
    *size = bo ? mp__os_shm_size(bo->block) : 0;
    return bo ? mp__block_base(bo) : NULL;
}

/* Shared memory is hostile input: another process of the user rewrites
 * everything after the barrier's condition and lock (its state, count,
 * parties, and the action name it used to keep there, left without a
 * NUL). The barrier neither crashes nor changes its parties or its
 * action: a wait finds it broken, and after reset() a round passes and
 * runs the real action. */
static void test_barrier_hostile_block(void)
{
    mp_barrier_t *b = make_barrier(1, "task_barrier_action");
    mp_value_t *counter = NULL;
    if (!b || !EXPECT_RC(mp_value_create(&counter, &(mp_value_opts_t){.type = MP_INT64}), 0))
        goto out;
    barrier_action_counter = counter;
    size_t size = 0;
    unsigned char *block = barrier_block(b, &size);
    size_t keep = sizeof(mp__cond_shared_t) + MP__SEMLOCK_SIZE;
    if (!EXPECT(block && size > keep, "no block of more than %zu bytes", keep))
        goto out;
    memset(block + keep, 'A', size - keep);
    EXPECT_EQ(mp_barrier_parties(b), 1);
    EXPECT_RC(mp_barrier_wait(b, 1.0, NULL), MP_EBROKEN);
    EXPECT_RC(mp_barrier_reset(b), 0);
    unsigned index = 99;
    EXPECT_RC(mp_barrier_wait(b, 1.0, &index), 0);
    EXPECT_EQ(index, 0);
    int64_t runs = 0;
    EXPECT_RC(mp_value_get_i64(counter, 0, &runs), 0);
    EXPECT_EQ(runs, 1);
out:
    barrier_action_counter = NULL;
    mp_value_destroy(counter);
    mp_barrier_destroy(b);
}

static const test_case_t tests[] = {
    {"barrier_one_round", test_barrier_one_round, ON_ALL},
    {"barrier_ten_rounds", test_barrier_ten_rounds, ON_ALL},
    {"barrier_action", test_barrier_action, ON_ALL},
    {"barrier_action_fails", test_barrier_action_fails, ON_ALL},
    {"barrier_abort", test_barrier_abort, ON_ALL},
    {"barrier_timeout", test_barrier_timeout, ON_ALL},
    {"barrier_own_timeout", test_barrier_own_timeout, ON_ALL},
    {"barrier_single", test_barrier_single, ON_ALL},
    {"barrier_reset", test_barrier_reset, ON_ALL},
    {"barrier_party_killed", test_barrier_party_killed, ON_ALL},
    {"barrier_hostile_block", test_barrier_hostile_block, ON_ALL},
    {"barrier_party_killed_while_others_wait", test_barrier_party_killed_while_others_wait, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_barrier = {"barrier", true, tests};
