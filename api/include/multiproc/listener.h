/**
 * @file multiproc/listener.h
 * @brief Listeners and clients (Python's `multiprocessing.connection`
 *        `Listener` and `Client`): connections between processes that are
 *        not parent and child, on one machine or across a network, with an
 *        optional shared key that both sides must prove they hold.
 *
 * An accepted or connected end is an mp_connection_t (connection.h): it
 * sends and receives messages exactly as a pipe end does, and can be given
 * to a child the same way, except a TCP end on Windows (a socket cannot be
 * handed to another process there: mp_process_start() says MP_ENOTSUP).
 *
 * Addresses are strings that name their family, Python's three:
 * | address          | family   | where                                        |
 * |------------------|----------|----------------------------------------------|
 * | `tcp:HOST:PORT`  | AF_INET  | everywhere; HOST a name or IPv4 address; PORT 0 picks a free port |
 * | `unix:PATH`      | AF_UNIX  | POSIX; on Linux `unix:@NAME` is the abstract namespace (no file) |
 * | `pipe:NAME`      | AF_PIPE  | Windows: the named pipe `\\.\pipe\NAME`     |
 *
 * A family the platform does not have (a pipe on POSIX, unix on Windows) is
 * MP_EINVAL, as Python's ValueError. mp_listener_address() gives the address
 * as bound (the port chosen, a generated name), ready for mp_client_connect().
 *
 * Authentication is Python's: with a key, each side sends the other a random
 * challenge and checks its HMAC-SHA256 answer before any message passes, so
 * neither side talks to a peer that does not hold the key. A client with the
 * wrong key fails with MP_EAUTH; one with no key, at a listener that wants
 * one, is dropped (it receives the listener's challenge and a refusal, then
 * end-of-file). Either way the listener reports MP_EAUTH from an accept,
 * and the next accept goes on. A keyed listener authenticates every client
 * that has connected at once, so a client that is silent or slow delays no
 * other: an accept returns the first client to authenticate, and a client
 * has 10 s from its accept to do so. A client with a key, at a listener without
 * one, waits for a challenge that never comes: MP_ETIMEDOUT once its
 * timeout has passed. An empty key (non-NULL, length 0) is a valid key.
 */
#ifndef MULTIPROC_LISTENER_H
#define MULTIPROC_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include <multiproc/connection.h>
#include <multiproc/export.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A listening address. */
typedef struct mp_listener mp_listener_t;

/** Longest address string, without the terminating NUL. */
#define MP_ADDRESS_MAX 255

/** How a listener is made; zero it and set what matters. */
typedef struct mp_listener_opts {
    /** NULL: a fresh address of the platform's own family (`unix:` in a
     *  private temporary directory on POSIX, `pipe:` on Windows). */
    const char *address;
    /** NULL: no authentication. Otherwise `authkey_len` bytes (0 allowed). */
    const void *authkey;
    size_t authkey_len; /**< the key's length */
    /** Pending connections the OS queues; 0 for the default (Python's 1 is
     *  a minimum, not a limit). */
    int backlog;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_listener_opts_t;

/**
 * @brief Listen on an address.
 * @param[out] out the listener; free it with mp_listener_destroy().
 * @param opts NULL for a fresh address of the platform's family, no key.
 * @return 0; MP_EINVAL for NULL out, a malformed address or a family this
 *         platform lacks; MP_EEXIST when the address is in use; MP_ESTATE
 *         before mp_init(); MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_listener_create(mp_listener_t **out, const mp_listener_opts_t *opts);

/** @brief The address as bound (also once closed); "" for NULL or a destroyed
 *         listener. */
MP_API const char *mp_listener_address(mp_listener_t *listener);

/**
 * @brief Accept the next client, authenticating it when the listener has a
 *        key.
 * @param listener the listener.
 * @param[out] out the accepted connection; free it with mp_connection_destroy().
 * @param timeout seconds to wait for a client (see MP_FOREVER): MP_FOREVER
 *        is Python's accept(), 0 polls.
 *
 * With a key, the listener accepts every client that connects and runs
 * their handshakes together, across calls: a client stays pending (its
 * handshake goes on in every later accept) until it authenticates, fails,
 * or its 10 s from being accepted have passed, whatever the calls'
 * timeouts. A call returns the first pending client to authenticate, or
 * MP_EAUTH for the first to fail, so a silent or slow client never delays
 * another. A poll (timeout 0) returns a client whose handshake completes
 * without waiting; one still mid-handshake is MP_ETIMEDOUT, and is
 * returned by a later call. At most 32 clients are pending: one more
 * pushes out the one that has waited longest (it sees end-of-file). Pending
 * clients are dropped when the listener is closed. Keyed accepts of
 * several threads take turns (a thread waits for its turn within its own
 * timeout).
 * @return 0; MP_ETIMEDOUT; MP_EAUTH when a client failed the handshake,
 *         whatever it did: a wrong key, a hang-up, silence past its 10 s,
 *         any bytes that are not the handshake's next message (it is
 *         dropped; accept again for the next); MP_EINVAL for NULL or a bad
 *         timeout; MP_ECLOSED for a closed or destroyed listener;
 *         MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_listener_accept(mp_listener_t *listener, mp_connection_t **out, double timeout);

/**
 * @brief Stop listening: the address is released (a `unix:` socket file is
 *        removed) and accept() returns MP_ECLOSED. Accepted connections
 *        stay open; on Windows a pipe name stays taken until they are
 *        closed too (a name lives as long as its last handle), so a client
 *        meanwhile waits, then MP_ETIMEDOUT. Closing again is a no-op.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED for a destroyed listener.
 */
MP_API int mp_listener_close(mp_listener_t *listener);

/** @brief Close (if needed) and free. NULL-safe. */
MP_API void mp_listener_destroy(mp_listener_t *listener);

/** How a client connects: where, and with which key. */
typedef struct mp_client_opts {
    const char *address; /**< a listener's address (required) */
    /** NULL when the listener has no key; else `authkey_len` bytes (0
     *  allowed). */
    const void *authkey;
    size_t authkey_len;                  /**< the key's length */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_client_opts_t;

/**
 * @brief Connect to a listener (Python's `Client(address, authkey=...)`).
 *        A constructor that blocks, so it takes the call's timeout last.
 * @param[out] out the connection; free it with mp_connection_destroy().
 * @param opts required: the address has no default.
 * @param timeout seconds for connecting and authenticating together (see
 *        MP_FOREVER).
 * @return 0; MP_EINVAL for NULL, a malformed address, a family this
 *         platform lacks or a bad timeout; MP_ENOENT when nothing listens
 *         there; MP_EAUTH when either side refused the other's key;
 *         MP_ETIMEDOUT when the listener did not accept, or did not
 *         authenticate us, in time; MP_ESTATE before mp_init(); MP_ENOMEM;
 *         MP_ESYS.
 */
MP_API int mp_client_connect(mp_connection_t **out, const mp_client_opts_t *opts, double timeout);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_LISTENER_H */
