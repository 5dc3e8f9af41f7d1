/* The typed values' msgpack codec (mp_var.h): encoding, decoding an object
 * msgpack-c unpacked (the manager's messages embed values), and the checks
 * both decoders share. Every decoded input is hostile: deep nesting, keys
 * that are not scalars, duplicate keys, unknown extensions and integers
 * past int64 are refused. */
#include "mp_var_impl.h"

#include <string.h>

#include "mp_backend.h"
#include "mp_wire.h"

/* Longest type name a reference carries. */
#define REF_TYPE_MAX 255

/* ---- encoding --------------------------------------------------------- */

static int pack_ref(msgpack_packer *pk, const mp_var_t *v)
{
    size_t n = strlen(v->u.ref.type);
    if (n == 0 || n > REF_TYPE_MAX)
        return mp__errdetail_set(MP_EINVAL, "a reference's type name must be 1 to %d bytes",
                                 REF_TYPE_MAX);
    unsigned char id[8];
    for (int i = 0; i < 8; i++)
        id[i] = (unsigned char)(v->u.ref.id >> (56 - 8 * i));
    if (msgpack_pack_ext(pk, 8 + n, MP__VAR_EXT_REF) || msgpack_pack_ext_body(pk, id, 8) ||
        msgpack_pack_ext_body(pk, v->u.ref.type, n))
        return MP_ENOMEM;
    return 0;
}

/* msgpack counts and lengths are 32-bit. */
static int too_long(size_t n)
{
    return n > UINT32_MAX
               ? mp__errdetail_set(MP_EINVAL, "%zu elements or bytes: msgpack holds 2^32-1", n)
               : 0;
}

static int pack_rec(msgpack_packer *pk, const mp_var_t *v, int depth);

static int pack_container(msgpack_packer *pk, const mp_var_t *v, int depth)
{
    if (depth >= MP__VAR_MAX_DEPTH)
        return mp__var_too_deep("encode");
    size_t n = mp_var_len(v);
    int rc = too_long(n);
    if (rc < 0)
        return rc;
    if (v->type == MP_VAR_LIST) {
        if (msgpack_pack_array(pk, n))
            return MP_ENOMEM;
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = pack_rec(pk, v->u.list.items[i], depth + 1);
        return rc;
    }
    if (msgpack_pack_map(pk, n))
        return MP_ENOMEM;
    const mp__var_map_t *m = &v->u.map;
    for (size_t i = 0; rc == 0 && i < m->nentries; i++)
        if (m->entries[i].key && (rc = pack_rec(pk, m->entries[i].key, depth + 1)) == 0)
            rc = pack_rec(pk, m->entries[i].value, depth + 1);
    return rc;
}

static int pack_rec(msgpack_packer *pk, const mp_var_t *v, int depth)
{
    int failed;
    switch (v->type) {
    case MP_VAR_NIL: failed = msgpack_pack_nil(pk); break;
    case MP_VAR_BOOL: failed = mp__wire_pack_bool(pk, v->u.b); break;
    case MP_VAR_INT: failed = msgpack_pack_int64(pk, v->u.i); break;
    case MP_VAR_DOUBLE: failed = msgpack_pack_double(pk, v->u.d); break;
    case MP_VAR_STR:
        if (too_long(v->u.s.len))
            return MP_EINVAL;
        failed = msgpack_pack_str(pk, v->u.s.len) ||
                 msgpack_pack_str_body(pk, v->u.s.data, v->u.s.len);
        break;
    case MP_VAR_BYTES:
        if (too_long(v->u.s.len))
            return MP_EINVAL;
        failed = mp__wire_pack_bin(pk, v->u.s.data, v->u.s.len);
        break;
    case MP_VAR_REF: return pack_ref(pk, v);
    default: return pack_container(pk, v, depth);
    }
    return failed ? MP_ENOMEM : 0;
}

int mp__var_pack_msgpack(msgpack_packer *pk, const mp_var_t *v)
{
    if (!pk || !v)
        return mp__errdetail_set(MP_EINVAL, "mp__var_pack_msgpack: %s is NULL",
                                 pk ? "the value" : "the packer");
    return pack_rec(pk, v, 0);
}

int mp__var_encode(const mp_var_t *v, mp__buf_t *out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp__var_encode: out is NULL");
    size_t start = out->len;
    msgpack_packer pk;
    mp__wire_packer_init(&pk, out);
    int rc = mp__var_pack_msgpack(&pk, v);
    if (rc < 0)
        out->len = start; /* nothing half-written stays */
    return rc;
}

/* ---- what both decoders share ------------------------------------------ */

int mp__var_too_deep(const char *what)
{
    return mp__errdetail_set(MP_EINVAL, "%s: nested deeper than %d lists and maps", what,
                             MP__VAR_MAX_DEPTH);
}

int mp__var_ref_from_ext(int8_t type, const char *data, size_t len, mp_var_t **out)
{
    if (type != MP__VAR_EXT_REF)
        return mp__errdetail_set(MP_EINVAL, "decode: unknown msgpack extension type %d", type);
    if (len < 9 || len > 8 + REF_TYPE_MAX || memchr(data + 8, '\0', len - 8))
        return mp__errdetail_set(MP_EINVAL, "decode: malformed reference (%zu bytes)", len);
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | (unsigned char)data[i];
    char name[REF_TYPE_MAX + 1];
    memcpy(name, data + 8, len - 8);
    name[len - 8] = '\0';
    if (!(*out = mp__var_ref(id, name)))
        return mp__errdetail_set(MP_ENOMEM, "decode: out of memory");
    return 0;
}

int mp__var_decoded_entry(mp_var_t *map, mp_var_t *key, mp_var_t *value)
{
    int rc = 0;
    if (!mp__var_hashable(key))
        rc = mp__errdetail_set(MP_EINVAL, "decode: a map key of type %s (keys are scalars)",
                               mp_var_type_name(key->type));
    else if (mp_var_map_get(map, key))
        rc = mp__errdetail_set(MP_EINVAL, "decode: a duplicate %s key in a map",
                               mp_var_type_name(key->type));
    if (rc < 0) {
        mp_var_free(key);
        mp_var_free(value);
        return rc;
    }
    return mp_var_map_set(map, key, value);
}

/* ---- decoding what msgpack-c unpacked -------------------------------------- */

static int from_rec(const msgpack_object *o, int depth, mp_var_t **out);

static int from_container(const msgpack_object *o, int depth, mp_var_t *c)
{
    if (depth >= MP__VAR_MAX_DEPTH)
        return mp__var_too_deep("decode");
    int rc = 0;
    if (o->type == MSGPACK_OBJECT_ARRAY) {
        rc = mp__var_list_reserve(c, o->via.array.size);
        for (uint32_t i = 0; rc == 0 && i < o->via.array.size; i++) {
            mp_var_t *item = NULL;
            if ((rc = from_rec(&o->via.array.ptr[i], depth + 1, &item)) == 0)
                rc = mp_var_append(c, item);
        }
        return rc;
    }
    rc = mp__var_map_reserve(&c->u.map, o->via.map.size);
    for (uint32_t i = 0; rc == 0 && i < o->via.map.size; i++) {
        mp_var_t *k = NULL, *v = NULL;
        if ((rc = from_rec(&o->via.map.ptr[i].key, depth + 1, &k)) == 0 &&
            (rc = from_rec(&o->via.map.ptr[i].val, depth + 1, &v)) < 0)
            mp_var_free(k);
        if (rc == 0)
            rc = mp__var_decoded_entry(c, k, v);
    }
    return rc;
}

static int from_rec(const msgpack_object *o, int depth, mp_var_t **out)
{
    mp_var_t *v = NULL;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: v = mp_var_nil(); break;
    case MSGPACK_OBJECT_BOOLEAN: v = mp_var_bool(o->via.boolean); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return mp__errdetail_set(MP_EINVAL, "decode: integer %llu past int64",
                                     (unsigned long long)o->via.u64);
        v = mp_var_int((int64_t)o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: v = mp_var_int(o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: v = mp_var_double(o->via.f64); break;
    case MSGPACK_OBJECT_STR: v = mp_var_strn(o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN: v = mp_var_bytes(o->via.bin.ptr, o->via.bin.size); break;
    case MSGPACK_OBJECT_EXT:
        return mp__var_ref_from_ext(o->via.ext.type, o->via.ext.ptr, o->via.ext.size, out);
    case MSGPACK_OBJECT_ARRAY:
    case MSGPACK_OBJECT_MAP: {
        v = o->type == MSGPACK_OBJECT_ARRAY ? mp_var_list() : mp_var_map();
        int rc = v ? from_container(o, depth, v) : 0;
        if (rc < 0) {
            mp_var_free(v);
            return rc;
        }
        break;
    }
    default:
        return mp__errdetail_set(MP_EINVAL, "decode: unknown msgpack object type %d", (int)o->type);
    }
    if (!v)
        return mp__errdetail_set(MP_ENOMEM, "decode: out of memory");
    *out = v;
    return 0;
}

int mp__var_from_msgpack(const msgpack_object *o, mp_var_t **out)
{
    if (!o || !out)
        return mp__errdetail_set(MP_EINVAL, "mp__var_from_msgpack: %s is NULL",
                                 o ? "out" : "the object");
    return from_rec(o, 0, out);
}
