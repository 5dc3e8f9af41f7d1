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
 * A side that cannot go on waits as ring_wait.c says; the block's layout
 * is in mp_ring_layout.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_ring_layout.h"

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
    free(ring->spans);
    ring->spans = NULL;
    ring->spans_cap = 0;
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

/* ---- the state both sides read ------------------------------------- */

int mp__ring_broken(mp__ring_t *ring, const char *why)
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

/* ---- put ---------------------------------------------------------------- */

enum { NO_ROOM = MP__RING_NO_ROOM, EMPTY = 1 };

/* Write the message, then publish it: the put lock is held. */
static int put_locked(mp__ring_t *ring, const void *data, size_t len, bool spill, uint64_t need)
{
    mp__ring_shared_t *s = ring->shared;
    if (mp__ring_closed(ring))
        return mp__errdetail_set(MP_ECLOSED, "put on a closed queue");
    uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    /* A spill looks at the records between head and tail for the places
     * its file still holds: it needs the head as it is now (a stale one
     * only keeps more places). */
    uint64_t head = spill ? refresh(&s->head, &s->head_seen)
                          : atomic_load_explicit(&s->head_seen, memory_order_relaxed);
    mp__ring_fill_t fill;
    bool fits = mp__ring_fill_of(ring, tail, head, &fill) && mp__ring_has_room(ring, &fill, need);
    if (!fits && !spill) {
        head = refresh(&s->head, &s->head_seen);
        if (!mp__ring_fill_of(ring, tail, head, &fill))
            return mp__ring_broken(ring, "its head and tail disagree");
        fits = mp__ring_has_room(ring, &fill, need);
    } else if (!fits && !mp__ring_fill_of(ring, tail, head, &fill)) {
        return mp__ring_broken(ring, "its head and tail disagree");
    }
    if (!fits)
        return NO_ROOM;
    uint64_t pos = pos_of(tail);
    record_header_t header = {.tag = REC_INLINE, .len = (uint32_t)len};
    if (spill) {
        uint64_t at;
        int rc = mp__ring_spill_place(ring, head, tail, len, &at);
        if (rc != 0)
            return rc;
        if ((rc = mp__os_spill_write(ring->spill, at, data, len)) < 0)
            return rc;
        spill_ref_t ref = {.at = at, .len = len};
        header = (record_header_t){.tag = REC_SPILL, .len = 0};
        mp__ring_write(ring, pos + HEADER, &ref, sizeof ref);
        bump64(&s->spilled);
    } else if (len) {
        mp__ring_write(ring, pos + HEADER, data, len);
    }
    mp__ring_write(ring, pos, &header, sizeof header);
    mp__ring_test_point(MP__RING_PUT_WRITTEN);
    /* A release store, no barrier: see mp__ring_wake_sleepers() for why
     * no sleeper misses it. */
    atomic_store_explicit(&s->tail, pack(pos + need, count_of(tail) + 1), memory_order_release);
    bump64(&s->puts);
    mp__ring_bump_seq(&s->put_seq);
    return 0;
}

/* A put or get that ran out of time: say why. Shared memory rewritten into
 * nonsense is reported as such, also when the rewrite made a lock look
 * held by a live process and the call could not even look inside. */
static int gave_up_broken(mp__ring_t *ring)
{
    mp__ring_fill_t fill;
    return mp__ring_current_fill(ring, &fill) ? 0
                                              : mp__ring_broken(ring, "its head and tail disagree");
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
        rc = mp__ring_take_side(ring, s->put_lock, &s->dead_putters, deadline);
        if (rc < 0)
            return put_gave_up(ring, rc);
        rc = put_locked(ring, data, len, spill, need);
        mp__mutex_release(s->put_lock);
        if (rc == 0)
            mp__ring_wake_sleepers(&s->put_seq, mp__ring_getters(ring));
        if (rc != NO_ROOM)
            return rc;
        if (mp__time_left(deadline) <= 0)
            return put_gave_up(ring, MP_ETIMEDOUT);
        if ((rc = mp__ring_await(ring, MP__RING_FOR_ROOM, need, deadline)) < 0)
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

static int read_head_record(mp__ring_t *ring, uint64_t pos, const mp__ring_fill_t *fill,
                            head_record_t *rec)
{
    mp__ring_read(ring, pos, &rec->header, sizeof rec->header);
    if (rec->header.tag == REC_INLINE) {
        rec->len = rec->header.len;
        rec->size = inline_size(rec->len);
    } else if (rec->header.tag == REC_SPILL) {
        if (fill->used < SPILL_RECORD)
            return mp__ring_broken(ring, "a record runs past the tail");
        mp__ring_read(ring, pos + HEADER, &rec->ref, sizeof rec->ref);
        if (rec->ref.len > ring->max_message || rec->ref.at > MP__SPILL_SPAN - rec->ref.len)
            return mp__ring_broken(ring, "a spilled message's place is out of bounds");
        rec->len = (size_t)rec->ref.len;
        rec->size = SPILL_RECORD;
    } else {
        return mp__ring_broken(ring, "a record's tag is unknown");
    }
    if (rec->size > fill->used || rec->len > ring->max_message)
        return mp__ring_broken(ring, "a record is longer than the ring holds");
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
        mp__ring_read(ring, pos + HEADER, dst, rec->len);
    if (rc < 0 && !sink->buf)
        free(dst);
    else if (!sink->buf)
        sink->got = dst;
    return rc;
}

/* Take the head message: the get lock is held. EMPTY when there is none. */
static int get_locked(mp__ring_t *ring, mp__ring_sink_t *sink)
{
    mp__ring_shared_t *s = ring->shared;
    uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&s->tail_seen, memory_order_relaxed);
    mp__ring_fill_t fill;
    if (!mp__ring_fill_of(ring, tail, head, &fill) || fill.count == 0) {
        tail = refresh(&s->tail, &s->tail_seen);
        if (!mp__ring_fill_of(ring, tail, head, &fill))
            return mp__ring_broken(ring, "its head and tail disagree");
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
        mp__ring_spill_taking(ring, rec.ref.at, rec.ref.at + rec.len);
    atomic_store_explicit(&s->head, pack(pos + rec.size, count_of(head) + 1),
                          memory_order_release); /* as the tail's */
    bump64(&s->gets);
    mp__ring_bump_seq(&s->get_seq);
    if (spilled)
        mp__ring_spill_taken(ring, rec.ref.at, rec.ref.at + rec.len);
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
        bool closed = mp__ring_closed(ring);
        rc = mp__ring_take_side(ring, s->get_lock, &s->dead_getters, deadline);
        if (rc < 0)
            return get_gave_up(ring, rc);
        rc = get_locked(ring, sink);
        mp__mutex_release(s->get_lock);
        if (rc != EMPTY) {
            if (rc == 0)
                mp__ring_wake_sleepers(&s->get_seq, mp__ring_putters(ring));
            return rc;
        }
        if (closed)
            return mp__errdetail_set(MP_EEOF, "the queue is closed and empty");
        if (mp__time_left(deadline) <= 0)
            return get_gave_up(ring, MP_ETIMEDOUT);
        if ((rc = mp__ring_await(ring, MP__RING_FOR_DATA, 0, deadline)) < 0)
            return rc;
    }
}

/* ---- state, close, statistics ------------------------------------------- */

/* How full the ring is now, or MP_EBROKEN (also once a get found it
 * broken: the head and tail may still look sane). */
static int read_fill(mp__ring_t *ring, mp__ring_fill_t *fill)
{
    int rc = check_broken(ring);
    if (rc == 0 && !mp__ring_current_fill(ring, fill))
        rc = mp__ring_broken(ring, "its head and tail disagree");
    return rc;
}

int mp__ring_count(mp__ring_t *ring)
{
    mp__ring_fill_t fill = {0};
    int rc = read_fill(ring, &fill);
    return rc < 0 ? rc : (int)fill.count;
}

int mp__ring_is_full(mp__ring_t *ring)
{
    mp__ring_fill_t fill = {0};
    int rc = read_fill(ring, &fill);
    return rc < 0 ? rc : !mp__ring_has_room(ring, &fill, inline_size(0));
}

void mp__ring_close(mp__ring_t *ring)
{
    /* Under the put lock: a put that was writing has published before the
     * flag goes up (see mp__ring_get()). */
    mp__ring_shared_t *s = ring->shared;
    /* Resumed after signals whatever mp_set_interruptible() says: close
     * has no way to say it did nothing. */
    while (mp__ring_take_side(ring, s->put_lock, &s->dead_putters, INFINITY) < 0)
        ;
    atomic_store_explicit(&s->closed, 1, memory_order_release);
    mp__mutex_release(s->put_lock);
    mp__ring_wake_all(ring);
}

bool mp__ring_is_closed(mp__ring_t *ring)
{
    return mp__ring_closed(ring);
}

bool mp__ring_is_settled(mp__ring_t *ring)
{
    mp__ring_fill_t fill;
    return mp__ring_closed(ring) || !mp__ring_current_fill(ring, &fill) ||
           atomic_load_explicit(&ring->shared->broken, memory_order_relaxed);
}

void mp__ring_stats(mp__ring_t *ring, mp_queue_stats_t *out)
{
    mp__ring_shared_t *s = ring->shared;
    *out = (mp_queue_stats_t){.puts = atomic_load(&s->puts),
                              .gets = atomic_load(&s->gets),
                              .spilled = atomic_load(&s->spilled),
                              .dead_putters = atomic_load(&s->dead_putters),
                              .dead_getters = atomic_load(&s->dead_getters)};
}
