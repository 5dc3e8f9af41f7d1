/* HMAC-SHA256 challenge-response from OpenSSL's libcrypto: no hand-written
 * hash, and a constant-time comparison so timing says nothing. */
#include "mp_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mp_core.h"

int mp__auth_digest(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char digest[MP__AUTH_SIZE])
{
    unsigned int len = 0;
    /* OpenSSL wants a non-NULL key even when it is empty. */
    static const unsigned char empty_key[1];
    if (!HMAC(EVP_sha256(), key_len ? key : empty_key, (int)key_len, msg, msg_len, digest, &len) ||
        len != MP__AUTH_SIZE)
        return mp__errdetail_set(MP_ESYS, "HMAC-SHA256 failed");
    return 0;
}

bool mp__auth_verify(const void *key, size_t key_len, const unsigned char challenge[MP__AUTH_SIZE],
                     const unsigned char digest[MP__AUTH_SIZE])
{
    unsigned char expected[MP__AUTH_SIZE];
    if (mp__auth_digest(key, key_len, challenge, MP__AUTH_SIZE, expected) < 0)
        return false;
    return CRYPTO_memcmp(expected, digest, MP__AUTH_SIZE) == 0;
}
