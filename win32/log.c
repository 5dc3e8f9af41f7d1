/* The log's two needs of the OS (mp_backend.h): the wall clock, and one
 * WriteFile per line to the standard error handle. */
#include "win32_internal.h"

int64_t mp__os_wall_ms(void)
{
    /* 100 ns ticks since 1601-01-01; the Unix epoch is 11644473600 s later. */
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    uint64_t ticks = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (int64_t)(ticks / 10000) - INT64_C(11644473600000);
}

void mp__os_log_write(const char *line, size_t len)
{
    DWORD saved = GetLastError();
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    DWORD written;
    if (err != NULL && err != INVALID_HANDLE_VALUE)
        WriteFile(err, line, (DWORD)len, &written, NULL);
    SetLastError(saved);
}
