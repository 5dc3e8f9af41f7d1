/* The "fork" start method: the child is a copy of this process that runs
 * the task from the (undecoded) record in its copied memory, found by name
 * exactly as under spawn. Every page either process writes while both live
 * costs a copy-on-write fault, so the child's path is kept short. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "posix_internal.h"

/* In the fork child: let go of the copies of the parent's connection ends
 * that the child was not given (fork policy point 4), so that an end the
 * parent closes reads end-of-file at its peer (a worker's orders), as it
 * would under spawn. Each descriptor becomes /dev/null rather than closed:
 * its number stays taken, so the parent's stale object in this copy of
 * memory can never close or use a descriptor the child opens later. */
static void drop_inherited_conns(const mp__launch_t *launch)
{
    size_t n = mp__core_inherited_conns(NULL, 0);
    /* Usually none: then not even free(NULL), whose code page the child
     * would fault in (fork copies no page table entries of program text). */
    if (n == 0)
        return;
    mp_sentinel_t *conns = malloc(n * sizeof *conns);
    int null = conns ? open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
    if (null >= 0) {
        n = mp__core_inherited_conns(conns, n);
        for (size_t i = 0; i < n; i++) {
            bool given = false;
            for (size_t j = 0; j < launch->nhandles && !given; j++)
                given = launch->handles[j] == conns[i];
            /* Single-threaded here: no fork can slip between the two. */
            if (!given && dup2(null, (int)conns[i]) >= 0)
                fcntl((int)conns[i], F_SETFD, FD_CLOEXEC);
        }
        close(null);
    }
    free(conns);
}

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
    mp__posix_flush_stdio();
    pid_t parent = (pid_t)mp__os_getpid(); /* cached: no system call */
    pid_t pid = fork();
    if (pid == 0) {
        close(chan[0]);
        drop_inherited_conns(launch);
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
