/* The msgpack plumbing of every record (mp_wire.h): packing into an
 * mp__buf_t, and reading fields from bytes another process sent, which are
 * hostile until proven otherwise. */
#include "mp_wire.h"

#include <stdlib.h>
#include <string.h>

#include <multiproc/error.h>

#include "mp_record.h"

/* ---- encoding ----------------------------------------------------- */

/* msgpack's packer writes through this into our buffer. */
static int write_to_buf(void *ctx, const char *bytes, size_t n)
{
    return mp__buf_append(ctx, bytes, n) < 0 ? -1 : 0;
}

void mp__wire_packer_init(msgpack_packer *pk, mp__buf_t *out)
{
    msgpack_packer_init(pk, out, write_to_buf);
}

int mp__wire_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

int mp__wire_pack_bin(msgpack_packer *pk, const void *data, size_t n)
{
    return msgpack_pack_bin(pk, n) || msgpack_pack_bin_body(pk, data, n);
}

int mp__wire_pack_bool(msgpack_packer *pk, bool value)
{
    return value ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
}

int mp__wire_pack_header(msgpack_packer *pk, const char *magic, size_t fields, uint32_t version)
{
    return msgpack_pack_array(pk, fields) || mp__wire_pack_str(pk, magic) ||
           msgpack_pack_uint32(pk, version);
}

/* ---- decoding ----------------------------------------------------- */

/* msgpack-c reserves room for an array's or a map's claimed element count
 * before it reads a single element, so a few hostile bytes claiming 2^32
 * elements make it ask for 100 GB. Walk the encoding first: every element
 * takes at least one byte, so no claim may exceed the bytes that are left. */
static bool sizes_plausible(const unsigned char *p, size_t len)
{
    size_t off = 0;
    uint64_t pending = 1; /* elements still to read */
    while (pending > 0) {
        if (off >= len)
            return false;
        unsigned char b = p[off++];
        pending--;
        uint64_t count = 0; /* elements a container adds */
        size_t width = 0;   /* bytes of a length that follows */
        uint64_t skip = 0;  /* payload bytes to skip */
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
            continue;
        else if (b <= 0x8f)
            count = 2u * (b & 0x0fu);
        else if (b <= 0x9f)
            count = b & 0x0fu;
        else if (b <= 0xbf)
            skip = b & 0x1fu;
        else if (b == 0xc4 || b == 0xd9 || b == 0xc7)
            width = 1;
        else if (b == 0xc5 || b == 0xda || b == 0xc8 || b == 0xdc || b == 0xde)
            width = 2;
        else if (b == 0xc6 || b == 0xdb || b == 0xc9 || b == 0xdd || b == 0xdf)
            width = 4;
        else if (b == 0xcc || b == 0xd0)
            skip = 1;
        else if (b == 0xcd || b == 0xd1)
            skip = 2;
        else if (b == 0xca || b == 0xce || b == 0xd2)
            skip = 4;
        else if (b == 0xcb || b == 0xcf || b == 0xd3)
            skip = 8;
        else if (b >= 0xd4 && b <= 0xd8)
            skip = 1 + (1u << (b - 0xd4)); /* fixext: type byte + 1..16 */
        else
            return false; /* 0xc1: never used */
        if (width) {
            if (len - off < width)
                return false;
            uint64_t n = 0;
            for (size_t i = 0; i < width; i++)
                n = n << 8 | p[off++];
            if (b == 0xdc || b == 0xdd)
                count = n;
            else if (b == 0xde || b == 0xdf)
                count = 2 * n;
            else
                skip = n + (b >= 0xc7 && b <= 0xc9); /* ext: + type byte */
        }
        if (skip > len - off)
            return false;
        off += (size_t)skip;
        pending += count;
        if (pending > len - off)
            return false;
    }
    return true;
}

int mp__wire_record_decode(const void *data, size_t len, const char *magic, uint32_t fields,
                           mp__wire_record_t *rec)
{
    size_t off = 0;
    rec->zoned = false;
    rec->field = NULL;
    rec->count = 0;
    if (!data || !sizes_plausible(data, len))
        return MP_EBOOTSTRAP;
    /* Each object takes a byte or more of the record, so its objects fit
     * one chunk of this size; bigger records grow the zone as msgpack's
     * default does. The default's first chunk (8 KiB) would be a large
     * request, which makes malloc consolidate its free chunks: every join
     * decodes a result, and each page that writes is a copy-on-write
     * fault after the next fork. */
    size_t chunk = len * sizeof(msgpack_object);
    if (chunk > MSGPACK_ZONE_CHUNK_SIZE)
        chunk = MSGPACK_ZONE_CHUNK_SIZE;
    if (!(rec->zoned = msgpack_zone_init(&rec->zone, chunk)) ||
        msgpack_unpack(data, len, &off, &rec->zone, &rec->root) != MSGPACK_UNPACK_SUCCESS ||
        off != len)
        return MP_EBOOTSTRAP;
    const msgpack_object *root = &rec->root;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size < 2)
        return MP_EBOOTSTRAP;
    rec->field = root->via.array.ptr;
    rec->count = root->via.array.size;
    const msgpack_object *m = &rec->field[0], *v = &rec->field[1];
    if (m->type != MSGPACK_OBJECT_STR || m->via.str.size != strlen(magic) ||
        memcmp(m->via.str.ptr, magic, m->via.str.size) != 0)
        return MP_EBOOTSTRAP;
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return MP_EBOOTSTRAP;
    if (v->via.u64 != MP__RECORD_VERSION)
        return MP_EVERSION;
    return rec->count == fields ? 0 : MP_EBOOTSTRAP;
}

void mp__wire_record_free(mp__wire_record_t *rec)
{
    if (rec->zoned)
        msgpack_zone_destroy(&rec->zone);
    rec->zoned = false;
}

int mp__wire_take_str(const msgpack_object *o, char **out)
{
    if (o->type != MSGPACK_OBJECT_STR || memchr(o->via.str.ptr, '\0', o->via.str.size))
        return MP_EBOOTSTRAP;
    char *s = malloc(o->via.str.size + 1);
    if (!s)
        return MP_ENOMEM;
    memcpy(s, o->via.str.ptr, o->via.str.size);
    s[o->via.str.size] = '\0';
    *out = s;
    return 0;
}

int mp__wire_take_bin(const msgpack_object *o, void **out, size_t *len)
{
    if (o->type != MSGPACK_OBJECT_BIN)
        return MP_EBOOTSTRAP;
    *len = o->via.bin.size;
    *out = NULL;
    if (*len == 0)
        return 0;
    if (!(*out = malloc(*len)))
        return MP_ENOMEM;
    memcpy(*out, o->via.bin.ptr, *len);
    return 0;
}

int mp__wire_take_bool(const msgpack_object *o, bool *out)
{
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return MP_EBOOTSTRAP;
    *out = o->via.boolean;
    return 0;
}

int mp__wire_take_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= (uint64_t)INT64_MAX)
        *out = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *out = o->via.i64;
    else
        return MP_EBOOTSTRAP;
    return *out < min || *out > max ? MP_EBOOTSTRAP : 0;
}
