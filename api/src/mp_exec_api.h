/**
 * @file mp_exec_api.h
 * @brief What the public faces of the worker-pool core share: the objects
 *        behind executor, future, map and as-completed handles
 *        (executor.c, future.c, future_wait.c, exec_map.c).
 */
#ifndef MP_EXEC_API_H
#define MP_EXEC_API_H

#include "mp_executor.h"

/** The object behind an mp_executor_t handle. */
typedef struct mp__executor {
    mp__object_t obj;
    mp__pool_t *pool;
} mp__executor_t;

/** The object behind an mp_future_t handle: one job of one argument. */
typedef struct mp__future {
    mp__object_t obj;
    mp__job_t *job; /**< a reference of its own */
} mp__future_t;

extern const mp__kind_t mp__kind_executor, mp__kind_future, mp__kind_map, mp__kind_as_completed;

/**
 * @brief Check an executor's options and copy what the core keeps into
 *        `out` (the strings and bytes it owns); `fn` names the caller.
 * @return 0; MP_EINVAL; MP_ENOTASK; MP_ENOMEM.
 */
int mp__executor_options(const mp_executor_opts_t *o, mp__pool_options_t *out, const char *fn);

/** @brief Open an executor handle in place (mp__object_open()). */
int mp__executor_open(mp_executor_t **ex, const char *fn);

/** @brief Open a future handle in place; its job in `*job`. */
int mp__future_open(mp_future_t *f, mp__job_t **job, const char *fn);

/** @brief A future handle for `job` (it takes a reference of its own). */
int mp__future_new(mp__job_t *job, mp_future_t **out);

/**
 * @brief A task's time limit from an option: 0 is `fallback`, MP_FOREVER
 *        (or more than a century) is INFINITY.
 * @return 0; MP_EINVAL for a negative or NaN limit.
 */
int mp__limit_seconds(double limit, double fallback, const char *fn, double *out);

/**
 * @brief Wait until `ready(ctx)` or the deadline, for jobs of `pool` (NULL:
 *        of several pools, or none left to wait for).
 * @return 0; MP_ETIMEDOUT; MP_EINTR.
 */
int mp__jobs_wait(mp__pool_t *pool, bool (*ready)(void *), void *ctx, double deadline);

/** @brief Open the handle of a job's owner and wait for the job, for the
 *         readers of outcomes (futures, maps). */
int mp__job_wait(mp__job_t *job, double deadline);

#endif /* MP_EXEC_API_H */
