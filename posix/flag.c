/* Flags on POSIX: a non-blocking pipe whose read end is the sentinel and
 * holds one byte while the flag is raised, so poll() (and mp_wait()) sees
 * it readable exactly then. The state is also kept here, so raising a
 * raised flag costs no system call. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "posix_internal.h"

struct mp__os_flag {
    int read_end, write_end;
    bool raised;
};

int mp__os_flag_create(mp__os_flag_t **out)
{
    mp__os_flag_t *flag = calloc(1, sizeof *flag);
    if (!flag)
        return MP_ENOMEM;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(flag);
        return mp__posix_syserr("pipe2 (flag)");
    }
    flag->read_end = fds[0];
    flag->write_end = fds[1];
    *out = flag;
    return 0;
}

void mp__os_flag_set(mp__os_flag_t *flag, bool raised)
{
    if (flag->raised == raised)
        return;
    char byte = 1;
    ssize_t n;
    if (raised)
        do
            n = write(flag->write_end, &byte, 1);
        while (n < 0 && errno == EINTR);
    else
        do
            n = read(flag->read_end, &byte, 1);
        while (n < 0 && errno == EINTR);
    flag->raised = raised;
}

mp_sentinel_t mp__os_flag_sentinel(const mp__os_flag_t *flag)
{
    return flag->read_end;
}

void mp__os_flag_free(mp__os_flag_t *flag)
{
    if (!flag)
        return;
    mp__posix_close(flag->read_end);
    mp__posix_close(flag->write_end);
    free(flag);
}
