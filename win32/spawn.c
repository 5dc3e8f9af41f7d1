/* The "spawn" start method, the only one Windows has: CreateProcessW of the
 * running executable with a marker argument, giving the child exactly the
 * handles it needs and no other.
 *
 *   "<exe>" --multiproc-spawn <channel> <parent> <h0> <h1> ...
 *
 * <channel> is the child's end of its channel (channel.c), <parent> a
 * handle to this process (the child watches it to see its parent end), and
 * <h0>... the launch's handles in order (the shared memory of the objects
 * the child is given). They are handle values, valid in the child because it
 * inherits them at the same values; it reads its bootstrap record from the
 * channel first (child.c).
 *
 * Only what is listed in PROC_THREAD_ATTRIBUTE_HANDLE_LIST is inherited,
 * even though bInheritHandles is TRUE: the list holds inheritable duplicates
 * made for this one call (closed right after it), so no handle of ours is
 * ever inheritable for long, and a CreateProcess elsewhere in the program,
 * ours in another thread or the user's, cannot pick any of them up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win32_internal.h"

/* Channel, parent, the launch's handles, stdin, stdout, stderr. */
enum { MAX_INHERITED = 2 + MP__MAX_CHILD_HANDLES + 3 };

/* The handles one child inherits: duplicates we own until the call is over. */
typedef struct inherit_list {
    HANDLE h[MAX_INHERITED];
    size_t n;
} inherit_list_t;

static int inherit(inherit_list_t *list, HANDLE h, HANDLE *copy)
{
    int rc = mp__win_inheritable_copy(h, copy);
    if (rc == 0)
        list->h[list->n++] = *copy;
    return rc;
}

static void inherit_list_close(inherit_list_t *list)
{
    for (size_t i = 0; i < list->n; i++)
        mp__win_close(list->h[i]);
    list->n = 0;
}

/* A handle to this process that a child may wait on. */
static int inherit_self(inherit_list_t *list, HANDLE *copy)
{
    HANDLE self = GetCurrentProcess();
    if (!DuplicateHandle(self, self, self, copy, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
                         TRUE, 0))
        return mp__win_syserr("DuplicateHandle(process)");
    list->h[list->n++] = *copy;
    return 0;
}

/* The child gets our standard handles, where we have them (a GUI program,
 * or one started with stdio closed, has none: the child has none either). */
static void inherit_stdio(inherit_list_t *list, STARTUPINFOW *si)
{
    static const DWORD which[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    HANDLE *slot[3] = {&si->hStdInput, &si->hStdOutput, &si->hStdError};
    for (int i = 0; i < 3; i++) {
        HANDLE h = GetStdHandle(which[i]);
        if (h && h != INVALID_HANDLE_VALUE && inherit(list, h, slot[i]) < 0)
            *slot[i] = NULL; /* not a handle that can be duplicated: skip it */
    }
    si->dwFlags |= STARTF_USESTDHANDLES;
}

/* The running executable's path, malloc()ed (paths may exceed MAX_PATH). */
static wchar_t *self_exe(void)
{
    for (DWORD size = MAX_PATH;; size *= 2) {
        wchar_t *path = malloc(size * sizeof *path);
        if (!path)
            return NULL;
        DWORD n = GetModuleFileNameW(NULL, path, size);
        if (n > 0 && n < size)
            return path;
        free(path);
        if (n == 0 || size > 65536)
            return NULL;
    }
}

/* `"<exe>" --multiproc-spawn <values...>` as one malloc()ed wide string. A
 * Windows path cannot contain '"', so quoting it whole is exact. */
static wchar_t *command_line(const wchar_t *exe, const HANDLE *values, size_t n)
{
    char args[32 + (2 + MP__MAX_CHILD_HANDLES) * 24];
    size_t len = (size_t)snprintf(args, sizeof args, " %s", MP__WIN_SPAWN_MARKER);
    for (size_t i = 0; i < n && len < sizeof args; i++)
        len += (size_t)snprintf(args + len, sizeof args - len, " %llu",
                                (unsigned long long)(uintptr_t)values[i]);
    wchar_t *wargs = len < sizeof args ? mp__win_wide(args) : NULL;
    size_t exe_len = wcslen(exe), args_len = wargs ? wcslen(wargs) : 0;
    wchar_t *line = wargs ? malloc((exe_len + args_len + 3) * sizeof *line) : NULL;
    if (line) {
        line[0] = L'"';
        memcpy(line + 1, exe, exe_len * sizeof *line);
        line[1 + exe_len] = L'"';
        memcpy(line + 2 + exe_len, wargs, (args_len + 1) * sizeof *line);
    }
    free(wargs);
    return line;
}

/* An attribute list naming exactly the handles in `list`. */
static int handle_attribute(const inherit_list_t *list, LPPROC_THREAD_ATTRIBUTE_LIST *out)
{
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = malloc(size);
    if (!attrs)
        return MP_ENOMEM;
    if (!InitializeProcThreadAttributeList(attrs, 1, 0, &size)) {
        free(attrs);
        return mp__win_syserr("InitializeProcThreadAttributeList");
    }
    if (!UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, (PVOID)list->h,
                                   list->n * sizeof *list->h, NULL, NULL)) {
        int rc = mp__win_syserr("UpdateProcThreadAttribute");
        DeleteProcThreadAttributeList(attrs);
        free(attrs);
        return rc;
    }
    *out = attrs;
    return 0;
}

/* Create the child, suspended, with `list` as its only inherited handles. */
static int create_child(const inherit_list_t *list, const wchar_t *exe, wchar_t *cmdline,
                        STARTUPINFOEXW *si, PROCESS_INFORMATION *pi)
{
    int rc = handle_attribute(list, &si->lpAttributeList);
    if (rc < 0)
        return rc;
    si->StartupInfo.cb = sizeof *si;
    if (!CreateProcessW(exe, cmdline, NULL, NULL, TRUE,
                        CREATE_SUSPENDED | EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                        &si->StartupInfo, pi))
        rc = mp__win_syserr("CreateProcessW");
    DeleteProcThreadAttributeList(si->lpAttributeList);
    free(si->lpAttributeList);
    return rc;
}

/* Start this program as a child holding `theirs` (its channel end) and the
 * launch's handles; fills `pi` with a running child. */
static int start_child(const mp__launch_t *launch, HANDLE theirs, PROCESS_INFORMATION *pi)
{
    inherit_list_t list = {.n = 0};
    /* The values the child finds its handles at, in command-line order. */
    HANDLE values[2 + MP__MAX_CHILD_HANDLES];
    STARTUPINFOEXW si;
    ZeroMemory(&si, sizeof si);
    int rc = inherit(&list, theirs, &values[0]);
    if (rc == 0)
        rc = inherit_self(&list, &values[1]);
    for (size_t i = 0; rc == 0 && i < launch->nhandles; i++)
        rc = inherit(&list, mp__win_handle(launch->handles[i]), &values[2 + i]);
    if (rc == 0)
        inherit_stdio(&list, &si.StartupInfo);
    wchar_t *exe = rc == 0 ? self_exe() : NULL;
    wchar_t *cmdline = exe ? command_line(exe, values, 2 + launch->nhandles) : NULL;
    if (rc == 0 && !cmdline)
        rc = exe ? MP_ENOMEM : mp__win_syserr("GetModuleFileNameW");
    if (rc == 0)
        rc = create_child(&list, exe, cmdline, &si, pi);
    free(exe);
    free(cmdline);
    /* The child has its copies (or there is no child): close ours. */
    inherit_list_close(&list);
    if (rc < 0)
        return rc;
    /* Daemons, and children that must not outlive us however we end, join
     * the kill-on-close job before they run a single instruction (job.c). */
    if (launch->daemon || launch->exit_with_parent) {
        rc = mp__win_job_assign(pi->hProcess);
        /* A daemon is terminated by the core when we exit normally, as on
         * POSIX; only exit_with_parent promises more than that. */
        if (rc < 0 && !launch->exit_with_parent)
            rc = 0;
    }
    if (rc == 0 && ResumeThread(pi->hThread) == (DWORD)-1)
        rc = mp__win_syserr("ResumeThread");
    CloseHandle(pi->hThread);
    if (rc < 0) {
        TerminateProcess(pi->hProcess, MP__WIN_SIGNALLED + 9);
        CloseHandle(pi->hProcess);
    }
    return rc;
}

static int spawn_start(const mp__launch_t *launch, mp__os_proc_t **out)
{
    if (launch->nhandles > MP__MAX_CHILD_HANDLES)
        return mp__errdetail_set(MP_EINVAL, "a child can be given at most %d handles, not %zu",
                                 MP__MAX_CHILD_HANDLES, launch->nhandles);
    HANDLE ours, theirs;
    int rc = mp__win_channel_pair(&ours, &theirs);
    if (rc < 0)
        return rc;
    PROCESS_INFORMATION pi;
    rc = start_child(launch, theirs, &pi);
    CloseHandle(theirs);
    if (rc < 0) {
        CloseHandle(ours);
        return rc;
    }
    mp__os_proc_t *proc;
    if ((rc = mp__win_proc_new(pi.dwProcessId, pi.hProcess, ours, &proc)) < 0)
        return rc; /* the child finds no orders and exits */
    rc = mp__win_send_record(ours, launch, proc->process);
    if (rc < 0) {
        mp__core_abandon_start(proc);
        return rc;
    }
    *out = proc;
    return 0;
}

const mp__start_method_t mp__win_spawn_method = {
    .name = "spawn", .flags = MP__METHOD_NEEDS_RECORD, .start = spawn_start};
