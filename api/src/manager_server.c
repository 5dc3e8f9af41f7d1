/* A manager's server (mp_mgr.h): a listener, one thread that accepts, one
 * thread per client that reads a request, runs it under the server's one
 * lock (manager_server_ops.c) and answers. A client that sends anything
 * malformed, or more than MP__MGR_MAX_REQUEST in one message, is hung up
 * on; the server goes on. Stopping closes a pipe every client thread
 * watches, so none is left waiting for a request. */
#include <stdlib.h>
#include <string.h>

#include "mp_mgr.h"

/* How often the accepting thread looks whether the server stops. */
#define ACCEPT_SLICE 0.1
/* How long a reply's send waits at a time before looking whether the
 * server stops (a client that does not read must not hold shutdown). */
#define SEND_SLICE 0.25

int mp__mgr_server_create(mp__mgr_server_t **out, const char *address, const void *key,
                          size_t key_len)
{
    mp__mgr_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return MP_ENOMEM;
    int rc = 0;
    if (apr_pool_create(&s->apr, NULL) != APR_SUCCESS ||
        apr_thread_mutex_create(&s->mutex, APR_THREAD_MUTEX_DEFAULT, s->apr) != APR_SUCCESS ||
        apr_thread_cond_create(&s->cond, s->apr) != APR_SUCCESS)
        rc = MP_ENOMEM;
    if (rc == 0)
        rc = mp_pipe_create(&s->wake_r, &s->wake_w, &(mp_pipe_opts_t){.one_way = true});
    if (rc == 0)
        rc = mp_connection_sentinel(s->wake_r, &s->wake);
    if (rc == 0)
        rc = mp_listener_create(&s->listener,
                                &(mp_listener_opts_t){.address = address,
                                                      /* never NULL: a key is always required */
                                                      .authkey = key ? key : "",
                                                      .authkey_len = key_len});
    if (rc < 0) {
        mp__mgr_server_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

const char *mp__mgr_server_address(mp__mgr_server_t *s)
{
    return mp_listener_address(s->listener);
}

void mp__mgr_server_stop(mp__mgr_server_t *s)
{
    if (atomic_exchange(&s->stopping, true))
        return;
    /* Waiting methods look at `stopping` at least every slice; the
     * broadcast only makes it sooner. */
    apr_thread_cond_broadcast(s->cond);
    mp_connection_close(s->wake_w);
}

/* Send a reply, looking between tries whether the server stops.
 * @return 0; a code when the client is of no further use. */
static int send_reply(mp__mgr_client_t *c, const mp__buf_t *reply)
{
    for (;;) {
        int rc = mp_connection_send(c->conn, reply->data, reply->len, SEND_SLICE);
        if (rc != MP_ETIMEDOUT)
            return rc; /* sent, or failed (an end cut part-way is closed: MP_ECLOSED next) */
        if (atomic_load(&c->server->stopping))
            return MP_ESHUTDOWN;
    }
}

/* Wait for the client's next whole request (or the server stopping).
 * @return 0 with the request; a code to hang up. */
static int next_request(mp__mgr_client_t *c, const mp_sentinel_t watch[2], mp__mgr_request_t *req)
{
    mp__mgr_server_t *s = c->server;
    for (;;) {
        if (atomic_load(&s->stopping))
            return MP_ESHUTDOWN;
        int rc = mp_wait(watch, 2, MP_FOREVER, NULL);
        if (atomic_load(&s->stopping))
            return MP_ESHUTDOWN;
        if (rc < 0)
            return rc;
        void *msg = NULL;
        size_t len = 0;
        /* A poll: part of a message is kept until the rest arrives. */
        rc = mp_connection_recv_alloc(c->conn, &msg, &len, 0);
        if (rc == MP_ETIMEDOUT)
            continue;
        if (rc < 0)
            return rc; /* end-of-file, a length over the maximum... */
        rc = mp__mgr_request_decode(msg, len, req);
        mp_free(msg);
        return rc;
    }
}

static void *APR_THREAD_FUNC client_main(apr_thread_t *thread, void *arg)
{
    mp__mgr_client_t *c = arg;
    mp__mgr_server_t *s = c->server;
    mp_sentinel_t watch[2] = {0, s->wake};
    mp__buf_t reply = {0};
    int rc = mp_connection_sentinel(c->conn, &watch[0]);
    while (rc == 0) {
        mp__mgr_request_t req;
        if ((rc = next_request(c, watch, &req)) < 0)
            break;
        reply.len = 0;
        rc = mp__mgr_server_dispatch(c, &req, &reply);
        mp__mgr_request_free(&req);
        if (rc == 0)
            rc = send_reply(c, &reply);
    }
    mp__buf_free(&reply);
    /* The client sees end-of-file now, not when its thread is joined. */
    mp_connection_close(c->conn);
    if (c->starter)
        mp__mgr_server_stop(s); /* the starter hung up or asked to stop */
    apr_thread_mutex_lock(s->mutex);
    s->nclients--;
    atomic_store(&c->done, true);
    apr_thread_mutex_unlock(s->mutex);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void client_free(mp__mgr_client_t *c)
{
    if (c->thread) {
        apr_status_t ignored;
        apr_thread_join(&ignored, c->thread);
    }
    mp_connection_close(c->conn); /* a borrowed end (a task's) is closed too */
    mp_connection_destroy(c->conn);
    if (c->apr)
        apr_pool_destroy(c->apr);
    free(c);
}

/* Unlink the clients whose thread has ended (all of them once stopping)
 * and free them, outside the lock (a join waits). */
static void reap(mp__mgr_server_t *s, bool all)
{
    mp__mgr_client_t *gone = NULL;
    apr_thread_mutex_lock(s->mutex);
    for (mp__mgr_client_t **p = &s->clients; *p;) {
        mp__mgr_client_t *c = *p;
        if (all || atomic_load(&c->done)) {
            *p = c->next;
            c->next = gone;
            gone = c;
        } else {
            p = &c->next;
        }
    }
    apr_thread_mutex_unlock(s->mutex);
    while (gone) {
        mp__mgr_client_t *next = gone->next;
        client_free(gone);
        gone = next;
    }
}

int mp__mgr_server_add_client(mp__mgr_server_t *s, mp_connection_t *conn, bool starter)
{
    mp__mgr_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        mp_connection_destroy(conn);
        return MP_ENOMEM;
    }
    *c = (mp__mgr_client_t){.server = s, .conn = conn, .starter = starter};
    int rc = 0;
    apr_thread_mutex_lock(s->mutex);
    if (atomic_load(&s->stopping))
        rc = MP_ESHUTDOWN;
    else if (s->nclients >= MP__MGR_MAX_CLIENTS)
        rc = mp__errdetail_set(MP_EFULL, "the manager server serves %d clients already",
                               MP__MGR_MAX_CLIENTS);
    else if (apr_pool_create(&c->apr, NULL) != APR_SUCCESS)
        rc = MP_ENOMEM;
    if (rc == 0) {
        c->id = ++s->next_client;
        s->nclients++;
        c->next = s->clients;
        s->clients = c;
        /* Under the lock: the thread's end (nclients--) comes after. */
        if (apr_thread_create(&c->thread, NULL, client_main, c, c->apr) != APR_SUCCESS) {
            c->thread = NULL;
            s->nclients--;
            atomic_store(&c->done, true); /* reaped with the others */
            rc = mp__errdetail_set(MP_ESYS, "the manager server could not start a thread");
        }
        apr_thread_mutex_unlock(s->mutex);
        return rc;
    }
    apr_thread_mutex_unlock(s->mutex);
    client_free(c);
    return rc;
}

void mp__mgr_server_accept_loop(mp__mgr_server_t *s)
{
    while (!atomic_load(&s->stopping)) {
        reap(s, false);
        mp_connection_t *conn = NULL;
        int rc = mp_listener_accept(s->listener, &conn, ACCEPT_SLICE);
        if (rc == 0) {
            /* A length field claiming more is refused before allocation. */
            mp_connection_set_max_message(conn, MP__MGR_MAX_REQUEST);
            mp__mgr_server_add_client(s, conn, false); /* refused: hung up on */
        } else if (rc == MP_ECLOSED || rc == MP_EINVAL) {
            break;
        } else if (rc != MP_ETIMEDOUT && rc != MP_EAUTH) {
            mp__os_sleep(ACCEPT_SLICE); /* out of descriptors...: no busy loop */
        }
    }
}

void mp__mgr_server_destroy(mp__mgr_server_t *s)
{
    if (!s)
        return;
    if (s->wake_w)
        mp__mgr_server_stop(s);
    reap(s, true);
    /* Every thread has ended: the objects are this thread's alone. Later
     * objects may refer to earlier ones: they go first. */
    for (size_t i = s->nobjects; i-- > 0;)
        if (s->objects[i].type->destroy)
            s->objects[i].type->destroy(s->objects[i].self);
    free(s->objects);
    for (size_t i = 0; i < s->nnames; i++)
        free(s->names[i].name);
    free(s->names);
    mp_listener_destroy(s->listener);
    mp_connection_destroy(s->wake_r);
    mp_connection_destroy(s->wake_w);
    if (s->apr)
        apr_pool_destroy(s->apr);
    free(s);
}
