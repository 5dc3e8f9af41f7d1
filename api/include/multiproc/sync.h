/**
 * @file multiproc/sync.h
 * @brief Locks, semaphores, events, conditions and barriers shared by
 *        processes (and threads), under every start method.
 *
 * Each object lives in shared memory and is given to a child explicitly,
 * through `mp_process_opts_t.objects` (see MP_OBJECTS()); the child gets its
 * own handle to the same object with mp_task_lock() and friends.
 *
 * Every wait takes one timeout in seconds (see MP_FOREVER in types.h):
 * Python's `acquire(block=False)` is a timeout of 0, `acquire()` is
 * MP_FOREVER. A wait that gives up returns MP_ETIMEDOUT; every wait resumes
 * after signals and keeps its deadline, unless mp_set_interruptible()
 * (runtime.h) asked for MP_EINTR: then a wait that a signal handler
 * interrupted returns MP_EINTR, having taken nothing (a condition wait
 * holds its lock again; a barrier wait breaks the barrier).
 *
 * A Lock or RLock whose owner process dies while holding it is not a
 * deadlock: the next acquirer gets MP_EOWNERDEAD and holds the lock; the
 * data it protects may be half-updated, which is for the caller to judge.
 *
 * Handles are freed with the matching `_destroy` (NULL-safe); the shared
 * object itself goes away when the last process's handle does. A destroyed
 * handle answers MP_ECLOSED for ever, even after new objects were created
 * (a handle is an id that is never handed out again, not an address).
 */
#ifndef MULTIPROC_SYNC_H
#define MULTIPROC_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include <multiproc/export.h>
#include <multiproc/task.h>
#include <multiproc/types.h>

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

/** Options for mp_lock_create() (none yet). */
typedef struct mp_lock_opts {
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_lock_opts_t;

/**
 * @brief Create a lock, unlocked.
 * @param[out] out the new handle; free it with mp_lock_destroy().
 * @param opts NULL for the defaults.
 * @return 0; MP_EINVAL for NULL out; MP_ESTATE before mp_init(); MP_ENOMEM;
 *         MP_ESYS.
 */
MP_API int mp_lock_create(mp_lock_t **out, const mp_lock_opts_t *opts);

/**
 * @brief Acquire the lock.
 * @param lock the lock.
 * @param timeout seconds (see MP_FOREVER); 0 tries once.
 * @return 0 acquired; MP_EOWNERDEAD acquired, but its previous owner died
 *         holding it; MP_ETIMEDOUT not acquired; MP_EINTR not acquired, a
 *         signal handler ran (only with mp_set_interruptible()); MP_EINVAL
 *         for NULL or a bad timeout; MP_ECLOSED for a destroyed handle.
 */
MP_API int mp_lock_acquire(mp_lock_t *lock, double timeout);

/**
 * @brief Release the lock (any process or thread may).
 * @return 0; MP_ESTATE when it is not locked; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_lock_release(mp_lock_t *lock);

/** @brief 1 if locked (by anyone), 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_lock_is_locked(mp_lock_t *lock);

/**
 * @brief Who holds the lock, for diagnostics (Python shows a Lock's owner
 *        in its repr). A Lock has no recursion count: see mp_rlock_owner()
 *        for an RLock's.
 * @param lock the lock.
 * @param[out] pid the pid of the process that holds it, 0 when it is
 *        unlocked (may be NULL). An owner that died holding the lock is
 *        still named until the next acquirer takes it over (MP_EOWNERDEAD).
 * @param[out] tid the thread id (in that process) that took it, 0 when it
 *        is unlocked, and also 0 for the instant between another thread
 *        taking it and recording itself (may be NULL).
 * @return 0; MP_EINVAL for NULL or a handle of another kind; MP_ECLOSED.
 *         The answer may be stale as soon as it is returned.
 */
MP_API int mp_lock_owner(mp_lock_t *lock, mp_pid_t *pid, long *tid);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_lock_destroy(mp_lock_t *lock);

/** Options for mp_rlock_create() (none yet). */
typedef struct mp_rlock_opts {
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_rlock_opts_t;

/**
 * @brief Create a recursive lock, unlocked.
 * @param[out] out the new handle; free it with mp_rlock_destroy().
 * @param opts NULL for the defaults.
 * @return as mp_lock_create().
 */
MP_API int mp_rlock_create(mp_rlock_t **out, const mp_rlock_opts_t *opts);

/**
 * @brief Acquire; the owner may acquire again (the count goes up).
 * @return as mp_lock_acquire().
 */
MP_API int mp_rlock_acquire(mp_rlock_t *lock, double timeout);

/**
 * @brief Release once; the lock is free when the count reaches 0.
 * @return 0; MP_ENOTOWNER when the caller is not the owner (or it is not
 *         locked); MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_rlock_release(mp_rlock_t *lock);

/** @brief 1 if locked (by anyone), 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_rlock_is_locked(mp_rlock_t *lock);

/**
 * @brief Who holds the lock, for diagnostics (Python's RLock repr).
 * @param lock the lock.
 * @param[out] pid the owner's pid, 0 when unlocked (may be NULL).
 * @param[out] tid the owner's thread id, 0 when unlocked (may be NULL).
 * @param[out] count the recursion count, 0 when unlocked (may be NULL).
 * @return 0; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_rlock_owner(mp_rlock_t *lock, mp_pid_t *pid, long *tid, unsigned *count);

/**
 * @brief Free this process's handle. NULL-safe. A borrowed handle (a
 *        Value's lock, an object fetched in a task) is not the caller's to
 *        free: destroying it does nothing, and it stays valid as long as the
 *        object that lent it.
 */
MP_API void mp_rlock_destroy(mp_rlock_t *lock);

/* ------------------------------------------------------------------ */
/* Semaphore and BoundedSemaphore                                      */
/* ------------------------------------------------------------------ */

/** A counting semaphore (Python's Semaphore and BoundedSemaphore). */
typedef struct mp_semaphore mp_semaphore_t;

/** Options for mp_semaphore_create(). */
typedef struct mp_semaphore_opts {
    /** The initial count, at most 2^30. Python's default is 1; here, as for
     *  every option, a field left out is 0. */
    unsigned value;
    /** true for a BoundedSemaphore: releasing above `value` fails. */
    bool bounded;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_semaphore_opts_t;

/**
 * @brief Create a semaphore.
 * @param[out] out the new handle; free it with mp_semaphore_destroy().
 * @param opts the count and whether it is bounded; NULL for a count of 0.
 * @return 0; MP_EINVAL for NULL out or a value too large; MP_ESTATE before
 *         mp_init(); MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_semaphore_create(mp_semaphore_t **out, const mp_semaphore_opts_t *opts);

/**
 * @brief Take one unit.
 * @param sem the semaphore.
 * @param timeout seconds (see MP_FOREVER); 0 tries once.
 * @return 0; MP_ETIMEDOUT; MP_EINTR (as mp_lock_acquire()); MP_EINVAL for
 *         NULL or a bad timeout; MP_ECLOSED.
 */
MP_API int mp_semaphore_acquire(mp_semaphore_t *sem, double timeout);

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

/** Options for mp_event_create() (none yet). */
typedef struct mp_event_opts {
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_event_opts_t;

/**
 * @brief Create an event, unset.
 * @param[out] out the new handle; free it with mp_event_destroy().
 * @param opts NULL for the defaults.
 * @return as mp_lock_create().
 */
MP_API int mp_event_create(mp_event_t **out, const mp_event_opts_t *opts);

/** @brief Set the flag and wake every waiter. @return 0; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_event_set(mp_event_t *event);

/** @brief Clear the flag. @return 0; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_event_clear(mp_event_t *event);

/** @brief 1 if set, 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_event_is_set(mp_event_t *event);

/**
 * @brief Wait until the flag is set.
 * @param event the event.
 * @param timeout seconds (see MP_FOREVER); 0 only looks.
 * @return 0 when set; MP_ETIMEDOUT when it is unset on return: at the
 *         deadline, or (as Python's Event.wait returns False) when a set()
 *         woke the waiter but a clear() came before it looked, even with
 *         MP_FOREVER; MP_EINTR when a signal cut the wait short and the
 *         flag is unset (mp_set_interruptible()); MP_EINVAL; MP_ECLOSED.
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
 * Options for mp_condition_create(): the lock the condition uses, at most
 * one of the two, kept by reference (once it is destroyed, the condition's
 * calls answer MP_ECLOSED). Neither: the condition has its own RLock
 * (Python's default).
 */
typedef struct mp_condition_opts {
    mp_lock_t *lock;                     /**< a Lock, or NULL */
    mp_rlock_t *rlock;                   /**< an RLock, or NULL */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_condition_opts_t;

/**
 * @brief Create a condition.
 * @param[out] out the new handle; free it with mp_condition_destroy().
 * @param opts its lock; NULL for an own RLock.
 * @return 0; MP_EINVAL for NULL out, both locks set, or a lock handle of the
 *         wrong kind; MP_ECLOSED for a destroyed lock; MP_ESTATE before
 *         mp_init(); MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_condition_create(mp_condition_t **out, const mp_condition_opts_t *opts);

/** @brief Acquire the underlying lock; as mp_lock_acquire(). */
MP_API int mp_condition_acquire(mp_condition_t *cond, double timeout);

/** @brief Release the underlying lock; as mp_lock_release()/mp_rlock_release(). */
MP_API int mp_condition_release(mp_condition_t *cond);

/**
 * @brief Release the lock, wait for a notify, take the lock back.
 * @return 0 when notified; MP_ETIMEDOUT when the timeout passed; MP_EINTR
 *         when a signal handler cut the wait short (mp_set_interruptible());
 *         the lock is held again in all three cases; MP_ENOTOWNER when the
 *         caller does not
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

/**
 * Options for mp_barrier_create(). Python's per-barrier default timeout
 * has no counterpart: every mp_barrier_wait() says its own.
 */
typedef struct mp_barrier_opts {
    unsigned parties;   /**< how many must wait before all go (1..65536) */
    const char *action; /**< a task-table name run by one party per round, or NULL */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_barrier_opts_t;

/**
 * @brief Create a barrier.
 * @param[out] out the new handle; free it with mp_barrier_destroy().
 * @param opts required: `parties` has no default.
 * @return 0; MP_EINVAL for NULL, 0 parties or more than 65536 (the shared
 *         block holds a slot per party); MP_ENOTASK for an action name
 *         not in the task table; MP_ESTATE before mp_init(); MP_ENOMEM;
 *         MP_ESYS.
 */
MP_API int mp_barrier_create(mp_barrier_t **out, const mp_barrier_opts_t *opts);

/**
 * @brief Wait for all parties.
 * @param barrier the barrier.
 * @param timeout seconds (see MP_FOREVER), for the whole call: waiting for
 *        the previous round to drain, then for this round to fill.
 * @param[out] index 0..parties-1, a different one per party (may be NULL).
 * @return 0; MP_EBROKEN when the barrier is or becomes broken (abort, a
 *         timeout in any party, a failed action, or a party that died inside
 *         its wait while the round filled); MP_ETIMEDOUT when the previous
 *         round had not drained, or the barrier's lock (held by the party
 *         running the action) was not free, by the deadline (this call
 *         joined no round and broke nothing); MP_EINTR when a signal
 *         handler cut the wait short (mp_set_interruptible()): a round it
 *         had joined is broken for the others, as Python's wait breaks the
 *         barrier on any exception; MP_EINVAL for NULL or a bad timeout;
 *         MP_ECLOSED.
 *
 * A party that dies (SIGKILL) inside its wait is noticed within about
 * 50 ms by the parties that wait, and at once by the next call on the
 * barrier: it breaks a round that was filling, and is simply counted out
 * of one that was already released. Limit: a dead party is recognised by
 * its pid; should the system give that pid to a new process before anyone
 * looked, the party looks alive and the others wait for it until their
 * timeout.
 */
MP_API int mp_barrier_wait(mp_barrier_t *barrier, double timeout, unsigned *index);

/** @brief Break the barrier: waiters now and later get MP_EBROKEN. */
MP_API int mp_barrier_abort(mp_barrier_t *barrier);

/** @brief Return to the initial state; current waiters get MP_EBROKEN.
 *         Parties that died inside a wait are counted out first, so a
 *         barrier broken by a death is usable again. 0; MP_EINVAL;
 *         MP_ECLOSED. */
MP_API int mp_barrier_reset(mp_barrier_t *barrier);

/** @brief The number of parties; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_barrier_parties(mp_barrier_t *barrier);

/** @brief How many parties are waiting now; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_barrier_n_waiting(mp_barrier_t *barrier);

/** @brief 1 if broken, 0 if not; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_barrier_is_broken(mp_barrier_t *barrier);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_barrier_destroy(mp_barrier_t *barrier);

/* ------------------------------------------------------------------ */
/* Getting them in a child                                             */
/* ------------------------------------------------------------------ */

/**
 * @brief The child's handle to object number `index` of the
 *        `mp_process_opts_t.objects` it was started with. The handle is
 *        borrowed from the task: destroying it does nothing.
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
