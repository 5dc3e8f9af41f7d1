/* The proxy functions of a manager's Pool (manager_pool.h). */
#include "mp_core.h"
#include "mp_mgr_sync.h"

#define POOL MP__MGR_BIT(MP__MGR_POOL)

int mp_manager_pool(mp_manager_t *m, unsigned workers, mp_proxy_t **out)
{
    /* 0 goes to the server, which refuses it as Python's Pool(0) does. */
    return mp__mnew_ints(m, "Pool", "mp_manager_pool", out, 1, (int64_t)workers, 0);
}

/* A call [task, input] whose answer is written to `out`. */
static int pool_call(mp_proxy_t *p, const char *fn, const char *method, const char *task,
                     const mp_var_t *input, mp_var_t **out, double timeout)
{
    mp_var_t *args = NULL;
    int rc = mp__mcheck_out(task, fn, "task");
    if (rc == 0)
        rc = mp__mcheck_out(out, fn, "result");
    if (rc == 0)
        rc = input ? mp_var_pack(&args, "[s, v]", task, input) : mp_var_pack(&args, "[s, n]", task);
    if (rc == 0)
        rc = mp__proxy_call(p, POOL, fn, method, args, timeout, out);
    mp_var_free(args);
    return rc;
}

/* map's and starmap's input: a list (its elements are checked by the
 * server). */
static int pool_map_call(mp_proxy_t *p, const char *fn, const char *method, const char *task,
                         const mp_var_t *args, mp_var_t **out, double timeout)
{
    int rc = mp__mcheck_out(args, fn, "args");
    if (rc == 0 && mp_var_type(args) != MP_VAR_LIST)
        rc = mp__errdetail_set(MP_EINVAL, "%s: args is a %s, not a list", fn,
                               mp_var_type_name(mp_var_type(args)));
    return rc < 0 ? rc : pool_call(p, fn, method, task, args, out, timeout);
}

int mp_mpool_apply(mp_proxy_t *p, const char *task, const mp_var_t *arg, mp_var_t **result,
                   double timeout)
{
    return pool_call(p, "mp_mpool_apply", "apply", task, arg, result, timeout);
}

int mp_mpool_map(mp_proxy_t *p, const char *task, const mp_var_t *args, mp_var_t **results,
                 double timeout)
{
    return pool_map_call(p, "mp_mpool_map", "map", task, args, results, timeout);
}

int mp_mpool_starmap(mp_proxy_t *p, const char *task, const mp_var_t *args, mp_var_t **results,
                     double timeout)
{
    return pool_map_call(p, "mp_mpool_starmap", "starmap", task, args, results, timeout);
}

int mp_mpool_close(mp_proxy_t *p)
{
    return mp__mcall_ints(p, POOL, "mp_mpool_close", "close", MP_FOREVER, 0, 0, 0);
}

int mp_mpool_terminate(mp_proxy_t *p)
{
    return mp__mcall_ints(p, POOL, "mp_mpool_terminate", "terminate", MP_FOREVER, 0, 0, 0);
}

int mp_mpool_join(mp_proxy_t *p, double timeout)
{
    return mp__mcall_ints(p, POOL, "mp_mpool_join", "join", timeout, 0, 0, 0);
}
