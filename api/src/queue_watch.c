/* What makes a queue waitable with mp_wait() (or the OS's own poll): a
 * flag the OS can wait on (mp__os_flag_t), raised while a get would not
 * block, and a thread in this process that keeps it so. The thread sleeps
 * on the ring like a getter while the queue is empty and like a putter
 * while it is not, so the puts and gets of every process wake it when the
 * answer may have changed. Made by the first mp_queue_sentinel() on a
 * handle; stopped with the handle. */
#include <apr_pools.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_queue_impl.h"

struct mp__queue_watch {
    mp__ring_t *ring;
    mp__os_flag_t *flag;
    apr_pool_t *pool;
    apr_thread_mutex_t *mutex; /* one thread at a time moves the flag */
    apr_thread_t *thread;
    _Atomic bool stop;
    mp_pid_t pid; /* the process that made it (a fork child has no thread) */
};

/* How long the thread sleeps between looks when nothing wakes it: only a
 * waker that died between its store and its wake-up leaves it that long. */
static const double WATCH_SLICE = 1.0;

static _Atomic int watch_threads;

int mp__queue_watch_threads(void)
{
    return atomic_load(&watch_threads);
}

/* Make the flag say what the ring says now. */
static void update(mp__queue_watch_t *w)
{
    apr_thread_mutex_lock(w->mutex);
    mp__os_flag_set(w->flag, mp__ring_is_ready(w->ring));
    apr_thread_mutex_unlock(w->mutex);
}

static void *APR_THREAD_FUNC watch_main(apr_thread_t *thread, void *arg)
{
    mp__queue_watch_t *w = arg;
    while (!atomic_load(&w->stop)) {
        update(w);
        /* Closed or broken: ready for good, nothing more to watch. */
        if (mp__ring_is_settled(w->ring))
            break;
        mp__ring_wait_change(w->ring, mp__ring_is_ready(w->ring), WATCH_SLICE, &w->stop);
    }
    atomic_fetch_sub(&watch_threads, 1);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void free_watch(mp__queue_watch_t *w)
{
    mp__os_flag_free(w->flag);
    if (w->pool)
        apr_pool_destroy(w->pool);
    free(w);
}

static int start(mp__queue_object_t *q)
{
    mp__queue_watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return MP_ENOMEM;
    w->ring = &q->ring;
    w->pid = mp__os_getpid();
    int rc = mp__os_flag_create(&w->flag);
    if (rc == 0 &&
        (apr_pool_create(&w->pool, NULL) != APR_SUCCESS ||
         apr_thread_mutex_create(&w->mutex, APR_THREAD_MUTEX_DEFAULT, w->pool) != APR_SUCCESS))
        rc = mp__errdetail_set(MP_ENOMEM, "mp_queue_sentinel: no memory for its watcher");
    if (rc == 0) {
        update(w); /* right from the start, before any thread runs */
        atomic_fetch_add(&watch_threads, 1);
        if (apr_thread_create(&w->thread, NULL, watch_main, w, w->pool) != APR_SUCCESS) {
            atomic_fetch_sub(&watch_threads, 1);
            rc = mp__errdetail_set(MP_ESYS, "mp_queue_sentinel: could not start its watcher");
        }
    }
    if (rc < 0) {
        free_watch(w);
        return rc;
    }
    q->watch = w;
    return 0;
}

int mp__queue_watch_sentinel(mp__queue_object_t *q, mp_sentinel_t *out)
{
    /* Under the core's lock: two threads asking at once make one watcher. */
    mp__core_lock();
    if (q->watch && q->watch->pid != mp__os_getpid())
        mp__queue_watch_stop(q); /* the parent's, copied by fork: no thread here */
    int rc = q->watch ? 0 : start(q);
    if (rc == 0)
        *out = mp__os_flag_sentinel(q->watch->flag);
    mp__core_unlock();
    return rc;
}

void mp__queue_watch_update(mp__queue_object_t *q)
{
    if (q->watch && q->watch->pid == mp__os_getpid())
        update(q->watch);
}

void mp__queue_watch_stop(mp__queue_object_t *q)
{
    mp__queue_watch_t *w = q->watch;
    if (!w)
        return;
    q->watch = NULL;
    if (w->pid == mp__os_getpid()) {
        atomic_store(&w->stop, true);
        mp__ring_wake_all(w->ring);
        apr_status_t ignored;
        apr_thread_join(&ignored, w->thread);
    }
    free_watch(w);
}
