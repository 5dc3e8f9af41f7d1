/* The registry of live process handles: it answers "is this handle still
 * valid", lists active children, and at exit terminates daemon children and
 * joins the others, as Python does. Guarded by the core lock. */
#include <apr_hash.h>
#include <apr_pools.h>
#include <stdio.h>
#include <stdlib.h>

#include "mp_process_impl.h"

/* A running child whose handle was destroyed. */
typedef struct detached_child {
    mp__os_proc_t *os;
    bool daemon;
    struct detached_child *next;
} detached_child_t;

static apr_pool_t *registry_pool;
static apr_hash_t *live; /* key: the bytes of the handle pointer */
static detached_child_t *detached;

int mp__children_init(void)
{
    return apr_pool_create(&registry_pool, NULL) == APR_SUCCESS ? 0 : MP_ENOMEM;
}

void mp__children_forget(void)
{
    /* The handles belong to the parent; a fork child neither joins nor
     * frees them (their memory is the child's copy, simply abandoned). A new
     * table is made if the child starts processes of its own: clearing the
     * old one would write, and fault in, every page it occupies. */
    live = NULL;
    detached = NULL;
}

/* The table, made on first use in this process. Under the core lock. */
static apr_hash_t *table(void)
{
    if (!live)
        live = apr_hash_make(registry_pool);
    return live;
}

void mp__registry_add(mp_process_t *p)
{
    mp__core_lock();
    apr_hash_set(table(), &p->self, sizeof p->self, p);
    mp__core_unlock();
}

bool mp__registry_has(const mp_process_t *p)
{
    mp__core_lock();
    bool found = live && apr_hash_get(live, &p, sizeof p) != NULL;
    mp__core_unlock();
    return found;
}

void mp__registry_remove(mp_process_t *p)
{
    mp__core_lock();
    apr_hash_set(table(), &p->self, sizeof p->self, NULL);
    mp__core_unlock();
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

/* A snapshot of the running handles, so the lock is not held while they
 * are waited for. The caller frees the array. */
static size_t running_snapshot(mp_process_t ***out)
{
    mp__core_lock();
    size_t n = 0, cap = live ? apr_hash_count(live) : 0;
    mp_process_t **list = cap ? malloc(cap * sizeof *list) : NULL;
    if (list)
        for (apr_hash_index_t *hi = apr_hash_first(NULL, live); hi; hi = apr_hash_next(hi)) {
            mp_process_t *p = apr_hash_this_val(hi);
            if (p->state == RUNNING)
                list[n++] = p;
        }
    mp__core_unlock();
    *out = list;
    return n;
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
    mp_process_t **running;
    size_t n = running_snapshot(&running);
    for (size_t i = 0; i < n; i++)
        if (running[i]->daemon)
            mp_process_terminate(running[i]);
    for (size_t i = 0; i < n; i++)
        mp_process_join(running[i], MP_FOREVER);
    free(running);
    reap_detached(true);
}
