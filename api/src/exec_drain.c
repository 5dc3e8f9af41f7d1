/* Reading the workers' answers (mp_exec_procs.h). One thread at a time
 * holds the pool's drain token and reads the shared ring of answers:
 *
 * - a program thread waiting on a future takes it when it is free, and
 *   spins a moment before it sleeps on the ring, so that a task of a few
 *   microseconds is answered without a wake-up (10-25 us across CPUs);
 * - the collector thread takes it when no program thread has for a while
 *   (COLLECTOR_LINGER_S), so that futures complete and callbacks run while
 *   nobody waits; it yields at once to a program thread that wants it;
 * - the monitor takes it, from anyone, to read a dead worker's last
 *   answers before it decides what that worker was running.
 *
 * A holder asked to yield is woken through `kick` (its sleep on the ring
 * takes that flag as its cancel). */
#include <math.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_exec_procs.h"
#include "mp_semlock.h"

/* How long the collector leaves the ring to program threads after one
 * last read it, and how often it looks meanwhile. */
static const double COLLECTOR_LINGER_S = 2e-3;
/* How long a holder sleeps on the ring before it looks around. */
static const double SLEEP_SLICE_S = 0.1;
/* Answers read before the mutex is taken to settle them. */
enum { BATCH = 32 };
/* Room the scratch buffer keeps for the next answer; a longer one is read
 * into memory of its own. */
enum { SCRATCH_ROOM = 4096 };

/* Under the mutex: the job an answer is for, taken off its worker's list
 * (a worker answers its jobs in the order it was given them), or NULL for
 * an answer that matches nothing the pool gave (a worker's start failure,
 * or bytes a hostile process wrote). */
static mp__job_t *answered_job(mp__pool_t *pool, const mp__answer_head_t *head)
{
    if (head->worker >= (uint32_t)pool->opts.max_workers)
        return NULL;
    mp__worker_t *w = &pool->workers[head->worker];
    mp__job_t *job = w->head;
    if (!w->used || w->generation != head->generation || !job || job->seq != head->seq)
        return NULL;
    w->head = job->next;
    if (!w->head)
        w->tail = NULL;
    job->next = NULL;
    w->inflight--;
    /* It answered: it started well, and so has the pool. */
    w->ready = true;
    pool->start_failures = 0;
    return job;
}

/* Under the mutex: a worker's initializer failed (an answer with seq 0). */
static void note_start_failure(mp__pool_t *pool, const void *msg, size_t len)
{
    mp__answer_head_t head;
    mp__outcome_t why;
    if (!pool->start_why[0] && mp__answer_read(msg, len, &head, &why, 1) == 0 && head.count == 1)
        snprintf(pool->start_why, sizeof pool->start_why, "%s", why.message);
}

/* One answer read by a drain: in the drainer's scratch buffer, or (a
 * long one) in memory of its own that its job takes over. */
typedef struct got {
    size_t offset; /* in the scratch buffer */
    size_t len;
    void *owned; /* or here */
} got_t;

/* Under the mutex: settle one answer. */
static void settle(mp__pool_t *pool, const void *msg, size_t len, void *owned, mp__job_t **done)
{
    mp__answer_head_t head;
    mp__job_t *job = NULL;
    if (mp__answer_peek(msg, len, &head)) {
        if (head.seq == 0)
            note_start_failure(pool, msg, len);
        else
            job = answered_job(pool, &head);
    }
    if (!job) {
        free(owned);
        return;
    }
    if (isfinite(job->limit))
        atomic_fetch_sub(&mp__procs(pool)->limited, 1);
    /* Jobs per second: an average over the last few answers. */
    double took = (double)head.elapsed_ns * 1e-9;
    pool->job_time_ewma = pool->job_time_ewma > 0 ? 0.8 * pool->job_time_ewma + 0.2 * took
                                                  : took + 1e-9;
    if (mp__job_is_done(job)) { /* done early (aborted, or the pool broke) */
        free(owned);
        mp__job_unref(job);
        return;
    }
    job->started = mp__os_now() - took;
    if (mp__job_take_answer(job, msg, len, owned) < 0) {
        free(owned);
        mp__job_fail(job, MP_EBOOTSTRAP, "the worker's answer was malformed");
    }
    mp__job_mark_done(job, done);
    mp__pool_job_finished(pool, job);
    mp__job_unref(job); /* the pool's */
}

/* Take the next answer: into the scratch buffer, or, when longer than its
 * room, into memory of its own (read once, never copied again). */
static int take_answer(mp__procs_t *p, got_t *got)
{
    int rc = mp__buf_reserve(&p->scratch, SCRATCH_ROOM);
    if (rc < 0)
        return rc;
    size_t len = 0;
    rc = mp_simple_queue_get(p->answers, p->scratch.data + p->scratch.len,
                             p->scratch.cap - p->scratch.len, &len, 0);
    if (rc == MP_ETOOSMALL) {
        *got = (got_t){0};
        return mp_simple_queue_get_alloc(p->answers, &got->owned, &got->len, 0);
    }
    if (rc == 0) {
        *got = (got_t){.offset = p->scratch.len, .len = len};
        p->scratch.len += len;
    }
    return rc;
}

int mp__procs_drain(mp__pool_t *pool)
{
    mp__procs_t *p = mp__procs(pool);
    got_t got[BATCH];
    int n = 0, rc = 0;
    /* A look first: a get that finds nothing formats its error's detail,
     * which costs more than the look. */
    while (n < BATCH && mp__ring_is_ready(p->ring)) {
        if ((rc = take_answer(p, &got[n])) < 0)
            break;
        n++;
    }
    if (n == 0 && rc != MP_EBROKEN)
        return 0;
    mp__job_t *done = NULL;
    apr_thread_mutex_lock(pool->mutex);
    for (int i = 0; i < n; i++)
        settle(pool, got[i].owned ? got[i].owned : p->scratch.data + got[i].offset, got[i].len,
               got[i].owned, &done);
    p->scratch.len = 0;
    if (rc == MP_EBROKEN)
        mp__pool_break(pool, "another process rewrote the ring of answers", &done);
    pool->ops->dispatch(pool, &done);
    apr_thread_mutex_unlock(pool->mutex);
    mp__jobs_complete(done);
    return rc == MP_EBROKEN ? MP_EBROKEN : n;
}

/* The pool whose token this thread holds, if any: a done callback that
 * runs while its thread reads answers must not wait for another answer of
 * the same pool (nobody else would read it). */
static _Thread_local mp__pool_t *holding;

bool mp__procs_holds_token(const mp__pool_t *pool)
{
    return holding == pool;
}

/* Take the token if it is free. */
static bool try_token(mp__pool_t *pool, int who)
{
    int none = MP__DRAIN_NONE;
    if (!atomic_compare_exchange_strong(&mp__procs(pool)->token, &none, who))
        return false;
    holding = pool;
    return true;
}

/* Ask the token's holder to look up from its sleep. */
static void kick(mp__procs_t *p)
{
    atomic_store(&p->kick, true);
    mp__ring_wake_all(p->ring);
}

void mp__procs_take_token(mp__pool_t *pool, int who)
{
    mp__procs_t *p = mp__procs(pool);
    atomic_fetch_add(&p->want_monitor, who == MP__DRAIN_MONITOR);
    for (;;) {
        if (try_token(pool, who))
            break;
        uint32_t seen = mp__jobs_epoch();
        kick(p);
        mp__jobs_sleep(seen, 0.01);
    }
    atomic_fetch_sub(&p->want_monitor, who == MP__DRAIN_MONITOR);
}

void mp__procs_release_token(mp__pool_t *pool, int who)
{
    mp__procs_t *p = mp__procs(pool);
    if (who == MP__DRAIN_CALLER)
        atomic_fetch_add_explicit(&p->caller_drains, 1, memory_order_relaxed);
    holding = NULL;
    atomic_store(&p->token, MP__DRAIN_NONE);
    if (atomic_load(&p->want_monitor) || atomic_load(&p->want_caller))
        mp__jobs_wake();
}

void mp__procs_poll(mp__pool_t *pool)
{
    if (!mp__ring_is_ready(mp__procs(pool)->ring) || !try_token(pool, MP__DRAIN_CALLER))
        return;
    mp__procs_drain(pool);
    mp__procs_release_token(pool, MP__DRAIN_CALLER);
}

/* Whether the holder `who` must give the token up now. */
static bool must_yield(mp__procs_t *p, int who)
{
    if (atomic_load(&p->want_monitor) > 0 && who != MP__DRAIN_MONITOR)
        return true;
    return who == MP__DRAIN_COLLECTOR &&
           (atomic_load(&p->want_caller) > 0 || atomic_load(&p->stopping));
}

/* Read answers until `ready(ctx)` (NULL: never), the deadline, or a
 * reason to yield. @return 0 (ready), 1 (yield), MP_ETIMEDOUT, MP_EINTR. */
static int drain_loop(mp__pool_t *pool, int who, bool (*ready)(void *), void *ctx, double deadline)
{
    mp__procs_t *p = mp__procs(pool);
    mp__spin_t *spin = &p->caller_spin;
    double spin_until = who == MP__DRAIN_CALLER ? mp__os_now() + mp__spin_seconds(spin) : 0;
    bool spun = false;
    for (;;) {
        int n = mp__procs_drain(pool);
        if (ready && ready(ctx))
            return 0;
        if (must_yield(p, who))
            return 1;
        double now = mp__os_now();
        if (now >= deadline)
            return MP_ETIMEDOUT;
        if (n > 0) {
            if (spun)
                mp__spin_adapt(spin, true);
            if (who == MP__DRAIN_CALLER)
                spin_until = now + mp__spin_seconds(spin);
            spun = false;
            continue;
        }
        if (n < 0 || now < spin_until) { /* a broken ring: ready soon */
            for (int i = 0; i < 256 && !mp__ring_is_ready(p->ring); i++)
                mp__cpu_relax();
            spun = true;
            continue;
        }
        if (spun)
            mp__spin_adapt(spin, false);
        spun = false;
        atomic_store(&p->kick, false);
        if (must_yield(p, who))
            return 1;
        double left = deadline - now;
        int rc = mp__ring_wait_data(p->ring, left < SLEEP_SLICE_S ? left : SLEEP_SLICE_S, &p->kick);
        if (rc == MP_EINTR)
            return rc;
    }
}

int mp__procs_wait(mp__pool_t *pool, bool (*ready)(void *), void *ctx, double deadline)
{
    mp__procs_t *p = mp__procs(pool);
    bool wanting = false;
    int rc = 0;
    if (holding == pool && !ready(ctx) && mp__time_left(deadline) > 0)
        return mp__errdetail_set(MP_ESTATE, "a done callback of an executor cannot wait for "
                                            "another task of the same executor (it would wait "
                                            "for itself)");
    for (;;) {
        if (ready(ctx))
            break;
        int holder = atomic_load(&p->token);
        if (holder == MP__DRAIN_NONE && try_token(pool, MP__DRAIN_CALLER)) {
            if (wanting) {
                atomic_fetch_sub(&p->want_caller, 1);
                wanting = false;
            }
            rc = drain_loop(pool, MP__DRAIN_CALLER, ready, ctx, deadline);
            mp__procs_release_token(pool, MP__DRAIN_CALLER);
            if (rc != 1)
                break;
            rc = 0;
            continue; /* yielded to the monitor: try again */
        }
        uint32_t seen = mp__jobs_epoch();
        if (holder == MP__DRAIN_COLLECTOR) {
            if (!wanting) {
                atomic_fetch_add(&p->want_caller, 1);
                wanting = true;
            }
            kick(p);
        }
        if (ready(ctx))
            break;
        double left = mp__time_left(deadline);
        if (left <= 0) {
            rc = MP_ETIMEDOUT;
            break;
        }
        if ((rc = mp__jobs_sleep(seen, left < 0.01 ? left : 0.01)) < 0)
            break;
    }
    if (wanting)
        atomic_fetch_sub(&p->want_caller, 1);
    return rc;
}

/* Whether the collector has reason to read answers now: work is out,
 * and no program thread has read answers since the collector last looked
 * (`drains` is what it saw then), so none is about to. */
static bool collector_needed(mp__pool_t *pool, uint64_t *drains)
{
    mp__procs_t *p = mp__procs(pool);
    uint64_t now = atomic_load_explicit(&p->caller_drains, memory_order_relaxed);
    bool quiet = now == *drains;
    *drains = now;
    return quiet && atomic_load(&pool->outstanding) > 0 && atomic_load(&p->want_caller) == 0 &&
           atomic_load(&p->token) == MP__DRAIN_NONE;
}

void *APR_THREAD_FUNC mp__procs_collector_main(apr_thread_t *thread, void *arg)
{
    mp__pool_t *pool = arg;
    mp__procs_t *p = mp__procs(pool);
    uint64_t drains = 0;
    while (!atomic_load(&p->stopping)) {
        if (!collector_needed(pool, &drains)) {
            /* Nothing given out: sleep until work is (a poke); else look
             * again when the program's threads may have left. */
            bool idle = atomic_load(&pool->outstanding) == 0;
            uint32_t seen = atomic_load(&p->nap.value);
            atomic_store(&p->napping, idle);
            if (!(idle && atomic_load(&pool->outstanding) > 0) && !atomic_load(&p->stopping))
                mp__os_futex_wait(&p->nap, seen, idle ? 1.0 : COLLECTOR_LINGER_S);
            atomic_store(&p->napping, false);
            continue;
        }
        if (!try_token(pool, MP__DRAIN_COLLECTOR))
            continue;
        drain_loop(pool, MP__DRAIN_COLLECTOR, NULL, NULL, INFINITY);
        mp__procs_release_token(pool, MP__DRAIN_COLLECTOR);
    }
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}
