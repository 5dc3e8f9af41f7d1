/**
 * @file queue_helpers.h
 * @brief What the queue suites share on the parent's side: children that
 *        get a queue, their outcome, and checks of what came out of a queue
 *        (lengths, patterns, tags, who got what).
 */
#ifndef MP_TESTS_QUEUE_HELPERS_H
#define MP_TESTS_QUEUE_HELPERS_H

#include "helpers.h"
#include "queue_tasks.h"

/** How long the parent waits for a message or a state that should come (a
 *  loaded machine is slow to spawn; a hang must fail the test, not the run). */
#define QUEUE_WAIT_S 30.0

/** The ring of the tests that need spilled messages without big ones: 64
 *  KiB, so anything over 16 KiB goes to the spill file. */
#define SMALL_RING ((size_t)64 << 10)

/** The sizes at the edges of a SMALL_RING: 0, 1, 7, 8, a quarter less a
 *  record's header (the longest that stays in the ring), a quarter and one
 *  (the shortest that spills), 3 MiB (far more than the ring). */
enum { EDGE_COUNT = 7, EDGE_SPILLED = 2 };
extern const size_t edge_sizes[EDGE_COUNT];

/** Start a child (task_queue_put_sizes) that puts the edge sizes, in
 *  order, to `queue`: a Queue or (`simple`) a SimpleQueue; asserted. */
mp_process_t *start_edge_putter(void *queue, bool simple);

/** Start a child running `task` with the struct `arg` of `len` bytes as its
 *  argument and `queue` (any kind of queue) as object 0; asserted. */
mp_process_t *start_queue_child(const char *task, const void *arg, size_t len, void *queue);

/** The same with a struct variable as the argument. */
#define START_QUEUE_CHILD(task, arg, queue) start_queue_child((task), &(arg), sizeof(arg), (queue))

/** Join a child that should end by itself and succeed (exit code 0);
 *  asserted, with the child's own error message when it failed. */
bool queue_child_ok(mp_process_t *p);

/** Its result bytes (valid until the handle is destroyed); asserted. */
bool queue_child_result(mp_process_t *p, const void **data, size_t *len);

/** Join a child that should fail, and return its task's code (the MP_E*
 *  of mp_task_fail()); INT32_MIN when it did not end or did not fail. */
int queue_child_error(mp_process_t *p);

/** A message must be `want` bytes of the pattern of `seed`. */
#define EXPECT_PATTERN(data, len, want, seed) \
    expect_pattern((data), (len), (want), (seed), __FILE__, __LINE__)
bool expect_pattern(const void *data, size_t len, size_t want, uint32_t seed, const char *file,
                    int line);

/** A tagged message must carry `producer`:`seq` and a correct pattern. */
#define EXPECT_TAG(data, len, producer, seq) \
    expect_tag((data), (len), (producer), (seq), __FILE__, __LINE__)
bool expect_tag(const void *data, size_t len, uint32_t producer, uint32_t seq, const char *file,
                int line);

/** Put `count` tagged messages of producer 0 (seq 0...) in this process,
 *  each QUEUE_SMALL_MAX bytes, with `timeout`; asserted. */
bool put_tagged(mp_queue_t *q, uint32_t first, uint32_t count, double timeout);

/** Take the next message with mp_queue_get_alloc() and check that it is
 *  tagged 0:`seq`; asserted. */
#define EXPECT_GET_TAG(q, seq, timeout) expect_get_tag((q), (seq), (timeout), __FILE__, __LINE__)
bool expect_get_tag(mp_queue_t *q, uint32_t seq, double timeout, const char *file, int line);

/** Put messages of `size` bytes (message i the pattern of seed i) with
 *  timeout 0 until the queue says MP_EFULL; asserts that it did, with at
 *  least one message in and fewer than `ring_size` bytes of them. Returns
 *  how many went in. */
uint32_t fill_until_full(const any_queue_t *a, size_t size, size_t ring_size);

/** Whether mp_wait() says `s` is ready right now (timeout 0). */
bool sentinel_ready(mp_sentinel_t s);

/** Poll sentinel_ready() until it is `ready`, for up to `timeout` s. */
bool wait_sentinel_state(mp_sentinel_t s, bool ready, double timeout);

/** What consumers reported: for each, its packed tags in the order it took
 *  them (task_queue_consume's result). */
typedef struct consumed {
    const uint32_t *tags;
    size_t count;
} consumed_t;

/** Join a consumer child (task_queue_consume) that should succeed and read
 *  its tags (valid until its handle is destroyed); asserted. */
bool consumer_tags(mp_process_t *p, consumed_t *out);

/** Every message of `producers` producers x `per_producer` must have been
 *  taken exactly once over all `n` consumers, and each consumer must have
 *  taken each producer's messages in the order they were put; asserted. */
bool expect_each_once_in_order(const consumed_t *c, size_t n, uint32_t producers,
                               uint32_t per_producer);

#endif /* MP_TESTS_QUEUE_HELPERS_H */
