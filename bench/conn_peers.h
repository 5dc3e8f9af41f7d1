/**
 * @file conn_peers.h
 * @brief bench_conn's peers: the same 64-byte ping-pong between a parent
 *        and a fork()ed child over a socketpair(AF_UNIX), written with
 *        another library's own calls (libuv's event loop in
 *        conn_peer_uv.c, APR's sockets in conn_peer_apr.c). Each file is
 *        built only when its library is found (bench/CMakeLists.txt), and
 *        defines BENCH_CONN_HAVE_UV / BENCH_CONN_HAVE_APR for bench_conn.c.
 */
#ifndef BENCH_CONN_PEERS_H
#define BENCH_CONN_PEERS_H

#include <stdbool.h>
#include <stddef.h>

/** What every peer's ping-pong is told: the same as the raw one's. */
typedef struct conn_peer_run {
    const char *name; /**< the metric, for messages */
    size_t size;      /**< bytes of each message */
    int warmup;       /**< untimed round trips first */
    int iters;        /**< timed round trips */
    bool pinned;      /**< both processes on one CPU (bench_pin.h) */
} conn_peer_run_t;

/** @brief libuv: uv_pipe_open() on each end, uv_write() and uv_read_start()
 *         on each side's loop. @return microseconds per round trip. */
double conn_peer_uv_pingpong(const conn_peer_run_t *run);

/** @brief APR: apr_os_sock_put() on each end, blocking apr_socket_send()
 *         and apr_socket_recv(). @return microseconds per round trip. */
double conn_peer_apr_pingpong(const conn_peer_run_t *run);

/**
 * @brief The pieces every peer shares (conn_peers.c): a socketpair and a
 *        fork()ed child (pinned with the parent when `run->pinned`). The
 *        child gets its end in `*fd` and 0 back; the parent gets its end
 *        and the child's pid.
 */
int conn_peer_fork(const conn_peer_run_t *run, int *fd);

/** @brief The parent's end of a run: reap the child, give the pinning
 *         back. */
void conn_peer_done(const conn_peer_run_t *run, int pid);

#endif /* BENCH_CONN_PEERS_H */
