/* The futex the core's semlocks sleep on, and who owns a mutex. Linux:
 * futex(2) on a shared (not FUTEX_PRIVATE) word, since other processes map
 * it at other addresses; owners are pids, whose death (or zombie state) is
 * read from /proc. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "posix_internal.h"

int mp__os_futex_init(mp__futex_t *futex, uint32_t value)
{
    atomic_store(&futex->value, value);
    futex->key = 0; /* the word's own physical page is the key here */
    return 0;
}

int mp__os_futex_wait(mp__futex_t *futex, uint32_t expected, double seconds)
{
    struct timespec ts, *tsp = NULL;
    if (!isinf(seconds)) {
        if (seconds < 0)
            seconds = 0;
        ts.tv_sec = (time_t)seconds;
        ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
        tsp = &ts;
    }
    /* EAGAIN (the word changed) and ETIMEDOUT mean "look again"; EINTR a
     * handler ran (Linux restarts the wait itself for an SA_RESTART one). */
    if (syscall(SYS_futex, &futex->value, FUTEX_WAIT, expected, tsp, NULL, 0) < 0 && errno == EINTR)
        return MP_EINTR;
    return 0;
}

void mp__os_futex_wake(mp__futex_t *futex, int count)
{
    syscall(SYS_futex, &futex->value, FUTEX_WAKE, count, NULL, NULL, 0);
}

uint32_t mp__os_thread_id(void)
{
    return (uint32_t)syscall(SYS_gettid);
}

uint32_t mp__os_lock_owner_id(void)
{
    /* pid_max is at most 2^22 on Linux, well below the 2^30 promised. */
    return (uint32_t)mp__os_getpid();
}

mp_pid_t mp__os_lock_owner_pid(uint32_t owner)
{
    return (mp_pid_t)owner; /* the owner id is the pid here */
}

bool mp__os_lock_owner_is_dead(uint32_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%u/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    /* The state follows the parenthesised command name, which may itself
     * contain ')': take the last one. Z: zombie, X: dead. */
    const char *paren = strrchr(buf, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}
