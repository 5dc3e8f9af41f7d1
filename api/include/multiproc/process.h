/**
 * @file multiproc/process.h
 * @brief Processes: create, start, join, terminate, inspect.
 *
 * The counterpart of Python's `multiprocessing.Process`. A process runs one
 * task from the task table (see multiproc/task.h) with argument bytes, and
 * hands back an exit code, result bytes and, if the task failed, an error.
 *
 * Exit codes follow Python: 0 for success, 1 for a failed task, n for a task
 * that returned n > 0, and `-signal` for a process killed by a signal. On
 * Windows, terminate and kill are TerminateProcess and read as -SIGTERM (as
 * in Python), and a crash reads as the POSIX signal it matches (an access
 * violation as -SIGSEGV).
 *
 * Under forkserver a child is forked by the fork server, yet it stays
 * this process's child in every respect: should the server die (killed,
 * crashed), the child runs on, mp_process_join() and mp_process_is_alive()
 * follow it, mp_process_kill() reaches it, and its true exit code is read,
 * and the next start makes a new server. On Linux this rests on two kernel
 * facilities: a pidfd of every child (5.3+), and making this process a
 * child subreaper (prctl(PR_SET_CHILD_SUBREAPER), 3.4+) when it first
 * starts a fork server, so that the server's orphans are re-parented to
 * this process rather than to init. That attribute is process-wide: from
 * then on EVERY process orphaned below this one comes to it, for instance
 * a daemon that one of its children double-forked, or the children of a
 * child that was killed. Such a process becomes a child of this one
 * (visible to waitpid(-1)) and, once ended, stays a zombie until this
 * process reaps it or exits. A program that must not adopt orphans uses
 * spawn or fork, which change nothing of the kind.
 *
 * Thread safety: one process handle may be used from one thread at a time;
 * different handles from different threads freely.
 */
#ifndef MULTIPROC_PROCESS_H
#define MULTIPROC_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/context.h>
#include <multiproc/export.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A child process. */
typedef struct mp_process mp_process_t;

/**
 * Whether a child is a daemon (Python's `daemon=`).
 *
 * A daemon child is terminated (SIGTERM; Windows: TerminateProcess) when
 * its parent exits normally, by returning from main() or calling exit(), as
 * in Python; a non-daemon child is joined then. A parent that is killed
 * (SIGKILL, a crash) runs nothing, so its children, daemons included,
 * outlive it under every POSIX start method (fork, spawn and forkserver
 * alike): only `exit_with_parent` ends a child whose parent was killed.
 * Windows differs: a daemon child is in the parent's kill-on-close job
 * object, so it ends with its parent however the parent ends.
 */
typedef enum mp_daemon {
    MP_DAEMON_INHERIT = 0, /**< the current process's own flag (Python's default) */
    MP_DAEMON_YES,         /**< terminated when its parent exits normally */
    MP_DAEMON_NO           /**< the parent joins it at exit */
} mp_daemon_t;

/**
 * Options for mp_process_create(); designed for designated initialisers.
 *
 * `exit_with_parent` kills the child (SIGKILL) when its parent process ends,
 * however it ends (Linux: even by SIGKILL; Windows: a job object). It
 * follows the parent process, not the thread that started the child, and,
 * under forkserver, not the fork server. On Linux the child claims the
 * signal SIGRTMAX for the kernel's parent-death notice: its task must
 * neither block it nor change its handler.
 */
typedef struct mp_process_opts {
    const char *task;      /**< name in the task table (required) */
    const void *arg;       /**< argument bytes (copied); see MP_ARG_I64() */
    size_t arg_len;        /**< their count */
    const char *name;      /**< NULL: "Process-N" */
    mp_daemon_t daemon;    /**< default: inherit the current process's flag */
    bool exit_with_parent; /**< kill the child when its parent process ends (see above) */
    mp_context_t *context; /**< start method; NULL: the default context */
    void *const *objects;  /**< shareable objects (locks, values, shared memory...)
                                 the child gets with mp_task_lock() etc.; see MP_OBJECTS() */
    size_t nobjects;       /**< their count */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_process_opts_t;

/**
 * Designated-initialiser fragment giving a child shareable objects:
 * `&(mp_process_opts_t){ .task = "work", MP_OBJECTS(lock, counter) }`; the
 * child gets object i with the getter of its type (mp_task_lock(t, 0, ...)).
 */
#define MP_OBJECTS(...)                      \
    .objects = (void *const[]){__VA_ARGS__}, \
    .nobjects = sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *)

/**
 * @brief Create a process handle (nothing runs until mp_process_start()).
 * @param[out] out the new handle; free it with mp_process_destroy().
 * @param opts options; `opts->task` is required.
 * @return 0; MP_EINVAL for NULL out/opts/task, arg NULL with arg_len > 0,
 *         objects NULL with nobjects > 0, or an object that is not a
 *         multiproc shareable object; MP_ECLOSED for a destroyed object;
 *         MP_ENOTASK when the task table has no such task; MP_ESTATE before
 *         mp_init(); MP_ENOMEM.
 */
MP_API int mp_process_create(mp_process_t **out, const mp_process_opts_t *opts);

/**
 * @brief Start the child with its context's start method.
 *
 * Returns once the child exists and has been given its bootstrap record.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED after mp_process_close();
 *         MP_ESTATE when already started, or when the current process is a
 *         daemon (daemons may not have children, as in Python);
 *         MP_EUNSAFEFORK under fork with other threads alive and the policy
 *         set to refuse; MP_ESYS when the OS refused (see mp_errdetail()).
 */
MP_API int mp_process_start(mp_process_t *p);

/**
 * @brief Wait for the child to end.
 *
 * Its code is about the waiting only, as Python's join() returns None
 * however the child ended: how it ended is read with mp_process_exitcode(),
 * mp_process_result() and mp_process_error().
 * @param p the process.
 * @param timeout seconds (see MP_FOREVER).
 * @return 0 when the child has ended, whatever its outcome; MP_ETIMEDOUT
 *         when it is still running; MP_EINVAL for NULL or a bad timeout;
 *         MP_ECLOSED after close or destroy; MP_ESTATE if never started.
 */
MP_API int mp_process_join(mp_process_t *p, double timeout);

/**
 * @brief Whether the child is running (started and not yet ended).
 * @return 1 alive, 0 not (never started, or ended); MP_EINVAL for NULL;
 *         MP_ECLOSED after close or destroy.
 */
MP_API int mp_process_is_alive(mp_process_t *p);

/**
 * @brief The child's exit code once it has ended.
 * @param p the process.
 * @param[out] code 0, a positive exit status, or `-signal`.
 * @return 0; MP_ESTATE while it runs or before start; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_process_exitcode(mp_process_t *p, int *code);

/**
 * @brief The result bytes the task set with mp_task_return().
 *
 * The outcome of the task is one of three codes, never confused with a
 * failure of this call: 0 the task succeeded; MP_ETASK it failed (it
 * returned a negative code, or could not even start: see
 * mp_process_error() for its own code and message); MP_ECHILD the child
 * died without reporting (killed, crashed, exited behind the library's back).
 * @param p the process.
 * @param[out] data valid until mp_process_close()/mp_process_destroy();
 *             NULL when the task set none or did not succeed.
 * @param[out] len their count (0 when none).
 * @return 0; MP_ETASK; MP_ECHILD; MP_ESTATE before the child has ended;
 *         MP_EINVAL for NULL pointers; MP_ECLOSED.
 */
MP_API int mp_process_result(mp_process_t *p, const void **data, size_t *len);

/**
 * @brief The task's own error, once mp_process_result() said MP_ETASK or
 *        MP_ECHILD.
 * @param p the process.
 * @param[out] code the task's MP_E* code (mp_task_fail() or its negative
 *        return); MP_ENOTASK, MP_EVERSION or MP_EBOOTSTRAP when the child
 *        could not start the task; MP_ECHILD when it died without
 *        reporting; 0 when the task succeeded.
 * @param[out] message its message ("" when none); valid until close; may be NULL.
 * @return 0; MP_ESTATE before the child has ended; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_process_error(mp_process_t *p, int *code, const char **message);

/** @brief Send SIGTERM (Windows: TerminateProcess). See mp_process_kill(). */
MP_API int mp_process_terminate(mp_process_t *p);

/**
 * @brief Send SIGKILL (Windows: TerminateProcess; reads as -SIGTERM, as in
 *        Python).
 * @return 0, also when the child has already ended; MP_ESTATE if never
 *         started; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_process_kill(mp_process_t *p);

/**
 * @brief Send SIGINT (POSIX). The child's default disposition ends it with
 *        exit code -SIGINT.
 * @return as mp_process_kill(); MP_ENOTSUP on Windows.
 */
MP_API int mp_process_interrupt(mp_process_t *p);

/**
 * @brief The child's pid.
 * @return 0; MP_ESTATE before start; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_process_pid(mp_process_t *p, mp_pid_t *pid);

/**
 * @brief A handle that becomes ready (readable) when the child ends; wait on
 *        it with mp_wait() or the platform's own poll/WaitForMultipleObjects.
 *        It stays owned by the process handle.
 * @return 0; MP_ESTATE before start; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_process_sentinel(mp_process_t *p, mp_sentinel_t *out);

/** @brief The process's name; "" for NULL, a closed or destroyed handle. */
MP_API const char *mp_process_name(const mp_process_t *p);

/**
 * @brief Whether the process is (or will be) a daemon.
 * @return 1 or 0; MP_EINVAL for NULL; MP_ECLOSED for a destroyed handle.
 */
MP_API int mp_process_is_daemon(const mp_process_t *p);

/**
 * @brief The start method the process uses ("fork", "spawn", "forkserver").
 * @return a static string; "" for NULL or a destroyed handle.
 */
MP_API const char *mp_process_start_method(const mp_process_t *p);

/**
 * @brief Release the OS resources of an ended process (Python's close()).
 *        Calling it again is fine; afterwards every other call gets MP_ECLOSED.
 * @return 0; MP_ESTATE while the child is still running; MP_EINVAL.
 */
MP_API int mp_process_close(mp_process_t *p);

/**
 * @brief Free the handle. NULL-safe, and harmless on a destroyed handle. A child
 *        that is still running is not killed: it is detached and reaped when
 *        it ends (daemons are still terminated when this process exits).
 *        The handle answers MP_ECLOSED for ever afterwards.
 */
MP_API void mp_process_destroy(mp_process_t *p);

/**
 * @brief Wait until at least one sentinel is ready (Python's
 *        `multiprocessing.connection.wait`).
 * @param sentinels handles from mp_process_sentinel().
 * @param n their count (0 is allowed: then it just sleeps for the timeout).
 * @param timeout seconds (see MP_FOREVER).
 * @param[out] ready n flags, set to 1 for each ready sentinel (may be NULL).
 * @return the number of ready sentinels (0 on timeout); MP_EINVAL for NULL
 *         sentinels with n > 0, a bad timeout, or n == 0 with MP_FOREVER;
 *         MP_ESYS for an invalid handle.
 */
MP_API int mp_wait(const mp_sentinel_t *sentinels, size_t n, double timeout, unsigned char *ready);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_PROCESS_H */
