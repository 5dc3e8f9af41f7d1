/* The monitor of a pool of worker processes (mp_exec_procs.h): one thread
 * that sleeps on every worker's sentinel at once, wakes at the next time
 * limit, and settles each death:
 *
 * - a worker that exits after its last job (retired by
 *   max_tasks_per_child, or stopped) is simply replaced when work needs it;
 * - a worker that dies before it was ready is a failed start: its jobs go
 *   back to the front of the pending FIFO, and MP_EXECUTOR_START_FAILURES
 *   of those in a row break the pool;
 * - a worker that dies while running fails exactly the argument its slot
 *   says it was running (MP_EWORKERDIED, or why the parent killed it) and
 *   gives its other jobs back, first in line.
 *
 * Before any of that it takes the drain token and reads every answer there
 * is: the dead worker's last answers were sent before it died, so after
 * that read its list holds only what it never answered. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_exec_procs.h"

/* How often the monitor looks at workers while a job with a time limit
 * was given out but has not started (its start time is then unknown). */
static const double LIMIT_POLL_S = 0.01;

void mp__procs_kill_worker(mp__pool_t *pool, int index)
{
    mp_process_kill(pool->workers[index].proc);
}

/* "killed by signal 9" / "exit code 3", for messages. */
static void describe_exit(int exitcode, char *out, size_t size)
{
    if (exitcode < 0)
        snprintf(out, size, "killed by signal %d", -exitcode);
    else
        snprintf(out, size, "exit code %d", exitcode);
}

/* Give a dead worker's unanswered jobs back, first in line, in order. */
static void requeue(mp__pool_t *pool, mp__job_t *first)
{
    mp__job_t *list[64], **jobs = list;
    size_t n = 0;
    for (mp__job_t *j = first; j; j = j->next)
        n++;
    if (n > 64 && !(jobs = malloc(n * sizeof *jobs)))
        jobs = list, n = 64; /* out of memory: the rest go last, not lost */
    size_t k = 0;
    mp__job_t *rest = NULL;
    for (mp__job_t *j = first, *next; j; j = next) {
        next = j->next;
        if (k < n)
            jobs[k++] = j;
        else {
            j->next = rest;
            rest = j;
        }
    }
    for (size_t i = k; i-- > 0;)
        mp__pool_push_pending(pool, jobs[i], true);
    for (mp__job_t *j = rest, *next; j; j = next) {
        next = j->next;
        mp__pool_push_pending(pool, j, false);
    }
    pool->stats.tasks_requeued += k;
    if (jobs != list)
        free(jobs);
}

/* The job a dead ready worker was running fails (the argument it was on);
 * the rest of its list goes back. */
static void settle_death(mp__pool_t *pool, mp__worker_t *w, uint64_t seq, uint32_t item,
                         int exitcode, mp__job_t **done)
{
    char how[64], message[512];
    describe_exit(exitcode, how, sizeof how);
    mp__job_t *give_back = NULL, **tail = &give_back;
    for (mp__job_t *job = w->head, *next; job; job = next) {
        next = job->next;
        job->next = NULL;
        if (isfinite(job->limit))
            atomic_fetch_sub(&mp__procs(pool)->limited, 1);
        bool running = seq && job->seq == seq && item < mp__job_order_count(job);
        if (mp__job_is_done(job)) { /* aborted while it waited, or broken */
            mp__job_unref(job);
            continue;
        }
        if (!running && !job->kill_reason) {
            *tail = job;
            tail = &job->next;
            continue;
        }
        int code = job->kill_reason ? job->kill_reason : MP_EWORKERDIED;
        const char *why = code == MP_ETIMEDOUT    ? "ran past its time limit; its worker"
                          : code == MP_ECANCELLED ? "was aborted; its worker"
                                                  : "was running when its worker";
        uint32_t k = running ? item : 0;
        uint32_t index = job->index_map ? job->index_map[k] : k;
        char task[64];
        snprintf(message, sizeof message, "task '%s' %s process %lld died (%s)",
                 mp__job_task(job, task, sizeof task), why, (long long)w->pid, how);
        job->exitcode = exitcode;
        /* A job of many arguments (a map's chunk) fails only the one that
         * was running, whatever killed it; the others go back. */
        if (mp__job_order_count(job) <= 1 || !running) {
            mp__job_fail(job, code, message);
        } else {
            mp__job_fail_one(job, index, code, message);
            if (mp__job_drop_argument(job, k) == 0) {
                job->kill_reason = 0; /* the rest was not overdue */
                *tail = job;
                tail = &job->next;
                continue;
            }
            mp__job_fail(job, MP_ENOMEM, "out of memory giving a task's arguments back");
        }
        mp__job_mark_done(job, done);
        mp__pool_job_finished(pool, job);
        mp__job_unref(job);
    }
    w->head = w->tail = NULL;
    requeue(pool, give_back);
}

/* A worker that died before it was ready. */
static void settle_failed_start(mp__pool_t *pool, mp__worker_t *w, int exitcode, mp__job_t **done)
{
    char how[64], why[512];
    describe_exit(exitcode, how, sizeof how);
    snprintf(why, sizeof why, "worker process %lld ended (%s) before it was ready",
             (long long)w->pid, how);
    if (!pool->start_why[0])
        snprintf(pool->start_why, sizeof pool->start_why, "%s", why);
    requeue(pool, w->head);
    w->head = w->tail = NULL;
    if (++pool->start_failures >= MP_EXECUTOR_START_FAILURES) {
        mp__pool_break(pool, pool->start_why, done);
        for (int i = 0; i < pool->opts.max_workers; i++)
            if (pool->workers[i].used && &pool->workers[i] != w)
                mp_process_kill(pool->workers[i].proc);
    }
}

/* Settle the end of worker `index`, whose sentinel is ready. */
static void reap(mp__pool_t *pool, int index)
{
    mp__procs_t *p = mp__procs(pool);
    mp__procs_take_token(pool, MP__DRAIN_MONITOR);
    while (mp__procs_drain(pool) > 0)
        ;
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    mp__worker_t *w = &pool->workers[index];
    if (!w->used || mp_process_join(w->proc, 0) != 0) {
        apr_thread_mutex_unlock(pool->mutex);
        mp__procs_release_token(pool, MP__DRAIN_MONITOR);
        return; /* not ended after all */
    }
    int exitcode = 0;
    mp_process_exitcode(w->proc, &exitcode);
    const mp__worker_slot_t *slot = &p->slots[index];
    bool ready = w->ready || atomic_load_explicit(&slot->ready, memory_order_acquire);
    uint64_t seq = atomic_load_explicit(&slot->seq, memory_order_acquire);
    uint32_t item = atomic_load_explicit(&slot->item, memory_order_relaxed);
    bool clean = exitcode == 0 && !w->head;
    if (clean) {
        if (!w->stopping)
            pool->stats.workers_retired++;
    } else if (!ready && !pool->broken && !pool->terminated) {
        settle_failed_start(pool, w, exitcode, &done);
    } else {
        pool->stats.worker_deaths++;
        settle_death(pool, w, seq, item, exitcode, &done);
    }
    mp__procs_free_worker(pool, index);
    if (pool->broken) { /* nothing is left to run: no new worker */
        for (mp__job_t *job; (job = mp__pool_pop_pending(pool));) {
            mp__job_fail(job, MP_EBROKEN, pool->broken_why);
            mp__job_mark_done(job, &done);
            mp__pool_job_finished(pool, job);
            mp__job_unref(job);
        }
    } else {
        pool->ops->dispatch(pool, &done);
    }
    apr_thread_mutex_unlock(pool->mutex);
    mp__procs_release_token(pool, MP__DRAIN_MONITOR);
    mp__jobs_complete(done);
    mp__jobs_wake(); /* a worker fewer: stop() may be waiting for that */
}

/* Under the mutex: kill the workers whose running argument is overdue;
 * the seconds until the next look. */
static double check_limits(mp__pool_t *pool, double now)
{
    mp__procs_t *p = mp__procs(pool);
    double next = INFINITY;
    if (atomic_load(&p->limited) == 0)
        return next;
    for (int i = 0; i < pool->opts.max_workers; i++) {
        mp__worker_t *w = &pool->workers[i];
        if (!w->used || !w->head)
            continue;
        const mp__worker_slot_t *slot = &p->slots[i];
        uint64_t seq = atomic_load_explicit(&slot->seq, memory_order_acquire);
        double started = (double)atomic_load_explicit(&slot->started_ns, memory_order_relaxed) *
                         1e-9;
        for (mp__job_t *job = w->head; job; job = job->next) {
            if (!isfinite(job->limit) || mp__job_is_done(job) || job->kill_reason)
                continue;
            if (job->seq != seq) { /* given, not started yet */
                next = next < LIMIT_POLL_S ? next : LIMIT_POLL_S;
                continue;
            }
            double left = started + job->limit - now;
            if (left <= 0) {
                job->kill_reason = MP_ETIMEDOUT;
                mp__procs_kill_worker(pool, i);
            } else if (left < next) {
                next = left;
            }
        }
    }
    return next;
}

void *APR_THREAD_FUNC mp__procs_monitor_main(apr_thread_t *thread, void *arg)
{
    mp__pool_t *pool = arg;
    mp__procs_t *p = mp__procs(pool);
    int n = pool->opts.max_workers;
    mp_sentinel_t *handles = malloc(((size_t)n + 1) * sizeof *handles);
    int *which = malloc(((size_t)n + 1) * sizeof *which);
    unsigned char *ready = malloc((size_t)n + 1);
    while (handles && which && ready && !atomic_load(&p->stopping)) {
        size_t count = 0;
        handles[count] = mp__os_flag_sentinel(p->flag);
        which[count++] = -1;
        apr_thread_mutex_lock(pool->mutex);
        /* Lowered before the look, so that a poke after it is not lost;
         * under the mutex, as every poke is (a flag has one writer at a
         * time). */
        mp__os_flag_set(p->flag, false);
        /* Looked at again here: a stop that poked the flag before it was
         * lowered would otherwise be lost, and the wait below endless. */
        if (atomic_load(&p->stopping)) {
            apr_thread_mutex_unlock(pool->mutex);
            break;
        }
        for (int i = 0; i < n; i++)
            if (pool->workers[i].used) {
                handles[count] = pool->workers[i].sentinel;
                which[count++] = i;
            }
        double timeout = check_limits(pool, mp__os_now());
        if (pool->shutdown)
            mp__procs_stop_idle(pool);
        apr_thread_mutex_unlock(pool->mutex);
        if (mp__os_wait_handles(handles, count, isfinite(timeout) ? timeout : MP_FOREVER, ready) <=
            0)
            continue;
        for (size_t k = 1; k < count; k++)
            if (ready[k])
                reap(pool, which[k]);
    }
    free(handles);
    free(which);
    free(ready);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}
