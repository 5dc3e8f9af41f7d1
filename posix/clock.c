/* Time, identity, randomness, thread counting and the terminal check for
 * the POSIX backend. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#include "posix_internal.h"

double mp__os_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void mp__os_sleep(double seconds)
{
    double deadline = mp__os_now() + seconds;
    for (double left = seconds; left > 0; left = deadline - mp__os_now()) {
        struct timespec ts = {.tv_sec = (time_t)left,
                              .tv_nsec = (long)((left - (double)(time_t)left) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

/* getpid() is a system call (glibc stopped caching it); the pid is read
 * on RLock acquires, so it is cached, and forgotten in every fork child
 * (mp__posix_forget_pid(), registered by mp__os_init()). */
static pid_t cached_pid;

void mp__posix_forget_pid(void)
{
    cached_pid = 0;
}

mp_pid_t mp__os_getpid(void)
{
    if (!cached_pid)
        cached_pid = getpid();
    return (mp_pid_t)cached_pid;
}

int mp__os_random(void *buf, size_t n)
{
#ifdef __linux__
    char *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return mp__posix_syserr("getrandom");
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
#else
    arc4random_buf(buf, n);
    return 0;
#endif
}

int mp__os_thread_count(void)
{
#ifdef __linux__
    /* Field 20 of /proc/self/stat, read with one pread on a descriptor kept
     * open (it is checked before every fork-method start). The descriptor
     * names the process that opened it, so a child opens its own. */
    static int fd = -1;
    static pid_t opened_by;
    pid_t self = getpid();
    if (fd < 0 || opened_by != self) {
        if (fd >= 0)
            close(fd);
        fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        opened_by = self;
        if (fd < 0)
            return -1;
    }
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* Fields after the ")" that ends the command name: state is the 1st,
     * num_threads the 18th. */
    const char *p = strrchr(buf, ')');
    for (int field = 0; p && field < 18; field++)
        p = strchr(p + 1, ' ');
    return p ? atoi(p + 1) : -1;
#else
    return -1;
#endif
}

bool mp__os_isatty_stderr(void)
{
    return isatty(STDERR_FILENO) == 1;
}
