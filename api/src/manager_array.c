/* Array in a manager's server: numbers of one C type (Python's
 * manager.Array(typecode, sequence)). The elements are kept as values
 * already converted to the type: an int in the type's range, or a double
 * (rounded to float precision for MP_FLOAT), so get() hands out exactly
 * what a C array of that type would hold. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

typedef struct marray {
    mp_type_t type;
    mp_var_t *items; /**< a list */
} marray_t;

/* The range of an integer type; false for the float types. */
static bool int_range(mp_type_t type, int64_t *lo, int64_t *hi)
{
    switch (type) {
    case MP_INT8: *lo = INT8_MIN, *hi = INT8_MAX; return true;
    case MP_UINT8: *lo = 0, *hi = UINT8_MAX; return true;
    case MP_CHAR: *lo = CHAR_MIN, *hi = CHAR_MAX; return true;
    case MP_INT16: *lo = INT16_MIN, *hi = INT16_MAX; return true;
    case MP_UINT16: *lo = 0, *hi = UINT16_MAX; return true;
    case MP_INT32: *lo = INT32_MIN, *hi = INT32_MAX; return true;
    case MP_UINT32: *lo = 0, *hi = UINT32_MAX; return true;
    case MP_INT64: *lo = INT64_MIN, *hi = INT64_MAX; return true;
    case MP_UINT64: *lo = 0, *hi = INT64_MAX; return true; /* what an int value can hold */
    default: return false;
    }
}

/* `v` converted to the array's type, or MP_EINVAL with the call's message
 * (`what` names the element). */
static int convert(mp_manager_call_t *call, mp_type_t type, const mp_var_t *v, const char *what,
                   mp_var_t **out)
{
    int64_t lo, hi, n;
    double d;
    if (int_range(type, &lo, &hi)) {
        if (mp_var_get_int(v, &n) < 0)
            return mp_manager_call_fail(call, MP_EINVAL, "Array: %s must be an int, not %s", what,
                                        mp_var_type_name(mp_var_type(v)));
        if (n < lo || n > hi)
            return mp_manager_call_fail(call, MP_EINVAL, "Array: %s %lld does not fit the type",
                                        what, (long long)n);
        *out = mp_var_int(n);
    } else {
        if (mp_var_type(v) == MP_VAR_BOOL || mp_var_get_double(v, &d) < 0)
            return mp_manager_call_fail(call, MP_EINVAL, "Array: %s must be a number, not %s", what,
                                        mp_var_type_name(mp_var_type(v)));
        *out = mp_var_double(type == MP_FLOAT ? (double)(float)d : d);
    }
    return *out ? 0 : mp_manager_call_fail(call, MP_ENOMEM, "out of memory for the array");
}

static int fill(marray_t *a, mp_manager_call_t *call, const mp_var_t *items)
{
    if (items && mp_var_type(items) != MP_VAR_LIST)
        return mp_manager_call_fail(call, MP_EINVAL, "Array: the items must be a list, not %s",
                                    mp_var_type_name(mp_var_type(items)));
    for (size_t i = 0; i < mp_var_len(items); i++) {
        char what[48];
        snprintf(what, sizeof what, "item %zu", i);
        mp_var_t *e = NULL;
        int rc = convert(call, a->type, mp_var_at(items, i), what, &e);
        if (rc == 0 && (rc = mp_var_append(a->items, e)) < 0)
            rc = mp_manager_call_fail(call, rc, "out of memory for the array");
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int array_create(void **self, mp_manager_call_t *call)
{
    int64_t type = 0;
    int rc = mp__marg_int(call, 0, "Array", &type);
    if (rc < 0)
        return rc;
    if (type < MP_INT8 || type > MP_CHAR)
        return mp_manager_call_fail(call, MP_EINVAL, "Array: type %lld is not a number type",
                                    (long long)type);
    marray_t *a = calloc(1, sizeof *a);
    if (!a || !(a->items = mp_var_list())) {
        free(a);
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for the array");
    }
    a->type = (mp_type_t)type;
    const mp_var_t *items = mp_var_at(mp_manager_call_args(call), 1);
    if ((rc = fill(a, call, mp_var_type(items) == MP_VAR_NIL ? NULL : items)) < 0) {
        mp_var_free(a->items);
        free(a);
        return rc;
    }
    *self = a;
    return 0;
}

static void array_destroy(void *self)
{
    marray_t *a = self;
    mp_var_free(a->items);
    free(a);
}

/* Argument 0 as an index into the array, negative from the end. */
static int index_arg(marray_t *a, mp_manager_call_t *call, const char *method, size_t *out)
{
    int64_t i = 0;
    int rc = mp__marg_int(call, 0, method, &i);
    if (rc < 0)
        return rc;
    int64_t len = (int64_t)mp_var_len(a->items);
    if (i < 0)
        i += len;
    if (i < 0 || i >= len)
        return mp_manager_call_fail(call, MP_EINDEX, "array index out of range");
    *out = (size_t)i;
    return 0;
}

static int m_len(void *self, mp_manager_call_t *call)
{
    return mp__mreturn_int(call, (int64_t)mp_var_len(((marray_t *)self)->items));
}

static int m_get(void *self, mp_manager_call_t *call)
{
    marray_t *a = self;
    size_t i = 0;
    mp_var_t *copy = NULL;
    int rc = index_arg(a, call, "get", &i);
    if (rc == 0 && mp_var_copy(&copy, mp_var_at(a->items, i)) < 0)
        rc = mp_manager_call_fail(call, MP_ENOMEM, "out of memory for the element");
    return rc < 0 ? rc : mp_manager_call_return(call, copy);
}

static int m_set(void *self, mp_manager_call_t *call)
{
    marray_t *a = self;
    size_t i = 0;
    const mp_var_t *v = NULL;
    mp_var_t *e = NULL;
    int rc = index_arg(a, call, "set", &i);
    if (rc == 0)
        rc = mp__marg_var(call, 1, "set", &v);
    if (rc == 0)
        rc = convert(call, a->type, v, "the value", &e);
    return rc < 0 ? rc : mp_var_set_at(a->items, i, e);
}

static int m_copy(void *self, mp_manager_call_t *call)
{
    mp_var_t *copy = NULL;
    if (mp_var_copy(&copy, ((marray_t *)self)->items) < 0)
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for the copy");
    return mp_manager_call_return(call, copy);
}

static const mp_manager_method_t methods[] = {
    MP_METHOD("len", m_len),   MP_METHOD("get", m_get), MP_METHOD("set", m_set),
    MP_METHOD("copy", m_copy), MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_array = {"Array", array_create, array_destroy, methods};
