/* map (multiproc/executor.h): the arguments cut into chunks, one job per
 * chunk, read back in order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"
#include "mp_progress.h"

/* The automatic chunk: about four jobs per worker (so that work spreads
 * and a slow chunk does not hold the rest), at most MAX_CHUNK arguments. */
enum { CHUNKS_PER_WORKER = 4, MAX_CHUNK = 1024 };

typedef struct map {
    mp__object_t obj;
    mp__job_t **jobs; /* one per chunk, a reference each */
    size_t njobs;
    size_t n;
    size_t chunk;
    double deadline;
    mp__progress_jobs_t *progress;  /* NULL: no progress callback */
    mp__progress_watch_t **watches; /* with progress: one per chunk */
} map_t;

static void map_release(mp__object_t *obj)
{
    map_t *m = (map_t *)obj;
    /* The call ends here: chunks still running report to nobody. */
    mp__progress_jobs_end(m->progress);
    for (size_t i = 0; i < m->njobs; i++)
        mp__job_unref(m->jobs[i]);
    free(m->jobs);
    free(m->watches);
}

const mp__kind_t mp__kind_map = {
    .name = "Map",
    .id = 16,
    .size = sizeof(map_t),
    .release = map_release,
};

static size_t auto_chunk(size_t n, int workers)
{
    size_t per = (size_t)workers * CHUNKS_PER_WORKER;
    size_t chunk = (n + per - 1) / per;
    return chunk < 1 ? 1 : chunk > MAX_CHUNK ? MAX_CHUNK : chunk;
}

/* Make and submit the job for arguments [first, first + count). */
static int submit_chunk(map_t *m, mp__pool_t *pool, const char *task, const char *args,
                        size_t arg_size, size_t first, size_t count)
{
    mp__job_t *job;
    int rc = mp__job_create(&job, task, (uint32_t)count, pool->opts.task_timeout);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = mp__order_add(&job->order, arg_size ? args + (first + i) * arg_size : NULL, arg_size);
    if (rc == 0)
        rc = mp__pool_submit(pool, job);
    if (rc < 0) {
        mp__job_unref(job);
        return rc;
    }
    mp__progress_watch_t **watch = m->watches ? &m->watches[m->njobs] : NULL;
    m->jobs[m->njobs++] = job;
    return mp__progress_jobs_watch(m->progress, job, first, watch);
}

int mp_executor_map(mp_executor_t *ex, mp_map_t **out, const char *task, const void *args,
                    size_t arg_size, size_t n, const mp_map_opts_t *opts)
{
    static const char fn[] = "mp_executor_map";
    int rc = mp__executor_open(&ex, fn);
    if (rc < 0)
        return rc;
    const mp_map_opts_t none = {0};
    if (!opts)
        opts = &none;
    if (!out || !task)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out ? "out" : "task");
    if (!args && n && arg_size)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL args for %zu arguments", fn, n);
    if (arg_size > UINT32_MAX || (arg_size && n > SIZE_MAX / arg_size))
        return mp__errdetail_set(MP_EINVAL, "%s: arguments of %zu bytes are too large", fn,
                                 arg_size);
    if (!mp__tasks_find(task))
        return mp__errdetail_set(MP_ENOTASK, "%s: no task named '%s' in the task table", fn, task);
    double limit = INFINITY;
    if ((rc = mp__limit_seconds(opts->timeout, INFINITY, fn, &limit)) < 0)
        return rc;
    mp__pool_t *pool = ((mp__executor_t *)ex)->pool;
    map_t *m;
    if ((rc = mp__object_new(&mp__kind_map, (mp__object_t **)&m)) < 0)
        return rc;
    m->n = n;
    m->chunk = opts->chunksize ? opts->chunksize : auto_chunk(n, pool->opts.max_workers);
    if (m->chunk > UINT32_MAX)
        m->chunk = UINT32_MAX;
    m->deadline = isinf(limit) ? INFINITY : mp__os_now() + limit;
    size_t chunks = (n + m->chunk - 1) / m->chunk + 1;
    m->jobs = malloc(chunks * sizeof *m->jobs);
    rc = m->jobs ? mp__progress_jobs_create(&m->progress, opts->progress, opts->progress_arg, n)
                 : MP_ENOMEM;
    if (rc == 0 && m->progress && !(m->watches = calloc(chunks, sizeof *m->watches)))
        rc = MP_ENOMEM;
    for (size_t first = 0; rc == 0 && first < n; first += m->chunk)
        rc = submit_chunk(m, pool, task, args, arg_size, first,
                          n - first < m->chunk ? n - first : m->chunk);
    if (rc < 0) {
        /* What was submitted runs on; its outcomes are dropped. */
        mp__object_destroy(&m->obj);
        return rc;
    }
    memcpy(out, &m->obj.handle, sizeof *out);
    return 0;
}

/* Open a map handle and find argument `i`'s chunk. */
static int open_item(mp_map_t *handle, size_t i, map_t **map, mp__job_t **job, const char *fn)
{
    int rc = mp__object_open(&handle, &mp__kind_map, fn);
    if (rc < 0)
        return rc;
    map_t *m = (map_t *)handle;
    if (i >= m->n)
        return mp__errdetail_set(MP_EINVAL, "%s: index %zu of a map of %zu", fn, i, m->n);
    *map = m;
    *job = m->jobs[i / m->chunk];
    return 0;
}

/* Wait for argument `i`'s chunk; its outcome in `*out`. */
static int outcome(mp_map_t *handle, size_t i, const mp__outcome_t **out, const char *fn)
{
    map_t *m = NULL;
    mp__job_t *job = NULL;
    int rc = open_item(handle, i, &m, &job, fn);
    if (rc < 0)
        return rc;
    rc = mp__job_wait(job, m->deadline);
    if (rc == MP_ETIMEDOUT)
        return mp__errdetail_set(rc, "%s: result %zu was not there before the map's timeout", fn,
                                 i);
    if (rc == MP_EINTR)
        return mp__errdetail_set(rc, "%s: interrupted by a signal; the map goes on", fn);
    if (rc < 0)
        return rc;
    /* Its report goes out before its results do (mp_progress.h). */
    if (m->watches)
        mp__progress_watch_settle(m->watches[i / m->chunk]);
    if (atomic_load(&job->cancelled))
        return mp__errdetail_set(MP_ECANCELLED, "%s: task %zu was cancelled", fn, i);
    *out = mp__job_outcome(job, (uint32_t)(i % m->chunk));
    return 0;
}

int mp_map_get(mp_map_t *m, size_t i, const void **data, size_t *len)
{
    static const char fn[] = "mp_map_get";
    const mp__outcome_t *o = NULL;
    int rc = outcome(m, i, &o, fn);
    if (rc < 0)
        return rc;
    if (o->code)
        return mp__errdetail_set(MP_ETASK, "%s: task %zu failed: %s (%s)", fn, i, o->message,
                                 mp_err_name(o->code));
    if (data)
        *data = o->value;
    if (len)
        *len = o->value_len;
    return 0;
}

int mp_map_get_i64(mp_map_t *m, size_t i, int64_t *out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_map_get_i64: NULL out");
    const void *data = NULL;
    size_t len = 0;
    int rc = mp_map_get(m, i, &data, &len);
    if (rc < 0)
        return rc;
    if (len != sizeof *out)
        return mp__errdetail_set(MP_EINVAL, "mp_map_get_i64: result %zu has %zu bytes, not 8", i,
                                 len);
    memcpy(out, data, sizeof *out);
    return 0;
}

int mp_map_error(mp_map_t *handle, size_t i, int *code, const char **message)
{
    map_t *m = NULL;
    mp__job_t *job = NULL;
    int rc = open_item(handle, i, &m, &job, "mp_map_error");
    if (rc < 0)
        return rc;
    const mp__outcome_t *o = mp__job_is_done(job) ? mp__job_outcome(job, (uint32_t)(i % m->chunk))
                                                  : NULL;
    if (code)
        *code = o ? o->code : 0;
    if (message)
        *message = o && o->code ? o->message : "";
    return 0;
}

size_t mp_map_count(mp_map_t *handle)
{
    return mp__object_open(&handle, &mp__kind_map, "mp_map_count") < 0 ? 0 : ((map_t *)handle)->n;
}

void mp_map_destroy(mp_map_t *m)
{
    mp__object_destroy_handle(m, &mp__kind_map);
}

int mp_executor_map_i64(mp_executor_t *ex, const char *task, const int64_t *in, int64_t *out,
                        size_t n, double timeout)
{
    static const char fn[] = "mp_executor_map_i64";
    if ((!in || !out) && n)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !in ? "in" : "out");
    int rc = mp__timeout_check(timeout, fn);
    if (rc < 0)
        return rc;
    mp_map_t *m;
    /* The map's own limit is this call's timeout (0 polls: a tiny one). */
    double limit = timeout == 0 ? 1e-9 : timeout;
    if ((rc = mp_executor_map(ex, &m, task, in, sizeof *in, n,
                              &(mp_map_opts_t){.timeout = limit})) < 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = mp_map_get_i64(m, i, &out[i]);
    mp_map_destroy(m);
    return rc;
}
