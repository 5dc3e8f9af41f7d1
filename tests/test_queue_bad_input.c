/* Suite "queue_bad_input": bad input to every function of queue.h (Queue,
 * JoinableQueue, SimpleQueue). No call aborts or crashes, each gets its
 * documented code, and a refused call changes nothing: the queue still
 * holds what it held and still works. A destroyed handle is safe to pass
 * (MP_ECLOSED), even once new queues were made after it. Run once per start
 * method, since the getters of a task run in a child and a child enforces
 * the creator's max_message. (Before mp_init(): before_init.c.) */
#include <math.h>
#include <string.h>

#include "queue_helpers.h"

/* The bad timeouts of every call (MP_FOREVER's rule in types.h). */
static const double bad_timeouts[] = {-1.0, -0.001, -MP_FOREVER, NAN};
enum { BAD_TIMEOUTS = sizeof bad_timeouts / sizeof bad_timeouts[0] };

/* Where the calls below write what they would return; the getters' out
 * pointers start NULL, and a refused call must leave them so. */
typedef struct outs {
    char buf[8];
    size_t len;
    void *data;
    int64_t i;
    double d;
    char *s;
} outs_t;

/* Every function on a Queue handle that answers `want` for it (NULL, a
 * destroyed handle, a handle of another kind): each is named when it
 * fails. The handle is not destroyed here. */
static void expect_queue_calls(mp_queue_t *q, int want)
{
    outs_t o = {.data = NULL, .s = NULL};
    mp_sentinel_t sentinel;
    mp_queue_stats_t stats;
    EXPECT_RC(mp_queue_put(q, "x", 1, 0), want);
    EXPECT_RC(mp_queue_get(q, o.buf, sizeof o.buf, &o.len, 0), want);
    EXPECT_RC(mp_queue_get_alloc(q, &o.data, &o.len, 0), want);
    EXPECT_RC(mp_queue_put_i64(q, 1, 0), want);
    EXPECT_RC(mp_queue_put_double(q, 1.0, 0), want);
    EXPECT_RC(mp_queue_put_str(q, "x", 0), want);
    EXPECT_RC(mp_queue_get_i64(q, &o.i, 0), want);
    EXPECT_RC(mp_queue_get_double(q, &o.d, 0), want);
    EXPECT_RC(mp_queue_get_str(q, &o.s, 0), want);
    EXPECT_RC(mp_queue_qsize(q), want);
    EXPECT_RC(mp_queue_is_empty(q), want);
    EXPECT_RC(mp_queue_is_full(q), want);
    EXPECT_RC(mp_queue_close(q), want);
    EXPECT_RC(mp_queue_is_closed(q), want);
    EXPECT_RC(mp_queue_task_done(q), want);
    EXPECT_RC(mp_queue_join(q, 0), want);
    EXPECT_RC(mp_queue_unfinished(q), want);
    EXPECT_RC(mp_queue_sentinel(q, &sentinel), want);
    EXPECT_RC(mp_queue_stats(q, &stats), want);
    EXPECT(o.data == NULL && o.s == NULL, "a refused get wrote its out-pointer");
}

/* The same for a SimpleQueue handle. */
static void expect_simple_calls(mp_simple_queue_t *q, int want)
{
    char buf[8];
    size_t len;
    void *data = NULL;
    EXPECT_RC(mp_simple_queue_put(q, "x", 1, 0), want);
    EXPECT_RC(mp_simple_queue_get(q, buf, sizeof buf, &len, 0), want);
    EXPECT_RC(mp_simple_queue_get_alloc(q, &data, &len, 0), want);
    EXPECT_RC(mp_simple_queue_is_empty(q), want);
    EXPECT_RC(mp_simple_queue_close(q), want);
    EXPECT(data == NULL, "a refused get_alloc wrote its out-pointer");
}

/* A queue holding one message, "abc": it must still be there, whole (the
 * refused calls before took nothing and put nothing); asserted. */
#define EXPECT_STILL_ABC(q) expect_still_abc((q), __FILE__, __LINE__)
static void expect_still_abc(mp_queue_t *q, const char *file, int line)
{
    char buf[8];
    size_t len = 0;
    int n = mp_queue_qsize(q);
    int rc = mp_queue_get(q, buf, sizeof buf, &len, 0);
    check_true(n == 1 && rc == 0 && len == 3 && memcmp(buf, "abc", 3) == 0, file, line,
               "qsize %d, get %s with %zu bytes: the queue did not hold exactly \"abc\"", n,
               mp_err_name(rc), len);
}

/* ---- NULL ------------------------------------------------------------------ */

/* Every function with a NULL handle; the constructors with a NULL out. */
static void test_queue_null_handles(void)
{
    EXPECT_RC(mp_queue_create(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_joinable_queue_create(NULL, &(mp_queue_opts_t){.maxsize = 1}), MP_EINVAL);
    EXPECT_RC(mp_simple_queue_create(NULL, NULL), MP_EINVAL);
    expect_queue_calls(NULL, MP_EINVAL);
    expect_simple_calls(NULL, MP_EINVAL);
    mp_queue_destroy(NULL); /* NULL-safe */
    mp_simple_queue_destroy(NULL);
}

/* NULL pointers other than the handle, on live queues holding a message:
 * refused, and the message is still there. NULL data with length 0 is an
 * empty message, not an error. */
static void test_queue_null_pointers(void)
{
    mp_queue_t *q = NULL;
    mp_simple_queue_t *sq = NULL;
    if (!EXPECT_RC(mp_queue_create(&q, NULL), 0) ||
        !EXPECT_RC(mp_simple_queue_create(&sq, NULL), 0))
        goto out;
    char buf[8];
    size_t len = 0;
    void *data = NULL;
    EXPECT_RC(mp_queue_put(q, "abc", 3, 0), 0);
    EXPECT_RC(mp_queue_put(q, NULL, 5, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_put_str(q, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get(q, buf, sizeof buf, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get(q, NULL, sizeof buf, &len, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get_alloc(q, NULL, &len, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get_alloc(q, &data, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get_i64(q, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get_double(q, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get_str(q, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_sentinel(q, NULL), MP_EINVAL);
    EXPECT_RC(mp_queue_stats(q, NULL), MP_EINVAL);
    EXPECT(data == NULL, "a refused get_alloc wrote its out-pointer");
    EXPECT_STILL_ABC(q);
    EXPECT_RC(mp_queue_put(q, NULL, 0, 0), 0);
    len = 99;
    EXPECT_RC(mp_queue_get(q, NULL, 0, &len, 0), 0);
    EXPECT_EQ(len, 0);

    EXPECT_RC(mp_simple_queue_put(sq, "abc", 3, 0), 0);
    EXPECT_RC(mp_simple_queue_put(sq, NULL, 5, 0), MP_EINVAL);
    EXPECT_RC(mp_simple_queue_get(sq, buf, sizeof buf, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_simple_queue_get(sq, NULL, sizeof buf, &len, 0), MP_EINVAL);
    EXPECT_RC(mp_simple_queue_get_alloc(sq, NULL, &len, 0), MP_EINVAL);
    EXPECT_RC(mp_simple_queue_get_alloc(sq, &data, NULL, 0), MP_EINVAL);
    if (EXPECT_RC(mp_simple_queue_get(sq, buf, sizeof buf, &len, 0), 0) && EXPECT_EQ(len, 3))
        EXPECT(memcmp(buf, "abc", 3) == 0, "got \"%.3s\"", buf);
    EXPECT_EQ(mp_simple_queue_is_empty(sq), 1);
out:
    mp_queue_destroy(q);
    mp_simple_queue_destroy(sq);
}

/* ---- options ------------------------------------------------------------------- */

/* A negative maxsize and a ring over MP_QUEUE_RING_MAX are refused, by every
 * constructor, and write no handle; a ring of 1 byte is rounded up to the
 * smallest, and works (a message longer than its quarter spills). */
static void test_queue_bad_options(void)
{
    mp_queue_t *q = NULL;
    mp_simple_queue_t *sq = NULL;
    static const int64_t bad_maxsizes[] = {-1, INT64_MIN};
    for (size_t i = 0; i < 2; i++) {
        mp_queue_opts_t opts = {.maxsize = bad_maxsizes[i]};
        EXPECT_RC(mp_queue_create(&q, &opts), MP_EINVAL);
        EXPECT_RC(mp_joinable_queue_create(&q, &opts), MP_EINVAL);
    }
    static const size_t bad_rings[] = {MP_QUEUE_RING_MAX + 1, MP_QUEUE_RING_MAX * 2, SIZE_MAX};
    for (size_t i = 0; i < 3; i++) {
        EXPECT_RC(mp_queue_create(&q, &(mp_queue_opts_t){.ring_size = bad_rings[i]}), MP_EINVAL);
        EXPECT_RC(mp_joinable_queue_create(&q, &(mp_queue_opts_t){.ring_size = bad_rings[i]}),
                  MP_EINVAL);
        EXPECT_RC(mp_simple_queue_create(&sq, &(mp_simple_queue_opts_t){.ring_size = bad_rings[i]}),
                  MP_EINVAL);
    }
    EXPECT(q == NULL && sq == NULL, "a refused create wrote a handle");

    enum { LONG = MP_QUEUE_RING_MIN / 4 + 100 };
    static unsigned char msg[LONG];
    queue_pattern_fill(msg, LONG, 3);
    if (EXPECT_RC(mp_queue_create(&q, &(mp_queue_opts_t){.ring_size = 1}), 0)) {
        EXPECT_RC(mp_queue_put(q, msg, LONG, 0), 0);
        void *data = NULL;
        size_t len = 0;
        if (EXPECT_RC(mp_queue_get_alloc(q, &data, &len, 0), 0))
            EXPECT_PATTERN(data, len, LONG, 3);
        mp_free(data);
        mp_queue_stats_t s = {0};
        EXPECT_RC(mp_queue_stats(q, &s), 0);
        EXPECT_EQ(s.spilled, 1);
        mp_queue_destroy(q);
    }
}

/* A message longer than max_message is MP_EMSGSIZE, and nothing is lost:
 * the message before and after it come out, in order; at the limit it goes
 * through (spilled, from a small ring), and a child is held to the
 * creator's limit too. The same for a SimpleQueue. */
static void test_queue_max_message(void)
{
    enum { MAX = 3000 };
    static unsigned char msg[MAX + 1];
    queue_pattern_fill(msg, sizeof msg, 0);
    mp_queue_t *q = NULL;
    mp_simple_queue_t *sq = NULL;
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_queue_create(
                       &q, &(mp_queue_opts_t){.ring_size = MP_QUEUE_RING_MIN, .max_message = MAX}),
                   0) ||
        !EXPECT_RC(mp_simple_queue_create(&sq, &(mp_simple_queue_opts_t){.max_message = MAX}), 0))
        goto out;
    EXPECT_RC(mp_queue_put(q, msg, 5, 0), 0);
    EXPECT_RC(mp_queue_put(q, msg, MAX + 1, MP_FOREVER), MP_EMSGSIZE);
    EXPECT_RC(mp_queue_put(q, msg, SIZE_MAX, 0), MP_EMSGSIZE);
    EXPECT_RC(mp_queue_put(q, msg, MAX, 0), 0);
    EXPECT_EQ(mp_queue_qsize(q), 2);
    void *data = NULL;
    size_t len = 0;
    for (int i = 0; i < 2; i++) {
        if (EXPECT_RC(mp_queue_get_alloc(q, &data, &len, 0), 0))
            EXPECT_PATTERN(data, len, i ? MAX : 5, 0);
        mp_free(data);
    }
    queue_sizes_arg_t arg = {.count = 1, .sizes = {MAX + 1}};
    p = START_QUEUE_CHILD("task_queue_put_sizes", arg, q);
    EXPECT_RC(queue_child_error(p), MP_EMSGSIZE);
    EXPECT_EQ(mp_queue_is_empty(q), 1);

    EXPECT_RC(mp_simple_queue_put(sq, msg, MAX + 1, 0), MP_EMSGSIZE);
    EXPECT_RC(mp_simple_queue_put(sq, msg, MAX, 0), 0);
    if (EXPECT_RC(mp_simple_queue_get_alloc(sq, &data, &len, 0), 0))
        EXPECT_PATTERN(data, len, MAX, 0);
    mp_free(data);
out:
    dispose_process(p);
    mp_queue_destroy(q);
    mp_simple_queue_destroy(sq);
}

/* ---- timeouts ------------------------------------------------------------------ */

/* Negative and NaN timeouts are MP_EINVAL, at once, for every call that
 * waits; nothing is put and nothing taken. */
static void test_queue_bad_timeouts(void)
{
    mp_queue_t *q = NULL;
    mp_simple_queue_t *sq = NULL;
    if (!EXPECT_RC(mp_joinable_queue_create(&q, NULL), 0) ||
        !EXPECT_RC(mp_simple_queue_create(&sq, NULL), 0) ||
        !EXPECT_RC(mp_queue_put(q, "abc", 3, 0), 0))
        goto out;
    outs_t o = {.data = NULL, .s = NULL};
    double t0 = now_s();
    for (size_t k = 0; k < BAD_TIMEOUTS; k++) {
        double t = bad_timeouts[k];
        EXPECT_RC(mp_queue_put(q, "x", 1, t), MP_EINVAL);
        EXPECT_RC(mp_queue_put_i64(q, 1, t), MP_EINVAL);
        EXPECT_RC(mp_queue_put_double(q, 1.0, t), MP_EINVAL);
        EXPECT_RC(mp_queue_put_str(q, "x", t), MP_EINVAL);
        EXPECT_RC(mp_queue_get(q, o.buf, sizeof o.buf, &o.len, t), MP_EINVAL);
        EXPECT_RC(mp_queue_get_alloc(q, &o.data, &o.len, t), MP_EINVAL);
        EXPECT_RC(mp_queue_get_i64(q, &o.i, t), MP_EINVAL);
        EXPECT_RC(mp_queue_get_double(q, &o.d, t), MP_EINVAL);
        EXPECT_RC(mp_queue_get_str(q, &o.s, t), MP_EINVAL);
        EXPECT_RC(mp_queue_join(q, t), MP_EINVAL);
        EXPECT_RC(mp_simple_queue_put(sq, "x", 1, t), MP_EINVAL);
        EXPECT_RC(mp_simple_queue_get(sq, o.buf, sizeof o.buf, &o.len, t), MP_EINVAL);
        EXPECT_RC(mp_simple_queue_get_alloc(sq, &o.data, &o.len, t), MP_EINVAL);
    }
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT(o.data == NULL && o.s == NULL, "a refused get wrote its out-pointer");
    EXPECT_EQ(mp_queue_unfinished(q), 1);
    EXPECT_STILL_ABC(q);
    EXPECT_EQ(mp_simple_queue_is_empty(sq), 1);
out:
    mp_queue_destroy(q);
    mp_simple_queue_destroy(sq);
}

/* ---- handles that are not (or no longer) queues ---------------------------------- */

/* A destroyed handle answers MP_ECLOSED to every call, even after new
 * queues were made (which may reuse its memory), and destroying it again is
 * harmless; the new queues are untouched and work. A JoinableQueue, so that
 * task_done and join are about the handle, not the kind. */
static void test_queue_destroyed_handles(void)
{
    enum { NEW = 4 };
    mp_queue_t *q = NULL, *fresh[NEW] = {NULL};
    mp_simple_queue_t *sq = NULL, *sfresh[NEW] = {NULL};
    if (!EXPECT_RC(mp_joinable_queue_create(&q, NULL), 0) ||
        !EXPECT_RC(mp_simple_queue_create(&sq, NULL), 0)) {
        mp_queue_destroy(q);
        return;
    }
    mp_sentinel_t sentinel;
    EXPECT_RC(mp_queue_sentinel(q, &sentinel), 0); /* its watcher goes with the handle */
    EXPECT_RC(mp_queue_put(q, "abc", 3, 0), 0);
    EXPECT_RC(mp_simple_queue_put(sq, "abc", 3, 0), 0);
    mp_queue_destroy(q);
    mp_simple_queue_destroy(sq);
    for (int i = 0; i < NEW; i++) {
        EXPECT_RC(mp_joinable_queue_create(&fresh[i], NULL), 0);
        EXPECT_RC(mp_simple_queue_create(&sfresh[i], NULL), 0);
    }
    expect_queue_calls(q, MP_ECLOSED);
    expect_simple_calls(sq, MP_ECLOSED);
    mp_queue_destroy(q); /* again: harmless */
    mp_simple_queue_destroy(sq);
    for (int i = 0; i < NEW; i++) {
        if (fresh[i]) {
            EXPECT_EQ(mp_queue_is_empty(fresh[i]), 1);
            EXPECT_EQ(mp_queue_unfinished(fresh[i]), 0);
            EXPECT_RC(mp_queue_put(fresh[i], "abc", 3, 0), 0);
            EXPECT_STILL_ABC(fresh[i]);
        }
        if (sfresh[i]) {
            EXPECT_EQ(mp_simple_queue_is_empty(sfresh[i]), 1);
            EXPECT_RC(mp_simple_queue_put(sfresh[i], "x", 1, 0), 0);
            EXPECT_EQ(mp_simple_queue_is_empty(sfresh[i]), 0);
        }
        mp_queue_destroy(fresh[i]);
        mp_simple_queue_destroy(sfresh[i]);
    }
}

/* A handle of another kind is MP_EINVAL to every call: a lock, a
 * SimpleQueue as a Queue and a Queue as a SimpleQueue; each object is
 * unharmed afterwards. */
static void test_queue_wrong_kind(void)
{
    mp_lock_t *lock = NULL;
    mp_queue_t *q = NULL;
    mp_simple_queue_t *sq = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) || !EXPECT_RC(mp_queue_create(&q, NULL), 0) ||
        !EXPECT_RC(mp_simple_queue_create(&sq, NULL), 0))
        goto out;
    EXPECT_RC(mp_queue_put(q, "abc", 3, 0), 0);
    expect_queue_calls((mp_queue_t *)lock, MP_EINVAL);
    expect_queue_calls((mp_queue_t *)sq, MP_EINVAL);
    expect_simple_calls((mp_simple_queue_t *)lock, MP_EINVAL);
    expect_simple_calls((mp_simple_queue_t *)q, MP_EINVAL);
    EXPECT_RC(mp_lock_acquire(lock, 0), 0);
    EXPECT_RC(mp_lock_release(lock), 0);
    EXPECT_STILL_ABC(q);
    EXPECT_EQ(mp_queue_is_closed(q), 0);
    EXPECT_EQ(mp_simple_queue_is_empty(sq), 1);
    EXPECT_RC(mp_simple_queue_put(sq, "x", 1, 0), 0); /* not closed by the refused close */
out:
    mp_lock_destroy(lock);
    mp_queue_destroy(q);
    mp_simple_queue_destroy(sq);
}

/* ---- the typed getters' checks --------------------------------------------------- */

/* get_i64 and get_double refuse a message that is not 8 bytes and leave it
 * in the queue; get_str refuses one that does not end in its only NUL (no
 * NUL, a NUL inside, empty) and drops it; what a typed put made comes out. */
static void test_queue_typed_mismatch(void)
{
    mp_queue_t *q = NULL;
    if (!EXPECT_RC(mp_queue_create(&q, NULL), 0))
        return;
    int64_t i = 0;
    double d = 0;
    char *s = NULL;
    EXPECT_RC(mp_queue_put(q, "abc", 3, 0), 0);
    EXPECT_RC(mp_queue_get_i64(q, &i, 0), MP_EINVAL);
    EXPECT_RC(mp_queue_get_double(q, &d, 0), MP_EINVAL);
    EXPECT_STILL_ABC(q);
    EXPECT_RC(mp_queue_get_i64(q, &i, 0), MP_EEMPTY);

    EXPECT_RC(mp_queue_put(q, "abc", 3, 0), 0);     /* no NUL */
    EXPECT_RC(mp_queue_put(q, "ab\0cd", 6, 0), 0);  /* a NUL inside */
    EXPECT_RC(mp_queue_put(q, NULL, 0, 0), 0);      /* nothing */
    EXPECT_RC(mp_queue_put(q, "abcdefg", 8, 0), 0); /* 8 bytes, NUL-ended */
    EXPECT_RC(mp_queue_put_str(q, "", 0), 0);       /* the empty string */
    for (int k = 0; k < 3; k++) {
        EXPECT_RC(mp_queue_get_str(q, &s, 0), MP_EINVAL);
        EXPECT(s == NULL, "a refused get_str wrote its out-pointer");
    }
    EXPECT_EQ(mp_queue_qsize(q), 2); /* the three were dropped */
    if (EXPECT_RC(mp_queue_get_str(q, &s, 0), 0))
        EXPECT_STR(s, "abcdefg");
    mp_free(s);
    s = NULL;
    if (EXPECT_RC(mp_queue_get_str(q, &s, 0), 0))
        EXPECT_STR(s, "");
    mp_free(s);
    EXPECT_EQ(mp_queue_is_empty(q), 1);
    mp_queue_destroy(q);
}

/* mp_task_queue() and mp_task_simple_queue() in a child: each takes only
 * its own kind (a SimpleQueue is not a Queue, nor the other way round, nor
 * a lock either), at a valid index, with non-NULL pointers. */
static void test_queue_task_getters(void)
{
    mp_lock_t *lock = NULL;
    mp_queue_t *q = NULL;
    mp_simple_queue_t *sq = NULL;
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) || !EXPECT_RC(mp_queue_create(&q, NULL), 0) ||
        !EXPECT_RC(mp_simple_queue_create(&sq, NULL), 0))
        goto out;
    p = start_process(
        &(mp_process_opts_t){.task = "task_queue_getter_checks", MP_OBJECTS(q, sq, lock)});
    const void *data = NULL;
    size_t len = 0;
    if (queue_child_ok(p) && queue_child_result(p, &data, &len))
        EXPECT(len == 1, "checks that failed in the child: %.*s", (int)len, (const char *)data);
out:
    dispose_process(p);
    mp_lock_destroy(lock);
    mp_queue_destroy(q);
    mp_simple_queue_destroy(sq);
}

static const test_case_t tests[] = {
    {"null_handles", test_queue_null_handles, ON_ALL},
    {"null_pointers", test_queue_null_pointers, ON_ALL},
    {"bad_options", test_queue_bad_options, ON_ALL},
    {"max_message", test_queue_max_message, ON_ALL},
    {"bad_timeouts", test_queue_bad_timeouts, ON_ALL},
    {"destroyed_handles", test_queue_destroyed_handles, ON_ALL},
    {"wrong_kind", test_queue_wrong_kind, ON_ALL},
    {"typed_mismatch", test_queue_typed_mismatch, ON_ALL},
    {"task_getters", test_queue_task_getters, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_queue_bad_input = {"queue_bad_input", true, tests};
