/* Events, as Python builds them: a condition over a plain lock, and a
 * semaphore whose count (0 or 1) is the flag. */
#include <limits.h>

#include "mp_core.h"
#include "mp_sync.h"

typedef struct event_shared {
    mp__cond_shared_t cond;
    unsigned char lock[MP__SEMLOCK_SIZE];
    unsigned char flag[MP__SEMLOCK_SIZE];
} event_shared_t;

struct mp_event {
    mp__block_object_t bo;
};

static event_shared_t *shared_of(mp_event_t *e)
{
    return mp__block_base(&e->bo);
}

/* The internal lock: its owner can only die between two of our own lines,
 * which leave the flag consistent, so MP_EOWNERDEAD is as good as 0. */
static mp__lockref_t take_lock(event_shared_t *s)
{
    mp__lockref_t lock = {.mutex = s->lock};
    mp__mutex_acquire_resuming(s->lock, MP_FOREVER);
    return lock;
}

/* Is the flag up? (Look without changing it.) */
static bool flag_is_set(event_shared_t *s)
{
    return mp__sem_value(s->flag) > 0;
}

int mp_event_create(mp_event_t **out, const mp_event_opts_t *opts)
{
    (void)opts; /* no options yet */
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_event_create: NULL out");
    mp_event_t *e;
    int rc = mp__block_new(&mp__kind_event, sizeof(event_shared_t), &e);
    if (rc < 0)
        return rc;
    event_shared_t *s = shared_of(e);
    mp__cond_shared_init(&s->cond);
    mp__mutex_init(s->lock);
    mp__sem_init(s->flag, 0);
    *out = mp__handle_of(e);
    return 0;
}

int mp_event_set(mp_event_t *e)
{
    int rc = mp__object_open(&e, &mp__kind_event, "mp_event_set");
    if (rc < 0)
        return rc;
    event_shared_t *s = shared_of(e);
    mp__lockref_t lock = take_lock(s);
    if (!flag_is_set(s))
        mp__sem_release(s->flag, 1);
    mp__cond_notify(&s->cond, lock, UINT_MAX);
    mp__mutex_release(s->lock);
    return 0;
}

int mp_event_clear(mp_event_t *e)
{
    int rc = mp__object_open(&e, &mp__kind_event, "mp_event_clear");
    if (rc < 0)
        return rc;
    event_shared_t *s = shared_of(e);
    take_lock(s);
    mp__sem_acquire(s->flag, false, 0);
    mp__mutex_release(s->lock);
    return 0;
}

int mp_event_is_set(mp_event_t *e)
{
    int rc = mp__object_open(&e, &mp__kind_event, "mp_event_is_set");
    return rc < 0 ? rc : flag_is_set(shared_of(e));
}

int mp_event_wait(mp_event_t *e, double timeout)
{
    int rc = mp__object_open(&e, &mp__kind_event, "mp_event_wait");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_event_wait");
    if (rc < 0)
        return rc;
    event_shared_t *s = shared_of(e);
    mp__lockref_t lock = take_lock(s);
    if (!flag_is_set(s))
        rc = mp__cond_wait(&s->cond, lock, timeout);
    /* Set: success, even if a signal came too; else a timeout, or the
     * signal that cut the wait short. */
    rc = flag_is_set(s) ? 0 : rc == MP_EINTR ? rc : MP_ETIMEDOUT;
    mp__mutex_release(s->lock);
    return rc;
}

void mp_event_destroy(mp_event_t *e)
{
    mp__object_destroy_handle(e, &mp__kind_event);
}

const mp__kind_t mp__kind_event = {
    .name = "Event",
    .id = 4,
    .size = sizeof(mp_event_t),
    .share = mp__block_share,
    .attach = mp__block_attach,
    .release = mp__block_release,
    .block_size = sizeof(event_shared_t),
};

int mp_task_event(const mp_task_t *task, size_t index, mp_event_t **out)
{
    return mp__task_object(task, index, &mp__kind_event, out);
}
