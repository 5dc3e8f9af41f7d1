/* Handle ids: a table of slots, each holding an object and the id it was
 * issued under. An id packs a slot number, its object's kind tag and the
 * slot's generation; the generation moves on when the object is destroyed,
 * which is what makes a stale id detectable for ever (see mp_handles.h). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_handles.h"

#define SLOT_BITS MP__HANDLE_SLOT_BITS
#define GEN_SHIFT MP__HANDLE_GEN_SHIFT
#define GENERATION_MAX (UINTPTR_MAX >> GEN_SHIFT)
#define CHUNK_BITS MP__HANDLE_CHUNK_BITS
#define CHUNK_SLOTS ((size_t)1 << CHUNK_BITS)
#define MAX_CHUNKS MP__HANDLE_MAX_CHUNKS
#define NO_SLOT UINT32_MAX

typedef mp__handle_slot_t slot_t;

/* A chunk: the slots lookups read, then the free-list links, which only
 * the core lock's holder touches (kept apart so that a slot stays 16
 * bytes). */
typedef struct chunk {
    slot_t slots[CHUNK_SLOTS];
    uint32_t next_free[CHUNK_SLOTS];
} chunk_t;

_Atomic(mp__handle_slot_t *) mp__handle_chunks[MP__HANDLE_MAX_CHUNKS];

/* Slots ever handed out, and the free ones, oldest first: reusing the
 * longest-free slot keeps a stale id's slot unused for as long as
 * possible. Under the core lock. */
static size_t slots_used;
static uint32_t free_head = NO_SLOT, free_tail = NO_SLOT;

static slot_t *slot_at(size_t index)
{
    slot_t *chunk = atomic_load_explicit(&mp__handle_chunks[index >> CHUNK_BITS],
                                         memory_order_acquire);
    return chunk ? &chunk[index & (CHUNK_SLOTS - 1)] : NULL;
}

/* The free-list link of a slot that exists. */
static uint32_t *next_free_of(size_t index)
{
    chunk_t *chunk = (chunk_t *)atomic_load_explicit(&mp__handle_chunks[index >> CHUNK_BITS],
                                                     memory_order_relaxed);
    return &chunk->next_free[index & (CHUNK_SLOTS - 1)];
}

/* A slot for a new object: the oldest free one, or a new one. Under the
 * core lock. */
static int take_slot(size_t *out)
{
    if (free_head != NO_SLOT) {
        *out = free_head;
        free_head = *next_free_of(free_head);
        if (free_head == NO_SLOT)
            free_tail = NO_SLOT;
        return 0;
    }
    size_t index = slots_used;
    if (index + 1 >= ((size_t)1 << SLOT_BITS))
        return mp__errdetail_set(MP_ENOMEM, "more than %zu live handles",
                                 (size_t)MAX_CHUNKS * CHUNK_SLOTS);
    size_t c = index >> CHUNK_BITS;
    if (!atomic_load_explicit(&mp__handle_chunks[c], memory_order_relaxed)) {
        chunk_t *chunk = calloc(1, sizeof *chunk);
        if (!chunk)
            return MP_ENOMEM;
        for (size_t i = 0; i < CHUNK_SLOTS; i++)
            atomic_init(&chunk->slots[i].id, (uintptr_t)1 << GEN_SHIFT); /* generation 1 */
        atomic_store_explicit(&mp__handle_chunks[c], chunk->slots, memory_order_release);
    }
    slots_used = index + 1;
    *out = index;
    return 0;
}

int mp__handle_new(void *object, unsigned tag, void **id)
{
    size_t index = 0;
    mp__core_lock();
    int rc = take_slot(&index);
    if (rc == 0) {
        slot_t *s = slot_at(index);
        uintptr_t generation = atomic_load_explicit(&s->id, memory_order_relaxed) >> GEN_SHIFT;
        uintptr_t bits = generation << GEN_SHIFT | (uintptr_t)tag << SLOT_BITS | (index + 1);
        atomic_store_explicit(&s->object, object, memory_order_relaxed);
        /* Published last: a lookup that matches the id sees the object. */
        atomic_store_explicit(&s->id, bits, memory_order_release);
        *id = (void *)bits;
    }
    mp__core_unlock();
    return rc;
}

/* The slot an id points at, if it exists; NULL when it cannot be one of
 * ours. */
static slot_t *slot_of(const void *id, size_t *index)
{
    uintptr_t slot_plus_one = (uintptr_t)id & (((uintptr_t)1 << SLOT_BITS) - 1);
    if (slot_plus_one == 0)
        return NULL;
    *index = (size_t)(slot_plus_one - 1);
    return slot_at(*index);
}

void *mp__handle_get(const void *id, mp__handle_state_t *state)
{
    size_t index;
    mp__handle_state_t st = MP__HANDLE_FOREIGN;
    void *object = NULL;
    slot_t *s = slot_of(id, &index);
    if (s) {
        uintptr_t current = atomic_load_explicit(&s->id, memory_order_acquire);
        if (current == (uintptr_t)id)
            object = atomic_load_explicit(&s->object, memory_order_acquire);
        /* An older generation of this slot: an object that was destroyed. */
        bool older = (uintptr_t)id >> GEN_SHIFT != 0 &&
                     (uintptr_t)id >> GEN_SHIFT < current >> GEN_SHIFT;
        st = object ? MP__HANDLE_LIVE : older ? MP__HANDLE_RETIRED : MP__HANDLE_FOREIGN;
    }
    if (state)
        *state = st;
    return object;
}

void mp__handle_retire(const void *id)
{
    mp__core_lock();
    mp__handle_retire_locked(id);
    mp__core_unlock();
}

void mp__handle_retire_locked(const void *id)
{
    size_t index;
    slot_t *s = slot_of(id, &index);
    if (s && atomic_load_explicit(&s->object, memory_order_relaxed) &&
        atomic_load_explicit(&s->id, memory_order_relaxed) == (uintptr_t)id) {
        uintptr_t generation = (uintptr_t)id >> GEN_SHIFT;
        /* The id first: from here no lookup matches it. */
        atomic_store_explicit(&s->id, (generation + 1) << GEN_SHIFT, memory_order_release);
        atomic_store_explicit(&s->object, NULL, memory_order_release);
        /* A slot whose next generation would wrap is retired with it. */
        if (generation + 1 < GENERATION_MAX) {
            *next_free_of(index) = NO_SLOT;
            if (free_tail == NO_SLOT)
                free_head = (uint32_t)index;
            else
                *next_free_of(free_tail) = (uint32_t)index;
            free_tail = (uint32_t)index;
        }
    }
}

void mp__handle_each(void (*fn)(void *object, void *ctx), void *ctx)
{
    mp__core_lock();
    size_t used = slots_used;
    for (size_t i = 0; i < used; i++) {
        void *object = atomic_load_explicit(&slot_at(i)->object, memory_order_relaxed);
        if (object)
            fn(object, ctx);
    }
    mp__core_unlock();
}
