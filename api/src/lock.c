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
    bool borrowed; /* lives in another object's block (not ours to free) */
};

/* ---- timeouts ----------------------------------------------------- */

int mp__timeout_is_nan(const char *fn)
{
    return mp__errdetail_set(MP_EINVAL, "%s: timeout is NaN", fn);
}

/* ---- lock references ---------------------------------------------- */

static mp__lockref_t lock_ref(mp_lock_t *lock)
{
    return (mp__lockref_t){.mutex = lock->mutex};
}

int mp__lockref_acquire(mp__lockref_t ref, bool block, double timeout)
{
    if (ref.count && mp__semlock_is_mine(ref.mutex)) {
        (*ref.count)++;
        return 0;
    }
    int rc = mp__semlock_acquire(ref.mutex, block, timeout);
    if (ref.count && (rc == 0 || rc == MP_EOWNERDEAD)) {
        *ref.count = 1;
        *ref.owner_pid = (int32_t)mp__os_getpid();
    }
    return rc;
}

int mp__lockref_release(mp__lockref_t ref)
{
    if (!ref.count) {
        int rc = mp__semlock_release(ref.mutex);
        return rc == MP_ESTATE ? mp__errdetail_set(rc, "release of an unlocked Lock") : rc;
    }
    if (!mp__semlock_is_mine(ref.mutex))
        return mp__errdetail_set(MP_ENOTOWNER, "cannot release an RLock the caller does not hold");
    if (--*ref.count > 0)
        return 0;
    return mp__semlock_release(ref.mutex);
}

bool mp__lockref_is_mine(mp__lockref_t ref)
{
    return mp__semlock_is_mine(ref.mutex);
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

int mp__lockref_of(void *handle, mp__lockref_t *out)
{
    const mp__object_t *obj = handle;
    if (obj && obj->kind == &mp__kind_lock) {
        int rc = mp__object_check(handle, &mp__kind_lock, "lock argument");
        if (rc == 0)
            *out = lock_ref(handle);
        return rc;
    }
    int rc = mp__object_check(handle, &mp__kind_rlock, "lock argument");
    if (rc == 0) {
        mp_rlock_t *rlock = handle;
        *out = rlock_ref(rlock);
    }
    return rc;
}

/* ---- Lock --------------------------------------------------------- */

int mp_lock_create(mp_lock_t **out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_lock_create: NULL out");
    mp_lock_t *lock = (mp_lock_t *)mp__object_new(&mp__kind_lock);
    if (!lock)
        return MP_ENOMEM;
    int rc = mp__block_create(&lock->bo, MP__SEMLOCK_SIZE);
    if (rc < 0) {
        mp__object_destroy(&lock->bo.obj);
        return rc;
    }
    lock->mutex = mp__block_base(&lock->bo);
    mp__semlock_init(lock->mutex, MP__SEMLOCK_MUTEX, 0, 0);
    *out = lock;
    return 0;
}

int mp_lock_acquire(mp_lock_t *lock, bool block, double timeout)
{
    int rc = mp__object_check(lock, &mp__kind_lock, "mp_lock_acquire");
    if (rc == 0)
        rc = mp__check_timeout(timeout, "mp_lock_acquire");
    return rc < 0 ? rc : mp__semlock_acquire(lock->mutex, block, timeout);
}

int mp_lock_release(mp_lock_t *lock)
{
    int rc = mp__object_check(lock, &mp__kind_lock, "mp_lock_release");
    return rc < 0 ? rc : mp__lockref_release(lock_ref(lock));
}

int mp_lock_locked(mp_lock_t *lock)
{
    int rc = mp__object_check(lock, &mp__kind_lock, "mp_lock_locked");
    return rc < 0 ? rc : mp__semlock_value(lock->mutex) == 0;
}

void mp_lock_destroy(mp_lock_t *lock)
{
    if (mp__object_check(lock, &mp__kind_lock, "mp_lock_destroy") == 0)
        mp__object_destroy(&lock->bo.obj);
}

static int lock_attach(const void *bytes, size_t len, const mp_sentinel_t *handles, size_t nhandles,
                       mp__object_t **out)
{
    int rc = mp__block_attach(&mp__kind_lock, MP__SEMLOCK_SIZE, handles, nhandles, out);
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
};

int mp_task_lock(const mp_task_t *task, size_t index, mp_lock_t **out)
{
    return mp__task_object(task, index, &mp__kind_lock, (mp__object_t **)out);
}

/* ---- RLock -------------------------------------------------------- */

void mp__rlock_shared_init(mp__rlock_shared_t *shared)
{
    mp__semlock_init(shared->mutex, MP__SEMLOCK_MUTEX, 0, 0);
    shared->count = 0;
}

int mp_rlock_create(mp_rlock_t **out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_rlock_create: NULL out");
    mp_rlock_t *lock = (mp_rlock_t *)mp__object_new(&mp__kind_rlock);
    if (!lock)
        return MP_ENOMEM;
    int rc = mp__block_create(&lock->bo, sizeof(mp__rlock_shared_t));
    if (rc < 0) {
        mp__object_destroy(&lock->bo.obj);
        return rc;
    }
    lock->shared = mp__block_base(&lock->bo);
    mp__rlock_shared_init(lock->shared);
    *out = lock;
    return 0;
}

int mp__rlock_borrow(mp__rlock_shared_t *shared, mp_rlock_t **out)
{
    mp_rlock_t *lock = (mp_rlock_t *)mp__object_new(&mp__kind_rlock);
    if (!lock)
        return MP_ENOMEM;
    lock->shared = shared;
    lock->borrowed = true;
    *out = lock;
    return 0;
}

void mp__rlock_unborrow(mp_rlock_t *lock)
{
    if (lock)
        mp__object_destroy(&lock->bo.obj);
}

int mp_rlock_acquire(mp_rlock_t *lock, bool block, double timeout)
{
    int rc = mp__object_check(lock, &mp__kind_rlock, "mp_rlock_acquire");
    if (rc == 0)
        rc = mp__check_timeout(timeout, "mp_rlock_acquire");
    return rc < 0 ? rc : mp__lockref_acquire(rlock_ref(lock), block, timeout);
}

int mp_rlock_release(mp_rlock_t *lock)
{
    int rc = mp__object_check(lock, &mp__kind_rlock, "mp_rlock_release");
    return rc < 0 ? rc : mp__lockref_release(rlock_ref(lock));
}

int mp_rlock_locked(mp_rlock_t *lock)
{
    int rc = mp__object_check(lock, &mp__kind_rlock, "mp_rlock_locked");
    return rc < 0 ? rc : mp__semlock_value(lock->shared->mutex) == 0;
}

int mp_rlock_owner(mp_rlock_t *lock, mp_pid_t *pid, long *tid, unsigned *count)
{
    int rc = mp__object_check(lock, &mp__kind_rlock, "mp_rlock_owner");
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
    /* A borrowed handle belongs to the object that lent it. */
    if (mp__object_check(lock, &mp__kind_rlock, "mp_rlock_destroy") == 0 && !lock->borrowed)
        mp__object_destroy(&lock->bo.obj);
}

static void rlock_release_handle(mp__object_t *obj)
{
    mp_rlock_t *lock = (mp_rlock_t *)obj;
    if (!lock->borrowed)
        mp__block_release(obj);
    lock->shared = NULL;
}

static int rlock_attach(const void *bytes, size_t len, const mp_sentinel_t *handles,
                        size_t nhandles, mp__object_t **out)
{
    int rc = mp__block_attach(&mp__kind_rlock, sizeof(mp__rlock_shared_t), handles, nhandles, out);
    if (rc == 0) {
        mp_rlock_t *lock = (mp_rlock_t *)*out;
        lock->shared = mp__block_base(&lock->bo);
    }
    return rc;
}

static int rlock_share(mp__object_t *obj, mp__share_t *out)
{
    if (((mp_rlock_t *)obj)->borrowed)
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
};

int mp_task_rlock(const mp_task_t *task, size_t index, mp_rlock_t **out)
{
    return mp__task_object(task, index, &mp__kind_rlock, (mp__object_t **)out);
}
