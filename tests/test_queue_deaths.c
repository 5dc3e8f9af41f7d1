/* Suite "queue_deaths": a process SIGKILLed in the middle of a put or a get
 * never leaves half a message visible and never hangs the others (issue
 * 10). A test hook (mp__ring_test_hook, NULL in programs) stops the child at
 * the exact moment: a put that has written its message and holds the put
 * lock without having published it, or a get that has read its message and
 * holds the get lock without having removed it; the parent then kills it
 * there. A large message is also killed at a moment the parent does not
 * choose, in the middle of writing it to the spill file. Every case, small
 * and spilled, runs under every start method. What the queue promises
 * (multiproc/queue.h): a put that dies before publishing put nothing; a get
 * that dies before removing took nothing; the next caller takes the dead
 * process's lock over and counts it in mp_queue_stats(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "mp_handles.h"
#include "mp_queue_impl.h"
#include "queue_death_tasks.h"

/* A ring small enough that a 1 MiB message goes to the spill file. */
#define SMALL_RING ((size_t)64 << 10)
#define SPILLED_LEN ((size_t)1 << 20)
/* How long a child may take to reach the point (a loaded machine). */
#define REACH_S 60.0

/* ---- the child's side ---------------------------------------------------- */

static mp_semaphore_t *reached;     /* released at the point, in the child */
static mp__ring_point_t stop_point; /* the point the child stops at */

/* The hook: tell the parent, then wait to be killed. */
static void stop_here(mp__ring_point_t point)
{
    if (point != stop_point)
        return;
    mp_semaphore_release(reached);
    for (;;)
        sleep_s(3600);
}

static void fill_pattern(unsigned char *p, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 31u + seed);
}

static bool has_pattern(const unsigned char *p, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != (unsigned char)(i * 31u + seed))
            return false;
    return true;
}

/* Objects: the queue, the semaphore. Stop at the point inside a put or a
 * get of `len` bytes (`stop` false: just release the semaphore first). */
int task_queue_die_inside(mp_task_t *t)
{
    death_order_t order;
    const void *arg;
    size_t arg_len;
    mp_queue_t *q;
    int rc = mp_task_arg(t, &arg, &arg_len);
    if (rc == 0 && arg_len != sizeof order)
        rc = MP_EINVAL;
    if (rc == 0)
        rc = mp_task_queue(t, 0, &q);
    if (rc == 0)
        rc = mp_task_semaphore(t, 1, &reached);
    if (rc < 0)
        return mp_task_fail(t, rc, "bad orders");
    memcpy(&order, arg, sizeof order);
    stop_point = order.op == DEATH_IN_PUT ? MP__RING_PUT_WRITTEN : MP__RING_GET_READ;
    if (order.stop_at_point)
        mp__ring_test_hook = stop_here;
    else
        mp_semaphore_release(reached);
    if (order.op == DEATH_IN_PUT) {
        unsigned char *msg = malloc(order.len ? order.len : 1);
        if (!msg)
            return mp_task_fail(t, MP_ENOMEM, "no memory for the message");
        fill_pattern(msg, order.len, order.seed);
        rc = mp_queue_put(q, msg, order.len, MP_FOREVER);
        free(msg);
    } else {
        void *msg;
        size_t len;
        if ((rc = mp_queue_get_alloc(q, &msg, &len, MP_FOREVER)) == 0)
            mp_free(msg);
    }
    return mp_task_fail(t, rc < 0 ? rc : MP_ESTATE, "the call returned: it was to be killed");
}

/* ---- the parent's side ------------------------------------------------- */

typedef struct victim {
    mp_process_t *p;
    mp_semaphore_t *reached;
} victim_t;

/* Start a child with these orders and wait until it is where it dies. */
static bool start_victim(victim_t *v, mp_queue_t *q, death_order_t order)
{
    memset(v, 0, sizeof *v);
    if (!EXPECT_RC(mp_semaphore_create(&v->reached, &(mp_semaphore_opts_t){.value = 0}), 0))
        return false;
    v->p = start_process(&(mp_process_opts_t){.task = "task_queue_die_inside",
                                              .arg = &order,
                                              .arg_len = sizeof order,
                                              MP_OBJECTS(q, v->reached)});
    return v->p && EXPECT_RC(mp_semaphore_acquire(v->reached, REACH_S), 0);
}

/* SIGKILL it and reap it. */
static void kill_victim(victim_t *v)
{
    if (v->p) {
        EXPECT_RC(mp_process_kill(v->p), 0);
        EXPECT_RC(mp_process_join(v->p, JOIN_LIMIT_S), 0);
        EXPECT_EQ(exitcode_of(v->p), KILLED_EXITCODE);
    }
    dispose_process(v->p);
    mp_semaphore_destroy(v->reached);
}

static mp_queue_stats_t stats_of(mp_queue_t *q)
{
    mp_queue_stats_t st = {0};
    EXPECT_RC(mp_queue_stats(q, &st), 0);
    return st;
}

/* The queue works after the death: a put and a get of a message of `len`
 * bytes go through whole (and take a dead holder's lock over). */
static void expect_round_trip(mp_queue_t *q, size_t len, uint32_t seed)
{
    unsigned char *msg = malloc(len ? len : 1);
    if (!EXPECT(msg != NULL, "no memory"))
        return;
    fill_pattern(msg, len, seed);
    if (EXPECT_RC(mp_queue_put(q, msg, len, REACH_S), 0)) {
        void *got = NULL;
        size_t got_len = 0;
        if (EXPECT_RC(mp_queue_get_alloc(q, &got, &got_len, REACH_S), 0)) {
            EXPECT_EQ(got_len, len);
            EXPECT(got_len == len && has_pattern(got, len, seed), "the message came back changed");
        }
        mp_free(got);
    }
    free(msg);
}

static mp_queue_t *new_queue(void)
{
    mp_queue_t *q = NULL;
    EXPECT_RC(mp_queue_create(&q, &(mp_queue_opts_t){.ring_size = SMALL_RING}), 0);
    return q;
}

/* A put killed after writing, holding the lock: nothing was put. */
static void put_killed_holding_lock(size_t len)
{
    mp_queue_t *q = new_queue();
    victim_t v;
    if (q && start_victim(&v, q, (death_order_t){DEATH_IN_PUT, true, len, 7})) {
        kill_victim(&v);
        EXPECT_EQ(mp_queue_qsize(q), 0);
        size_t got;
        EXPECT_RC(mp_queue_get(q, NULL, 0, &got, 0), MP_EEMPTY);
        expect_round_trip(q, len, 9); /* the put takes the dead lock over */
        mp_queue_stats_t st = stats_of(q);
        EXPECT_EQ(st.dead_putters, 1);
        EXPECT_EQ(st.puts, 1);
    }
    mp_queue_destroy(q);
}

static void test_put_killed_small(void)
{
    put_killed_holding_lock(100);
}

static void test_put_killed_spilled(void)
{
    put_killed_holding_lock(SPILLED_LEN);
}

/* A get killed after reading, holding the lock: the message is still
 * there, whole, first in line. */
static void get_killed_holding_lock(size_t len)
{
    mp_queue_t *q = new_queue();
    unsigned char *msg = malloc(len);
    victim_t v;
    if (!q || !EXPECT(msg != NULL, "no memory"))
        goto out;
    fill_pattern(msg, len, 3);
    EXPECT_RC(mp_queue_put(q, msg, len, 0), 0);
    EXPECT_RC(mp_queue_put_str(q, "second", 0), 0);
    if (start_victim(&v, q, (death_order_t){DEATH_IN_GET, true, 0, 0})) {
        kill_victim(&v);
        EXPECT_EQ(mp_queue_qsize(q), 2);
        void *got = NULL;
        size_t got_len = 0;
        if (EXPECT_RC(mp_queue_get_alloc(q, &got, &got_len, 0), 0))
            EXPECT(got_len == len && has_pattern(got, len, 3), "the first message changed");
        mp_free(got);
        char *second = NULL;
        if (EXPECT_RC(mp_queue_get_str(q, &second, 0), 0))
            EXPECT_STR(second, "second");
        mp_free(second);
        EXPECT_EQ(stats_of(q).dead_getters, 1);
        expect_round_trip(q, len, 5); /* the spill file starts over cleanly */
    }
out:
    free(msg);
    mp_queue_destroy(q);
}

static void test_get_killed_small(void)
{
    get_killed_holding_lock(100);
}

static void test_get_killed_spilled(void)
{
    get_killed_holding_lock(SPILLED_LEN);
}

/* A large put killed at a moment the test does not choose (most likely in
 * the middle of writing the spill file): the queue holds nothing or the
 * whole message, never part of it, and goes on. */
static void test_put_killed_mid_write(void)
{
    enum { LEN = 128 << 20 };
    mp_queue_t *q = new_queue();
    victim_t v;
    if (!q || !start_victim(&v, q, (death_order_t){DEATH_IN_PUT, false, LEN, 11}))
        goto out;
    sleep_s(0.03);
    kill_victim(&v);
    int n = mp_queue_qsize(q);
    EXPECT(n == 0 || n == 1, "%d messages after one put", n);
    if (n == 1) {
        void *got = NULL;
        size_t got_len = 0;
        if (EXPECT_RC(mp_queue_get_alloc(q, &got, &got_len, 0), 0))
            EXPECT(got_len == LEN && has_pattern(got, LEN, 11), "the message is not whole");
        mp_free(got);
    }
    expect_round_trip(q, SPILLED_LEN, 13);
out:
    mp_queue_destroy(q);
}

/* A getter asleep in get() while a putter dies holding the lock is not
 * stranded: the next put reaches it, and the half message never does. */
static void test_waiting_getter_survives_putter_death(void)
{
    mp_queue_t *q = new_queue();
    victim_t v;
    mp_process_t *getter = NULL;
    if (!q)
        return;
    getter = start_process(&(mp_process_opts_t){.task = "task_queue_get_one", MP_OBJECTS(q)});
    if (getter && start_victim(&v, q, (death_order_t){DEATH_IN_PUT, true, 100, 1})) {
        kill_victim(&v);
        EXPECT_RC(mp_queue_put_str(q, "after the death", REACH_S), 0);
        char got[sizeof "after the death"] = "";
        EXPECT_RC(mp_process_join(getter, JOIN_LIMIT_S), 0);
        if (result_of(getter, got, sizeof got))
            EXPECT_STR(got, "after the death");
    }
    dispose_process(getter);
    mp_queue_destroy(q);
}

/* A getter killed while asleep (holding nothing) costs nothing. */
static void test_sleeping_getter_killed(void)
{
    mp_queue_t *q = new_queue();
    victim_t v;
    if (q && start_victim(&v, q, (death_order_t){DEATH_IN_GET, false, 0, 0})) {
        sleep_s(0.2); /* into its sleep */
        kill_victim(&v);
        expect_round_trip(q, 100, 2);
        expect_round_trip(q, SPILLED_LEN, 4);
        EXPECT_EQ(stats_of(q).dead_getters, 0);
    }
    mp_queue_destroy(q);
}

/* Objects: the queue. Take one message and return it. */
int task_queue_get_one(mp_task_t *t)
{
    mp_queue_t *q;
    void *msg;
    size_t len;
    int rc = mp_task_queue(t, 0, &q);
    if (rc == 0 && (rc = mp_queue_get_alloc(q, &msg, &len, REACH_S)) == 0) {
        rc = mp_task_return(t, msg, len);
        mp_free(msg);
    }
    return rc < 0 ? mp_task_fail(t, rc, "%s", mp_errdetail()) : 0;
}

/* Objects: the queue. Rewrite its block's header and ring with a pattern,
 * as any process given the queue can. */
int task_queue_scribble(mp_task_t *t)
{
    mp_queue_t *q;
    int rc = mp_task_queue(t, 0, &q);
    if (rc < 0)
        return mp_task_fail(t, rc, "%s", mp_errdetail());
    mp__queue_object_t *obj = mp__handle_live(q, mp__kind_queue.id);
    unsigned char *block = mp__os_shm_addr(obj->ring.block);
    size_t size = mp__os_shm_size(obj->ring.block);
    for (size_t i = 0; i < size; i++)
        block[i] = (unsigned char)(0xa5 ^ (i * 7));
    return 0;
}

/* Another process rewrites the queue's shared memory into nonsense: every
 * call answers MP_EBROKEN (or, for the calls that only look, a count),
 * nothing crashes, and no call reserves memory it was told to by the
 * block. */
static void test_rewritten_by_another_process(void)
{
    mp_queue_t *q = new_queue();
    if (!q)
        return;
    EXPECT_RC(mp_queue_put_str(q, "before", 0), 0);
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_queue_scribble", MP_OBJECTS(q)});
    EXPECT_EQ(exitcode_of(p), 0);
    dispose_process(p);
    size_t len;
    void *got = NULL;
    char buf[16];
    EXPECT_RC(mp_queue_get(q, buf, sizeof buf, &len, 0), MP_EBROKEN);
    EXPECT_RC(mp_queue_get_alloc(q, &got, &len, 0), MP_EBROKEN);
    EXPECT_RC(mp_queue_put_str(q, "after", 0), MP_EBROKEN);
    EXPECT_RC(mp_queue_get(q, buf, sizeof buf, &len, MP_FOREVER), MP_EBROKEN); /* no wait */
    EXPECT_RC(mp_queue_qsize(q), MP_EBROKEN);
    EXPECT_RC(mp_queue_is_empty(q), MP_EBROKEN);
    EXPECT_RC(mp_queue_is_full(q), MP_EBROKEN);
    mp_queue_destroy(q);
}

/* ---- random kills ------------------------------------------------------ */

/* A storm message: who put it, its number, and a checksum of the rest. */
typedef struct storm_header {
    int64_t producer;
    int64_t seq;
    uint64_t len;
    uint64_t sum;
} storm_header_t;

/* Lengths that go to the ring and to the spill file of a SMALL_RING queue. */
static const size_t storm_lengths[] = {0, 40, 3000, 40000};

static uint64_t checksum(const unsigned char *p, size_t len)
{
    uint64_t sum = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        sum = (sum ^ p[i]) * 1099511628211u;
    return sum;
}

static int64_t my_pid(void)
{
    mp_process_info_t me = {0};
    mp_current_process(&me);
    return (int64_t)me.pid;
}

/* Objects: the queue. Put numbered messages of mixed sizes until killed. */
int task_queue_storm_producer(mp_task_t *t)
{
    mp_queue_t *q;
    int rc = mp_task_queue(t, 0, &q);
    enum { MAX = sizeof(storm_header_t) + 40000 };
    unsigned char *msg = malloc(MAX);
    if (rc < 0 || !msg)
        return mp_task_fail(t, rc < 0 ? rc : MP_ENOMEM, "no queue or memory");
    int64_t me = my_pid();
    for (int64_t seq = 0;; seq++) {
        size_t len = storm_lengths[(size_t)(seq * 7 + me) % 4];
        fill_pattern(msg + sizeof(storm_header_t), len, (uint32_t)(seq ^ me));
        storm_header_t h = {me, seq, len, checksum(msg + sizeof h, len)};
        memcpy(msg, &h, sizeof h);
        if ((rc = mp_queue_put(q, msg, sizeof h + len, REACH_S)) < 0)
            break;
    }
    free(msg);
    return rc == MP_ECLOSED ? 0 : mp_task_fail(t, rc, "put: %s", mp_errdetail());
}

/* Objects: the queue. Take messages until the queue is closed and empty;
 * fail on a message that is not whole, or on one that comes before
 * another of its producer's already seen (FIFO per producer). Returns how
 * many it took. */
int task_queue_storm_consumer(mp_task_t *t)
{
    enum { PRODUCERS = 64 };
    int64_t producers[PRODUCERS] = {0}, last[PRODUCERS] = {0}, taken = 0;
    mp_queue_t *q;
    int rc = mp_task_queue(t, 0, &q);
    while (rc == 0) {
        void *msg;
        size_t len;
        if ((rc = mp_queue_get_alloc(q, &msg, &len, REACH_S)) < 0)
            break;
        storm_header_t h;
        bool whole = len >= sizeof h;
        if (whole) {
            memcpy(&h, msg, sizeof h);
            whole = h.len == len - sizeof h &&
                    checksum((unsigned char *)msg + sizeof h, h.len) == h.sum;
        }
        mp_free(msg);
        if (!whole)
            return mp_task_fail(t, MP_EBROKEN, "message %lld is not whole", (long long)taken);
        size_t slot = (size_t)h.producer % PRODUCERS;
        if (producers[slot] == h.producer && h.seq <= last[slot])
            return mp_task_fail(t, MP_ESTATE, "producer %lld: message %lld after %lld",
                                (long long)h.producer, (long long)h.seq, (long long)last[slot]);
        producers[slot] = h.producer;
        last[slot] = h.seq;
        taken++;
    }
    return rc == MP_EEOF ? mp_task_return_i64(t, taken)
                         : mp_task_fail(t, rc, "get: %s", mp_errdetail());
}

/* Wait until messages were both put and taken since `*last`, which is
 * then brought up to date; false after REACH_S without. */
static bool wait_for_progress(mp_queue_t *q, mp_queue_stats_t *last)
{
    double deadline = now_s() + REACH_S;
    mp_queue_stats_t st = stats_of(q);
    while ((st.puts == last->puts || st.gets == last->gets) && now_s() < deadline) {
        sleep_s(0.002);
        st = stats_of(q);
    }
    bool moved = st.puts != last->puts && st.gets != last->gets;
    *last = st;
    return moved;
}

/* Producers and consumers SIGKILLed again and again at moments nobody
 * chooses, and replaced: no consumer ever sees a message that is not
 * whole, or one out of its producer's order, and the queue ends usable. */
static void test_random_kills(void)
{
    enum { KILLS = 40 };
    mp_queue_t *q = new_queue();
    mp_process_t *producer = NULL, *consumer = NULL;
    if (!q)
        return;
    const mp_process_opts_t p_opts = {.task = "task_queue_storm_producer", MP_OBJECTS(q)};
    const mp_process_opts_t c_opts = {.task = "task_queue_storm_consumer", MP_OBJECTS(q)};
    producer = start_process(&p_opts);
    consumer = start_process(&c_opts);
    unsigned seed = (unsigned)my_pid();
    mp_queue_stats_t before = stats_of(q);
    for (int i = 0; i < KILLS && producer && consumer; i++) {
        /* Both at work since the last kill (a replacement may take a while
         * to start on a loaded machine), then a moment nobody chooses. */
        if (!EXPECT(wait_for_progress(q, &before), "no progress in %.0f s after kill %d", REACH_S,
                    i))
            break;
        seed = seed * 1103515245u + 12345u;
        sleep_s((seed >> 16) % 20 / 1000.0);
        mp_process_t **victim = (seed >> 8) & 1 ? &producer : &consumer;
        EXPECT_RC(mp_process_kill(*victim), 0);
        EXPECT_RC(mp_process_join(*victim, JOIN_LIMIT_S), 0);
        int code = exitcode_of(*victim);
        EXPECT(code == KILLED_EXITCODE, "a storm process ended with %d before its kill", code);
        dispose_process(*victim);
        *victim = start_process(victim == &producer ? &p_opts : &c_opts);
    }
    /* The last producer stops at the close; the last consumer drains. */
    if (producer && consumer) {
        sleep_s(0.05);
        EXPECT_RC(mp_queue_close(q), 0);
        EXPECT_RC(mp_process_join(producer, JOIN_LIMIT_S), 0);
        EXPECT_EQ(exitcode_of(producer), 0);
        EXPECT_RC(mp_process_join(consumer, JOIN_LIMIT_S), 0);
        int64_t taken = -1;
        if (result_of(consumer, &taken, sizeof taken))
            EXPECT(taken >= 0, "the last consumer took %lld", (long long)taken);
        EXPECT_EQ(mp_queue_qsize(q), 0);
        mp_queue_stats_t st = stats_of(q);
        EXPECT(st.gets > KILLS, "only %llu messages went through", (unsigned long long)st.gets);
        if (getenv("MP_TEST_VERBOSE"))
            printf("\n  %llu put, %llu taken, %llu spilled; died inside: %llu puts, %llu gets\n",
                   (unsigned long long)st.puts, (unsigned long long)st.gets,
                   (unsigned long long)st.spilled, (unsigned long long)st.dead_putters,
                   (unsigned long long)st.dead_getters);
    }
    dispose_process(producer);
    dispose_process(consumer);
    mp_queue_destroy(q);
}

#if TEST_POSIX
#include <sys/stat.h>

/* Bytes of memory a queue's spill file holds (its allocated blocks). */
static long long spill_bytes(mp_queue_t *q)
{
    mp__queue_object_t *obj = mp__handle_live(q, mp__kind_queue.id);
    struct stat st;
    if (!obj || fstat((int)mp__os_spill_handle(obj->ring.spill), &st) < 0)
        return -1;
    return (long long)st.st_blocks * 512;
}

/* The pages of a large message go back to the OS once it is taken: a
 * queue holds the memory of what is in it (and a few warm rings), not of
 * what passed through it. Also when the taker is killed after the take. */
static void test_spill_pages_given_back(void)
{
    enum { BIG = 64 << 20 };
    mp_queue_t *q = new_queue();
    unsigned char *msg = malloc(BIG);
    if (!q || !EXPECT(msg != NULL, "no memory"))
        goto out;
    fill_pattern(msg, BIG, 21);
    EXPECT_RC(mp_queue_put(q, msg, BIG, 0), 0);
    EXPECT(spill_bytes(q) >= BIG, "the spill file holds %lld bytes", spill_bytes(q));
    void *got = NULL;
    size_t len;
    if (EXPECT_RC(mp_queue_get_alloc(q, &got, &len, 0), 0))
        EXPECT(len == BIG && has_pattern(got, len, 21), "the message changed");
    mp_free(got);
    /* At most the warm pages stay (4 rings of 64 KiB here). */
    EXPECT(spill_bytes(q) <= (long long)(4 * SMALL_RING), "%lld bytes stay after the take",
           spill_bytes(q));
    expect_round_trip(q, SPILLED_LEN, 23); /* and the file serves again */
out:
    free(msg);
    mp_queue_destroy(q);
}
#endif

static const test_case_t tests[] = {
#if TEST_POSIX
    {"spill_pages_given_back", test_spill_pages_given_back, ON_ALL},
#endif
    {"random_kills", test_random_kills, ON_ALL},
    {"rewritten_by_another_process", test_rewritten_by_another_process, ON_ALL},
    {"put_killed_small", test_put_killed_small, ON_ALL},
    {"put_killed_spilled", test_put_killed_spilled, ON_ALL},
    {"get_killed_small", test_get_killed_small, ON_ALL},
    {"get_killed_spilled", test_get_killed_spilled, ON_ALL},
    {"put_killed_mid_write", test_put_killed_mid_write, ON_ALL},
    {"waiting_getter_survives_putter_death", test_waiting_getter_survives_putter_death, ON_ALL},
    {"sleeping_getter_killed", test_sleeping_getter_killed, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_queue_deaths = {"queue_deaths", true, tests};
