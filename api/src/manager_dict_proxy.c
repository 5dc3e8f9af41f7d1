/**
 * @file manager_dict_proxy.c
 * @brief The dict functions of manager_containers.h: each checks what it
 *        can locally (NULL arguments, named), then makes one call to the
 *        server's dict (manager_dict.c), whose method names are Python's.
 */
#include "mp_core.h"
#include "mp_mgrdata.h"
#include "mp_var.h"

#define DICT MP__MGR_DICT

int mp_manager_dict(mp_manager_t *m, mp_proxy_t **out)
{
    return mp__manager_new_object(m, "dict", NULL, out);
}

int mp_dict_set(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *value)
{
    int rc = mp__mgrdata_need(key, __func__, "key");
    if (rc == 0 && (rc = mp__mgrdata_need(value, __func__, "value")) == 0)
        rc = mp__mgrdata_call(d, DICT, __func__, "__setitem__", NULL, "[v, v]", key, value);
    return rc;
}

/* A call with the key (and the default when there is one) that hands a
 * value out: `out` is written only on success; NULL drops it. */
static int call_key(mp_proxy_t *d, const char *fn, const char *method, const mp_var_t *key,
                    const mp_var_t *dflt, mp_var_t **out)
{
    mp_var_t *result = NULL;
    int rc = mp__mgrdata_need(key, fn, "key");
    if (rc == 0 && dflt)
        rc = mp__mgrdata_call(d, DICT, fn, method, &result, "[v, v]", key, dflt);
    else if (rc == 0)
        rc = mp__mgrdata_call(d, DICT, fn, method, &result, "[v]", key);
    if (rc == 0 && out)
        *out = result;
    else
        mp_var_free(result);
    return rc;
}

int mp_dict_get(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *dflt, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, __func__, "out");
    return rc < 0 ? rc : call_key(d, __func__, dflt ? "get" : "__getitem__", key, dflt, out);
}

int mp_dict_del(mp_proxy_t *d, const mp_var_t *key)
{
    return call_key(d, __func__, "__delitem__", key, NULL, NULL);
}

int mp_dict_contains(mp_proxy_t *d, const mp_var_t *key)
{
    mp_var_t *result = NULL;
    int rc = call_key(d, __func__, "__contains__", key, NULL, &result);
    return mp__mgrdata_int_result(rc, result, __func__);
}

int mp_dict_len(mp_proxy_t *d)
{
    mp_var_t *result = NULL;
    int rc = mp__mgrdata_call(d, DICT, __func__, "__len__", &result, NULL);
    return mp__mgrdata_int_result(rc, result, __func__);
}

/* A call without arguments that hands a value out. */
static int call_out(mp_proxy_t *d, const char *fn, const char *method, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, fn, "out");
    return rc < 0 ? rc : mp__mgrdata_call(d, DICT, fn, method, out, NULL);
}

int mp_dict_keys(mp_proxy_t *d, mp_var_t **out)
{
    return call_out(d, __func__, "keys", out);
}

int mp_dict_values(mp_proxy_t *d, mp_var_t **out)
{
    return call_out(d, __func__, "values", out);
}

int mp_dict_items(mp_proxy_t *d, mp_var_t **out)
{
    return call_out(d, __func__, "items", out);
}

int mp_dict_copy(mp_proxy_t *d, mp_var_t **out)
{
    return call_out(d, __func__, "copy", out);
}

int mp_dict_update(mp_proxy_t *d, const mp_var_t *map)
{
    int rc = mp__mgrdata_need(map, __func__, "map");
    return rc < 0 ? rc : mp__mgrdata_call(d, DICT, __func__, "update", NULL, "[v]", map);
}

int mp_dict_pop(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *dflt, mp_var_t **out)
{
    return call_key(d, __func__, "pop", key, dflt, out);
}

int mp_dict_setdefault(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *dflt, mp_var_t **out)
{
    return call_key(d, __func__, "setdefault", key, dflt, out);
}

int mp_dict_popitem(mp_proxy_t *d, mp_var_t **key, mp_var_t **value)
{
    mp_var_t *pair = NULL, *k = NULL, *v = NULL;
    int rc = mp__mgrdata_need(key, __func__, "key");
    if (rc == 0 && (rc = mp__mgrdata_need(value, __func__, "value")) == 0)
        rc = mp__mgrdata_call(d, DICT, __func__, "popitem", &pair, NULL);
    if (rc == 0 && (mp_var_len(pair) != 2 || mp__var_list_remove_at(pair, 1, &v) != 0 ||
                    mp__var_list_remove_at(pair, 0, &k) != 0))
        rc = mp__errdetail_set(MP_EREMOTE, "%s: the server answered a %s, not a [key, value] pair",
                               __func__, mp_var_type_name(mp_var_type(pair)));
    mp_var_free(pair);
    if (rc == 0) {
        *key = k;
        *value = v;
    } else {
        mp_var_free(k);
        mp_var_free(v);
    }
    return rc;
}

int mp_dict_clear(mp_proxy_t *d)
{
    return mp__mgrdata_call(d, DICT, __func__, "clear", NULL, NULL);
}

int mp_dict_setf(mp_proxy_t *d, const char *key, const char *fmt, ...)
{
    int rc = mp__mgrdata_need(key, __func__, "key");
    if (rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        rc = mp__mgrdata_vset(d, DICT, __func__, "__setitem__", key, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int mp_dict_getf(mp_proxy_t *d, const char *key, const char *fmt, ...)
{
    mp_var_t *value = NULL;
    int rc = mp__mgrdata_need(key, __func__, "key");
    if (rc == 0 && (rc = mp__mgrdata_need(fmt, __func__, "fmt")) == 0)
        rc = mp__mgrdata_call(d, DICT, __func__, "__getitem__", &value, "[s]", key);
    if (rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        rc = mp__mgrdata_vunpack(value, fmt, ap);
        va_end(ap);
    }
    return rc;
}
