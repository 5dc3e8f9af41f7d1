/* Barriers: Python's threading.Barrier algorithm (filling, draining,
 * resetting, broken) on a condition over a plain lock, with its state in
 * shared memory so that parties can be processes.
 *
 * Which processes are inside wait() is kept in a party table, one slot per
 * party, after the state: it is the count of parties inside (so no process
 * killed between two steps can leave a count and a table that disagree),
 * and it lets any party find out that another one died inside (SIGKILL):
 * a waiter sleeps in slices of DEATH_CHECK_SECONDS and looks between them.
 * A party that dies while the round fills breaks the barrier, as an abort
 * does; one that dies after the round was released is just counted out.
 *
 * The number of parties and the action's name are the handle's own copies,
 * taken at create and, in a child, from the description the parent sent
 * (never from the block, which any process can rewrite). */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "mp_core.h"
#include "mp_runner.h"
#include "mp_sync.h"

enum { FILLING = 0, DRAINING = 1, RESETTING = -1, BROKEN = -2 };

/* Room for an action's name, its NUL included. */
enum { ACTION_MAX = 64 };
/* The most parties a barrier takes: its block holds a slot for each. */
#define MAX_PARTIES 65536u
/* How often a waiter looks for parties that died inside. */
static const double DEATH_CHECK_SECONDS = 0.05;

typedef struct barrier_shared {
    mp__cond_shared_t cond;
    unsigned char lock[MP__SEMLOCK_SIZE];
    int32_t state;
    double last_reap;          /* mp__os_now() of the last look for the dead */
    mp__party_slot_t inside[]; /* one per party: who is inside wait() */
} barrier_shared_t;

struct mp_barrier {
    mp__block_object_t bo;
    uint32_t parties;        /* checked at create or attach */
    char action[ACTION_MAX]; /* task-table name, "" for none; likewise */
};

static barrier_shared_t *shared_of(mp_barrier_t *b)
{
    return mp__block_base(&b->bo);
}

static size_t block_size(uint32_t parties)
{
    return sizeof(barrier_shared_t) + (size_t)parties * sizeof(mp__party_slot_t);
}

int mp_barrier_create(mp_barrier_t **out, const mp_barrier_opts_t *opts)
{
    if (!out || !opts || opts->parties == 0 || opts->parties > MAX_PARTIES)
        return mp__errdetail_set(MP_EINVAL,
                                 "mp_barrier_create: NULL out or opts, or parties "
                                 "not in 1..%u",
                                 MAX_PARTIES);
    if (opts->action && (strlen(opts->action) >= ACTION_MAX || !mp__tasks_find(opts->action)))
        return mp__errdetail_set(MP_ENOTASK, "barrier action '%s' is not in the task table",
                                 opts->action);
    mp_barrier_t *b;
    int rc = mp__block_new(&mp__kind_barrier, block_size(opts->parties), &b);
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    mp__cond_shared_init(&s->cond);
    mp__mutex_init(s->lock);
    b->parties = opts->parties;
    if (opts->action)
        strcpy(b->action, opts->action);
    *out = mp__handle_of(b);
    return 0;
}

/* Take the barrier's lock by `deadline`; MP_EINTR only for a wait (the
 * other calls resume after a signal). Its state is only changed under it
 * in whole steps, so an owner that died left it consistent: MP_EOWNERDEAD
 * is as good as 0. */
static int take_lock(barrier_shared_t *s, double deadline, bool for_wait, mp__lockref_t *lock)
{
    double left = mp__time_left(deadline);
    int rc = for_wait ? mp__mutex_acquire(s->lock, true, left)
                      : mp__mutex_acquire_resuming(s->lock, left);
    *lock = (mp__lockref_t){.mutex = s->lock};
    return rc == MP_EOWNERDEAD ? 0 : rc;
}

static void set_state(barrier_shared_t *s, mp__lockref_t lock, int32_t state)
{
    s->state = state;
    mp__cond_notify(&s->cond, lock, UINT_MAX);
}

/* How many parties are inside wait(). */
static uint32_t inside(mp_barrier_t *b)
{
    return mp__parties_count(shared_of(b)->inside, b->parties);
}

/* Under the lock: with `reap`, count out the parties that died inside
 * (one look at each other party's process: not on every step). A death
 * while the round fills breaks the barrier; a round whose parties have all
 * left (the last one may have died before it could say so) fills again. */
static void settle(mp_barrier_t *b, mp__lockref_t lock, bool reap)
{
    barrier_shared_t *s = shared_of(b);
    uint32_t dead = reap ? mp__parties_reap(s->inside, b->parties) : 0;
    if (dead && s->state == FILLING)
        set_state(s, lock, BROKEN);
    else if (inside(b) == 0 && (s->state == DRAINING || s->state == RESETTING))
        set_state(s, lock, FILLING);
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

/* Under the lock: whether a waiting party looks for the dead now. Once a
 * slice for the whole barrier, not once a slice per waiter: P waiters then
 * read P processes' states a slice, not P x P. The clock is the machine's
 * (mp__os_now()); a stamp a hostile process rewrote (in the future, NaN)
 * only brings the next look forward. */
static bool reap_due(barrier_shared_t *s)
{
    double now = mp__os_now();
    if (now >= s->last_reap && now - s->last_reap < DEATH_CHECK_SECONDS)
        return false;
    s->last_reap = now;
    return true;
}

/* Under the lock: sleep on the condition until `pred` holds or `deadline`
 * passes, in slices, settling between them. MP_ETIMEDOUT; MP_EINTR (the
 * lock is held again in both cases). */
static int sleep_until(mp_barrier_t *b, mp__lockref_t lock, int (*pred)(void *), double deadline)
{
    barrier_shared_t *s = shared_of(b);
    /* A call looks once as it comes in, whoever looked last: a party that
     * died a moment ago must not be counted into this round. */
    for (bool entering = true;; entering = false) {
        settle(b, lock, reap_due(s) || entering);
        if (pred(s))
            return 0;
        double left = mp__time_left(deadline);
        if (left <= 0)
            return MP_ETIMEDOUT;
        double slice = left < DEATH_CHECK_SECONDS ? left : DEATH_CHECK_SECONDS;
        /* Interrupted: unless what we waited for came meanwhile. */
        if (mp__cond_wait(&s->cond, lock, slice) == MP_EINTR)
            return pred(s) ? 0 : MP_EINTR;
    }
}

/* The last party in: run the action, then let everyone go. */
static int release_round(mp_barrier_t *b, mp__lockref_t lock)
{
    barrier_shared_t *s = shared_of(b);
    if (b->action[0]) {
        mp__run_t run; /* through the runner, which owns a task's memory */
        int rc = mp__runner_run(&run, b->action, NULL, 0, NULL, 0);
        mp__runner_release(&run);
        if (rc < 0) {
            set_state(s, lock, BROKEN);
            return mp__errdetail_set(MP_EBROKEN, "barrier action '%s' failed: %s", b->action,
                                     mp_err_name(rc));
        }
    }
    set_state(s, lock, DRAINING);
    return 0;
}

/* Under the lock, the barrier filling: count ourselves in and wait for
 * the round to be released. */
static int join_round(mp_barrier_t *b, mp__lockref_t lock, double deadline, unsigned *index)
{
    barrier_shared_t *s = shared_of(b);
    uint32_t me = inside(b);
    /* More inside than parties, or no free slot, is a rewritten table. */
    if (me >= b->parties || !mp__parties_enter(s->inside, b->parties)) {
        set_state(s, lock, BROKEN);
        return mp__errdetail_set(MP_EBROKEN, "the barrier's shared state was overwritten");
    }
    int rc;
    if (me + 1 == b->parties) {
        rc = release_round(b, lock);
    } else {
        rc = sleep_until(b, lock, state_not_filling, deadline);
        /* Giving up breaks the round for everyone, as in Python, where any
         * exception in wait() (KeyboardInterrupt too) breaks the barrier. */
        if (rc < 0 && s->state == FILLING)
            set_state(s, lock, BROKEN);
        if (rc == MP_EINTR)
            rc = mp__errdetail_set(MP_EINTR, "a signal interrupted the barrier wait; it is broken");
        else if (rc == MP_ETIMEDOUT || s->state < 0)
            rc = mp__errdetail_set(MP_EBROKEN, "the barrier broke while waiting");
    }
    mp__parties_leave(s->inside, b->parties);
    /* The last one out of a released or reset round refills it. */
    settle(b, lock, false);
    *index = me;
    return rc;
}

int mp_barrier_wait(mp_barrier_t *b, double timeout, unsigned *index)
{
    int rc = mp__object_open(&b, &mp__kind_barrier, "mp_barrier_wait");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_barrier_wait");
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    /* One deadline for the whole call: the lock, draining the last round,
     * then filling this one. */
    double deadline = mp__deadline(true, timeout);
    mp__lockref_t lock;
    if ((rc = take_lock(s, deadline, true, &lock)) < 0)
        return rc == MP_EINTR ? mp__errdetail_set(rc, "a signal interrupted the barrier wait")
                              : mp__errdetail_set(rc, "the barrier's lock was not free in time");
    unsigned me = 0;
    if ((rc = sleep_until(b, lock, state_settled, deadline)) == MP_EINTR)
        rc = mp__errdetail_set(rc, "a signal interrupted the barrier wait");
    else if (rc < 0)
        rc = mp__errdetail_set(MP_ETIMEDOUT, "the barrier's previous round did not drain in time");
    else if (s->state != FILLING)
        rc = mp__errdetail_set(MP_EBROKEN, "the barrier is broken");
    else
        rc = join_round(b, lock, deadline, &me);
    mp__mutex_release(s->lock);
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
    mp__lockref_t lock;
    take_lock(s, INFINITY, false, &lock);
    set_state(s, lock, BROKEN);
    mp__mutex_release(s->lock);
    return 0;
}

int mp_barrier_reset(mp_barrier_t *b)
{
    int rc = mp__object_open(&b, &mp__kind_barrier, "mp_barrier_reset");
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    mp__lockref_t lock;
    take_lock(s, INFINITY, false, &lock);
    settle(b, lock, true); /* the dead are not waiters to send away */
    /* Waiters are sent away broken; the last of them refills the barrier. */
    uint32_t n = inside(b);
    if (n > 0 && (s->state == FILLING || s->state == BROKEN))
        set_state(s, lock, RESETTING);
    else if (n == 0)
        set_state(s, lock, FILLING);
    mp__mutex_release(s->lock);
    return 0;
}

/* Read one fact under the lock, the dead counted out first. */
static int read_field(mp_barrier_t *b, const char *fn, int (*get)(mp_barrier_t *))
{
    int rc = mp__object_open(&b, &mp__kind_barrier, fn);
    if (rc < 0)
        return rc;
    barrier_shared_t *s = shared_of(b);
    mp__lockref_t lock;
    take_lock(s, INFINITY, false, &lock);
    settle(b, lock, true);
    rc = get(b);
    mp__mutex_release(s->lock);
    return rc;
}

static int get_waiting(mp_barrier_t *b)
{
    return shared_of(b)->state == FILLING ? (int)inside(b) : 0;
}

static int get_broken(mp_barrier_t *b)
{
    return shared_of(b)->state == BROKEN;
}

int mp_barrier_parties(mp_barrier_t *b)
{
    int rc = mp__object_open(&b, &mp__kind_barrier, "mp_barrier_parties");
    return rc < 0 ? rc : (int)b->parties;
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

/* A child is told the parties and the action (its bytes: a uint32 and the
 * name without its NUL) beside the block. */
static int barrier_share(mp__object_t *obj, mp__share_t *out)
{
    mp_barrier_t *b = (mp_barrier_t *)obj;
    int rc = mp__buf_append(&out->bytes, &b->parties, sizeof b->parties);
    if (rc == 0)
        rc = mp__buf_append(&out->bytes, b->action, strlen(b->action));
    return rc < 0 ? rc : mp__block_share(obj, out);
}

static int barrier_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                          const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    uint32_t parties = 0;
    if (len < sizeof parties)
        return MP_EBOOTSTRAP;
    memcpy(&parties, bytes, sizeof parties);
    const char *name = (const char *)bytes + sizeof parties;
    size_t name_len = len - sizeof parties;
    if (parties == 0 || parties > MAX_PARTIES || name_len >= ACTION_MAX ||
        memchr(name, '\0', name_len))
        return MP_EBOOTSTRAP;
    /* The block must hold a slot for every party: checked before it is read. */
    int rc = mp__block_attach_sized(kind, block_size(parties), handles, nhandles, out);
    if (rc < 0)
        return rc;
    mp_barrier_t *b = (mp_barrier_t *)*out;
    b->parties = parties;
    memcpy(b->action, name, name_len);
    b->action[name_len] = '\0';
    return 0;
}

const mp__kind_t mp__kind_barrier = {
    .name = "Barrier",
    .id = 6,
    .size = sizeof(mp_barrier_t),
    .share = barrier_share,
    .attach = barrier_attach,
    .release = mp__block_release,
    .block_size = sizeof(barrier_shared_t),
};

int mp_task_barrier(const mp_task_t *task, size_t index, mp_barrier_t **out)
{
    return mp__task_object(task, index, &mp__kind_barrier, out);
}
