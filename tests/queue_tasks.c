/* The tasks of the queue suites: a putter of given sizes, a producer of
 * tagged messages, a consumer that checks and reports what it took, a typed
 * echo, and mp_task_queue()'s refusals; and the message contents parent and
 * child both build and check. Like every task they never assert: they
 * report what the calls returned (result bytes, exit code, or
 * mp_task_fail()'s message) and the test in the parent judges. */
#include "queue_tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h" /* sleep_s */

/* ---- message contents --------------------------------------------------- */

void queue_pattern_fill(unsigned char *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = queue_pattern_byte(seed, i);
}

size_t queue_pattern_mismatch(const unsigned char *buf, size_t len, uint32_t seed, size_t from)
{
    for (size_t i = from; i < len; i++)
        if (buf[i] != queue_pattern_byte(seed, i))
            return i;
    return len;
}

void queue_tag_fill(unsigned char *buf, size_t len, queue_tag_t tag)
{
    queue_pattern_fill(buf, len, queue_tag_seed(tag));
    memcpy(buf, &tag, sizeof tag);
}

bool queue_tag_check(const unsigned char *buf, size_t len, queue_tag_t *tag, size_t *bad_at)
{
    *bad_at = 0;
    if (len < sizeof *tag)
        return false;
    memcpy(tag, buf, sizeof *tag);
    *bad_at = queue_pattern_mismatch(buf, len, queue_tag_seed(*tag), sizeof *tag);
    return *bad_at == len;
}

/* ---- either kind of queue -------------------------------------------------- */

int any_put(const any_queue_t *a, const void *data, size_t len, double timeout)
{
    return a->sq ? mp_simple_queue_put(a->sq, data, len, timeout)
                 : mp_queue_put(a->q, data, len, timeout);
}

int any_get(const any_queue_t *a, void *buf, size_t size, size_t *len, double timeout)
{
    return a->sq ? mp_simple_queue_get(a->sq, buf, size, len, timeout)
                 : mp_queue_get(a->q, buf, size, len, timeout);
}

int any_get_alloc(const any_queue_t *a, void **data, size_t *len, double timeout)
{
    return a->sq ? mp_simple_queue_get_alloc(a->sq, data, len, timeout)
                 : mp_queue_get_alloc(a->q, data, len, timeout);
}

/* ---- child-side helpers --------------------------------------------------- */

/* Object `index` as a Queue, or the task's failure. */
static int get_queue(mp_task_t *t, size_t index, mp_queue_t **q)
{
    int rc = mp_task_queue(t, index, q);
    return rc < 0 ? mp_task_fail(t, rc, "mp_task_queue(%zu): %s", index, mp_errdetail()) : 0;
}

/* Object 0 as a SimpleQueue when `simple`, else as a Queue; or the task's
 * failure. */
static int get_any_queue(mp_task_t *t, int32_t simple, any_queue_t *out)
{
    *out = (any_queue_t){NULL, NULL};
    int rc = simple ? mp_task_simple_queue(t, 0, &out->sq) : mp_task_queue(t, 0, &out->q);
    return rc < 0 ? mp_task_fail(t, rc, "object 0 (%s): %s", simple ? "SimpleQueue" : "Queue",
                                 mp_errdetail())
                  : 0;
}

/* A buffer of `size` bytes (at least 1), or the task's failure. */
static int alloc_buffer(mp_task_t *t, size_t size, unsigned char **out)
{
    *out = malloc(size ? size : 1);
    return *out ? 0 : mp_task_fail(t, MP_ENOMEM, "cannot allocate %zu bytes", size);
}

/* ---- the tasks ------------------------------------------------------------ */

/* After arg.delay seconds, puts one message per size (message i the pattern
 * of seed i) to the queue at object 0, then lingers arg.linger seconds
 * (queue_sizes_arg_t). */
int task_queue_put_sizes(mp_task_t *t)
{
    queue_sizes_arg_t arg;
    any_queue_t a;
    int rc = task_arg_struct(t, &arg, sizeof arg, "queue_sizes_arg_t");
    if (rc < 0 || (rc = get_any_queue(t, arg.simple, &a)) < 0)
        return rc;
    if (arg.count > QUEUE_SIZES_MAX)
        return mp_task_fail(t, MP_EINVAL, "%u sizes", (unsigned)arg.count);
    sleep_s(arg.delay);
    for (uint32_t i = 0; i < arg.count; i++) {
        size_t size = (size_t)arg.sizes[i];
        unsigned char *buf;
        if ((rc = alloc_buffer(t, size, &buf)) < 0)
            return rc;
        queue_pattern_fill(buf, size, i);
        rc = any_put(&a, buf, size, QUEUE_CHILD_WAIT_S);
        free(buf);
        if (rc < 0)
            return mp_task_fail(t, rc, "put of message %u (%zu bytes): %s", (unsigned)i, size,
                                mp_errdetail());
    }
    sleep_s(arg.linger);
    return 0;
}

/* Puts arg.count tagged messages of producer arg.producer, in sequence, to
 * the queue at object 0 (queue_produce_arg_t). */
int task_queue_produce(mp_task_t *t)
{
    queue_produce_arg_t arg;
    any_queue_t a;
    int rc = task_arg_struct(t, &arg, sizeof arg, "queue_produce_arg_t");
    if (rc < 0 || (rc = get_any_queue(t, arg.simple, &a)) < 0)
        return rc;
    size_t most = QUEUE_SMALL_MAX;
    if (arg.big_every && arg.big_size > most)
        most = (size_t)arg.big_size;
    unsigned char *buf;
    if ((rc = alloc_buffer(t, most, &buf)) < 0)
        return rc;
    for (uint32_t seq = 0; seq < arg.count; seq++) {
        size_t len = queue_produce_size(&arg, seq);
        queue_tag_fill(buf, len, (queue_tag_t){arg.producer, seq});
        if ((rc = any_put(&a, buf, len, QUEUE_CHILD_WAIT_S)) < 0) {
            free(buf);
            return mp_task_fail(t, rc, "put of %u:%u (%zu bytes): %s", (unsigned)arg.producer,
                                (unsigned)seq, len, mp_errdetail());
        }
    }
    free(buf);
    return 0;
}

/* Takes one message into `small` (its size is `small_size`), or, when it
 * is longer, into memory of the library's (`*heap`, for mp_free()).
 * Another consumer may take the long one first: then this takes whatever
 * comes next, which is as good. */
static int take_one(const any_queue_t *a, unsigned char *small, size_t small_size, void **heap,
                    const unsigned char **data, size_t *len)
{
    *heap = NULL;
    *data = small;
    int rc = any_get(a, small, small_size, len, QUEUE_CHILD_WAIT_S);
    if (rc != MP_ETOOSMALL)
        return rc;
    rc = any_get_alloc(a, heap, len, QUEUE_CHILD_WAIT_S);
    *data = *heap;
    return rc;
}

/* Takes tagged messages from the queue at object 0 until it is closed and
 * empty, or arg.limit of them; checks each (tag and pattern); calls
 * mp_queue_task_done() after each when arg.task_done. Returns the packed
 * tags as uint32s in the order taken (queue_consume_arg_t). */
int task_queue_consume(mp_task_t *t)
{
    queue_consume_arg_t arg;
    any_queue_t a;
    int rc = task_arg_struct(t, &arg, sizeof arg, "queue_consume_arg_t");
    if (rc < 0 || (rc = get_any_queue(t, arg.simple, &a)) < 0)
        return rc;
    uint32_t *tags = malloc(QUEUE_CONSUME_MAX * sizeof *tags);
    if (!tags)
        return mp_task_fail(t, MP_ENOMEM, "no memory for the tags");
    size_t n = 0;
    unsigned char small[256]; /* the small messages; the big ones are allocated */
    while (!arg.limit || n < arg.limit) {
        void *heap;
        const unsigned char *data;
        size_t len = 0;
        rc = take_one(&a, small, sizeof small, &heap, &data, &len);
        if (rc == MP_EEOF && !arg.limit)
            break;
        if (rc < 0) {
            free(tags);
            return mp_task_fail(t, rc, "get of message %zu: %s", n, mp_errdetail());
        }
        queue_tag_t tag = {0, 0};
        size_t bad_at;
        bool ok = queue_tag_check(data, len, &tag, &bad_at);
        mp_free(heap);
        if (!ok || n == QUEUE_CONSUME_MAX) {
            free(tags);
            return mp_task_fail(t, MP_EINVAL,
                                "message %zu (%zu bytes, tag %u:%u) wrong at byte %zu "
                                "(or more than %d messages)",
                                n, len, (unsigned)tag.producer, (unsigned)tag.seq, bad_at,
                                QUEUE_CONSUME_MAX);
        }
        tags[n++] = queue_tag_pack(tag);
        if (arg.task_done && (rc = mp_queue_task_done(a.q)) < 0) {
            free(tags);
            return mp_task_fail(t, rc, "task_done after message %zu: %s", n, mp_errdetail());
        }
    }
    rc = mp_task_return(t, tags, n * sizeof *tags);
    free(tags);
    return rc;
}

/* For each of its int64 argument's rounds, takes an int64, a double and a
 * string from the Queue at object 0 and puts QUEUE_ECHO_I64(),
 * QUEUE_ECHO_DOUBLE() and the string with QUEUE_ECHO_SUFFIX to the Queue at
 * object 1, with the typed helpers on both sides. */
int task_queue_typed_echo(mp_task_t *t)
{
    int64_t rounds;
    mp_queue_t *in, *out;
    int rc = mp_task_arg_i64(t, &rounds);
    if (rc < 0 || (rc = get_queue(t, 0, &in)) < 0 || (rc = get_queue(t, 1, &out)) < 0)
        return rc;
    for (int64_t r = 0; r < rounds; r++) {
        int64_t i = 0;
        double d = 0;
        char *s = NULL;
        if ((rc = mp_queue_get_i64(in, &i, QUEUE_CHILD_WAIT_S)) < 0 ||
            (rc = mp_queue_put_i64(out, QUEUE_ECHO_I64(i), QUEUE_CHILD_WAIT_S)) < 0 ||
            (rc = mp_queue_get_double(in, &d, QUEUE_CHILD_WAIT_S)) < 0 ||
            (rc = mp_queue_put_double(out, QUEUE_ECHO_DOUBLE(d), QUEUE_CHILD_WAIT_S)) < 0 ||
            (rc = mp_queue_get_str(in, &s, QUEUE_CHILD_WAIT_S)) < 0)
            return mp_task_fail(t, rc, "round %lld: %s", (long long)r, mp_errdetail());
        size_t n = strlen(s) + sizeof QUEUE_ECHO_SUFFIX;
        char *echo = malloc(n);
        if (echo)
            snprintf(echo, n, "%s%s", s, QUEUE_ECHO_SUFFIX);
        mp_free(s);
        if (!echo)
            return mp_task_fail(t, MP_ENOMEM, "round %lld: %zu bytes", (long long)r, n);
        rc = mp_queue_put_str(out, echo, QUEUE_CHILD_WAIT_S);
        free(echo);
        if (rc < 0)
            return mp_task_fail(t, rc, "round %lld, string: %s", (long long)r, mp_errdetail());
    }
    return 0;
}

/* Append "<what> gave <code>;" to `failed` when `got` is not `want`. */
static void note_check(char *failed, size_t size, int got, int want, const char *what)
{
    size_t used = strlen(failed);
    if (got != want)
        snprintf(failed + used, size - used, "%s gave %s;", what, mp_err_name(got));
}

/* mp_task_queue() and mp_task_simple_queue() on each kind: object 0 is a
 * Queue, object 1 a SimpleQueue, object 2 a lock. Returns the checks that
 * did not give the documented result, "" when all did. */
int task_queue_getter_checks(mp_task_t *t)
{
    char failed[512] = "";
    mp_queue_t *q = NULL;
    mp_simple_queue_t *sq = NULL;
#define CHECK(expr, want) note_check(failed, sizeof failed, (expr), (want), #expr)
    CHECK(mp_task_queue(t, 0, &q), 0);
    CHECK(mp_queue_is_empty(q), 1);
    CHECK(mp_task_simple_queue(t, 1, &sq), 0);
    CHECK(mp_simple_queue_is_empty(sq), 1);
    CHECK(mp_task_queue(t, 1, &q), MP_EINVAL);
    CHECK(mp_task_simple_queue(t, 0, &sq), MP_EINVAL);
    CHECK(mp_task_queue(t, 2, &q), MP_EINVAL);
    CHECK(mp_task_simple_queue(t, 2, &sq), MP_EINVAL);
    CHECK(mp_task_queue(t, 3, &q), MP_EINVAL);
    CHECK(mp_task_simple_queue(t, SIZE_MAX, &sq), MP_EINVAL);
    CHECK(mp_task_queue(t, 0, NULL), MP_EINVAL);
    CHECK(mp_task_simple_queue(t, 1, NULL), MP_EINVAL);
    CHECK(mp_task_queue(NULL, 0, &q), MP_EINVAL);
    CHECK(mp_task_simple_queue(NULL, 1, &sq), MP_EINVAL);
#undef CHECK
    return mp_task_return_str(t, failed);
}

/* Checklist item 7: put "child", then start a grandchild with the same
 * queue (inherited, passed on) that puts "grandchild". Argument: 1 in the
 * child, 0 in the grandchild. */
int task_queue_nested(mp_task_t *t)
{
    mp_queue_t *q;
    int64_t depth;
    int rc = mp_task_queue(t, 0, &q);
    if (rc == 0)
        rc = mp_task_arg_i64(t, &depth);
    if (rc == 0)
        rc = mp_queue_put_str(q, depth > 0 ? "child" : "grandchild", QUEUE_CHILD_WAIT_S);
    if (rc < 0 || depth <= 0)
        return rc < 0 ? mp_task_fail(t, rc, "%s", mp_errdetail()) : 0;
    mp_process_t *p = NULL;
    int code = -1;
    rc = mp_process_create(
        &p, &(mp_process_opts_t){.task = "task_queue_nested", MP_ARG_I64(0), MP_OBJECTS(q)});
    if (rc == 0)
        rc = mp_process_start(p);
    if (rc == 0)
        rc = mp_process_join(p, QUEUE_CHILD_WAIT_S);
    if (rc == 0)
        rc = mp_process_exitcode(p, &code);
    mp_process_destroy(p);
    if (rc < 0)
        return mp_task_fail(t, rc, "grandchild: %s", mp_errdetail());
    return code == 0 ? 0 : mp_task_fail(t, MP_ECHILD, "the grandchild exited with %d", code);
}
