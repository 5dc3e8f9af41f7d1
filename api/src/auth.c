/* HMAC-SHA256 challenge-response from libsodium: no hand-written hash, and
 * a constant-time comparison so timing says nothing. libsodium rather than
 * OpenSSL: a tenth of the size to load into every spawned child, and it
 * cross-builds for Windows from its own sources. */
#include "mp_auth.h"

#include <sodium.h>

#include "mp_core.h"

int mp__auth_digest(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char digest[MP__AUTH_SIZE])
{
    /* sodium_init() is idempotent and thread-safe; it picks the fastest
     * implementation for this CPU. */
    if (sodium_init() < 0)
        return mp__errdetail_set(MP_ESYS, "libsodium could not initialise");
    crypto_auth_hmacsha256_state state;
    if (crypto_auth_hmacsha256_init(&state, key, key_len) != 0 ||
        crypto_auth_hmacsha256_update(&state, msg, msg_len) != 0 ||
        crypto_auth_hmacsha256_final(&state, digest) != 0)
        return mp__errdetail_set(MP_ESYS, "HMAC-SHA256 failed");
    return 0;
}

bool mp__auth_verify(const void *key, size_t key_len, const unsigned char challenge[MP__AUTH_SIZE],
                     const unsigned char digest[MP__AUTH_SIZE])
{
    unsigned char expected[MP__AUTH_SIZE];
    if (mp__auth_digest(key, key_len, challenge, MP__AUTH_SIZE, expected) < 0)
        return false;
    return sodium_memcmp(expected, digest, MP__AUTH_SIZE) == 0;
}
