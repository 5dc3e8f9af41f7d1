/* Lock and RLock handles, and the lock reference that lets Condition,
 * Event, Barrier and Value treat either kind alike. */
#include <math.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_sync.h"

struct mp_lock {
    mp__block_object_t bo; /* block: one mutex */
    void *mutex;           /* its address, kept for the acquire path */
};

struct mp_rlock {
    mp__block_object_t bo; /* block: an mp__rlock_shared_t, unless borrowed */
    mp__rlock_shared_t *shared;
    bool in_lenders_block; /* lives in another object's block (not ours to free) */
};

/* ---- lock references ---------------------------------------------- */

static mp__lockref_t lock_ref(mp_lock_t *lock)
{
    return (mp__lockref_t){.mutex = lock->mutex};
}

/* The reference to an RLock's shared state, wherever it lives. */
static mp__lockref_t rlock_ref(mp_rlock_t *lock)
{
    return mp__rlock_ref(lock->shared);
}

mp__lockref_t mp__rlock_ref(mp__rlock_shared_t *shared)
{
    return (mp__lockref_t){
        .mutex = shared->mutex, .count = &shared->count, .owner_pid = &shared->owner_pid};
}

int mp__lockref_of(const void *handle, mp__lockref_t *out)
{
    mp_lock_t *lock = mp__handle_live(handle, mp__kind_lock.id);
    if (lock) {
        *out = lock_ref(lock);
        return 0;
    }
    mp_rlock_t *rlock = (mp_rlock_t *)handle;
    int rc = mp__object_open(&rlock, &mp__kind_rlock, "lock argument");
    if (rc == 0)
        *out = rlock_ref(rlock);
    return rc;
}

/* ---- Lock --------------------------------------------------------- */

int mp_lock_create(mp_lock_t **out, const mp_lock_opts_t *opts)
{
    (void)opts; /* no options yet */
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_lock_create: NULL out");
    mp_lock_t *lock;
    int rc = mp__block_new(&mp__kind_lock, MP__SEMLOCK_SIZE, &lock);
    if (rc < 0)
        return rc;
    lock->mutex = mp__block_base(&lock->bo);
    mp__mutex_init(lock->mutex);
    *out = mp__handle_of(lock);
    return 0;
}

int mp_lock_acquire(mp_lock_t *lock, double timeout)
{
    int rc = mp__object_open(&lock, &mp__kind_lock, "mp_lock_acquire");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_lock_acquire");
    return rc < 0 ? rc : mp__mutex_acquire(lock->mutex, true, timeout);
}

int mp_lock_release(mp_lock_t *lock)
{
    int rc = mp__object_open(&lock, &mp__kind_lock, "mp_lock_release");
    return rc < 0 ? rc : mp__lockref_release(lock_ref(lock));
}

int mp_lock_is_locked(mp_lock_t *lock)
{
    int rc = mp__object_open(&lock, &mp__kind_lock, "mp_lock_is_locked");
    return rc < 0 ? rc : mp__mutex_is_locked(lock->mutex);
}

int mp_lock_owner(mp_lock_t *lock, mp_pid_t *pid, long *tid)
{
    int rc = mp__object_open(&lock, &mp__kind_lock, "mp_lock_owner");
    if (rc < 0)
        return rc;
    /* The word names the owner process, the holder beside it the thread:
     * two reads, not one snapshot, which a diagnostic can live with. */
    uint32_t owner = mp__semlock_owner_process(lock->mutex);
    long holder = owner ? mp__semlock_owner(lock->mutex) : 0;
    if (pid)
        *pid = owner ? mp__os_lock_owner_pid(owner) : 0;
    if (tid)
        *tid = holder;
    return 0;
}

void mp_lock_destroy(mp_lock_t *lock)
{
    mp__object_destroy_handle(lock, &mp__kind_lock);
}

static int lock_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                       const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    int rc = mp__block_attach(kind, bytes, len, handles, nhandles, out);
    if (rc == 0)
        ((mp_lock_t *)*out)->mutex = mp__block_base(&((mp_lock_t *)*out)->bo);
    return rc;
}

const mp__kind_t mp__kind_lock = {
    .name = "Lock",
    .id = 1,
    .size = sizeof(mp_lock_t),
    .share = mp__block_share,
    .attach = lock_attach,
    .release = mp__block_release,
    .block_size = MP__SEMLOCK_SIZE,
};

int mp_task_lock(const mp_task_t *task, size_t index, mp_lock_t **out)
{
    return mp__task_object(task, index, &mp__kind_lock, out);
}

/* ---- RLock -------------------------------------------------------- */

void mp__rlock_shared_init(mp__rlock_shared_t *shared)
{
    mp__mutex_init(shared->mutex);
    shared->count = 0;
}

int mp_rlock_create(mp_rlock_t **out, const mp_rlock_opts_t *opts)
{
    (void)opts; /* no options yet */
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_rlock_create: NULL out");
    mp_rlock_t *lock;
    int rc = mp__block_new(&mp__kind_rlock, sizeof(mp__rlock_shared_t), &lock);
    if (rc < 0)
        return rc;
    lock->shared = mp__block_base(&lock->bo);
    mp__rlock_shared_init(lock->shared);
    *out = mp__handle_of(lock);
    return 0;
}

int mp__rlock_borrow(mp__rlock_shared_t *shared, mp_rlock_t **out)
{
    mp__object_t *obj;
    int rc = mp__object_new(&mp__kind_rlock, &obj);
    if (rc < 0)
        return rc;
    mp_rlock_t *lock = (mp_rlock_t *)obj;
    lock->shared = shared;
    lock->in_lenders_block = true;
    obj->borrowed = true;
    *out = obj->handle;
    return 0;
}

int mp_rlock_acquire(mp_rlock_t *lock, double timeout)
{
    int rc = mp__object_open(&lock, &mp__kind_rlock, "mp_rlock_acquire");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_rlock_acquire");
    return rc < 0 ? rc : mp__lockref_acquire(rlock_ref(lock), timeout);
}

int mp_rlock_release(mp_rlock_t *lock)
{
    int rc = mp__object_open(&lock, &mp__kind_rlock, "mp_rlock_release");
    return rc < 0 ? rc : mp__lockref_release(rlock_ref(lock));
}

int mp_rlock_is_locked(mp_rlock_t *lock)
{
    int rc = mp__object_open(&lock, &mp__kind_rlock, "mp_rlock_is_locked");
    return rc < 0 ? rc : mp__mutex_is_locked(lock->shared->mutex);
}

int mp_rlock_owner(mp_rlock_t *lock, mp_pid_t *pid, long *tid, unsigned *count)
{
    int rc = mp__object_open(&lock, &mp__kind_rlock, "mp_rlock_owner");
    if (rc < 0)
        return rc;
    long owner = mp__semlock_owner(lock->shared->mutex);
    if (tid)
        *tid = owner;
    if (pid)
        *pid = owner ? lock->shared->owner_pid : 0;
    if (count)
        *count = owner ? lock->shared->count : 0;
    return 0;
}

void mp_rlock_destroy(mp_rlock_t *lock)
{
    mp__object_destroy_handle(lock, &mp__kind_rlock);
}

static void rlock_release_handle(mp__object_t *obj)
{
    mp_rlock_t *lock = (mp_rlock_t *)obj;
    if (!lock->in_lenders_block)
        mp__block_release(obj);
    lock->shared = NULL;
}

static int rlock_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                        const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    int rc = mp__block_attach(kind, bytes, len, handles, nhandles, out);
    if (rc == 0) {
        mp_rlock_t *lock = (mp_rlock_t *)*out;
        lock->shared = mp__block_base(&lock->bo);
    }
    return rc;
}

static int rlock_share(mp__object_t *obj, mp__share_t *out)
{
    if (((mp_rlock_t *)obj)->in_lenders_block)
        return mp__errdetail_set(MP_EINVAL, "share the object that owns this RLock instead");
    return mp__block_share(obj, out);
}

const mp__kind_t mp__kind_rlock = {
    .name = "RLock",
    .id = 2,
    .size = sizeof(mp_rlock_t),
    .share = rlock_share,
    .attach = rlock_attach,
    .release = rlock_release_handle,
    .block_size = sizeof(mp__rlock_shared_t),
};

int mp_task_rlock(const mp_task_t *task, size_t index, mp_rlock_t **out)
{
    return mp__task_object(task, index, &mp__kind_rlock, out);
}
