/* The proxy functions of a manager's Lock, RLock, Semaphore and
 * BoundedSemaphore, and the acquire/release that a Condition shares with
 * them (Python's AcquirerProxy). */
#include "mp_core.h"
#include "mp_mgr_sync.h"

#define SEMAPHORES (MP__MGR_BIT(MP__MGR_SEMAPHORE) | MP__MGR_BIT(MP__MGR_BOUNDED_SEMAPHORE))
#define LOCKS (MP__MGR_BIT(MP__MGR_LOCK) | MP__MGR_BIT(MP__MGR_RLOCK))

int mp_manager_lock(mp_manager_t *m, mp_proxy_t **out)
{
    return mp__mnew_ints(m, "Lock", "mp_manager_lock", out, 0, 0, 0);
}

int mp_manager_rlock(mp_manager_t *m, mp_proxy_t **out)
{
    return mp__mnew_ints(m, "RLock", "mp_manager_rlock", out, 0, 0, 0);
}

int mp_manager_semaphore(mp_manager_t *m, unsigned value, mp_proxy_t **out)
{
    return mp__mnew_ints(m, "Semaphore", "mp_manager_semaphore", out, 1, value, 0);
}

int mp_manager_bounded_semaphore(mp_manager_t *m, unsigned value, mp_proxy_t **out)
{
    return mp__mnew_ints(m, "BoundedSemaphore", "mp_manager_bounded_semaphore", out, 1, value, 0);
}

int mp_mlock_acquire(mp_proxy_t *l, double timeout)
{
    return mp__mcall_ints(l, MP__MGR_ACQUIRERS, "mp_mlock_acquire", "acquire", timeout, 0, 0, 0);
}

int mp_mlock_release(mp_proxy_t *l)
{
    return mp__mcall_ints(l, MP__MGR_ACQUIRERS, "mp_mlock_release", "release", MP_FOREVER, 0, 0, 0);
}

int mp_mlock_is_locked(mp_proxy_t *l)
{
    return mp__mcall_count(l, LOCKS, "mp_mlock_is_locked", "locked");
}

int mp_msemaphore_value(mp_proxy_t *s, unsigned *value)
{
    int rc = mp__mcheck_out(value, "mp_msemaphore_value", "value");
    if (rc == 0)
        rc = mp__mcall_count(s, SEMAPHORES, "mp_msemaphore_value", "get_value");
    if (rc < 0)
        return rc;
    *value = (unsigned)rc;
    return 0;
}
