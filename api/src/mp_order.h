/**
 * @file mp_order.h
 * @brief The orders a worker loop (mp_builtin.h) receives: run this task
 *        with these argument bytes, or stop. The worker answers each run
 *        order, and each message it cannot read as an order, with one
 *        result record (mp_record.h), in the order received, so a sender
 *        matches results to orders by counting.
 *
 * An order is a msgpack array that begins with a magic string and the
 * record version (MP__RECORD_VERSION), like the bootstrap and result
 * records; its decoder takes any bytes: it is fuzzed.
 */
#ifndef MP_ORDER_H
#define MP_ORDER_H

#include <stddef.h>

#include "mp_buf.h"

/** What an order asks for. */
typedef enum mp__order_op {
    MP__ORDER_RUN = 1,  /**< run `task` with `arg`, answer with a result record */
    MP__ORDER_STOP = 2, /**< end the loop (no answer) */
} mp__order_op_t;

/** One order. Decoded strings and bytes are owned (mp__order_free()). */
typedef struct mp__order {
    mp__order_op_t op;
    char *task; /**< task name ("" for a stop order) */
    void *arg;  /**< argument bytes (NULL when empty) */
    size_t arg_len;
} mp__order_t;

/** @brief Append the encoded order to `out`. @return 0 or MP_ENOMEM. */
int mp__order_encode(const mp__order_t *order, mp__buf_t *out);

/**
 * @brief Decode an order from untrusted bytes.
 * @return 0; MP_EVERSION for an order of another version; MP_EBOOTSTRAP for
 *         anything else that is not a well-formed order (an unknown op
 *         included); MP_ENOMEM.
 */
int mp__order_decode(const void *data, size_t len, mp__order_t *out);

/** @brief Free what mp__order_decode() allocated. NULL-safe. */
void mp__order_free(mp__order_t *order);

#endif /* MP_ORDER_H */
