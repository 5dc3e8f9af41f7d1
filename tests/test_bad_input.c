/* Bad input to every public function: no call aborts or crashes, each gets
 * its documented code (DESIGN.md, "Public API conventions").
 *
 * Suite "bad_args" needs no child (NULL pointers, unknown names, handles
 * that never started or were destroyed) and runs once; suite "bad_handles"
 * starts children (double starts, NaN timeouts on a running child, typed
 * getters inside a task) and runs once per start method. */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* ---- bad_args --------------------------------------------------------- */

/* context.h: NULL out-pointers and unknown names. */
static void test_context_functions(void)
{
    mp_context_t *ctx = NULL;
    const char *name = NULL;
    const char *const *methods = NULL;
    size_t n = 0;
    EXPECT_RC(mp_get_context(NULL, "fork"), MP_EINVAL);
    EXPECT_RC(mp_get_context(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_get_context(&ctx, "bogus"), MP_EINVAL);
    EXPECT_STR(mp_context_start_method(NULL), "");
    EXPECT_RC(mp_set_start_method("bogus", true), MP_EINVAL);
    EXPECT_RC(mp_set_start_method("bogus", false), MP_EINVAL);
    EXPECT_RC(mp_set_start_method("", true), MP_EINVAL);
    EXPECT_RC(mp_set_start_method("FORK", true), MP_EINVAL);
    EXPECT_RC(mp_get_start_method(NULL, true), MP_EINVAL);
    EXPECT_RC(mp_get_start_method(NULL, false), MP_EINVAL);
    EXPECT_RC(mp_get_all_start_methods(NULL, &n), MP_EINVAL);
    EXPECT_RC(mp_get_all_start_methods(&methods, NULL), MP_EINVAL);
    /* A refused name leaves the choice as it was. */
    mp_set_start_method("spawn", true);
    mp_set_start_method("bogus", true);
    EXPECT_RC(mp_get_start_method(&name, true), 0);
    EXPECT_STR(name, "spawn");
}

/* runtime.h: NULL pointers and values outside their enums. */
static void test_runtime_functions(void)
{
    mp_process_t *list[4];
    size_t n = 0;
    EXPECT_RC(mp_current_process(NULL), MP_EINVAL);
    EXPECT_RC(mp_parent_process(NULL), MP_EINVAL);
    EXPECT_RC(mp_active_children(NULL, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_active_children(list, 4, NULL), MP_EINVAL);
    EXPECT_RC(mp_active_children(NULL, 1, &n), MP_EINVAL);
    EXPECT_RC(mp_active_children(NULL, 0, &n), 0);
    EXPECT_RC(mp_set_fork_policy((mp_fork_policy_t)99), MP_EINVAL);
    EXPECT_RC(mp_set_fork_policy((mp_fork_policy_t)-1), MP_EINVAL);
    EXPECT_RC(mp_set_fork_policy((mp_fork_policy_t)3), MP_EINVAL);
    EXPECT_RC(mp_set_fork_policy(MP_FORK_ALLOW), 0);
    EXPECT_RC(mp_set_fork_policy(MP_FORK_WARN), 0); /* back to the default */
    EXPECT_RC(mp_atexit(NULL), MP_EINVAL);
    mp_free(NULL); /* NULL-safe */
}

/* mp_process_create: each required pointer, inconsistent arguments, enum
 * values outside mp_daemon_t, unknown tasks. */
static void test_process_create(void)
{
    mp_process_t *p = NULL;
    EXPECT_RC(mp_process_create(NULL, &(mp_process_opts_t){.task = "task_echo"}), MP_EINVAL);
    EXPECT_RC(mp_process_create(&p, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = NULL}), MP_EINVAL);
    EXPECT_RC(
        mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo", .arg = NULL, .arg_len = 5}),
        MP_EINVAL);
    EXPECT_RC(
        mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo", .daemon = (mp_daemon_t)7}),
        MP_EINVAL);
    EXPECT_RC(
        mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo", .daemon = (mp_daemon_t)-1}),
        MP_EINVAL);
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_nope"}), MP_ENOTASK);
    /* NULL with length 0 is simply no argument. */
    if (EXPECT_RC(mp_process_create(
                      &p, &(mp_process_opts_t){.task = "task_echo", .arg = NULL, .arg_len = 0}),
                  0))
        mp_process_destroy(p);
}

/* Every process function with a NULL handle. */
static void test_null_process(void)
{
    int code;
    mp_pid_t pid;
    mp_sentinel_t s;
    const void *data;
    size_t len;
    const char *msg;
    EXPECT_RC(mp_process_start(NULL), MP_EINVAL);
    EXPECT_RC(mp_process_join(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_process_is_alive(NULL), MP_EINVAL);
    EXPECT_RC(mp_process_exitcode(NULL, &code), MP_EINVAL);
    EXPECT_RC(mp_process_result(NULL, &data, &len), MP_EINVAL);
    EXPECT_RC(mp_process_error(NULL, &code, &msg), MP_EINVAL);
    EXPECT_RC(mp_process_terminate(NULL), MP_EINVAL);
    EXPECT_RC(mp_process_kill(NULL), MP_EINVAL);
    EXPECT_RC(mp_process_interrupt(NULL), MP_EINVAL);
    EXPECT_RC(mp_process_pid(NULL, &pid), MP_EINVAL);
    EXPECT_RC(mp_process_sentinel(NULL, &s), MP_EINVAL);
    EXPECT_STR(mp_process_name(NULL), "");
    EXPECT_RC(mp_process_is_daemon(NULL), MP_EINVAL);
    EXPECT_STR(mp_process_start_method(NULL), "");
    EXPECT_RC(mp_process_close(NULL), MP_EINVAL);
    mp_process_destroy(NULL); /* NULL-safe */
}

/* Every out-parameter of the process functions, NULL, on a live handle. */
static void test_null_out_params(void)
{
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo"}), 0))
        return;
    const void *data;
    size_t len;
    int code;
    EXPECT_RC(mp_process_exitcode(p, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_result(p, NULL, &len), MP_EINVAL);
    EXPECT_RC(mp_process_result(p, &data, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_error(p, NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_pid(p, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_sentinel(p, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_error(p, &code, NULL), MP_ESTATE); /* the handle itself is fine */
    mp_process_destroy(p);
}

/* A handle that was created but never started. */
static void test_never_started(void)
{
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo"}), 0))
        return;
    int code;
    mp_pid_t pid;
    mp_sentinel_t s;
    EXPECT_RC(mp_process_join(p, 0), MP_ESTATE);
    EXPECT_RC(mp_process_join(p, MP_FOREVER), MP_ESTATE);
    EXPECT_EQ(mp_process_is_alive(p), 0);
    EXPECT_RC(mp_process_exitcode(p, &code), MP_ESTATE);
    EXPECT_RC(mp_process_terminate(p), MP_ESTATE);
    EXPECT_RC(mp_process_kill(p), MP_ESTATE);
    EXPECT_RC(mp_process_interrupt(p), MP_ESTATE);
    EXPECT_RC(mp_process_pid(p, &pid), MP_ESTATE);
    EXPECT_RC(mp_process_sentinel(p, &s), MP_ESTATE);
    /* Closing one that never ran is allowed; then it is closed. */
    EXPECT_RC(mp_process_close(p), 0);
    EXPECT_RC(mp_process_start(p), MP_ECLOSED);
    EXPECT_RC(mp_process_join(p, 0), MP_ECLOSED);
    EXPECT_RC(mp_process_is_alive(p), MP_ECLOSED);
    mp_process_destroy(p);
}

/* A destroyed handle: the library must recognise the freed pointer without
 * touching it (the sanitizer build would catch a use after free). */
static void test_destroyed_handle(void)
{
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo"}), 0))
        return;
    mp_process_destroy(p);
    int code;
    EXPECT_RC(mp_process_start(p), MP_ECLOSED);
    EXPECT_RC(mp_process_join(p, 0), MP_ECLOSED);
    EXPECT_RC(mp_process_is_alive(p), MP_ECLOSED);
    EXPECT_RC(mp_process_exitcode(p, &code), MP_ECLOSED);
    EXPECT_RC(mp_process_terminate(p), MP_ECLOSED);
    EXPECT_RC(mp_process_close(p), MP_ECLOSED);
    EXPECT_RC(mp_process_is_daemon(p), MP_ECLOSED);
    EXPECT_STR(mp_process_name(p), "");
    EXPECT_STR(mp_process_start_method(p), "");
    mp_process_destroy(p); /* a second destroy is harmless */
}

/* mp_wait: NULL array, NaN and negative timeouts, a descriptor that is not
 * open, and the empty set (sleeps for the timeout, or polls; never for
 * ever). */
static void test_wait_bad_args(void)
{
    EXPECT_RC(mp_wait(NULL, 1, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_wait(NULL, 0, NAN, NULL), MP_EINVAL);
    EXPECT_RC(mp_wait(NULL, 0, -1.0, NULL), MP_EINVAL);
    EXPECT_RC(mp_wait(NULL, 0, MP_FOREVER, NULL), MP_EINVAL); /* it would never return */
    mp_sentinel_t closed = closed_sentinel();
    if (EXPECT(closed != 0, "cannot make a closed descriptor or handle")) {
        EXPECT_RC(mp_wait(&closed, 1, 0, NULL), MP_ESYS);
        EXPECT_RC(mp_wait(&closed, 1, NAN, NULL), MP_EINVAL);
    }
    double t0 = now_s();
    EXPECT_RC(mp_wait(NULL, 0, 0.1, NULL), 0);
    EXPECT_ABOUT(now_s() - t0, 0.1);
    t0 = now_s();
    EXPECT_RC(mp_wait(NULL, 0, 0, NULL), 0);
    EXPECT_IMMEDIATE(now_s() - t0);
}

/* A negative handle is invalid too ("MP_ESYS for an invalid handle"); poll()
 * would silently ignore it, and with MP_FOREVER wait for ever. */
static void test_wait_negative_handle(void)
{
    mp_sentinel_t bad = -1;
    double t0 = now_s();
    EXPECT_RC(mp_wait(&bad, 1, 0.2, NULL), MP_ESYS);
    EXPECT_IMMEDIATE(now_s() - t0);
}

/* ---- bad_handles ------------------------------------------------------ */

/* Starting twice is MP_ESTATE, while running and after the end. */
static void test_start_twice(void)
{
    mp_process_t *p = start_sleeper(0.2);
    if (!p)
        return;
    EXPECT_RC(mp_process_start(p), MP_ESTATE);
    EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
    EXPECT_RC(mp_process_start(p), MP_ESTATE);
    EXPECT_EQ(exitcode_of(p), 0);
    dispose_process(p);
}

/* Timeouts on a running child: NaN and any negative number (which Python's
 * join(-1) takes as a poll) are MP_EINVAL, at once, and neither disturbs
 * the child. */
static void test_timeouts_on_running_child(void)
{
    mp_process_t *p = start_sleeper(30.0);
    if (!p)
        return;
    mp_sentinel_t s = -1;
    EXPECT_RC(mp_process_sentinel(p, &s), 0);
    double t0 = now_s();
    EXPECT_RC(mp_process_join(p, NAN), MP_EINVAL);
    EXPECT_RC(mp_wait(&s, 1, NAN, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_join(p, -5.0), MP_EINVAL);
    EXPECT_RC(mp_process_join(p, -MP_FOREVER), MP_EINVAL);
    EXPECT_RC(mp_wait(&s, 1, -1.0, NULL), MP_EINVAL);
    EXPECT_RC(mp_process_join(p, 0), MP_ETIMEDOUT);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_process_is_alive(p), 1);
    dispose_process(p);
}

/* A handle destroyed while its child runs: every call is MP_ECLOSED, and
 * the child (detached, not killed) still ends on its own. */
static void test_destroyed_running_handle(void)
{
    mp_process_t *p = start_sleeper(0.2);
    if (!p)
        return;
    pid_t pid = pid_of(p);
    mp_process_destroy(p);
    int code;
    EXPECT_RC(mp_process_is_alive(p), MP_ECLOSED);
    EXPECT_RC(mp_process_join(p, 0), MP_ECLOSED);
    EXPECT_RC(mp_process_start(p), MP_ECLOSED);
    EXPECT_RC(mp_process_exitcode(p, &code), MP_ECLOSED);
    EXPECT_RC(mp_process_kill(p), MP_ECLOSED);
    EXPECT(wait_pid_gone(pid, 10.0), "detached child %d did not end", (int)pid);
}

/* Typed argument getters inside a task, given 4 bytes without a NUL: wrong
 * sizes and NULL pointers are MP_EINVAL (the task lists what was not). */
static void test_typed_getters_in_child(void)
{
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_arg_checks", .arg = "abcd", .arg_len = 4});
    const void *data = NULL;
    size_t len = 0;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && EXPECT_RC(mp_process_result(p, &data, &len), 0) &&
        EXPECT(len > 0 && ((const char *)data)[len - 1] == '\0', "result of %zu bytes", len))
        EXPECT_STR((const char *)data, "");
    dispose_process(p);
}

/* A task reading a string argument that is not NUL-terminated fails with
 * MP_EINVAL, which the parent sees. */
static void test_string_arg_without_nul(void)
{
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_cwd_env", .arg = "PATH", .arg_len = 4});
    if (p) {
        EXPECT_EQ(exitcode_of(p), 1);
        int error = 0;
        EXPECT_RC(mp_process_error(p, &error, NULL), 0);
        EXPECT_RC(error, MP_EINVAL);
    }
    dispose_process(p);
}

static const test_case_t arg_tests[] = {
    {"context_functions", test_context_functions, ON_ALL},
    {"runtime_functions", test_runtime_functions, ON_ALL},
    {"process_create", test_process_create, ON_ALL},
    {"null_process", test_null_process, ON_ALL},
    {"null_out_params", test_null_out_params, ON_ALL},
    {"never_started", test_never_started, ON_ALL},
    {"destroyed_handle", test_destroyed_handle, ON_ALL},
    {"wait_bad_args", test_wait_bad_args, ON_ALL},
    {"wait_negative_handle", test_wait_negative_handle, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_bad_args = {"bad_args", false, arg_tests};

static const test_case_t handle_tests[] = {
    {"start_twice", test_start_twice, ON_ALL},
    {"timeouts_on_running_child", test_timeouts_on_running_child, ON_ALL},
    {"destroyed_running_handle", test_destroyed_running_handle, ON_ALL},
    {"typed_getters_in_child", test_typed_getters_in_child, ON_ALL},
    {"string_arg_without_nul", test_string_arg_without_nul, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_bad_handles = {"bad_handles", true, handle_tests};
