/* Semaphore and BoundedSemaphore: one counting semlock in its own block. */
#include <limits.h>

#include "mp_core.h"
#include "mp_sync.h"

/* Python's limit (SEM_VALUE_MAX is often 2^31-1; ours leaves the top bits
 * of the futex word alone). */
#define MAX_SEMAPHORE_VALUE (1u << 30)

struct mp_semaphore {
    mp__block_object_t bo; /* block: one counting semlock */
};

int mp_semaphore_create(mp_semaphore_t **out, const mp_semaphore_opts_t *opts)
{
    mp_semaphore_opts_t o = opts ? *opts : (mp_semaphore_opts_t){0};
    if (!out || o.value > MAX_SEMAPHORE_VALUE)
        return mp__errdetail_set(MP_EINVAL, "mp_semaphore_create: NULL out or value > 2^30");
    mp_semaphore_t *sem;
    int rc = mp__block_new(&mp__kind_semaphore, MP__SEMLOCK_SIZE, &sem);
    if (rc < 0)
        return rc;
    mp__semlock_init(mp__block_base(&sem->bo), MP__SEMLOCK_SEMAPHORE, o.value,
                     o.bounded ? o.value : UINT_MAX);
    *out = mp__handle_of(sem);
    return 0;
}

int mp_semaphore_acquire(mp_semaphore_t *sem, double timeout)
{
    int rc = mp__object_open(&sem, &mp__kind_semaphore, "mp_semaphore_acquire");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_semaphore_acquire");
    return rc < 0 ? rc : mp__semlock_acquire(mp__block_base(&sem->bo), true, timeout);
}

int mp_semaphore_release(mp_semaphore_t *sem)
{
    int rc = mp__object_open(&sem, &mp__kind_semaphore, "mp_semaphore_release");
    if (rc == 0 && (rc = mp__semlock_release(mp__block_base(&sem->bo))) == MP_ESTATE)
        mp__errdetail_set(rc, "semaphore released too many times");
    return rc;
}

int mp_semaphore_value(mp_semaphore_t *sem, unsigned *value)
{
    int rc = mp__object_open(&sem, &mp__kind_semaphore, "mp_semaphore_value");
    if (rc == 0 && !value)
        rc = mp__errdetail_set(MP_EINVAL, "mp_semaphore_value: NULL value");
    if (rc == 0)
        *value = mp__semlock_value(mp__block_base(&sem->bo));
    return rc;
}

void mp_semaphore_destroy(mp_semaphore_t *sem)
{
    mp__object_destroy_handle(sem, &mp__kind_semaphore);
}

const mp__kind_t mp__kind_semaphore = {
    .name = "Semaphore",
    .id = 3,
    .size = sizeof(mp_semaphore_t),
    .share = mp__block_share,
    .attach = mp__block_attach,
    .release = mp__block_release,
    .block_size = MP__SEMLOCK_SIZE,
};

int mp_task_semaphore(const mp_task_t *task, size_t index, mp_semaphore_t **out)
{
    return mp__task_object(task, index, &mp__kind_semaphore, out);
}
