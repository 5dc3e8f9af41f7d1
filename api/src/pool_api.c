/* Pools (multiproc/pool.h): the handle, its options, close, terminate,
 * join and destroy. The work is the worker-pool core's (mp_executor.h);
 * the calls that give it work are in pool_map.c and pool_imap.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"
#include "mp_pool_api.h"

static void pool_release(mp__object_t *obj)
{
    mp__pool_handle_t *ph = (mp__pool_handle_t *)obj;
    if (atomic_load(&ph->state) == MP__POOL_RUNNING) {
        /* Python warns ("unclosed running multiprocessing pool") and its
         * `with` block terminates: both, here. */
        fprintf(stderr, "multiproc: warning: a running pool was destroyed without "
                        "mp_pool_close() or mp_pool_terminate(); terminating it\n");
        mp__pool_terminate(ph->pool, "the pool was destroyed while running");
    }
    mp__pool_destroy(ph->pool);
}

const mp__kind_t mp__kind_pool = {
    .name = "Pool",
    .id = 18,
    .size = sizeof(mp__pool_handle_t),
    .release = pool_release,
};

/* Check the options and copy what the core keeps. */
static int pool_options(const mp_pool_opts_t *o, mp__pool_options_t *out)
{
    static const char fn[] = "mp_pool_create";
    if (o->workers < 0 || o->workers > MP_EXECUTOR_MAX_WORKERS)
        return mp__errdetail_set(MP_EINVAL, "%s: workers must be in 1..%d (got %d)", fn,
                                 MP_EXECUTOR_MAX_WORKERS, o->workers);
    /* A thread pool would be Python's ThreadPool, a class of its own. */
    if (o->kind == MP_EXECUTOR_THREADS)
        return mp__errdetail_set(MP_EINVAL, "%s: a pool's kind is processes or MPI, not threads",
                                 fn);
    /* The executor's checks and copies, shared: a Pool is an executor
     * (processes or MPI ranks) whose workers all start at once. */
    int rc = mp__executor_options(
        &(mp_executor_opts_t){.kind = o->kind,
                              .max_workers = o->workers,
                              .context = o->context,
                              .initializer = o->initializer,
                              .initarg = o->initarg,
                              .initarg_len = o->initarg_len,
                              .max_tasks_per_child = o->max_tasks_per_child,
                              .task_timeout = o->task_timeout},
        out, fn);
    if (rc < 0)
        return rc;
    out->start_all = true;
    out->noun = "pool";
    return 0;
}

int mp_pool_create(mp_pool_t **out, const mp_pool_opts_t *opts)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_pool_create: NULL out");
    int rc = mp__require_init("Pool");
    if (rc < 0)
        return rc;
    mp__pool_options_t options;
    if ((rc = pool_options(opts ? opts : &(mp_pool_opts_t){0}, &options)) < 0)
        return rc;
    mp__pool_handle_t *ph = NULL;
    if ((rc = mp__object_new(&mp__kind_pool, (mp__object_t **)&ph)) == 0 &&
        (rc = mp__pool_create(&ph->pool, &options)) < 0) {
        atomic_store(&ph->state, MP__POOL_TERMINATED); /* nothing to stop */
        mp__object_destroy(&ph->obj);
    }
    if (rc < 0) {
        free(options.initializer);
        free(options.initarg);
        return rc;
    }
    memcpy(out, &ph->obj.handle, sizeof *out);
    return 0;
}

static int open_pool(mp_pool_t *handle, mp__pool_handle_t **out, const char *fn)
{
    int rc = mp__object_open(&handle, &mp__kind_pool, fn);
    if (rc == 0)
        *out = (mp__pool_handle_t *)handle;
    return rc;
}

int mp__pool_open_running(mp_pool_t *handle, mp__pool_handle_t **out, const char *fn)
{
    int rc = open_pool(handle, out, fn);
    if (rc == 0 && atomic_load(&(*out)->state) != MP__POOL_RUNNING)
        return mp__errdetail_set(MP_ESTATE, "%s: the pool is not running (%s)", fn,
                                 atomic_load(&(*out)->state) == MP__POOL_CLOSED ? "closed"
                                                                                : "terminated");
    return rc;
}

int mp__pool_open_feeding(mp_pool_t *handle, mp__pool_handle_t **out, const char *fn)
{
    int rc = open_pool(handle, out, fn);
    if (rc == 0 && atomic_load(&(*out)->state) == MP__POOL_TERMINATED)
        return mp__errdetail_set(MP_ESTATE, "%s: the pool was terminated", fn);
    return rc;
}

void mp__pool_feeder_start(mp__pool_handle_t *ph)
{
    atomic_fetch_add(&ph->feeders, 1);
}

/* The core shuts down once the pool is closed and no imap feeds it: the
 * last of close() and the feeders' ends does it (twice is harmless). */
static void shut_down_when_fed(mp__pool_handle_t *ph)
{
    if (atomic_load(&ph->state) == MP__POOL_CLOSED && atomic_load(&ph->feeders) == 0)
        mp__pool_shutdown(ph->pool, false, false);
}

void mp__pool_feeder_done(mp_pool_t *handle)
{
    mp__pool_handle_t *ph = NULL;
    if (open_pool(handle, &ph, "mp_imap_next") < 0)
        return; /* the pool was destroyed: nothing to tell it */
    atomic_fetch_sub(&ph->feeders, 1);
    shut_down_when_fed(ph);
}

int mp_pool_close(mp_pool_t *handle)
{
    mp__pool_handle_t *ph = NULL;
    int rc = open_pool(handle, &ph, "mp_pool_close");
    if (rc < 0)
        return rc;
    int running = MP__POOL_RUNNING;
    if (atomic_compare_exchange_strong(&ph->state, &running, MP__POOL_CLOSED))
        shut_down_when_fed(ph);
    return 0;
}

int mp_pool_terminate(mp_pool_t *handle)
{
    mp__pool_handle_t *ph = NULL;
    int rc = open_pool(handle, &ph, "mp_pool_terminate");
    if (rc < 0)
        return rc;
    if (atomic_exchange(&ph->state, MP__POOL_TERMINATED) != MP__POOL_TERMINATED)
        mp__pool_terminate(ph->pool, "the pool was terminated");
    return 0;
}

int mp_pool_join(mp_pool_t *handle, double timeout)
{
    static const char fn[] = "mp_pool_join";
    mp__pool_handle_t *ph = NULL;
    int rc = open_pool(handle, &ph, fn);
    if (rc < 0)
        return rc;
    if ((rc = mp__timeout_check(timeout, fn)) < 0)
        return rc;
    if (atomic_load(&ph->state) == MP__POOL_RUNNING)
        return mp__errdetail_set(MP_ESTATE,
                                 "%s: the pool is still running: close or terminate "
                                 "it first",
                                 fn);
    /* A closed pool's imap hands out its input as it is read: waiting for
     * the workers before it has been would wait for ever. */
    if (atomic_load(&ph->state) == MP__POOL_CLOSED && atomic_load(&ph->feeders) > 0)
        return mp__errdetail_set(MP_ESTATE,
                                 "%s: an imap of the pool still reads its input: read it "
                                 "to its end or destroy it first",
                                 fn);
    rc = mp__pool_join(ph->pool, mp__deadline(true, timeout));
    if (rc == MP_ETIMEDOUT)
        return mp__errdetail_set(rc, "%s: workers still running", fn);
    if (rc == MP_EINTR)
        return mp__errdetail_set(rc, "%s: interrupted by a signal", fn);
    return rc;
}

void mp_pool_destroy(mp_pool_t *pool)
{
    mp__object_destroy_handle(pool, &mp__kind_pool);
}

int mp_pool_worker_pids(mp_pool_t *handle, mp_pid_t *pids, size_t cap, size_t *count)
{
    static const char fn[] = "mp_pool_worker_pids";
    mp__pool_handle_t *ph = NULL;
    int rc = open_pool(handle, &ph, fn);
    if (rc < 0)
        return rc;
    if (!count || (!pids && cap))
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !count ? "count" : "pids");
    *count = mp__pool_worker_pids(ph->pool, pids, cap);
    return 0;
}

size_t mp_pool_size(mp_pool_t *handle)
{
    mp__pool_handle_t *ph = NULL;
    return open_pool(handle, &ph, "mp_pool_size") < 0 ? 0 : (size_t)ph->pool->opts.max_workers;
}
