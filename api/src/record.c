/* Bootstrap and result records as msgpack arrays:
 *   boot:   ["multiproc-boot", version, task, arg, name, daemon, ppid, pname,
 *            [[kind, bytes, first_handle, nhandles], ...], start_method]
 *   result: ["multiproc-result", version, boot_error, task_error, message,
 *            has_value, value]
 * The decoders treat their input as hostile: every field's type and every
 * length is checked before use, and nothing is trusted to be NUL-ended. */
#include "mp_record.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include <multiproc/error.h>

uint32_t mp__record_version_for_tests;

static const char boot_magic[] = "multiproc-boot";
static const char result_magic[] = "multiproc-result";

enum { BOOT_FIELDS = 10, RESULT_FIELDS = 7, OBJECT_FIELDS = 4, MAX_OBJECTS = 1024 };

/* ---- encoding ----------------------------------------------------- */

/* msgpack's packer writes through this into our buffer. */
static int write_to_buf(void *ctx, const char *bytes, size_t n)
{
    return mp__buf_append(ctx, bytes, n) < 0 ? -1 : 0;
}

static int pack_bytes_as_str(msgpack_packer *pk, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

static int pack_bin(msgpack_packer *pk, const void *data, size_t n)
{
    return msgpack_pack_bin(pk, n) || msgpack_pack_bin_body(pk, data, n);
}

uint32_t mp__record_version(void)
{
    return mp__record_version_for_tests ? mp__record_version_for_tests : MP__RECORD_VERSION;
}

static int pack_header(msgpack_packer *pk, const char *magic, size_t fields, uint32_t version)
{
    return msgpack_pack_array(pk, fields) || pack_bytes_as_str(pk, magic) ||
           msgpack_pack_uint32(pk, version);
}

int mp__boot_encode(const mp__boot_t *boot, mp__buf_t *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, write_to_buf);
    int failed = pack_header(&pk, boot_magic, BOOT_FIELDS, boot->version) ||
                 pack_bytes_as_str(&pk, boot->task) || pack_bin(&pk, boot->arg, boot->arg_len) ||
                 pack_bytes_as_str(&pk, boot->name) ||
                 (boot->daemon ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk)) ||
                 msgpack_pack_int64(&pk, boot->parent_pid) ||
                 pack_bytes_as_str(&pk, boot->parent_name) ||
                 msgpack_pack_array(&pk, boot->nobjects);
    for (size_t i = 0; i < boot->nobjects && !failed; i++) {
        const mp__boot_object_t *o = &boot->objects[i];
        failed = msgpack_pack_array(&pk, OBJECT_FIELDS) || msgpack_pack_uint32(&pk, o->kind) ||
                 pack_bin(&pk, o->bytes, o->len) || msgpack_pack_uint32(&pk, o->first_handle) ||
                 msgpack_pack_uint32(&pk, o->nhandles);
    }
    failed = failed || pack_bytes_as_str(&pk, boot->start_method);
    return failed ? MP_ENOMEM : 0;
}

int mp__result_encode(const mp__result_t *r, mp__buf_t *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, write_to_buf);
    int failed = pack_header(&pk, result_magic, RESULT_FIELDS, MP__RECORD_VERSION) ||
                 msgpack_pack_int(&pk, r->boot_error) || msgpack_pack_int(&pk, r->task_error) ||
                 pack_bytes_as_str(&pk, r->message) ||
                 (r->has_value ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk)) ||
                 pack_bin(&pk, r->value, r->value_len);
    return failed ? MP_ENOMEM : 0;
}

/* ---- decoding ----------------------------------------------------- */

/* A decoded array and the zone that owns it. */
typedef struct decoded {
    msgpack_unpacked unpacked;
    const msgpack_object *field;
    uint32_t count;
} decoded_t;

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

/* Unpack exactly one array with the right magic and version, and nothing
 * after it. */
static int decode_header(const void *data, size_t len, const char *magic, uint32_t fields,
                         decoded_t *d)
{
    size_t off = 0;
    msgpack_unpacked_init(&d->unpacked);
    if (!data || !sizes_plausible(data, len) ||
        msgpack_unpack_next(&d->unpacked, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        return MP_EBOOTSTRAP;
    const msgpack_object *root = &d->unpacked.data;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size < 2)
        return MP_EBOOTSTRAP;
    d->field = root->via.array.ptr;
    d->count = root->via.array.size;
    const msgpack_object *m = &d->field[0], *v = &d->field[1];
    if (m->type != MSGPACK_OBJECT_STR || m->via.str.size != strlen(magic) ||
        memcmp(m->via.str.ptr, magic, m->via.str.size) != 0)
        return MP_EBOOTSTRAP;
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return MP_EBOOTSTRAP;
    if (v->via.u64 != MP__RECORD_VERSION)
        return MP_EVERSION;
    return d->count == fields ? 0 : MP_EBOOTSTRAP;
}

/* A NUL-terminated copy of a str field. */
static int take_str(const msgpack_object *o, char **out)
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

/* A copy of a bin field; NULL when empty. */
static int take_bin(const msgpack_object *o, void **out, size_t *len)
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

static int take_bool(const msgpack_object *o, bool *out)
{
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return MP_EBOOTSTRAP;
    *out = o->via.boolean;
    return 0;
}

/* Any integer that fits in [min, max]. */
static int take_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= (uint64_t)INT64_MAX)
        *out = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *out = o->via.i64;
    else
        return MP_EBOOTSTRAP;
    return *out < min || *out > max ? MP_EBOOTSTRAP : 0;
}

/* The objects array: each [kind, bytes, first_handle, nhandles]. */
static int take_objects(const msgpack_object *o, mp__boot_t *out)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > MAX_OBJECTS)
        return MP_EBOOTSTRAP;
    size_t n = o->via.array.size;
    if (n == 0)
        return 0;
    if (!(out->objects = calloc(n, sizeof *out->objects)))
        return MP_ENOMEM;
    out->nobjects = n;
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *e = &o->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != OBJECT_FIELDS)
            return MP_EBOOTSTRAP;
        const msgpack_object *f = e->via.array.ptr;
        int64_t kind, first, count;
        mp__boot_object_t *b = &out->objects[i];
        int rc = take_int(&f[0], 0, UINT32_MAX, &kind);
        if (rc == 0)
            rc = take_bin(&f[1], &b->bytes, &b->len);
        if (rc == 0)
            rc = take_int(&f[2], 0, UINT16_MAX, &first);
        if (rc == 0)
            rc = take_int(&f[3], 0, UINT16_MAX, &count);
        if (rc < 0)
            return rc;
        b->kind = (uint32_t)kind;
        b->first_handle = (uint32_t)first;
        b->nhandles = (uint32_t)count;
    }
    return 0;
}

/* Stop at the first failing step, keeping its code. */
#define TAKE(step)       \
    do {                 \
        if (rc == 0)     \
            rc = (step); \
    } while (0)

int mp__boot_decode(const void *data, size_t len, mp__boot_t *out)
{
    memset(out, 0, sizeof *out);
    decoded_t d;
    int rc = decode_header(data, len, boot_magic, BOOT_FIELDS, &d);
    int64_t ppid = 0;
    TAKE(take_str(&d.field[2], &out->task));
    TAKE(take_bin(&d.field[3], &out->arg, &out->arg_len));
    TAKE(take_str(&d.field[4], &out->name));
    TAKE(take_bool(&d.field[5], &out->daemon));
    TAKE(take_int(&d.field[6], 0, INT64_MAX, &ppid));
    TAKE(take_str(&d.field[7], &out->parent_name));
    TAKE(take_objects(&d.field[8], out));
    TAKE(take_str(&d.field[9], &out->start_method));
    msgpack_unpacked_destroy(&d.unpacked);
    out->version = MP__RECORD_VERSION;
    out->parent_pid = ppid;
    if (rc < 0)
        mp__boot_free(out);
    return rc;
}

int mp__result_decode(const void *data, size_t len, mp__result_t *out)
{
    memset(out, 0, sizeof *out);
    decoded_t d;
    int rc = decode_header(data, len, result_magic, RESULT_FIELDS, &d);
    int64_t boot_error = 0, task_error = 0;
    TAKE(take_int(&d.field[2], -1000000, 0, &boot_error));
    TAKE(take_int(&d.field[3], -1000000, 0, &task_error));
    TAKE(take_str(&d.field[4], &out->message));
    TAKE(take_bool(&d.field[5], &out->has_value));
    TAKE(take_bin(&d.field[6], &out->value, &out->value_len));
    msgpack_unpacked_destroy(&d.unpacked);
    out->boot_error = (int)boot_error;
    out->task_error = (int)task_error;
    if (rc < 0)
        mp__result_free(out);
    return rc;
}

void mp__boot_free(mp__boot_t *boot)
{
    if (!boot)
        return;
    free(boot->task);
    free(boot->arg);
    free(boot->name);
    free(boot->parent_name);
    free(boot->start_method);
    for (size_t i = 0; i < boot->nobjects; i++)
        free(boot->objects[i].bytes);
    free(boot->objects);
    memset(boot, 0, sizeof *boot);
}

void mp__result_free(mp__result_t *result)
{
    if (!result)
        return;
    free(result->message);
    free(result->value);
    memset(result, 0, sizeof *result);
}
