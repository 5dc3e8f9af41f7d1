/* Conditions, built from three semaphores as in Python's synchronize.py:
 * `sleeping` counts waiters, `wait` is what they sleep on, `woken` lets a
 * notifier wait until the sleepers it released have really left. No
 * process-shared condition variable is needed, so every backend that has
 * semlocks has conditions. */
#include <limits.h>
#include <math.h>

#include "mp_core.h"
#include "mp_sync.h"

/* How long a notifier waits, at most, for the sleepers it released to
 * leave. It gives up much sooner on a sleeper that is known to be dead
 * (see no_live_sleeper_left()); this bound is only for sleepers it cannot
 * name (more processes than party slots) and for one killed in the few
 * instructions between taking its `wait` unit and posting `woken`. */
static const double SLEEPER_LEAVE_SECONDS = 5.0;
/* A notifier's first look for a dead sleeper comes this soon (a live one
 * usually wakes well within it, so no /proc read is made), then every
 * DEATH_CHECK_SECONDS. */
static const double FIRST_LOOK_SECONDS = 0.002;
static const double DEATH_CHECK_SECONDS = 0.05;

void mp__cond_shared_init(mp__cond_shared_t *c)
{
    mp__sem_init(c->sleeping, 0);
    mp__sem_init(c->woken, 0);
    mp__sem_init(c->wait, 0);
}

int mp__cond_wait(mp__cond_shared_t *c, mp__lockref_t lock, double timeout)
{
    if (!mp__lockref_is_mine(lock))
        return mp__errdetail_set(MP_ENOTOWNER,
                                 "wait on a condition whose lock the caller does not hold");
    /* Named among the sleepers (under the lock, before anyone can notify
     * us) for as long as this thread may be asleep on `wait`. */
    bool listed = mp__parties_enter(c->asleep, MP__COND_PARTY_SLOTS);
    if (!listed)
        atomic_fetch_add(&c->unlisted, 1);
    mp__sem_release(c->sleeping, UINT_MAX);
    /* Release an RLock completely, whatever its depth, and restore it. */
    uint32_t depth = lock.count ? mp__lockref_count(lock) : 1;
    if (lock.count)
        mp__lockref_set_count(lock, 0);
    mp__mutex_release(lock.mutex);
    int rc = mp__sem_acquire(c->wait, true, timeout);
    /* Out of the sleepers after taking the unit (a notifier reads the
     * sleepers before the units, see no_live_sleeper_left()). */
    if (listed)
        mp__parties_leave(c->asleep, MP__COND_PARTY_SLOTS);
    else
        atomic_fetch_sub(&c->unlisted, 1);
    mp__sem_release(c->woken, UINT_MAX);
    /* The caller holds the lock on return, MP_EINTR or not. */
    int relock = mp__mutex_acquire_resuming(lock.mutex, MP_FOREVER);
    if (lock.count)
        mp__lockref_set_count(lock, depth);
    return relock == MP_EOWNERDEAD ? relock : rc;
}

int mp__cond_wait_for(mp__cond_shared_t *c, mp__lockref_t lock, mp_predicate_fn pred, void *ctx,
                      double timeout)
{
    double deadline = mp__deadline(true, timeout);
    int satisfied = pred(ctx);
    while (!satisfied) {
        double left = mp__time_left(deadline);
        if (left <= 0)
            break;
        int rc = mp__cond_wait(c, lock, left);
        if (rc < 0 && rc != MP_ETIMEDOUT)
            return rc;
        satisfied = pred(ctx);
    }
    return satisfied ? 0 : MP_ETIMEDOUT;
}

/* Whether the `missing` sleepers a notifier still waits for can be given
 * up: none of them has taken a `wait` unit and not yet posted `woken`
 * (every unit they were released with is still there), and no live
 * process has a thread asleep that could take one. Then the units are
 * left over for sleepers that died (or timed out). The sleepers are read
 * before the units: a sleeper takes its unit before it leaves the table,
 * so one that left before we looked has also been counted out of the
 * units. With `reap`, dead processes' slots are freed first (a /proc read
 * each on Linux, so not on the first look). */
static bool no_live_sleeper_left(mp__cond_shared_t *c, unsigned missing, bool reap)
{
    if (reap)
        mp__parties_reap(c->asleep, MP__COND_PARTY_SLOTS);
    if (mp__parties_count(c->asleep, MP__COND_PARTY_SLOTS) > 0 || atomic_load(&c->unlisted) > 0)
        return false;
    return mp__sem_value(c->wait) >= missing;
}

/* Wait for `released` sleepers to post `woken`, unless they cannot: look
 * at once (units released to nobody alive: nothing to wait for), then
 * after a short sleep, then every DEATH_CHECK_SECONDS. */
static void await_woken(mp__cond_shared_t *c, unsigned released)
{
    double give_up = mp__os_now() + SLEEPER_LEAVE_SECONDS;
    double slice = 0;
    for (unsigned collected = 0; collected < released;) {
        if (mp__sem_acquire(c->woken, slice > 0, slice) == 0) {
            collected++;
            continue;
        }
        if (no_live_sleeper_left(c, released - collected, slice > 0) || mp__os_now() >= give_up)
            return;
        slice = slice > 0 ? DEATH_CHECK_SECONDS : FIRST_LOOK_SECONDS;
    }
}

int mp__cond_notify(mp__cond_shared_t *c, mp__lockref_t lock, unsigned n)
{
    if (!mp__lockref_is_mine(lock))
        return mp__errdetail_set(MP_ENOTOWNER,
                                 "notify on a condition whose lock the caller does not hold");
    /* Waiters that timed out since the last notify still count as sleeping:
     * take them off, one for each `woken` they left behind. */
    while (mp__sem_acquire(c->woken, false, 0) == 0)
        mp__sem_acquire(c->sleeping, false, 0);
    unsigned released = 0;
    while (released < n && mp__sem_acquire(c->sleeping, false, 0) == 0) {
        mp__sem_release(c->wait, UINT_MAX);
        released++;
    }
    if (released == 0)
        return 0;
    await_woken(c, released);
    /* A sleeper that timed out just now, or died, left a `wait` unit. */
    while (mp__sem_acquire(c->wait, false, 0) == 0)
        ;
    return 0;
}

/* ---- Condition ---------------------------------------------------- */

typedef struct condition_shared {
    mp__cond_shared_t cond;
    mp__rlock_shared_t own_lock;
} condition_shared_t;

/* How the lock of a condition is described to a child. */
enum { OWN_LOCK = 0, USER_LOCK = 1, USER_RLOCK = 2 };

struct mp_condition {
    mp__block_object_t bo;
    condition_shared_t *shared;
    mp__lockref_t lock;
    /* The handle of the Lock or RLock given at create, or NULL. Kept as a
     * handle, not an object, so that its destruction is seen (MP_ECLOSED)
     * rather than followed into freed memory. */
    void *user_lock;
    bool owns_user_lock; /* attached in a child: ours to destroy */
};

static int condition_init(mp_condition_t *c, void *user_lock, bool owned)
{
    c->shared = mp__block_base(&c->bo);
    c->user_lock = user_lock;
    c->owns_user_lock = owned;
    if (!user_lock) {
        c->lock = mp__rlock_ref(&c->shared->own_lock);
        return 0;
    }
    return mp__lockref_of(user_lock, &c->lock);
}

int mp_condition_create(mp_condition_t **out, const mp_condition_opts_t *opts)
{
    mp_condition_opts_t o = opts ? *opts : (mp_condition_opts_t){0};
    if (!out || (o.lock && o.rlock))
        return mp__errdetail_set(MP_EINVAL, "mp_condition_create: NULL out, or both a lock "
                                            "and an rlock");
    void *user_lock = o.lock ? (void *)o.lock : (void *)o.rlock;
    mp__lockref_t probe;
    const mp__kind_t *want = o.lock ? &mp__kind_lock : &mp__kind_rlock;
    void *opened = user_lock;
    int rc = user_lock ? mp__object_open(&opened, want, "mp_condition_create") : 0;
    if (rc == 0 && user_lock)
        rc = mp__lockref_of(user_lock, &probe);
    if (rc < 0)
        return rc;
    mp_condition_t *c;
    if ((rc = mp__block_new(&mp__kind_condition, sizeof(condition_shared_t), &c)) < 0)
        return rc;
    condition_shared_t *shared = mp__block_base(&c->bo);
    mp__cond_shared_init(&shared->cond);
    mp__rlock_shared_init(&shared->own_lock);
    if ((rc = condition_init(c, user_lock, false)) < 0) {
        mp__object_destroy(&c->bo.obj);
        return rc;
    }
    *out = mp__handle_of(c);
    return 0;
}

/* The entry step: open the handle, and check the lock it was given. */
static int open_condition(mp_condition_t **c, const char *fn)
{
    int rc = mp__object_open(c, &mp__kind_condition, fn);
    if (rc == 0 && (*c)->user_lock && mp__object_lookup((*c)->user_lock) < 0)
        rc = mp__errdetail_set(MP_ECLOSED, "%s: the condition's lock was destroyed", fn);
    return rc;
}

int mp_condition_acquire(mp_condition_t *c, double timeout)
{
    int rc = open_condition(&c, "mp_condition_acquire");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_condition_acquire");
    return rc < 0 ? rc : mp__lockref_acquire(c->lock, timeout);
}

int mp_condition_release(mp_condition_t *c)
{
    int rc = open_condition(&c, "mp_condition_release");
    return rc < 0 ? rc : mp__lockref_release(c->lock);
}

int mp_condition_wait(mp_condition_t *c, double timeout)
{
    int rc = open_condition(&c, "mp_condition_wait");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_condition_wait");
    return rc < 0 ? rc : mp__cond_wait(&c->shared->cond, c->lock, timeout);
}

int mp_condition_wait_for(mp_condition_t *c, mp_predicate_fn predicate, void *ctx, double timeout)
{
    int rc = open_condition(&c, "mp_condition_wait_for");
    if (rc == 0 && !predicate)
        rc = mp__errdetail_set(MP_EINVAL, "mp_condition_wait_for: NULL predicate");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_condition_wait_for");
    return rc < 0 ? rc : mp__cond_wait_for(&c->shared->cond, c->lock, predicate, ctx, timeout);
}

int mp_condition_notify(mp_condition_t *c, unsigned n)
{
    int rc = open_condition(&c, "mp_condition_notify");
    return rc < 0 ? rc : mp__cond_notify(&c->shared->cond, c->lock, n);
}

int mp_condition_notify_all(mp_condition_t *c)
{
    return mp_condition_notify(c, UINT_MAX);
}

void mp_condition_destroy(mp_condition_t *c)
{
    mp__object_destroy_handle(c, &mp__kind_condition);
}

static void condition_release(mp__object_t *obj)
{
    mp_condition_t *c = (mp_condition_t *)obj;
    if (c->owns_user_lock)
        mp__object_destroy_owned(c->user_lock);
    c->user_lock = NULL;
    mp__block_release(obj);
}

static int condition_share(mp__object_t *obj, mp__share_t *out)
{
    mp_condition_t *c = (mp_condition_t *)obj;
    mp__object_t *lock = c->user_lock ? mp__handle_get(c->user_lock, NULL) : NULL;
    if (c->user_lock && !lock)
        return mp__errdetail_set(MP_ECLOSED, "the condition's lock was destroyed");
    unsigned char which = !lock ? OWN_LOCK : lock->kind == &mp__kind_lock ? USER_LOCK : USER_RLOCK;
    int rc = mp__buf_append(&out->bytes, &which, 1);
    if (rc == 0)
        rc = mp__block_share(obj, out);
    if (rc == 0 && lock)
        rc = lock->kind->share(lock, out);
    return rc;
}

static int condition_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                            const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    unsigned char which = len == 1 ? *(const unsigned char *)bytes : 0xff;
    if (which > USER_RLOCK || nhandles != (which == OWN_LOCK ? 1u : 2u))
        return MP_EBOOTSTRAP;
    int rc = mp__block_attach(kind, NULL, 0, handles, 1, out);
    if (rc < 0)
        return rc;
    mp_condition_t *c = (mp_condition_t *)*out;
    mp__object_t *lock = NULL;
    if (which != OWN_LOCK) {
        const mp__kind_t *lock_kind = which == USER_LOCK ? &mp__kind_lock : &mp__kind_rlock;
        rc = lock_kind->attach(lock_kind, NULL, 0, handles + 1, 1, &lock);
    }
    if (rc == 0)
        rc = condition_init(c, lock ? lock->handle : NULL, true);
    if (rc < 0) {
        mp__object_destroy(lock);
        c->user_lock = NULL;
        mp__object_destroy(&c->bo.obj);
    }
    return rc;
}

const mp__kind_t mp__kind_condition = {
    .name = "Condition",
    .id = 5,
    .size = sizeof(mp_condition_t),
    .share = condition_share,
    .attach = condition_attach,
    .release = condition_release,
    .block_size = sizeof(condition_shared_t),
};

int mp_task_condition(const mp_task_t *task, size_t index, mp_condition_t **out)
{
    return mp__task_object(task, index, &mp__kind_condition, out);
}
