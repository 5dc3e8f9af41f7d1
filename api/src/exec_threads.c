/* The worker-pool core on threads of this process (mp_executor.h): the
 * same jobs, the same outcomes (a thread builds the same answer a worker
 * process sends), for the same task functions. Threads start as work needs
 * them, up to max_workers, and take jobs from the pending FIFO themselves.
 *
 * A thread cannot be killed: a job that runs past its time limit, or is
 * aborted, fails at once (the watcher thread does it for limits) and is
 * abandoned; its thread finishes it, drops the outcome and goes on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_executor.h"
#include "mp_runner.h"

typedef struct threads {
    apr_thread_cond_t *work; /* signalled when a job is queued or at stop */
    apr_thread_t **threads;  /* max_workers slots */
    int started;
    int idle; /* threads waiting for work */
    bool stopping;
    apr_thread_t *watcher;    /* fails overdue jobs */
    apr_thread_cond_t *watch; /* wakes it: a limited job started, or stop */
} threads_t;

typedef struct thread_arg {
    mp__pool_t *pool;
    int index;
} thread_arg_t;

static threads_t *threads_of(const mp__pool_t *pool)
{
    return (threads_t *)pool->impl;
}

/* Run every argument of a job, building the answer a worker would send. */
static void *run_job(mp__job_t *job, size_t *len)
{
    mp__order_reader_t order;
    mp__buf_t answer = {0};
    if (mp__order_open(&order, job->order.data, job->order.len) < 0 ||
        mp__answer_begin(&answer, &(mp__answer_head_t){.seq = job->seq}) < 0)
        return NULL;
    for (uint32_t i = 0; i < order.head.count; i++) {
        const void *arg;
        size_t arg_len;
        mp__run_t run;
        if (mp__order_next(&order, &arg, &arg_len) < 0)
            break;
        mp__runner_run(&run, order.name, arg, arg_len, NULL, 0);
        int rc = mp__answer_add_run(&answer, &run);
        mp__runner_release(&run);
        if (rc < 0)
            break;
    }
    mp__answer_end(&answer, order.head.count, 0);
    *len = answer.len;
    return answer.data;
}

/* Run the initializer in this thread, if there is one; a failure breaks
 * the pool (Python's BrokenThreadPool). @return whether it succeeded. */
static bool initialize(mp__pool_t *pool)
{
    const mp__pool_options_t *o = &pool->opts;
    if (!o->initializer)
        return true;
    mp__run_t run;
    mp__runner_run(&run, o->initializer, o->initarg, o->initarg_len, NULL, 0);
    bool ok = run.rc == 0;
    if (!ok) {
        char why[600];
        snprintf(why, sizeof why, "the initializer '%s' failed: %s", o->initializer,
                 run.rc < 0 ? run.result.message : "it returned an exit code");
        mp__job_t *done = NULL;
        apr_thread_mutex_lock(pool->mutex);
        mp__pool_break(pool, why, &done);
        apr_thread_mutex_unlock(pool->mutex);
        mp__jobs_complete(done);
    }
    mp__runner_release(&run);
    return ok;
}

static void *APR_THREAD_FUNC thread_main(apr_thread_t *thread, void *arg)
{
    thread_arg_t a = *(thread_arg_t *)arg;
    free(arg);
    mp__pool_t *pool = a.pool;
    threads_t *t = threads_of(pool);
    mp__worker_t *w = &pool->workers[a.index];
    if (!initialize(pool)) {
        apr_thread_exit(thread, APR_SUCCESS);
        return NULL;
    }
    apr_thread_mutex_lock(pool->mutex);
    /* Idle: not running a job. A thread that finished one counts as idle
     * before it completes the future, so that a program that submits as
     * soon as its result is in finds it free (no second thread). */
    t->idle++;
    for (;;) {
        while (!pool->pending_head && !t->stopping)
            apr_thread_cond_wait(t->work, pool->mutex);
        mp__job_t *job = mp__pool_pop_pending(pool);
        if (!job)
            break; /* stopping, and nothing left */
        t->idle--;
        atomic_store(&job->state, MP__JOB_RUNNING);
        job->started = mp__os_now();
        job->worker = a.index;
        w->head = job;
        if (isfinite(job->limit))
            apr_thread_cond_signal(t->watch);
        apr_thread_mutex_unlock(pool->mutex);
        size_t len = 0;
        void *answer = run_job(job, &len);
        mp__job_t *done = NULL;
        apr_thread_mutex_lock(pool->mutex);
        w->head = NULL;
        if (!mp__job_is_done(job)) {
            if (!answer || mp__job_take_answer(job, answer, len, answer) < 0) {
                free(answer);
                mp__job_fail(job, MP_ENOMEM, "out of memory for the task's outcome");
            }
            mp__job_mark_done(job, &done);
            mp__pool_job_finished(pool, job);
        } else {
            free(answer); /* abandoned: failed already */
        }
        mp__job_unref(job); /* the pool's */
        t->idle++;
        apr_thread_mutex_unlock(pool->mutex);
        mp__jobs_complete(done);
        apr_thread_mutex_lock(pool->mutex);
    }
    t->idle--;
    apr_thread_mutex_unlock(pool->mutex);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

/* Fail a running job now; its thread drops the late outcome. */
static void abandon(mp__pool_t *pool, mp__job_t *job, int reason, mp__job_t **done)
{
    mp__pool_abandon(pool, job, reason,
                     reason == MP_ETIMEDOUT
                         ? "the task ran past its time limit (its thread "
                           "finishes it in the background)"
                         : "cancelled (its thread finishes it in the background)",
                     done);
}

/* Fail the overdue jobs; the seconds until the next deadline. */
static double check_limits(mp__pool_t *pool, double now, mp__job_t **done)
{
    double next = INFINITY;
    for (int i = 0; i < pool->opts.max_workers; i++) {
        mp__job_t *job = pool->workers[i].head;
        if (!job || !isfinite(job->limit) || mp__job_is_done(job))
            continue;
        double left = job->started + job->limit - now;
        if (left <= 0)
            abandon(pool, job, MP_ETIMEDOUT, done);
        else if (left < next)
            next = left;
    }
    return next;
}

static void *APR_THREAD_FUNC watcher_main(apr_thread_t *thread, void *arg)
{
    mp__pool_t *pool = arg;
    threads_t *t = threads_of(pool);
    apr_thread_mutex_lock(pool->mutex);
    while (!t->stopping) {
        mp__job_t *done = NULL;
        double next = check_limits(pool, mp__os_now(), &done);
        if (done) {
            apr_thread_mutex_unlock(pool->mutex);
            mp__jobs_complete(done);
            apr_thread_mutex_lock(pool->mutex);
            continue;
        }
        if (isfinite(next))
            apr_thread_cond_timedwait(t->watch, pool->mutex, (apr_interval_time_t)(next * 1e6) + 1);
        else
            apr_thread_cond_wait(t->watch, pool->mutex);
    }
    apr_thread_mutex_unlock(pool->mutex);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static int threads_start(mp__pool_t *pool)
{
    threads_t *t = calloc(1, sizeof *t);
    if (!t)
        return MP_ENOMEM;
    pool->impl = t;
    t->threads = calloc((size_t)pool->opts.max_workers, sizeof *t->threads);
    if (!t->threads || apr_thread_cond_create(&t->work, pool->apr) != APR_SUCCESS ||
        apr_thread_cond_create(&t->watch, pool->apr) != APR_SUCCESS) {
        free(t->threads);
        free(t);
        pool->impl = NULL;
        return MP_ENOMEM;
    }
    mp__pool_thread_count(1);
    if (apr_thread_create(&t->watcher, NULL, watcher_main, pool, pool->apr) != APR_SUCCESS) {
        mp__pool_thread_count(-1);
        free(t->threads);
        free(t);
        pool->impl = NULL;
        return mp__errdetail_set(MP_ESYS, "mp_executor_create: could not start a thread");
    }
    return 0;
}

/* Under the mutex: one more thread, while work waits for one. */
static void start_thread(mp__pool_t *pool)
{
    threads_t *t = threads_of(pool);
    thread_arg_t *arg = malloc(sizeof *arg);
    if (!arg)
        return;
    *arg = (thread_arg_t){pool, t->started};
    mp__pool_thread_count(1);
    if (apr_thread_create(&t->threads[t->started], NULL, thread_main, arg, pool->apr) !=
        APR_SUCCESS) {
        mp__pool_thread_count(-1);
        free(arg);
        return;
    }
    pool->workers[t->started].used = true;
    t->started++;
    pool->stats.workers_started++;
    pool->stats.workers_alive++;
}

static void threads_dispatch(mp__pool_t *pool, mp__job_t **done)
{
    (void)done;
    threads_t *t = threads_of(pool);
    if (!pool->pending_head)
        return;
    if ((size_t)t->idle < pool->npending && t->started < pool->opts.max_workers)
        start_thread(pool);
    apr_thread_cond_signal(t->work);
}

static void threads_stop_running(mp__pool_t *pool, mp__job_t *job, int reason, mp__job_t **done)
{
    abandon(pool, job, reason, done);
}

static void threads_stop(mp__pool_t *pool)
{
    threads_t *t = threads_of(pool);
    apr_thread_mutex_lock(pool->mutex);
    bool first = !t->stopping;
    t->stopping = true;
    apr_thread_cond_broadcast(t->work);
    apr_thread_cond_signal(t->watch);
    apr_thread_mutex_unlock(pool->mutex);
    if (!first)
        return;
    apr_status_t ignored;
    for (int i = 0; i < t->started; i++) {
        apr_thread_join(&ignored, t->threads[i]);
        mp__pool_thread_count(-1);
    }
    apr_thread_join(&ignored, t->watcher);
    mp__pool_thread_count(-1);
    apr_thread_mutex_lock(pool->mutex);
    pool->stats.workers_alive = 0;
    apr_thread_mutex_unlock(pool->mutex);
}

static void threads_free(mp__pool_t *pool)
{
    threads_t *t = threads_of(pool);
    if (!t)
        return;
    threads_stop(pool);
    free(t->threads);
    free(t);
    pool->impl = NULL;
}

const mp__pool_ops_t mp__pool_threads = {
    .start = threads_start,
    .dispatch = threads_dispatch,
    .wait = mp__pool_sleep_wait, /* the threads complete the jobs */
    .stop_running = threads_stop_running,
    .stop = threads_stop,
    .free = threads_free,
};
