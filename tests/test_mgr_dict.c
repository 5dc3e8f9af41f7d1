/* Suite "mgr_dict": a manager's dict (manager_containers.h; checklist
 * items 114 and 121's dict part, after CPython's test_dict and
 * TestSyncManagerTypes.test_dict): every function, every refusal, a dict
 * shared by children racing on it with atomic single calls (setdefault,
 * pop), a dict reached through a reference stored in a managed list. Run
 * once per start method: the manager's server and the children start
 * with the suite's method. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "mgr_data_tasks.h"

/* A manager and a dict on it; both asserted. */
static bool new_dict(mp_manager_t **m, mp_proxy_t **d)
{
    *d = NULL;
    return (*m = start_manager()) != NULL && EXPECT_RC(mp_manager_dict(*m, d), 0);
}

/* Set a string key to a packed value; asserted. */
#define SET(d, key, ...) EXPECT_RC(mp_dict_set((d), V("s", key), V(__VA_ARGS__)), 0)

/* ---- the mapping ---------------------------------------------------------- */

/* d[k] = v, d[k], k in d, len(d), del d[k], over every kind of key; a key
 * set again keeps its place; the int 1 and the double 1.0 are two keys. */
static void test_set_get_del(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    mp_var_t *v = NULL;
    EXPECT_EQ(mp_dict_len(d), 0);
    EXPECT_RC(mp_dict_set(d, V("s", "a"), V("i", 1)), 0);
    EXPECT_RC(mp_dict_set(d, V("i", 1), V("s", "int")), 0);
    EXPECT_RC(mp_dict_set(d, V("d", 1.0), V("s", "double")), 0);
    EXPECT_RC(mp_dict_set(d, V("y", "\0k", (size_t)2), V("[i, n]", 2)), 0);
    EXPECT_RC(mp_dict_set(d, V("n"), V("b", 1)), 0);
    EXPECT_RC(mp_dict_set(d, V("s", "a"), V("{s:d}", "x", 1.5)), 0); /* replaces, keeps place */
    EXPECT_EQ(mp_dict_len(d), 5);
    EXPECT_DICT(d, "{'a': {'x': 1.5}, 1: 'int', 1.0: 'double', b'\\x00k': [2, None], None: "
                   "True}");
    EXPECT_OUT(mp_dict_get(d, V("i", 1), NULL, &v), v, "'int'");
    EXPECT_OUT(mp_dict_get(d, V("d", 1.0), NULL, &v), v, "'double'");
    EXPECT_OUT(mp_dict_get(d, V("y", "\0k", (size_t)2), NULL, &v), v, "[2, None]");
    EXPECT_EQ(mp_dict_contains(d, V("n")), 1);
    EXPECT_EQ(mp_dict_contains(d, V("s", "zz")), 0);
    EXPECT_EQ(mp_dict_contains(d, V("b", 1)), 0); /* True is not the key 1 here */
    EXPECT_RC(mp_dict_del(d, V("i", 1)), 0);
    EXPECT_EQ(mp_dict_contains(d, V("i", 1)), 0);
    EXPECT_EQ(mp_dict_len(d), 4);
    /* get with a default: the default when missing, the value when not */
    EXPECT_OUT(mp_dict_get(d, V("s", "zz"), V("i", 7), &v), v, "7");
    EXPECT_OUT(mp_dict_get(d, V("n"), V("i", 7), &v), v, "True");
    mgr_done(m, d, NULL);
}

/* A missing key: MP_EKEY whose message is the key's repr (KeyError), and
 * nothing changed. */
static void test_missing_key(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    mp_var_t *v = NULL, *k = NULL;
    SET(d, "here", "i", 1);
    EXPECT_RC(mp_dict_get(d, V("s", "missing"), NULL, &v), MP_EKEY);
    EXPECT_DETAIL("'missing'");
    EXPECT(v == NULL, "a failed get wrote its out-pointer");
    EXPECT_RC(mp_dict_del(d, V("i", 42)), MP_EKEY);
    EXPECT_DETAIL("42");
    EXPECT_RC(mp_dict_pop(d, V("s", "gone"), NULL, &v), MP_EKEY);
    EXPECT_DETAIL("'gone'");
    int got = 0;
    EXPECT_RC(mp_dict_getf(d, "nope", "i", &got), MP_EKEY);
    EXPECT_DETAIL("'nope'");
    EXPECT_DICT(d, "{'here': 1}");
    EXPECT_RC(mp_dict_clear(d), 0);
    EXPECT_RC(mp_dict_popitem(d, &k, &v), MP_EKEY);
    EXPECT_DETAIL("dictionary is empty");
    EXPECT(k == NULL && v == NULL, "a failed popitem wrote its out-pointers");
    mgr_done(m, d, NULL);
}

/* A list, a map or a reference as a key: MP_EINVAL "unhashable type" from
 * every call that takes a key, and the dict is unchanged. */
static void test_unhashable_key(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    mp_var_t *v = NULL;
    const mp_var_t *list = V("[i]", 1), *map = V("{s:i}", "a", 1), *one = V("i", 1);
    SET(d, "k", "i", 1);
    EXPECT_RC(mp_dict_set(d, list, one), MP_EINVAL);
    EXPECT_DETAIL("unhashable type: 'list'");
    EXPECT_RC(mp_dict_get(d, map, NULL, &v), MP_EINVAL);
    EXPECT_DETAIL("unhashable type: 'map'");
    EXPECT_RC(mp_dict_get(d, list, one, &v), MP_EINVAL);
    EXPECT_RC(mp_dict_del(d, list), MP_EINVAL);
    EXPECT_RC(mp_dict_contains(d, list), MP_EINVAL);
    EXPECT_RC(mp_dict_pop(d, list, one, &v), MP_EINVAL);
    EXPECT_RC(mp_dict_setdefault(d, map, one, &v), MP_EINVAL);
    EXPECT_DICT(d, "{'k': 1}");
    mgr_done(m, d, NULL);
}

/* Item 114: keys, values, items and copy, in insertion order; the copy is
 * the caller's (changing it changes nothing on the server). */
static void test_views_and_copy(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    mp_var_t *v = NULL;
    SET(d, "b", "i", 2);
    SET(d, "a", "[s]", "x");
    SET(d, "c", "n");
    EXPECT_OUT(mp_dict_keys(d, &v), v, "['b', 'a', 'c']");
    EXPECT_OUT(mp_dict_values(d, &v), v, "[2, ['x'], None]");
    EXPECT_OUT(mp_dict_items(d, &v), v, "[['b', 2], ['a', ['x']], ['c', None]]");
    if (EXPECT_RC(mp_dict_copy(d, &v), 0)) {
        EXPECT_EQ(mp_var_type(v), MP_VAR_MAP);
        EXPECT_RC(mp_var_map_set(v, mp_var_str("b"), mp_var_int(99)), 0);
        mp_var_free(v);
    }
    EXPECT_DICT(d, "{'b': 2, 'a': ['x'], 'c': None}");
    EXPECT_RC(mp_dict_clear(d), 0);
    EXPECT_OUT(mp_dict_keys(d, &v), v, "[]");
    EXPECT_OUT(mp_dict_items(d, &v), v, "[]");
    mgr_done(m, d, NULL);
}

/* update() from a map and from a list of pairs, in their order; a bad
 * argument (not a map or list, a pair that is not one, an unhashable key
 * in a pair) is MP_EINVAL with nothing set, not even the good pairs
 * before the bad one. */
static void test_update(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    SET(d, "a", "i", 0);
    EXPECT_RC(mp_dict_update(d, V("{s:i, s:i}", "b", 2, "a", 1)), 0);
    EXPECT_RC(mp_dict_update(d, V("[[s, i], [i, s]]", "c", 3, 4, "four")), 0);
    EXPECT_DICT(d, "{'a': 1, 'b': 2, 'c': 3, 4: 'four'}");
    EXPECT_RC(mp_dict_update(d, V("i", 5)), MP_EINVAL);
    EXPECT_DETAIL("a map or a list of pairs");
    EXPECT_RC(mp_dict_update(d, V("[[s, i], [s]]", "x", 1, "y")), MP_EINVAL);
    EXPECT_DETAIL("element 1");
    EXPECT_RC(mp_dict_update(d, V("[[s, i], i]", "x", 1, 2)), MP_EINVAL);
    EXPECT_RC(mp_dict_update(d, V("[[s, i], [[i], i]]", "x", 1, 2, 3)), MP_EINVAL);
    EXPECT_DETAIL("unhashable");
    EXPECT_DICT(d, "{'a': 1, 'b': 2, 'c': 3, 4: 'four'}");
    mgr_done(m, d, NULL);
}

/* pop with and without a default, popitem last-in first-out, setdefault
 * (present, absent, NULL default = None), clear. */
static void test_pop_popitem_setdefault(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    mp_var_t *v = NULL, *k = NULL;
    SET(d, "a", "i", 1);
    SET(d, "b", "i", 2);
    SET(d, "c", "i", 3);
    EXPECT_OUT(mp_dict_pop(d, V("s", "b"), NULL, &v), v, "2");
    EXPECT_OUT(mp_dict_pop(d, V("s", "b"), V("s", "dflt"), &v), v, "'dflt'");
    EXPECT_RC(mp_dict_pop(d, V("s", "a"), NULL, NULL), 0); /* the value dropped */
    EXPECT_DICT(d, "{'c': 3}");
    EXPECT_OUT(mp_dict_setdefault(d, V("s", "c"), V("i", 9), &v), v, "3");
    EXPECT_OUT(mp_dict_setdefault(d, V("s", "e"), V("i", 5), &v), v, "5");
    EXPECT_OUT(mp_dict_setdefault(d, V("s", "f"), NULL, &v), v, "None");
    EXPECT_RC(mp_dict_setdefault(d, V("s", "g"), V("i", 7), NULL), 0);
    EXPECT_DICT(d, "{'c': 3, 'e': 5, 'f': None, 'g': 7}");
    /* LIFO: g, f, e, c */
    static const char *const order[] = {"'g'", "'f'", "'e'", "'c'"};
    for (size_t i = 0; i < 4; i++)
        if (EXPECT_RC(mp_dict_popitem(d, &k, &v), 0)) {
            EXPECT_REPR(k, order[i]);
            mp_var_free(v);
        }
    EXPECT_EQ(mp_dict_len(d), 0);
    SET(d, "x", "i", 1);
    EXPECT_RC(mp_dict_clear(d), 0);
    EXPECT_EQ(mp_dict_len(d), 0);
    mgr_done(m, d, NULL);
}

/* setf / getf: the value packed and unpacked by format; what getf hands
 * out (strings, bytes, values) is the caller's and outlives the call. */
static void test_formatted(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    EXPECT_RC(mp_dict_setf(d, "rec", "{s:I, s:[s, d], s:y}", "id", (int64_t)7, "tags", "x", 1.5,
                           "raw", "ab", (size_t)2),
              0);
    EXPECT_RC(mp_dict_setf(d, "n", "i", 42), 0);
    int64_t id = 0;
    char *tag = NULL;
    double f = 0;
    void *raw = NULL;
    size_t rawlen = 0;
    if (EXPECT_RC(mp_dict_getf(d, "rec", "{s:I, s:[s, d], s:y}", "id", &id, "tags", &tag, &f, "raw",
                               &raw, &rawlen),
                  0)) {
        EXPECT_EQ(id, 7);
        EXPECT_STR(tag, "x");
        EXPECT(f == 1.5, "f is %g", f);
        EXPECT(rawlen == 2 && memcmp(raw, "ab", 2) == 0, "raw is %zu bytes", rawlen);
        mp_free(tag);
        mp_free(raw);
    }
    mp_var_t *whole = NULL;
    if (EXPECT_RC(mp_dict_getf(d, "n", "v", &whole), 0))
        EXPECT_REPR(whole, "42");
    /* the wrong shape: MP_EINVAL, saying what it got */
    char *s = NULL;
    EXPECT_RC(mp_dict_getf(d, "n", "s", &s), MP_EINVAL);
    EXPECT_DETAIL("int");
    EXPECT_RC(mp_dict_setf(d, "bad", "[i", 1), MP_EINVAL);
    EXPECT_EQ(mp_dict_contains(d, V("s", "bad")), 0);
    mgr_done(m, d, NULL);
}

/* Bad input: NULL proxy, arguments and out-pointers (named), a destroyed
 * proxy (MP_ECLOSED), a proxy of another type (MP_EINVAL). */
static void test_bad_input(void)
{
    mp_manager_t *m;
    mp_proxy_t *d, *l = NULL;
    if (!new_dict(&m, &d) || !EXPECT_RC(mp_manager_list(m, &l), 0)) {
        mgr_done(m, d, l);
        return;
    }
    const mp_var_t *k = V("s", "k"), *one = V("i", 1);
    mp_var_t *v = NULL, *v2 = NULL;
    EXPECT_RC(mp_dict_set(NULL, k, one), MP_EINVAL);
    EXPECT_RC(mp_dict_set(d, NULL, one), MP_EINVAL);
    EXPECT_DETAIL("key");
    EXPECT_RC(mp_dict_set(d, k, NULL), MP_EINVAL);
    EXPECT_DETAIL("value");
    EXPECT_RC(mp_dict_get(d, k, NULL, NULL), MP_EINVAL);
    EXPECT_DETAIL("out");
    EXPECT_RC(mp_dict_get(d, NULL, NULL, &v), MP_EINVAL);
    EXPECT_RC(mp_dict_del(d, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_contains(d, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_len(NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_keys(d, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_values(d, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_items(d, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_copy(d, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_update(d, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_pop(d, NULL, one, &v), MP_EINVAL);
    EXPECT_RC(mp_dict_popitem(d, NULL, &v), MP_EINVAL);
    EXPECT_RC(mp_dict_popitem(d, &v, NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_setdefault(d, NULL, one, &v), MP_EINVAL);
    EXPECT_RC(mp_dict_clear(NULL), MP_EINVAL);
    EXPECT_RC(mp_dict_setf(d, NULL, "i", 1), MP_EINVAL);
    EXPECT_RC(mp_dict_setf(d, "k", NULL), MP_EINVAL);
    EXPECT_DETAIL("fmt");
    EXPECT_RC(mp_dict_getf(d, NULL, "i", &v), MP_EINVAL);
    EXPECT_RC(mp_dict_getf(d, "k", NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_dict(NULL, &l), MP_EINVAL);
    EXPECT_RC(mp_manager_dict(m, NULL), MP_EINVAL);
    /* a list proxy is not a dict */
    EXPECT_RC(mp_dict_set(l, k, one), MP_EINVAL);
    EXPECT_RC(mp_dict_len(l), MP_EINVAL);
    EXPECT_RC(mp_dict_keys(l, &v), MP_EINVAL);
    /* a destroyed proxy */
    mp_proxy_destroy(d);
    EXPECT_RC(mp_dict_set(d, k, one), MP_ECLOSED);
    EXPECT_RC(mp_dict_get(d, k, NULL, &v), MP_ECLOSED);
    EXPECT_RC(mp_dict_len(d), MP_ECLOSED);
    EXPECT_RC(mp_dict_popitem(d, &v, &v2), MP_ECLOSED);
    EXPECT(v == NULL && v2 == NULL, "a failed call wrote its out-pointers");
    mgr_done(m, NULL, l);
}

/* What a client that is not this API may send (mp_proxy_call): a wrong
 * count or type of arguments is refused with a message naming the method,
 * an unknown method is MP_EREMOTE, and the server goes on serving. */
static void test_raw_calls(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    mp_var_t *r = NULL;
    EXPECT_RC(mp_proxy_call(d, "__setitem__", V("[s]", "k"), &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("dict.__setitem__ takes 2 arguments (1 given)");
    EXPECT_RC(mp_proxy_call(d, "get", V("[s, i, i]", "k", 1, 2), &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("dict.get takes 1 to 2 arguments (3 given)");
    EXPECT_RC(mp_proxy_call(d, "__or__", V("[[i]]", 1), &r, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("must be map");
    EXPECT_RC(mp_proxy_call(d, "no_such_method", NULL, &r, MP_FOREVER), MP_EREMOTE);
    EXPECT_DETAIL("no_such_method");
    /* the Python methods without a function here */
    SET(d, "a", "i", 1);
    EXPECT_RC(mp_proxy_call(d, "__ior__", V("[[[s, i]]]", "b", 2), NULL, MP_FOREVER), 0);
    EXPECT_OUT(mp_proxy_call(d, "__or__", V("[{s:i}]", "c", 3), &r, MP_FOREVER), r,
               "{'a': 1, 'b': 2, 'c': 3}");
    EXPECT_OUT(mp_proxy_call(d, "__reversed__", NULL, &r, MP_FOREVER), r, "['b', 'a']");
    EXPECT_OUT(mp_proxy_call(d, "get", V("[s]", "zz"), &r, MP_FOREVER), r, "None");
    EXPECT_DICT(d, "{'a': 1, 'b': 2}");
    mgr_done(m, d, NULL);
}

/* A dict made with entries (mp_proxy_create with args), from a map or a
 * list of pairs; anything else is refused by the constructor. */
static void test_create_with_entries(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *a = NULL, *b = NULL, *c = NULL;
    if (!m) {
        mgr_done(m, NULL, NULL);
        return;
    }
    EXPECT_RC(
        mp_proxy_create(
            &a, &(mp_proxy_opts_t){.manager = m, .type = "dict", .args = V("[{s:i}]", "x", 1)}),
        0);
    EXPECT_DICT(a, "{'x': 1}");
    EXPECT_RC(mp_proxy_create(&b, &(mp_proxy_opts_t){.manager = m,
                                                     .type = "dict",
                                                     .args = V("[[[i, s]]]", 2, "two")}),
              0);
    EXPECT_DICT(b, "{2: 'two'}");
    EXPECT_RC(mp_proxy_create(
                  &c, &(mp_proxy_opts_t){.manager = m, .type = "dict", .args = V("[s]", "no")}),
              MP_EINVAL);
    EXPECT_RC(mp_proxy_create(
                  &c, &(mp_proxy_opts_t){.manager = m, .type = "dict", .args = V("[i, i]", 1, 2)}),
              MP_EINVAL);
    EXPECT_STR(mp_proxy_type(a), "dict");
    mp_proxy_destroy(b);
    mgr_done(m, a, NULL);
}

/* ---- processes ------------------------------------------------------------ */

/* Children race with setdefault(i, id) on every key: each key has one
 * winner, every child read the winner's value (the wins each counted add
 * up to the keys each holds), no key is missing. */
static void test_children_setdefault_race(void)
{
    enum { CHILDREN = 3 };
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    int64_t held[CHILDREN + 1] = {0}, wins[CHILDREN + 1] = {0};
    run_racers("task_mgr_dict_claim", d, CHILDREN);
    for (int64_t i = 0; i < MGR_RACE_KEYS; i++) {
        int64_t owner = 0;
        mp_var_t *v = NULL;
        if (EXPECT_RC(mp_dict_get(d, V("I", i), NULL, &v), 0) &&
            EXPECT_RC(mp_var_get_int(v, &owner), 0) &&
            EXPECT(owner >= 1 && owner <= CHILDREN, "key %lld held by %lld", (long long)i,
                   (long long)owner))
            held[owner]++;
        mp_var_free(v);
        scratch_free();
    }
    for (int c = 1; c <= CHILDREN; c++) {
        char name[32];
        snprintf(name, sizeof name, "wins:%d", c);
        EXPECT_RC(mp_dict_getf(d, name, "I", &wins[c]), 0);
        EXPECT(wins[c] == held[c], "child %d counted %lld wins but holds %lld keys", c,
               (long long)wins[c], (long long)held[c]);
    }
    EXPECT_EQ(mp_dict_len(d), MGR_RACE_KEYS + CHILDREN);
    mgr_done(m, d, NULL);
}

/* Children take every key with pop(i, None): each key is taken exactly
 * once (the counts add up to the keys), none is left. */
static void test_children_pop_race(void)
{
    enum { CHILDREN = 3 };
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    for (int64_t i = 0; i < MGR_RACE_KEYS; i++) {
        EXPECT_RC(mp_dict_set(d, V("I", i), V("I", i * 10)), 0);
        scratch_free();
    }
    run_racers("task_mgr_dict_take", d, CHILDREN);
    int64_t total = 0;
    for (int c = 1; c <= CHILDREN; c++) {
        char name[32];
        int64_t took = 0;
        snprintf(name, sizeof name, "took:%d", c);
        if (EXPECT_RC(mp_dict_getf(d, name, "I", &took), 0))
            total += took;
    }
    EXPECT_EQ(total, MGR_RACE_KEYS);
    EXPECT_EQ(mp_dict_len(d), CHILDREN); /* only the "took:" keys */
    mgr_done(m, d, NULL);
}

/* A dict's reference stored in a managed list keeps it shared: a child
 * reads the element, opens it, and sets a key the parent's own proxy of
 * the dict sees. */
static void test_nested_in_list(void)
{
    mp_manager_t *m;
    mp_proxy_t *d, *outer = NULL;
    mp_var_t *ref = NULL, *v = NULL;
    if (!new_dict(&m, &d) || !EXPECT_RC(mp_manager_list(m, &outer), 0) ||
        !EXPECT_RC(mp_proxy_ref(d, &ref), 0)) {
        mgr_done(m, d, outer);
        return;
    }
    EXPECT_RC(mp_list_append(outer, ref), 0);
    mp_var_free(ref);
    run_proxy_child("task_mgr_nested_dict", 0, outer, NULL);
    EXPECT_OUT(mp_dict_get(d, V("s", MGR_NESTED_KEY), NULL, &v), v, "'" MGR_NESTED_VALUE "'");
    mgr_done(m, d, outer);
}

/* Item 121's dict, used from a child (TestSyncManagerTypes.test_dict):
 * the child checks what it reads and clears the dict last. */
static void test_used_from_child(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    SET(d, "foo", "i", 5);
    run_proxy_child("task_mgr_dict_types", 0, d, NULL);
    EXPECT_EQ(mp_dict_len(d), 0);
    mgr_done(m, d, NULL);
}

/* A manager that has shut down: every dict call fails with MP_EBROKEN
 * (promptly: the suite's time limit is the bound). */
static void test_server_gone(void)
{
    mp_manager_t *m;
    mp_proxy_t *d;
    if (!new_dict(&m, &d)) {
        mgr_done(m, d, NULL);
        return;
    }
    mp_var_t *v = NULL;
    SET(d, "k", "i", 1);
    EXPECT_RC(mp_manager_shutdown(m), 0);
    EXPECT_RC(mp_dict_len(d), MP_EBROKEN);
    EXPECT_RC(mp_dict_get(d, V("s", "k"), NULL, &v), MP_EBROKEN);
    EXPECT(v == NULL, "a failed get wrote its out-pointer");
    mgr_done(m, d, NULL);
}

static const test_case_t tests[] = {
    {"set_get_del", test_set_get_del, ON_ALL},
    {"missing_key", test_missing_key, ON_ALL},
    {"unhashable_key", test_unhashable_key, ON_ALL},
    {"views_and_copy", test_views_and_copy, ON_ALL},
    {"update", test_update, ON_ALL},
    {"pop_popitem_setdefault", test_pop_popitem_setdefault, ON_ALL},
    {"formatted", test_formatted, ON_ALL},
    {"bad_input", test_bad_input, ON_ALL},
    {"raw_calls", test_raw_calls, ON_ALL},
    {"create_with_entries", test_create_with_entries, ON_ALL},
    {"children_setdefault_race", test_children_setdefault_race, ON_ALL},
    {"children_pop_race", test_children_pop_race, ON_ALL},
    {"nested_in_list", test_nested_in_list, ON_ALL},
    {"used_from_child", test_used_from_child, ON_ALL},
    {"server_gone", test_server_gone, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_dict = {"mgr_dict", true, tests};
