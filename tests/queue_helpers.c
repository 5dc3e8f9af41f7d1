/* Parent-side helpers of the queue suites (queue_helpers.h). */
#include "queue_helpers.h"

#include <stdlib.h>
#include <string.h>

const size_t edge_sizes[EDGE_COUNT] = {
    0, 1, 7, 8, SMALL_RING / 4 - 8, SMALL_RING / 4 + 1, (size_t)3 << 20};

mp_process_t *start_edge_putter(void *queue, bool simple)
{
    queue_sizes_arg_t arg = {.simple = simple, .count = EDGE_COUNT};
    for (size_t i = 0; i < EDGE_COUNT; i++)
        arg.sizes[i] = edge_sizes[i];
    return START_QUEUE_CHILD("task_queue_put_sizes", arg, queue);
}

mp_process_t *start_queue_child(const char *task, const void *arg, size_t len, void *queue)
{
    return start_process(
        &(mp_process_opts_t){.task = task, .arg = arg, .arg_len = len, MP_OBJECTS(queue)});
}

/* The child's own error code and message, for a failure's explanation. */
static int child_error(mp_process_t *p, const char **message)
{
    int code = 0;
    *message = "";
    if (mp_process_error(p, &code, message) < 0)
        *message = "(no error recorded)";
    return code;
}

bool queue_child_ok(mp_process_t *p)
{
    if (!p || !EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
        return false;
    const char *message;
    int code = child_error(p, &message);
    int exitcode = exitcode_of(p);
    return EXPECT(exitcode == 0 && code == 0, "child exit code %d, task code %s: %s", exitcode,
                  mp_err_name(code), message);
}

bool queue_child_result(mp_process_t *p, const void **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    return EXPECT_RC(mp_process_result(p, data, len), 0);
}

int queue_child_error(mp_process_t *p)
{
    if (!p || !EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
        return INT32_MIN;
    const char *message;
    int code = child_error(p, &message);
    return EXPECT(code < 0, "the child succeeded (exit code %d)", exitcode_of(p)) ? code
                                                                                  : INT32_MIN;
}

bool expect_pattern(const void *data, size_t len, size_t want, uint32_t seed, const char *file,
                    int line)
{
    if (!check_true(len == want, file, line, "message %u is %zu bytes, expected %zu",
                    (unsigned)seed, len, want))
        return false;
    if (!check_true(data != NULL, file, line, "message %u: NULL data", (unsigned)seed))
        return false;
    size_t at = queue_pattern_mismatch(data, len, seed, 0);
    return check_true(at == len, file, line, "message %u: byte %zu of %zu is 0x%02x, put 0x%02x",
                      (unsigned)seed, at, len, at < len ? ((const unsigned char *)data)[at] : 0,
                      at < len ? queue_pattern_byte(seed, at) : 0);
}

bool expect_tag(const void *data, size_t len, uint32_t producer, uint32_t seq, const char *file,
                int line)
{
    queue_tag_t tag = {0, 0};
    size_t bad_at = 0;
    bool ok = data && queue_tag_check(data, len, &tag, &bad_at);
    return check_true(ok && tag.producer == producer && tag.seq == seq, file, line,
                      "message of %zu bytes is %u:%u (pattern %s at byte %zu), expected %u:%u", len,
                      (unsigned)tag.producer, (unsigned)tag.seq, ok ? "right" : "wrong", bad_at,
                      (unsigned)producer, (unsigned)seq);
}

bool put_tagged(mp_queue_t *q, uint32_t first, uint32_t count, double timeout)
{
    unsigned char buf[QUEUE_SMALL_MAX];
    for (uint32_t seq = first; seq < first + count; seq++) {
        queue_tag_fill(buf, sizeof buf, (queue_tag_t){0, seq});
        if (!EXPECT_RC(mp_queue_put(q, buf, sizeof buf, timeout), 0))
            return false;
    }
    return true;
}

bool expect_get_tag(mp_queue_t *q, uint32_t seq, double timeout, const char *file, int line)
{
    void *data = NULL;
    size_t len = 0;
    int rc = mp_queue_get_alloc(q, &data, &len, timeout);
    bool ok = check_true(rc == 0, file, line, "get_alloc of 0:%u returned %s; %s", (unsigned)seq,
                         mp_err_name(rc), mp_errdetail()) &&
              expect_tag(data, len, 0, seq, file, line);
    if (rc == 0)
        mp_free(data);
    return ok;
}

uint32_t fill_until_full(const any_queue_t *a, size_t size, size_t ring_size)
{
    unsigned char *msg = malloc(size ? size : 1);
    if (!EXPECT(msg != NULL, "no memory"))
        return 0;
    uint32_t n = 0;
    int rc = 0;
    while (n < ring_size / 8) { /* a bound, should EFULL never come */
        queue_pattern_fill(msg, size, n);
        if ((rc = any_put(a, msg, size, 0)) != 0)
            break;
        n++;
    }
    free(msg);
    EXPECT_RC(rc, MP_EFULL);
    EXPECT(n > 0 && n * size < ring_size, "%u messages of %zu bytes fit a ring of %zu", (unsigned)n,
           size, ring_size);
    return n;
}

bool sentinel_ready(mp_sentinel_t s)
{
    return mp_wait(&s, 1, 0, NULL) == 1;
}

bool wait_sentinel_state(mp_sentinel_t s, bool ready, double timeout)
{
    double deadline = now_s() + timeout;
    while (sentinel_ready(s) != ready) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.002);
    }
    return true;
}

bool consumer_tags(mp_process_t *p, consumed_t *out)
{
    const void *data;
    size_t len;
    out->tags = NULL;
    out->count = 0;
    if (!queue_child_ok(p) || !queue_child_result(p, &data, &len) ||
        !EXPECT(len % sizeof(uint32_t) == 0, "a result of %zu bytes", len))
        return false;
    out->tags = data;
    out->count = len / sizeof(uint32_t);
    return true;
}

bool expect_each_once_in_order(const consumed_t *c, size_t n, uint32_t producers,
                               uint32_t per_producer)
{
    size_t total = (size_t)producers * per_producer;
    unsigned char *seen = calloc(total ? total : 1, 1);
    int64_t *last = malloc(producers * sizeof *last); /* per producer, in one consumer */
    if (!EXPECT(seen && last, "no memory for %zu tags", total)) {
        free(seen);
        free(last);
        return false;
    }
    size_t taken = 0, unknown = 0, twice = 0, out_of_order = 0;
    for (size_t i = 0; i < n; i++) {
        for (uint32_t p = 0; p < producers; p++)
            last[p] = -1;
        for (size_t k = 0; k < c[i].count; k++) {
            uint32_t producer = c[i].tags[k] >> 24, seq = c[i].tags[k] & 0xffffffu;
            taken++;
            if (producer >= producers || seq >= per_producer) {
                unknown++;
                continue;
            }
            twice += seen[(size_t)producer * per_producer + seq]++ > 0;
            out_of_order += (int64_t)seq <= last[producer];
            last[producer] = seq;
        }
    }
    size_t missing = 0;
    for (size_t i = 0; i < total; i++)
        missing += seen[i] == 0;
    free(seen);
    free(last);
    return EXPECT(taken == total && !unknown && !twice && !missing && !out_of_order,
                  "%zu messages taken of %zu put: %zu unknown, %zu twice, %zu missing, %zu out of "
                  "their producer's order",
                  taken, total, unknown, twice, missing, out_of_order);
}
