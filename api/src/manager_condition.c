/* Condition in a manager's server, over its own RLock or a Lock / RLock
 * object of the same server (found by the reference the client sent).
 *
 * Waiters queue in arrival order, each with a ticket number; notify(n)
 * takes the first n tickets off the queue, and a waiter whose ticket is
 * gone was notified. A waiter that times out or hangs up removes its own
 * ticket, so a notify is never spent on a waiter that already left. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

typedef struct mcond {
    mp__mlock_t *lock; /**< &own, or a Lock's / RLock's state */
    mp__mlock_t own;   /**< the Condition's own RLock when none was given */
    uint64_t *tickets; /**< the waiters still waiting, oldest first */
    size_t n, cap;
    uint64_t next_ticket;
} mcond_t;

static int cond_create(void **self, mp_manager_call_t *call)
{
    mcond_t *c = calloc(1, sizeof *c);
    if (!c)
        return MP_ENOMEM;
    c->own.recursive = true;
    c->lock = &c->own;
    const mp_var_t *ref = mp_var_at(mp_manager_call_args(call), 0);
    void *lock = NULL;
    if (ref && mp__mgr_call_object(call, ref, &mp__mgr_type_lock, &lock) < 0 &&
        mp__mgr_call_object(call, ref, &mp__mgr_type_rlock, &lock) < 0) {
        free(c);
        return mp_manager_call_fail(call, MP_EINVAL,
                                    "Condition: the lock must be a Lock or RLock of this manager");
    }
    if (lock)
        c->lock = lock; /* objects live as long as the server: no reference count */
    *self = c;
    return 0;
}

static void cond_destroy(void *self)
{
    mcond_t *c = self;
    free(c->tickets);
    free(c);
}

/* Queue a new ticket; 0 when memory ran out. */
static uint64_t enqueue(mcond_t *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        uint64_t *grown = realloc(c->tickets, cap * sizeof *grown);
        if (!grown)
            return 0;
        c->tickets = grown;
        c->cap = cap;
    }
    c->tickets[c->n++] = ++c->next_ticket;
    return c->next_ticket;
}

/* Take a ticket off the queue; whether it was still there. */
static bool dequeue(mcond_t *c, uint64_t ticket)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->tickets[i] == ticket) {
            memmove(c->tickets + i, c->tickets + i + 1, (c->n - i - 1) * sizeof *c->tickets);
            c->n--;
            return true;
        }
    }
    return false;
}

static int not_owner(mp_manager_call_t *call, const char *what)
{
    return mp_manager_call_fail(call, MP_ENOTOWNER, "cannot %s on un-acquired lock", what);
}

static int m_acquire(void *self, mp_manager_call_t *call)
{
    return mp__mlock_acquire_method(((mcond_t *)self)->lock, call);
}

static int m_release(void *self, mp_manager_call_t *call)
{
    return mp__mlock_give(((mcond_t *)self)->lock, call);
}

static int m_is_owned(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_bool(call, mp__mlock_owned(((mcond_t *)self)->lock, call));
}

/* Whether a ticket is still queued (its waiter not yet notified). */
static bool queued(const mcond_t *c, uint64_t ticket)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->tickets[i] == ticket)
            return true;
    return false;
}

static int m_wait(void *self, mp_manager_call_t *call)
{
    mcond_t *c = self;
    if (!mp__mlock_owned(c->lock, call))
        return not_owner(call, "wait");
    uint64_t ticket = enqueue(c);
    if (!ticket)
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for a waiter");
    unsigned depth = mp__mlock_give_all(c->lock, call);
    double deadline = mp__mgr_call_deadline(call);
    int rc = 0;
    while (rc == 0 && queued(c, ticket))
        rc = mp__mgr_call_wait(call, deadline);
    /* A notify that came with the timeout still counts (Python's waiter
     * whose lock was released returns True); otherwise leave the queue. */
    bool notified = !dequeue(c, ticket);
    if (rc == MP_EEOF || rc == MP_ESHUTDOWN) /* nobody to hand the lock back to */
        return mp__mwait_failed(call, rc, "wait");
    /* Re-taking the lock has no deadline, as in Python: the caller must
     * hold it again whatever the wait's outcome. */
    rc = mp__mlock_take(c->lock, call, HUGE_VAL, depth);
    if (rc < 0)
        return mp__mwait_failed(call, rc, "wait");
    return notified ? 0 : mp_manager_call_fail(call, MP_ETIMEDOUT, "not notified in time");
}

static int m_notify(void *self, mp_manager_call_t *call)
{
    mcond_t *c = self;
    int64_t n = 0;
    int rc = mp__marg_int(call, 0, "notify", &n);
    if (rc < 0)
        return rc;
    if (!mp__mlock_owned(c->lock, call))
        return not_owner(call, "notify");
    size_t woken = n < 0 || (uint64_t)n > c->n ? c->n : (size_t)n;
    if (woken == 0) /* nobody waits (and the queue may never have been made) */
        return 0;
    memmove(c->tickets, c->tickets + woken, (c->n - woken) * sizeof *c->tickets);
    c->n -= woken;
    mp__mgr_call_notify(call);
    return 0;
}

static const mp_manager_method_t methods[] = {
    MP_METHOD("acquire", m_acquire), MP_METHOD("release", m_release),    MP_METHOD("wait", m_wait),
    MP_METHOD("notify", m_notify),   MP_METHOD("_is_owned", m_is_owned), MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_condition = {"Condition", cond_create, cond_destroy, methods};
