/**
 * @file manager_data_proxy.c
 * @brief The client side that the dict, list and Namespace functions share
 *        (see mp_mgrdata.h): pack the arguments, make the one proxy call,
 *        turn counts and truths into ints, unpack a getf's value.
 */
#include <limits.h>

#include "mp_core.h"
#include "mp_mgrdata.h"
#include "mp_var.h"

int mp__mgrdata_need(const void *p, const char *fn, const char *what)
{
    return p ? 0 : mp__errdetail_set(MP_EINVAL, "%s: %s is NULL", fn, what);
}

int mp__mgrdata_vcall(mp_proxy_t *p, mp__mgr_kind_t kind, const char *fn, const char *method,
                      mp_var_t **result, const char *fmt, va_list ap)
{
    mp_var_t *args = NULL;
    if (fmt) {
        int rc = mp__var_vpack(&args, fmt, ap);
        if (rc != 0)
            return rc; /* the pack's own message: which argument */
    }
    /* No container method waits on the server: for ever is never long. */
    int rc = mp__proxy_call(p, MP__MGR_BIT(kind), fn, method, args, MP_FOREVER, result);
    mp_var_free(args);
    return rc;
}

int mp__mgrdata_call(mp_proxy_t *p, mp__mgr_kind_t kind, const char *fn, const char *method,
                     mp_var_t **result, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__mgrdata_vcall(p, kind, fn, method, result, fmt, ap);
    va_end(ap);
    return rc;
}

int mp__mgrdata_int_result(int rc, mp_var_t *result, const char *fn)
{
    int64_t n = 0;
    bool b = false;
    if (rc == 0 && mp_var_get_bool(result, &b) == 0)
        n = b;
    else if (rc == 0 && (mp_var_get_int(result, &n) != 0 || n < 0 || n > INT_MAX))
        rc = mp__errdetail_set(MP_EREMOTE, "%s: the server answered a %s, not a count", fn,
                               mp_var_type_name(mp_var_type(result)));
    mp_var_free(result);
    return rc < 0 ? rc : (int)n;
}

int mp__mgrdata_vunpack(mp_var_t *v, const char *fmt, va_list ap)
{
    int rc = mp__var_vunpack(v, true, fmt, ap);
    mp_var_free(v);
    return rc;
}

int mp__mgrdata_vpack(const char *fn, mp_var_t **out, const char *fmt, va_list ap)
{
    int rc = mp__mgrdata_need(fmt, fn, "fmt");
    return rc < 0 ? rc : mp__var_vpack(out, fmt, ap);
}

int mp__mgrdata_vset(mp_proxy_t *p, mp__mgr_kind_t kind, const char *fn, const char *method,
                     const char *key, const char *fmt, va_list ap)
{
    mp_var_t *value = NULL;
    int rc = mp__mgrdata_vpack(fn, &value, fmt, ap);
    if (rc == 0 && key)
        rc = mp__mgrdata_call(p, kind, fn, method, NULL, "[s, v]", key, value);
    else if (rc == 0)
        rc = mp__mgrdata_call(p, kind, fn, method, NULL, "[v]", value);
    mp_var_free(value);
    return rc;
}
