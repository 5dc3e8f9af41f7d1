/**
 * @file mp_queue_impl.h
 * @brief What Queue (queue.c) and SimpleQueue (simple_queue.c) share: the
 *        object behind both handles, its checks and its sharing with
 *        children (queue_object.c), and the watcher that makes it waitable
 *        (queue_watch.c).
 */
#ifndef MP_QUEUE_IMPL_H
#define MP_QUEUE_IMPL_H

#include "mp_object.h"
#include "mp_ring.h"

typedef struct mp__queue_watch mp__queue_watch_t;

/** The object behind a Queue, JoinableQueue or SimpleQueue handle. */
typedef struct mp__queue_object {
    mp__object_t obj;
    mp__ring_t ring;
    mp__queue_watch_t *watch; /**< made by the first mp_queue_sentinel() */
} mp__queue_object_t;

/** The options both kinds have, as the user gave them. */
typedef struct mp__queue_options {
    int64_t maxsize;
    size_t ring_size;
    size_t max_message;
    bool joinable;
} mp__queue_options_t;

/**
 * @brief A new queue object of `kind` (constructor's work: options checked,
 *        ring made), as the caller's handle in `*out` (written with memcpy).
 * @param fn the public function, for messages.
 */
int mp__queue_object_create(const mp__kind_t *kind, const mp__queue_options_t *options,
                            const char *fn, void *out);

/** @brief A put's checks (arguments, timeout, maximum), then the put. */
int mp__queue_object_put(mp__queue_object_t *q, const void *data, size_t len, double timeout,
                         const char *fn);

/** @brief A get's checks, then the get into `sink`. */
int mp__queue_object_get(mp__queue_object_t *q, mp__ring_sink_t *sink, double timeout,
                         const char *fn);

/** @brief Close for every process (see mp_queue_close()). */
void mp__queue_object_close(mp__queue_object_t *q);

/** @brief 1 empty, 0 not, or MP_EBROKEN. */
int mp__queue_object_is_empty(mp__queue_object_t *q);

/** @brief A get into the caller's buffer (mp_queue_get()'s arguments). */
int mp__queue_object_get_into(mp__queue_object_t *q, void *buf, size_t size, size_t *len,
                              double timeout, const char *fn);

/** @brief A get into allocated memory (mp_queue_get_alloc()'s arguments). */
int mp__queue_object_get_alloc(mp__queue_object_t *q, void **data, size_t *len, double timeout,
                               const char *fn);

/** @brief share(), attach() and release() of both kinds. */
int mp__queue_object_share(mp__object_t *obj, mp__share_t *out);
int mp__queue_object_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                            const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out);
void mp__queue_object_release(mp__object_t *obj);

/**
 * @brief The sentinel of the queue's watcher, made on first use.
 * @return 0; MP_ENOMEM; MP_ESYS.
 */
int mp__queue_watch_sentinel(mp__queue_object_t *q, mp_sentinel_t *out);

/** @brief After this process changed the queue: bring its watcher's flag
 *         up to date at once (the watcher would, a moment later). */
void mp__queue_watch_update(mp__queue_object_t *q);

/** @brief Stop and free the queue's watcher, if it has one. */
void mp__queue_watch_stop(mp__queue_object_t *q);

/** @brief Threads of the library (watchers) running in this process: the
 *         fork policy does not count them (they hold no lock). */
int mp__queue_watch_threads(void);

/** Open the handle in the variable `q` as an object of `kind`, or return
 *  the code from the calling function (every public queue call starts so). */
#define MP__QUEUE_OPEN(q, kind, fn)                        \
    do {                                                   \
        int open_rc_ = mp__object_open(&(q), &(kind), fn); \
        if (open_rc_ < 0)                                  \
            return open_rc_;                               \
    } while (0)

#endif /* MP_QUEUE_IMPL_H */
