/* Sleeping until a job is done (mp_executor.h): one process-wide word that
 * every completion bumps, so that a thread can wait on futures of several
 * executors at once (mp_futures_wait(), mp_as_completed_next()). The wake
 * costs a system call only while somebody sleeps; it is a futex wait, so a
 * signal interrupts it (mp_set_interruptible()), which a condition
 * variable's wait would not. Also the count of the pools' threads. */
#include <limits.h>
#include <stdatomic.h>

#include "mp_core.h"
#include "mp_executor.h"

static mp__futex_t epoch;
static _Atomic int sleepers;
static _Atomic int pool_threads;

uint32_t mp__jobs_epoch(void)
{
    return atomic_load(&epoch.value);
}

void mp__jobs_wake(void)
{
    /* seq_cst on both sides: a sleeper counts itself before it reads the
     * epoch, and we move the epoch before we read the count, so one of us
     * sees the other. */
    atomic_fetch_add(&epoch.value, 1);
    if (atomic_load(&sleepers) > 0)
        mp__os_futex_wake(&epoch, INT_MAX);
}

int mp__jobs_sleep(uint32_t seen, double seconds)
{
    static _Atomic bool ready;
    if (!atomic_load(&ready)) {
        mp__core_lock();
        if (!atomic_load(&ready)) {
            mp__os_futex_init(&epoch, atomic_load(&epoch.value));
            atomic_store(&ready, true);
        }
        mp__core_unlock();
    }
    atomic_fetch_add(&sleepers, 1);
    int rc = atomic_load(&epoch.value) == seen ? mp__os_futex_wait(&epoch, seen, seconds) : 0;
    atomic_fetch_sub(&sleepers, 1);
    return rc == MP_EINTR && mp__interruptible() ? MP_EINTR : 0;
}

int mp__jobs_sleep_until(bool (*ready)(void *), void *ctx, double deadline)
{
    for (;;) {
        uint32_t seen = mp__jobs_epoch();
        if (ready(ctx))
            return 0;
        double left = mp__time_left(deadline);
        if (left <= 0)
            return MP_ETIMEDOUT;
        int rc = mp__jobs_sleep(seen, left < 0.1 ? left : 0.1);
        if (rc < 0)
            return rc;
    }
}

int mp__pool_threads_running(void)
{
    return atomic_load(&pool_threads);
}

void mp__pool_thread_count(int delta)
{
    atomic_fetch_add(&pool_threads, delta);
}
