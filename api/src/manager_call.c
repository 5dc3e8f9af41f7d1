/* A call running in the server (mp_manager.h, mp_mgr.h): its arguments,
 * its outcome, and the waits of methods that block (a lock's acquire, a
 * queue's get) under the server's one lock. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mp_mgr.h"

/* A waiting method looks at its client this often: a client killed while
 * it waits must not leave the method holding what it waited for. */
#define WAIT_SLICE 0.05

const mp_var_t *mp_manager_call_args(const mp_manager_call_t *call)
{
    return call ? call->args : NULL;
}

int mp_manager_call_return(mp_manager_call_t *call, mp_var_t *result)
{
    if (!call) {
        mp_var_free(result);
        return mp__errdetail_set(MP_EINVAL, "mp_manager_call_return: NULL call");
    }
    mp_var_free(call->result);
    call->result = result;
    return 0;
}

int mp_manager_call_fail(mp_manager_call_t *call, int code, const char *fmt, ...)
{
    if (code >= 0)
        code = MP_EREMOTE;
    if (!call || !fmt)
        return code;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *message = need >= 0 ? malloc((size_t)need + 1) : NULL;
    if (message) {
        va_start(ap, fmt);
        vsnprintf(message, (size_t)need + 1, fmt, ap);
        va_end(ap);
        free(call->message);
        call->message = message;
    }
    return code;
}

void mp__mgr_call_release(mp_manager_call_t *call)
{
    mp_var_free(call->result);
    free(call->message);
    call->result = NULL;
    call->message = NULL;
}

int mp__mgr_call_wait(mp_manager_call_t *call, double deadline)
{
    mp__mgr_server_t *s = call->client->server;
    if (atomic_load(&s->stopping))
        return MP_ESHUTDOWN;
    double left = mp__time_left(deadline);
    if (left <= 0)
        return MP_ETIMEDOUT;
    double slice = left < WAIT_SLICE ? left : WAIT_SLICE;
    apr_thread_cond_timedwait(s->cond, s->mutex, (apr_interval_time_t)(slice * 1e6) + 1);
    if (atomic_load(&s->stopping))
        return MP_ESHUTDOWN;
    /* A client has one call in flight: anything readable on its
     * connection (end-of-file, or a request it had no right to send yet)
     * means it is no longer waiting for this one. */
    return mp__mgr_call_gone(call) == MP_EEOF ? MP_EEOF : 0;
}

int mp__mgr_call_gone(mp_manager_call_t *call)
{
    if (atomic_load(&call->client->server->stopping))
        return MP_ESHUTDOWN;
    /* As in mp__mgr_call_wait(): only this call's thread reads the
     * connection, so polling it needs no lock. */
    return mp_connection_poll(call->client->conn, 0) != 0 ? MP_EEOF : 0;
}

int mp__mgr_call_unlocked(mp_manager_call_t *call, int (*fn)(void *arg), void *arg)
{
    apr_thread_mutex_t *mutex = call->client->server->mutex;
    apr_thread_mutex_unlock(mutex);
    int rc = fn(arg);
    apr_thread_mutex_lock(mutex);
    return rc;
}

void mp__mgr_call_notify(mp_manager_call_t *call)
{
    apr_thread_cond_broadcast(call->client->server->cond);
}

double mp__mgr_call_deadline(const mp_manager_call_t *call)
{
    return call->deadline;
}

uint64_t mp__mgr_call_client(const mp_manager_call_t *call)
{
    return call->client->id;
}

int mp__mgr_call_object(mp_manager_call_t *call, const mp_var_t *ref, const mp_manager_type_t *type,
                        void **self)
{
    uint64_t id;
    const char *name;
    if (mp__var_ref_get(ref, &id, &name) < 0)
        return mp__errdetail_set(MP_EINVAL, "expected a reference to a %s, got a %s", type->name,
                                 mp_var_type_name(mp_var_type(ref)));
    const mp__mgr_server_t *s = call->client->server;
    if (id == 0 || id > s->nobjects || s->objects[id - 1].type != type)
        return mp__errdetail_set(MP_EINVAL, "no %s with id %llu on this server", type->name,
                                 (unsigned long long)id);
    *self = s->objects[id - 1].self;
    return 0;
}
