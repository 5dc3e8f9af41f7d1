/**
 * @file multiproc/runtime.h
 * @brief Initialisation, the current and parent process, children, CPUs.
 */
#ifndef MULTIPROC_RUNTIME_H
#define MULTIPROC_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/export.h>
#include <multiproc/process.h>
#include <multiproc/task.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Initialise multiproc; call it first in `main`, like `MPI_Init`.
 *
 * In the program's own (main) process it records the task table and returns.
 * In a child started by spawn or forkserver (the same executable, started
 * with a marker argument) it never returns: it reads the bootstrap record,
 * runs the named task and exits, so a child never re-runs the code of `main`.
 * The same holds for the fork server process.
 *
 * @param argc,argv `main`'s own; a marker argument is removed (may be NULL).
 * @param tasks the task table, ended by MP_TASK_END; it must stay valid for
 *        the life of the process (a static array).
 * @return 0; MP_EINVAL for NULL tasks or a table with a NULL or duplicate
 *         name; MP_ESTATE when called twice; MP_ESYS.
 */
MP_API int mp_init(int *argc, char ***argv, const mp_task_def_t *tasks);

/** What a process knows about itself or its parent. */
typedef struct mp_process_info {
    mp_pid_t pid;             /**< its pid */
    const char *name;         /**< "MainProcess" in the main process */
    bool daemon;              /**< its daemon flag */
    const char *start_method; /**< how it was started; NULL in the main process */
} mp_process_info_t;

/**
 * @brief The current process (Python's `current_process()`).
 * @param[out] info filled with static strings.
 * @return 0; MP_EINVAL for NULL.
 */
MP_API int mp_current_process(mp_process_info_t *info);

/**
 * @brief The parent of the current process (Python's `parent_process()`).
 * @return 0; MP_ENOENT in the main process (Python's None); MP_EINVAL.
 */
MP_API int mp_parent_process(mp_process_info_t *info);

/**
 * @brief Wait for the parent to end (Python's `parent_process().join(t)`).
 * @param timeout seconds (see MP_FOREVER).
 * @return 0 once the parent has ended; MP_ETIMEDOUT while it lives;
 *         MP_ENOENT in the main process; MP_EINVAL for a bad timeout.
 */
MP_API int mp_parent_join(double timeout);

/**
 * @brief Whether the parent is alive (Python's `parent_process().is_alive()`).
 * @return 1 or 0; MP_ENOENT in the main process.
 */
MP_API int mp_parent_is_alive(void);

/**
 * @brief The started children of this process that are still running
 *        (Python's `active_children()`); ended ones are reaped on the way.
 * @param[out] out room for `cap` handles (may be NULL when cap is 0).
 * @param cap its size.
 * @param[out] count how many are running (may exceed cap: then only cap
 *        were stored).
 * @return 0; MP_EINVAL for NULL count, or NULL out with cap > 0.
 */
MP_API int mp_active_children(mp_process_t **out, size_t cap, size_t *count);

/**
 * @brief The CPUs this process may use: its affinity mask, capped by a
 *        cgroup CPU quota (v1 or v2), overridden by `MP_CPU_COUNT` when set
 *        to a positive integer. Always >= 1.
 */
MP_API int mp_cpu_count(void);

/** What a fork-method start does when the parent has other threads. */
typedef enum mp_fork_policy {
    MP_FORK_WARN = 0, /**< print a warning to stderr once, then fork (Python's behaviour) */
    MP_FORK_REFUSE,   /**< fail with MP_EUNSAFEFORK (Python with warnings as errors) */
    MP_FORK_ALLOW     /**< fork silently */
} mp_fork_policy_t;

/**
 * @brief Set the multi-threaded fork policy (also `MP_FORK_POLICY` =
 *        warn|refuse|allow in the environment).
 * @return 0; MP_EINVAL for a value outside the enum.
 */
MP_API int mp_set_fork_policy(mp_fork_policy_t policy);

/**
 * @brief Choose what a blocking call does when a signal handler runs while
 *        it waits (Python raises KeyboardInterrupt from the wait).
 *
 * Off (the default), every blocking call resumes its wait after a signal
 * handler ran and keeps its deadline. On, a blocking call whose wait is
 * interrupted by a signal handler returns MP_EINTR instead: lock, RLock,
 * semaphore, condition, event and barrier waits, mp_process_join() and the
 * other child waits, connection sends and receives (with a timeout or
 * MP_FOREVER), and listeners' waits. What a call interrupted that way
 * leaves behind: a lock or semaphore was not taken; a condition wait holds
 * the lock again, as after a timeout; a barrier wait breaks the barrier (as
 * Python's does on any exception); a send cut part-way closes its end, as
 * a timeout does (the peer never reads half a message); a receive with a
 * timeout keeps what it read for the next call, as after a timeout.
 *
 * The setting is process-wide, read at each wait; a fork child inherits it
 * (with the parent's handlers), a spawned child starts with the default.
 *
 * POSIX: the interruption is the system call's EINTR, which Linux gives
 * only for a handler installed without SA_RESTART (as Python installs its
 * own); with SA_RESTART the kernel resumes the wait by itself and the call
 * goes on. A signal that arrives while the thread is not asleep in the
 * kernel (while it spins, or between two sleeps) is not seen by that wait.
 * Which thread a process-directed signal interrupts is the kernel's choice:
 * block the signal in other threads to direct it. Windows: signals never
 * interrupt a wait (a console Ctrl+C handler runs on a thread of its own),
 * so the setting is accepted and changes nothing.
 *
 * @param on true: return MP_EINTR; false: resume (the default).
 * @return the previous setting, 1 or 0.
 */
MP_API int mp_set_interruptible(bool on);

/**
 * @brief Register a function to run when a child process ends normally,
 *        under every start method. C's own atexit() handlers of the parent do
 *        not run in fork children (their stdio buffers would be flushed
 *        twice); use this instead. At most 32 per process.
 * @return 0; MP_EINVAL for NULL; MP_ENOMEM when the table is full.
 */
MP_API int mp_atexit(void (*fn)(void));

/**
 * @brief Free memory that multiproc handed to the caller (a message from
 *        mp_connection_recv_alloc(), and every later "free it with
 *        mp_free()"). NULL-safe.
 */
MP_API void mp_free(void *memory);

/** @brief multiproc's version, "MAJOR.MINOR.PATCH". */
MP_API const char *mp_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_RUNTIME_H */
