/* Party tables (mp_parties.h): which processes are inside a wait of a
 * shared object, for finding out that one of them died there. */
#include "mp_parties.h"

#include "mp_backend.h"
#include "mp_semlock.h"

static uint32_t owner_of(uint64_t word)
{
    return (uint32_t)(word >> 32);
}

static uint32_t count_of(uint64_t word)
{
    return (uint32_t)word;
}

static uint64_t slot_word(uint32_t owner, uint32_t count)
{
    return count ? (uint64_t)owner << 32 | count : 0;
}

bool mp__parties_enter(mp__party_slot_t *slots, size_t n)
{
    uint32_t me = mp__semlock_self_owner();
    /* Our own slot first (other threads of this process may be inside);
     * a failed compare-and-swap reloads the word and tries again while
     * the slot is still ours. */
    for (size_t i = 0; i < n; i++) {
        uint64_t w = atomic_load(&slots[i].word);
        while (w && owner_of(w) == me && count_of(w) < UINT32_MAX)
            if (atomic_compare_exchange_weak(&slots[i].word, &w, slot_word(me, count_of(w) + 1)))
                return true;
    }
    /* Then a free one. Two threads of one process may each take one here:
     * counts and lookups work across any number of slots of an owner. */
    for (size_t i = 0; i < n; i++) {
        uint64_t w = 0;
        if (atomic_compare_exchange_strong(&slots[i].word, &w, slot_word(me, 1)))
            return true;
    }
    return false;
}

void mp__parties_leave(mp__party_slot_t *slots, size_t n)
{
    uint32_t me = mp__semlock_self_owner();
    for (size_t i = 0; i < n; i++) {
        uint64_t w = atomic_load(&slots[i].word);
        while (w && owner_of(w) == me) {
            if (atomic_compare_exchange_weak(&slots[i].word, &w, slot_word(me, count_of(w) - 1)))
                return;
        }
    }
    /* Not found: a hostile process cleared it; there is nothing to undo. */
}

uint32_t mp__parties_count(const mp__party_slot_t *slots, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += count_of(atomic_load(&((mp__party_slot_t *)slots)[i].word));
    return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

uint32_t mp__parties_reap(mp__party_slot_t *slots, size_t n)
{
    uint32_t me = mp__semlock_self_owner(), dead = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t w = atomic_load(&slots[i].word);
        /* Only a process that is gone is freed: it can no longer change
         * its slot, so the compare-and-swap fails only if another reaper
         * freed it first. */
        if (w && owner_of(w) != me && mp__os_lock_owner_is_dead(owner_of(w)) &&
            atomic_compare_exchange_strong(&slots[i].word, &w, 0))
            dead = count_of(w) > UINT32_MAX - dead ? UINT32_MAX : dead + count_of(w);
    }
    return dead;
}
