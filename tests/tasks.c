/* The task table shared by every suite. Each task is child-side code: it
 * never asserts, it reports through its exit code, its result bytes or a
 * file, and the test in the parent checks what arrived. The tasks of the
 * synchronisation and shared-memory suites live in sync_tasks.c, those of
 * the connection suite in conn_tasks.c, those of the listener suite in
 * listener_tasks.c; their rows come from the SYNC_TASKS, CONN_TASKS and
 * LISTENER_TASKS lists. */
#include "tasks.h"
#include "conn_tasks.h"
#include "executor_exit_tasks.h"
#include "executor_tasks.h"
#include "listener_tasks.h"
#include "log_tasks.h"
#include "mgr_data_tasks.h"
#include "mgr_pool_tasks.h"
#include "mgr_set_tasks.h"
#include "mgr_tasks.h"
#include "platform.h"
#include "pool_tasks.h"
#include "queue_death_tasks.h"
#include "queue_tasks.h"
#include "sync_tasks.h"
#include "test_mgr_sync_tasks.h"
#if TEST_POSIX
#include "executor_fault_tasks.h"
#include "tracker_tasks.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if TEST_POSIX
#include "posix_internal.h" /* mp__posix_forkserver_pid(), a test hook */
#else
#include <io.h> /* _get_osfhandle */
#endif

/* ---- small child-side helpers ------------------------------------- */

/* The task's argument as a ctl_arg_t, or an error the task can return. */
static int get_ctl(mp_task_t *t, ctl_arg_t *ctl)
{
    return task_arg_struct(t, ctl, sizeof *ctl, "ctl_arg_t");
}

int join_grandchild(mp_task_t *t, mp_process_t *p)
{
    int rc = mp_process_join(p, 60.0);
    return rc < 0 ? mp_task_fail(t, rc, "mp_process_join: %s", mp_errdetail()) : 0;
}

/* ---- simple tasks: codes, sleeps, echoes ---------------------------- */

/* Returns its int64 argument: 0 succeeds, n > 0 is an exit code, n < 0 is
 * a failure with that MP_E* code and no message of its own. */
static int task_return_code(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : (int)n;
}

/* Sleeps for its double argument (seconds). */
static int task_sleep(mp_task_t *t)
{
    double s;
    int rc = mp_task_arg_double(t, &s);
    if (rc < 0)
        return rc;
    sleep_s(s);
    return 0;
}

/* Creates the file ctl.path once it runs its task, then sleeps for
 * ctl.seconds: the parent waits for the file to know the child is past its
 * bootstrap (like CPython's _sleep_some_event). */
static int task_sleep_ready(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    if (rc < 0)
        return rc;
    if (write_file_atomic(ctl.path, "ready\n") < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    sleep_s(ctl.seconds);
    return 0;
}

/* Returns its argument bytes unchanged. */
static int task_echo(mp_task_t *t)
{
    const void *data;
    size_t len;
    int rc = mp_task_arg(t, &data, &len);
    return rc < 0 ? rc : mp_task_return(t, data, len);
}

/* Returns the square of its int64 argument. */
static int task_square(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : mp_task_return_i64(t, n * n);
}

/* Returns heap_bytes_in_use() of this process as an int64 (-1: unknown),
 * so the parent can see whether a long-lived worker grows. */
static int task_heap_in_use(mp_task_t *t)
{
    return mp_task_return_i64(t, heap_bytes_in_use());
}

/* Fails through mp_task_fail() with a message naming its argument. */
static int task_fail_message(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : mp_task_fail(t, MP_EINVAL, "failed with %lld", (long long)n);
}

/* Reports whether descriptor N (its int64 argument) is open here: 1 open,
 * 0 EBADF (Windows: names no OS handle), -errno for anything else. */
static int task_fd_open(mp_task_t *t)
{
    int64_t fd;
    int rc = mp_task_arg_i64(t, &fd);
    if (rc < 0)
        return rc;
#if TEST_POSIX
    int64_t state = fcntl((int)fd, F_GETFD) >= 0 ? 1 : errno == EBADF ? 0 : -errno;
#else
    int64_t state = _get_osfhandle((int)fd) != -1;
#endif
    return mp_task_return_i64(t, state);
}

/* Returns "<cwd>\0<value of the variable named by its string argument>". */
static int task_cwd_env(mp_task_t *t)
{
    const char *var;
    int rc = mp_task_arg_str(t, &var);
    if (rc < 0)
        return rc;
    char out[PATH_MAX + TASK_STR + 2];
    if (!getcwd(out, PATH_MAX))
        return mp_task_fail(t, MP_ESYS, "getcwd: %s", strerror(errno));
    size_t n = strlen(out) + 1;
    const char *value = getenv(var);
    snprintf(out + n, sizeof out - n, "%s", value ? value : "(unset)");
    n += strlen(out + n) + 1;
    return mp_task_return(t, out, n);
}

/* Edits its environment, which it took from its parent (under forkserver,
 * from its record): the variable named by its string argument must hold
 * the parent's value, then one this child sets, then be gone once unset;
 * a new variable must read back. Returns the parent's value. */
static int task_env_edit(mp_task_t *t)
{
    const char *var;
    int rc = mp_task_arg_str(t, &var);
    if (rc < 0)
        return rc;
    const char *inherited = getenv(var);
    char parents[TASK_STR];
    snprintf(parents, sizeof parents, "%s", inherited ? inherited : "(unset)");
    env_put(var, "set-by-child");
    const char *now = getenv(var);
    if (!now || strcmp(now, "set-by-child") != 0)
        return mp_task_fail(t, MP_EINVAL, "after setting, %s is %s", var, now ? now : "unset");
    env_put(var, NULL);
    if (getenv(var))
        return mp_task_fail(t, MP_EINVAL, "after unsetting, %s is %s", var, getenv(var));
    env_put("MP_CONFORMANCE_NEW_VAR", "new");
    now = getenv("MP_CONFORMANCE_NEW_VAR");
    if (!now || strcmp(now, "new") != 0)
        return mp_task_fail(t, MP_EINVAL, "a new variable reads %s", now ? now : "unset");
    return mp_task_return(t, parents, strlen(parents) + 1);
}

/* The child of main.c's --probe: prints one line without flushing (the
 * library must flush it before the child ends) and fails with a message
 * (which must reach the child's stderr). */
static int task_probe_print(mp_task_t *t)
{
    printf(PROBE_TASK_LINE "\n");
    return mp_task_fail(t, MP_EINVAL, PROBE_FAIL_MESSAGE);
}

/* ---- who am I ------------------------------------------------------- */

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* Reports what the child knows about itself and its parent (self_report_t).
 * Given a ctl_arg_t, it first sleeps for ctl.seconds, so the parent can
 * look at it while it runs. */
static int task_report_self(mp_task_t *t)
{
    const void *data;
    size_t len;
    int rc = mp_task_arg(t, &data, &len);
    if (rc < 0)
        return rc;
    if (len == sizeof(ctl_arg_t)) {
        ctl_arg_t ctl;
        memcpy(&ctl, data, sizeof ctl);
        sleep_s(ctl.seconds);
    }
    self_report_t r;
    memset(&r, 0, sizeof r);
    r.arg_len = (int64_t)len;
    copy_str(r.task_name, sizeof r.task_name, mp_task_name(t));
    mp_process_info_t me, parent;
    if ((rc = mp_current_process(&me)) < 0)
        return mp_task_fail(t, rc, "mp_current_process: %s", mp_errdetail());
    r.pid = me.pid;
    copy_str(r.name, sizeof r.name, me.name);
    r.daemon = me.daemon;
    copy_str(r.start_method, sizeof r.start_method, me.start_method);
    r.parent_rc = mp_parent_process(&parent);
    if (r.parent_rc == 0) {
        r.parent_pid = parent.pid;
        copy_str(r.parent_name, sizeof r.parent_name, parent.name);
    }
    r.parent_alive = mp_parent_is_alive();
    /* Checklist item 4: bootstrapping must not have chosen a method, so a
     * child can still set one without force. */
    const char *before = NULL;
    if ((rc = mp_get_start_method(&before, true)) < 0)
        return mp_task_fail(t, rc, "mp_get_start_method: %s", mp_errdetail());
    copy_str(r.method_before, sizeof r.method_before, before ? before : "(none)");
    r.set_method_rc = mp_set_start_method("spawn", false);
    return mp_task_return(t, &r, sizeof r);
}

/* Starts task_report_self as a grandchild named "grandchild" and returns
 * the grandchild's report. */
static int task_grandchild_report(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    mp_process_t *p = NULL;
    if (rc == 0)
        rc = start_grandchild(t, ctl.method,
                              (mp_process_opts_t){.task = "task_report_self", .name = "grandchild"},
                              &p);
    if (rc == 0)
        rc = join_grandchild(t, p);
    const void *data = NULL;
    size_t len = 0;
    if (rc == 0 && (rc = mp_process_result(p, &data, &len)) < 0)
        rc = mp_task_fail(t, rc, "grandchild's result: %s", mp_errdetail());
    if (rc == 0)
        rc = mp_task_return(t, data, len);
    mp_process_destroy(p);
    return rc;
}

/* ---- nesting ------------------------------------------------------- */

/* Checklist item 7 without queues: starts task_square(ctl.n) as a
 * grandchild and returns its result plus one. */
static int task_grandchild_square(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    mp_process_t *p = NULL;
    if (rc == 0)
        rc = start_grandchild(t, ctl.method,
                              (mp_process_opts_t){.task = "task_square", MP_ARG_I64(ctl.n)}, &p);
    if (rc == 0)
        rc = join_grandchild(t, p);
    const void *data = NULL;
    size_t len = 0;
    int64_t square = 0;
    if (rc == 0 && (rc = mp_process_result(p, &data, &len)) < 0)
        rc = mp_task_fail(t, rc, "grandchild's result: %s", mp_errdetail());
    if (rc == 0 && len != sizeof square)
        rc = mp_task_fail(t, MP_EINVAL, "grandchild's result is %zu bytes", len);
    if (rc == 0) {
        memcpy(&square, data, sizeof square);
        rc = mp_task_return_i64(t, square + 1);
    }
    mp_process_destroy(p);
    return rc;
}

/* Append `s` to the string in `out`; MP_ENOMEM when it does not fit. */
static int append(char *out, size_t size, const char *s)
{
    size_t used = strlen(out), n = strlen(s);
    if (used + n + 1 > size)
        return MP_ENOMEM;
    memcpy(out + used, s, n + 1);
    return 0;
}

int recurse_collect(const char *method, const char *id, char *out, size_t size)
{
    int rc = append(out, size, id);
    if (rc == 0)
        rc = append(out, size, ";");
    /* "[]" is depth 0, "[0]" depth 1, "[0,1]" depth 2. */
    size_t depth = strcmp(id, "[]") == 0 ? 0 : 1 + (size_t)(strchr(id, ',') != NULL);
    mp_context_t *ctx = NULL;
    if (rc == 0 && depth < 2)
        rc = mp_get_context(&ctx, method);
    for (int i = 0; rc == 0 && depth < 2 && i < 2; i++) {
        ctl_arg_t ctl;
        memset(&ctl, 0, sizeof ctl);
        copy_str(ctl.method, sizeof ctl.method, method);
        if (depth == 0)
            snprintf(ctl.path, sizeof ctl.path, "[%d]", i);
        else
            snprintf(ctl.path, sizeof ctl.path, "%.*s,%d]", (int)(strlen(id) - 1), id, i);
        mp_process_t *p = NULL;
        rc = mp_process_create(
            &p, &(mp_process_opts_t){
                    .task = "task_recurse", .arg = &ctl, .arg_len = sizeof ctl, .context = ctx});
        if (rc == 0)
            rc = mp_process_start(p);
        if (rc == 0)
            rc = mp_process_join(p, 60.0);
        const void *data = NULL;
        size_t len = 0;
        if (rc == 0)
            rc = mp_process_result(p, &data, &len);
        if (rc == 0 && (len == 0 || ((const char *)data)[len - 1] != '\0'))
            rc = MP_EINVAL;
        if (rc == 0)
            rc = append(out, size, data);
        mp_process_destroy(p);
    }
    return rc;
}

/* Checklist item 32: one level of Python's test_recursion (id in ctl.path). */
static int task_recurse(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    if (rc < 0)
        return rc;
    char out[512] = "";
    rc = recurse_collect(ctl.method, ctl.path, out, sizeof out);
    if (rc < 0)
        return mp_task_fail(t, rc, "recursion below %s: %s", ctl.path, mp_errdetail());
    return mp_task_return_str(t, out);
}

/* ---- daemons and parents -------------------------------------------- */

/* Tries to start a child of its own and reports mp_process_start's return
 * code (a daemon must get MP_ESTATE). */
static int task_try_start_child(mp_task_t *t)
{
    mp_process_t *p = NULL;
    int rc = mp_process_create(&p, &(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(0)});
    if (rc < 0)
        return mp_task_fail(t, rc, "mp_process_create: %s", mp_errdetail());
    int start_rc = mp_process_start(p);
    if (start_rc == 0)
        mp_process_join(p, 60.0);
    mp_process_destroy(p);
    return mp_task_return_i64(t, start_rc);
}

/* Reads the task's ctl_arg_t and starts a daemon grandchild that sleeps for
 * ctl.seconds, whose handle is deliberately left running, as a Python
 * program would leave it; its pid goes to *pid. */
static int start_daemon_sleeper(mp_task_t *t, ctl_arg_t *ctl, mp_pid_t *pid)
{
    int rc = get_ctl(t, ctl);
    mp_process_t *p = NULL;
    if (rc == 0)
        rc = start_grandchild(t, ctl->method,
                              (mp_process_opts_t){.task = "task_sleep",
                                                  MP_ARG_DOUBLE(ctl->seconds),
                                                  .daemon = MP_DAEMON_YES},
                              &p);
    if (rc == 0 && (rc = mp_process_pid(p, pid)) < 0)
        rc = mp_task_fail(t, rc, "mp_process_pid: %s", mp_errdetail());
    return rc;
}

/* Starts a daemon grandchild that sleeps for ctl.seconds, returns its pid
 * and ends normally: the library must then terminate the daemon. */
static int task_daemon_grandchild(mp_task_t *t)
{
    ctl_arg_t ctl;
    mp_pid_t pid = 0;
    int rc = start_daemon_sleeper(t, &ctl, &pid);
    return rc < 0 ? rc : mp_task_return_i64(t, pid);
}

/* A start made by a thread of its own, which ends right after it: what a
 * program that starts children from short-lived threads does. */
typedef struct thread_start {
    mp_task_t *task;
    const char *method;
    mp_process_opts_t opts;
    const char *ready;
    mp_process_t *out;
    int rc;
} thread_start_t;

/* Poll for `path` to exist, up to `timeout` seconds. */
static bool file_appears(const char *path, double timeout)
{
    for (double deadline = now_s() + timeout;; sleep_s(0.01)) {
        FILE *f = fopen(path, "rb");
        if (f)
            return fclose(f), true;
        if (now_s() > deadline)
            return false;
    }
}

static void *start_in_thread(void *arg)
{
    thread_start_t *ts = arg;
    ts->rc = start_grandchild(ts->task, ts->method, ts->opts, &ts->out);
    /* The thread ends only once the child runs its task: a death signal
     * tied to this thread cannot be dodged by a child still booting. */
    if (ts->rc == 0 && ts->ready && !file_appears(ts->ready, 30.0))
        ts->rc = mp_task_fail(ts->task, MP_ETIMEDOUT, "the child never wrote %s", ts->ready);
    return NULL;
}

int start_from_ended_thread(mp_task_t *t, const char *method, mp_process_opts_t opts,
                            const char *ready, mp_process_t **out)
{
    thread_start_t ts = {.task = t, .method = method, .opts = opts, .ready = ready};
    pthread_t thread;
    int err = pthread_create(&thread, NULL, start_in_thread, &ts);
    if (err)
        return mp_task_fail(t, MP_ESYS, "pthread_create: %s", strerror(err));
    pthread_join(thread, NULL);
    *out = ts.out;
    return ts.rc;
}

/* Starts task_sleep_ready(ctl.path + ".ready", ctl.seconds) as a grandchild
 * with exit_with_parent and writes its pid to ctl.path. Then, with ctl.n ==
 * 0, sleeps until the test kills us. With ctl.n == 1 it dies at once
 * (die_now()), on POSIX after stopping the grandchild (SIGSTOP: a
 * grandchild slow to bootstrap, made reliable; the test continues it).
 * With ctl.n == 2 the grandchild is started by a thread that has ended by
 * the time the pid is written; then it sleeps until the test kills us. */
static int task_ewp_grandchild(mp_task_t *t)
{
    ctl_arg_t ctl, grand;
    int rc = get_ctl(t, &ctl);
    if (rc < 0)
        return rc;
    grand = ctl;
    snprintf(grand.path, sizeof grand.path, "%.*s.ready", TASK_STR - 8, ctl.path);
    mp_process_t *p = NULL;
    mp_process_opts_t opts = {.task = "task_sleep_ready",
                              .arg = &grand,
                              .arg_len = sizeof grand,
                              .exit_with_parent = true};
    rc = ctl.n == 2 ? start_from_ended_thread(t, ctl.method, opts, grand.path, &p)
                    : start_grandchild(t, ctl.method, opts, &p);
    mp_pid_t pid = 0;
    if (rc == 0 && (rc = mp_process_pid(p, &pid)) < 0)
        rc = mp_task_fail(t, rc, "mp_process_pid: %s", mp_errdetail());
#if TEST_POSIX
    if (rc == 0 && ctl.n == 1)
        kill((pid_t)pid, SIGSTOP);
#endif
    char text[32];
    snprintf(text, sizeof text, "%lld\n", (long long)pid);
    if (rc == 0 && (rc = write_file_atomic(ctl.path, text)) < 0)
        rc = mp_task_fail(t, rc, "cannot write %s", ctl.path);
    if (rc == 0 && ctl.n == 1)
        die_now();
    if (rc == 0)
        sleep_s(ctl.seconds);
    return rc;
}

/* Starts a daemon grandchild that sleeps for ctl.seconds, writes "<its pid>
 * <this process's fork server pid, or -1>" to ctl.path and sleeps until the
 * test kills us (SIGKILL: no exit code of ours runs). The test then waits
 * for our fork server, if any, to be gone before it looks at the daemon. */
static int task_daemon_grandchild_hold(mp_task_t *t)
{
    ctl_arg_t ctl;
    mp_pid_t pid = 0;
    int rc = start_daemon_sleeper(t, &ctl, &pid);
    long long server = -1;
#if TEST_POSIX
    server = (long long)mp__posix_forkserver_pid();
#endif
    char text[64];
    snprintf(text, sizeof text, "%lld %lld\n", (long long)pid, server);
    if (rc == 0 && (rc = write_file_atomic(ctl.path, text)) < 0)
        rc = mp_task_fail(t, rc, "cannot write %s", ctl.path);
    if (rc == 0)
        sleep_s(ctl.seconds);
    return rc;
}

/* Creates the file ctl.path if one is named, sleeps for ctl.seconds, then
 * ends with exit code ctl.n: a child whose own exit code tells that nothing
 * else ended it. */
static int task_sleep_exit(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    if (rc < 0)
        return rc;
    if (ctl.path[0] && write_file_atomic(ctl.path, "ready\n") < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    sleep_s(ctl.seconds);
    return (int)ctl.n;
}

/* Starts task_wait_parent_death(ctl) as a grandchild, then sleeps until the
 * test kills us. */
static int task_parent_watch_child(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    mp_process_t *p = NULL;
    if (rc == 0)
        rc = start_grandchild(t, ctl.method,
                              (mp_process_opts_t){.task = "task_wait_parent_death",
                                                  .arg = &ctl,
                                                  .arg_len = sizeof ctl},
                              &p);
    if (rc == 0)
        sleep_s(ctl.seconds);
    return rc;
}

/* Checklist item 20, the grandchild: writes "<pid> <is_alive>" to
 * ctl.path, waits up to ctl.seconds for its parent to die, then writes
 * "<pid> <is_alive before> <join rc> <is_alive after>" to ctl.path.done. */
static int task_wait_parent_death(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    if (rc < 0)
        return rc;
    long long pid = (long long)getpid();
    int alive = mp_parent_is_alive();
    char text[96], done[TASK_STR + 8];
    snprintf(text, sizeof text, "%lld %d\n", pid, alive);
    if (write_file_atomic(ctl.path, text) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    int join_rc = mp_parent_join(ctl.seconds);
    int alive_after = mp_parent_is_alive();
    snprintf(text, sizeof text, "%lld %d %d %d\n", pid, alive, join_rc, alive_after);
    snprintf(done, sizeof done, "%s.done", ctl.path);
    return write_file_atomic(done, text) < 0 ? mp_task_fail(t, MP_ESYS, "cannot write %s", done)
                                             : 0;
}

/* ---- argument getters and exit handlers ------------------------------ */

/* Runs every typed getter against an argument that fits none of them (4
 * bytes, no NUL) and bad pointers; returns the names of the checks that did
 * not give the documented result, "" when all did. */
static int task_arg_checks(mp_task_t *t)
{
    char failed[512] = "";
    int64_t i64;
    double d;
    const char *s;
    const void *data;
    size_t len;
#define CHECK(expr, want)                             \
    do {                                              \
        if ((expr) != (want))                         \
            append(failed, sizeof failed, #expr ";"); \
    } while (0)
    CHECK(mp_task_arg(t, &data, &len), 0);
    CHECK(len, 4u);
    CHECK(mp_task_arg_i64(t, &i64), MP_EINVAL);
    CHECK(mp_task_arg_double(t, &d), MP_EINVAL);
    CHECK(mp_task_arg_str(t, &s), MP_EINVAL);
    CHECK(mp_task_arg(NULL, &data, &len), MP_EINVAL);
    CHECK(mp_task_arg(t, NULL, &len), MP_EINVAL);
    CHECK(mp_task_arg(t, &data, NULL), MP_EINVAL);
    CHECK(mp_task_arg_i64(NULL, &i64), MP_EINVAL);
    CHECK(mp_task_arg_i64(t, NULL), MP_EINVAL);
    CHECK(mp_task_arg_double(NULL, &d), MP_EINVAL);
    CHECK(mp_task_arg_double(t, NULL), MP_EINVAL);
    CHECK(mp_task_arg_str(NULL, &s), MP_EINVAL);
    CHECK(mp_task_arg_str(t, NULL), MP_EINVAL);
    CHECK(mp_task_return(NULL, "x", 1), MP_EINVAL);
    CHECK(mp_task_return(t, NULL, 5), MP_EINVAL);
    CHECK(mp_task_return_i64(NULL, 1), MP_EINVAL);
    CHECK(mp_task_return_double(NULL, 1.0), MP_EINVAL);
    CHECK(mp_task_return_str(NULL, "x"), MP_EINVAL);
    CHECK(mp_task_return_str(t, NULL), MP_EINVAL);
    CHECK(mp_task_fail(NULL, MP_EINVAL, "x"), MP_EINVAL);
    CHECK(mp_task_fail(NULL, 5, "x"), MP_ETASK); /* a non-negative code becomes MP_ETASK */
    CHECK(strcmp(mp_task_name(NULL), ""), 0);
    CHECK(strcmp(mp_task_name(t), "task_arg_checks"), 0);
    CHECK(mp_parent_join(NAN), MP_EINVAL);
    CHECK(mp_atexit(NULL), MP_EINVAL);
#undef CHECK
    /* The result is set last: mp_task_return(t, NULL, 0) above must not
     * have disturbed it either way. */
    return mp_task_return_str(t, failed);
}

/* The file the exit handlers below append to (one child, one path). */
static char atexit_path[TASK_STR];

static void append_to_atexit_file(const char *text)
{
    FILE *f = fopen(atexit_path, "a");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void atexit_first(void)
{
    append_to_atexit_file("first;");
}

static void atexit_second(void)
{
    append_to_atexit_file("second;");
}

static void atexit_nothing(void)
{
}

/* Registers two handlers that append to ctl.path, fills the table, and
 * returns the code of the registration one past the limit (MP_ENOMEM). The
 * handlers must then run when it ends, last registered first. */
static int task_atexit(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = get_ctl(t, &ctl);
    if (rc < 0)
        return rc;
    copy_str(atexit_path, sizeof atexit_path, ctl.path);
    if ((rc = mp_atexit(atexit_first)) < 0 || (rc = mp_atexit(atexit_second)) < 0)
        return mp_task_fail(t, rc, "mp_atexit: %s", mp_errdetail());
    for (int i = 2; i < ATEXIT_LIMIT; i++)
        if ((rc = mp_atexit(atexit_nothing)) < 0)
            return mp_task_fail(t, rc, "mp_atexit #%d: %s", i + 1, mp_errdetail());
    return mp_task_return_i64(t, mp_atexit(atexit_nothing));
}

const mp_task_def_t test_tasks[] = {
    MP_TASK(task_return_code),
    MP_TASK(task_sleep),
    MP_TASK(task_sleep_ready),
    MP_TASK(task_echo),
    MP_TASK(task_square),
    MP_TASK(task_fail_message),
    MP_TASK(task_heap_in_use),
    MP_TASK(task_fd_open),
    MP_TASK(task_cwd_env),
    MP_TASK(task_env_edit),
    MP_TASK(task_probe_print),
    MP_TASK(task_report_self),
    MP_TASK(task_grandchild_report),
    MP_TASK(task_grandchild_square),
    MP_TASK(task_recurse),
    MP_TASK(task_try_start_child),
    MP_TASK(task_daemon_grandchild),
    MP_TASK(task_daemon_grandchild_hold),
    MP_TASK(task_sleep_exit),
    MP_TASK(task_ewp_grandchild),
    MP_TASK(task_parent_watch_child),
    MP_TASK(task_wait_parent_death),
    MP_TASK(task_arg_checks),
    MP_TASK(task_atexit),
    MP_TASK(task_destroy_borrowed),
    MP_TASK(task_executor_left_open),
#define LIST_ROW(fn) MP_TASK(fn),
    SYNC_TASKS(LIST_ROW) CONN_TASKS(LIST_ROW) LISTENER_TASKS(LIST_ROW) QUEUE_DEATH_TASKS(LIST_ROW)
#if TEST_POSIX
        TRACKER_TASKS(LIST_ROW) EXECUTOR_FAULT_TASKS(LIST_ROW)
#endif
            QUEUE_TASKS(LIST_ROW) EXECUTOR_TASKS(LIST_ROW) POOL_TASKS(LIST_ROW) LOG_TASKS(LIST_ROW)
                MGR_DATA_TASKS(LIST_ROW) MGR_TASKS(LIST_ROW) MGR_SYNC_TASKS(LIST_ROW)
                    MGR_SET_TASKS(LIST_ROW) MGR_POOL_TASKS(LIST_ROW)
#undef LIST_ROW
                        MP_TASK_END,
};
