/* The tasks of the connection suite: an echo, a big sender, a probe of an
 * end's direction, a sender with random delays, and the getter's checks.
 * Like every task they never assert: they report what the calls returned
 * (result bytes, exit code, or mp_task_fail()'s message) and the test in
 * the parent judges. Each takes its connection as object 0. */
#include "conn_tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h" /* sleep_s */

/* Object 0 as a connection, or the task's failure. */
static int get_conn(mp_task_t *t, mp_connection_t **c)
{
    int rc = mp_task_connection(t, 0, c);
    return rc < 0 ? mp_task_fail(t, rc, "mp_task_connection: %s", mp_errdetail()) : 0;
}

/* Receives messages and sends each back unchanged: its int64 argument
 * of them when it is > 0, else until end-of-file. Returns how many it
 * echoed (int64). End-of-file before the count is a failure (MP_EEOF). */
int task_conn_echo(mp_task_t *t)
{
    int64_t n;
    mp_connection_t *c;
    int rc = mp_task_arg_i64(t, &n);
    if (rc < 0 || (rc = get_conn(t, &c)) < 0)
        return rc;
    int64_t echoed = 0;
    while (n <= 0 || echoed < n) {
        void *data = NULL;
        size_t len = 0;
        rc = mp_connection_recv_alloc(c, &data, &len, CONN_CHILD_WAIT_S);
        if (rc == MP_EEOF && n <= 0)
            break;
        if (rc < 0)
            return mp_task_fail(t, rc, "recv_alloc of message %lld: %s", (long long)echoed,
                                mp_errdetail());
        if (!data)
            return mp_task_fail(t, MP_EINVAL, "recv_alloc gave NULL for %zu bytes", len);
        rc = mp_connection_send(c, data, len, MP_FOREVER);
        mp_free(data);
        if (rc < 0)
            return mp_task_fail(t, rc, "send of message %lld (%zu bytes): %s", (long long)echoed,
                                len, mp_errdetail());
        echoed++;
    }
    if ((rc = mp_connection_close(c)) < 0)
        return mp_task_fail(t, rc, "close: %s", mp_errdetail());
    return mp_task_return_i64(t, echoed);
}

/* Sends one message of its int64 argument's size, byte i being
 * conn_pattern_byte(i). */
int task_conn_send_big(mp_task_t *t)
{
    int64_t size;
    mp_connection_t *c;
    int rc = mp_task_arg_i64(t, &size);
    if (rc < 0 || (rc = get_conn(t, &c)) < 0)
        return rc;
    if (size < 0)
        return mp_task_fail(t, MP_EINVAL, "size %lld", (long long)size);
    unsigned char *data = malloc(size ? (size_t)size : 1);
    if (!data)
        return mp_task_fail(t, MP_ENOMEM, "cannot allocate %lld bytes", (long long)size);
    for (size_t i = 0; i < (size_t)size; i++)
        data[i] = conn_pattern_byte(i);
    rc = mp_connection_send(c, data, (size_t)size, MP_FOREVER);
    free(data);
    return rc < 0 ? mp_task_fail(t, rc, "send of %lld bytes: %s", (long long)size, mp_errdetail())
                  : 0;
}

/* Reports its end's direction and what each direction's calls return
 * (conn_probe_t): receive (the parent's message, for a reader), send
 * CONN_CHILD_TEXT, then poll(0). */
int task_conn_probe(mp_task_t *t)
{
    mp_connection_t *c;
    int rc = get_conn(t, &c);
    if (rc < 0)
        return rc;
    conn_probe_t r;
    memset(&r, 0, sizeof r);
    r.readable = mp_connection_is_readable(c);
    r.writable = mp_connection_is_writable(c);
    size_t len = 0;
    r.recv_rc = mp_connection_recv(c, r.got, sizeof r.got - 1, &len, CONN_CHILD_WAIT_S);
    if (r.recv_rc == 0 && len < sizeof r.got)
        r.got[len] = '\0';
    else
        r.got[0] = '\0';
    r.send_rc = mp_connection_send(c, CONN_CHILD_TEXT, strlen(CONN_CHILD_TEXT), MP_FOREVER);
    r.poll_rc = mp_connection_poll(c, 0);
    return mp_task_return(t, &r, sizeof r);
}

/* A small xorshift: the delays need not be good, only differ by seed. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Sends arg.count messages "w<index>:<i>", each after a random delay of
 * at most arg.max_delay seconds (conn_sender_arg_t), then ends. */
int task_conn_sender(mp_task_t *t)
{
    conn_sender_arg_t arg;
    mp_connection_t *c;
    int rc = task_arg_struct(t, &arg, sizeof arg, "conn_sender_arg_t");
    if (rc < 0 || (rc = get_conn(t, &c)) < 0)
        return rc;
    uint32_t state = arg.seed;
    for (int32_t i = 0; i < arg.count; i++) {
        sleep_s(arg.max_delay * (next_random(&state) % 1001) / 1000.0);
        char msg[32];
        int n = snprintf(msg, sizeof msg, "w%d:%d", (int)arg.index, (int)i);
        if ((rc = mp_connection_send(c, msg, (size_t)n, MP_FOREVER)) < 0)
            return mp_task_fail(t, rc, "send of %s: %s", msg, mp_errdetail());
    }
    return 0;
}

/* mp_task_connection()'s refusals: object 0 is a connection and object 1
 * an event. Returns the checks that did not give the documented result,
 * "" when all did. */
int task_conn_getter_checks(mp_task_t *t)
{
    char failed[512] = "";
    mp_connection_t *c;
    mp_event_t *e;
#define CHECK(expr, want)                                                \
    do {                                                                 \
        if ((expr) != (want)) {                                          \
            size_t used = strlen(failed);                                \
            snprintf(failed + used, sizeof failed - used, "%s;", #expr); \
        }                                                                \
    } while (0)
    CHECK(mp_task_connection(t, 0, &c), 0);
    CHECK(mp_connection_is_readable(c), 1);
    CHECK(mp_connection_is_writable(c), 1);
    CHECK(mp_task_connection(t, 1, &c), MP_EINVAL);
    CHECK(mp_task_connection(t, 2, &c), MP_EINVAL);
    CHECK(mp_task_connection(t, SIZE_MAX, &c), MP_EINVAL);
    CHECK(mp_task_connection(t, 0, NULL), MP_EINVAL);
    CHECK(mp_task_connection(NULL, 0, &c), MP_EINVAL);
    CHECK(mp_task_event(t, 0, &e), MP_EINVAL);
    CHECK(mp_task_event(t, 1, &e), 0);
#undef CHECK
    return mp_task_return_str(t, failed);
}
