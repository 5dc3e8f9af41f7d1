/* mp_wait() on any number of handles. WaitForMultipleObjects() takes at
 * most 64 (MAXIMUM_WAIT_OBJECTS); beyond that the handles are split into
 * groups of 63, each waited on by a thread of its own together with a
 * shared "stop" event that the first group to finish sets.
 *
 * Which handles are ready is found the way Python's connection.wait() does
 * it on Windows: WaitForMultipleObjects() with a zero timeout returns the
 * first ready handle of a list; note it and go on with the handles after
 * it. A wait "takes" the signal of an auto-reset event or a semaphore, so
 * every handle a wait returned is marked ready on the spot, never tested
 * again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "win32_internal.h"

enum { GROUP = MAXIMUM_WAIT_OBJECTS - 1 }; /* one slot for the stop event */

/* Which handle of `h` is not valid, for the error detail. */
static int bad_handle(const HANDLE *h, size_t n)
{
    DWORD err = GetLastError();
    for (size_t i = 0; i < n; i++)
        if (WaitForSingleObject(h[i], 0) == WAIT_FAILED)
            return mp__errdetail_set(MP_ESYS, "mp_wait: handle %p is not valid (Windows error %lu)",
                                     (void *)h[i], (unsigned long)GetLastError());
    return mp__win_syserr_code("WaitForMultipleObjects", err);
}

/* The index WaitForMultipleObjects returned as a handle index, or -1 for a
 * timeout, -2 for a failure. An abandoned mutex counts as ready. */
static long index_of(DWORD r, DWORD n)
{
    if (r < WAIT_OBJECT_0 + n)
        return (long)(r - WAIT_OBJECT_0);
    if (r >= WAIT_ABANDONED_0 && r < WAIT_ABANDONED_0 + n)
        return (long)(r - WAIT_ABANDONED_0);
    return r == WAIT_TIMEOUT ? -1 : -2;
}

/* Mark every handle that is ready now; returns how many are marked. */
static int sweep(const HANDLE *h, size_t n, unsigned char *ready)
{
    for (size_t start = 0; start < n;) {
        DWORD k = n - start > MAXIMUM_WAIT_OBJECTS ? MAXIMUM_WAIT_OBJECTS : (DWORD)(n - start);
        long i = index_of(WaitForMultipleObjects(k, h + start, FALSE, 0), k);
        if (i == -2)
            return bad_handle(h + start, k);
        if (i == -1) {
            start += k; /* none of these is ready */
            continue;
        }
        ready[start + (size_t)i] = 1;
        start += (size_t)i + 1;
    }
    int count = 0;
    for (size_t i = 0; i < n; i++)
        count += ready[i];
    return count;
}

/* One group of up to 63 handles and the shared stop event. */
typedef struct group {
    HANDLE h[MAXIMUM_WAIT_OBJECTS];
    DWORD n;     /* handles, not counting the stop event at h[n] */
    size_t base; /* index of h[0] in the caller's list */
    DWORD ms;
    long got;    /* index in h[] of the handle that ended the wait, -1 none */
    DWORD error; /* when the wait failed */
} group_t;

static DWORD WINAPI group_wait(LPVOID arg)
{
    group_t *g = arg;
    long i = index_of(WaitForMultipleObjects(g->n + 1, g->h, FALSE, g->ms), g->n + 1);
    g->got = i >= 0 && (DWORD)i < g->n ? i : -1;
    g->error = i == -2 ? GetLastError() : 0;
    if (i != -1)
        SetEvent(g->h[g->n]); /* a handle (or the stop event) fired: stop all */
    return 0;
}

/* Block until a handle is ready or `ms` pass, more than 64 handles. */
static int wait_groups(const HANDLE *h, size_t n, DWORD ms, unsigned char *ready)
{
    size_t ngroups = (n + GROUP - 1) / GROUP;
    group_t *groups = calloc(ngroups, sizeof *groups);
    HANDLE *threads = calloc(ngroups, sizeof *threads);
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    int rc = !groups || !threads ? MP_ENOMEM : !stop ? mp__win_syserr("CreateEventW") : 0;
    size_t started = 0;
    for (; rc == 0 && started < ngroups; started++) {
        group_t *g = &groups[started];
        g->base = started * GROUP;
        g->n = (DWORD)(n - g->base < GROUP ? n - g->base : GROUP);
        memcpy(g->h, h + g->base, g->n * sizeof *h);
        g->h[g->n] = stop;
        g->ms = ms;
        threads[started] = CreateThread(NULL, 64 * 1024, group_wait, g, 0, NULL);
        if (!threads[started])
            rc = mp__win_syserr("CreateThread");
    }
    if (rc < 0 && stop)
        SetEvent(stop); /* release the threads that did start */
    for (size_t i = 0; i < started; i++) {
        if (!threads[i])
            continue;
        WaitForSingleObject(threads[i], INFINITE);
        CloseHandle(threads[i]);
        group_t *g = &groups[i];
        if (g->got >= 0)
            ready[g->base + (size_t)g->got] = 1;
        if (g->error && rc == 0) {
            SetLastError(g->error);
            rc = bad_handle(g->h, g->n);
        }
    }
    mp__win_close(stop);
    free(groups);
    free(threads);
    return rc;
}

/* Block until a handle is ready or `ms` pass; marks what the wait took. */
static int block(const HANDLE *h, size_t n, DWORD ms, unsigned char *ready)
{
    if (n > MAXIMUM_WAIT_OBJECTS)
        return wait_groups(h, n, ms, ready);
    long i = index_of(WaitForMultipleObjects((DWORD)n, h, FALSE, ms), (DWORD)n);
    if (i == -2)
        return bad_handle(h, n);
    if (i >= 0)
        ready[i] = 1;
    return 0;
}

/* The distinct handles of a list (WaitForMultipleObjects refuses a handle
 * twice), and where each entry of the list is among them. */
typedef struct distinct {
    HANDLE *h; /* the distinct handles, in increasing order */
    size_t n;
    size_t *index; /* entry i of the list is h[index[i]] */
} distinct_t;

static int by_handle(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const HANDLE *)a, y = (uintptr_t) * (const HANDLE *)b;
    return x < y ? -1 : x > y;
}

static int make_distinct(const mp_sentinel_t *handles, size_t n, distinct_t *d)
{
    d->h = malloc(n * sizeof *d->h);
    d->index = malloc(n * sizeof *d->index);
    if (!d->h || !d->index)
        return MP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        d->h[i] = mp__win_handle(handles[i]);
    qsort(d->h, n, sizeof *d->h, by_handle);
    d->n = 0;
    for (size_t i = 0; i < n; i++)
        if (d->n == 0 || d->h[d->n - 1] != d->h[i])
            d->h[d->n++] = d->h[i];
    for (size_t i = 0; i < n; i++) {
        HANDLE key = mp__win_handle(handles[i]);
        HANDLE *found = bsearch(&key, d->h, d->n, sizeof *d->h, by_handle);
        d->index[i] = (size_t)(found - d->h);
    }
    return 0;
}

int mp__os_wait_handles(const mp_sentinel_t *handles, size_t n, double timeout,
                        unsigned char *ready)
{
    /* Pseudo-handles (GetCurrentProcess() is -1) never come from the
     * library, and -1 is what a caller's "no handle" usually is. */
    for (size_t i = 0; i < n; i++)
        if (handles[i] <= 0)
            return mp__errdetail_set(MP_ESYS, "mp_wait: %lld is not a handle",
                                     (long long)handles[i]);
    double deadline = mp__deadline(true, timeout);
    if (n == 0) {
        /* Python's wait([], t) sleeps for t. */
        if (timeout > 0 && !isinf(deadline))
            mp__os_sleep(timeout);
        return 0;
    }
    distinct_t d = {0};
    unsigned char *marks = calloc(n, 1);
    int rc = marks ? make_distinct(handles, n, &d) : MP_ENOMEM;
    while (rc == 0) {
        rc = sweep(d.h, d.n, marks);
        if (rc != 0)
            break;
        DWORD ms = mp__win_ms_until(deadline);
        if (ms == 0)
            break;
        rc = block(d.h, d.n, ms, marks);
    }
    if (rc >= 0) {
        /* Report per entry of the caller's list, duplicates included. */
        rc = 0;
        for (size_t i = 0; i < n; i++) {
            rc += marks[d.index[i]];
            if (ready)
                ready[i] = marks[d.index[i]];
        }
    }
    free(d.h);
    free(d.index);
    free(marks);
    return rc;
}
