/* Time, identity, randomness and thread counting for the POSIX backend. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#include "mp_core.h"
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

mp_pid_t mp__os_getpid(void)
{
    return (mp_pid_t)getpid();
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
    /* One entry per thread under /proc/self/task. */
    DIR *dir = opendir("/proc/self/task");
    if (!dir)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(dir));)
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    return n;
#else
    return -1;
#endif
}
