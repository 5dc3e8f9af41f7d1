/**
 * @file queue_tasks.h
 * @brief The child side of the queue suites (Queue, JoinableQueue and
 *        SimpleQueue, checklist section 5): the tasks of queue_tasks.c, the
 *        structs they take, and the message contents parent and child agree
 *        on.
 *
 * The tasks are listed once, in QUEUE_TASKS below: queue_tasks.c defines
 * each function, this header declares them, and tasks.c turns the same list
 * into rows of the one task table, as it does SYNC_TASKS and CONN_TASKS.
 * Every task takes its queue as object 0 (a Queue, or a SimpleQueue where
 * the argument's `simple` says so); like every task it never asserts, it
 * reports.
 */
#ifndef MP_TESTS_QUEUE_TASKS_H
#define MP_TESTS_QUEUE_TASKS_H

#include <multiproc.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tasks.h"

/* Every task of queue_tasks.c; X(fn) for each. */
#define QUEUE_TASKS(X)          \
    X(task_queue_put_sizes)     \
    X(task_queue_produce)       \
    X(task_queue_consume)       \
    X(task_queue_typed_echo)    \
    X(task_queue_getter_checks) \
    X(task_queue_nested)

#define QUEUE_TASK_DECLARE(fn) int fn(mp_task_t *task);
QUEUE_TASKS(QUEUE_TASK_DECLARE)
#undef QUEUE_TASK_DECLARE

/** The suites (test_queue.c, test_simple_queue.c, test_queue_bad_input.c),
 *  for main.c's list. */
struct test_suite;
extern const struct test_suite suite_queue, suite_simple_queue, suite_queue_bad_input;

/** How long a child waits for room or for a message that should come: long
 *  enough for a loaded machine, short enough that an orphan does not linger. */
#define QUEUE_CHILD_WAIT_S 60.0

/* ---- a Queue or a SimpleQueue ---------------------------------------- */

/** Either kind of queue, for the code that puts and takes plain messages
 *  on both (the tasks, and the parent's checks of a full ring). */
typedef struct any_queue {
    mp_queue_t *q;
    mp_simple_queue_t *sq; /**< set instead of q for a SimpleQueue */
} any_queue_t;

/** mp_queue_put() or mp_simple_queue_put(). */
int any_put(const any_queue_t *a, const void *data, size_t len, double timeout);
/** mp_queue_get() or mp_simple_queue_get(). */
int any_get(const any_queue_t *a, void *buf, size_t size, size_t *len, double timeout);
/** mp_queue_get_alloc() or mp_simple_queue_get_alloc(). */
int any_get_alloc(const any_queue_t *a, void **data, size_t *len, double timeout);

/* ---- message contents ------------------------------------------------ */

/** Byte `i` of a message whose pattern is `seed`: no period that a lost,
 *  repeated or misplaced chunk of a ring (or of the spill file) could hide
 *  behind, and a different sequence per seed, so one message cannot pass
 *  for another. */
static inline unsigned char queue_pattern_byte(uint32_t seed, size_t i)
{
    uint32_t x = ((uint32_t)i * 131u) ^ (uint32_t)(i >> 9) ^ (uint32_t)(i >> 17);
    return (unsigned char)(x ^ ((seed * 0x9e3779b1u) >> 24) ^ seed);
}

/** Fill `len` bytes with the pattern of `seed`. */
void queue_pattern_fill(unsigned char *buf, size_t len, uint32_t seed);

/** Where `buf` first differs from the pattern of `seed`, looking from
 *  byte `from` on: that index, or `len` when it is all as written. */
size_t queue_pattern_mismatch(const unsigned char *buf, size_t len, uint32_t seed, size_t from);

/**
 * A tagged message, as task_queue_produce puts them: the first 8 bytes say
 * who put it and its place in that producer's sequence, the rest is the
 * pattern of queue_tag_seed(). Its length is queue_produce_size().
 */
typedef struct queue_tag {
    uint32_t producer;
    uint32_t seq;
} queue_tag_t;

/** The pattern seed of a tagged message. */
static inline uint32_t queue_tag_seed(queue_tag_t tag)
{
    return tag.producer * 1000003u + tag.seq;
}

/** The tag packed into the 32 bits task_queue_consume reports per message:
 *  producer in the top 8 bits, sequence in the low 24. */
static inline uint32_t queue_tag_pack(queue_tag_t tag)
{
    return tag.producer << 24 | (tag.seq & 0xffffffu);
}

/** Build the tagged message `tag` of `len` (>= sizeof(queue_tag_t)) bytes. */
void queue_tag_fill(unsigned char *buf, size_t len, queue_tag_t tag);

/** Check a tagged message: its tag in `tag`; false when it is shorter than
 *  a tag or its pattern is wrong (then `bad_at` says which byte). */
bool queue_tag_check(const unsigned char *buf, size_t len, queue_tag_t *tag, size_t *bad_at);

/* ---- the tasks' arguments -------------------------------------------- */

/** The most sizes task_queue_put_sizes takes. */
enum { QUEUE_SIZES_MAX = 12 };

/**
 * The argument of task_queue_put_sizes: after `delay` seconds it puts one
 * message of each size, message `i` being the pattern of seed `i`, then
 * lingers `linger` seconds (a live child whose sentinel must not be ready)
 * and ends.
 */
typedef struct queue_sizes_arg {
    double delay;
    double linger;
    int32_t simple; /**< object 0 is a SimpleQueue (else a Queue) */
    uint32_t count; /**< how many sizes (0: put nothing) */
    uint64_t sizes[QUEUE_SIZES_MAX];
} queue_sizes_arg_t;

/**
 * The argument of task_queue_produce: `count` tagged messages of producer
 * `producer`, seq 0, 1, ...; message `seq` is queue_produce_size() bytes.
 */
typedef struct queue_produce_arg {
    int32_t simple; /**< object 0 is a SimpleQueue (else a Queue) */
    uint32_t producer;
    uint32_t count;
    uint32_t big_every; /**< every big_every-th message is big (0: none) */
    uint64_t big_size;  /**< the big ones' size: meant to go to the spill file */
} queue_produce_arg_t;

/** The longest small message of a producer: a tag and up to 211 bytes. */
enum { QUEUE_SMALL_MAX = sizeof(queue_tag_t) + 211 };

/** The length of message `seq` of a producer: small (from a bare tag to
 *  QUEUE_SMALL_MAX, varying), except every big_every-th, which is big_size. */
static inline size_t queue_produce_size(const queue_produce_arg_t *arg, uint32_t seq)
{
    if (arg->big_every && seq % arg->big_every == arg->big_every - 1)
        return (size_t)arg->big_size;
    return sizeof(queue_tag_t) + (seq * 37u) % (QUEUE_SMALL_MAX - sizeof(queue_tag_t) + 1);
}

/**
 * The argument of task_queue_consume: it takes tagged messages until the
 * queue is closed and empty (MP_EEOF), or `limit` of them when `limit` > 0,
 * checks each, calls mp_queue_task_done() after each when `task_done`, and
 * returns the packed tags (queue_tag_pack()) as uint32s, in the order it
 * took them.
 */
typedef struct queue_consume_arg {
    int32_t simple; /**< object 0 is a SimpleQueue (else a Queue) */
    uint32_t limit;
    int32_t task_done; /**< a JoinableQueue's worker (not with `simple`) */
} queue_consume_arg_t;

/** The most messages task_queue_consume reports. */
enum { QUEUE_CONSUME_MAX = 1 << 15 };

/** What task_queue_typed_echo sends back for each value it gets. */
#define QUEUE_ECHO_I64(v) ((v) + 1)
#define QUEUE_ECHO_DOUBLE(v) ((v)*2.0)
#define QUEUE_ECHO_SUFFIX " (echoed)"

#endif /* MP_TESTS_QUEUE_TASKS_H */
