/* SimpleQueue (Python's multiprocessing.SimpleQueue): the same ring as a
 * Queue, with only put, get, empty and close, and a kind of its own so
 * that a task fetches each with its own function. */
#include "mp_core.h"
#include "mp_queue_impl.h"

struct mp_simple_queue {
    mp__queue_object_t q;
};

int mp_simple_queue_create(mp_simple_queue_t **out, const mp_simple_queue_opts_t *opts)
{
    int rc = mp__require_init("SimpleQueue");
    if (rc < 0)
        return rc;
    mp__queue_options_t options = {0};
    if (opts) {
        options.ring_size = opts->ring_size;
        options.max_message = opts->max_message;
    }
    return mp__queue_object_create(&mp__kind_simple_queue, &options, "mp_simple_queue_create", out);
}

int mp_simple_queue_put(mp_simple_queue_t *q, const void *data, size_t len, double timeout)
{
    MP__QUEUE_OPEN(q, mp__kind_simple_queue, "mp_simple_queue_put");
    return mp__queue_object_put(&q->q, data, len, timeout, "mp_simple_queue_put");
}

int mp_simple_queue_get(mp_simple_queue_t *q, void *buf, size_t size, size_t *len, double timeout)
{
    MP__QUEUE_OPEN(q, mp__kind_simple_queue, "mp_simple_queue_get");
    return mp__queue_object_get_into(&q->q, buf, size, len, timeout, "mp_simple_queue_get");
}

int mp_simple_queue_get_alloc(mp_simple_queue_t *q, void **data, size_t *len, double timeout)
{
    MP__QUEUE_OPEN(q, mp__kind_simple_queue, "mp_simple_queue_get_alloc");
    return mp__queue_object_get_alloc(&q->q, data, len, timeout, "mp_simple_queue_get_alloc");
}

int mp_simple_queue_is_empty(mp_simple_queue_t *q)
{
    MP__QUEUE_OPEN(q, mp__kind_simple_queue, "mp_simple_queue_is_empty");
    return mp__queue_object_is_empty(&q->q);
}

int mp_simple_queue_close(mp_simple_queue_t *q)
{
    MP__QUEUE_OPEN(q, mp__kind_simple_queue, "mp_simple_queue_close");
    mp__queue_object_close(&q->q);
    return 0;
}

void mp_simple_queue_destroy(mp_simple_queue_t *q)
{
    mp__object_destroy_handle(q, &mp__kind_simple_queue);
}

const mp__kind_t mp__kind_simple_queue = {
    .name = "SimpleQueue",
    .id = 13,
    .size = sizeof(mp_simple_queue_t),
    .share = mp__queue_object_share,
    .attach = mp__queue_object_attach,
    .release = mp__queue_object_release,
};

int mp_task_simple_queue(const mp_task_t *task, size_t index, mp_simple_queue_t **out)
{
    return mp__task_object(task, index, &mp__kind_simple_queue, out);
}
