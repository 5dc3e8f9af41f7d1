/**
 * @file multiproc/manager_pool.h
 * @brief A process pool held by a manager's server (Python's
 *        `manager.Pool(n)`), used through a proxy: apply, map, starmap,
 *        close, terminate, join.
 *
 * The pool (pool.h's mp_pool_t) lives in the manager's server, and its
 * workers are the server's children. The server has a thread per client,
 * and the library refuses to fork a process with other threads
 * (MP_EUNSAFEFORK), so the pool's workers always start with the **spawn**
 * method, whatever the manager's own start method. Tasks are looked up by
 * name in the task table of the server, which is the same program.
 *
 * Arguments and results travel as bytes values (MP_VAR_BYTES, made with
 * mp_var_bytes()): the argument of a task is the bytes it reads with
 * mp_task_arg(), its result the bytes it gave mp_task_return().
 *
 * A call lasts as long as its tasks, and the server goes on serving every
 * other client (and other calls on the same pool) meanwhile. A client that
 * hangs up in the middle of a call abandons it (its tasks run on, their
 * results dropped); when the manager shuts down, a call in progress fails
 * with MP_ESHUTDOWN and the pool is terminated (its workers killed).
 *
 * Bad input, for every function: a NULL proxy or out-pointer is MP_EINVAL,
 * a destroyed proxy MP_ECLOSED, a proxy of another kind MP_EINVAL, a
 * negative or NaN timeout MP_EINVAL (see MP_FOREVER); a server that is
 * gone gives MP_EBROKEN.
 *
 * | Python (`manager.Pool`)          | multiproc                        |
 * |----------------------------------|----------------------------------|
 * | `m.Pool(n)`                      | mp_manager_pool()                |
 * | `p.apply(f, (x,))`               | mp_mpool_apply()                 |
 * | `p.map(f, xs)`                   | mp_mpool_map()                   |
 * | `p.starmap(f, [(a, b), ...])`    | mp_mpool_starmap()               |
 * | `p.close()`, `terminate()`, `join()` | mp_mpool_close(), mp_mpool_terminate(), mp_mpool_join() |
 * | `with m.Pool(n) as p:`           | mp_mpool_terminate() then mp_proxy_destroy() |
 */
#ifndef MULTIPROC_MANAGER_POOL_H
#define MULTIPROC_MANAGER_POOL_H

#include <multiproc/export.h>
#include <multiproc/manager.h>
#include <multiproc/var.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Make a pool of `workers` processes on the manager's server and a
 *        proxy for it; returns once its workers are started.
 * @param m the manager.
 * @param workers the number of worker processes (spawned; see above).
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL for NULL m or out, 0 workers (from the server,
 *         Python's ValueError through RemoteError) or more than INT32_MAX;
 *         MP_ECLOSED; MP_EBROKEN;
 *         the pool's own codes (MP_ENOMEM, MP_ESYS) with the server's
 *         message.
 */
MP_API int mp_manager_pool(mp_manager_t *m, unsigned workers, mp_proxy_t **out);

/**
 * @brief Run `task` on one argument in a worker and wait (Python's
 *        `apply`).
 * @param p the pool's proxy.
 * @param task a name in the task table.
 * @param arg the argument: an MP_VAR_BYTES value (NULL: no argument).
 * @param[out] result the task's result bytes, an MP_VAR_BYTES value, the
 *        caller's to mp_var_free().
 * @param timeout how long to wait for it (MP_FOREVER, 0 polls, seconds);
 *        past it the call fails and the task runs on, its result dropped.
 * @return 0; MP_ETASK when the task failed (mp_errdetail() has its
 *         message); MP_ENOTASK for a task not in the table; MP_ESTATE once
 *         the pool is closed or terminated; MP_ETIMEDOUT; MP_EINVAL for
 *         NULL task or result, or an argument that is not bytes;
 *         MP_ESHUTDOWN when the manager shuts down meanwhile; as above.
 */
MP_API int mp_mpool_apply(mp_proxy_t *p, const char *task, const mp_var_t *arg, mp_var_t **result,
                          double timeout);

/**
 * @brief Run `task` on every argument and wait for all (Python's `map`).
 * @param p the pool's proxy.
 * @param task a name in the task table.
 * @param args a list of MP_VAR_BYTES values, one per task.
 * @param[out] results a list of MP_VAR_BYTES values, one per task in the
 *        order of `args`, the caller's to mp_var_free().
 * @param timeout how long to wait for all (as mp_mpool_apply()).
 * @return 0; MP_ETASK when a task failed (mp_errdetail() names the first
 *         by index, with its message; nothing is written); MP_EINVAL for
 *         NULL args, task or results, args not a list or an element not
 *         bytes; otherwise as mp_mpool_apply().
 */
MP_API int mp_mpool_map(mp_proxy_t *p, const char *task, const mp_var_t *args, mp_var_t **results,
                        double timeout);

/**
 * @brief Run `task` on tuples of arguments and wait for all (Python's
 *        `starmap`); the task reads them with mp_task_arg_count() and
 *        mp_task_arg_at().
 * @param p the pool's proxy.
 * @param task a name in the task table.
 * @param args a list of lists of MP_VAR_BYTES values, all of one length
 *        (pool.h's starmap takes tuples of one size).
 * @param[out] results as mp_mpool_map().
 * @param timeout as mp_mpool_apply().
 * @return as mp_mpool_map(); MP_EINVAL also for tuples of different
 *         lengths or an element that is not a list of bytes.
 */
MP_API int mp_mpool_starmap(mp_proxy_t *p, const char *task, const mp_var_t *args,
                            mp_var_t **results, double timeout);

/**
 * @brief Take no more work (Python's `close`); work already given runs to
 *        its end. Another apply or map is then MP_ESTATE.
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mpool_close(mp_proxy_t *p);

/**
 * @brief Stop at once (Python's `terminate`): every task not finished
 *        fails (a map waiting for it gets MP_ETASK), the workers are
 *        killed and reaped.
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mpool_terminate(mp_proxy_t *p);

/**
 * @brief Wait for the workers to exit after mp_mpool_close() or
 *        mp_mpool_terminate() (Python's `join`).
 * @param p the pool's proxy.
 * @param timeout how long to wait (MP_FOREVER, 0 polls, seconds).
 * @return 0; MP_ESTATE while the pool is still running; MP_ETIMEDOUT;
 *         MP_ESHUTDOWN; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mpool_join(mp_proxy_t *p, double timeout);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_MANAGER_POOL_H */
