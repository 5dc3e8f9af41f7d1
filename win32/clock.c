/* Time, identity, randomness, thread counting and the console check for
 * the Win32 backend. */
#include <math.h>

#include "win32_internal.h" /* <windows.h>, which these two need first */

#include <bcrypt.h>
#include <tlhelp32.h>

double mp__os_now(void)
{
    /* The frequency is fixed at boot; racing first calls store the same. */
    static LONGLONG freq;
    LARGE_INTEGER count;
    if (!freq) {
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f);
        freq = f.QuadPart;
    }
    QueryPerformanceCounter(&count);
    /* Whole seconds and the rest apart: no precision lost to a big count. */
    return (double)(count.QuadPart / freq) + (double)(count.QuadPart % freq) / (double)freq;
}

void mp__os_sleep(double seconds)
{
    double deadline = mp__deadline(true, seconds);
    for (DWORD ms; (ms = mp__win_ms_until(deadline)) > 0;)
        Sleep(ms);
}

mp_pid_t mp__os_getpid(void)
{
    return (mp_pid_t)GetCurrentProcessId();
}

int mp__os_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ULONG chunk = n > 0x40000000u ? 0x40000000u : (ULONG)n;
        NTSTATUS status = BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
        if (status < 0)
            return mp__errdetail_set(MP_ESYS, "BCryptGenRandom: NTSTATUS 0x%08lx",
                                     (unsigned long)status);
        p += chunk;
        n -= chunk;
    }
    return 0;
}

int mp__os_thread_count(void)
{
    /* The snapshot lists every thread of the system; count ours. */
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return -1;
    DWORD self = GetCurrentProcessId();
    THREADENTRY32 e = {.dwSize = sizeof e};
    int n = 0;
    for (BOOL more = Thread32First(snap, &e); more; more = Thread32Next(snap, &e))
        n += e.th32OwnerProcessID == self;
    CloseHandle(snap);
    return n > 0 ? n : -1;
}

bool mp__os_isatty_stderr(void)
{
    /* A console answers GetConsoleMode; a pipe, a file or NUL does not. */
    DWORD mode;
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    return h && h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}
