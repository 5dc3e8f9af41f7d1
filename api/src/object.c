/* Objects behind handles: creating and destroying them, opening a handle
 * into its object, the kinds table, and the common case of an object that
 * lives in one block of shared memory. */
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_object.h"

static const mp__kind_t *const kinds[] = {
    &mp__kind_lock,         &mp__kind_rlock,      &mp__kind_semaphore, &mp__kind_event,
    &mp__kind_condition,    &mp__kind_barrier,    &mp__kind_value,     &mp__kind_shm,
    &mp__kind_shlist,       &mp__kind_connection, &mp__kind_listener,  &mp__kind_queue,
    &mp__kind_simple_queue, &mp__kind_proxy,
};
enum { NKINDS = sizeof kinds / sizeof *kinds };

const mp__kind_t *mp__kind_by_id(uint32_t id)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i]->id == id)
            return kinds[i];
    return NULL;
}

int mp__require_init(const char *what)
{
    /* Objects rest on the runtime mp_init() sets up (the core lock, the
     * backend); every constructor fails the same way before it. */
    if (!mp__initialised())
        return mp__errdetail_set(MP_ESTATE, "a %s cannot be created before mp_init()", what);
    return 0;
}

int mp__object_new(const mp__kind_t *kind, mp__object_t **out)
{
    int rc = mp__require_init(kind->name);
    if (rc < 0)
        return rc;
    mp__object_t *obj = calloc(1, kind->size);
    if (!obj)
        return MP_ENOMEM;
    obj->kind = kind;
    rc = mp__handle_new(obj, kind->id, &obj->handle);
    if (rc < 0) {
        free(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

void mp__object_destroy(mp__object_t *obj)
{
    if (!obj)
        return;
    /* Destroying is clean-up, on a failing call's way out as often as not:
     * whatever its steps report, the detail stays that call's. */
    mp__errdetail_saved_t saved;
    mp__errdetail_save(&saved);
    /* Retired first: from here on the handle answers MP_ECLOSED. */
    mp__handle_retire(obj->handle);
    obj->kind->release(obj);
    free(obj);
    mp__errdetail_restore(&saved);
}

void mp__object_destroy_handle(const void *handle, const mp__kind_t *kind)
{
    /* A lookup, not mp__object_open(): destroy returns nothing, so a
     * stale or foreign handle must not overwrite the detail of the call
     * that failed before it. */
    mp__object_t *obj = mp__handle_live(handle, kind->id);
    if (obj && !obj->borrowed)
        mp__object_destroy(obj);
}

void mp__object_destroy_owned(const void *handle)
{
    mp__object_destroy(mp__handle_get(handle, NULL));
}

int mp__object_open_failed(const void *handle, const mp__kind_t *kind, const char *fn)
{
    if (!handle)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL handle", fn);
    mp__handle_state_t state;
    const mp__object_t *obj = mp__handle_get(handle, &state);
    if (state == MP__HANDLE_RETIRED)
        return mp__errdetail_set(MP_ECLOSED, "%s: the %s handle was destroyed", fn, kind->name);
    if (obj)
        return mp__errdetail_set(MP_EINVAL, "%s: a %s handle, not a %s", fn, obj->kind->name,
                                 kind->name);
    return mp__errdetail_set(MP_EINVAL, "%s: not a multiproc handle", fn);
}

int mp__object_lookup(const void *handle)
{
    mp__handle_state_t state;
    const mp__object_t *obj = mp__handle_get(handle, &state);
    if (state == MP__HANDLE_RETIRED)
        return MP_ECLOSED;
    return obj && obj->kind->share ? 0 : MP_EINVAL;
}

/* ---- block objects ------------------------------------------------ */

int mp__block_new(const mp__kind_t *kind, size_t size, void *out)
{
    mp__object_t *obj;
    int rc = mp__object_new(kind, &obj);
    if (rc < 0)
        return rc;
    mp__block_object_t *bo = (mp__block_object_t *)obj;
    if ((rc = mp__os_shm_create(NULL, size, &bo->block)) < 0) {
        mp__object_destroy(obj);
        return rc;
    }
    memcpy(out, &bo, sizeof bo);
    return 0;
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

int mp__block_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                     const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    (void)bytes, (void)len; /* the block says it all */
    return mp__block_attach_sized(kind, kind->block_size, handles, nhandles, out);
}

int mp__block_attach_sized(const mp__kind_t *kind, size_t min_size, const mp_sentinel_t *handles,
                           size_t nhandles, mp__object_t **out)
{
    if (nhandles < 1)
        return MP_EBOOTSTRAP;
    mp__object_t *obj;
    int rc = mp__object_new(kind, &obj);
    if (rc < 0)
        return rc;
    mp__block_object_t *bo = (mp__block_object_t *)obj;
    rc = mp__os_shm_from_handle(handles[0], &bo->block);
    if (rc == 0 && mp__os_shm_size(bo->block) < min_size)
        rc = MP_EBOOTSTRAP;
    if (rc < 0) {
        mp__object_destroy(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

void mp__block_release(mp__object_t *obj)
{
    mp__block_object_t *bo = (mp__block_object_t *)obj;
    mp__os_shm_free(bo->block);
    bo->block = NULL;
}

int mp__task_object(const mp_task_t *task, size_t index, const mp__kind_t *kind, void *out)
{
    if (!task || !out)
        return mp__errdetail_set(MP_EINVAL, "mp_task_%s: NULL argument", kind->name);
    if (index >= task->nobjects)
        return mp__errdetail_set(MP_EINVAL, "the task was given %zu objects; there is no #%zu",
                                 task->nobjects, index);
    mp__object_t *obj = task->objects[index];
    if (obj->kind != kind)
        return mp__errdetail_set(MP_EINVAL, "object #%zu is a %s, not a %s", index, obj->kind->name,
                                 kind->name);
    /* The task's objects are the runner's to free when the task ends. */
    obj->borrowed = true;
    memcpy(out, &obj->handle, sizeof obj->handle);
    return 0;
}
