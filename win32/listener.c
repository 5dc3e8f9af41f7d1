/* Listeners and clients on Windows (Python's multiprocessing.connection
 * Listener and Client): named pipes, the default family as Python's
 * AF_PIPE, and TCP. Unix sockets are POSIX's here: MP_EINVAL, as Python has
 * no AF_UNIX listener on Windows. Ends are conn.c's: a pipe end in message
 * mode, or a socket end.
 *
 * Pipes (as CPython's PipeListener). A listener keeps one server instance
 * of `\\.\pipe\NAME` waiting for a client, with an overlapped
 * ConnectNamedPipe in flight. accept() waits for that connect until its
 * deadline, makes the next instance, and only then hands the connected
 * one over, so the name has an instance of ours for as long as the
 * listener lives and nobody else can take it between two accepts. The
 * first instance is made with FILE_FLAG_FIRST_PIPE_INSTANCE: a second
 * listener on the name fails (ERROR_ACCESS_DENIED), as does one on a name
 * another program serves: MP_EEXIST. A client that finds the instance
 * taken (ERROR_PIPE_BUSY: a client came and has not been accepted yet)
 * waits with WaitNamedPipeW until an accept makes the next one, within its
 * deadline; the backlog is 1 for pipes, as in Python. A client that
 * connected, wrote and closed before the accept is still accepted, its
 * messages readable, then end-of-file: its connect completed, or a
 * ConnectNamedPipe started after it says ERROR_NO_DATA (CPython treats
 * that as connected too, bpo-14725).
 *
 * Instances reject remote clients (PIPE_REJECT_REMOTE_CLIENTS), as conn.c's
 * pipes do: a `pipe:` address is this machine's (CPython's pipes take
 * remote clients; here TCP is the way across machines). A client opens the
 * pipe with SECURITY_IDENTIFICATION, so a server at a name it did not
 * expect may learn who the client is but cannot act as the client.
 *
 * Windows cancels the I/O a thread started when that thread exits: a
 * ConnectNamedPipe started by an accept (or a listen) on a thread that has
 * ended since completes with ERROR_OPERATION_ABORTED, and the next accept
 * starts it again. The instance keeps listening meanwhile, so a client
 * that connects in between is not lost: the new ConnectNamedPipe says
 * ERROR_PIPE_CONNECTED.
 *
 * TCP. "HOST:PORT", IPv4, split at the last colon; an empty HOST is every
 * interface for a listener and this machine for a client (Python's ''), a
 * name is resolved by getaddrinfo() (first IPv4 address), as posix/
 * does. Sockets are made non-inheritable (WSA_FLAG_NO_HANDLE_INHERIT, and
 * SetHandleInformation() on an accepted one, as CPython does). The
 * listening socket has SO_EXCLUSIVEADDRUSE: without it Windows lets a
 * second socket that sets SO_REUSEADDR bind the same port and take its
 * clients; with it a second bind fails (WSAEADDRINUSE or WSAEACCES:
 * MP_EEXIST). accept() and connect() take deadlines through
 * WSAEventSelect() (FD_ACCEPT on the listener, FD_CONNECT on a client),
 * which makes the socket non-blocking: accept() never blocks and the event
 * is waited on until the deadline. An accepted socket inherits the
 * listener's selection and non-blocking mode, and a connected one keeps
 * its own: both are undone before the socket becomes an end (conn.c's
 * overlapped I/O does not need either). A refused connection is MP_ENOENT.
 * Windows retries a connection refused by this machine for about 2 s
 * before it reports it (SYN retransmissions after the reset), so a client
 * with a shorter timeout sees MP_ETIMEDOUT there; Linux, and so wine,
 * refuse at once. Nagle's algorithm is off on ends, as on POSIX
 * (posix/listener.c says why). Winsock is started once per process and
 * never cleaned up: sockets may live in ends until the process exits.
 *
 * Accepts of one listener from several threads take turns (a mutex, each
 * waiting for it within its own deadline): a pipe listener's pending
 * instance is state that two accepts must not share.
 *
 * Under wine (8.0, Debian 12), checked by ci/windows/smoke/test_listener.c:
 * FILE_FLAG_FIRST_PIPE_INSTANCE is ignored (the first instance of a name
 * served already joins that pipe), so pipe_instance() also counts the
 * pipe's instances and refuses a first one that is not alone. The rest is
 * as on Windows: ERROR_PIPE_BUSY and WaitNamedPipeW, ERROR_NO_DATA after a
 * client that wrote and closed, ERROR_PIPE_CONNECTED after one that
 * stays, the connect of an ended thread cancelled (ERROR_OPERATION_ABORTED),
 * FD_ACCEPT and FD_CONNECT, a second bind of a port refused (Linux, under
 * wine's sockets, refuses it anyway). A refused connect fails at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Before windows.h (through win32_internal.h): a windows.h included first
 * without WIN32_LEAN_AND_MEAN brings the old winsock.h, which clashes. */
#include <winsock2.h>
#include <ws2tcpip.h>

#include <multiproc/listener.h> /* MP_ADDRESS_MAX */

#include "win32_internal.h"

/* The longest pipe path Windows takes ("up to 256 characters"). */
enum { PIPE_PATH_MAX = 256 };

struct mp__os_listener {
    mp__family_t family;
    HANDLE turn; /**< mutex: one accept at a time */
    /* MP__FAMILY_PIPE */
    char name[MP_ADDRESS_MAX + 1]; /**< as the caller gave it, for messages */
    wchar_t *path;                 /**< `\\.\pipe\NAME` */
    HANDLE pending;                /**< the instance the next client connects to */
    OVERLAPPED ov;                 /**< its ConnectNamedPipe; ov.hEvent is ours */
    bool connecting;               /**< the connect is in flight: the kernel owns `ov` */
    bool connected;                /**< a client is there, not accepted yet */
    /* MP__FAMILY_TCP */
    SOCKET sock;
    WSAEVENT accept_event; /**< set while a client may be waiting (FD_ACCEPT) */
};

mp__family_t mp__os_default_family(void)
{
    return MP__FAMILY_PIPE;
}

static int unix_family(void)
{
    return mp__errdetail_set(MP_EINVAL, "unix: addresses are POSIX's (Python has no AF_UNIX "
                                        "listener on Windows): use pipe: or tcp:");
}

/* Wait for `h` until `deadline` (waits are capped below INFINITE: wait
 * again for the rest). */
static DWORD wait_until(HANDLE h, double deadline)
{
    DWORD w, ms = mp__win_ms_until(deadline);
    while ((w = WaitForSingleObject(h, ms)) == WAIT_TIMEOUT &&
           (ms = mp__win_ms_until(deadline)) > 0)
        ;
    return w;
}

/* `code` with the system's text for `err` (mp__win_syserr_code() words it,
 * then the detail is recorded again under `code`). */
static int error_as(int code, const char *what, DWORD err)
{
    char text[512];
    mp__win_syserr_code(what, err);
    snprintf(text, sizeof text, "%s", mp_errdetail());
    return mp__errdetail_set(code, "%s", text);
}

/* Winsock's last error as MP_ESYS. */
static int wsa_syserr(const char *what)
{
    return mp__win_syserr_code(what, (DWORD)WSAGetLastError());
}

/* ---- named pipes ---------------------------------------------------------- */

/* The path of pipe `name`. A name given with the `\\.\pipe\` prefix
 * (Python's own form) is taken as it is. */
static int pipe_path(const char *name, wchar_t **out)
{
    static const char prefix[] = "\\\\.\\pipe\\";
    const char *bare = _strnicmp(name, prefix, sizeof prefix - 1) == 0 ? name + sizeof prefix - 1
                                                                       : name;
    if (!*bare)
        return mp__errdetail_set(MP_EINVAL, "pipe address '%s': empty name", name);
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bare, -1, NULL, 0) <= 0)
        return mp__errdetail_set(MP_EINVAL, "pipe address: the name is not UTF-8");
    wchar_t *path = mp__win_pipe_path(bare);
    if (!path)
        return mp__errdetail_set(MP_ENOMEM, "out of memory for a pipe name");
    if (wcslen(path) > PIPE_PATH_MAX) {
        free(path);
        return mp__errdetail_set(MP_EINVAL,
                                 "pipe address '%s': longer than %d characters with "
                                 "its \\\\.\\pipe\\ prefix",
                                 name, PIPE_PATH_MAX);
    }
    *out = path;
    return 0;
}

/* A name Windows refuses as a pipe name. */
static bool bad_name(DWORD err)
{
    return err == ERROR_INVALID_NAME || err == ERROR_BAD_PATHNAME ||
           err == ERROR_FILENAME_EXCED_RANGE;
}

/* A new server instance of the listener's pipe; `first`: the listener's
 * first, which fails if anyone serves the name already. */
static int pipe_instance(const mp__os_listener_t *l, bool first, HANDLE *out)
{
    HANDLE h = CreateNamedPipeW(
        l->path,
        PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
        PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
        PIPE_UNLIMITED_INSTANCES, MP__WIN_PIPE_BUFFER, MP__WIN_PIPE_BUFFER, 0, NULL);
    DWORD err = h == INVALID_HANDLE_VALUE ? GetLastError() : 0, instances = 0;
    /* Wine (8.0) ignores FILE_FLAG_FIRST_PIPE_INSTANCE: the first instance
     * of a name served already joins that pipe. An instance that is not
     * alone right after it was made is someone else's pipe: refused, as
     * Windows refuses it itself. */
    if (first && err == 0 && GetNamedPipeHandleStateW(h, NULL, &instances, NULL, NULL, NULL, 0) &&
        instances > 1) {
        CloseHandle(h);
        err = ERROR_ACCESS_DENIED;
    }
    if (err == 0) {
        *out = h;
        return 0;
    }
    /* The first instance of a name already served: ERROR_ACCESS_DENIED;
     * a name whose server allows no more instances: ERROR_PIPE_BUSY. */
    if (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY)
        return mp__errdetail_set(MP_EEXIST, "pipe:%s: the name is in use (Windows error %lu)",
                                 l->name, (unsigned long)err);
    if (bad_name(err))
        return error_as(MP_EINVAL, "CreateNamedPipeW", err);
    return mp__win_syserr_code("CreateNamedPipeW", err);
}

int mp__win_pipe_await_client(HANDLE pipe, OVERLAPPED *ov, bool *connected)
{
    *connected = false;
    ResetEvent(ov->hEvent); /* as the call does itself: the event means this connect */
    if (ConnectNamedPipe(pipe, ov)) {
        *connected = true; /* done at once (documented never to happen overlapped) */
        return 0;
    }
    DWORD err = GetLastError();
    if (err == ERROR_IO_PENDING)
        return 0;
    if (err == ERROR_PIPE_CONNECTED || err == ERROR_NO_DATA) {
        *connected = true;
        return 0;
    }
    return mp__win_syserr_code("ConnectNamedPipe", err);
}

/* Wait for a client on the pending instance (the connect in flight). */
static int start_connect(mp__os_listener_t *l)
{
    bool connected = false;
    int rc = mp__win_pipe_await_client(l->pending, &l->ov, &connected);
    if (rc == 0) {
        l->connecting = !connected;
        l->connected = connected;
    }
    return rc;
}

static int listen_pipe(mp__os_listener_t *l, const char *where, char *bound, size_t bound_size)
{
    char made[MP__WIN_PIPE_NAME_SIZE];
    int rc = 0;
    if (!where) {
        if ((rc = mp__win_pipe_random_name(made, sizeof made)) < 0)
            return rc;
        where = made;
    }
    size_t len = strlen(where);
    if (len >= sizeof l->name || len >= bound_size)
        return mp__errdetail_set(MP_EINVAL, "pipe address: a name of %zu bytes is too long", len);
    memcpy(l->name, where, len + 1);
    if ((rc = pipe_path(where, &l->path)) < 0)
        return rc;
    if (!(l->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)))
        return mp__win_syserr("CreateEventW");
    if ((rc = pipe_instance(l, true, &l->pending)) < 0)
        return rc;
    if ((rc = start_connect(l)) < 0)
        return rc;
    memcpy(bound, where, len + 1);
    return 0;
}

static int accept_pipe(mp__os_listener_t *l, double deadline, mp__os_conn_t **out)
{
    for (;;) {
        int rc = 0;
        if (!l->connecting && !l->connected && (rc = start_connect(l)) < 0)
            return rc;
        if (l->connecting) {
            DWORD w = wait_until(l->ov.hEvent, deadline);
            if (w == WAIT_TIMEOUT)
                return mp__errdetail_set(MP_ETIMEDOUT, "pipe:%s: no client connected in time",
                                         l->name);
            if (w != WAIT_OBJECT_0)
                return mp__win_syserr("WaitForSingleObject(ConnectNamedPipe)");
            DWORD n = 0;
            DWORD err = GetOverlappedResult(l->pending, &l->ov, &n, FALSE) ? 0 : GetLastError();
            l->connecting = false;
            if (err == ERROR_OPERATION_ABORTED)
                continue; /* its thread has ended (see the top): start it again */
            if (err != 0 && err != ERROR_PIPE_CONNECTED && err != ERROR_NO_DATA) {
                /* Back to listening for the next accept. */
                DisconnectNamedPipe(l->pending);
                return mp__win_syserr_code("ConnectNamedPipe", err);
            }
            l->connected = true;
        }
        /* A client is there. The next instance first, so that the name is
         * never without one; if it cannot be made, the client stays
         * connected for the next accept. */
        HANDLE next = NULL;
        if ((rc = pipe_instance(l, false, &next)) < 0)
            return rc;
        HANDLE mine = l->pending;
        l->pending = next;
        l->connected = false;
        /* A client that comes before the next accept finds its connect
         * done; if it cannot be started now, the next accept starts it. */
        start_connect(l);
        return mp__win_conn_from_pipe(mine, out);
    }
}

static int connect_pipe(const char *where, double deadline, mp__os_conn_t **out)
{
    wchar_t *path = NULL;
    int rc = pipe_path(where, &path);
    if (rc < 0)
        return rc;
    HANDLE h = INVALID_HANDLE_VALUE;
    while (rc == 0) {
        h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                        FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                        NULL);
        if (h != INVALID_HANDLE_VALUE)
            break;
        DWORD err = GetLastError();
        if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) {
            rc = mp__errdetail_set(MP_ENOENT, "pipe:%s: nothing listens there", where);
        } else if (err != ERROR_PIPE_BUSY) {
            rc = bad_name(err) ? error_as(MP_EINVAL, "CreateFileW(pipe)", err)
                               : mp__win_syserr_code("CreateFileW(pipe)", err);
        } else {
            /* Every instance has a client not accepted yet: wait for the
             * next one (INFINITE is NMPWAIT_WAIT_FOREVER; 0 would mean the
             * pipe's default wait, so a poll ends here). */
            DWORD ms = mp__win_ms_until(deadline);
            if (ms == 0)
                rc = mp__errdetail_set(MP_ETIMEDOUT, "pipe:%s: busy, no instance freed in time",
                                       where);
            else if (!WaitNamedPipeW(path, ms) && (err = GetLastError()) != ERROR_SEM_TIMEOUT &&
                     err != ERROR_FILE_NOT_FOUND)
                rc = mp__win_syserr_code("WaitNamedPipeW", err);
            /* Then try again: CreateFileW says what became of the pipe. */
        }
    }
    free(path);
    if (rc < 0)
        return rc;
    /* A client opens in byte read mode whatever the pipe's type. */
    DWORD mode = PIPE_READMODE_MESSAGE;
    if (!SetNamedPipeHandleState(h, &mode, NULL, NULL)) {
        rc = mp__win_syserr("SetNamedPipeHandleState");
        CloseHandle(h);
        return rc;
    }
    return mp__win_conn_from_pipe(h, out);
}

/* ---- TCP ------------------------------------------------------------------ */

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;

/* `param`: where the caller wants WSAStartup()'s result. Returning FALSE
 * leaves the once undone, so the next caller tries again. */
static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *context)
{
    (void)once, (void)context;
    WSADATA data;
    int *err = param;
    *err = WSAStartup(MAKEWORD(2, 2), &data);
    return *err == 0;
}

/* WSAStartup() once per process, from any thread; a failed start is tried
 * again by the next call. */
static int wsa_init(void)
{
    int err = 0;
    if (InitOnceExecuteOnce(&wsa_once, wsa_start, &err, NULL))
        return 0;
    return mp__win_syserr_code("WSAStartup", err ? (DWORD)err : GetLastError());
}

/* "HOST:PORT" (see the top of the file). */
static int tcp_address(const char *where, bool passive, struct sockaddr_in *out)
{
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
        int err = getaddrinfo(host, NULL, &hints, &res);
        if (err == WSA_NOT_ENOUGH_MEMORY || err == EAI_MEMORY)
            return mp__errdetail_set(MP_ENOMEM, "getaddrinfo: out of memory");
        if (err != 0 || !res) {
            char what[300];
            snprintf(what, sizeof what, "tcp address '%s': host '%s'", where, host);
            return err ? error_as(MP_EINVAL, what, (DWORD)err)
                       : mp__errdetail_set(MP_EINVAL, "%s: no address", what);
        }
        sin.sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
        freeaddrinfo(res);
    }
    sin.sin_port = htons((u_short)port);
    *out = sin;
    return 0;
}

/* A TCP socket for overlapped I/O, not inheritable. */
static int new_socket(SOCKET *out)
{
    SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return wsa_syserr("WSASocketW");
    *out = s;
    return 0;
}

/* A connected socket as an end wants it: no event selection (the
 * listener's, inherited, or the connect's), blocking, not inheritable,
 * without Nagle's delay (failure there is harmless: ignored). */
static int prepare_connected(SOCKET s)
{
    u_long nonblocking = 0;
    BOOL one = TRUE;
    if (WSAEventSelect(s, NULL, 0) != 0)
        return wsa_syserr("WSAEventSelect(none)");
    if (ioctlsocket(s, FIONBIO, &nonblocking) != 0)
        return wsa_syserr("ioctlsocket(FIONBIO)");
    if (!SetHandleInformation((HANDLE)(uintptr_t)s, HANDLE_FLAG_INHERIT, 0))
        return mp__win_syserr("SetHandleInformation(socket)");
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    return 0;
}

static int listen_tcp(mp__os_listener_t *l, const char *where, int backlog, char *bound,
                      size_t bound_size)
{
    struct sockaddr_in sin;
    BOOL one = TRUE;
    int rc = wsa_init();
    if (rc == 0)
        rc = tcp_address(where ? where : "127.0.0.1:0", true, &sin);
    if (rc == 0)
        rc = new_socket(&l->sock);
    if (rc < 0)
        return rc;
    if (setsockopt(l->sock, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one) != 0)
        return wsa_syserr("setsockopt(SO_EXCLUSIVEADDRUSE)");
    const char *shown = where ? where : "127.0.0.1:0";
    if (bind(l->sock, (const struct sockaddr *)&sin, sizeof sin) != 0 ||
        listen(l->sock, backlog) != 0) {
        int err = WSAGetLastError();
        if (err == WSAEADDRINUSE || err == WSAEACCES)
            return mp__errdetail_set(MP_EEXIST, "tcp:%s: address already in use", shown);
        if (err == WSAEADDRNOTAVAIL)
            return error_as(MP_EINVAL, shown, (DWORD)err); /* not this machine's */
        return mp__win_syserr_code("bind/listen", (DWORD)err);
    }
    struct sockaddr_in got;
    int len = sizeof got;
    if (getsockname(l->sock, (struct sockaddr *)&got, &len) != 0)
        return wsa_syserr("getsockname");
    unsigned long a = ntohl(got.sin_addr.s_addr);
    int n = snprintf(bound, bound_size, "%lu.%lu.%lu.%lu:%u", a >> 24, a >> 16 & 255, a >> 8 & 255,
                     a & 255, (unsigned)ntohs(got.sin_port));
    if (n < 0 || (size_t)n >= bound_size)
        return mp__errdetail_set(MP_EINVAL, "the bound address does not fit %zu bytes", bound_size);
    if ((l->accept_event = WSACreateEvent()) == WSA_INVALID_EVENT) {
        l->accept_event = NULL;
        return wsa_syserr("WSACreateEvent");
    }
    if (WSAEventSelect(l->sock, l->accept_event, FD_ACCEPT) != 0)
        return wsa_syserr("WSAEventSelect(FD_ACCEPT)");
    return 0;
}

static int accept_tcp(mp__os_listener_t *l, double deadline, mp__os_conn_t **out)
{
    for (;;) {
        /* Reset the event before accept(): accept() re-enables FD_ACCEPT,
         * so a client that comes after it sets the event again. */
        WSANETWORKEVENTS seen;
        if (WSAEnumNetworkEvents(l->sock, l->accept_event, &seen) != 0)
            return wsa_syserr("WSAEnumNetworkEvents");
        SOCKET s = accept(l->sock, NULL, NULL);
        if (s != INVALID_SOCKET) {
            int rc = prepare_connected(s);
            if (rc < 0) {
                closesocket(s);
                return rc;
            }
            return mp__win_conn_from_socket((uintptr_t)s, out);
        }
        int err = WSAGetLastError();
        if (err == WSAECONNRESET)
            continue; /* that client left before it was accepted: the next */
        if (err != WSAEWOULDBLOCK)
            return mp__win_syserr_code("accept", (DWORD)err);
        DWORD w = wait_until(l->accept_event, deadline);
        if (w == WAIT_TIMEOUT)
            return mp__errdetail_set(MP_ETIMEDOUT, "no client connected in time");
        if (w != WAIT_OBJECT_0)
            return mp__win_syserr("WaitForSingleObject(FD_ACCEPT)");
    }
}

/* Connect `s` (non-blocking under `event`) before `deadline`. */
static int connect_by(SOCKET s, WSAEVENT event, const struct sockaddr_in *sin, const char *where,
                      double deadline)
{
    if (WSAEventSelect(s, event, FD_CONNECT) != 0)
        return wsa_syserr("WSAEventSelect(FD_CONNECT)");
    int err = 0;
    if (connect(s, (const struct sockaddr *)sin, sizeof *sin) != 0)
        err = WSAGetLastError();
    while (err == WSAEWOULDBLOCK) {
        DWORD w = wait_until(event, deadline);
        if (w == WAIT_TIMEOUT)
            return mp__errdetail_set(MP_ETIMEDOUT, "tcp:%s: not connected in time", where);
        if (w != WAIT_OBJECT_0)
            return mp__win_syserr("WaitForSingleObject(FD_CONNECT)");
        WSANETWORKEVENTS seen;
        if (WSAEnumNetworkEvents(s, event, &seen) != 0)
            return wsa_syserr("WSAEnumNetworkEvents");
        if (seen.lNetworkEvents & FD_CONNECT)
            err = seen.iErrorCode[FD_CONNECT_BIT];
    }
    if (err == WSAECONNREFUSED)
        return mp__errdetail_set(MP_ENOENT, "tcp:%s: connection refused (nothing listens there)",
                                 where);
    if (err == WSAETIMEDOUT)
        return error_as(MP_ETIMEDOUT, "connect", (DWORD)err);
    return err ? mp__win_syserr_code("connect", (DWORD)err) : 0;
}

static int connect_tcp(const char *where, double deadline, mp__os_conn_t **out)
{
    struct sockaddr_in sin;
    SOCKET s = INVALID_SOCKET;
    int rc = wsa_init();
    if (rc == 0)
        rc = tcp_address(where, false, &sin);
    if (rc == 0)
        rc = new_socket(&s);
    if (rc < 0)
        return rc;
    WSAEVENT event = WSACreateEvent();
    if (event == WSA_INVALID_EVENT)
        rc = wsa_syserr("WSACreateEvent");
    if (rc == 0)
        rc = connect_by(s, event, &sin, where, deadline);
    if (rc == 0)
        rc = prepare_connected(s); /* ends the selection: the event may go */
    if (rc < 0)
        closesocket(s);
    if (event != WSA_INVALID_EVENT)
        WSACloseEvent(event);
    return rc < 0 ? rc : mp__win_conn_from_socket((uintptr_t)s, out);
}

/* ---- the contract ----------------------------------------------------------- */

int mp__os_listen(mp__family_t family, const char *where, int backlog, char *bound,
                  size_t bound_size, mp__os_listener_t **out)
{
    if (family == MP__FAMILY_UNIX)
        return unix_family();
    if (family != MP__FAMILY_PIPE && family != MP__FAMILY_TCP)
        return mp__errdetail_set(MP_EINVAL, "unknown address family %d", (int)family);
    mp__os_listener_t *l = calloc(1, sizeof *l);
    if (!l)
        return mp__errdetail_set(MP_ENOMEM, "out of memory for a listener");
    l->family = family;
    l->sock = INVALID_SOCKET;
    int rc = (l->turn = CreateMutexW(NULL, FALSE, NULL)) ? 0 : mp__win_syserr("CreateMutexW");
    if (rc == 0)
        rc = family == MP__FAMILY_PIPE ? listen_pipe(l, where, bound, bound_size)
                                       : listen_tcp(l, where, backlog, bound, bound_size);
    if (rc < 0) {
        mp__os_listener_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

int mp__os_accept(mp__os_listener_t *l, double deadline, mp__os_conn_t **out)
{
    /* A mutex abandoned by a thread that ended inside an accept is ours
     * all the same: the state it guards is consistent between calls. */
    DWORD w = wait_until(l->turn, deadline);
    if (w == WAIT_TIMEOUT)
        return mp__errdetail_set(MP_ETIMEDOUT, "another thread was accepting until the deadline");
    if (w == WAIT_FAILED)
        return mp__win_syserr("WaitForSingleObject(accept mutex)");
    int rc = l->family == MP__FAMILY_PIPE ? accept_pipe(l, deadline, out)
                                          : accept_tcp(l, deadline, out);
    ReleaseMutex(l->turn);
    return rc;
}

int mp__os_listener_sentinel(mp__os_listener_t *l, mp_sentinel_t *out)
{
    if (l->family == MP__FAMILY_TCP) {
        /* Set by FD_ACCEPT; an accept that found nobody has reset it. */
        *out = (mp_sentinel_t)(intptr_t)l->accept_event;
        return 0;
    }
    /* The pending instance's connect: its event is set when a client
     * connects. A connect cancelled with its thread (see the top) is
     * started again here, and a client already there (a connect that
     * completed at once does not set the event) sets it by hand. */
    int rc = !l->connecting && !l->connected ? start_connect(l) : 0;
    if (rc < 0)
        return rc;
    if (l->connected)
        SetEvent(l->ov.hEvent);
    *out = (mp_sentinel_t)(intptr_t)l->ov.hEvent;
    return 0;
}

int mp__os_connect(mp__family_t family, const char *where, double deadline, mp__os_conn_t **out)
{
    if (!where)
        return mp__errdetail_set(MP_EINVAL, "connect: NULL address");
    switch (family) {
    case MP__FAMILY_PIPE: return connect_pipe(where, deadline, out);
    case MP__FAMILY_TCP: return connect_tcp(where, deadline, out);
    case MP__FAMILY_UNIX: return unix_family();
    default: return mp__errdetail_set(MP_EINVAL, "unknown address family %d", (int)family);
    }
}

void mp__os_listener_free(mp__os_listener_t *l)
{
    if (!l)
        return;
    if (l->connecting) {
        /* The kernel writes into `ov` until the connect is over. */
        DWORD n = 0;
        CancelIoEx(l->pending, &l->ov);
        GetOverlappedResult(l->pending, &l->ov, &n, TRUE);
    }
    /* A client connected and not accepted sees end-of-file. */
    mp__win_close(l->pending);
    mp__win_close(l->ov.hEvent);
    free(l->path);
    /* Clients waiting in the backlog are reset; the port is free again. */
    if (l->sock != INVALID_SOCKET)
        closesocket(l->sock);
    if (l->accept_event)
        WSACloseEvent(l->accept_event);
    mp__win_close(l->turn);
    free(l);
}
