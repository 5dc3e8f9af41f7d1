/* Suite "manager_bad_input": every manager and proxy call given NULL, a
 * destroyed handle, a handle of another kind, a bad timeout, arguments
 * that are not a list; registering after mp_init() and a taken name. Run
 * once per start method (a few tests start a server). */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "mgr_helpers.h"
#include "mp_manager.h" /* mp__proxy_call()'s kind mask */

static void test_null_manager_calls(void)
{
    mp_manager_t *m = NULL;
    const void *key;
    size_t len;
    int code;
    mp_pid_t pid;
    mp_proxy_t *p = NULL;
    EXPECT_RC(mp_manager_start(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_start(&m, &(mp_manager_opts_t){.authkey_len = 3}), MP_EINVAL);
    EXPECT_RC(mp_manager_start(&m, &(mp_manager_opts_t){.initarg_len = 3}), MP_EINVAL);
    EXPECT_RC(mp_manager_start(&m, &(mp_manager_opts_t){.shutdown_timeout = -1}), MP_EINVAL);
    EXPECT_RC(mp_manager_start(&m, &(mp_manager_opts_t){.shutdown_timeout = NAN}), MP_EINVAL);
    EXPECT_RC(mp_manager_start(&m, &(mp_manager_opts_t){.address = "nonsense"}), MP_EINVAL);
    EXPECT(m == NULL, "failed starts hand out nothing");
    EXPECT_RC(mp_manager_connect(NULL, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_manager_connect(&m, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_manager_connect(&m, &(mp_client_opts_t){0}, 1), MP_EINVAL);
    EXPECT_RC(mp_manager_connect(&m, &(mp_client_opts_t){.address = "tcp:127.0.0.1:1"}, -1),
              MP_EINVAL);
    EXPECT_RC(mp_manager_shutdown(NULL), MP_EINVAL);
    mp_manager_destroy(NULL);
    EXPECT_STR(mp_manager_address(NULL), "");
    EXPECT_RC(mp_manager_authkey(NULL, &key, &len), MP_EINVAL);
    EXPECT_RC(mp_manager_exitcode(NULL, &code), MP_EINVAL);
    EXPECT_RC(mp_manager_pid(NULL, &pid), MP_EINVAL);
    EXPECT_RC(mp_manager_publish(NULL, "x", NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_lookup(NULL, "x", &p), MP_EINVAL);
    EXPECT_RC(mp_proxy_create(&p, NULL), MP_EINVAL);
    EXPECT_RC(mp_proxy_create(&p, &(mp_proxy_opts_t){.type = MGR_COUNTER}), MP_EINVAL);
}

static void test_null_proxy_calls(void)
{
    mp_var_t *v = NULL;
    mp_proxy_t *p = NULL;
    EXPECT_RC(mp_proxy_call(NULL, "get", NULL, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_proxy_callf(NULL, "get", NULL, "[]"), MP_EINVAL);
    EXPECT_RC(mp_proxy_ref(NULL, &v), MP_EINVAL);
    EXPECT_RC(mp_proxy_open(&p, NULL, NULL), MP_EINVAL);
    EXPECT_STR(mp_proxy_type(NULL), "");
    mp_proxy_destroy(NULL);
    EXPECT_RC(mp_task_proxy(NULL, 0, &p), MP_EINVAL);
}

/* With a live manager and proxy: NULL parts, bad timeouts, not a list. */
static void test_bad_arguments(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    if (!c) {
        mp_manager_destroy(m);
        return;
    }
    mp_var_t *not_list = mp_var_int(1);
    mp_proxy_t *p = NULL;
    const void *key;
    size_t len;
    EXPECT_RC(mp_proxy_call(c, NULL, NULL, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_proxy_call(c, "get", NULL, NULL, -1), MP_EINVAL);
    EXPECT_RC(mp_proxy_call(c, "get", NULL, NULL, NAN), MP_EINVAL);
    EXPECT_RC(mp_proxy_call(c, "add", not_list, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_proxy_callf(c, "add", NULL, "i", 1), MP_EINVAL); /* not "[...]" */
    EXPECT_RC(mp_proxy_callf(c, "add", NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_proxy_ref(c, NULL), MP_EINVAL);
    EXPECT_RC(mp_proxy_open(NULL, c, not_list), MP_EINVAL);
    EXPECT_RC(mp_proxy_create(&p, &(mp_proxy_opts_t){.manager = m}), MP_EINVAL);
    EXPECT_RC(mp_proxy_create(NULL, &(mp_proxy_opts_t){.manager = m, .type = MGR_COUNTER}),
              MP_EINVAL);
    EXPECT_RC(mp_proxy_create(
                  &p, &(mp_proxy_opts_t){.manager = m, .type = MGR_COUNTER, .args = not_list}),
              MP_EINVAL);
    EXPECT_RC(mp_manager_publish(m, NULL, c), MP_EINVAL);
    EXPECT_RC(mp_manager_publish(m, "", c), MP_EINVAL);
    EXPECT_RC(mp_manager_publish(m, "x", NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_lookup(m, NULL, &p), MP_EINVAL);
    EXPECT_RC(mp_manager_lookup(m, "x", NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_authkey(m, NULL, &len), MP_EINVAL);
    EXPECT_RC(mp_manager_authkey(m, &key, NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_exitcode(m, NULL), MP_EINVAL);
    EXPECT_RC(mp_manager_pid(m, NULL), MP_EINVAL);
    /* None of it reached the object. */
    EXPECT_EQ(mgr_value(c), 0);
    mp_var_free(not_list);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* Destroyed handles: MP_ECLOSED, the getters' sentinels. */
static void test_destroyed(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    mp_proxy_t *kept = c ? mgr_same(c) : NULL;
    if (!kept) {
        mp_proxy_destroy(c);
        mp_manager_destroy(m);
        return;
    }
    mp_proxy_destroy(c);
    mp_var_t *v = NULL;
    mp_proxy_t *p = NULL;
    EXPECT_RC(mp_proxy_callf(c, "get", NULL, "[]"), MP_ECLOSED);
    EXPECT_RC(mp_proxy_ref(c, &v), MP_ECLOSED);
    EXPECT_STR(mp_proxy_type(c), "");
    EXPECT_RC(mp_manager_publish(m, "x", c), MP_ECLOSED);
    mp_proxy_destroy(c); /* again: harmless */
    mp_manager_destroy(m);
    const void *key;
    size_t len;
    int code;
    mp_pid_t pid;
    EXPECT_RC(mp_manager_shutdown(m), MP_ECLOSED);
    EXPECT_STR(mp_manager_address(m), "");
    EXPECT_RC(mp_manager_authkey(m, &key, &len), MP_ECLOSED);
    EXPECT_RC(mp_manager_exitcode(m, &code), MP_ECLOSED);
    EXPECT_RC(mp_manager_pid(m, &pid), MP_ECLOSED);
    EXPECT_RC(mp_manager_lookup(m, "x", &p), MP_ECLOSED);
    EXPECT_RC(mp_proxy_create(&p, &(mp_proxy_opts_t){.manager = m, .type = MGR_COUNTER}),
              MP_ECLOSED);
    mp_manager_destroy(m); /* again: harmless */
    /* A proxy outlives its manager handle; its server does not. */
    EXPECT_RC(mp_proxy_callf(kept, "get", NULL, "[]"), MP_EBROKEN);
    mp_proxy_destroy(kept);
}

/* Handles of another kind, and proxies of a type a function does not take. */
static void test_wrong_kind(void)
{
    mp_lock_t *lock = NULL;
    EXPECT_RC(mp_lock_create(&lock, NULL), 0);
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    if (c) {
        mp_proxy_t *p = NULL;
        int code;
        EXPECT_RC(mp_proxy_callf((mp_proxy_t *)lock, "get", NULL, "[]"), MP_EINVAL);
        EXPECT_STR(mp_proxy_type((mp_proxy_t *)lock), "");
        EXPECT_RC(mp_manager_shutdown((mp_manager_t *)lock), MP_EINVAL);
        EXPECT_RC(mp_manager_shutdown((mp_manager_t *)c), MP_EINVAL);
        EXPECT_RC(mp_manager_exitcode((mp_manager_t *)c, &code), MP_EINVAL);
        EXPECT_RC(mp_manager_lookup((mp_manager_t *)c, "x", &p), MP_EINVAL);
        EXPECT_RC(mp_manager_publish(m, "x", (mp_proxy_t *)m), MP_EINVAL);
        int not_a_handle = 0;
        EXPECT_RC(mp_proxy_callf((mp_proxy_t *)&not_a_handle, "get", NULL, "[]"), MP_EINVAL);
        /* A dict-only function given the counter's proxy. */
        EXPECT_RC(mp__proxy_call(c, MP__MGR_BIT(MP__MGR_DICT), "mp_dict_len", "get", NULL,
                                 MP_FOREVER, NULL),
                  MP_EINVAL);
        EXPECT(strstr(mp_errdetail(), MGR_COUNTER) != NULL, "detail: %s", mp_errdetail());
        EXPECT_RC(
            mp__proxy_call(c, MP__MGR_BIT(MP__MGR_CUSTOM), "f", "get", NULL, MP_FOREVER, NULL), 0);
    }
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
    mp_lock_destroy(lock);
}

/* A proxy of one server published on another. */
static void test_publish_foreign_proxy(void)
{
    mp_manager_t *a = mgr_start(NULL);
    mp_manager_t *b = a ? mgr_start(NULL) : NULL;
    mp_proxy_t *c = b ? mgr_counter(b, 0) : NULL;
    if (c) {
        EXPECT_RC(mp_manager_publish(a, "x", c), MP_EINVAL);
        mp_proxy_t *p = NULL;
        EXPECT_RC(mp_manager_lookup(a, "x", &p), MP_EKEY);
    }
    mp_proxy_destroy(c);
    mp_manager_destroy(b);
    mp_manager_destroy(a);
}

static int late_create(void **self, mp_manager_call_t *call)
{
    (void)call;
    *self = NULL;
    return 0;
}

/* Registration: before mp_init() only, with a name of its own, complete. */
static void test_register(void)
{
    EXPECT_RC(mgr_duplicate_rc, MP_EEXIST);
    EXPECT_RC(mgr_incomplete_rc, MP_EINVAL);
    EXPECT_RC(mp_manager_register(NULL), MP_EINVAL);
    static const mp_manager_method_t none[] = {MP_METHOD_END};
    static const mp_manager_type_t late = {.name = "Late", .create = NULL, .methods = none};
    EXPECT_RC(mp_manager_register(&late), MP_EINVAL);
    static const mp_manager_type_t late_ok = {
        .name = "LateOk", .create = late_create, .methods = none};
    EXPECT_RC(mp_manager_register(&late_ok), MP_ESTATE);
    EXPECT_RC(mp_manager_call_return(NULL, mp_var_int(1)), MP_EINVAL); /* frees it */
    EXPECT_RC(mp_manager_call_fail(NULL, MP_EKEY, "x"), MP_EKEY);
    EXPECT(mp_manager_call_args(NULL) == NULL, "no call, no arguments");
}

static const test_case_t tests[] = {
    {"null_manager_calls", test_null_manager_calls, ON_ALL},
    {"null_proxy_calls", test_null_proxy_calls, ON_ALL},
    {"bad_arguments", test_bad_arguments, ON_ALL},
    {"destroyed", test_destroyed, ON_ALL},
    {"wrong_kind", test_wrong_kind, ON_ALL},
    {"publish_foreign_proxy", test_publish_foreign_proxy, ON_ALL},
    {"register", test_register, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_manager_bad_input = {"manager_bad_input", true, tests};
