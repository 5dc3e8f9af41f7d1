/* Queue and JoinableQueue in a manager's server: a ring of values with an
 * optional maxsize, guarded by the server's lock; a JoinableQueue also
 * counts the items put and not yet marked done. */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

typedef struct mqueue {
    mp_var_t **items; /**< a ring: `n` items from `head` */
    size_t head, n, cap;
    int64_t maxsize;    /**< 0: no limit */
    int64_t unfinished; /**< JoinableQueue: put and not yet done */
} mqueue_t;

static int queue_create(void **self, mp_manager_call_t *call)
{
    int64_t maxsize = 0;
    int rc = mp__marg_int(call, 0, "Queue", &maxsize);
    if (rc < 0)
        return rc;
    if (maxsize < 0)
        return mp_manager_call_fail(call, MP_EINVAL, "Queue: negative maxsize");
    mqueue_t *q = calloc(1, sizeof *q);
    if (!q)
        return MP_ENOMEM;
    q->maxsize = maxsize;
    *self = q;
    return 0;
}

static void queue_destroy(void *self)
{
    mqueue_t *q = self;
    for (size_t i = 0; i < q->n; i++)
        mp_var_free(q->items[(q->head + i) % q->cap]);
    free(q->items);
    free(q);
}

static bool is_full(const mqueue_t *q)
{
    return q->maxsize > 0 && (int64_t)q->n >= q->maxsize;
}

/* Room for one more item: the ring doubles, unrolled from `head`. */
static int grow(mqueue_t *q)
{
    if (q->n < q->cap)
        return 0;
    size_t cap = q->cap ? 2 * q->cap : 16;
    mp_var_t **items = malloc(cap * sizeof *items);
    if (!items)
        return MP_ENOMEM;
    for (size_t i = 0; i < q->n; i++)
        items[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = items;
    q->head = 0;
    q->cap = cap;
    return 0;
}

static int m_put(void *self, mp_manager_call_t *call)
{
    mqueue_t *q = self;
    const mp_var_t *item = NULL;
    int rc = mp__marg_var(call, 0, "put", &item);
    double deadline = mp__mgr_call_deadline(call);
    while (rc == 0 && is_full(q))
        rc = mp__mgr_call_wait(call, deadline);
    if (rc == MP_ETIMEDOUT)
        return mp_manager_call_fail(call, MP_EFULL, "the queue is full");
    if (rc == MP_EEOF || rc == MP_ESHUTDOWN)
        return mp__mwait_failed(call, rc, "put");
    mp_var_t *copy = NULL;
    if (rc < 0 || (rc = mp_var_copy(&copy, item)) < 0 || (rc = grow(q)) < 0) {
        mp_var_free(copy);
        return rc == MP_ENOMEM ? mp_manager_call_fail(call, rc, "out of memory for the item") : rc;
    }
    q->items[(q->head + q->n++) % q->cap] = copy;
    q->unfinished++;
    mp__mgr_call_notify(call);
    return 0;
}

static int m_get(void *self, mp_manager_call_t *call)
{
    mqueue_t *q = self;
    double deadline = mp__mgr_call_deadline(call);
    int rc = 0;
    while (rc == 0 && q->n == 0)
        rc = mp__mgr_call_wait(call, deadline);
    if (rc == MP_ETIMEDOUT)
        return mp_manager_call_fail(call, MP_EEMPTY, "the queue is empty");
    if (rc < 0) /* hung up: the item stays for the next get */
        return mp__mwait_failed(call, rc, "get");
    mp_var_t *item = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    mp__mgr_call_notify(call);
    return mp_manager_call_return(call, item);
}

static int m_qsize(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_int(call, (int64_t)((mqueue_t *)self)->n);
}

static int m_empty(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_bool(call, ((mqueue_t *)self)->n == 0);
}

static int m_full(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_bool(call, is_full(self));
}

static int m_task_done(void *self, mp_manager_call_t *call)
{
    mqueue_t *q = self;
    if (q->unfinished <= 0)
        return mp_manager_call_fail(call, MP_EINVAL, "task_done() called too many times");
    if (--q->unfinished == 0)
        mp__mgr_call_notify(call);
    return 0;
}

static int m_join(void *self, mp_manager_call_t *call)
{
    mqueue_t *q = self;
    double deadline = mp__mgr_call_deadline(call);
    int rc = 0;
    while (rc == 0 && q->unfinished > 0)
        rc = mp__mgr_call_wait(call, deadline);
    if (rc == MP_ETIMEDOUT)
        return mp_manager_call_fail(call, rc, "%lld tasks are not done", (long long)q->unfinished);
    return rc < 0 ? mp__mwait_failed(call, rc, "join") : 0;
}

#define QUEUE_METHODS                                                              \
    MP_METHOD("put", m_put), MP_METHOD("get", m_get), MP_METHOD("qsize", m_qsize), \
        MP_METHOD("empty", m_empty), MP_METHOD("full", m_full)

static const mp_manager_method_t queue_methods[] = {QUEUE_METHODS, MP_METHOD_END};
static const mp_manager_method_t joinable_methods[] = {
    QUEUE_METHODS, MP_METHOD("task_done", m_task_done), MP_METHOD("join", m_join), MP_METHOD_END};

const mp_manager_type_t mp__mgr_type_queue = {"Queue", queue_create, queue_destroy, queue_methods};
const mp_manager_type_t mp__mgr_type_joinable_queue = {"JoinableQueue", queue_create, queue_destroy,
                                                       joinable_methods};
