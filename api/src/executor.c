/* Executors (multiproc/executor.h): the handle, its options, submit,
 * shutdown and its counters. The work is the pool's (pool.c and its
 * kinds); futures are future.c's, maps exec_map.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"

static void executor_release(mp__object_t *obj)
{
    mp__pool_destroy(((mp__executor_t *)obj)->pool);
}

const mp__kind_t mp__kind_executor = {
    .name = "Executor",
    .id = 14,
    .size = sizeof(mp__executor_t),
    .release = executor_release,
};

int mp__limit_seconds(double limit, double fallback, const char *fn, double *out)
{
    if (limit != limit || limit < 0)
        return mp__errdetail_set(MP_EINVAL, "%s: time limit %g is %s", fn, limit,
                                 limit != limit ? "NaN" : "negative");
    *out = limit == 0 ? fallback : isinf(limit) || limit > 3.2e9 ? INFINITY : limit;
    return 0;
}

int mp__executor_options(const mp_executor_opts_t *o, mp__pool_options_t *out, const char *fn)
{
    if (o->kind != MP_EXECUTOR_PROCESSES && o->kind != MP_EXECUTOR_THREADS &&
        o->kind != MP_EXECUTOR_MPI)
        return mp__errdetail_set(MP_EINVAL, "%s: unknown kind %d", fn, (int)o->kind);
    const mp__pool_ops_t *ops = mp__pool_kind_ops(o->kind);
    if (!ops)
        return mp__errdetail_set(MP_ENOTSUP,
                                 "%s: the MPI kind needs the program linked with "
                                 "multiproc::mpi and mp_mpi_init() called first",
                                 fn);
    if (o->max_workers < 0 || o->max_workers > MP_EXECUTOR_MAX_WORKERS)
        return mp__errdetail_set(MP_EINVAL, "%s: max_workers must be in 1..%d (got %d)", fn,
                                 MP_EXECUTOR_MAX_WORKERS, o->max_workers);
    if (o->max_tasks_per_child < 0)
        return mp__errdetail_set(MP_EINVAL, "%s: max_tasks_per_child must be >= 1 (got %d)", fn,
                                 o->max_tasks_per_child);
    if (!o->initarg && o->initarg_len)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL initarg with initarg_len %zu", fn,
                                 o->initarg_len);
    if (o->initializer && !mp__tasks_find(o->initializer))
        return mp__errdetail_set(MP_ENOTASK, "%s: no task named '%s' for the initializer", fn,
                                 o->initializer);
    *out = (mp__pool_options_t){.kind = o->kind,
                                .max_workers = o->max_workers ? o->max_workers
                                               : ops->options ? 0
                                                              : mp_cpu_count(),
                                .context = o->context,
                                .max_tasks_per_child = (uint32_t)o->max_tasks_per_child,
                                .noun = "executor"};
    int rc = mp__limit_seconds(o->task_timeout, INFINITY, fn, &out->task_timeout);
    if (rc == 0 && ops->options)
        rc = ops->options(out, fn);
    if (rc < 0)
        return rc;
    if (o->kind == MP_EXECUTOR_PROCESSES && o->max_tasks_per_child) {
        /* A fork child is a copy of a process with threads: a fresh worker
         * must come from spawn or forkserver (Python refuses fork too). */
        if (!out->context && (rc = mp_get_context(&out->context, "spawn")) < 0)
            return rc;
        if (strcmp(mp_context_start_method(out->context), "fork") == 0)
            return mp__errdetail_set(MP_EINVAL,
                                     "%s: max_tasks_per_child is incompatible with the "
                                     "'fork' start method",
                                     fn);
    }
    out->initializer = o->initializer ? strdup(o->initializer) : NULL;
    out->initarg = o->initarg_len ? malloc(o->initarg_len) : NULL;
    if ((o->initializer && !out->initializer) || (o->initarg_len && !out->initarg)) {
        free(out->initializer);
        free(out->initarg);
        return MP_ENOMEM;
    }
    if (o->initarg_len)
        memcpy(out->initarg, o->initarg, o->initarg_len);
    out->initarg_len = o->initarg_len;
    return 0;
}

int mp_executor_create(mp_executor_t **out, const mp_executor_opts_t *opts)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_executor_create: NULL out");
    int rc = mp__require_init("Executor");
    if (rc < 0)
        return rc;
    mp__pool_options_t options;
    if ((rc = mp__executor_options(opts ? opts : &(mp_executor_opts_t){0}, &options,
                                   "mp_executor_create")) < 0)
        return rc;
    mp__executor_t *ex;
    if ((rc = mp__object_new(&mp__kind_executor, (mp__object_t **)&ex)) < 0) {
        free(options.initializer);
        free(options.initarg);
        return rc;
    }
    if ((rc = mp__pool_create(&ex->pool, &options)) < 0) {
        free(options.initializer);
        free(options.initarg);
        mp__object_destroy(&ex->obj);
        return rc;
    }
    memcpy(out, &ex->obj.handle, sizeof *out);
    return 0;
}

int mp__executor_open(mp_executor_t **ex, const char *fn)
{
    return mp__object_open(ex, &mp__kind_executor, fn);
}

int mp_executor_submit_with(mp_executor_t *ex, mp_future_t **out, const char *task,
                            const mp_submit_opts_t *opts)
{
    static const char fn[] = "mp_executor_submit";
    int rc = mp__executor_open(&ex, fn);
    if (rc < 0)
        return rc;
    const mp_submit_opts_t none = {0};
    if (!opts)
        opts = &none;
    if (!out || !task)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out ? "out" : "task");
    if (!opts->arg && opts->arg_len)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL arg with arg_len %zu", fn, opts->arg_len);
    if (!mp__tasks_find(task))
        return mp__errdetail_set(MP_ENOTASK, "%s: no task named '%s' in the task table", fn, task);
    mp__pool_t *pool = ((mp__executor_t *)ex)->pool;
    double limit = INFINITY;
    if ((rc = mp__limit_seconds(opts->timeout, pool->opts.task_timeout, fn, &limit)) < 0)
        return rc;
    mp__job_t *job;
    if ((rc = mp__job_create(&job, task, 1, limit)) < 0)
        return rc;
    mp_future_t *f = NULL;
    if ((rc = mp__order_add(&job->order, opts->arg, opts->arg_len)) == 0 &&
        (rc = mp__future_new(job, &f)) == 0 && (rc = mp__pool_submit(pool, job)) < 0)
        mp_future_destroy(f);
    if (rc == 0)
        *out = f;       /* written only on success */
    mp__job_unref(job); /* the future and the pool hold their own */
    return rc;
}

int mp_executor_submit(mp_executor_t *ex, mp_future_t **out, const char *task, const void *arg,
                       size_t len)
{
    return mp_executor_submit_with(ex, out, task, &(mp_submit_opts_t){.arg = arg, .arg_len = len});
}

int mp_executor_submit_i64(mp_executor_t *ex, mp_future_t **out, const char *task, int64_t value)
{
    return mp_executor_submit(ex, out, task, &value, sizeof value);
}

int mp_executor_submit_double(mp_executor_t *ex, mp_future_t **out, const char *task, double value)
{
    return mp_executor_submit(ex, out, task, &value, sizeof value);
}

int mp_executor_submit_str(mp_executor_t *ex, mp_future_t **out, const char *task,
                           const char *value)
{
    if (!value)
        return mp__errdetail_set(MP_EINVAL, "mp_executor_submit_str: NULL string");
    return mp_executor_submit(ex, out, task, value, strlen(value) + 1);
}

int mp_executor_shutdown(mp_executor_t *ex, bool wait, bool cancel_futures)
{
    int rc = mp__executor_open(&ex, "mp_executor_shutdown");
    if (rc < 0)
        return rc;
    rc = mp__pool_shutdown(((mp__executor_t *)ex)->pool, wait, cancel_futures);
    if (rc == MP_EINTR)
        return mp__errdetail_set(rc, "mp_executor_shutdown: interrupted while waiting for the "
                                     "tasks; the executor is shut down and its workers run on");
    return rc;
}

void mp_executor_destroy(mp_executor_t *ex)
{
    mp__object_destroy_handle(ex, &mp__kind_executor);
}

int mp_executor_stats(mp_executor_t *ex, mp_executor_stats_t *out)
{
    int rc = mp__executor_open(&ex, "mp_executor_stats");
    if (rc < 0)
        return rc;
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_executor_stats: NULL out");
    mp__pool_t *pool = ((mp__executor_t *)ex)->pool;
    apr_thread_mutex_lock(pool->mutex);
    *out = pool->stats;
    apr_thread_mutex_unlock(pool->mutex);
    return 0;
}

int mp_executor_worker_pids(mp_executor_t *ex, mp_pid_t *pids, size_t cap, size_t *count)
{
    static const char fn[] = "mp_executor_worker_pids";
    int rc = mp__executor_open(&ex, fn);
    if (rc < 0)
        return rc;
    if (!count || (!pids && cap))
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !count ? "count" : "pids");
    *count = mp__pool_worker_pids(((mp__executor_t *)ex)->pool, pids, cap);
    return 0;
}
