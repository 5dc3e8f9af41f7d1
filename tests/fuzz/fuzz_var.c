/* libFuzzer target for the typed values' decoder (mp__var_decode()), the
 * bytes a manager's peer sends: it must refuse anything malformed without
 * crashing, leaking, reading out of bounds or reserving memory the input
 * does not hold (libFuzzer's -rss_limit_mb and malloc limit catch that).
 * Whatever it accepts must survive a round trip: encoding it and decoding
 * that again gives an equal value and the same bytes; and msgpack-c's
 * unpacker with mp__var_from_msgpack() must agree with it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <multiproc.h>

#include "mp_buf.h"
#include "mp_var.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding is a crash: libFuzzer saves the input that caused it. */
static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_var: %s\n", what);
        abort();
    }
}

/* msgpack-c's view of the same bytes (only for input the decoder accepted,
 * whose counts are known to be plausible): equal when it can read them
 * (it stops at 32 levels, which the decoder goes past). */
static void agree_with_msgpack(const uint8_t *data, size_t size, const mp_var_t *v)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, (const char *)data, size, &off) == MSGPACK_UNPACK_SUCCESS) {
        check(off == size, "msgpack-c read another length");
        mp_var_t *w = NULL;
        int rc = mp__var_from_msgpack(&up.data, &w);
        check(rc == 0 || rc == MP_ENOMEM, "mp__var_from_msgpack refused what decode accepted");
        check(rc < 0 || mp_var_equal(v, w), "mp__var_from_msgpack differs from decode");
        mp_var_free(w);
    }
    msgpack_unpacked_destroy(&up);
}

/* The other calls that read a whole tree must cope with whatever decodes. */
static void exercise(const mp_var_t *v)
{
    char text[256];
    size_t len = 0;
    int rc = mp_var_repr(v, text, sizeof text, &len);
    check(rc == 0 || rc == MP_ETOOSMALL, "repr failed");
    check(strlen(text) == (len < sizeof text ? len : sizeof text - 1), "repr's length");
    mp_var_t *c = NULL;
    if (mp_var_copy(&c, v) == 0)
        check(mp_var_equal(c, v), "a copy differs");
    int order = 0;
    rc = mp_var_compare(v, c ? c : v, &order);
    check(rc == 0 || rc == MP_EINVAL, "compare returned an undocumented code");
    mp_var_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp_var_t *v = NULL;
    int rc = mp__var_decode(data, size, &v);
    check(rc == 0 || rc == MP_EINVAL || rc == MP_ENOMEM, "decode returned an undocumented code");
    if (rc < 0)
        return 0;
    mp__buf_t once = {0}, twice = {0};
    mp_var_t *back = NULL;
    if (mp__var_encode(v, &once) == 0) {
        rc = mp__var_decode(once.data, once.len, &back);
        check(rc == 0 || rc == MP_ENOMEM, "an encoded value does not decode");
        check(rc < 0 || mp_var_equal(v, back), "a round trip changed the value");
        if (rc == 0 && mp__var_encode(back, &twice) == 0)
            check(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0,
                  "encoding is not stable");
    }
    agree_with_msgpack(data, size, v);
    exercise(v);
    mp_var_free(back);
    mp_var_free(v);
    mp__buf_free(&once);
    mp__buf_free(&twice);
    return 0;
}
