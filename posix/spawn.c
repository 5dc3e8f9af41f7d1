/* The "spawn" start method: a fresh exec of this program with a marker
 * argument and exactly one inherited descriptor, its channel, on which it
 * first reads its bootstrap record. Every other descriptor is closed in the
 * child, whether or not it was close-on-exec. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#include "posix_internal.h"

extern char **environ;

const char *mp__posix_self_exe(void)
{
#ifdef __linux__
    /* The running image itself, however it was invoked (relative path,
     * symlink, PATH lookup), even if the file was replaced since. */
    return "/proc/self/exe";
#elif defined(__APPLE__)
    static char path[4096];
    if (!path[0]) {
        uint32_t size = sizeof path;
        if (_NSGetExecutablePath(path, &size) != 0)
            path[0] = '\0';
    }
    return path;
#else
    return getenv("_");
#endif
}

/* Start `exe` with `argv`, giving it `fds[i]` as descriptor 3 + i and
 * nothing else but stdio. */
int mp__posix_spawn_with_fds(const char *const argv[], const int *fds, size_t nfds, pid_t *pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    if (posix_spawn_file_actions_init(&actions) != 0)
        return MP_ENOMEM;
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return MP_ENOMEM;
    }
    /* Move every source above the target range first, so that placing one
     * descriptor at 3 + i never overwrites another that is still to be
     * placed (fds[1] may well be 3). */
    int moved[1 + MP__MAX_HANDLES + 1];
    int err = nfds > sizeof moved / sizeof *moved ? EINVAL : 0;
    size_t nmoved = 0;
    for (; nmoved < nfds && !err; nmoved++)
        if ((moved[nmoved] = fcntl(fds[nmoved], F_DUPFD_CLOEXEC, 3 + (int)nfds)) < 0)
            err = errno;
    for (size_t i = 0; i < nfds && !err; i++)
        err = posix_spawn_file_actions_adddup2(&actions, moved[i], 3 + (int)i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    if (!err)
        err = posix_spawn_file_actions_addclosefrom_np(&actions, 3 + (int)nfds);
#endif
    /* The child starts with no blocked signals, whatever this thread has. */
    sigset_t none;
    sigemptyset(&none);
    short flags = POSIX_SPAWN_SETSIGMASK;
#ifdef POSIX_SPAWN_CLOEXEC_DEFAULT
    flags |= POSIX_SPAWN_CLOEXEC_DEFAULT; /* macOS: only what we dup2 survives */
#endif
    if (!err)
        err = posix_spawnattr_setsigmask(&attr, &none);
    if (!err)
        err = posix_spawnattr_setflags(&attr, flags);
    if (!err)
        err = posix_spawn(pid, mp__posix_self_exe(), &actions, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    for (size_t i = 0; i < nmoved; i++)
        mp__posix_close(moved[i]);
    if (err) {
        errno = err;
        return mp__posix_syserr("posix_spawn");
    }
    return 0;
}

static int spawn_start(const mp__launch_t *launch, mp__os_proc_t **out)
{
    int chan[2];
    int rc = mp__posix_socketpair(chan);
    if (rc < 0)
        return rc;
    const char *argv[] = {mp__posix_self_exe(), "--multiproc-spawn", NULL};
    int fds[1 + MP__MAX_HANDLES + 1] = {chan[1]};
    int n = mp__posix_channel_fds(launch, fds + 1);
    pid_t pid;
    /* The record first, into the socket's buffer: the child reads it as
     * soon as it runs, without waiting for us to be scheduled again. */
    mp__posix_frame_t *frame = NULL;
    rc = n < 0 ? n : mp__posix_frame_open(&frame, launch, false);
    if (rc == 0)
        rc = mp__posix_frame_send(chan[0], frame, false);
    if (rc == 0)
        rc = mp__posix_spawn_with_fds(argv, fds, 1 + (size_t)n, &pid);
    mp__posix_close(chan[1]);
    mp__os_proc_t *proc = rc == 0 ? mp__posix_proc_new(pid) : NULL;
    if (!proc) {
        mp__posix_close(chan[0]);
        mp__posix_frame_close(frame);
        return rc < 0 ? rc : MP_ENOMEM;
    }
    proc->chan = chan[0];
    proc->pidfd = mp__posix_pidfd_open(pid);
    return mp__posix_channel_deliver(proc, frame, out);
}

const mp__start_method_t mp__posix_spawn_method = {
    .name = "spawn", .flags = MP__METHOD_NEEDS_RECORD, .start = spawn_start};
