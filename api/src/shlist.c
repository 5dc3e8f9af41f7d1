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

typedef struct slot_descriptor {
    uint32_t type;
    uint32_t width;
    uint64_t offset;
} slot_descriptor_t;

struct mp_shlist {
    mp__object_t obj;
    mp_shm_t *shm;
    uint32_t count;
    slot_descriptor_t *slots; /* in the segment */
    char *base;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t slot_bytes(const mp_slot_def_t *def)
{
    return def->type == MP_SLOT_STR || def->type == MP_SLOT_BYTES ? align8(4 + def->width) : 8;
}

static bool valid_def(const mp_slot_def_t *def)
{
    switch (def->type) {
    case MP_SLOT_I64:
    case MP_SLOT_DOUBLE: return true;
    case MP_SLOT_STR:
    case MP_SLOT_BYTES: return def->width >= 1 && def->width <= MAX_WIDTH;
    }
    return false;
}

/* Check a segment's layout before trusting it: it may be anyone's. */
static int bind(mp_shlist_t *list, mp_shm_t *shm)
{
    char *base = mp_shm_data(shm);
    size_t size = mp_shm_size(shm);
    const list_header_t *h = (const list_header_t *)base;
    if (size < sizeof *h || h->magic != LIST_MAGIC || h->count == 0 || h->count > MAX_SLOTS ||
        align8(sizeof *h) + h->count * sizeof(slot_descriptor_t) > size)
        return mp__errdetail_set(MP_EINVAL, "segment '%s' does not hold a shareable list",
                                 mp_shm_name(shm));
    slot_descriptor_t *slots = (slot_descriptor_t *)(base + align8(sizeof *h));
    for (uint32_t i = 0; i < h->count; i++) {
        mp_slot_def_t def = {.type = (mp_slot_type_t)slots[i].type, .width = slots[i].width};
        if (!valid_def(&def) || slots[i].offset > size || slot_bytes(&def) > size - slots[i].offset)
            return mp__errdetail_set(MP_EINVAL, "shareable list '%s': slot %u is corrupt",
                                     mp_shm_name(shm), i);
    }
    list->shm = shm;
    list->count = h->count;
    list->slots = slots;
    list->base = base;
    return 0;
}

static int new_list(mp_shm_t *shm, mp_shlist_t **out)
{
    mp_shlist_t *list = (mp_shlist_t *)mp__object_new(&mp__kind_shlist);
    int rc = list ? bind(list, shm) : MP_ENOMEM;
    if (rc < 0) {
        if (list)
            mp__object_destroy(&list->obj);
        mp_shm_destroy(shm);
        return rc;
    }
    *out = list;
    return 0;
}

int mp_shlist_create(mp_shlist_t **out, const char *name, const mp_slot_def_t *slots, size_t count)
{
    if (!out || !slots || count == 0 || count > MAX_SLOTS)
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_create: NULL argument or bad count");
    size_t table = align8(sizeof(list_header_t)) + count * sizeof(slot_descriptor_t), size = table;
    for (size_t i = 0; i < count; i++) {
        if (!valid_def(&slots[i]))
            return mp__errdetail_set(MP_EINVAL,
                                     "mp_shlist_create: slot %zu has a bad type or width", i);
        size += slot_bytes(&slots[i]);
    }
    mp_shm_t *shm;
    int rc = mp_shm_create(&shm, name, size);
    if (rc < 0)
        return rc;
    char *base = mp_shm_data(shm);
    *(list_header_t *)base = (list_header_t){.magic = LIST_MAGIC, .count = (uint32_t)count};
    slot_descriptor_t *desc = (slot_descriptor_t *)(base + align8(sizeof(list_header_t)));
    for (size_t i = 0, offset = table; i < count; offset += slot_bytes(&slots[i]), i++)
        desc[i] = (slot_descriptor_t){
            .type = slots[i].type, .width = (uint32_t)slots[i].width, .offset = offset};
    return new_list(shm, out);
}

int mp_shlist_attach(mp_shlist_t **out, const char *name)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_attach: NULL out");
    mp_shm_t *shm;
    int rc = mp_shm_attach(&shm, name);
    return rc < 0 ? rc : new_list(shm, out);
}

size_t mp_shlist_count(mp_shlist_t *list)
{
    return mp__object_check(list, &mp__kind_shlist, "mp_shlist_count") == 0 ? list->count : 0;
}

/* The entry check of slot accesses: the handle, the index and the type. */
static int slot_at(mp_shlist_t *list, size_t index, int want, const void *ptr, const char *fn,
                   slot_descriptor_t **out)
{
    int rc = mp__object_check(list, &mp__kind_shlist, fn);
    if (rc < 0)
        return rc;
    if (!ptr || index >= list->count)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL argument or index %zu out of range", fn,
                                 index);
    slot_descriptor_t *slot = &list->slots[index];
    bool textual = slot->type == MP_SLOT_STR || slot->type == MP_SLOT_BYTES;
    if (want ? (int)slot->type != want : !textual)
        return mp__errdetail_set(MP_EINVAL, "%s: slot %zu has another type", fn, index);
    *out = slot;
    return 0;
}

int mp_shlist_type(mp_shlist_t *list, size_t index)
{
    int rc = mp__object_check(list, &mp__kind_shlist, "mp_shlist_type");
    if (rc == 0 && index >= list->count)
        rc = mp__errdetail_set(MP_EINVAL, "mp_shlist_type: index %zu out of range", index);
    return rc < 0 ? rc : (int)list->slots[index].type;
}

/* The fixed 8-byte slots, read and written as bytes. */
static int fixed_io(mp_shlist_t *list, size_t index, int type, void *value, bool write,
                    const char *fn)
{
    slot_descriptor_t *slot = NULL;
    int rc = slot_at(list, index, type, value, fn, &slot);
    if (rc == 0 && write)
        memcpy(list->base + slot->offset, value, 8);
    else if (rc == 0)
        memcpy(value, list->base + slot->offset, 8);
    return rc;
}

int mp_shlist_get_i64(mp_shlist_t *list, size_t index, int64_t *out)
{
    return fixed_io(list, index, MP_SLOT_I64, out, false, "mp_shlist_get_i64");
}

int mp_shlist_set_i64(mp_shlist_t *list, size_t index, int64_t value)
{
    return fixed_io(list, index, MP_SLOT_I64, &value, true, "mp_shlist_set_i64");
}

int mp_shlist_get_double(mp_shlist_t *list, size_t index, double *out)
{
    return fixed_io(list, index, MP_SLOT_DOUBLE, out, false, "mp_shlist_get_double");
}

int mp_shlist_set_double(mp_shlist_t *list, size_t index, double value)
{
    return fixed_io(list, index, MP_SLOT_DOUBLE, &value, true, "mp_shlist_set_double");
}

int mp_shlist_get_bytes(mp_shlist_t *list, size_t index, void *buf, size_t cap, size_t *len)
{
    slot_descriptor_t *slot = NULL;
    int rc = slot_at(list, index, 0, len, "mp_shlist_get_bytes", &slot);
    if (rc < 0)
        return rc;
    uint32_t stored;
    memcpy(&stored, list->base + slot->offset, 4);
    if (stored > slot->width)
        stored = slot->width; /* a torn write by a racing writer */
    *len = stored;
    size_t need = stored + (slot->type == MP_SLOT_STR);
    if (need > cap || (!buf && need))
        return mp__errdetail_set(MP_ETOOSMALL, "slot %zu holds %zu bytes; the buffer has %zu",
                                 index, need, cap);
    if (stored)
        memcpy(buf, list->base + slot->offset + 4, stored);
    if (slot->type == MP_SLOT_STR)
        ((char *)buf)[stored] = '\0';
    return 0;
}

int mp_shlist_set_bytes(mp_shlist_t *list, size_t index, const void *data, size_t len)
{
    slot_descriptor_t *slot = NULL;
    int rc = slot_at(list, index, 0, list, "mp_shlist_set_bytes", &slot);
    if (rc < 0)
        return rc;
    if (!data && len)
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_set_bytes: NULL data");
    if (slot->type == MP_SLOT_STR && memchr(data, '\0', len))
        return mp__errdetail_set(MP_EINVAL, "mp_shlist_set_bytes: NUL inside a string");
    size_t room = slot->width - (slot->type == MP_SLOT_STR);
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
    return mp__object_check(list, &mp__kind_shlist, "mp_shlist_shm") == 0 ? list->shm : NULL;
}

void mp_shlist_destroy(mp_shlist_t *list)
{
    if (mp__object_check(list, &mp__kind_shlist, "mp_shlist_destroy") == 0)
        mp__object_destroy(&list->obj);
}

static void shlist_release(mp__object_t *obj)
{
    mp_shlist_t *list = (mp_shlist_t *)obj;
    mp_shm_destroy(list->shm);
    list->shm = NULL;
}

static int shlist_share(mp__object_t *obj, mp__share_t *out)
{
    mp_shlist_t *list = (mp_shlist_t *)obj;
    return mp__kind_shm.share((mp__object_t *)list->shm, out);
}

static int shlist_attach(const void *bytes, size_t len, const mp_sentinel_t *handles,
                         size_t nhandles, mp__object_t **out)
{
    mp__object_t *shm;
    int rc = mp__kind_shm.attach(bytes, len, handles, nhandles, &shm);
    mp_shlist_t *list = NULL;
    if (rc == 0 && (rc = new_list((mp_shm_t *)shm, &list)) == 0)
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
    return mp__task_object(task, index, &mp__kind_shlist, (mp__object_t **)out);
}
