/**
 * @file mp_executor.h
 * @brief The worker-pool core behind executors (and Pool): jobs, the pool
 *        that runs them on worker processes or threads, and how callers
 *        wait for them.
 *
 * A *job* is one message of work: one task name with one argument (a
 * submit) or many (a chunk of a map), and, once done, one outcome per
 * argument. The pool keeps jobs not yet given to a worker in a FIFO
 * (`pending`), and for each worker process the FIFO of jobs given to it
 * (its ring delivers them in that order, and it answers in that order).
 * That list is what lets a death fail exactly the job its worker was
 * running and give the others to another worker.
 *
 * Who reads answers: one thread at a time holds the pool's *drain token*
 * and takes answers from the shared ring: a program thread waiting on a
 * future (it spins a moment first, so a short task costs no wake-up), or
 * else the pool's collector thread, so that futures complete and callbacks
 * run while nobody waits. The monitor thread watches every worker's
 * sentinel and the running jobs' time limits; when a worker dies it takes
 * the token, reads every answer the dead worker sent, and only then
 * decides what the worker was running.
 *
 * Locking: `mutex` guards the pool's lists, workers and counters. It is
 * never held while a task runs, a callback runs, or a thread sleeps.
 */
#ifndef MP_EXECUTOR_H
#define MP_EXECUTOR_H

#include <apr_pools.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mp_backend.h"
#include "mp_buf.h"
#include "mp_object.h"
#include "mp_pool_wire.h"

typedef struct mp__pool mp__pool_t;
typedef struct mp__pool_options mp__pool_options_t;
typedef struct mp__job mp__job_t;

/**
 * How long a waiter of the pool (a worker waiting for its next order, a
 * caller waiting for an answer) spins before it sleeps: long enough that a
 * task of a few microseconds costs no wake-up (10-25 us across CPUs), and
 * adaptive, because on a busy machine the other side is often not running
 * and a spin only steals its CPU: halved each time a spin ends in a sleep,
 * doubled each time one succeeds, within [MP__SPIN_MIN_NS, MP__SPIN_MAX_NS].
 */
typedef struct mp__spin {
    _Atomic uint32_t ns; /**< 0: not adapted yet (the maximum) */
} mp__spin_t;

enum { MP__SPIN_MIN_NS = 1000, MP__SPIN_MAX_NS = 50000 };

/** @brief The current spin, in seconds. */
static inline double mp__spin_seconds(mp__spin_t *spin)
{
    uint32_t ns = atomic_load_explicit(&spin->ns, memory_order_relaxed);
    return (ns ? ns : MP__SPIN_MAX_NS) * 1e-9;
}

/** @brief Adapt the spin to how the last one ended. */
static inline void mp__spin_adapt(mp__spin_t *spin, bool succeeded)
{
    uint32_t ns = atomic_load_explicit(&spin->ns, memory_order_relaxed);
    ns = ns ? ns : MP__SPIN_MAX_NS;
    ns = succeeded ? (ns >= MP__SPIN_MAX_NS / 2 ? MP__SPIN_MAX_NS : ns * 2)
                   : (ns <= MP__SPIN_MIN_NS * 2 ? MP__SPIN_MIN_NS : ns / 2);
    atomic_store_explicit(&spin->ns, ns, memory_order_relaxed);
}

/** A job's life: waiting in the pool, given to a worker, finished. */
typedef enum mp__job_state {
    MP__JOB_PENDING, /**< not given to a worker yet: cancellable */
    MP__JOB_RUNNING, /**< given to a worker (Python's "running") */
    MP__JOB_DONE     /**< outcomes final; never changes again */
} mp__job_state_t;

/** A done callback and the handle it is called with. */
typedef struct mp__callback {
    mp_future_callback_fn fn;
    void *arg;
} mp__callback_t;

/** One job. Reference counted: the pool holds one reference while the job
 *  is not done, each owner (a future, a map) one. */
struct mp__job {
    _Atomic int refs;
    _Atomic int state; /**< mp__job_state_t; DONE is stored last */
    mp__pool_t *pool;  /**< valid while the job is not done */
    uint64_t seq;      /**< the pool's number for it, > 0 */
    mp__buf_t order;   /**< the encoded order (mp_pool_wire.h) */
    /** Where a small order lives: a burst of tiny tasks then costs one
     *  allocation fewer per task (first touches of fresh memory are a good
     *  part of a tiny task's cost). */
    char order_storage[64];
    uint32_t count; /**< arguments */
    /** When a death split the job: for each argument still in `order`,
     *  its index among the job's arguments (NULL: the identity). */
    uint32_t *index_map;
    double limit;           /**< seconds a running argument may take; INFINITY: none */
    int kill_reason;        /**< why the parent killed its worker (0: it did not) */
    _Atomic bool cancelled; /**< cancelled or aborted (read without the mutex) */
    bool abandoned;         /**< done early (thread executor): its late outcome is dropped */
    mp__job_t *next;        /**< in the pending FIFO or a worker's FIFO */
    mp__job_t *done_next;   /**< on a list of jobs just done (mp__job_mark_done()) */
    int worker;             /**< the worker it was given to; -1 */
    mp_pid_t pid;           /**< that worker's pid (0 for a thread) */
    int exitcode;           /**< the worker's exit code, when its death failed the job */
    /* When (mp__os_now()) the job was submitted, began running in its
     * worker (0: not known, as for a job failed by its worker's death) and
     * was done: for progress callbacks and the log. */
    double queued;
    double started;
    double finished;
    /* The outcomes, one per argument: from the answer (`answer` owns the
     * bytes they point into), or set by the pool (a death, a time limit,
     * a cancel: `messages` owns those strings). */
    mp__outcome_t *outcomes;
    mp__outcome_t one; /**< `outcomes` for a job of one argument */
    void *answer;      /**< the answer's bytes: `answer_storage`, or the heap's */
    /** Where a small answer is kept (a tiny task's answer is some 60
     *  bytes): no allocation, and less memory per future in a burst. */
    char answer_storage[64];
    char **messages;
    /* Callbacks, under the core lock; `callbacks_taken` once they ran.
     * `has_callbacks` lets the finisher of a job without any skip the
     * lock (job.c says why no callback is lost). */
    mp__callback_t *callbacks;
    size_t ncallbacks;
    bool callbacks_taken;
    _Atomic bool has_callbacks;
    /** The handle callbacks are given: a future's, or (a Pool's job,
     *  which has none) the job itself. */
    void *future;
    size_t tag; /**< its owner's number for it (a Pool's: the job's index) */
};

/** A worker of the pool (a process, or a thread). */
typedef struct mp__worker {
    bool used;     /**< the slot holds a worker */
    bool ready;    /**< it answered, or said it is ready */
    bool stopping; /**< it was sent a stop order */
    uint32_t generation;
    mp_process_t *proc;
    mp_simple_queue_t *orders;
    mp_sentinel_t sentinel;
    mp_pid_t pid;
    mp__job_t *head, *tail; /**< jobs given to it, oldest first */
    uint32_t inflight;      /**< their count */
    uint32_t given;         /**< jobs given over its life */
} mp__worker_t;

/** How the pool is run: processes (exec_procs.c) or threads (exec_threads.c). */
typedef struct mp__pool_ops {
    /** Make what the pool needs beyond the common part (rings, threads). */
    int (*start)(mp__pool_t *pool);
    /** Under the mutex: give pending jobs to workers (starting workers as
     *  the work needs; jobs failed because starts failed go on `done`). */
    void (*dispatch)(mp__pool_t *pool, mp__job_t **done);
    /** After a submit, outside the mutex: read the answers already there
     *  if nobody else is, so that a burst of submits keeps the workers
     *  busy (NULL: nothing to do). */
    void (*poll)(mp__pool_t *pool);
    /** Wait until `ready(ctx)`, or the deadline: the caller drains when it
     *  can. @return 0, MP_ETIMEDOUT or MP_EINTR. */
    int (*wait)(mp__pool_t *pool, bool (*ready)(void *), void *ctx, double deadline);
    /** Under the mutex: stop a job given to a worker (an abort), failing
     *  it with `reason`: kill its worker process if it is running there,
     *  or fail it at once (then its late outcome is dropped). Jobs it
     *  finishes go on `done`. */
    void (*stop_running)(mp__pool_t *pool, mp__job_t *job, int reason, mp__job_t **done);
    /** After the work is done: stop every worker, and wait for them. */
    void (*stop)(mp__pool_t *pool);
    /** Under the mutex: kill every worker now (a terminate); the jobs
     *  given to them are done already. NULL: the kind cannot. */
    void (*kill_all)(mp__pool_t *pool);
    /** Stop the kind's threads and free its part. */
    void (*free)(mp__pool_t *pool);
    /** A registered kind's check of the options (mp__executor_options()
     *  did the common ones): its default and bound for max_workers (0 when
     *  not given). NULL: none. @return 0 or a negative MP_E* with detail. */
    int (*options)(mp__pool_options_t *opts, const char *fn);
} mp__pool_ops_t;

/** The pool's options, as checked by the executor. */
struct mp__pool_options {
    mp_executor_kind_t kind;
    int max_workers;
    mp_context_t *context;
    char *initializer; /**< owned; NULL: none */
    void *initarg;     /**< owned */
    size_t initarg_len;
    uint32_t max_tasks_per_child;
    double task_timeout; /**< INFINITY: none */
    /** Start every worker when the pool is made (Python's Pool does; an
     *  executor starts them as work needs them, except under fork). */
    bool start_all;
    /** What the pool is to its users, in messages ("executor", "pool"). */
    const char *noun;
};

struct mp__pool {
    mp__pool_options_t opts;
    const mp__pool_ops_t *ops;
    apr_pool_t *apr;
    apr_thread_mutex_t *mutex;
    uint64_t next_seq;
    mp__job_t *pending_head, *pending_tail;
    size_t npending;
    _Atomic size_t outstanding; /**< jobs not done (pending or given) */
    mp__worker_t *workers;      /**< opts.max_workers slots */
    bool shutdown;
    bool terminated;      /**< mp__pool_terminate(): its workers' deaths are no failures */
    int broken;           /**< MP_EBROKEN once broken, else 0 */
    char broken_why[512]; /**< the first cause */
    int start_failures;   /**< failed starts in a row */
    char start_why[512];  /**< the first failed start's cause */
    mp_executor_stats_t stats;
    double job_time_ewma;  /**< seconds per job, from answers */
    void *impl;            /**< the processes' or threads' own part */
    mp_pid_t owner;        /**< the process that made it (a fork child has a copy) */
    mp__pool_t *next_live; /**< the list of live pools (pool.c), for the exit */
    bool exiting;          /**< shut down by mp__pools_at_exit() (core lock) */
};

extern const mp__pool_ops_t mp__pool_procs, mp__pool_threads;

/**
 * @brief Register how a kind beyond the built-in two is run (the MPI
 *        library registers MP_EXECUTOR_MPI at mp_mpi_init()); NULL
 *        unregisters it. @return 0; MP_EINVAL for a built-in or unknown kind.
 */
int mp__pool_register_kind(mp_executor_kind_t kind, const mp__pool_ops_t *ops);

/** @brief The ops of a kind; NULL for a kind nobody registered. */
const mp__pool_ops_t *mp__pool_kind_ops(mp_executor_kind_t kind);

/* ---- pool.c: the part both kinds share ------------------------------ */

/** @brief Make a pool (options taken over) and start its kind's part. */
int mp__pool_create(mp__pool_t **out, mp__pool_options_t *opts);

/** @brief Stop taking work; cancel the pending jobs if asked; wait (or
 *         not) for the rest. */
int mp__pool_shutdown(mp__pool_t *pool, bool wait, bool cancel_pending);

/** @brief Shut down, wait, stop every worker and free. */
void mp__pool_destroy(mp__pool_t *pool);

/**
 * @brief Queue a job (the pool takes its own reference) and dispatch.
 * @return 0; MP_ESHUTDOWN; MP_EBROKEN (detail: the cause).
 */
int mp__pool_submit(mp__pool_t *pool, mp__job_t *job);

/** @brief Under the mutex: append to / take from the pending FIFO. */
void mp__pool_push_pending(mp__pool_t *pool, mp__job_t *job, bool front);
mp__job_t *mp__pool_pop_pending(mp__pool_t *pool);

/** @brief Under the mutex: give `job` to worker `index`: append it to the
 *         worker's FIFO (the order it answers in), count it, and mark it
 *         running there. The caller then sends the order. */
void mp__pool_give(mp__pool_t *pool, int index, mp__job_t *job);

/** @brief Under the mutex: break the pool (once), failing every job not
 *         done with MP_EBROKEN and `why`. Jobs to finish go on `done`. */
void mp__pool_break(mp__pool_t *pool, const char *why, mp__job_t **done);

/**
 * @brief Stop at once: take no more work, fail every job not done with
 *        MP_ECANCELLED and `why`, and kill the workers (ops->kill_all).
 *        Returns without waiting for them to exit.
 */
void mp__pool_terminate(mp__pool_t *pool, const char *why);

/**
 * @brief Wait until every job is done and every worker has exited (after
 *        a shutdown or a terminate).
 * @return 0; MP_ETIMEDOUT; MP_EINTR.
 */
int mp__pool_join(mp__pool_t *pool, double deadline);

/** @brief The pids of the live workers, up to `cap` in `pids`; the count
 *         of them all. */
size_t mp__pool_worker_pids(mp__pool_t *pool, mp_pid_t *pids, size_t cap);

/** @brief Under the mutex: fail a job given to a worker now, with `reason`
 *         and `message`; its worker's late outcome is dropped. */
void mp__pool_abandon(mp__pool_t *pool, mp__job_t *job, int reason, const char *message,
                      mp__job_t **done);

/** @brief Whether the pool has no live worker (a wait's `ready`). */
bool mp__pool_no_workers(void *pool);

/** @brief ops->wait of a kind whose own threads complete the jobs: sleep
 *         until `ready(ctx)` or the deadline. */
int mp__pool_sleep_wait(mp__pool_t *pool, bool (*ready)(void *), void *ctx, double deadline);

/** @brief Under the mutex: a job of this pool finished (counters). */
void mp__pool_job_finished(mp__pool_t *pool, mp__job_t *job);

/** @brief Cancel (pending) or abort (running too) a job. @return 1 if it
 *         is now cancelled, 0 if it finished already or is running and
 *         `running_too` is false. */
int mp__pool_cancel(mp__pool_t *pool, mp__job_t *job, bool running_too);

/* ---- job.c ----------------------------------------------------------- */

/** @brief A new job of `count` arguments of `task` (refs 1: the caller's). */
int mp__job_create(mp__job_t **out, const char *task, uint32_t count, double limit);

/** @brief Take / drop a reference. */
void mp__job_ref(mp__job_t *job);
void mp__job_unref(mp__job_t *job);

/** @brief Whether the job is done (acquire: its outcomes are readable). */
bool mp__job_is_done(const mp__job_t *job);

/**
 * @brief Under the pool's mutex: take the outcomes of an answer, which
 *        then point into the job's own copy of it.
 * @param owned NULL: `answer` is copied (into the job when small); else
 *        the heap block `answer` itself, which the job takes over on
 *        success (a long answer is never copied twice).
 * @return 0; MP_EBOOTSTRAP for an answer that does not match the job;
 *         MP_ENOMEM.
 */
int mp__job_take_answer(mp__job_t *job, const void *answer, size_t len, void *owned);

/** @brief The job's task name (from its order), cut to fit `size` bytes. */
const char *mp__job_task(const mp__job_t *job, char *out, size_t size);

/** @brief Under the pool's mutex: fail every argument not answered with
 *         `code` and a message. */
void mp__job_fail(mp__job_t *job, int code, const char *message);

/** @brief Fail one argument (`index` among the job's). */
void mp__job_fail_one(mp__job_t *job, uint32_t index, int code, const char *message);

/**
 * @brief Mark the job done (release) and link it, with a reference of
 *        its own, on `done` (a list through `done_next`) for
 *        mp__jobs_complete(), which runs callbacks and wakes waiters once
 *        the caller has dropped the mutex (a job done early stays on its
 *        worker's list as well).
 */
void mp__job_mark_done(mp__job_t *job, mp__job_t **done);

/** @brief Outside any lock: wake every waiter, run the callbacks of the
 *         jobs on `done`, and drop the list's references. */
void mp__jobs_complete(mp__job_t *done);

/** @brief The outcome of argument `i` (the job is done). */
const mp__outcome_t *mp__job_outcome(const mp__job_t *job, uint32_t i);

/**
 * @brief Take argument `k` (of those in the order now) out of the job's
 *        order, for a job whose worker died running it: the others go to
 *        another worker, and its failure stays. @return 0; MP_ENOMEM.
 */
int mp__job_drop_argument(mp__job_t *job, uint32_t k);

/** @brief Arguments in the job's order now. */
uint32_t mp__job_order_count(const mp__job_t *job);

/** @brief Set the job's number (in its order too). */
void mp__job_set_seq(mp__job_t *job, uint64_t seq);

/** @brief Add a callback; run it now if the job is done. */
int mp__job_add_callback(mp__job_t *job, mp_future_callback_fn fn, void *arg);

/* ---- exec_wait.c: sleeping until a job is done ----------------------- */

/** @brief The number every completion bumps; waiters sleep on it. */
uint32_t mp__jobs_epoch(void);

/** @brief Wake every thread asleep in mp__jobs_sleep(). */
void mp__jobs_wake(void);

/**
 * @brief Sleep until a job completes anywhere (the epoch moves past
 *        `seen`), or `seconds` pass.
 * @return 0; MP_EINTR (mp__interruptible()).
 */
int mp__jobs_sleep(uint32_t seen, double seconds);

/** @brief Sleep until `ready(ctx)` (looked at after every completion) or
 *         the deadline. @return 0; MP_ETIMEDOUT; MP_EINTR. */
int mp__jobs_sleep_until(bool (*ready)(void *), void *ctx, double deadline);

/** @brief Library threads running in this process (collectors, monitors,
 *         thread workers), for the fork policy. */
int mp__pool_threads_running(void);

/** @brief Count a library thread in or out. */
void mp__pool_thread_count(int delta);

#endif /* MP_EXECUTOR_H */
