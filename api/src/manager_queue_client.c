/* The proxy functions of a manager's Queue and JoinableQueue. */
#include <stdarg.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

#define JOINABLE MP__MGR_BIT(MP__MGR_JOINABLE_QUEUE)

/* A maxsize travels as an int64. */
static int new_queue(mp_manager_t *m, const char *type, const char *fn, size_t maxsize,
                     mp_proxy_t **out)
{
    if ((uint64_t)maxsize > INT64_MAX)
        return mp__errdetail_set(MP_EINVAL, "%s: maxsize %zu is too large", fn, maxsize);
    return mp__mnew_ints(m, type, fn, out, 1, (int64_t)maxsize, 0);
}

int mp_manager_queue(mp_manager_t *m, size_t maxsize, mp_proxy_t **out)
{
    return new_queue(m, "Queue", "mp_manager_queue", maxsize, out);
}

int mp_manager_joinable_queue(mp_manager_t *m, size_t maxsize, mp_proxy_t **out)
{
    return new_queue(m, "JoinableQueue", "mp_manager_joinable_queue", maxsize, out);
}

int mp_mqueue_put(mp_proxy_t *q, const mp_var_t *item, double timeout)
{
    mp_var_t *args = NULL;
    int rc = mp__mcheck_out(item, "mp_mqueue_put", "item");
    if (rc == 0)
        rc = mp_var_pack(&args, "[v]", item);
    if (rc == 0)
        rc = mp__proxy_call(q, MP__MGR_QUEUES, "mp_mqueue_put", "put", args, timeout, NULL);
    mp_var_free(args);
    return rc;
}

int mp_mqueue_get(mp_proxy_t *q, mp_var_t **out, double timeout)
{
    int rc = mp__mcheck_out(out, "mp_mqueue_get", "out");
    return rc < 0 ? rc
                  : mp__proxy_call(q, MP__MGR_QUEUES, "mp_mqueue_get", "get", NULL, timeout, out);
}

int mp_mqueue_putf(mp_proxy_t *q, double timeout, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__mcall_sendf(q, mp_mqueue_put, timeout, "mp_mqueue_putf", fmt, ap);
    va_end(ap);
    return rc;
}

int mp_mqueue_getf(mp_proxy_t *q, double timeout, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__mcall_recvf(q, mp_mqueue_get, timeout, "mp_mqueue_getf", fmt, ap);
    va_end(ap);
    return rc;
}

int mp_mqueue_qsize(mp_proxy_t *q)
{
    return mp__mcall_count(q, MP__MGR_QUEUES, "mp_mqueue_qsize", "qsize");
}

int mp_mqueue_is_empty(mp_proxy_t *q)
{
    return mp__mcall_count(q, MP__MGR_QUEUES, "mp_mqueue_is_empty", "empty");
}

int mp_mqueue_is_full(mp_proxy_t *q)
{
    return mp__mcall_count(q, MP__MGR_QUEUES, "mp_mqueue_is_full", "full");
}

int mp_mqueue_task_done(mp_proxy_t *q)
{
    return mp__mcall_ints(q, JOINABLE, "mp_mqueue_task_done", "task_done", MP_FOREVER, 0, 0, 0);
}

int mp_mqueue_join(mp_proxy_t *q, double timeout)
{
    return mp__mcall_ints(q, JOINABLE, "mp_mqueue_join", "join", timeout, 0, 0, 0);
}
