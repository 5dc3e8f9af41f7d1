/* Listeners and clients on POSIX: TCP (IPv4) and Unix stream sockets.
 *
 * The listening socket is non-blocking, so that accept() waits in poll()
 * with the caller's deadline rather than in the kernel for ever; accepted
 * and connected sockets are made blocking again, because conn.c writes with
 * blocking send() (its reads poll on their own). Every descriptor is
 * close-on-exec, and no socket raises SIGPIPE (conn.c sends with
 * MSG_NOSIGNAL; where that flag is missing, SO_NOSIGPIPE is set here). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "posix_internal.h"

/* sun_path's size: 108 on Linux, 104 on macOS. */
#define SUN_PATH_SIZE sizeof(((struct sockaddr_un *)0)->sun_path)

/* How long a client sleeps before knocking again at a Unix listener whose
 * backlog is full (Linux refuses a non-blocking connect with EAGAIN then). */
#define BACKLOG_RETRY_SECONDS 0.01

struct mp__os_listener {
    int fd;
    bool tcp;
    /* The process that bound the address: only it removes the files, so a
     * fork child that frees its copy does not take the parent's socket
     * away. */
    pid_t owner;
    /* The socket file this listener made ("" for TCP and the abstract
     * namespace), with its identity: a file that replaced ours at that path
     * (ours unlinked by someone, another server bound there) is not ours to
     * remove. */
    char path[SUN_PATH_SIZE];
    dev_t dev;
    ino_t ino;
    /* The private directory this listener made around its socket, "" when
     * the caller named the path. */
    char dir[SUN_PATH_SIZE];
};

mp__family_t mp__os_default_family(void)
{
    return MP__FAMILY_UNIX;
}

/* ---- sockets ------------------------------------------------------------ */

static int set_nonblocking(int fd, bool on)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) < 0)
        return mp__posix_syserr("fcntl(O_NONBLOCK)");
    return 0;
}

/* What a socket of ours needs whichever call made it: close-on-exec (where
 * the call could not set it atomically) and no SIGPIPE. */
static int prepare_socket(int fd, bool cloexec)
{
    if (cloexec && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return mp__posix_syserr("fcntl(FD_CLOEXEC)");
#ifdef SO_NOSIGPIPE
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) < 0)
        return mp__posix_syserr("setsockopt(SO_NOSIGPIPE)");
#endif
    return 0;
}

static int new_socket(int domain, int *out)
{
#ifdef SOCK_CLOEXEC
    int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool cloexec = false;
#else
    /* macOS: no SOCK_CLOEXEC. The library does not fork between these
     * calls, and spawn children start with every other fd closed. */
    int fd = socket(domain, SOCK_STREAM, 0);
    bool cloexec = true;
#endif
    if (fd < 0)
        return mp__posix_syserr("socket");
    int rc = prepare_socket(fd, cloexec);
    if (rc < 0) {
        mp__posix_close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

/* Messages are framed by the core and each one goes out in as few writes as
 * it can, so Nagle's algorithm only adds delay: a large message's header and
 * body are two writes, and the body's last segment could wait for the
 * peer's delayed acknowledgement. Python leaves Nagle on; nothing depends
 * on it, so failure is ignored. */
static void tcp_nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ---- addresses ---------------------------------------------------------- */

typedef struct address {
    struct sockaddr_storage ss;
    socklen_t len;
    bool abstract; /* a Unix name with no file behind it */
} address_t;

/* "HOST:PORT" (split at the last colon), IPv4. An empty HOST is every
 * interface for a listener and this machine for a client, as Python's ''.
 * A name is resolved by getaddrinfo(), which does not take a deadline. */
static int tcp_address(const char *where, bool passive, address_t *out)
{
    memset(out, 0, sizeof *out);
    char host[MP__HOST_MAX + 1];
    unsigned port;
    int rc = mp__split_host_port(where, host, &port);
    if (rc < 0)
        return rc;
    size_t hostlen = strlen(host);

    struct sockaddr_in sin = {.sin_family = AF_INET};
    if (hostlen == 0) {
        sin.sin_addr.s_addr = htonl(passive ? INADDR_ANY : INADDR_LOOPBACK);
    } else {
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        int gai = getaddrinfo(host, NULL, &hints, &res);
        if (gai == EAI_SYSTEM)
            return mp__posix_syserr("getaddrinfo");
        if (gai == EAI_MEMORY)
            return mp__errdetail_set(MP_ENOMEM, "getaddrinfo: out of memory");
        if (gai != 0 || !res)
            return mp__errdetail_set(MP_EINVAL, "tcp address '%s': host '%s': %s", where, host,
                                     gai ? gai_strerror(gai) : "no address");
        /* The first IPv4 address, as Python's bind() and connect() take. */
        memcpy(&sin.sin_addr, &((struct sockaddr_in *)res->ai_addr)->sin_addr, sizeof sin.sin_addr);
        freeaddrinfo(res);
    }
    sin.sin_port = htons((uint16_t)port);
    memcpy(&out->ss, &sin, sizeof sin);
    out->len = sizeof sin;
    return 0;
}

/* A path, or on Linux "@NAME" in the abstract namespace (sun_path[0] = 0,
 * then the name's bytes with no NUL: the length says where it ends). */
static int unix_address(const char *where, address_t *out)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    size_t n = strlen(where);
    if (n == 0)
        return mp__errdetail_set(MP_EINVAL, "unix address: empty path");
    if (where[0] == '@') {
#ifdef __linux__
        if (n == 1)
            return mp__errdetail_set(MP_EINVAL, "unix address '@': empty abstract name");
        if (n > SUN_PATH_SIZE)
            return mp__errdetail_set(MP_EINVAL, "unix address '%s': name longer than %zu bytes",
                                     where, SUN_PATH_SIZE - 1);
        memcpy(sun.sun_path + 1, where + 1, n - 1);
        out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
        out->abstract = true;
#else
        return mp__errdetail_set(
            MP_EINVAL, "unix address '%s': the abstract namespace is Linux's only", where);
#endif
    } else {
        /* Room for the NUL too: not every system accepts a full sun_path. */
        if (n >= SUN_PATH_SIZE)
            return mp__errdetail_set(MP_EINVAL, "unix address '%s': path longer than %zu bytes",
                                     where, SUN_PATH_SIZE - 1);
        memcpy(sun.sun_path, where, n + 1);
        out->len = (socklen_t)sizeof sun;
    }
    memcpy(&out->ss, &sun, sizeof sun);
    return 0;
}

static int pipe_family(void)
{
    return mp__errdetail_set(MP_EINVAL, "pipe: addresses are Windows named pipes; "
                                        "use unix: or tcp: on this platform");
}

/* ---- listening ---------------------------------------------------------- */

/* A fresh private directory (0700, so only our user reaches the socket)
 * under $TMPDIR, or /tmp when $TMPDIR is unset or too long for
 * "DIR/mp-listener-<pid>-XXXXXX/listener" to fit in sun_path. Should this
 * process be killed, the tracker removes it (sweep.c). */
static int private_dir(char *dir, size_t size)
{
    char tail[64], base[SUN_PATH_SIZE];
    snprintf(tail, sizeof tail, "/mp-listener-%d-XXXXXX/listener", (int)getpid());
    const char *tmp = getenv("TMPDIR");
    size_t n = tmp ? strlen(tmp) : 0;
    while (n > 1 && tmp[n - 1] == '/')
        n--;
    if (n == 0 || n + strlen(tail) + 1 > size) {
        tmp = "/tmp";
        n = 4;
    }
    snprintf(base, sizeof base, "%.*s", (int)n, tmp);
    return mp__posix_make_private_dir(dir, size, base, "mp-listener-");
}

/* bind() and listen(); EADDRINUSE (a live listener's port, or any file at a
 * Unix path, which bind() never replaces: Python does not unlink it either)
 * is MP_EEXIST. */
static int bind_and_listen(int fd, const address_t *addr, const char *shown, int backlog)
{
    const char *step = "bind";
    int r = bind(fd, (const struct sockaddr *)&addr->ss, addr->len);
    /* Only our user may connect to a socket file, whatever the umask made
     * of it (0755 under the usual 022): a key is not the only gate. Before
     * listen(), so that no one connects through the wider mode meanwhile. */
    if (r == 0 && addr->ss.ss_family == AF_UNIX && !addr->abstract) {
        step = "chmod";
        r = chmod(((const struct sockaddr_un *)&addr->ss)->sun_path, 0600);
    }
    if (r == 0) {
        step = "listen";
        r = listen(fd, backlog);
    }
    if (r == 0)
        return 0;
    if (errno == EADDRINUSE)
        return mp__errdetail_set(MP_EEXIST, "%s: %s", shown,
                                 addr->ss.ss_family == AF_UNIX && shown[0] != '@'
                                     ? "a file already exists at that path"
                                     : "address already in use");
    char what[320];
    snprintf(what, sizeof what, "%s %s", step, shown);
    return mp__posix_syserr(what);
}

/* The address a TCP listener got, numerically: "A.B.C.D:PORT". */
static int tcp_bound(int fd, char *bound, size_t bound_size)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
        return mp__posix_syserr("getsockname");
    char ip[INET_ADDRSTRLEN];
    if (!inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip))
        return mp__posix_syserr("inet_ntop");
    int n = snprintf(bound, bound_size, "%s:%u", ip, (unsigned)ntohs(sin.sin_port));
    if (n < 0 || (size_t)n >= bound_size)
        return mp__errdetail_set(MP_EINVAL, "the bound address does not fit %zu bytes", bound_size);
    return 0;
}

static int listen_tcp(mp__os_listener_t *l, const char *where, int backlog, char *bound,
                      size_t bound_size)
{
    address_t addr;
    int rc = tcp_address(where ? where : "127.0.0.1:0", true, &addr);
    if (rc == 0)
        rc = new_socket(AF_INET, &l->fd);
    if (rc < 0)
        return rc;
    /* As Python does: a restarted server can bind its port again while
     * connections of its predecessor linger in TIME_WAIT. It does not let
     * a second listener onto the same address and port while the first
     * lives (bind fails with EADDRINUSE; sharing a port is SO_REUSEPORT's
     * job, which is not set). On Linux, not even 0.0.0.0 beside 127.0.0.1. */
    int one = 1;
    if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        return mp__posix_syserr("setsockopt(SO_REUSEADDR)");
    rc = bind_and_listen(l->fd, &addr, where ? where : "127.0.0.1:0", backlog);
    return rc < 0 ? rc : tcp_bound(l->fd, bound, bound_size);
}

static int listen_unix(mp__os_listener_t *l, const char *where, int backlog, char *bound,
                       size_t bound_size)
{
    char made[SUN_PATH_SIZE + sizeof "/listener"]; /* fits: private_dir() made sure */
    int rc = 0;
    if (!where) {
        rc = private_dir(l->dir, sizeof l->dir);
        if (rc < 0)
            return rc;
        snprintf(made, sizeof made, "%s/listener", l->dir);
        where = made;
    }
    if (strlen(where) >= bound_size)
        return mp__errdetail_set(MP_EINVAL, "unix address '%s' does not fit %zu bytes", where,
                                 bound_size);
    address_t addr;
    if ((rc = unix_address(where, &addr)) < 0 || (rc = new_socket(AF_UNIX, &l->fd)) < 0 ||
        (rc = bind_and_listen(l->fd, &addr, where, backlog)) < 0)
        return rc;
    if (!addr.abstract) {
        struct stat st;
        if (stat(where, &st) < 0) {
            rc = mp__posix_syserr("stat of the new socket");
            unlink(where); /* bind() made it a moment ago */
            return rc;
        }
        /* Ours from here on: mp__os_listener_free() removes it. */
        memcpy(l->path, where, strlen(where) + 1); /* fits: unix_address() checked */
        l->dev = st.st_dev;
        l->ino = st.st_ino;
    }
    snprintf(bound, bound_size, "%s", where);
    return 0;
}

int mp__os_listen(mp__family_t family, const char *where, int backlog, char *bound,
                  size_t bound_size, mp__os_listener_t **out)
{
    if (family != MP__FAMILY_TCP && family != MP__FAMILY_UNIX)
        return family == MP__FAMILY_PIPE
                   ? pipe_family()
                   : mp__errdetail_set(MP_EINVAL, "unknown address family %d", (int)family);
    mp__os_listener_t *l = calloc(1, sizeof *l);
    if (!l)
        return mp__errdetail_set(MP_ENOMEM, "out of memory for a listener");
    l->fd = -1;
    l->owner = getpid();
    l->tcp = family == MP__FAMILY_TCP;
    int rc = family == MP__FAMILY_TCP ? listen_tcp(l, where, backlog, bound, bound_size)
                                      : listen_unix(l, where, backlog, bound, bound_size);
    if (rc == 0)
        rc = set_nonblocking(l->fd, true);
    if (rc < 0) {
        mp__os_listener_free(l); /* removes what listen_unix() made */
        return rc;
    }
    *out = l;
    return 0;
}

/* ---- accepting ---------------------------------------------------------- */

/* accept() errors that concern only the one client that went away between
 * connecting and being accepted (Linux reports a new connection's pending
 * network errors from accept()): the next client is still to be had. */
static bool transient_accept_error(int err)
{
    switch (err) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
#ifdef ENONET
    case ENONET:
#endif
        return true;
    default: return false;
    }
}

static int accept_one(int lfd, int *out)
{
#ifdef __linux__
    /* A socket accepted on Linux does not inherit the listener's
     * O_NONBLOCK, so it is blocking already. */
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    bool cloexec = false;
#else
    /* The BSDs and macOS: no accept4() on macOS, and an accepted socket
     * inherits O_NONBLOCK from the listener; clear it. */
    int fd = accept(lfd, NULL, NULL);
    bool cloexec = true;
#endif
    if (fd < 0)
        return -1;
    int rc = prepare_socket(fd, cloexec);
#ifndef __linux__
    if (rc == 0)
        rc = set_nonblocking(fd, false);
#endif
    if (rc < 0) {
        mp__posix_close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

int mp__os_accept(mp__os_listener_t *listener, double deadline, mp__os_conn_t **out)
{
    for (;;) {
        int fd = -1;
        int rc = accept_one(listener->fd, &fd);
        if (rc == 0) {
            if (listener->tcp)
                tcp_nodelay(fd);
            if ((rc = mp__posix_conn_wrap(fd, out)) < 0)
                mp__posix_close(fd);
            return rc;
        }
        if (rc != -1)
            return rc;
        if (transient_accept_error(errno))
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return mp__posix_syserr("accept");
        /* Nothing pending: wait. Another process sharing the listener may
         * take the client first, and accept() says EAGAIN again. */
        struct pollfd p = {.fd = listener->fd, .events = POLLIN};
        int ready = mp__posix_poll(&p, 1, deadline);
        if (ready < 0)
            return ready;
        if (ready == 0)
            return mp__errdetail_set(MP_ETIMEDOUT, "no client connected in time");
    }
}

int mp__os_listener_sentinel(mp__os_listener_t *listener, mp_sentinel_t *out)
{
    /* The listening socket: poll() reports it readable while a connection
     * waits in its backlog. */
    *out = listener->fd;
    return 0;
}

/* ---- connecting --------------------------------------------------------- */

/* Nothing listens there: refused, or no socket file at the path. */
static int connect_error(int err, const char *where)
{
    if (err == ECONNREFUSED || err == ENOENT)
        return mp__errdetail_set(MP_ENOENT, "connect %s: %s", where, strerror(err));
    if (err == ETIMEDOUT)
        return mp__errdetail_set(MP_ETIMEDOUT, "connect %s: %s", where, strerror(err));
    errno = err;
    char what[320];
    snprintf(what, sizeof what, "connect %s", where);
    return mp__posix_syserr(what);
}

/* A non-blocking connect, so that the deadline holds however long the
 * peer's SYN-ACK takes; returns 0 once connected. */
static int connect_by(int fd, const address_t *addr, const char *where, double deadline)
{
    for (;;) {
        if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) == 0)
            return 0;
        int err = errno;
        if (err == EAGAIN && addr->ss.ss_family == AF_UNIX) {
            /* Linux: the listener's backlog is full. Nothing tells us when
             * it drains, so knock again shortly. */
            double left = deadline - mp__os_now();
            if (left <= 0)
                return mp__errdetail_set(MP_ETIMEDOUT,
                                         "connect %s: the listener's backlog stayed full", where);
            mp__os_sleep(left < BACKLOG_RETRY_SECONDS ? left : BACKLOG_RETRY_SECONDS);
            continue;
        }
        /* EINTR: the connection goes on in the background, as EINPROGRESS. */
        if (err != EINPROGRESS && err != EINTR)
            return connect_error(err, where);
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int ready = mp__posix_poll(&p, 1, deadline);
        if (ready < 0)
            return ready;
        if (ready == 0)
            return mp__errdetail_set(MP_ETIMEDOUT, "connect %s: no answer in time", where);
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            return mp__posix_syserr("getsockopt(SO_ERROR)");
        return err == 0 ? 0 : connect_error(err, where);
    }
}

int mp__os_connect(mp__family_t family, const char *where, double deadline, mp__os_conn_t **out)
{
    if (family == MP__FAMILY_PIPE)
        return pipe_family();
    if (family != MP__FAMILY_TCP && family != MP__FAMILY_UNIX)
        return mp__errdetail_set(MP_EINVAL, "unknown address family %d", (int)family);
    if (!where)
        return mp__errdetail_set(MP_EINVAL, "connect: NULL address");
    address_t addr;
    int fd = -1;
    int rc = family == MP__FAMILY_TCP ? tcp_address(where, false, &addr)
                                      : unix_address(where, &addr);
    if (rc == 0)
        rc = new_socket(family == MP__FAMILY_TCP ? AF_INET : AF_UNIX, &fd);
    if (rc == 0)
        rc = set_nonblocking(fd, true);
    if (rc == 0)
        rc = connect_by(fd, &addr, where, deadline);
    /* Blocking again: conn.c's writes rely on it. */
    if (rc == 0)
        rc = set_nonblocking(fd, false);
    if (rc == 0 && family == MP__FAMILY_TCP)
        tcp_nodelay(fd);
    if (rc == 0)
        rc = mp__posix_conn_wrap(fd, out);
    if (rc < 0)
        mp__posix_close(fd);
    return rc;
}

/* ---- closing ------------------------------------------------------------ */

void mp__os_listener_free(mp__os_listener_t *listener)
{
    if (!listener)
        return;
    mp__posix_close(listener->fd);
    if (getpid() == listener->owner) {
        struct stat st;
        if (listener->path[0] && lstat(listener->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
            st.st_dev == listener->dev && st.st_ino == listener->ino)
            unlink(listener->path);
        if (listener->dir[0] && rmdir(listener->dir) == 0) /* fails if someone put files in it */
            mp__posix_untrack_dir(listener->dir);
    }
    free(listener);
}
