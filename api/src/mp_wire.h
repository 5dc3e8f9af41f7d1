/**
 * @file mp_wire.h
 * @brief The msgpack plumbing every record codec shares (record.c, order.c):
 *        a packer that writes into an mp__buf_t, a versioned header, and
 *        field readers that treat their input as hostile.
 *
 * Every record is one msgpack array that begins with a magic string and a
 * version. The readers check each field's type and range before use and
 * trust nothing to be NUL-ended; they answer MP_EBOOTSTRAP for anything
 * malformed, MP_EVERSION for another version, MP_ENOMEM.
 */
#ifndef MP_WIRE_H
#define MP_WIRE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp_buf.h"

/** @brief A packer that appends to `out` (its write fails on MP_ENOMEM). */
void mp__wire_packer_init(msgpack_packer *pk, mp__buf_t *out);

/** @brief Pack a C string (NULL as "") as msgpack str. @return 0 or nonzero. */
int mp__wire_pack_str(msgpack_packer *pk, const char *s);

/** @brief Pack bytes (NULL with n == 0 allowed) as msgpack bin. @return 0 or nonzero. */
int mp__wire_pack_bin(msgpack_packer *pk, const void *data, size_t n);

/** @brief Pack a boolean. @return 0 or nonzero. */
int mp__wire_pack_bool(msgpack_packer *pk, bool value);

/**
 * @brief Start a record: an array of `fields` elements, its magic and
 *        `version` as the first two. @return 0 or nonzero.
 */
int mp__wire_pack_header(msgpack_packer *pk, const char *magic, size_t fields, uint32_t version);

/** A decoded record: its fields, and the msgpack zone that owns them. */
typedef struct mp__wire_record {
    msgpack_zone zone;
    bool zoned; /**< `zone` was initialised (and must be destroyed) */
    msgpack_object root;
    const msgpack_object *field; /**< field[0] is the magic, field[1] the version */
    uint32_t count;
} mp__wire_record_t;

/**
 * @brief Unpack exactly one array of `fields` elements from untrusted bytes,
 *        with `magic` and MP__RECORD_VERSION first, and nothing after it.
 *        Call mp__wire_record_free() afterwards whatever it returned.
 * @return 0; MP_EVERSION; MP_EBOOTSTRAP.
 */
int mp__wire_record_decode(const void *data, size_t len, const char *magic, uint32_t fields,
                           mp__wire_record_t *rec);

/** @brief Free what mp__wire_record_decode() unpacked. */
void mp__wire_record_free(mp__wire_record_t *rec);

/** @brief A NUL-ended copy (malloc) of a str field without NULs inside. */
int mp__wire_take_str(const msgpack_object *o, char **out);

/** @brief A copy (malloc) of a bin field; NULL when empty. */
int mp__wire_take_bin(const msgpack_object *o, void **out, size_t *len);

/** @brief A boolean field. */
int mp__wire_take_bool(const msgpack_object *o, bool *out);

/** @brief An integer field that fits in [min, max]. */
int mp__wire_take_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *out);

/** Stop at the first failing step of a decoder, keeping its code in `rc`. */
#define MP__WIRE_TAKE(rc, step) \
    do {                        \
        if ((rc) == 0)          \
            (rc) = (step);      \
    } while (0)

#endif /* MP_WIRE_H */
