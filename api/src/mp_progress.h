/**
 * @file mp_progress.h
 * @brief The progress tracker behind every call that takes a progress
 *        callback (multiproc/progress.h): it counts the work done and
 *        calls the user's callback once per finished message of work,
 *        never two calls at a time for one tracker.
 *
 * Serialisation: a mutex of the tracker's own, held around the count and
 * the callback only (never a lock of the library's), so that every job's
 * timings reach the callback (a try-lock that folds counts in would lose
 * the timings of the jobs it folds) and `done` rises by one job's count
 * per call, to `total` exactly. A thread that finishes a job while another
 * runs the callback waits for it: the callback must be quick (the public
 * header says so).
 */
#ifndef MP_PROGRESS_H
#define MP_PROGRESS_H

#include <apr_pools.h>
#include <apr_thread_mutex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <multiproc/progress.h>

#include "mp_executor.h"

/** A tracker: one per call that reports progress. */
typedef struct mp__progress {
    mp_progress_fn fn; /**< NULL: inactive (every call a no-op) */
    void *arg;
    double t0;            /**< mp__os_now() when the call began */
    _Atomic size_t total; /**< 0: not known yet */
    apr_pool_t *apr;      /**< the mutex's memory */
    apr_thread_mutex_t *mutex;
    size_t done, failed; /**< under the mutex */
    bool closed;         /**< under the mutex: the call ended */
} mp__progress_t;

/** @brief fn NULL: inactive, every other call is a no-op costing nothing.
 *         total 0: unknown yet. t0 = now. @return 0; MP_ENOMEM. */
int mp__progress_init(mp__progress_t *p, mp_progress_fn fn, void *arg, size_t total);

/** @brief The call's total, once known (an iterator input that ended). */
void mp__progress_set_total(mp__progress_t *p, size_t total);

/**
 * @brief One message of work finished: `job` (done; read its outcomes with
 *        mp__job_outcome(), count = job->count, failed = outcomes with
 *        code != 0, times from job->queued/started/finished relative to t0,
 *        worker = job->pid) whose first task has index `first` in the call.
 *        Called from any thread, without library locks; calls of fn for one
 *        tracker never overlap.
 */
void mp__progress_job_done(mp__progress_t *p, const mp__job_t *job, size_t first);

/**
 * @brief The call ended (its handle was destroyed): fn is never called
 *        again once this returns (it waits for a call in progress), though
 *        mp__progress_job_done() may still be called (a no-op).
 */
void mp__progress_close(mp__progress_t *p);

/** @brief Close and free the tracker; no mp__progress_job_done() may run
 *         or come after it. */
void mp__progress_fini(mp__progress_t *p);

/* ---- a tracker fed by jobs' done callbacks ----------------------------- */

/**
 * A tracker that jobs report to from their done callbacks, which may run
 * after the call that made them ended (a map destroyed while its chunks
 * still run): reference counted, one reference for the call and one for
 * each job watched and not done, so the last callback or the call's end
 * frees it.
 *
 * A job's waiters wake before its callbacks run, so a reader can have a
 * job's results before its report went out, and end the call (destroy the
 * map) before it ever does: a reader settles the job's watch after its
 * wait (mp__progress_watch_settle()), which reports the job now if its
 * callback has not, or waits for the report in progress. A job is thus
 * reported before any of its results is returned, exactly once.
 */
typedef struct mp__progress_jobs mp__progress_jobs_t;

/** One job watched by an mp__progress_jobs_t (it lives as long as that). */
typedef struct mp__progress_watch mp__progress_watch_t;

/** @brief Make one (fn NULL: `*out` is NULL, and the calls below take NULL
 *         as a no-op). @return 0; MP_ENOMEM. */
int mp__progress_jobs_create(mp__progress_jobs_t **out, mp_progress_fn fn, void *arg, size_t total);

/** @brief Report `job` (submitted already) when it is done, as the call's
 *         tasks from index `first`; its watch in `*out` (may be NULL; NULL
 *         when pj is). @return 0; MP_ENOMEM. */
int mp__progress_jobs_watch(mp__progress_jobs_t *pj, mp__job_t *job, size_t first,
                            mp__progress_watch_t **out);

/** @brief The watched job is done: make sure its report was delivered
 *         (report it now, or wait for the report in progress). NULL-safe;
 *         a load when it was. */
void mp__progress_watch_settle(mp__progress_watch_t *w);

/** @brief The call ended: no more callbacks of the user's, and the call's
 *         reference dropped. NULL-safe. */
void mp__progress_jobs_end(mp__progress_jobs_t *pj);

#endif /* MP_PROGRESS_H */
