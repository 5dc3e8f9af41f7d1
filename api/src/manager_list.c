/**
 * @file manager_list.c
 * @brief The manager's list on the server (Python's ListProxy's referent):
 *        its state is one mp_var_t list; each method runs under the
 *        server's lock (mp_manager.h), so each is atomic. This file has the
 *        type and the methods that add, take or reorder elements;
 *        manager_list_items.c has indexing and slices, manager_list_ops.c
 *        searches and arithmetic.
 */
#include "mp_mgrlist.h"
#include "mp_var.h"

#define M MP__LIST_M

/* Append copies of every element of `items` (a list: checked). */
static int extend_with(mp_var_t *self, mp_manager_call_t *call, const char *method)
{
    const mp_var_t *a[1];
    int rc = mp__mgrdata_args(call, method, 1, 1, a);
    if (rc < 0 || (rc = mp__mgrdata_want(call, method, "items", a[0], MP_VAR_LIST)) < 0)
        return rc;
    mp_var_t *copy = NULL;
    size_t len = mp_var_len(self);
    if ((rc = mp_var_copy(&copy, a[0])) == 0)
        rc = mp__var_list_splice(self, len, len, copy); /* takes the copy over */
    return rc == 0 ? 0 : mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
}

/* Insert a copy of `item` before position `at` (at most the length). */
static int insert_copy(mp_var_t *self, mp_manager_call_t *call, const char *method, size_t at,
                       const mp_var_t *item)
{
    mp_var_t *copy = NULL;
    int rc = mp_var_copy(&copy, item);
    if (rc == 0)
        rc = mp__var_list_insert(self, at, copy); /* takes it over, also when it fails */
    return rc == 0 ? 0 : mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
}

static int list_append(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int rc = mp__mgrdata_args(call, M("append"), 1, 1, a);
    return rc < 0 ? rc : insert_copy(self, call, M("append"), mp_var_len(self), a[0]);
}

static int list_extend(void *self, mp_manager_call_t *call)
{
    return extend_with(self, call, M("extend"));
}

/* l += items: Python's ListProxy keeps the proxy; the same as extend. */
static int list_iadd(void *self, mp_manager_call_t *call)
{
    return extend_with(self, call, M("__iadd__"));
}

/* insert(i, x): i clamped as Python's, never an IndexError. */
static int list_insert(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[2];
    int64_t i = 0;
    int rc = mp__mgrdata_args(call, M("insert"), 2, 2, a);
    if (rc < 0 || (rc = mp__mgrdata_want(call, M("insert"), "index", a[0], MP_VAR_INT)) < 0)
        return rc;
    mp_var_get_int(a[0], &i);
    return insert_copy(self, call, M("insert"), mp__mgrlist_clamp(i, mp_var_len(self)), a[1]);
}

static int list_len(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("__len__"), 0, 0, NULL);
    return rc < 0 ? rc : mp__mgrdata_return_int(call, (int64_t)mp_var_len(self));
}

/* pop() or pop(i): the element goes to the client. */
static int list_pop(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    size_t len = mp_var_len(self), at = len - 1;
    int rc = mp__mgrdata_args(call, M("pop"), 0, 1, a);
    if (rc < 0)
        return rc;
    if (len == 0)
        return mp_manager_call_fail(call, MP_EINDEX, "pop from empty list");
    if (rc == 1 &&
        (rc = mp__mgrlist_index_arg(call, M("pop"), a[0], len, "pop index out of range", &at)) < 0)
        return rc;
    mp_var_t *item = NULL;
    mp__var_list_remove_at(self, at, &item);
    return mp__mgrdata_return(call, item);
}

static int list_reverse(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("reverse"), 0, 0, NULL);
    if (rc >= 0)
        mp__var_list_reverse(self);
    return rc < 0 ? rc : 0;
}

/* sort() or sort(reverse): stable; unorderable elements leave the list as
 * it was (Python may leave it partly sorted) with MP_EINVAL. */
static int list_sort(void *self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    bool reverse = false;
    int rc = mp__mgrdata_args(call, M("sort"), 0, 1, a);
    if (rc == 1 && (rc = mp__mgrdata_want(call, M("sort"), "reverse", a[0], MP_VAR_BOOL)) == 0)
        mp_var_get_bool(a[0], &reverse);
    if (rc < 0)
        return rc;
    if ((rc = mp__var_list_sort(self, reverse)) != 0)
        return mp_manager_call_fail(call, rc, "list.sort: %s", mp_errdetail());
    return 0;
}

static int list_clear(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("clear"), 0, 0, NULL);
    if (rc >= 0)
        mp__var_clear(self);
    return rc < 0 ? rc : 0;
}

static int list_copy(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("copy"), 0, 0, NULL);
    return rc < 0 ? rc : mp__mgrdata_return_copy(call, self);
}

/* list() or list(items). */
static int list_create(void **self, mp_manager_call_t *call)
{
    return mp__mgrdata_create(call, "list", MP_VAR_LIST, (mp_var_t **)self);
}

static const mp_manager_method_t list_methods[] = {
    MP_METHOD("append", list_append),
    MP_METHOD("extend", list_extend),
    MP_METHOD("__iadd__", list_iadd),
    MP_METHOD("insert", list_insert),
    MP_METHOD("__getitem__", mp__mgrlist_getitem),
    MP_METHOD("__setitem__", mp__mgrlist_setitem),
    MP_METHOD("__delitem__", mp__mgrlist_delitem),
    MP_METHOD("__len__", list_len),
    MP_METHOD("pop", list_pop),
    MP_METHOD("remove", mp__mgrlist_remove),
    MP_METHOD("index", mp__mgrlist_find),
    MP_METHOD("count", mp__mgrlist_count),
    MP_METHOD("__contains__", mp__mgrlist_contains),
    MP_METHOD("__add__", mp__mgrlist_add),
    MP_METHOD("__mul__", mp__mgrlist_mul),
    MP_METHOD("__imul__", mp__mgrlist_imul),
    MP_METHOD("reverse", list_reverse),
    MP_METHOD("sort", list_sort),
    MP_METHOD("clear", list_clear),
    MP_METHOD("copy", list_copy),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_list = {
    .name = "list",
    .create = list_create,
    .destroy = mp__mgrdata_destroy,
    .methods = list_methods,
};
