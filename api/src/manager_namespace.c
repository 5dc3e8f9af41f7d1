/**
 * @file manager_namespace.c
 * @brief The manager's Namespace on the server (Python's NamespaceProxy's
 *        referent): named attributes in one mp_var_t map with string keys.
 *
 * Methods are Python's attribute protocol: `__getattribute__`,
 * `__setattr__`, `__delattr__`, `__repr__` (which hides names starting
 * with `_`), and `_getvalue` (a copy of every attribute, Python's
 * BaseProxy._getvalue()). A missing attribute is MP_EKEY with Python's
 * AttributeError message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_mgrdata.h"
#include "mp_var.h"

#define M(name) "Namespace." name

/* The attribute name, the first of `min`..`max` arguments: a string. */
static int name_args(mp_manager_call_t *call, const char *method, size_t min, size_t max,
                     const mp_var_t **a)
{
    int n = mp__mgrdata_args(call, method, min, max, a);
    if (n < 0)
        return n;
    int rc = mp__mgrdata_want(call, method, "name", a[0], MP_VAR_STR);
    return rc < 0 ? rc : n;
}

static int no_attribute(mp_manager_call_t *call, const mp_var_t *name)
{
    const char *s = "";
    mp_var_get_str(name, &s);
    return mp_manager_call_fail(call, MP_EKEY, "'Namespace' object has no attribute '%.200s'", s);
}

static int ns_getattribute(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int rc = name_args(call, M("__getattribute__"), 1, 1, a);
    if (rc < 0)
        return rc;
    const mp_var_t *v = mp_var_map_get(self, a[0]);
    return v ? mp__mgrdata_return_copy(call, v) : no_attribute(call, a[0]);
}

static int ns_setattr(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[2];
    int rc = name_args(call, M("__setattr__"), 2, 2, a);
    if (rc < 0)
        return rc;
    mp_var_t *k = NULL, *v = NULL;
    rc = mp_var_copy(&k, a[0]);
    if (rc == 0 && (rc = mp_var_copy(&v, a[1])) != 0)
        mp_var_free(k);
    if (rc == 0)
        rc = mp_var_map_set(self, k, v); /* takes both over */
    return rc == 0 ? 0
                   : mp_manager_call_fail(call, rc, "Namespace.__setattr__: %s", mp_strerror(rc));
}

static int ns_delattr(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int rc = name_args(call, M("__delattr__"), 1, 1, a);
    if (rc < 0)
        return rc;
    return mp__var_map_del(self, a[0]) == 0 ? 0 : no_attribute(call, a[0]);
}

static int ns_getvalue(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("_getvalue"), 0, 0, NULL);
    return rc < 0 ? rc : mp__mgrdata_return_copy(call, self);
}

/* One "name=repr" of the description. */
typedef struct shown {
    char *text;
    size_t len;
} shown_t;

static int shown_cmp(const void *a, const void *b)
{
    const shown_t *x = a, *y = b;
    int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* "name=repr(value)" for entry i. */
static int show_entry(const mp_var_t *self, size_t i, shown_t *out)
{
    const char *name = NULL;
    mp_var_get_str(mp_var_map_key_at(self, i), &name);
    size_t nlen = mp_var_len(mp_var_map_key_at(self, i));
    char *repr = mp__mgrdata_repr(mp_var_map_value_at(self, i));
    size_t rlen = repr ? strlen(repr) : 0;
    out->text = repr ? malloc(nlen + 1 + rlen + 1) : NULL;
    if (out->text) {
        memcpy(out->text, name, nlen);
        out->text[nlen] = '=';
        memcpy(out->text + nlen + 1, repr, rlen + 1);
        out->len = nlen + 1 + rlen;
    }
    free(repr);
    return out->text ? 0 : MP_ENOMEM;
}

/* "Namespace(a=1, b='x')": the public attributes sorted as Python sorts
 * the "name=repr" strings (by code point, which UTF-8's bytes keep). */
static char *describe(const mp_var_t *self)
{
    size_t len = mp_var_len(self), n = 0, total = sizeof "Namespace()";
    shown_t *shown = calloc(len ? len : 1, sizeof *shown);
    int rc = shown ? 0 : MP_ENOMEM;
    for (size_t i = 0; i < len && rc == 0; i++) {
        const char *name = NULL;
        mp_var_get_str(mp_var_map_key_at(self, i), &name);
        if (name[0] == '_')
            continue; /* private: stored, read and deleted, never shown */
        if ((rc = show_entry(self, i, &shown[n])) == 0)
            total += shown[n++].len + 2;
    }
    char *out = rc == 0 ? malloc(total) : NULL;
    if (out) {
        qsort(shown, n, sizeof *shown, shown_cmp);
        size_t at = (size_t)sprintf(out, "Namespace(");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                at += (size_t)sprintf(out + at, ", ");
            memcpy(out + at, shown[i].text, shown[i].len);
            at += shown[i].len;
        }
        sprintf(out + at, ")");
    }
    for (size_t i = 0; i < n; i++)
        free(shown[i].text);
    free(shown);
    return out;
}

static int ns_repr(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("__repr__"), 0, 0, NULL);
    if (rc < 0)
        return rc;
    char *text = describe(self);
    if (!text)
        return mp_manager_call_fail(call, MP_ENOMEM, "Namespace.__repr__: out of memory");
    mp_var_t *v = mp_var_str(text);
    free(text);
    return mp__mgrdata_return(call, v);
}

/* Namespace() or Namespace(map of string keys: Python's **kwds). */
static int ns_create(void **self, mp_manager_call_t *call)
{
    mp_var_t *map = NULL;
    int rc = mp__mgrdata_create(call, "Namespace", MP_VAR_MAP, &map);
    for (size_t i = 0; rc == 0 && i < mp_var_len(map); i++)
        rc = mp__mgrdata_want(call, "Namespace", "an attribute's name", mp_var_map_key_at(map, i),
                              MP_VAR_STR);
    if (rc < 0) {
        mp_var_free(map);
        return rc;
    }
    *self = map;
    return 0;
}

static const mp_manager_method_t ns_methods[] = {
    MP_METHOD("__getattribute__", ns_getattribute),
    MP_METHOD("__setattr__", ns_setattr),
    MP_METHOD("__delattr__", ns_delattr),
    MP_METHOD("__repr__", ns_repr),
    MP_METHOD("_getvalue", ns_getvalue),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_namespace = {
    .name = "Namespace",
    .create = ns_create,
    .destroy = mp__mgrdata_destroy,
    .methods = ns_methods,
};
