/* The proxy functions of a manager's Condition; its acquire and release
 * are mp_mlock_acquire() and mp_mlock_release(). */
#include <limits.h>
#include <string.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

#define COND MP__MGR_BIT(MP__MGR_CONDITION)

int mp_manager_condition(mp_manager_t *m, mp_proxy_t *lock, mp_proxy_t **out)
{
    mp_var_t *ref = NULL, *args = NULL;
    int rc = mp__mcheck_out(out, "mp_manager_condition", "out");
    if (rc == 0 && lock)
        rc = mp_proxy_ref(lock, &ref);
    /* Another kind of proxy is refused here, with the client's words; the
     * server checks again that the object is its own Lock or RLock. */
    const char *type = lock ? mp_proxy_type(lock) : "";
    if (rc == 0 && lock && strcmp(type, "Lock") != 0 && strcmp(type, "RLock") != 0)
        rc = mp__errdetail_set(MP_EINVAL,
                               "mp_manager_condition: the lock is a %s proxy, not a "
                               "Lock or RLock",
                               type);
    if (rc == 0)
        rc = ref ? mp_var_pack(&args, "[v]", ref) : ((args = mp_var_list()) ? 0 : MP_ENOMEM);
    if (rc == 0)
        rc = mp__manager_new_object(m, "Condition", args, out);
    mp_var_free(ref);
    mp_var_free(args);
    return rc;
}

int mp_mcond_wait(mp_proxy_t *c, double timeout)
{
    return mp__mcall_ints(c, COND, "mp_mcond_wait", "wait", timeout, 0, 0, 0);
}

int mp_mcond_wait_for(mp_proxy_t *c, mp_predicate_fn predicate, void *ctx, double timeout)
{
    int rc = mp__mcheck_out((const void *)predicate, "mp_mcond_wait_for", "predicate");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_mcond_wait_for");
    /* The proxy, and that the caller holds the lock, before the predicate
     * runs: a wrong call fails the same whatever the predicate says. */
    if (rc == 0 && (rc = mp__mcall_count(c, COND, "mp_mcond_wait_for", "_is_owned")) == 0)
        rc = mp__errdetail_set(MP_ENOTOWNER, "mp_mcond_wait_for: cannot wait on un-acquired lock");
    if (rc < 0)
        return rc;
    /* As sync.h's wait_for: one deadline for the whole call, the
     * predicate evaluated here after each notify. */
    double deadline = mp__deadline(true, timeout);
    int satisfied = predicate(ctx);
    while (!satisfied) {
        double left = mp__time_left(deadline);
        if (left <= 0)
            break;
        rc = mp_mcond_wait(c, left);
        if (rc < 0 && rc != MP_ETIMEDOUT)
            return rc;
        satisfied = predicate(ctx);
    }
    return satisfied ? 0 : mp__errdetail_set(MP_ETIMEDOUT, "mp_mcond_wait_for: still false");
}

int mp_mcond_notify(mp_proxy_t *c, unsigned n)
{
    return mp__mcall_ints(c, COND, "mp_mcond_notify", "notify", MP_FOREVER, 1, n, 0);
}

int mp_mcond_notify_all(mp_proxy_t *c)
{
    return mp__mcall_ints(c, COND, "mp_mcond_notify_all", "notify", MP_FOREVER, 1, -1, 0);
}
