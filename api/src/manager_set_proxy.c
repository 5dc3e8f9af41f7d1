/**
 * @file manager_set_proxy.c
 * @brief The set functions of manager_set.h: each checks its NULL
 *        arguments locally (named), then makes one call to the server's
 *        set (manager_set.c), whose method names are Python's.
 */
#include "mp_core.h"
#include "mp_mgrdata.h"

#define SET MP__MGR_SET

int mp_manager_set(mp_manager_t *m, const mp_var_t *init, mp_proxy_t **out)
{
    mp_var_t *args = NULL;
    int rc = init ? mp_var_pack(&args, "[v]", init) : 0;
    if (rc == 0)
        rc = mp__manager_new_object(m, "set", args, out);
    mp_var_free(args);
    return rc;
}

/* A call with one value argument named `what` and an int answer (a truth
 * or nothing): the answer as mp__mgrdata_int_result() gives it. */
static int call_one(mp_proxy_t *s, const char *fn, const char *method, const char *what,
                    const mp_var_t *x)
{
    mp_var_t *result = NULL;
    int rc = mp__mgrdata_need(x, fn, what);
    if (rc == 0)
        rc = mp__mgrdata_call(s, SET, fn, method, &result, "[v]", x);
    if (rc == 0 && mp_var_type(result) == MP_VAR_NIL) {
        mp_var_free(result); /* a method that answers None: success */
        return 0;
    }
    return mp__mgrdata_int_result(rc, result, fn);
}

int mp_set_add(mp_proxy_t *s, const mp_var_t *x)
{
    return call_one(s, __func__, "add", "x", x);
}

int mp_set_discard(mp_proxy_t *s, const mp_var_t *x)
{
    return call_one(s, __func__, "discard", "x", x);
}

int mp_set_remove(mp_proxy_t *s, const mp_var_t *x)
{
    return call_one(s, __func__, "remove", "x", x);
}

int mp_set_contains(mp_proxy_t *s, const mp_var_t *x)
{
    return call_one(s, __func__, "__contains__", "x", x);
}

int mp_set_len(mp_proxy_t *s)
{
    mp_var_t *result = NULL;
    int rc = mp__mgrdata_call(s, SET, __func__, "__len__", &result, NULL);
    return mp__mgrdata_int_result(rc, result, __func__);
}

/* A call without arguments that hands a value out. */
static int call_out(mp_proxy_t *s, const char *fn, const char *method, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, fn, "out");
    return rc < 0 ? rc : mp__mgrdata_call(s, SET, fn, method, out, NULL);
}

int mp_set_pop(mp_proxy_t *s, mp_var_t **out)
{
    return call_out(s, __func__, "pop", out);
}

int mp_set_copy(mp_proxy_t *s, mp_var_t **out)
{
    return call_out(s, __func__, "copy", out);
}

int mp_set_clear(mp_proxy_t *s)
{
    return mp__mgrdata_call(s, SET, __func__, "clear", NULL, NULL);
}

/* An operator that answers a new list of members. */
static int call_op(mp_proxy_t *s, const char *fn, const char *method, const mp_var_t *other,
                   mp_var_t **out)
{
    int rc = mp__mgrdata_need(other, fn, "other");
    if (rc == 0 && (rc = mp__mgrdata_need(out, fn, "out")) == 0)
        rc = mp__mgrdata_call(s, SET, fn, method, out, "[v]", other);
    return rc;
}

int mp_set_union(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out)
{
    return call_op(s, __func__, "union", other, out);
}

int mp_set_intersection(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out)
{
    return call_op(s, __func__, "intersection", other, out);
}

int mp_set_difference(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out)
{
    return call_op(s, __func__, "difference", other, out);
}

int mp_set_symmetric_difference(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out)
{
    return call_op(s, __func__, "symmetric_difference", other, out);
}

int mp_set_update(mp_proxy_t *s, const mp_var_t *other)
{
    return call_one(s, __func__, "update", "other", other);
}

int mp_set_intersection_update(mp_proxy_t *s, const mp_var_t *other)
{
    return call_one(s, __func__, "intersection_update", "other", other);
}

int mp_set_difference_update(mp_proxy_t *s, const mp_var_t *other)
{
    return call_one(s, __func__, "difference_update", "other", other);
}

int mp_set_symmetric_difference_update(mp_proxy_t *s, const mp_var_t *other)
{
    return call_one(s, __func__, "symmetric_difference_update", "other", other);
}

int mp_set_is_subset(mp_proxy_t *s, const mp_var_t *other)
{
    return call_one(s, __func__, "issubset", "other", other);
}

int mp_set_is_superset(mp_proxy_t *s, const mp_var_t *other)
{
    return call_one(s, __func__, "issuperset", "other", other);
}

int mp_set_is_disjoint(mp_proxy_t *s, const mp_var_t *other)
{
    return call_one(s, __func__, "isdisjoint", "other", other);
}
