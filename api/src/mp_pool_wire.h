/**
 * @file mp_pool_wire.h
 * @brief The two messages of the worker-pool core: an order (parent to one
 *        worker, through that worker's ring) and an answer (worker to
 *        parent, through the pool's shared ring), laid out for speed: one
 *        ring message each, no allocation to read one, no copy of the
 *        bytes (a reader points into the message).
 *
 * An order carries one or more arguments for one task (one submit, or one
 * chunk of a map); its answer carries one outcome per argument, in order.
 * Both are read as hostile input: every length is checked against the
 * message before it is used, since another process wrote it.
 *
 * Order:  head { seq, count, name_len } name (no NUL)
 *         count x { u32 len, bytes }
 * Answer: head { seq, worker, generation, count, elapsed_ns }
 *         count x { i32 code, u32 value_len, u32 message_len, value, message }
 * Numbers are native (parent and worker are one executable on one machine).
 */
#ifndef MP_POOL_WIRE_H
#define MP_POOL_WIRE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp_buf.h"

/** The head of an order. seq 0 with count 0 tells the worker to stop. */
typedef struct mp__order_head {
    uint64_t seq;      /**< the parent's number for the order, > 0 */
    uint32_t count;    /**< arguments that follow the name */
    uint32_t name_len; /**< the task name's bytes (no NUL) */
} mp__order_head_t;

/** The head of an answer. seq 0: the worker's start failed (one outcome
 *  says why), and it exits. */
typedef struct mp__answer_head {
    uint64_t seq;        /**< the order it answers */
    uint32_t worker;     /**< the worker's slot */
    uint32_t generation; /**< which start of that slot */
    uint32_t count;      /**< outcomes that follow */
    uint32_t reserved;
    uint64_t elapsed_ns; /**< time the worker spent running the order */
} mp__answer_head_t;

/** One outcome, as read from an answer (points into the message). */
typedef struct mp__outcome {
    int code;            /**< 0, or the task's failure code */
    const void *value;   /**< result bytes (NULL when none) */
    size_t value_len;    /**< their count */
    const char *message; /**< NUL-terminated failure message ("" when none) */
} mp__outcome_t;

/** A worker's argument: this head, then the initializer's name (no NUL),
 *  then its argument bytes. */
typedef struct mp__pool_worker_arg {
    uint32_t index;      /**< the worker's slot */
    uint32_t generation; /**< which start of that slot */
    uint32_t max_tasks;  /**< orders before it exits; 0: no limit */
    uint32_t init_len;   /**< the initializer's name's bytes; 0: none */
} mp__pool_worker_arg_t;

/**
 * What a worker says about itself, in the pool's shared array (one slot
 * per worker, a cache line each so that workers never share one). The
 * parent reads it only to decide which order a dead worker was running
 * and whether a running order is overdue, and checks what it reads against
 * its own records: a scribbled slot can only make it kill its own worker.
 */
typedef struct mp__worker_slot {
    _Atomic uint64_t seq;       /**< the order being run; 0: none */
    _Atomic uint32_t item;      /**< its argument being run */
    _Atomic uint32_t ready;     /**< 1 once the initializer succeeded */
    _Atomic int64_t started_ns; /**< mp__os_now() when that argument started */
    uint64_t pad[5];
} mp__worker_slot_t;

/** @brief Start an order for `count` arguments of `task`. */
int mp__order_begin(mp__buf_t *out, uint64_t seq, const char *task, uint32_t count);

/** @brief Append one argument to an order. */
int mp__order_add(mp__buf_t *out, const void *arg, size_t len);

/** A reader over an order's arguments. */
typedef struct mp__order_reader {
    mp__order_head_t head;
    char name[256];   /**< the task's name, NUL-terminated */
    const char *next; /**< the next argument's length field */
    const char *end;  /**< the end of the message */
    uint32_t left;    /**< arguments not yet read */
} mp__order_reader_t;

/**
 * @brief Start reading an order.
 * @return 0; MP_EBOOTSTRAP for a message that is not a well-formed order
 *         (too short, a name too long or not there).
 */
int mp__order_open(mp__order_reader_t *reader, const void *msg, size_t len);

/** @brief The next argument. @return 0; MP_EBOOTSTRAP when the message
 *         ends before it. */
int mp__order_next(mp__order_reader_t *reader, const void **arg, size_t *len);

/** @brief Start an answer (its count is filled in by mp__answer_end()). */
int mp__answer_begin(mp__buf_t *out, const mp__answer_head_t *head);

/** @brief Append one outcome; `message` may be NULL. */
int mp__answer_add(mp__buf_t *out, int code, const void *value, size_t value_len,
                   const char *message);

struct mp__run;

/** @brief Append the outcome of a task run (mp_runner.h): its result, or
 *         its failure; a positive exit code fails it with MP_ETASK (as
 *         SystemExit fails a Python future), its message naming the code. */
int mp__answer_add_run(mp__buf_t *out, const struct mp__run *run);

/** @brief Finish an answer: write its outcome count and elapsed time. */
void mp__answer_end(mp__buf_t *out, uint32_t count, uint64_t elapsed_ns);

/**
 * @brief Read an answer's head and check that `count` outcomes fit.
 * @param[out] outcomes filled with the outcomes (`head->count` of them;
 *             the caller gives room for `cap`).
 * @return 0; MP_EBOOTSTRAP for a malformed answer or more outcomes than
 *         `cap`.
 */
int mp__answer_read(const void *msg, size_t len, mp__answer_head_t *head, mp__outcome_t *outcomes,
                    size_t cap);

/** @brief An answer's head alone (to find the order it answers). */
bool mp__answer_peek(const void *msg, size_t len, mp__answer_head_t *head);

#endif /* MP_POOL_WIRE_H */
