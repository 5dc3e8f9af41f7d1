/* One end of a pipe on POSIX: a Unix stream socket of a socketpair.
 *
 * A one-way pipe is the same pair with the unused directions shut down, not
 * a pipe(2): a socket write can refuse SIGPIPE (MSG_NOSIGNAL) when the
 * reader is gone, where a pipe write would kill a program that did not
 * ignore the signal, and the reader still sees end-of-file when the writer
 * closes. The core frames messages; this file moves bytes.
 *
 * Reading ahead (Linux): the core asks for a message's 8-byte header, then
 * for its body. A small ask is served by one recv() of up to READ_AHEAD
 * bytes into the end's own buffer, so a small message's header and body
 * cost one system call, not two; whatever came beyond the ask waits in the
 * buffer for the next read. Bytes in the buffer are invisible to poll() on
 * the socket, so the sentinel is not the socket: it is an epoll instance
 * (made at the first ask) that holds the socket and a descriptor that is
 * always ready, the latter watched while the buffer holds bytes at the end
 * of a receive (mp__os_conn_settle(): the header's read fills the buffer
 * and the body's empties it, and only what is left counts). An
 * end whose descriptor goes back to its caller after a login (the fork
 * server's, whose next message carries descriptors that a plain recv()
 * would discard) reads exactly (mp__posix_conn_wrap_exact()). Elsewhere
 * reads are exact and the sentinel is the socket. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifdef __linux__
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#endif

#include "posix_internal.h"

#ifdef __linux__
/** Bytes one read-ahead takes: a coalesced send (the core's header and up
 *  to 4 KiB of body) and more, so a run of small messages arrives in one
 *  recv(). Asks of this size or more are read straight into the caller's
 *  memory. */
enum { READ_AHEAD = 16 * 1024 };
#else
enum { READ_AHEAD = 0 }; /* no epoll for the sentinel: exact reads */
#endif

struct mp__os_conn {
    int fd;
    bool exact;           /**< never read ahead (the descriptor goes back) */
    int sentinel;         /**< the epoll instance; -1 until asked for */
    unsigned char *ahead; /**< READ_AHEAD bytes, made at the first small read */
    size_t start, end;    /**< the unread bytes of `ahead` */
    bool shown;           /**< the sentinel watches the buffer (settled) */
};

int mp__posix_conn_wrap(int fd, mp__os_conn_t **out)
{
    mp__os_conn_t *conn = calloc(1, sizeof *conn);
    if (!conn)
        return mp__errdetail_set(MP_ENOMEM, "out of memory for a connection");
    conn->fd = fd;
    conn->sentinel = -1;
    *out = conn;
    return 0;
}

int mp__posix_conn_wrap_exact(int fd, mp__os_conn_t **out)
{
    int rc = mp__posix_conn_wrap(fd, out);
    if (rc == 0)
        (*out)->exact = true;
    return rc;
}

/* Close what the end holds besides its descriptor. */
static void drop_extras(mp__os_conn_t *conn)
{
    if (conn->sentinel >= 0)
        mp__posix_close(conn->sentinel);
    free(conn->ahead);
    free(conn);
}

void mp__posix_conn_unwrap(mp__os_conn_t *conn)
{
    drop_extras(conn);
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
    /* Every descriptor can be passed on, but bytes this process read ahead
     * would not go with it: the child would miss them. */
    if (conn->end > conn->start)
        return mp__errdetail_set(MP_ESTATE,
                                 "%zu bytes of messages were already read from this end in this "
                                 "process: receive them before giving the end to a child",
                                 conn->end - conn->start);
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

#ifdef __linux__
/* The descriptor the sentinel watches while the buffer holds bytes: an
 * eventfd whose count is never taken, so it is ready for ever. One per
 * process, shared by every end (a forked child keeps it). */
static int always_ready = -1;
static pthread_once_t always_ready_once = PTHREAD_ONCE_INIT;

static void make_always_ready(void)
{
    always_ready = eventfd(1, EFD_CLOEXEC);
}

/* Make the sentinel watch the buffer while it holds bytes, and not
 * otherwise. Only a change costs a system call, and a change of an
 * existing entry allocates nothing, so it cannot fail for want of memory
 * (the entry went in with the sentinel). */
void mp__os_conn_settle(mp__os_conn_t *conn)
{
    bool held = conn->end > conn->start;
    if (conn->sentinel < 0 || held == conn->shown)
        return;
    struct epoll_event ev = {.events = held ? EPOLLIN : 0};
    if (epoll_ctl(conn->sentinel, EPOLL_CTL_MOD, always_ready, &ev) == 0)
        conn->shown = held;
}

int mp__os_conn_sentinel(mp__os_conn_t *conn, mp_sentinel_t *out)
{
    if (conn->sentinel < 0) {
        pthread_once(&always_ready_once, make_always_ready);
        if (always_ready < 0)
            return mp__posix_syserr("eventfd");
        int ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0)
            return mp__posix_syserr("epoll_create1");
        /* Readable for data and for end-of-file alike (EPOLLHUP is always
         * reported); the buffer's entry starts as the buffer is. */
        struct epoll_event sock = {.events = EPOLLIN}, buffer = {.events = 0};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, conn->fd, &sock) < 0 ||
            epoll_ctl(ep, EPOLL_CTL_ADD, always_ready, &buffer) < 0) {
            int rc = mp__posix_syserr("epoll_ctl");
            mp__posix_close(ep);
            return rc;
        }
        conn->sentinel = ep;
        conn->shown = false;
    }
    mp__os_conn_settle(conn); /* a reader that did not settle, too */
    *out = conn->sentinel;
    return 0;
}
#else
int mp__os_conn_sentinel(mp__os_conn_t *conn, mp_sentinel_t *out)
{
    /* The socket itself: poll() reports it readable for data and for
     * end-of-file alike (nothing is ever read ahead here). */
    *out = conn->fd;
    return 0;
}

void mp__os_conn_settle(mp__os_conn_t *conn)
{
    (void)conn; /* nothing is ever read ahead */
}
#endif

/* Hand over up to `size` bytes the end read ahead. */
static size_t take_ahead(mp__os_conn_t *conn, void *buf, size_t size)
{
    size_t n = conn->end - conn->start < size ? conn->end - conn->start : size;
    memcpy(buf, conn->ahead + conn->start, n);
    conn->start += n;
    if (conn->start == conn->end)
        conn->start = conn->end = 0; /* the sentinel: mp__os_conn_settle() */
    return n;
}

/* Read into the end's buffer rather than the caller's `size` bytes? Only
 * for a small ask, on an end that may read ahead and has the memory (none
 * is not an error: the read is then exact). */
static bool reads_ahead(mp__os_conn_t *conn, size_t size)
{
    if (conn->exact || size >= READ_AHEAD)
        return false;
    if (!conn->ahead)
        conn->ahead = malloc(READ_AHEAD);
    return conn->ahead != NULL;
}

int mp__os_conn_read(mp__os_conn_t *conn, void *buf, size_t size, size_t *got, double deadline)
{
    *got = 0;
    if (conn->end > conn->start) {
        *got = take_ahead(conn, buf, size); /* no system call */
        return 0;
    }
    bool ahead = reads_ahead(conn, size);
    void *into = ahead ? conn->ahead : buf;
    size_t room = ahead ? (size_t)READ_AHEAD : size;
    /* With no deadline the read itself waits: one system call where a try
     * and a poll() would make three (a ping-pong's wake-up goes straight to
     * the reader). The descriptor is blocking; only a timed read polls. */
    int flags = isinf(deadline) ? 0 : MSG_DONTWAIT;
    for (;;) {
        /* Try first: data that is already there costs no poll(). */
        ssize_t r = recv(conn->fd, into, room, flags);
        if (r > 0 && ahead) {
            conn->end = (size_t)r;
            *got = take_ahead(conn, buf, size); /* the rest waits here */
            return 0;
        }
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

void mp__os_conn_free(mp__os_conn_t *conn)
{
    if (!conn)
        return;
    mp__posix_close(conn->fd);
    drop_extras(conn);
}
