/* Suite "children": processes and their relatives (checklist section 2,
 * items 19, 20, 32, 35 and the daemon rules): current_process and
 * parent_process in children and grandchildren, parents dying, nesting,
 * active_children, daemons, exit_with_parent. Run once per start method. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#if TEST_POSIX
#include <errno.h>
#include <sys/wait.h>

#include "posix_internal.h" /* mp__posix_forkserver_pid(), a test hook */
#endif

/* Checklist item 19, in a child: its own name and pid, its parent's pid
 * and name ("MainProcess"), its start method, a living parent. */
static void test_current_process_in_child(void)
{
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_report_self", .name = "child-A"});
    self_report_t r;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &r, sizeof r)) {
        EXPECT_STR(r.name, "child-A");
        EXPECT_EQ(r.pid, pid_of(p));
        EXPECT_EQ(r.daemon, 0);
        EXPECT_STR(r.start_method, suite_method());
        EXPECT_RC(r.parent_rc, 0);
        EXPECT_EQ(r.parent_pid, getpid());
        EXPECT_STR(r.parent_name, "MainProcess");
        EXPECT_EQ(r.parent_alive, 1);
    }
    dispose_process(p);
}

/* Checklist items 19-20, in a grandchild: its parent is the child (name and
 * pid), alive while the grandchild runs. */
static void test_parent_process_in_grandchild(void)
{
    ctl_arg_t ctl = make_ctl(NULL, 0, 0);
    mp_process_t *p = run_process(&(mp_process_opts_t){
        .task = "task_grandchild_report", .arg = &ctl, .arg_len = sizeof ctl, .name = "middle"});
    self_report_t r;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &r, sizeof r)) {
        EXPECT_STR(r.name, "grandchild");
        EXPECT_RC(r.parent_rc, 0);
        EXPECT_EQ(r.parent_pid, pid_of(p));
        EXPECT_STR(r.parent_name, "middle");
        EXPECT_EQ(r.parent_alive, 1);
        EXPECT_STR(r.start_method, suite_method());
        EXPECT(r.pid != pid_of(p) && r.pid != getpid(), "grandchild pid %lld", (long long)r.pid);
    }
    dispose_process(p);
}

/* Kill `pid` if it still runs: a grandchild the test could not see end
 * must not outlive the test. One orphaned below us may have become our
 * own child (a fork-server client is a child subreaper): reap it then. */
static void kill_leftover(pid_t pid)
{
    if (pid > 0 && pid_running(pid))
        kill_pid(pid);
#if TEST_POSIX
    if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
#endif
}

/* A fresh private directory in `dir` (asserted) and the path of the file
 * `name` in it, for a child to report through. */
enum { DIR_SIZE = 512, PATH_SIZE = 600 };

static bool report_path(char dir[DIR_SIZE], char path[PATH_SIZE], const char *name)
{
    if (!make_temp_dir(dir, DIR_SIZE))
        return false;
    snprintf(path, PATH_SIZE, "%s/%s", dir, name);
    return true;
}

/* Start `task` with a ctl_arg_t naming `path` (and n), for a grandchild
 * that reports through that file; waits for the file and returns the
 * child. */
static mp_process_t *start_reporting_child(const char *task, const char *path, int64_t n,
                                           double seconds, char *first_report, size_t size)
{
    ctl_arg_t ctl = make_ctl(path, n, seconds);
    mp_process_t *p = start_process(
        &(mp_process_opts_t){.task = task, .arg = &ctl, .arg_len = sizeof ctl});
    if (p && !EXPECT(wait_for_file(path, 30.0, first_report, size),
                     "no report from the grandchild in %s", path)) {
        dispose_process(p);
        return NULL;
    }
    return p;
}

/* Checklist item 20: a grandchild sees its parent alive; once the parent
 * is killed, mp_parent_join() returns 0 and mp_parent_is_alive() is 0. */
static void test_parent_death_seen_by_grandchild(void)
{
    char dir[DIR_SIZE], path[PATH_SIZE], done[620], text[128] = "";
    if (!report_path(dir, path, "report"))
        return;
    snprintf(done, sizeof done, "%s.done", path);
    mp_process_t *p = start_reporting_child("task_parent_watch_child", path, 0, 20.0, text,
                                            sizeof text);
    long long gpid = 0;
    int alive = -100, join_rc = -100, alive_after = -100;
    if (p && EXPECT(sscanf(text, "%lld %d", &gpid, &alive) == 2, "report \"%s\"", text)) {
        EXPECT_EQ(alive, 1);
        EXPECT_RC(mp_process_kill(p), 0);
        EXPECT_RC(mp_process_join(p, 10.0), 0);
        double t0 = now_s();
        if (EXPECT(wait_for_file(done, 15.0, text, sizeof text), "no second report") &&
            EXPECT(sscanf(text, "%lld %d %d %d", &gpid, &alive, &join_rc, &alive_after) == 4,
                   "report \"%s\"", text)) {
            EXPECT_RC(join_rc, 0);
            EXPECT_EQ(alive_after, 0);
            EXPECT(now_s() - t0 < 2.0, "the grandchild saw the death after %.3f s", now_s() - t0);
        }
    }
    kill_leftover((pid_t)gpid);
    dispose_process(p);
    remove_tree(dir);
}

/* Checklist item 32: each process starts and joins two children, down to
 * depth 2; the messages arrive depth first. */
static void test_nested_depth2(void)
{
    char out[512] = "";
    EXPECT_RC(recurse_collect(suite_method(), "[]", out, sizeof out), 0);
    EXPECT_STR(out, "[];[0];[0,0];[0,1];[1];[1,0];[1,1];");
}

/* How many children mp_active_children() counts (asserted call). */
static size_t active_count(void)
{
    size_t n = 12345;
    EXPECT_RC(mp_active_children(NULL, 0, &n), 0);
    return n;
}

/* Checklist item 35: active_children lists started, unjoined children and
 * drops ended ones, even those nobody joined. */
static void test_active_children(void)
{
    size_t base = active_count();
    EXPECT_EQ(base, 0);
    mp_process_t *a = start_sleeper(30.0);
    mp_process_t *b = start_sleeper(30.0);
    if (!a || !b) {
        dispose_process(a), dispose_process(b);
        return;
    }
    EXPECT_EQ(active_count(), base + 2);
    EXPECT(in_active_children(a) && in_active_children(b), "a started child is not listed");
    mp_process_t *one[1] = {NULL};
    size_t n = 0;
    EXPECT_RC(mp_active_children(one, 1, &n), 0);
    EXPECT_EQ(n, base + 2); /* the count says how many, even beyond cap */
    EXPECT(one[0] == a || one[0] == b || base > 0, "stored %p", (void *)one[0]);

    EXPECT_RC(mp_process_terminate(a), 0);
    EXPECT_RC(mp_process_join(a, 10.0), 0);
    EXPECT(!in_active_children(a), "a joined child is still listed");
    EXPECT(in_active_children(b), "the other child is no longer listed");
    EXPECT_EQ(active_count(), base + 1);

    /* Ended but never joined: dropped too. */
    mp_process_t *c = start_sleeper(0.05);
    mp_sentinel_t s;
    if (c && EXPECT_RC(mp_process_sentinel(c, &s), 0)) {
        EXPECT_EQ(mp_wait(&s, 1, 30.0, NULL), 1);
        EXPECT(!in_active_children(c), "an ended, unjoined child is listed");
        EXPECT_EQ(mp_process_is_alive(c), 0);
        EXPECT_EQ(exitcode_of(c), 0);
    }
    dispose_process(a);
    dispose_process(b);
    dispose_process(c);
    EXPECT_EQ(active_count(), base);
}

/* Run task_try_start_child with `daemon` and return the start code the
 * child saw. */
static int64_t child_start_rc(mp_daemon_t daemon)
{
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_try_start_child", .daemon = daemon});
    int64_t rc = 12345;
    if (p && EXPECT_EQ(exitcode_of(p), 0))
        result_of(p, &rc, sizeof rc);
    dispose_process(p);
    return rc;
}

/* Daemons may not have children (as in Python): the daemon's start gets
 * MP_ESTATE; a non-daemon child may. */
static void test_daemon_cannot_have_children(void)
{
    EXPECT_RC((int)child_start_rc(MP_DAEMON_YES), MP_ESTATE);
    EXPECT_RC((int)child_start_rc(MP_DAEMON_NO), 0);
}

/* A daemon child is terminated when its parent ends normally: the child
 * starts a daemon grandchild that would sleep 100 s and returns its pid;
 * once the child has exited, the grandchild is gone within ~2 s. */
static void test_daemon_grandchild_terminated_at_exit(void)
{
    ctl_arg_t ctl = make_ctl(NULL, 0, 100.0);
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_daemon_grandchild", .arg = &ctl, .arg_len = sizeof ctl});
    int64_t gpid = 0;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &gpid, sizeof gpid) &&
        EXPECT(gpid > 0, "grandchild pid %lld", (long long)gpid))
        EXPECT(wait_pid_gone((pid_t)gpid, 2.0), "daemon grandchild %lld outlived its parent",
               (long long)gpid);
    kill_leftover((pid_t)gpid);
    dispose_process(p);
}

/* How task_ewp_grandchild's child (ctl.n) leaves its exit_with_parent
 * grandchild: killed by the test once the grandchild runs its task; dying
 * by itself at once while the grandchild is held stopped before it could
 * bootstrap; or killed by the test after the thread of the child that
 * started the grandchild has ended (which must not end the grandchild). */
enum ewp_mode { EWP_KILLED = 0, EWP_DIES_AT_ONCE = 1, EWP_THREAD_ENDED = 2 };

/* The child starts a grandchild with exit_with_parent and is then killed by
 * SIGKILL (which runs no exit code in it) as `mode` says. The grandchild
 * must be gone within ~2 s. */
static void check_exit_with_parent(enum ewp_mode mode)
{
    char dir[DIR_SIZE], path[PATH_SIZE], ready[620], text[64] = "";
    if (!report_path(dir, path, "pid"))
        return;
    snprintf(ready, sizeof ready, "%s.ready", path);
    mp_process_t *p = start_reporting_child("task_ewp_grandchild", path, mode, 30.0, text,
                                            sizeof text);
    long long gpid = 0;
    if (p && EXPECT(sscanf(text, "%lld", &gpid) == 1 && gpid > 0, "report \"%s\"", text)) {
        if (mode != EWP_DIES_AT_ONCE) {
            EXPECT(wait_for_file(ready, 30.0, text, sizeof text), "the grandchild never ran");
            EXPECT(pid_running((pid_t)gpid), "grandchild %lld is not running", gpid);
            /* A death signal sent as the starting thread ended lands meanwhile. */
            if (mode == EWP_THREAD_ENDED)
                EXPECT(!wait_pid_gone((pid_t)gpid, 0.5),
                       "grandchild %lld died with the thread that started it", gpid);
            EXPECT_RC(mp_process_kill(p), 0);
        }
        EXPECT_RC(mp_process_join(p, 10.0), 0);
        EXPECT_EQ(exitcode_of(p), KILLED_EXITCODE);
#if TEST_POSIX
        if (mode == EWP_DIES_AT_ONCE)
            kill((pid_t)gpid, SIGCONT); /* the child stopped it; let it bootstrap now */
#endif
        EXPECT(wait_pid_gone((pid_t)gpid, 2.0), "grandchild %lld outlived its killed parent", gpid);
    }
    kill_leftover((pid_t)gpid);
    dispose_process(p);
    remove_tree(dir);
}

/* exit_with_parent, grandchild started by a thread of the child that then
 * ended: the child process lives, so the grandchild does, until the child
 * is killed. */
static void test_exit_with_parent_thread_ended_grandchild(void)
{
    check_exit_with_parent(EWP_THREAD_ENDED);
}

/* exit_with_parent, parent killed while the grandchild runs its task. */
static void test_exit_with_parent_grandchild(void)
{
    check_exit_with_parent(EWP_KILLED);
}

/* exit_with_parent, parent killed right after mp_process_start() returned,
 * before the grandchild has read its orders: still no survivor. */
static void test_exit_with_parent_parent_dies_at_once(void)
{
    check_exit_with_parent(EWP_DIES_AT_ONCE);
}

/* exit_with_parent ties the child to its parent process, not to the thread
 * that started it: a child started by a thread that ends at once lives on
 * and ends with its own exit code. */
static void test_exit_with_parent_survives_starting_thread(void)
{
    char dir[DIR_SIZE], path[PATH_SIZE];
    if (!report_path(dir, path, "ready"))
        return;
    ctl_arg_t ctl = make_ctl(path, 7, 1.0);
    mp_process_opts_t opts = {
        .task = "task_sleep_exit", .arg = &ctl, .arg_len = sizeof ctl, .exit_with_parent = true};
    mp_process_t *p = NULL;
    if (EXPECT_RC(start_from_ended_thread(NULL, suite_method(), opts, path, &p), 0)) {
        EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
        EXPECT_EQ(exitcode_of(p), 7);
    }
    dispose_process(p);
    remove_tree(dir);
}

#if TEST_POSIX
/* Wait for the file `path`, written by task_daemon_grandchild_hold: the
 * daemon's pid and the middle child's fork server's (-1 for none). */
static bool read_hold_report(const char *path, long long *gpid, long long *server)
{
    char text[128] = "";
    return EXPECT(wait_for_file(path, 30.0, text, sizeof text), "no report in %s", path) &&
           EXPECT(sscanf(text, "%lld %lld", gpid, server) == 2 && *gpid > 0, "report \"%s\"", text);
}

/* A daemon child is terminated when its parent exits normally, but a parent
 * killed by SIGKILL runs nothing: its daemon children survive it under every
 * POSIX start method (only exit_with_parent ends a child with a killed
 * parent).
 * The check is made once the middle child's fork server, if any, is gone. */
static void test_daemon_survives_parent_kill(void)
{
    char dir[DIR_SIZE], path[PATH_SIZE];
    if (!report_path(dir, path, "report"))
        return;
    ctl_arg_t ctl = make_ctl(path, 0, 60.0);
    mp_process_t *p = start_process(&(mp_process_opts_t){
        .task = "task_daemon_grandchild_hold", .arg = &ctl, .arg_len = sizeof ctl});
    long long gpid = 0, server = -1;
    if (p && read_hold_report(path, &gpid, &server)) {
        EXPECT_RC(mp_process_kill(p), 0);
        EXPECT_RC(mp_process_join(p, 10.0), 0);
        EXPECT_EQ(exitcode_of(p), KILLED_EXITCODE);
        if (server > 0)
            EXPECT(wait_pid_gone((pid_t)server, 10.0), "fork server %lld outlived its client",
                   server);
        /* Whatever would end it has run by now; give a signal time to land. */
        EXPECT(!wait_pid_gone((pid_t)gpid, 1.0), "daemon %lld died with its killed parent", gpid);
    }
    kill_leftover((pid_t)gpid);
    dispose_process(p);
    remove_tree(dir);
}

/* Kill this process's fork server with SIGKILL and wait until it is gone. */
static bool kill_fork_server(void)
{
    pid_t server = mp__posix_forkserver_pid();
    return EXPECT(server > 0, "no fork server (%d)", (int)server) &&
           EXPECT_EQ(kill(server, SIGKILL), 0) &&
           EXPECT(wait_pid_gone(server, 10.0), "fork server %d did not die", (int)server);
}

/* Start task_sleep_exit(seconds, 7), with exit_with_parent or not, then kill
 * the fork server while it runs. NULL (nothing to clean) on failure. */
static mp_process_t *child_outliving_server(double seconds, bool exit_with_parent)
{
    ctl_arg_t ctl = make_ctl(NULL, 7, seconds);
    mp_process_t *p = start_process(&(mp_process_opts_t){.task = "task_sleep_exit",
                                                         .arg = &ctl,
                                                         .arg_len = sizeof ctl,
                                                         .exit_with_parent = exit_with_parent});
    if (p && !kill_fork_server()) {
        dispose_process(p);
        return NULL;
    }
    return p;
}

/* The fork server killed while its child runs: the child is still alive,
 * joinable, with its own exit code; the next start makes a new server. The
 * child runs for seconds: killing the server takes milliseconds, even on a
 * busy machine. */
static void test_forkserver_death_child_joinable(void)
{
    mp_process_t *p = child_outliving_server(4.0, false);
    if (!p)
        return;
    pid_t pid = pid_of(p);
    EXPECT_EQ(mp_process_is_alive(p), 1);
    EXPECT(pid_running(pid), "child %d died with the fork server", (int)pid);
    EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
    EXPECT_EQ(exitcode_of(p), 7);
    EXPECT(pid_reaped(pid), "child %d is left a zombie", (int)pid);
    dispose_process(p);
    mp_process_t *q = run_process(&(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(3)});
    if (q)
        EXPECT_EQ(exitcode_of(q), 3);
    dispose_process(q);
}

/* ... and killable: mp_process_kill() reaches it, join reads -SIGKILL. */
static void test_forkserver_death_child_killable(void)
{
    mp_process_t *p = child_outliving_server(60.0, false);
    if (!p)
        return;
    pid_t pid = pid_of(p);
    EXPECT_RC(mp_process_kill(p), 0);
    EXPECT_RC(mp_process_join(p, 10.0), 0);
    EXPECT_EQ(exitcode_of(p), KILLED_EXITCODE);
    EXPECT(wait_pid_gone(pid, 5.0), "child %d survived mp_process_kill()", (int)pid);
    kill_leftover(pid);
    dispose_process(p);
}

/* An exit_with_parent child watches its parent, not the fork server: the
 * server's death does not end it. */
static void test_forkserver_death_spares_ewp_child(void)
{
    mp_process_t *p = child_outliving_server(1.5, true);
    if (!p)
        return;
    EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
    EXPECT_EQ(exitcode_of(p), 7);
    dispose_process(p);
}
#endif

/* Destroying the handle of a running child does not kill it; the library
 * still reaps it once it ends. */
static void test_destroy_running_detaches(void)
{
    mp_process_t *p = start_sleeper(0.3);
    if (!p)
        return;
    pid_t pid = pid_of(p);
    mp_process_destroy(p);
    EXPECT(pid_running(pid), "destroying the handle ended child %d", (int)pid);
    EXPECT(wait_pid_gone(pid, 10.0), "child %d did not end", (int)pid);
    EXPECT_EQ(active_count(), 0); /* reaps detached children on the way */
    /* Under forkserver the server reaps it, when it gets to its SIGCHLD:
     * on a loaded machine that can take a moment after the death. */
    for (double deadline = now_s() + 5.0; !pid_reaped(pid) && now_s() < deadline;)
        sleep_s(0.01);
    EXPECT(pid_reaped(pid), "child %d was never reaped (a zombie, or a handle left open)",
           (int)pid);
}

static const test_case_t tests[] = {
    {"current_process_in_child", test_current_process_in_child, ON_ALL},
    {"parent_process_in_grandchild", test_parent_process_in_grandchild, ON_ALL},
    {"parent_death_seen_by_grandchild", test_parent_death_seen_by_grandchild, ON_ALL},
    {"nested_depth2", test_nested_depth2, ON_ALL},
    {"active_children", test_active_children, ON_ALL},
    {"daemon_cannot_have_children", test_daemon_cannot_have_children, ON_ALL},
    {"daemon_grandchild_terminated_at_exit", test_daemon_grandchild_terminated_at_exit, ON_ALL},
    {"exit_with_parent_grandchild", test_exit_with_parent_grandchild, ON_ALL},
    {"exit_with_parent_parent_dies_at_once", test_exit_with_parent_parent_dies_at_once, ON_ALL},
    {"destroy_running_detaches", test_destroy_running_detaches, ON_ALL},
    {"exit_with_parent_survives_starting_thread", test_exit_with_parent_survives_starting_thread,
     ON_ALL},
    {"exit_with_parent_thread_ended_grandchild", test_exit_with_parent_thread_ended_grandchild,
     ON_ALL},
#if TEST_POSIX /* Windows ends a daemon with its parent's job (process.h) */
    {"daemon_survives_parent_kill", test_daemon_survives_parent_kill, ON_ALL},
    {"forkserver_death_child_joinable", test_forkserver_death_child_joinable, ON_FORKSERVER},
    {"forkserver_death_child_killable", test_forkserver_death_child_killable, ON_FORKSERVER},
    {"forkserver_death_spares_ewp_child", test_forkserver_death_spares_ewp_child, ON_FORKSERVER},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_children = {"children", true, tests};
