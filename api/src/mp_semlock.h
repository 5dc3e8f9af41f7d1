/**
 * @file mp_semlock.h
 * @brief Semlocks: a mutex (with an owner, whose death is detected) or a
 *        counting semaphore, living in MP__SEMLOCK_SIZE bytes of shared
 *        memory that an object places inside its block. Built on the
 *        backend's futex; the uncontended path makes no system call, and a
 *        waiter spins briefly before it sleeps.
 */
#ifndef MP_SEMLOCK_H
#define MP_SEMLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <multiproc/process.h>

/** Bytes of shared memory a semlock occupies. */
#define MP__SEMLOCK_SIZE 32

/** What a semlock is. */
typedef enum mp__semlock_kind { MP__SEMLOCK_MUTEX, MP__SEMLOCK_SEMAPHORE } mp__semlock_kind_t;

/**
 * @brief Initialise the slot (creator only, before anyone else uses it).
 * @param value a mutex: ignored (starts unlocked); a semaphore: the count.
 * @param max a semaphore's bound (release beyond it fails); UINT_MAX for none.
 */
int mp__semlock_init(void *slot, mp__semlock_kind_t kind, unsigned value, unsigned max);

/**
 * @brief Take the mutex or one unit of the semaphore.
 * @param block false: never wait, whatever the timeout.
 * @return 0; MP_EOWNERDEAD (a mutex whose owner died: now held by the
 *         caller); MP_ETIMEDOUT; MP_EINTR (a signal handler ran while it
 *         slept, and mp_set_interruptible() is on: not taken).
 */
int mp__semlock_acquire(void *slot, bool block, double timeout);

/**
 * @brief mp__semlock_acquire() that resumes after a signal handler, whatever
 *        mp_set_interruptible() says, keeping its deadline: for a lock the
 *        library must hold on return (an object's inner lock, a condition's
 *        lock re-taken at the end of a wait).
 * @return 0; MP_EOWNERDEAD; MP_ETIMEDOUT.
 */
int mp__semlock_acquire_resuming(void *slot, double timeout);

/**
 * @brief Release the mutex (any thread may) or give one unit back.
 * @return 0; MP_ESTATE for a mutex that is not locked or a semaphore at its
 *         bound (nothing changes).
 */
int mp__semlock_release(void *slot);

/** @brief A semaphore's count, or for a mutex 1 when free and 0 when held. */
unsigned mp__semlock_value(const void *slot);

/** @brief A mutex's owner's thread id, 0 when unlocked. */
long mp__semlock_owner(const void *slot);

/** @brief A mutex's owner process (mp__os_lock_owner_id()), 0 when unlocked. */
uint32_t mp__semlock_owner_process(const void *slot);

/** @brief Whether the calling thread holds the mutex. */
bool mp__semlock_is_mine(const void *slot);

/** @brief This process's owner id (mp__os_lock_owner_id()), cached. */
uint32_t mp__semlock_self_owner(void);

/** @brief After fork, in the child: its thread id is new. */
void mp__semlock_forget_ids(void);

/** Initial-exec TLS where the compiler has it: a plain load on hot paths. */
#if defined(__GNUC__)
#define MP__TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#define MP__TLS_FAST
#endif

#endif /* MP_SEMLOCK_H */
