/**
 * @file manager_data_args.c
 * @brief The server side that the dict, list and Namespace types share:
 *        checking a method's arguments, answering, and making and freeing
 *        a container's state (see mp_mgrdata.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mp_mgrdata.h"

/* A message quotes at most this much of a key's repr: a client's 1 MB key
 * must not make a 1 MB error message. */
enum { KEY_REPR_MAX = 200 };

int mp__mgrdata_args(mp_manager_call_t *call, const char *method, size_t min, size_t max,
                     const mp_var_t **argv)
{
    const mp_var_t *args = mp_manager_call_args(call);
    size_t n = mp_var_len(args);
    if (n < min || n > max) {
        if (min == max)
            return mp_manager_call_fail(call, MP_EINVAL, "%s takes %zu argument%s (%zu given)",
                                        method, min, min == 1 ? "" : "s", n);
        return mp_manager_call_fail(call, MP_EINVAL, "%s takes %zu to %zu arguments (%zu given)",
                                    method, min, max, n);
    }
    for (size_t i = 0; i < max; i++)
        argv[i] = i < n ? mp_var_at(args, i) : NULL;
    return (int)n;
}

int mp__mgrdata_want(mp_manager_call_t *call, const char *method, const char *name,
                     const mp_var_t *v, mp_var_type_t type)
{
    if (mp_var_type(v) == type)
        return 0;
    return mp_manager_call_fail(call, MP_EINVAL, "%s: %s must be %s, not %s", method, name,
                                mp_var_type_name(type), mp_var_type_name(mp_var_type(v)));
}

bool mp__mgrdata_is_hashable(const mp_var_t *v)
{
    switch (mp_var_type(v)) {
    case MP_VAR_NIL:
    case MP_VAR_BOOL:
    case MP_VAR_INT:
    case MP_VAR_DOUBLE:
    case MP_VAR_STR:
    case MP_VAR_BYTES: return true;
    default: return false;
    }
}

int mp__mgrdata_hashable(mp_manager_call_t *call, const char *method, const char *name,
                         const mp_var_t *key)
{
    if (mp__mgrdata_is_hashable(key))
        return 0;
    return mp_manager_call_fail(call, MP_EINVAL, "%s: %s: unhashable type: '%s'", method, name,
                                mp_var_type_name(mp_var_type(key)));
}

char *mp__mgrdata_repr(const mp_var_t *v)
{
    size_t len = 0;
    mp_var_repr(v, NULL, 0, &len); /* MP_ETOOSMALL: it says how long */
    char *s = malloc(len + 1);
    if (s && mp_var_repr(v, s, len + 1, NULL) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

int mp__mgrdata_key_error(mp_manager_call_t *call, const char *prefix, const mp_var_t *key)
{
    char buf[KEY_REPR_MAX + 1];
    size_t len = 0;
    /* MP_ETOOSMALL keeps what fits: the message says it was cut. */
    int rc = mp_var_repr(key, buf, sizeof buf, &len);
    const char *cut = rc == MP_ETOOSMALL ? "..." : "";
    if (rc != 0 && rc != MP_ETOOSMALL)
        buf[0] = '\0';
    return mp_manager_call_fail(call, MP_EKEY, "%s%s%s", prefix ? prefix : "", buf, cut);
}

int mp__mgrdata_return(mp_manager_call_t *call, mp_var_t *v)
{
    if (!v)
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for the answer");
    return mp_manager_call_return(call, v);
}

int mp__mgrdata_return_copy(mp_manager_call_t *call, const mp_var_t *v)
{
    mp_var_t *copy = NULL;
    int rc = mp_var_copy(&copy, v);
    return rc == 0 ? mp__mgrdata_return(call, copy)
                   : mp_manager_call_fail(call, rc, "copy: %s", mp_strerror(rc));
}

int mp__mgrdata_return_int(mp_manager_call_t *call, int64_t n)
{
    return mp__mgrdata_return(call, mp_var_int(n));
}

int mp__mgrdata_return_bool(mp_manager_call_t *call, bool b)
{
    return mp__mgrdata_return(call, mp_var_bool(b));
}

int mp__mgrdata_create(mp_manager_call_t *call, const char *what, mp_var_type_t type,
                       mp_var_t **state)
{
    const mp_var_t *init[1];
    int n = mp__mgrdata_args(call, what, 0, 1, init);
    if (n < 0)
        return n;
    if (n == 1) {
        int rc = mp__mgrdata_want(call, what, "initial value", init[0], type);
        if (rc == 0 && (rc = mp_var_copy(state, init[0])) != 0)
            rc = mp_manager_call_fail(call, rc, "%s: copying its initial value", what);
        return rc;
    }
    *state = type == MP_VAR_MAP ? mp_var_map() : mp_var_list();
    return *state ? 0 : mp_manager_call_fail(call, MP_ENOMEM, "%s: out of memory", what);
}

void mp__mgrdata_destroy(void *self)
{
    mp_var_free(self);
}
