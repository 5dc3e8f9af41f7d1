/**
 * @file mp_ring_layout.h
 * @brief The ring's shared block as its two files see it: ring.c (making,
 *        putting, getting) and ring_wait.c (sleeping, waking, and the
 *        JoinableQueue's count). Nothing else includes it.
 */
#ifndef MP_RING_LAYOUT_H
#define MP_RING_LAYOUT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mp_backend.h"
#include "mp_ring.h"
#include "mp_semlock.h"

#define RING_MAGIC 0x51524d50u /* "PMRQ" */

/* The packed words: a byte position modulo 2^36 (rings are at most 2^30
 * bytes, so differences stay exact) and a message count modulo 2^28 (a
 * ring holds at most size / 8 < 2^28 messages). */
enum { POS_BITS = 36 };
#define POS_MASK ((UINT64_C(1) << POS_BITS) - 1)
#define COUNT_MASK ((UINT32_C(1) << 28) - 1)

/* Record tags: unlikely values, so that a rewrite of the ring is noticed. */
enum {
    REC_INLINE = 0x31514e49u, /* the message follows */
    REC_SPILL = 0x31515053u,  /* a spill_ref_t follows */
};
enum { HEADER = 8, SPILL_RECORD = 24 };

typedef struct record_header {
    uint32_t tag;
    uint32_t len; /* REC_INLINE: the message's length */
} record_header_t;

typedef struct spill_ref {
    uint64_t at, len;
} spill_ref_t;

struct mp__ring_shared {
    uint32_t magic;
    _Atomic uint32_t closed;
    _Atomic uint32_t broken; /* a get found a record that makes no sense */

    /* Each side is two cache lines: one only its own processes touch (the
     * lock, and what is kept under it), and one it publishes, which the
     * other side reads; a consumer watching the tail must not take the
     * producers' lock line away from them at every look. */

    /* The producers' side, written under put_lock. */
    alignas(64) unsigned char put_lock[MP__SEMLOCK_SIZE];
    _Atomic uint64_t head_seen;  /* the head as producers last read it */
    _Atomic uint64_t spill_mark; /* the spill file's pages below it may be in use */
    _Atomic uint64_t dead_putters;
    alignas(64) _Atomic uint64_t tail;
    mp__futex_t put_seq; /* getters sleep on it */
    _Atomic uint64_t puts, spilled;
    /* Read by every get, written only by putters about to sleep (and by
     * the first get that wakes them: see mp__ring_wake_sleepers()). */
    alignas(64) _Atomic uint32_t put_waiters;
    _Atomic uint32_t put_waiters_woken;

    /* The consumers' side, written under get_lock. */
    alignas(64) unsigned char get_lock[MP__SEMLOCK_SIZE];
    _Atomic uint64_t tail_seen; /* the tail as consumers last read it */
    _Atomic uint64_t dead_getters;
    /* The place of a spilled message a getter has removed and is giving
     * the pages of back: a producer must not put anything there until
     * `discarding` is 0 again (ring_spill.c). */
    _Atomic uint32_t discarding;
    _Atomic uint64_t discard_at, discard_end;
    alignas(64) _Atomic uint64_t head;
    mp__futex_t get_seq; /* putters sleep on it */
    _Atomic uint64_t gets;
    /* Read by every put, written only by getters about to sleep (and by
     * the first put that wakes them). */
    alignas(64) _Atomic uint32_t get_waiters;
    _Atomic uint32_t get_waiters_woken;

    /* JoinableQueue: tasks done, modulo 2^28 like the tail's count. */
    alignas(64) mp__futex_t done;
    _Atomic uint32_t join_waiters, join_waiters_woken;
};

/* Where the ring's bytes start in the block. */
#define RING_OFFSET ((sizeof(mp__ring_shared_t) + 63) & ~(size_t)63)

static inline uint64_t pos_of(uint64_t packed)
{
    return packed & POS_MASK;
}

static inline uint32_t count_of(uint64_t packed)
{
    return (uint32_t)(packed >> POS_BITS) & COUNT_MASK;
}

static inline uint64_t pack(uint64_t pos, uint32_t count)
{
    return (pos & POS_MASK) | ((uint64_t)(count & COUNT_MASK) << POS_BITS);
}

static inline uint64_t inline_size(size_t len)
{
    return HEADER + (((uint64_t)len + 7) & ~(uint64_t)7);
}

/* Only the lock holder writes a counter, so a plain load and store bump it
 * (a read-modify-write would cost a locked instruction per message). */
static inline void bump64(_Atomic uint64_t *counter)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

typedef struct ring_fill {
    uint64_t used;  /* bytes of records */
    uint32_t count; /* messages */
} mp__ring_fill_t;

/* How full the ring is between a tail and a head; false when the two make
 * no sense together (someone rewrote them). */
static inline bool mp__ring_fill_of(const mp__ring_t *ring, uint64_t tail, uint64_t head,
                                    mp__ring_fill_t *fill)
{
    fill->used = (pos_of(tail) - pos_of(head)) & POS_MASK;
    fill->count = (count_of(tail) - count_of(head)) & COUNT_MASK;
    return fill->used <= ring->size && fill->count <= fill->used / HEADER &&
           (fill->count == 0) == (fill->used == 0);
}

static inline bool mp__ring_current_fill(mp__ring_t *ring, mp__ring_fill_t *fill)
{
    uint64_t head = atomic_load_explicit(&ring->shared->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&ring->shared->tail, memory_order_acquire);
    return mp__ring_fill_of(ring, tail, head, fill);
}

static inline bool mp__ring_closed(const mp__ring_t *ring)
{
    return atomic_load_explicit(&ring->shared->closed, memory_order_acquire) != 0;
}

/* Would a put of a record of `need` bytes find room? */
static inline bool mp__ring_has_room(const mp__ring_t *ring, const mp__ring_fill_t *fill,
                                     uint64_t need)
{
    return (!ring->maxsize || fill->count < ring->maxsize) && ring->size - fill->used >= need;
}

/* ---- bytes in the ring (ring.c, ring_spill.c) ------------------------------ */

/* Copy into the ring at `pos`, across its end if need be. */
static inline void mp__ring_write(mp__ring_t *ring, uint64_t pos, const void *src, size_t len)
{
    size_t at = (size_t)(pos & (ring->size - 1));
    size_t first = len < ring->size - at ? len : (size_t)(ring->size - at);
    if (first)
        memcpy(ring->data + at, src, first);
    if (len > first)
        memcpy(ring->data, (const unsigned char *)src + first, len - first);
}

/* Copy out of the ring at `pos`, across its end if need be. */
static inline void mp__ring_read(const mp__ring_t *ring, uint64_t pos, void *dst, size_t len)
{
    size_t at = (size_t)(pos & (ring->size - 1));
    size_t first = len < ring->size - at ? len : (size_t)(ring->size - at);
    if (first)
        memcpy(dst, ring->data + at, first);
    if (len > first)
        memcpy((unsigned char *)dst + first, ring->data, len - first);
}

/** @brief Mark the ring broken (shared memory rewritten into nonsense):
 *         MP_EBROKEN, from every call from now on. */
int mp__ring_broken(mp__ring_t *ring, const char *why);

/* ---- ring_spill.c ------------------------------------------------------------ */

/** What a put finds when its message cannot go in yet (not an error). */
enum { MP__RING_NO_ROOM = 1 };

/* Pages of the spill file below this many times the ring's size are kept
 * when nothing uses them: the next spilled messages go there. */
enum { SPILL_WARM_RINGS = 4 };

/**
 * @brief A getter removed the record of a spilled message at [at, end)
 *        (the get lock held): give its pages back, but the warm ones.
 *        Call mp__ring_spill_taking() before the store that removes it.
 */
void mp__ring_spill_taken(mp__ring_t *ring, uint64_t at, uint64_t end);

/** @brief Before a getter's store that removes a spilled message's record:
 *         keep producers off its place until mp__ring_spill_taken(). */
void mp__ring_spill_taking(mp__ring_t *ring, uint64_t at, uint64_t end);

/**
 * @brief Where a spilled message of `len` bytes goes in the spill file (the
 *        put lock held, `head` read afresh): the lowest place that no
 *        spilled message still in the ring uses; the pages above all of
 *        them are given back on the way.
 * @return 0 and `*at`; MP__RING_NO_ROOM (the file's offsets are used up);
 *         MP_EBROKEN; MP_ENOMEM.
 */
int mp__ring_spill_place(mp__ring_t *ring, uint64_t head, uint64_t tail, uint64_t len,
                         uint64_t *at);

/* ---- ring_wait.c ---------------------------------------------------------- */

/* The sleepers of one sequence word: how many, and whether a wake-up has
 * been sent since the last of them lay down. */
typedef struct mp__ring_sleepers {
    _Atomic uint32_t *count;
    _Atomic uint32_t *woken;
} mp__ring_sleepers_t;

/** The getters' and the putters' sleepers. */
mp__ring_sleepers_t mp__ring_getters(mp__ring_t *ring);
mp__ring_sleepers_t mp__ring_putters(mp__ring_t *ring);

/** What a waiter waits for. */
typedef enum { MP__RING_FOR_DATA, MP__RING_FOR_ROOM } mp__ring_wait_for_t;

/**
 * @brief Take a side's lock by `deadline`; a dead holder's lock is taken
 *        over and counted in `deaths`.
 * @return 0; MP_ETIMEDOUT; MP_EINTR.
 */
int mp__ring_take_side(mp__ring_t *ring, void *lock, _Atomic uint64_t *deaths, double deadline);

/** @brief After a side published: wake the other side's sleepers, if any. */
void mp__ring_wake_sleepers(mp__futex_t *seq, mp__ring_sleepers_t sleepers);

/** @brief Bump a side's sequence word (its lock is held). */
static inline void mp__ring_bump_seq(mp__futex_t *seq)
{
    atomic_store_explicit(&seq->value, atomic_load_explicit(&seq->value, memory_order_relaxed) + 1,
                          memory_order_release);
}

/**
 * @brief Wait until the ring may let the caller go on (a message, or room
 *        for a record of `need` bytes), or the deadline passes: spin, then
 *        sleep one slice. The caller looks again either way.
 * @return 0; MP_EINTR.
 */
int mp__ring_await(mp__ring_t *ring, mp__ring_wait_for_t what, uint64_t need, double deadline);

#endif /* MP_RING_LAYOUT_H */
