/* What bench_conn's peers share: the socketpair, the fork()ed child and the
 * pinning around them, as bench_conn's raw ping-pong does it. */
#include "conn_peers.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_pin.h"

int conn_peer_fork(const conn_peer_run_t *run, int *fd)
{
    int s[2];
    if (run->pinned)
        bench_pin_parent(true); /* the child inherits it */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
        bench_die_errno("socketpair", errno);
    fflush(stdout); /* the child must not inherit our buffer */
    pid_t pid = fork();
    if (pid < 0)
        bench_die_errno("fork", errno);
    close(s[pid == 0 ? 0 : 1]);
    *fd = s[pid == 0 ? 1 : 0];
    return (int)pid;
}

void conn_peer_done(const conn_peer_run_t *run, int pid)
{
    bench_reap((pid_t)pid);
    if (run->pinned)
        bench_pin_parent(false);
}
