/* The MPI kind on rank 0 (mp_mpi.h): an mp__pool_ops_t whose workers are
 * the worker ranks (slot i is rank i + 1). Dispatch sends each job's
 * order as it is; the collector (collector.c) hands answers to
 * mp__mpi_deliver(). Two orders are kept in flight per rank, so that a
 * rank has the next one queued locally when it finishes one. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp_mpi.h"

enum { IN_FLIGHT = 2 };

/* What the kind keeps per pool. */
typedef struct mpi_pool {
    uint32_t id;
    mp__pool_t *pool;
    struct mpi_pool *next;
} mpi_pool_t;

/* The live MPI pools, for the collector to find by number. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static mpi_pool_t *table;
static uint32_t last_id;

int mp__mpi_pools_alive(void)
{
    int n = 0;
    pthread_mutex_lock(&table_lock);
    for (mpi_pool_t *m = table; m; m = m->next)
        n++;
    pthread_mutex_unlock(&table_lock);
    return n;
}

/* Take a pool out of the table and free its part. */
static void unlist(mpi_pool_t *m)
{
    pthread_mutex_lock(&table_lock);
    for (mpi_pool_t **p = &table; *p; p = &(*p)->next)
        if (*p == m) {
            *p = m->next;
            break;
        }
    pthread_mutex_unlock(&table_lock);
    free(m);
}

static int mpi_options(mp__pool_options_t *opts, const char *fn)
{
    if (mp__mpi.rank != 0 || getpid() != mp__mpi.init_pid)
        return mp__errdetail_set(MP_ENOTSUP, "%s: only rank 0's main process has MPI executors",
                                 fn);
    int ranks = mp__mpi.size - 1;
    if (ranks < 1)
        return mp__errdetail_set(MP_ENOTSUP,
                                 "%s: this program has no worker ranks: run it under mpirun "
                                 "-n N with N >= 2 (or set MULTIPROC_MPI_SPAWN=N)",
                                 fn);
    if (opts->max_workers > ranks)
        return mp__errdetail_set(MP_EINVAL, "%s: max_workers %d is more than the %d worker ranks",
                                 fn, opts->max_workers, ranks);
    if (!opts->max_workers)
        opts->max_workers = ranks;
    return 0;
}

/* The local children's start method: the context's; NULL: fork, or spawn
 * when children are replaced (a fork child of a process with threads). */
static const char *local_method(const mp__pool_options_t *o)
{
    return o->context               ? mp_context_start_method(o->context)
           : o->max_tasks_per_child ? "spawn"
                                    : "fork";
}

static int mpi_start(mp__pool_t *pool)
{
    const mp__pool_options_t *o = &pool->opts;
    mpi_pool_t *m = calloc(1, sizeof *m);
    if (!m)
        return MP_ENOMEM;
    const char *method = local_method(o);
    if (o->max_tasks_per_child && strcmp(method, "fork") == 0) {
        free(m);
        return mp__errdetail_set(MP_EINVAL, "mp_executor_create: max_tasks_per_child is "
                                            "incompatible with the 'fork' start method");
    }
    /* START's payload: the initializer's name, NUL, its argument. */
    size_t name_len = o->initializer ? strlen(o->initializer) : 0;
    char *payload = malloc(name_len + 1 + o->initarg_len);
    if (!payload) {
        free(m);
        return MP_ENOMEM;
    }
    memcpy(payload, o->initializer ? o->initializer : "", name_len + 1);
    if (o->initarg_len)
        memcpy(payload + name_len + 1, o->initarg, o->initarg_len);
    pthread_mutex_lock(&table_lock);
    m->id = ++last_id;
    m->pool = pool;
    m->next = table;
    table = m;
    pthread_mutex_unlock(&table_lock);
    pool->impl = m;
    mp__mpi_head_t head = {.pool = m->id, .max_tasks = o->max_tasks_per_child};
    snprintf(head.method, sizeof head.method, "%s", method);
    int rc = 0;
    for (int i = 0; i < o->max_workers && rc == 0; i++) {
        head.slot = (uint32_t)i;
        mp__worker_t *w = &pool->workers[i];
        if ((rc = mp__mpi_send(i + 1, MP__MPI_START, &head, payload,
                               name_len + 1 + o->initarg_len)) < 0)
            break;
        *w = (mp__worker_t){.used = true, .ready = true, .pid = mp__mpi.pids[i + 1]};
        pool->stats.workers_started++;
        pool->stats.workers_alive++;
    }
    free(payload);
    if (rc < 0) { /* a failed send: MPI lost a rank; the job is ending */
        unlist(m);
        pool->impl = NULL;
    }
    return rc;
}

/* Under the mutex: the slot with the fewest orders in flight, below the
 * bound; -1 when all are full. */
static int free_slot(const mp__pool_t *pool)
{
    int best = -1;
    for (int i = 0; i < pool->opts.max_workers; i++) {
        const mp__worker_t *w = &pool->workers[i];
        if (w->used && !w->stopping && w->inflight < IN_FLIGHT &&
            (best < 0 || w->inflight < pool->workers[best].inflight))
            best = i;
    }
    return best;
}

/* Under the mutex: tell a worker rank its local pool is done. */
static void end_worker(mp__pool_t *pool, int i, uint32_t flags)
{
    mp__worker_t *w = &pool->workers[i];
    if (!w->used || w->stopping)
        return;
    w->stopping = true;
    mp__mpi_head_t head = {
        .pool = ((mpi_pool_t *)pool->impl)->id, .slot = (uint32_t)i, .flags = flags};
    mp__mpi_send(i + 1, MP__MPI_END, &head, NULL, 0);
}

static void mpi_dispatch(mp__pool_t *pool, mp__job_t **done)
{
    mpi_pool_t *m = pool->impl;
    for (int i; pool->pending_head && !pool->broken && (i = free_slot(pool)) >= 0;) {
        mp__job_t *job = mp__pool_pop_pending(pool);
        mp__pool_give(pool, i, job);
        job->started = mp__os_now();
        mp__mpi_head_t head = {.pool = m->id, .slot = (uint32_t)i, .limit = job->limit};
        if (mp__mpi_send(i + 1, MP__MPI_ORDER, &head, job->order.data, job->order.len) < 0) {
            char why[300];
            snprintf(why, sizeof why, "%s", mp_errdetail());
            mp__pool_break(pool, why, done);
        }
    }
    /* Shut down: a rank with nothing in flight is done. */
    for (int i = 0; pool->shutdown && !pool->pending_head && i < pool->opts.max_workers; i++)
        if (pool->workers[i].inflight == 0)
            end_worker(pool, i, 0);
}

/* An abort: the job fails now; its rank's late answer is dropped. */
static void mpi_stop_running(mp__pool_t *pool, mp__job_t *job, int reason, mp__job_t **done)
{
    mp__pool_abandon(pool, job, reason, "cancelled (its rank finishes it in the background)", done);
}

static void mpi_stop(mp__pool_t *pool)
{
    apr_thread_mutex_lock(pool->mutex);
    for (int i = 0; i < pool->opts.max_workers; i++)
        end_worker(pool, i, 0);
    apr_thread_mutex_unlock(pool->mutex);
    while (mp__jobs_sleep_until(mp__pool_no_workers, pool, INFINITY) == MP_EINTR)
        ;
}

static void mpi_kill_all(mp__pool_t *pool)
{
    for (int i = 0; i < pool->opts.max_workers; i++)
        end_worker(pool, i, MP__MPI_KILL);
}

static void mpi_free(mp__pool_t *pool)
{
    mpi_pool_t *m = pool->impl;
    if (!m)
        return;
    mpi_stop(pool);
    unlist(m);
    pool->impl = NULL;
}

const mp__pool_ops_t mp__pool_mpi = {
    .start = mpi_start,
    .dispatch = mpi_dispatch,
    .wait = mp__pool_sleep_wait, /* the collector completes the jobs */
    .stop_running = mpi_stop_running,
    .stop = mpi_stop,
    .kill_all = mpi_kill_all,
    .free = mpi_free,
    .options = mpi_options,
};

/* Under the mutex: take the job `seq` off slot `i`'s list. */
static mp__job_t *take_job(mp__pool_t *pool, int i, uint64_t seq)
{
    mp__worker_t *w = &pool->workers[i];
    for (mp__job_t **p = &w->head, *prev = NULL; *p; prev = *p, p = &(*p)->next) {
        mp__job_t *job = *p;
        if (job->seq != seq)
            continue;
        *p = job->next;
        if (w->tail == job)
            w->tail = prev;
        job->next = NULL;
        w->inflight--;
        return job;
    }
    return NULL;
}

/* Under the mutex: a rank's local pool is gone; drop what it held (jobs
 * failed already by a terminate or a break). */
static void worker_ended(mp__pool_t *pool, int i, mp__job_t **done)
{
    mp__worker_t *w = &pool->workers[i];
    for (mp__job_t *job = w->head, *next; job; job = next) {
        next = job->next;
        if (!mp__job_is_done(job)) {
            mp__job_fail(job, MP_EBROKEN, "its rank ended its local pool before answering");
            mp__job_mark_done(job, done);
            mp__pool_job_finished(pool, job);
        }
        mp__job_unref(job);
    }
    *w = (mp__worker_t){0};
    pool->stats.workers_alive--;
}

static void answered(mp__pool_t *pool, int i, void *payload, size_t len, mp__job_t **done)
{
    mp__answer_head_t head;
    mp__job_t *job = mp__answer_peek(payload, len, &head) ? take_job(pool, i, head.seq) : NULL;
    if (!job) {
        free(payload);
        return;
    }
    if (!mp__job_is_done(job)) {
        if (mp__job_take_answer(job, payload, len, payload) < 0) {
            free(payload);
            mp__job_fail(job, MP_EBOOTSTRAP, "a malformed answer from its rank");
        }
        mp__job_mark_done(job, done);
        mp__pool_job_finished(pool, job);
    } else {
        free(payload); /* abandoned: failed already */
    }
    mp__job_unref(job); /* the pool's */
}

void mp__mpi_deliver(int tag, int source, const mp__mpi_head_t *head, void *payload, size_t len)
{
    pthread_mutex_lock(&table_lock);
    mpi_pool_t *m = table;
    while (m && m->id != head->pool)
        m = m->next;
    pthread_mutex_unlock(&table_lock);
    int i = source - 1;
    /* A pool is freed only after every rank said ENDED, the last message
     * a rank sends for it: a pool found here lives until this returns. */
    if (!m || i < 0 || i >= m->pool->opts.max_workers) {
        free(payload);
        return;
    }
    mp__pool_t *pool = m->pool;
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    if (tag == MP__MPI_ANSWER) {
        answered(pool, i, payload, len, &done);
        payload = NULL;
    } else if (tag == MP__MPI_BROKEN) {
        mp__pool_break(pool, payload, &done);
    } else if (tag == MP__MPI_ENDED && pool->workers[i].used) {
        worker_ended(pool, i, &done);
    }
    pool->ops->dispatch(pool, &done);
    apr_thread_mutex_unlock(pool->mutex);
    free(payload);
    mp__jobs_complete(done);
    mp__jobs_wake(); /* a stop waits for the ENDED */
}

void mp__mpi_break_all(const char *why)
{
    /* One list for every pool's jobs, completed once the table is free:
     * a callback may destroy its executor, which takes the table lock. */
    mp__job_t *done = NULL;
    pthread_mutex_lock(&table_lock);
    for (mpi_pool_t *m = table; m; m = m->next) {
        apr_thread_mutex_lock(m->pool->mutex);
        mp__pool_break(m->pool, why, &done);
        /* No rank will say ENDED now: nothing is left to wait for. */
        for (int i = 0; i < m->pool->opts.max_workers; i++)
            if (m->pool->workers[i].used)
                worker_ended(m->pool, i, &done);
        apr_thread_mutex_unlock(m->pool->mutex);
    }
    pthread_mutex_unlock(&table_lock);
    mp__jobs_complete(done);
    mp__jobs_wake();
}
