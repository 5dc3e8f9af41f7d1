/* Semaphore and BoundedSemaphore: one counting semlock in its own block.
 * The bound is the handle's own copy, taken at create and, in a child,
 * from the description the parent sent: the block, which any process can
 * rewrite, holds only the count. */
#include <string.h>

#include <limits.h>

#include "mp_core.h"
#include "mp_sync.h"

/* Python's limit (SEM_VALUE_MAX is often 2^31-1; ours leaves the top bits
 * of the futex word alone). */
#define MAX_SEMAPHORE_VALUE (1u << 30)

struct mp_semaphore {
    mp__block_object_t bo; /* block: one counting semlock */
    unsigned max;          /* the bound: UINT_MAX for none */
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
    mp__sem_init(mp__block_base(&sem->bo), o.value);
    sem->max = o.bounded ? o.value : UINT_MAX;
    *out = mp__handle_of(sem);
    return 0;
}

int mp_semaphore_acquire(mp_semaphore_t *sem, double timeout)
{
    int rc = mp__object_open(&sem, &mp__kind_semaphore, "mp_semaphore_acquire");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_semaphore_acquire");
    return rc < 0 ? rc : mp__sem_acquire(mp__block_base(&sem->bo), true, timeout);
}

int mp_semaphore_release(mp_semaphore_t *sem)
{
    int rc = mp__object_open(&sem, &mp__kind_semaphore, "mp_semaphore_release");
    if (rc == 0 && (rc = mp__sem_release(mp__block_base(&sem->bo), sem->max)) == MP_ESTATE)
        mp__errdetail_set(rc, "semaphore released too many times");
    return rc;
}

int mp_semaphore_value(mp_semaphore_t *sem, unsigned *value)
{
    int rc = mp__object_open(&sem, &mp__kind_semaphore, "mp_semaphore_value");
    if (rc == 0 && !value)
        rc = mp__errdetail_set(MP_EINVAL, "mp_semaphore_value: NULL value");
    if (rc == 0)
        *value = mp__sem_value(mp__block_base(&sem->bo));
    return rc;
}

void mp_semaphore_destroy(mp_semaphore_t *sem)
{
    mp__object_destroy_handle(sem, &mp__kind_semaphore);
}

/* A child is told the bound (its bytes: one unsigned) beside the block. */
static int semaphore_share(mp__object_t *obj, mp__share_t *out)
{
    const mp_semaphore_t *sem = (const mp_semaphore_t *)obj;
    int rc = mp__buf_append(&out->bytes, &sem->max, sizeof sem->max);
    return rc < 0 ? rc : mp__block_share(obj, out);
}

static int semaphore_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                            const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    unsigned max;
    if (len != sizeof max)
        return MP_EBOOTSTRAP;
    memcpy(&max, bytes, sizeof max);
    if (max > MAX_SEMAPHORE_VALUE && max != UINT_MAX)
        return MP_EBOOTSTRAP;
    int rc = mp__block_attach(kind, NULL, 0, handles, nhandles, out);
    if (rc == 0)
        ((mp_semaphore_t *)*out)->max = max;
    return rc;
}

const mp__kind_t mp__kind_semaphore = {
    .name = "Semaphore",
    .id = 3,
    .size = sizeof(mp_semaphore_t),
    .share = semaphore_share,
    .attach = semaphore_attach,
    .release = mp__block_release,
    .block_size = MP__SEMLOCK_SIZE,
};

int mp_task_semaphore(const mp_task_t *task, size_t index, mp_semaphore_t **out)
{
    return mp__task_object(task, index, &mp__kind_semaphore, out);
}
