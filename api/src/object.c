/* Shareable handles: allocation from per-kind free lists (so a destroyed
 * handle stays readable and says MP_ECLOSED), the registry that tells a
 * multiproc object from any other pointer, the kinds table, and the common
 * case of an object that lives in one block of shared memory. */
#include <apr_hash.h>
#include <apr_pools.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_object.h"

static const mp__kind_t *const kinds[] = {
    &mp__kind_lock,      &mp__kind_rlock,      &mp__kind_semaphore, &mp__kind_event,
    &mp__kind_condition, &mp__kind_barrier,    &mp__kind_value,     &mp__kind_shm,
    &mp__kind_shlist,    &mp__kind_connection, &mp__kind_listener,
};
enum { NKINDS = sizeof kinds / sizeof *kinds };

/* Every handle ever allocated (they are never freed), and the free lists;
 * both guarded by the core lock. */
static apr_pool_t *pool;
static apr_hash_t *known;
static mp__object_t *free_lists[NKINDS];

static size_t kind_slot(const mp__kind_t *kind)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i] == kind)
            return i;
    return 0;
}

const mp__kind_t *mp__kind_by_id(uint32_t id)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i]->id == id)
            return kinds[i];
    return NULL;
}

mp__object_t *mp__object_new(const mp__kind_t *kind)
{
    size_t slot = kind_slot(kind);
    mp__core_lock();
    if (!pool && apr_pool_create(&pool, NULL) == APR_SUCCESS)
        known = apr_hash_make(pool);
    mp__object_t *obj = free_lists[slot];
    if (obj) {
        free_lists[slot] = obj->next_free;
    } else if (known && (obj = malloc(kind->size))) {
        /* Registered once, for ever: the key is the handle's address. */
        mp__object_t **key = apr_palloc(pool, sizeof *key);
        if (!key) {
            free(obj);
            obj = NULL;
        } else {
            *key = obj;
            apr_hash_set(known, key, sizeof *key, obj);
        }
    }
    if (obj) {
        memset(obj, 0, kind->size);
        obj->kind = kind;
        obj->live = true;
    }
    mp__core_unlock();
    return obj;
}

void mp__object_destroy(mp__object_t *obj)
{
    if (!obj || !obj->live)
        return;
    obj->kind->release(obj);
    size_t slot = kind_slot(obj->kind);
    mp__core_lock();
    obj->live = false;
    obj->next_free = free_lists[slot];
    free_lists[slot] = obj;
    mp__core_unlock();
}

int mp__object_check_failed(const void *ptr, const mp__kind_t *kind, const char *fn)
{
    const mp__object_t *obj = ptr;
    if (!obj)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL handle", fn);
    if (obj->kind != kind)
        return mp__errdetail_set(MP_EINVAL, "%s: not a %s handle", fn, kind->name);
    if (!obj->live)
        return mp__errdetail_set(MP_ECLOSED, "%s: %s handle was destroyed", fn, kind->name);
    return 0;
}

int mp__object_lookup(const void *ptr)
{
    mp__core_lock();
    const mp__object_t *obj = known ? apr_hash_get(known, &ptr, sizeof ptr) : NULL;
    int rc = !obj ? MP_EINVAL : obj->live ? 0 : MP_ECLOSED;
    mp__core_unlock();
    return rc;
}

bool mp__object_is_shareable(const void *ptr)
{
    return mp__object_lookup(ptr) == 0;
}

/* ---- block objects ------------------------------------------------ */

int mp__block_create(mp__block_object_t *bo, size_t size)
{
    return mp__os_shm_create(NULL, size, &bo->block);
}

void *mp__block_base(const mp__block_object_t *bo)
{
    return mp__os_shm_addr(bo->block);
}

int mp__block_share(mp__object_t *obj, mp__share_t *out)
{
    mp__block_object_t *bo = (mp__block_object_t *)obj;
    out->handles[out->nhandles++] = mp__os_shm_handle(bo->block);
    return 0;
}

int mp__block_attach(const mp__kind_t *kind, size_t min_size, const mp_sentinel_t *handles,
                     size_t nhandles, mp__object_t **out)
{
    if (nhandles < 1)
        return MP_EBOOTSTRAP;
    mp__block_object_t *bo = (mp__block_object_t *)mp__object_new(kind);
    if (!bo)
        return MP_ENOMEM;
    int rc = mp__os_shm_from_handle(handles[0], &bo->block);
    if (rc == 0 && mp__os_shm_size(bo->block) < min_size)
        rc = MP_EBOOTSTRAP;
    if (rc < 0) {
        mp__os_shm_free(bo->block);
        bo->block = NULL;
        mp__object_destroy(&bo->obj);
        return rc;
    }
    *out = &bo->obj;
    return 0;
}

void mp__block_release(mp__object_t *obj)
{
    mp__block_object_t *bo = (mp__block_object_t *)obj;
    mp__os_shm_free(bo->block);
    bo->block = NULL;
}

int mp__task_object(const mp_task_t *task, size_t index, const mp__kind_t *kind, mp__object_t **out)
{
    if (!task || !out)
        return mp__errdetail_set(MP_EINVAL, "mp_task_%s: NULL argument", kind->name);
    if (index >= task->nobjects)
        return mp__errdetail_set(MP_EINVAL, "the task was given %zu objects; there is no #%zu",
                                 task->nobjects, index);
    if (task->objects[index]->kind != kind)
        return mp__errdetail_set(MP_EINVAL, "object #%zu is a %s, not a %s", index,
                                 task->objects[index]->kind->name, kind->name);
    *out = task->objects[index];
    return 0;
}
