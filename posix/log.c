/* The log's two needs of the OS (mp_backend.h): the wall clock, and one
 * write(2) per line to stderr. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "posix_internal.h"

int64_t mp__os_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mp__os_log_write(const char *line, size_t len)
{
    /* The caller may be between a failing call and its report. */
    int saved = errno;
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, line, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* stderr closed or broken: the line is lost */
        /* Only a signal cuts a write to a pipe or file short; the rest
         * follows at once. */
        line += n;
        len -= (size_t)n;
    }
    errno = saved;
}
