/**
 * @file mp_exec_procs.h
 * @brief The worker-pool core on worker processes (mp_executor.h): what
 *        its three files share. exec_procs.c starts, feeds and stops
 *        workers; exec_drain.c reads their answers (the drain token, the
 *        callers' waits, the collector thread); exec_monitor.c watches
 *        their sentinels and time limits and settles their deaths.
 */
#ifndef MP_EXEC_PROCS_H
#define MP_EXEC_PROCS_H

#include "mp_executor.h"
#include "mp_ring.h"

/** Who holds the drain token. */
enum { MP__DRAIN_NONE, MP__DRAIN_CALLER, MP__DRAIN_COLLECTOR, MP__DRAIN_MONITOR };

/** The process kind's part of a pool. */
typedef struct mp__procs {
    mp_simple_queue_t *answers; /**< every worker's answers, to the parent */
    mp__ring_t *ring;           /**< its ring, to sleep on */
    mp_value_t *slots_value;    /**< the workers' slots (a raw shared array) */
    mp__worker_slot_t *slots;
    mp__os_flag_t *flag; /**< raised: the monitor looks at the workers again */
    apr_thread_t *collector, *monitor;
    _Atomic bool stopping;          /**< the threads are asked to end */
    _Atomic int token;              /**< MP__DRAIN_*: who reads answers now */
    _Atomic bool kick;              /**< the token's holder is asked to look up */
    _Atomic int want_caller;        /**< callers waiting for the collector to yield */
    _Atomic int want_monitor;       /**< the monitor waits for the token */
    _Atomic uint64_t caller_drains; /**< times a caller gave the token back */
    mp__spin_t caller_spin;         /**< how long a waiting caller spins */
    mp__buf_t scratch;              /**< where the token's holder reads answers */
    mp__futex_t nap;                /**< the collector sleeps on it */
    _Atomic bool napping;           /**< ... and says so */
    _Atomic int limited;            /**< jobs given to workers with a time limit */
    /** Workers start by fork(): all at once when the pool is made, before
     *  its threads, and later only by a thread that holds the drain token
     *  and the mutex, when no thread of the library allocates (a fork while
     *  another thread is inside the allocator leaves the child a locked
     *  one: glibc guards its own malloc, a sanitizer's allocator may not). */
    bool forks;
    uint32_t generations;
} mp__procs_t;

/** @brief The process part of a pool. */
static inline mp__procs_t *mp__procs(const mp__pool_t *pool)
{
    return (mp__procs_t *)pool->impl;
}

/* ---- exec_procs.c ---------------------------------------------------- */

/** @brief Under the mutex: end a worker slot's life (its process reaped
 *         by the caller), freeing its ring and process. */
void mp__procs_free_worker(mp__pool_t *pool, int index);

/** @brief Under the mutex: wake the monitor (a worker started, a limit to
 *         watch, a stop). */
void mp__procs_poke_monitor(mp__pool_t *pool);

/** @brief Wake the collector if it sleeps long (work was given out). */
void mp__procs_poke_collector(mp__pool_t *pool);

/** @brief Under the mutex: send a stop order to every idle worker, once
 *         the pool is shut down and no job is left. */
void mp__procs_stop_idle(mp__pool_t *pool);

/* ---- exec_drain.c ---------------------------------------------------- */

/** @brief Read every answer there is now (at most a batch), settle their
 *         jobs and give out more work. @return answers read; MP_EBROKEN
 *         when the ring of answers is broken (the pool is then broken). */
int mp__procs_drain(mp__pool_t *pool);

/** @brief Take the drain token for `who` (the monitor: waiting for the
 *         holder to yield). */
void mp__procs_take_token(mp__pool_t *pool, int who);

/** @brief Whether the calling thread holds the pool's drain token. */
bool mp__procs_holds_token(const mp__pool_t *pool);

/** @brief Give the token back. */
void mp__procs_release_token(mp__pool_t *pool, int who);

/** @brief The pool's poll (mp__pool_ops_t.poll). */
void mp__procs_poll(mp__pool_t *pool);

/** @brief The pool's wait (mp__pool_ops_t.wait). */
int mp__procs_wait(mp__pool_t *pool, bool (*ready)(void *), void *ctx, double deadline);

/** @brief The collector thread. */
void *APR_THREAD_FUNC mp__procs_collector_main(apr_thread_t *thread, void *arg);

/* ---- exec_monitor.c -------------------------------------------------- */

/** @brief The monitor thread. */
void *APR_THREAD_FUNC mp__procs_monitor_main(apr_thread_t *thread, void *arg);

/** @brief Under the mutex: kill worker `index`; the monitor settles its
 *         death (a job with a `kill_reason` fails with that reason). */
void mp__procs_kill_worker(mp__pool_t *pool, int index);

#endif /* MP_EXEC_PROCS_H */
