/* Descriptor helpers: every descriptor close-on-exec, every loop resumed
 * after EINTR, every write immune to SIGPIPE (sockets by MSG_NOSIGNAL,
 * pipes by blocking the signal around the write). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "posix_internal.h"

int mp__posix_syserr(const char *what)
{
    return mp__errdetail_set(MP_ESYS, "%s: %s", what, strerror(errno));
}

void mp__posix_close(int fd)
{
    if (fd < 0)
        return;
    int saved = errno;
    close(fd);
    errno = saved;
}

void mp__posix_nosigpipe(int fd)
{
#ifdef SO_NOSIGPIPE
    /* Where MSG_NOSIGNAL is missing (macOS), the socket itself says so. */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#else
    (void)fd; /* MSG_NOSIGNAL on every send does it */
#endif
}

int mp__posix_socketpair(int fds[2])
{
#ifdef SOCK_CLOEXEC
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
        return mp__posix_syserr("socketpair");
#else
    /* macOS has no SOCK_CLOEXEC; the library does not fork between these
     * calls, and spawn children start with every other fd closed. */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
        return mp__posix_syserr("socketpair");
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
#endif
    mp__posix_nosigpipe(fds[0]);
    mp__posix_nosigpipe(fds[1]);
    return 0;
}

/* write() to a pipe (or anything but a socket) whose reader is gone,
 * without SIGPIPE: the signal is blocked in this thread for the call, and
 * one it raised is taken off the thread's pending set before unblocking,
 * unless one was pending already (then it was not ours to take). */
static ssize_t write_no_sigpipe(int fd, const void *buf, size_t n)
{
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    ssize_t w = write(fd, buf, n);
    int saved = errno;
    if (w < 0 && errno == EPIPE && !was_pending) {
        struct timespec now = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &now) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return w;
}

int mp__posix_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = write_no_sigpipe(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno == EPIPE || errno == ECONNRESET ? MP_EEOF : mp__posix_syserr("write");
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int mp__posix_read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno == ECONNRESET ? MP_EEOF : mp__posix_syserr("read");
        }
        if (r == 0)
            return MP_EEOF;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int mp__posix_poll(struct pollfd *fds, size_t n, double deadline)
{
    for (;;) {
        int ms = -1;
        if (!isinf(deadline)) {
            double left = deadline - mp__os_now();
            /* Round up so that a wait never ends before its deadline. */
            ms = left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)ceil(left * 1000.0);
        }
        int r = poll(fds, (nfds_t)n, ms);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return mp__posix_syserr("poll");
        /* A handler ran: resume, unless the program asked to hear of it. */
        if (mp__interruptible())
            return mp__errdetail_set(MP_EINTR, "a wait was interrupted by a signal");
    }
}
