/**
 * @file mp_auth.h
 * @brief Challenge-response authentication with a shared key (HMAC-SHA256),
 *        as Python's multiprocessing connections do it: the digest
 *        (auth.c) and the handshake on a connection (handshake.c), used by
 *        Listener and Client and, through mp__core_handshake(), by the fork
 *        server.
 */
#ifndef MP_AUTH_H
#define MP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/connection.h>

/** Size of a challenge and of a digest, in bytes. */
#define MP__AUTH_SIZE 32

/** @brief HMAC-SHA256 of `msg` under `key` into `digest`. @return 0 or MP_ESYS. */
int mp__auth_digest(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char digest[MP__AUTH_SIZE]);

/** @brief Whether `digest` is the right answer to `challenge`, compared in
 *         constant time. */
bool mp__auth_verify(const void *key, size_t key_len, const unsigned char challenge[MP__AUTH_SIZE],
                     const unsigned char digest[MP__AUTH_SIZE]);

/**
 * @brief Python's handshake on `c` under `key`, both ways: the side with
 *        `challenge_first` (a Listener) challenges, then answers; the other
 *        (a Client) answers, then challenges. Reads exactly the handshake's
 *        messages, never past the last one.
 * @param deadline absolute (mp__deadline()), for every send and receive.
 * @return 0; MP_EAUTH (a wrong digest either way, or a message that is not
 *         the handshake's); MP_ETIMEDOUT; MP_EEOF; MP_ENOMEM; MP_ESYS.
 */
int mp__handshake(mp_connection_t *c, bool challenge_first, const void *key, size_t key_len,
                  double deadline);

#endif /* MP_AUTH_H */
