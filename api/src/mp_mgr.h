/**
 * @file mp_mgr.h
 * @brief What the manager's own files share (never the managed types'):
 *        the wire format (manager_wire.c), the type registry
 *        (manager_registry.c), the server (manager_server*.c) and its call
 *        context (manager_call.c), the client's round trip
 *        (manager_client.c), proxies (manager_proxy*.c) and the manager
 *        handle (manager.c).
 */
#ifndef MP_MGR_H
#define MP_MGR_H

#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp_buf.h"
#include "mp_core.h"
#include "mp_manager.h"
#include "mp_object.h"
#include "mp_var.h"

/** The longest request a server takes from a client: a length field that
 *  claims more closes that client before anything is allocated for it. */
#define MP__MGR_MAX_REQUEST ((size_t)64 << 20)

/** The most clients a server serves at once; one more is hung up on. */
#define MP__MGR_MAX_CLIENTS 256

/** How long a process waits for a server to connect a proxy (a live
 *  server accepts at once; a dead one's address refuses at once). */
#define MP__MGR_CONNECT_TIMEOUT 30.0

/* ---- wire (manager_wire.c) ------------------------------------------------
 * A request is one message: the msgpack array [method str, object id uint,
 * timeout double, args list] (object 0 is the server itself). A reply is
 * [code int, result] with code 0, or [code, message str] with a negative
 * code. Both are typed values (mp_var_t) on the wire, so a hostile message
 * goes through the one decoder that refuses what it cannot hold. */

/** A decoded request; every pointer is borrowed from `msg`. */
typedef struct mp__mgr_request {
    mp_var_t *msg;        /**< the whole decoded message (owns the rest) */
    const char *method;   /**< NUL-ended, no NUL inside */
    uint64_t object;      /**< 0: the server itself */
    double timeout;       /**< >= 0 (MP_FOREVER is infinity) */
    const mp_var_t *args; /**< a list */
} mp__mgr_request_t;

/** @brief Encode a request (args NULL: an empty list) into `out`.
 *  @return 0; MP_EINVAL (args not a list); MP_ENOMEM. */
int mp__mgr_request_encode(mp__buf_t *out, const char *method, uint64_t object, double timeout,
                           const mp_var_t *args);

/**
 * @brief Decode a request from untrusted bytes.
 * @return 0 (free it with mp__mgr_request_free()); MP_EINVAL for anything
 *         malformed (nothing is left allocated); MP_ENOMEM.
 */
int mp__mgr_request_decode(const void *data, size_t len, mp__mgr_request_t *out);

/** @brief Free a decoded request. NULL-safe, and safe on a zeroed one. */
void mp__mgr_request_free(mp__mgr_request_t *req);

/** @brief Encode a reply: `code` 0 with `result` (NULL: nil), or a negative
 *         code with `message`. @return 0; MP_ENOMEM. */
int mp__mgr_reply_encode(mp__buf_t *out, int code, const mp_var_t *result, const char *message);

/**
 * @brief Decode a reply.
 * @param[out] code the method's code (0 or negative).
 * @param[out] result with code 0, the result (the caller's); else NULL.
 * @param[out] message with a negative code, the server's message (the
 *             caller's to free()); else NULL.
 * @return 0; MP_EINVAL for a malformed reply; MP_ENOMEM.
 */
int mp__mgr_reply_decode(const void *data, size_t len, int *code, mp_var_t **result,
                         char **message);

/* ---- types (manager_registry.c) ------------------------------------------- */

/** @brief The type called `name`: a built-in one or a registered one; NULL. */
const mp_manager_type_t *mp__mgr_type_find(const char *name);

/** @brief The method `name` of `type`, or NULL. */
mp_manager_method_fn mp__mgr_method_find(const mp_manager_type_t *type, const char *name);

/* ---- the server (manager_server*.c) --------------------------------------- */

typedef struct mp__mgr_server mp__mgr_server_t;

/** One connected client, served by its own thread. */
typedef struct mp__mgr_client {
    mp__mgr_server_t *server;
    mp_connection_t *conn;
    uint64_t id;          /**< unique for the server's lifetime, never 0 */
    bool starter;         /**< the starter's connection: may shut down; its hang-up does */
    atomic_bool done;     /**< its thread has finished: join it */
    apr_pool_t *apr;      /**< its thread's memory */
    apr_thread_t *thread; /**< its thread */
    struct mp__mgr_client *next;
} mp__mgr_client_t;

/** One object the server holds; its id is its index + 1. */
typedef struct mp__mgr_object {
    const mp_manager_type_t *type;
    void *self;
} mp__mgr_object_t;

/** One published name. */
typedef struct mp__mgr_name {
    char *name;
    uint64_t id;
} mp__mgr_name_t;

/** A server: a listener, its clients' threads, the objects. */
struct mp__mgr_server {
    apr_pool_t *apr;
    apr_thread_mutex_t *mutex; /**< THE server lock: every method runs under it */
    apr_thread_cond_t *cond;   /**< mp__mgr_call_notify() wakes mp__mgr_call_wait() */
    mp_listener_t *listener;
    /** A pipe whose writing end is closed at shutdown: its reading end's
     *  sentinel wakes every client thread waiting for a request. */
    mp_connection_t *wake_r, *wake_w;
    mp_sentinel_t wake;
    atomic_bool stopping;
    /* Under the mutex: */
    mp__mgr_object_t *objects; /**< objects[id - 1]; ids are never reused */
    size_t nobjects, cap_objects;
    mp__mgr_name_t *names;
    size_t nnames, cap_names;
    mp__mgr_client_t *clients;
    size_t nclients;
    uint64_t next_client;
};

/**
 * @brief A server listening on `address` (NULL: a fresh local one) with
 *        `key` (copied; the listener keeps it).
 * @return 0; the listener's codes (MP_EEXIST, MP_EINVAL...); MP_ENOMEM;
 *         MP_ESYS.
 */
int mp__mgr_server_create(mp__mgr_server_t **out, const char *address, const void *key,
                          size_t key_len);

/** @brief The address the server listens on. */
const char *mp__mgr_server_address(mp__mgr_server_t *s);

/**
 * @brief Serve `conn` on a thread of its own (the server takes it over,
 *        and destroys it on failure too).
 * @return 0; MP_ESHUTDOWN; MP_EFULL past MP__MGR_MAX_CLIENTS; MP_ENOMEM;
 *         MP_ESYS.
 */
int mp__mgr_server_add_client(mp__mgr_server_t *s, mp_connection_t *conn, bool starter);

/** @brief Accept clients on this thread until the server is stopped. */
void mp__mgr_server_accept_loop(mp__mgr_server_t *s);

/** @brief Ask the server to stop (any thread, also under the server lock). */
void mp__mgr_server_stop(mp__mgr_server_t *s);

/** @brief Join every client's thread, destroy every object, free. NULL-safe. */
void mp__mgr_server_destroy(mp__mgr_server_t *s);

/** @brief Run one request under the server lock (manager_server_ops.c);
 *         the reply goes into `reply`. @return 0, or MP_ENOMEM. */
int mp__mgr_server_dispatch(mp__mgr_client_t *client, const mp__mgr_request_t *req,
                            mp__buf_t *reply);

/**
 * @brief What a server process or thread runs (manager_serve.c): listen as
 *        `config` says ([address|nil, key bytes, initializer|nil, initarg
 *        bytes]), run the initializer, tell the starter on `control` (a
 *        reply: 0 and the address, or the failure), serve `control` as the
 *        starter, accept until stopped.
 * @return 0 once stopped; the failure that was told to the starter.
 */
int mp__mgr_serve(mp_connection_t *control, const mp_var_t *config, mp__object_t **objects,
                  size_t nobjects);

/* ---- the call (manager_call.c) -------------------------------------------- */

/** A call running in the server. */
struct mp_manager_call {
    mp__mgr_client_t *client;
    const mp_var_t *args; /**< a list, never NULL */
    mp_var_t *result;     /**< mp_manager_call_return() */
    char *message;        /**< mp_manager_call_fail() (malloc) */
    double deadline;      /**< from the request's timeout */
};

/** @brief Free what a call gathered (result, message). */
void mp__mgr_call_release(mp_manager_call_t *call);

/* ---- the client side (manager_client.c) ----------------------------------- */

/**
 * @brief One request and its reply on `conn`.
 * @param address the server's, for messages.
 * @param fn the public function, for messages.
 * @return 0 (`*result` the caller's when asked for, else freed); the
 *         method's code with the server's message as detail; MP_EBROKEN
 *         when the server hung up or answered garbage (`*broken` is then
 *         true: the connection is of no further use); MP_EINTR (also
 *         broken: the reply would arrive late); MP_ENOMEM.
 */
int mp__mgr_roundtrip(mp_connection_t *conn, const char *address, const char *fn,
                      const char *method, uint64_t object, double timeout, const mp_var_t *args,
                      mp_var_t **result, bool *broken);

/** @brief MP_EBROKEN "FN: manager server at ADDRESS hung up", naming how its
 *         process ended when this process started it. */
int mp__mgr_hung_up(const char *fn, const char *address);

/** @brief Connect to a server (no call): MP_EAUTH as itself, any other
 *         failure to reach it as MP_EBROKEN naming the address. */
int mp__mgr_connect(mp_connection_t **out, const char *address, const void *key, size_t key_len,
                    bool has_key, const char *fn);

/* ---- the manager handle (manager.c) --------------------------------------- */

/** @brief How the server process at `address` ended, if this process
 *         started it and it ended ("its process 12 was killed by signal
 *         9"): writes `buf` and returns true; false when unknown. */
bool mp__mgr_death_cause(const char *address, char *buf, size_t size);

/** What a manager handle knows of its server, for proxies made through it. */
typedef struct mp__mgr_target {
    const char *address;
    const void *key;
    size_t key_len;
    bool has_key;
} mp__mgr_target_t;

/**
 * @brief Open a manager handle and run a request on its connection.
 * @param[out] target where its server is (borrowed from the manager; may be
 *             NULL).
 * @return as mp__mgr_roundtrip(); MP_EINVAL / MP_ECLOSED for a bad handle.
 */
int mp__manager_request(mp_manager_t *m, const char *fn, const char *method, const mp_var_t *args,
                        mp_var_t **result, mp__mgr_target_t *target);

/* ---- proxies (manager_proxy.c) -------------------------------------------- */

/** @brief A new proxy for object `id` of type `type` on the server at
 *         `target`. @return 0; MP_ESTATE before mp_init(); MP_ENOMEM. */
int mp__proxy_new(const mp__mgr_target_t *target, uint64_t id, const char *type, mp_proxy_t **out);

/** @brief A proxy for a reference value a server answered with. */
int mp__proxy_from_ref(const mp__mgr_target_t *target, const mp_var_t *ref, const char *fn,
                       mp_proxy_t **out);

/** @brief Open a proxy handle: its server and object id (borrowed). */
int mp__proxy_target(mp_proxy_t *p, const char *fn, mp__mgr_target_t *target, uint64_t *id);

/** The manager handle's kind (manager.c); proxies' is in mp_object.h. */
extern const mp__kind_t mp__kind_manager;

#endif /* MP_MGR_H */
