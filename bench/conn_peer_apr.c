/* bench_conn's APR peer: the 64-byte ping-pong with apr_socket_send() and
 * apr_socket_recv() on the socketpair's ends, blocking, as an APR program
 * that was handed a connected socket would do it. */
#include <apr_general.h>
#include <apr_network_io.h>
#include <apr_portable.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "conn_peers.h"

/* Send all `len` bytes; false when the peer is gone. */
static bool send_all(apr_socket_t *s, const char *buf, size_t len)
{
    while (len > 0) {
        apr_size_t n = len;
        if (apr_socket_send(s, buf, &n) != APR_SUCCESS)
            return false;
        buf += n;
        len -= n;
    }
    return true;
}

/* Receive exactly `len` bytes (a stream gives them in pieces); false at
 * end-of-file or an error. */
static bool recv_all(apr_socket_t *s, char *buf, size_t len)
{
    while (len > 0) {
        apr_size_t n = len;
        apr_status_t st = apr_socket_recv(s, buf, &n);
        if (n == 0 || (st != APR_SUCCESS && n == 0))
            return false;
        buf += n;
        len -= n;
    }
    return true;
}

/* The end `fd` as an APR socket, in a pool of this process's. */
static apr_socket_t *wrap(int fd, apr_pool_t **pool)
{
    apr_socket_t *s = NULL;
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(pool, NULL) != APR_SUCCESS ||
        apr_os_sock_put(&s, &fd, *pool) != APR_SUCCESS)
        bench_die("APR: cannot wrap a socket");
    apr_socket_timeout_set(s, -1); /* blocking */
    return s;
}

double conn_peer_apr_pingpong(const conn_peer_run_t *run)
{
    int fd;
    char msg[256];
    if (run->size > sizeof msg)
        bench_die("%s: %zu bytes is more than the peer's buffer", run->name, run->size);
    int pid = conn_peer_fork(run, &fd);
    apr_pool_t *pool;
    apr_socket_t *s = wrap(fd, &pool);
    if (pid == 0) {
        /* Echo until the parent closes its end. */
        while (recv_all(s, msg, run->size))
            if (!send_all(s, msg, run->size))
                _exit(3);
        _exit(0);
    }
    memset(msg, 0x33, run->size);
    double t0 = 0;
    for (int i = 0; i < run->warmup + run->iters; i++) {
        if (i == run->warmup)
            t0 = bench_now_us();
        memcpy(msg, &i, sizeof i);
        int back = -1;
        if (!send_all(s, msg, run->size) || !recv_all(s, msg, run->size))
            bench_die("%s: the echoing child went away", run->name);
        memcpy(&back, msg, sizeof back);
        if (back != i)
            bench_die("%s: the echo is not what was sent", run->name);
    }
    double us = bench_now_us() - t0;
    apr_socket_close(s);
    apr_pool_destroy(pool);
    conn_peer_done(run, pid);
    return us / run->iters;
}
