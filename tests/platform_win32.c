/* The conformance suite's view of Windows (platform.h): process handles
 * opened by pid, named file mappings, CreateProcess. The suite's paths and
 * names are ASCII, so the ANSI (*A) calls are enough here; the library
 * itself speaks UTF-8 through the wide calls. */
#include "platform.h"

#include <windows.h>

#include <direct.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"        /* EXPECT */
#include "win32_internal.h" /* MP__WIN_SIGNALLED: how the backend encodes a kill */

/* The exit status of a process the library killed (win32/proc.c): it reads
 * as -SIGTERM, the suite's KILLED_EXITCODE. */
#define KILLED_STATUS (MP__WIN_SIGNALLED + (unsigned)-KILLED_EXITCODE)

/* ---- time ------------------------------------------------------------ */

double now_s(void)
{
    static LARGE_INTEGER frequency;
    LARGE_INTEGER count;
    if (frequency.QuadPart == 0)
        QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&count);
    return (double)count.QuadPart / (double)frequency.QuadPart;
}

void sleep_s(double seconds)
{
    /* Sleep() may return up to a tick early on some systems: sleep again
     * until the time has really passed, as "after ~t" expects. */
    double end = now_s() + seconds;
    for (double left = seconds; left > 0; left = end - now_s())
        Sleep((DWORD)(left * 1000.0) + 1);
}

/* ---- processes seen from outside ------------------------------------- */

bool pid_reaped(pid_t pid)
{
    /* A process object lives while any handle names it (its parent's,
     * unless the library has closed it); once none does, its pid opens
     * nothing. */
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
    if (!h)
        return true;
    CloseHandle(h);
    return false;
}

bool pid_gone(pid_t pid)
{
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
    if (!h)
        return true;
    bool dead = WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
    CloseHandle(h);
    return dead;
}

void kill_pid(pid_t pid)
{
    HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)pid);
    if (h) {
        TerminateProcess(h, KILLED_STATUS);
        CloseHandle(h);
    }
}

void die_now(void)
{
    TerminateProcess(GetCurrentProcess(), KILLED_STATUS);
}

long self_thread_id(void)
{
    return (long)GetCurrentThreadId();
}

long online_cpu_count(void)
{
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n ? (long)n : -1;
}

long long heap_bytes_in_use(void)
{
    return -1; /* msvcrt has no cheap count; the suite skips the check */
}

mp_sentinel_t closed_sentinel(void)
{
    HANDLE h = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!h)
        return 0;
    CloseHandle(h);
    return (mp_sentinel_t)h; /* nothing else is opened meanwhile in this thread */
}

/* ---- shared-memory names in the OS ----------------------------------- */

void shm_os_path(const char *name, char *out, size_t size)
{
    /* win32/shm.c: a file mapping in this session's namespace. */
    snprintf(out, size, "Local\\mp.%s", name);
}

bool shm_exists(const char *name)
{
    char path[128];
    shm_os_path(name, path, sizeof path);
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, path);
    if (!h)
        return false;
    CloseHandle(h);
    return true;
}

/* ---- environment, directories, stderr -------------------------------- */

void env_put(const char *name, const char *value)
{
    /* _putenv_s changes the CRT's copy and the process environment that
     * CreateProcess hands to children; "" removes the variable. */
    _putenv_s(name, value ? value : "");
}

bool os_make_temp_dir(char *out, size_t size)
{
    static unsigned counter;
    char base[MAX_PATH + 1];
    DWORD n = GetTempPathA(sizeof base, base);
    if (n == 0 || n > MAX_PATH)
        snprintf(base, sizeof base, ".\\");
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(out, size, "%smp-conformance-%lu-%u", base, (unsigned long)GetCurrentProcessId(),
                 counter++);
        if (CreateDirectoryA(out, NULL))
            return true;
        if (GetLastError() != ERROR_ALREADY_EXISTS)
            break;
    }
    out[0] = '\0';
    return false;
}

void remove_tree(const char *dir)
{
    if (!dir || !dir[0])
        return;
    char pattern[MAX_PATH + 8], path[MAX_PATH + 260];
    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    WIN32_FIND_DATAA entry;
    HANDLE find = FindFirstFileA(pattern, &entry);
    if (find != INVALID_HANDLE_VALUE) {
        do {
            if (strcmp(entry.cFileName, ".") == 0 || strcmp(entry.cFileName, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s\\%s", dir, entry.cFileName);
            if (entry.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                remove_tree(path);
            else
                DeleteFileA(path);
        } while (FindNextFileA(find, &entry));
        FindClose(find);
    }
    RemoveDirectoryA(dir);
}

int stderr_redirect(const char *path)
{
    fflush(stderr);
    int saved = _dup(_fileno(stderr));
    int fd = _open(path, _O_WRONLY | _O_CREAT | _O_TRUNC | _O_NOINHERIT, 0600);
    if (saved < 0 || fd < 0 || _dup2(fd, _fileno(stderr)) < 0) {
        if (fd >= 0)
            _close(fd);
        if (saved >= 0)
            _close(saved);
        return -1;
    }
    _close(fd);
    return saved;
}

void stderr_restore(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    _dup2(saved, _fileno(stderr));
    _close(saved);
}

/* ---- subprocesses ---------------------------------------------------- */

const char *self_exe(void)
{
    static char path[MAX_PATH + 1];
    if (!path[0]) {
        DWORD n = GetModuleFileNameA(NULL, path, sizeof path);
        path[n < sizeof path ? n : 0] = '\0';
    }
    return path;
}

/* Append `arg` to `cmd` quoted as CommandLineToArgvW and the CRT read it
 * back: backslashes are literal except before a quote, where they are
 * doubled, and the quote itself is escaped. */
static bool append_quoted(char *cmd, size_t size, const char *arg)
{
    size_t n = strlen(cmd);
    if (n && n + 1 < size)
        cmd[n++] = ' ';
    if (n + 1 >= size)
        return false;
    cmd[n++] = '"';
    for (const char *c = arg;; c++) {
        size_t slashes = 0;
        while (*c == '\\')
            c++, slashes++;
        /* Before a quote or the closing quote, each backslash is doubled. */
        size_t copies = *c == '"' || *c == '\0' ? slashes * 2 : slashes;
        if (n + copies + 3 >= size)
            return false;
        memset(cmd + n, '\\', copies);
        n += copies;
        if (*c == '\0')
            break;
        if (*c == '"')
            cmd[n++] = '\\';
        cmd[n++] = *c;
    }
    cmd[n++] = '"';
    cmd[n] = '\0';
    return true;
}

/* An inheritable handle writing to `path` (created or truncated). */
static HANDLE open_for_child(const char *path)
{
    SECURITY_ATTRIBUTES sa = {.nLength = sizeof sa, .bInheritHandle = TRUE};
    return CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, CREATE_ALWAYS,
                       FILE_ATTRIBUTE_NORMAL, NULL);
}

int run_subprocess(const char *file, char *const argv[], bool search, const char *out_path,
                   const char *err_path, double timeout)
{
    char cmd[8192] = "";
    for (char *const *a = argv; *a; a++)
        if (!append_quoted(cmd, sizeof cmd, *a))
            return INT32_MIN;
    HANDLE out = open_for_child(out_path), err = open_for_child(err_path);
    STARTUPINFOA si = {.cb = sizeof si, .dwFlags = STARTF_USESTDHANDLES};
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = out;
    si.hStdError = err;
    PROCESS_INFORMATION pi;
    fflush(stdout);
    fflush(stderr);
    /* With no application name, CreateProcess takes the program from the
     * command line and searches for it (the PATH among other places). */
    BOOL started = out != INVALID_HANDLE_VALUE && err != INVALID_HANDLE_VALUE &&
                   CreateProcessA(search ? NULL : file, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si,
                                  &pi);
    DWORD why = GetLastError();
    if (out != INVALID_HANDLE_VALUE)
        CloseHandle(out);
    if (err != INVALID_HANDLE_VALUE)
        CloseHandle(err);
    if (!started) {
        EXPECT(false, "CreateProcess(%s): error %lu", file, (unsigned long)why);
        return INT32_MIN;
    }
    CloseHandle(pi.hThread);
    DWORD status = 0;
    int result = INT32_MIN;
    if (WaitForSingleObject(pi.hProcess, (DWORD)(timeout * 1000.0)) != WAIT_OBJECT_0) {
        EXPECT(false, "%s did not end within %.0f s; killed", file, timeout);
        TerminateProcess(pi.hProcess, KILLED_STATUS);
        WaitForSingleObject(pi.hProcess, INFINITE);
    } else if (GetExitCodeProcess(pi.hProcess, &status)) {
        result = status <= 255 ? (int)status : INT32_MIN;
    }
    CloseHandle(pi.hProcess);
    return result;
}
