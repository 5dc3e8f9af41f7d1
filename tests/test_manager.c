/* Suite "manager": a manager's life (start and shutdown under each start
 * method and on a thread, the exit code, a server that ignores shutdown,
 * the initializer, a restart on the same tcp address) and the suite's own
 * managed type (results, the remote code as itself, unknown methods and
 * types, proxies passed to children, references, published names). Run
 * once per start method: the server runs under it. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h> /* getpid: mingw-w64 has it too */

#include "helpers.h"
#include "mgr_helpers.h"

/* ---- lifecycle ------------------------------------------------------------ */

static void test_start_shutdown(void)
{
    mp_manager_t *m = mgr_start(NULL);
    if (!m)
        return;
    EXPECT(mp_manager_address(m)[0] != '\0', "a started manager has an address");
    mp_pid_t pid = 0;
    EXPECT_RC(mp_manager_pid(m, &pid), 0);
    EXPECT(pid > 0 && pid != getpid(), "the server is another process (pid %lld)", (long long)pid);
    int code = 12345;
    EXPECT_RC(mp_manager_exitcode(m, &code), MP_ESTATE); /* still running */
    mp_proxy_t *c = mgr_counter(m, 1);
    EXPECT_EQ(mgr_call_int(c, "add", 2), 3);
    EXPECT_RC(mp_manager_shutdown(m), 0);
    EXPECT_RC(mp_manager_exitcode(m, &code), 0);
    EXPECT_EQ(code, 0);
    EXPECT(wait_pid_gone(pid, MGR_WAIT_S), "the server process %lld ended", (long long)pid);
    EXPECT_RC(mp_manager_shutdown(m), 0); /* again: a no-op */
    /* Its proxies know it is gone. */
    EXPECT_RC(mp_proxy_callf(c, "get", NULL, "[]"), MP_EBROKEN);
    EXPECT(strstr(mp_errdetail(), "hung up") != NULL, "detail: %s", mp_errdetail());
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

static void test_in_thread(void)
{
    mp_manager_t *m = mgr_start(&(mp_manager_opts_t){.in_thread = true});
    if (!m)
        return;
    mp_pid_t pid;
    EXPECT_RC(mp_manager_pid(m, &pid), MP_ENOTSUP);
    mp_proxy_t *c = mgr_counter(m, 10);
    EXPECT_EQ(mgr_call_int(c, "add", 5), 15);
    /* A child of this process reaches a server on this process's thread. */
    mp_process_t *p = run_process(&(mp_process_opts_t){
        .task = "task_mgr_add", .context = method_context(), MP_ARG_I64(20), MP_OBJECTS(c)});
    if (p)
        EXPECT_EQ(exitcode_of(p), 0);
    dispose_process(p);
    EXPECT_EQ(mgr_value(c), 35);
    EXPECT_RC(mp_manager_shutdown(m), 0);
    int code;
    EXPECT_RC(mp_manager_exitcode(m, &code), MP_ESTATE); /* a thread has none */
    EXPECT_RC(mp_proxy_callf(c, "get", NULL, "[]"), MP_EBROKEN);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

static void test_destroy_shuts_down(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_pid_t pid = 0;
    if (!m || !EXPECT_RC(mp_manager_pid(m, &pid), 0))
        return;
    mp_manager_destroy(m);
    EXPECT(wait_pid_gone(pid, MGR_WAIT_S), "destroy stopped the server %lld", (long long)pid);
    EXPECT_STR(mp_manager_address(m), "");
}

/* A method that never looks at shutdown holds the server: shutdown waits
 * shutdown_timeout, then terminates it (-SIGTERM); the client whose call
 * was running learns the server is gone. */
static void test_shutdown_timeout_kills(void)
{
    char dir[400];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    mgr_call_arg_t arg = {.method = "block", .n = 600, .timeout = MP_FOREVER};
    snprintf(arg.path, sizeof arg.path, "%s/blocking", dir);
    mp_manager_t *m = mgr_start(&(mp_manager_opts_t){.shutdown_timeout = 0.5});
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    mp_process_t *p = NULL;
    if (c)
        p = start_process(&(mp_process_opts_t){.task = "task_mgr_call",
                                               .context = method_context(),
                                               .arg = &arg,
                                               .arg_len = sizeof arg,
                                               MP_OBJECTS(c)});
    char seen[8];
    if (p && EXPECT(wait_for_file(arg.path, MGR_WAIT_S, seen, sizeof seen),
                    "the child's call is running in the server")) {
        EXPECT_RC(mp_manager_shutdown(m), 0);
        int code = 0;
        EXPECT_RC(mp_manager_exitcode(m, &code), 0);
        EXPECT_EQ(code, -SIGTERM);
        int64_t rc = 0;
        if (EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0) && result_of(p, &rc, sizeof rc))
            EXPECT_RC((int)rc, MP_EBROKEN);
    }
    dispose_process(p);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
    remove_tree(dir);
}

static void test_initializer(void)
{
    const int64_t value = 4242;
    mp_manager_t *m = mgr_start(&(mp_manager_opts_t){
        .initializer = "task_mgr_init", .initarg = &value, .initarg_len = sizeof value});
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    if (c)
        EXPECT_EQ(mgr_call_int(c, "initialized", 0), 4242);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);

    mp_manager_t *bad = NULL;
    EXPECT_RC(mp_manager_start(&bad, &(mp_manager_opts_t){.context = method_context(),
                                                          .initializer = "no_such_task"}),
              MP_ENOTASK);
    EXPECT_RC(mp_manager_start(&bad, &(mp_manager_opts_t){.context = method_context(),
                                                          .initializer = "task_mgr_init_bad"}),
              MP_ETASK);
    EXPECT(strstr(mp_errdetail(), "this initializer refuses") != NULL, "detail: %s",
           mp_errdetail());
    EXPECT(bad == NULL, "a failed start hands out nothing");
}

/* Checklist 119: a manager restarts at once on the tcp address its
 * predecessor used, connections of which may linger in TIME_WAIT. */
static void test_restart_same_tcp_address(void)
{
    mp_manager_t *m = mgr_start(&(mp_manager_opts_t){.address = "tcp:127.0.0.1:0"});
    if (!m)
        return;
    char address[MP_ADDRESS_MAX + 1];
    snprintf(address, sizeof address, "%s", mp_manager_address(m));
    for (int round = 0; round < 3 && m; round++) {
        mp_proxy_t *c = mgr_counter(m, round);
        if (c)
            EXPECT_EQ(mgr_call_int(c, "add", 1), round + 1);
        mp_proxy_destroy(c);
        mp_manager_destroy(m);
        m = mgr_start(&(mp_manager_opts_t){.address = address});
        if (m)
            EXPECT_STR(mp_manager_address(m), address);
    }
    mp_manager_destroy(m);
}

/* ---- the custom type ------------------------------------------------------- */

static void test_custom_type(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 5) : NULL;
    if (!c) {
        mp_manager_destroy(m);
        return;
    }
    EXPECT_STR(mp_proxy_type(c), MGR_COUNTER);
    EXPECT_EQ(mgr_call_int(c, "add", 3), 8);
    EXPECT_EQ(mgr_value(c), 8);
    /* The method's own code and message come back as themselves. */
    EXPECT_RC(mp_proxy_callf(c, "missing", NULL, "[]"), MP_EKEY);
    EXPECT_STR(mp_errdetail(), MGR_MISSING_MESSAGE);
    EXPECT_RC(mp_proxy_callf(c, "add", NULL, "[s]", "not a number"), MP_EINVAL);
    /* Python's RemoteError for what the type does not expose. */
    EXPECT_RC(mp_proxy_callf(c, "no_such_method", NULL, "[]"), MP_EREMOTE);
    EXPECT(strstr(mp_errdetail(), "no_such_method") != NULL, "detail: %s", mp_errdetail());
    mp_proxy_t *x = NULL;
    EXPECT_RC(mp_proxy_create(&x, &(mp_proxy_opts_t){.manager = m, .type = "NoSuchType"}),
              MP_EREMOTE);
    EXPECT(strstr(mp_errdetail(), "NoSuchType") != NULL, "detail: %s", mp_errdetail());
    /* The constructor's own failure. */
    mp_var_t *bad_args = NULL;
    EXPECT_RC(mp_var_pack(&bad_args, "[s]", "x"), 0);
    EXPECT_RC(mp_proxy_create(
                  &x, &(mp_proxy_opts_t){.manager = m, .type = MGR_COUNTER, .args = bad_args}),
              MP_EINVAL);
    mp_var_free(bad_args);
    /* A call with a timeout: the server waits that long at most. */
    double t0 = now_s();
    EXPECT_RC(mp_proxy_call(c, "wait_for", NULL, NULL, 0), MP_EINVAL); /* no argument */
    mp_var_t *args = NULL;
    EXPECT_RC(mp_var_pack(&args, "[i]", 1000), 0);
    EXPECT_RC(mp_proxy_call(c, "wait_for", args, NULL, 0.2), MP_ETIMEDOUT);
    EXPECT(now_s() - t0 >= 0.2 - EARLY_S, "the server waited the call's timeout");
    EXPECT_RC(mp_proxy_call(c, "wait_for", args, NULL, 0), MP_ETIMEDOUT); /* a poll */
    mp_var_free(args);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* A proxy given to children under the suite's method: several update it. */
static void test_proxy_to_children(void)
{
    enum { CHILDREN = 4, EACH = 50 };
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 7) : NULL;
    mp_process_t *kids[CHILDREN] = {0};
    for (int i = 0; c && i < CHILDREN; i++)
        kids[i] = start_process(&(mp_process_opts_t){
            .task = "task_mgr_add", .context = method_context(), MP_ARG_I64(EACH), MP_OBJECTS(c)});
    for (int i = 0; i < CHILDREN; i++) {
        if (kids[i] && EXPECT_RC(mp_process_join(kids[i], JOIN_LIMIT_S), 0))
            EXPECT_EQ(exitcode_of(kids[i]), 0);
        dispose_process(kids[i]);
    }
    if (c)
        EXPECT_EQ(mgr_value(c), 7 + CHILDREN * EACH);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* References: a proxy's object as a value, and back. */
static void test_refs(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 1) : NULL;
    mp_var_t *ref = NULL;
    if (!c || !EXPECT_RC(mp_proxy_ref(c, &ref), 0)) {
        mp_proxy_destroy(c);
        mp_manager_destroy(m);
        return;
    }
    EXPECT_EQ(mp_var_type(ref), MP_VAR_REF);
    mp_proxy_t *again = NULL;
    if (EXPECT_RC(mp_proxy_open(&again, c, ref), 0)) {
        EXPECT_STR(mp_proxy_type(again), MGR_COUNTER);
        EXPECT_EQ(mgr_call_int(again, "add", 1), 2);
        EXPECT_EQ(mgr_value(c), 2); /* the same object */
    }
    mp_var_t *not_ref = mp_var_int(3);
    mp_proxy_t *none = NULL;
    EXPECT_RC(mp_proxy_open(&none, c, not_ref), MP_EINVAL);
    mp_var_free(not_ref);
    mp_var_free(ref);
    mp_proxy_destroy(again);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* Named objects: lookup finds what publish named; a name is replaced. */
static void test_publish_lookup(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *a = m ? mgr_counter(m, 100) : NULL;
    mp_proxy_t *b = m ? mgr_counter(m, 200) : NULL;
    mp_proxy_t *found = NULL;
    if (!a || !b)
        goto out;
    EXPECT_RC(mp_manager_lookup(m, "shared", &found), MP_EKEY);
    EXPECT_RC(mp_manager_publish(m, "shared", a), 0);
    if (EXPECT_RC(mp_manager_lookup(m, "shared", &found), 0)) {
        EXPECT_STR(mp_proxy_type(found), MGR_COUNTER);
        EXPECT_EQ(mgr_call_int(found, "add", 1), 101);
        EXPECT_EQ(mgr_value(a), 101);
        mp_proxy_destroy(found);
    }
    EXPECT_RC(mp_manager_publish(m, "shared", b), 0); /* replaces */
    if (EXPECT_RC(mp_manager_lookup(m, "shared", &found), 0)) {
        EXPECT_EQ(mgr_value(found), 200);
        mp_proxy_destroy(found);
    }
out:
    mp_proxy_destroy(a);
    mp_proxy_destroy(b);
    mp_manager_destroy(m);
}

/* A fork child that uses the parent's handles as it inherited them (not
 * given with MP_OBJECTS): each makes a connection of its own there, and
 * the parent's connections are unharmed. */
static void test_inherited_handles(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    if (c && EXPECT_EQ(mgr_call_int(c, "add", 1), 1)) { /* the parent's connection is made */
        mgr_inherited_manager = m;
        mgr_inherited_proxy = c;
        mp_process_t *p = run_process(&(mp_process_opts_t){
            .task = "task_mgr_inherited", .context = method_context(), MP_ARG_I64(10)});
        int64_t result = INT64_MIN;
        if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &result, sizeof result))
            EXPECT_EQ(result, 1); /* its own counter, made through the inherited manager */
        dispose_process(p);
        EXPECT_EQ(mgr_value(c), 11);
        EXPECT_EQ(mgr_call_int(c, "add", 1), 12);
        mp_proxy_t *more = mgr_counter(m, 5); /* the manager's connection too */
        mp_proxy_destroy(more);
    }
    mgr_inherited_manager = NULL;
    mgr_inherited_proxy = NULL;
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

static const test_case_t tests[] = {
    {"start_shutdown", test_start_shutdown, ON_ALL},
    {"in_thread", test_in_thread, ON_ALL},
    {"destroy_shuts_down", test_destroy_shuts_down, ON_ALL},
    {"shutdown_timeout_kills", test_shutdown_timeout_kills, ON_ALL},
    {"initializer", test_initializer, ON_ALL},
    {"restart_same_tcp_address", test_restart_same_tcp_address, ON_ALL},
    {"custom_type", test_custom_type, ON_ALL},
    {"proxy_to_children", test_proxy_to_children, ON_ALL},
    {"refs", test_refs, ON_ALL},
    {"publish_lookup", test_publish_lookup, ON_ALL},
    {"inherited_handles", test_inherited_handles, ON_FORK},
    {NULL, NULL, 0},
};

const test_suite_t suite_manager = {"manager", true, tests};
