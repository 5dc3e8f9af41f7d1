/**
 * @file mp_sync.h
 * @brief The pieces the synchronisation objects are built from, as in
 *        Python's synchronize.py: a lock reference that hides Lock vs RLock,
 *        and the semaphore-based condition algorithm that Condition, Event
 *        and Barrier share.
 */
#ifndef MP_SYNC_H
#define MP_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <multiproc.h>

#include "mp_backend.h"
#include "mp_object.h"
#include "mp_semlock.h"

/** An RLock's shared state: the mutex and the owner's recursion count. */
typedef struct mp__rlock_shared {
    unsigned char mutex[MP__SEMLOCK_SIZE];
    /* Both written only by the owner, but read by mp_rlock_owner() from any
     * thread: atomic, so that such a read is not a data race. */
    _Atomic uint32_t count;
    _Atomic int32_t owner_pid; /* the owner's pid, for mp_rlock_owner() */
} mp__rlock_shared_t;

/** A Lock (count == NULL) or an RLock's shared state, wherever it lives. */
typedef struct mp__lockref {
    void *mutex;
    _Atomic uint32_t *count;
    _Atomic int32_t *owner_pid; /* with count */
} mp__lockref_t;

/** @brief Acquire; an RLock's owner just counts up. */
int mp__lockref_acquire(mp__lockref_t ref, double timeout);
/** @brief Release once: MP_ESTATE (Lock not locked) or MP_ENOTOWNER (RLock). */
int mp__lockref_release(mp__lockref_t ref);
/** @brief Whether the calling thread holds it. */
bool mp__lockref_is_mine(mp__lockref_t ref);

/** @brief The reference to an RLock's shared state. */
mp__lockref_t mp__rlock_ref(mp__rlock_shared_t *shared);

/** @brief Initialise an RLock's shared state. */
void mp__rlock_shared_init(mp__rlock_shared_t *shared);

/**
 * @brief A new RLock handle, borrowed (see mp__object_t), over an RLock
 *        living in another object's block (a Value's lock); the lender
 *        frees it with mp__object_destroy_owned().
 */
int mp__rlock_borrow(mp__rlock_shared_t *shared, mp_rlock_t **out);

/**
 * @brief The shared state behind a Lock or RLock handle, checked.
 * @return 0; MP_EINVAL for a handle of another kind; MP_ECLOSED.
 */
int mp__lockref_of(const void *lock_handle, mp__lockref_t *out);

/** The three semaphores of a condition, in shared memory. */
typedef struct mp__cond_shared {
    unsigned char sleeping[MP__SEMLOCK_SIZE]; /* count of sleepers */
    unsigned char woken[MP__SEMLOCK_SIZE];    /* count of woken sleepers */
    unsigned char wait[MP__SEMLOCK_SIZE];     /* what sleepers wait on */
} mp__cond_shared_t;

/** @brief Initialise the semaphores of a condition. */
void mp__cond_shared_init(mp__cond_shared_t *shared);

/**
 * @brief Python's Condition.wait over `lock`: the caller must hold it.
 * @return 0 notified; MP_ETIMEDOUT; MP_ENOTOWNER; MP_EOWNERDEAD (re-taking
 *         the lock found its owner dead). The lock is held on return except
 *         after MP_ENOTOWNER.
 */
int mp__cond_wait(mp__cond_shared_t *cond, mp__lockref_t lock, double timeout);

/** @brief Python's Condition.wait_for: re-check `pred` after each wake-up. */
int mp__cond_wait_for(mp__cond_shared_t *cond, mp__lockref_t lock, mp_predicate_fn pred, void *ctx,
                      double timeout);

/** @brief Python's Condition.notify(n); the caller must hold the lock. */
int mp__cond_notify(mp__cond_shared_t *cond, mp__lockref_t lock, unsigned n);

#endif /* MP_SYNC_H */
