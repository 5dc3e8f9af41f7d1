/* Suite "process": one process's life (checklist section 2, items 17-29):
 * states, arguments, joins and timeouts, signals, sentinel, close, many
 * processes, exit codes, results and errors. Run once per start method. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_record.h" /* mp__record_version_for_tests, a test hook */

/* Checklist item 17: state before start, while running, after join; the
 * child gets its name and argument intact. */
static void test_lifecycle_states(void)
{
    ctl_arg_t ctl = make_ctl(NULL, 0, 0.3);
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_report_self",
                                                              .arg = &ctl,
                                                              .arg_len = sizeof ctl,
                                                              .name = "lifecycle-child"}),
                   0))
        return;
    int code = 12345;
    mp_pid_t pid = 0;
    EXPECT_EQ(mp_process_is_alive(p), 0);
    EXPECT_RC(mp_process_exitcode(p, &code), MP_ESTATE);
    EXPECT_EQ(code, 12345);
    EXPECT_RC(mp_process_pid(p, &pid), MP_ESTATE);
    EXPECT(!in_active_children(p), "listed as active before start");
    EXPECT_EQ(mp_process_is_daemon(p), 0);
    EXPECT_STR(mp_process_name(p), "lifecycle-child");

    if (!EXPECT_RC(mp_process_start(p), 0)) {
        mp_process_destroy(p);
        return;
    }
    EXPECT_EQ(mp_process_is_alive(p), 1);
    EXPECT_RC(mp_process_exitcode(p, &code), MP_ESTATE);
    EXPECT_RC(mp_process_pid(p, &pid), 0);
    EXPECT(pid > 0 && pid != getpid(), "child pid %lld", (long long)pid);
    EXPECT(in_active_children(p), "not listed as active while running");

    EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
    EXPECT_EQ(exitcode_of(p), 0);
    EXPECT_EQ(mp_process_is_alive(p), 0);
    EXPECT(!in_active_children(p), "still listed as active after join");
    mp_pid_t pid_after = 0;
    EXPECT_RC(mp_process_pid(p, &pid_after), 0);
    EXPECT_EQ(pid_after, pid);
    self_report_t r;
    if (result_of(p, &r, sizeof r)) {
        EXPECT_STR(r.name, "lifecycle-child");
        EXPECT_EQ(r.pid, pid);
        EXPECT_EQ(r.arg_len, sizeof ctl);
        EXPECT_STR(r.task_name, "task_report_self");
    }
    dispose_process(p);
}

/* Run task_echo with `arg` and check the same bytes come back. */
static void check_echo(const void *arg, size_t len, const char *what)
{
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_echo", .arg = arg, .arg_len = len});
    const void *data = NULL;
    size_t got = 0;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && EXPECT_RC(mp_process_result(p, &data, &got), 0))
        EXPECT(got == len && (len == 0 || memcmp(data, arg, len) == 0),
               "%s: %zu bytes sent, %zu came back%s", what, len, got,
               got == len ? " (different)" : "");
    dispose_process(p);
}

/* Checklist item 18: int64, double, string, binary and empty arguments
 * arrive unchanged (the result echoes them), however large. */
static void test_args_arrive_intact(void)
{
    int64_t i64 = -1234567890123LL;
    double d = 3.25;
    check_echo(&i64, sizeof i64, "int64");
    check_echo(&d, sizeof d, "double");
    check_echo("str", 4, "string");
    check_echo(NULL, 0, "empty");
    enum { BIG = 1 << 20 };
    unsigned char *big = malloc(BIG);
    if (!EXPECT(big != NULL, "malloc"))
        return;
    for (size_t i = 0; i < BIG; i++)
        big[i] = (unsigned char)(i * 7 + (i >> 9)); /* zeros included, no period of 256 */
    check_echo(big, 300, "binary with zeros");
    check_echo(big, BIG, "1 MiB");
    free(big);
}

/* Run task_report_self with `daemon` and return the daemon flag it saw,
 * after checking mp_process_is_daemon() says `want` too. */
static int child_daemon_flag(mp_daemon_t daemon, int want)
{
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_process_create(
                       &p, &(mp_process_opts_t){.task = "task_report_self", .daemon = daemon}),
                   0))
        return -1;
    EXPECT_EQ(mp_process_is_daemon(p), want);
    self_report_t r = {.daemon = -1};
    if (EXPECT_RC(mp_process_start(p), 0) && EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
        result_of(p, &r, sizeof r);
    dispose_process(p);
    return r.daemon;
}

/* Checklist item 18: daemon defaults to the current process's flag (false
 * in main); explicit YES and NO are honoured, and the child sees its own. */
static void test_daemon_flag(void)
{
    EXPECT_EQ(child_daemon_flag(MP_DAEMON_INHERIT, 0), 0);
    EXPECT_EQ(child_daemon_flag(MP_DAEMON_YES, 1), 1);
    EXPECT_EQ(child_daemon_flag(MP_DAEMON_NO, 0), 0);
}

/* Checklist item 21: while the child runs, join(0) returns at once and
 * join(-1), which Python takes as a poll, is refused at once (MP_EINVAL);
 * the child stays alive; join(t) returns after about t. */
static void test_join_timeouts(void)
{
    mp_process_t *p = start_sleeper(2.0);
    if (!p)
        return;
    double t0 = now_s();
    EXPECT_RC(mp_process_join(p, 0), MP_ETIMEDOUT);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_process_join(p, -1), MP_EINVAL);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_process_is_alive(p), 1);
    t0 = now_s();
    EXPECT_RC(mp_process_join(p, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT_EQ(mp_process_is_alive(p), 1);
    int code;
    EXPECT_RC(mp_process_exitcode(p, &code), MP_ESTATE);
    dispose_process(p);
}

/* Start a child that sleeps `seconds` and wait until it runs its task
 * (CPython's _kill_process waits the same way), so a signal reaches the
 * task and not the bootstrap. `dir` holds the child's "ready" file. */
static mp_process_t *start_running_sleeper(const char *dir, double seconds)
{
    char path[600], text[16];
    snprintf(path, sizeof path, "%s/ready", dir);
    ctl_arg_t ctl = make_ctl(path, 0, seconds);
    mp_process_t *p = start_process(
        &(mp_process_opts_t){.task = "task_sleep_ready", .arg = &ctl, .arg_len = sizeof ctl});
    if (p && !EXPECT(wait_for_file(path, 30.0, text, sizeof text), "the child never ran")) {
        dispose_process(p);
        return NULL;
    }
    return p;
}

/* Checklist items 22-24: a signal ends a sleeping child with exit code
 * `want_exitcode` (-signal; a kill reads KILLED_EXITCODE); the join that follows is quick; it is then not alive and not
 * listed; signalling an ended child is fine. */
static void check_signal(int (*send)(mp_process_t *), int want_exitcode)
{
    char dir[512];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    mp_process_t *p = start_running_sleeper(dir, 30.0);
    remove_tree(dir);
    if (!p)
        return;
    EXPECT_RC(send(p), 0);
    double t0 = now_s();
    EXPECT_RC(mp_process_join(p, 10.0), 0);
    EXPECT_ABOUT(now_s() - t0, 0.0); /* "about 0 s": at most +500 ms */
    EXPECT(exitcode_of(p) == want_exitcode, "exit code %d, expected %d", exitcode_of(p),
           want_exitcode);
    EXPECT_EQ(mp_process_is_alive(p), 0);
    EXPECT(!in_active_children(p), "still listed as active");
    EXPECT_RC(send(p), 0);
    EXPECT(exitcode_of(p) == want_exitcode, "exit code changed to %d", exitcode_of(p));
    dispose_process(p);
}

static void test_terminate(void)
{
    check_signal(mp_process_terminate, -SIGTERM);
}

static void test_kill(void)
{
    check_signal(mp_process_kill, KILLED_EXITCODE);
}

static void test_interrupt(void)
{
#if TEST_POSIX
    check_signal(mp_process_interrupt, -SIGINT);
#else
    /* Windows cannot send another process a Ctrl-C without sharing its
     * console (process.h): the call says so and the child runs on. */
    mp_process_t *p = start_sleeper(30.0);
    if (p) {
        EXPECT_RC(mp_process_interrupt(p), MP_ENOTSUP);
        EXPECT_EQ(mp_process_is_alive(p), 1);
    }
    dispose_process(p);
#endif
}

#if TEST_POSIX

/* A signal sent right after mp_process_start() returned is not lost, even
 * if the child is still bootstrapping: SIGTERM (item 27 checks it for 100)
 * and SIGINT alike. */
static void test_interrupt_right_after_start(void)
{
    enum { N = 10 };
    mp_process_t *procs[N] = {0};
    int ok = 0;
    for (int i = 0; i < N; i++)
        if ((procs[i] = start_sleeper(5.0)))
            EXPECT_RC(mp_process_interrupt(procs[i]), 0);
    for (int i = 0; i < N; i++) {
        if (!procs[i])
            continue;
        double t0 = now_s();
        int rc = mp_process_join(procs[i], 10.0);
        int code = rc == 0 ? exitcode_of(procs[i]) : 0;
        ok += rc == 0 && code == -SIGINT;
        EXPECT(rc == 0 && code == -SIGINT,
               "process %d: join %s after %.2f s, exit code %d (expected -SIGINT)", i,
               mp_err_name(rc), now_s() - t0, code);
    }
    EXPECT(ok == N, "%d of %d ended by SIGINT", ok, N);
    for (int i = 0; i < N; i++)
        dispose_process(procs[i]);
}
#endif /* TEST_POSIX */

/* Checklist item 25: no sentinel before start; after, a handle that is not
 * ready while the child runs and is ready once it has ended. */
static void test_sentinel(void)
{
    mp_process_t *p = NULL;
    mp_sentinel_t s = -1;
    if (!EXPECT_RC(
            mp_process_create(&p, &(mp_process_opts_t){.task = "task_sleep", MP_ARG_DOUBLE(0.3)}),
            0))
        return;
    EXPECT_RC(mp_process_sentinel(p, &s), MP_ESTATE);
    if (!EXPECT_RC(mp_process_start(p), 0) || !EXPECT_RC(mp_process_sentinel(p, &s), 0)) {
        dispose_process(p);
        return;
    }
    EXPECT(s >= 0, "sentinel %lld", (long long)s);
    unsigned char ready = 7;
    double t0 = now_s();
    EXPECT_EQ(mp_wait(&s, 1, 0, &ready), 0);
    EXPECT_EQ(ready, 0);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_process_is_alive(p), 1);
    /* Ready within 1 s of the child's end (it sleeps 0.3 s after start). */
    EXPECT_EQ(mp_wait(&s, 1, 10.0, &ready), 1);
    EXPECT_EQ(ready, 1);
    EXPECT(now_s() - t0 < 0.3 + 1.0, "ready after %.3f s", now_s() - t0);
    /* Having ended, the join is immediate. */
    t0 = now_s();
    EXPECT_RC(mp_process_join(p, 0), 0);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(exitcode_of(p), 0);
    dispose_process(p);
}

/* Checklist item 26: close refuses a live process, works after the end and
 * again, and then every call says MP_ECLOSED. */
static void test_close(void)
{
    mp_process_t *p = start_sleeper(30.0);
    if (!p)
        return;
    EXPECT_RC(mp_process_close(p), MP_ESTATE);
    EXPECT_EQ(mp_process_is_alive(p), 1);
    EXPECT_RC(mp_process_terminate(p), 0);
    EXPECT_RC(mp_process_join(p, 10.0), 0);
    EXPECT_RC(mp_process_close(p), 0);
    EXPECT_RC(mp_process_close(p), 0);
    int code;
    mp_pid_t pid;
    mp_sentinel_t s;
    const void *data;
    size_t len;
    const char *msg;
    EXPECT_RC(mp_process_is_alive(p), MP_ECLOSED);
    EXPECT_RC(mp_process_join(p, 0), MP_ECLOSED);
    EXPECT_RC(mp_process_join(p, MP_FOREVER), MP_ECLOSED);
    EXPECT_RC(mp_process_terminate(p), MP_ECLOSED);
    EXPECT_RC(mp_process_kill(p), MP_ECLOSED);
    EXPECT_RC(mp_process_interrupt(p), MP_ECLOSED);
    EXPECT_RC(mp_process_start(p), MP_ECLOSED);
    EXPECT_RC(mp_process_exitcode(p, &code), MP_ECLOSED);
    EXPECT_RC(mp_process_pid(p, &pid), MP_ECLOSED);
    EXPECT_RC(mp_process_sentinel(p, &s), MP_ECLOSED);
    EXPECT_RC(mp_process_result(p, &data, &len), MP_ECLOSED);
    EXPECT_RC(mp_process_error(p, &code, &msg), MP_ECLOSED);
    EXPECT_STR(mp_process_name(p), "");
    mp_process_destroy(p); /* and nothing leaks (the sanitizer build checks) */
}

/* How many processes "many" is: Python uses 100, and 5 under spawn; 20
 * keeps spawn's share of the run short. */
static int many_count(void)
{
    return strcmp(suite_method(), "spawn") == 0 ? 20 : 100;
}

/* Checklist item 27: many processes that sleep 10 ms all start, end and
 * exit with 0. */
static void test_many_sleepers(void)
{
    int n = many_count(), started = 0, ok = 0;
    mp_process_t *procs[100] = {0};
    for (int i = 0; i < n; i++)
        started += (procs[i] = start_sleeper(0.01)) != NULL;
    for (int i = 0; i < n; i++)
        if (procs[i] && mp_process_join(procs[i], JOIN_LIMIT_S) == 0 && exitcode_of(procs[i]) == 0)
            ok++;
    EXPECT(started == n && ok == n, "%d of %d started, %d ended with 0", started, n, ok);
    for (int i = 0; i < n; i++)
        dispose_process(procs[i]);
}

/* Checklist item 27: many processes terminated right after start all end
 * with -SIGTERM. */
static void test_many_terminated(void)
{
    int n = many_count(), ok = 0;
    mp_process_t *procs[100] = {0};
    for (int i = 0; i < n; i++)
        if ((procs[i] = start_sleeper(30.0)))
            EXPECT_RC(mp_process_terminate(procs[i]), 0);
    for (int i = 0; i < n; i++) {
        if (!procs[i] || !EXPECT_RC(mp_process_join(procs[i], JOIN_LIMIT_S), 0))
            continue;
        int code = exitcode_of(procs[i]);
        ok += code == -SIGTERM;
        EXPECT(code == -SIGTERM, "process %d: exit code %d", i, code);
    }
    EXPECT(ok == n, "%d of %d ended with -SIGTERM", ok, n);
    for (int i = 0; i < n; i++)
        dispose_process(procs[i]);
}

/* Run task_return_code(n) and check its exit code, error and result. */
static void check_exit(int64_t n, int want_code, int want_error)
{
    mp_process_t *p = run_process(&(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(n)});
    if (!p)
        return;
    EXPECT(exitcode_of(p) == want_code, "task returned %lld: exit code %d, expected %d",
           (long long)n, exitcode_of(p), want_code);
    int error = 12345;
    const char *msg = NULL;
    EXPECT_RC(mp_process_error(p, &error, &msg), 0);
    EXPECT_RC(error, want_error);
    EXPECT(msg != NULL && (want_error == 0) == (msg[0] == '\0'), "message \"%s\"",
           msg ? msg : "(null)");
    if (want_error)
        EXPECT(msg && strstr(msg, mp_strerror(want_error)), "message \"%s\" lacks \"%s\"",
               msg ? msg : "(null)", mp_strerror(want_error));
    const void *data = (const void *)1;
    size_t len = 99;
    /* A failed task is MP_ETASK; its own code is the error's. */
    EXPECT_RC(mp_process_result(p, &data, &len), want_error ? MP_ETASK : 0);
    EXPECT(data == NULL && len == 0, "result %p, %zu bytes", data, len);
    dispose_process(p);
}

/* Checklist item 29: 0 -> 0, n > 0 -> n, a negative MP_E* code -> exit
 * code 1 with that code as the task's error. */
static void test_exit_codes(void)
{
    check_exit(0, 0, 0);
    check_exit(1, 1, 0);
    check_exit(8, 8, 0);
    check_exit(255, 255, 0);
    check_exit(MP_EINVAL, 1, MP_EINVAL);
    check_exit(MP_ETIMEDOUT, 1, MP_ETIMEDOUT);
}

/* A task that fails with mp_task_fail() hands its code and formatted
 * message to the parent. */
static void test_task_fail_message(void)
{
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_fail_message", MP_ARG_I64(42)});
    if (!p)
        return;
    EXPECT_EQ(exitcode_of(p), 1);
    int error = 0;
    const char *msg = NULL;
    EXPECT_RC(mp_process_error(p, &error, &msg), 0);
    EXPECT_RC(error, MP_EINVAL);
    EXPECT_STR(msg, "failed with 42");
    EXPECT_RC(mp_process_error(p, &error, NULL), 0); /* message is optional */
    const void *data;
    size_t len;
    EXPECT_RC(mp_process_result(p, &data, &len), MP_ETASK); /* not the task's own MP_EINVAL */
    dispose_process(p);
}

/* Results: MP_ESTATE before the end; nothing set is NULL/0; a child killed
 * before reporting is MP_ECHILD (as result and as error code). */
static void test_result_states(void)
{
    const void *data = NULL;
    size_t len = 0;
    int error = 0;
    mp_process_t *p = NULL;
    if (EXPECT_RC(
            mp_process_create(&p, &(mp_process_opts_t){.task = "task_sleep", MP_ARG_DOUBLE(30.0)}),
            0)) {
        EXPECT_RC(mp_process_result(p, &data, &len), MP_ESTATE);
        EXPECT_RC(mp_process_error(p, &error, NULL), MP_ESTATE);
        if (EXPECT_RC(mp_process_start(p), 0)) {
            EXPECT_RC(mp_process_result(p, &data, &len), MP_ESTATE);
            EXPECT_RC(mp_process_error(p, &error, NULL), MP_ESTATE);
            EXPECT_RC(mp_process_kill(p), 0);
            EXPECT_RC(mp_process_join(p, 10.0), 0);
            EXPECT_EQ(exitcode_of(p), KILLED_EXITCODE);
            EXPECT_RC(mp_process_result(p, &data, &len), MP_ECHILD);
            EXPECT_RC(mp_process_error(p, &error, NULL), 0);
            EXPECT_RC(error, MP_ECHILD);
        }
        dispose_process(p);
    }
    p = run_process(&(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(0)});
    data = (const void *)1;
    len = 99;
    if (p && EXPECT_RC(mp_process_result(p, &data, &len), 0))
        EXPECT(data == NULL && len == 0, "no result set, got %p and %zu bytes", data, len);
    dispose_process(p);
}

/* A task name that is not in the table is refused at create. */
static void test_unknown_task(void)
{
    mp_process_t *p = (mp_process_t *)&p; /* must be overwritten */
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "no_such_task"}), MP_ENOTASK);
    EXPECT(p == NULL, "out not cleared on failure");
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = ""}), MP_ENOTASK);
}

/* A bootstrap record of another version is refused by the child, and the
 * parent learns why: join only says the child ended (0), the result says
 * the task failed (MP_ETASK), and the error is MP_EVERSION. */
static void test_version_mismatch(void)
{
    mp_process_t *p = NULL;
    if (!EXPECT_RC(
            mp_process_create(&p, &(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(0)}),
            0))
        return;
    mp__record_version_for_tests = 999;
    int rc = mp_process_start(p);
    mp__record_version_for_tests = 0;
    if (EXPECT_RC(rc, 0)) {
        EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
        EXPECT_EQ(exitcode_of(p), 1);
        int error = 0;
        EXPECT_RC(mp_process_error(p, &error, NULL), 0);
        EXPECT_RC(error, MP_EVERSION);
        const void *data;
        size_t len;
        EXPECT_RC(mp_process_result(p, &data, &len), MP_ETASK);
    }
    dispose_process(p);
}

/* Handlers registered with mp_atexit() in a child run when it ends, last
 * first; the table holds ATEXIT_LIMIT and refuses one more with
 * MP_ENOMEM. */
static void test_atexit_handlers(void)
{
    char dir[512], path[600], text[256] = "";
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/atexit", dir);
    ctl_arg_t ctl = make_ctl(path, 0, 0);
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_atexit", .arg = &ctl, .arg_len = sizeof ctl});
    int64_t overflow_rc = 0;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &overflow_rc, sizeof overflow_rc))
        EXPECT_RC((int)overflow_rc, MP_ENOMEM);
    read_text_file(path, text, sizeof text);
    EXPECT_STR(text, "second;first;");
    dispose_process(p);
    remove_tree(dir);
}

/* Unnamed processes are "Process-N", numbered in creation order, and the
 * child knows its name. */
static void test_default_names(void)
{
    mp_process_t *a = NULL, *b = NULL;
    EXPECT_RC(mp_process_create(&a, &(mp_process_opts_t){.task = "task_report_self"}), 0);
    EXPECT_RC(mp_process_create(&b, &(mp_process_opts_t){.task = "task_report_self"}), 0);
    unsigned na = 0, nb = 0;
    EXPECT(sscanf(mp_process_name(a), "Process-%u", &na) == 1, "name \"%s\"", mp_process_name(a));
    EXPECT(sscanf(mp_process_name(b), "Process-%u", &nb) == 1, "name \"%s\"", mp_process_name(b));
    EXPECT_EQ(nb, na + 1);
    self_report_t r;
    if (EXPECT_RC(mp_process_start(b), 0) && EXPECT_RC(mp_process_join(b, JOIN_LIMIT_S), 0) &&
        result_of(b, &r, sizeof r))
        EXPECT_STR(r.name, mp_process_name(b));
    dispose_process(a);
    dispose_process(b);
}

static const test_case_t tests[] = {
    {"lifecycle_states", test_lifecycle_states, ON_ALL},
    {"args_arrive_intact", test_args_arrive_intact, ON_ALL},
    {"daemon_flag", test_daemon_flag, ON_ALL},
    {"join_timeouts", test_join_timeouts, ON_ALL},
    {"terminate", test_terminate, ON_ALL},
    {"kill", test_kill, ON_ALL},
    {"interrupt", test_interrupt, ON_ALL},
#if TEST_POSIX
    {"interrupt_right_after_start", test_interrupt_right_after_start, ON_ALL},
#endif
    {"sentinel", test_sentinel, ON_ALL},
    {"close", test_close, ON_ALL},
    {"many_sleepers", test_many_sleepers, ON_ALL},
    {"many_terminated", test_many_terminated, ON_ALL},
    {"exit_codes", test_exit_codes, ON_ALL},
    {"task_fail_message", test_task_fail_message, ON_ALL},
    {"result_states", test_result_states, ON_ALL},
    {"unknown_task", test_unknown_task, ON_ALL},
    {"version_mismatch", test_version_mismatch, ON_ALL},
    {"atexit_handlers", test_atexit_handlers, ON_ALL},
    {"default_names", test_default_names, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_process = {"process", true, tests};
