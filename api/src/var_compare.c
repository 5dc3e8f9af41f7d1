/* mp_var_compare(): Python's ordering of builtin values, for a managed
 * list's sort (mp__var_list_sort(), a stable merge sort on top of it). */
#include "mp_var_impl.h"

#include <stdlib.h>
#include <string.h>

#include "mp_backend.h"

static bool is_number(const mp_var_t *v)
{
    return v->type == MP_VAR_BOOL || v->type == MP_VAR_INT || v->type == MP_VAR_DOUBLE;
}

static int sign(bool less, bool greater)
{
    return less ? -1 : greater ? 1 : 0;
}

/* Numbers by value, as Python compares int and float exactly: an int64
 * past 2^53 is not rounded to a double first. */
static int compare_numbers(const mp_var_t *a, const mp_var_t *b, int *order)
{
    if (a->type != MP_VAR_DOUBLE && b->type != MP_VAR_DOUBLE) {
        int64_t x = a->type == MP_VAR_BOOL ? a->u.b : a->u.i;
        int64_t y = b->type == MP_VAR_BOOL ? b->u.b : b->u.i;
        *order = sign(x<y, x> y);
        return 0;
    }
    if (a->type == MP_VAR_DOUBLE && b->type == MP_VAR_DOUBLE) {
        *order = sign(a->u.d<b->u.d, a->u.d> b->u.d); /* NaN: neither, as Python's */
        return 0;
    }
    /* One int (or bool), one double. */
    bool flip = a->type == MP_VAR_DOUBLE;
    const mp_var_t *iv = flip ? b : a;
    double d = flip ? a->u.d : b->u.d;
    int64_t i = iv->type == MP_VAR_BOOL ? iv->u.b : iv->u.i;
    int o;
    if (d != d)
        o = 0;
    else if (d >= 9223372036854775808.0)
        o = -1;
    else if (d < -9223372036854775808.0)
        o = 1;
    else {
        /* d fits in int64 after truncation: compare integer parts, then the
         * fraction decides a tie. */
        int64_t t = (int64_t)d;
        double frac = d - (double)t;
        o = i < t ? -1 : i > t ? 1 : frac > 0 ? -1 : frac < 0 ? 1 : 0;
    }
    *order = flip ? -o : o;
    return 0;
}

static int compare_blobs(const mp_var_t *a, const mp_var_t *b)
{
    size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
    int c = n ? memcmp(a->u.s.data, b->u.s.data, n) : 0;
    return c ? sign(c<0, c> 0) : sign(a->u.s.len<b->u.s.len, a->u.s.len> b->u.s.len);
}

static int unorderable(const mp_var_t *a, const mp_var_t *b)
{
    return mp__errdetail_set(MP_EINVAL, "'<' not supported between instances of '%s' and '%s'",
                             mp_var_type_name(a->type), mp_var_type_name(b->type));
}

int mp_var_compare(const mp_var_t *a, const mp_var_t *b, int *order)
{
    if (!a || !b || !order)
        return mp__errdetail_set(MP_EINVAL, "mp_var_compare: %s is NULL",
                                 !order ? "order" : "a value");
    if (is_number(a) && is_number(b))
        return compare_numbers(a, b, order);
    if (a->type != b->type)
        return unorderable(a, b);
    switch (a->type) {
    case MP_VAR_STR:
    case MP_VAR_BYTES: *order = compare_blobs(a, b); return 0;
    case MP_VAR_LIST:
        /* Element by element: the first unequal pair decides, else the
         * shorter list is the smaller. */
        for (size_t i = 0; i < a->u.list.len && i < b->u.list.len; i++) {
            const mp_var_t *x = a->u.list.items[i], *y = b->u.list.items[i];
            if (mp_var_equal(x, y))
                continue;
            /* Unequal types may still compare equal (1 and 1.0): go on. */
            int rc = mp_var_compare(x, y, order);
            if (rc < 0 || *order != 0)
                return rc;
        }
        *order = sign(a->u.list.len<b->u.list.len, a->u.list.len> b->u.list.len);
        return 0;
    default: return unorderable(a, b);
    }
}

/* ---- sort ------------------------------------------------------------- */

typedef struct sorter {
    bool reverse;
    int rc; /**< the first failure */
} sorter_t;

/* Whether `b` must come before `a` (the only question a stable merge asks). */
static bool before(sorter_t *s, const mp_var_t *b, const mp_var_t *a)
{
    int o = 0;
    if (s->rc == 0)
        s->rc = mp_var_compare(b, a, &o);
    return s->reverse ? o > 0 : o < 0;
}

static void merge_sort(sorter_t *s, mp_var_t **v, mp_var_t **tmp, size_t n)
{
    if (n < 2 || s->rc < 0)
        return;
    size_t half = n / 2;
    merge_sort(s, v, tmp, half);
    merge_sort(s, v + half, tmp, n - half);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        tmp[k++] = before(s, v[j], v[i]) ? v[j++] : v[i++];
    while (i < half)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

int mp__var_list_sort(mp_var_t *list, bool reverse)
{
    if (!list || list->type != MP_VAR_LIST)
        return mp__var_type_error("mp__var_list_sort", list, MP_VAR_LIST);
    size_t n = list->u.list.len;
    if (n < 2)
        return 0;
    /* Sort a copy of the pointers: a failed comparison leaves the list as
     * it was. */
    mp_var_t **work = malloc(2 * n * sizeof *work);
    if (!work)
        return mp__errdetail_set(MP_ENOMEM, "list sort: out of memory");
    memcpy(work, list->u.list.items, n * sizeof *work);
    sorter_t s = {reverse, 0};
    merge_sort(&s, work, work + n, n);
    if (s.rc == 0)
        memcpy(list->u.list.items, work, n * sizeof *work);
    free(work);
    return s.rc;
}
