/* Barrier in a manager's server, Python's threading.Barrier step by step:
 * a round fills (each party counted in, in order of arrival: its index),
 * the last one in releases it (draining), and the last one out refills
 * it. Abort breaks it; reset lets the parties inside leave broken and then
 * refills; a party that gives up (its timeout, or its client hung up)
 * while the round fills breaks it for everyone. */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

/** The most parties, as sync.h's barriers. */
#define MBARRIER_MAX 65536

typedef enum { FILLING, DRAINING, RESETTING, BROKEN } mbarrier_state_t;

typedef struct mbarrier {
    int64_t parties;
    int64_t count; /**< parties inside wait() */
    mbarrier_state_t state;
} mbarrier_t;

static int barrier_create(void **self, mp_manager_call_t *call)
{
    int64_t parties = 0;
    int rc = mp__marg_int(call, 0, "Barrier", &parties);
    if (rc < 0)
        return rc;
    if (parties < 1 || parties > MBARRIER_MAX)
        return mp_manager_call_fail(call, MP_EINVAL, "Barrier: %lld parties is not in 1..%d",
                                    (long long)parties, MBARRIER_MAX);
    mbarrier_t *b = calloc(1, sizeof *b);
    if (!b)
        return MP_ENOMEM;
    b->parties = parties;
    *self = b;
    return 0;
}

static void set_state(mbarrier_t *b, mp_manager_call_t *call, mbarrier_state_t state)
{
    b->state = state;
    mp__mgr_call_notify(call);
}

/* Wait for the previous round to drain (or a reset to finish). */
static int enter(mbarrier_t *b, mp_manager_call_t *call, double deadline)
{
    while (b->state == DRAINING || b->state == RESETTING) {
        int rc = mp__mgr_call_wait(call, deadline);
        if (rc == MP_ETIMEDOUT)
            return mp_manager_call_fail(call, rc, "the barrier's previous round did not drain");
        if (rc < 0)
            return mp__mwait_failed(call, rc, "wait");
    }
    if (b->state == BROKEN)
        return mp_manager_call_fail(call, MP_EBROKEN, "the barrier is broken");
    return 0;
}

/* Counted in: wait for the round to be released. */
static int wait_release(mbarrier_t *b, mp_manager_call_t *call, double deadline)
{
    int rc = 0;
    while (b->state == FILLING && rc == 0)
        rc = mp__mgr_call_wait(call, deadline);
    if (rc < 0 && b->state == FILLING)
        set_state(b, call, BROKEN); /* giving up breaks the round, as in Python */
    if (b->state == DRAINING)
        return 0;
    if (rc == MP_EEOF || rc == MP_ESHUTDOWN)
        return mp__mwait_failed(call, rc, "wait");
    return mp_manager_call_fail(call, MP_EBROKEN, "the barrier broke while waiting");
}

static int m_wait(void *self, mp_manager_call_t *call)
{
    mbarrier_t *b = self;
    int rc = enter(b, call, mp__mgr_call_deadline(call));
    if (rc < 0)
        return rc;
    int64_t index = b->count++;
    if (index + 1 == b->parties)
        set_state(b, call, DRAINING);
    else
        rc = wait_release(b, call, mp__mgr_call_deadline(call));
    /* The last one out of a released or reset round refills it. */
    if (--b->count == 0 && (b->state == DRAINING || b->state == RESETTING))
        set_state(b, call, FILLING);
    return rc < 0 ? rc : mp__mreturn_int(call, index);
}

static int m_abort(void *self, mp_manager_call_t *call)
{
    set_state(self, call, BROKEN);
    return 0;
}

static int m_reset(void *self, mp_manager_call_t *call)
{
    mbarrier_t *b = self;
    /* Parties inside a filling or broken round leave broken and the last
     * of them refills it; a draining round drains as it was (Python). */
    if (b->count == 0)
        set_state(b, call, FILLING);
    else if (b->state != DRAINING)
        set_state(b, call, RESETTING);
    return 0;
}

static int m_parties(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_int(call, ((mbarrier_t *)self)->parties);
}

static int m_n_waiting(void *self, mp_manager_call_t *call)
{
    mbarrier_t *b = self;
    return mp__mreturn_int(call, b->state == FILLING ? b->count : 0);
}

static int m_broken(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_bool(call, ((mbarrier_t *)self)->state == BROKEN);
}

static const mp_manager_method_t methods[] = {
    MP_METHOD("wait", m_wait),
    MP_METHOD("abort", m_abort),
    MP_METHOD("reset", m_reset),
    MP_METHOD("parties", m_parties),
    MP_METHOD("n_waiting", m_n_waiting),
    MP_METHOD("broken", m_broken),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_barrier = {"Barrier", barrier_create, free, methods};
