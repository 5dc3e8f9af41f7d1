/**
 * @file mp_parties.h
 * @brief Party tables: which processes have threads inside some wait of a
 *        shared object (a Barrier's wait, a Condition's sleep), kept in the
 *        object's shared memory so that any process can find out that one
 *        of them died there (SIGKILL) and stop waiting for it.
 *
 * A slot holds one process's owner id (mp__os_lock_owner_id()) and how many
 * of its threads are inside, in one 64-bit word changed by compare-and-swap
 * only, so that a process killed at any instruction leaves every slot
 * whole: its threads are either counted or not. The table is shared memory,
 * hence hostile input: the functions take its length from the caller's own
 * copy, never from the table, and clamp every count they add up.
 *
 * Pid reuse: a dead owner is seen as dead until its id is given to a new
 * process; a slot whose owner id was reused that quickly looks alive, and
 * the object then waits as if that party were slow (every wait still ends
 * at its timeout).
 */
#ifndef MP_PARTIES_H
#define MP_PARTIES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One process's threads inside: (owner id << 32) | count; 0 is free. */
typedef struct mp__party_slot {
    _Atomic uint64_t word;
} mp__party_slot_t;

/**
 * @brief Count the calling thread in: its process's slot goes up by one,
 *        or a free slot becomes its process's.
 * @return false when every slot belongs to another process (nothing changed).
 */
bool mp__parties_enter(mp__party_slot_t *slots, size_t n);

/** @brief Count the calling thread out again (after mp__parties_enter()). */
void mp__parties_leave(mp__party_slot_t *slots, size_t n);

/** @brief How many threads are inside, by every slot (clamped to UINT32_MAX). */
uint32_t mp__parties_count(const mp__party_slot_t *slots, size_t n);

/**
 * @brief Free the slots of processes that have ended (a zombie has).
 * @return how many threads those processes had inside.
 */
uint32_t mp__parties_reap(mp__party_slot_t *slots, size_t n);

#endif /* MP_PARTIES_H */
