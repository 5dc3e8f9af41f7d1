/* Semaphore and BoundedSemaphore in a manager's server: a count guarded by
 * the server's lock. Any client may release what another acquired. */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

/** The largest initial count, as sync.h's semaphores. */
#define MSEM_MAX ((int64_t)1 << 30)

typedef struct msem {
    int64_t value;
    int64_t initial;
    bool bounded;
} msem_t;

static int make(void **self, mp_manager_call_t *call, bool bounded)
{
    int64_t value = 0;
    int rc = mp__marg_int(call, 0, "Semaphore", &value);
    if (rc < 0)
        return rc;
    if (value < 0 || value > MSEM_MAX)
        return mp_manager_call_fail(call, MP_EINVAL,
                                    "Semaphore: the initial value %lld is not in 0..2^30",
                                    (long long)value);
    msem_t *s = calloc(1, sizeof *s);
    if (!s)
        return MP_ENOMEM;
    *s = (msem_t){.value = value, .initial = value, .bounded = bounded};
    *self = s;
    return 0;
}

static int sem_create(void **self, mp_manager_call_t *call)
{
    return make(self, call, false);
}

static int bounded_create(void **self, mp_manager_call_t *call)
{
    return make(self, call, true);
}

static int m_acquire(void *self, mp_manager_call_t *call)
{
    msem_t *s = self;
    double deadline = mp__mgr_call_deadline(call);
    while (s->value == 0) {
        int rc = mp__mgr_call_wait(call, deadline);
        if (rc == MP_ETIMEDOUT)
            return mp_manager_call_fail(call, rc, "the semaphore stayed at 0");
        if (rc < 0) /* hung up or shutting down: take nothing */
            return mp__mwait_failed(call, rc, "acquire");
    }
    s->value--;
    return 0;
}

static int m_release(void *self, mp_manager_call_t *call)
{
    msem_t *s = self;
    if (s->bounded && s->value >= s->initial)
        return mp_manager_call_fail(call, MP_EINVAL, "Semaphore released too many times");
    s->value++;
    mp__mgr_call_notify(call);
    return 0;
}

static int m_get_value(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_int(call, ((msem_t *)self)->value);
}

static const mp_manager_method_t methods[] = {
    MP_METHOD("acquire", m_acquire),
    MP_METHOD("release", m_release),
    MP_METHOD("get_value", m_get_value),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_semaphore = {"Semaphore", sem_create, free, methods};
const mp_manager_type_t mp__mgr_type_bounded_semaphore = {"BoundedSemaphore", bounded_create, free,
                                                          methods};
