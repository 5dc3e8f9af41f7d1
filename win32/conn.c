/* One end of a pipe on Windows: a named pipe end in message mode, with
 * overlapped I/O (as CPython's multiprocessing.connection.PipeConnection).
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
 * or read re-arms it (mp_connection_poll() always does, first). */
#include <stdio.h>
#include <stdlib.h>

#include "mp_core.h"
#include "win32_internal.h"

/* Pipe buffer sizes: a hint to the system (a write bigger than the buffer
 * waits until the reader has taken enough, it is not refused). */
enum { PIPE_BUFFER = 64 * 1024 };

/* The most one ReadFile or WriteFile moves (DWORD counts); a write is cut
 * into messages of this size, which the reader reads as one byte stream. */
#define MAX_IO (1u << 20)

struct mp__os_conn {
    HANDLE pipe;
    HANDLE io;         /**< manual-reset event of the read or write in progress */
    OVERLAPPED probe;  /**< the zero-byte read; probe.hEvent is the sentinel
                           (NULL until the sentinel is asked for) */
    bool probing;      /**< the probe is in flight: the kernel owns `probe` */
    bool probe_eof;    /**< the probe saw end-of-file: the sentinel stays set */
    char probe_buf[1]; /**< where the zero-byte read "lands" (never written) */
};

/* Whether an I/O error means the other end is gone (end-of-file). */
static bool is_disconnect(DWORD err)
{
    return err == ERROR_BROKEN_PIPE || err == ERROR_NO_DATA || err == ERROR_PIPE_NOT_CONNECTED;
}

/* An end owning `pipe` (closed on failure). */
static int wrap(HANDLE pipe, mp__os_conn_t **out)
{
    mp__os_conn_t *conn = calloc(1, sizeof *conn);
    HANDLE io = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!conn || !io) {
        int rc = io ? mp__errdetail_set(MP_ENOMEM, "out of memory for a connection")
                    : mp__win_syserr("CreateEventW");
        free(conn);
        mp__win_close(io);
        mp__win_close(pipe);
        return rc;
    }
    conn->pipe = pipe;
    conn->io = io;
    *out = conn;
    return 0;
}

/* `\\.\pipe\mp-<pid>-<16 hex digits>`: the random part comes from the
 * system's cryptographic generator, so the name cannot be guessed. */
static int pipe_name(wchar_t *name, size_t size)
{
    unsigned char r[8];
    int rc = mp__os_random(r, sizeof r);
    if (rc < 0)
        return rc;
    swprintf(name, size, L"\\\\.\\pipe\\mp-%lu-%02x%02x%02x%02x%02x%02x%02x%02x",
             (unsigned long)GetCurrentProcessId(), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    return 0;
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

int mp__os_conn_pair(bool duplex, mp__os_conn_t **a, mp__os_conn_t **b)
{
    wchar_t name[64];
    int rc = pipe_name(name, sizeof name / sizeof *name);
    if (rc < 0)
        return rc;
    HANDLE server = CreateNamedPipeW(name,
                                     (duplex ? PIPE_ACCESS_DUPLEX : PIPE_ACCESS_INBOUND) |
                                         FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                     PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
                                         PIPE_REJECT_REMOTE_CLIENTS,
                                     1, duplex ? PIPE_BUFFER : 0, PIPE_BUFFER, 0, NULL);
    if (server == INVALID_HANDLE_VALUE)
        return mp__win_syserr("CreateNamedPipeW");
    /* A one-way client writes only; FILE_READ_ATTRIBUTES lets it still ask
     * about the pipe (PeekNamedPipe, GetNamedPipeInfo). */
    DWORD access = duplex ? GENERIC_READ | GENERIC_WRITE : GENERIC_WRITE | FILE_READ_ATTRIBUTES;
    HANDLE client = CreateFileW(name, access, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    if (client == INVALID_HANDLE_VALUE) {
        rc = mp__win_syserr("CreateFileW(pipe)");
        CloseHandle(server);
        return rc;
    }
    /* A client opens in byte read mode whatever the pipe's type. */
    DWORD mode = PIPE_READMODE_MESSAGE;
    if (duplex && !SetNamedPipeHandleState(client, &mode, NULL, NULL))
        rc = mp__win_syserr("SetNamedPipeHandleState");
    mp__os_conn_t *ca = NULL, *cb = NULL;
    if (rc == 0 && (rc = wrap(server, &ca)) < 0)
        server = NULL; /* closed by wrap() */
    if (rc == 0 && (rc = connect_server(server, ca->io)) == 0 && (rc = wrap(client, &cb)) < 0)
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
    return wrap(h, out);
}

mp_sentinel_t mp__os_conn_handle(const mp__os_conn_t *conn)
{
    return mp__win_sentinel(conn->pipe);
}

int mp__os_conn_write(mp__os_conn_t *conn, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        OVERLAPPED ov = {.hEvent = conn->io};
        DWORD chunk = len > MAX_IO ? MAX_IO : (DWORD)len, done = 0;
        /* Pending until the peer has read enough of it: wait as long. */
        BOOL ok = WriteFile(conn->pipe, p, chunk, NULL, &ov) || GetLastError() == ERROR_IO_PENDING;
        if (!ok || !GetOverlappedResult(conn->pipe, &ov, &done, TRUE)) {
            DWORD err = GetLastError();
            return is_disconnect(err) ? mp__errdetail_set(MP_EEOF, "the peer closed the connection")
                                      : mp__win_syserr_code("WriteFile(pipe)", err);
        }
        p += done;
        len -= done;
    }
    return 0;
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
        BOOL ok = GetOverlappedResult(conn->pipe, &conn->probe, &n, FALSE);
        DWORD err = ok ? 0 : GetLastError();
        conn->probing = false;
        if (is_disconnect(err)) {
            conn->probe_eof = true; /* the event is set, for good */
            return 0;
        }
        /* Bytes are there (ERROR_MORE_DATA), or were: ask again. */
    }
    DWORD err = 0;
    if (!ReadFile(conn->pipe, conn->probe_buf, 0, NULL, &conn->probe))
        err = GetLastError();
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
    return mp__win_syserr_code("ReadFile(pipe, 0 bytes)", err);
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

/* One overlapped read, waiting for it until `deadline`; a read that times
 * out is cancelled, and what it got before the cancel took effect is
 * returned, never lost. */
static int read_some(mp__os_conn_t *conn, void *buf, DWORD size, size_t *got, double deadline)
{
    for (;;) {
        DWORD ms = mp__win_ms_until(deadline), avail = 0;
        /* A poll with nothing there issues no I/O at all. A failing peek
         * (end-of-file) goes on to the read, which tells EOF from errors. */
        if (ms == 0 && PeekNamedPipe(conn->pipe, NULL, 0, NULL, &avail, NULL) && avail == 0)
            return mp__errdetail_set(MP_ETIMEDOUT, "no message arrived in time");
        OVERLAPPED ov = {.hEvent = conn->io};
        DWORD n = 0, err = 0;
        bool cancelled = false;
        if (!ReadFile(conn->pipe, buf, size, NULL, &ov))
            err = GetLastError();
        if (err == ERROR_IO_PENDING) {
            DWORD w;
            while ((w = WaitForSingleObject(conn->io, ms)) == WAIT_TIMEOUT &&
                   (ms = mp__win_ms_until(deadline)) > 0)
                ; /* a wait is capped below INFINITE: wait for the rest */
            if (w != WAIT_OBJECT_0) {
                /* Timed out (or the wait failed): cancel, then collect
                 * whatever completed anyway. */
                err = w == WAIT_FAILED ? GetLastError() : 0;
                CancelIoEx(conn->pipe, &ov);
                cancelled = true;
                if (err) {
                    GetOverlappedResult(conn->pipe, &ov, &n, TRUE);
                    return mp__win_syserr_code("WaitForSingleObject", err);
                }
            }
        }
        if (err == 0 || err == ERROR_MORE_DATA || err == ERROR_IO_PENDING)
            err = GetOverlappedResult(conn->pipe, &ov, &n, TRUE) ? 0 : GetLastError();
        if (err == 0 || err == ERROR_MORE_DATA) {
            if (n > 0) {
                *got = n; /* ERROR_MORE_DATA: the rest of the message stays */
                return 0;
            }
            continue; /* an empty message (none of ours): not end-of-file */
        }
        if (err == ERROR_OPERATION_ABORTED && cancelled)
            return mp__errdetail_set(MP_ETIMEDOUT, "no message arrived in time");
        if (is_disconnect(err))
            return 0; /* end-of-file: *got stays 0 */
        return mp__win_syserr_code("ReadFile(pipe)", err);
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

void mp__os_conn_free(mp__os_conn_t *conn)
{
    if (!conn)
        return;
    if (conn->probing) {
        /* The kernel writes into `probe` until the read is over, and a
         * copy of the end in a child keeps the pipe open: cancel and wait. */
        DWORD n = 0;
        CancelIoEx(conn->pipe, &conn->probe);
        GetOverlappedResult(conn->pipe, &conn->probe, &n, TRUE);
    }
    mp__win_close(conn->pipe);
    mp__win_close(conn->io);
    mp__win_close(conn->probe.hEvent);
    free(conn);
}
