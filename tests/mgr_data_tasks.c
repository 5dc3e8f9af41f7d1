/* The children of the manager container suites (mgr_data_tasks.h). Each
 * gets its proxies with mp_task_proxy(); each check it makes is Python's
 * test's own assertion run in the child (TestSyncManagerTypes), and a
 * mismatch fails the task with what it read. */
#include <stdio.h>
#include <string.h>

#include "mgr_data_tasks.h"

/* The repr the checks compare. */
enum { CHILD_REPR_MAX = 1024 };

/* Proxy `index` of the task; fails the task (negative) when missing. */
static int proxy_of(mp_task_t *t, size_t index, mp_proxy_t **out)
{
    int rc = mp_task_proxy(t, index, out);
    return rc < 0 ? mp_task_fail(t, rc, "mp_task_proxy(%zu): %s", index, mp_errdetail()) : 0;
}

/* A call that must succeed: its failure is the task's. */
static int step(mp_task_t *t, int rc, const char *what)
{
    return rc < 0 ? mp_task_fail(t, rc, "%s: %s: %s", what, mp_err_name(rc), mp_errdetail()) : 0;
}

/* The value a step handed out through `v` must print as `want`; it is
 * freed (and `*v` cleared). A pointer, read here: the step that writes it
 * is an argument of the same call, and arguments have no order. */
static int expect(mp_task_t *t, int rc, mp_var_t **v, const char *what, const char *want)
{
    char buf[CHILD_REPR_MAX] = "";
    if (rc == 0)
        mp_var_repr(*v, buf, sizeof buf, NULL);
    mp_var_free(*v);
    *v = NULL;
    if (rc < 0)
        return step(t, rc, what);
    return strcmp(buf, want) == 0
               ? 0
               : mp_task_fail(t, MP_EINVAL, "%s is %s, expected %s", what, buf, want);
}

/* A count must be `want`. */
static int expect_n(mp_task_t *t, int got, const char *what, int want)
{
    if (got < 0)
        return step(t, got, what);
    return got == want ? 0 : mp_task_fail(t, MP_EINVAL, "%s is %d, expected %d", what, got, want);
}

/* The tutorial: `l.append('Hello from process!')`. */
int task_mgr_list_hello(mp_task_t *t)
{
    mp_proxy_t *l = NULL;
    int rc = proxy_of(t, 0, &l);
    if (rc == 0)
        rc = step(t, mp_list_appendf(l, "s", MGR_HELLO), "append");
    mp_proxy_destroy(l);
    return rc;
}

/* Race for every key with setdefault(i, my id): a key is won by whoever
 * set it first, and every racer must read the winner's id. Reports its
 * wins as d["wins:ID"]. */
int task_mgr_dict_claim(mp_task_t *t)
{
    mp_proxy_t *d = NULL;
    int64_t id = 0, wins = 0, got = 0;
    int rc = proxy_of(t, 0, &d);
    if (rc == 0)
        rc = step(t, mp_task_arg_i64(t, &id), "argument");
    for (int64_t i = 0; i < MGR_RACE_KEYS && rc == 0; i++) {
        mp_var_t *key = mp_var_int(i), *mine = mp_var_int(id), *v = NULL;
        rc = step(t, mp_dict_setdefault(d, key, mine, &v), "setdefault");
        if (rc == 0 && (rc = step(t, mp_var_get_int(v, &got), "the value")) == 0)
            wins += got == id;
        mp_var_free(key);
        mp_var_free(mine);
        mp_var_free(v);
    }
    char name[32];
    snprintf(name, sizeof name, "wins:%lld", (long long)id);
    if (rc == 0)
        rc = step(t, mp_dict_setf(d, name, "I", wins), "setf");
    mp_proxy_destroy(d);
    return rc;
}

/* Take every int key 0..MGR_RACE_KEYS-1 with pop(i, None): each is taken
 * by exactly one racer. Reports how many it took as d["took:ID"]. */
int task_mgr_dict_take(mp_task_t *t)
{
    mp_proxy_t *d = NULL;
    int64_t id = 0, took = 0;
    int rc = proxy_of(t, 0, &d);
    if (rc == 0)
        rc = step(t, mp_task_arg_i64(t, &id), "argument");
    mp_var_t *none = mp_var_nil();
    for (int64_t i = 0; i < MGR_RACE_KEYS && rc == 0; i++) {
        mp_var_t *key = mp_var_int(i), *v = NULL;
        rc = step(t, mp_dict_pop(d, key, none, &v), "pop");
        took += rc == 0 && mp_var_type(v) != MP_VAR_NIL;
        mp_var_free(key);
        mp_var_free(v);
    }
    mp_var_free(none);
    char name[32];
    snprintf(name, sizeof name, "took:%lld", (long long)id);
    if (rc == 0)
        rc = step(t, mp_dict_setf(d, name, "I", took), "setf");
    mp_proxy_destroy(d);
    return rc;
}

/* Open element `index` of the outer proxy's list (a reference). */
static int open_element(mp_task_t *t, mp_proxy_t *outer, int64_t index, mp_proxy_t **inner)
{
    mp_var_t *ref = NULL;
    int rc = step(t, mp_list_get(outer, index, &ref), "outer[i]");
    if (rc == 0)
        rc = step(t, mp_proxy_open(inner, outer, ref), "mp_proxy_open");
    mp_var_free(ref);
    return rc;
}

/* outer[0] is a dict's reference: change the dict through it. */
int task_mgr_nested_dict(mp_task_t *t)
{
    mp_proxy_t *outer = NULL, *inner = NULL;
    int rc = proxy_of(t, 0, &outer);
    if (rc == 0)
        rc = open_element(t, outer, 0, &inner);
    if (rc == 0)
        rc = step(t, mp_dict_setf(inner, MGR_NESTED_KEY, "s", MGR_NESTED_VALUE), "inner setf");
    mp_proxy_destroy(inner);
    mp_proxy_destroy(outer);
    return rc;
}

/* Python's test_list_proxy_in_list, the child's half: a[0][-1] = 55 and
 * a[1].pop() == 2, each through the outer list's index. */
int task_mgr_nested_list(mp_task_t *t)
{
    mp_proxy_t *a = NULL, *a0 = NULL, *a1 = NULL;
    mp_var_t *v55 = mp_var_int(55), *item = NULL;
    int rc = proxy_of(t, 0, &a);
    if (rc == 0 && (rc = open_element(t, a, 0, &a0)) == 0)
        rc = step(t, mp_list_set(a0, -1, v55), "a[0][-1] = 55");
    if (rc == 0 && (rc = open_element(t, a, 1, &a1)) == 0)
        rc = expect(t, mp_list_pop(a1, -1, &item), &item, "a[1].pop()", "2");
    mp_var_free(v55);
    mp_proxy_destroy(a1);
    mp_proxy_destroy(a0);
    mp_proxy_destroy(a);
    return rc;
}

/* A call by method name (the operators manager_containers.h has no
 * function for) with arguments packed from a format; the result printed. */
static int expect_call(mp_task_t *t, mp_proxy_t *p, const char *method, const char *args,
                       const mp_var_t *arg, const char *want)
{
    mp_var_t *packed = NULL, *result = NULL;
    int rc = mp_var_pack(&packed, args, arg);
    if (rc == 0)
        rc = mp_proxy_call(p, method, packed, &result, MP_FOREVER);
    mp_var_free(packed);
    return expect(t, rc, &result, method, want);
}

/* TestSyncManagerTypes.test_list's child (the parent made [5]), then the
 * operators of checklist item 121: += and *= stay the proxy's list, * and
 * copy answer plain lists; sort, reverse, pop(0), and clear last (the
 * parent sees it empty). */
int task_mgr_list_types(mp_task_t *t)
{
    mp_proxy_t *l = NULL;
    mp_var_t *v = NULL, *five = mp_var_int(5), *two = mp_var_int(2), *items = NULL;
    size_t at = 99;
    int rc = proxy_of(t, 0, &l);
    if (rc == 0)
        rc = expect(t, mp_list_get(l, 0, &v), &v, "l[0]", "5");
    if (rc == 0)
        rc = expect_n(t, mp_list_count(l, five), "l.count(5)", 1);
    if (rc == 0 && (rc = step(t, mp_list_index(l, five, &at), "l.index(5)")) == 0)
        rc = expect_n(t, (int)at, "l.index(5)", 0);
    if (rc == 0)
        rc = step(t, mp_list_sort(l, false), "l.sort()");
    if (rc == 0)
        rc = step(t, mp_list_reverse(l), "l.reverse()");
    if (rc == 0)
        rc = expect_n(t, mp_list_len(l), "len(l)", 1);
    if (rc == 0)
        rc = expect(t, mp_list_pop(l, 0, &v), &v, "l.pop(0)", "5");
    if (rc == 0)
        rc = step(t, mp_var_pack(&items, "[i, i, i]", 3, 1, 2), "pack");
    if (rc == 0)
        rc = expect_call(t, l, "__iadd__", "[v]", items, "None");
    if (rc == 0)
        rc = expect_call(t, l, "__imul__", "[v]", two, "None");
    if (rc == 0)
        rc = expect_call(t, l, "__mul__", "[v]", two, "[3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2]");
    if (rc == 0)
        rc = expect(t, mp_list_copy(l, &v), &v, "l.copy()", "[3, 1, 2, 3, 1, 2]");
    if (rc == 0)
        rc = step(t, mp_list_sort(l, true), "l.sort(reverse=True)");
    if (rc == 0)
        rc = expect(t, mp_list_pop(l, 0, &v), &v, "l.pop(0)", "3");
    if (rc == 0)
        rc = expect(t, mp_list_copy(l, &v), &v, "l[:]", "[3, 2, 2, 1, 1]");
    if (rc == 0)
        rc = step(t, mp_list_clear(l), "l.clear()");
    mp_var_free(items);
    mp_var_free(two);
    mp_var_free(five);
    mp_proxy_destroy(l);
    return rc;
}

/* TestSyncManagerTypes.test_dict's child (the parent set d['foo'] = 5),
 * then item 121's: |= stays the proxy's, | answers a plain map,
 * reversed, update, setdefault, pop, popitem, clear last. */
int task_mgr_dict_types(mp_task_t *t)
{
    mp_proxy_t *d = NULL;
    mp_var_t *v = NULL, *k = NULL, *foo = mp_var_str("foo"), *m = NULL, *c = NULL, *e = NULL;
    mp_var_t *a = mp_var_str("a"), *b = mp_var_str("b"), *nine = mp_var_int(9);
    int rc = proxy_of(t, 0, &d);
    if (rc == 0)
        rc = expect_n(t, mp_dict_len(d), "len(d)", 1);
    if (rc == 0)
        rc = expect(t, mp_dict_get(d, foo, NULL, &v), &v, "d['foo']", "5");
    if (rc == 0)
        rc = expect(t, mp_dict_items(d, &v), &v, "d.items()", "[['foo', 5]]");
    if (rc == 0)
        rc = expect(t, mp_dict_keys(d, &v), &v, "d.keys()", "['foo']");
    if (rc == 0)
        rc = expect(t, mp_dict_values(d, &v), &v, "d.values()", "[5]");
    if (rc == 0)
        rc = expect(t, mp_dict_copy(d, &v), &v, "d.copy()", "{'foo': 5}");
    if (rc == 0 && (rc = step(t, mp_dict_popitem(d, &k, &v), "d.popitem()")) == 0 &&
        (rc = expect(t, 0, &k, "popitem's key", "'foo'")) == 0)
        rc = expect(t, 0, &v, "popitem's value", "5");
    if (rc == 0)
        rc = step(t, mp_var_pack(&m, "{s:i, s:i}", "a", 1, "b", 2), "pack");
    if (rc == 0)
        rc = step(t, mp_dict_update(d, m), "d.update()");
    if (rc == 0 && (rc = step(t, mp_var_pack(&c, "{s:i}", "c", 3), "pack")) == 0)
        rc = expect_call(t, d, "__ior__", "[v]", c, "None");
    if (rc == 0 && (rc = step(t, mp_var_pack(&e, "{s:i}", "d", 4), "pack")) == 0)
        rc = expect_call(t, d, "__or__", "[v]", e, "{'a': 1, 'b': 2, 'c': 3, 'd': 4}");
    if (rc == 0)
        rc = expect_call(t, d, "__reversed__", "[]", NULL, "['c', 'b', 'a']");
    if (rc == 0)
        rc = expect(t, mp_dict_copy(d, &v), &v, "d after |", "{'a': 1, 'b': 2, 'c': 3}");
    if (rc == 0)
        rc = expect(t, mp_dict_pop(d, b, NULL, &v), &v, "d.pop('b')", "2");
    if (rc == 0)
        rc = expect(t, mp_dict_setdefault(d, a, nine, &v), &v, "d.setdefault('a', 9)", "1");
    if (rc == 0)
        rc = expect(t, mp_dict_setdefault(d, b, nine, &v), &v, "d.setdefault('b', 9)", "9");
    if (rc == 0)
        rc = expect(t, mp_dict_copy(d, &v), &v, "d", "{'a': 1, 'c': 3, 'b': 9}");
    if (rc == 0)
        rc = step(t, mp_dict_clear(d), "d.clear()");
    mp_var_free(nine);
    mp_var_free(b);
    mp_var_free(a);
    mp_var_free(e);
    mp_var_free(c);
    mp_var_free(m);
    mp_var_free(foo);
    mp_proxy_destroy(d);
    return rc;
}

/* TestSyncManagerTypes.test_namespace's child (the parent set x = 0 and
 * y = 1), then a set and a delete the parent sees. */
int task_mgr_namespace_types(mp_task_t *t)
{
    mp_proxy_t *ns = NULL;
    mp_var_t *v = NULL;
    int rc = proxy_of(t, 0, &ns);
    if (rc == 0)
        rc = expect(t, mp_ns_get(ns, "x", &v), &v, "ns.x", "0");
    if (rc == 0)
        rc = expect(t, mp_ns_get(ns, "y", &v), &v, "ns.y", "1");
    if (rc == 0)
        rc = step(t, mp_ns_setf(ns, "z", "s", "zed"), "ns.z = 'zed'");
    if (rc == 0)
        rc = step(t, mp_ns_del(ns, "y"), "del ns.y");
    if (rc == 0)
        rc = expect_n(t, mp_ns_has(ns, "y"), "hasattr(ns, 'y')", 0);
    mp_proxy_destroy(ns);
    return rc;
}
