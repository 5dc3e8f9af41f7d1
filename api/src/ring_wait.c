/* Sleeping and waking on a ring (see ring.c for the ring itself), and the
 * JoinableQueue's count of unfinished tasks.
 *
 * A side that cannot go on spins briefly, then sleeps on the other side's
 * sequence word (bumped after every put or get) after counting itself
 * among that side's sleepers, which the other side reads after each
 * publication to decide whether to wake anyone (without a barrier per
 * message: mp__ring_wake_sleepers() says why nobody sleeps through one).
 * Sleeps are cut into slices, so a waker that died between its store and
 * its wake-up costs a slice, never a hang. */
#include <limits.h>

#include "mp_core.h"
#include "mp_ring_layout.h"

/* Spin rounds before sleeping: about 10 us, the cost of a wake-up across
 * CPUs on the machines this was measured on. */
enum { SPIN_ROUNDS = 256 };
/* A sleep's longest slice (see above). */
static const double SLEEP_SLICE = 0.1;
/* How long a store may take to reach another CPU, with a wide margin (it
 * takes well under a microsecond): see mp__ring_wake_sleepers(). */
static const double STORE_SETTLE_S = 200e-6;

/* Take a side's lock by `deadline`. A holder that died is no harm (see
 * mp_ring.h): count it, and wake everyone in case it died between its
 * store and its wake-up. */
int mp__ring_take_side(mp__ring_t *ring, void *lock, _Atomic uint64_t *deaths, double deadline)
{
    int rc = mp__mutex_acquire(lock, true, mp__time_left(deadline));
    if (rc == MP_EOWNERDEAD) {
        /* A getter that died giving pages back gives back no more. */
        if (lock == ring->shared->get_lock)
            atomic_store(&ring->shared->discarding, 0);
        atomic_fetch_add(deaths, 1);
        mp__ring_wake_all(ring);
        rc = 0;
    }
    return rc;
}

/* After a side published: wake the other side's sleepers, if any. Only
 * the first publication after a sleeper lay down makes the system call:
 * the sleeper takes a while to run, and one wake-up per message until then
 * would cost far more than the messages (a sleeper clears `woken` as it
 * lies down, see sleep_on()).
 *
 * No barrier between the publishing store and these loads. A barrier
 * there waits for the store to reach the other side's CPU, and the other
 * side, looking at that very cache line, makes that a round trip between
 * CPUs on every message: two thirds of a put's time, measured. Without it,
 * a put whose store is still on its way may read "nobody sleeps" while a
 * getter lies down and, looking once more, does not see the store yet:
 * that getter sleeps first for STORE_SETTLE_S only, by when the store has
 * long arrived, and looks again before its long sleep (and every later
 * publication sees it counted and wakes it). So a message is never missed;
 * in that rare race it is seen STORE_SETTLE_S late. */
void mp__ring_wake_sleepers(mp__futex_t *seq, mp__ring_sleepers_t sleepers)
{
    if (atomic_load_explicit(sleepers.count, memory_order_relaxed) &&
        !atomic_load_explicit(sleepers.woken, memory_order_relaxed) &&
        !atomic_exchange(sleepers.woken, 1))
        mp__os_futex_wake(seq, INT32_MAX);
}

mp__ring_sleepers_t mp__ring_getters(mp__ring_t *ring)
{
    return (mp__ring_sleepers_t){&ring->shared->get_waiters, &ring->shared->get_waiters_woken};
}

mp__ring_sleepers_t mp__ring_putters(mp__ring_t *ring)
{
    return (mp__ring_sleepers_t){&ring->shared->put_waiters, &ring->shared->put_waiters_woken};
}

static mp__ring_sleepers_t joiners(mp__ring_t *ring)
{
    return (mp__ring_sleepers_t){&ring->shared->join_waiters, &ring->shared->join_waiters_woken};
}

static bool can_go(mp__ring_t *ring, mp__ring_wait_for_t what, uint64_t need)
{
    mp__ring_fill_t fill;
    if (mp__ring_closed(ring) || !mp__ring_current_fill(ring, &fill))
        return true; /* the caller's next try reports it */
    return what == MP__RING_FOR_DATA ? fill.count > 0 : mp__ring_has_room(ring, &fill, need);
}

/* Sleep on the other side's sequence word for at most `seconds`, counted
 * among its waiters, unless the caller can go already (or `cancel`, when
 * given, is set: a watcher being stopped). */
static int sleep_on(mp__ring_t *ring, mp__ring_wait_for_t what, uint64_t need, double seconds,
                    const _Atomic bool *cancel)
{
    mp__futex_t *seq = what == MP__RING_FOR_DATA ? &ring->shared->put_seq : &ring->shared->get_seq;
    mp__ring_sleepers_t sleepers = what == MP__RING_FOR_DATA ? mp__ring_getters(ring)
                                                             : mp__ring_putters(ring);
    atomic_fetch_add(sleepers.count, 1);
    atomic_store(sleepers.woken, 0);
    uint32_t seen = atomic_load(&seq->value);
    double slice = seconds < SLEEP_SLICE ? seconds : SLEEP_SLICE;
    double first = slice < STORE_SETTLE_S ? slice : STORE_SETTLE_S;
    int rc = 0;
    if (!can_go(ring, what, need) && slice > 0 && !(cancel && atomic_load(cancel))) {
        /* First the short sleep of mp__ring_wake_sleepers(), then one more
         * look, then the rest of the slice. */
        rc = mp__os_futex_wait(seq, seen, first);
        if (rc == 0 && slice > first && atomic_load(&seq->value) == seen &&
            !can_go(ring, what, need) && !(cancel && atomic_load(cancel)))
            rc = mp__os_futex_wait(seq, seen, slice - first);
    }
    atomic_fetch_sub(sleepers.count, 1);
    return rc == MP_EINTR && mp__interruptible() ? MP_EINTR : 0;
}

/* Wait until the ring may let the caller go on, or the deadline passes:
 * spin first, then sleep one slice. The caller looks again either way. */
int mp__ring_await(mp__ring_t *ring, mp__ring_wait_for_t what, uint64_t need, double deadline)
{
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        if (can_go(ring, what, need))
            return 0;
        mp__cpu_relax();
    }
    return sleep_on(ring, what, need, mp__time_left(deadline), NULL);
}

void mp__ring_wake_all(mp__ring_t *ring)
{
    mp__ring_shared_t *s = ring->shared;
    mp__futex_t *seqs[] = {&s->put_seq, &s->get_seq};
    for (size_t i = 0; i < sizeof seqs / sizeof *seqs; i++) {
        atomic_fetch_add_explicit(&seqs[i]->value, 1, memory_order_release);
        mp__os_futex_wake(seqs[i], INT32_MAX);
    }
    /* `done` is a count, not a sequence: woken, not bumped (joiners look
     * again after every wake-up anyway). */
    mp__os_futex_wake(&s->done, INT32_MAX);
}

bool mp__ring_is_ready(mp__ring_t *ring)
{
    return can_go(ring, MP__RING_FOR_DATA, 0);
}

void mp__ring_wait_change(mp__ring_t *ring, bool ready, double seconds, const _Atomic bool *cancel)
{
    /* Not ready: wait for a put (or a close), as a getter would. Ready:
     * wait for a get, as a putter would; asking for more room than any
     * ring has keeps it asleep until a get wakes it. */
    if (!ready)
        sleep_on(ring, MP__RING_FOR_DATA, 0, seconds, cancel);
    else if (mp__ring_is_ready(ring))
        sleep_on(ring, MP__RING_FOR_ROOM, UINT64_MAX, seconds, cancel);
}

int mp__ring_wait_data(mp__ring_t *ring, double seconds, const _Atomic bool *cancel)
{
    return sleep_on(ring, MP__RING_FOR_DATA, 0, seconds, cancel);
}

/* ---- JoinableQueue ------------------------------------------------------ */

uint32_t mp__ring_unfinished(mp__ring_t *ring)
{
    uint32_t done = atomic_load(&ring->shared->done.value);
    uint32_t put = count_of(atomic_load(&ring->shared->tail));
    return (put - done) & COUNT_MASK;
}

int mp__ring_task_done(mp__ring_t *ring)
{
    mp__ring_shared_t *s = ring->shared;
    uint32_t done = atomic_load(&s->done.value);
    do {
        uint32_t put = count_of(atomic_load(&s->tail));
        if (((put - done) & COUNT_MASK) == 0)
            return mp__errdetail_set(MP_ESTATE, "task_done() called more times than items put");
    } while (!atomic_compare_exchange_weak(&s->done.value, &done, done + 1));
    /* A joiner has no short first sleep: the count must be seen before the
     * look at the joiners (a task is done far less often than a message
     * passes, so this barrier costs nothing that matters). */
    atomic_thread_fence(memory_order_seq_cst);
    if (mp__ring_unfinished(ring) == 0)
        mp__ring_wake_sleepers(&s->done, joiners(ring));
    return 0;
}

int mp__ring_join(mp__ring_t *ring, double timeout)
{
    mp__ring_shared_t *s = ring->shared;
    double deadline = mp__deadline(true, timeout);
    for (;;) {
        atomic_fetch_add(&s->join_waiters, 1);
        atomic_store(&s->join_waiters_woken, 0);
        uint32_t seen = atomic_load(&s->done.value);
        bool finished = mp__ring_unfinished(ring) == 0;
        double left = mp__time_left(deadline);
        int rc = 0;
        if (!finished && left > 0)
            rc = mp__os_futex_wait(&s->done, seen, left < SLEEP_SLICE ? left : SLEEP_SLICE);
        atomic_fetch_sub(&s->join_waiters, 1);
        if (finished)
            return 0;
        if (rc == MP_EINTR && mp__interruptible())
            return rc;
        if (left <= 0)
            return mp__errdetail_set(MP_ETIMEDOUT, "%u tasks are still unfinished",
                                     mp__ring_unfinished(ring));
    }
}
