/* Suite "simple_queue": SimpleQueue between processes (checklist item 66,
 * after CPython's TestSimpleQueue), on the same ring and spill file as a
 * Queue: messages of any size, exactly once and in each producer's order,
 * close for every process. Run once per start method: children get their
 * queue with mp_task_simple_queue(), through the same tasks as the queue
 * suite's (their argument's `simple`). */
#include <stdlib.h>
#include <string.h>

#include "queue_helpers.h"

/* A SimpleQueue with this ring (0: the default); asserted, NULL on failure. */
static mp_simple_queue_t *new_simple(size_t ring_size)
{
    mp_simple_queue_t *q = NULL;
    return EXPECT_RC(mp_simple_queue_create(&q, &(mp_simple_queue_opts_t){.ring_size = ring_size}),
                     0)
               ? q
               : NULL;
}

/* Take the next message and check it is `want` bytes of the pattern of
 * `seed`: first into a buffer one byte too small (MP_ETOOSMALL with the
 * length, the message kept), then with get_alloc; asserted. */
#define EXPECT_SIMPLE_GET(q, want, seed, timeout) \
    expect_simple_get((q), (want), (seed), (timeout), __FILE__, __LINE__)
static bool expect_simple_get(mp_simple_queue_t *q, size_t want, uint32_t seed, double timeout,
                              const char *file, int line)
{
    size_t len = 0;
    if (want > 0) {
        unsigned char small[16];
        int rc = mp_simple_queue_get(q, small, want - 1 < sizeof small ? want - 1 : sizeof small,
                                     &len, timeout);
        if (!check_true(rc == MP_ETOOSMALL && len == want, file, line,
                        "get of message %u into a small buffer: %s, length %zu (expected %zu)",
                        (unsigned)seed, mp_err_name(rc), len, want))
            return false;
    }
    void *data = NULL;
    /* After MP_ETOOSMALL the message is there: no wait. */
    int rc = mp_simple_queue_get_alloc(q, &data, &len, want > 0 ? 0 : timeout);
    if (!check_true(rc == 0, file, line, "get_alloc of message %u: %s; %s", (unsigned)seed,
                    mp_err_name(rc), mp_errdetail()))
        return false;
    bool ok = expect_pattern(data, len, want, seed, file, line);
    mp_free(data);
    return ok;
}

/* Checklist item 66, test_empty: after a child's two puts the parent sees
 * the queue not empty; it stays not empty until both are taken, in order. */
static void test_simple_empty_across_processes(void)
{
    mp_simple_queue_t *q = new_simple(0);
    if (!q)
        return;
    EXPECT_EQ(mp_simple_queue_is_empty(q), 1);
    queue_sizes_arg_t arg = {.simple = 1, .count = 2, .sizes = {3, 4}};
    mp_process_t *p = START_QUEUE_CHILD("task_queue_put_sizes", arg, q);
    if (queue_child_ok(p)) {
        EXPECT_EQ(mp_simple_queue_is_empty(q), 0);
        EXPECT_SIMPLE_GET(q, 3, 0, 0);
        EXPECT_EQ(mp_simple_queue_is_empty(q), 0);
        EXPECT_SIMPLE_GET(q, 4, 1, 0);
        EXPECT_EQ(mp_simple_queue_is_empty(q), 1);
    }
    dispose_process(p);
    mp_simple_queue_destroy(q);
}

/* Checklist item 66, test_close / test_closed: close twice is fine; on a
 * closed queue, used or never used, is_empty still answers; puts are
 * MP_ECLOSED; gets take what is left, then MP_EEOF at once. */
static void test_simple_close(void)
{
    mp_simple_queue_t *unused = new_simple(0), *used = new_simple(0);
    if (unused && used) {
        EXPECT_RC(mp_simple_queue_close(unused), 0);
        EXPECT_RC(mp_simple_queue_close(unused), 0);
        EXPECT_EQ(mp_simple_queue_is_empty(unused), 1);

        EXPECT_RC(mp_simple_queue_put(used, "ab", 2, 0), 0);
        EXPECT_RC(mp_simple_queue_close(used), 0);
        EXPECT_RC(mp_simple_queue_close(used), 0);
        EXPECT_EQ(mp_simple_queue_is_empty(used), 0);
        EXPECT_RC(mp_simple_queue_put(used, "c", 1, MP_FOREVER), MP_ECLOSED);
        char buf[4];
        size_t len = 0;
        if (EXPECT_RC(mp_simple_queue_get(used, buf, sizeof buf, &len, 0), 0) && EXPECT_EQ(len, 2))
            EXPECT(memcmp(buf, "ab", 2) == 0, "got \"%.2s\"", buf);
        EXPECT_EQ(mp_simple_queue_is_empty(used), 1);
        void *data = NULL;
        double t0 = now_s();
        EXPECT_RC(mp_simple_queue_get(used, buf, sizeof buf, &len, MP_FOREVER), MP_EEOF);
        EXPECT_RC(mp_simple_queue_get_alloc(unused, &data, &len, MP_FOREVER), MP_EEOF);
        EXPECT_IMMEDIATE(now_s() - t0);
    }
    mp_simple_queue_destroy(unused);
    mp_simple_queue_destroy(used);
}

/* A close in the parent reaches a child: one that puts after it fails with
 * MP_ECLOSED. */
static void test_simple_close_seen_by_child(void)
{
    mp_simple_queue_t *q = new_simple(0);
    if (!q || !EXPECT_RC(mp_simple_queue_close(q), 0)) {
        mp_simple_queue_destroy(q);
        return;
    }
    queue_sizes_arg_t arg = {.simple = 1, .count = 1, .sizes = {1}};
    mp_process_t *p = START_QUEUE_CHILD("task_queue_put_sizes", arg, q);
    EXPECT_RC(queue_child_error(p), MP_ECLOSED);
    dispose_process(p);
    mp_simple_queue_destroy(q);
}

/* The edge sizes of a 64 KiB ring (queue_helpers.h) from a child; each
 * whole, each kept by a get into a buffer too small first. */
static void test_simple_sizes(void)
{
    mp_simple_queue_t *q = new_simple(SMALL_RING);
    if (!q)
        return;
    mp_process_t *p = start_edge_putter(q, true);
    for (uint32_t i = 0; p && i < EDGE_COUNT; i++)
        if (!EXPECT_SIMPLE_GET(q, edge_sizes[i], i, QUEUE_WAIT_S))
            break;
    queue_child_ok(p);
    EXPECT_EQ(mp_simple_queue_is_empty(q), 1);
    dispose_process(p);
    mp_simple_queue_destroy(q);
}

/* The smallest ring fills: puts with timeout 0 end in MP_EFULL at once
 * (a SimpleQueue's only limit), with 0.2 after about 0.2 s; taking one
 * makes room again, and all come out in order. */
static void test_simple_ring_fills(void)
{
    mp_simple_queue_t *q = new_simple(MP_QUEUE_RING_MIN);
    if (!q)
        return;
    unsigned char msg[100];
    uint32_t n = fill_until_full(&(any_queue_t){.sq = q}, sizeof msg, MP_QUEUE_RING_MIN);
    queue_pattern_fill(msg, sizeof msg, n); /* the one more */
    double t0 = now_s();
    EXPECT_RC(mp_simple_queue_put(q, msg, sizeof msg, 0.2), MP_EFULL);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT_SIMPLE_GET(q, sizeof msg, 0, 0);
    EXPECT_RC(mp_simple_queue_put(q, msg, sizeof msg, 0), 0);
    for (uint32_t i = 1; i <= n; i++)
        if (!EXPECT_SIMPLE_GET(q, sizeof msg, i, 0))
            break;
    EXPECT_EQ(mp_simple_queue_is_empty(q), 1);
    mp_simple_queue_destroy(q);
}

/* 3 producers x 500 tagged messages (every 25th spilled) and 2 consumers,
 * all children: each message once, each producer's in order per consumer. */
static void test_simple_many_processes(void)
{
    enum { PRODUCERS = 3, PER_PRODUCER = 500, CONSUMERS = 2 };
    mp_simple_queue_t *q = new_simple(SMALL_RING);
    if (!q)
        return;
    mp_process_t *cons[CONSUMERS], *prod[PRODUCERS];
    queue_consume_arg_t carg = {.simple = 1};
    for (int i = 0; i < CONSUMERS; i++)
        cons[i] = START_QUEUE_CHILD("task_queue_consume", carg, q);
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        queue_produce_arg_t parg = {
            .simple = 1, .producer = i, .count = PER_PRODUCER, .big_every = 25, .big_size = 17000};
        prod[i] = START_QUEUE_CHILD("task_queue_produce", parg, q);
    }
    for (int i = 0; i < PRODUCERS; i++)
        queue_child_ok(prod[i]);
    EXPECT_RC(mp_simple_queue_close(q), 0);
    consumed_t c[CONSUMERS];
    bool ok = true;
    for (int i = 0; i < CONSUMERS; i++)
        ok = consumer_tags(cons[i], &c[i]) && ok;
    if (ok)
        expect_each_once_in_order(c, CONSUMERS, PRODUCERS, PER_PRODUCER);
    for (int i = 0; i < PRODUCERS; i++)
        dispose_process(prod[i]);
    for (int i = 0; i < CONSUMERS; i++)
        dispose_process(cons[i]);
    mp_simple_queue_destroy(q);
}

static const test_case_t tests[] = {
    {"empty_across_processes", test_simple_empty_across_processes, ON_ALL},
    {"close", test_simple_close, ON_ALL},
    {"close_seen_by_child", test_simple_close_seen_by_child, ON_ALL},
    {"sizes", test_simple_sizes, ON_ALL},
    {"ring_fills", test_simple_ring_fills, ON_ALL},
    {"many_processes", test_simple_many_processes, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_simple_queue = {"simple_queue", true, tests};
