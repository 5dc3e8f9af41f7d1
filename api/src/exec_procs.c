/* The worker-pool core on worker processes (mp_exec_procs.h): making the
 * pool's shared rings and threads, starting workers as the work needs
 * them, giving them jobs, and stopping them. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_builtin.h"
#include "mp_core.h"
#include "mp_exec_log.h"
#include "mp_exec_procs.h"
#include "mp_queue_impl.h"

/* Each worker's ring of orders. A tiny task's order is a few dozen bytes;
 * an order longer than a quarter of this goes through the spill file. */
static const size_t ORDER_RING = 256 * 1024;
/* The shared ring of answers, for every worker. */
static const size_t ANSWER_RING = 1024 * 1024;

/* How much work a worker is given ahead, in seconds of its jobs: enough
 * that a worker of tiny tasks never waits for the parent, little enough
 * that long tasks are spread over every worker. */
static const double AHEAD_S = 200e-6;
enum { MAX_AHEAD = 64 };
/* A worker's job that has run this long (or eight times the usual, if
 * more) is taken to be a long one: nothing more is queued behind it. */
static const double STUCK_S = 1e-3;

static int64_t slots_length(const mp__pool_t *pool)
{
    return (int64_t)pool->opts.max_workers * (int64_t)(sizeof(mp__worker_slot_t) / sizeof(int64_t));
}

void mp__procs_poke_monitor(mp__pool_t *pool)
{
    mp__os_flag_set(mp__procs(pool)->flag, true);
}

void mp__procs_poke_collector(mp__pool_t *pool)
{
    mp__procs_t *p = mp__procs(pool);
    if (atomic_load(&p->napping)) {
        atomic_fetch_add(&p->nap.value, 1);
        mp__os_futex_wake(&p->nap, 1);
    }
}

static int start_threads(mp__pool_t *pool)
{
    mp__procs_t *p = mp__procs(pool);
    mp__pool_thread_count(2);
    if (apr_thread_create(&p->collector, NULL, mp__procs_collector_main, pool, pool->apr) !=
        APR_SUCCESS) {
        mp__pool_thread_count(-2);
        return mp__errdetail_set(MP_ESYS, "mp_executor_create: could not start a thread");
    }
    if (apr_thread_create(&p->monitor, NULL, mp__procs_monitor_main, pool, pool->apr) !=
        APR_SUCCESS) {
        mp__pool_thread_count(-1);
        atomic_store(&p->stopping, true);
        mp__procs_poke_collector(pool);
        apr_status_t ignored;
        apr_thread_join(&ignored, p->collector);
        return mp__errdetail_set(MP_ESYS, "mp_executor_create: could not start a thread");
    }
    return 0;
}

static void free_procs(mp__procs_t *p)
{
    mp__buf_free(&p->scratch);
    mp_simple_queue_destroy(p->answers);
    mp_value_destroy(p->slots_value);
    mp__os_flag_free(p->flag);
    free(p);
}

static int start_worker(mp__pool_t *pool, int index);
static void start_failed(mp__pool_t *pool, int rc, mp__job_t **done);

/* Whether the pool's workers start by fork. */
static int uses_fork(const mp__pool_t *pool, bool *out)
{
    mp_context_t *ctx = pool->opts.context;
    int rc = ctx ? 0 : mp_get_context(&ctx, NULL);
    if (rc == 0)
        *out = strcmp(mp_context_start_method(ctx), "fork") == 0;
    return rc;
}

/* Under fork, every worker starts now, before the pool's threads (as
 * Python's executor does under fork), and so does a Pool's under every
 * method: a failed start is counted as always. */
static void start_all(mp__pool_t *pool)
{
    mp__job_t *done = NULL; /* no job yet: nothing to complete */
    for (int i = 0; i < pool->opts.max_workers && !pool->broken; i++) {
        int rc = start_worker(pool, i);
        if (rc < 0)
            start_failed(pool, rc, &done);
    }
}

static int procs_start(mp__pool_t *pool)
{
    mp__procs_t *p = calloc(1, sizeof *p);
    if (!p)
        return MP_ENOMEM;
    pool->impl = p;
    int rc = mp_simple_queue_create(&p->answers,
                                    &(mp_simple_queue_opts_t){.ring_size = ANSWER_RING});
    if (rc == 0)
        rc = mp_value_create(&p->slots_value,
                             &(mp_value_opts_t){.type = MP_INT64,
                                                .length = (size_t)slots_length(pool),
                                                .raw = true});
    if (rc == 0)
        rc = mp__os_flag_create(&p->flag);
    if (rc == 0)
        rc = mp__os_futex_init(&p->nap, 0);
    if (rc == 0) {
        mp__object_t *answers = mp__handle_get(p->answers, NULL);
        p->ring = &((mp__queue_object_t *)answers)->ring;
        p->slots = mp_value_ptr(p->slots_value);
        rc = uses_fork(pool, &p->forks);
    }
    if (rc == 0) {
        if (p->forks || pool->opts.start_all)
            start_all(pool);
        rc = start_threads(pool);
    }
    if (rc < 0) {
        free_procs(p);
        pool->impl = NULL;
    }
    return rc;
}

/* The worker's argument: its slot, its generation, its limit, the
 * initializer and its argument. */
static int worker_arg(const mp__pool_t *pool, int index, uint32_t generation, mp__buf_t *out)
{
    const mp__pool_options_t *o = &pool->opts;
    size_t init_len = o->initializer ? strlen(o->initializer) : 0;
    mp__pool_worker_arg_t head = {.index = (uint32_t)index,
                                  .generation = generation,
                                  .max_tasks = o->max_tasks_per_child,
                                  .init_len = (uint32_t)init_len};
    int rc = mp__buf_append(out, &head, sizeof head);
    if (rc == 0 && init_len)
        rc = mp__buf_append(out, o->initializer, init_len);
    if (rc == 0 && o->initarg_len)
        rc = mp__buf_append(out, o->initarg, o->initarg_len);
    return rc;
}

/* A failed start, counted like a worker that dies before it is ready. */
static void start_failed(mp__pool_t *pool, int rc, mp__job_t **done)
{
    char why[512];
    snprintf(why, sizeof why, "a worker process could not be started: %s (%s)", mp_errdetail(),
             mp_err_name(rc));
    if (!pool->start_why[0])
        snprintf(pool->start_why, sizeof pool->start_why, "%s", why);
    if (mp__log_on(MP_LOG_WARNING))
        mp__log(MP_LOG_WARNING, "%s", why);
    if (++pool->start_failures >= MP_EXECUTOR_START_FAILURES)
        mp__pool_break(pool, pool->start_why, done);
}

/* Under the mutex: start a worker in free slot `index`. */
static int start_worker(mp__pool_t *pool, int index)
{
    mp__procs_t *p = mp__procs(pool);
    mp__worker_t *w = &pool->workers[index];
    mp__worker_slot_t *slot = &p->slots[index];
    uint32_t generation = ++p->generations;
    atomic_store(&slot->seq, 0);
    atomic_store(&slot->ready, 0);
    mp__buf_t arg = {0};
    mp_simple_queue_t *orders = NULL;
    mp_process_t *proc = NULL;
    int rc = worker_arg(pool, index, generation, &arg);
    if (rc == 0)
        rc = mp_simple_queue_create(&orders, &(mp_simple_queue_opts_t){.ring_size = ORDER_RING});
    if (rc == 0)
        rc = mp_process_create(&proc, &(mp_process_opts_t){
                                          .task = MP__TASK_POOL_WORKER,
                                          .arg = arg.data,
                                          .arg_len = arg.len,
                                          .exit_with_parent = true,
                                          .context = pool->opts.context,
                                          MP_OBJECTS(orders, p->answers, p->slots_value),
                                      });
    if (rc == 0)
        rc = mp_process_start(proc);
    mp__buf_free(&arg);
    if (rc == 0)
        rc = mp_process_sentinel(proc, &w->sentinel);
    if (rc < 0) {
        mp_process_destroy(proc);
        mp_simple_queue_destroy(orders);
        return rc;
    }
    mp_process_pid(proc, &w->pid);
    *w = (mp__worker_t){.used = true,
                        .generation = generation,
                        .proc = proc,
                        .orders = orders,
                        .sentinel = w->sentinel,
                        .pid = w->pid};
    pool->stats.workers_started++;
    pool->stats.workers_alive++;
    if (mp__log_on(MP_LOG_INFO)) /* a start past the slots' count refills one */
        mp__log(MP_LOG_INFO, "worker %s (pid %lld) started in slot %d%s", mp_process_name(proc),
                (long long)w->pid, index,
                pool->stats.workers_started > (uint64_t)pool->opts.max_workers
                    ? ", replacing one that ended"
                    : "");
    mp__procs_poke_monitor(pool);
    return 0;
}

void mp__procs_free_worker(mp__pool_t *pool, int index)
{
    mp__worker_t *w = &pool->workers[index];
    mp_process_destroy(w->proc);
    mp_simple_queue_destroy(w->orders);
    *w = (mp__worker_t){0};
    pool->stats.workers_alive--;
}

/* Jobs a worker is given ahead: by how long its jobs take. Nothing
 * measured yet: one at a time, as a job could be long. */
static uint32_t ahead(const mp__pool_t *pool)
{
    double t = pool->job_time_ewma;
    if (t <= 0)
        return 1;
    double n = AHEAD_S / t;
    return n < 1 ? 1 : n > MAX_AHEAD ? MAX_AHEAD : (uint32_t)n;
}

/* Whether worker `w` can be given another job now. A busy worker whose
 * current job has run far longer than jobs usually take is given no more:
 * they would wait behind it while other workers may be free (Python's
 * executors share one queue, so none waits so). */
static bool can_take(const mp__pool_t *pool, int index, uint32_t cap, double *now)
{
    const mp__worker_t *w = &pool->workers[index];
    uint32_t limit = pool->opts.max_tasks_per_child;
    if (!w->used || w->stopping || w->inflight >= cap || (limit && w->given >= limit))
        return false;
    /* When its oldest job started, as its slot says (a job not started
     * yet has run for no time). */
    const mp__worker_slot_t *slot = &mp__procs(pool)->slots[index];
    if (w->inflight == 0 || atomic_load_explicit(&slot->seq, memory_order_acquire) != w->head->seq)
        return true;
    double started = (double)atomic_load_explicit(&slot->started_ns, memory_order_relaxed) * 1e-9;
    if (*now == 0)
        *now = mp__os_now();
    double usual = 8 * pool->job_time_ewma;
    return *now - started < (usual > STUCK_S ? usual : STUCK_S);
}

/* Whether a worker may be started now (see mp__procs_t.forks): always
 * but under fork, where only a thread holding the drain token may, or
 * anyone when no worker is left at all (nothing else would start one). */
static bool may_start(const mp__pool_t *pool)
{
    if (!mp__procs(pool)->forks || mp__procs_holds_token(pool))
        return true;
    return pool->stats.workers_alive == 0;
}

/* The worker to give the next job to: the least busy that can take one,
 * or a new one when none is idle and there is room for one; -1: none. */
static int choose_worker(mp__pool_t *pool, uint32_t cap, const bool *full, mp__job_t **done)
{
    int best = -1, free_slot = -1;
    bool idle = false;
    double now = 0; /* read once, when needed */
    for (int i = 0; i < pool->opts.max_workers; i++) {
        const mp__worker_t *w = &pool->workers[i];
        if (!w->used) {
            if (free_slot < 0)
                free_slot = i;
            continue;
        }
        if (!w->stopping && w->inflight == 0)
            idle = true;
        if (!full[i] && can_take(pool, i, cap, &now) &&
            (best < 0 || w->inflight < pool->workers[best].inflight))
            best = i;
    }
    if (idle || free_slot < 0 || pool->broken || !may_start(pool))
        return best;
    int rc = start_worker(pool, free_slot);
    if (rc == 0)
        return free_slot;
    start_failed(pool, rc, done);
    return pool->broken ? -1 : best;
}

static void give(mp__pool_t *pool, int index, mp__job_t *job)
{
    mp__pool_give(pool, index, job);
    if (isfinite(job->limit) && atomic_fetch_add(&mp__procs(pool)->limited, 1) == 0)
        mp__procs_poke_monitor(pool);
}

/* A Pool keeps its size (as Python's does): a worker that ended (retired
 * by max_tasks_per_child, or died idle) is replaced at once, not when work
 * next needs it. Failed starts count as always, so a worker that cannot
 * start breaks the pool instead of looping. */
static void keep_size(mp__pool_t *pool, mp__job_t **done)
{
    if (!pool->opts.start_all || pool->shutdown || pool->broken || !may_start(pool))
        return;
    for (int i = 0; i < pool->opts.max_workers && !pool->broken; i++) {
        int rc = pool->workers[i].used ? 0 : start_worker(pool, i);
        if (rc < 0) {
            start_failed(pool, rc, done);
            return;
        }
    }
}

static void procs_dispatch(mp__pool_t *pool, mp__job_t **done)
{
    bool full[pool->opts.max_workers > 0 ? pool->opts.max_workers : 1];
    memset(full, 0, sizeof full);
    uint32_t cap = ahead(pool);
    bool gave = false;
    while (pool->pending_head) {
        int i = choose_worker(pool, cap, full, done);
        if (i < 0)
            break;
        mp__job_t *job = pool->pending_head;
        int rc = mp_simple_queue_put(pool->workers[i].orders, job->order.data, job->order.len, 0);
        if (rc < 0) {
            /* No room in its ring now (its answers free it), or a ring
             * that failed: kill the worker, the monitor settles it. */
            if (rc != MP_EFULL)
                mp__procs_kill_worker(pool, i);
            full[i] = true;
            continue;
        }
        give(pool, i, mp__pool_pop_pending(pool));
        gave = true;
    }
    if (gave)
        mp__procs_poke_collector(pool);
    if (pool->shutdown)
        mp__procs_stop_idle(pool);
    else
        keep_size(pool, done);
}

void mp__procs_stop_idle(mp__pool_t *pool)
{
    if (atomic_load(&pool->outstanding) != 0 || pool->pending_head)
        return;
    mp__order_head_t stop = {0};
    for (int i = 0; i < pool->opts.max_workers; i++) {
        mp__worker_t *w = &pool->workers[i];
        if (w->used && !w->stopping && w->inflight == 0 &&
            mp_simple_queue_put(w->orders, &stop, sizeof stop, 0) == 0)
            w->stopping = true;
    }
}

static void procs_stop_running(mp__pool_t *pool, mp__job_t *job, int reason, mp__job_t **done)
{
    mp__worker_slot_t *slot = &mp__procs(pool)->slots[job->worker];
    if (atomic_load_explicit(&slot->seq, memory_order_acquire) == job->seq) {
        job->kill_reason = reason; /* failed when its worker's death is settled */
        mp__procs_kill_worker(pool, job->worker);
        return;
    }
    /* Waiting in its worker's ring: done now, its answer dropped later. */
    mp__job_fail(job, reason, reason == MP_ECANCELLED ? "cancelled" : mp_strerror(reason));
    job->abandoned = true;
    mp__job_mark_done(job, done);
    mp__pool_job_finished(pool, job);
}

static void procs_kill_all(mp__pool_t *pool)
{
    for (int i = 0; i < pool->opts.max_workers; i++)
        if (pool->workers[i].used)
            mp__procs_kill_worker(pool, i);
}

static void procs_stop(mp__pool_t *pool)
{
    apr_thread_mutex_lock(pool->mutex);
    mp__procs_stop_idle(pool);
    apr_thread_mutex_unlock(pool->mutex);
    /* The monitor reaps them as they exit. */
    mp__procs_wait(pool, mp__pool_no_workers, pool, INFINITY);
}

static void procs_free(mp__pool_t *pool)
{
    mp__procs_t *p = mp__procs(pool);
    if (!p)
        return;
    atomic_store(&p->stopping, true);
    apr_thread_mutex_lock(pool->mutex);
    mp__procs_poke_monitor(pool);
    apr_thread_mutex_unlock(pool->mutex);
    mp__procs_poke_collector(pool);
    atomic_store(&p->kick, true);
    mp__ring_wake_all(p->ring);
    apr_status_t ignored;
    apr_thread_join(&ignored, p->monitor);
    apr_thread_join(&ignored, p->collector);
    mp__pool_thread_count(-2);
    /* Workers still there (their stop was interrupted): killed. */
    for (int i = 0; i < pool->opts.max_workers; i++)
        if (pool->workers[i].used) {
            mp_process_kill(pool->workers[i].proc);
            mp_process_join(pool->workers[i].proc, MP_FOREVER);
            for (mp__job_t *job = pool->workers[i].head, *next; job; job = next) {
                next = job->next;
                mp__job_unref(job);
            }
            mp__procs_free_worker(pool, i);
        }
    free_procs(p);
    pool->impl = NULL;
}

const mp__pool_ops_t mp__pool_procs = {
    .start = procs_start,
    .dispatch = procs_dispatch,
    .poll = mp__procs_poll,
    .wait = mp__procs_wait,
    .stop_running = procs_stop_running,
    .stop = procs_stop,
    .kill_all = procs_kill_all,
    .free = procs_free,
};
