/* The small helpers the manager's synchronisation types share: reading a
 * method's arguments and writing its result on the server, and the few
 * shapes of call their proxy functions make on the client. */
#include "mp_core.h"
#include "mp_mgr_sync.h"
#include "mp_var.h"

int mp__marg_var(mp_manager_call_t *call, size_t i, const char *method, const mp_var_t **out)
{
    const mp_var_t *v = mp_var_at(mp_manager_call_args(call), i);
    if (!v)
        return mp_manager_call_fail(call, MP_EINVAL, "%s: argument %zu is missing", method, i + 1);
    *out = v;
    return 0;
}

int mp__marg_int(mp_manager_call_t *call, size_t i, const char *method, int64_t *out)
{
    const mp_var_t *v = NULL;
    int rc = mp__marg_var(call, i, method, &v);
    if (rc == 0 && mp_var_get_int(v, out) < 0)
        rc = mp_manager_call_fail(call, MP_EINVAL, "%s: argument %zu must be an int, not %s",
                                  method, i + 1, mp_var_type_name(mp_var_type(v)));
    return rc;
}

/* A result that could not be made is the call's failure. */
static int return_or_nomem(mp_manager_call_t *call, mp_var_t *v)
{
    if (!v)
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for the result");
    return mp_manager_call_return(call, v);
}

int mp__mreturn_int(mp_manager_call_t *call, int64_t value)
{
    return return_or_nomem(call, mp_var_int(value));
}

int mp__mreturn_bool(mp_manager_call_t *call, bool value)
{
    return return_or_nomem(call, mp_var_bool(value));
}

int mp__mwait_failed(mp_manager_call_t *call, int rc, const char *what)
{
    if (rc == MP_EEOF)
        return mp_manager_call_fail(call, rc, "%s: the client hung up while waiting", what);
    return mp_manager_call_fail(call, rc, "%s: the server is shutting down", what);
}

int mp__mcheck_out(const void *ptr, const char *fn, const char *what)
{
    return ptr ? 0 : mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, what);
}

int mp__mcall_count(mp_proxy_t *p, unsigned kinds, const char *fn, const char *method)
{
    mp_var_t *result = NULL;
    int rc = mp__proxy_call(p, kinds, fn, method, NULL, MP_FOREVER, &result);
    int64_t n = 0;
    bool b = false;
    /* The type first: a failed getter would leave its own detail behind. */
    if (rc == 0 && mp_var_type(result) == MP_VAR_BOOL && mp_var_get_bool(result, &b) == 0)
        n = b; /* a predicate */
    else if (rc == 0 && (mp_var_get_int(result, &n) < 0 || n < 0 || n > INT32_MAX))
        rc = mp__errdetail_set(MP_EREMOTE, "%s: the server answered with a %s", fn,
                               mp_var_type_name(mp_var_type(result)));
    mp_var_free(result);
    return rc < 0 ? rc : (int)n;
}

/* The argument list of up to two ints. */
static int ints_list(mp_var_t **out, size_t nargs, int64_t a, int64_t b)
{
    switch (nargs) {
    case 0: *out = mp_var_list(); break;
    case 1: return mp_var_pack(out, "[I]", a);
    default: return mp_var_pack(out, "[I, I]", a, b);
    }
    return *out ? 0 : MP_ENOMEM;
}

int mp__mcall_ints(mp_proxy_t *p, unsigned kinds, const char *fn, const char *method,
                   double timeout, size_t nargs, int64_t a, int64_t b)
{
    mp_var_t *args = NULL;
    int rc = ints_list(&args, nargs, a, b);
    if (rc == 0)
        rc = mp__proxy_call(p, kinds, fn, method, args, timeout, NULL);
    mp_var_free(args);
    return rc;
}

int mp__mnew_ints(mp_manager_t *m, const char *type, const char *fn, mp_proxy_t **out, size_t nargs,
                  int64_t a, int64_t b)
{
    mp_var_t *args = NULL;
    int rc = mp__mcheck_out(out, fn, "out");
    if (rc == 0)
        rc = ints_list(&args, nargs, a, b);
    if (rc == 0)
        rc = mp__manager_new_object(m, type, args, out);
    mp_var_free(args);
    return rc;
}

int mp__mcall_sendf(mp_proxy_t *p, mp__msend_fn send, double timeout, const char *fn,
                    const char *fmt, va_list ap)
{
    mp_var_t *v = NULL;
    int rc = mp__mcheck_out(fmt, fn, "format");
    if (rc == 0)
        rc = mp__var_vpack(&v, fmt, ap);
    if (rc == 0)
        rc = send(p, v, timeout);
    mp_var_free(v);
    return rc;
}

int mp__mcall_recvf(mp_proxy_t *p, mp__mrecv_fn recv, double timeout, const char *fn,
                    const char *fmt, va_list ap)
{
    mp_var_t *v = NULL;
    int rc = mp__mcheck_out(fmt, fn, "format");
    if (rc == 0)
        rc = recv(p, &v, timeout);
    if (rc == 0)
        rc = mp__var_vunpack(v, true, fmt, ap);
    mp_var_free(v);
    return rc;
}
