/* mp__var_decode(): typed values straight from untrusted msgpack bytes, in
 * one pass. msgpack-c's unpacker is not used here: it reserves room for an
 * array's claimed count before reading an element (a 5-byte header claiming
 * 2^32 elements asks for gigabytes) and stops at 32 levels. Here every
 * count is checked against the bytes left before anything is reserved
 * (each element takes at least one byte), so memory stays proportional to
 * the input. */
#include "mp_var_impl.h"

#include <string.h>

#include "mp_backend.h"

typedef struct reader {
    const unsigned char *p;
    size_t len;
    size_t off;
} reader_t;

static int truncated(void)
{
    return mp__errdetail_set(MP_EINVAL, "decode: the input ends inside a value");
}

/* A big-endian unsigned number of `n` bytes. */
static int read_uint(reader_t *r, size_t n, uint64_t *out)
{
    if (r->len - r->off < n)
        return truncated();
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | r->p[r->off++];
    *out = v;
    return 0;
}

/* `n` payload bytes, borrowed from the input. */
static int read_bytes(reader_t *r, uint64_t n, const char **out)
{
    if (r->len - r->off < n)
        return truncated();
    *out = (const char *)r->p + r->off;
    r->off += (size_t)n;
    return 0;
}

static int read_value(reader_t *r, int depth, mp_var_t **out);

/* A list or map of `count` elements (entries for a map). */
static int read_container(reader_t *r, int depth, bool is_map, uint64_t count, mp_var_t **out)
{
    if (depth >= MP__VAR_MAX_DEPTH)
        return mp__var_too_deep("decode");
    uint64_t least = is_map ? 2 * count : count; /* bytes the elements need */
    if (least > r->len - r->off)
        return mp__errdetail_set(MP_EINVAL, "decode: a %s of %llu elements in %zu bytes left",
                                 is_map ? "map" : "list", (unsigned long long)count,
                                 r->len - r->off);
    mp_var_t *c = is_map ? mp_var_map() : mp_var_list();
    int rc = !c       ? MP_ENOMEM
             : is_map ? mp__var_map_reserve(&c->u.map, (size_t)count)
                      : mp__var_list_reserve(c, (size_t)count);
    for (uint64_t i = 0; rc == 0 && i < count; i++) {
        mp_var_t *k = NULL, *v = NULL;
        if (is_map && (rc = read_value(r, depth + 1, &k)) < 0)
            break;
        if ((rc = read_value(r, depth + 1, &v)) < 0) {
            mp_var_free(k);
            break;
        }
        rc = is_map ? mp__var_decoded_entry(c, k, v) : mp_var_append(c, v);
    }
    if (rc < 0) {
        mp_var_free(c);
        return rc == MP_ENOMEM ? mp__errdetail_set(rc, "decode: out of memory") : rc;
    }
    *out = c;
    return 0;
}

/* The sizes of a header byte's length or count field, by family. */
static size_t width_of(unsigned char b, unsigned char first)
{
    return (size_t)1 << (b - first); /* 1, 2, 4 (8 for fixed ints) */
}

static int read_ext(reader_t *r, uint64_t n, mp_var_t **out)
{
    const char *type = NULL, *body = NULL;
    int rc = read_bytes(r, 1, &type);
    if (rc == 0)
        rc = read_bytes(r, n, &body);
    return rc < 0 ? rc : mp__var_ref_from_ext((int8_t)*type, body, (size_t)n, out);
}

static int read_number(reader_t *r, unsigned char b, mp_var_t **out)
{
    uint64_t u = 0;
    int rc;
    if (b == 0xca || b == 0xcb) { /* float32, float64 */
        if ((rc = read_uint(r, b == 0xca ? 4 : 8, &u)) < 0)
            return rc;
        double d;
        if (b == 0xca) {
            uint32_t bits = (uint32_t)u;
            float f;
            memcpy(&f, &bits, sizeof f);
            d = f;
        } else {
            memcpy(&d, &u, sizeof d);
        }
        *out = mp_var_double(d);
    } else if (b <= 0xcf) { /* uint8..uint64 */
        if ((rc = read_uint(r, width_of(b, 0xcc), &u)) < 0)
            return rc;
        if (u > (uint64_t)INT64_MAX)
            return mp__errdetail_set(MP_EINVAL, "decode: integer %llu past int64",
                                     (unsigned long long)u);
        *out = mp_var_int((int64_t)u);
    } else { /* int8..int64: sign-extend */
        size_t w = width_of(b, 0xd0);
        if ((rc = read_uint(r, w, &u)) < 0)
            return rc;
        if (w < 8 && (u >> (8 * w - 1)) & 1)
            u |= ~(uint64_t)0 << (8 * w);
        int64_t i;
        memcpy(&i, &u, sizeof i);
        *out = mp_var_int(i);
    }
    return *out ? 0 : mp__errdetail_set(MP_ENOMEM, "decode: out of memory");
}

/* str, bin and ext of 8, 16 or 32-bit lengths. */
static int read_sized(reader_t *r, unsigned char b, mp_var_t **out)
{
    unsigned char first = b >= 0xd9 ? 0xd9 : b >= 0xc7 ? 0xc7 : 0xc4;
    uint64_t n = 0;
    const char *body = NULL;
    int rc = read_uint(r, width_of(b, first), &n);
    if (rc < 0)
        return rc;
    if (first == 0xc7)
        return read_ext(r, n, out);
    if ((rc = read_bytes(r, n, &body)) < 0)
        return rc;
    *out = first == 0xd9 ? mp_var_strn(body, (size_t)n) : mp_var_bytes(body, (size_t)n);
    return *out ? 0 : mp__errdetail_set(MP_ENOMEM, "decode: out of memory");
}

static int read_value(reader_t *r, int depth, mp_var_t **out)
{
    if (r->off >= r->len)
        return truncated();
    unsigned char b = r->p[r->off++];
    uint64_t n = 0;
    int rc = 0;
    if (b <= 0x7f || b >= 0xe0) /* fixint */
        *out = mp_var_int(b <= 0x7f ? (int64_t)b : (int64_t)(int8_t)b);
    else if (b <= 0x8f)
        return read_container(r, depth, true, b & 0x0fu, out);
    else if (b <= 0x9f)
        return read_container(r, depth, false, b & 0x0fu, out);
    else if (b <= 0xbf) {
        const char *body = NULL;
        if ((rc = read_bytes(r, b & 0x1fu, &body)) < 0)
            return rc;
        *out = mp_var_strn(body, b & 0x1fu);
    } else if (b == 0xc0)
        *out = mp_var_nil();
    else if (b == 0xc2 || b == 0xc3)
        *out = mp_var_bool(b == 0xc3);
    else if ((b >= 0xc4 && b <= 0xc9) || (b >= 0xd9 && b <= 0xdb))
        return read_sized(r, b, out);
    else if (b >= 0xca && b <= 0xd3)
        return read_number(r, b, out);
    else if (b >= 0xd4 && b <= 0xd8) /* fixext 1..16 */
        return read_ext(r, width_of(b, 0xd4), out);
    else if (b >= 0xdc && b <= 0xdf) {
        if ((rc = read_uint(r, b & 1 ? 4 : 2, &n)) < 0)
            return rc;
        return read_container(r, depth, b >= 0xde, n, out);
    } else
        return mp__errdetail_set(MP_EINVAL, "decode: byte 0x%02x is not msgpack", b);
    return *out ? 0 : mp__errdetail_set(MP_ENOMEM, "decode: out of memory");
}

int mp__var_decode(const void *data, size_t len, mp_var_t **out)
{
    if (!out || (!data && len))
        return mp__errdetail_set(MP_EINVAL, "mp__var_decode: %s is NULL", out ? "data" : "out");
    reader_t r = {data, len, 0};
    mp_var_t *v = NULL;
    int rc = read_value(&r, 0, &v);
    if (rc == 0 && r.off != len) {
        mp_var_free(v);
        return mp__errdetail_set(MP_EINVAL, "decode: %zu bytes after the value", len - r.off);
    }
    if (rc == 0)
        *out = v;
    return rc;
}
