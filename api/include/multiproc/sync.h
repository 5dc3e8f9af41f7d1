/**
 * @file multiproc/sync.h
 * @brief Locks, semaphores, events, conditions and barriers shared by
 *        processes (and threads), under every start method.
 *
 * Each object lives in shared memory and is given to a child explicitly,
 * through `mp_process_opts_t.objects` (see MP_OBJECTS()); the child gets its
 * own handle to the same object with mp_task_lock() and friends.
 *
 * Waiting follows Python: `block` false never waits (the timeout is then
 * ignored); `block` true waits up to `timeout` seconds (MP_FOREVER for no
 * limit; a negative timeout is treated as 0). A wait that gives up returns
 * MP_ETIMEDOUT; every wait resumes after signals and keeps its deadline.
 *
 * A Lock or RLock whose owner process dies while holding it is not a
 * deadlock: the next acquirer gets MP_EOWNERDEAD and holds the lock; the
 * data it protects may be half-updated, which is for the caller to judge.
 *
 * Handles are freed with the matching `_destroy` (NULL-safe); the shared
 * object itself goes away when the last process's handle does. Calls on a
 * destroyed handle return MP_ECLOSED (handles are never reused for another
 * type, so this is safe to detect).
 */
#ifndef MULTIPROC_SYNC_H
#define MULTIPROC_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/context.h>
#include <multiproc/export.h>
#include <multiproc/process.h>
#include <multiproc/task.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Lock and RLock                                                      */
/* ------------------------------------------------------------------ */

/** A non-recursive lock; any process may release it (Python's Lock). */
typedef struct mp_lock mp_lock_t;
/** A recursive lock owned by one thread of one process (Python's RLock). */
typedef struct mp_rlock mp_rlock_t;

/**
 * @brief Create a lock, unlocked.
 * @return 0; MP_EINVAL for NULL out; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_lock_create(mp_lock_t **out);

/**
 * @brief Acquire the lock.
 * @return 0 acquired; MP_EOWNERDEAD acquired, but its previous owner died
 *         holding it; MP_ETIMEDOUT not acquired; MP_EINVAL for NULL or a NaN
 *         timeout; MP_ECLOSED for a destroyed handle.
 */
MP_API int mp_lock_acquire(mp_lock_t *lock, bool block, double timeout);

/**
 * @brief Release the lock (any process or thread may).
 * @return 0; MP_ESTATE when it is not locked; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_lock_release(mp_lock_t *lock);

/** @brief 1 if locked (by anyone), 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_lock_locked(mp_lock_t *lock);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_lock_destroy(mp_lock_t *lock);

/** @brief Create a recursive lock, unlocked. Errors as mp_lock_create(). */
MP_API int mp_rlock_create(mp_rlock_t **out);

/**
 * @brief Acquire; the owner may acquire again (the count goes up).
 * @return as mp_lock_acquire().
 */
MP_API int mp_rlock_acquire(mp_rlock_t *lock, bool block, double timeout);

/**
 * @brief Release once; the lock is free when the count reaches 0.
 * @return 0; MP_ENOTOWNER when the caller is not the owner (or it is not
 *         locked); MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_rlock_release(mp_rlock_t *lock);

/** @brief 1 if locked (by anyone), 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_rlock_locked(mp_rlock_t *lock);

/**
 * @brief Who holds the lock, for diagnostics (Python's RLock repr).
 * @param[out] pid the owner's pid, 0 when unlocked (may be NULL).
 * @param[out] tid the owner's thread id, 0 when unlocked (may be NULL).
 * @param[out] count the recursion count, 0 when unlocked (may be NULL).
 * @return 0; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_rlock_owner(mp_rlock_t *lock, mp_pid_t *pid, long *tid, unsigned *count);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_rlock_destroy(mp_rlock_t *lock);

/* ------------------------------------------------------------------ */
/* Semaphore and BoundedSemaphore                                      */
/* ------------------------------------------------------------------ */

/** A counting semaphore (Python's Semaphore and BoundedSemaphore). */
typedef struct mp_semaphore mp_semaphore_t;

/**
 * @brief Create a semaphore.
 * @param value the initial count (at most 2^30).
 * @param bounded true for a BoundedSemaphore: releasing above `value`
 *        fails with MP_ESTATE.
 * @return 0; MP_EINVAL for NULL out or a value too large; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_semaphore_create(mp_semaphore_t **out, unsigned value, bool bounded);

/** @brief Take one unit. @return 0; MP_ETIMEDOUT; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_semaphore_acquire(mp_semaphore_t *sem, bool block, double timeout);

/**
 * @brief Give one unit back.
 * @return 0; MP_ESTATE for a bounded semaphore already at its initial value
 *         (the value is unchanged); MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_semaphore_release(mp_semaphore_t *sem);

/** @brief The current count. @return 0; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_semaphore_value(mp_semaphore_t *sem, unsigned *value);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_semaphore_destroy(mp_semaphore_t *sem);

/* ------------------------------------------------------------------ */
/* Event                                                               */
/* ------------------------------------------------------------------ */

/** A flag that processes can wait for (Python's Event). */
typedef struct mp_event mp_event_t;

/** @brief Create an event, unset. Errors as mp_lock_create(). */
MP_API int mp_event_create(mp_event_t **out);

/** @brief Set the flag and wake every waiter. @return 0; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_event_set(mp_event_t *event);

/** @brief Clear the flag. @return 0; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_event_clear(mp_event_t *event);

/** @brief 1 if set, 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_event_is_set(mp_event_t *event);

/**
 * @brief Wait until the flag is set.
 * @param timeout seconds, MP_FOREVER, or <= 0 to only look.
 * @return 0 when set; MP_ETIMEDOUT when it is unset on return: at the
 *         deadline, or (as Python's Event.wait returns False) when a set()
 *         woke the waiter but a clear() came before it looked, even with
 *         MP_FOREVER; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_event_wait(mp_event_t *event, double timeout);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_event_destroy(mp_event_t *event);

/* ------------------------------------------------------------------ */
/* Condition                                                           */
/* ------------------------------------------------------------------ */

/** A condition variable over a Lock or RLock (Python's Condition). */
typedef struct mp_condition mp_condition_t;

/**
 * @brief Create a condition.
 * @param lock the lock to use: an mp_lock_t or mp_rlock_t handle, kept by
 *        reference (destroy the condition first), or NULL for an own RLock
 *        (Python's default).
 * @return 0; MP_EINVAL for NULL out or a lock that is neither; MP_ECLOSED
 *         for a destroyed lock; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_condition_create(mp_condition_t **out, void *lock);

/** @brief Acquire the underlying lock; as mp_lock_acquire(). */
MP_API int mp_condition_acquire(mp_condition_t *cond, bool block, double timeout);

/** @brief Release the underlying lock; as mp_lock_release()/mp_rlock_release(). */
MP_API int mp_condition_release(mp_condition_t *cond);

/**
 * @brief Release the lock, wait for a notify, take the lock back.
 * @return 0 when notified; MP_ETIMEDOUT when the timeout passed (the lock is
 *         held again in both cases); MP_ENOTOWNER when the caller does not
 *         hold the lock; MP_EOWNERDEAD when re-taking the lock found its
 *         owner dead; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_condition_wait(mp_condition_t *cond, double timeout);

/** A predicate for mp_condition_wait_for(): nonzero when satisfied. */
typedef int (*mp_predicate_fn)(void *ctx);

/**
 * @brief Wait until `predicate(ctx)` is true, re-checking after each notify.
 * @return 0 when it became true; MP_ETIMEDOUT when it was still false at
 *         the deadline; otherwise as mp_condition_wait().
 */
MP_API int mp_condition_wait_for(mp_condition_t *cond, mp_predicate_fn predicate, void *ctx,
                                 double timeout);

/**
 * @brief Wake up to `n` waiters. The caller must hold the lock.
 * @return 0; MP_ENOTOWNER; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_condition_notify(mp_condition_t *cond, unsigned n);

/** @brief Wake every waiter; as mp_condition_notify(). */
MP_API int mp_condition_notify_all(mp_condition_t *cond);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_condition_destroy(mp_condition_t *cond);

/* ------------------------------------------------------------------ */
/* Barrier                                                             */
/* ------------------------------------------------------------------ */

/** A barrier for a fixed number of parties (Python's Barrier). */
typedef struct mp_barrier mp_barrier_t;

/** Options for mp_barrier_create(). */
typedef struct mp_barrier_opts {
    unsigned parties;   /**< how many must wait before all go (>= 1) */
    const char *action; /**< a task-table name run by one party per round, or NULL */
    double timeout;     /**< default for mp_barrier_wait(..., MP_BARRIER_DEFAULT); 0 = none */
} mp_barrier_opts_t;

/** Passed as a timeout: use the barrier's default timeout. */
#define MP_BARRIER_DEFAULT (-2.0)

/**
 * @brief Create a barrier.
 * @return 0; MP_EINVAL for NULL, 0 parties, or a bad timeout; MP_ENOTASK for
 *         an action name not in the task table; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_barrier_create(mp_barrier_t **out, const mp_barrier_opts_t *opts);

/**
 * @brief Wait for all parties.
 * @param timeout seconds, MP_FOREVER, or MP_BARRIER_DEFAULT.
 * @param[out] index 0..parties-1, a different one per party (may be NULL).
 * @return 0; MP_EBROKEN when the barrier is or becomes broken (abort, a
 *         timeout in any party, or a failed action); MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_barrier_wait(mp_barrier_t *barrier, double timeout, unsigned *index);

/** @brief Break the barrier: waiters now and later get MP_EBROKEN. */
MP_API int mp_barrier_abort(mp_barrier_t *barrier);

/** @brief Return to the initial state; current waiters get MP_EBROKEN. */
MP_API int mp_barrier_reset(mp_barrier_t *barrier);

/** @brief The number of parties; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_barrier_parties(mp_barrier_t *barrier);

/** @brief How many parties are waiting now; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_barrier_n_waiting(mp_barrier_t *barrier);

/** @brief 1 if broken, 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_barrier_broken(mp_barrier_t *barrier);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_barrier_destroy(mp_barrier_t *barrier);

/* ------------------------------------------------------------------ */
/* Getting them in a child                                             */
/* ------------------------------------------------------------------ */

/**
 * @brief The child's handle to object number `index` of the
 *        `mp_process_opts_t.objects` it was started with. The handle belongs
 *        to the task: do not destroy it.
 * @return 0; MP_EINVAL for NULL, an index out of range, or an object of
 *         another type.
 */
MP_API int mp_task_lock(const mp_task_t *task, size_t index, mp_lock_t **out);
/** @copydoc mp_task_lock */
MP_API int mp_task_rlock(const mp_task_t *task, size_t index, mp_rlock_t **out);
/** @copydoc mp_task_lock */
MP_API int mp_task_semaphore(const mp_task_t *task, size_t index, mp_semaphore_t **out);
/** @copydoc mp_task_lock */
MP_API int mp_task_event(const mp_task_t *task, size_t index, mp_event_t **out);
/** @copydoc mp_task_lock */
MP_API int mp_task_condition(const mp_task_t *task, size_t index, mp_condition_t **out);
/** @copydoc mp_task_lock */
MP_API int mp_task_barrier(const mp_task_t *task, size_t index, mp_barrier_t **out);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_SYNC_H */
