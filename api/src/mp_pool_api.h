/**
 * @file mp_pool_api.h
 * @brief What the Pool's public face (multiproc/pool.h) shares: the pool
 *        handle, the batch of jobs one call makes, and how arguments are
 *        read from an array, tuples or an iterator (pool_api.c,
 *        pool_batch.c, pool_input.c, pool_result.c, pool_map.c,
 *        pool_imap.c).
 *
 * Every call of the map family (an apply is a map of one) cuts its
 * arguments into jobs of the worker-pool core (mp_executor.h), one per
 * chunk; job `k` of a call holds the arguments [k * chunk, (k + 1) *
 * chunk). What the call's handle and its jobs' done callbacks share is a
 * *batch*, reference counted, so that a handle destroyed while its jobs
 * run leaves the callbacks something to run on.
 */
#ifndef MP_POOL_API_H
#define MP_POOL_API_H

#include <multiproc/pool.h>

#include "mp_executor.h"
#include "mp_progress.h"

/** A pool's life, as Python's Pool tells it. */
typedef enum mp__pool_state {
    MP__POOL_RUNNING,
    MP__POOL_CLOSED,    /**< close(): no new work; workers exit when done */
    MP__POOL_TERMINATED /**< terminate(): work failed, workers killed */
} mp__pool_state_t;

/** The object behind an mp_pool_t handle. */
typedef struct mp__pool_handle {
    mp__object_t obj;
    mp__pool_t *pool;
    _Atomic int state; /**< mp__pool_state_t */
    /** imaps still reading their input: a close waits for them before it
     *  shuts the core down (their work was accepted before the close, as
     *  Python's Pool had queued it). */
    _Atomic int feeders;
} mp__pool_handle_t;

extern const mp__kind_t mp__kind_pool, mp__kind_async_result, mp__kind_imap;

/** @brief Open a pool handle; MP_ESTATE (Python's "Pool not running")
 *         unless it is running. */
int mp__pool_open_running(mp_pool_t *handle, mp__pool_handle_t **out, const char *fn);

/** @brief Open a pool handle for an imap's next job: MP_ESTATE once it is
 *         terminated (a closed pool still takes an imap's jobs). */
int mp__pool_open_feeding(mp_pool_t *handle, mp__pool_handle_t **out, const char *fn);

/** @brief An imap starts reading its input / has read all it will. */
void mp__pool_feeder_start(mp__pool_handle_t *ph);
void mp__pool_feeder_done(mp_pool_t *handle);

/* ---- pool_input.c: where arguments come from ------------------------- */

/** A reader of a call's arguments: an array, tuples (starmap), arguments
 *  already encoded in a buffer, or an iterator callback. */
typedef struct mp__input {
    mp_input_t in;        /**< array or iterator */
    const mp_arg_t *args; /**< tuples (starmap): `nargs` per argument */
    size_t nargs;
    bool tuples;              /**< a starmap's (its `args` may be NULL with nargs 0) */
    const mp__buf_t *encoded; /**< arguments in order encoding */
    size_t offset;            /**< in `encoded` */
    size_t index;             /**< arguments read so far */
    size_t total;             /**< arguments in all; SIZE_MAX: an iterator's, unknown */
} mp__input_t;

/** @brief A reader of an array or an iterator. */
void mp__input_of(mp__input_t *r, const mp_input_t *in);

/** @brief A reader of `n` tuples of `nargs` arguments. */
void mp__input_of_tuples(mp__input_t *r, const mp_arg_t *args, size_t nargs, size_t n);

/** @brief A reader of `n` arguments in order encoding in `encoded`. */
void mp__input_of_encoded(mp__input_t *r, const mp__buf_t *encoded, size_t n);

/**
 * @brief Append the next argument, in order encoding (mp_pool_wire.h), to
 *        `out`.
 * @return 1; 0 at the end; the iterator's negative code (its detail
 *         names the item); MP_ENOMEM; MP_EINVAL for an argument too long.
 */
int mp__input_read(mp__input_t *r, mp__buf_t *out);

/** @brief Check a call's input and options (shared by every map). */
int mp__input_check(const mp_input_t *in, const char *fn);

/* ---- pool_jobq.c: a FIFO of jobs ------------------------------------ */

/** A growable FIFO of jobs, a reference each (imap's jobs handed out,
 *  imap_unordered's jobs finished). */
typedef struct mp__jobq {
    mp__job_t **jobs;
    size_t head, count, cap;
} mp__jobq_t;

/** @brief Append a job; the queue takes the caller's reference.
 *  @return 0; MP_ENOMEM (the queue is unchanged). */
int mp__jobq_push(mp__jobq_t *q, mp__job_t *job);

/** @brief The oldest job, or NULL. */
mp__job_t *mp__jobq_peek(const mp__jobq_t *q);

/** @brief Take the oldest job (its reference passes to the caller), or NULL. */
mp__job_t *mp__jobq_pop(mp__jobq_t *q);

/** @brief Drop every job's reference and free the queue. */
void mp__jobq_free(mp__jobq_t *q);

/* ---- pool_batch.c: a call's jobs ------------------------------------- */

/** What a call's handle and its jobs' callbacks share. */
typedef struct mp__batch {
    _Atomic int refs;
    mp__pool_t *pool; /**< for waiting; valid while a job is not done */
    mp_async_callback_fn callback, error_callback;
    void *callback_arg;
    mp_async_result_t *handle; /**< given to the callbacks */
    size_t chunk;              /**< arguments per job (the last may have fewer) */
    /** Jobs whose end the final step waits for, plus one for the maker
     *  until every job is made: whoever brings it to 0 runs the user's
     *  callback and sets `ready`. */
    _Atomic size_t left;
    _Atomic bool ready;
    bool watch;          /**< its jobs carry a done callback */
    bool unordered;      /**< note jobs in the order they finish (imap_unordered) */
    _Atomic bool failed; /**< a task failed (for the final callback) */
    _Atomic bool lost;   /**< a finished job could not be kept (no memory) */
    mp__jobq_t finished; /**< imap_unordered: jobs finished (core lock) */
    /** The call's progress callback: an async result's jobs report from
     *  their done callbacks (a wait returns after every report); an imap's
     *  as the consumer takes them (each before its results). */
    mp__progress_t progress;
    bool consumer_reports; /**< an imap's: the job callbacks do not report */
} mp__batch_t;

/** The options of a batch, from the call's. */
typedef struct mp__batch_opts {
    const mp_pool_map_opts_t *map; /**< callbacks, progress (may be NULL) */
    size_t total;                  /**< tasks, when known (0: not) */
    bool unordered;
    bool consumer_reports; /**< progress is reported by the consumer (imap) */
} mp__batch_opts_t;

/** @brief A new batch (refs 1: the caller's). */
int mp__batch_create(mp__batch_t **out, mp__pool_t *pool, size_t chunk,
                     const mp__batch_opts_t *opts);

/** @brief Drop a reference. NULL-safe. */
void mp__batch_unref(mp__batch_t *b);

/**
 * @brief Make job number `index` of a call from the next `count`
 *        arguments of `input` (fewer at its end).
 * @param[out] out the job (refs 1: the caller's), or NULL when no
 *        argument was left; written also with the input's error, for the
 *        arguments read before it.
 * @return 0; the input's error (its detail set); MP_ENOMEM.
 */
int mp__batch_make_job(const char *task, double limit, mp__input_t *input, size_t count,
                       size_t index, mp__job_t **out);

/** @brief Hand a made job to the pool (it is then counted by the batch).
 *  @return 0; MP_ESTATE after close or terminate; MP_EBROKEN; MP_ENOMEM. */
int mp__batch_submit(mp__batch_t *b, mp__job_t *job);

/** @brief Every job of the batch was submitted (the maker's count goes). */
void mp__batch_made_all(mp__batch_t *b);

/** @brief Under no lock: take the oldest finished job of an unordered
 *         batch (its reference passes to the caller), or NULL. */
mp__job_t *mp__batch_take_finished(mp__batch_t *b);

/** @brief Wait until `ready(ctx)` or the deadline, reading the pool's
 *         answers when the caller can. @return 0; MP_ETIMEDOUT; MP_EINTR. */
int mp__batch_wait(mp__batch_t *b, bool (*ready)(void *), void *ctx, double deadline);

/** @brief Python's automatic chunksize for a map of `n` tasks. */
size_t mp__batch_auto_chunk(size_t n, int workers);

/** @brief The time limit of a call's tasks: its option, else the pool's. */
int mp__batch_limit(const mp__pool_t *pool, const mp_pool_map_opts_t *opts, const char *fn,
                    double *out);

/* ---- pool_result.c ----------------------------------------------------- */

/** The object behind an mp_async_result_t handle. */
typedef struct mp__async_result {
    mp__object_t obj;
    mp__batch_t *batch;
    mp__job_t **jobs; /**< a reference each */
    size_t njobs;
    size_t n; /**< tasks */
} mp__async_result_t;

/**
 * @brief Make and submit a call's jobs (every argument of `input`, `chunk`
 *        a job) behind a new result handle.
 * @return 0; as mp_pool_map_async().
 */
int mp__async_result_run(mp__pool_handle_t *ph, mp_async_result_t **out, const char *task,
                         mp__input_t *input, size_t n, size_t chunk, const mp_pool_map_opts_t *opts,
                         double limit);

/** @brief Copy every result of a ready, successful result, each exactly
 *         `size` bytes, into `out`, for the typed blocking calls: 0;
 *         MP_ETASK; MP_EINVAL for a result of another size. */
int mp__async_result_copy(mp_async_result_t *r, void *out, size_t size, const char *fn);

/** @brief Wait for every task of a result, for the blocking calls: 0, or
 *         MP_ETASK naming the first failure; MP_EINTR. */
int mp__async_result_finish(mp_async_result_t *r, const char *fn);

#endif /* MP_POOL_API_H */
