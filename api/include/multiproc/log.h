/**
 * @file multiproc/log.h
 * @brief The library's log, in the spirit of Python's
 *        `multiprocessing.log_to_stderr()`: what the runtime and the worker
 *        pools do (a worker started, exited, crashed, was replaced or
 *        killed for a time limit, a pool shut down or broke, and at DEBUG
 *        each finished job's timing), one line per event.
 *
 * Off by default. `mp_log_to_stderr(level)` turns it on, and so does the
 * environment variable `MP_LOG_LEVEL` (`debug`, `info`, `warning`, `error`,
 * or a number), read by mp_init(). Each line is
 *
 *     [2026-12-07T19:44:37.123Z 12345 INFO/Process-3] worker Process-3 ...
 *
 * the time (UTC, milliseconds), the pid, the level and the process's name
 * (mp_current_process(): "MainProcess", a child's name) and the message,
 * like Python's `[INFO/ForkPoolWorker-1]` with the time and pid added. A
 * line is written whole with one write to stderr (POSIX: one write(2) of at
 * most MP_LOG_LINE_MAX bytes, which a pipe never interleaves with another
 * process's line), or handed whole to the program's own handler
 * (mp_log_set_handler()).
 *
 * Children take their parent's level when they start, under every start
 * method (fork, spawn, forkserver: it travels in the child's bootstrap
 * record, so a level set after the fork server started reaches its
 * children too); a child then writes to its own stderr unless it sets a
 * handler of its own (a fork child keeps its parent's handler, being a copy
 * of it). The level is process-wide and may be changed at any time from any
 * thread; checking whether a level is on costs one relaxed atomic load.
 */
#ifndef MULTIPROC_LOG_H
#define MULTIPROC_LOG_H

#include <multiproc/export.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Levels, Python's numbers: a line is written when its level is at least
 *  the log's level. */
typedef enum mp_log_level {
    MP_LOG_OFF = 0,         /**< as a level to set: nothing is written */
    MP_LOG_SUBDEBUG = 5,    /**< multiprocessing's SUBDEBUG */
    MP_LOG_DEBUG = 10,      /**< each finished job's timing, children's own lifecycle */
    MP_LOG_INFO = 20,       /**< workers started, exited, replaced; shutdowns */
    MP_LOG_SUBWARNING = 25, /**< multiprocessing's SUBWARNING */
    MP_LOG_WARNING = 30,    /**< a worker crashed, a task ran past its time limit */
    MP_LOG_ERROR = 40,      /**< a pool broke */
    MP_LOG_CRITICAL = 50    /**< the highest level */
} mp_log_level_t;

/** The longest line, newline included; a longer message is cut, ending
 *  with "...". */
#define MP_LOG_LINE_MAX 1024

/**
 * A program's own sink for log lines (mp_log_set_handler()).
 * @param level the line's level.
 * @param line the whole line as it would be written to stderr, without its
 *        newline, NUL-ended; valid during the call only.
 * @param arg the handler's argument.
 * Called from whichever thread logs (the library's own threads included),
 * possibly from several at once, with no lock of the library held; it must
 * not call mp_log_set_handler().
 */
typedef void (*mp_log_handler_fn)(int level, const char *line, void *arg);

/**
 * @brief Turn the log on, written to stderr (Python's `log_to_stderr()`).
 * @param level the level (MP_LOG_DEBUG...); MP_LOG_OFF keeps the level
 *        already set, or MP_LOG_WARNING when the log was off (Python's
 *        default).
 * @return 0; MP_EINVAL for a level outside [0, MP_LOG_CRITICAL]. A handler
 *         set before is dropped: lines go to stderr again.
 */
MP_API int mp_log_to_stderr(int level);

/**
 * @brief Set the level without changing where lines go.
 * @param level MP_LOG_OFF turns the log off; any number up to
 *        MP_LOG_CRITICAL (between the named ones too, as in Python).
 * @return 0; MP_EINVAL for a level outside [0, MP_LOG_CRITICAL].
 */
MP_API int mp_log_set_level(int level);

/** @brief The level now: MP_LOG_OFF (0) while the log is off. */
MP_API int mp_log_get_level(void);

/**
 * @brief Send lines to `fn` instead of stderr (a line at a time), from now
 *        on; the level is left as it is (turn the log on with
 *        mp_log_set_level()). mp_log_to_stderr() goes back to stderr.
 * @param fn the handler; must stay callable while the log is on.
 * @param arg given to every call (may be NULL).
 * @return 0; MP_EINVAL for a NULL `fn`.
 */
MP_API int mp_log_set_handler(mp_log_handler_fn fn, void *arg);

/**
 * @brief A level by name, as `MP_LOG_LEVEL` is read: "subdebug", "debug",
 *        "info", "subwarning", "warning", "error", "critical" (any case),
 *        "off", or a number from 0 to MP_LOG_CRITICAL.
 * @param name the name.
 * @param[out] level the level.
 * @return 0; MP_EINVAL for NULL or an unknown name (the detail says which).
 */
MP_API int mp_log_level_from_name(const char *name, int *level);

/**
 * @brief A level's name as lines show it ("INFO"), "Level N" for a number
 *        between the named levels (as Python's), "OFF" for 0. Never NULL;
 *        a static string, or "Level N" in a per-thread buffer.
 */
MP_API const char *mp_log_level_name(int level);

/**
 * @brief Write one line to the log at `level`, from the program (Python's
 *        `get_logger().info(...)`): nothing happens when the level is below
 *        the log's. printf format; a trailing newline is not needed.
 */
MP_API void mp_log(int level, const char *fmt, ...) MP_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_LOG_H */
