/**
 * @file mp_ring.h
 * @brief The message ring every queue kind stands on: a block of shared
 *        memory holding a byte ring, a producers' side and a consumers'
 *        side, each with its own robust lock, plus the queue's spill file
 *        for messages too large for the ring (ring.c). Queue, JoinableQueue
 *        and SimpleQueue are thin public faces over it (queue.c,
 *        simple_queue.c).
 *
 * Crash safety comes from how state is published, not from repairs: a put
 * makes its message visible with one atomic store of the producers' packed
 * tail (byte position and message count together) once every byte is
 * written, and a get removes one with one store of the packed head once
 * every byte is read. A process that dies before that store changed nothing
 * anyone can see; one that dies after it finished its call.
 */
#ifndef MP_RING_H
#define MP_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/queue.h>

#include "mp_backend.h"
#include "mp_buf.h"

typedef struct mp__ring_shared mp__ring_shared_t;

/** A process's view of a ring, with its own copy of the ring's shape (the
 *  shared header is never trusted for sizes: see api/CONVENTIONS.md). */
typedef struct mp__ring {
    mp__os_shm_t *block;
    mp__os_spill_t *spill;
    mp__ring_shared_t *shared;
    unsigned char *data; /**< the ring's bytes, inside the block */
    uint64_t size;       /**< ring bytes, a power of two */
    uint32_t maxsize;    /**< messages (0: no limit of its own) */
    uint64_t max_message;
    bool joinable;
    /** This process's scratch list of the spill file's places in use
     *  (ring_spill.c), kept between puts; used under the put lock. */
    struct mp__spill_span *spans;
    size_t spans_cap;
} mp__ring_t;

/** The shape a ring is made with, and that a child is given. */
typedef struct mp__ring_shape {
    uint64_t size;
    uint32_t maxsize;
    uint64_t max_message;
    bool joinable;
} mp__ring_shape_t;

/** @brief The block size a ring of `ring_size` bytes needs. */
size_t mp__ring_block_size(uint64_t ring_size);

/**
 * @brief Make a ring in a new block and spill file.
 * @return 0; MP_ENOMEM; MP_ESYS. Nothing is left behind on failure.
 */
int mp__ring_create(mp__ring_t *ring, const mp__ring_shape_t *shape);

/**
 * @brief A child's view of a ring from its description: the block and
 *        spill handles (taken over on success; a child whose attach fails
 *        does not start its task, and exits with them) and the shape.
 * @return 0; MP_EBOOTSTRAP when the block is smaller than the shape says;
 *         MP_ENOMEM; MP_ESYS.
 */
int mp__ring_attach(mp__ring_t *ring, const mp__ring_shape_t *shape, mp_sentinel_t block,
                    mp_sentinel_t spill);

/** @brief Unmap and close this view. */
void mp__ring_release(mp__ring_t *ring);

/** @brief The shape, for a child's description. */
mp__ring_shape_t mp__ring_shape(const mp__ring_t *ring);

/**
 * @brief Put one message (see mp_queue_put() for the codes). The caller
 *        has checked the arguments and the timeout.
 */
int mp__ring_put(mp__ring_t *ring, const void *data, size_t len, double timeout);

/** Where a get puts its message. */
typedef struct mp__ring_sink {
    void *buf;   /**< the caller's buffer, or NULL: allocate */
    size_t size; /**< its size */
    void *got;   /**< out: the allocated message (buf == NULL) */
    size_t len;  /**< out: the message's length (also on MP_ETOOSMALL) */
    /** When nonzero, the only length accepted: other messages stay in the
     *  ring and the get fails with MP_EINVAL (typed gets). */
    size_t exact_len;
} mp__ring_sink_t;

/** @brief Take one message (see mp_queue_get() for the codes). */
int mp__ring_get(mp__ring_t *ring, mp__ring_sink_t *sink, double timeout);

/** @brief Messages in the ring now; MP_EBROKEN for shared state that makes
 *         no sense. */
int mp__ring_count(mp__ring_t *ring);

/** @brief Whether a put of a small message would wait now. */
int mp__ring_is_full(mp__ring_t *ring);

/** @brief Close for every process and wake every waiter. */
void mp__ring_close(mp__ring_t *ring);

/** @brief Whether any process closed it. */
bool mp__ring_is_closed(mp__ring_t *ring);

/** @brief Whether it is closed or broken: a get never blocks again. */
bool mp__ring_is_settled(mp__ring_t *ring);

/** @brief Counters (fields as mp_queue_stats_t). */
void mp__ring_stats(mp__ring_t *ring, mp_queue_stats_t *out);

/** @brief JoinableQueue: one task done; MP_ESTATE when none is unfinished. */
int mp__ring_task_done(mp__ring_t *ring);

/** @brief JoinableQueue: tasks put and not done. */
uint32_t mp__ring_unfinished(mp__ring_t *ring);

/** @brief JoinableQueue: wait until no task is unfinished. */
int mp__ring_join(mp__ring_t *ring, double timeout);

/**
 * @brief For a watcher (queue_watch.c): sleep until the ring's readiness
 *        (a get would not block) may differ from `ready`, at most
 *        `seconds`, or until `*cancel` is set (and mp__ring_wake_all()
 *        called); registers as a waiter so that puts and gets wake it.
 */
void mp__ring_wait_change(mp__ring_t *ring, bool ready, double seconds, const _Atomic bool *cancel);

/**
 * @brief For a pool's reader of answers: sleep until a message may be
 *        there, at most `seconds`, or until `*cancel` is set (and
 *        mp__ring_wake_all() called).
 * @return 0; MP_EINTR (mp__interruptible()).
 */
int mp__ring_wait_data(mp__ring_t *ring, double seconds, const _Atomic bool *cancel);

/** @brief Whether a get would not block now (a message, or closed). */
bool mp__ring_is_ready(mp__ring_t *ring);

/** @brief Wake every process and thread asleep on the ring (a watcher
 *         being stopped, a close). */
void mp__ring_wake_all(mp__ring_t *ring);

/** The moments a test can stop a process at, to kill it there. */
typedef enum mp__ring_point {
    MP__RING_PUT_WRITTEN, /**< a put wrote its message, not yet published */
    MP__RING_GET_READ,    /**< a get read its message, not yet removed */
} mp__ring_point_t;

/** A test hook, NULL in programs: called at each point, in the process at
 *  it, with the side's lock held (tests/test_queue_deaths.c). */
extern void (*mp__ring_test_hook)(mp__ring_point_t point);

/** @brief Call the test hook, if a test set one (one load otherwise). */
static inline void mp__ring_test_point(mp__ring_point_t point)
{
    if (mp__ring_test_hook)
        mp__ring_test_hook(point);
}

#endif /* MP_RING_H */
