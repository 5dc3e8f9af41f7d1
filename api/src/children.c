/* This process's children: it lists active ones (from the live process
 * handles), keeps the ones whose handles were destroyed until they are
 * reaped, and at exit terminates daemon children and joins the others, as
 * Python does; and a fork child's view of what it inherited (the parent's
 * processes, which it retires, and connection ends, which the backend lets
 * go of). Guarded by the core lock. */
#include <stdio.h>
#include <stdlib.h>

#include "mp_process_impl.h"

/* A running child whose handle was destroyed. */
typedef struct detached_child {
    mp__os_proc_t *os;
    bool daemon;
    struct detached_child *next;
} detached_child_t;

static detached_child_t *detached;

/* In a fork child, the parent's process objects are the parent's: a child
 * neither joins nor frees them. Their handles are retired (so they answer
 * MP_ECLOSED) and their memory, the child's copy, is simply abandoned. */
static void forget_process(void *object, void *ctx)
{
    mp__object_t *obj = object;
    if (obj->kind == &mp__kind_process)
        mp__handle_retire_locked(obj->handle);
    (void)ctx;
}

void mp__children_forget(void)
{
    mp__handle_each(forget_process, NULL);
    detached = NULL;
}

/* Gathering the OS handles of connection ends, under the core lock. */
typedef struct conn_handles {
    mp_sentinel_t *out;
    size_t cap, n;
} conn_handles_t;

static void add_conn_handle(void *object, void *ctx)
{
    mp__object_t *obj = object;
    conn_handles_t *found = ctx;
    if (obj->kind != &mp__kind_connection)
        return;
    /* What the end would give a child is its handle: no side effect. */
    mp__share_t share = {0};
    if (obj->kind->share(obj, &share) == 0 && share.nhandles == 1) {
        if (found->n < found->cap)
            found->out[found->n] = share.handles[0];
        found->n++;
    }
    mp__buf_free(&share.bytes);
}

size_t mp__core_inherited_conns(mp_sentinel_t *out, size_t cap)
{
    conn_handles_t found = {.out = out, .cap = cap};
    mp__handle_each(add_conn_handle, &found);
    return found.n;
}

void mp__registry_detach(mp__os_proc_t *os, bool daemon)
{
    detached_child_t *d = malloc(sizeof *d);
    if (!d) {
        /* Cannot remember it: reap it later never; its zombie is the
         * only cost, and only until this process exits. */
        return;
    }
    d->os = os;
    d->daemon = daemon;
    mp__core_lock();
    d->next = detached;
    detached = d;
    mp__core_unlock();
}

/* Reap detached children that have ended; with `at_exit`, terminate the
 * daemons among them and wait for all. The list is taken out of the lock
 * first: waiting for a child must not hold up other threads. */
static void reap_detached(bool at_exit)
{
    mp__core_lock();
    detached_child_t *list = detached, *running = NULL;
    detached = NULL;
    mp__core_unlock();
    while (list) {
        detached_child_t *d = list;
        list = d->next;
        mp__buf_t ignored = {0};
        int code;
        if (at_exit && d->daemon)
            mp__os_proc_signal(d->os, MP__SIG_TERM);
        int rc = mp__os_proc_wait(d->os, at_exit ? MP_FOREVER : 0, &ignored, &code);
        mp__buf_free(&ignored);
        if (rc == MP_ETIMEDOUT) {
            d->next = running;
            running = d;
            continue;
        }
        mp__os_proc_free(d->os);
        free(d);
    }
    /* Put back the ones still running, after any detached meanwhile. */
    mp__core_lock();
    detached_child_t **tail = &detached;
    while (*tail)
        tail = &(*tail)->next;
    *tail = running;
    mp__core_unlock();
}

/* Gathering the running children's handles, under the core lock. */
typedef struct snapshot {
    mp_process_t **list;
    size_t n, cap;
} snapshot_t;

static void add_if_running(void *object, void *ctx)
{
    snapshot_t *snap = ctx;
    mp__object_t *obj = object;
    if (obj->kind != &mp__kind_process || ((mp_process_t *)obj)->state != RUNNING)
        return;
    if (snap->n == snap->cap) {
        size_t cap = snap->cap ? 2 * snap->cap : 16;
        mp_process_t **list = realloc(snap->list, cap * sizeof *list);
        if (!list)
            return; /* a shorter list: children beyond it go unlisted */
        snap->list = list, snap->cap = cap;
    }
    snap->list[snap->n++] = obj->handle;
}

/* A snapshot of the running children's handles, so the lock is not held
 * while they are waited for. The caller frees the array. */
static size_t running_snapshot(mp_process_t ***out)
{
    snapshot_t snap = {0};
    mp__handle_each(add_if_running, &snap);
    *out = snap.list;
    return snap.n;
}

int mp_active_children(mp_process_t **out, size_t cap, size_t *count)
{
    if (!count || (!out && cap))
        return mp__errdetail_set(MP_EINVAL,
                                 "mp_active_children: NULL count, or NULL out with cap %zu", cap);
    reap_detached(false);
    mp_process_t **running;
    size_t n = running_snapshot(&running), alive = 0;
    for (size_t i = 0; i < n; i++)
        if (mp_process_is_alive(running[i]) == 1) {
            if (alive < cap)
                out[alive] = running[i];
            alive++;
        }
    free(running);
    *count = alive;
    return 0;
}

void mp__children_at_exit(void)
{
    /* Executors' workers are children too, waiting for orders: their
     * executors are shut down first (their tasks finish), or the joins
     * below would wait for ever. */
    mp__pools_at_exit();
    mp_process_t **running;
    size_t n = running_snapshot(&running);
    for (size_t i = 0; i < n; i++)
        if (mp_process_is_daemon(running[i]) == 1)
            mp_process_terminate(running[i]);
    for (size_t i = 0; i < n; i++)
        mp_process_join(running[i], MP_FOREVER);
    free(running);
    reap_detached(true);
}
