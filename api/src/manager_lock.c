/* Lock and RLock in a manager's server. Both are one mp__mlock_t, which a
 * Condition also uses (its own RLock or a shared one): the server's one
 * lock guards it, and a waiter sleeps in mp__mgr_call_wait(). A Lock has
 * no owner that matters (any client may release it, as in Python); an
 * RLock's owner is the client (one proxy connection) that took it. */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

bool mp__mlock_owned(const mp__mlock_t *l, const mp_manager_call_t *call)
{
    if (!l->recursive)
        return l->depth > 0;
    return l->depth > 0 && l->owner == mp__mgr_call_client(call);
}

int mp__mlock_take(mp__mlock_t *l, mp_manager_call_t *call, double deadline, unsigned depth)
{
    uint64_t me = mp__mgr_call_client(call);
    if (l->recursive && l->depth > 0 && l->owner == me) {
        l->depth++;
        return 0;
    }
    while (l->depth > 0) {
        int rc = mp__mgr_call_wait(call, deadline);
        /* A client that hung up or a server going down takes nothing: a
         * lock "acquired" for a dead waiter would be held for ever. */
        if (rc < 0)
            return rc;
    }
    l->owner = me;
    l->depth = depth;
    return 0;
}

int mp__mlock_give(mp__mlock_t *l, mp_manager_call_t *call)
{
    if (l->recursive && !mp__mlock_owned(l, call))
        return mp_manager_call_fail(call, MP_ENOTOWNER, "cannot release un-acquired lock");
    if (l->depth == 0)
        return mp_manager_call_fail(call, MP_ESTATE, "release unlocked lock");
    if (--l->depth == 0) {
        l->owner = 0;
        mp__mgr_call_notify(call);
    }
    return 0;
}

unsigned mp__mlock_give_all(mp__mlock_t *l, mp_manager_call_t *call)
{
    unsigned depth = l->depth;
    l->depth = 0;
    l->owner = 0;
    mp__mgr_call_notify(call);
    return depth;
}

int mp__mlock_acquire_method(mp__mlock_t *l, mp_manager_call_t *call)
{
    int rc = mp__mlock_take(l, call, mp__mgr_call_deadline(call), 1);
    if (rc == MP_ETIMEDOUT)
        return mp_manager_call_fail(call, rc, "the lock was not free in time");
    return rc < 0 ? mp__mwait_failed(call, rc, "acquire") : 0;
}

/* ---- the Lock and RLock types ------------------------------------------ */

static int make(void **self, bool recursive)
{
    mp__mlock_t *l = calloc(1, sizeof *l);
    if (!l)
        return MP_ENOMEM;
    l->recursive = recursive;
    *self = l;
    return 0;
}

static int lock_create(void **self, mp_manager_call_t *call)
{
    (void)call; /* no arguments */
    return make(self, false);
}

static int rlock_create(void **self, mp_manager_call_t *call)
{
    (void)call;
    return make(self, true);
}

static int m_acquire(void *self, mp_manager_call_t *call)
{
    return mp__mlock_acquire_method(self, call);
}

static int m_release(void *self, mp_manager_call_t *call)
{
    return mp__mlock_give(self, call);
}

static int m_locked(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_bool(call, ((mp__mlock_t *)self)->depth > 0);
}

static const mp_manager_method_t lock_methods[] = {
    MP_METHOD("acquire", m_acquire),
    MP_METHOD("release", m_release),
    MP_METHOD("locked", m_locked),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_lock = {"Lock", lock_create, free, lock_methods};
const mp_manager_type_t mp__mgr_type_rlock = {"RLock", rlock_create, free, lock_methods};
