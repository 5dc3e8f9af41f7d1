/* The worker loop, the first built-in task (mp_builtin.h): the process a
 * pool keeps for many tasks. It receives orders (mp_order.h) on its
 * connection, runs each through the task runner and sends back the result
 * record, until end-of-file or a stop order. A task that fails, or an
 * order that cannot be read, is answered with an error result, and the
 * loop goes on: only the connection failing ends it. */
#include <stdbool.h>

#include "mp_builtin.h"
#include "mp_core.h"
#include "mp_order.h"
#include "mp_runner.h"

/* Send one result record. A result too big to encode here is still
 * answered, with an error, so the sender's count of answers stays right. */
static int answer(mp_connection_t *conn, const mp__result_t *result)
{
    char storage[4096]; /* most results need no allocation */
    mp__buf_t out;
    mp__buf_use(&out, storage, sizeof storage);
    int rc = mp__result_encode(result, &out);
    if (rc < 0) {
        out.len = 0;
        rc = mp__result_encode(
            &(mp__result_t){.task_error = MP_ENOMEM,
                            .message = "out of memory encoding the task's result in the worker"},
            &out);
    }
    if (rc == 0)
        rc = mp_connection_send(conn, out.data, out.len, MP_FOREVER);
    mp__buf_free(&out);
    return rc;
}

/* Why an order could not be read, for the sender. */
static char *order_error_message(int rc)
{
    return rc == MP_EVERSION ? "order from another multiproc version"
           : rc == MP_ENOMEM ? "out of memory for an order"
                             : "order is corrupt";
}

/* Serve one received message: run it and answer, or note a stop order.
 * Everything the order and its run allocated is freed before returning,
 * so a worker's memory does not grow with the orders it serves. */
static int serve(mp_task_t *worker, mp_connection_t *conn, const void *msg, size_t len, bool *stop)
{
    mp__order_t order;
    int rc = mp__order_decode(msg, len, &order);
    if (rc < 0)
        return answer(conn, &(mp__result_t){.boot_error = rc, .message = order_error_message(rc)});
    if (order.op == MP__ORDER_STOP) {
        *stop = true;
        mp__order_free(&order);
        return 0;
    }
    /* The task's objects are the worker's after its connection. What the
     * task returns (a positive exit code included) is only its result:
     * the worker goes on. */
    mp__run_t run;
    mp__runner_run(&run, order.task, order.arg, order.arg_len, worker->objects + 1,
                   worker->nobjects - 1);
    rc = answer(conn, &run.result);
    mp__runner_release(&run);
    mp__order_free(&order);
    return rc;
}

int mp__builtin_worker(mp_task_t *t)
{
    mp_connection_t *conn;
    int rc = mp_task_connection(t, 0, &conn);
    if (rc < 0)
        return mp_task_fail(t, rc, "the worker loop needs a connection as its object 0: %s",
                            mp_errdetail());
    for (bool stop = false; !stop;) {
        void *msg = NULL;
        size_t len = 0;
        rc = mp_connection_recv_alloc(conn, &msg, &len, MP_FOREVER);
        if (rc == MP_EEOF)
            return 0; /* the sender is done: the normal end */
        if (rc < 0)
            return mp_task_fail(t, rc, "worker: receiving an order: %s", mp_errdetail());
        rc = serve(t, conn, msg, len, &stop);
        mp_free(msg);
        if (rc == MP_EEOF)
            return 0; /* nobody is left to read the answer */
        if (rc < 0)
            return mp_task_fail(t, rc, "worker: sending a result: %s", mp_errdetail());
    }
    return 0;
}
