/**
 * @file mp_exec_log.h
 * @brief The worker-pool core's log lines (mp_log.h) that take more than a
 *        format: each is called from a one-line hook in the pool's code,
 *        behind an mp__log_on() check where the event is frequent.
 */
#ifndef MP_EXEC_LOG_H
#define MP_EXEC_LOG_H

#include "mp_executor.h"
#include "mp_log.h"

/** @brief DEBUG: a finished job's timing, "task 'x' (n args) queued Q ms,
 *         ran R ms on worker pid P", and how many of its arguments failed.
 *         Outside any lock (mp__jobs_complete()). */
void mp__log_job_done(const mp__job_t *job);

/** @brief Under the pool's mutex: a worker process was reaped: INFO for a
 *         clean exit (retired or stopped) or a kill by the pool's
 *         terminate, WARNING for a death. Checks the level itself (a reap
 *         is rare). */
void mp__log_worker_end(const mp__pool_t *pool, const mp__worker_t *w, int exitcode, bool ready);

/** @brief WARNING, under the pool's mutex: `job`, running on worker `pid`,
 *         ran past its time limit; its worker is being killed. */
void mp__log_job_overdue(const mp__job_t *job, mp_pid_t pid);

#endif /* MP_EXEC_LOG_H */
