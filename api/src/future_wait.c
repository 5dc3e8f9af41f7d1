/* Waiting on many futures (multiproc/executor.h): mp_futures_wait() and
 * the as-completed iterator. Futures may come from several executors: a
 * wait that concerns one pool lets the waiting thread read that pool's
 * answers itself (mp__pool_ops_t.wait); one over several sleeps until any
 * job completes (their collectors complete them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"
#include "mp_progress.h"

int mp__jobs_wait(mp__pool_t *pool, bool (*ready)(void *), void *ctx, double deadline)
{
    return pool ? pool->ops->wait(pool, ready, ctx, deadline)
                : mp__jobs_sleep_until(ready, ctx, deadline);
}

/* The one pool the jobs not done yet belong to, or NULL (several, none). */
static mp__pool_t *common_pool(mp__job_t *const *jobs, size_t n, const unsigned char *skip)
{
    mp__pool_t *pool = NULL;
    for (size_t i = 0; i < n; i++) {
        if ((skip && skip[i]) || mp__job_is_done(jobs[i]))
            continue;
        if (pool && jobs[i]->pool != pool)
            return NULL;
        pool = jobs[i]->pool;
    }
    return pool;
}

/* Open every handle into its job; a duplicate is marked in `dup`. */
static int open_all(mp_future_t *const *futures, size_t n, mp__job_t **jobs, unsigned char *dup,
                    const char *fn)
{
    for (size_t i = 0; i < n; i++) {
        int rc = mp__future_open(futures[i], &jobs[i], fn);
        if (rc < 0)
            return rc;
        dup[i] = 0;
        for (size_t k = 0; k < i; k++)
            if (jobs[k] == jobs[i])
                dup[i] = 1;
    }
    return 0;
}

typedef struct wait_ctx {
    mp__job_t **jobs;
    const unsigned char *dup;
    size_t n;
    mp_return_when_t when;
} wait_ctx_t;

static bool wait_ready(void *arg)
{
    const wait_ctx_t *w = arg;
    size_t done = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (w->dup[i] || !mp__job_is_done(w->jobs[i]))
            continue;
        done++;
        if (w->when == MP_FIRST_COMPLETED)
            return true;
        if (w->when == MP_FIRST_EXCEPTION && !atomic_load(&w->jobs[i]->cancelled) &&
            mp__job_outcome(w->jobs[i], 0)->code)
            return true;
    }
    size_t distinct = 0;
    for (size_t i = 0; i < w->n; i++)
        distinct += !w->dup[i];
    return done == distinct;
}

int mp_futures_wait(mp_future_t *const *futures, size_t n, double timeout, mp_return_when_t when,
                    unsigned char *done)
{
    static const char fn[] = "mp_futures_wait";
    if (!futures && n)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL futures with n = %zu", fn, n);
    if (when != MP_ALL_COMPLETED && when != MP_FIRST_COMPLETED && when != MP_FIRST_EXCEPTION)
        return mp__errdetail_set(MP_EINVAL, "%s: unknown return_when %d", fn, (int)when);
    int rc = mp__timeout_check(timeout, fn);
    if (rc < 0)
        return rc;
    mp__job_t **jobs = malloc((n ? n : 1) * sizeof *jobs);
    unsigned char *dup = malloc(n ? n : 1);
    if (!jobs || !dup)
        rc = MP_ENOMEM;
    if (rc == 0)
        rc = open_all(futures, n, jobs, dup, fn);
    if (rc == 0) {
        wait_ctx_t w = {jobs, dup, n, when};
        rc = mp__jobs_wait(common_pool(jobs, n, dup), wait_ready, &w, mp__deadline(true, timeout));
        if (rc == MP_ETIMEDOUT)
            rc = 0; /* a time-out returns what is done */
    }
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            bool is_done = mp__job_is_done(jobs[i]);
            rc += is_done && !dup[i];
            if (done)
                done[i] = is_done;
        }
    }
    free(jobs);
    free(dup);
    return rc;
}

/* ---- as_completed ----------------------------------------------------- */

typedef struct as_completed {
    mp__object_t obj;
    mp_future_t **futures; /* the distinct handles */
    mp__job_t **jobs;      /* their jobs, each with a reference until yielded */
    size_t *index;         /* their indexes among the futures given */
    size_t n, total;
    double deadline;
    /* Reported to as each future is yielded, in the thread that takes it:
     * what the program has consumed, and no job callback to outlive the
     * iterator. */
    mp__progress_t progress;
} as_completed_t;

static void as_completed_release(mp__object_t *obj)
{
    as_completed_t *it = (as_completed_t *)obj;
    for (size_t i = 0; i < it->n; i++)
        mp__job_unref(it->jobs[i]);
    free(it->jobs);
    free(it->futures);
    free(it->index);
    mp__progress_fini(&it->progress);
}

const mp__kind_t mp__kind_as_completed = {
    .name = "AsCompleted",
    .id = 17,
    .size = sizeof(as_completed_t),
    .release = as_completed_release,
};

/* Both creates, once their options are checked. */
static int as_completed_new(mp_as_completed_t **out, mp_future_t *const *futures, size_t n,
                            double deadline, const mp_as_completed_opts_t *opts, const char *fn)
{
    as_completed_t *it;
    int rc = mp__object_new(&mp__kind_as_completed, (mp__object_t **)&it);
    if (rc < 0)
        return rc;
    it->deadline = deadline;
    it->futures = malloc((n ? n : 1) * sizeof *it->futures);
    it->jobs = malloc((n ? n : 1) * sizeof *it->jobs);
    it->index = malloc((n ? n : 1) * sizeof *it->index);
    unsigned char *dup = malloc(n ? n : 1);
    rc = it->futures && it->jobs && it->index && dup ? open_all(futures, n, it->jobs, dup, fn)
                                                     : MP_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!dup[i]) {
            it->futures[it->n] = futures[i];
            it->index[it->n] = i;
            it->jobs[it->n++] = it->jobs[i];
            mp__job_ref(it->jobs[i]);
        }
    free(dup);
    it->total = it->n;
    if (rc == 0)
        rc = mp__progress_init(&it->progress, opts->progress, opts->progress_arg, it->total);
    if (rc < 0) {
        mp__object_destroy(&it->obj);
        return rc;
    }
    memcpy(out, &it->obj.handle, sizeof *out);
    return 0;
}

int mp_as_completed_create(mp_as_completed_t **out, mp_future_t *const *futures, size_t n,
                           double timeout)
{
    static const char fn[] = "mp_as_completed_create";
    if (!out || (!futures && n))
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out ? "out" : "futures");
    int rc = mp__timeout_check(timeout, fn);
    if (rc < 0)
        return rc;
    const mp_as_completed_opts_t none = {0};
    return as_completed_new(out, futures, n, mp__deadline(true, timeout), &none, fn);
}

int mp_as_completed_create_with(mp_as_completed_t **out, mp_future_t *const *futures, size_t n,
                                const mp_as_completed_opts_t *opts)
{
    static const char fn[] = "mp_as_completed_create_with";
    const mp_as_completed_opts_t none = {0};
    if (!opts)
        opts = &none;
    if (!out || (!futures && n))
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out ? "out" : "futures");
    /* A limit on the whole iteration: 0 is none, as a map's timeout. */
    double limit = INFINITY;
    int rc = mp__limit_seconds(opts->timeout, INFINITY, fn, &limit);
    if (rc < 0)
        return rc;
    return as_completed_new(out, futures, n, isinf(limit) ? INFINITY : mp__os_now() + limit, opts,
                            fn);
}

static bool any_done(void *arg)
{
    const as_completed_t *it = arg;
    for (size_t i = 0; i < it->n; i++)
        if (mp__job_is_done(it->jobs[i]))
            return true;
    return false;
}

int mp_as_completed_next(mp_as_completed_t *handle, mp_future_t **out)
{
    static const char fn[] = "mp_as_completed_next";
    int rc = mp__object_open(&handle, &mp__kind_as_completed, fn);
    if (rc < 0)
        return rc;
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    as_completed_t *it = (as_completed_t *)handle;
    *out = NULL;
    if (it->n == 0)
        return 0;
    rc = mp__jobs_wait(common_pool(it->jobs, it->n, NULL), any_done, it, it->deadline);
    if (rc == MP_ETIMEDOUT)
        return mp__errdetail_set(rc, "%zu (of %zu) futures unfinished", it->n, it->total);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < it->n; i++) {
        if (!mp__job_is_done(it->jobs[i]))
            continue;
        /* Yielded: forgotten (the last one takes its place). */
        *out = it->futures[i];
        mp__progress_job_done(&it->progress, it->jobs[i], it->index[i]);
        mp__job_unref(it->jobs[i]);
        it->n--;
        it->futures[i] = it->futures[it->n];
        it->jobs[i] = it->jobs[it->n];
        it->index[i] = it->index[it->n];
        return 0;
    }
    return 0;
}

void mp_as_completed_destroy(mp_as_completed_t *it)
{
    mp__object_destroy_handle(it, &mp__kind_as_completed);
}
