/* Shared values and arrays: elements of one C type in a block of shared
 * memory, after an RLock that synchronized ones take for every access. */
#include <limits.h>
#include <stdalign.h>
#include <string.h>

#include "mp_core.h"
#include "mp_sync.h"

/* Elements start here in the block, aligned for any type. */
#define DATA_OFFSET ((sizeof(mp__rlock_shared_t) + 15) & ~(size_t)15)
#define MAX_BYTES ((size_t)1 << 40)

struct mp_value {
    mp__block_object_t bo;
    mp_type_t type;
    size_t length;
    bool raw;
    mp_rlock_t *lock; /* borrows the block's RLock; NULL when raw */
    void *data;
};

/* What a child needs besides the block. */
typedef struct value_description {
    uint8_t type;
    uint8_t raw;
    uint64_t length;
} value_description_t;

size_t mp_type_size(mp_type_t type)
{
    switch (type) {
    case MP_INT8:
    case MP_UINT8:
    case MP_CHAR: return 1;
    case MP_INT16:
    case MP_UINT16: return 2;
    case MP_INT32:
    case MP_UINT32:
    case MP_FLOAT: return 4;
    case MP_INT64:
    case MP_UINT64:
    case MP_DOUBLE: return 8;
    case MP_STR:
    case MP_BYTES: return 0; /* list slots, not elements */
    }
    return 0;
}

static bool is_float(mp_type_t type)
{
    return type == MP_FLOAT || type == MP_DOUBLE;
}

/* Point the handle into its block and lend it the block's RLock. */
static int bind(mp_value_t *v, mp_type_t type, size_t length, bool raw)
{
    v->type = type;
    v->length = length;
    v->raw = raw;
    char *base = mp__block_base(&v->bo);
    v->data = base + DATA_OFFSET;
    return raw ? 0 : mp__rlock_borrow((mp__rlock_shared_t *)base, &v->lock);
}

int mp_value_create(mp_value_t **out, const mp_value_opts_t *opts)
{
    if (!out || !opts)
        return mp__errdetail_set(MP_EINVAL, "mp_value_create: NULL argument");
    size_t elem = mp_type_size(opts->type), length = opts->length ? opts->length : 1;
    if (!elem || length > MAX_BYTES / elem)
        return mp__errdetail_set(MP_EINVAL, "mp_value_create: bad type %d or length %zu",
                                 (int)opts->type, opts->length);
    mp_value_t *v;
    int rc = mp__block_new(&mp__kind_value, DATA_OFFSET + length * elem, &v);
    if (rc < 0)
        return rc;
    mp__rlock_shared_init(mp__block_base(&v->bo));
    if ((rc = bind(v, opts->type, length, opts->raw)) < 0) {
        mp__object_destroy(&v->bo.obj);
        return rc;
    }
    if (opts->init)
        memcpy(v->data, opts->init, length * elem);
    *out = mp__handle_of(v);
    return 0;
}

void *mp_value_ptr(mp_value_t *v)
{
    return mp__object_open(&v, &mp__kind_value, "mp_value_ptr") == 0 ? v->data : NULL;
}

size_t mp_value_length(mp_value_t *v)
{
    return mp__object_open(&v, &mp__kind_value, "mp_value_length") == 0 ? v->length : 0;
}

int mp_value_type(mp_value_t *v)
{
    int rc = mp__object_open(&v, &mp__kind_value, "mp_value_type");
    return rc < 0 ? rc : (int)v->type;
}

int mp_value_lock(mp_value_t *v, mp_rlock_t **lock)
{
    int rc = mp__object_open(&v, &mp__kind_value, "mp_value_lock");
    if (rc == 0 && !lock)
        rc = mp__errdetail_set(MP_EINVAL, "mp_value_lock: NULL lock");
    if (rc == 0 && v->raw)
        rc = mp__errdetail_set(MP_ENOTSUP, "a raw value has no lock");
    if (rc == 0)
        *lock = v->lock;
    return rc;
}

/* The entry step of every element access: open the handle in place, then
 * check the pointer argument and the index. */
static int open_element(mp_value_t **v, size_t index, const void *ptr, const char *fn)
{
    int rc = mp__object_open(v, &mp__kind_value, fn);
    if (rc == 0 && !ptr)
        rc = mp__errdetail_set(MP_EINVAL, "%s: NULL argument", fn);
    if (rc == 0 && index >= (*v)->length)
        rc = mp__errdetail_set(MP_EINVAL, "%s: index %zu out of range (length %zu)", fn, index,
                               (*v)->length);
    return rc;
}

static void lock_value(mp_value_t *v)
{
    /* Held on return even when mp_set_interruptible() is on: a get or set
     * is not a wait the caller chose. */
    if (!v->raw)
        while (mp_rlock_acquire(v->lock, MP_FOREVER) == MP_EINTR)
            ;
}

static void unlock_value(mp_value_t *v)
{
    if (!v->raw)
        mp_rlock_release(v->lock);
}

/* Element conversions, one switch each way. */
static double load_double(const mp_value_t *v, size_t i)
{
    const char *p = (const char *)v->data + i * mp_type_size(v->type);
    switch (v->type) {
    case MP_INT8: return *(const int8_t *)p;
    case MP_UINT8: return *(const uint8_t *)p;
    case MP_CHAR: return *(const char *)p;
    case MP_INT16: return *(const int16_t *)p;
    case MP_UINT16: return *(const uint16_t *)p;
    case MP_INT32: return *(const int32_t *)p;
    case MP_UINT32: return *(const uint32_t *)p;
    case MP_INT64: return (double)*(const int64_t *)p;
    case MP_UINT64: return (double)*(const uint64_t *)p;
    case MP_FLOAT: return *(const float *)p;
    case MP_DOUBLE: return *(const double *)p;
    case MP_STR:
    case MP_BYTES: break; /* refused by mp_value_create() */
    }
    return 0;
}

static int64_t load_i64(const mp_value_t *v, size_t i)
{
    const char *p = (const char *)v->data + i * mp_type_size(v->type);
    switch (v->type) {
    case MP_INT64: return *(const int64_t *)p;
    case MP_UINT64: return (int64_t)(*(const uint64_t *)p);
    default: return (int64_t)load_double(v, i); /* exact for every narrower integer */
    }
}

/* Whether converting `d` to an integer element is defined: C leaves it
 * undefined for NaN, infinities and values out of the type's range. The
 * bounds are exclusive and exact in double (after truncation toward zero,
 * lo < d < hi keeps the result in range). */
static bool double_fits(mp_type_t type, double d)
{
    double lo, hi;
    switch (type) {
    case MP_INT8: lo = -129.0, hi = 128.0; break;
    case MP_UINT8: lo = -1.0, hi = 256.0; break;
    case MP_CHAR: lo = CHAR_MIN - 1.0, hi = CHAR_MAX + 1.0; break;
    case MP_INT16: lo = -32769.0, hi = 32768.0; break;
    case MP_UINT16: lo = -1.0, hi = 65536.0; break;
    case MP_INT32: lo = -2147483649.0, hi = 2147483648.0; break;
    case MP_UINT32: lo = -1.0, hi = 4294967296.0; break;
    case MP_INT64: lo = -9223372036854777856.0, hi = 9223372036854775808.0; break;
    case MP_UINT64: lo = -1.0, hi = 18446744073709551616.0; break;
    default: return true; /* float elements take any double */
    }
    return d > lo && d < hi; /* false for NaN */
}

static void store(mp_value_t *v, size_t i, int64_t n, double d, bool is_double)
{
    char *p = (char *)v->data + i * mp_type_size(v->type);
#define STORE(T) *(T *)p = is_double ? (T)d : (T)n
    switch (v->type) {
    case MP_INT8: STORE(int8_t); break;
    case MP_UINT8: STORE(uint8_t); break;
    case MP_CHAR: STORE(char); break;
    case MP_INT16: STORE(int16_t); break;
    case MP_UINT16: STORE(uint16_t); break;
    case MP_INT32: STORE(int32_t); break;
    case MP_UINT32: STORE(uint32_t); break;
    case MP_INT64: STORE(int64_t); break;
    case MP_UINT64: STORE(uint64_t); break;
    case MP_FLOAT: STORE(float); break;
    case MP_DOUBLE: STORE(double); break;
    case MP_STR:
    case MP_BYTES: break; /* refused by mp_value_create() */
    }
#undef STORE
}

int mp_value_get_i64(mp_value_t *v, size_t index, int64_t *out)
{
    int rc = open_element(&v, index, out, "mp_value_get_i64");
    if (rc == 0 && is_float(v->type))
        rc = mp__errdetail_set(MP_EINVAL, "mp_value_get_i64: the value holds floating point");
    if (rc < 0)
        return rc;
    lock_value(v);
    *out = load_i64(v, index);
    unlock_value(v);
    return 0;
}

int mp_value_get_double(mp_value_t *v, size_t index, double *out)
{
    int rc = open_element(&v, index, out, "mp_value_get_double");
    if (rc < 0)
        return rc;
    lock_value(v);
    *out = load_double(v, index);
    unlock_value(v);
    return 0;
}

int mp_value_set_i64(mp_value_t *v, size_t index, int64_t n)
{
    int rc = open_element(&v, index, v, "mp_value_set_i64");
    if (rc < 0)
        return rc;
    lock_value(v);
    store(v, index, n, 0, false);
    unlock_value(v);
    return 0;
}

int mp_value_set_double(mp_value_t *v, size_t index, double d)
{
    int rc = open_element(&v, index, v, "mp_value_set_double");
    if (rc == 0 && !double_fits(v->type, d))
        rc = mp__errdetail_set(MP_EINVAL, "mp_value_set_double: %g does not fit a %s element", d,
                               is_float(v->type) ? "float" : "integer");
    if (rc < 0)
        return rc;
    lock_value(v);
    store(v, index, 0, d, true);
    unlock_value(v);
    return 0;
}

int mp_value_add_i64(mp_value_t *v, size_t index, int64_t delta, int64_t *result)
{
    int rc = open_element(&v, index, v, "mp_value_add_i64");
    if (rc == 0 && is_float(v->type))
        rc = mp__errdetail_set(MP_EINVAL, "mp_value_add_i64: the value holds floating point");
    if (rc == 0 && v->raw)
        rc = mp__errdetail_set(MP_ENOTSUP, "mp_value_add_i64: a raw value has no lock");
    if (rc < 0)
        return rc;
    lock_value(v);
    int64_t n = (int64_t)((uint64_t)load_i64(v, index) + (uint64_t)delta);
    store(v, index, n, 0, false);
    n = load_i64(v, index); /* as the element type holds it */
    unlock_value(v);
    if (result)
        *result = n;
    return 0;
}

void mp_value_destroy(mp_value_t *v)
{
    mp__object_destroy_handle(v, &mp__kind_value);
}

static void value_release(mp__object_t *obj)
{
    mp_value_t *v = (mp_value_t *)obj;
    if (v->lock)
        mp__object_destroy_owned(v->lock);
    v->lock = NULL;
    mp__block_release(obj);
}

static int value_share(mp__object_t *obj, mp__share_t *out)
{
    mp_value_t *v = (mp_value_t *)obj;
    value_description_t d = {.type = (uint8_t)v->type, .raw = v->raw, .length = v->length};
    int rc = mp__buf_append(&out->bytes, &d, sizeof d);
    return rc < 0 ? rc : mp__block_share(obj, out);
}

static int value_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                        const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    value_description_t d;
    if (len != sizeof d)
        return MP_EBOOTSTRAP;
    memcpy(&d, bytes, sizeof d);
    size_t elem = mp_type_size((mp_type_t)d.type);
    if (!elem || d.length == 0 || d.length > MAX_BYTES / elem)
        return MP_EBOOTSTRAP;
    int rc = mp__block_attach_sized(kind, DATA_OFFSET + d.length * elem, handles, nhandles, out);
    if (rc == 0 && (rc = bind((mp_value_t *)*out, (mp_type_t)d.type, d.length, d.raw)) < 0)
        mp__object_destroy(*out);
    return rc;
}

const mp__kind_t mp__kind_value = {
    .name = "Value",
    .id = 7,
    .size = sizeof(mp_value_t),
    .share = value_share,
    .attach = value_attach,
    .release = value_release,
};

int mp_task_value(const mp_task_t *task, size_t index, mp_value_t **out)
{
    return mp__task_object(task, index, &mp__kind_value, out);
}
