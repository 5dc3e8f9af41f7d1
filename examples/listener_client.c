/*
 * C twin of the Listener and Client example of Python's multiprocessing
 * documentation ("Listeners and Clients"), with the client run as a child
 * process of the server instead of as a second program:
 *
 *     from multiprocessing.connection import Listener, Client
 *
 *     # the server
 *     with Listener(('localhost', 0), authkey=b'secret password') as listener:
 *         with listener.accept() as conn:
 *             print('connection accepted')
 *             conn.send_bytes(b'hello')
 *             conn.send_bytes(array('i', [42, 1729]))
 *
 *     # the client
 *     with Client(address, authkey=b'secret password') as conn:
 *         print(conn.recv_bytes())              # => hello
 *         arr = array('i', [0, 0, 0, 0, 0])
 *         print(conn.recv_bytes_into(arr))      # => 8
 *         print(arr)                            # => 42 1729 0 0 0
 *
 * (The documentation's first message is a pickled list; a multiproc message
 * is bytes, so it starts with the bytes one.) It prints
 *
 *     connection accepted
 *     hello
 *     8
 *     42 1729 0 0 0
 */
#include <stdint.h>

#include "example_support.h"

static const char authkey[] = "secret password";

/* The client: runs in the child, which is given the listener's address. */
static int client(mp_task_t *task)
{
    mp_client_opts_t opts = {.authkey = authkey, .authkey_len = sizeof authkey - 1};
    int rc = mp_task_arg_str(task, &opts.address);
    mp_connection_t *conn;
    if (rc < 0 || (rc = mp_client_connect(&conn, &opts, 30.0)) < 0)
        return rc;
    char text[16];
    size_t len;
    if ((rc = mp_connection_recv(conn, text, sizeof text, &len, MP_FOREVER)) == 0)
        example_say("%.*s\n", (int)len, text); /* print(conn.recv_bytes()) */
    int32_t arr[5] = {0};
    if (rc == 0 && (rc = mp_connection_recv(conn, arr, sizeof arr, &len, MP_FOREVER)) == 0) {
        example_say("%zu\n", len); /* recv_bytes_into: the byte count */
        example_say("%d %d %d %d %d\n", (int)arr[0], (int)arr[1], (int)arr[2], (int)arr[3],
                    (int)arr[4]);
    }
    mp_connection_destroy(conn);
    return rc;
}

static const mp_task_def_t tasks[] = {MP_TASK(client), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    /* Listener(('localhost', 0), authkey=...): port 0 lets the OS choose. */
    mp_listener_t *listener;
    example_check(
        mp_listener_create(&listener, &(mp_listener_opts_t){.address = "tcp:localhost:0",
                                                            .authkey = authkey,
                                                            .authkey_len = sizeof authkey - 1}),
        "mp_listener_create");

    mp_process_t *p;
    example_check(
        mp_process_create(
            &p, &(mp_process_opts_t){.task = "client", MP_ARG_STR(mp_listener_address(listener))}),
        "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");

    mp_connection_t *conn;
    example_check(mp_listener_accept(listener, &conn, MP_FOREVER), "mp_listener_accept");
    example_say("connection accepted\n");
    example_check(mp_connection_send(conn, "hello", 5, MP_FOREVER), "mp_connection_send");
    const int32_t numbers[] = {42, 1729};
    example_check(mp_connection_send(conn, numbers, sizeof numbers, MP_FOREVER),
                  "mp_connection_send");

    example_join(p);
    mp_process_destroy(p);
    mp_connection_destroy(conn);
    mp_listener_destroy(listener);
    return 0;
}
