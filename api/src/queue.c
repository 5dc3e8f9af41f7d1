/* Queue and JoinableQueue (Python's multiprocessing.Queue and
 * JoinableQueue): one kind, whose handle says whether it counts tasks. */
#include <string.h>

#include "mp_core.h"
#include "mp_queue_impl.h"

struct mp_queue {
    mp__queue_object_t q;
};

static int create(mp_queue_t **out, const mp_queue_opts_t *opts, bool joinable, const char *fn)
{
    int rc = mp__require_init(joinable ? "JoinableQueue" : "Queue");
    if (rc < 0)
        return rc;
    mp_queue_opts_t zero = {0};
    if (!opts)
        opts = &zero;
    mp__queue_options_t options = {.maxsize = opts->maxsize,
                                   .ring_size = opts->ring_size,
                                   .max_message = opts->max_message,
                                   .joinable = joinable};
    return mp__queue_object_create(&mp__kind_queue, &options, fn, out);
}

int mp_queue_create(mp_queue_t **out, const mp_queue_opts_t *opts)
{
    return create(out, opts, false, "mp_queue_create");
}

int mp_joinable_queue_create(mp_queue_t **out, const mp_queue_opts_t *opts)
{
    return create(out, opts, true, "mp_joinable_queue_create");
}

int mp_queue_put(mp_queue_t *q, const void *data, size_t len, double timeout)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_put");
    return mp__queue_object_put(&q->q, data, len, timeout, "mp_queue_put");
}

int mp_queue_get(mp_queue_t *q, void *buf, size_t size, size_t *len, double timeout)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_get");
    return mp__queue_object_get_into(&q->q, buf, size, len, timeout, "mp_queue_get");
}

int mp_queue_get_alloc(mp_queue_t *q, void **data, size_t *len, double timeout)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_get_alloc");
    return mp__queue_object_get_alloc(&q->q, data, len, timeout, "mp_queue_get_alloc");
}

/* ---- typed helpers ------------------------------------------------------ */

int mp_queue_put_i64(mp_queue_t *q, int64_t value, double timeout)
{
    return mp_queue_put(q, &value, sizeof value, timeout);
}

int mp_queue_put_double(mp_queue_t *q, double value, double timeout)
{
    return mp_queue_put(q, &value, sizeof value, timeout);
}

int mp_queue_put_str(mp_queue_t *q, const char *value, double timeout)
{
    if (!value)
        return mp__errdetail_set(MP_EINVAL, "mp_queue_put_str: NULL string");
    return mp_queue_put(q, value, strlen(value) + 1, timeout);
}

/* A get of exactly `size` bytes into `out`: another length stays queued. */
static int get_fixed(mp_queue_t *q, void *out, size_t size, double timeout, const char *fn)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, fn);
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    mp__ring_sink_t sink = {.buf = out, .size = size, .exact_len = size};
    return mp__queue_object_get(&q->q, &sink, timeout, fn);
}

int mp_queue_get_i64(mp_queue_t *q, int64_t *out, double timeout)
{
    return get_fixed(q, out, sizeof *out, timeout, "mp_queue_get_i64");
}

int mp_queue_get_double(mp_queue_t *q, double *out, double timeout)
{
    return get_fixed(q, out, sizeof *out, timeout, "mp_queue_get_double");
}

int mp_queue_get_str(mp_queue_t *q, char **out, double timeout)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_queue_get_str: NULL out");
    void *data;
    size_t len;
    int rc = mp_queue_get_alloc(q, &data, &len, timeout);
    if (rc < 0)
        return rc;
    if (len == 0 || memchr(data, '\0', len) != (char *)data + len - 1) {
        mp_free(data);
        return mp__errdetail_set(MP_EINVAL,
                                 "mp_queue_get_str: the message (%zu bytes) is not one string "
                                 "with its NUL; it was taken and dropped",
                                 len);
    }
    *out = data;
    return 0;
}

/* ---- state -------------------------------------------------------------- */

int mp_queue_qsize(mp_queue_t *q)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_qsize");
    return mp__ring_count(&q->q.ring);
}

int mp_queue_is_empty(mp_queue_t *q)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_is_empty");
    return mp__queue_object_is_empty(&q->q);
}

int mp_queue_is_full(mp_queue_t *q)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_is_full");
    return mp__ring_is_full(&q->q.ring);
}

int mp_queue_close(mp_queue_t *q)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_close");
    mp__queue_object_close(&q->q);
    return 0;
}

int mp_queue_is_closed(mp_queue_t *q)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_is_closed");
    return mp__ring_is_closed(&q->q.ring);
}

int mp_queue_stats(mp_queue_t *q, mp_queue_stats_t *out)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_stats");
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_queue_stats: NULL out");
    mp__ring_stats(&q->q.ring, out);
    return 0;
}

int mp_queue_sentinel(mp_queue_t *q, mp_sentinel_t *out)
{
    MP__QUEUE_OPEN(q, mp__kind_queue, "mp_queue_sentinel");
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_queue_sentinel: NULL out");
    return mp__queue_watch_sentinel(&q->q, out);
}

/* ---- JoinableQueue ------------------------------------------------------- */

/* Open a JoinableQueue: a plain Queue has no tasks to count. */
static int open_joinable(mp_queue_t **q, const char *fn)
{
    int rc = mp__object_open(q, &mp__kind_queue, fn);
    if (rc == 0 && !(*q)->q.ring.joinable)
        rc = mp__errdetail_set(MP_EINVAL, "%s: a Queue, not a JoinableQueue", fn);
    return rc;
}

int mp_queue_task_done(mp_queue_t *q)
{
    int rc = open_joinable(&q, "mp_queue_task_done");
    return rc < 0 ? rc : mp__ring_task_done(&q->q.ring);
}

int mp_queue_join(mp_queue_t *q, double timeout)
{
    int rc = open_joinable(&q, "mp_queue_join");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_queue_join");
    return rc < 0 ? rc : mp__ring_join(&q->q.ring, timeout);
}

int mp_queue_unfinished(mp_queue_t *q)
{
    int rc = open_joinable(&q, "mp_queue_unfinished");
    return rc < 0 ? rc : (int)mp__ring_unfinished(&q->q.ring);
}

void mp_queue_destroy(mp_queue_t *q)
{
    mp__object_destroy_handle(q, &mp__kind_queue);
}

const mp__kind_t mp__kind_queue = {
    .name = "Queue",
    .id = 12,
    .size = sizeof(mp_queue_t),
    .share = mp__queue_object_share,
    .attach = mp__queue_object_attach,
    .release = mp__queue_object_release,
};

int mp_task_queue(const mp_task_t *task, size_t index, mp_queue_t **out)
{
    return mp__task_object(task, index, &mp__kind_queue, out);
}
