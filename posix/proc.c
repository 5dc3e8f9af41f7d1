/* A started child from the parent's side: wait for it while collecting
 * what it reports (channel.c reads it), reap it, signal it, and wait on
 * many at once.
 *
 * The child's end is signalled by its "death" descriptor: a pidfd for our
 * own children on Linux (ready exactly when the process exits, not when its
 * channel closes, which a grandchild could delay), or the fork server's
 * status socket for children the server forked. Without either (macOS),
 * end-of-file on the channel stands in for it. */
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

mp__os_proc_t *mp__posix_proc_new(pid_t pid)
{
    mp__os_proc_t *proc = calloc(1, sizeof *proc);
    if (proc) {
        proc->pid = pid;
        proc->chan = proc->death = -1;
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

/* The child has ended (or is ending): collect its exit status. */
static int reap(mp__os_proc_t *proc)
{
    if (proc->via_server) {
        int32_t code;
        if (mp__posix_read_all(proc->death, &code, sizeof code) == 0) {
            proc->exitcode = code;
        } else {
            /* The server died before it could reap our child. */
            proc->exitcode = 255;
            mp__errdetail_set(MP_ECHILD, "the fork server died; exit code of pid %d is lost",
                              (int)proc->pid);
        }
    } else {
        int status;
        pid_t r;
        while ((r = waitpid(proc->pid, &status, 0)) < 0 && errno == EINTR)
            ;
        proc->exitcode = r == proc->pid ? mp__posix_decode_status(status) : 255;
    }
    proc->reaped = true;
    return 0;
}

int mp__os_proc_wait(mp__os_proc_t *proc, double timeout, mp__buf_t *received, int *exitcode)
{
    double deadline = mp__deadline(true, timeout);
    while (!proc->reaped) {
        struct pollfd fds[2];
        size_t n = 0, chan_at = 2, death_at = 2;
        /* With a death descriptor the channel needs no watching: a child
         * never blocks on it (MP__INLINE_RESULT_MAX), so one wake-up, at
         * its end, is enough. */
        if (!proc->chan_eof && proc->death < 0)
            chan_at = n, fds[n++] = (struct pollfd){.fd = proc->chan, .events = POLLIN};
        if (proc->death >= 0)
            death_at = n, fds[n++] = (struct pollfd){.fd = proc->death, .events = POLLIN};
        if (n == 0) /* no death descriptor and the channel is closed */
            return reap(proc), *exitcode = proc->exitcode, 0;
        int r = mp__posix_poll(fds, n, deadline);
        if (r < 0)
            return r;
        if (r == 0)
            return MP_ETIMEDOUT;
        int rc = 0;
        if (chan_at < n && fds[chan_at].revents)
            rc = mp__posix_channel_collect(proc, received, true);
        if (rc == 0 && death_at < n && fds[death_at].revents) {
            reap(proc);
            rc = mp__posix_channel_collect(proc, received, false);
        }
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
    /* Through the pidfd, a signal can never reach a recycled pid. */
    if (!proc->via_server && proc->death >= 0 &&
        syscall(SYS_pidfd_send_signal, proc->death, signo, NULL, 0) == 0)
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
    return proc->death >= 0 ? proc->death : proc->chan;
}

void mp__os_proc_free(mp__os_proc_t *proc)
{
    if (!proc)
        return;
    mp__posix_close(proc->chan);
    mp__posix_close(proc->death);
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
