/* Suite "queue": Queue and JoinableQueue between processes (checklist
 * section 5, items 58-64, after CPython's _TestQueue), and the promises of
 * queue.h: a put that returned has delivered (put-then-join), messages of
 * any size whatever the ring, exactly once and in each producer's order
 * with many producers and consumers, and a sentinel for mp_wait(). Run
 * once per start method: children get their queue with MP_OBJECTS() and
 * mp_task_queue(). Deaths inside a put or a get are another suite's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue_helpers.h"

/* ---- helpers ------------------------------------------------------------ */

/* A Queue (or a JoinableQueue) with these options; asserted, NULL on
 * failure. */
static mp_queue_t *new_queue(bool joinable, const mp_queue_opts_t *opts)
{
    mp_queue_t *q = NULL;
    int rc = joinable ? mp_joinable_queue_create(&q, opts) : mp_queue_create(&q, opts);
    return EXPECT_RC(rc, 0) ? q : NULL;
}

/* The queue's statistics; asserted (all zero on failure). */
static mp_queue_stats_t stats_of(mp_queue_t *q)
{
    mp_queue_stats_t s;
    memset(&s, 0, sizeof s);
    EXPECT_RC(mp_queue_stats(q, &s), 0);
    return s;
}

/* Start a consumer child (task_queue_consume) on `q`. */
static mp_process_t *start_consumer(mp_queue_t *q, uint32_t limit, bool task_done)
{
    queue_consume_arg_t arg = {.simple = 0, .limit = limit, .task_done = task_done};
    return START_QUEUE_CHILD("task_queue_consume", arg, q);
}

/* A consumer's tags must be 0:0, 0:1 ... 0:count-1 (FIFO); asserted. */
static bool expect_consumed_in_order(mp_process_t *p, uint32_t count)
{
    consumed_t c;
    return consumer_tags(p, &c) && expect_each_once_in_order(&c, 1, 1, count);
}

/* Take the next message with mp_queue_get_alloc() and check it is `want`
 * bytes of the pattern of `seed`; asserted. */
#define EXPECT_GET_PATTERN(q, want, seed, timeout) \
    expect_get_pattern((q), (want), (seed), (timeout), __FILE__, __LINE__)
static bool expect_get_pattern(mp_queue_t *q, size_t want, uint32_t seed, double timeout,
                               const char *file, int line)
{
    void *data = NULL;
    size_t len = 0;
    int rc = mp_queue_get_alloc(q, &data, &len, timeout);
    if (!check_true(rc == 0, file, line, "get_alloc of message %u (%zu bytes) returned %s; %s",
                    (unsigned)seed, want, mp_err_name(rc), mp_errdetail()))
        return false;
    bool ok = expect_pattern(data, len, want, seed, file, line);
    mp_free(data);
    return ok;
}

/* ---- items 58 and 59: put, full, and a child that drains ----------------- */

/* Checklist items 58-59: a Queue of maxsize 6 is empty and not full at
 * first; six puts with every timeout form (MP_FOREVER, 0, a number) fill
 * it; then puts fail with MP_EFULL, at once with timeout 0 and after about
 * t with t; once a child has taken all six (in order), it is empty and not
 * full again. */
static void test_queue_put_until_full(void)
{
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.maxsize = 6});
    if (!q)
        return;
    EXPECT_EQ(mp_queue_is_empty(q), 1);
    EXPECT_EQ(mp_queue_is_full(q), 0);
    static const double forms[6] = {MP_FOREVER, MP_FOREVER, 1.0, 0, 0, 5.0};
    for (uint32_t i = 0; i < 6; i++)
        put_tagged(q, i, 1, forms[i]);
    EXPECT_EQ(mp_queue_is_empty(q), 0);
    EXPECT_EQ(mp_queue_is_full(q), 1);
    EXPECT_EQ(mp_queue_qsize(q), 6);

    unsigned char msg[8] = {0};
    double t0 = now_s();
    EXPECT_RC(mp_queue_put(q, msg, sizeof msg, 0), MP_EFULL);
    EXPECT_RC(mp_queue_put_i64(q, 7, 0), MP_EFULL);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_queue_put(q, msg, sizeof msg, 0.2), MP_EFULL);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT_EQ(mp_queue_qsize(q), 6); /* the refused puts put nothing */

    mp_process_t *p = start_consumer(q, 6, false);
    expect_consumed_in_order(p, 6);
    EXPECT_EQ(mp_queue_is_empty(q), 1);
    EXPECT_EQ(mp_queue_is_full(q), 0);
    EXPECT_EQ(mp_queue_qsize(q), 0);
    dispose_process(p);
    mp_queue_destroy(q);
}

/* A put blocked on a full queue (maxsize 2) proceeds once a child takes a
 * message: the child gets the oldest, the put succeeds, and the queue holds
 * the other two in order. */
static void test_queue_blocked_put_proceeds(void)
{
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.maxsize = 2});
    if (!q || !put_tagged(q, 0, 2, 0)) {
        mp_queue_destroy(q);
        return;
    }
    EXPECT_EQ(mp_queue_is_full(q), 1);
    mp_process_t *p = start_consumer(q, 1, false);
    put_tagged(q, 2, 1, QUEUE_WAIT_S); /* blocks until the child took one */
    expect_consumed_in_order(p, 1);
    EXPECT_EQ(mp_queue_qsize(q), 2);
    EXPECT_GET_TAG(q, 1, 0);
    EXPECT_GET_TAG(q, 2, 0);
    dispose_process(p);
    mp_queue_destroy(q);
}

/* Without a maxsize, the ring's bytes are the limit: 120-byte messages,
 * then empty ones, until even those do not fit; then put(0) is MP_EFULL at
 * once, put(0.2) after about 0.2 s, is_full says 1; one get makes room for
 * one more, and every message comes out whole and in order. */
static void test_queue_ring_fills(void)
{
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.ring_size = MP_QUEUE_RING_MIN});
    if (!q)
        return;
    enum { SIZE = 120 }; /* 128 bytes of ring each: they tile it */
    uint32_t full = fill_until_full(&(any_queue_t){.q = q}, SIZE, MP_QUEUE_RING_MIN);
    uint32_t empty = 0;
    int rc = 0;
    while (empty < MP_QUEUE_RING_MIN / 8 && (rc = mp_queue_put(q, NULL, 0, 0)) == 0)
        empty++;
    EXPECT_RC(rc, MP_EFULL);
    EXPECT_EQ(mp_queue_qsize(q), full + empty);
    EXPECT_EQ(mp_queue_is_full(q), 1);
    double t0 = now_s();
    EXPECT_RC(mp_queue_put(q, NULL, 0, 0), MP_EFULL);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_queue_put(q, NULL, 0, 0.2), MP_EFULL);
    EXPECT_ABOUT(now_s() - t0, 0.2);

    for (uint32_t i = 0; i < full; i++) {
        EXPECT_GET_PATTERN(q, SIZE, i, 0);
        if (i == 0) { /* the room it left takes an empty message again */
            EXPECT_RC(mp_queue_put(q, NULL, 0, 0), 0);
            empty++;
        }
    }
    char buf[4];
    size_t len = 99;
    for (uint32_t i = 0; i < empty; i++)
        if (!EXPECT_RC(mp_queue_get(q, buf, sizeof buf, &len, 0), 0) || !EXPECT_EQ(len, 0))
            break;
    EXPECT_EQ(mp_queue_is_empty(q), 1);
    EXPECT_EQ(mp_queue_is_full(q), 0);
    mp_queue_destroy(q);
}

/* ---- items 60-62: get, timeouts, qsize ------------------------------------ */

/* Checklist items 60-61: what a child put comes out FIFO through every get
 * form (timeout 0, MP_FOREVER, a number; into a buffer and allocated); on
 * the empty queue, gets with timeout 0 are MP_EEMPTY at once and with 0.2
 * after about 0.2 s (at least 0.1 s: item 61). */
static void test_queue_get_forms(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    queue_produce_arg_t arg = {.producer = 0, .count = 6};
    mp_process_t *p = START_QUEUE_CHILD("task_queue_produce", arg, q);
    if (queue_child_ok(p)) {
        EXPECT_EQ(mp_queue_qsize(q), 6);
        unsigned char buf[QUEUE_SMALL_MAX];
        static const double forms[3] = {0, MP_FOREVER, 1.0};
        for (uint32_t i = 0; i < 3; i++) {
            size_t len = 0;
            if (EXPECT_RC(mp_queue_get(q, buf, sizeof buf, &len, forms[i]), 0))
                EXPECT_TAG(buf, len, 0, i);
        }
        for (uint32_t i = 3; i < 6; i++)
            EXPECT_GET_TAG(q, i, forms[i - 3]);
    }
    char buf[8];
    size_t len = 0;
    void *data = NULL;
    double t0 = now_s();
    EXPECT_RC(mp_queue_get(q, buf, sizeof buf, &len, 0), MP_EEMPTY);
    EXPECT_RC(mp_queue_get_alloc(q, &data, &len, 0), MP_EEMPTY);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT(data == NULL, "get_alloc wrote %p on MP_EEMPTY", data);
    t0 = now_s();
    EXPECT_RC(mp_queue_get(q, buf, sizeof buf, &len, 0.2), MP_EEMPTY);
    double took = now_s() - t0;
    EXPECT_ABOUT(took, 0.2);
    EXPECT(took >= 0.1, "gave up after %.3f s", took); /* item 61's own bound */
    t0 = now_s();
    EXPECT_RC(mp_queue_get_alloc(q, &data, &len, 0.2), MP_EEMPTY);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    dispose_process(p);
    mp_queue_destroy(q);
}

/* Checklist item 62: qsize reads 0, 1, 2, 1, 0 over two puts and two gets
 * (exactly: no platform lacks it), and is_empty follows. */
static void test_queue_qsize(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    EXPECT_EQ(mp_queue_qsize(q), 0);
    EXPECT_RC(mp_queue_put_i64(q, 1, 0), 0);
    EXPECT_EQ(mp_queue_qsize(q), 1);
    EXPECT_RC(mp_queue_put_i64(q, 2, 0), 0);
    EXPECT_EQ(mp_queue_qsize(q), 2);
    EXPECT_EQ(mp_queue_is_empty(q), 0);
    int64_t v = 0;
    EXPECT_RC(mp_queue_get_i64(q, &v, 0), 0);
    EXPECT_EQ(v, 1);
    EXPECT_EQ(mp_queue_qsize(q), 1);
    EXPECT_RC(mp_queue_get_i64(q, &v, 0), 0);
    EXPECT_EQ(v, 2);
    EXPECT_EQ(mp_queue_qsize(q), 0);
    EXPECT_EQ(mp_queue_is_empty(q), 1);
    mp_queue_destroy(q);
}

/* ---- item 63 and the JoinableQueue's counts ------------------------------ */

/* Checklist item 63: 10 items, 4 worker processes that call task_done
 * after each; join() returns once all are done (and not before: a join
 * with none done times out); every item was worked on exactly once. */
static void test_queue_task_done_workers(void)
{
    enum { ITEMS = 10, WORKERS = 4 };
    mp_queue_t *q = new_queue(true, NULL);
    if (!q || !put_tagged(q, 0, ITEMS, 0)) {
        mp_queue_destroy(q);
        return;
    }
    EXPECT_EQ(mp_queue_unfinished(q), ITEMS);
    EXPECT_RC(mp_queue_join(q, 0), MP_ETIMEDOUT);
    mp_process_t *w[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        w[i] = start_consumer(q, 0, true);
    EXPECT_RC(mp_queue_join(q, QUEUE_WAIT_S), 0);
    EXPECT_EQ(mp_queue_unfinished(q), 0);
    EXPECT_RC(mp_queue_close(q), 0); /* the workers see the end */
    consumed_t c[WORKERS];
    bool ok = true;
    for (int i = 0; i < WORKERS; i++)
        ok = consumer_tags(w[i], &c[i]) && ok;
    if (ok)
        expect_each_once_in_order(c, WORKERS, 1, ITEMS);
    for (int i = 0; i < WORKERS; i++)
        dispose_process(w[i]);
    mp_queue_destroy(q);
}

/* A JoinableQueue counts: unfinished 0, 1, 2 over puts, unchanged by gets,
 * 1, 0 over task_done; a join with nothing unfinished returns at once, one
 * with a task unfinished times out after about t; task_done once more than
 * puts is MP_ESTATE and changes nothing. */
static void test_queue_joinable_counts(void)
{
    mp_queue_t *q = new_queue(true, NULL);
    if (!q)
        return;
    EXPECT_EQ(mp_queue_unfinished(q), 0);
    EXPECT_RC(mp_queue_task_done(q), MP_ESTATE);
    double t0 = now_s();
    EXPECT_RC(mp_queue_join(q, QUEUE_WAIT_S), 0); /* a bound, not MP_FOREVER: a bug must fail */
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_RC(mp_queue_put_i64(q, 1, 0), 0);
    EXPECT_EQ(mp_queue_unfinished(q), 1);
    EXPECT_RC(mp_queue_put_i64(q, 2, 0), 0);
    EXPECT_EQ(mp_queue_unfinished(q), 2);
    int64_t v;
    EXPECT_RC(mp_queue_get_i64(q, &v, 0), 0);
    EXPECT_RC(mp_queue_get_i64(q, &v, 0), 0);
    EXPECT_EQ(mp_queue_unfinished(q), 2); /* taken is not done */
    EXPECT_RC(mp_queue_task_done(q), 0);
    EXPECT_EQ(mp_queue_unfinished(q), 1);
    t0 = now_s();
    EXPECT_RC(mp_queue_join(q, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT_RC(mp_queue_task_done(q), 0);
    EXPECT_EQ(mp_queue_unfinished(q), 0);
    EXPECT_RC(mp_queue_join(q, 0), 0);
    EXPECT_RC(mp_queue_task_done(q), MP_ESTATE);
    EXPECT_EQ(mp_queue_unfinished(q), 0);
    mp_queue_destroy(q);
}

/* task_done, join and unfinished belong to a JoinableQueue: on a plain
 * Queue they are MP_EINVAL, with messages in it or not. */
static void test_queue_plain_not_joinable(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    EXPECT_RC(mp_queue_task_done(q), MP_EINVAL);
    EXPECT_RC(mp_queue_join(q, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_unfinished(q), MP_EINVAL);
    EXPECT_RC(mp_queue_put_i64(q, 1, 0), 0);
    EXPECT_RC(mp_queue_task_done(q), MP_EINVAL);
    EXPECT_RC(mp_queue_join(q, MP_FOREVER), MP_EINVAL);
    EXPECT_EQ(mp_queue_qsize(q), 1);
    mp_queue_destroy(q);
}

/* ---- item 64: close ---------------------------------------------------------- */

/* Checklist item 64, a queue never used: close works, twice; is_empty and
 * qsize still answer; puts are MP_ECLOSED and gets MP_EEOF at once, even
 * those that would wait for ever. */
static void test_queue_close_unused(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    EXPECT_EQ(mp_queue_is_closed(q), 0);
    EXPECT_RC(mp_queue_close(q), 0);
    EXPECT_RC(mp_queue_close(q), 0);
    EXPECT_EQ(mp_queue_is_closed(q), 1);
    EXPECT_EQ(mp_queue_is_empty(q), 1);
    EXPECT_EQ(mp_queue_qsize(q), 0);
    char buf[8];
    size_t len;
    void *data = NULL;
    double t0 = now_s();
    EXPECT_RC(mp_queue_put(q, "x", 1, MP_FOREVER), MP_ECLOSED);
    EXPECT_RC(mp_queue_put_i64(q, 1, 0), MP_ECLOSED);
    EXPECT_RC(mp_queue_get(q, buf, sizeof buf, &len, MP_FOREVER), MP_EEOF);
    EXPECT_RC(mp_queue_get_alloc(q, &data, &len, 1.0), MP_EEOF);
    EXPECT_IMMEDIATE(now_s() - t0);
    mp_queue_destroy(q);
}

/* Checklist item 64, a queue used: after close, what is in it still comes
 * out in order (a spilled message too), then gets are MP_EEOF; puts are
 * MP_ECLOSED; is_empty answers throughout. */
static void test_queue_close_drains(void)
{
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.ring_size = SMALL_RING});
    if (!q)
        return;
    unsigned char *big = malloc(SMALL_RING);
    if (!EXPECT(big != NULL, "no memory")) {
        mp_queue_destroy(q);
        return;
    }
    queue_pattern_fill(big, SMALL_RING, 1);
    put_tagged(q, 0, 1, 0);
    EXPECT_RC(mp_queue_put(q, big, SMALL_RING, 0), 0);
    EXPECT_RC(mp_queue_close(q), 0);
    EXPECT_RC(mp_queue_put(q, big, 1, 0), MP_ECLOSED);
    EXPECT_EQ(mp_queue_is_empty(q), 0);
    EXPECT_EQ(mp_queue_qsize(q), 2);
    EXPECT_GET_TAG(q, 0, 0);
    EXPECT_GET_PATTERN(q, SMALL_RING, 1, 0);
    size_t len;
    EXPECT_RC(mp_queue_get(q, big, SMALL_RING, &len, MP_FOREVER), MP_EEOF);
    EXPECT_EQ(mp_queue_is_empty(q), 1);
    EXPECT_RC(mp_queue_close(q), 0);
    free(big);
    mp_queue_destroy(q);
}

/* Close is for every process: a child waiting in a get on the empty queue
 * ends with end-of-data once the parent closes it; a child waiting in a put
 * on a full one fails with MP_ECLOSED; one that starts putting after the
 * close fails the same way. Both waiters wake well before their 60 s. */
static void test_queue_close_wakes_children(void)
{
    mp_queue_t *empty = new_queue(false, NULL);
    mp_queue_t *full = new_queue(false, &(mp_queue_opts_t){.maxsize = 1});
    if (!empty || !full || !EXPECT_RC(mp_queue_put_i64(full, 1, 0), 0))
        goto out;
    mp_process_t *getter = start_consumer(empty, 0, false);
    queue_sizes_arg_t one = {.count = 1, .sizes = {8}};
    mp_process_t *putter = START_QUEUE_CHILD("task_queue_put_sizes", one, full);
    sleep_s(0.5); /* most likely both wait by now; if not, they find it closed */
    double t0 = now_s();
    EXPECT_RC(mp_queue_close(empty), 0);
    EXPECT_RC(mp_queue_close(full), 0);
    consumed_t c;
    if (consumer_tags(getter, &c))
        EXPECT_EQ(c.count, 0);
    EXPECT_RC(queue_child_error(putter), MP_ECLOSED);
    double took = now_s() - t0;
    EXPECT(took < QUEUE_CHILD_WAIT_S / 2, "the waiters took %.1f s to see the close", took);
    mp_process_t *late = START_QUEUE_CHILD("task_queue_put_sizes", one, empty);
    EXPECT_RC(queue_child_error(late), MP_ECLOSED);
    dispose_process(getter);
    dispose_process(putter);
    dispose_process(late);
out:
    mp_queue_destroy(empty);
    mp_queue_destroy(full);
}

/* ---- what a message can be --------------------------------------------------- */

/* The typed helpers round-trip through a real child, both ways: int64
 * extremes, doubles (a subnormal, -0.0), strings (empty, UTF-8, long
 * enough to spill from a small ring). */
static void test_queue_typed_round_trip(void)
{
    static const int64_t ints[] = {INT64_MIN, -1, INT64_MAX - 1};
    static const double doubles[] = {4.9e-324, -0.0, 1.5e300};
    enum { ROUNDS = 3 };
    static char long_text[SMALL_RING / 2];
    memset(long_text, 'q', sizeof long_text - 1);
    const char *texts[ROUNDS] = {"", "h\xc3\xa9llo, w\xc3\xb6rld", long_text};
    mp_queue_t *in = new_queue(false, &(mp_queue_opts_t){.ring_size = SMALL_RING});
    mp_queue_t *out = new_queue(false, NULL);
    mp_process_t *p = NULL;
    if (!in || !out)
        goto done;
    p = start_process(&(mp_process_opts_t){
        .task = "task_queue_typed_echo", MP_ARG_I64(ROUNDS), MP_OBJECTS(in, out)});
    for (int r = 0; p && r < ROUNDS; r++) {
        int64_t i = 0;
        double d = 0;
        char *s = NULL;
        EXPECT_RC(mp_queue_put_i64(in, ints[r], 0), 0);
        EXPECT_RC(mp_queue_put_double(in, doubles[r], 0), 0);
        EXPECT_RC(mp_queue_put_str(in, texts[r], 0), 0);
        if (EXPECT_RC(mp_queue_get_i64(out, &i, QUEUE_WAIT_S), 0))
            EXPECT_EQ(i, QUEUE_ECHO_I64(ints[r]));
        if (EXPECT_RC(mp_queue_get_double(out, &d, QUEUE_WAIT_S), 0))
            EXPECT(memcmp(&d, &(double){QUEUE_ECHO_DOUBLE(doubles[r])}, sizeof d) == 0,
                   "round %d: %a came back, expected %a", r, d, QUEUE_ECHO_DOUBLE(doubles[r]));
        if (!EXPECT_RC(mp_queue_get_str(out, &s, QUEUE_WAIT_S), 0))
            break;
        size_t n = strlen(texts[r]);
        EXPECT(strlen(s) == n + strlen(QUEUE_ECHO_SUFFIX) && memcmp(s, texts[r], n) == 0 &&
                   strcmp(s + n, QUEUE_ECHO_SUFFIX) == 0,
               "round %d: \"%.40s\" (%zu bytes) came back", r, s, strlen(s));
        mp_free(s);
    }
    queue_child_ok(p);
    EXPECT_EQ(mp_queue_is_empty(in), 1);
    EXPECT_EQ(mp_queue_is_empty(out), 1);
done:
    dispose_process(p);
    mp_queue_destroy(in);
    mp_queue_destroy(out);
}

/* A buffer too small gives MP_ETOOSMALL with the length needed, and the
 * message stays whole at the head (a spilled one too): again too small,
 * then a buffer of exactly its size or get_alloc takes it, and the order
 * holds. An empty message is a message, into no buffer at all. */
static void test_queue_too_small(void)
{
    enum { BIG = SMALL_RING / 4 + 1 }; /* spilled */
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.ring_size = SMALL_RING});
    unsigned char *buf = malloc(BIG);
    if (!q || !EXPECT(buf != NULL, "no memory"))
        goto out;
    unsigned char exact[12];
    size_t len = 0;
    EXPECT_RC(mp_queue_put(q, "hello, world", 12, 0), 0);
    queue_pattern_fill(buf, BIG, 7);
    EXPECT_RC(mp_queue_put(q, buf, BIG, 0), 0);
    EXPECT_RC(mp_queue_put(q, NULL, 0, 0), 0);
    EXPECT_RC(mp_queue_put(q, "", 0, 0), 0);

    EXPECT_RC(mp_queue_get(q, exact, 4, &len, 0), MP_ETOOSMALL);
    EXPECT_EQ(len, 12);
    len = 0;
    EXPECT_RC(mp_queue_get(q, NULL, 0, &len, 0), MP_ETOOSMALL);
    EXPECT_EQ(len, 12);
    EXPECT_EQ(mp_queue_qsize(q), 4);
    if (EXPECT_RC(mp_queue_get(q, exact, sizeof exact, &len, 0), 0) && EXPECT_EQ(len, 12))
        EXPECT(memcmp(exact, "hello, world", 12) == 0, "got \"%.12s\"", (char *)exact);

    memset(buf, 0, BIG);
    EXPECT_RC(mp_queue_get(q, buf, BIG - 1, &len, 0), MP_ETOOSMALL);
    EXPECT_EQ(len, BIG);
    EXPECT_RC(mp_queue_get(q, exact, sizeof exact, &len, 0), MP_ETOOSMALL);
    EXPECT_EQ(len, BIG);
    if (EXPECT_RC(mp_queue_get(q, buf, BIG, &len, 0), 0))
        EXPECT_PATTERN(buf, len, BIG, 7);

    len = 99;
    EXPECT_RC(mp_queue_get(q, NULL, 0, &len, 0), 0);
    EXPECT_EQ(len, 0);
    void *data = NULL;
    len = 99;
    EXPECT_RC(mp_queue_get_alloc(q, &data, &len, 0), 0);
    EXPECT(data != NULL, "get_alloc gave NULL for an empty message");
    EXPECT_EQ(len, 0);
    mp_free(data);
    EXPECT_EQ(mp_queue_is_empty(q), 1);
out:
    free(buf);
    mp_queue_destroy(q);
}

/* Every edge size (queue_helpers.h) put and taken in this process, byte
 * for byte; the stats count the two spilled ones. */
static void test_queue_sizes_here(void)
{
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.ring_size = SMALL_RING});
    unsigned char *buf = malloc(edge_sizes[EDGE_COUNT - 1]);
    if (!q || !EXPECT(buf != NULL, "no memory"))
        goto out;
    for (uint32_t i = 0; i < EDGE_COUNT; i++) {
        queue_pattern_fill(buf, edge_sizes[i], i);
        EXPECT_RC(mp_queue_put(q, buf, edge_sizes[i], 0), 0);
    }
    EXPECT_EQ(mp_queue_qsize(q), EDGE_COUNT);
    for (uint32_t i = 0; i < EDGE_COUNT; i++)
        EXPECT_GET_PATTERN(q, edge_sizes[i], i, 0);
    mp_queue_stats_t s = stats_of(q);
    EXPECT_EQ(s.puts, EDGE_COUNT);
    EXPECT_EQ(s.gets, EDGE_COUNT);
    EXPECT_EQ(s.spilled, EDGE_SPILLED);
out:
    free(buf);
    mp_queue_destroy(q);
}

/* The same sizes put by a child, taken by the parent as they come. */
static void test_queue_sizes_from_child(void)
{
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.ring_size = SMALL_RING});
    if (!q)
        return;
    mp_process_t *p = start_edge_putter(q, false);
    for (uint32_t i = 0; p && i < EDGE_COUNT; i++)
        if (!EXPECT_GET_PATTERN(q, edge_sizes[i], i, QUEUE_WAIT_S))
            break;
    queue_child_ok(p);
    EXPECT_EQ(stats_of(q).spilled, EDGE_SPILLED);
    dispose_process(p);
    mp_queue_destroy(q);
}

/* The spill file is used again: it starts over from offset 0 whenever the
 * ring is empty, and must never start over while a spilled message is
 * still in it. Spilled messages of varied sizes go through a window of one
 * to three: put two, take one, put one, take all, and so on; each comes
 * out whole. */
static size_t spill_reuse_size(uint32_t i)
{
    return SMALL_RING / 4 + 1 + (i * 7919u) % 24000u; /* all spilled, none alike */
}

static void test_queue_spill_reuse(void)
{
    enum { TOTAL = 48, MOST = SMALL_RING / 4 + 1 + 24000 };
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.ring_size = SMALL_RING});
    unsigned char *buf = malloc(MOST);
    if (!q || !EXPECT(buf != NULL, "no memory"))
        goto out;
    uint32_t got = 0;
    for (uint32_t put = 0; put < TOTAL; put++) {
        size_t size = spill_reuse_size(put);
        queue_pattern_fill(buf, size, put);
        if (!EXPECT_RC(mp_queue_put(q, buf, size, 0), 0))
            break;
        uint32_t keep = put % 4 == 3 ? 0 : put % 2 == 1 ? put - got : put + 1 - got;
        for (; put + 1 - got > keep; got++)
            if (!EXPECT_GET_PATTERN(q, spill_reuse_size(got), got, 0))
                goto out;
    }
    EXPECT_EQ(got, TOTAL);
    EXPECT_EQ(stats_of(q).spilled, TOTAL);
out:
    free(buf);
    mp_queue_destroy(q);
}

/* A 200 MiB message from a child (the default ring and maximum), whole and
 * byte for byte. */
static void test_queue_200_mib(void)
{
    const size_t size = (size_t)200 << 20;
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    queue_sizes_arg_t arg = {.count = 1, .sizes = {size}};
    mp_process_t *p = START_QUEUE_CHILD("task_queue_put_sizes", arg, q);
    if (p)
        EXPECT_GET_PATTERN(q, size, 0, JOIN_LIMIT_S);
    queue_child_ok(p);
    EXPECT_EQ(stats_of(q).spilled, 1);
    dispose_process(p);
    mp_queue_destroy(q);
}

/* A put that returned has delivered: a child puts 64 MiB and ends; the
 * parent joins it FIRST (with CPython's feeder thread this join hangs), and
 * only then takes the message, whole. */
static void test_queue_put_then_join(void)
{
    const size_t size = (size_t)64 << 20;
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    queue_sizes_arg_t arg = {.count = 1, .sizes = {size}};
    mp_process_t *p = START_QUEUE_CHILD("task_queue_put_sizes", arg, q);
    if (queue_child_ok(p)) {
        EXPECT_EQ(mp_queue_qsize(q), 1);
        EXPECT_GET_PATTERN(q, size, 0, 0);
    }
    dispose_process(p);
    mp_queue_destroy(q);
}

/* Checklist item 7: a child starts a grandchild and passes on the queue it
 * was given; the parent receives both items, in either order. */
static void test_queue_grandchild(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_queue_nested", MP_ARG_I64(1), MP_OBJECTS(q)});
    if (EXPECT_EQ(exitcode_of(p), 0)) {
        char *first = NULL, *second = NULL;
        if (EXPECT_RC(mp_queue_get_str(q, &first, QUEUE_CHILD_WAIT_S), 0) &&
            EXPECT_RC(mp_queue_get_str(q, &second, QUEUE_CHILD_WAIT_S), 0))
            EXPECT((strcmp(first, "child") == 0 && strcmp(second, "grandchild") == 0) ||
                       (strcmp(first, "grandchild") == 0 && strcmp(second, "child") == 0),
                   "got \"%s\" and \"%s\"", first, second);
        mp_free(first);
        mp_free(second);
    }
    dispose_process(p);
    mp_queue_destroy(q);
}

/* ---- many processes ---------------------------------------------------------- */

/* 4 producers x 2000 tagged messages, every 50th of them spilled (20000
 * bytes through a 64 KiB ring), taken by 3 consumers: each message arrives
 * exactly once, whole, and every consumer sees each producer's messages in
 * the order they were put. The stats count them all. */
static void test_queue_many_producers_consumers(void)
{
    enum { PRODUCERS = 4, PER_PRODUCER = 2000, CONSUMERS = 3, BIG_EVERY = 50 };
    mp_queue_t *q = new_queue(false, &(mp_queue_opts_t){.ring_size = SMALL_RING});
    if (!q)
        return;
    mp_process_t *cons[CONSUMERS], *prod[PRODUCERS];
    for (int i = 0; i < CONSUMERS; i++)
        cons[i] = start_consumer(q, 0, false);
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        queue_produce_arg_t arg = {
            .producer = i, .count = PER_PRODUCER, .big_every = BIG_EVERY, .big_size = 20000};
        prod[i] = START_QUEUE_CHILD("task_queue_produce", arg, q);
    }
    for (int i = 0; i < PRODUCERS; i++)
        queue_child_ok(prod[i]);
    EXPECT_RC(mp_queue_close(q), 0); /* the consumers end once it is empty */
    consumed_t c[CONSUMERS];
    bool ok = true;
    for (int i = 0; i < CONSUMERS; i++)
        ok = consumer_tags(cons[i], &c[i]) && ok;
    if (ok)
        expect_each_once_in_order(c, CONSUMERS, PRODUCERS, PER_PRODUCER);
    mp_queue_stats_t s = stats_of(q);
    EXPECT_EQ(s.puts, PRODUCERS * PER_PRODUCER);
    EXPECT_EQ(s.gets, PRODUCERS * PER_PRODUCER);
    EXPECT_EQ(s.spilled, PRODUCERS * (PER_PRODUCER / BIG_EVERY));
    EXPECT_EQ(s.dead_putters + s.dead_getters, 0);
    for (int i = 0; i < PRODUCERS; i++)
        dispose_process(prod[i]);
    for (int i = 0; i < CONSUMERS; i++)
        dispose_process(cons[i]);
    mp_queue_destroy(q);
}

/* Consumers that race for every message: 4 children wait on an empty
 * queue, then the parent puts 20000 small messages as fast as it can;
 * each is taken exactly once, and every consumer sees them in order. */
static void test_queue_consumers_race(void)
{
    enum { CONSUMERS = 4, COUNT = 20000 };
    mp_queue_t *q = new_queue(false, NULL);
    if (!q)
        return;
    mp_process_t *cons[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        cons[i] = start_consumer(q, 0, false);
    sleep_s(0.5); /* most likely all wait by now: more of them race */
    put_tagged(q, 0, COUNT, QUEUE_WAIT_S);
    EXPECT_RC(mp_queue_close(q), 0);
    consumed_t c[CONSUMERS];
    bool ok = true;
    for (int i = 0; i < CONSUMERS; i++)
        ok = consumer_tags(cons[i], &c[i]) && ok;
    if (ok)
        expect_each_once_in_order(c, CONSUMERS, 1, COUNT);
    for (int i = 0; i < CONSUMERS; i++)
        dispose_process(cons[i]);
    mp_queue_destroy(q);
}

/* ---- the sentinel with mp_wait() ---------------------------------------------- */

/* A queue's sentinel, next to a process's, is what mp_wait() wakes for:
 * a child that puts after 0.3 s (and lives on) makes the queue ready and
 * not the process; once this process has taken the message the sentinel
 * is not ready (mp_wait() with timeout 0 says 0). */
static void test_queue_sentinel_put(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    mp_sentinel_t s[2];
    if (!q || !EXPECT_RC(mp_queue_sentinel(q, &s[0]), 0)) {
        mp_queue_destroy(q);
        return;
    }
    EXPECT(!sentinel_ready(s[0]), "ready on an empty queue");
    queue_sizes_arg_t arg = {.delay = 0.3, .linger = JOIN_LIMIT_S, .count = 1, .sizes = {5}};
    mp_process_t *p = START_QUEUE_CHILD("task_queue_put_sizes", arg, q);
    if (p && EXPECT_RC(mp_process_sentinel(p, &s[1]), 0)) {
        unsigned char ready[2] = {9, 9};
        EXPECT_EQ(mp_wait(s, 2, QUEUE_WAIT_S, ready), 1);
        EXPECT(ready[0] == 1 && ready[1] == 0, "ready: queue %d, process %d", ready[0], ready[1]);
        EXPECT_GET_PATTERN(q, 5, 0, 0);
        EXPECT_EQ(mp_wait(s, 1, 0, NULL), 0); /* taken here: not ready from then on */
    }
    dispose_process(p);
    mp_queue_destroy(q);
}

/* A child that ends without putting makes its process sentinel ready, not
 * the queue's. */
static void test_queue_sentinel_death(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    mp_sentinel_t s[2];
    if (!q || !EXPECT_RC(mp_queue_sentinel(q, &s[0]), 0)) {
        mp_queue_destroy(q);
        return;
    }
    queue_sizes_arg_t arg = {.delay = 0.3, .count = 0};
    mp_process_t *p = START_QUEUE_CHILD("task_queue_put_sizes", arg, q);
    if (p && EXPECT_RC(mp_process_sentinel(p, &s[1]), 0)) {
        unsigned char ready[2] = {9, 9};
        EXPECT_EQ(mp_wait(s, 2, QUEUE_WAIT_S, ready), 1);
        EXPECT(ready[0] == 0 && ready[1] == 1, "ready: queue %d, process %d", ready[0], ready[1]);
        EXPECT(!sentinel_ready(s[0]), "the queue's sentinel is ready with nothing put");
    }
    queue_child_ok(p);
    dispose_process(p);
    mp_queue_destroy(q);
}

/* In this process too: a put makes the sentinel ready, the get makes it not
 * ready again; a close makes it ready for good (a get would not block: it
 * says end-of-data). */
static void test_queue_sentinel_here_and_closed(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    mp_sentinel_t s;
    if (!q || !EXPECT_RC(mp_queue_sentinel(q, &s), 0)) {
        mp_queue_destroy(q);
        return;
    }
    mp_sentinel_t again = -1;
    EXPECT_RC(mp_queue_sentinel(q, &again), 0);
    EXPECT(again == s, "a second call gave another sentinel");
    EXPECT_RC(mp_queue_put_i64(q, 1, 0), 0);
    EXPECT_EQ(mp_wait(&s, 1, QUEUE_WAIT_S, NULL), 1);
    int64_t v;
    EXPECT_RC(mp_queue_get_i64(q, &v, 0), 0);
    EXPECT(!sentinel_ready(s), "still ready once the message was taken");
    EXPECT_RC(mp_queue_close(q), 0);
    EXPECT_EQ(mp_wait(&s, 1, QUEUE_WAIT_S, NULL), 1);
    sleep_s(0.05);
    EXPECT(sentinel_ready(s), "not ready on a closed queue");
    mp_queue_destroy(q);
}

/* Another process's gets and puts move the sentinel too (its watcher
 * thread keeps it current): a child takes the only message, and the
 * sentinel is soon not ready (polled: the thread may take a moment);
 * a child puts one, and mp_wait() wakes for it. */
static void test_queue_sentinel_other_process(void)
{
    mp_queue_t *q = new_queue(false, NULL);
    mp_sentinel_t s;
    if (!q || !EXPECT_RC(mp_queue_sentinel(q, &s), 0) || !put_tagged(q, 0, 1, 0)) {
        mp_queue_destroy(q);
        return;
    }
    EXPECT_EQ(mp_wait(&s, 1, QUEUE_WAIT_S, NULL), 1);
    mp_process_t *taker = start_consumer(q, 1, false);
    if (expect_consumed_in_order(taker, 1))
        EXPECT(wait_sentinel_state(s, false, QUEUE_WAIT_S), "ready after a child took the message");
    queue_sizes_arg_t one = {.count = 1, .sizes = {3}};
    mp_process_t *putter = START_QUEUE_CHILD("task_queue_put_sizes", one, q);
    if (putter) {
        EXPECT_EQ(mp_wait(&s, 1, QUEUE_WAIT_S, NULL), 1);
        EXPECT_GET_PATTERN(q, 3, 0, 0);
    }
    queue_child_ok(putter);
    dispose_process(taker);
    dispose_process(putter);
    mp_queue_destroy(q);
}

static const test_case_t tests[] = {
    {"put_until_full", test_queue_put_until_full, ON_ALL},
    {"blocked_put_proceeds", test_queue_blocked_put_proceeds, ON_ALL},
    {"ring_fills", test_queue_ring_fills, ON_ALL},
    {"get_forms", test_queue_get_forms, ON_ALL},
    {"qsize", test_queue_qsize, ON_ALL},
    {"task_done_workers", test_queue_task_done_workers, ON_ALL},
    {"joinable_counts", test_queue_joinable_counts, ON_ALL},
    {"plain_not_joinable", test_queue_plain_not_joinable, ON_ALL},
    {"close_unused", test_queue_close_unused, ON_ALL},
    {"close_drains", test_queue_close_drains, ON_ALL},
    {"close_wakes_children", test_queue_close_wakes_children, ON_ALL},
    {"typed_round_trip", test_queue_typed_round_trip, ON_ALL},
    {"too_small", test_queue_too_small, ON_ALL},
    {"sizes_here", test_queue_sizes_here, ON_ALL},
    {"sizes_from_child", test_queue_sizes_from_child, ON_ALL},
    {"spill_reuse", test_queue_spill_reuse, ON_ALL},
    {"size_200_mib", test_queue_200_mib, ON_ALL},
    {"put_then_join", test_queue_put_then_join, ON_ALL},
    {"grandchild", test_queue_grandchild, ON_ALL},
    {"many_producers_consumers", test_queue_many_producers_consumers, ON_ALL},
    {"consumers_race", test_queue_consumers_race, ON_ALL},
    {"sentinel_put", test_queue_sentinel_put, ON_ALL},
    {"sentinel_death", test_queue_sentinel_death, ON_ALL},
    {"sentinel_here_and_closed", test_queue_sentinel_here_and_closed, ON_ALL},
    {"sentinel_other_process", test_queue_sentinel_other_process, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_queue = {"queue", true, tests};
