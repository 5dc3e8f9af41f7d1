/* The tracker reading the family's journal (tracker.c writes it), and
 * keeping it small.
 *
 * Layout: a header page, then lines. A line is written with one write()
 * and is short, so a line without its newline yet is one being written:
 * it is read on the next round.
 *
 * Without care the journal would grow by a line per create, attach and
 * unlink for the family's whole life. So once enough lines have been read,
 * the tracker appends a snapshot of what it knows (one "+pid name" line per
 * user of each name, after an "S<token>" line, in one write(), so that no
 * other process's line lands inside it), publishes in the header where the
 * snapshot is and from where later lines count, and frees the pages before
 * (a hole punched in the file). A tracker that starts later applies the
 * published snapshot, then the lines from that point on, skipping the
 * snapshot's own. The header holds two views and the index of the valid
 * one, so a tracker killed while publishing leaves the previous view. A
 * snapshot written but never published is only a run of "+" lines about
 * users the journal already named. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_internal.h"
#include "tracker_internal.h"

/* Lines read since the last snapshot before the next one is considered,
 * and how much bigger than a snapshot they must be. */
#define COMPACT_AFTER_BYTES (256 * 1024)
enum { COMPACT_RATIO = 4 };

/* One published state of the journal. All zero: no snapshot yet, the lines
 * start after the header. */
typedef struct journal_view {
    uint64_t events_from; /* where the lines after the snapshot's state start */
    uint64_t snap_at;     /* the snapshot's bytes: [snap_at, snap_end) */
    uint64_t snap_end;
} journal_view_t;

struct journal_header {
    _Atomic uint32_t current; /* which view is valid */
    uint32_t unused;
    journal_view_t views[2];
    _Atomic uint64_t proc_scans; /* passes over /proc, by every tracker (tests) */
};

_Static_assert(sizeof(journal_header_t) <= MP__TRACKER_JOURNAL_HEADER, "the header fits its page");

/* Apply the whole lines of buf[0..len), stopping after the snapshot line
 * `token` if one is met (its offset goes to *found). Returns the bytes
 * consumed. */
static size_t apply_lines(tracker_state_t *s, char *buf, size_t len, tracker_on_line_t on_line,
                          off_t *found)
{
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
        *nl = '\0';
        char name[MP__TRACKER_LINE_MAX];
        int pid;
        uint64_t token;
        if (start[0] == 'S' && s->pending_token && sscanf(start + 1, "%" SCNx64, &token) == 1 &&
            token == s->pending_token) {
            *found = s->read_to + (start - buf);
            return (size_t)(start - buf);
        }
        /* The name is the rest of the line: a directory's may hold spaces. */
        int at = 0;
        if (sscanf(start + 1, "%d %n", &pid, &at) == 1 && pid > 0 && at > 0 &&
            snprintf(name, sizeof name, "%s", start + 1 + at) < (int)sizeof name && name[0])
            on_line(start[0], (pid_t)pid, name);
        start = nl + 1;
    }
    return (size_t)(start - buf);
}

/* Our snapshot was found at `at`: publish it and free what it replaces. */
static void publish(tracker_state_t *s, off_t at)
{
    journal_header_t *h = s->header;
    uint32_t next = 1 - atomic_load(&h->current);
    h->views[next] = (journal_view_t){.events_from = (uint64_t)s->pending_from,
                                      .snap_at = (uint64_t)at,
                                      .snap_end = (uint64_t)at + s->pending_len};
    atomic_store(&h->current, next);
    s->events_from = s->pending_from;
    s->read_to = at + (off_t)s->pending_len; /* its lines are what we know */
    s->pending_token = 0;
#ifdef FALLOC_FL_PUNCH_HOLE
    off_t first = MP__TRACKER_JOURNAL_HEADER, last = s->events_from & ~(off_t)4095;
    if (last > first)
        fallocate(s->journal, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, first, last - first);
#endif
}

/* Apply the whole lines from s->read_to up to `limit` (-1: the end). */
static void read_until(tracker_state_t *s, off_t limit, tracker_on_line_t on_line)
{
    char buf[64 * 1024];
    for (;;) {
        size_t want = sizeof buf - 1;
        if (limit >= 0 && s->read_to >= limit)
            return;
        if (limit >= 0 && (off_t)want > limit - s->read_to)
            want = (size_t)(limit - s->read_to);
        ssize_t r = pread(s->journal, buf, want, s->read_to);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        buf[r] = '\0';
        off_t found = -1;
        size_t used = apply_lines(s, buf, (size_t)r, on_line, &found);
        if (found >= 0) {
            publish(s, found);
            continue;
        }
        /* No newline in a whole buffer: not a line of ours; skip it. */
        if (used == 0 && (size_t)r == sizeof buf - 1)
            used = (size_t)r;
        s->read_to += (off_t)used;
        /* Short of what was asked: the end, where a line without its
         * newline is one being written. A full buffer goes on from its
         * last whole line. */
        if ((size_t)r < want)
            return;
    }
}

void mp__tracker_read_journal(tracker_state_t *s, tracker_on_line_t on_line)
{
    /* The published snapshot was applied first: its own lines are skipped. */
    if (s->skip_to > s->skip_from) {
        read_until(s, s->skip_from, on_line);
        if (s->read_to < s->skip_from)
            return;
        s->read_to = s->skip_to;
        s->skip_from = s->skip_to = 0;
    }
    read_until(s, -1, on_line);
}

void mp__tracker_open_journal(tracker_state_t *s, tracker_on_line_t on_line)
{
    /* The header is written through a mapping: the descriptor appends. */
    void *page = mmap(NULL, MP__TRACKER_JOURNAL_HEADER, PROT_READ | PROT_WRITE, MAP_SHARED,
                      s->journal, 0);
    s->header = page == MAP_FAILED ? NULL : page;
    s->read_to = s->events_from = MP__TRACKER_JOURNAL_HEADER;
    if (!s->header)
        return; /* read it all, never compact */
    journal_view_t v = s->header->views[atomic_load(&s->header->current) & 1];
    if (v.snap_end > v.snap_at && v.snap_at >= v.events_from &&
        v.events_from >= MP__TRACKER_JOURNAL_HEADER) {
        s->read_to = (off_t)v.snap_at;
        read_until(s, (off_t)v.snap_end, on_line);
        s->read_to = s->events_from = (off_t)v.events_from;
        s->skip_from = (off_t)v.snap_at;
        s->skip_to = (off_t)v.snap_end;
    }
}

void mp__tracker_count_scan(tracker_state_t *s)
{
    if (s->header)
        atomic_fetch_add(&s->header->proc_scans, 1);
}

uint64_t mp__posix_tracker_scans(void)
{
    int fd = mp__posix_tracker_fd();
    journal_header_t *h = fd < 0 ? MAP_FAILED
                                 : mmap(NULL, MP__TRACKER_JOURNAL_HEADER, PROT_READ, MAP_SHARED, fd,
                                        0);
    if (h == MAP_FAILED)
        return 0;
    uint64_t n = atomic_load(&h->proc_scans);
    munmap(h, MP__TRACKER_JOURNAL_HEADER);
    return n;
}

/* Append "+pid name" for every user of every name, after an "S<token>"
 * line, in one write. */
static void write_snapshot(tracker_state_t *s)
{
    size_t cap = 64, len = 0;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, s->names); hi; hi = apr_hash_next(hi)) {
        const tracked_name_t *t = apr_hash_this_val(hi);
        for (size_t i = 0; i < t->nusers; i++)
            cap += t->users[i].uses * (strlen(t->name) + 16);
    }
    char *text = malloc(cap);
    uint64_t token;
    if (!text || mp__os_random(&token, sizeof token) < 0) {
        free(text);
        return;
    }
    token |= 1; /* never 0, which means "none" */
    len += (size_t)snprintf(text, cap, "S%016" PRIx64 "\n", token);
    for (apr_hash_index_t *hi = apr_hash_first(NULL, s->names); hi; hi = apr_hash_next(hi)) {
        const tracked_name_t *t = apr_hash_this_val(hi);
        char op;
        const char *what = mp__tracker_line_of(t, &op);
        for (size_t i = 0; i < t->nusers; i++)
            for (unsigned n = 0; n < t->users[i].uses; n++)
                len += (size_t)snprintf(text + len, cap - len, "%c%d %s\n", op,
                                        (int)t->users[i].pid, what);
    }
    ssize_t w;
    while ((w = write(s->journal, text, len)) < 0 && errno == EINTR)
        ;
    free(text);
    if (w != (ssize_t)len)
        return; /* a short snapshot: it is never published */
    s->pending_token = token;
    s->pending_len = len;
    s->pending_from = s->read_to;
}

void mp__tracker_compact(tracker_state_t *s)
{
    if (!s->header || s->pending_token)
        return;
    off_t grown = s->read_to - s->events_from;
    size_t users = 0;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, s->names); hi; hi = apr_hash_next(hi))
        users += ((const tracked_name_t *)apr_hash_this_val(hi))->nusers;
    /* A snapshot line is about as long as an event line. */
    if (grown < COMPACT_AFTER_BYTES || (off_t)users * 48 * COMPACT_RATIO > grown)
        return;
    write_snapshot(s);
}
