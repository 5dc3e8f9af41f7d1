/* Semlocks: the one waiting primitive every lock, semaphore, condition,
 * event and barrier is built from, in shared memory, on the backend's
 * futex (a word processes can sleep on; Linux: futex(2)).
 *
 * A mutex's word holds its owner process's id, plus a bit saying that some
 * process may be asleep on it; acquire is one compare-and-swap and release
 * one atomic exchange (plus a wake-up only when that bit was set). The owner is a process, as in
 * Python (a Lock taken by one thread may be released by another), so it is
 * the process that is checked for death: a sleeper wakes every
 * OWNER_CHECK_SECONDS, and a waiter whose deadline comes looks once more,
 * and if the owner has ended (a zombie has) it takes the lock over and
 * reports MP_EOWNERDEAD. Kernel robust-futex lists are not used because
 * glibc owns the one list a thread may register. Which thread holds the
 * mutex is kept beside the word, for RLocks and conditions.
 *
 * A semaphore's word is its count, with a separate count of sleepers so a
 * release makes a system call only when someone sleeps. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "mp_core.h"
#include "mp_sync.h"

/* Whether a slot is a mutex or a semaphore, and a semaphore's bound, are
 * not kept here: the caller's own copy says (mp_semlock.h). */
typedef struct semlock {
    mp__futex_t word;          /* mutex: owner process | WAITERS; semaphore: count */
    _Atomic uint32_t sleepers; /* semaphore: processes asleep in acquire */
    _Atomic uint32_t holder;   /* mutex: the holding thread, 0 while it is free or
                                    just taken (set after, cleared before the word) */
} semlock_t;

_Static_assert(sizeof(semlock_t) <= MP__SEMLOCK_SIZE, "semlock slot too small");

#define WAITERS 0x80000000u
#define OWNER_MASK 0x3fffffffu
#define SEMAPHORE_LIMIT 0x7fffffffu /* Linux's SEM_VALUE_MAX */
/* A waiter's spin: polls of the word after 1, 2, 4, ... SPIN_MAX_PAUSES
 * pauses (six polls, about a microsecond), see spin(). */
enum { SPIN_MAX_PAUSES = 32 };
static const double OWNER_CHECK_SECONDS = 0.05;

/* A slow path out of line, so that the fast path that calls it needs no
 * stack frame of its own (saved registers for the slow path's locals cost
 * the uncontended lock about a nanosecond). */
#if defined(__GNUC__)
#define SLOW_PATH __attribute__((noinline, cold))
#else
#define SLOW_PATH
#endif

/* This thread's id and this process's owner id, cached: both are system
 * calls otherwise, and read on every acquire, hence initial-exec TLS (one
 * thread-pointer-relative load even inside a shared library). A fork child
 * gets new ones (mp__semlock_forget_ids()). */
static _Thread_local uint32_t cached_tid MP__TLS_FAST;
/* Any thread may be the first to fill it (an executor's threads take
 * locks too): atomic, relaxed, since every thread computes the same value. */
static _Atomic uint32_t cached_owner;

static uint32_t self_tid(void)
{
    if (!cached_tid)
        cached_tid = mp__os_thread_id();
    return cached_tid;
}

static uint32_t self_owner(void)
{
    uint32_t owner = atomic_load_explicit(&cached_owner, memory_order_relaxed);
    if (!owner) {
        owner = mp__os_lock_owner_id();
        atomic_store_explicit(&cached_owner, owner, memory_order_relaxed);
    }
    return owner;
}

uint32_t mp__semlock_self_owner(void)
{
    return self_owner();
}

void mp__semlock_forget_ids(void)
{
    cached_tid = 0;
    atomic_store_explicit(&cached_owner, 0, memory_order_relaxed);
}

/* Whether a futex sleep that returned `rc` ends the wait: a signal handler
 * ran and the program asked for MP_EINTR (mp_set_interruptible()). */
static bool interrupted(int rc)
{
    return rc == MP_EINTR && mp__interruptible();
}

/* What one poll of a spin found: taken, not yet, or stop spinning. */
enum poll { POLL_TAKEN, POLL_AGAIN, POLL_STOP };

/*
 * Spin briefly before sleeping, polling with `poll`: a slot held for a few
 * instructions is often free again within a microsecond, and a sleep and a
 * wake-up cost several. Short, and backing off, on purpose: a spin of 100
 * polls one pause apart read the word so often that it slowed the holder
 * (each read pulls its cache line away) and caught nearly every release, so
 * two processes taking a lock in a loop stole it from each other on every
 * few increments and neither ever slept (the lock changed hands on 10% of
 * them, against 2-4% for a pthread mutex, whose waiter sleeps at once). Six
 * polls spread over doubling pauses leave the holder alone, and a waiter
 * that misses them sleeps, letting the holder run on.
 */
static bool spin(semlock_t *s, enum poll (*poll)(semlock_t *, uint32_t), uint32_t arg)
{
    for (unsigned pauses = 1; pauses <= SPIN_MAX_PAUSES; pauses *= 2) {
        for (unsigned i = 0; i < pauses; i++)
            mp__cpu_relax();
        enum poll got = poll(s, arg);
        if (got != POLL_AGAIN)
            return got == POLL_TAKEN;
    }
    return false;
}

/* ---- mutex -------------------------------------------------------- */

/* The mutex is ours now: say which thread holds it. */
static int took(semlock_t *s, int rc)
{
    atomic_store_explicit(&s->holder, self_tid(), memory_order_relaxed);
    return rc;
}

/* Take the lock from a dead owner; the word must still be `seen`. */
static bool take_over(semlock_t *s, uint32_t seen)
{
    return (seen & OWNER_MASK) && mp__os_lock_owner_is_dead(seen & OWNER_MASK) &&
           atomic_compare_exchange_strong(&s->word.value, &seen, self_owner() | WAITERS);
}

/* One poll of a mutex's spin, for `me`: a free word is taken; a sleeper
 * ends the spin (it was there first: queue behind it rather than spin in
 * front of it, which also leaves the word alone). */
static enum poll mutex_poll(semlock_t *s, uint32_t me)
{
    uint32_t v = atomic_load_explicit(&s->word.value, memory_order_relaxed);
    if (v & WAITERS)
        return POLL_STOP;
    return v == 0 && atomic_compare_exchange_weak_explicit(
                         &s->word.value, &v, me, memory_order_acquire, memory_order_relaxed)
               ? POLL_TAKEN
               : POLL_AGAIN;
}

/* Acquire order: what the last holder wrote before its release is
 * visible; nothing later needs more (the futex call is a full barrier).
 * On failure, *seen is the word. */
static bool try_take(semlock_t *s, uint32_t me, uint32_t *seen)
{
    *seen = 0;
    return atomic_compare_exchange_strong_explicit(&s->word.value, seen, me, memory_order_acquire,
                                                   memory_order_relaxed);
}

/* mutex_acquire() when its fast path did not take the lock: the ids not
 * cached yet, or the lock held. Try once more, then take it over from a
 * dead owner, spin, or sleep until it is ours or the deadline comes. */
static SLOW_PATH int mutex_acquire_slow(semlock_t *s, bool block, double timeout)
{
    uint32_t me = self_owner(), v;
    if (try_take(s, me, &v))
        return took(s, 0);
    if (!block)
        return take_over(s, v) ? took(s, MP_EOWNERDEAD) : MP_ETIMEDOUT;
    if (spin(s, mutex_poll, me))
        return took(s, 0);
    double deadline = mp__deadline(true, timeout);
    for (;;) {
        v = atomic_load(&s->word.value);
        if (v == 0) {
            /* Others may sleep: keep the flag so our release wakes one. */
            if (atomic_compare_exchange_strong(&s->word.value, &v, me | WAITERS))
                return took(s, 0);
            continue;
        }
        if (!(v & WAITERS) && !atomic_compare_exchange_strong(&s->word.value, &v, v | WAITERS))
            continue;
        v |= WAITERS;
        double left = deadline - mp__os_now();
        /* Before giving up, and every OWNER_CHECK_SECONDS while asleep: has
         * the owner died holding it? */
        if (left <= 0)
            return take_over(s, v) ? took(s, MP_EOWNERDEAD) : MP_ETIMEDOUT;
        bool check_owner = left > OWNER_CHECK_SECONDS;
        if (interrupted(mp__os_futex_wait(&s->word, v, check_owner ? OWNER_CHECK_SECONDS : left)))
            return MP_EINTR;
        if (check_owner && atomic_load(&s->word.value) == v && take_over(s, v))
            return took(s, MP_EOWNERDEAD);
    }
}

/* The fast path makes no call: both ids cached (else the slow path fills
 * them), one compare-and-swap, one plain store. */
static int mutex_acquire(semlock_t *s, bool block, double timeout)
{
    uint32_t me = atomic_load_explicit(&cached_owner, memory_order_relaxed), tid = cached_tid, v;
    if (me && tid && try_take(s, me, &v)) {
        atomic_store_explicit(&s->holder, tid, memory_order_relaxed);
        return 0;
    }
    return mutex_acquire_slow(s, block, timeout);
}

static int mutex_release(semlock_t *s)
{
    /* Cleared before the word, so that no other thread can find itself
     * named there once it takes the mutex (mp__semlock_is_mine()). */
    atomic_store_explicit(&s->holder, 0, memory_order_relaxed);
    /* One exchange: 0 in, and the old word says whether it was held and
     * whether anyone sleeps. Writing 0 over a free word changes nothing.
     * Release order: our writes under the lock reach the next holder; the
     * exchange is on the same word as the sleeper's setting of WAITERS, so
     * one of the two sees the other without a full fence. */
    uint32_t old = atomic_exchange_explicit(&s->word.value, 0, memory_order_release);
    if (old & WAITERS)
        mp__os_futex_wake(&s->word, 1);
    return (old & OWNER_MASK) ? 0 : MP_ESTATE;
}

/* ---- semaphore ---------------------------------------------------- */

static bool sem_try(semlock_t *s)
{
    uint32_t v = atomic_load_explicit(&s->word.value, memory_order_relaxed);
    while (v > 0)
        if (atomic_compare_exchange_weak(&s->word.value, &v, v - 1))
            return true;
    return false;
}

/* One poll of a semaphore's spin (`unused`: the signature spin() takes). */
static enum poll sem_poll(semlock_t *s, uint32_t unused)
{
    (void)unused;
    return sem_try(s) ? POLL_TAKEN : POLL_AGAIN;
}

/* No unit was there: spin, then sleep until one comes or the deadline. */
static SLOW_PATH int sem_acquire_contended(semlock_t *s, bool block, double timeout)
{
    if (!block)
        return MP_ETIMEDOUT;
    if (spin(s, sem_poll, 0))
        return 0;
    double deadline = mp__deadline(true, timeout);
    atomic_fetch_add(&s->sleepers, 1);
    int rc = 0;
    while (!sem_try(s)) {
        double left = deadline - mp__os_now();
        if (left <= 0) {
            rc = MP_ETIMEDOUT;
            break;
        }
        if (interrupted(mp__os_futex_wait(&s->word, 0, left))) {
            rc = MP_EINTR;
            break;
        }
    }
    atomic_fetch_sub(&s->sleepers, 1);
    return rc;
}

static int sem_acquire(semlock_t *s, bool block, double timeout)
{
    return sem_try(s) ? 0 : sem_acquire_contended(s, block, timeout);
}

static int sem_release(semlock_t *s, unsigned max)
{
    uint32_t v = atomic_load(&s->word.value);
    do {
        if (v >= max || v >= SEMAPHORE_LIMIT)
            return MP_ESTATE;
    } while (!atomic_compare_exchange_weak(&s->word.value, &v, v + 1));
    if (atomic_load(&s->sleepers) > 0)
        mp__os_futex_wake(&s->word, 1);
    return 0;
}

/* ---- the contract ------------------------------------------------- */

int mp__mutex_init(void *slot)
{
    semlock_t *s = slot;
    memset(s, 0, sizeof *s);
    return mp__os_futex_init(&s->word, 0);
}

int mp__mutex_acquire(void *slot, bool block, double timeout)
{
    return mutex_acquire(slot, block, timeout);
}

int mp__mutex_acquire_resuming(void *slot, double timeout)
{
    double deadline = mp__deadline(true, timeout);
    int rc;
    while ((rc = mutex_acquire(slot, true, mp__time_left(deadline))) == MP_EINTR)
        ;
    return rc;
}

int mp__mutex_release(void *slot)
{
    return mutex_release(slot);
}

bool mp__mutex_is_locked(const void *slot)
{
    semlock_t *s = (semlock_t *)slot;
    return atomic_load(&s->word.value) != 0;
}

int mp__sem_init(void *slot, unsigned value)
{
    semlock_t *s = slot;
    memset(s, 0, sizeof *s);
    return mp__os_futex_init(&s->word, value);
}

int mp__sem_acquire(void *slot, bool block, double timeout)
{
    return sem_acquire(slot, block, timeout);
}

int mp__sem_release(void *slot, unsigned max)
{
    return sem_release(slot, max);
}

unsigned mp__sem_value(const void *slot)
{
    semlock_t *s = (semlock_t *)slot;
    return atomic_load(&s->word.value);
}

long mp__semlock_owner(const void *slot)
{
    semlock_t *s = (semlock_t *)slot;
    return (long)atomic_load(&s->holder);
}

uint32_t mp__semlock_owner_process(const void *slot)
{
    semlock_t *s = (semlock_t *)slot;
    return atomic_load(&s->word.value) & OWNER_MASK;
}

bool mp__semlock_is_mine(const void *slot)
{
    /* The holder is written by the holding thread after it took the word and
     * cleared before it lets go, so a thread can only ever see its own id
     * there while it holds the mutex. */
    semlock_t *s = (semlock_t *)slot;
    return (atomic_load(&s->word.value) & OWNER_MASK) == self_owner() &&
           atomic_load(&s->holder) == self_tid();
}
