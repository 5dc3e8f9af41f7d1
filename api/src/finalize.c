/* Finalisers (multiproc/finalize.h, mp_finalize.h): a registry of
 * functions to run once, by the program or at exit, as Python's
 * multiprocessing.util.Finalize and _run_finalizers().
 *
 * Each finaliser is an object behind a handle, on a list guarded by the
 * core lock. Whoever runs or cancels one first takes it off the list and
 * retires its handle under that lock, so exactly one thread runs it, and
 * no other can reach its memory afterwards (handles are looked up under
 * the same lock here); the function itself runs after the lock is
 * dropped. A retired finaliser handle means "ran or cancelled", for ever. */
#include <stdint.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_finalize.h"
#include "mp_object.h"

typedef struct finalizer {
    mp__object_t obj;
    mp_finalizer_fn fn;
    void *arg;
    int priority;
    uint64_t seq; /* registration order */
    struct finalizer *prev, *next;
} finalizer_t;

static void release_nothing(mp__object_t *obj)
{
    (void)obj;
}

/* Not shareable: only the handle tag matters (its id, unique among kinds). */
static const mp__kind_t kind_finalizer = {
    .name = "Finalizer",
    .id = 29,
    .size = sizeof(finalizer_t),
    .release = release_nothing,
};

/* The registered finalisers, newest first (core lock). */
static finalizer_t *registry;
static size_t registered;
static uint64_t next_seq;

static void unlink_locked(finalizer_t *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        registry = f->next;
    if (f->next)
        f->next->prev = f->prev;
    registered--;
}

int mp_finalizer_register(mp_finalizer_t **out, mp_finalizer_fn fn, void *arg, int priority)
{
    if (!fn)
        return mp__errdetail_set(MP_EINVAL, "mp_finalizer_register: NULL function");
    mp__object_t *obj;
    int rc = mp__object_new(&kind_finalizer, &obj);
    if (rc < 0)
        return rc;
    finalizer_t *f = (finalizer_t *)obj;
    f->fn = fn;
    f->arg = arg;
    f->priority = priority;
    void *handle = obj->handle;
    mp__core_lock();
    f->seq = ++next_seq;
    f->next = registry;
    if (registry)
        registry->prev = f;
    registry = f;
    registered++;
    mp__core_unlock();
    if (out)
        *out = handle;
    return 0;
}

/* Take a live finaliser off the list, retiring its handle: the caller
 * then owns it. NULL when it ran, was cancelled, or is not one. */
static finalizer_t *claim(const void *handle)
{
    mp__core_lock();
    finalizer_t *f = mp__handle_live(handle, kind_finalizer.id);
    if (f) {
        unlink_locked(f);
        mp__handle_retire_locked(handle);
    }
    mp__core_unlock();
    return f;
}

/* 0 for a finaliser's retired handle (it ran or was cancelled), else
 * MP_EINVAL naming `fn`. */
static int finished_or_invalid(const void *handle, const char *fn)
{
    mp__handle_state_t state;
    mp__handle_get(handle, &state);
    uintptr_t tag = ((uintptr_t)handle >> MP__HANDLE_SLOT_BITS) &
                    (((uintptr_t)1 << MP__HANDLE_TAG_BITS) - 1);
    if (state == MP__HANDLE_RETIRED && tag == kind_finalizer.id)
        return 0;
    return mp__errdetail_set(MP_EINVAL, "%s: not a finalizer", fn);
}

static void run_and_free(finalizer_t *f)
{
    f->fn(f->arg);
    free(f);
}

/* Run (or only drop) a finaliser the caller names: 1 if it was still to
 * run, else what finished_or_invalid() says. */
static int finish(mp_finalizer_t *finalizer, bool run, const char *fn)
{
    finalizer_t *f = claim(finalizer);
    if (!f)
        return finished_or_invalid(finalizer, fn);
    if (run)
        run_and_free(f);
    else
        free(f);
    return 1;
}

int mp_finalizer_run(mp_finalizer_t *finalizer)
{
    return finish(finalizer, true, "mp_finalizer_run");
}

int mp_finalizer_cancel(mp_finalizer_t *finalizer)
{
    return finish(finalizer, false, "mp_finalizer_cancel");
}

int mp_finalizer_is_pending(mp_finalizer_t *finalizer)
{
    mp__core_lock();
    bool live = mp__handle_live(finalizer, kind_finalizer.id) != NULL;
    mp__core_unlock();
    return live ? 1 : finished_or_invalid(finalizer, "mp_finalizer_is_pending");
}

/* ---- at exit ------------------------------------------------------- */

/* What a run pass orders by: priority, then registration, both highest
 * first; and the handle to claim the finaliser by. */
typedef struct entry {
    int priority;
    uint64_t seq;
    void *handle;
} entry_t;

static int later_first(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? 1 : -1;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static bool runs_in_pass(const finalizer_t *f, int min_priority)
{
    return f->priority != MP_FINALIZE_NO_PRIORITY && f->priority >= min_priority;
}

/* Under the core lock: the entries to run, in an array of their own. */
static entry_t *snapshot(int min_priority, size_t *n)
{
    entry_t *list = registered ? malloc(registered * sizeof *list) : NULL;
    *n = 0;
    for (finalizer_t *f = registry; list && f; f = f->next)
        if (runs_in_pass(f, min_priority))
            list[(*n)++] = (entry_t){f->priority, f->seq, f->obj.handle};
    return list;
}

/* Under the core lock, for a pass without memory to sort: the handle of
 * the next finaliser to run, by a scan (the list is newest first, so the
 * first of the highest priority is the last registered). */
static void *next_locked(int min_priority)
{
    finalizer_t *best = NULL;
    for (finalizer_t *f = registry; f; f = f->next)
        if (runs_in_pass(f, min_priority) && (!best || f->priority > best->priority))
            best = f;
    return best ? best->obj.handle : NULL;
}

void mp__finalizers_run(int min_priority)
{
    size_t n;
    mp__core_lock();
    entry_t *list = snapshot(min_priority, &n);
    bool no_memory = registered > 0 && !list;
    mp__core_unlock();
    while (no_memory) {
        mp__core_lock();
        void *handle = next_locked(min_priority);
        mp__core_unlock();
        if (!handle)
            return;
        finalizer_t *f = claim(handle);
        if (f)
            run_and_free(f);
    }
    if (n > 0)
        qsort(list, n, sizeof *list, later_first);
    /* Each is claimed again: another thread may have run it since. */
    for (size_t i = 0; i < n; i++) {
        finalizer_t *f = claim(list[i].handle);
        if (f)
            run_and_free(f);
    }
    free(list);
}

void mp__finalizers_forget(void)
{
    mp__core_lock();
    for (finalizer_t *f = registry, *next; f; f = next) {
        next = f->next;
        mp__handle_retire_locked(f->obj.handle);
        free(f);
    }
    registry = NULL;
    registered = 0;
    mp__core_unlock();
}

size_t mp__afterfork_state_size(void)
{
    mp__core_lock();
    size_t n = registered;
    mp__core_unlock();
    return n + mp__os_atfork_count();
}
