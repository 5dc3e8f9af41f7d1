/* The tasks of the listener suite: a client and a server. Like every task
 * they never assert: they report what each call returned (result bytes, or
 * mp_task_fail()'s message when they could not even start) and the test in
 * the parent judges. */
#include "listener_tasks.h"

#include <stdio.h>
#include <string.h>

#include "conn_tasks.h" /* CONN_CHILD_WAIT_S */
#include "platform.h"   /* now_s */

/* The key an argument names: NULL for key_len < 0. */
static const void *arg_key(const char *key, int32_t key_len, size_t *len)
{
    *len = key_len > 0 ? (size_t)key_len : 0;
    return key_len < 0 ? NULL : key;
}

/* Connects to arg.address with arg's key and does what arg.mode says
 * (lst_mode_t); reports every call's code (lst_client_report_t). Ends with
 * exit code 0 whatever the calls returned: the report is the answer. */
int task_lst_client(mp_task_t *t)
{
    lst_client_arg_t arg;
    int rc = task_arg_struct(t, &arg, sizeof arg, "lst_client_arg_t");
    if (rc < 0)
        return rc;
    arg.address[sizeof arg.address - 1] = '\0';
    arg.msg[sizeof arg.msg - 1] = '\0';
    if (arg.key_len > LST_KEY_SIZE)
        return mp_task_fail(t, MP_EINVAL, "key_len %d", (int)arg.key_len);
    lst_client_report_t r;
    memset(&r, 0, sizeof r);
    r.send_rc = r.recv_rc = r.eof_rc = r.close_rc = 1;
    size_t key_len;
    const void *key = arg_key(arg.key, arg.key_len, &key_len);
    mp_connection_t *c = NULL;
    double t0 = now_s();
    r.connect_rc = mp_client_connect(
        &c, &(mp_client_opts_t){.address = arg.address, .authkey = key, .authkey_len = key_len},
        arg.timeout);
    r.connect_s = now_s() - t0;
    if (r.connect_rc < 0)
        return mp_task_return(t, &r, sizeof r);
    if (arg.mode != LST_CONNECT_ONLY)
        r.send_rc = mp_connection_send(c, arg.msg, strlen(arg.msg), MP_FOREVER);
    if (arg.mode == LST_ECHO || arg.mode == LST_RAW) {
        size_t len = 0;
        r.recv_rc = mp_connection_recv(c, r.got, sizeof r.got - 1, &len, CONN_CHILD_WAIT_S);
        if (r.recv_rc == 0 || r.recv_rc == MP_ETOOSMALL)
            r.got_len = (int64_t)len;
        r.got[r.recv_rc == 0 && len < sizeof r.got ? len : 0] = '\0';
        if (arg.mode == LST_ECHO) {
            char more[LST_MSG_SIZE];
            r.eof_rc = mp_connection_recv(c, more, sizeof more, &len, CONN_CHILD_WAIT_S);
        } else {
            r.eof_rc = r.recv_rc;
            r.received = r.recv_rc == 0 || r.recv_rc == MP_ETOOSMALL;
            while ((r.eof_rc == 0 || r.eof_rc == MP_ETOOSMALL) && r.received < LST_RAW_MAX) {
                void *data = NULL;
                r.eof_rc = mp_connection_recv_alloc(c, &data, &len, CONN_CHILD_WAIT_S);
                mp_free(data);
                r.received += r.eof_rc == 0;
            }
        }
    }
    r.close_rc = mp_connection_close(c);
    mp_connection_destroy(c);
    return mp_task_return(t, &r, sizeof r);
}

/* Listens on arg.address, tells the parent where through object 0, and
 * serves arg.clients clients, one echo each (lst_server_arg_t); reports
 * every call's code (lst_server_report_t). */
int task_lst_server(mp_task_t *t)
{
    lst_server_arg_t arg;
    mp_connection_t *parent;
    int rc = task_arg_struct(t, &arg, sizeof arg, "lst_server_arg_t");
    if (rc < 0)
        return rc;
    if ((rc = mp_task_connection(t, 0, &parent)) < 0)
        return mp_task_fail(t, rc, "mp_task_connection: %s", mp_errdetail());
    arg.address[sizeof arg.address - 1] = '\0';
    if (arg.clients < 1 || arg.clients > LST_SERVER_MAX || arg.key_len > LST_KEY_SIZE)
        return mp_task_fail(t, MP_EINVAL, "clients %d, key_len %d", (int)arg.clients,
                            (int)arg.key_len);
    lst_server_report_t r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < LST_SERVER_MAX; i++)
        r.accept_rc[i] = r.recv_rc[i] = r.send_rc[i] = 1;
    r.close_rc = 1;
    mp_listener_opts_t opts = {.address = arg.address[0] ? arg.address : NULL};
    opts.authkey = arg_key(arg.key, arg.key_len, &opts.authkey_len);
    mp_listener_t *l = NULL;
    r.create_rc = mp_listener_create(&l, &opts);
    char where[LST_ADDR_SIZE + 16];
    if (r.create_rc < 0)
        snprintf(where, sizeof where, "!%s", mp_err_name(r.create_rc));
    else
        snprintf(where, sizeof where, "%s", mp_listener_address(l));
    if ((rc = mp_connection_send(parent, where, strlen(where), MP_FOREVER)) < 0)
        return mp_task_fail(t, rc, "send of the address: %s", mp_errdetail());
    for (int i = 0; r.create_rc == 0 && i < arg.clients; i++) {
        mp_connection_t *c = NULL;
        r.accept_rc[i] = mp_listener_accept(l, &c, CONN_CHILD_WAIT_S);
        if (r.accept_rc[i] < 0)
            continue;
        char buf[LST_MSG_SIZE];
        size_t len = 0;
        r.recv_rc[i] = mp_connection_recv(c, buf, sizeof buf, &len, CONN_CHILD_WAIT_S);
        if (r.recv_rc[i] == 0)
            r.send_rc[i] = mp_connection_send(c, buf, len, MP_FOREVER);
        mp_connection_destroy(c);
    }
    if (r.create_rc == 0) {
        r.close_rc = mp_listener_close(l);
        mp_listener_destroy(l);
        r.address_after_destroy_empty = strcmp(mp_listener_address(l), "") == 0;
    }
    return mp_task_return(t, &r, sizeof r);
}
