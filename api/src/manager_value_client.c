/* The proxy functions of a manager's Value and Array. */
#include <stdarg.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

#define VALUE MP__MGR_BIT(MP__MGR_VALUE)
#define ARRAY MP__MGR_BIT(MP__MGR_ARRAY)

/* `[v]`, the argument list of one value (a copy); NULL `v` is MP_EINVAL. */
static int one_arg(mp_var_t **args, const mp_var_t *v, const char *fn)
{
    int rc = mp__mcheck_out(v, fn, "value");
    return rc < 0 ? rc : mp_var_pack(args, "[v]", v);
}

int mp_manager_value(mp_manager_t *m, const mp_var_t *initial, mp_proxy_t **out)
{
    mp_var_t *args = NULL;
    int rc = mp__mcheck_out(out, "mp_manager_value", "out");
    if (rc == 0 && initial)
        rc = one_arg(&args, initial, "mp_manager_value");
    if (rc == 0)
        rc = mp__manager_new_object(m, "Value", args, out);
    mp_var_free(args);
    return rc;
}

int mp_mvalue_get(mp_proxy_t *v, mp_var_t **out)
{
    int rc = mp__mcheck_out(out, "mp_mvalue_get", "out");
    return rc < 0 ? rc : mp__proxy_call(v, VALUE, "mp_mvalue_get", "get", NULL, MP_FOREVER, out);
}

int mp_mvalue_set(mp_proxy_t *v, const mp_var_t *value)
{
    mp_var_t *args = NULL;
    int rc = one_arg(&args, value, "mp_mvalue_set");
    if (rc == 0)
        rc = mp__proxy_call(v, VALUE, "mp_mvalue_set", "set", args, MP_FOREVER, NULL);
    mp_var_free(args);
    return rc;
}

/* mp_mvalue_get() and mp_mvalue_set() in the shape of the formatted
 * calls' halves (a Value never waits). */
static int recv_value(mp_proxy_t *v, mp_var_t **out, double timeout)
{
    (void)timeout;
    return mp_mvalue_get(v, out);
}

static int send_value(mp_proxy_t *v, const mp_var_t *value, double timeout)
{
    (void)timeout;
    return mp_mvalue_set(v, value);
}

int mp_mvalue_getf(mp_proxy_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__mcall_recvf(v, recv_value, MP_FOREVER, "mp_mvalue_getf", fmt, ap);
    va_end(ap);
    return rc;
}

int mp_mvalue_setf(mp_proxy_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__mcall_sendf(v, send_value, MP_FOREVER, "mp_mvalue_setf", fmt, ap);
    va_end(ap);
    return rc;
}

int mp_manager_array(mp_manager_t *m, mp_type_t type, const mp_var_t *items, mp_proxy_t **out)
{
    mp_var_t *args = NULL;
    int rc = mp__mcheck_out(out, "mp_manager_array", "out");
    if (rc == 0 && items && mp_var_type(items) != MP_VAR_LIST)
        rc = mp__errdetail_set(MP_EINVAL, "mp_manager_array: the items must be a list, not %s",
                               mp_var_type_name(mp_var_type(items)));
    if (rc == 0)
        rc = items ? mp_var_pack(&args, "[i, v]", (int)type, items)
                   : mp_var_pack(&args, "[i, n]", (int)type);
    if (rc == 0)
        rc = mp__manager_new_object(m, "Array", args, out);
    mp_var_free(args);
    return rc;
}

int mp_marray_len(mp_proxy_t *a)
{
    return mp__mcall_count(a, ARRAY, "mp_marray_len", "len");
}

int mp_marray_get(mp_proxy_t *a, int64_t index, mp_var_t **out)
{
    mp_var_t *args = NULL;
    int rc = mp__mcheck_out(out, "mp_marray_get", "out");
    if (rc == 0)
        rc = mp_var_pack(&args, "[I]", index);
    if (rc == 0)
        rc = mp__proxy_call(a, ARRAY, "mp_marray_get", "get", args, MP_FOREVER, out);
    mp_var_free(args);
    return rc;
}

int mp_marray_set(mp_proxy_t *a, int64_t index, const mp_var_t *value)
{
    mp_var_t *args = NULL;
    int rc = mp__mcheck_out(value, "mp_marray_set", "value");
    if (rc == 0)
        rc = mp_var_pack(&args, "[I, v]", index, value);
    if (rc == 0)
        rc = mp__proxy_call(a, ARRAY, "mp_marray_set", "set", args, MP_FOREVER, NULL);
    mp_var_free(args);
    return rc;
}

int mp_marray_copy(mp_proxy_t *a, mp_var_t **out)
{
    int rc = mp__mcheck_out(out, "mp_marray_copy", "out");
    return rc < 0 ? rc : mp__proxy_call(a, ARRAY, "mp_marray_copy", "copy", NULL, MP_FOREVER, out);
}
