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

/* Which kind a slot is, and a semaphore's bound, are the caller's to know
 * (its handle's own copy): nothing in the slot says it, so a process that
 * rewrites the shared memory can change counts, never turn a mutex into a
 * semaphore or lift a bound (shared memory is hostile input). */

/** @brief Initialise a mutex slot, unlocked (creator only, before use). */
int mp__mutex_init(void *slot);

/**
 * @brief Take the mutex.
 * @param block false: never wait, whatever the timeout.
 * @return 0; MP_EOWNERDEAD (its owner died: now held by the caller);
 *         MP_ETIMEDOUT; MP_EINTR (a signal handler ran while it slept, and
 *         mp_set_interruptible() is on: not taken).
 */
int mp__mutex_acquire(void *slot, bool block, double timeout);

/**
 * @brief mp__mutex_acquire() that resumes after a signal handler, whatever
 *        mp_set_interruptible() says, keeping its deadline: for a lock the
 *        library must hold on return (an object's inner lock, a condition's
 *        lock re-taken at the end of a wait).
 * @return 0; MP_EOWNERDEAD; MP_ETIMEDOUT.
 */
int mp__mutex_acquire_resuming(void *slot, double timeout);

/**
 * @brief Release the mutex (any thread may).
 * @return 0; MP_ESTATE when it is not locked (nothing changes).
 */
int mp__mutex_release(void *slot);

/** @brief Whether the mutex is held (by anyone). */
bool mp__mutex_is_locked(const void *slot);

/** @brief Initialise a semaphore slot with `value` units (creator only). */
int mp__sem_init(void *slot, unsigned value);

/** @brief Take one unit; as mp__mutex_acquire(), without MP_EOWNERDEAD. */
int mp__sem_acquire(void *slot, bool block, double timeout);

/**
 * @brief Give one unit back.
 * @param max the semaphore's bound, from the caller's own copy (UINT_MAX:
 *        none): a release that would pass it fails.
 * @return 0; MP_ESTATE at the bound (nothing changes).
 */
int mp__sem_release(void *slot, unsigned max);

/** @brief A semaphore's count. */
unsigned mp__sem_value(const void *slot);

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

/** @brief One round of a spin: tell the CPU the thread is waiting. */
static inline void mp__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/** Initial-exec TLS where the compiler has it: a plain load on hot paths. */
#if defined(__GNUC__)
#define MP__TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#define MP__TLS_FAST
#endif

#endif /* MP_SEMLOCK_H */
