/* The channel between a parent and a spawned child: the Win32 twin of the
 * POSIX socketpair. The parent sends the framed bootstrap record on it, the
 * child sends back its result and closes it by exiting.
 *
 * Why a named pipe and not CreatePipe(): the parent must collect the
 * child's result *while* waiting for the child to end (a result bigger than
 * the pipe's buffer would otherwise block the child for ever), which takes
 * a read that can be waited on together with the process handle, that is
 * overlapped I/O; anonymous pipes cannot do overlapped I/O. The pipe is
 * duplex (one handle each way), byte mode (the frame carries its length,
 * and a result is read to end-of-file, so message boundaries add nothing),
 * and has exactly one instance, created by us (FILE_FLAG_FIRST_PIPE_INSTANCE)
 * under a name nobody can guess, so no other process can stand in for
 * either end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win32_internal.h"

/* Pipe buffer sizes: a hint to the system, which grows them as needed. */
enum { PIPE_BUFFER = 64 * 1024 };

static const char frame_magic[4] = {'M', 'P', 'W', '1'};

int mp__win_channel_pair(HANDLE *ours, HANDLE *theirs)
{
    static volatile LONG counter;
    unsigned char r[8];
    int rc = mp__os_random(r, sizeof r);
    if (rc < 0)
        return rc;
    wchar_t name[96];
    swprintf(name, sizeof name / sizeof *name,
             L"\\\\.\\pipe\\mp-%lu-%ld-%02x%02x%02x%02x%02x%02x%02x%02x",
             (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&counter), r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7]);
    HANDLE server = CreateNamedPipeW(
        name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
        PIPE_BUFFER, PIPE_BUFFER, 0, NULL);
    if (server == INVALID_HANDLE_VALUE)
        return mp__win_syserr("CreateNamedPipeW");
    HANDLE client = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
                                NULL);
    if (client == INVALID_HANDLE_VALUE) {
        rc = mp__win_syserr("CreateFileW(pipe)");
        CloseHandle(server);
        return rc;
    }
    /* The client is connected already: an overlapped ConnectNamedPipe says
     * so at once (ERROR_PIPE_CONNECTED) and never waits. */
    OVERLAPPED ov = {0};
    if (!ConnectNamedPipe(server, &ov) && GetLastError() != ERROR_PIPE_CONNECTED) {
        rc = mp__win_syserr("ConnectNamedPipe");
        CloseHandle(client);
        CloseHandle(server);
        return rc;
    }
    *ours = server;
    *theirs = client;
    return 0;
}

/* Whether an I/O error means "the other end is gone". */
static bool is_disconnect(DWORD err)
{
    return err == ERROR_BROKEN_PIPE || err == ERROR_NO_DATA || err == ERROR_PIPE_NOT_CONNECTED ||
           err == ERROR_OPERATION_ABORTED;
}

/* Write all of `buf` on the overlapped `chan`; stop when `process` ends
 * first (it will never read the rest): MP_EEOF. */
static int overlapped_write(HANDLE chan, const void *buf, size_t n, HANDLE process, HANDLE event)
{
    const char *p = buf;
    while (n > 0) {
        OVERLAPPED ov = {.hEvent = event};
        DWORD chunk = n > (1u << 20) ? (1u << 20) : (DWORD)n, done = 0;
        if (!WriteFile(chan, p, chunk, NULL, &ov) && GetLastError() != ERROR_IO_PENDING)
            return is_disconnect(GetLastError()) ? MP_EEOF : mp__win_syserr("WriteFile");
        HANDLE objs[2] = {event, process};
        DWORD r = WaitForMultipleObjects(2, objs, FALSE, INFINITE);
        if (r == WAIT_OBJECT_0 + 1) {
            /* The child ended; make sure the kernel is done with `ov`. */
            CancelIoEx(chan, &ov);
            GetOverlappedResult(chan, &ov, &done, TRUE);
            return MP_EEOF;
        }
        if (r != WAIT_OBJECT_0)
            return mp__win_syserr("WaitForMultipleObjects");
        if (!GetOverlappedResult(chan, &ov, &done, FALSE))
            return is_disconnect(GetLastError()) ? MP_EEOF : mp__win_syserr("WriteFile");
        p += done;
        n -= done;
    }
    return 0;
}

int mp__win_send_record(HANDLE chan, const mp__launch_t *launch, HANDLE process)
{
    mp__win_frame_t h = {.len = launch->record_len, .nhandles = (uint32_t)launch->nhandles};
    memcpy(h.magic, frame_magic, sizeof h.magic);
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!event)
        return mp__win_syserr("CreateEventW");
    int rc = overlapped_write(chan, &h, sizeof h, process, event);
    if (rc == 0)
        rc = overlapped_write(chan, launch->record, launch->record_len, process, event);
    CloseHandle(event);
    /* A child that died before reading its orders is reported by join. */
    return rc == MP_EEOF ? 0 : rc;
}

int mp__win_write_all(HANDLE h, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        DWORD chunk = n > (1u << 20) ? (1u << 20) : (DWORD)n, done = 0;
        if (!WriteFile(h, p, chunk, &done, NULL))
            return is_disconnect(GetLastError()) ? MP_EEOF : mp__win_syserr("WriteFile");
        p += done;
        n -= done;
    }
    return 0;
}

int mp__win_read_all(HANDLE h, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        DWORD chunk = n > (1u << 20) ? (1u << 20) : (DWORD)n, got = 0;
        if (!ReadFile(h, p, chunk, &got, NULL))
            return is_disconnect(GetLastError()) ? MP_EEOF : mp__win_syserr("ReadFile");
        if (got == 0)
            continue; /* a zero-byte write on the other side: not an end */
        p += got;
        n -= got;
    }
    return 0;
}

/* ---- the child's end: reading its orders ---------------------------- */

int mp__win_read_frame(HANDLE chan, size_t nhandles, void **record, size_t *len)
{
    mp__win_frame_t h;
    int rc = mp__win_read_all(chan, &h, sizeof h);
    if (rc < 0)
        return rc;
    if (memcmp(h.magic, frame_magic, sizeof h.magic) != 0 || h.len > MP__WIN_MAX_RECORD ||
        h.nhandles != nhandles)
        return MP_EBOOTSTRAP;
    void *bytes = malloc(h.len ? h.len : 1);
    if (!bytes)
        return MP_ENOMEM;
    rc = mp__win_read_all(chan, bytes, h.len);
    if (rc < 0) {
        free(bytes);
        return rc;
    }
    *record = bytes;
    *len = h.len;
    return 0;
}
