/* The "fork" start method: the child is a copy of this process that runs
 * the task from the (undecoded) record in its copied memory, found by name
 * exactly as under spawn. Every page either process writes while both live
 * costs a copy-on-write fault, so the child's path is kept short. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "posix_internal.h"

static int fork_start(const mp__launch_t *launch, mp__os_proc_t **out)
{
    int chan[2];
    int rc = mp__posix_socketpair(chan);
    if (rc < 0)
        return rc;
    mp__os_proc_t *proc = mp__posix_proc_new(-1);
    if (!proc) {
        mp__posix_close(chan[0]), mp__posix_close(chan[1]);
        return MP_ENOMEM;
    }
    /* Fork policy point 3: nothing buffered is written twice. */
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(chan[0]);
        mp__posix_channel_run_forked(chan[1], launch, parent);
    }
    mp__posix_close(chan[1]);
    if (pid < 0) {
        rc = mp__posix_syserr("fork");
        mp__posix_close(chan[0]);
        mp__os_proc_free(proc);
        return rc;
    }
    proc->pid = pid;
    proc->chan = chan[0];
    proc->pidfd = mp__posix_pidfd_open(pid);
    *out = proc;
    return 0;
}

const mp__start_method_t mp__posix_fork_method = {
    .name = "fork", .flags = MP__METHOD_FORKS_CALLER, .start = fork_start};
