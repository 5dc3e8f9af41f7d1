/**
 * @file multiproc/queue.h
 * @brief Queues between processes (Python's `multiprocessing.Queue`,
 *        `JoinableQueue` and `SimpleQueue`): messages of bytes, put by any
 *        number of processes and taken by any number, each exactly once.
 *
 * A queue is a ring of shared memory with a producers' lock and a
 * consumers' lock (the library's own, whose holder's death is detected),
 * not a pipe with a feeder thread. Three promises follow from that:
 *
 * - **A put that returned has delivered its message.** It is in shared
 *   memory, whole, and stays there when the producer exits, so joining a
 *   producer never waits for a reader (in CPython a child that put a large
 *   object cannot be joined before the parent reads it).
 * - **Messages of any size, whatever the ring's size.** A message longer
 *   than a quarter of the ring goes to the queue's spill file (an
 *   anonymous sparse file, a memfd on Linux) and only a small record of it
 *   to the ring; from the reader's view every message is one message,
 *   never split and never merged, in the order it was put per producer.
 *   The spill file holds what is in the queue, not what passed through
 *   it: a taken message's pages go back to the OS (but for four rings'
 *   worth, kept for the next ones).
 * - **A process killed in the middle of a put or a get leaves no trace.**
 *   A put publishes its message with one atomic store after the whole
 *   message is written, and a get removes it with one store after the
 *   whole message is read, so a death before that store leaves the queue
 *   as it was (the half-written message was never visible; a half-read
 *   one is still there for the next get), and a death after it leaves the
 *   call done. The next caller takes the dead process's lock over, wakes
 *   whoever waits, and counts the death in mp_queue_stats(). A queue never
 *   hangs on a dead process. Only a rewrite of the shared memory that makes
 *   no sense (by a process that scribbles on it) makes the queue answer
 *   MP_EBROKEN, from then on.
 *
 * Capacity: `maxsize` messages (0: no limit of its own), and what the
 * ring holds. A put waits (up to its timeout, then MP_EFULL) while either
 * is full; a message that goes to the spill file takes 24 bytes of the ring.
 *
 * Give a queue to a child with MP_OBJECTS() and fetch it there with
 * mp_task_queue() (mp_task_simple_queue() for a SimpleQueue); it works
 * under every start method and on Windows.
 *
 * | Python                                 | multiproc                                  |
 * |----------------------------------------|--------------------------------------------|
 * | `Queue(maxsize)`                       | mp_queue_create(&q, &(mp_queue_opts_t){.maxsize = n}) |
 * | `JoinableQueue(maxsize)`               | mp_joinable_queue_create()                 |
 * | `put(obj)` / `put(obj, timeout=t)`     | mp_queue_put(q, data, len, MP_FOREVER / t) |
 * | `put_nowait(obj)`                      | mp_queue_put(q, data, len, 0)              |
 * | `get()` / `get(timeout=t)`             | mp_queue_get(q, buf, size, &len, MP_FOREVER / t), mp_queue_get_alloc() |
 * | `get_nowait()`                         | mp_queue_get(..., 0)                       |
 * | `queue.Full` / `queue.Empty`           | MP_EFULL / MP_EEMPTY                       |
 * | `qsize()` (NotImplementedError on macOS) | mp_queue_qsize(), exact everywhere       |
 * | `empty()` / `full()`                   | mp_queue_is_empty() / mp_queue_is_full()   |
 * | `close()`                              | mp_queue_close() (for every process: see there) |
 * | `join_thread()`, `cancel_join_thread()`| not needed: there is no feeder thread      |
 * | `task_done()` / `join()`               | mp_queue_task_done() / mp_queue_join(q, timeout) |
 * | `connection.wait([q._reader, p.sentinel])` | mp_queue_sentinel() with mp_wait()     |
 * | `SimpleQueue()`                        | mp_simple_queue_create()                   |
 */
#ifndef MULTIPROC_QUEUE_H
#define MULTIPROC_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/export.h>
#include <multiproc/task.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ring's size unless set: 1 MiB of shared memory per queue. */
#define MP_QUEUE_RING_DEFAULT ((size_t)1 << 20)
/** The smallest and largest ring (a size is rounded up to a power of two). */
#define MP_QUEUE_RING_MIN ((size_t)1 << 12)
/** @copydoc MP_QUEUE_RING_MIN */
#define MP_QUEUE_RING_MAX ((size_t)1 << (sizeof(size_t) > 4 ? 30 : 26))
/** The longest message unless set (1 GiB, or less where size_t is smaller). */
#define MP_QUEUE_MAX_MESSAGE_DEFAULT ((size_t)1 << (sizeof(size_t) > 4 ? 30 : 28))

/** A Queue or a JoinableQueue. */
typedef struct mp_queue mp_queue_t;

/** Options for mp_queue_create() and mp_joinable_queue_create(). */
typedef struct mp_queue_opts {
    /** Python's maxsize: the most messages the queue holds; 0 (the
     *  default) sets no limit beyond the ring's bytes; negative is
     *  MP_EINVAL. */
    int64_t maxsize;
    /** Bytes of shared memory for the ring: 0 is MP_QUEUE_RING_DEFAULT;
     *  others are rounded up to a power of two between MP_QUEUE_RING_MIN
     *  and MP_QUEUE_RING_MAX (larger is MP_EINVAL). */
    size_t ring_size;
    /** The longest message a put takes and a get accepts: 0 is
     *  MP_QUEUE_MAX_MESSAGE_DEFAULT. Every process keeps the creator's
     *  value, so a length in the shared memory can never make a get
     *  reserve more. */
    size_t max_message;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_queue_opts_t;

/** What a queue has seen, for monitoring and for tests (all processes). */
typedef struct mp_queue_stats {
    uint64_t puts;    /**< messages put */
    uint64_t gets;    /**< messages taken */
    uint64_t spilled; /**< messages that went through the spill file */
    /** Processes that died inside a put, holding the producers' lock: each
     *  message was either delivered whole or not at all (never half). */
    uint64_t dead_putters;
    /** Processes that died inside a get: their message was either taken
     *  whole (and lost with them) or left whole for the next get. */
    uint64_t dead_getters;
} mp_queue_stats_t;

/**
 * @brief Create a Queue.
 * @param[out] out the new queue.
 * @param opts may be NULL (all defaults).
 * @return 0; MP_EINVAL for NULL `out`, a negative maxsize, a ring over
 *         MP_QUEUE_RING_MAX or a max_message over 4 GiB; MP_ESTATE before
 *         mp_init(); MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_queue_create(mp_queue_t **out, const mp_queue_opts_t *opts);

/**
 * @brief Create a JoinableQueue: a Queue that also counts unfinished tasks
 *        (every put adds one; mp_queue_task_done() takes one away) for
 *        mp_queue_join().
 * @return as mp_queue_create().
 */
MP_API int mp_joinable_queue_create(mp_queue_t **out, const mp_queue_opts_t *opts);

/**
 * @brief Put a message (copied).
 * @param q the queue.
 * @param data the bytes (may be NULL when `len` is 0; an empty message is a
 *        message).
 * @param len their count, at most the queue's max_message.
 * @param timeout seconds to wait for room (MP_FOREVER; 0: Python's
 *        put_nowait).
 * @return 0: delivered (see the file's description); MP_EFULL when no room
 *         came in time (nothing was put); MP_ECLOSED when the queue was
 *         closed or the handle destroyed; MP_EMSGSIZE for a message longer
 *         than max_message; MP_EINVAL for NULL `q`, NULL `data` with `len`
 *         > 0, or a bad timeout; MP_ENOMEM when the spill file had no
 *         space; MP_EBROKEN (see the file's description); MP_EINTR
 *         (mp_set_interruptible(): nothing was put); MP_ESYS.
 */
MP_API int mp_queue_put(mp_queue_t *q, const void *data, size_t len, double timeout);

/**
 * @brief Take the next message into the caller's buffer.
 * @param q the queue.
 * @param buf where the message goes (may be NULL when `size` is 0).
 * @param size the buffer's size.
 * @param[out] len the message's length; on MP_ETOOSMALL the size needed.
 * @param timeout seconds to wait for a message (MP_FOREVER; 0: Python's
 *        get_nowait).
 * @return 0; MP_ETOOSMALL when the message is longer than `size` (it stays
 *         whole at the head of the queue for the next get); MP_EEMPTY when
 *         no message came in time; MP_EEOF when the queue is closed and
 *         empty (end of data); MP_EINVAL for NULL `q` or `len`, NULL `buf`
 *         with `size` > 0, or a bad timeout; MP_ECLOSED for a destroyed
 *         handle; MP_EBROKEN; MP_EINTR; MP_ESYS.
 */
MP_API int mp_queue_get(mp_queue_t *q, void *buf, size_t size, size_t *len, double timeout);

/**
 * @brief Take the next message, whatever its length, into memory the
 *        library allocates (free it with mp_free()).
 * @param q the queue.
 * @param[out] data the message (an empty one is a valid pointer); written
 *        only on success.
 * @param[out] len its length.
 * @param timeout as mp_queue_get().
 * @return as mp_queue_get(), never MP_ETOOSMALL; MP_ENOMEM when the memory
 *         could not be had (the message stays in the queue).
 */
MP_API int mp_queue_get_alloc(mp_queue_t *q, void **data, size_t *len, double timeout);

/** @brief Put an int64 (8 bytes, this machine's order); see mp_queue_put(). */
MP_API int mp_queue_put_i64(mp_queue_t *q, int64_t value, double timeout);
/** @brief Put a double; see mp_queue_put(). */
MP_API int mp_queue_put_double(mp_queue_t *q, double value, double timeout);
/** @brief Put a string with its NUL (not NULL: MP_EINVAL); see mp_queue_put(). */
MP_API int mp_queue_put_str(mp_queue_t *q, const char *value, double timeout);

/**
 * @brief Take a message put with mp_queue_put_i64().
 * @return as mp_queue_get(); MP_EINVAL when the next message is not 8
 *         bytes (it stays in the queue).
 */
MP_API int mp_queue_get_i64(mp_queue_t *q, int64_t *out, double timeout);
/** @brief Take a message put with mp_queue_put_double(); as mp_queue_get_i64(). */
MP_API int mp_queue_get_double(mp_queue_t *q, double *out, double timeout);
/**
 * @brief Take a message put with mp_queue_put_str(), into memory the
 *        library allocates (free it with mp_free()).
 * @return as mp_queue_get_alloc(); MP_EINVAL when the message does not end
 *         in its only NUL (it is taken, and dropped).
 */
MP_API int mp_queue_get_str(mp_queue_t *q, char **out, double timeout);

/**
 * @brief The number of messages in the queue, exact at the moment it is
 *        read (on every platform; Python's raises on macOS).
 * @return the count (>= 0); MP_EINVAL; MP_ECLOSED for a destroyed handle;
 *         MP_EBROKEN when its shared memory was rewritten into nonsense.
 */
MP_API int mp_queue_qsize(mp_queue_t *q);
/** @brief 1 when the queue holds no message, else 0; as mp_queue_qsize(). */
MP_API int mp_queue_is_empty(mp_queue_t *q);
/** @brief 1 when it holds maxsize messages (or its ring has no room for
 *         one more small message), else 0; as mp_queue_qsize(). */
MP_API int mp_queue_is_full(mp_queue_t *q);

/**
 * @brief Close the queue for every process: later puts fail with
 *        MP_ECLOSED; gets take what is left, then answer MP_EEOF; every
 *        waiting put and get wakes up. (Python's close() is per process and
 *        only says "this process puts no more"; a C program that wants that
 *        just stops putting.) Again is harmless.
 * @return 0; MP_EINVAL; MP_ECLOSED for a destroyed handle.
 */
MP_API int mp_queue_close(mp_queue_t *q);

/** @brief 1 once mp_queue_close() was called by any process, else 0;
 *         MP_EINVAL; MP_ECLOSED for a destroyed handle. */
MP_API int mp_queue_is_closed(mp_queue_t *q);

/**
 * @brief JoinableQueue: one task taken from the queue is finished.
 * @return 0; MP_ESTATE when called more times than messages were put;
 *         MP_EINVAL for NULL or a plain Queue (not joinable); MP_ECLOSED.
 */
MP_API int mp_queue_task_done(mp_queue_t *q);

/**
 * @brief JoinableQueue: wait until every message put has had its
 *        mp_queue_task_done() (a consumer killed before calling it leaves
 *        its task unfinished: the join then times out, as Python's hangs).
 * @return 0; MP_ETIMEDOUT; MP_EINVAL for NULL, a plain Queue or a bad
 *         timeout; MP_ECLOSED; MP_EINTR.
 */
MP_API int mp_queue_join(mp_queue_t *q, double timeout);

/** @brief JoinableQueue: the tasks put and not yet done (>= 0), or a code
 *         as mp_queue_task_done(). */
MP_API int mp_queue_unfinished(mp_queue_t *q);

/**
 * @brief A sentinel for mp_wait() (or the platform's own poll /
 *        WaitForMultipleObjects) that is ready while a get would not block:
 *        the queue holds a message or is closed. Another consumer may still
 *        take the message first: after the wait, get with timeout 0.
 *
 * The first call makes, in this process, a flag the OS can wait on and a
 * thread that keeps it current (the library does not count that thread
 * against fork: it holds no lock). From then on, puts and gets on this
 * queue in every process make one wake-up call each while the flag changes
 * state. The sentinel stays owned by the handle.
 * @return 0; MP_EINVAL for NULL pointers; MP_ECLOSED; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_queue_sentinel(mp_queue_t *q, mp_sentinel_t *out);

/** @brief What the queue has seen (see mp_queue_stats_t).
 *  @return 0; MP_EINVAL; MP_ECLOSED. */
MP_API int mp_queue_stats(mp_queue_t *q, mp_queue_stats_t *out);

/** @brief Destroy this handle (the queue lives on in the processes that
 *         hold it). NULL-safe; harmless on a destroyed handle. A waiting
 *         sentinel's thread is stopped. */
MP_API void mp_queue_destroy(mp_queue_t *q);

/**
 * @brief In a task: the Queue or JoinableQueue it was given at `index` in
 *        MP_OBJECTS(), borrowed from the task.
 * @return 0; MP_EINVAL for NULL, a bad index or another kind of object (a
 *         SimpleQueue included).
 */
MP_API int mp_task_queue(const mp_task_t *task, size_t index, mp_queue_t **out);

/* ---- SimpleQueue --------------------------------------------------- */

/** A SimpleQueue: put, get, empty and close, with no maxsize. */
typedef struct mp_simple_queue mp_simple_queue_t;

/** Options for mp_simple_queue_create(). */
typedef struct mp_simple_queue_opts {
    size_t ring_size;                    /**< as mp_queue_opts_t */
    size_t max_message;                  /**< as mp_queue_opts_t */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_simple_queue_opts_t;

/** @brief Create a SimpleQueue; as mp_queue_create(). */
MP_API int mp_simple_queue_create(mp_simple_queue_t **out, const mp_simple_queue_opts_t *opts);
/** @brief Put a message; as mp_queue_put() (MP_EFULL only when the ring
 *         had no room in time). */
MP_API int mp_simple_queue_put(mp_simple_queue_t *q, const void *data, size_t len, double timeout);
/** @brief Take the next message; as mp_queue_get(). */
MP_API int mp_simple_queue_get(mp_simple_queue_t *q, void *buf, size_t size, size_t *len,
                               double timeout);
/** @brief Take the next message into allocated memory; as mp_queue_get_alloc(). */
MP_API int mp_simple_queue_get_alloc(mp_simple_queue_t *q, void **data, size_t *len,
                                     double timeout);
/** @brief 1 when empty, else 0; as mp_queue_is_empty(). */
MP_API int mp_simple_queue_is_empty(mp_simple_queue_t *q);
/** @brief Close for every process; as mp_queue_close(). */
MP_API int mp_simple_queue_close(mp_simple_queue_t *q);
/** @brief Destroy this handle; as mp_queue_destroy(). */
MP_API void mp_simple_queue_destroy(mp_simple_queue_t *q);
/** @brief In a task: the SimpleQueue at `index`; MP_EINVAL for any other
 *         kind (a Queue included); as mp_task_queue(). */
MP_API int mp_task_simple_queue(const mp_task_t *task, size_t index, mp_simple_queue_t **out);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_QUEUE_H */
