/* Event in a manager's server: a flag, and a count of the set() calls so
 * that a waiter woken by a set() returns then, even if a clear() came
 * before it looked (Python's Event.wait returns the flag as it finds it). */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

typedef struct mevent {
    bool flag;
    uint64_t sets; /**< how many set() calls: a waiter watches it change */
} mevent_t;

static int event_create(void **self, mp_manager_call_t *call)
{
    (void)call; /* no arguments */
    mevent_t *e = calloc(1, sizeof *e);
    if (!e)
        return MP_ENOMEM;
    *self = e;
    return 0;
}

static int m_set(void *self, mp_manager_call_t *call)
{
    mevent_t *e = self;
    e->flag = true;
    e->sets++;
    mp__mgr_call_notify(call);
    return 0;
}

static int m_clear(void *self, mp_manager_call_t *call)
{
    (void)call;
    ((mevent_t *)self)->flag = false;
    return 0;
}

static int m_is_set(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_bool(call, ((mevent_t *)self)->flag);
}

static int m_wait(void *self, mp_manager_call_t *call)
{
    mevent_t *e = self;
    double deadline = mp__mgr_call_deadline(call);
    uint64_t seen = e->sets;
    int rc = 0;
    while (!e->flag && e->sets == seen && rc == 0)
        rc = mp__mgr_call_wait(call, deadline);
    if (rc == MP_EEOF || rc == MP_ESHUTDOWN)
        return mp__mwait_failed(call, rc, "wait");
    return e->flag ? 0 : mp_manager_call_fail(call, MP_ETIMEDOUT, "the event is not set");
}

static const mp_manager_method_t methods[] = {
    MP_METHOD("set", m_set),
    MP_METHOD("clear", m_clear),
    MP_METHOD("is_set", m_is_set),
    MP_METHOD("wait", m_wait),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_event = {"Event", event_create, free, methods};
