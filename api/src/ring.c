/* The message ring under every queue (see mp_ring.h for what it promises).
 *
 * Producers serialise on the put lock and consumers on the get lock, so one
 * producer and one consumer never touch each other's lock: between the two
 * sides the ring is a single-producer single-consumer ring, and each side's
 * lock stays in its own CPU's cache. The sides meet in two packed words:
 * the tail (where the next record goes, and how many messages were ever
 * put, modulo 2^28) and the head (where the next record to take starts,
 * and how many were taken). Each is written with one store, so the byte
 * count and the message count can never disagree, whoever dies when.
 *
 * Records are 8-byte aligned: a header (a tag that says what follows, and a
 * length), then the message padded to 8 bytes. A message whose record
 * would take more than a quarter of the ring goes to the spill file, and a
 * 24-byte record saying where goes to the ring.
 *
 * Waiting: a side that cannot go on spins briefly, then sleeps on the other
 * side's sequence word (bumped after every put or get) after counting
 * itself among that side's waiters, which the other side reads after each
 * publication to decide whether to wake anyone (the classic Dekker pairing
 * of a store, a full fence and a load on each side). Sleeps are cut into
 * slices, so a waker that died between its store and its wake-up costs a
 * slice, never a hang. */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
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

/* Spin rounds before sleeping: about 10 us, the cost of a wake-up across
 * CPUs on the machines this was measured on. */
enum { SPIN_ROUNDS = 256 };
/* A sleep's longest slice (see the file's comment). */
static const double SLEEP_SLICE = 0.1;

struct mp__ring_shared {
    uint32_t magic;
    _Atomic uint32_t closed;
    _Atomic uint32_t broken; /* a get found a record that makes no sense */

    /* The producers' side: written under put_lock. */
    alignas(64) unsigned char put_lock[MP__SEMLOCK_SIZE];
    _Atomic uint64_t tail;
    _Atomic uint64_t head_seen;  /* the head as producers last read it */
    _Atomic uint64_t spill_next; /* where the next spilled message goes */
    _Atomic uint64_t puts, spilled, dead_putters;
    mp__futex_t put_seq; /* getters sleep on it */
    /* Read by every get, written only by putters about to sleep (and by
     * the first get that wakes them: see wake_sleepers()). */
    alignas(64) _Atomic uint32_t put_waiters;
    _Atomic uint32_t put_waiters_woken;

    /* The consumers' side: written under get_lock. */
    alignas(64) unsigned char get_lock[MP__SEMLOCK_SIZE];
    _Atomic uint64_t head;
    _Atomic uint64_t tail_seen; /* the tail as consumers last read it */
    /* Set while a getter gives back the pages of a spilled message it took:
     * until then no put may start the spill file over (it would write
     * where pages are being given back). */
    _Atomic uint32_t discarding;
    _Atomic uint64_t gets, dead_getters;
    mp__futex_t get_seq; /* putters sleep on it */
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

/* Spilled bytes below this many times the ring's size keep their pages
 * when taken: the next spill reuses them once the ring has emptied. */
enum { SPILL_WARM_RINGS = 4 };

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

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Only the lock holder writes a counter, so a plain load and store bump it
 * (a read-modify-write would cost a locked instruction per message). */
static inline void bump64(_Atomic uint64_t *counter)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

void (*mp__ring_test_hook)(mp__ring_point_t point);

size_t mp__ring_block_size(uint64_t ring_size)
{
    return RING_OFFSET + (size_t)ring_size;
}

/* ---- making and attaching -------------------------------------------- */

static void view(mp__ring_t *ring, const mp__ring_shape_t *shape)
{
    unsigned char *base = mp__os_shm_addr(ring->block);
    ring->shared = (mp__ring_shared_t *)base;
    ring->data = base + RING_OFFSET;
    ring->size = shape->size;
    ring->maxsize = shape->maxsize;
    ring->max_message = shape->max_message;
    ring->joinable = shape->joinable;
}

int mp__ring_create(mp__ring_t *ring, const mp__ring_shape_t *shape)
{
    memset(ring, 0, sizeof *ring);
    int rc = mp__os_shm_create(NULL, mp__ring_block_size(shape->size), &ring->block);
    if (rc == 0)
        rc = mp__os_spill_create(&ring->spill);
    if (rc < 0) {
        mp__ring_release(ring);
        return rc;
    }
    view(ring, shape);
    mp__ring_shared_t *s = ring->shared;
    s->magic = RING_MAGIC;
    mp__mutex_init(s->put_lock);
    mp__mutex_init(s->get_lock);
    mp__os_futex_init(&s->put_seq, 0);
    mp__os_futex_init(&s->get_seq, 0);
    mp__os_futex_init(&s->done, 0);
    return 0;
}

int mp__ring_attach(mp__ring_t *ring, const mp__ring_shape_t *shape, mp_sentinel_t block,
                    mp_sentinel_t spill)
{
    memset(ring, 0, sizeof *ring);
    int rc = mp__os_shm_from_handle(block, &ring->block);
    int spill_rc = mp__os_spill_from_handle(spill, &ring->spill);
    if (rc == 0)
        rc = spill_rc;
    if (rc == 0 && mp__os_shm_size(ring->block) < mp__ring_block_size(shape->size))
        rc = mp__errdetail_set(MP_EBOOTSTRAP, "a queue's block is smaller than its ring");
    if (rc < 0) {
        mp__ring_release(ring);
        return rc;
    }
    view(ring, shape);
    return 0;
}

void mp__ring_release(mp__ring_t *ring)
{
    mp__os_shm_free(ring->block);
    mp__os_spill_free(ring->spill);
    ring->block = NULL;
    ring->spill = NULL;
}

mp__ring_shape_t mp__ring_shape(const mp__ring_t *ring)
{
    return (mp__ring_shape_t){.size = ring->size,
                              .maxsize = ring->maxsize,
                              .max_message = ring->max_message,
                              .joinable = ring->joinable};
}

/* ---- bytes in the ring ----------------------------------------------- */

/* Copy into the ring at `pos`, across its end if need be. */
static void ring_write(mp__ring_t *ring, uint64_t pos, const void *src, size_t len)
{
    size_t at = (size_t)(pos & (ring->size - 1));
    size_t first = len < ring->size - at ? len : (size_t)(ring->size - at);
    if (first)
        memcpy(ring->data + at, src, first);
    if (len > first)
        memcpy(ring->data, (const unsigned char *)src + first, len - first);
}

static void ring_read(const mp__ring_t *ring, uint64_t pos, void *dst, size_t len)
{
    size_t at = (size_t)(pos & (ring->size - 1));
    size_t first = len < ring->size - at ? len : (size_t)(ring->size - at);
    if (first)
        memcpy(dst, ring->data + at, first);
    if (len > first)
        memcpy((unsigned char *)dst + first, ring->data, len - first);
}

/* ---- the state both sides read ------------------------------------- */

typedef struct ring_fill {
    uint64_t used;  /* bytes of records */
    uint32_t count; /* messages */
} ring_fill_t;

/* How full the ring is between a tail and a head; false when the two make
 * no sense together (someone rewrote them). */
static bool fill_of(const mp__ring_t *ring, uint64_t tail, uint64_t head, ring_fill_t *fill)
{
    fill->used = (pos_of(tail) - pos_of(head)) & POS_MASK;
    fill->count = (count_of(tail) - count_of(head)) & COUNT_MASK;
    return fill->used <= ring->size && fill->count <= fill->used / HEADER &&
           (fill->count == 0) == (fill->used == 0);
}

static int broken(mp__ring_t *ring, const char *why)
{
    atomic_store(&ring->shared->broken, 1);
    return mp__errdetail_set(MP_EBROKEN, "the queue's shared memory was rewritten: %s", why);
}

static int check_broken(mp__ring_t *ring)
{
    if (atomic_load_explicit(&ring->shared->broken, memory_order_relaxed))
        return mp__errdetail_set(MP_EBROKEN, "the queue's shared memory was rewritten");
    return 0;
}

static bool current_fill(mp__ring_t *ring, ring_fill_t *fill)
{
    uint64_t head = atomic_load_explicit(&ring->shared->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&ring->shared->tail, memory_order_acquire);
    return fill_of(ring, tail, head, fill);
}

static bool is_closed(const mp__ring_t *ring)
{
    return atomic_load_explicit(&ring->shared->closed, memory_order_acquire) != 0;
}

/* The other side's word, read afresh, and kept on this side's line (under
 * this side's lock) for the next call: reading the other side's line on
 * every message costs a cache miss each time, and a stale copy only ever
 * shows the ring fuller (to a producer) or emptier (to a consumer) than it
 * is, which the caller then checks against a fresh read. */
static uint64_t refresh(_Atomic uint64_t *theirs, _Atomic uint64_t *seen)
{
    uint64_t value = atomic_load_explicit(theirs, memory_order_acquire);
    atomic_store_explicit(seen, value, memory_order_relaxed);
    return value;
}

/* Would a put of a record of `need` bytes find room? */
static bool has_room(const mp__ring_t *ring, const ring_fill_t *fill, uint64_t need)
{
    return (!ring->maxsize || fill->count < ring->maxsize) && ring->size - fill->used >= need;
}

/* ---- locks and waiting -------------------------------------------------- */

/* Take a side's lock by `deadline`. A holder that died is no harm (see
 * mp_ring.h): count it, and wake everyone in case it died between its
 * store and its wake-up. */
static int take_side(mp__ring_t *ring, void *lock, _Atomic uint64_t *deaths, double deadline)
{
    int rc = mp__mutex_acquire(lock, true, mp__time_left(deadline));
    if (rc == MP_EOWNERDEAD) {
        /* A getter that died giving pages back gives back no more. */
        if (lock == ring->shared->get_lock)
            atomic_store(&ring->shared->discarding, 0);
        atomic_fetch_add(deaths, 1);
        mp__ring_wake_all(ring);
        rc = 0;
    }
    return rc;
}

/* The sleepers of one sequence word: how many, and whether a wake-up has
 * been sent since the last of them lay down. */
typedef struct sleepers {
    _Atomic uint32_t *count;
    _Atomic uint32_t *woken;
} sleepers_t;

/* After a side published: wake the other side's sleepers, if any. Only
 * the first publication after a sleeper lay down makes the system call:
 * the sleeper takes a while to run, and one wake-up per message until then
 * would cost far more than the messages (a sleeper clears `woken` before
 * it looks for the last time, see sleep_on()). */
static void wake_sleepers(mp__futex_t *seq, sleepers_t sleepers)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(sleepers.count, memory_order_relaxed) &&
        !atomic_load_explicit(sleepers.woken, memory_order_relaxed) &&
        !atomic_exchange(sleepers.woken, 1))
        mp__os_futex_wake(seq, INT32_MAX);
}

static void bump_seq(mp__futex_t *seq)
{
    atomic_store_explicit(&seq->value, atomic_load_explicit(&seq->value, memory_order_relaxed) + 1,
                          memory_order_release);
}

static sleepers_t getters(mp__ring_t *ring)
{
    return (sleepers_t){&ring->shared->get_waiters, &ring->shared->get_waiters_woken};
}

static sleepers_t putters(mp__ring_t *ring)
{
    return (sleepers_t){&ring->shared->put_waiters, &ring->shared->put_waiters_woken};
}

static sleepers_t joiners(mp__ring_t *ring)
{
    return (sleepers_t){&ring->shared->join_waiters, &ring->shared->join_waiters_woken};
}

/* What a waiter waits for. */
typedef enum { FOR_DATA, FOR_ROOM } wait_for_t;

static bool can_go(mp__ring_t *ring, wait_for_t what, uint64_t need)
{
    ring_fill_t fill;
    if (is_closed(ring) || !current_fill(ring, &fill))
        return true; /* the caller's next try reports it */
    return what == FOR_DATA ? fill.count > 0 : has_room(ring, &fill, need);
}

/* Sleep on the other side's sequence word for at most `seconds`, counted
 * among its waiters, unless the caller can go already (or `cancel`, when
 * given, is set: a watcher being stopped). */
static int sleep_on(mp__ring_t *ring, wait_for_t what, uint64_t need, double seconds,
                    const _Atomic bool *cancel)
{
    mp__futex_t *seq = what == FOR_DATA ? &ring->shared->put_seq : &ring->shared->get_seq;
    sleepers_t sleepers = what == FOR_DATA ? getters(ring) : putters(ring);
    atomic_fetch_add(sleepers.count, 1);
    atomic_store(sleepers.woken, 0);
    /* Sequentially consistent, like the store above: see wake_sleepers(). */
    uint32_t seen = atomic_load(&seq->value);
    int rc = 0;
    if (!can_go(ring, what, need) && seconds > 0 && !(cancel && atomic_load(cancel)))
        rc = mp__os_futex_wait(seq, seen, seconds < SLEEP_SLICE ? seconds : SLEEP_SLICE);
    atomic_fetch_sub(sleepers.count, 1);
    return rc == MP_EINTR && mp__interruptible() ? MP_EINTR : 0;
}

/* Wait until the ring may let the caller go on, or the deadline passes:
 * spin first, then sleep one slice. The caller looks again either way. */
static int await_change(mp__ring_t *ring, wait_for_t what, uint64_t need, double deadline)
{
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        if (can_go(ring, what, need))
            return 0;
        cpu_relax();
    }
    return sleep_on(ring, what, need, mp__time_left(deadline), NULL);
}

void mp__ring_wake_all(mp__ring_t *ring)
{
    mp__ring_shared_t *s = ring->shared;
    mp__futex_t *seqs[] = {&s->put_seq, &s->get_seq};
    for (size_t i = 0; i < sizeof seqs / sizeof *seqs; i++) {
        atomic_fetch_add_explicit(&seqs[i]->value, 1, memory_order_release);
        mp__os_futex_wake(seqs[i], INT32_MAX);
    }
    /* `done` is a count, not a sequence: woken, not bumped (joiners look
     * again after every wake-up anyway). */
    mp__os_futex_wake(&s->done, INT32_MAX);
}

/* ---- put ---------------------------------------------------------------- */

enum { NO_ROOM = 1, EMPTY = 1 };

/* Write the message, then publish it: the put lock is held. */
static int put_locked(mp__ring_t *ring, const void *data, size_t len, bool spill, uint64_t need)
{
    mp__ring_shared_t *s = ring->shared;
    if (is_closed(ring))
        return mp__errdetail_set(MP_ECLOSED, "put on a closed queue");
    uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    /* A spill may start the file over if the ring is empty: it needs the
     * head as it is now. */
    uint64_t head = spill ? refresh(&s->head, &s->head_seen)
                          : atomic_load_explicit(&s->head_seen, memory_order_relaxed);
    ring_fill_t fill;
    bool fits = fill_of(ring, tail, head, &fill) && has_room(ring, &fill, need);
    if (!fits && !spill) {
        head = refresh(&s->head, &s->head_seen);
        if (!fill_of(ring, tail, head, &fill))
            return broken(ring, "its head and tail disagree");
        fits = has_room(ring, &fill, need);
    } else if (!fits && !fill_of(ring, tail, head, &fill)) {
        return broken(ring, "its head and tail disagree");
    }
    if (!fits)
        return NO_ROOM;
    uint64_t pos = pos_of(tail);
    record_header_t header = {.tag = REC_INLINE, .len = (uint32_t)len};
    if (spill) {
        /* An empty ring has no spilled message either (each has a record
         * there, and a get removes the record only after reading), so the
         * file starts over from 0 and its warm pages serve again, once the
         * last getter has given back the pages it took. */
        bool restart = fill.used == 0 &&
                       !atomic_load_explicit(&s->discarding, memory_order_acquire);
        uint64_t at = restart ? 0 : atomic_load_explicit(&s->spill_next, memory_order_relaxed);
        if (at > MP__SPILL_SPAN - len)
            return NO_ROOM; /* the spill file's offsets are used up until the ring empties */
        int rc = mp__os_spill_write(ring->spill, at, data, len);
        if (rc < 0)
            return rc;
        /* Moved on before the record is published: a death in between
         * leaves a gap in the file, never two messages in one place. */
        atomic_store_explicit(&s->spill_next, at + len, memory_order_relaxed);
        spill_ref_t ref = {.at = at, .len = len};
        header = (record_header_t){.tag = REC_SPILL, .len = 0};
        ring_write(ring, pos + HEADER, &ref, sizeof ref);
        bump64(&s->spilled);
    } else if (len) {
        ring_write(ring, pos + HEADER, data, len);
    }
    ring_write(ring, pos, &header, sizeof header);
    mp__ring_test_point(MP__RING_PUT_WRITTEN);
    atomic_store_explicit(&s->tail, pack(pos + need, count_of(tail) + 1), memory_order_release);
    bump64(&s->puts);
    bump_seq(&s->put_seq);
    return 0;
}

/* A put or get that ran out of time: say why. Shared memory rewritten into
 * nonsense is reported as such, also when the rewrite made a lock look
 * held by a live process and the call could not even look inside. */
static int gave_up_broken(mp__ring_t *ring)
{
    ring_fill_t fill;
    return current_fill(ring, &fill) ? 0 : broken(ring, "its head and tail disagree");
}

static int put_gave_up(mp__ring_t *ring, int rc)
{
    int broken_rc = gave_up_broken(ring);
    if (broken_rc < 0)
        return broken_rc;
    if (rc == MP_ETIMEDOUT)
        return mp__errdetail_set(MP_EFULL, "the queue had no room in time (%d messages in it)",
                                 mp__ring_count(ring));
    return rc;
}

int mp__ring_put(mp__ring_t *ring, const void *data, size_t len, double timeout)
{
    mp__ring_shared_t *s = ring->shared;
    int rc = check_broken(ring);
    if (rc < 0)
        return rc;
    bool spill = inline_size(len) > ring->size / 4;
    uint64_t need = spill ? SPILL_RECORD : inline_size(len);
    double deadline = mp__deadline(true, timeout);
    for (;;) {
        rc = take_side(ring, s->put_lock, &s->dead_putters, deadline);
        if (rc < 0)
            return put_gave_up(ring, rc);
        rc = put_locked(ring, data, len, spill, need);
        mp__mutex_release(s->put_lock);
        if (rc == 0)
            wake_sleepers(&s->put_seq, getters(ring));
        if (rc != NO_ROOM)
            return rc;
        if (mp__time_left(deadline) <= 0)
            return put_gave_up(ring, MP_ETIMEDOUT);
        if ((rc = await_change(ring, FOR_ROOM, need, deadline)) < 0)
            return rc;
    }
}

/* ---- get ---------------------------------------------------------------- */

/* The record at the head, checked against what the ring holds. */
typedef struct head_record {
    record_header_t header;
    spill_ref_t ref; /* REC_SPILL */
    uint64_t size;   /* bytes of ring it takes */
    size_t len;      /* the message's length */
} head_record_t;

static int read_head_record(mp__ring_t *ring, uint64_t pos, const ring_fill_t *fill,
                            head_record_t *rec)
{
    ring_read(ring, pos, &rec->header, sizeof rec->header);
    if (rec->header.tag == REC_INLINE) {
        rec->len = rec->header.len;
        rec->size = inline_size(rec->len);
    } else if (rec->header.tag == REC_SPILL) {
        if (fill->used < SPILL_RECORD)
            return broken(ring, "a record runs past the tail");
        ring_read(ring, pos + HEADER, &rec->ref, sizeof rec->ref);
        if (rec->ref.len > ring->max_message || rec->ref.at > MP__SPILL_SPAN - rec->ref.len)
            return broken(ring, "a spilled message's place is out of bounds");
        rec->len = (size_t)rec->ref.len;
        rec->size = SPILL_RECORD;
    } else {
        return broken(ring, "a record's tag is unknown");
    }
    if (rec->size > fill->used || rec->len > ring->max_message)
        return broken(ring, "a record is longer than the ring holds");
    return 0;
}

/* Copy the head message out to the sink. */
static int copy_out(mp__ring_t *ring, uint64_t pos, const head_record_t *rec, mp__ring_sink_t *sink)
{
    void *dst = sink->buf;
    if (!dst && !(dst = malloc(rec->len ? rec->len : 1)))
        return mp__errdetail_set(MP_ENOMEM, "no memory for a %zu-byte message", rec->len);
    int rc = 0;
    if (rec->header.tag == REC_SPILL)
        rc = mp__os_spill_read(ring->spill, rec->ref.at, dst, rec->len);
    else if (rec->len)
        ring_read(ring, pos + HEADER, dst, rec->len);
    if (rc < 0 && !sink->buf)
        free(dst);
    else if (!sink->buf)
        sink->got = dst;
    return rc;
}

/* A spilled message that has been taken (its record removed): give its
 * pages back, except the warm ones. `discarding` keeps the spill file from
 * starting over meanwhile; a getter that dies here leaves it set, until the
 * next getter takes its lock over. */
static void release_spilled(mp__ring_t *ring, const head_record_t *rec)
{
    uint64_t warm = SPILL_WARM_RINGS * ring->size, from = rec->ref.at, to = rec->ref.at + rec->len;
    if (from < warm)
        from = warm;
    if (to > from)
        mp__os_spill_discard(ring->spill, from, to - from);
    atomic_store_explicit(&ring->shared->discarding, 0, memory_order_release);
}

/* Take the head message: the get lock is held. EMPTY when there is none. */
static int get_locked(mp__ring_t *ring, mp__ring_sink_t *sink)
{
    mp__ring_shared_t *s = ring->shared;
    uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&s->tail_seen, memory_order_relaxed);
    ring_fill_t fill;
    if (!fill_of(ring, tail, head, &fill) || fill.count == 0) {
        tail = refresh(&s->tail, &s->tail_seen);
        if (!fill_of(ring, tail, head, &fill))
            return broken(ring, "its head and tail disagree");
        if (fill.count == 0)
            return EMPTY;
    }
    uint64_t pos = pos_of(head);
    head_record_t rec;
    int rc = read_head_record(ring, pos, &fill, &rec);
    if (rc < 0)
        return rc;
    sink->len = rec.len;
    if (sink->exact_len && rec.len != sink->exact_len)
        return mp__errdetail_set(MP_EINVAL, "the next message has %zu bytes, not %zu", rec.len,
                                 sink->exact_len);
    if (sink->buf && rec.len > sink->size)
        return mp__errdetail_set(MP_ETOOSMALL, "the next message has %zu bytes, the buffer %zu",
                                 rec.len, sink->size);
    if ((rc = copy_out(ring, pos, &rec, sink)) < 0)
        return rc;
    mp__ring_test_point(MP__RING_GET_READ);
    bool spilled = rec.header.tag == REC_SPILL;
    if (spilled)
        atomic_store_explicit(&s->discarding, 1, memory_order_relaxed);
    atomic_store_explicit(&s->head, pack(pos + rec.size, count_of(head) + 1), memory_order_release);
    bump64(&s->gets);
    bump_seq(&s->get_seq);
    if (spilled)
        release_spilled(ring, &rec);
    return 0;
}

static int get_gave_up(mp__ring_t *ring, int rc)
{
    int broken_rc = gave_up_broken(ring);
    if (broken_rc < 0)
        return broken_rc;
    if (rc == MP_ETIMEDOUT)
        return mp__errdetail_set(MP_EEMPTY, "no message came in time");
    return rc;
}

int mp__ring_get(mp__ring_t *ring, mp__ring_sink_t *sink, double timeout)
{
    mp__ring_shared_t *s = ring->shared;
    int rc = check_broken(ring);
    if (rc < 0)
        return rc;
    double deadline = mp__deadline(true, timeout);
    for (;;) {
        /* Read before looking: a close takes the put lock, so once it is
         * seen every put that will ever be published has been. */
        bool closed = is_closed(ring);
        rc = take_side(ring, s->get_lock, &s->dead_getters, deadline);
        if (rc < 0)
            return get_gave_up(ring, rc);
        rc = get_locked(ring, sink);
        mp__mutex_release(s->get_lock);
        if (rc != EMPTY) {
            if (rc == 0)
                wake_sleepers(&s->get_seq, putters(ring));
            return rc;
        }
        if (closed)
            return mp__errdetail_set(MP_EEOF, "the queue is closed and empty");
        if (mp__time_left(deadline) <= 0)
            return get_gave_up(ring, MP_ETIMEDOUT);
        if ((rc = await_change(ring, FOR_DATA, 0, deadline)) < 0)
            return rc;
    }
}

/* ---- state, close, statistics ------------------------------------------- */

int mp__ring_count(mp__ring_t *ring)
{
    ring_fill_t fill;
    if (!current_fill(ring, &fill))
        return broken(ring, "its head and tail disagree");
    return (int)fill.count;
}

bool mp__ring_is_full(mp__ring_t *ring)
{
    ring_fill_t fill;
    return current_fill(ring, &fill) && !has_room(ring, &fill, inline_size(0));
}

bool mp__ring_is_ready(mp__ring_t *ring)
{
    return can_go(ring, FOR_DATA, 0);
}

void mp__ring_close(mp__ring_t *ring)
{
    /* Under the put lock: a put that was writing has published before the
     * flag goes up (see mp__ring_get()). */
    mp__ring_shared_t *s = ring->shared;
    take_side(ring, s->put_lock, &s->dead_putters, mp__deadline(true, MP_FOREVER));
    atomic_store_explicit(&s->closed, 1, memory_order_release);
    mp__mutex_release(s->put_lock);
    mp__ring_wake_all(ring);
}

bool mp__ring_is_closed(mp__ring_t *ring)
{
    return is_closed(ring);
}

bool mp__ring_is_settled(mp__ring_t *ring)
{
    ring_fill_t fill;
    return is_closed(ring) || !current_fill(ring, &fill) ||
           atomic_load_explicit(&ring->shared->broken, memory_order_relaxed);
}

void mp__ring_stats(mp__ring_t *ring, uint64_t *puts, uint64_t *gets, uint64_t *spilled,
                    uint64_t *dead_putters, uint64_t *dead_getters)
{
    mp__ring_shared_t *s = ring->shared;
    *puts = atomic_load(&s->puts);
    *gets = atomic_load(&s->gets);
    *spilled = atomic_load(&s->spilled);
    *dead_putters = atomic_load(&s->dead_putters);
    *dead_getters = atomic_load(&s->dead_getters);
}

void mp__ring_wait_change(mp__ring_t *ring, bool ready, double seconds, const _Atomic bool *cancel)
{
    /* Not ready: wait for a put (or a close), as a getter would. Ready:
     * wait for a get, as a putter would; asking for more room than any
     * ring has keeps it asleep until a get wakes it. */
    if (!ready)
        sleep_on(ring, FOR_DATA, 0, seconds, cancel);
    else if (mp__ring_is_ready(ring))
        sleep_on(ring, FOR_ROOM, UINT64_MAX, seconds, cancel);
}

/* ---- JoinableQueue ------------------------------------------------------ */

uint32_t mp__ring_unfinished(mp__ring_t *ring)
{
    uint32_t done = atomic_load_explicit(&ring->shared->done.value, memory_order_acquire);
    uint32_t put = count_of(atomic_load_explicit(&ring->shared->tail, memory_order_acquire));
    return (put - done) & COUNT_MASK;
}

int mp__ring_task_done(mp__ring_t *ring)
{
    mp__ring_shared_t *s = ring->shared;
    uint32_t done = atomic_load(&s->done.value);
    do {
        uint32_t put = count_of(atomic_load(&s->tail));
        if (((put - done) & COUNT_MASK) == 0)
            return mp__errdetail_set(MP_ESTATE, "task_done() called more times than items put");
    } while (!atomic_compare_exchange_weak(&s->done.value, &done, done + 1));
    if (mp__ring_unfinished(ring) == 0)
        wake_sleepers(&s->done, joiners(ring));
    return 0;
}

int mp__ring_join(mp__ring_t *ring, double timeout)
{
    mp__ring_shared_t *s = ring->shared;
    double deadline = mp__deadline(true, timeout);
    for (;;) {
        atomic_fetch_add(&s->join_waiters, 1);
        atomic_store(&s->join_waiters_woken, 0);
        uint32_t seen = atomic_load(&s->done.value);
        bool finished = mp__ring_unfinished(ring) == 0;
        double left = mp__time_left(deadline);
        int rc = 0;
        if (!finished && left > 0)
            rc = mp__os_futex_wait(&s->done, seen, left < SLEEP_SLICE ? left : SLEEP_SLICE);
        atomic_fetch_sub(&s->join_waiters, 1);
        if (finished)
            return 0;
        if (rc == MP_EINTR && mp__interruptible())
            return rc;
        if (left <= 0)
            return mp__errdetail_set(MP_ETIMEDOUT, "%u tasks are still unfinished",
                                     mp__ring_unfinished(ring));
    }
}
