/* Suite "mgr_list": a manager's list (manager_containers.h; checklist
 * items 112, 113 and 121's list part, after CPython's test_list,
 * test_list_proxy_in_list and TestSyncManagerTypes.test_list): every
 * function with Python's index and slice rules, every refusal, the
 * tutorial's child, lists of list proxies changed through the outer index
 * from a child. Run once per start method. */
#include <stdint.h>
#include <string.h>

#include "helpers.h"
#include "mgr_data_tasks.h"

/* A manager and a list on it holding `items` (a list, or NULL); asserted. */
static bool new_list(mp_manager_t **m, mp_proxy_t **l, const mp_var_t *items)
{
    *l = NULL;
    if (!(*m = start_manager()) || !EXPECT_RC(mp_manager_list(*m, l), 0))
        return false;
    return !items || EXPECT_RC(mp_list_extend(*l, items), 0);
}

/* A list [0, 1, ..., 9]. */
#define DIGITS V("[i, i, i, i, i, i, i, i, i, i]", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)

/* append, extend, insert with Python's clamping, len. */
static void test_append_extend_insert(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, NULL)) {
        mgr_done(m, l, NULL);
        return;
    }
    EXPECT_EQ(mp_list_len(l), 0);
    EXPECT_RC(mp_list_append(l, V("s", "a")), 0);
    EXPECT_RC(mp_list_extend(l, V("[i, d]", 1, 2.5)), 0);
    EXPECT_RC(mp_list_extend(l, V("[]")), 0);
    EXPECT_RC(mp_list_insert(l, 0, V("s", "first")), 0);
    EXPECT_RC(mp_list_insert(l, -1, V("s", "before last")), 0);
    EXPECT_RC(mp_list_insert(l, INT64_MAX, V("s", "end")), 0);
    EXPECT_RC(mp_list_insert(l, INT64_MIN, V("s", "start")), 0);
    EXPECT_RC(mp_list_insert(l, 100, V("n")), 0);
    EXPECT_RC(mp_list_insert(l, -100, V("b", 0)), 0);
    EXPECT_LIST(l, "[False, 'start', 'first', 'a', 1, 'before last', 2.5, 'end', None]");
    EXPECT_EQ(mp_list_len(l), 9);
    EXPECT_RC(mp_list_extend(l, V("{s:i}", "a", 1)), MP_EINVAL);
    EXPECT_DETAIL("items must be list");
    EXPECT_EQ(mp_list_len(l), 9);
    mgr_done(m, l, NULL);
}

/* l[i], l[i] = x, del l[i]: negative from the end; out of range either
 * way (INT64_MIN and INT64_MAX included) is MP_EINDEX, list unchanged. */
static void test_index_rules(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, V("[s, s, s]", "a", "b", "c"))) {
        mgr_done(m, l, NULL);
        return;
    }
    mp_var_t *v = NULL;
    EXPECT_OUT(mp_list_get(l, 0, &v), v, "'a'");
    EXPECT_OUT(mp_list_get(l, -1, &v), v, "'c'");
    EXPECT_OUT(mp_list_get(l, -3, &v), v, "'a'");
    static const int64_t bad[] = {3, -4, INT64_MAX, INT64_MIN};
    v = NULL; /* EXPECT_OUT freed what it held */
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        EXPECT_RC(mp_list_get(l, bad[i], &v), MP_EINDEX);
        EXPECT_DETAIL("list index out of range");
        EXPECT_RC(mp_list_set(l, bad[i], V("i", 0)), MP_EINDEX);
        EXPECT_DETAIL("list assignment index out of range");
        EXPECT_RC(mp_list_del(l, bad[i]), MP_EINDEX);
        EXPECT_RC(mp_list_pop(l, bad[i], &v), MP_EINDEX);
        EXPECT_DETAIL("pop index out of range");
    }
    EXPECT(v == NULL, "a failed get wrote its out-pointer");
    EXPECT_LIST(l, "['a', 'b', 'c']");
    EXPECT_RC(mp_list_set(l, -1, V("[i]", 9)), 0);
    EXPECT_RC(mp_list_set(l, 0, V("n")), 0);
    EXPECT_RC(mp_list_del(l, -2), 0);
    EXPECT_LIST(l, "[None, [9]]");
    mgr_done(m, l, NULL);
}

/* l[a:b], l[a:b] = xs and del l[a:b] against Python's answers on
 * [0..9], bounds clamped (negative from the end, past either end, a stop
 * before the start), INT64_MIN and INT64_MAX for omitted bounds. */
static void test_slices(void)
{
    static const struct {
        int64_t start, stop;
        const char *want; /* list(range(10))[start:stop] */
    } cases[] = {
        {2, 5, "[2, 3, 4]"},
        {-3, INT64_MAX, "[7, 8, 9]"},
        {INT64_MIN, 2, "[0, 1]"},
        {0, -8, "[0, 1]"},
        {-100, 100, "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"},
        {5, 2, "[]"},
        {10, 20, "[]"},
        {-1, -2, "[]"},
        {8, -1, "[8]"},
    };
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, DIGITS)) {
        mgr_done(m, l, NULL);
        return;
    }
    mp_var_t *v = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        EXPECT_OUT(mp_list_slice(l, cases[i].start, cases[i].stop, &v), v, cases[i].want);
    /* assignment grows, shrinks, and inserts where a slice is empty */
    EXPECT_RC(mp_list_set_slice(l, 1, 3, V("[s, s, s]", "a", "b", "c")), 0);
    EXPECT_LIST(l, "[0, 'a', 'b', 'c', 3, 4, 5, 6, 7, 8, 9]");
    EXPECT_RC(mp_list_set_slice(l, 4, -1, V("[s]", "mid")), 0);
    EXPECT_LIST(l, "[0, 'a', 'b', 'c', 'mid', 9]");
    EXPECT_RC(mp_list_set_slice(l, 5, 2, V("[s]", "at5")), 0); /* Python: inserted at 5 */
    EXPECT_LIST(l, "[0, 'a', 'b', 'c', 'mid', 'at5', 9]");
    EXPECT_RC(mp_list_set_slice(l, INT64_MAX, INT64_MAX, V("[s]", "end")), 0);
    EXPECT_RC(mp_list_set_slice(l, 1, 4, V("[]")), 0);
    EXPECT_LIST(l, "[0, 'mid', 'at5', 9, 'end']");
    EXPECT_RC(mp_list_set_slice(l, 0, 1, V("s", "xy")), MP_EINVAL);
    EXPECT_DETAIL("items must be list");
    /* deletion */
    EXPECT_RC(mp_list_del_slice(l, -2, INT64_MAX), 0);
    EXPECT_LIST(l, "[0, 'mid', 'at5']");
    EXPECT_RC(mp_list_del_slice(l, 2, 1), 0); /* empty: nothing */
    EXPECT_RC(mp_list_del_slice(l, INT64_MIN, 1), 0);
    EXPECT_LIST(l, "['mid', 'at5']");
    EXPECT_RC(mp_list_del_slice(l, INT64_MIN, INT64_MAX), 0);
    EXPECT_LIST(l, "[]");
    mgr_done(m, l, NULL);
}

/* pop (last, first, empty), remove and index (first equal; none is
 * MP_EINDEX), count; 1 and 1.0 are different values. */
static void test_pop_remove_index_count(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, V("[i, s, i, d, s]", 1, "x", 1, 1.0, "last"))) {
        mgr_done(m, l, NULL);
        return;
    }
    mp_var_t *v = NULL;
    size_t at = 99;
    EXPECT_OUT(mp_list_pop(l, -1, &v), v, "'last'");
    EXPECT_EQ(mp_list_count(l, V("i", 1)), 2);
    EXPECT_EQ(mp_list_count(l, V("d", 1.0)), 1);
    EXPECT_EQ(mp_list_count(l, V("s", "nope")), 0);
    EXPECT_RC(mp_list_index(l, V("s", "x"), &at), 0);
    EXPECT_EQ(at, 1);
    EXPECT_RC(mp_list_index(l, V("d", 1.0), &at), 0);
    EXPECT_EQ(at, 3);
    at = 99;
    EXPECT_RC(mp_list_index(l, V("s", "nope"), &at), MP_EINDEX);
    EXPECT_DETAIL("'nope' is not in list");
    EXPECT_EQ(at, 99);
    EXPECT_RC(mp_list_remove(l, V("i", 1)), 0); /* the first of two */
    EXPECT_LIST(l, "['x', 1, 1.0]");
    EXPECT_RC(mp_list_remove(l, V("s", "nope")), MP_EINDEX);
    EXPECT_DETAIL("x not in list");
    EXPECT_OUT(mp_list_pop(l, 0, &v), v, "'x'");
    EXPECT_RC(mp_list_pop(l, 0, NULL), 0); /* the element dropped */
    EXPECT_RC(mp_list_pop(l, -1, NULL), 0);
    EXPECT_RC(mp_list_pop(l, -1, &v), MP_EINDEX);
    EXPECT_DETAIL("pop from empty list");
    mgr_done(m, l, NULL);
}

/* sort: numbers by value (bool, int, double together) and stable (equal
 * ones keep their order, also reversed); strings by bytes; unorderable
 * elements are MP_EINVAL and leave the list as it was. reverse. */
static void test_sort_reverse(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, V("[d, b, i, i, d]", 1.0, 1, 1, 0, -2.5))) {
        mgr_done(m, l, NULL);
        return;
    }
    EXPECT_RC(mp_list_sort(l, false), 0);
    EXPECT_LIST(l, "[-2.5, 0, 1.0, True, 1]");
    EXPECT_RC(mp_list_sort(l, true), 0);
    EXPECT_LIST(l, "[1.0, True, 1, 0, -2.5]");
    EXPECT_RC(mp_list_reverse(l), 0);
    EXPECT_LIST(l, "[-2.5, 0, 1, True, 1.0]");
    EXPECT_RC(mp_list_clear(l), 0);
    EXPECT_RC(mp_list_extend(l, V("[[i, s], [i], [i, s]]", 1, "b", 0, 1, "a")), 0);
    EXPECT_RC(mp_list_sort(l, false), 0);
    EXPECT_LIST(l, "[[0], [1, 'a'], [1, 'b']]");
    EXPECT_RC(mp_list_clear(l), 0);
    EXPECT_RC(mp_list_extend(l, V("[s, s, s]", "b", "ab", "a")), 0);
    EXPECT_RC(mp_list_sort(l, false), 0);
    EXPECT_LIST(l, "['a', 'ab', 'b']");
    EXPECT_RC(mp_list_append(l, V("i", 3)), 0);
    EXPECT_RC(mp_list_sort(l, false), MP_EINVAL);
    EXPECT_DETAIL("list.sort");
    EXPECT_LIST(l, "['a', 'ab', 'b', 3]");
    EXPECT_RC(mp_list_set(l, -1, V("n")), 0);
    EXPECT_RC(mp_list_sort(l, true), MP_EINVAL);
    EXPECT_LIST(l, "['a', 'ab', 'b', None]");
    mgr_done(m, l, NULL);
}

/* copy and slices are the caller's (local); clear empties. */
static void test_copy_clear(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, V("[i, [s]]", 1, "in"))) {
        mgr_done(m, l, NULL);
        return;
    }
    mp_var_t *v = NULL;
    if (EXPECT_RC(mp_list_copy(l, &v), 0)) {
        EXPECT_RC(mp_var_append(v, mp_var_int(2)), 0);
        EXPECT_REPR(v, "[1, ['in'], 2]");
    }
    if (EXPECT_RC(mp_list_get(l, 1, &v), 0)) {
        EXPECT_RC(mp_var_append(v, mp_var_int(3)), 0); /* a copy, as Python's l[1] */
        mp_var_free(v);
    }
    EXPECT_LIST(l, "[1, ['in']]");
    EXPECT_RC(mp_list_clear(l), 0);
    EXPECT_EQ(mp_list_len(l), 0);
    EXPECT_LIST(l, "[]");
    mgr_done(m, l, NULL);
}

/* appendf / getf (strings handed out are the caller's). */
static void test_formatted(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, NULL)) {
        mgr_done(m, l, NULL);
        return;
    }
    EXPECT_RC(mp_list_appendf(l, "[s, I]", "job", (int64_t)12), 0);
    EXPECT_RC(mp_list_appendf(l, "d", 0.5), 0);
    char *name = NULL;
    int64_t n = 0;
    double f = 0;
    if (EXPECT_RC(mp_list_getf(l, 0, "[s, I]", &name, &n), 0)) {
        EXPECT_STR(name, "job");
        EXPECT_EQ(n, 12);
        mp_free(name);
    }
    EXPECT_RC(mp_list_getf(l, -1, "d", &f), 0);
    EXPECT(f == 0.5, "f is %g", f);
    EXPECT_RC(mp_list_getf(l, 5, "d", &f), MP_EINDEX);
    EXPECT_RC(mp_list_getf(l, 1, "s", &name), MP_EINVAL);
    EXPECT_RC(mp_list_appendf(l, "[s", "x"), MP_EINVAL);
    EXPECT_EQ(mp_list_len(l), 2);
    mgr_done(m, l, NULL);
}

/* Bad input: NULLs (named), a destroyed proxy, a proxy of another type. */
static void test_bad_input(void)
{
    mp_manager_t *m;
    mp_proxy_t *l, *ns = NULL;
    if (!new_list(&m, &l, NULL) || !EXPECT_RC(mp_manager_namespace(m, &ns), 0)) {
        mgr_done(m, l, ns);
        return;
    }
    const mp_var_t *one = V("i", 1);
    mp_var_t *v = NULL;
    size_t at = 0;
    EXPECT_RC(mp_list_append(NULL, one), MP_EINVAL);
    EXPECT_RC(mp_list_append(l, NULL), MP_EINVAL);
    EXPECT_DETAIL("item");
    EXPECT_RC(mp_list_extend(l, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_insert(l, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_get(l, 0, NULL), MP_EINVAL);
    EXPECT_DETAIL("out");
    EXPECT_RC(mp_list_set(l, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_remove(l, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_index(l, NULL, &at), MP_EINVAL);
    EXPECT_RC(mp_list_index(l, one, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_count(l, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_slice(l, 0, 1, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_set_slice(l, 0, 1, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_copy(l, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_appendf(l, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_getf(l, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_len(NULL), MP_EINVAL);
    mp_proxy_t *unused = NULL;
    EXPECT_RC(mp_manager_list(NULL, &unused), MP_EINVAL);
    EXPECT_RC(mp_manager_list(m, NULL), MP_EINVAL);
    EXPECT_RC(mp_list_append(ns, one), MP_EINVAL); /* a Namespace is not a list */
    EXPECT_RC(mp_list_len(ns), MP_EINVAL);
    EXPECT_EQ(mp_list_len(l), 0);
    mp_proxy_destroy(l);
    EXPECT_RC(mp_list_append(l, one), MP_ECLOSED);
    EXPECT_RC(mp_list_get(l, 0, &v), MP_ECLOSED);
    EXPECT_RC(mp_list_sort(l, false), MP_ECLOSED);
    mgr_done(m, NULL, ns);
}

/* Through mp_proxy_call: wrong types and counts are refused naming the
 * argument, and the operators without a function (in, +, *, *=). */
static void test_raw_calls(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, V("[i, i]", 1, 2))) {
        mgr_done(m, l, NULL);
        return;
    }
    mp_var_t *r = NULL;
    EXPECT_RC(mp_proxy_call(l, "__getitem__", V("[s]", "0"), &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("index must be int, not str");
    EXPECT_RC(mp_proxy_call(l, "__getitem__", V("[i, d]", 0, 1.0), &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("slice stop must be int");
    EXPECT_RC(mp_proxy_call(l, "insert", V("[d, i]", 0.0, 1), &r, MP_FOREVER), MP_EINVAL);
    EXPECT_RC(mp_proxy_call(l, "sort", V("[i]", 1), &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("reverse must be bool");
    EXPECT_RC(mp_proxy_call(l, "append", NULL, &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("list.append takes 1 argument (0 given)");
    EXPECT_OUT(mp_proxy_call(l, "__getitem__", V("[n, n]"), &r, MP_FOREVER), r, "[1, 2]");
    EXPECT_OUT(mp_proxy_call(l, "__contains__", V("[i]", 2), &r, MP_FOREVER), r, "True");
    EXPECT_OUT(mp_proxy_call(l, "__contains__", V("[d]", 2.0), &r, MP_FOREVER), r, "False");
    EXPECT_OUT(mp_proxy_call(l, "__add__", V("[[s]]", "x"), &r, MP_FOREVER), r, "[1, 2, 'x']");
    EXPECT_OUT(mp_proxy_call(l, "__mul__", V("[i]", 2), &r, MP_FOREVER), r, "[1, 2, 1, 2]");
    EXPECT_OUT(mp_proxy_call(l, "__mul__", V("[i]", -1), &r, MP_FOREVER), r, "[]");
    EXPECT_RC(mp_proxy_call(l, "__mul__", V("[I]", INT64_MAX), &r, MP_FOREVER), MP_ENOMEM);
    EXPECT_RC(mp_proxy_call(l, "__imul__", V("[I]", INT64_MAX), &r, MP_FOREVER), MP_ENOMEM);
    EXPECT_LIST(l, "[1, 2]");
    EXPECT_RC(mp_proxy_call(l, "__iadd__", V("[[i]]", 3), NULL, MP_FOREVER), 0);
    EXPECT_RC(mp_proxy_call(l, "__imul__", V("[i]", 2), NULL, MP_FOREVER), 0);
    EXPECT_LIST(l, "[1, 2, 3, 1, 2, 3]");
    EXPECT_RC(mp_proxy_call(l, "__imul__", V("[i]", 0), NULL, MP_FOREVER), 0);
    EXPECT_LIST(l, "[]");
    mgr_done(m, l, NULL);
}

/* A list made with items (mp_proxy_create with args); a non-list refused. */
static void test_create_with_items(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *a = NULL, *b = NULL;
    if (!m) {
        mgr_done(m, NULL, NULL);
        return;
    }
    EXPECT_RC(
        mp_proxy_create(
            &a, &(mp_proxy_opts_t){.manager = m, .type = "list", .args = V("[[i, s]]", 1, "x")}),
        0);
    EXPECT_LIST(a, "[1, 'x']");
    EXPECT_RC(
        mp_proxy_create(&b, &(mp_proxy_opts_t){.manager = m, .type = "list", .args = V("[i]", 1)}),
        MP_EINVAL);
    EXPECT_DETAIL("must be list");
    mgr_done(m, a, NULL);
}

/* ---- processes ------------------------------------------------------------ */

/* The tutorial's list example: a child appends 'Hello from process!' and
 * the parent prints ['Hello from process!']. */
static void test_tutorial_hello(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, NULL)) {
        mgr_done(m, l, NULL);
        return;
    }
    run_proxy_child("task_mgr_list_hello", 0, l, NULL);
    EXPECT_LIST(l, "['" MGR_HELLO "']");
    mgr_done(m, l, NULL);
}

/* Item 113 (test_list_proxy_in_list): a list of three list proxies, each
 * [0, 1, 2]; a child sets a[0][-1] = 55 and pops a[1] through the outer
 * index; the parent sees both through its own proxies. Then a list
 * holding its own reference (b.append(b)) is dropped without harm. */
static void test_list_of_list_proxies(void)
{
    mp_manager_t *m;
    mp_proxy_t *a, *inner[3] = {NULL}, *b = NULL;
    if (!new_list(&m, &a, NULL)) {
        mgr_done(m, a, NULL);
        return;
    }
    for (int i = 0; i < 3; i++) {
        mp_var_t *ref = NULL;
        if (EXPECT_RC(mp_manager_list(m, &inner[i]), 0) &&
            EXPECT_RC(mp_list_extend(inner[i], V("[i, i, i]", 0, 1, 2)), 0) &&
            EXPECT_RC(mp_proxy_ref(inner[i], &ref), 0))
            EXPECT_RC(mp_list_append(a, ref), 0);
        mp_var_free(ref);
    }
    run_proxy_child("task_mgr_nested_list", 0, a, NULL);
    EXPECT_LIST(inner[0], "[0, 1, 55]");
    EXPECT_LIST(inner[1], "[0, 1]");
    EXPECT_LIST(inner[2], "[0, 1, 2]");
    EXPECT_EQ(mp_list_len(a), 3);
    /* b.append(b); del b */
    mp_var_t *self_ref = NULL;
    if (EXPECT_RC(mp_manager_list(m, &b), 0) && EXPECT_RC(mp_proxy_ref(b, &self_ref), 0))
        EXPECT_RC(mp_list_append(b, self_ref), 0);
    mp_var_free(self_ref);
    mp_proxy_destroy(b);
    EXPECT_EQ(mp_list_len(a), 3); /* the server goes on */
    int code = -1;
    EXPECT_RC(mp_manager_shutdown(m), 0);
    if (EXPECT_RC(mp_manager_exitcode(m, &code), 0))
        EXPECT_EQ(code, 0);
    for (int i = 0; i < 3; i++)
        mp_proxy_destroy(inner[i]);
    mgr_done(m, a, NULL);
}

/* Item 121's list, used from a child (TestSyncManagerTypes.test_list):
 * the child checks what it reads, uses +=, *=, *, copy, sort, reverse,
 * pop(0), and clears the list last. */
static void test_used_from_child(void)
{
    mp_manager_t *m;
    mp_proxy_t *l;
    if (!new_list(&m, &l, V("[i]", 5))) {
        mgr_done(m, l, NULL);
        return;
    }
    run_proxy_child("task_mgr_list_types", 0, l, NULL);
    EXPECT_EQ(mp_list_len(l), 0);
    mgr_done(m, l, NULL);
}

static const test_case_t tests[] = {
    {"append_extend_insert", test_append_extend_insert, ON_ALL},
    {"index_rules", test_index_rules, ON_ALL},
    {"slices", test_slices, ON_ALL},
    {"pop_remove_index_count", test_pop_remove_index_count, ON_ALL},
    {"sort_reverse", test_sort_reverse, ON_ALL},
    {"copy_clear", test_copy_clear, ON_ALL},
    {"formatted", test_formatted, ON_ALL},
    {"bad_input", test_bad_input, ON_ALL},
    {"raw_calls", test_raw_calls, ON_ALL},
    {"create_with_items", test_create_with_items, ON_ALL},
    {"tutorial_hello", test_tutorial_hello, ON_ALL},
    {"list_of_list_proxies", test_list_of_list_proxies, ON_ALL},
    {"used_from_child", test_used_from_child, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_list = {"mgr_list", true, tests};
