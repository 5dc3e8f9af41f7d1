/* ShareableList: a fixed number of typed slots in a shared memory segment,
 * self-describing so that any process can attach it by name.
 *
 * Layout: header, one descriptor per slot, then the slots, each 8-aligned;
 * a STR or BYTES slot is a 32-bit length followed by its capacity. Like
 * Python's, it has no lock: concurrent writers to one slot need their own. */
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_object.h"

#define LIST_MAGIC 0x4c53504du /* "MPSL" */
#define MAX_SLOTS 65536u
#define MAX_WIDTH 65536u

typedef struct list_header {
    uint32_t magic;
    uint32_t count;
} list_header_t;

/* A slot's type as stored in the segment: the layout's own numbers, so
 * that the public enum can grow without changing what is in memory. */
enum { STORED_I64 = 1, STORED_DOUBLE, STORED_STR, STORED_BYTES };

typedef struct slot_descriptor {
    uint32_t type;
    uint32_t width;
    uint64_t offset;
} slot_descriptor_t;

/* A slot as this handle knows it: checked once, kept private. */
typedef struct slot {
    mp_type_t type;
    uint32_t width;
    size_t offset;
} slot_t;

struct mp_shlist {
    mp__object_t obj;
    mp_shm_t *shm; /* borrowed by the list: its segment */
    uint32_t count;
    /* This handle's copy of the slot table. The segment's own table can be
     * rewritten by any process that attaches the name; the copy cannot, so
     * no access goes out of bounds whatever the segment says later. */
    slot_t *slots;
    char *base;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static bool is_textual(mp_type_t type)
{
    return type == MP_STR || type == MP_BYTES;
}

static size_t slot_bytes(const mp_slot_def_t *def)
{
    return is_textual(def->type) ? align8(4 + def->width) : 8;
}

static bool valid_def(const mp_slot_def_t *def)
{
    switch (def->type) {
    case MP_INT64:
    case MP_DOUBLE: return true;
    case MP_STR:
    case MP_BYTES: return def->width >= 1 && def->width <= MAX_WIDTH;
    default: return false;
    }
}

static uint32_t stored_type(mp_type_t type)
{
    return type == MP_INT64    ? STORED_I64
           : type == MP_DOUBLE ? STORED_DOUBLE
           : type == MP_STR    ? STORED_STR
                               : STORED_BYTES;
}

static mp_type_t public_type(uint32_t stored)
{
    switch (stored) {
    case STORED_I64: return MP_INT64;
    case STORED_DOUBLE: return MP_DOUBLE;
    case STORED_STR: return MP_STR;
    case STORED_BYTES: return MP_BYTES;
    }
    return (mp_type_t)0; /* refused by valid_def() */
}

/* Check a segment's layout before trusting it (it may be anyone's), and
 * keep the checked copy. */
static int bind(mp_shlist_t *list, mp_shm_t *shm)
{
    char *base = mp_shm_data(shm);
    size_t size = mp_shm_size(shm);
    const list_header_t *h = (const list_header_t *)base;
    uint32_t count = size >= sizeof *h ? h->count : 0;
    if (size < sizeof *h || h->magic != LIST_MAGIC || count == 0 || count > MAX_SLOTS ||
        align8(sizeof *h) + count * sizeof(slot_descriptor_t) > size)
        return mp__errdetail_set(MP_EINVAL, "segment '%s' does not hold a shareable list",
                                 mp_shm_name(shm));
    const slot_descriptor_t *table = (const slot_descriptor_t *)(base + align8(sizeof *h));
    slot_t *slots = malloc(count * sizeof *slots);
    if (!slots)
        return MP_ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        slot_descriptor_t d = table[i]; /* one read: it may change under us */
        mp_slot_def_t def = {.type = public_type(d.type), .width = d.width};
        if (!valid_def(&def) || d.offset > size || slot_bytes(&def) > size - d.offset) {
            free(slots);
            return mp__errdetail_set(MP_EINVAL, "shareable list '%s': slot %u is corrupt",
                                     mp_shm_name(shm), i);
        }
        slots[i] = (slot_t){.type = def.type, .width = d.width, .offset = (size_t)d.offset};
    }
    list->shm = shm;
    list->count = count;
    list->slots = slots;
    list->base = base;
    return 0;
}

/* A list object over a segment handle, which it takes over (destroyed on
 * failure too). */
static int new_list(mp_shm_t *shm, mp_shlist_t **out)
{
    mp__object_t *obj = NULL;
    int rc = mp__object_new(&mp__kind_shlist, &obj);
    if (rc == 0)
        rc = bind((mp_shlist_t *)obj, shm);
    if (rc < 0) {
        mp__object_destroy(obj);
        mp__object_destroy_owned(shm);
        return rc;
    }
    ((mp__object_t *)mp__handle_get(shm, NULL))->borrowed = true;
    *out = (mp_shlist_t *)obj;
    return 0;
}

int mp_shlist_create(mp_shlist_t **out, const mp_shlist_opts_t *opts)
{
    if (!out || !opts || !opts->slots || opts->count == 0 || opts->count > MAX_SLOTS)
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_create: NULL argument or bad count");
    const mp_slot_def_t *slots = opts->slots;
    size_t count = opts->count;
    size_t table = align8(sizeof(list_header_t)) + count * sizeof(slot_descriptor_t), size = table;
    for (size_t i = 0; i < count; i++) {
        if (!valid_def(&slots[i]))
            return mp__errdetail_set(MP_EINVAL,
                                     "mp_shlist_create: slot %zu has a bad type or width", i);
        size += slot_bytes(&slots[i]);
    }
    mp_shm_t *shm;
    int rc = mp_shm_create(&shm, &(mp_shm_opts_t){.name = opts->name, .size = size});
    if (rc < 0)
        return rc;
    char *base = mp_shm_data(shm);
    *(list_header_t *)base = (list_header_t){.magic = LIST_MAGIC, .count = (uint32_t)count};
    slot_descriptor_t *desc = (slot_descriptor_t *)(base + align8(sizeof(list_header_t)));
    for (size_t i = 0, offset = table; i < count; offset += slot_bytes(&slots[i]), i++)
        desc[i] = (slot_descriptor_t){.type = stored_type(slots[i].type),
                                      .width = (uint32_t)slots[i].width,
                                      .offset = offset};
    mp_shlist_t *list;
    if ((rc = new_list(shm, &list)) == 0)
        *out = mp__handle_of(list);
    return rc;
}

int mp_shlist_attach(mp_shlist_t **out, const char *name, const mp_attach_opts_t *opts)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_attach: NULL out");
    mp_shm_t *shm;
    mp_shlist_t *list;
    int rc = mp_shm_attach(&shm, name, opts);
    if (rc == 0 && (rc = new_list(shm, &list)) == 0)
        *out = mp__handle_of(list);
    return rc;
}

size_t mp_shlist_count(mp_shlist_t *list)
{
    return mp__object_open(&list, &mp__kind_shlist, "mp_shlist_count") == 0 ? list->count : 0;
}

/* The entry step of slot accesses: open the handle in place, then check
 * the index and the type (`want` 0: either textual type). */
static int open_slot(mp_shlist_t **listp, size_t index, int want, const void *ptr, const char *fn,
                     const slot_t **out)
{
    int rc = mp__object_open(listp, &mp__kind_shlist, fn);
    if (rc < 0)
        return rc;
    const mp_shlist_t *list = *listp;
    if (!ptr || index >= list->count)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL argument or index %zu out of range", fn,
                                 index);
    const slot_t *slot = &list->slots[index];
    if (want ? (int)slot->type != want : !is_textual(slot->type))
        return mp__errdetail_set(MP_EINVAL, "%s: slot %zu has another type", fn, index);
    *out = slot;
    return 0;
}

int mp_shlist_type(mp_shlist_t *list, size_t index)
{
    int rc = mp__object_open(&list, &mp__kind_shlist, "mp_shlist_type");
    if (rc == 0 && index >= list->count)
        rc = mp__errdetail_set(MP_EINVAL, "mp_shlist_type: index %zu out of range", index);
    return rc < 0 ? rc : (int)list->slots[index].type;
}

/* The fixed 8-byte slots, read and written as bytes. */
static int fixed_io(mp_shlist_t *list, size_t index, int type, void *value, bool write,
                    const char *fn)
{
    const slot_t *slot = NULL;
    int rc = open_slot(&list, index, type, value, fn, &slot);
    if (rc == 0 && write)
        memcpy(list->base + slot->offset, value, 8);
    else if (rc == 0)
        memcpy(value, list->base + slot->offset, 8);
    return rc;
}

int mp_shlist_get_i64(mp_shlist_t *list, size_t index, int64_t *out)
{
    return fixed_io(list, index, MP_INT64, out, false, "mp_shlist_get_i64");
}

int mp_shlist_set_i64(mp_shlist_t *list, size_t index, int64_t value)
{
    return fixed_io(list, index, MP_INT64, &value, true, "mp_shlist_set_i64");
}

int mp_shlist_get_double(mp_shlist_t *list, size_t index, double *out)
{
    return fixed_io(list, index, MP_DOUBLE, out, false, "mp_shlist_get_double");
}

int mp_shlist_set_double(mp_shlist_t *list, size_t index, double value)
{
    return fixed_io(list, index, MP_DOUBLE, &value, true, "mp_shlist_set_double");
}

int mp_shlist_get_bytes(mp_shlist_t *list, size_t index, void *buf, size_t cap, size_t *len)
{
    const slot_t *slot = NULL;
    int rc = open_slot(&list, index, 0, len, "mp_shlist_get_bytes", &slot);
    if (rc < 0)
        return rc;
    uint32_t stored;
    memcpy(&stored, list->base + slot->offset, 4);
    if (stored > slot->width)
        stored = slot->width; /* a torn write by a racing writer */
    *len = stored;
    size_t need = stored + (slot->type == MP_STR);
    if (need > cap || (!buf && need))
        return mp__errdetail_set(MP_ETOOSMALL, "slot %zu holds %zu bytes; the buffer has %zu",
                                 index, need, cap);
    if (stored)
        memcpy(buf, list->base + slot->offset + 4, stored);
    if (slot->type == MP_STR)
        ((char *)buf)[stored] = '\0';
    return 0;
}

int mp_shlist_set_bytes(mp_shlist_t *list, size_t index, const void *data, size_t len)
{
    const slot_t *slot = NULL;
    int rc = open_slot(&list, index, 0, list, "mp_shlist_set_bytes", &slot);
    if (rc < 0)
        return rc;
    if (!data && len)
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_set_bytes: NULL data");
    if (slot->type == MP_STR && memchr(data, '\0', len))
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_set_bytes: NUL inside a string");
    size_t room = slot->width - (slot->type == MP_STR);
    if (len > room)
        return mp__errdetail_set(MP_ETOOSMALL, "slot %zu holds at most %zu bytes, not %zu", index,
                                 room, len);
    uint32_t stored = (uint32_t)len;
    if (len)
        memcpy(list->base + slot->offset + 4, data, len);
    memcpy(list->base + slot->offset, &stored, 4);
    return 0;
}

mp_shm_t *mp_shlist_shm(mp_shlist_t *list)
{
    return mp__object_open(&list, &mp__kind_shlist, "mp_shlist_shm") == 0 ? list->shm : NULL;
}

void mp_shlist_destroy(mp_shlist_t *list)
{
    mp__object_destroy_handle(list, &mp__kind_shlist);
}

static void shlist_release(mp__object_t *obj)
{
    mp_shlist_t *list = (mp_shlist_t *)obj;
    if (list->shm)
        mp__object_destroy_owned(list->shm);
    list->shm = NULL;
    free(list->slots);
    list->slots = NULL;
}

static int shlist_share(mp__object_t *obj, mp__share_t *out)
{
    mp_shlist_t *list = (mp_shlist_t *)obj;
    return mp__kind_shm.share(mp__handle_get(list->shm, NULL), out);
}

static int shlist_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                         const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    (void)kind;
    mp__object_t *shm;
    int rc = mp__kind_shm.attach(&mp__kind_shm, bytes, len, handles, nhandles, &shm);
    mp_shlist_t *list = NULL;
    if (rc == 0 && (rc = new_list(shm->handle, &list)) == 0)
        *out = &list->obj;
    return rc;
}

const mp__kind_t mp__kind_shlist = {
    .name = "ShareableList",
    .id = 9,
    .size = sizeof(mp_shlist_t),
    .share = shlist_share,
    .attach = shlist_attach,
    .release = shlist_release,
};

int mp_task_shlist(const mp_task_t *task, size_t index, mp_shlist_t **out)
{
    return mp__task_object(task, index, &mp__kind_shlist, out);
}
