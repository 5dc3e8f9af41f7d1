/**
 * @file mp_handles.h
 * @brief Handle ids: what a user holds instead of an object's address.
 *
 * A handle is an id (a slot number and that slot's generation, packed into
 * a pointer-sized value), never the object's address. Destroying an object
 * retires its id for good: a slot is reused only under a new generation,
 * and a slot whose generation would wrap is never reused, so a stale handle
 * can never name a newer object (it answers MP_ECLOSED for ever), and an id
 * is looked up, never dereferenced, so a foreign pointer is harmless.
 *
 * Lookups take no lock (they are on every lock acquire); creating and
 * retiring ids take the core lock.
 */
#ifndef MP_HANDLES_H
#define MP_HANDLES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** What an id names, if anything. */
typedef enum mp__handle_state {
    MP__HANDLE_LIVE,    /**< names a live object */
    MP__HANDLE_RETIRED, /**< named an object that was destroyed */
    MP__HANDLE_FOREIGN  /**< was never an id this process handed out */
} mp__handle_state_t;

/**
 * @brief Give `object`, of kind `tag` (below 2^MP__HANDLE_TAG_BITS), a
 *        fresh id.
 * @return 0; MP_ENOMEM when memory or the id space (16M live handles) ran out.
 */
int mp__handle_new(void *object, unsigned tag, void **id);

/* ---- the table, for the inline lookup below (handles.c owns it) ---- */

/* An id is, from the low bits up: its slot number + 1 (so no id is NULL),
 * its object's kind tag (the kind's record id), and the slot's generation
 * when it was issued. A 32-bit pointer leaves 9 bits of generation: a slot
 * is then retired after 511 reuses rather than ever wrapping. */
#if UINTPTR_MAX > 0xffffffffu
#define MP__HANDLE_SLOT_BITS 24 /* 16M live handles */
#define MP__HANDLE_TAG_BITS 8
#else
#define MP__HANDLE_SLOT_BITS 18 /* 256K live handles */
#define MP__HANDLE_TAG_BITS 5
#endif
#define MP__HANDLE_GEN_SHIFT (MP__HANDLE_SLOT_BITS + MP__HANDLE_TAG_BITS)
/* Slots live in chunks that never move once allocated, so a lookup reads
 * them without a lock while another thread adds a chunk. */
#define MP__HANDLE_CHUNK_BITS 12
#define MP__HANDLE_MAX_CHUNKS ((size_t)1 << (MP__HANDLE_SLOT_BITS - MP__HANDLE_CHUNK_BITS))

/** One slot of the table: 16 bytes, so a lookup indexes with a shift. */
typedef struct mp__handle_slot {
    _Atomic(void *) object; /**< NULL while free */
    /** The id issued for the current object; while free, the next
     *  generation's (tag 0). */
    _Atomic(uintptr_t) id;
} mp__handle_slot_t;

/** The chunks of slots; a chunk, once there, never moves or goes. */
extern _Atomic(mp__handle_slot_t *) mp__handle_chunks[MP__HANDLE_MAX_CHUNKS];

/**
 * @brief The object of kind `tag` that a live id names, or NULL for anything
 *        else: the fast path of every call on a handle (inline, no lock, no
 *        call). The kind is checked on the id's own bits and the id against
 *        its slot's, so the only loads are the chunk and the slot. Any value
 *        is safe: an id is looked up, never dereferenced.
 */
static inline void *mp__handle_live(const void *id, unsigned tag)
{
    uintptr_t bits = (uintptr_t)id;
    if (((bits >> MP__HANDLE_SLOT_BITS) & (((uintptr_t)1 << MP__HANDLE_TAG_BITS) - 1)) != tag)
        return NULL;
    /* Slot 0 wraps to SIZE_MAX here, which the chunk bound refuses too. */
    size_t index = (size_t)(bits & (((uintptr_t)1 << MP__HANDLE_SLOT_BITS) - 1)) - 1;
    size_t chunk_index = index >> MP__HANDLE_CHUNK_BITS;
    if (chunk_index >= MP__HANDLE_MAX_CHUNKS)
        return NULL;
    mp__handle_slot_t *chunk = atomic_load_explicit(&mp__handle_chunks[chunk_index],
                                                    memory_order_acquire);
    if (!chunk)
        return NULL;
    mp__handle_slot_t *s = &chunk[index & (((size_t)1 << MP__HANDLE_CHUNK_BITS) - 1)];
    if (atomic_load_explicit(&s->id, memory_order_acquire) != bits)
        return NULL;
    return atomic_load_explicit(&s->object, memory_order_acquire);
}

/**
 * @brief The object an id names, and what the id is.
 * @param[out] state what the id is (may be NULL).
 * @return the object; NULL unless `*state` is MP__HANDLE_LIVE.
 */
void *mp__handle_get(const void *id, mp__handle_state_t *state);

/** @brief Retire a live id for ever. Ignores anything else. */
void mp__handle_retire(const void *id);

/** @brief mp__handle_retire() for a caller that holds the core lock (an
 *         mp__handle_each() callback). */
void mp__handle_retire_locked(const void *id);

/**
 * @brief Call `fn` on every live object, under the core lock (so `fn` must
 *        not create or retire handles).
 */
void mp__handle_each(void (*fn)(void *object, void *ctx), void *ctx);

#endif /* MP_HANDLES_H */
