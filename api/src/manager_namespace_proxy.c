/**
 * @file manager_namespace_proxy.c
 * @brief The Namespace functions of manager_containers.h: each checks the
 *        attribute's name locally, then makes one call to the server's
 *        Namespace (manager_namespace.c), whose methods are Python's
 *        attribute protocol.
 */
#include <string.h>

#include "mp_core.h"
#include "mp_mgrdata.h"
#include "mp_var.h"

#define NS MP__MGR_NAMESPACE

int mp_manager_namespace(mp_manager_t *m, mp_proxy_t **out)
{
    return mp__manager_new_object(m, "Namespace", NULL, out);
}

int mp_ns_set(mp_proxy_t *ns, const char *name, const mp_var_t *value)
{
    int rc = mp__mgrdata_need(name, __func__, "name");
    if (rc == 0 && (rc = mp__mgrdata_need(value, __func__, "value")) == 0)
        rc = mp__mgrdata_call(ns, NS, __func__, "__setattr__", NULL, "[s, v]", name, value);
    return rc;
}

/* A call with the name that may hand a value out (`out` NULL drops it). */
static int call_name(mp_proxy_t *ns, const char *fn, const char *method, const char *name,
                     mp_var_t **out)
{
    int rc = mp__mgrdata_need(name, fn, "name");
    return rc < 0 ? rc : mp__mgrdata_call(ns, NS, fn, method, out, "[s]", name);
}

int mp_ns_get(mp_proxy_t *ns, const char *name, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, __func__, "out");
    return rc < 0 ? rc : call_name(ns, __func__, "__getattribute__", name, out);
}

int mp_ns_del(mp_proxy_t *ns, const char *name)
{
    return call_name(ns, __func__, "__delattr__", name, NULL);
}

/* hasattr(): Python's is getattr() with AttributeError meaning False. */
int mp_ns_has(mp_proxy_t *ns, const char *name)
{
    int rc = call_name(ns, __func__, "__getattribute__", name, NULL);
    return rc == 0 ? 1 : rc == MP_EKEY ? 0 : rc;
}

int mp_ns_copy(mp_proxy_t *ns, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, __func__, "out");
    return rc < 0 ? rc : mp__mgrdata_call(ns, NS, __func__, "_getvalue", out, NULL);
}

int mp_ns_repr(mp_proxy_t *ns, char *buf, size_t size, size_t *len)
{
    mp_var_t *text = NULL;
    const char *s = NULL;
    if (size > 0 && !buf)
        return mp__errdetail_set(MP_EINVAL, "%s: buf is NULL but size is %zu", __func__, size);
    int rc = mp__mgrdata_call(ns, NS, __func__, "__repr__", &text, NULL);
    if (rc == 0 && mp_var_get_str(text, &s) != 0)
        rc = mp__errdetail_set(MP_EREMOTE, "%s: the server answered a %s, not a string", __func__,
                               mp_var_type_name(mp_var_type(text)));
    if (rc == 0) {
        size_t n = mp_var_len(text);
        if (len)
            *len = n;
        if (size > 0) {
            size_t copied = n < size ? n : size - 1;
            memcpy(buf, s, copied);
            buf[copied] = '\0';
        }
        if (n >= size)
            rc = mp__errdetail_set(MP_ETOOSMALL,
                                   "%s: the description takes %zu bytes and a NUL, "
                                   "the buffer has %zu",
                                   __func__, n, size);
    }
    mp_var_free(text);
    return rc;
}

int mp_ns_setf(mp_proxy_t *ns, const char *name, const char *fmt, ...)
{
    int rc = mp__mgrdata_need(name, __func__, "name");
    if (rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        rc = mp__mgrdata_vset(ns, NS, __func__, "__setattr__", name, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int mp_ns_getf(mp_proxy_t *ns, const char *name, const char *fmt, ...)
{
    mp_var_t *value = NULL;
    int rc = mp__mgrdata_need(fmt, __func__, "fmt");
    if (rc == 0)
        rc = call_name(ns, __func__, "__getattribute__", name, &value);
    if (rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        rc = mp__mgrdata_vunpack(value, fmt, ap);
        va_end(ap);
    }
    return rc;
}
