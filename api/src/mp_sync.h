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
#include "mp_parties.h"
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

/* Only the owner writes an RLock's count and pid, so relaxed loads and
 * stores (plain moves) are enough: they are atomic only so that
 * mp_rlock_owner() in another thread reads them without a data race. A
 * read-modify-write or a sequentially consistent store would double the
 * cost of an uncontended acquire. */

/** @brief An RLock's recursion count (for its owner, or a diagnostic). */
static inline uint32_t mp__lockref_count(mp__lockref_t ref)
{
    return atomic_load_explicit(ref.count, memory_order_relaxed);
}

/** @brief Set an RLock's recursion count; only its owner does. */
static inline void mp__lockref_set_count(mp__lockref_t ref, uint32_t count)
{
    atomic_store_explicit(ref.count, count, memory_order_relaxed);
}

/* The three below are inline: they are every acquire's and release's own
 * code, and a lock reference passed by value to a call goes through memory
 * in a way that stalls the processor (a failed store forwarding) on the
 * uncontended path. */
/** @brief Acquire; an RLock's owner just counts up. */
static inline int mp__lockref_acquire(mp__lockref_t ref, double timeout)
{
    if (ref.count && mp__semlock_is_mine(ref.mutex)) {
        mp__lockref_set_count(ref, mp__lockref_count(ref) + 1);
        return 0;
    }
    int rc = mp__mutex_acquire(ref.mutex, true, timeout);
    if (ref.count && (rc == 0 || rc == MP_EOWNERDEAD)) {
        mp__lockref_set_count(ref, 1);
        atomic_store_explicit(ref.owner_pid, (int32_t)mp__os_getpid(), memory_order_relaxed);
    }
    return rc;
}

/** @brief Release once: MP_ESTATE (Lock not locked) or MP_ENOTOWNER (RLock). */
static inline int mp__lockref_release(mp__lockref_t ref)
{
    if (!ref.count) {
        int rc = mp__mutex_release(ref.mutex);
        return rc == MP_ESTATE ? mp__errdetail_set(rc, "release of an unlocked Lock") : rc;
    }
    if (!mp__semlock_is_mine(ref.mutex))
        return mp__errdetail_set(MP_ENOTOWNER, "cannot release an RLock the caller does not hold");
    uint32_t count = mp__lockref_count(ref) - 1;
    mp__lockref_set_count(ref, count);
    if (count > 0)
        return 0;
    return mp__mutex_release(ref.mutex);
}

/** @brief Whether the calling thread holds it. */
static inline bool mp__lockref_is_mine(mp__lockref_t ref)
{
    return mp__semlock_is_mine(ref.mutex);
}

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

/** Processes a condition tracks by name while they sleep; more sleeping
 *  processes than this are counted without a name (see mp__cond_shared_t). */
#define MP__COND_PARTY_SLOTS 32

/** The three semaphores of a condition, in shared memory, and who sleeps. */
typedef struct mp__cond_shared {
    unsigned char sleeping[MP__SEMLOCK_SIZE]; /* count of sleepers */
    unsigned char woken[MP__SEMLOCK_SIZE];    /* count of woken sleepers */
    unsigned char wait[MP__SEMLOCK_SIZE];     /* what sleepers wait on */
    /* The processes with threads asleep on `wait`, so that a notifier can
     * tell a sleeper that is slow to wake from one that was killed. */
    mp__party_slot_t asleep[MP__COND_PARTY_SLOTS];
    /* Sleepers that found every slot taken: a notifier cannot tell whether
     * they live, and waits for them as long as SLEEPER_LEAVE_SECONDS. */
    _Atomic uint32_t unlisted;
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
