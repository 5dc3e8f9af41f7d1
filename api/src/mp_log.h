/**
 * @file mp_log.h
 * @brief The library's side of the log (multiproc/log.h): whether a level
 *        is on, and writing a line. A hook in the runtime or the pools is
 *        one line:
 *
 *            if (mp__log_on(MP_LOG_INFO))
 *                mp__log(MP_LOG_INFO, "worker %s started", name);
 *
 *        The check is one relaxed atomic load, so hooks can sit on hot
 *        paths; the formatting and the write happen only when the level is
 *        on.
 */
#ifndef MP_LOG_H
#define MP_LOG_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <multiproc/log.h>

/** The lowest level written now; INT_MAX while the log is off. */
extern _Atomic int mp__log_threshold;

/** @brief Whether a line at `level` would be written. */
static inline bool mp__log_on(int level)
{
    return level >= atomic_load_explicit(&mp__log_threshold, memory_order_relaxed);
}

/**
 * @brief Write one line at `level` (when it is on): the header (time, pid,
 *        level, process name), the message, a newline, in one write or one
 *        handler call. Any thread, any lock held (it takes none but for
 *        reading the handler); never fails.
 */
void mp__log(int level, const char *fmt, ...) MP_PRINTF(2, 3);

/** @brief In mp_init(): take the level from MP_LOG_LEVEL, if it is set (a
 *         value that is not a level is reported on stderr and ignored). */
void mp__log_from_env(void);

#endif /* MP_LOG_H */
