/* The proxy functions of a manager's Barrier. */
#include "mp_core.h"
#include "mp_mgr_sync.h"

#define BARRIER MP__MGR_BIT(MP__MGR_BARRIER)

int mp_manager_barrier(mp_manager_t *m, unsigned parties, mp_proxy_t **out)
{
    return mp__mnew_ints(m, "Barrier", "mp_manager_barrier", out, 1, parties, 0);
}

int mp_mbarrier_wait(mp_proxy_t *b, double timeout, unsigned *index)
{
    mp_var_t *result = NULL;
    int rc = mp__proxy_call(b, BARRIER, "mp_mbarrier_wait", "wait", NULL, timeout, &result);
    int64_t i = 0;
    if (rc == 0 && (mp_var_get_int(result, &i) < 0 || i < 0 || i > UINT32_MAX))
        rc = mp__errdetail_set(MP_EREMOTE, "mp_mbarrier_wait: the server answered with a %s",
                               mp_var_type_name(mp_var_type(result)));
    mp_var_free(result);
    if (rc == 0 && index)
        *index = (unsigned)i;
    return rc;
}

int mp_mbarrier_abort(mp_proxy_t *b)
{
    return mp__mcall_ints(b, BARRIER, "mp_mbarrier_abort", "abort", MP_FOREVER, 0, 0, 0);
}

int mp_mbarrier_reset(mp_proxy_t *b)
{
    return mp__mcall_ints(b, BARRIER, "mp_mbarrier_reset", "reset", MP_FOREVER, 0, 0, 0);
}

int mp_mbarrier_parties(mp_proxy_t *b)
{
    return mp__mcall_count(b, BARRIER, "mp_mbarrier_parties", "parties");
}

int mp_mbarrier_n_waiting(mp_proxy_t *b)
{
    return mp__mcall_count(b, BARRIER, "mp_mbarrier_n_waiting", "n_waiting");
}

int mp_mbarrier_is_broken(mp_proxy_t *b)
{
    return mp__mcall_count(b, BARRIER, "mp_mbarrier_is_broken", "broken");
}
