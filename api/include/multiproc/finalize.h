/**
 * @file multiproc/finalize.h
 * @brief Finalisers: Python's `multiprocessing.util.Finalize` in C, a
 *        function to run once, either when the program says so or when the
 *        process exits normally.
 *
 * A finaliser registered with a priority runs at the process's normal exit
 * (returning from `main`, `exit()`, or a child's task returning), unless it
 * ran or was cancelled before: those with a priority >= 0 first, then the
 * process's children are joined (daemon children terminated, executors
 * shut down), then those with a negative priority. Higher priorities run
 * first; among equal priorities, the last registered runs first. One
 * registered with MP_FINALIZE_NO_PRIORITY never runs at exit: only
 * mp_finalizer_run() runs it. Nothing runs when a process is killed or
 * calls `_exit()`.
 *
 * A child starts with no finaliser: under fork it does not inherit its
 * parent's (their handles answer 0 from mp_finalizer_run() there), as
 * Python's children clear the registry they inherited. Registering,
 * running and cancelling are safe from any thread, also while the exit
 * runs the finalisers; a finaliser's function runs with no lock of the
 * library held, and may register, run or cancel others.
 */
#ifndef MULTIPROC_FINALIZE_H
#define MULTIPROC_FINALIZE_H

#include <limits.h>

#include <multiproc/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A registered finaliser (a handle: see api/CONVENTIONS.md). */
typedef struct mp_finalizer mp_finalizer_t;

/** What a finaliser runs, with the argument it was registered with. */
typedef void (*mp_finalizer_fn)(void *arg);

/** The priority of a finaliser that never runs at exit (Python's
 *  `exitpriority=None`). */
#define MP_FINALIZE_NO_PRIORITY INT_MIN

/**
 * @brief Register `fn(arg)` to run once: at exit if it has a priority, or
 *        when mp_finalizer_run() is called.
 * @param[out] out the finaliser's handle (may be NULL when the caller will
 *        never run or cancel it itself, as `Finalize(None, ...)`).
 * @param fn the function (not NULL).
 * @param arg its argument (may be NULL); kept, not copied.
 * @param priority any int but INT_MIN, or MP_FINALIZE_NO_PRIORITY.
 * @return 0; MP_EINVAL for a NULL `fn`; MP_ESTATE before mp_init();
 *         MP_ENOMEM.
 */
MP_API int mp_finalizer_register(mp_finalizer_t **out, mp_finalizer_fn fn, void *arg, int priority);

/**
 * @brief Run the finaliser now, if it has not run and was not cancelled
 *        (Python's `Finalize.__call__`): it then never runs again, at exit
 *        or otherwise. The function runs in the calling thread.
 * @return 1 when it ran now; 0 when it had run or was cancelled already
 *         (its handle stays that answer for ever); MP_EINVAL for NULL or a
 *         handle that is not a finaliser's.
 */
MP_API int mp_finalizer_run(mp_finalizer_t *finalizer);

/**
 * @brief Cancel the finaliser without running it (Python's `cancel()`).
 * @return 1 when it is cancelled now; 0 when it had run or was cancelled
 *         already; MP_EINVAL for NULL or a handle that is not a finaliser's.
 */
MP_API int mp_finalizer_cancel(mp_finalizer_t *finalizer);

/**
 * @brief Whether the finaliser is still to run (Python's `still_active()`).
 * @return 1 or 0; MP_EINVAL for NULL or a handle that is not a finaliser's.
 */
MP_API int mp_finalizer_is_pending(mp_finalizer_t *finalizer);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_FINALIZE_H */
