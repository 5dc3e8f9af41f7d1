/*
 * bench_process's peers: the same start+join through APR and libuv, the
 * libraries a C programmer would otherwise reach for (bench/README.md,
 * bench_process). Each function measures one sample of `iters` operations
 * and returns microseconds per operation, as bench_process's own metrics.
 */
#ifndef MP_BENCH_PROCESS_PEERS_H
#define MP_BENCH_PROCESS_PEERS_H

#include "bench_common.h"

/* argv[1] that makes bench_process exit at once: every spawn-like metric
 * starts bench_process itself with it. */
#define BENCH_EXIT_AT_ONCE "--exit"

/** apr_proc_fork(); the child _exit(0)s; apr_proc_wait(). */
double bench_apr_fork(const bench_metric_t *m, int iters);

/** apr_proc_create() of the program whose path `*(const char **)m->arg`
 *  names, with BENCH_EXIT_AT_ONCE (APR_PROGRAM: no shell, no PATH search);
 *  apr_proc_wait(). */
double bench_apr_spawn(const bench_metric_t *m, int iters);

#ifdef MP_BENCH_HAVE_UV
/** uv_spawn() of the same program on a loop; its exit callback closes the
 *  handle; uv_run() until the loop is empty. */
double bench_uv_spawn(const bench_metric_t *m, int iters);
#endif

#endif
