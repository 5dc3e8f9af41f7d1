/* The worker-pool core's common part (mp_executor.h): the pending FIFO,
 * submit, cancel, breaking, shutdown. How workers run the jobs is the
 * kind's (exec_procs.c for processes, exec_threads.c for threads). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_executor.h"
#include "mp_log.h"

/* The kinds registered beyond the built-in two (MP_EXECUTOR_MPI). */
static const mp__pool_ops_t *_Atomic registered_mpi;

int mp__pool_register_kind(mp_executor_kind_t kind, const mp__pool_ops_t *ops)
{
    if (kind != MP_EXECUTOR_MPI)
        return mp__errdetail_set(MP_EINVAL, "mp__pool_register_kind: kind %d cannot be registered",
                                 (int)kind);
    atomic_store(&registered_mpi, ops);
    return 0;
}

const mp__pool_ops_t *mp__pool_kind_ops(mp_executor_kind_t kind)
{
    switch (kind) {
    case MP_EXECUTOR_PROCESSES: return &mp__pool_procs;
    case MP_EXECUTOR_THREADS: return &mp__pool_threads;
    case MP_EXECUTOR_MPI: return atomic_load(&registered_mpi);
    }
    return NULL;
}

/* The pools this process made and has not destroyed (core lock). */
static mp__pool_t *live_pools;

static void unlist(mp__pool_t *pool)
{
    mp__core_lock();
    for (mp__pool_t **p = &live_pools; *p; p = &(*p)->next_live)
        if (*p == pool) {
            *p = pool->next_live;
            break;
        }
    mp__core_unlock();
}

void mp__pools_at_exit(void)
{
    for (;;) {
        mp__core_lock();
        mp__pool_t *pool = live_pools;
        while (pool && (pool->owner != mp__os_getpid() || pool->exiting))
            pool = pool->next_live;
        if (pool)
            pool->exiting = true; /* each pool is shut down once here */
        mp__core_unlock();
        if (!pool)
            return;
        while (mp__pool_shutdown(pool, true, false) == MP_EINTR)
            ;
    }
}

static void free_pool(mp__pool_t *pool)
{
    free(pool->opts.initializer);
    free(pool->opts.initarg);
    free(pool->workers);
    if (pool->apr)
        apr_pool_destroy(pool->apr);
    free(pool);
}

int mp__pool_create(mp__pool_t **out, mp__pool_options_t *opts)
{
    mp__pool_t *pool = calloc(1, sizeof *pool);
    if (!pool)
        return MP_ENOMEM;
    pool->opts = *opts;
    *opts = (mp__pool_options_t){0};                /* taken over */
    pool->ops = mp__pool_kind_ops(pool->opts.kind); /* checked by mp__executor_options() */
    pool->next_seq = 1;
    pool->workers = calloc((size_t)pool->opts.max_workers, sizeof *pool->workers);
    int rc = pool->workers ? 0 : MP_ENOMEM;
    if (rc == 0 &&
        (apr_pool_create(&pool->apr, NULL) != APR_SUCCESS ||
         apr_thread_mutex_create(&pool->mutex, APR_THREAD_MUTEX_DEFAULT, pool->apr) != APR_SUCCESS))
        rc = MP_ENOMEM;
    if (rc == 0)
        rc = pool->ops->start(pool);
    if (rc < 0) {
        free_pool(pool);
        return rc;
    }
    pool->owner = mp__os_getpid();
    mp__core_lock();
    pool->next_live = live_pools;
    live_pools = pool;
    mp__core_unlock();
    *out = pool;
    return 0;
}

void mp__pool_push_pending(mp__pool_t *pool, mp__job_t *job, bool front)
{
    job->worker = -1;
    if (front) {
        job->next = pool->pending_head;
        pool->pending_head = job;
        if (!pool->pending_tail)
            pool->pending_tail = job;
    } else {
        job->next = NULL;
        if (pool->pending_tail)
            pool->pending_tail->next = job;
        else
            pool->pending_head = job;
        pool->pending_tail = job;
    }
    pool->npending++;
}

mp__job_t *mp__pool_pop_pending(mp__pool_t *pool)
{
    mp__job_t *job = pool->pending_head;
    if (job) {
        pool->pending_head = job->next;
        if (!pool->pending_head)
            pool->pending_tail = NULL;
        job->next = NULL;
        pool->npending--;
    }
    return job;
}

void mp__pool_give(mp__pool_t *pool, int index, mp__job_t *job)
{
    mp__worker_t *w = &pool->workers[index];
    job->next = NULL;
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->inflight++;
    w->given++;
    job->worker = index;
    job->pid = w->pid;
    atomic_store(&job->state, MP__JOB_RUNNING);
}

/* Take `job` out of the pending FIFO; false if it is not there. */
static bool unlink_pending(mp__pool_t *pool, mp__job_t *job)
{
    mp__job_t *prev = NULL;
    for (mp__job_t *j = pool->pending_head; j; prev = j, j = j->next) {
        if (j != job)
            continue;
        if (prev)
            prev->next = j->next;
        else
            pool->pending_head = j->next;
        if (pool->pending_tail == j)
            pool->pending_tail = prev;
        j->next = NULL;
        pool->npending--;
        return true;
    }
    return false;
}

void mp__pool_job_finished(mp__pool_t *pool, mp__job_t *job)
{
    atomic_fetch_sub(&pool->outstanding, 1);
    pool->stats.tasks_done += job->count;
}

void mp__pool_abandon(mp__pool_t *pool, mp__job_t *job, int reason, const char *message,
                      mp__job_t **done)
{
    mp__job_fail(job, reason, message);
    job->abandoned = true;
    mp__job_mark_done(job, done);
    mp__pool_job_finished(pool, job);
}

bool mp__pool_no_workers(void *ctx)
{
    mp__pool_t *pool = ctx;
    apr_thread_mutex_lock(pool->mutex);
    bool none = pool->stats.workers_alive == 0;
    apr_thread_mutex_unlock(pool->mutex);
    return none;
}

int mp__pool_sleep_wait(mp__pool_t *pool, bool (*ready)(void *), void *ctx, double deadline)
{
    (void)pool;
    return mp__jobs_sleep_until(ready, ctx, deadline);
}

/* Finish a job the pool no longer holds in any list. */
static void finish_unlisted(mp__pool_t *pool, mp__job_t *job, mp__job_t **done)
{
    mp__job_mark_done(job, done);
    mp__pool_job_finished(pool, job);
    mp__job_unref(job); /* the pool's; `done` holds its own */
}

int mp__pool_submit(mp__pool_t *pool, mp__job_t *job)
{
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    int rc = pool->broken ? mp__errdetail_set(MP_EBROKEN, "the %s is broken: %s", pool->opts.noun,
                                              pool->broken_why)
             : pool->shutdown
                 ? mp__errdetail_set(MP_ESHUTDOWN, "cannot schedule new tasks after shutdown")
                 : 0;
    if (rc == 0) {
        mp__job_set_seq(job, pool->next_seq++);
        job->queued = mp__os_now();
        job->pool = pool;
        mp__job_ref(job); /* the pool's, until the job leaves its lists */
        atomic_fetch_add(&pool->outstanding, 1);
        mp__pool_push_pending(pool, job, false);
        pool->ops->dispatch(pool, &done);
    }
    apr_thread_mutex_unlock(pool->mutex);
    mp__jobs_complete(done);
    if (rc == 0 && pool->ops->poll)
        pool->ops->poll(pool);
    return rc;
}

/* Under the mutex: fail every job not done with `code` and `message`.
 * Pending ones leave the FIFO; jobs given to workers are failed here and
 * stay on their worker's list until the worker is reaped (their late
 * answers are dropped). */
static void fail_all(mp__pool_t *pool, int code, const char *message, mp__job_t **done)
{
    for (mp__job_t *job; (job = mp__pool_pop_pending(pool));) {
        mp__job_fail(job, code, message);
        finish_unlisted(pool, job, done);
    }
    for (int i = 0; i < pool->opts.max_workers; i++)
        for (mp__job_t *job = pool->workers[i].head; job; job = job->next)
            if (!mp__job_is_done(job)) {
                mp__job_fail(job, code, message);
                job->abandoned = true;
                mp__job_mark_done(job, done);
                mp__pool_job_finished(pool, job);
            }
}

void mp__pool_break(mp__pool_t *pool, const char *why, mp__job_t **done)
{
    if (!pool->broken) {
        pool->broken = MP_EBROKEN;
        snprintf(pool->broken_why, sizeof pool->broken_why, "%s", why);
        mp__log(MP_LOG_ERROR, "the %s is broken: %s", pool->opts.noun, why);
    }
    char message[600];
    snprintf(message, sizeof message, "the %s is broken: %s", pool->opts.noun, pool->broken_why);
    fail_all(pool, MP_EBROKEN, message, done);
}

void mp__pool_terminate(mp__pool_t *pool, const char *why)
{
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    pool->shutdown = true;
    pool->terminated = true;
    fail_all(pool, MP_ECANCELLED, why, &done);
    if (pool->ops->kill_all)
        pool->ops->kill_all(pool);
    apr_thread_mutex_unlock(pool->mutex);
    mp__jobs_complete(done);
}

int mp__pool_cancel(mp__pool_t *pool, mp__job_t *job, bool running_too)
{
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    int state = atomic_load(&job->state), now_cancelled = 0;
    if (state == MP__JOB_DONE) {
        now_cancelled = atomic_load(&job->cancelled);
    } else if (state == MP__JOB_PENDING || (running_too && job->worker < 0)) {
        /* Not given to a worker (never, or again after its worker died). */
        if (unlink_pending(pool, job)) {
            atomic_store(&job->cancelled, true);
            mp__job_fail(job, MP_ECANCELLED, "cancelled");
            finish_unlisted(pool, job, &done);
            now_cancelled = 1;
        }
    } else if (running_too) {
        atomic_store(&job->cancelled, true);
        pool->ops->stop_running(pool, job, MP_ECANCELLED, &done);
        now_cancelled = 1;
    }
    apr_thread_mutex_unlock(pool->mutex);
    mp__jobs_complete(done);
    return now_cancelled;
}

static bool nothing_outstanding(void *ctx)
{
    mp__pool_t *pool = ctx;
    return atomic_load(&pool->outstanding) == 0;
}

int mp__pool_shutdown(mp__pool_t *pool, bool wait, bool cancel_pending)
{
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    if (!pool->shutdown && mp__log_on(MP_LOG_INFO))
        mp__log(MP_LOG_INFO, "%s shutting down (%zu tasks pending)", pool->opts.noun,
                pool->npending);
    pool->shutdown = true;
    if (cancel_pending) {
        /* Only jobs never given to a worker: one back from a dead worker
         * counts as running, as it was. */
        mp__job_t *keep = NULL, **tail = &keep;
        for (mp__job_t *job; (job = mp__pool_pop_pending(pool));) {
            if (atomic_load(&job->state) == MP__JOB_PENDING) {
                atomic_store(&job->cancelled, true);
                mp__job_fail(job, MP_ECANCELLED, "cancelled by shutdown");
                finish_unlisted(pool, job, &done);
            } else {
                *tail = job;
                tail = &job->next;
            }
        }
        for (mp__job_t *job = keep, *next; job; job = next) {
            next = job->next;
            mp__pool_push_pending(pool, job, false);
        }
    }
    pool->ops->dispatch(pool, &done); /* also stops idle workers */
    apr_thread_mutex_unlock(pool->mutex);
    mp__jobs_complete(done);
    if (!wait)
        return 0;
    int rc = pool->ops->wait(pool, nothing_outstanding, pool, INFINITY);
    if (rc == 0)
        pool->ops->stop(pool);
    return rc;
}

static bool all_ended(void *ctx)
{
    mp__pool_t *pool = ctx;
    apr_thread_mutex_lock(pool->mutex);
    bool ended = atomic_load(&pool->outstanding) == 0 && pool->stats.workers_alive == 0;
    apr_thread_mutex_unlock(pool->mutex);
    return ended;
}

int mp__pool_join(mp__pool_t *pool, double deadline)
{
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    pool->ops->dispatch(pool, &done); /* stops the workers gone idle */
    apr_thread_mutex_unlock(pool->mutex);
    mp__jobs_complete(done);
    return pool->ops->wait(pool, all_ended, pool, deadline);
}

size_t mp__pool_worker_pids(mp__pool_t *pool, mp_pid_t *pids, size_t cap)
{
    size_t n = 0;
    apr_thread_mutex_lock(pool->mutex);
    for (int i = 0; i < pool->opts.max_workers; i++) {
        const mp__worker_t *w = &pool->workers[i];
        if (!w->used || !w->pid)
            continue;
        if (n < cap)
            pids[n] = w->pid;
        n++;
    }
    apr_thread_mutex_unlock(pool->mutex);
    return n;
}

void mp__pool_destroy(mp__pool_t *pool)
{
    if (!pool)
        return;
    /* A signal may interrupt the wait (mp_set_interruptible()); destroy
     * has no way to say so, so it waits on. */
    while (mp__pool_shutdown(pool, true, false) == MP_EINTR)
        ;
    unlist(pool);
    pool->ops->free(pool);
    free_pool(pool);
}
