/* Handle, time and text helpers (the Win32 twin of posix/fd.c): every
 * handle the library makes is non-inheritable, and only inheritable
 * duplicates made for one CreateProcessW call cross into a child; errors
 * are recorded with the system's own message, in UTF-8. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "win32_internal.h"

int mp__win_syserr_code(const char *what, DWORD err)
{
    wchar_t *text = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, err, 0, (LPWSTR)&text, 0, NULL);
    /* The system's sentences end in ".\r\n": keep the sentence only. */
    while (n > 0 && (text[n - 1] == L'\n' || text[n - 1] == L'\r' || text[n - 1] == L'.'))
        text[--n] = L'\0';
    char *utf8 = n > 0 ? mp__win_utf8(text) : NULL;
    LocalFree(text);
    int rc = mp__errdetail_set(MP_ESYS, "%s: %s (Windows error %lu)", what,
                               utf8 ? utf8 : "unknown error", (unsigned long)err);
    free(utf8);
    SetLastError(err);
    return rc;
}

int mp__win_syserr(const char *what)
{
    return mp__win_syserr_code(what, GetLastError());
}

void mp__win_close(HANDLE h)
{
    if (h == NULL || h == INVALID_HANDLE_VALUE)
        return;
    DWORD saved = GetLastError();
    CloseHandle(h);
    SetLastError(saved);
}

int mp__win_inheritable_copy(HANDLE h, HANDLE *out)
{
    HANDLE self = GetCurrentProcess();
    if (!DuplicateHandle(self, h, self, out, 0, TRUE, DUPLICATE_SAME_ACCESS))
        return mp__win_syserr("DuplicateHandle");
    return 0;
}

bool mp__win_is_signalled(HANDLE h)
{
    return WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
}

DWORD mp__win_ms_until(double deadline)
{
    if (isinf(deadline))
        return INFINITE;
    double left = deadline - mp__os_now();
    if (left <= 0)
        return 0;
    /* Round up so a wait never ends early; stay below INFINITE (about 49
     * days), the caller waits again for what is left. */
    double ms = ceil(left * 1000.0);
    return ms >= (double)(INFINITE - 1) ? INFINITE - 1 : (DWORD)ms;
}

wchar_t *mp__win_wide(const char *utf8)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *wide = malloc((size_t)n * sizeof *wide);
    if (wide && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, wide, n) != n) {
        free(wide);
        wide = NULL;
    }
    return wide;
}

char *mp__win_utf8(const wchar_t *wide)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    char *utf8 = malloc((size_t)n);
    if (utf8 && WideCharToMultiByte(CP_UTF8, 0, wide, -1, utf8, n, NULL, NULL) != n) {
        free(utf8);
        utf8 = NULL;
    }
    return utf8;
}
