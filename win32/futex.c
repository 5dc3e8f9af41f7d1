/* The futex the core's semlocks sleep on, and thread and lock-owner
 * identity, for Windows.
 *
 * Windows has no futex that works across processes (WaitOnAddress is per
 * process), so each futex word gets a wait channel of its own: a named
 * kernel semaphore, `Local\mp.futex.<key>`, where the key is 64 random bits
 * that mp__os_futex_init() stores beside the word. Every process that maps
 * the word finds the same semaphore by that name. The word's `reserved`
 * field counts the threads, of every process, that are between announcing
 * a sleep and finishing it, so that a wake with nobody asleep (the common
 * case) costs one atomic read and no system call.
 *
 * Why no wake-up is lost. A sleeper (1) opens or creates the semaphore,
 * (2) increments the sleeper count, (3) re-reads the word and sleeps on the
 * semaphore only if it still holds `expected`. A waker has changed the word
 * (an atomic read-modify-write in the core) before it (4) reads the sleeper
 * count and (5) releases the semaphore if the count is not zero. Steps
 * (2)-(3) and (changed word)-(4) are each a full barrier followed by a read,
 * so in the single order of all these operations either the sleeper's
 * increment comes before the waker's read of the count (the waker releases,
 * and the token stays in the semaphore until the sleeper takes it, however
 * late it gets to its wait), or the waker's change of the word comes before
 * the sleeper's re-read (the sleeper sees it and does not sleep). The
 * semaphore exists whenever the waker sees a count: the sleeper made it at
 * (1), before counting itself, and holds it open until it is done.
 *
 * A token can outlive its purpose (the sleeper it was meant for timed out,
 * or saw the word change and did not wait): its next sleeper then wakes at
 * once, which the contract allows (callers re-check the word). Tokens never
 * pile up beyond the wakes that were sent. If a process is killed while it
 * is counted, the count stays too high for good: wakes then always make
 * their system call, and may leave spurious tokens; nothing hangs.
 *
 * Semaphore handles are cached per process, so a lock that is contended over
 * and over does not open and close its semaphore each time; an idle entry
 * is closed when the cache needs room (a semaphore nobody holds open ceases
 * to exist, which is fine: nobody sleeps on it). */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "win32_internal.h"

/* ---- the per-process cache of semaphore handles ------------------- */

enum { CACHE_SLOTS = 64 };

typedef struct slot {
    uint64_t key;
    HANDLE sem;          /* NULL: free slot */
    unsigned users;      /* calls using `sem` right now: not to be closed */
    unsigned long stamp; /* last use, for choosing what to close */
} slot_t;

static slot_t cache[CACHE_SLOTS];
static SRWLOCK cache_lock = SRWLOCK_INIT;
static unsigned long use_clock;

static void sem_name(uint64_t key, wchar_t *out, size_t size)
{
    swprintf(out, size, L"Local\\mp.futex.%016llx", (unsigned long long)key);
}

static slot_t *find(uint64_t key)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].sem && cache[i].key == key)
            return &cache[i];
    return NULL;
}

/* A free slot, or the least recently used idle one; NULL if all are busy. */
static slot_t *victim(void)
{
    slot_t *best = NULL;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        slot_t *s = &cache[i];
        if (!s->sem)
            return s;
        if (!s->users && (!best || s->stamp < best->stamp))
            best = s;
    }
    return best;
}

/* The semaphore of futex `key`, in use until put_sem(); with `create`,
 * made if it does not exist. NULL: it does not exist (or cannot be made). */
static HANDLE get_sem(uint64_t key, bool create)
{
    AcquireSRWLockExclusive(&cache_lock);
    slot_t *s = find(key);
    if (s) {
        s->users++;
        s->stamp = ++use_clock;
        ReleaseSRWLockExclusive(&cache_lock);
        return s->sem;
    }
    ReleaseSRWLockExclusive(&cache_lock);

    wchar_t name[64];
    sem_name(key, name, sizeof name / sizeof *name);
    HANDLE sem = create ? CreateSemaphoreW(NULL, 0, LONG_MAX, name)
                        : OpenSemaphoreW(SEMAPHORE_MODIFY_STATE | SYNCHRONIZE, FALSE, name);
    if (!sem)
        return NULL;

    HANDLE evicted = NULL;
    AcquireSRWLockExclusive(&cache_lock);
    if ((s = find(key))) {
        /* Another thread cached it meanwhile: use that one. */
        evicted = sem;
        sem = s->sem;
    } else if ((s = victim())) {
        evicted = s->sem;
        *s = (slot_t){.key = key, .sem = sem};
    }
    if (s) {
        s->users++;
        s->stamp = ++use_clock;
    }
    ReleaseSRWLockExclusive(&cache_lock);
    mp__win_close(evicted);
    return sem; /* not cached when every slot is busy: put_sem closes it */
}

static void put_sem(HANDLE sem)
{
    AcquireSRWLockExclusive(&cache_lock);
    slot_t *s = NULL;
    for (size_t i = 0; i < CACHE_SLOTS && !s; i++)
        if (cache[i].sem == sem)
            s = &cache[i];
    if (s)
        s->users--;
    ReleaseSRWLockExclusive(&cache_lock);
    if (!s)
        CloseHandle(sem);
}

/* ---- the futex ------------------------------------------------------ */

/* The sleeper count lives in the word's `reserved` field; Interlocked*
 * calls are full barriers, which the argument above needs. */
static volatile LONG *sleepers(mp__futex_t *futex)
{
    return (volatile LONG *)&futex->reserved;
}

int mp__os_futex_init(mp__futex_t *futex, uint32_t value)
{
    atomic_store(&futex->value, value);
    futex->reserved = 0;
    uint64_t key = 0;
    int rc = mp__os_random(&key, sizeof key);
    futex->key = key;
    return rc;
}

int mp__os_futex_wait(mp__futex_t *futex, uint32_t expected, double seconds)
{
    HANDLE sem = get_sem(futex->key, true);
    if (!sem) {
        /* No wait channel (out of handles?): nap instead; callers re-check. */
        Sleep(1);
        return 0;
    }
    InterlockedIncrement(sleepers(futex));
    if (atomic_load(&futex->value) == expected) {
        DWORD ms = INFINITE;
        if (!isinf(seconds))
            ms = seconds <= 0 ? 0 : seconds >= 4e6 ? INFINITE - 1 : (DWORD)ceil(seconds * 1000.0);
        WaitForSingleObject(sem, ms);
    }
    InterlockedDecrement(sleepers(futex));
    put_sem(sem);
    return 0; /* no signal interrupts a wait here (mp_set_interruptible()) */
}

void mp__os_futex_wake(mp__futex_t *futex, int count)
{
    LONG asleep = InterlockedOr(sleepers(futex), 0);
    if (asleep <= 0 || count <= 0)
        return;
    HANDLE sem = get_sem(futex->key, false);
    if (!sem)
        return; /* nobody made the channel: nobody sleeps on it */
    ReleaseSemaphore(sem, count < asleep ? count : asleep, NULL);
    put_sem(sem);
}

/* ---- thread and owner identity ------------------------------------ */

uint32_t mp__os_thread_id(void)
{
    return (uint32_t)GetCurrentThreadId(); /* never 0 */
}

uint32_t mp__os_lock_owner_id(void)
{
    /* Process and thread ids come from one table, system-wide, in steps of
     * 4 (they are handle-table indexes): a quarter of the pid is unique
     * among live processes, never 0, and below 2^30 as a DWORD / 4 is. */
    return (uint32_t)(GetCurrentProcessId() >> 2);
}

mp_pid_t mp__os_lock_owner_pid(uint32_t owner)
{
    return (mp_pid_t)((DWORD)owner << 2); /* undoes mp__os_lock_owner_id() */
}

bool mp__os_lock_owner_is_dead(uint32_t owner)
{
    HANDLE p = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)owner << 2);
    if (!p)
        return GetLastError() == ERROR_INVALID_PARAMETER; /* no such process */
    /* A process that has ended stays openable while any handle holds it
     * (its parent's, until joined): it holds nothing any more. */
    bool dead = WaitForSingleObject(p, 0) == WAIT_OBJECT_0;
    CloseHandle(p);
    return dead;
}
