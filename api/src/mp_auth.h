/**
 * @file mp_auth.h
 * @brief Challenge-response authentication with a shared key (HMAC-SHA256),
 *        as Python's multiprocessing connections do it; used by the fork
 *        server now and by managers and listeners later.
 */
#ifndef MP_AUTH_H
#define MP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/** Size of a challenge and of a digest, in bytes. */
#define MP__AUTH_SIZE 32

/** @brief HMAC-SHA256 of `msg` under `key` into `digest`. @return 0 or MP_ESYS. */
int mp__auth_digest(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char digest[MP__AUTH_SIZE]);

/** @brief Whether `digest` is the right answer to `challenge`, compared in
 *         constant time. */
bool mp__auth_verify(const void *key, size_t key_len, const unsigned char challenge[MP__AUTH_SIZE],
                     const unsigned char digest[MP__AUTH_SIZE]);

#endif /* MP_AUTH_H */
