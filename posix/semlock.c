/* Semlocks on Linux futexes, in shared memory.
 *
 * A mutex's word holds its owner's thread id, plus a bit saying that some
 * process may be asleep on it; acquire is one compare-and-swap and release
 * one exchange when nobody waits. Thread ids are unique across processes,
 * so the owner can be checked for death: a sleeper wakes every
 * OWNER_CHECK_SECONDS and, if the owner is gone (or a zombie), takes the
 * lock over and reports MP_EOWNERDEAD. Kernel robust-futex lists are not
 * used because glibc owns the one list a thread may register.
 *
 * A semaphore's word is its count, with a separate count of sleepers so a
 * release makes a system call only when someone sleeps. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mp_core.h"
#include "posix_internal.h"

typedef struct semlock {
    _Atomic uint32_t word;     /* mutex: owner tid | WAITERS; semaphore: count */
    _Atomic uint32_t sleepers; /* semaphore: processes asleep in acquire */
    uint32_t kind;
    uint32_t max;              /* semaphore bound (UINT32_MAX: none) */
    _Atomic int32_t owner_pid; /* mutex: for diagnostics only */
    uint32_t reserved[3];
} semlock_t;

_Static_assert(sizeof(semlock_t) <= MP__SEMLOCK_SIZE, "semlock slot too small");

#define WAITERS 0x80000000u
#define TID_MASK 0x3fffffffu
enum { SPIN_ROUNDS = 100 };
static const double OWNER_CHECK_SECONDS = 0.05;

/* Thread and process ids, cached: both are system calls otherwise, and a
 * fork resets them (see reset_ids_after_fork). */
/* initial-exec: a plain %fs-relative load, not a __tls_get_addr call, on
 * the acquire path of a shared library. */
static _Thread_local uint32_t cached_tid __attribute__((tls_model("initial-exec")));
static int32_t cached_pid;

static uint32_t self_tid(void)
{
    if (!cached_tid)
        cached_tid = (uint32_t)syscall(SYS_gettid);
    return cached_tid;
}

static int32_t self_pid(void)
{
    if (!cached_pid)
        cached_pid = (int32_t)getpid();
    return cached_pid;
}

static void reset_ids_after_fork(void)
{
    cached_tid = 0;
    cached_pid = 0;
}

int mp__posix_semlock_init(void)
{
    return pthread_atfork(NULL, NULL, reset_ids_after_fork) ? MP_ESYS : 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Sleep while *word == expected, at most `seconds` (INFINITY: no limit).
 * Shared (not FUTEX_PRIVATE): the word is in memory other processes map. */
static void futex_wait(_Atomic uint32_t *word, uint32_t expected, double seconds)
{
    struct timespec ts, *tsp = NULL;
    if (!isinf(seconds)) {
        if (seconds < 0)
            seconds = 0;
        ts.tv_sec = (time_t)seconds;
        ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
        tsp = &ts;
    }
    syscall(SYS_futex, word, FUTEX_WAIT, expected, tsp, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word, int count)
{
    syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}

/* Has thread `tid` ended? A zombie counts as ended: it holds nothing. */
static bool thread_is_dead(uint32_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%u/stat", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

/* ---- mutex -------------------------------------------------------- */

static int mutex_took(semlock_t *s, int rc)
{
    atomic_store_explicit(&s->owner_pid, self_pid(), memory_order_relaxed);
    return rc;
}

/* Take the lock from a dead owner; the word must still be `seen`. */
static bool take_over(semlock_t *s, uint32_t seen)
{
    return (seen & TID_MASK) && thread_is_dead(seen & TID_MASK) &&
           atomic_compare_exchange_strong(&s->word, &seen, self_tid() | WAITERS);
}

static int mutex_acquire(semlock_t *s, bool block, double timeout)
{
    uint32_t me = self_tid(), v = 0;
    if (atomic_compare_exchange_strong(&s->word, &v, me))
        return mutex_took(s, 0);
    if (!block)
        return take_over(s, v) ? mutex_took(s, MP_EOWNERDEAD) : MP_ETIMEDOUT;
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        cpu_relax();
        v = 0;
        if (atomic_load_explicit(&s->word, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak(&s->word, &v, me))
            return mutex_took(s, 0);
    }
    double deadline = mp__posix_deadline(timeout);
    for (;;) {
        v = atomic_load(&s->word);
        if (v == 0) {
            /* Others may sleep: keep the flag so our release wakes one. */
            if (atomic_compare_exchange_strong(&s->word, &v, me | WAITERS))
                return mutex_took(s, 0);
            continue;
        }
        if (!(v & WAITERS) && !atomic_compare_exchange_strong(&s->word, &v, v | WAITERS))
            continue;
        v |= WAITERS;
        double left = deadline - mp__os_now();
        if (left <= 0)
            return MP_ETIMEDOUT;
        bool check_owner = left > OWNER_CHECK_SECONDS;
        futex_wait(&s->word, v, check_owner ? OWNER_CHECK_SECONDS : left);
        if (check_owner && atomic_load(&s->word) == v && take_over(s, v))
            return mutex_took(s, MP_EOWNERDEAD);
    }
}

static int mutex_release(semlock_t *s)
{
    uint32_t v = atomic_load_explicit(&s->word, memory_order_relaxed);
    if ((v & TID_MASK) == 0)
        return MP_ESTATE;
    atomic_store_explicit(&s->owner_pid, 0, memory_order_relaxed);
    /* Nobody asleep: one compare-and-swap; otherwise clear and wake one. */
    if (!(v & WAITERS) && atomic_compare_exchange_strong(&s->word, &v, 0))
        return 0;
    if (atomic_exchange(&s->word, 0) & WAITERS)
        futex_wake(&s->word, 1);
    return 0;
}

/* ---- semaphore ---------------------------------------------------- */

static bool sem_try(semlock_t *s)
{
    uint32_t v = atomic_load_explicit(&s->word, memory_order_relaxed);
    while (v > 0)
        if (atomic_compare_exchange_weak(&s->word, &v, v - 1))
            return true;
    return false;
}

static int sem_acquire(semlock_t *s, bool block, double timeout)
{
    if (sem_try(s))
        return 0;
    if (!block)
        return MP_ETIMEDOUT;
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        cpu_relax();
        if (sem_try(s))
            return 0;
    }
    double deadline = mp__posix_deadline(timeout);
    atomic_fetch_add(&s->sleepers, 1);
    int rc = 0;
    while (!sem_try(s)) {
        double left = deadline - mp__os_now();
        if (left <= 0) {
            rc = MP_ETIMEDOUT;
            break;
        }
        futex_wait(&s->word, 0, left);
    }
    atomic_fetch_sub(&s->sleepers, 1);
    return rc;
}

static int sem_release(semlock_t *s)
{
    uint32_t v = atomic_load(&s->word);
    do {
        if (v >= s->max || v >= TID_MASK)
            return MP_ESTATE;
    } while (!atomic_compare_exchange_weak(&s->word, &v, v + 1));
    if (atomic_load(&s->sleepers) > 0)
        futex_wake(&s->word, 1);
    return 0;
}

/* ---- the contract ------------------------------------------------- */

int mp__os_semlock_init(void *slot, mp__semlock_kind_t kind, unsigned value, unsigned max)
{
    semlock_t *s = slot;
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->max = max;
    atomic_store(&s->word, kind == MP__SEMLOCK_SEMAPHORE ? value : 0);
    return 0;
}

int mp__os_semlock_acquire(void *slot, bool block, double timeout)
{
    semlock_t *s = slot;
    return s->kind == MP__SEMLOCK_MUTEX ? mutex_acquire(s, block, timeout)
                                        : sem_acquire(s, block, timeout);
}

int mp__os_semlock_release(void *slot)
{
    semlock_t *s = slot;
    return s->kind == MP__SEMLOCK_MUTEX ? mutex_release(s) : sem_release(s);
}

unsigned mp__os_semlock_value(const void *slot)
{
    semlock_t *s = (semlock_t *)slot;
    uint32_t v = atomic_load(&s->word);
    return s->kind == MP__SEMLOCK_MUTEX ? (v == 0) : v;
}

void mp__os_semlock_owner(const void *slot, mp_pid_t *pid, long *tid)
{
    semlock_t *s = (semlock_t *)slot;
    uint32_t owner = atomic_load(&s->word) & TID_MASK;
    if (tid)
        *tid = (long)owner;
    if (pid)
        *pid = owner ? atomic_load(&s->owner_pid) : 0;
}

bool mp__os_semlock_is_mine(const void *slot)
{
    semlock_t *s = (semlock_t *)slot;
    return (atomic_load(&s->word) & TID_MASK) == self_tid();
}
