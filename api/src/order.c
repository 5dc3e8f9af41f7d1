/* Worker orders (mp_order.h) as msgpack arrays:
 *   ["multiproc-order", version, op, task, arg]
 * The decoder treats its input as hostile, with wire.c's readers. */
#include "mp_order.h"

#include <stdlib.h>
#include <string.h>

#include <multiproc/error.h>

#include "mp_record.h"
#include "mp_wire.h"

static const char order_magic[] = "multiproc-order";

enum { ORDER_FIELDS = 5 };

int mp__order_encode(const mp__order_t *order, mp__buf_t *out)
{
    msgpack_packer pk;
    mp__wire_packer_init(&pk, out);
    int failed = mp__wire_pack_header(&pk, order_magic, ORDER_FIELDS, MP__RECORD_VERSION) ||
                 msgpack_pack_int(&pk, (int)order->op) || mp__wire_pack_str(&pk, order->task) ||
                 mp__wire_pack_bin(&pk, order->arg, order->arg_len);
    return failed ? MP_ENOMEM : 0;
}

int mp__order_decode(const void *data, size_t len, mp__order_t *out)
{
    memset(out, 0, sizeof *out);
    mp__wire_record_t d;
    int rc = mp__wire_record_decode(data, len, order_magic, ORDER_FIELDS, &d);
    int64_t op = 0;
    MP__WIRE_TAKE(rc, mp__wire_take_int(&d.field[2], MP__ORDER_RUN, MP__ORDER_STOP, &op));
    MP__WIRE_TAKE(rc, mp__wire_take_str(&d.field[3], &out->task));
    MP__WIRE_TAKE(rc, mp__wire_take_bin(&d.field[4], &out->arg, &out->arg_len));
    mp__wire_record_free(&d);
    out->op = (mp__order_op_t)op;
    if (rc < 0)
        mp__order_free(out);
    return rc;
}

void mp__order_free(mp__order_t *order)
{
    if (!order)
        return;
    free(order->task);
    free(order->arg);
    memset(order, 0, sizeof *order);
}
