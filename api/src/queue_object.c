/* The object behind every queue handle: its constructor's checks, the
 * checks every put and get makes, and how it is described for a child (the
 * ring's shape, the block and the spill file). */
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_queue_impl.h"

/* The shape a child is given: the handle's own copy of the ring's sizes,
 * never read back from the shared block. */
typedef struct queue_description {
    uint64_t ring_size;
    uint64_t max_message;
    uint32_t maxsize;
    uint8_t joinable;
} queue_description_t;

/* Round up to a power of two, within the ring's bounds; 0 for too large. */
static uint64_t ring_size_of(size_t asked)
{
    if (asked == 0)
        return MP_QUEUE_RING_DEFAULT;
    if (asked > MP_QUEUE_RING_MAX)
        return 0;
    uint64_t size = MP_QUEUE_RING_MIN;
    while (size < asked)
        size <<= 1;
    return size;
}

static bool shape_is_valid(const mp__ring_shape_t *shape)
{
    return shape->size >= MP_QUEUE_RING_MIN && shape->size <= MP_QUEUE_RING_MAX &&
           (shape->size & (shape->size - 1)) == 0 && shape->max_message > 0 &&
           shape->max_message <= MP_QUEUE_MAX_MESSAGE_DEFAULT * (uint64_t)4;
}

int mp__queue_object_create(const mp__kind_t *kind, const mp__queue_options_t *options,
                            const char *fn, void *out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    if (options->maxsize < 0)
        return mp__errdetail_set(MP_EINVAL, "%s: maxsize %lld is negative", fn,
                                 (long long)options->maxsize);
    mp__ring_shape_t shape = {
        .size = ring_size_of(options->ring_size),
        /* More than a ring can hold is no limit at all. */
        .maxsize = options->maxsize > UINT32_MAX ? 0 : (uint32_t)options->maxsize,
        .max_message = options->max_message ? options->max_message : MP_QUEUE_MAX_MESSAGE_DEFAULT,
        .joinable = options->joinable,
    };
    if (!shape.size)
        return mp__errdetail_set(MP_EINVAL, "%s: ring_size %zu is over MP_QUEUE_RING_MAX", fn,
                                 options->ring_size);
    if (shape.max_message > MP_QUEUE_MAX_MESSAGE_DEFAULT * (uint64_t)4)
        return mp__errdetail_set(MP_EINVAL, "%s: max_message %zu is over 4 GiB", fn,
                                 options->max_message);
    mp__object_t *obj;
    int rc = mp__object_new(kind, &obj);
    if (rc < 0)
        return rc;
    mp__queue_object_t *q = (mp__queue_object_t *)obj;
    if ((rc = mp__ring_create(&q->ring, &shape)) < 0) {
        mp__object_destroy(obj);
        return rc;
    }
    memcpy(out, &obj->handle, sizeof obj->handle);
    return 0;
}

int mp__queue_object_put(mp__queue_object_t *q, const void *data, size_t len, double timeout,
                         const char *fn)
{
    if (!data && len > 0)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL data with %zu bytes", fn, len);
    int rc = mp__timeout_check(timeout, fn);
    if (rc < 0)
        return rc;
    if (len > q->ring.max_message)
        return mp__errdetail_set(MP_EMSGSIZE, "%s: a %zu-byte message is over the queue's %llu", fn,
                                 len, (unsigned long long)q->ring.max_message);
    if ((rc = mp__ring_put(&q->ring, data, len, timeout)) == 0)
        mp__queue_watch_update(q);
    return rc;
}

int mp__queue_object_get(mp__queue_object_t *q, mp__ring_sink_t *sink, double timeout,
                         const char *fn)
{
    int rc = mp__timeout_check(timeout, fn);
    if (rc == 0 && (rc = mp__ring_get(&q->ring, sink, timeout)) == 0)
        mp__queue_watch_update(q);
    return rc;
}

void mp__queue_object_close(mp__queue_object_t *q)
{
    mp__ring_close(&q->ring);
    mp__queue_watch_update(q);
}

int mp__queue_object_is_empty(mp__queue_object_t *q)
{
    int n = mp__ring_count(&q->ring);
    return n < 0 ? n : n == 0;
}

int mp__queue_object_get_into(mp__queue_object_t *q, void *buf, size_t size, size_t *len,
                              double timeout, const char *fn)
{
    if (!len || (!buf && size > 0))
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, len ? "buf" : "len");
    /* A NULL buffer of size 0 still means "into the caller's buffer": any
     * message longer than 0 bytes is MP_ETOOSMALL. */
    static char no_room;
    mp__ring_sink_t sink = {.buf = buf ? buf : &no_room, .size = size};
    int rc = mp__queue_object_get(q, &sink, timeout, fn);
    if (rc == 0 || rc == MP_ETOOSMALL)
        *len = sink.len;
    return rc;
}

int mp__queue_object_get_alloc(mp__queue_object_t *q, void **data, size_t *len, double timeout,
                               const char *fn)
{
    if (!data || !len)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, data ? "len" : "data");
    mp__ring_sink_t sink = {0};
    int rc = mp__queue_object_get(q, &sink, timeout, fn);
    if (rc == 0) {
        *data = sink.got;
        *len = sink.len;
    }
    return rc;
}

int mp__queue_object_share(mp__object_t *obj, mp__share_t *out)
{
    mp__queue_object_t *q = (mp__queue_object_t *)obj;
    mp__ring_shape_t shape = mp__ring_shape(&q->ring);
    queue_description_t d = {.ring_size = shape.size,
                             .max_message = shape.max_message,
                             .maxsize = shape.maxsize,
                             .joinable = shape.joinable};
    int rc = mp__buf_append(&out->bytes, &d, sizeof d);
    if (rc < 0)
        return rc;
    out->handles[out->nhandles++] = mp__os_shm_handle(q->ring.block);
    out->handles[out->nhandles++] = mp__os_spill_handle(q->ring.spill);
    return 0;
}

int mp__queue_object_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                            const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    queue_description_t d;
    if (len != sizeof d || nhandles != 2)
        return MP_EBOOTSTRAP;
    memcpy(&d, bytes, sizeof d);
    mp__ring_shape_t shape = {.size = d.ring_size,
                              .maxsize = d.maxsize,
                              .max_message = d.max_message,
                              .joinable = d.joinable != 0};
    if (!shape_is_valid(&shape))
        return MP_EBOOTSTRAP;
    mp__object_t *obj;
    int rc = mp__object_new(kind, &obj);
    if (rc < 0)
        return rc;
    mp__queue_object_t *q = (mp__queue_object_t *)obj;
    if ((rc = mp__ring_attach(&q->ring, &shape, handles[0], handles[1])) < 0) {
        mp__object_destroy(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

void mp__queue_object_release(mp__object_t *obj)
{
    mp__queue_object_t *q = (mp__queue_object_t *)obj;
    mp__queue_watch_stop(q);
    mp__ring_release(&q->ring);
}
