/**
 * @file win32_internal.h
 * @brief What the Win32 backend's files share: the child record, the channel
 *        between a parent and its child, connection ends and listeners,
 *        handle and text helpers.
 *
 * The Win32 backend mirrors posix/ file for file where the concept is shared
 * (channel.c, child.c, clock.c, conn.c, cpu.c, futex.c, listener.c,
 * methods.c, proc.c, shm.c, spawn.c; fd.c becomes handle.c; channel.c is a
 * named pipe where POSIX has a socketpair) and adds what Windows needs of
 * its own: job.c (the kill-on-close job that ends daemons with their
 * parent) and wait.c (waiting on more handles than WaitForMultipleObjects
 * takes). Everything the API sees is UTF-8; the
 * backend calls the wide (W) functions inside.
 */
#ifndef WIN32_INTERNAL_H
#define WIN32_INTERNAL_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "mp_backend.h"

/* ---- a started child, as the parent tracks it (proc.c) -------------- */

/** How many bytes of the child's result one read takes. */
#define MP__WIN_READ_CHUNK (64 * 1024)

/** A started child, as the Win32 backend tracks it. */
struct mp__os_proc {
    DWORD pid;
    HANDLE process; /**< the sentinel: signalled when the child has ended */
    HANDLE chan;    /**< our end of its channel: its result, then end-of-file */
    OVERLAPPED ov;  /**< the read in flight on `chan` (ov.hEvent is ours) */
    bool reading;   /**< a read is in flight: `inbuf` belongs to the kernel */
    char *inbuf;    /**< where reads land (never the caller's buffer, which
                         may move or be freed between two waits) */
    DWORD held;     /**< bytes in `inbuf` not yet handed to the caller */
    bool chan_eof;
    bool reaped;
    int exitcode;
};

/**
 * @brief A proc record owning `process` and `chan` (closed on failure).
 * @return 0 or MP_ENOMEM/MP_ESYS.
 */
int mp__win_proc_new(DWORD pid, HANDLE process, HANDLE chan, mp__os_proc_t **out);

/**
 * @brief The exit code a Python user expects from a Windows exit status:
 *        the code, -signal for the codes terminate/kill use, a POSIX-like
 *        -signal for crashes (access violation: -SIGSEGV...).
 */
int mp__win_decode_exit(DWORD status);

/** TerminateProcess() exit status for "ended by signal n": this plus n. */
#define MP__WIN_SIGNALLED 0x10000u

/* ---- the channel between a parent and its spawned child (channel.c) -- */

/** The marker argument of a spawned child (the same as on POSIX). */
#define MP__WIN_SPAWN_MARKER "--multiproc-spawn"

/** The header in front of a bootstrap record on a channel. */
typedef struct mp__win_frame {
    char magic[4];     /**< "MPW1" */
    uint32_t flags;    /**< none defined yet: 0 */
    uint64_t len;      /**< bytes of record that follow */
    uint32_t nhandles; /**< launch handles the child was given */
    uint32_t reserved;
} mp__win_frame_t;

/** The largest record a child accepts (a corrupt length is not a malloc). */
#define MP__WIN_MAX_RECORD (1u << 30)

/**
 * @brief A connected pipe (a uniquely named, byte-mode, duplex named pipe):
 *        `ours` is overlapped (the parent waits on it together with the
 *        child's process), `theirs` synchronous (for the child). Neither is
 *        inheritable.
 */
int mp__win_channel_pair(HANDLE *ours, HANDLE *theirs);

/**
 * @brief Parent side: send the frame and the record on `chan` (overlapped).
 *        A child that ends before reading it is not an error here: its
 *        death is reported by the wait. @return 0 or MP_ESYS/MP_ENOMEM.
 */
int mp__win_send_record(HANDLE chan, const mp__launch_t *launch, HANDLE process);

/**
 * @brief Child side: read the frame and the record from the channel.
 * @param nhandles how many launch handles the command line gave: the frame
 *        must say the same.
 * @param[out] record the record, malloc()ed; `len` its length.
 * @return 0; MP_EBOOTSTRAP for a bad frame; MP_EEOF; MP_ENOMEM; MP_ESYS.
 */
int mp__win_read_frame(HANDLE chan, size_t nhandles, void **record, size_t *len);

/** @brief Write all bytes on a synchronous handle. MP_EEOF: reader gone. */
int mp__win_write_all(HANDLE h, const void *buf, size_t n);

/** @brief Read exactly n bytes from a synchronous handle; MP_EEOF early. */
int mp__win_read_all(HANDLE h, void *buf, size_t n);

/* ---- starting children (spawn.c, job.c) ------------------------------ */

/** The spawn start method (Windows has no other). */
extern const mp__start_method_t mp__win_spawn_method;

/**
 * @brief Put a new (still suspended) child in this process's kill-on-close
 *        job, so that it ends when this process ends, however it ends.
 */
int mp__win_job_assign(HANDLE process);

/* ---- the child's side (child.c) -------------------------------------- */

/** @brief The process this child watches as its parent (its handle came
 *         with the launch); NULL when it was given none. */
void mp__win_parent_adopt(HANDLE parent);

/* ---- handles, time and text (handle.c) ------------------------------- */

/** @brief An mp_sentinel_t as the HANDLE it stands for, and back. */
static inline HANDLE mp__win_handle(mp_sentinel_t s)
{
    return (HANDLE)(intptr_t)s;
}
static inline mp_sentinel_t mp__win_sentinel(HANDLE h)
{
    return (mp_sentinel_t)(intptr_t)h;
}

/** @brief Record GetLastError() for mp_errdetail() and return MP_ESYS. */
int mp__win_syserr(const char *what);

/** @brief Record `err` (a Win32 error code) and return MP_ESYS. */
int mp__win_syserr_code(const char *what, DWORD err);

/** @brief CloseHandle() that ignores NULL and INVALID_HANDLE_VALUE and
 *         keeps the last error. */
void mp__win_close(HANDLE h);

/** @brief An inheritable duplicate of `h` (same access). */
int mp__win_inheritable_copy(HANDLE h, HANDLE *out);

/** @brief Milliseconds to wait for `deadline`: INFINITE for none, rounded
 *         up (a wait never ends before its deadline) and capped below
 *         INFINITE (callers loop on long waits). */
DWORD mp__win_ms_until(double deadline);

/** @brief UTF-8 to a malloc()ed wide string; NULL for bad UTF-8 or no memory. */
wchar_t *mp__win_wide(const char *utf8);

/** @brief A wide string to a malloc()ed UTF-8 one; NULL on failure. */
char *mp__win_utf8(const wchar_t *wide);

/** @brief Whether a waitable handle is signalled now (false on error). */
bool mp__win_is_signalled(HANDLE h);

/* ---- connection ends (conn.c) and listeners (listener.c) -------------- */

/** Pipe buffer sizes: a hint to the system (a write bigger than the buffer
 *  waits until the reader has taken enough, it is not refused). */
#define MP__WIN_PIPE_BUFFER (64 * 1024)

/** Room for a name from mp__win_pipe_random_name(), NUL included. */
#define MP__WIN_PIPE_NAME_SIZE 48

/**
 * @brief An unguessable pipe name, `mp-<pid>-<16 hex digits>` (the random
 *        part from the system's cryptographic generator), without the
 *        `\\.\pipe\` prefix. @return 0; MP_EINVAL when `size` is too
 *        small (MP__WIN_PIPE_NAME_SIZE is enough); MP_ESYS.
 */
int mp__win_pipe_random_name(char *name, size_t size);

/** @brief `\\.\pipe\NAME` for a UTF-8 NAME, malloc()ed; NULL for bad
 *         UTF-8 or no memory. */
wchar_t *mp__win_pipe_path(const char *name);

/**
 * @brief A connection end owning a connected named pipe end in message
 *        read mode, opened with FILE_FLAG_OVERLAPPED (closed on failure).
 * @return 0; MP_ENOMEM; MP_ESYS.
 */
int mp__win_conn_from_pipe(HANDLE pipe, mp__os_conn_t **out);

/**
 * @brief A connection end owning a connected TCP socket that supports
 *        overlapped I/O, in blocking mode with no WSAEventSelect() on it
 *        (closed with closesocket() on failure). Such an end works in this
 *        process only: mp__os_conn_from_handle() refuses a socket.
 * @param s a SOCKET (an unsigned pointer-sized integer): this header
 *        leaves winsock2.h to the files that use sockets (its GROUP
 *        typedef clashes with wait.c's).
 * @return 0; MP_ENOMEM; MP_ESYS.
 */
int mp__win_conn_from_socket(uintptr_t s, mp__os_conn_t **out);

/**
 * @brief Start an overlapped ConnectNamedPipe() on a server instance whose
 *        `ov->hEvent` is a manual-reset event (listener.c; declared here for
 *        the smoke suite, which checks the early-close case on its own).
 * @param connected out: true when a client is there already, and the
 *        event is not signalled for it (ERROR_PIPE_CONNECTED; and
 *        ERROR_NO_DATA, a client that connected, wrote and closed: its
 *        messages stay readable, as CPython's PipeListener treats it);
 *        false while the connect is in
 *        flight (the kernel owns `ov` until its event is signalled).
 * @return 0; MP_ESYS.
 */
int mp__win_pipe_await_client(HANDLE pipe, OVERLAPPED *ov, bool *connected);

#endif /* WIN32_INTERNAL_H */
