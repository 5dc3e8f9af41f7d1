/**
 * @file manager_list_items.c
 * @brief The manager's list on the server: `l[i]` and `l[a:b]`, read,
 *        assigned and deleted, with Python's index rules.
 *
 * Python passes `l[i]` and `l[a:b]` to the same __getitem__ (an int or a
 * slice object); here the argument count tells them apart: [i] is an
 * index, [start, stop] a slice (each bound an int, or nil for an omitted
 * one), and __setitem__ takes the value or the items after them.
 */
#include "mp_mgrlist.h"
#include "mp_var.h"

bool mp__mgrlist_index(int64_t i, size_t len, size_t *at)
{
    if (i < 0)
        i += (int64_t)len; /* cannot overflow: i < 0 and len < INT64_MAX */
    if (i < 0 || (uint64_t)i >= len)
        return false;
    *at = (size_t)i;
    return true;
}

size_t mp__mgrlist_clamp(int64_t i, size_t len)
{
    if (i < 0) {
        i += (int64_t)len;
        return i < 0 ? 0 : (size_t)i;
    }
    return (uint64_t)i > len ? len : (size_t)i;
}

int mp__mgrlist_index_arg(mp_manager_call_t *call, const char *method, const mp_var_t *v,
                          size_t len, const char *what, size_t *at)
{
    int64_t i = 0;
    int rc = mp__mgrdata_want(call, method, "index", v, MP_VAR_INT);
    if (rc < 0)
        return rc;
    mp_var_get_int(v, &i);
    return mp__mgrlist_index(i, len, at) ? 0 : mp_manager_call_fail(call, MP_EINDEX, "%s", what);
}

/* A slice's bounds from [start, stop] (ints or nil), clamped as Python's:
 * an omitted start is 0, an omitted stop the length, and a stop before
 * the start is the start (an empty slice there). */
static int slice_args(mp_manager_call_t *call, const char *method, const mp_var_t *const *a,
                      size_t len, size_t *start, size_t *stop)
{
    size_t b[2] = {0, len};
    static const char *const names[2] = {"slice start", "slice stop"};
    for (int k = 0; k < 2; k++) {
        if (mp_var_type(a[k]) == MP_VAR_NIL)
            continue;
        int64_t i = 0;
        int rc = mp__mgrdata_want(call, method, names[k], a[k], MP_VAR_INT);
        if (rc < 0)
            return rc;
        mp_var_get_int(a[k], &i);
        b[k] = mp__mgrlist_clamp(i, len);
    }
    *start = b[0];
    *stop = b[1] < b[0] ? b[0] : b[1];
    return 0;
}

/* Replace [start, stop) by `items` (a copy of the client's; NULL deletes). */
static int splice(mp_manager_call_t *call, const char *method, mp_var_t *self, size_t start,
                  size_t stop, const mp_var_t *items)
{
    mp_var_t *copy = NULL;
    int rc = items ? mp_var_copy(&copy, items) : 0;
    if (rc == 0)
        rc = mp__var_list_splice(self, start, stop, copy); /* takes the copy over */
    return rc == 0 ? 0 : mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
}

/* l[i] or l[a:b] (a new list). */
int mp__mgrlist_getitem(void *self, mp_manager_call_t *call)
{
    static const char method[] = MP__LIST_M("__getitem__");
    const mp_var_t *a[2];
    size_t len = mp_var_len(self), at = 0, start = 0, stop = 0;
    int rc = mp__mgrdata_args(call, method, 1, 2, a);
    if (rc == 1) {
        rc = mp__mgrlist_index_arg(call, method, a[0], len, "list index out of range", &at);
        return rc < 0 ? rc : mp__mgrdata_return_copy(call, mp_var_at(self, at));
    }
    if (rc == 2 && (rc = slice_args(call, method, a, len, &start, &stop)) == 0) {
        mp_var_t *out = NULL;
        rc = mp__var_list_slice(self, start, stop, &out);
        return rc == 0 ? mp__mgrdata_return(call, out)
                       : mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
    }
    return rc;
}

/* l[i] = v, or l[a:b] = items (a list; the slice may grow or shrink). */
int mp__mgrlist_setitem(void *self, mp_manager_call_t *call)
{
    static const char method[] = MP__LIST_M("__setitem__");
    const mp_var_t *a[3];
    size_t len = mp_var_len(self), at = 0, start = 0, stop = 0;
    int rc = mp__mgrdata_args(call, method, 2, 3, a);
    if (rc == 2) {
        rc = mp__mgrlist_index_arg(call, method, a[0], len, "list assignment index out of range",
                                   &at);
        if (rc < 0)
            return rc;
        mp_var_t *copy = NULL;
        if ((rc = mp_var_copy(&copy, a[1])) == 0)
            rc = mp_var_set_at(self, at, copy); /* takes it over, frees the old one */
        return rc == 0 ? 0 : mp_manager_call_fail(call, rc, "%s: %s", method, mp_strerror(rc));
    }
    if (rc == 3 && (rc = slice_args(call, method, a, len, &start, &stop)) == 0 &&
        (rc = mp__mgrdata_want(call, method, "items", a[2], MP_VAR_LIST)) == 0)
        rc = splice(call, method, self, start, stop, a[2]);
    return rc;
}

/* del l[i], or del l[a:b]. */
int mp__mgrlist_delitem(void *self, mp_manager_call_t *call)
{
    static const char method[] = MP__LIST_M("__delitem__");
    const mp_var_t *a[2];
    size_t len = mp_var_len(self), at = 0, start = 0, stop = 0;
    int rc = mp__mgrdata_args(call, method, 1, 2, a);
    if (rc == 1) {
        rc = mp__mgrlist_index_arg(call, method, a[0], len, "list assignment index out of range",
                                   &at);
        return rc < 0 ? rc : mp__var_list_remove_at(self, at, NULL);
    }
    if (rc == 2 && (rc = slice_args(call, method, a, len, &start, &stop)) == 0)
        rc = splice(call, method, self, start, stop, NULL);
    return rc;
}
