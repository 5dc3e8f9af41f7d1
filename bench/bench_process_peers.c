/*
 * bench_process's peers (bench_process_peers.h): APR's and libuv's process
 * starts, each used as its documentation shows, every return code checked.
 * APR is already a dependency of multiproc; libuv is optional (built when
 * pkg-config finds it, MP_BENCH_HAVE_UV).
 */
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_thread_proc.h>
#include <unistd.h>
#ifdef MP_BENCH_HAVE_UV
#include <uv.h>
#endif

#include "bench_process_peers.h"

static void apr_check(apr_status_t st, const char *what)
{
    if (st != APR_SUCCESS) {
        char buf[256];
        bench_die("%s failed: %s", what, apr_strerror(st, buf, sizeof buf));
    }
}

/* A pool for one sample; mp_init() has initialised APR already. */
static apr_pool_t *sample_pool(void)
{
    apr_pool_t *pool;
    apr_check(apr_pool_create(&pool, NULL), "apr_pool_create");
    return pool;
}

/* Reap `proc` and check that it exited with 0. */
static void apr_join(apr_proc_t *proc)
{
    int code;
    apr_exit_why_e why;
    if (apr_proc_wait(proc, &code, &why, APR_WAIT) != APR_CHILD_DONE || why != APR_PROC_EXIT ||
        code != 0)
        bench_die("apr_proc_wait: the child did not exit with 0");
}

double bench_apr_fork(const bench_metric_t *m, int iters)
{
    (void)m;
    apr_pool_t *pool = sample_pool();
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        apr_proc_t proc;
        apr_status_t st = apr_proc_fork(&proc, pool);
        if (st == APR_INCHILD)
            _exit(0);
        apr_check(st == APR_INPARENT ? APR_SUCCESS : st, "apr_proc_fork");
        apr_join(&proc);
    }
    double us = (bench_now_us() - t0) / iters;
    apr_pool_destroy(pool);
    return us;
}

double bench_apr_spawn(const bench_metric_t *m, int iters)
{
    const char *exe = *(const char *const *)m->arg;
    const char *const argv[] = {exe, BENCH_EXIT_AT_ONCE, NULL};
    apr_pool_t *pool = sample_pool();
    apr_procattr_t *attr;
    apr_check(apr_procattr_create(&attr, pool), "apr_procattr_create");
    /* exec the path as given: no shell, no PATH search (as posix_spawn). */
    apr_check(apr_procattr_cmdtype_set(attr, APR_PROGRAM), "apr_procattr_cmdtype_set");
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        apr_proc_t proc;
        apr_check(apr_proc_create(&proc, exe, argv, NULL, attr, pool), "apr_proc_create");
        apr_join(&proc);
    }
    double us = (bench_now_us() - t0) / iters;
    apr_pool_destroy(pool);
    return us;
}

#ifdef MP_BENCH_HAVE_UV
static void uv_check(int rc, const char *what)
{
    if (rc < 0) {
        bench_die("%s failed: %s", what, uv_strerror(rc));
    }
}

/* The exit callback: check the status, and close the handle, after which
 * the loop has nothing left and uv_run() returns. */
static void child_exited(uv_process_t *proc, int64_t status, int signo)
{
    if (status != 0 || signo != 0)
        bench_die("uv_spawn: the child did not exit with 0");
    uv_close((uv_handle_t *)proc, NULL);
}

double bench_uv_spawn(const bench_metric_t *m, int iters)
{
    const char *exe = *(const char *const *)m->arg;
    char *argv[] = {(char *)exe, (char *)BENCH_EXIT_AT_ONCE, NULL};
    uv_loop_t loop;
    uv_check(uv_loop_init(&loop), "uv_loop_init");
    uv_process_options_t opts = {.file = exe, .args = argv, .exit_cb = child_exited};
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        uv_process_t proc;
        uv_check(uv_spawn(&loop, &proc, &opts), "uv_spawn");
        uv_check(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
    }
    double us = (bench_now_us() - t0) / iters;
    uv_check(uv_loop_close(&loop), "uv_loop_close");
    return us;
}
#endif
