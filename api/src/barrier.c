/* Barriers: Python's threading.Barrier algorithm (filling, draining,
 * resetting, broken) on a condition over a plain lock, with its state in
 * shared memory so that parties can be processes. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "mp_core.h"
#include "mp_sync.h"

enum { FILLING = 0, DRAINING = 1, RESETTING = -1, BROKEN = -2 };

typedef struct barrier_shared {
    mp__cond_shared_t cond;
    unsigned char lock[MP__SEMLOCK_SIZE];
    int32_t state;
    uint32_t count; /* parties inside wait() now */
    uint32_t parties;
    char action[64]; /* task-table name, "" for none */
} barrier_shared_t;

struct mp_barrier {
    mp__block_object_t bo;
};

static barrier_shared_t *shared_of(mp_barrier_t *b)
{
    return mp__block_base(&b->bo);
}

int mp_barrier_create(mp_barrier_t **out, const mp_barrier_opts_t *opts)
{
    if (!out || !opts || opts->parties == 0)
        return mp__errdetail_set(MP_EINVAL, "mp_barrier_create: NULL out or opts, or 0 parties");
    if (opts->action && (strlen(opts->action) >= sizeof((barrier_shared_t *)0)->action ||
                         !mp__tasks_find(opts->action)))
        return mp__errdetail_set(MP_ENOTASK, "barrier action '%s' is not in the task table",
                                 opts->action);
    mp_barrier_t *b;
    int rc = mp__block_new(&mp__kind_barrier, sizeof(barrier_shared_t), &b);
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    mp__cond_shared_init(&s->cond);
    mp__semlock_init(s->lock, MP__SEMLOCK_MUTEX, 0, 0);
    s->parties = opts->parties;
    if (opts->action)
        strcpy(s->action, opts->action);
    *out = mp__handle_of(b);
    return 0;
}

/* The barrier's lock. Its state is only changed under it in whole steps, so
 * an owner that died left it consistent: MP_EOWNERDEAD is as good as 0. */
static mp__lockref_t take_lock(barrier_shared_t *s)
{
    mp__semlock_acquire(s->lock, true, MP_FOREVER);
    return (mp__lockref_t){.mutex = s->lock};
}

static void set_state(barrier_shared_t *s, mp__lockref_t lock, int32_t state)
{
    s->state = state;
    mp__cond_notify(&s->cond, lock, UINT_MAX);
}

static int state_not_filling(void *ctx)
{
    return ((barrier_shared_t *)ctx)->state != FILLING;
}

static int state_settled(void *ctx)
{
    int32_t state = ((barrier_shared_t *)ctx)->state;
    return state != DRAINING && state != RESETTING;
}

/* The last party in: run the action, then let everyone go. */
static int release_round(barrier_shared_t *s, mp__lockref_t lock)
{
    if (s->action[0]) {
        mp_task_fn fn = mp__tasks_find(s->action);
        mp_task_t task = {.name = s->action};
        int rc = fn ? fn(&task) : MP_ENOTASK;
        mp__buf_free(&task.value);
        if (rc < 0) {
            set_state(s, lock, BROKEN);
            return mp__errdetail_set(MP_EBROKEN, "barrier action '%s' failed: %s", s->action,
                                     mp_err_name(rc));
        }
    }
    set_state(s, lock, DRAINING);
    return 0;
}

int mp_barrier_wait(mp_barrier_t *b, double timeout, unsigned *index)
{
    int rc = mp__object_open(&b, &mp__kind_barrier, "mp_barrier_wait");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_barrier_wait");
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    /* One deadline for the whole call: draining the last round, then
     * filling this one. */
    double deadline = mp__deadline(true, timeout);
    mp__lockref_t lock = take_lock(s);
    /* Wait for the previous round to drain or reset. */
    if (mp__cond_wait_for(&s->cond, lock, state_settled, s, mp__time_left(deadline)) < 0) {
        mp__semlock_release(s->lock);
        return mp__errdetail_set(MP_ETIMEDOUT,
                                 "the barrier's previous round did not drain in time");
    }
    if (s->state != FILLING) {
        mp__semlock_release(s->lock);
        return mp__errdetail_set(MP_EBROKEN, "the barrier is broken");
    }
    unsigned me = s->count++;
    if (me + 1 == s->parties) {
        rc = release_round(s, lock);
    } else {
        rc = mp__cond_wait_for(&s->cond, lock, state_not_filling, s, mp__time_left(deadline));
        if (rc == MP_ETIMEDOUT)
            set_state(s, lock, BROKEN);
        if (rc == MP_ETIMEDOUT || s->state < 0)
            rc = mp__errdetail_set(MP_EBROKEN, "the barrier broke while waiting");
    }
    /* The last one out of a released or reset round refills it. */
    if (--s->count == 0 && (s->state == DRAINING || s->state == RESETTING))
        set_state(s, lock, FILLING);
    mp__semlock_release(s->lock);
    if (rc == 0 && index)
        *index = me;
    return rc;
}

int mp_barrier_abort(mp_barrier_t *b)
{
    int rc = mp__object_open(&b, &mp__kind_barrier, "mp_barrier_abort");
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    set_state(s, take_lock(s), BROKEN);
    mp__semlock_release(s->lock);
    return 0;
}

int mp_barrier_reset(mp_barrier_t *b)
{
    int rc = mp__object_open(&b, &mp__kind_barrier, "mp_barrier_reset");
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    mp__lockref_t lock = take_lock(s);
    /* Waiters are sent away broken; the last of them refills the barrier. */
    if (s->count > 0 && (s->state == FILLING || s->state == BROKEN))
        set_state(s, lock, RESETTING);
    else if (s->count == 0)
        set_state(s, lock, FILLING);
    mp__semlock_release(s->lock);
    return 0;
}

/* Read one field under the lock. */
static int read_field(mp_barrier_t *b, const char *fn, int (*get)(const barrier_shared_t *))
{
    int rc = mp__object_open(&b, &mp__kind_barrier, fn);
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    take_lock(s);
    rc = get(s);
    mp__semlock_release(s->lock);
    return rc;
}

static int get_parties(const barrier_shared_t *s)
{
    return (int)s->parties;
}

static int get_waiting(const barrier_shared_t *s)
{
    return s->state == FILLING ? (int)s->count : 0;
}

static int get_broken(const barrier_shared_t *s)
{
    return s->state == BROKEN;
}

int mp_barrier_parties(mp_barrier_t *b)
{
    return read_field(b, "mp_barrier_parties", get_parties);
}

int mp_barrier_n_waiting(mp_barrier_t *b)
{
    return read_field(b, "mp_barrier_n_waiting", get_waiting);
}

int mp_barrier_is_broken(mp_barrier_t *b)
{
    return read_field(b, "mp_barrier_is_broken", get_broken);
}

void mp_barrier_destroy(mp_barrier_t *b)
{
    mp__object_destroy_handle(b, &mp__kind_barrier);
}

const mp__kind_t mp__kind_barrier = {
    .name = "Barrier",
    .id = 6,
    .size = sizeof(mp_barrier_t),
    .share = mp__block_share,
    .attach = mp__block_attach,
    .release = mp__block_release,
    .block_size = sizeof(barrier_shared_t),
};

int mp_task_barrier(const mp_task_t *task, size_t index, mp_barrier_t **out)
{
    return mp__task_object(task, index, &mp__kind_barrier, out);
}
