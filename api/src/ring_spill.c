/* Places in a queue's spill file: where a message too large for the ring
 * goes, and when the file's pages go back to the OS.
 *
 * The records between head and tail say which places are in use: every
 * spilled message has one until a get has read it and removed it. So a
 * producer, holding the put lock (no other producer writes, and getters
 * only remove records), reads them, and puts its message at the lowest
 * offset no one of them covers. The file stays as small as what is in the
 * queue, and its low pages serve message after message (a page the OS
 * must find and zero costs more than the copy into it). A getter that has
 * taken a spilled message gives its pages back (but the low, warm ones),
 * after saying where, so that no producer writes there meanwhile; the
 * producer gives back what lies above every place in use. A process killed
 * at any point changes nothing: a message is in use from the store that
 * publishes its record, and a place that was written but never published
 * is free; a getter killed while giving pages back keeps its place
 * reserved until the next getter takes its lock over.
 *
 * A records' walk costs a read per message in the ring, paid only by puts
 * of messages larger than a quarter of the ring. */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_ring_layout.h"

/* A place in use: [at, end). */
typedef struct mp__spill_span {
    uint64_t at, end;
} spill_span_t;

static int add_span(mp__ring_t *ring, size_t n, spill_span_t span)
{
    if (n == ring->spans_cap) {
        size_t cap = ring->spans_cap ? 2 * ring->spans_cap : 16;
        spill_span_t *grown = realloc(ring->spans, cap * sizeof *grown);
        if (!grown)
            return mp__errdetail_set(MP_ENOMEM, "no memory to place a spilled message");
        ring->spans = grown;
        ring->spans_cap = cap;
    }
    /* Insertion in order of `at`: places come in order, but for the wraps
     * of a file that starts over from its low places. */
    size_t i = n;
    while (i > 0 && ring->spans[i - 1].at > span.at) {
        ring->spans[i] = ring->spans[i - 1];
        i--;
    }
    ring->spans[i] = span;
    return 0;
}

/* The places the records between head and tail use, in order; each record
 * checked as a get would check it. */
static int spans_in_use(mp__ring_t *ring, uint64_t head, uint64_t tail, size_t *n)
{
    uint64_t pos = pos_of(head), end = pos_of(tail);
    uint32_t count = (count_of(tail) - count_of(head)) & COUNT_MASK;
    *n = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t left = (end - pos) & POS_MASK, size;
        record_header_t header;
        if (left < HEADER)
            return mp__ring_broken(ring, "a record runs past the tail");
        mp__ring_read(ring, pos, &header, sizeof header);
        if (header.tag == REC_INLINE) {
            size = inline_size(header.len);
        } else if (header.tag == REC_SPILL && left >= SPILL_RECORD) {
            spill_ref_t ref;
            mp__ring_read(ring, pos + HEADER, &ref, sizeof ref);
            if (ref.len > ring->max_message || ref.at > MP__SPILL_SPAN - ref.len)
                return mp__ring_broken(ring, "a spilled message's place is out of bounds");
            int rc = add_span(ring, (*n)++, (spill_span_t){ref.at, ref.at + ref.len});
            if (rc < 0)
                return rc;
            size = SPILL_RECORD;
        } else {
            return mp__ring_broken(ring, "a record's tag is unknown");
        }
        if (size > left)
            return mp__ring_broken(ring, "a record runs past the tail");
        pos += size;
    }
    return 0;
}

int mp__ring_spill_place(mp__ring_t *ring, uint64_t head, uint64_t tail, uint64_t len, uint64_t *at)
{
    size_t n;
    int rc = spans_in_use(ring, head, tail, &n);
    mp__ring_shared_t *s = ring->shared;
    /* Read after the head (see mp__ring_spill_taking()). */
    if (rc == 0 && atomic_load_explicit(&s->discarding, memory_order_acquire)) {
        uint64_t from = atomic_load(&s->discard_at), to = atomic_load(&s->discard_end);
        if (from < to && to <= MP__SPILL_SPAN)
            rc = add_span(ring, n++, (spill_span_t){from, to});
    }
    if (rc < 0)
        return rc;
    /* The lowest gap that fits, and the end of the last place in use. */
    uint64_t place = 0, top = 0;
    bool placed = false;
    for (size_t i = 0; i < n; i++) {
        if (!placed && ring->spans[i].at >= place + len)
            placed = true;
        else if (!placed && ring->spans[i].end > place)
            place = ring->spans[i].end;
        if (ring->spans[i].end > top)
            top = ring->spans[i].end;
    }
    if (place > MP__SPILL_SPAN - len)
        return MP__RING_NO_ROOM; /* the offsets are used up until getters take some */
    if (place + len > top)
        top = place + len;
    /* Give back what lies above every place in use, but the warm pages. */
    _Atomic uint64_t *mark = &s->spill_mark;
    uint64_t was = atomic_load_explicit(mark, memory_order_relaxed);
    uint64_t warm = SPILL_WARM_RINGS * ring->size, from = top > warm ? top : warm;
    if (was > MP__SPILL_SPAN)
        was = MP__SPILL_SPAN; /* a rewritten mark: the file is never longer */
    if (was > from)
        mp__os_spill_discard(ring->spill, from, was - from);
    atomic_store_explicit(mark, top, memory_order_relaxed);
    *at = place;
    return 0;
}

void mp__ring_spill_taking(mp__ring_t *ring, uint64_t at, uint64_t end)
{
    mp__ring_shared_t *s = ring->shared;
    atomic_store_explicit(&s->discard_at, at, memory_order_relaxed);
    atomic_store_explicit(&s->discard_end, end, memory_order_relaxed);
    /* Before the store that removes the record: a producer that reads the
     * head after that store sees this too. */
    atomic_store_explicit(&s->discarding, 1, memory_order_release);
}

void mp__ring_spill_taken(mp__ring_t *ring, uint64_t at, uint64_t end)
{
    uint64_t warm = SPILL_WARM_RINGS * ring->size, from = at > warm ? at : warm;
    if (end > from)
        mp__os_spill_discard(ring->spill, from, end - from);
    atomic_store_explicit(&ring->shared->discarding, 0, memory_order_release);
}
