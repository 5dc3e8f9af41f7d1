/*
 * C twin of the classic Pipe example of Python's multiprocessing
 * documentation ("Exchanging objects between processes"):
 *
 *     from multiprocessing import Process, Pipe
 *
 *     def f(conn):
 *         conn.send([42, None, 'hello'])
 *         conn.close()
 *
 *     if __name__ == '__main__':
 *         parent_conn, child_conn = Pipe()
 *         p = Process(target=f, args=(child_conn,))
 *         p.start()
 *         print(parent_conn.recv())   # prints "[42, None, 'hello']"
 *         p.join()
 *
 * Python pickles the list; a multiproc message is bytes, so the child sends
 * the list's text and the parent prints what arrived. It prints
 *
 *     [42, None, 'hello']
 */
#include "example_support.h"

/* f(conn): runs in the child, which gets its end of the pipe as object 0. */
static int f(mp_task_t *task)
{
    mp_connection_t *conn;
    int rc = mp_task_connection(task, 0, &conn);
    if (rc < 0)
        return rc;
    static const char message[] = "[42, None, 'hello']";
    rc = mp_connection_send(conn, message, strlen(message), MP_FOREVER); /* conn.send(...) */
    if (rc < 0)
        return rc;
    return mp_connection_close(conn); /* conn.close() */
}

static const mp_task_def_t tasks[] = {MP_TASK(f), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_connection_t *parent_conn, *child_conn; /* Pipe(): duplex, like Python's default */
    example_check(mp_pipe_create(&parent_conn, &child_conn, NULL), "mp_pipe_create");

    mp_process_t *p;
    example_check(mp_process_create(&p, &(mp_process_opts_t){.task = "f", MP_OBJECTS(child_conn)}),
                  "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");

    /* parent_conn.recv(): the message is as long as it is, so let the
     * library allocate it. MP_EEOF would mean the child ended without
     * sending (Python's EOFError). */
    void *data;
    size_t len;
    example_check(mp_connection_recv_alloc(parent_conn, &data, &len, MP_FOREVER),
                  "mp_connection_recv_alloc");
    example_say("%.*s\n", (int)len, (const char *)data); /* print(...) */
    mp_free(data);

    example_join(p); /* p.join() */

    mp_process_destroy(p);
    mp_connection_destroy(parent_conn);
    mp_connection_destroy(child_conn);
    return 0;
}
