/* Suite "mgr_value": a manager's Value and Array through proxies, across
 * processes (checklist item 96), with the Array's conversions and range
 * checks. Run once per start method. */
#include <math.h>
#include <string.h>

#include "test_mgr_sync_tasks.h"

/* An int element of an Array, or INT64_MIN (asserted). */
static int64_t array_int(mp_proxy_t *a, int64_t index)
{
    mp_var_t *v = NULL;
    int64_t n = INT64_MIN;
    if (EXPECT_RC(mp_marray_get(a, index, &v), 0))
        EXPECT_RC(mp_var_get_int(v, &n), 0);
    mp_var_free(v);
    return n;
}

/* Checklist item 96: get and set (and their formatted forms) of any
 * value, seen across processes; a Value made with NULL holds nil. */
static void test_value(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *v = NULL, *nil = NULL;
    mp_var_t *seven = mp_var_int(7), *got = NULL;
    if (!m || !EXPECT_RC(mp_manager_value(m, seven, &v), 0) ||
        !EXPECT_RC(mp_manager_value(m, NULL, &nil), 0))
        goto out;
    EXPECT_STR(mp_proxy_type(v), "Value");
    if (EXPECT_RC(mp_mvalue_get(nil, &got), 0))
        EXPECT_EQ(mp_var_type(got), MP_VAR_NIL);
    mp_var_free(got);
    got = NULL;
    sync_script_t s = {{{MOP_VALUE_GET, 0, 0}, {MOP_VALUE_SET, 0, 42}, {MOP_VALUE_GET, 0, 0}}};
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(v)}), &r))
        EXPECT_RCS(r, 7, 0, 42);
    int64_t n = 0;
    EXPECT_RC(mp_mvalue_getf(v, "I", &n), 0);
    EXPECT_EQ(n, 42);
    /* Any shape: a map with a list, and a string handed out as a copy. */
    EXPECT_RC(mp_mvalue_setf(v, "{s:[i, d], s:s}", "xs", 1, 2.5, "name", "Bob"), 0);
    char *name = NULL;
    double d = 0;
    int i = 0;
    EXPECT_RC(mp_mvalue_getf(v, "{s:[i, d], s:s}", "xs", &i, &d, "name", &name), 0);
    EXPECT_EQ(i, 1);
    EXPECT(d == 2.5, "got %g", d);
    EXPECT_STR(name, "Bob");
    mp_free(name);
    EXPECT_RC(mp_mvalue_getf(v, "I", &n), MP_EINVAL); /* another shape */
    if (EXPECT_RC(mp_mvalue_set(v, seven), 0) && EXPECT_RC(mp_mvalue_get(v, &got), 0))
        EXPECT(mp_var_equal(got, seven), "not 7 again");
out:
    mp_var_free(got);
    mp_var_free(seven);
    mp_proxy_destroy(nil);
    mp_proxy_destroy(v);
    mp_manager_destroy(m);
}

/* Checklist item 96: indexing, len and iteration in a child, and the
 * child's writes seen by the parent. */
static void test_array(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *a = NULL;
    mp_var_t *items = NULL, *copy = NULL, *nine = mp_var_int(9);
    if (!m || !EXPECT_RC(mp_var_pack(&items, "[i, i, i, i]", 1, 2, 3, 4), 0) ||
        !EXPECT_RC(mp_manager_array(m, MP_INT32, items, &a), 0))
        goto out;
    EXPECT_STR(mp_proxy_type(a), "Array");
    EXPECT_EQ(mp_marray_len(a), 4);
    sync_script_t s = {{{MOP_ARRAY_LEN, 0, 0},
                        {MOP_ARRAY_GET, 0, 0},
                        {MOP_ARRAY_GET, 0, -1},
                        {MOP_ARRAY_SUM, 0, 0},
                        {MOP_ARRAY_GET, 0, 4}}};
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(a)}), &r))
        EXPECT_RCS(r, 4, 1, 4, 10, MP_EINDEX);
    EXPECT_RC(mp_marray_set(a, -2, nine), 0);
    EXPECT_EQ(array_int(a, 2), 9);
    if (EXPECT_RC(mp_marray_copy(a, &copy), 0)) {
        mp_var_t *want = NULL;
        mp_var_pack(&want, "[i, i, i, i]", 1, 2, 9, 4);
        EXPECT(mp_var_equal(copy, want), "the copy differs");
        mp_var_free(want);
    }
out:
    mp_var_free(nine);
    mp_var_free(copy);
    mp_var_free(items);
    mp_proxy_destroy(a);
    mp_manager_destroy(m);
}

/* Conversions: float elements round to float, doubles stay exact, ints
 * into a double Array become doubles; an empty Array has length 0. */
static void test_array_types(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *f = NULL, *dbl = NULL, *empty = NULL;
    mp_var_t *items = NULL, *v = NULL;
    if (!m || !EXPECT_RC(mp_var_pack(&items, "[d, i]", 0.1, 3), 0) ||
        !EXPECT_RC(mp_manager_array(m, MP_FLOAT, items, &f), 0) ||
        !EXPECT_RC(mp_manager_array(m, MP_DOUBLE, items, &dbl), 0) ||
        !EXPECT_RC(mp_manager_array(m, MP_UINT8, NULL, &empty), 0))
        goto out;
    double d = 0;
    if (EXPECT_RC(mp_marray_get(f, 0, &v), 0) && EXPECT_RC(mp_var_get_double(v, &d), 0))
        EXPECT(d == (double)0.1f, "float element %.17g", d);
    mp_var_free(v);
    v = NULL;
    if (EXPECT_RC(mp_marray_get(dbl, 0, &v), 0) && EXPECT_RC(mp_var_get_double(v, &d), 0))
        EXPECT(d == 0.1, "double element %.17g", d);
    mp_var_free(v);
    v = NULL;
    if (EXPECT_RC(mp_marray_get(dbl, 1, &v), 0))
        EXPECT_EQ(mp_var_type(v), MP_VAR_DOUBLE);
    EXPECT_EQ(mp_marray_len(empty), 0);
    EXPECT_RC(mp_marray_get(empty, 0, &v), MP_EINDEX);
out:
    mp_var_free(v);
    mp_var_free(items);
    mp_proxy_destroy(empty);
    mp_proxy_destroy(dbl);
    mp_proxy_destroy(f);
    mp_manager_destroy(m);
}

/* Bad elements: out of range both ways, a wrong type, a value that does
 * not fit, each refused with the element unchanged; bad constructors. */
static void test_array_bad_input(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *a = NULL, *bad = NULL;
    mp_var_t *items = NULL, *v300 = mp_var_int(300), *str = mp_var_str("x"),
             *half = mp_var_double(0.5), *five = mp_var_int(5), *notlist = mp_var_int(1);
    if (!m || !EXPECT_RC(mp_var_pack(&items, "[i, i]", 1, 2), 0) ||
        !EXPECT_RC(mp_manager_array(m, MP_UINT8, items, &a), 0))
        goto out;
    EXPECT_RC(mp_marray_set(a, 2, five), MP_EINDEX);
    EXPECT_RC(mp_marray_set(a, -3, five), MP_EINDEX);
    EXPECT_RC(mp_marray_get(a, INT64_MIN, &(mp_var_t *){NULL}), MP_EINDEX);
    EXPECT_RC(mp_marray_set(a, 0, v300), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "fit") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_marray_set(a, 0, str), MP_EINVAL);
    EXPECT_RC(mp_marray_set(a, 0, half), MP_EINVAL); /* no silent truncation */
    EXPECT_RC(mp_marray_set(a, 0, NULL), MP_EINVAL);
    EXPECT_EQ(array_int(a, 0), 1);
    EXPECT_RC(mp_marray_get(a, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_marray_copy(a, NULL), MP_EINVAL);
    /* Constructors: a type that is no number, items that are not a list
     * or do not fit, a NULL out. */
    EXPECT_RC(mp_manager_array(m, MP_STR, NULL, &bad), MP_EINVAL);
    EXPECT_RC(mp_manager_array(m, (mp_type_t)99, NULL, &bad), MP_EINVAL);
    EXPECT_RC(mp_manager_array(m, MP_INT8, notlist, &bad), MP_EINVAL);
    mp_var_free(items);
    items = NULL;
    EXPECT_RC(mp_var_pack(&items, "[i, i]", 1, 128), 0);
    EXPECT_RC(mp_manager_array(m, MP_INT8, items, &bad), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "item 1") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_manager_array(m, MP_INT8, NULL, NULL), MP_EINVAL);
    EXPECT(bad == NULL, "a proxy was made");
out:
    mp_var_free(notlist);
    mp_var_free(five);
    mp_var_free(half);
    mp_var_free(str);
    mp_var_free(v300);
    mp_var_free(items);
    mp_proxy_destroy(bad);
    mp_proxy_destroy(a);
    mp_manager_destroy(m);
}

static const test_case_t tests[] = {
    {"value", test_value, ON_ALL},
    {"array", test_array, ON_ALL},
    {"array_types", test_array_types, ON_ALL},
    {"array_bad_input", test_array_bad_input, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_value = {"mgr_value", true, tests};
