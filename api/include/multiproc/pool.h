/**
 * @file multiproc/pool.h
 * @brief Process pools (Python's `multiprocessing.Pool`): apply, map,
 *        imap, starmap and their async forms, on the same worker-pool core
 *        as the executors (multiproc/executor.h).
 *
 * A pool starts its `workers` worker processes when it is made (Python's
 * Pool does) with its context (fork, spawn or forkserver; spawn on
 * Windows), and runs tasks from the task table by name. The executors'
 * fault rules hold: a worker that dies in the middle of a task fails that
 * task alone with MP_EWORKERDIED (its message names the pid and the
 * signal or exit code), is replaced, and every other task completes
 * (CPython's Pool waits for ever there); a per-task time limit kills and
 * replaces the worker and fails the task with MP_ETIMEDOUT; nothing hangs.
 *
 * Results of a call that does not wait (apply_async, map_async,
 * starmap_async) are an mp_async_result_t: wait for it, ask whether it is
 * ready and successful, read each task's result or failure. imap and
 * imap_unordered give an mp_imap_t that yields results as they come, and
 * read their input ahead by a bounded amount, so a huge or endless input
 * (an iterator callback) runs in constant memory.
 *
 * Arguments and results are bytes; the typed forms (`_i64`, `_double`)
 * cover the common cases. starmap's tasks take several arguments: the
 * task reads them with mp_task_arg_count() and mp_task_arg_at() (task.h).
 *
 * Every function may be called from any thread. Results and iterators are
 * handles like the library's others: a destroyed one answers MP_ECLOSED.
 *
 * | Python (`multiprocessing.Pool`)             | multiproc                                   |
 * |---------------------------------------------|---------------------------------------------|
 * | `Pool(processes, initializer, initargs, maxtasksperchild, context)` | mp_pool_create(&pool, &(mp_pool_opts_t){...}) |
 * | `pool.apply(f, (x,))`                       | mp_pool_apply(), mp_pool_apply_i64()         |
 * | `pool.apply_async(f, (x,), callback, error_callback)` | mp_pool_apply_async()              |
 * | `pool.map(f, xs, chunksize)`                | mp_pool_map(), mp_pool_map_i64(), mp_pool_map_double() |
 * | `pool.map_async(...)`                       | mp_pool_map_async()                          |
 * | `pool.starmap(f, [(a, b), ...])`            | mp_pool_starmap(), mp_pool_starmap_i64()     |
 * | `pool.starmap_async(...)`                   | mp_pool_starmap_async()                      |
 * | `pool.imap(f, it, chunksize)`, `imap_unordered` | mp_pool_imap(), mp_pool_imap_unordered(), mp_imap_next() |
 * | `res.get(timeout)`, `wait`, `ready`, `successful` | mp_async_result_get(), _wait(), _ready(), _successful() |
 * | `pool.close()`, `join()`, `terminate()`     | mp_pool_close(), mp_pool_join(), mp_pool_terminate() |
 * | `with Pool() as p:` (terminates at the end) | mp_pool_destroy()                            |
 */
#ifndef MULTIPROC_POOL_H
#define MULTIPROC_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/context.h>
#include <multiproc/export.h>
#include <multiproc/progress.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A process pool. */
typedef struct mp_pool mp_pool_t;

/** The result of an apply_async, map_async or starmap_async. */
typedef struct mp_async_result mp_async_result_t;

/** The iterator of an imap or imap_unordered. */
typedef struct mp_imap mp_imap_t;

/* ---- the pool -------------------------------------------------------- */

/** The options of mp_pool_create(); zero is every field's default. */
typedef struct mp_pool_opts {
    int workers;             /**< worker processes; 0: mp_cpu_count(); negative: MP_EINVAL */
    mp_context_t *context;   /**< start method; NULL: the default context */
    const char *initializer; /**< a task run once in each worker before its
                                  first task (its argument: `initarg`); a
                                  failing one breaks the pool; NULL: none */
    const void *initarg;     /**< copied */
    size_t initarg_len;      /**< their count */
    /** Tasks a worker runs before it is replaced by a fresh one (Python's
     *  `maxtasksperchild`): memory a leaky task holds is given back. 0:
     *  no limit; negative: MP_EINVAL. Not with the fork start method
     *  (MP_EINVAL; the pool then uses spawn by default). */
    int max_tasks_per_child;
    /** Seconds a task may run before its worker is killed and replaced and
     *  the task fails with MP_ETIMEDOUT; 0 or MP_FOREVER: no limit. */
    double task_timeout;
    /** What runs the tasks: 0 (MP_EXECUTOR_PROCESSES), worker processes,
     *  as before; MP_EXECUTOR_MPI, the worker ranks of the MPI job (after
     *  mp_mpi_init(), else MP_ENOTSUP); MP_EXECUTOR_THREADS: MP_EINVAL.
     *  Carved out of the first reserved word. */
    mp_executor_kind_t kind;
    uint64_t reserved[MP_OPTS_RESERVED - 1]; /**< zero (see types.h) */
} mp_pool_opts_t;

/**
 * @brief Make a pool and start its workers.
 * @param[out] out the pool; destroy it with mp_pool_destroy().
 * @param opts options (NULL: defaults).
 * @return 0; MP_EINVAL for NULL out, a negative workers or
 *         max_tasks_per_child, a bad task_timeout, NULL initarg with
 *         initarg_len, or max_tasks_per_child with fork; MP_ENOTASK for an
 *         initializer not in the task table; MP_ESTATE before mp_init();
 *         MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_pool_create(mp_pool_t **out, const mp_pool_opts_t *opts);

/**
 * @brief Take no more work (Python's `close`); work already given runs
 *        to its end, then the workers exit. An imap made before the close
 *        goes on handing out its input as its results are taken.
 * @return 0; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_pool_close(mp_pool_t *pool);

/**
 * @brief Stop at once (Python's `terminate`): every task not finished
 *        fails with MP_ECANCELLED, the workers are killed and reaped.
 * @return 0; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_pool_terminate(mp_pool_t *pool);

/**
 * @brief Wait for the workers to exit, after mp_pool_close() or
 *        mp_pool_terminate() (Python's `join`).
 * @param pool the pool.
 * @param timeout how long to wait (MP_FOREVER, 0 polls, seconds).
 * @return 0; MP_ESTATE if the pool is still running (neither closed nor
 *         terminated), or closed with an imap that still reads its input
 *         (read it to its end or destroy it first: its work is handed out
 *         only as its results are taken); MP_ETIMEDOUT; MP_EINTR;
 *         MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_pool_join(mp_pool_t *pool, double timeout);

/**
 * @brief Free a pool. One that is still running (neither closed nor
 *        terminated) is terminated, as Python's `with Pool()` does, and a
 *        warning says so on stderr; one that was closed is joined first.
 *        NULL-safe. Results and iterators of the pool stay readable.
 */
MP_API void mp_pool_destroy(mp_pool_t *pool);

/**
 * @brief The pids of the pool's live workers.
 * @param pool the pool.
 * @param pids where to write them (may be NULL when cap is 0).
 * @param cap room in pids.
 * @param[out] count the number of live workers (may exceed cap).
 * @return 0; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_pool_worker_pids(mp_pool_t *pool, mp_pid_t *pids, size_t cap, size_t *count);

/** @brief The pool's worker count (its `workers` option); 0 for a bad
 *         handle. */
MP_API size_t mp_pool_size(mp_pool_t *pool);

/* ---- apply ----------------------------------------------------------- */

/**
 * @brief Called once when an async result is ready: `callback` if every
 *        task succeeded, else `error_callback` (never both). It runs in the
 *        thread that read the last result (a waiting caller's or one of
 *        the pool's), without any library lock; the result is ready and
 *        may be read in it; it must not destroy the result, nor wait on
 *        the pool.
 */
typedef void (*mp_async_callback_fn)(mp_async_result_t *result, void *arg);

/** The options of mp_pool_apply_async(); zero is every field's default. */
typedef struct mp_apply_opts {
    const void *arg; /**< the argument bytes (copied); MP_ARG_I64(v) and friends fill both */
    size_t arg_len;  /**< their count */
    mp_async_callback_fn callback;       /**< on success; NULL: none */
    mp_async_callback_fn error_callback; /**< on failure; NULL: none */
    void *callback_arg;                  /**< given to both */
    /** This task's time limit; 0: the pool's task_timeout. */
    double timeout;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_apply_opts_t;

/**
 * @brief Run `task` on one argument in a worker, without waiting (Python's
 *        `apply_async`).
 * @param pool the pool.
 * @param[out] out the result; destroy it with mp_async_result_destroy().
 * @param task a name in the task table.
 * @param opts the argument, callbacks and time limit (NULL: no argument).
 * @return 0; MP_EINVAL for NULL pool, out or task, NULL arg with arg_len,
 *         or a bad timeout; MP_ENOTASK; MP_ESTATE once the pool is closed
 *         or terminated; MP_EBROKEN when its workers cannot start;
 *         MP_ECLOSED; MP_ENOMEM.
 */
MP_API int mp_pool_apply_async(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                               const mp_apply_opts_t *opts);

/**
 * @brief Run `task` on one argument in a worker and wait (Python's
 *        `apply`).
 * @param pool the pool.
 * @param[out] out the result, ready (read it with mp_async_result_get());
 *        written also when the task failed (MP_ETASK), so that its code
 *        and message can be read with mp_async_result_error().
 * @param task a name in the task table.
 * @param arg the argument bytes (copied; may be NULL when len is 0).
 * @param len their count.
 * @return 0; MP_ETASK when the task failed; MP_EINTR (the task runs on;
 *         *out is written); otherwise as mp_pool_apply_async().
 */
MP_API int mp_pool_apply(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                         const void *arg, size_t len);

/**
 * @brief The common case in one call: `*out = task(value)` for int64s.
 * @return 0; MP_ETASK when the task failed (mp_errdetail() gives its code
 *         and message); MP_EINVAL for NULL out or a result that is not 8
 *         bytes; otherwise as mp_pool_apply().
 */
MP_API int mp_pool_apply_i64(mp_pool_t *pool, const char *task, int64_t value, int64_t *out);

/** @brief As mp_pool_apply_i64(), for doubles. */
MP_API int mp_pool_apply_double(mp_pool_t *pool, const char *task, double value, double *out);

/* ---- map, starmap ---------------------------------------------------- */

/**
 * @brief An input read one argument at a time (an iterator): for inputs
 *        too large, or too slow, to build in memory.
 * @param ctx the pointer given with it.
 * @param[out] data the argument's bytes, valid until the next call.
 * @param[out] len their count.
 * @return 1 with an argument; 0 at the end of the input; a negative MP_E*
 *         code when the input failed (its detail may be set with
 *         mp_errdetail's setter of the caller's choice; the call reports
 *         the code itself).
 */
typedef int (*mp_input_next_fn)(void *ctx, const void **data, size_t *len);

/** Where a map's arguments come from: an array of `n` arguments of
 *  `arg_size` bytes each, laid out one after another, or (when `next` is
 *  not NULL) an iterator callback. */
typedef struct mp_input {
    const void *args;      /**< the array; may be NULL when n or arg_size is 0 */
    size_t arg_size;       /**< bytes of one argument (0: every task gets none) */
    size_t n;              /**< arguments in the array */
    mp_input_next_fn next; /**< the iterator; NULL: the array */
    void *ctx;             /**< given to `next` */
} mp_input_t;

/** An array input: `MP_INPUT_ARRAY(in, 5)` for `int64_t in[5]`. */
#define MP_INPUT_ARRAY(array, count) \
    (&(const mp_input_t){.args = (array), .arg_size = sizeof *(array), .n = (count)})

/** An iterator input: `MP_INPUT_ITER(next_line, file)`. */
#define MP_INPUT_ITER(fn, context) (&(const mp_input_t){.next = (fn), .ctx = (context)})

/** The options of the map family; zero is every field's default. */
typedef struct mp_pool_map_opts {
    /** Arguments per message to a worker; 0: Python's choice (map: about
     *  four messages per worker, `ceil(n / (4 * workers))`, but at most
     *  1024, so that a message fits the rings; imap: 1). */
    size_t chunksize;
    /** imap and imap_unordered: at most this many messages handed to the
     *  pool and not yet yielded (Python 3.14's `buffersize`); the input is
     *  read no further ahead. 0: unbounded for an array input, four per
     *  worker for an iterator input. */
    size_t buffersize;
    mp_async_callback_fn callback;       /**< map_async, starmap_async: on success */
    mp_async_callback_fn error_callback; /**< map_async, starmap_async: on a failure */
    void *callback_arg;                  /**< given to both */
    mp_progress_fn progress;             /**< progress callback (progress.h); NULL: none */
    void *progress_arg;                  /**< given to it */
    /** Each task's time limit; 0: the pool's task_timeout. */
    double timeout;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_pool_map_opts_t;

/**
 * @brief Run `task` on every argument of `input`, without waiting
 *        (Python's `map_async`). An iterator input is read to its end in
 *        this call (as Python lists it first); when it fails, nothing runs
 *        and its code is returned.
 * @param pool the pool.
 * @param[out] out the result (one task per argument, in input order).
 * @param task a name in the task table.
 * @param input the arguments (copied).
 * @param opts chunksize, callbacks, progress, time limit (NULL: defaults).
 * @return 0; the input iterator's own negative code; MP_EINVAL for NULL
 *         pool, out, task or input, NULL args with n * arg_size > 0, or a
 *         bad timeout; MP_ENOTASK; MP_ESTATE once the pool is closed or
 *         terminated; MP_EBROKEN; MP_ECLOSED; MP_ENOMEM.
 */
MP_API int mp_pool_map_async(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                             const mp_input_t *input, const mp_pool_map_opts_t *opts);

/**
 * @brief Run `task` on every argument and wait for all (Python's `map`).
 * @param pool the pool.
 * @param task a name in the task table.
 * @param input the arguments (copied).
 * @param opts chunksize, progress, time limit (NULL: defaults).
 * @param[out] out the result, ready; written also when a task failed
 *        (MP_ETASK), so that each outcome can be read.
 * @return 0; MP_ETASK when a task failed (mp_errdetail() names the first
 *         by index; mp_async_result_error() gives its code and message);
 *         MP_EINTR (the work goes on; *out is written); otherwise as
 *         mp_pool_map_async().
 */
MP_API int mp_pool_map(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                       const mp_input_t *input, const mp_pool_map_opts_t *opts);

/**
 * @brief The common case in one call: `out[i] = task(in[i])` for int64s,
 *        waiting for all (the tutorial's squares).
 * @return 0; MP_ETASK for the first task that failed (mp_errdetail() gives
 *         its index, code and message); MP_EINVAL for NULL in or out with
 *         n > 0, or a result that is not 8 bytes; otherwise as
 *         mp_pool_map().
 */
MP_API int mp_pool_map_i64(mp_pool_t *pool, const char *task, const int64_t *in, int64_t *out,
                           size_t n);

/** @brief As mp_pool_map_i64(), for doubles. */
MP_API int mp_pool_map_double(mp_pool_t *pool, const char *task, const double *in, double *out,
                              size_t n);

/** One argument of a task that takes several (starmap). */
typedef struct mp_arg {
    const void *data; /**< its bytes (copied); may be NULL when len is 0 */
    size_t len;       /**< their count */
} mp_arg_t;

/**
 * @brief Run `task` on `n` tuples of `nargs` arguments each, without
 *        waiting (Python's `starmap_async`): tuple i is args[i * nargs]
 *        to args[i * nargs + nargs - 1]; the task reads them with
 *        mp_task_arg_count() and mp_task_arg_at().
 * @return as mp_pool_map_async(); MP_EINVAL also for NULL args with
 *         n * nargs > 0 or an argument with NULL data and a length.
 */
MP_API int mp_pool_starmap_async(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                                 const mp_arg_t *args, size_t nargs, size_t n,
                                 const mp_pool_map_opts_t *opts);

/** @brief starmap_async, then wait for all (Python's `starmap`); returns
 *         as mp_pool_map(). */
MP_API int mp_pool_starmap(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                           const mp_arg_t *args, size_t nargs, size_t n,
                           const mp_pool_map_opts_t *opts);

/**
 * @brief The common case in one call: `out[i] = task(args[i*nargs], ...,
 *        args[i*nargs + nargs-1])` for int64s, waiting for all.
 * @return as mp_pool_map_i64().
 */
MP_API int mp_pool_starmap_i64(mp_pool_t *pool, const char *task, const int64_t *args, size_t nargs,
                               int64_t *out, size_t n);

/* ---- async results --------------------------------------------------- */

/**
 * @brief Wait until the result is ready (Python's `wait`).
 * @param r the result.
 * @param timeout how long (MP_FOREVER, 0 polls, seconds).
 * @return 0 when ready; MP_ETIMEDOUT; MP_EINTR; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_async_result_wait(mp_async_result_t *r, double timeout);

/** @brief Whether every task of the result is done (Python's `ready`):
 *         1, 0, or MP_EINVAL / MP_ECLOSED. */
MP_API int mp_async_result_ready(mp_async_result_t *r);

/** @brief Whether every task succeeded (Python's `successful`): 1, 0;
 *         MP_ESTATE while not ready; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_async_result_successful(mp_async_result_t *r);

/**
 * @brief Wait for the result and give its value (Python's `get`): for an
 *        apply, the task's result; for a map, the first task's (read the
 *        others with mp_async_result_item()).
 * @param r the result.
 * @param timeout how long to wait.
 * @param[out] data the bytes, owned by the result. May be NULL.
 * @param[out] len their count. May be NULL.
 * @return 0; MP_ETASK when a task failed (mp_errdetail() names the first;
 *         mp_async_result_error() gives its code and message);
 *         MP_ETIMEDOUT; MP_EINTR; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_async_result_get(mp_async_result_t *r, double timeout, const void **data,
                               size_t *len);

/** @brief As mp_async_result_get(), for a result of 8 bytes; MP_EINVAL
 *         for NULL out or a result of another size. */
MP_API int mp_async_result_get_i64(mp_async_result_t *r, double timeout, int64_t *out);

/** @brief The number of tasks of the result (1 for an apply); 0 for a
 *         bad handle. */
MP_API size_t mp_async_result_count(mp_async_result_t *r);

/**
 * @brief Task `i`'s result, once it is done (it does not wait).
 * @param r the result.
 * @param i the task's index (its argument's in the input).
 * @param[out] data the bytes, owned by the result. May be NULL.
 * @param[out] len their count. May be NULL.
 * @return 0; MP_ETASK when it failed; MP_ESTATE while it is not done;
 *         MP_EINVAL for NULL r or i out of range; MP_ECLOSED.
 */
MP_API int mp_async_result_item(mp_async_result_t *r, size_t i, const void **data, size_t *len);

/** @brief Task `i`'s result as an int64; see mp_async_result_item(). */
MP_API int mp_async_result_item_i64(mp_async_result_t *r, size_t i, int64_t *out);

/** @brief Task `i`'s result as a double; see mp_async_result_item(). */
MP_API int mp_async_result_item_double(mp_async_result_t *r, size_t i, double *out);

/**
 * @brief The first (lowest index) failed task of a ready result.
 * @param r the result.
 * @param[out] index its index. May be NULL.
 * @param[out] code its code (a task's own, MP_EWORKERDIED, MP_ETIMEDOUT,
 *        MP_ECANCELLED...; 0 when none failed). May be NULL.
 * @param[out] message its message ("" when none failed), owned by the
 *        result. May be NULL.
 * @return 0; MP_ESTATE while not ready; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_async_result_error(mp_async_result_t *r, size_t *index, int *code,
                                 const char **message);

/** @brief Free a result; tasks not done run on, their results dropped.
 *         NULL-safe. A callback not yet run still runs, with a closed
 *         handle: keep the result until its callback ran to read it. */
MP_API void mp_async_result_destroy(mp_async_result_t *r);

/* ---- imap ------------------------------------------------------------ */

/**
 * @brief Results one at a time, in input order (Python's `imap`). The
 *        input is read, and handed to the workers, as the results are
 *        taken: at most `buffersize` messages ahead (see
 *        mp_pool_map_opts_t).
 * @param pool the pool.
 * @param[out] out the iterator; destroy it with mp_imap_destroy().
 * @param task a name in the task table.
 * @param input the arguments (an array is copied as it is handed out, so
 *        it must outlive the iterator; an iterator callback is called
 *        from the threads that call mp_imap_next(), one at a time).
 * @param opts chunksize, buffersize, progress, time limit (NULL: defaults).
 * @return as mp_pool_map_async() (a failing input is reported by
 *         mp_imap_next(), after the results before it).
 */
MP_API int mp_pool_imap(mp_pool_t *pool, mp_imap_t **out, const char *task, const mp_input_t *input,
                        const mp_pool_map_opts_t *opts);

/** @brief As mp_pool_imap(), yielding results as they finish (Python's
 *         `imap_unordered`); mp_imap_item_t's index says whose. */
MP_API int mp_pool_imap_unordered(mp_pool_t *pool, mp_imap_t **out, const char *task,
                                  const mp_input_t *input, const mp_pool_map_opts_t *opts);

/** One item of an imap. */
typedef struct mp_imap_item {
    size_t index;        /**< the argument's index in the input */
    const void *data;    /**< the result's bytes (owned by the iterator,
                              valid until the next mp_imap_next()) */
    size_t len;          /**< their count */
    int code;            /**< 0, or the failed task's code */
    const char *message; /**< "" or the failed task's message (as `data`) */
} mp_imap_item_t;

/**
 * @brief The next result.
 * @param it the iterator.
 * @param timeout how long to wait for it (MP_FOREVER, 0 polls, seconds).
 * @param[out] item the item; written with 1 and with MP_ETASK.
 * @return 1 with an item; 0 when every result has been yielded (Python's
 *         StopIteration); MP_ETASK for a task that failed (item says which
 *         and how; the next call goes on with the next result); the input
 *         iterator's own code when it failed (after every result before
 *         it; then 0); MP_ETIMEDOUT (the item stays for the next call);
 *         MP_EINTR; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_imap_next(mp_imap_t *it, double timeout, mp_imap_item_t *item);

/** @brief Free an iterator; tasks not done run on, their results dropped.
 *         NULL-safe. */
MP_API void mp_imap_destroy(mp_imap_t *it);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_POOL_H */
