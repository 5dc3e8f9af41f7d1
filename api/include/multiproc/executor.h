/**
 * @file multiproc/executor.h
 * @brief Executors with futures (Python's `concurrent.futures`): a pool of
 *        worker processes, or of threads, that runs tasks from the task
 *        table by name and hands back their results through futures.
 *
 * A process executor keeps up to `max_workers` worker processes, started
 * with its context (fork, spawn or forkserver; spawn on Windows) the first
 * time work needs them. Tasks travel to each worker through a ring of
 * shared memory of its own and results come back through one shared ring
 * (the library's queues), so a tiny task costs a few hundred nanoseconds,
 * not a pipe round trip; a worker spins a moment for its next task before
 * it sleeps. The parent keeps, per worker, the list of tasks it gave it,
 * and watches every worker's sentinel; that is what no Python pool does:
 *
 * - **A worker that dies in the middle of a task** (killed, crashed,
 *   `_exit`) fails exactly that task with MP_EWORKERDIED and a message
 *   naming the pid and the signal or exit code. Tasks it had been given
 *   but had not started go to another worker; the dead one is replaced;
 *   every other task completes. (CPython's Pool hangs for ever here, and its
 *   executor breaks every pending future.)
 * - **A task that runs too long** (a per-task timeout, an option of the
 *   executor and of each submit) has its worker killed and replaced, and
 *   fails with MP_ETIMEDOUT. mp_future_abort() does the same on request,
 *   failing the task with MP_ECANCELLED.
 * - **A worker that cannot start** (a crash at start, an initializer that
 *   fails) is not restarted in a loop: after MP_EXECUTOR_START_FAILURES
 *   failed starts in a row the executor is broken, every pending future
 *   and every later submit answers MP_EBROKEN with the first cause in the
 *   message, and no worker is left running.
 * - Workers ignore SIGINT (the parent decides), and die with the parent on
 *   every backend.
 *
 * A thread executor (`.kind = MP_EXECUTOR_THREADS`) runs the same task
 * functions on threads of this process, behind the same functions: a
 * program switches between processes and threads by changing that one
 * option. Threads share the process, so what a crash does to a process
 * executor's worker it does to the whole program there, and a thread
 * cannot be killed: a thread task that times out or is aborted fails at
 * once, and its thread finishes it in the background (the outcome is
 * dropped) before taking the next task.
 *
 * Results: a task's result bytes (mp_task_return() and its typed forms)
 * are read with mp_future_result(); a task that failed makes that call
 * return MP_ETASK, and mp_future_error() gives the task's own code and
 * message, of any size. A wait that runs out of time returns
 * MP_ETIMEDOUT; a task that ran out of its own time limit is a failed task
 * (MP_ETASK) whose code is MP_ETIMEDOUT. A call's failure is never
 * confused with a task's.
 *
 * Threads: every function may be called from any thread. Futures, maps and
 * as-completed iterators are handles like the library's others: a
 * destroyed one answers MP_ECLOSED.
 *
 * | Python (`concurrent.futures`)              | multiproc                                     |
 * |--------------------------------------------|-----------------------------------------------|
 * | `ProcessPoolExecutor(max_workers, mp_context, initializer, initargs, max_tasks_per_child)` | mp_executor_create(&ex, &(mp_executor_opts_t){...}) |
 * | `ThreadPoolExecutor(max_workers)`          | `.kind = MP_EXECUTOR_THREADS`                 |
 * | `ex.submit(fn, arg)`                       | mp_executor_submit(ex, &f, "fn", arg, len), mp_executor_submit_i64()... |
 * | `ex.map(fn, args, timeout, chunksize)`     | mp_executor_map(), mp_map_get(); mp_executor_map_i64() |
 * | `ex.shutdown(wait, cancel_futures)`        | mp_executor_shutdown(ex, wait, cancel_futures) |
 * | `with ProcessPoolExecutor() as ex:`        | mp_executor_destroy(ex) shuts down and joins  |
 * | `f.result(timeout)`                        | mp_future_result(f, timeout, &data, &len), mp_future_result_i64()... |
 * | `f.exception(timeout)`                     | mp_future_error(f, timeout, &code, &message)  |
 * | `f.done()`, `f.running()`, `f.cancelled()` | mp_future_is_done(), mp_future_is_running(), mp_future_is_cancelled() |
 * | `f.cancel()`                               | mp_future_cancel(); mp_future_abort() also stops a running task |
 * | `f.add_done_callback(fn)`                  | mp_future_add_done_callback(f, fn, arg)       |
 * | `as_completed(fs, timeout)`                | mp_as_completed_create(), mp_as_completed_next() |
 * | `wait(fs, timeout, return_when)`           | mp_futures_wait(fs, n, timeout, when, done)   |
 * | `BrokenProcessPool`                        | MP_EBROKEN                                    |
 * | (a worker died: BrokenProcessPool for all) | MP_EWORKERDIED for its task only              |
 * | `CancelledError`, `TimeoutError`           | MP_ECANCELLED, MP_ETIMEDOUT                   |
 * | `RuntimeError` after shutdown              | MP_ESHUTDOWN                                  |
 */
#ifndef MULTIPROC_EXECUTOR_H
#define MULTIPROC_EXECUTOR_H

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

/** An executor: a pool of workers (processes or threads) running tasks. */
typedef struct mp_executor mp_executor_t;

/** The pending outcome of one submitted task. */
typedef struct mp_future mp_future_t;

/** The outcomes of one mp_executor_map(), read in submission order. */
typedef struct mp_map mp_map_t;

/** An iterator over futures in the order they finish. */
typedef struct mp_as_completed mp_as_completed_t;

/** What runs the tasks. */
typedef enum mp_executor_kind {
    MP_EXECUTOR_PROCESSES = 0, /**< worker processes (the default) */
    MP_EXECUTOR_THREADS = 1,   /**< threads of this process */
    /** Worker ranks of the MPI job (multiproc::mpi, after mp_mpi_init());
     *  without it: MP_ENOTSUP. See multiproc/mpi.h. */
    MP_EXECUTOR_MPI = 2
} mp_executor_kind_t;

/** Failed worker starts in a row after which an executor is broken. */
#define MP_EXECUTOR_START_FAILURES 5

/** The most workers an executor or a pool may have (more is MP_EINVAL):
 *  each is a process with its own ring, watched by one thread. */
#define MP_EXECUTOR_MAX_WORKERS 1024

/** The options of mp_executor_create(); zero is every field's default. */
typedef struct mp_executor_opts {
    mp_executor_kind_t kind; /**< processes (default), threads or MPI ranks */
    /** 0: mp_cpu_count() (MPI: every worker rank); negative or over
     *  MP_EXECUTOR_MAX_WORKERS (MPI: over the worker ranks): MP_EINVAL */
    int max_workers;
    /** Processes: the start method; NULL: the default context, or spawn
     *  when max_tasks_per_child is set (as Python). Threads: ignored. */
    mp_context_t *context;
    /** A task run once in each worker before its first task (Python's
     *  `initializer`); NULL: none. Its failure is a failed start. */
    const char *initializer;
    const void *initarg; /**< the initializer's argument bytes (copied) */
    size_t initarg_len;  /**< their count */
    /** Tasks a worker process runs before it is replaced by a fresh one;
     *  0: no limit. Not with a fork context (MP_EINVAL, as Python). */
    int max_tasks_per_child;
    /** The default time limit of each task in seconds, from when it
     *  starts running: a task over it fails with MP_ETIMEDOUT and its
     *  worker is killed and replaced. 0 (the default) or MP_FOREVER: no
     *  limit. This is a limit on a task, not a wait. */
    double task_timeout;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_executor_opts_t;

/**
 * @brief Make an executor. Workers start when work needs them (a submit
 *        that finds no idle worker starts one, up to max_workers).
 * @param[out] out the executor.
 * @param opts the options (NULL: all defaults).
 * @return 0; MP_EINVAL for NULL out, a negative max_workers or
 *         max_tasks_per_child, max_tasks_per_child with a fork context,
 *         a bad task_timeout (negative or NaN), or an initializer name
 *         not in the task table (MP_ENOTASK); MP_ESTATE before mp_init();
 *         MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_executor_create(mp_executor_t **out, const mp_executor_opts_t *opts);

/** The options of one submit; zero is every field's default. */
typedef struct mp_submit_opts {
    const void *arg; /**< argument bytes (copied); see MP_ARG_I64() */
    size_t arg_len;  /**< their count */
    /** This task's time limit in seconds from when it starts running;
     *  0: the executor's task_timeout; MP_FOREVER: none. */
    double timeout;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_submit_opts_t;

/**
 * @brief Schedule the task called `task` with an argument (Python's
 *        `submit`), with the options of mp_submit_opts_t.
 * @param ex the executor.
 * @param[out] out the task's future; the caller destroys it with
 *             mp_future_destroy() (the task still runs if not done).
 * @param task a name in the task table.
 * @param opts the argument and time limit (NULL: no argument).
 * @return 0; MP_EINVAL for NULL ex, out or task, NULL arg with arg_len > 0,
 *         or a bad timeout; MP_ENOTASK for a name not in the table;
 *         MP_ESHUTDOWN after mp_executor_shutdown(); MP_EBROKEN for a
 *         broken executor (mp_errdetail() gives the first cause);
 *         MP_ECLOSED for a destroyed executor; MP_ENOMEM.
 */
MP_API int mp_executor_submit_with(mp_executor_t *ex, mp_future_t **out, const char *task,
                                   const mp_submit_opts_t *opts);

/** @brief Submit with argument bytes; see mp_executor_submit_with(). */
MP_API int mp_executor_submit(mp_executor_t *ex, mp_future_t **out, const char *task,
                              const void *arg, size_t len);

/** @brief Submit with an int64 argument (mp_task_arg_i64() reads it). */
MP_API int mp_executor_submit_i64(mp_executor_t *ex, mp_future_t **out, const char *task,
                                  int64_t value);

/** @brief Submit with a double argument (mp_task_arg_double() reads it). */
MP_API int mp_executor_submit_double(mp_executor_t *ex, mp_future_t **out, const char *task,
                                     double value);

/** @brief Submit with a string argument (mp_task_arg_str() reads it);
 *         MP_EINVAL for a NULL string. */
MP_API int mp_executor_submit_str(mp_executor_t *ex, mp_future_t **out, const char *task,
                                  const char *value);

/**
 * @brief Stop taking work (Python's `shutdown`).
 *
 * Later submits answer MP_ESHUTDOWN. With `cancel_futures`, every task not
 * yet given to a worker is cancelled. With `wait`, the call returns when
 * every other task has finished and every worker has exited; without it,
 * the workers finish the remaining tasks in the background, and
 * mp_executor_destroy() joins them. A second shutdown is harmless.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED for a destroyed executor;
 *         MP_EINTR (mp_set_interruptible()) when a signal interrupted the
 *         wait: the executor is shut down, and its workers still run.
 */
MP_API int mp_executor_shutdown(mp_executor_t *ex, bool wait, bool cancel_futures);

/**
 * @brief Shut down (waiting, cancelling nothing), join every worker and
 *        free the executor. Futures stay valid (all done); NULL-safe.
 */
MP_API void mp_executor_destroy(mp_executor_t *ex);

/** What an executor has done, for tests and monitoring. */
typedef struct mp_executor_stats {
    uint64_t workers_started; /**< worker starts, replacements included */
    uint64_t workers_alive;   /**< workers running now */
    uint64_t worker_deaths;   /**< workers that died (crashed, killed from outside,
                                   or killed by the executor for a time limit or an
                                   abort) */
    uint64_t workers_retired; /**< workers replaced after max_tasks_per_child */
    uint64_t tasks_done;      /**< tasks that finished (succeeded or failed) */
    uint64_t tasks_requeued;  /**< tasks moved from a dead worker to another */
} mp_executor_stats_t;

/**
 * @brief Counters of the executor's life so far.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED.
 */
MP_API int mp_executor_stats(mp_executor_t *ex, mp_executor_stats_t *out);

/**
 * @brief The pids of the worker processes alive now (none for threads).
 * @param ex the executor.
 * @param pids room for `cap` pids (may be NULL when cap is 0).
 * @param cap its size.
 * @param[out] count the number of workers (may exceed cap: then the first
 *             `cap` are written).
 * @return 0; MP_EINVAL for NULL ex or count, or NULL pids with cap > 0;
 *         MP_ECLOSED.
 */
MP_API int mp_executor_worker_pids(mp_executor_t *ex, mp_pid_t *pids, size_t cap, size_t *count);

/* ---- futures --------------------------------------------------------- */

/**
 * @brief Wait for the task and give its result bytes (Python's `result`).
 * @param f the future.
 * @param timeout seconds to wait (MP_FOREVER, 0 to poll).
 * @param[out] data the result bytes, owned by the future (valid until it
 *             is destroyed); NULL for an empty result. May be NULL.
 * @param[out] len their count. May be NULL.
 * @return 0; MP_ETIMEDOUT when the task is not done in time (it goes on);
 *         MP_ETASK when the task failed: mp_future_error() says how
 *         (the task's own code, MP_EWORKERDIED, MP_ETIMEDOUT for its time
 *         limit, MP_EBROKEN); MP_ECANCELLED when it was cancelled or
 *         aborted; MP_EINVAL for NULL f or a bad timeout; MP_ECLOSED for a
 *         destroyed future; MP_EINTR (mp_set_interruptible()); MP_ESTATE
 *         for a wait from a done callback of the same executor (see
 *         mp_future_add_done_callback()).
 */
MP_API int mp_future_result(mp_future_t *f, double timeout, const void **data, size_t *len);

/** @brief The result as an int64 (mp_task_return_i64()); as
 *         mp_future_result(), and MP_EINVAL for a result of another size. */
MP_API int mp_future_result_i64(mp_future_t *f, double timeout, int64_t *out);

/** @brief The result as a double; see mp_future_result_i64(). */
MP_API int mp_future_result_double(mp_future_t *f, double timeout, double *out);

/** @brief The result as a string (mp_task_return_str()), owned by the
 *         future; MP_EINVAL for bytes that do not end in NUL. */
MP_API int mp_future_result_str(mp_future_t *f, double timeout, const char **out);

/**
 * @brief Wait for the task and say how it failed (Python's `exception`).
 * @param f the future.
 * @param timeout seconds to wait.
 * @param[out] code the task's error code, 0 when it succeeded. May be NULL.
 *             MP_EWORKERDIED: its worker died while running it;
 *             MP_ETIMEDOUT: it ran past its time limit; MP_EBROKEN: the
 *             executor broke before it ran; MP_ENOTASK: no such task in
 *             the worker; MP_ETASK: the task returned a positive exit
 *             code (the message names it, as SystemExit fails a Python
 *             future); anything else: the code the task failed with.
 * @param[out] message the error message (owned by the future), "" when it
 *             succeeded. May be NULL.
 * @return 0 (the task finished, well or not); MP_ECANCELLED; MP_ETIMEDOUT;
 *         MP_EINVAL; MP_ECLOSED; MP_EINTR, as mp_future_result().
 */
MP_API int mp_future_error(mp_future_t *f, double timeout, int *code, const char **message);

/**
 * @brief Which worker ran the task, and how that worker ended if it died
 *        running it.
 * @param f the future.
 * @param[out] pid the worker's pid (0 for a thread executor, or a task not
 *             yet started). May be NULL.
 * @param[out] exitcode the dead worker's exit code (negative: the signal
 *             that killed it); 0 when it did not die. May be NULL.
 * @return 0; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_future_worker(mp_future_t *f, mp_pid_t *pid, int *exitcode);

/** @brief 1 if the future is done (finished, failed or cancelled), 0 if
 *         not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_future_is_done(mp_future_t *f);

/** @brief 1 if the task is running (given to a worker, not done), else 0;
 *         MP_EINVAL; MP_ECLOSED. */
MP_API int mp_future_is_running(mp_future_t *f);

/** @brief 1 if the future was cancelled or aborted, else 0; MP_EINVAL;
 *         MP_ECLOSED. */
MP_API int mp_future_is_cancelled(mp_future_t *f);

/**
 * @brief Cancel a task that has not started (Python's `cancel`).
 * @return 1 if the future is now cancelled (it was pending, or already
 *         cancelled); 0 if it is running or finished (left alone);
 *         MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_future_cancel(mp_future_t *f);

/**
 * @brief Cancel a task even if it is running: a running task's worker is
 *        killed (and replaced), and the future fails with MP_ECANCELLED.
 *        On a thread executor the future is cancelled at once and its
 *        thread finishes the task in the background.
 * @return 1 if the future is now cancelled; 0 if it had finished already;
 *         MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_future_abort(mp_future_t *f);

/** A done callback: the future, and the argument given with it. */
typedef void (*mp_future_callback_fn)(mp_future_t *f, void *arg);

/**
 * @brief Call `fn(f, arg)` exactly once when the future is done (Python's
 *        `add_done_callback`); at once, in the calling thread, if it is
 *        done already.
 *
 * Otherwise the callback runs in the thread that sees the task finish: the
 * executor's own collector thread, or a thread of the program that is
 * waiting on a future of this executor (mp_future_result() and friends),
 * or the thread that cancels it. Callbacks run in the order they were
 * added, with no lock of the library held: one may call
 * mp_future_result(f, 0, ...) and submit more work, and must not destroy
 * `f`. A callback that runs while its thread reads the answers of a
 * process executor cannot wait for another task of that executor (nobody
 * else would read its answer): such a wait answers MP_ESTATE at once
 * instead of hanging. A destroyed future's callbacks that have not run
 * never run.
 * @return 0; MP_EINVAL for NULL f or fn; MP_ECLOSED; MP_ENOMEM.
 */
MP_API int mp_future_add_done_callback(mp_future_t *f, mp_future_callback_fn fn, void *arg);

/**
 * @brief Release the caller's future. A task not done yet still runs (its
 *        outcome is dropped). NULL-safe; harmless on a destroyed handle.
 */
MP_API void mp_future_destroy(mp_future_t *f);

/* ---- waiting on many futures ---------------------------------------- */

/** When mp_futures_wait() returns (Python's `return_when`). */
typedef enum mp_return_when {
    MP_ALL_COMPLETED = 0,   /**< when every future is done */
    MP_FIRST_COMPLETED = 1, /**< when any future is done */
    MP_FIRST_EXCEPTION = 2  /**< when any fails, or else all are done */
} mp_return_when_t;

/**
 * @brief Wait on futures of any executors (Python's `wait`).
 * @param futures the futures (a future given twice counts once).
 * @param n their count.
 * @param timeout seconds to wait; on time-out the call returns what is done.
 * @param when the condition (see mp_return_when_t).
 * @param[out] done n flags, 1 for each future done (may be NULL).
 * @return the number of distinct done futures (>= 0); MP_EINVAL for NULL
 *         futures with n > 0, a bad timeout or `when`; MP_ECLOSED for a
 *         destroyed future; MP_EINTR.
 */
MP_API int mp_futures_wait(mp_future_t *const *futures, size_t n, double timeout,
                           mp_return_when_t when, unsigned char *done);

/**
 * @brief An iterator that yields each of `futures` once, as it finishes
 *        (Python's `as_completed`); futures already done come first.
 * @param[out] out the iterator.
 * @param futures the futures (borrowed: they must outlive the iterator; a
 *        future given twice is yielded once).
 * @param n their count.
 * @param timeout seconds for the whole iteration, from this call.
 * @return 0; MP_EINVAL for NULL out, NULL futures with n > 0 or a bad
 *         timeout; MP_ECLOSED for a destroyed future; MP_ENOMEM.
 */
MP_API int mp_as_completed_create(mp_as_completed_t **out, mp_future_t *const *futures, size_t n,
                                  double timeout);

/** The options of mp_as_completed_create_with(); zero is every field's
 *  default. */
typedef struct mp_as_completed_opts {
    /** Seconds for the whole iteration, from the create: a next() past it
     *  answers MP_ETIMEDOUT. 0 (the default) or MP_FOREVER: no limit (a
     *  limit on the whole iteration, as a map's timeout; the short form's
     *  0 polls). */
    double timeout;
    /** Called as each future is yielded by mp_as_completed_next(), in
     *  that thread (progress.h: `done` counts the futures yielded, `first`
     *  is the future's index in `futures`, times before the create are
     *  negative); NULL (the default): none. */
    mp_progress_fn progress;
    void *progress_arg;                  /**< given to it (borrowed) */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_as_completed_opts_t;

/**
 * @brief mp_as_completed_create() with options: a timeout for the whole
 *        iteration and a progress callback.
 * @param[out] out the iterator.
 * @param futures the futures (borrowed, as mp_as_completed_create()).
 * @param n their count.
 * @param opts the options (NULL: no limit, no progress).
 * @return 0; MP_EINVAL for NULL out, NULL futures with n > 0 or a bad
 *         timeout (negative or NaN); MP_ECLOSED for a destroyed future;
 *         MP_ENOMEM.
 */
MP_API int mp_as_completed_create_with(mp_as_completed_t **out, mp_future_t *const *futures,
                                       size_t n, const mp_as_completed_opts_t *opts);

/**
 * @brief The next future to finish.
 * @param it the iterator.
 * @param[out] out the future, or NULL when every future has been yielded.
 * @return 0; MP_ETIMEDOUT when the iteration's time ran out first
 *         (mp_errdetail() says "2 (of 4) futures unfinished"); MP_EINVAL;
 *         MP_ECLOSED; MP_EINTR.
 */
MP_API int mp_as_completed_next(mp_as_completed_t *it, mp_future_t **out);

/** @brief Free the iterator (not the futures). NULL-safe. */
MP_API void mp_as_completed_destroy(mp_as_completed_t *it);

/* ---- map ------------------------------------------------------------- */

/** The options of mp_executor_map(); zero is every field's default. */
typedef struct mp_map_opts {
    /** Arguments per message to a worker; 0: chosen for the work (about
     *  four messages per worker, at most 1024 arguments in one). Results
     *  of one message travel together: a worker that dies in the middle of
     *  a message's arguments has the earlier ones computed again. */
    size_t chunksize;
    /** Seconds for the whole map from this call (Python's `timeout`):
     *  mp_map_get() of a result not there by then answers MP_ETIMEDOUT.
     *  0 (the default) or MP_FOREVER: no limit. */
    double timeout;
    /** Called as each chunk finishes (progress.h: once per chunk, never
     *  two at a time, `done` rising to n), until mp_map_destroy();
     *  NULL (the default): none. mp_progress_bar draws a bar. */
    mp_progress_fn progress;
    void *progress_arg;                      /**< given to it (borrowed) */
    uint64_t reserved[MP_OPTS_RESERVED - 2]; /**< zero (see types.h) */
} mp_map_opts_t;

/**
 * @brief Run `task` on each of `n` arguments of `arg_size` bytes, laid out
 *        one after another in `args` (Python's `map`); read the results
 *        in order with mp_map_get().
 * @param ex the executor.
 * @param[out] out the map; destroy it with mp_map_destroy().
 * @param task a name in the task table.
 * @param args the arguments (copied); may be NULL when n or arg_size is 0.
 * @param arg_size the size of one argument (0: every task gets no bytes).
 * @param n the number of arguments.
 * @param opts chunksize and timeout (NULL: defaults).
 * @return 0; MP_EINVAL for NULL ex, out or task, NULL args with
 *         n * arg_size > 0, or a bad timeout; MP_ENOTASK; MP_ESHUTDOWN;
 *         MP_EBROKEN; MP_ECLOSED; MP_ENOMEM.
 */
MP_API int mp_executor_map(mp_executor_t *ex, mp_map_t **out, const char *task, const void *args,
                           size_t arg_size, size_t n, const mp_map_opts_t *opts);

/**
 * @brief Wait for result `i` of a map (waiting at most until the map's own
 *        deadline).
 * @param m the map.
 * @param i the argument's index.
 * @param[out] data the result bytes, owned by the map. May be NULL.
 * @param[out] len their count. May be NULL.
 * @return 0; MP_ETASK when that task failed (mp_map_error() says how);
 *         MP_ETIMEDOUT when the map's timeout passed first; MP_ECANCELLED
 *         when shutdown cancelled it; MP_EINVAL for NULL m or i >= n;
 *         MP_ECLOSED; MP_EINTR.
 */
MP_API int mp_map_get(mp_map_t *m, size_t i, const void **data, size_t *len);

/** @brief Result `i` as an int64; see mp_map_get(). */
MP_API int mp_map_get_i64(mp_map_t *m, size_t i, int64_t *out);

/**
 * @brief How task `i` of a map failed (after mp_map_get() said MP_ETASK).
 * @param m the map.
 * @param i the argument's index.
 * @param[out] code its code (0: it succeeded or is not done). May be NULL.
 * @param[out] message its message, owned by the map. May be NULL.
 * @return 0; MP_EINVAL for NULL m or i out of range; MP_ECLOSED.
 */
MP_API int mp_map_error(mp_map_t *m, size_t i, int *code, const char **message);

/** @brief The number of arguments of the map; 0 for a bad handle. */
MP_API size_t mp_map_count(mp_map_t *m);

/** @brief Free a map; tasks not done still run, their results dropped.
 *         NULL-safe. */
MP_API void mp_map_destroy(mp_map_t *m);

/**
 * @brief The common case in one call: `out[i] = task(in[i])` for int64s,
 *        waiting for all.
 * @return 0; MP_ETASK for the first task that failed (mp_errdetail() gives
 *         its index, code and message); otherwise as mp_executor_map() and
 *         mp_map_get().
 */
MP_API int mp_executor_map_i64(mp_executor_t *ex, const char *task, const int64_t *in, int64_t *out,
                               size_t n, double timeout);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_EXECUTOR_H */
