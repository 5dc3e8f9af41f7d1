/**
 * @file manager_list_ops.c
 * @brief The manager's list on the server: searching by equality (remove,
 *        index, count, `in`) and arithmetic (`+` and `*` answer plain
 *        lists, `*=` changes the list in place).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "mp_mgrlist.h"
#include "mp_var.h"

/* The longest list `*` and `*=` make: Python would try until memory runs
 * out, but here one client's `l *= 10**12` would hold the server's lock
 * (and every other client) for as long. */
#define LIST_MUL_MAX ((size_t)1 << 26)

/* The first element equal to `item` at or after `from`, or the length. */
static size_t find(const mp_var_t *list, const mp_var_t *item, size_t from)
{
    size_t len = mp_var_len(list);
    while (from < len && !mp_var_equal(mp_var_at(list, from), item))
        from++;
    return from;
}

/* The one argument of a search. */
static const mp_var_t *item_arg(mp_manager_call_t *call, const char *method, int *rc)
{
    const mp_var_t *a[1] = {NULL};
    *rc = mp__mgrdata_args(call, method, 1, 1, a);
    return a[0];
}

/* remove(x): the first equal element; none is MP_EINDEX (Python's
 * ValueError "list.remove(x): x not in list"). */
int mp__mgrlist_remove(void *self, mp_manager_call_t *call)
{
    int rc;
    const mp_var_t *item = item_arg(call, MP__LIST_M("remove"), &rc);
    if (rc < 0)
        return rc;
    size_t at = find(self, item, 0);
    if (at == mp_var_len(self))
        return mp_manager_call_fail(call, MP_EINDEX, "list.remove(x): x not in list");
    return mp__var_list_remove_at(self, at, NULL);
}

/* index(x): where the first equal element is. */
int mp__mgrlist_find(void *self, mp_manager_call_t *call)
{
    int rc;
    const mp_var_t *item = item_arg(call, MP__LIST_M("index"), &rc);
    if (rc < 0)
        return rc;
    size_t at = find(self, item, 0);
    if (at < mp_var_len(self))
        return mp__mgrdata_return_int(call, (int64_t)at);
    char *repr = mp__mgrdata_repr(item);
    rc = mp_manager_call_fail(call, MP_EINDEX, "%.200s is not in list", repr ? repr : "x");
    free(repr);
    return rc;
}

int mp__mgrlist_count(void *self, mp_manager_call_t *call)
{
    int rc;
    const mp_var_t *item = item_arg(call, MP__LIST_M("count"), &rc);
    if (rc < 0)
        return rc;
    int64_t n = 0;
    for (size_t at = find(self, item, 0); at < mp_var_len(self); at = find(self, item, at + 1))
        n++;
    return mp__mgrdata_return_int(call, n);
}

int mp__mgrlist_contains(void *self, mp_manager_call_t *call)
{
    int rc;
    const mp_var_t *item = item_arg(call, MP__LIST_M("__contains__"), &rc);
    if (rc < 0)
        return rc;
    return mp__mgrdata_return_bool(call, find(self, item, 0) < mp_var_len(self));
}

/* Append copies of `from`'s elements to `to`, `times` times. */
static int repeat_into(mp_var_t *to, const mp_var_t *from, size_t times)
{
    size_t len = mp_var_len(from);
    int rc = 0;
    for (size_t t = 0; t < times && rc == 0; t++) {
        for (size_t i = 0; i < len && rc == 0; i++) {
            mp_var_t *copy = NULL;
            if ((rc = mp_var_copy(&copy, mp_var_at(from, i))) == 0)
                rc = mp_var_append(to, copy);
        }
    }
    return rc;
}

/* l + other: a plain list (Python's ListProxy.__add__ answers a list). */
int mp__mgrlist_add(void *self, mp_manager_call_t *call)
{
    static const char method[] = MP__LIST_M("__add__");
    int rc;
    const mp_var_t *other = item_arg(call, method, &rc);
    if (rc < 0 || (rc = mp__mgrdata_want(call, method, "other", other, MP_VAR_LIST)) < 0)
        return rc;
    mp_var_t *out = mp_var_list();
    rc = out ? repeat_into(out, self, 1) : MP_ENOMEM;
    if (rc == 0)
        rc = repeat_into(out, other, 1);
    if (rc != 0) {
        mp_var_free(out);
        return mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
    }
    return mp__mgrdata_return(call, out);
}

/* The factor of `*` and `*=`: an int; 0 or less empties (as Python's). */
static int times_arg(mp_manager_call_t *call, const char *method, size_t len, size_t *times)
{
    int rc;
    const mp_var_t *n = item_arg(call, method, &rc);
    if (rc < 0 || (rc = mp__mgrdata_want(call, method, "n", n, MP_VAR_INT)) < 0)
        return rc;
    int64_t t = 0;
    mp_var_get_int(n, &t);
    *times = t <= 0 ? 0 : (size_t)t;
    if (len > 0 && (t > (int64_t)(LIST_MUL_MAX / len)))
        return mp_manager_call_fail(
            call, MP_ENOMEM, "%s: the list would hold %zu x %" PRId64 " elements (at most %zu)",
            method, len, t, LIST_MUL_MAX);
    return 0;
}

/* l * n: a plain list. */
int mp__mgrlist_mul(void *self, mp_manager_call_t *call)
{
    static const char method[] = MP__LIST_M("__mul__");
    size_t times = 0;
    int rc = times_arg(call, method, mp_var_len(self), &times);
    if (rc < 0)
        return rc;
    mp_var_t *out = mp_var_list();
    rc = out ? repeat_into(out, self, times) : MP_ENOMEM;
    if (rc != 0) {
        mp_var_free(out);
        return mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
    }
    return mp__mgrdata_return(call, out);
}

/* l *= n: in place. The copies come from a snapshot of the list, which
 * grows while they are appended. */
int mp__mgrlist_imul(void *self, mp_manager_call_t *call)
{
    static const char method[] = MP__LIST_M("__imul__");
    size_t times = 0;
    int rc = times_arg(call, method, mp_var_len(self), &times);
    if (rc < 0)
        return rc;
    if (times == 0) {
        mp__var_clear(self);
        return 0;
    }
    mp_var_t *once = NULL;
    if ((rc = mp_var_copy(&once, self)) == 0)
        rc = repeat_into(self, once, times - 1);
    mp_var_free(once);
    return rc == 0 ? 0 : mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
}
