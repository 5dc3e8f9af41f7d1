/* A started child from the parent's side: wait for it while collecting
 * what it reports (channel.c reads it), reap it, signal it, and wait on
 * many at once.
 *
 * The child's end is signalled by its "death" descriptor: its pidfd on
 * Linux (ready exactly when the process exits, not when its channel closes,
 * which a grandchild could delay), for our own children and the fork
 * server's alike; without one, the fork server's status socket for its
 * children, or end-of-file on the channel for ours (macOS).
 *
 * A fork server's child is the server's to reap: its exit code comes on the
 * status socket. Should the server die first, the child is not lost: its
 * pidfd still tells its end and carries signals, and, since this process
 * is a child subreaper (forkserver_client.c), the kernel makes the server's
 * orphans our own children, whose status waitid() reads. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "posix_internal.h"

#if defined(__linux__) && !defined(P_PIDFD)
#define P_PIDFD 3 /* Linux 5.4; older C libraries lack the name */
#endif

/* How long a fork server's child that has ended may wait for the server to
 * report its exit code, beyond the caller's timeout: the server answers at
 * once (it reaps on SIGCHLD), so this only bounds a server that is stopped
 * or swamped, after which the child still reads as running. */
#define REPORT_GRACE_S 5.0

mp__os_proc_t *mp__posix_proc_new(pid_t pid)
{
    mp__os_proc_t *proc = calloc(1, sizeof *proc);
    if (proc) {
        proc->pid = pid;
        proc->chan = proc->pidfd = proc->status = -1;
    }
    return proc;
}

int mp__posix_decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    return 255;
}

int mp__posix_decode_siginfo(const siginfo_t *info)
{
    switch (info->si_code) {
    case CLD_EXITED: return info->si_status;
    case CLD_KILLED:
    case CLD_DUMPED: return -info->si_status;
    default: return 255;
    }
}

/* The descriptor that is ready once the child has ended; -1: none (the
 * channel's end-of-file stands in). */
static int death_fd(const mp__os_proc_t *proc)
{
    return proc->pidfd >= 0 ? proc->pidfd : proc->status;
}

static void set_reaped(mp__os_proc_t *proc, int exitcode)
{
    proc->exitcode = exitcode;
    proc->reaped = true;
}

/* Our own child has ended (or is ending): collect its exit status. */
static void reap_own(mp__os_proc_t *proc)
{
    int status;
    pid_t r;
    while ((r = waitpid(proc->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    set_reaped(proc, r == proc->pid ? mp__posix_decode_status(status) : 255);
}

/* A fork server's child whose server is gone: the kernel made it our own
 * child (we are a child subreaper), and it has ended (its pidfd is
 * ready): read its true status. False when it is not ours (no subreaper:
 * init adopted and reaped it). */
static bool reap_adopted(mp__os_proc_t *proc)
{
#ifdef __linux__
    if (proc->pidfd < 0)
        return false;
    siginfo_t info = {0};
    int r;
    while ((r = waitid(P_PIDFD, (id_t)proc->pidfd, &info, WEXITED)) < 0 && errno == EINTR)
        ;
    if (r == 0 && info.si_pid != 0) {
        set_reaped(proc, mp__posix_decode_siginfo(&info));
        return true;
    }
#else
    (void)proc;
#endif
    return false;
}

/* A fork server's child has ended (its pidfd is ready) or, without a
 * pidfd, its status socket spoke: read the exit code the server reports,
 * or, if the server died, the one the kernel keeps for us.
 * @return 0 once reaped; MP_ETIMEDOUT when the server has not reported by
 *         the deadline (and the grace after it); MP_ESYS. */
static int reap_served(mp__os_proc_t *proc, double deadline)
{
    if (proc->pidfd >= 0) {
        double grace = mp__deadline(true, REPORT_GRACE_S);
        struct pollfd p = {.fd = proc->status, .events = POLLIN};
        int r = mp__posix_poll(&p, 1, deadline > grace ? deadline : grace);
        if (r <= 0)
            return r < 0 ? r : MP_ETIMEDOUT;
    }
    int32_t code;
    if (mp__posix_read_all(proc->status, &code, sizeof code) == 0) {
        set_reaped(proc, code);
        return 0;
    }
    /* End-of-file: the server died. Once it is reaped its orphans are ours. */
    mp__posix_forkserver_lost(proc->server);
    if (!reap_adopted(proc)) {
        set_reaped(proc, 255);
        mp__errdetail_set(MP_ECHILD, "the fork server died; exit code of pid %d is lost",
                          (int)proc->pid);
    }
    return 0;
}

/* The child's death descriptor is ready: reap it. */
static int reap(mp__os_proc_t *proc, double deadline)
{
    if (proc->via_server)
        return reap_served(proc, deadline);
    reap_own(proc);
    return 0;
}

int mp__os_proc_wait(mp__os_proc_t *proc, double timeout, mp__buf_t *received, int *exitcode)
{
    double deadline = mp__deadline(true, timeout);
    int death = death_fd(proc);
    while (!proc->reaped) {
        struct pollfd fds[2];
        size_t n = 0, chan_at = 2, death_at = 2;
        /* With a death descriptor the channel needs no watching: a child
         * never blocks on it (MP__INLINE_RESULT_MAX), so one wake-up, at
         * its end, is enough. */
        if (!proc->chan_eof && death < 0)
            chan_at = n, fds[n++] = (struct pollfd){.fd = proc->chan, .events = POLLIN};
        if (death >= 0)
            death_at = n, fds[n++] = (struct pollfd){.fd = death, .events = POLLIN};
        int rc = 0;
        if (n == 0) { /* our own child, no pidfd, and its channel is closed */
            reap_own(proc);
            break;
        }
        int r = mp__posix_poll(fds, n, deadline);
        if (r < 0)
            return r;
        if (r == 0)
            return MP_ETIMEDOUT;
        if (chan_at < n && fds[chan_at].revents)
            rc = mp__posix_channel_collect(proc, received, true);
        if (rc == 0 && death_at < n && fds[death_at].revents && (rc = reap(proc, deadline)) == 0)
            rc = mp__posix_channel_collect(proc, received, false);
        if (rc < 0)
            return rc;
    }
    *exitcode = proc->exitcode;
    return 0;
}

int mp__os_proc_signal(mp__os_proc_t *proc, mp__signal_t sig)
{
    if (proc->reaped)
        return 0;
    int signo = sig == MP__SIG_KILL ? SIGKILL : sig == MP__SIG_INT ? SIGINT : SIGTERM;
#if defined(__linux__) && defined(SYS_pidfd_send_signal)
    /* Through the pidfd, a signal can never reach a recycled pid, whoever
     * reaps the child (a fork server's child included). */
    if (proc->pidfd >= 0 && syscall(SYS_pidfd_send_signal, proc->pidfd, signo, NULL, 0) == 0)
        return 0;
#endif
    if (kill(proc->pid, signo) < 0 && errno != ESRCH)
        return mp__posix_syserr("kill");
    return 0;
}

mp_pid_t mp__os_proc_pid(const mp__os_proc_t *proc)
{
    return proc->pid;
}

mp_sentinel_t mp__os_proc_sentinel(const mp__os_proc_t *proc)
{
    return death_fd(proc) >= 0 ? death_fd(proc) : proc->chan;
}

void mp__os_proc_free(mp__os_proc_t *proc)
{
    if (!proc)
        return;
    mp__posix_close(proc->chan);
    mp__posix_close(proc->pidfd);
    mp__posix_close(proc->status);
    free(proc);
}

int mp__os_wait_handles(const mp_sentinel_t *handles, size_t n, double timeout,
                        unsigned char *ready)
{
    for (size_t i = 0; i < n; i++)
        if (handles[i] < 0 || handles[i] > INT_MAX)
            return mp__errdetail_set(MP_ESYS, "mp_wait: %lld is not a descriptor",
                                     (long long)handles[i]);
    double deadline = mp__deadline(true, timeout);
    if (n == 0) {
        /* Python's wait([], t) sleeps for t. */
        if (timeout > 0 && !isinf(deadline))
            mp__os_sleep(timeout);
        return 0;
    }
    struct pollfd stack[16], *fds = n <= 16 ? stack : calloc(n, sizeof *fds);
    if (!fds)
        return MP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        fds[i] = (struct pollfd){.fd = (int)handles[i], .events = POLLIN};
    int r = mp__posix_poll(fds, n, deadline), count = 0;
    for (size_t i = 0; r >= 0 && i < n; i++) {
        if (fds[i].revents & POLLNVAL)
            r = mp__errdetail_set(MP_ESYS, "mp_wait: handle %d is not open", fds[i].fd);
        bool is_ready = fds[i].revents != 0;
        count += is_ready;
        if (ready)
            ready[i] = is_ready;
    }
    if (fds != stack)
        free(fds);
    return r < 0 ? r : count;
}
