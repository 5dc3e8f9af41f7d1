/* Suite "context": start methods, contexts and bootstrapping (checklist
 * section 1), run once per start method. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* getcwd, getpid: mingw-w64 has them too */

#include "helpers.h"

#if TEST_POSIX
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include "posix_internal.h" /* mp__posix_forkserver_pid(), a test hook */
#endif

/* Run task_report_self to the end through `opts` and fetch its report. */
static bool run_report_self(mp_process_opts_t opts, self_report_t *r)
{
    opts.task = "task_report_self";
    mp_process_t *p = run_process(&opts);
    bool ok = p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, r, sizeof *r);
    dispose_process(p);
    return ok;
}

/* Checklist item 1: a child started through the method's context uses
 * that method and says so. */
static void test_context_child_reports_method(void)
{
    mp_context_t *ctx = method_context();
    if (!EXPECT(ctx != NULL, "no context for %s", suite_method()))
        return;
    EXPECT_STR(mp_context_start_method(ctx), suite_method());
    /* Another method as the default must not matter to an explicit context. */
    mp_set_start_method(strcmp(suite_method(), "spawn") == 0 ? "fork" : "spawn", true);
    mp_process_t *p = start_process(
        &(mp_process_opts_t){.task = "task_report_self", .context = ctx});
    if (!p)
        return;
    EXPECT_STR(mp_process_start_method(p), suite_method());
    self_report_t r;
    if (EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0) && result_of(p, &r, sizeof r))
        EXPECT_STR(r.start_method, suite_method());
    dispose_process(p);
}

/* Checklist item 2: after mp_set_start_method(m, force), a process of the
 * default context is an m process (before it starts, too), and its child
 * reports m. */
static void test_set_start_method_child_reports(void)
{
    EXPECT_RC(mp_set_start_method(suite_method(), true), 0);
    const char *got = NULL;
    EXPECT_RC(mp_get_start_method(&got, true), 0);
    EXPECT_STR(got, suite_method());
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_report_self"}), 0))
        return;
    EXPECT_STR(mp_process_start_method(p), suite_method()); /* before start */
    self_report_t r;
    if (EXPECT_RC(mp_process_start(p), 0) && EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0) &&
        result_of(p, &r, sizeof r))
        EXPECT_STR(r.start_method, suite_method());
    EXPECT_STR(mp_process_start_method(p), suite_method()); /* after */
    dispose_process(p);
}

/* Checklist item 3 [spawn,fsrv]: starting through an explicit context does
 * not choose (or fix) the default method. */
static void test_explicit_context_does_not_fix_default(void)
{
    mp_set_start_method(NULL, true);
    self_report_t r;
    run_report_self((mp_process_opts_t){.context = method_context()}, &r);
    const char *got = "unchanged";
    EXPECT_RC(mp_get_start_method(&got, true), 0);
    EXPECT_STR(got, NULL);
}

/* Checklist item 4, child side: bootstrapping a child (mp_init() under
 * spawn and forkserver) does not choose a start method by itself. The
 * parent's explicit choice carries over, as Python's spawn.prepare() does
 * (and as a fork child's copy of memory holds it): the child then cannot
 * set another without force. With no choice in the parent, the child has
 * none either and may set one. */
static void test_child_init_does_not_set_method(void)
{
    self_report_t r;
    if (!run_report_self((mp_process_opts_t){.context = method_context()}, &r))
        return;
    EXPECT_STR(r.method_before, suite_method());
    EXPECT_RC(r.set_method_rc, MP_ESTATE);

    mp_set_start_method(NULL, true);
    if (!run_report_self((mp_process_opts_t){.context = method_context()}, &r))
        return;
    EXPECT_STR(r.method_before, "(none)");
    EXPECT_RC(r.set_method_rc, 0);
}

/* Checklist item 7: a child can start a grandchild and hand on its result.
 * (Passing an inherited Queue on to the grandchild is deferred until queues
 * exist.) */
static void test_grandchild_result(void)
{
    ctl_arg_t ctl = make_ctl(NULL, 7, 0);
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_grandchild_square", .arg = &ctl, .arg_len = sizeof ctl});
    int64_t value = 0;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &value, sizeof value))
        EXPECT_EQ(value, 7 * 7 + 1);
    dispose_process(p);
}

/* ---- this program as a subprocess (items 8, 16, 29) ------------------- */

/* Turn the CRLF line ends of a Windows text-mode stdout into LF, in place,
 * so the lines compare the same on every platform. */
static void drop_carriage_returns(char *text)
{
    char *to = text;
    for (const char *from = text; *from; from++)
        if (*from != '\r')
            *to++ = *from;
    *to = '\0';
}

/* Count the lines of `text` equal to `line`. */
static int count_lines(const char *text, const char *line)
{
    int n = 0;
    size_t len = strlen(line);
    for (const char *s = text; *s;) {
        const char *end = strchr(s, '\n');
        size_t l = end ? (size_t)(end - s) : strlen(s);
        n += l == len && strncmp(s, line, len) == 0;
        s += l + (end != NULL);
    }
    return n;
}

/* Run `file` (this program under some name) in --probe mode from `cwd`
 * (NULL: ours) and check what it printed: main's line once (never again
 * from a child: no re-run of main, nothing flushed twice), the child's
 * unflushed line once, the parent's verdict last, and the child's failure
 * message on stderr. */
static void check_probe(const char *dir, const char *file, bool search, const char *cwd)
{
    char out_path[512], err_path[512], out[4096] = "", err[8192] = "";
    snprintf(out_path, sizeof out_path, "%s/probe.out", dir);
    snprintf(err_path, sizeof err_path, "%s/probe.err", dir);
    char *argv[] = {(char *)file, "--start-method", (char *)suite_method(), "--probe", NULL};
    saved_dir_t saved = {.entered = false};
    if (cwd && !enter_dir(cwd, &saved))
        return;
    int status = run_subprocess(file, argv, search, out_path, err_path, 60.0);
    leave_dir(&saved);
    read_text_file(out_path, out, sizeof out);
    read_text_file(err_path, err, sizeof err);
    drop_carriage_returns(out);
    EXPECT(status == 0, "probe via %s exited %d; stdout:\n%s\nstderr:\n%s", file, status, out, err);
    EXPECT(count_lines(out, "probe-main") == 1, "main's line %d times:\n%s",
           count_lines(out, "probe-main"), out);
    EXPECT(count_lines(out, PROBE_TASK_LINE) == 1, "the child's line %d times:\n%s",
           count_lines(out, PROBE_TASK_LINE), out);
    size_t len = strlen(out);
    const char *done = "probe-done 1\n";
    EXPECT(len >= strlen(done) && strcmp(out + len - strlen(done), done) == 0,
           "the parent's verdict is not last:\n%s", out);
    int lines = 0;
    for (const char *c = out; *c; c++)
        lines += *c == '\n';
    EXPECT(lines == 3, "%d lines, expected 3:\n%s", lines, out);
    EXPECT(strstr(err, PROBE_FAIL_MESSAGE) != NULL,
           "the failure message did not reach the child's stderr:\n%s", err);
}

/* Checklist items 8 and 29: a child never re-runs main's logic (no fork
 * bomb), buffered output is written exactly once, and a failing task's
 * message reaches the child's stderr, flushed before it exits. */
static void test_no_main_rerun(void)
{
    char dir[512];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    check_probe(dir, self_exe(), false, NULL);
    remove_tree(dir);
}

/* ---- what a child inherits ------------------------------------------- */

/* Checklist item 10: a child runs in the parent's current directory with
 * the parent's environment as they are when it starts (not as they were
 * when some earlier helper, such as the fork server, was started). */
static void test_child_cwd_and_env(void)
{
    /* Make sure whatever the method keeps running (the fork server) exists
     * before the parent moves. */
    mp_process_t *warm = run_process(
        &(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(0)});
    dispose_process(warm);
    char dir[512], cwd[4096], value[64];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    saved_env_t env = env_save("MP_CONFORMANCE_ENV");
    snprintf(value, sizeof value, "value-%d-%.0f", (int)getpid(), now_s() * 1000);
    env_put("MP_CONFORMANCE_ENV", value);
    saved_dir_t saved;
    if (enter_dir(dir, &saved) &&
        EXPECT(getcwd(cwd, sizeof cwd) != NULL, "getcwd: %s", strerror(errno))) {
        mp_process_t *p = run_process(
            &(mp_process_opts_t){.task = "task_cwd_env", MP_ARG_STR("MP_CONFORMANCE_ENV")});
        const void *data = NULL;
        size_t len = 0;
        if (p && EXPECT_EQ(exitcode_of(p), 0) && EXPECT_RC(mp_process_result(p, &data, &len), 0) &&
            len > 0) {
            const char *child_cwd = data, *child_env = child_cwd + strlen(child_cwd) + 1;
            EXPECT_STR(child_cwd, cwd);
            EXPECT_STR(child_env, value);
        }
        dispose_process(p);
    }
    leave_dir(&saved);
    env_restore(&env);
    remove_tree(dir);
}

/* A child can edit the environment it was given: set, unset and add
 * variables (a fork server's child takes its parent's environment from
 * its record, as one array that setenv() did not allocate). */
static void test_child_edits_env(void)
{
    saved_env_t env = env_save("MP_CONFORMANCE_ENV");
    char value[64];
    snprintf(value, sizeof value, "edit-%d", (int)getpid());
    env_put("MP_CONFORMANCE_ENV", value);
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_env_edit", MP_ARG_STR("MP_CONFORMANCE_ENV")});
    const void *data = NULL;
    size_t len = 0;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && EXPECT_RC(mp_process_result(p, &data, &len), 0) &&
        EXPECT(len > 0, "empty result"))
        EXPECT_STR((const char *)data, value);
    dispose_process(p);
    /* The child's edits stayed in the child. */
    const char *mine = getenv("MP_CONFORMANCE_ENV");
    EXPECT_STR(mine ? mine : "(unset)", value);
    EXPECT(getenv("MP_CONFORMANCE_NEW_VAR") == NULL, "the child's new variable leaked");
    env_restore(&env);
}

#if TEST_POSIX /* symlinks, descriptors, fork and the fork server */

/* Checklist item 16: re-executing works however the program was invoked:
 * through a symlink, a relative path, or a PATH lookup. */
static void test_reexec_symlink_relative_path(void)
{
    char dir[512], link[600], path_env[8192];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(link, sizeof link, "%s/mp-conformance-link", dir);
    if (EXPECT(symlink(self_exe(), link) == 0, "symlink: %s", strerror(errno))) {
        check_probe(dir, link, false, NULL);
        check_probe(dir, "./mp-conformance-link", false, dir);
        saved_env_t path = env_save("PATH");
        snprintf(path_env, sizeof path_env, "%s:%s", dir, path.value);
        env_put("PATH", path_env);
        check_probe(dir, "mp-conformance-link", true, NULL);
        env_restore(&path);
    }
    remove_tree(dir);
}

/* Checklist item 9: a descriptor the parent did not mean to share (a
 * socket at fd >= 50, not close-on-exec) is EBADF in a spawn or forkserver
 * child; a fork child inherits it. */
static void test_fd_inheritance(void)
{
    enum { HIGH_FD = 57 };
    int s = socket(AF_UNIX, SOCK_STREAM, 0); /* no SOCK_CLOEXEC on purpose */
    if (!EXPECT(s >= 0, "socket: %s", strerror(errno)))
        return;
    int fd = dup2(s, HIGH_FD);
    close(s);
    if (!EXPECT(fd == HIGH_FD, "dup2: %s", strerror(errno)))
        return;
    EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_fd_open", MP_ARG_I64(HIGH_FD)});
    int64_t open_in_child = -100;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &open_in_child, sizeof open_in_child))
        EXPECT_EQ(open_in_child, strcmp(suite_method(), "fork") == 0 ? 1 : 0);
    dispose_process(p);
    close(fd);
}

/* ---- the fork server ------------------------------------------------- */

/* Start one child to the end and return whether it exited 0. */
static bool one_child_ok(void)
{
    mp_process_t *p = run_process(&(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(0)});
    bool ok = p && EXPECT_EQ(exitcode_of(p), 0);
    dispose_process(p);
    return ok;
}

/* Checklist items 12 and 13: a fork server killed with SIGKILL is replaced
 * transparently by the next start. */
static void test_forkserver_restart_after_kill(void)
{
    if (!one_child_ok())
        return;
    pid_t old = mp__posix_forkserver_pid();
    if (!EXPECT(old > 0, "no fork server pid after a start (%d)", (int)old))
        return;
    EXPECT_EQ(kill(old, SIGKILL), 0);
    EXPECT(wait_pid_gone(old, 5.0), "fork server %d did not die", (int)old);
    one_child_ok();
    pid_t now = mp__posix_forkserver_pid();
    EXPECT(now > 0 && now != old, "fork server pid %d after restart (was %d)", (int)now, (int)old);
    one_child_ok();
}

/* The replaced server is reaped: a fork server killed behind the library's
 * back must not stay a zombie of this process for the rest of its life. */
static void test_forkserver_dead_server_reaped(void)
{
    if (!one_child_ok())
        return;
    pid_t old = mp__posix_forkserver_pid();
    if (!EXPECT(old > 0, "no fork server"))
        return;
    kill(old, SIGKILL);
    wait_pid_gone(old, 5.0);
    one_child_ok(); /* notices the death and starts a new server */
    double deadline = now_s() + 2.0;
    while (kill(old, 0) == 0 && now_s() < deadline)
        sleep_s(0.01);
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)old);
    read_text_file(path, stat, sizeof stat);
    EXPECT(kill(old, 0) < 0 && errno == ESRCH,
           "the dead fork server %d is still a zombie of this process: %s", (int)old, stat);
}

/* Checklist item 13: SIGINT (a Ctrl-C meant for the client) does not stop
 * starts: the server ignores it, or is replaced. */
static void test_forkserver_survives_sigint(void)
{
    if (!one_child_ok())
        return;
    pid_t server = mp__posix_forkserver_pid();
    if (!EXPECT(server > 0, "no fork server"))
        return;
    EXPECT_EQ(kill(server, SIGINT), 0);
    sleep_s(0.05);
    one_child_ok();
    one_child_ok();
}

/* ---- forking a multi-threaded parent (item 14) ------------------------ */

static void *blocked_thread(void *arg)
{
    char c;
    while (read(*(int *)arg, &c, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

/* Start a child under the current fork policy and join it; returns the
 * start's return code. */
static int start_and_join(mp_process_t **out)
{
    int rc = mp_process_create(out,
                               &(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(0)});
    if (rc == 0 && (rc = mp_process_start(*out)) == 0)
        EXPECT_RC(mp_process_join(*out, JOIN_LIMIT_S), 0);
    return rc;
}

/* Checklist item 14 [fork]: with another thread alive, the fork method
 * refuses (MP_FORK_REFUSE), or warns once on stderr and forks (WARN), or
 * forks silently (ALLOW). */
static void test_fork_with_threads(void)
{
    int pipefd[2];
    pthread_t th;
    if (!EXPECT(pipe(pipefd) == 0, "pipe") ||
        !EXPECT(pthread_create(&th, NULL, blocked_thread, &pipefd[0]) == 0, "pthread_create"))
        return;

    mp_process_t *p = NULL;
    EXPECT_RC(mp_set_fork_policy(MP_FORK_REFUSE), 0);
    EXPECT_RC(start_and_join(&p), MP_EUNSAFEFORK);
    EXPECT(strstr(mp_errdetail(), "multi-threaded") != NULL, "detail: %s", mp_errdetail());
    EXPECT_EQ(mp_process_is_alive(p), 0);
    mp_process_destroy(p);

    char dir[512], err_path[600], err[4096] = "";
    if (make_temp_dir(dir, sizeof dir)) {
        snprintf(err_path, sizeof err_path, "%s/stderr", dir);
        EXPECT_RC(mp_set_fork_policy(MP_FORK_WARN), 0);
        int saved = stderr_redirect(err_path);
        int rc = start_and_join(&p);
        stderr_restore(saved);
        EXPECT_RC(rc, 0);
        EXPECT_EQ(exitcode_of(p), 0);
        mp_process_destroy(p);
        read_text_file(err_path, err, sizeof err);
        EXPECT(strstr(err, "multi-threaded") != NULL, "no warning on stderr: \"%s\"", err);
        remove_tree(dir);
    }

    EXPECT_RC(mp_set_fork_policy(MP_FORK_ALLOW), 0);
    EXPECT_RC(start_and_join(&p), 0);
    mp_process_destroy(p);

    mp_set_fork_policy(MP_FORK_WARN); /* the default */
    close(pipefd[1]);                 /* ends the thread */
    pthread_join(th, NULL);
    close(pipefd[0]);
}
#endif /* TEST_POSIX */

static const test_case_t tests[] = {
    {"context_child_reports_method", test_context_child_reports_method, ON_ALL},
    {"set_start_method_child_reports", test_set_start_method_child_reports, ON_ALL},
    {"explicit_context_does_not_fix_default", test_explicit_context_does_not_fix_default,
     ON_NOT_FORK},
    {"child_init_does_not_set_method", test_child_init_does_not_set_method, ON_ALL},
    {"grandchild_result", test_grandchild_result, ON_ALL},
    {"no_main_rerun", test_no_main_rerun, ON_ALL},
    {"child_cwd_and_env", test_child_cwd_and_env, ON_ALL},
    {"child_edits_env", test_child_edits_env, ON_ALL},
#if TEST_POSIX
    {"reexec_symlink_relative_path", test_reexec_symlink_relative_path, ON_ALL},
    {"fd_inheritance", test_fd_inheritance, ON_ALL},
    {"forkserver_restart_after_kill", test_forkserver_restart_after_kill, ON_FORKSERVER},
    {"forkserver_dead_server_reaped", test_forkserver_dead_server_reaped, ON_FORKSERVER},
    {"forkserver_survives_sigint", test_forkserver_survives_sigint, ON_FORKSERVER},
    {"fork_with_threads", test_fork_with_threads, ON_FORK},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_context = {"context", true, tests};
