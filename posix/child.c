/* The child's side: recognise a spawned child (or the fork server, or the
 * tracker) by its marker argument and hand it to its main function (a
 * spawned child's orders come through channel.c), end a child, tie it to
 * its parent's life (exit_with_parent), and the child's view of its
 * parent. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <stdio_ext.h>
#endif
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "posix_internal.h"

#define SPAWN_MARKER "--multiproc-spawn"
#define FORKSERVER_MARKER "--multiproc-forkserver"
#define TRACKER_MARKER "--multiproc-tracker"

int mp__os_enter_child(int *argc, char ***argv)
{
    /* Not a child of ours: a program starting, which sweeps what dead ones
     * left (sweep.c). */
    if (!argc || !argv || !*argv || *argc < 2 || !(*argv)[1]) {
        mp__posix_sweep_leftovers();
        return 0;
    }
    const char *marker = (*argv)[1];
    if (strcmp(marker, SPAWN_MARKER) == 0) {
        fcntl(MP__CHILD_CHAN_FD, F_SETFD, FD_CLOEXEC);
        mp__posix_channel_run(MP__CHILD_CHAN_FD, "spawn", NULL, 0, 0);
    }
    if (strcmp(marker, FORKSERVER_MARKER) == 0) {
        fcntl(3, F_SETFD, FD_CLOEXEC);
        fcntl(4, F_SETFD, FD_CLOEXEC);
        mp__posix_forkserver_main(3, 4, *argc > 2 ? (*argv)[2] : NULL);
    }
    if (strcmp(marker, TRACKER_MARKER) == 0)
        mp__posix_tracker_main(3, 4);
    mp__posix_sweep_leftovers();
    return 0;
}

void mp__posix_flush_stdio(void)
{
    /* An empty stream is left alone: fflush() would still take its lock,
     * a write to the stream's page, which costs a copy-on-write fault
     * while a fork child shares it. */
#ifdef __GLIBC__
    if (__fpending(stdout))
        fflush(stdout);
    if (__fpending(stderr))
        fflush(stderr);
#else
    fflush(stdout);
    fflush(stderr);
#endif
}

void mp__os_child_exit(int code)
{
    /* Only this child's own output is buffered: the parent flushed its
     * buffers before fork (fork policy point 3). */
    mp__posix_flush_stdio();
    _exit(code);
}

/* ---- exit_with_parent --------------------------------------------- */

/* Linux's PR_SET_PDEATHSIG fires when the THREAD that created us ends, not
 * the process: a child started from a short-lived thread would die with
 * that thread. So the death signal is not SIGKILL but a notice, whose
 * handler asks whether the parent PROCESS is gone: when only a thread
 * ended, the kernel has already moved us to another thread of the same
 * process (getppid() is unchanged) and left the notice armed for that one.
 * A fork server's child has two acceptable parents: the server, and the
 * client the server worked for, which adopts the server's orphans (it is a
 * child subreaper: forkserver_client.c) so that the server's death does not
 * end a child whose real parent lives. */
#ifdef __linux__
#define PDEATH_NOTICE SIGRTMAX

static volatile pid_t ewp_parent, ewp_client;

/* Async-signal-safe: getppid() and raise() only. */
static void on_parent_death(int signo)
{
    (void)signo;
    pid_t now = getppid();
    if (now != ewp_parent && now != ewp_client)
        raise(SIGKILL);
}
#endif

void mp__posix_exit_with_parent(pid_t parent, pid_t client)
{
#ifdef __linux__
    ewp_parent = parent, ewp_client = client;
    struct sigaction sa = {.sa_handler = on_parent_death, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(PDEATH_NOTICE, &sa, NULL);
    /* The notice must not be blocked, or a parent's death would go unseen. */
    sigset_t notice;
    sigemptyset(&notice);
    sigaddset(&notice, PDEATH_NOTICE);
    sigprocmask(SIG_UNBLOCK, &notice, NULL);
    prctl(PR_SET_PDEATHSIG, PDEATH_NOTICE);
    /* The parent may have died before the request took effect. */
    on_parent_death(PDEATH_NOTICE);
#else
    (void)parent, (void)client;
#endif
}

/* ---- watching the parent ------------------------------------------ */

static pid_t parent_pid;
static bool parent_is_direct; /* we are its own child (fork, spawn) */
static int parent_fd = -1;    /* pidfd of the parent, opened on first use */
static bool parent_gone;

int mp__os_parent_watch(mp_pid_t ppid)
{
    mp__posix_close(parent_fd);
    parent_fd = -1;
    parent_pid = (pid_t)ppid;
    parent_gone = false;
    /* Fork server children are the server's; the others are the parent's
     * own, and can tell its death from being reparented. */
    parent_is_direct = getppid() == parent_pid;
    return 0;
}

/* Open the parent's pidfd now that someone asks. Only a direct child can
 * be sure the pid is still its parent's (it is not reparented yet). */
static void open_parent_fd(void)
{
    if (parent_fd >= 0 || parent_gone)
        return;
    if (parent_is_direct && getppid() != parent_pid) {
        parent_gone = true;
        return;
    }
    parent_fd = mp__posix_pidfd_open(parent_pid);
    if (parent_fd < 0 && errno == ESRCH)
        parent_gone = true;
}

static bool parent_alive_by_kill(void)
{
    if (parent_is_direct)
        return getppid() == parent_pid;
    return kill(parent_pid, 0) == 0 || errno == EPERM;
}

int mp__os_parent_wait(double timeout)
{
    if (parent_pid <= 0)
        return MP_ESTATE;
    double deadline = mp__deadline(true, timeout);
    open_parent_fd();
    if (parent_gone)
        return 0;
    if (parent_fd >= 0) {
        struct pollfd p = {.fd = parent_fd, .events = POLLIN};
        int r = mp__posix_poll(&p, 1, deadline);
        if (r < 0)
            return r;
        parent_gone = r > 0;
        return parent_gone ? 0 : MP_ETIMEDOUT;
    }
    /* No pidfd: ask the kernel every 10 ms. */
    while (parent_alive_by_kill()) {
        double left = deadline - mp__os_now();
        if (left <= 0)
            return MP_ETIMEDOUT;
        mp__os_sleep(left < 0.01 ? left : 0.01);
    }
    parent_gone = true;
    return 0;
}

void mp__os_ignore_interrupts(void)
{
    signal(SIGINT, SIG_IGN);
}
