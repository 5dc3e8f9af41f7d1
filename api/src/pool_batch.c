/* A Pool call's jobs (mp_pool_api.h): made from its input, one per chunk,
 * handed to the worker-pool core, and followed to their end when the call
 * has callbacks, a progress callback, or yields results as they finish. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"
#include "mp_pool_api.h"
#include "mp_pool_wire.h"

/* Python's Pool: about four chunks per worker. */
enum { CHUNKS_PER_WORKER = 4 };

size_t mp__batch_auto_chunk(size_t n, int workers)
{
    size_t per = (size_t)workers * CHUNKS_PER_WORKER;
    size_t chunk = n / per + (n % per != 0);
    return chunk ? chunk : 1;
}

int mp__batch_limit(const mp__pool_t *pool, const mp_pool_map_opts_t *opts, const char *fn,
                    double *out)
{
    return mp__limit_seconds(opts ? opts->timeout : 0, pool->opts.task_timeout, fn, out);
}

int mp__batch_create(mp__batch_t **out, mp__pool_t *pool, size_t chunk,
                     const mp__batch_opts_t *opts)
{
    mp__batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return MP_ENOMEM;
    const mp_pool_map_opts_t *map = opts->map;
    b->pool = pool;
    b->chunk = chunk;
    if (map) {
        b->callback = map->callback;
        b->error_callback = map->error_callback;
        b->callback_arg = map->callback_arg;
    }
    b->unordered = opts->unordered;
    b->consumer_reports = opts->consumer_reports;
    int rc = mp__progress_init(&b->progress, map ? map->progress : NULL,
                               map ? map->progress_arg : NULL, opts->total);
    if (rc < 0) {
        free(b);
        return rc;
    }
    b->watch = b->callback || b->error_callback || b->unordered ||
               (b->progress.fn && !b->consumer_reports);
    atomic_init(&b->refs, 1);
    atomic_init(&b->left, 1); /* the maker's, until mp__batch_made_all() */
    *out = b;
    return 0;
}

void mp__batch_unref(mp__batch_t *b)
{
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    mp__jobq_free(&b->finished);
    mp__progress_fini(&b->progress);
    free(b);
}

/* The last job of the batch ended (or the maker found every job done):
 * the user's callback, once, then `ready`. */
static void batch_end(mp__batch_t *b)
{
    mp_async_callback_fn fn = atomic_load(&b->failed) ? b->error_callback : b->callback;
    if (fn)
        fn(b->handle, b->callback_arg);
    atomic_store(&b->ready, true);
    mp__jobs_wake(); /* a waiter may be asleep on `ready` */
}

static void count_down(mp__batch_t *b)
{
    if (atomic_fetch_sub(&b->left, 1) == 1)
        batch_end(b);
}

mp__job_t *mp__batch_take_finished(mp__batch_t *b)
{
    mp__core_lock();
    mp__job_t *job = mp__jobq_pop(&b->finished);
    mp__core_unlock();
    return job;
}

/* A job of the batch is done (its done callback: a Pool's job is given to
 * its callbacks as itself). */
static void job_done(mp_future_t *f, void *arg)
{
    mp__job_t *job = (mp__job_t *)(void *)f;
    mp__batch_t *b = arg;
    for (uint32_t i = 0; i < job->count; i++)
        if (mp__job_outcome(job, i)->code) {
            atomic_store(&b->failed, true);
            break;
        }
    if (!b->consumer_reports)
        mp__progress_job_done(&b->progress, job, job->tag * b->chunk);
    if (b->unordered) {
        mp__job_ref(job);
        mp__core_lock();
        int rc = mp__jobq_push(&b->finished, job);
        mp__core_unlock();
        if (rc < 0) { /* out of memory: its iterator loses it (and says so) */
            mp__job_unref(job);
            atomic_store(&b->lost, true);
        }
    }
    count_down(b);
    mp__batch_unref(b); /* the callback's */
}

int mp__batch_make_job(const char *task, double limit, mp__input_t *input, size_t count,
                       size_t index, mp__job_t **out)
{
    /* The arguments first (an iterator's count is known only once read),
     * then the job around them. */
    char storage[256];
    mp__buf_t args;
    mp__buf_use(&args, storage, sizeof storage);
    size_t got = 0;
    int rc = 0;
    while (got < count && (rc = mp__input_read(input, &args)) == 1)
        got++;
    int input_rc = rc < 0 ? rc : 0;
    mp__job_t *job = NULL;
    rc = 0;
    if (got > 0 && (rc = mp__job_create(&job, task, (uint32_t)got, limit)) == 0 &&
        (rc = mp__buf_append(&job->order, args.data, args.len)) < 0) {
        mp__job_unref(job);
        job = NULL;
    }
    mp__buf_free(&args);
    if (rc < 0)
        return rc;
    if (job) {
        job->future = job; /* what its callbacks are given */
        job->tag = index;
    }
    *out = job;
    return input_rc;
}

int mp__batch_submit(mp__batch_t *b, mp__job_t *job)
{
    int rc = mp__pool_submit(b->pool, job);
    if (rc == MP_ESHUTDOWN)
        rc = mp__errdetail_set(MP_ESTATE, "the pool is not running (closed or terminated)");
    if (rc < 0 || !b->watch)
        return rc;
    /* Followed from here: the maker's count keeps the batch from ending
     * before this job is counted, even if it is done already (its
     * callback then runs at once). */
    atomic_fetch_add(&b->left, 1);
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed); /* the callback's */
    if ((rc = mp__job_add_callback(job, job_done, b)) < 0) {
        atomic_fetch_sub(&b->left, 1);
        mp__batch_unref(b);
    }
    return rc;
}

void mp__batch_made_all(mp__batch_t *b)
{
    count_down(b);
}

int mp__batch_wait(mp__batch_t *b, bool (*ready)(void *), void *ctx, double deadline)
{
    if (ready(ctx))
        return 0;
    return mp__jobs_wait(b->pool, ready, ctx, deadline);
}
