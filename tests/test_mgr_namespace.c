/* Suite "mgr_namespace": a manager's Namespace (manager_containers.h;
 * checklist items 115 and 121's Namespace part, after CPython's
 * test_namespace and TestSyncManagerTypes.test_namespace): attributes set,
 * read and deleted, hasattr, the description that hides `_` names, the
 * buffer rules of mp_ns_repr(), refusals, and a child using it. Run once
 * per start method. */
#include <string.h>

#include "helpers.h"
#include "mgr_data_tasks.h"

/* A manager and a Namespace on it; asserted. */
static bool new_ns(mp_manager_t **m, mp_proxy_t **ns)
{
    *ns = NULL;
    return (*m = start_manager()) != NULL && EXPECT_RC(mp_manager_namespace(*m, ns), 0);
}

/* The description must be `want`; asserted. */
#define EXPECT_NS(ns, want) expect_ns((ns), (want), __FILE__, __LINE__)
static bool expect_ns(mp_proxy_t *ns, const char *want, const char *file, int line)
{
    char buf[512];
    size_t len = 0;
    int rc = mp_ns_repr(ns, buf, sizeof buf, &len);
    if (!check_true(rc == 0, file, line, "mp_ns_repr: %s: %s", mp_err_name(rc), mp_errdetail()))
        return false;
    return check_true(strcmp(buf, want) == 0 && len == strlen(want), file, line,
                      "str(ns) is %s (%zu), expected %s", buf, len, want);
}

/* Item 115 (test_namespace): name, job and _hidden set; both read; del
 * job; str(ns) is "Namespace(name='Bob')"; hasattr name but not job. */
static void test_set_get_del(void)
{
    mp_manager_t *m;
    mp_proxy_t *ns;
    if (!new_ns(&m, &ns)) {
        mgr_done(m, ns, NULL);
        return;
    }
    mp_var_t *v = NULL;
    EXPECT_RC(mp_ns_set(ns, "name", V("s", "Bob")), 0);
    EXPECT_RC(mp_ns_set(ns, "job", V("s", "Builder")), 0);
    EXPECT_RC(mp_ns_set(ns, "_hidden", V("s", "hidden")), 0);
    EXPECT_OUT(mp_ns_get(ns, "name", &v), v, "'Bob'");
    EXPECT_OUT(mp_ns_get(ns, "job", &v), v, "'Builder'");
    EXPECT_OUT(mp_ns_get(ns, "_hidden", &v), v, "'hidden'"); /* stored, only not shown */
    EXPECT_NS(ns, "Namespace(job='Builder', name='Bob')");
    EXPECT_RC(mp_ns_del(ns, "job"), 0);
    EXPECT_NS(ns, "Namespace(name='Bob')");
    EXPECT_EQ(mp_ns_has(ns, "name"), 1);
    EXPECT_EQ(mp_ns_has(ns, "job"), 0);
    EXPECT_EQ(mp_ns_has(ns, "_hidden"), 1);
    EXPECT_RC(mp_ns_set(ns, "name", V("[i, n]", 1)), 0); /* replaced */
    EXPECT_OUT(mp_ns_get(ns, "name", &v), v, "[1, None]");
    mgr_done(m, ns, NULL);
}

/* A missing attribute: MP_EKEY with Python's AttributeError message. */
static void test_missing(void)
{
    mp_manager_t *m;
    mp_proxy_t *ns;
    if (!new_ns(&m, &ns)) {
        mgr_done(m, ns, NULL);
        return;
    }
    mp_var_t *v = NULL;
    int i = 0;
    EXPECT_RC(mp_ns_get(ns, "x", &v), MP_EKEY);
    EXPECT_DETAIL("'Namespace' object has no attribute 'x'");
    EXPECT(v == NULL, "a failed get wrote its out-pointer");
    EXPECT_RC(mp_ns_del(ns, "x"), MP_EKEY);
    EXPECT_DETAIL("no attribute 'x'");
    EXPECT_RC(mp_ns_getf(ns, "x", "i", &i), MP_EKEY);
    EXPECT_NS(ns, "Namespace()");
    mgr_done(m, ns, NULL);
}

/* The description: sorted as Python sorts "name=repr" strings whatever
 * the order of setting, values as repr, `_` names hidden; and the buffer
 * rules of mp_var_repr (length asked with size 0, MP_ETOOSMALL keeps what
 * fits, NUL-ended). */
static void test_repr(void)
{
    mp_manager_t *m;
    mp_proxy_t *ns;
    if (!new_ns(&m, &ns)) {
        mgr_done(m, ns, NULL);
        return;
    }
    EXPECT_RC(mp_ns_set(ns, "b", V("[d, b]", 0.5, 1)), 0);
    EXPECT_RC(mp_ns_set(ns, "_x", V("i", 1)), 0);
    EXPECT_RC(mp_ns_set(ns, "a", V("s", "it's")), 0);
    EXPECT_RC(mp_ns_set(ns, "a_", V("y", "\x01", (size_t)1)), 0);
    const char *want = "Namespace(a=\"it's\", a_=b'\\x01', b=[0.5, True])";
    EXPECT_NS(ns, want);
    char small[12];
    size_t len = 0;
    EXPECT_RC(mp_ns_repr(ns, NULL, 0, &len), MP_ETOOSMALL);
    EXPECT_EQ(len, strlen(want));
    len = 0;
    EXPECT_RC(mp_ns_repr(ns, small, sizeof small, &len), MP_ETOOSMALL);
    EXPECT_EQ(len, strlen(want));
    EXPECT_STR(small, "Namespace(a");
    EXPECT_RC(mp_ns_repr(ns, NULL, 5, &len), MP_EINVAL);
    EXPECT_RC(mp_ns_repr(ns, small, sizeof small, NULL), MP_ETOOSMALL);
    mgr_done(m, ns, NULL);
}

/* vars(ns): every attribute, `_` ones included, in the order first set. */
static void test_copy(void)
{
    mp_manager_t *m;
    mp_proxy_t *ns;
    if (!new_ns(&m, &ns)) {
        mgr_done(m, ns, NULL);
        return;
    }
    mp_var_t *v = NULL;
    EXPECT_RC(mp_ns_setf(ns, "z", "i", 1), 0);
    EXPECT_RC(mp_ns_setf(ns, "_p", "s", "private"), 0);
    EXPECT_RC(mp_ns_setf(ns, "a", "[i]", 2), 0);
    EXPECT_OUT(mp_ns_copy(ns, &v), v, "{'z': 1, '_p': 'private', 'a': [2]}");
    mgr_done(m, ns, NULL);
}

/* setf / getf; a shape that does not match is MP_EINVAL. */
static void test_formatted(void)
{
    mp_manager_t *m;
    mp_proxy_t *ns;
    if (!new_ns(&m, &ns)) {
        mgr_done(m, ns, NULL);
        return;
    }
    char *s = NULL;
    double d = 0;
    EXPECT_RC(mp_ns_setf(ns, "rec", "{s:s, s:d}", "who", "Bob", "pay", 1.25), 0);
    if (EXPECT_RC(mp_ns_getf(ns, "rec", "{s:s, s:d}", "who", &s, "pay", &d), 0)) {
        EXPECT_STR(s, "Bob");
        EXPECT(d == 1.25, "pay is %g", d);
        mp_free(s);
    }
    EXPECT_RC(mp_ns_getf(ns, "rec", "i", &d), MP_EINVAL);
    EXPECT_RC(mp_ns_setf(ns, "bad", "{s", "x"), MP_EINVAL);
    EXPECT_EQ(mp_ns_has(ns, "bad"), 0);
    mgr_done(m, ns, NULL);
}

/* Bad input: NULL names, values and out-pointers (named), a destroyed
 * proxy, a proxy of another type, a wrong argument type sent raw, and a
 * Namespace made with attributes (a non-string name refused). */
static void test_bad_input(void)
{
    mp_manager_t *m;
    mp_proxy_t *ns, *d = NULL, *made = NULL;
    if (!new_ns(&m, &ns) || !EXPECT_RC(mp_manager_dict(m, &d), 0)) {
        mgr_done(m, ns, d);
        return;
    }
    const mp_var_t *one = V("i", 1);
    mp_var_t *v = NULL;
    char buf[64];
    EXPECT_RC(mp_ns_set(NULL, "a", one), MP_EINVAL);
    EXPECT_RC(mp_ns_set(ns, NULL, one), MP_EINVAL);
    EXPECT_DETAIL("name");
    EXPECT_RC(mp_ns_set(ns, "a", NULL), MP_EINVAL);
    EXPECT_DETAIL("value");
    EXPECT_RC(mp_ns_get(ns, NULL, &v), MP_EINVAL);
    EXPECT_RC(mp_ns_get(ns, "a", NULL), MP_EINVAL);
    EXPECT_RC(mp_ns_del(ns, NULL), MP_EINVAL);
    EXPECT_RC(mp_ns_has(ns, NULL), MP_EINVAL);
    EXPECT_RC(mp_ns_copy(ns, NULL), MP_EINVAL);
    EXPECT_RC(mp_ns_repr(NULL, buf, sizeof buf, NULL), MP_EINVAL);
    EXPECT_RC(mp_ns_setf(ns, NULL, "i", 1), MP_EINVAL);
    EXPECT_RC(mp_ns_setf(ns, "a", NULL), MP_EINVAL);
    EXPECT_RC(mp_ns_getf(ns, NULL, "i", &v), MP_EINVAL);
    EXPECT_RC(mp_ns_getf(ns, "a", NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_namespace(NULL, &made), MP_EINVAL);
    EXPECT_RC(mp_manager_namespace(m, NULL), MP_EINVAL);
    EXPECT_RC(mp_ns_set(d, "a", one), MP_EINVAL); /* a dict is not a Namespace */
    EXPECT_RC(mp_ns_repr(d, buf, sizeof buf, NULL), MP_EINVAL);
    EXPECT_RC(mp_proxy_call(ns, "__setattr__", V("[i, i]", 1, 2), NULL, MP_FOREVER), MP_EINVAL);
    EXPECT_DETAIL("name must be str, not int");
    EXPECT_RC(mp_proxy_create(&made, &(mp_proxy_opts_t){.manager = m,
                                                        .type = "Namespace",
                                                        .args = V("[{i:i}]", 1, 2)}),
              MP_EINVAL);
    EXPECT_RC(mp_proxy_create(&made, &(mp_proxy_opts_t){.manager = m,
                                                        .type = "Namespace",
                                                        .args = V("[{s:i}]", "k", 2)}),
              0);
    EXPECT_NS(made, "Namespace(k=2)");
    mp_proxy_destroy(made);
    mp_proxy_destroy(ns);
    EXPECT_RC(mp_ns_set(ns, "a", one), MP_ECLOSED);
    EXPECT_RC(mp_ns_has(ns, "a"), MP_ECLOSED);
    EXPECT_RC(mp_ns_repr(ns, buf, sizeof buf, NULL), MP_ECLOSED);
    mgr_done(m, NULL, d);
}

/* Item 121's Namespace used from a child: it reads x and y, sets z and
 * deletes y; the parent sees it. */
static void test_used_from_child(void)
{
    mp_manager_t *m;
    mp_proxy_t *ns;
    if (!new_ns(&m, &ns)) {
        mgr_done(m, ns, NULL);
        return;
    }
    EXPECT_RC(mp_ns_setf(ns, "x", "i", 0), 0);
    EXPECT_RC(mp_ns_setf(ns, "y", "i", 1), 0);
    run_proxy_child("task_mgr_namespace_types", 0, ns, NULL);
    EXPECT_NS(ns, "Namespace(x=0, z='zed')");
    mgr_done(m, ns, NULL);
}

static const test_case_t tests[] = {
    {"set_get_del", test_set_get_del, ON_ALL},
    {"missing", test_missing, ON_ALL},
    {"repr", test_repr, ON_ALL},
    {"copy", test_copy, ON_ALL},
    {"formatted", test_formatted, ON_ALL},
    {"bad_input", test_bad_input, ON_ALL},
    {"used_from_child", test_used_from_child, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_namespace = {"mgr_namespace", true, tests};
