/* The client's side of the manager's wire (mp_mgr.h): connect to a server,
 * one request and its reply, and what a hung-up server is called. */
#include <stdio.h>
#include <stdlib.h>

#include "mp_mgr.h"

int mp__mgr_hung_up(const char *fn, const char *address)
{
    char cause[200];
    if (mp__mgr_death_cause(address, cause, sizeof cause))
        return mp__errdetail_set(MP_EBROKEN, "%s: manager server at %s hung up (%s)", fn, address,
                                 cause);
    return mp__errdetail_set(MP_EBROKEN, "%s: manager server at %s hung up", fn, address);
}

int mp__mgr_connect(mp_connection_t **out, const char *address, const void *key, size_t key_len,
                    bool has_key, const char *fn)
{
    int rc = mp_client_connect(out,
                               &(mp_client_opts_t){.address = address,
                                                   .authkey = has_key ? (key ? key : "") : NULL,
                                                   .authkey_len = key_len},
                               MP__MGR_CONNECT_TIMEOUT);
    if (rc == MP_EAUTH)
        return mp__errdetail_set(MP_EAUTH, "%s: the manager server at %s refused the key", fn,
                                 address);
    if (rc == MP_ENOENT || rc == MP_EEOF || rc == MP_ETIMEDOUT || rc == MP_ESYS) {
        char cause[200];
        if (mp__mgr_death_cause(address, cause, sizeof cause))
            return mp__errdetail_set(MP_EBROKEN, "%s: manager server at %s is gone (%s)", fn,
                                     address, cause);
        return mp__errdetail_set(MP_EBROKEN, "%s: cannot reach a manager server at %s: %s", fn,
                                 address, mp_errdetail());
    }
    return rc;
}

/* Receive the reply and turn it into the call's outcome. */
static int take_reply(mp_connection_t *conn, const char *address, const char *fn, mp_var_t **result,
                      bool *broken)
{
    void *msg = NULL;
    size_t len = 0;
    int rc = mp_connection_recv_alloc(conn, &msg, &len, MP_FOREVER);
    if (rc == MP_ENOMEM)
        return rc; /* what arrived is kept: the next call would read it */
    if (rc < 0) {
        *broken = true;
        return rc == MP_EINTR ? rc : mp__mgr_hung_up(fn, address);
    }
    int code = 0;
    mp_var_t *value = NULL;
    char *message = NULL;
    rc = mp__mgr_reply_decode(msg, len, &code, &value, &message);
    mp_free(msg);
    if (rc == MP_EINVAL) {
        *broken = true;
        return mp__errdetail_set(MP_EBROKEN, "%s: manager server at %s answered garbage", fn,
                                 address);
    }
    if (rc < 0)
        return rc;
    if (code < 0) {
        rc = mp__errdetail_set(code, "%s", message);
        free(message);
        return rc;
    }
    if (result)
        *result = value;
    else
        mp_var_free(value);
    return 0;
}

int mp__mgr_roundtrip(mp_connection_t *conn, const char *address, const char *fn,
                      const char *method, uint64_t object, double timeout, const mp_var_t *args,
                      mp_var_t **result, bool *broken)
{
    *broken = false;
    char storage[1024]; /* most requests need no allocation */
    mp__buf_t req;
    mp__buf_use(&req, storage, sizeof storage);
    int rc = mp__mgr_request_encode(&req, method, object, timeout, args);
    if (rc == 0)
        rc = mp_connection_send(conn, req.data, req.len, MP_FOREVER);
    mp__buf_free(&req);
    if (rc == MP_EINVAL || rc == MP_ENOMEM)
        return rc; /* nothing was sent */
    if (rc < 0) {
        *broken = true;
        return rc == MP_EINTR ? rc : mp__mgr_hung_up(fn, address);
    }
    return take_reply(conn, address, fn, result, broken);
}
