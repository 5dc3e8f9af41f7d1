/* Suite "mgr_set": a manager's set (manager_set.h; checklist item 122,
 * after CPython's test_set, test_set_init and test_set_contain_all_method):
 * every function, the operators and their in-place forms, the
 * comparisons, every refusal (unhashable members, an init that is not
 * iterable, NULLs, a proxy of another type, a destroyed proxy, a server
 * gone), sets built from a list, a map's keys and another set's copy, and
 * a set used from a child. Run once per start method. */
#include <stddef.h>

#include "helpers.h"
#include "mgr_data_tasks.h" /* V(), EXPECT_OUT, EXPECT_DETAIL, mgr_done... */
#include "mgr_set_tasks.h"

/* A manager and a set on it made from `init` (NULL: empty); both asserted.
 * On failure both are gone and NULL. */
static bool new_set(mp_manager_t **m, mp_proxy_t **s, const mp_var_t *init)
{
    *s = NULL;
    if ((*m = mgr_start(NULL)) != NULL && EXPECT_RC(mp_manager_set(*m, init, s), 0))
        return true;
    mgr_done(*m, *s, NULL);
    *m = NULL;
    *s = NULL;
    return false;
}

/* The set's members (mp_set_copy) must print as `want`. */
#define EXPECT_SET(s, want) expect_set((s), (want), __FILE__, __LINE__)
static bool expect_set(mp_proxy_t *s, const char *want, const char *file, int line)
{
    mp_var_t *v = NULL;
    int rc = mp_set_copy(s, &v);
    if (!check_true(rc == 0, file, line, "mp_set_copy: %s: %s", mp_err_name(rc), mp_errdetail()))
        return false;
    return expect_repr(v, want, "the set", file, line);
}

/* add, discard, remove, in, len over every kind of member: a member added
 * again is one member; the int 1, the double 1.0 and True are three. */
static void test_add_remove_contains(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, NULL))
        return; /* new_set cleaned up */
    EXPECT_EQ(mp_set_len(s), 0);
    EXPECT_RC(mp_set_add(s, V("i", 1)), 0);
    EXPECT_RC(mp_set_add(s, V("s", "a")), 0);
    EXPECT_RC(mp_set_add(s, V("d", 1.0)), 0);
    EXPECT_RC(mp_set_add(s, V("n")), 0);
    EXPECT_RC(mp_set_add(s, V("y", "x", (size_t)1)), 0);
    EXPECT_RC(mp_set_add(s, V("i", 1)), 0); /* already there */
    EXPECT_EQ(mp_set_len(s), 5);
    EXPECT_SET(s, "[1, 'a', 1.0, None, b'x']");
    EXPECT_EQ(mp_set_contains(s, V("i", 1)), 1);
    EXPECT_EQ(mp_set_contains(s, V("i", 2)), 0);
    EXPECT_EQ(mp_set_contains(s, V("b", 1)), 0); /* True is not the member 1 here */
    EXPECT_RC(mp_set_discard(s, V("d", 1.0)), 0);
    EXPECT_RC(mp_set_discard(s, V("i", 99)), 0); /* absent: no error */
    EXPECT_RC(mp_set_remove(s, V("s", "a")), 0);
    EXPECT_EQ(mp_set_contains(s, V("s", "a")), 0);
    EXPECT_RC(mp_set_remove(s, V("s", "zz")), MP_EKEY);
    EXPECT_DETAIL("'zz'");
    EXPECT_EQ(mp_set_len(s), 3);
    EXPECT_SET(s, "[1, None, b'x']");
    mgr_done(m, s, NULL);
}

/* pop takes the last member added until the set is empty, then MP_EKEY
 * without writing its out-pointer; clear empties it. */
static void test_pop_clear(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, V("[i, i]", 1, 2)))
        return; /* new_set cleaned up */
    mp_var_t *v = NULL;
    EXPECT_OUT(mp_set_pop(s, &v), v, "2");
    EXPECT_OUT(mp_set_pop(s, &v), v, "1");
    v = NULL;
    EXPECT_RC(mp_set_pop(s, &v), MP_EKEY);
    EXPECT_DETAIL("pop from an empty set");
    EXPECT(v == NULL, "a failed pop wrote its out-pointer");
    EXPECT_RC(mp_set_update(s, V("[i, s]", 3, "b")), 0);
    EXPECT_EQ(mp_set_len(s), 2);
    EXPECT_RC(mp_set_clear(s), 0);
    EXPECT_EQ(mp_set_len(s), 0);
    EXPECT_SET(s, "[]");
    mgr_done(m, s, NULL);
}

/* | & - ^ answer local lists and leave the set alone; the other set may be
 * a list (duplicates once) or a map (its keys). */
static void test_operators(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, V("[i, i, i]", 1, 2, 3)))
        return; /* new_set cleaned up */
    const mp_var_t *other = V("[i, i, i]", 3, 4, 4), *keys = V("{i:s, i:s}", 3, "x", 5, "y");
    mp_var_t *v = NULL;
    EXPECT_OUT(mp_set_union(s, other, &v), v, "[1, 2, 3, 4]");
    EXPECT_OUT(mp_set_intersection(s, other, &v), v, "[3]");
    EXPECT_OUT(mp_set_difference(s, other, &v), v, "[1, 2]");
    EXPECT_OUT(mp_set_symmetric_difference(s, other, &v), v, "[1, 2, 4]");
    EXPECT_OUT(mp_set_union(s, keys, &v), v, "[1, 2, 3, 5]");
    EXPECT_OUT(mp_set_intersection(s, keys, &v), v, "[3]");
    EXPECT_OUT(mp_set_difference(s, V("[]"), &v), v, "[1, 2, 3]");
    EXPECT_OUT(mp_set_symmetric_difference(s, V("[i, i, i]", 1, 2, 3), &v), v, "[]");
    EXPECT_SET(s, "[1, 2, 3]");
    mgr_done(m, s, NULL);
}

/* |= &= -= ^= change the set in place. */
static void test_in_place(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, V("[i, i, i]", 1, 2, 3)))
        return; /* new_set cleaned up */
    EXPECT_RC(mp_set_update(s, V("[i, i]", 4, 1)), 0);
    EXPECT_SET(s, "[1, 2, 3, 4]");
    EXPECT_RC(mp_set_intersection_update(s, V("[i, i, i, i]", 9, 4, 3, 2)), 0);
    EXPECT_SET(s, "[2, 3, 4]");
    EXPECT_RC(mp_set_difference_update(s, V("{i:n}", 3)), 0);
    EXPECT_SET(s, "[2, 4]");
    EXPECT_RC(mp_set_symmetric_difference_update(s, V("[i, i, i]", 4, 5, 5)), 0);
    EXPECT_SET(s, "[2, 5]");
    EXPECT_RC(mp_set_intersection_update(s, V("[]")), 0);
    EXPECT_EQ(mp_set_len(s), 0);
    mgr_done(m, s, NULL);
}

/* <= >= and isdisjoint, with the empty set's edge cases. */
static void test_comparisons(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, V("[i, i]", 1, 2)))
        return; /* new_set cleaned up */
    EXPECT_EQ(mp_set_is_subset(s, V("[i, i, i]", 1, 2, 3)), 1);
    EXPECT_EQ(mp_set_is_subset(s, V("[i, i]", 2, 1)), 1);
    EXPECT_EQ(mp_set_is_subset(s, V("[i]", 1)), 0);
    EXPECT_EQ(mp_set_is_subset(s, V("[]")), 0);
    EXPECT_EQ(mp_set_is_superset(s, V("[i]", 1)), 1);
    EXPECT_EQ(mp_set_is_superset(s, V("[]")), 1);
    EXPECT_EQ(mp_set_is_superset(s, V("[i, i]", 1, 3)), 0);
    EXPECT_EQ(mp_set_is_disjoint(s, V("[i, i]", 3, 4)), 1);
    EXPECT_EQ(mp_set_is_disjoint(s, V("{i:n}", 2)), 0);
    EXPECT_EQ(mp_set_is_disjoint(s, V("[]")), 1);
    mgr_done(m, s, NULL);
}

/* Python's operator names, which have no function here, by mp_proxy_call:
 * the reflected forms and the proper comparisons < and >. */
static void test_operator_methods(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, V("[i, i]", 1, 2)))
        return; /* new_set cleaned up */
    mp_var_t *r = NULL;
    EXPECT_OUT(mp_proxy_call(s, "__or__", V("[[i]]", 3), &r, MP_FOREVER), r, "[1, 2, 3]");
    EXPECT_OUT(mp_proxy_call(s, "__rand__", V("[[i]]", 2), &r, MP_FOREVER), r, "[2]");
    EXPECT_OUT(mp_proxy_call(s, "__sub__", V("[[i]]", 2), &r, MP_FOREVER), r, "[1]");
    EXPECT_OUT(mp_proxy_call(s, "__rxor__", V("[[i]]", 2), &r, MP_FOREVER), r, "[1]");
    EXPECT_OUT(mp_proxy_call(s, "__lt__", V("[[i, i]]", 1, 2), &r, MP_FOREVER), r, "False");
    EXPECT_OUT(mp_proxy_call(s, "__lt__", V("[[i, i, i]]", 1, 2, 3), &r, MP_FOREVER), r, "True");
    EXPECT_OUT(mp_proxy_call(s, "__gt__", V("[[i]]", 1), &r, MP_FOREVER), r, "True");
    EXPECT_OUT(mp_proxy_call(s, "__ge__", V("[[i, i]]", 1, 2), &r, MP_FOREVER), r, "True");
    EXPECT_OUT(mp_proxy_call(s, "__gt__", V("[[i, i]]", 1, 2), &r, MP_FOREVER), r, "False");
    EXPECT_RC(mp_proxy_call(s, "__ior__", V("[[i]]", 7), NULL, MP_FOREVER), 0);
    EXPECT_RC(mp_proxy_call(s, "__isub__", V("[[i]]", 1), NULL, MP_FOREVER), 0);
    EXPECT_SET(s, "[2, 7]");
    EXPECT_RC(mp_proxy_call(s, "add", V("[i, i]", 1, 2), NULL, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("set.add takes 1 argument (2 given)");
    EXPECT_RC(mp_proxy_call(s, "union", NULL, &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("set.union takes 1 argument (0 given)");
    mgr_done(m, s, NULL);
}

/* Python's set(list), set(dict) and set(other_set): a list's duplicates
 * once, a map's keys, a copy's members; the copy is a set of its own. */
static void test_create(void)
{
    mp_manager_t *m;
    mp_proxy_t *s, *keys = NULL, *again = NULL;
    if (!new_set(&m, &s, V("[i, i, i, s]", 3, 1, 3, "x")))
        return; /* new_set cleaned up */
    mp_var_t *members = NULL;
    EXPECT_SET(s, "[3, 1, 'x']");
    if (EXPECT_RC(mp_manager_set(m, V("{s:i, s:[i]}", "a", 1, "b", 2), &keys), 0))
        EXPECT_SET(keys, "['a', 'b']");
    if (EXPECT_RC(mp_set_copy(s, &members), 0) &&
        EXPECT_RC(mp_manager_set(m, members, &again), 0)) {
        EXPECT_SET(again, "[3, 1, 'x']");
        EXPECT_RC(mp_set_add(again, V("i", 4)), 0);
        EXPECT_SET(s, "[3, 1, 'x']"); /* the copy's set is another set */
        EXPECT_EQ(mp_set_is_subset(s, members), 1);
    }
    mp_var_free(members);
    mp_proxy_destroy(keys);
    mgr_done(m, s, again);
}

/* set(1234) is Python's TypeError: MP_EINVAL, and so is an unhashable
 * member in the list; nothing is made. */
static void test_create_refused(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *s = NULL;
    if (!m)
        return;
    EXPECT_RC(mp_manager_set(m, V("i", 1234), &s), MP_EINVAL);
    EXPECT_DETAIL("must be a list or a map, not int");
    EXPECT_RC(mp_manager_set(m, V("s", "abc"), &s), MP_EINVAL);
    EXPECT_DETAIL("set: argument must be a list or a map, not str");
    EXPECT_RC(mp_manager_set(m, V("[i, [i]]", 1, 2), &s), MP_EINVAL);
    EXPECT_DETAIL("unhashable type: 'list'");
    EXPECT(s == NULL, "a refused set wrote its out-pointer");
    mgr_done(m, NULL, NULL);
}

/* A list or a map as a member is refused with the server's message, and
 * the set is unchanged by a refused operator. */
static void test_unhashable(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, V("[i]", 1)))
        return; /* new_set cleaned up */
    mp_var_t *v = NULL;
    EXPECT_RC(mp_set_add(s, V("[i]", 1)), MP_EINVAL);
    EXPECT_DETAIL("set.add: member: unhashable type: 'list'");
    EXPECT_RC(mp_set_contains(s, V("{s:i}", "a", 1)), MP_EINVAL);
    EXPECT_DETAIL("unhashable type: 'map'");
    EXPECT_RC(mp_set_discard(s, V("[]")), MP_EINVAL);
    EXPECT_RC(mp_set_remove(s, V("[]")), MP_EINVAL);
    EXPECT_RC(mp_set_update(s, V("[i, [i]]", 2, 3)), MP_EINVAL);
    EXPECT_DETAIL("set.update: member: unhashable type: 'list'");
    EXPECT_RC(mp_set_symmetric_difference_update(s, V("[i, {}]", 2)), MP_EINVAL);
    EXPECT_RC(mp_set_union(s, V("i", 5), &v), MP_EINVAL);
    EXPECT_DETAIL("must be a list or a map, not int");
    EXPECT_RC(mp_set_is_subset(s, V("s", "str")), MP_EINVAL);
    EXPECT_RC(mp_set_intersection(s, V("[[]]"), &v), MP_EINVAL);
    EXPECT(v == NULL, "a refused operator wrote its out-pointer");
    EXPECT_SET(s, "[1]");
    mgr_done(m, s, NULL);
}

/* NULLs, a dict proxy, a destroyed proxy. */
static void test_bad_input(void)
{
    mp_manager_t *m;
    mp_proxy_t *s, *d = NULL, *none = NULL;
    if (!new_set(&m, &s, NULL) || !EXPECT_RC(mp_manager_dict(m, &d), 0)) {
        mgr_done(m, s, d);
        return;
    }
    const mp_var_t *one = V("i", 1), *list = V("[i]", 1);
    mp_var_t *v = NULL;
    EXPECT_RC(mp_manager_set(NULL, NULL, &none), MP_EINVAL);
    EXPECT_RC(mp_manager_set(m, NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_add(NULL, one), MP_EINVAL);
    EXPECT_RC(mp_set_add(s, NULL), MP_EINVAL);
    EXPECT_DETAIL("x is NULL");
    EXPECT_RC(mp_set_discard(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_remove(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_contains(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_len(NULL), MP_EINVAL);
    EXPECT_RC(mp_set_pop(s, NULL), MP_EINVAL);
    EXPECT_DETAIL("out is NULL");
    EXPECT_RC(mp_set_clear(NULL), MP_EINVAL);
    EXPECT_RC(mp_set_copy(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_union(s, NULL, &v), MP_EINVAL);
    EXPECT_DETAIL("other is NULL");
    EXPECT_RC(mp_set_union(s, list, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_intersection(NULL, list, &v), MP_EINVAL);
    EXPECT_RC(mp_set_difference(s, NULL, &v), MP_EINVAL);
    EXPECT_RC(mp_set_symmetric_difference(s, list, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_update(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_intersection_update(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_difference_update(NULL, list), MP_EINVAL);
    EXPECT_RC(mp_set_symmetric_difference_update(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_is_subset(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_set_is_superset(NULL, list), MP_EINVAL);
    EXPECT_RC(mp_set_is_disjoint(s, NULL), MP_EINVAL);
    /* a dict proxy is not a set */
    EXPECT_RC(mp_set_add(d, one), MP_EINVAL);
    EXPECT_RC(mp_set_len(d), MP_EINVAL);
    EXPECT_RC(mp_set_union(d, list, &v), MP_EINVAL);
    EXPECT_EQ(mp_dict_len(d), 0); /* nothing reached the dict */
    /* a destroyed proxy */
    mp_proxy_destroy(s);
    EXPECT_RC(mp_set_add(s, one), MP_ECLOSED);
    EXPECT_RC(mp_set_len(s), MP_ECLOSED);
    EXPECT_RC(mp_set_copy(s, &v), MP_ECLOSED);
    EXPECT(v == NULL && none == NULL, "a failed call wrote its out-pointer");
    mgr_done(m, NULL, d);
}

/* A child given the set (MP_OBJECTS) reads and changes it; the parent
 * sees the changes. */
static void test_used_from_child(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, V("[i, i, s]", 1, 2, "a")))
        return; /* new_set cleaned up */
    run_proxy_child("task_mgr_set_child", 0, s, NULL);
    EXPECT_SET(s, "[1, 'a', '" MGR_SET_CHILD_MEMBER "']");
    mgr_done(m, s, NULL);
}

/* CHILDREN children pop from one set of MGR_SET_POP_MEMBERS at once until
 * it is empty, each appending what it took to a managed list: every member
 * was taken exactly once (pop is one atomic call). */
static void test_children_pop_race(void)
{
    enum { CHILDREN = 4 };
    mp_var_t *members = mp_var_list(), *taken_copy = NULL;
    for (int64_t i = 0; i < MGR_SET_POP_MEMBERS; i++)
        mp_var_append(members, mp_var_int(i));
    mp_manager_t *m;
    mp_proxy_t *s, *taken = NULL, *distinct = NULL;
    if (!new_set(&m, &s, members) || !EXPECT_RC(mp_manager_list(m, &taken), 0)) {
        mp_var_free(members);
        mgr_done(m, s, taken);
        return;
    }
    run_racers_with("task_mgr_set_popper", s, taken, CHILDREN); /* asserted */
    EXPECT_EQ(mp_set_len(s), 0);
    EXPECT_EQ(mp_list_len(taken), MGR_SET_POP_MEMBERS);
    if (EXPECT_RC(mp_list_copy(taken, &taken_copy), 0) &&
        EXPECT_RC(mp_manager_set(m, taken_copy, &distinct), 0)) {
        /* all different: none was taken twice, so none was missed */
        EXPECT_EQ(mp_set_len(distinct), MGR_SET_POP_MEMBERS);
        EXPECT_EQ(mp_set_is_superset(distinct, members), 1);
    }
    mp_var_free(taken_copy);
    mp_var_free(members);
    mp_proxy_destroy(distinct);
    mgr_done(m, s, taken);
}

/* A manager that has shut down: set calls fail with MP_EBROKEN. */
static void test_server_gone(void)
{
    mp_manager_t *m;
    mp_proxy_t *s;
    if (!new_set(&m, &s, NULL))
        return; /* new_set cleaned up */
    mp_var_t *v = NULL;
    EXPECT_RC(mp_manager_shutdown(m), 0);
    EXPECT_RC(mp_set_len(s), MP_EBROKEN);
    EXPECT_RC(mp_set_pop(s, &v), MP_EBROKEN);
    EXPECT(v == NULL, "a failed pop wrote its out-pointer");
    mgr_done(m, s, NULL);
}

static const test_case_t tests[] = {
    {"add_remove_contains", test_add_remove_contains, ON_ALL},
    {"pop_clear", test_pop_clear, ON_ALL},
    {"operators", test_operators, ON_ALL},
    {"in_place", test_in_place, ON_ALL},
    {"comparisons", test_comparisons, ON_ALL},
    {"operator_methods", test_operator_methods, ON_ALL},
    {"create", test_create, ON_ALL},
    {"create_refused", test_create_refused, ON_ALL},
    {"unhashable", test_unhashable, ON_ALL},
    {"bad_input", test_bad_input, ON_ALL},
    {"used_from_child", test_used_from_child, ON_ALL},
    {"children_pop_race", test_children_pop_race, ON_ALL},
    {"server_gone", test_server_gone, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_set = {"mgr_set", true, tests};
