/* One end of a pipe on POSIX: a Unix stream socket of a socketpair.
 *
 * A one-way pipe is the same pair with the unused directions shut down, not
 * a pipe(2): a socket write can refuse SIGPIPE (MSG_NOSIGNAL) when the
 * reader is gone, where a pipe write would kill a program that did not
 * ignore the signal, and the reader still sees end-of-file when the writer
 * closes. The core frames messages; this file moves bytes. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "posix_internal.h"

struct mp__os_conn {
    int fd;
};

int mp__posix_conn_wrap(int fd, mp__os_conn_t **out)
{
    mp__os_conn_t *conn = malloc(sizeof *conn);
    if (!conn)
        return mp__errdetail_set(MP_ENOMEM, "out of memory for a connection");
    conn->fd = fd;
    *out = conn;
    return 0;
}

void mp__posix_conn_unwrap(mp__os_conn_t *conn)
{
    free(conn);
}

int mp__os_conn_pair(bool duplex, mp__os_conn_t **a, mp__os_conn_t **b)
{
    int fds[2];
    int rc = mp__posix_socketpair(fds);
    if (rc < 0)
        return rc;
    if (!duplex && (shutdown(fds[0], SHUT_WR) < 0 || shutdown(fds[1], SHUT_RD) < 0))
        rc = mp__posix_syserr("shutdown");
    if (rc == 0 && (rc = mp__posix_conn_wrap(fds[0], a)) == 0 &&
        (rc = mp__posix_conn_wrap(fds[1], b)) < 0)
        free(*a);
    if (rc < 0) {
        mp__posix_close(fds[0]);
        mp__posix_close(fds[1]);
    }
    return rc;
}

int mp__os_conn_from_handle(mp_sentinel_t handle, mp__os_conn_t **out)
{
    return mp__posix_conn_wrap((int)handle, out);
}

mp_sentinel_t mp__os_conn_handle(const mp__os_conn_t *conn)
{
    return conn->fd;
}

int mp__os_conn_shareable(const mp__os_conn_t *conn)
{
    (void)conn; /* every descriptor can be passed on */
    return 0;
}

/* The deadline passed with `sent` bytes of the message written: nothing
 * to undo when none went; otherwise cut the end (see the contract). */
static int send_timed_out(mp__os_conn_t *conn, size_t sent)
{
    if (sent == 0)
        return mp__errdetail_set(MP_ETIMEDOUT, "the peer did not take the message in time");
    /* SHUT_WR, not close(): a copy of the end in another process must not
     * write after the cut either, and this end may still be read. */
    shutdown(conn->fd, SHUT_WR);
    return mp__errdetail_set(MP_ETIMEDOUT,
                             "the peer did not take the message in time, after %zu of its bytes "
                             "were sent: the end is closed (the peer reads end-of-file)",
                             sent);
}

/* A signal handler ran and the program asked to hear of it
 * (mp_set_interruptible()): a send cut part-way is cut as a timeout cuts
 * it, since nothing may follow half a message. */
static int send_interrupted(mp__os_conn_t *conn, size_t sent)
{
    if (sent > 0)
        shutdown(conn->fd, SHUT_WR);
    return mp__errdetail_set(MP_EINTR, "a signal interrupted the send after %zu bytes", sent);
}

int mp__os_conn_send(mp__os_conn_t *conn, const mp__os_piece_t *pieces, size_t npieces,
                     double deadline, size_t *sent)
{
    struct iovec iov[MP__OS_PIECES_MAX];
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 0};
    for (size_t i = 0; i < npieces && i < MP__OS_PIECES_MAX; i++)
        iov[msg.msg_iovlen++] = (struct iovec){(void *)(uintptr_t)pieces[i].data, pieces[i].len};
    /* As a read: with no deadline the send itself waits (one system call
     * for a header and its body); a timed one polls between tries. */
    int flags = MSG_NOSIGNAL | (isinf(deadline) ? 0 : MSG_DONTWAIT);
    *sent = 0;
    while (msg.msg_iovlen > 0) {
        ssize_t w = sendmsg(conn->fd, &msg, flags);
        if (w < 0 && errno == EINTR) {
            if (mp__interruptible())
                return send_interrupted(conn, *sent);
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = conn->fd, .events = POLLOUT};
            int ready = mp__posix_poll(&p, 1, deadline);
            if (ready == MP_EINTR)
                return send_interrupted(conn, *sent);
            if (ready < 0)
                return ready;
            if (ready == 0)
                return send_timed_out(conn, *sent);
            continue; /* writable, or an error the next send reports */
        }
        if (w < 0)
            return errno == EPIPE || errno == ECONNRESET
                       ? mp__errdetail_set(MP_EEOF, "the peer closed the connection")
                       : mp__posix_syserr("sendmsg");
        *sent += (size_t)w;
        /* Skip what went: whole pieces, then the start of the next one. */
        size_t done = (size_t)w;
        while (msg.msg_iovlen > 0 && done >= msg.msg_iov->iov_len) {
            done -= msg.msg_iov->iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen > 0) {
            msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + done;
            msg.msg_iov->iov_len -= done;
        }
    }
    return 0;
}

int mp__os_conn_read(mp__os_conn_t *conn, void *buf, size_t size, size_t *got, double deadline)
{
    *got = 0;
    /* With no deadline the read itself waits: one system call where a try
     * and a poll() would make three (a ping-pong's wake-up goes straight to
     * the reader). The descriptor is blocking; only a timed read polls. */
    int flags = isinf(deadline) ? 0 : MSG_DONTWAIT;
    for (;;) {
        /* Try first: data that is already there costs no poll(). */
        ssize_t r = recv(conn->fd, buf, size, flags);
        if (r >= 0) {
            *got = (size_t)r; /* 0: end-of-file */
            return 0;
        }
        if (errno == ECONNRESET)
            return 0; /* the peer went away with unread data: end-of-file too */
        if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            return mp__posix_syserr("recv");
        /* A blocking read cut by a signal handler: resume, unless the
         * program asked to hear of it (mp_set_interruptible()). */
        if (errno == EINTR && mp__interruptible())
            return mp__errdetail_set(MP_EINTR, "a signal interrupted the receive");
        if (errno != EINTR) {
            struct pollfd p = {.fd = conn->fd, .events = POLLIN};
            int ready = mp__posix_poll(&p, 1, deadline);
            if (ready < 0)
                return ready;
            if (ready == 0)
                return mp__errdetail_set(MP_ETIMEDOUT, "no message arrived in time");
        }
    }
}

int mp__os_conn_sentinel(mp__os_conn_t *conn, mp_sentinel_t *out)
{
    /* The socket itself: poll() reports it readable for data and for
     * end-of-file alike. */
    *out = conn->fd;
    return 0;
}

void mp__os_conn_free(mp__os_conn_t *conn)
{
    if (!conn)
        return;
    mp__posix_close(conn->fd);
    free(conn);
}
