/* A started child from the parent's side: wait for it while collecting
 * what it sends, read its exit status, end it.
 *
 * The child's end is its process handle (the sentinel), signalled when the
 * process has ended. Its result comes on the channel, read with overlapped
 * I/O so that one WaitForMultipleObjects() waits for "more result bytes"
 * and "the child ended" at once: a child may write a result much bigger than
 * the pipe's buffer, and it cannot end before we have read it. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "win32_internal.h"

/* Once the child has ended, its end of the channel is closed (the system
 * closes a process's handles as it ends, and nobody else holds it: a
 * child's channel is never inherited further, see child.c), so the rest
 * of its result follows at once. Wait for it this long whatever the
 * caller's timeout, so that a poll never reports a dead child as alive. */
static const double EOF_GRACE_SECONDS = 2.0;

int mp__win_proc_new(DWORD pid, HANDLE process, HANDLE chan, mp__os_proc_t **out)
{
    mp__os_proc_t *proc = calloc(1, sizeof *proc);
    char *inbuf = malloc(MP__WIN_READ_CHUNK);
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!proc || !inbuf || !event) {
        int rc = event ? MP_ENOMEM : mp__win_syserr("CreateEventW");
        free(proc), free(inbuf), mp__win_close(event);
        mp__win_close(process), mp__win_close(chan);
        return rc;
    }
    proc->pid = pid;
    proc->process = process;
    proc->chan = chan;
    proc->inbuf = inbuf;
    proc->ov.hEvent = event;
    *out = proc;
    return 0;
}

/* POSIX signal numbers, for crashes (Windows' signal.h has no SIGKILL and
 * numbers SIGABRT 22): the negative exit codes mean the same everywhere. */
enum {
    POSIX_SIGINT = 2,
    POSIX_SIGILL = 4,
    POSIX_SIGABRT = 6,
    POSIX_SIGFPE = 8,
    POSIX_SIGSEGV = 11
};

int mp__win_decode_exit(DWORD status)
{
    if ((status & ~0xffu) == MP__WIN_SIGNALLED)
        return -(int)(status & 0xffu);
    switch (status) {
    case STATUS_ACCESS_VIOLATION:
    case STATUS_STACK_OVERFLOW:
    case STATUS_IN_PAGE_ERROR: return -POSIX_SIGSEGV;
    case STATUS_ILLEGAL_INSTRUCTION:
    case STATUS_PRIVILEGED_INSTRUCTION: return -POSIX_SIGILL;
    case STATUS_INTEGER_DIVIDE_BY_ZERO:
    case STATUS_FLOAT_DIVIDE_BY_ZERO:
    case STATUS_FLOAT_INVALID_OPERATION:
    case STATUS_FLOAT_OVERFLOW: return -POSIX_SIGFPE;
    case STATUS_STACK_BUFFER_OVERRUN: /* __fastfail, the UCRT's abort() */ return -POSIX_SIGABRT;
    case STATUS_CONTROL_C_EXIT: return -POSIX_SIGINT;
    default:
        /* Any other NTSTATUS failure would read as a large negative number,
         * which callers take for a signal: say "failed" instead. */
        return status > INT_MAX ? 255 : (int)status;
    }
}

/* Hand what the last read brought to the caller. */
static int deliver(mp__os_proc_t *proc, mp__buf_t *received)
{
    if (proc->held == 0)
        return 0;
    int rc = mp__buf_append(received, proc->inbuf, proc->held);
    if (rc == 0)
        proc->held = 0; /* on MP_ENOMEM the bytes stay for the next call */
    return rc;
}

/* Complete and start reads until one is in flight or the channel ended.
 * Never blocks. */
static int pump(mp__os_proc_t *proc, mp__buf_t *received)
{
    for (;;) {
        int rc = deliver(proc, received);
        if (rc < 0 || proc->chan_eof)
            return rc;
        if (!proc->reading) {
            /* Success or ERROR_IO_PENDING alike: the result is read below. */
            if (!ReadFile(proc->chan, proc->inbuf, MP__WIN_READ_CHUNK, NULL, &proc->ov) &&
                GetLastError() != ERROR_IO_PENDING) {
                proc->chan_eof = true; /* broken pipe: the child is gone */
                return 0;
            }
            proc->reading = true;
        }
        DWORD got = 0;
        if (!GetOverlappedResult(proc->chan, &proc->ov, &got, FALSE)) {
            if (GetLastError() == ERROR_IO_INCOMPLETE)
                return 0;
            proc->reading = false;
            proc->chan_eof = true; /* end-of-file, or the pipe broke */
            return 0;
        }
        proc->reading = false;
        proc->held = got;
    }
}

static void reap(mp__os_proc_t *proc)
{
    DWORD status = 255;
    GetExitCodeProcess(proc->process, &status);
    proc->exitcode = mp__win_decode_exit(status);
    proc->reaped = true;
}

int mp__os_proc_wait(mp__os_proc_t *proc, double timeout, mp__buf_t *received, int *exitcode)
{
    double deadline = mp__deadline(true, timeout), grace = 0;
    for (;;) {
        int rc = pump(proc, received);
        if (rc < 0)
            return rc;
        if (proc->reaped && proc->chan_eof)
            break;
        HANDLE objs[2];
        DWORD n = 0;
        if (!proc->reaped)
            objs[n++] = proc->process;
        if (!proc->chan_eof)
            objs[n++] = proc->ov.hEvent;
        double until = deadline;
        if (proc->reaped) {
            if (grace == 0)
                grace = mp__os_now() + EOF_GRACE_SECONDS;
            until = until > grace ? until : grace;
        }
        DWORD r = WaitForMultipleObjects(n, objs, FALSE, mp__win_ms_until(until));
        if (r == WAIT_FAILED)
            return mp__win_syserr("WaitForMultipleObjects");
        if (r == WAIT_TIMEOUT) {
            if (mp__os_now() < until)
                continue; /* a wait longer than one call can take */
            if (!proc->reaped)
                return MP_ETIMEDOUT;
            /* Ended, yet its channel is held open: stop reading it. */
            CancelIoEx(proc->chan, &proc->ov);
            pump(proc, received);
            proc->chan_eof = true;
            break;
        }
        if (objs[r - WAIT_OBJECT_0] == proc->process)
            reap(proc);
    }
    *exitcode = proc->exitcode;
    return 0;
}

int mp__os_proc_signal(mp__os_proc_t *proc, mp__signal_t sig)
{
    if (proc->reaped)
        return 0;
    if (sig == MP__SIG_INT)
        return mp__errdetail_set(MP_ENOTSUP,
                                 "Windows cannot interrupt another process (no SIGINT)");
    /* Python on Windows: terminate() and kill() are both TerminateProcess,
     * and the exit code reads as -SIGTERM (process.h documents it). */
    unsigned signo = 15;
    if (!TerminateProcess(proc->process, MP__WIN_SIGNALLED + signo)) {
        /* A process that has ended already cannot be terminated: fine. */
        if (mp__win_is_signalled(proc->process))
            return 0;
        return mp__win_syserr("TerminateProcess");
    }
    return 0;
}

mp_pid_t mp__os_proc_pid(const mp__os_proc_t *proc)
{
    return (mp_pid_t)proc->pid;
}

mp_sentinel_t mp__os_proc_sentinel(const mp__os_proc_t *proc)
{
    return mp__win_sentinel(proc->process);
}

void mp__os_proc_free(mp__os_proc_t *proc)
{
    if (!proc)
        return;
    if (proc->reading) {
        /* The kernel must be done with `ov` and `inbuf` before they go. */
        DWORD got;
        CancelIoEx(proc->chan, &proc->ov);
        GetOverlappedResult(proc->chan, &proc->ov, &got, TRUE);
    }
    mp__win_close(proc->chan);
    mp__win_close(proc->ov.hEvent);
    mp__win_close(proc->process);
    free(proc->inbuf);
    free(proc);
}
