/* The progress tracker (mp_progress.h): counts the work of one call and
 * calls its progress callback once per finished message of work, one call
 * at a time. */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_progress.h"

int mp__progress_init(mp__progress_t *p, mp_progress_fn fn, void *arg, size_t total)
{
    *p = (mp__progress_t){.fn = fn, .arg = arg};
    atomic_init(&p->total, total);
    if (!fn)
        return 0;
    p->t0 = mp__os_now();
    /* A pool of its own: the tracker may outlive whatever made it (a map
     * destroyed while its chunks run). */
    if (apr_pool_create(&p->apr, NULL) != APR_SUCCESS ||
        apr_thread_mutex_create(&p->mutex, APR_THREAD_MUTEX_DEFAULT, p->apr) != APR_SUCCESS) {
        if (p->apr)
            apr_pool_destroy(p->apr);
        *p = (mp__progress_t){0};
        return MP_ENOMEM;
    }
    return 0;
}

void mp__progress_set_total(mp__progress_t *p, size_t total)
{
    if (p->fn)
        atomic_store(&p->total, total);
}

/* A job time as seconds since the call began. */
static double since(const mp__progress_t *p, double when)
{
    return when - p->t0;
}

/* The job's own part of the report: what it was and when it ran. A start
 * the pool does not know (a job cancelled before it ran, or failed by its
 * worker's death) is reported as its finish: no running time is made up.
 * A start is kept between queued and finished, which two clocks read in
 * different processes could otherwise invert by a rounding. */
static mp_progress_t job_report(const mp__progress_t *p, const mp__job_t *job, size_t first,
                                size_t *failed)
{
    *failed = 0;
    for (uint32_t i = 0; i < job->count; i++)
        *failed += mp__job_outcome(job, i)->code != 0;
    double started = job->started > 0 ? job->started : job->finished;
    started = started < job->queued     ? job->queued
              : started > job->finished ? job->finished
                                        : started;
    return (mp_progress_t){
        .first = first,
        .count = job->count,
        .queued = since(p, job->queued),
        .started = since(p, started),
        .finished = since(p, job->finished),
        .worker = job->pid,
    };
}

/* Report the job unless the call ended, or `once` says it was reported
 * (checked and set under the mutex: whoever reports it has delivered it
 * when the mutex is free again). */
static void report(mp__progress_t *p, const mp__job_t *job, size_t first, bool *once)
{
    size_t failed;
    mp_progress_t report = job_report(p, job, first, &failed);
    apr_thread_mutex_lock(p->mutex);
    if (!p->closed && !(once && *once)) {
        if (once)
            *once = true;
        p->done += job->count;
        p->failed += failed;
        report.done = p->done;
        report.failed = p->failed;
        report.total = atomic_load(&p->total);
        report.elapsed = mp__os_now() - p->t0;
        p->fn(&report, p->arg);
    }
    apr_thread_mutex_unlock(p->mutex);
}

void mp__progress_job_done(mp__progress_t *p, const mp__job_t *job, size_t first)
{
    if (p->fn)
        report(p, job, first, NULL);
}

void mp__progress_close(mp__progress_t *p)
{
    if (!p->fn)
        return;
    apr_thread_mutex_lock(p->mutex);
    p->closed = true;
    apr_thread_mutex_unlock(p->mutex);
}

void mp__progress_fini(mp__progress_t *p)
{
    if (p->apr)
        apr_pool_destroy(p->apr);
    *p = (mp__progress_t){0};
}

/* ---- a tracker fed by jobs' done callbacks ----------------------------- */

struct mp__progress_watch {
    mp__progress_jobs_t *pj;
    mp__job_t *job;
    size_t first;
    bool reported;              /* under the tracker's mutex */
    _Atomic bool delivered;     /* reported, and its callback returned */
    mp__progress_watch_t *next; /* every watch of the tracker */
};

struct mp__progress_jobs {
    _Atomic int refs; /* the call's, and one per job watched and not done */
    mp__progress_t tracker;
    mp__progress_watch_t *watches; /* under the tracker's mutex; freed with it */
};

static void jobs_unref(mp__progress_jobs_t *pj)
{
    if (atomic_fetch_sub(&pj->refs, 1) != 1)
        return;
    for (mp__progress_watch_t *w = pj->watches, *next; w; w = next) {
        next = w->next;
        free(w);
    }
    mp__progress_fini(&pj->tracker);
    free(pj);
}

int mp__progress_jobs_create(mp__progress_jobs_t **out, mp_progress_fn fn, void *arg, size_t total)
{
    *out = NULL;
    if (!fn)
        return 0;
    mp__progress_jobs_t *pj = calloc(1, sizeof *pj);
    if (!pj)
        return MP_ENOMEM;
    atomic_init(&pj->refs, 1);
    int rc = mp__progress_init(&pj->tracker, fn, arg, total);
    if (rc < 0) {
        free(pj);
        return rc;
    }
    *out = pj;
    return 0;
}

void mp__progress_watch_settle(mp__progress_watch_t *w)
{
    if (!w || atomic_load(&w->delivered))
        return;
    report(&w->pj->tracker, w->job, w->first, &w->reported);
    atomic_store(&w->delivered, true);
}

/* The job is done (its callback, in whichever thread finished it; the job
 * lives until its callbacks have run). */
static void watch_done(mp_future_t *f, void *arg)
{
    (void)f; /* NULL for a map's job */
    mp__progress_watch_t *w = arg;
    mp__progress_watch_settle(w);
    jobs_unref(w->pj);
}

int mp__progress_jobs_watch(mp__progress_jobs_t *pj, mp__job_t *job, size_t first,
                            mp__progress_watch_t **out)
{
    if (out)
        *out = NULL;
    if (!pj)
        return 0;
    mp__progress_watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return MP_ENOMEM;
    *w = (mp__progress_watch_t){.pj = pj, .job = job, .first = first};
    apr_thread_mutex_lock(pj->tracker.mutex);
    w->next = pj->watches;
    pj->watches = w;
    apr_thread_mutex_unlock(pj->tracker.mutex);
    atomic_fetch_add(&pj->refs, 1);
    int rc = mp__job_add_callback(job, watch_done, w);
    if (rc < 0) {
        jobs_unref(pj); /* the watch stays on the list, unused */
        return rc;
    }
    if (out)
        *out = w;
    return 0;
}

void mp__progress_jobs_end(mp__progress_jobs_t *pj)
{
    if (!pj)
        return;
    mp__progress_close(&pj->tracker);
    jobs_unref(pj);
}
