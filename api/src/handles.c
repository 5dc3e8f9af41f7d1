/* Handle ids: a table of slots, each holding an object and a generation.
 * An id packs a slot number with the generation it was issued under; the
 * generation moves on when the object is destroyed, which is what makes a
 * stale id detectable for ever (see mp_handles.h). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_handles.h"

/* The low bits of an id are its slot number + 1 (so no id is NULL), the
 * high bits its generation. A 32-bit pointer leaves 12 bits of generation:
 * a slot is then retired after 4095 reuses rather than ever wrapping. */
#if UINTPTR_MAX > 0xffffffffu
#define SLOT_BITS 32
#else
#define SLOT_BITS 20
#endif
#define GENERATION_MAX (UINTPTR_MAX >> SLOT_BITS)

/* Slots live in chunks that never move once allocated, so a lookup can read
 * them without a lock while another thread adds a chunk. */
#define CHUNK_BITS 12
#define CHUNK_SLOTS ((size_t)1 << CHUNK_BITS)
#define MAX_CHUNKS 4096 /* 16M slots */
#define NO_SLOT UINT32_MAX

typedef struct slot {
    _Atomic(void *) object;        /* NULL while free */
    _Atomic(uintptr_t) generation; /* of the id issued for the current object */
    uint32_t next_free;            /* free-list link, under the core lock */
} slot_t;

static _Atomic(slot_t *) chunks[MAX_CHUNKS];
static _Atomic(size_t) slots_used; /* slots ever handed out */
/* Free slots, oldest first: reusing the longest-free slot keeps a stale id's
 * slot unused for as long as possible. Under the core lock. */
static uint32_t free_head = NO_SLOT, free_tail = NO_SLOT;

static slot_t *slot_at(size_t index)
{
    slot_t *chunk = atomic_load_explicit(&chunks[index >> CHUNK_BITS], memory_order_acquire);
    return chunk ? &chunk[index & (CHUNK_SLOTS - 1)] : NULL;
}

/* A slot for a new object: the oldest free one, or a new one. Under the
 * core lock. */
static int take_slot(size_t *out)
{
    if (free_head != NO_SLOT) {
        *out = free_head;
        free_head = slot_at(free_head)->next_free;
        if (free_head == NO_SLOT)
            free_tail = NO_SLOT;
        return 0;
    }
    size_t index = atomic_load_explicit(&slots_used, memory_order_relaxed);
    if (index >= (size_t)MAX_CHUNKS * CHUNK_SLOTS || index + 1 >= ((size_t)1 << SLOT_BITS))
        return mp__errdetail_set(MP_ENOMEM, "more than %zu live handles",
                                 (size_t)MAX_CHUNKS * CHUNK_SLOTS);
    size_t c = index >> CHUNK_BITS;
    if (!atomic_load_explicit(&chunks[c], memory_order_relaxed)) {
        slot_t *chunk = calloc(CHUNK_SLOTS, sizeof *chunk);
        if (!chunk)
            return MP_ENOMEM;
        for (size_t i = 0; i < CHUNK_SLOTS; i++)
            atomic_init(&chunk[i].generation, 1);
        atomic_store_explicit(&chunks[c], chunk, memory_order_release);
    }
    atomic_store_explicit(&slots_used, index + 1, memory_order_release);
    *out = index;
    return 0;
}

int mp__handle_new(void *object, void **id)
{
    size_t index = 0;
    mp__core_lock();
    int rc = take_slot(&index);
    if (rc == 0) {
        slot_t *s = slot_at(index);
        uintptr_t generation = atomic_load_explicit(&s->generation, memory_order_relaxed);
        atomic_store_explicit(&s->object, object, memory_order_release);
        *id = (void *)((generation << SLOT_BITS) | (uintptr_t)(index + 1));
    }
    mp__core_unlock();
    return rc;
}

/* Split an id; false when it cannot be one of ours. */
static bool decode(const void *id, size_t *index, uintptr_t *generation)
{
    uintptr_t bits = (uintptr_t)id;
    uintptr_t slot_plus_one = bits & (((uintptr_t)1 << SLOT_BITS) - 1);
    if (slot_plus_one == 0 ||
        slot_plus_one > atomic_load_explicit(&slots_used, memory_order_acquire))
        return false;
    *index = (size_t)(slot_plus_one - 1);
    *generation = bits >> SLOT_BITS;
    return true;
}

void *mp__handle_get(const void *id, mp__handle_state_t *state)
{
    size_t index;
    uintptr_t generation;
    mp__handle_state_t st = MP__HANDLE_FOREIGN;
    void *object = NULL;
    slot_t *s = decode(id, &index, &generation) ? slot_at(index) : NULL;
    if (s) {
        uintptr_t current = atomic_load_explicit(&s->generation, memory_order_acquire);
        if (generation == current)
            object = atomic_load_explicit(&s->object, memory_order_acquire);
        st = object                                    ? MP__HANDLE_LIVE
             : generation != 0 && generation < current ? MP__HANDLE_RETIRED
                                                       : MP__HANDLE_FOREIGN;
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
    uintptr_t generation;
    slot_t *s = decode(id, &index, &generation) ? slot_at(index) : NULL;
    if (s && atomic_load_explicit(&s->object, memory_order_relaxed) &&
        atomic_load_explicit(&s->generation, memory_order_relaxed) == generation) {
        atomic_store_explicit(&s->object, NULL, memory_order_release);
        atomic_store_explicit(&s->generation, generation + 1, memory_order_release);
        /* A slot whose next generation would wrap is retired with it. */
        if (generation + 1 < GENERATION_MAX) {
            s->next_free = NO_SLOT;
            if (free_tail == NO_SLOT)
                free_head = (uint32_t)index;
            else
                slot_at(free_tail)->next_free = (uint32_t)index;
            free_tail = (uint32_t)index;
        }
    }
}

void mp__handle_each(void (*fn)(void *object, void *ctx), void *ctx)
{
    mp__core_lock();
    size_t used = atomic_load_explicit(&slots_used, memory_order_relaxed);
    for (size_t i = 0; i < used; i++) {
        void *object = atomic_load_explicit(&slot_at(i)->object, memory_order_relaxed);
        if (object)
            fn(object, ctx);
    }
    mp__core_unlock();
}
