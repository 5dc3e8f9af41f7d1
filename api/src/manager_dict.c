/**
 * @file manager_dict.c
 * @brief The manager's dict on the server (Python's DictProxy's referent):
 *        its state is one mp_var_t map, and each method runs under the
 *        server's lock (mp_manager.h), so each is atomic.
 *
 * Methods are named as Python's. Every argument is checked here (a client
 * may be anything that speaks the protocol): a wrong count or type is
 * MP_EINVAL, an unhashable key MP_EINVAL, a missing key MP_EKEY with the
 * key's repr; the dict is unchanged by a failed call.
 */
#include "mp_mgrdata.h"
#include "mp_var.h"

/* The method's name in messages is "dict.NAME". */
#define M(name) "dict." name

/* `n` arguments between min and max, the first a hashable key. */
static int key_args(mp_manager_call_t *call, const char *method, size_t min, size_t max,
                    const mp_var_t **a)
{
    int n = mp__mgrdata_args(call, method, min, max, a);
    if (n < 0)
        return n;
    int rc = mp__mgrdata_hashable(call, method, "key", a[0]);
    return rc < 0 ? rc : n;
}

/* map[key] = value with copies of both (the arguments are the call's). */
static int set_copy(mp_manager_call_t *call, mp_var_t *map, const mp_var_t *key,
                    const mp_var_t *value)
{
    mp_var_t *k = NULL, *v = NULL;
    int rc = mp_var_copy(&k, key);
    if (rc == 0 && (rc = mp_var_copy(&v, value)) != 0)
        mp_var_free(k);
    if (rc == 0)
        rc = mp_var_map_set(map, k, v); /* takes both, also when it fails */
    return rc == 0 ? 0
                   : mp_manager_call_fail(call, rc, "dict: storing an entry: %s", mp_strerror(rc));
}

static int dict_setitem(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[2];
    int n = key_args(call, M("__setitem__"), 2, 2, a);
    return n < 0 ? n : set_copy(call, self, a[0], a[1]);
}

static int dict_getitem(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int n = key_args(call, M("__getitem__"), 1, 1, a);
    if (n < 0)
        return n;
    const mp_var_t *v = mp_var_map_get(self, a[0]);
    return v ? mp__mgrdata_return_copy(call, v) : mp__mgrdata_key_error(call, NULL, a[0]);
}

/* get(key[, default]): Python's default is None. */
static int dict_get(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[2];
    int n = key_args(call, M("get"), 1, 2, a);
    if (n < 0)
        return n;
    const mp_var_t *v = mp_var_map_get(self, a[0]);
    if (v || a[1])
        return mp__mgrdata_return_copy(call, v ? v : a[1]);
    return mp__mgrdata_return(call, mp_var_nil());
}

static int dict_delitem(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int n = key_args(call, M("__delitem__"), 1, 1, a);
    if (n < 0)
        return n;
    return mp__var_map_del(self, a[0]) == 0 ? 0 : mp__mgrdata_key_error(call, NULL, a[0]);
}

static int dict_contains(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int n = key_args(call, M("__contains__"), 1, 1, a);
    return n < 0 ? n : mp__mgrdata_return_bool(call, mp_var_map_get(self, a[0]) != NULL);
}

static int dict_len(void *self, mp_manager_call_t *call)
{
    int n = mp__mgrdata_args(call, M("__len__"), 0, 0, NULL);
    return n < 0 ? n : mp__mgrdata_return_int(call, (int64_t)mp_var_len(self));
}

/* What keys(), values(), items() and __reversed__ list of each entry. */
typedef enum part { KEYS, VALUES, ITEMS } part_t;

/* A list of one part of every entry, in order or (reversed) last first. */
static int list_of(mp_manager_call_t *call, const mp_var_t *map, const char *method, part_t part,
                   bool reversed)
{
    int rc = mp__mgrdata_args(call, method, 0, 0, NULL);
    if (rc < 0)
        return rc;
    mp_var_t *out = mp_var_list();
    size_t len = mp_var_len(map);
    for (size_t i = 0; out && i < len && rc == 0; i++) {
        size_t at = reversed ? len - 1 - i : i;
        const mp_var_t *k = mp_var_map_key_at(map, at), *v = mp_var_map_value_at(map, at);
        mp_var_t *item = NULL;
        if (part == ITEMS)
            rc = mp_var_pack(&item, "[v, v]", k, v);
        else
            rc = mp_var_copy(&item, part == KEYS ? k : v);
        if (rc == 0)
            rc = mp_var_append(out, item);
    }
    if (rc != 0) {
        mp_var_free(out);
        return mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
    }
    return mp__mgrdata_return(call, out);
}

static int dict_keys(void *self, mp_manager_call_t *call)
{
    return list_of(call, self, M("keys"), KEYS, false);
}

static int dict_values(void *self, mp_manager_call_t *call)
{
    return list_of(call, self, M("values"), VALUES, false);
}

static int dict_items(void *self, mp_manager_call_t *call)
{
    return list_of(call, self, M("items"), ITEMS, false);
}

static int dict_reversed(void *self, mp_manager_call_t *call)
{
    return list_of(call, self, M("__reversed__"), KEYS, true);
}

/* Entry i of what update() takes: a map's, or a pair of a list of pairs. */
static void entry_of(const mp_var_t *from, size_t i, const mp_var_t **k, const mp_var_t **v)
{
    if (mp_var_type(from) == MP_VAR_MAP) {
        *k = mp_var_map_key_at(from, i);
        *v = mp_var_map_value_at(from, i);
    } else {
        *k = mp_var_at(mp_var_at(from, i), 0);
        *v = mp_var_at(mp_var_at(from, i), 1);
    }
}

/* Check all of what update() takes before setting anything, so that a
 * refused update leaves the dict as it was. */
static int check_entries(mp_manager_call_t *call, const char *method, const mp_var_t *from,
                         bool pairs_allowed)
{
    mp_var_type_t t = mp_var_type(from);
    if (t != MP_VAR_MAP && !(pairs_allowed && t == MP_VAR_LIST))
        return mp_manager_call_fail(call, MP_EINVAL, "%s: argument must be %s, not %s", method,
                                    pairs_allowed ? "a map or a list of pairs" : "map",
                                    mp_var_type_name(t));
    for (size_t i = 0; t == MP_VAR_LIST && i < mp_var_len(from); i++) {
        const mp_var_t *pair = mp_var_at(from, i);
        if (mp_var_type(pair) != MP_VAR_LIST || mp_var_len(pair) != 2)
            return mp_manager_call_fail(call, MP_EINVAL,
                                        "%s: element %zu of the sequence is not a [key, value] "
                                        "pair",
                                        method, i);
        int rc = mp__mgrdata_hashable(call, method, "key", mp_var_at(pair, 0));
        if (rc < 0)
            return rc;
    }
    return 0; /* a map's keys are hashable already */
}

/* Set every entry of `from` (checked) into `map`. */
static int merge(mp_manager_call_t *call, mp_var_t *map, const mp_var_t *from)
{
    size_t len = mp_var_len(from);
    for (size_t i = 0; i < len; i++) {
        const mp_var_t *k, *v;
        entry_of(from, i, &k, &v);
        int rc = set_copy(call, map, k, v);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* update(m) and |= m: in place; both take a map or a list of pairs. */
static int update_with(void *self, mp_manager_call_t *call, const char *method)
{
    const mp_var_t *a[1];
    int rc = mp__mgrdata_args(call, method, 1, 1, a);
    if (rc >= 0)
        rc = check_entries(call, method, a[0], true);
    return rc < 0 ? rc : merge(call, self, a[0]);
}

static int dict_update(void *self, mp_manager_call_t *call)
{
    return update_with(self, call, M("update"));
}

static int dict_ior(void *self, mp_manager_call_t *call)
{
    return update_with(self, call, M("__ior__"));
}

/* d | m: a plain map, the dict's entries then m's (m must be a map, as
 * Python's dict | list is a TypeError). */
static int dict_or(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int rc = mp__mgrdata_args(call, M("__or__"), 1, 1, a);
    if (rc >= 0)
        rc = check_entries(call, M("__or__"), a[0], false);
    if (rc < 0)
        return rc;
    mp_var_t *out = NULL;
    if ((rc = mp_var_copy(&out, self)) != 0)
        return mp_manager_call_fail(call, rc, "dict.__or__: %s", mp_strerror(rc));
    if ((rc = merge(call, out, a[0])) < 0) {
        mp_var_free(out);
        return rc;
    }
    return mp__mgrdata_return(call, out);
}

/* pop(key[, default]): the value goes to the client, the entry away. */
static int dict_pop(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[2];
    int n = key_args(call, M("pop"), 1, 2, a);
    if (n < 0)
        return n;
    mp_var_t *value = NULL;
    if (mp__var_map_remove(self, a[0], &value) == 0)
        return mp__mgrdata_return(call, value);
    return a[1] ? mp__mgrdata_return_copy(call, a[1]) : mp__mgrdata_key_error(call, NULL, a[0]);
}

/* popitem(): the last inserted entry as [key, value] (LIFO). */
static int dict_popitem(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("popitem"), 0, 0, NULL);
    if (rc < 0)
        return rc;
    if (mp_var_len(self) == 0)
        return mp_manager_call_fail(call, MP_EKEY, "'popitem(): dictionary is empty'");
    mp_var_t *key = NULL, *value = NULL, *pair = mp_var_list();
    if (!pair)
        return mp_manager_call_fail(call, MP_ENOMEM, "dict.popitem: out of memory");
    mp__var_map_pop_last(self, &key, &value);
    rc = mp_var_append(pair, key); /* takes it over, also when it fails */
    if (rc == 0)
        rc = mp_var_append(pair, value);
    else
        mp_var_free(value);
    if (rc != 0) {
        mp_var_free(pair);
        return mp_manager_call_fail(call, rc, "dict.popitem: %s", mp_strerror(rc));
    }
    return mp__mgrdata_return(call, pair);
}

/* setdefault(key[, default]): one atomic step, Python's default None. */
static int dict_setdefault(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[2];
    int n = key_args(call, M("setdefault"), 1, 2, a);
    if (n < 0)
        return n;
    const mp_var_t *v = mp_var_map_get(self, a[0]);
    if (!v) {
        mp_var_t *nil = a[1] ? NULL : mp_var_nil();
        int rc = set_copy(call, self, a[0], a[1] ? a[1] : nil);
        mp_var_free(nil);
        if (rc < 0)
            return rc;
        v = mp_var_map_get(self, a[0]);
    }
    return mp__mgrdata_return_copy(call, v);
}

static int dict_clear(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("clear"), 0, 0, NULL);
    if (rc < 0)
        return rc;
    mp__var_clear(self);
    return 0;
}

static int dict_copy(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("copy"), 0, 0, NULL);
    return rc < 0 ? rc : mp__mgrdata_return_copy(call, self);
}

/* dict() or dict(map) or dict(list of pairs). */
static int dict_create(void **self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int n = mp__mgrdata_args(call, "dict", 0, 1, a);
    if (n < 0)
        return n;
    if (n == 1 && (n = check_entries(call, "dict", a[0], true)) < 0)
        return n;
    mp_var_t *map = mp_var_map();
    if (!map)
        return mp_manager_call_fail(call, MP_ENOMEM, "dict: out of memory");
    int rc = a[0] ? merge(call, map, a[0]) : 0;
    if (rc < 0) {
        mp_var_free(map);
        return rc;
    }
    *self = map;
    return 0;
}

static const mp_manager_method_t dict_methods[] = {
    MP_METHOD("__setitem__", dict_setitem),
    MP_METHOD("__getitem__", dict_getitem),
    MP_METHOD("get", dict_get),
    MP_METHOD("__delitem__", dict_delitem),
    MP_METHOD("__contains__", dict_contains),
    MP_METHOD("__len__", dict_len),
    MP_METHOD("keys", dict_keys),
    MP_METHOD("values", dict_values),
    MP_METHOD("items", dict_items),
    MP_METHOD("__reversed__", dict_reversed),
    MP_METHOD("update", dict_update),
    MP_METHOD("__ior__", dict_ior),
    MP_METHOD("__or__", dict_or),
    MP_METHOD("pop", dict_pop),
    MP_METHOD("popitem", dict_popitem),
    MP_METHOD("setdefault", dict_setdefault),
    MP_METHOD("clear", dict_clear),
    MP_METHOD("copy", dict_copy),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_dict = {
    .name = "dict",
    .create = dict_create,
    .destroy = mp__mgrdata_destroy,
    .methods = dict_methods,
};
