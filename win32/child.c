/* The child's side: recognise a spawned child by its marker argument and
 * the handle values after it (spawn.c), read the framed bootstrap record
 * from the channel, run it, report and exit. Also the child's view of its
 * parent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win32_internal.h"

/* This process's channel to its parent; NULL in the main process. */
static HANDLE own_chan;

/* A handle value from the command line; false unless the whole text is a
 * number that fits a handle. */
static bool parse_handle(const char *text, HANDLE *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || v > UINTPTR_MAX)
        return false;
    *out = (HANDLE)(uintptr_t)v;
    return true;
}

/* The handles arrived inheritable (that is how they got here); make them
 * ours alone again, so that a process this child starts some other way
 * (system(), a CreateProcess of the user's) cannot inherit them. That keeps
 * "end-of-file on the channel means this child ended" true. */
static void keep_private(HANDLE h)
{
    SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
}

/* Read the orders and run them; never returns. argv: the values after the
 * marker, channel first (spawn.c's command line). */
static void run_spawned_child(int nargs, char **args)
{
    HANDLE parent = NULL;
    mp_sentinel_t handles[MP__MAX_CHILD_HANDLES];
    size_t nhandles = nargs >= 2 ? (size_t)nargs - 2 : 0;
    bool ok = nargs >= 2 && nhandles <= MP__MAX_CHILD_HANDLES && parse_handle(args[0], &own_chan) &&
              parse_handle(args[1], &parent);
    for (size_t i = 0; ok && i < nhandles; i++) {
        HANDLE h = NULL;
        ok = parse_handle(args[2 + i], &h);
        handles[i] = mp__win_sentinel(h);
    }
    void *record = NULL;
    size_t len = 0;
    if (ok) {
        keep_private(own_chan);
        keep_private(parent);
        for (size_t i = 0; i < nhandles; i++)
            keep_private(mp__win_handle(handles[i]));
        mp__win_parent_adopt(parent);
        /* A bad frame still goes to the core, which reports MP_EBOOTSTRAP. */
        if (mp__win_read_frame(own_chan, nhandles, &record, &len) < 0)
            record = NULL, len = 0;
    }
    int code = mp__core_child_main("spawn", record, len, handles, record ? nhandles : 0);
    free(record);
    mp__os_child_exit(code);
}

int mp__os_enter_child(int *argc, char ***argv)
{
    if (!argc || !argv || !*argv || *argc < 2 || !(*argv)[1])
        return 0;
    if (strcmp((*argv)[1], MP__WIN_SPAWN_MARKER) == 0)
        run_spawned_child(*argc - 2, *argv + 2);
    return 0;
}

int mp__os_child_report(const void *record, size_t len)
{
    if (!own_chan)
        return MP_ESTATE;
    return mp__win_write_all(own_chan, record, len);
}

void mp__os_child_exit(int code)
{
    fflush(stdout);
    fflush(stderr);
    /* _exit: no atexit handler of the user's runs in a child (its task
     * ended; mp_atexit() handlers ran already), as on POSIX. */
    _exit(code);
}

/* ---- watching the parent ------------------------------------------ */

static HANDLE given_parent; /* the handle the launch brought, if any */
static HANDLE parent;       /* the one being watched */
static bool watching;
static bool parent_gone;

void mp__win_parent_adopt(HANDLE h)
{
    given_parent = h;
}

int mp__os_parent_watch(mp_pid_t ppid)
{
    if (parent && parent != given_parent)
        mp__win_close(parent);
    parent = NULL;
    parent_gone = false;
    watching = true;
    /* The handle from the launch names the very process that started us,
     * even if it has ended and its pid was reused since: prefer it. */
    if (given_parent && (mp_pid_t)GetProcessId(given_parent) == ppid) {
        parent = given_parent;
        return 0;
    }
    parent = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)ppid);
    if (!parent)
        parent_gone = GetLastError() == ERROR_INVALID_PARAMETER; /* no such process */
    return 0;
}

int mp__os_parent_wait(double timeout)
{
    if (!watching)
        return MP_ESTATE;
    if (parent_gone)
        return 0;
    if (!parent) /* it exists, but we may not wait on it */
        return mp__errdetail_set(MP_ESYS, "cannot watch the parent process");
    double deadline = mp__deadline(true, timeout);
    for (;;) {
        DWORD r = WaitForSingleObject(parent, mp__win_ms_until(deadline));
        if (r == WAIT_OBJECT_0)
            return parent_gone = true, 0;
        if (r == WAIT_FAILED)
            return mp__win_syserr("WaitForSingleObject(parent)");
        if (mp__os_now() >= deadline)
            return MP_ETIMEDOUT;
    }
}

void mp__os_ignore_interrupts(void)
{
    /* NULL with TRUE: this process ignores Ctrl+C (its children inherit
     * that, as a POSIX child inherits an ignored SIGINT). */
    SetConsoleCtrlHandler(NULL, TRUE);
}
