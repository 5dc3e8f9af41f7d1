/* The POSIX backend's registration: its start methods, default first (as
 * Python 3.14: forkserver on Linux, spawn on macOS), and its fork hooks. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "posix_internal.h"

static const mp__start_method_t *const methods[] = {
#ifdef __APPLE__
    &mp__posix_spawn_method,
    &mp__posix_fork_method,
    &mp__posix_forkserver_method,
#else
    &mp__posix_forkserver_method,
    &mp__posix_fork_method,
    &mp__posix_spawn_method,
#endif
    NULL,
};

const mp__start_method_t *const *mp__os_start_methods(void)
{
    return methods;
}

int mp__posix_pidfd_open(pid_t pid)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
    /* The kernel always sets close-on-exec on a pidfd: no fcntl(). */
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

int mp__os_init(void)
{
    /* Fork policy point 1, for every fork in the process, ours or not. */
    int err = mp__posix_atfork(mp__core_atfork_prepare, mp__core_atfork_parent,
                               mp__core_atfork_child);
    if (!err)
        err = mp__posix_atfork(NULL, NULL, mp__posix_forget_pid);
    if (err) {
        errno = err;
        return mp__posix_syserr("pthread_atfork");
    }
    return mp__posix_forkserver_init();
}

/* Registrations made in this process or inherited by fork, like the
 * handlers themselves. */
static _Atomic size_t atfork_count;

int mp__posix_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    int err = pthread_atfork(prepare, parent, child);
    if (!err)
        atomic_fetch_add(&atfork_count, 1);
    return err;
}

size_t mp__os_atfork_count(void)
{
    return atomic_load(&atfork_count);
}
