/* One end of a connection on Windows: a named pipe end in message mode,
 * with overlapped I/O (as CPython's multiprocessing.connection.PipeConnection),
 * or a TCP socket from a listener or a client (see "Socket ends" below).
 *
 * The pair: a server end made by CreateNamedPipeW under a name nobody can
 * guess (`\\.\pipe\mp-<pid>-<random hex>`, one instance, created by us:
 * FILE_FLAG_FIRST_PIPE_INSTANCE), and a client end opened on it at once
 * with CreateFileW. Duplex pipes are PIPE_ACCESS_DUPLEX; a one-way pipe is
 * PIPE_ACCESS_INBOUND, the server end (`*a`) reading and the client (`*b`)
 * writing. Neither handle is inheritable: a child gets an end the way it gets
 * shared memory, as an inheritable duplicate made for one CreateProcessW
 * call (spawn.c), and the duplicate shares the end's file object, so its
 * message read mode and its overlapped flag with it.
 *
 * Why message mode when the core frames messages itself (connection.c): a
 * write is one message and a read never returns more than one message, so
 * a read returns what one write of the peer put there, never what the peer
 * is still writing; and a zero-byte read waits for a message, which is what
 * makes the sentinel below possible. A read shorter than the message fails
 * with ERROR_MORE_DATA after taking its part (the rest stays for the next
 * read): for the core that is a plain successful read, so the end behaves
 * as a byte stream.
 *
 * The sentinel (what mp_wait() and mp_connection_poll() wait on) is the
 * manual-reset event of a zero-byte overlapped read, the "probe": it
 * completes (ERROR_MORE_DATA) as soon as a message is there, without taking
 * any of it, or fails once the peer is gone (ERROR_BROKEN_PIPE); it is
 * pending, and its event reset, while nothing is there. One probe per end
 * is armed lazily by mp__os_conn_sentinel(); a probe that completed is
 * re-armed by every later call of mp__os_conn_sentinel() and after every
 * read, so once the reads have taken everything the event is reset again
 * (a new probe resets it as it starts, and stays pending). A pending probe
 * stays pending across reads: pipe reads complete in the order they were
 * issued, so a message that arrives completes the probe first, which takes
 * nothing, and then the read, which takes the bytes. The core never writes
 * an empty message (every message starts with its 8-byte header), so the
 * probe never meets one (Windows 8 and later would consume it).
 *
 * Under wine (8.0, Debian 12) the probe behaves as on Windows, checked one
 * call at a time: pending with its event reset on an empty pipe;
 * ERROR_MORE_DATA with 0 bytes, message left whole (PeekNamedPipe still
 * counts it), when one is there or arrives; a pending read issued after a
 * pending probe gets the message; ERROR_BROKEN_PIPE at end-of-file. Like
 * Windows, a probe that fails at once (end-of-file) leaves its event
 * unsignalled, so this file sets it itself; and a peer that closes with
 * data unread leaves the data readable (and PeekNamedPipe counting it)
 * until it is drained, then ERROR_BROKEN_PIPE.
 *
 * Limits (as in Python), both a sentinel that says ready with nothing to
 * read, after which a receive waits within its timeout like any other:
 * an end shared by two processes (given to a child and kept) has one probe
 * per process, and a probe that completed in one process is not re-armed
 * when the other process takes the data; and Windows cancels the I/O of a
 * thread that exits, so a probe armed by a thread that has ended since
 * completes (ERROR_OPERATION_ABORTED) until the next mp__os_conn_sentinel()
 * or read re-arms it (mp_connection_poll() always does, first).
 *
 * Socket ends. An end from a TCP listener or client (listener.c) is a
 * connected socket made for overlapped I/O, and the same functions serve
 * it: WSARecv and WSASend in place of ReadFile and WriteFile, on the same
 * events, and the same probe, a zero-byte overlapped WSARecv (the
 * zero-byte read of completion-port servers): it completes, taking
 * nothing, once bytes or end-of-file are there, and stays pending while
 * nothing is; receives on a socket complete in the order they were issued,
 * as on a pipe. A TCP stream has no messages, so there is no
 * ERROR_MORE_DATA, and a read of 0 bytes is end-of-file. A completed probe
 * cannot tell bytes from end-of-file (0 bytes either way): it is re-armed
 * like one that saw bytes, and completes again at once. A connection reset
 * or aborted reads as end-of-file and writes as MP_EEOF, the peer being
 * gone either way. Not WSAEventSelect(FD_READ | FD_CLOSE) for the
 * sentinel: its event stays set after the bytes are taken until someone
 * resets it and asks again, it makes the socket non-blocking, and a socket
 * has only one such selection; the probe keeps one rule for both kinds.
 *
 * A socket end cannot be given to a child. Spawn gives a child an
 * inheritable DuplicateHandle() copy of an end's handle, which Winsock
 * does not support for sockets. The supported way, WSADuplicateSocket(),
 * makes for one target process a WSAPROTOCOL_INFOW that the target turns
 * into its own socket: bytes, not a handle, and the contract passes a
 * child handles only. So mp__os_conn_from_handle() refuses a socket
 * (MP_ENOTSUP): the child fails to start its task (MP_EBOOTSTRAP) instead
 * of using a socket Winsock may not know in it, and the parent's end is
 * unharmed. Connect from the child instead (mp_client_connect()). Under
 * wine (8.0) such a copy half works in the child: WSARecv() reads from
 * it, getsockopt() says WSAENOTSOCK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Before windows.h (through win32_internal.h): a windows.h included first
 * without WIN32_LEAN_AND_MEAN brings the old winsock.h, which clashes. */
#include <winsock2.h>

#include "win32_internal.h"

/* The most one read or write moves (DWORD counts); a write is cut into
 * messages of this size, which the reader reads as one byte stream. */
#define MAX_IO (1u << 20)

struct mp__os_conn {
    HANDLE h;          /**< the pipe end, or the socket (a SOCKET is a handle) */
    bool socket;       /**< `h` is a SOCKET: WSARecv/WSASend, closesocket() */
    HANDLE io;         /**< manual-reset event of the read or write in progress */
    OVERLAPPED probe;  /**< the zero-byte read; probe.hEvent is the sentinel
                           (NULL until the sentinel is asked for) */
    bool probing;      /**< the probe is in flight: the kernel owns `probe` */
    bool probe_eof;    /**< the probe saw end-of-file: the sentinel stays set */
    char probe_buf[1]; /**< where the zero-byte read "lands" (never written) */
};

static SOCKET sock_of(const mp__os_conn_t *conn)
{
    return (SOCKET)(uintptr_t)conn->h;
}

/* Whether an I/O error means the other end is gone (end-of-file). */
static bool is_disconnect(DWORD err)
{
    switch (err) {
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
    case ERROR_PIPE_NOT_CONNECTED:
    /* Sockets: reset or aborted by the peer or the network, or shut down;
     * ERROR_NETNAME_DELETED is how a reset shows through file functions. */
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAENETRESET:
    case WSAESHUTDOWN:
    case ERROR_NETNAME_DELETED: return true;
    default: return false;
    }
}

/* ---- one overlapped operation, on a pipe or a socket --------------------- */

/* Start reading up to `size` bytes (0: the probe): 0 when it completed at
 * once, otherwise its error (ERROR_IO_PENDING while it is in flight;
 * WSA_IO_PENDING is the same number). */
static DWORD io_read(mp__os_conn_t *conn, void *buf, DWORD size, OVERLAPPED *ov)
{
    if (!conn->socket)
        return ReadFile(conn->h, buf, size, NULL, ov) ? 0 : GetLastError();
    WSABUF b = {.len = size, .buf = buf};
    DWORD flags = 0;
    return WSARecv(sock_of(conn), &b, 1, NULL, &flags, ov, NULL) == 0 ? 0
                                                                      : (DWORD)WSAGetLastError();
}

static DWORD io_write(mp__os_conn_t *conn, const void *data, DWORD size, OVERLAPPED *ov)
{
    if (!conn->socket)
        return WriteFile(conn->h, data, size, NULL, ov) ? 0 : GetLastError();
    WSABUF b = {.len = size, .buf = (char *)(uintptr_t)data}; /* WSASend only reads it */
    return WSASend(sock_of(conn), &b, 1, NULL, 0, ov, NULL) == 0 ? 0 : (DWORD)WSAGetLastError();
}

/* The outcome of an operation started above: 0 or its error, the bytes in
 * `*n`; `wait`: until it is over, else ERROR_IO_INCOMPLETE meanwhile.
 * WSAGetOverlappedResult() for a socket, which says WSAECONNRESET where the
 * file function would say ERROR_NETNAME_DELETED. */
static DWORD io_result(mp__os_conn_t *conn, OVERLAPPED *ov, DWORD *n, bool wait)
{
    if (!conn->socket)
        return GetOverlappedResult(conn->h, ov, n, wait) ? 0 : GetLastError();
    DWORD flags = 0;
    return WSAGetOverlappedResult(sock_of(conn), ov, n, wait, &flags) ? 0
                                                                      : (DWORD)WSAGetLastError();
}

/* Wait until `deadline` for an operation left pending (its event is
 * conn->io). One still pending then is cancelled and `*cancelled` set; the
 * caller collects the outcome with io_result() either way, and it counts
 * what the operation moved before the cancel took effect.
 * @return 0; MP_ESYS when the wait itself failed (the operation is over). */
static int io_wait(mp__os_conn_t *conn, OVERLAPPED *ov, double deadline, bool *cancelled)
{
    DWORD ms = mp__win_ms_until(deadline), w;
    while ((w = WaitForSingleObject(ov->hEvent, ms)) == WAIT_TIMEOUT &&
           (ms = mp__win_ms_until(deadline)) > 0)
        ; /* a wait is capped below INFINITE: wait for the rest */
    if (w == WAIT_OBJECT_0)
        return 0;
    DWORD err = w == WAIT_FAILED ? GetLastError() : 0, n = 0;
    CancelIoEx(conn->h, ov);
    *cancelled = true;
    if (!err)
        return 0;
    io_result(conn, ov, &n, true); /* the kernel owns `ov` until it is over */
    return mp__win_syserr_code("WaitForSingleObject", err);
}

/* ---- ends ----------------------------------------------------------------- */

/* An end owning `h` (closed on failure). */
static int wrap(HANDLE h, bool socket, mp__os_conn_t **out)
{
    mp__os_conn_t *conn = calloc(1, sizeof *conn);
    HANDLE io = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!conn || !io) {
        int rc = io ? mp__errdetail_set(MP_ENOMEM, "out of memory for a connection")
                    : mp__win_syserr("CreateEventW");
        free(conn);
        mp__win_close(io);
        if (socket)
            closesocket((SOCKET)(uintptr_t)h);
        else
            mp__win_close(h);
        return rc;
    }
    conn->h = h;
    conn->socket = socket;
    conn->io = io;
    *out = conn;
    return 0;
}

int mp__win_conn_from_pipe(HANDLE pipe, mp__os_conn_t **out)
{
    return wrap(pipe, false, out);
}

int mp__win_conn_from_socket(uintptr_t s, mp__os_conn_t **out)
{
    return wrap((HANDLE)s, true, out);
}

int mp__win_pipe_random_name(char *name, size_t size)
{
    unsigned char r[8];
    int rc = mp__os_random(r, sizeof r);
    if (rc < 0)
        return rc;
    int n = snprintf(name, size, "mp-%lu-%02x%02x%02x%02x%02x%02x%02x%02x",
                     (unsigned long)GetCurrentProcessId(), r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                     r[7]);
    if (n < 0 || (size_t)n >= size)
        return mp__errdetail_set(MP_EINVAL, "a pipe name needs more than %zu bytes", size);
    return 0;
}

wchar_t *mp__win_pipe_path(const char *name)
{
    static const wchar_t prefix[] = L"\\\\.\\pipe\\";
    enum { PREFIX_LEN = sizeof prefix / sizeof *prefix - 1 };
    wchar_t *wide = mp__win_wide(name);
    size_t len = wide ? wcslen(wide) : 0;
    wchar_t *path = wide ? malloc((PREFIX_LEN + len + 1) * sizeof *path) : NULL;
    if (path) {
        memcpy(path, prefix, PREFIX_LEN * sizeof *path);
        memcpy(path + PREFIX_LEN, wide, (len + 1) * sizeof *path);
    }
    free(wide);
    return path;
}

/* Connect the server end to the client already opened on it: an overlapped
 * ConnectNamedPipe says ERROR_PIPE_CONNECTED at once. */
static int connect_server(HANDLE server, HANDLE event)
{
    OVERLAPPED ov = {.hEvent = event};
    if (ConnectNamedPipe(server, &ov))
        return 0;
    DWORD err = GetLastError(), n = 0;
    if (err == ERROR_PIPE_CONNECTED)
        return 0;
    if (err == ERROR_IO_PENDING && GetOverlappedResult(server, &ov, &n, TRUE))
        return 0;
    return mp__win_syserr(err == ERROR_IO_PENDING ? "ConnectNamedPipe (wait)" : "ConnectNamedPipe");
}

/* The pair on a pipe named `path` (see the top of the file). */
static int pair_on(const wchar_t *path, bool duplex, mp__os_conn_t **a, mp__os_conn_t **b)
{
    HANDLE server = CreateNamedPipeW(
        path,
        (duplex ? PIPE_ACCESS_DUPLEX : PIPE_ACCESS_INBOUND) | FILE_FLAG_OVERLAPPED |
            FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
        duplex ? MP__WIN_PIPE_BUFFER : 0, MP__WIN_PIPE_BUFFER, 0, NULL);
    if (server == INVALID_HANDLE_VALUE)
        return mp__win_syserr("CreateNamedPipeW");
    /* A one-way client writes only; FILE_READ_ATTRIBUTES lets it still ask
     * about the pipe (PeekNamedPipe, GetNamedPipeInfo). */
    DWORD access = duplex ? GENERIC_READ | GENERIC_WRITE : GENERIC_WRITE | FILE_READ_ATTRIBUTES;
    HANDLE client = CreateFileW(path, access, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    if (client == INVALID_HANDLE_VALUE) {
        int rc = mp__win_syserr("CreateFileW(pipe)");
        CloseHandle(server);
        return rc;
    }
    /* A client opens in byte read mode whatever the pipe's type. */
    int rc = 0;
    DWORD mode = PIPE_READMODE_MESSAGE;
    if (duplex && !SetNamedPipeHandleState(client, &mode, NULL, NULL))
        rc = mp__win_syserr("SetNamedPipeHandleState");
    mp__os_conn_t *ca = NULL, *cb = NULL;
    if (rc == 0 && (rc = wrap(server, false, &ca)) < 0)
        server = NULL; /* closed by wrap() */
    if (rc == 0 && (rc = connect_server(server, ca->io)) == 0 &&
        (rc = wrap(client, false, &cb)) < 0)
        client = NULL;
    if (rc < 0) {
        if (ca)
            mp__os_conn_free(ca); /* closes `server` */
        else
            mp__win_close(server);
        mp__win_close(client);
        return rc;
    }
    *a = ca;
    *b = cb;
    return 0;
}

int mp__os_conn_pair(bool duplex, mp__os_conn_t **a, mp__os_conn_t **b)
{
    char name[MP__WIN_PIPE_NAME_SIZE];
    int rc = mp__win_pipe_random_name(name, sizeof name);
    if (rc < 0)
        return rc;
    wchar_t *path = mp__win_pipe_path(name);
    if (!path)
        return mp__errdetail_set(MP_ENOMEM, "out of memory for a pipe name");
    rc = pair_on(path, duplex, a, b);
    free(path);
    return rc;
}

int mp__os_conn_from_handle(mp_sentinel_t handle, mp__os_conn_t **out)
{
    HANDLE h = mp__win_handle(handle);
    /* A handle that is not a pipe is a corrupt record, not an end: it stays
     * the caller's. */
    SetLastError(NO_ERROR);
    DWORD type = GetFileType(h);
    if (type == FILE_TYPE_UNKNOWN && GetLastError() != NO_ERROR)
        return mp__win_syserr("GetFileType(connection handle)");
    if (type != FILE_TYPE_PIPE)
        return mp__errdetail_set(MP_EINVAL, "handle %p is not a pipe", (void *)h);
    /* FILE_TYPE_PIPE is "a socket, a named pipe, or an anonymous pipe", and
     * only a named pipe (an anonymous pipe is one inside) answers
     * GetNamedPipeInfo(). Not getsockopt(): under wine (8.0) a socket
     * inherited this way reads and writes, but getsockopt() says
     * WSAENOTSOCK. */
    if (!GetNamedPipeInfo(h, NULL, NULL, NULL, NULL))
        return mp__errdetail_set(MP_ENOTSUP,
                                 "handle %p is a socket: a TCP connection cannot be given to a "
                                 "child on Windows (connect from the child instead)",
                                 (void *)h);
    return wrap(h, false, out);
}

mp_sentinel_t mp__os_conn_handle(const mp__os_conn_t *conn)
{
    return mp__win_sentinel(conn->h);
}

int mp__os_conn_shareable(const mp__os_conn_t *conn)
{
    /* A socket cannot be duplicated into another process with
     * DuplicateHandle (WSADuplicateSocket would be needed), so the spawn
     * path that hands pipes over cannot hand sockets over. */
    if (conn->socket)
        return mp__errdetail_set(MP_ENOTSUP,
                                 "a TCP connection cannot be given to a child on Windows");
    return 0;
}

/* Write `len` bytes by `deadline`, adding what went to `*sent`.
 * @return 0; MP_ETIMEDOUT (with no detail: the caller's); MP_EEOF; MP_ESYS. */
static int write_piece(mp__os_conn_t *conn, const char *p, size_t len, double deadline,
                       size_t *sent)
{
    while (len > 0) {
        OVERLAPPED ov = {.hEvent = conn->io};
        DWORD chunk = len > MAX_IO ? MAX_IO : (DWORD)len, done = 0;
        bool cancelled = false;
        /* Pending until the peer has read enough of it (a pipe) or the
         * system has buffered it (a socket): wait that long, or cancel. */
        DWORD err = io_write(conn, p, chunk, &ov);
        int rc = err == ERROR_IO_PENDING ? io_wait(conn, &ov, deadline, &cancelled) : 0;
        if (rc < 0)
            return rc;
        if (err == 0 || err == ERROR_IO_PENDING)
            err = io_result(conn, &ov, &done, true);
        *sent += done; /* a cancelled write may have moved some bytes */
        if (err == ERROR_OPERATION_ABORTED && cancelled)
            return MP_ETIMEDOUT;
        if (err)
            return is_disconnect(err)
                       ? mp__errdetail_set(MP_EEOF, "the peer closed the connection")
                       : mp__win_syserr_code(conn->socket ? "WSASend" : "WriteFile(pipe)", err);
        p += done;
        len -= done;
    }
    return 0;
}

int mp__os_conn_send(mp__os_conn_t *conn, const mp__os_piece_t *pieces, size_t npieces,
                     double deadline, size_t *sent)
{
    *sent = 0;
    int rc = 0;
    /* One write per piece: on a pipe each is a message of its own, which
     * the reader reads as one byte stream (see the top of the file). */
    for (size_t i = 0; rc == 0 && i < npieces; i++)
        rc = write_piece(conn, pieces[i].data, pieces[i].len, deadline, sent);
    if (rc != MP_ETIMEDOUT)
        return rc;
    if (*sent == 0)
        return mp__errdetail_set(MP_ETIMEDOUT, "the peer did not take the message in time");
    /* Cut part-way (the contract): a socket's writing stops for every
     * copy; a pipe has no such call, its peer sees end-of-file once the
     * core has closed this end (and any child its copy). */
    if (conn->socket)
        shutdown(sock_of(conn), SD_SEND);
    return mp__errdetail_set(MP_ETIMEDOUT,
                             "the peer did not take the message in time, after %zu of its bytes "
                             "were sent: the end is closed (the peer reads end-of-file)",
                             *sent);
}

/* Re-arm the probe if the last one completed (see the top of the file).
 * On an error the sentinel is set, so that a waiter wakes up and its read
 * meets the error too. */
static int probe_arm(mp__os_conn_t *conn)
{
    if (conn->probe_eof)
        return 0;
    if (conn->probing) {
        if (!HasOverlappedIoCompleted(&conn->probe))
            return 0; /* nothing there yet: the event is reset */
        DWORD n = 0;
        DWORD err = io_result(conn, &conn->probe, &n, false);
        conn->probing = false;
        if (is_disconnect(err)) {
            conn->probe_eof = true; /* the event is set, for good */
            return 0;
        }
        /* Bytes are there (ERROR_MORE_DATA), or were, or end-of-file on a
         * socket: ask again. */
    }
    /* Starting the read resets its event, a socket's too (the I/O manager
     * clears the event of every request it is given; wine's WSARecv does
     * as well, tcp_sentinel checks it), so a pending probe means "nothing
     * there" without a ResetEvent() here, which would cost every read a
     * call more. */
    DWORD err = io_read(conn, conn->probe_buf, 0, &conn->probe);
    if (err == ERROR_IO_PENDING) {
        conn->probing = true;
        return 0;
    }
    /* Done at once: the event is set by the completion, but not by a
     * failure (Windows and wine alike), so set it here either way. */
    SetEvent(conn->probe.hEvent);
    if (err == 0 || err == ERROR_MORE_DATA)
        return 0;
    if (is_disconnect(err)) {
        conn->probe_eof = true;
        return 0;
    }
    return mp__win_syserr_code(conn->socket ? "WSARecv(0 bytes)" : "ReadFile(pipe, 0 bytes)", err);
}

int mp__os_conn_sentinel(mp__os_conn_t *conn, mp_sentinel_t *out)
{
    if (!conn->probe.hEvent && !(conn->probe.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)))
        return mp__win_syserr("CreateEventW");
    int rc = probe_arm(conn);
    if (rc < 0)
        return rc;
    *out = mp__win_sentinel(conn->probe.hEvent);
    return 0;
}

/* Whether a poll finds nothing to read, asked without issuing a read: a
 * pipe with no message (a failing peek, as at end-of-file, goes on to the
 * read, which tells end-of-file from errors); a socket that select() does
 * not see readable (readable covers bytes, end-of-file and a reset; a
 * failing select() goes on to the read as well). */
static bool nothing_there(mp__os_conn_t *conn)
{
    if (!conn->socket) {
        DWORD avail = 0;
        return PeekNamedPipe(conn->h, NULL, 0, NULL, &avail, NULL) && avail == 0;
    }
    fd_set readable = {.fd_count = 1, .fd_array = {sock_of(conn)}};
    struct timeval zero = {0, 0}; /* select() takes it non-const */
    return select(0, &readable, NULL, NULL, &zero) == 0;
}

/* One overlapped read, waiting for it until `deadline`; a read that times
 * out is cancelled, and what it got before the cancel took effect is
 * returned, never lost. */
static int read_some(mp__os_conn_t *conn, void *buf, DWORD size, size_t *got, double deadline)
{
    for (;;) {
        /* A poll with nothing there issues no I/O at all. */
        if (mp__win_ms_until(deadline) == 0 && nothing_there(conn))
            return mp__errdetail_set(MP_ETIMEDOUT, "no message arrived in time");
        OVERLAPPED ov = {.hEvent = conn->io};
        DWORD n = 0;
        bool cancelled = false;
        DWORD err = io_read(conn, buf, size, &ov);
        int rc = err == ERROR_IO_PENDING ? io_wait(conn, &ov, deadline, &cancelled) : 0;
        if (rc < 0)
            return rc;
        if (err == 0 || err == ERROR_MORE_DATA || err == ERROR_IO_PENDING)
            err = io_result(conn, &ov, &n, true);
        if (err == 0 || err == ERROR_MORE_DATA) {
            if (n > 0) {
                *got = n; /* ERROR_MORE_DATA: the rest of the message stays */
                return 0;
            }
            if (conn->socket)
                return 0; /* a stream's 0 bytes: end-of-file */
            continue;     /* an empty message (none of ours): not end-of-file */
        }
        if (err == ERROR_OPERATION_ABORTED && cancelled)
            return mp__errdetail_set(MP_ETIMEDOUT, "no message arrived in time");
        if (is_disconnect(err))
            return 0; /* end-of-file: *got stays 0 */
        return mp__win_syserr_code(conn->socket ? "WSARecv" : "ReadFile(pipe)", err);
    }
}

int mp__os_conn_read(mp__os_conn_t *conn, void *buf, size_t size, size_t *got, double deadline)
{
    *got = 0;
    int rc = read_some(conn, buf, size > MAX_IO ? MAX_IO : (DWORD)size, got, deadline);
    /* The read may have taken what completed the probe: re-arm it so the
     * sentinel is reset once nothing is left. A failure there sets the
     * sentinel; the next read or sentinel call reports it. */
    if (conn->probe.hEvent)
        probe_arm(conn);
    return rc;
}

void mp__os_conn_settle(mp__os_conn_t *conn)
{
    (void)conn; /* a read takes no more than it is asked for: nothing held */
}

void mp__os_conn_free(mp__os_conn_t *conn)
{
    if (!conn)
        return;
    if (conn->probing) {
        /* The kernel writes into `probe` until the read is over, and a
         * copy of the end in a child keeps the pipe open: cancel and wait. */
        DWORD n = 0;
        CancelIoEx(conn->h, &conn->probe);
        io_result(conn, &conn->probe, &n, true);
    }
    /* A socket goes with closesocket(), which ends the connection
     * gracefully (FIN) unless bytes sent to us were left unread (reset). */
    if (conn->socket)
        closesocket(sock_of(conn));
    else
        mp__win_close(conn->h);
    mp__win_close(conn->io);
    mp__win_close(conn->probe.hEvent);
    free(conn);
}
