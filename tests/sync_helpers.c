/* Parent-side helpers of the synchronisation and shared-memory suites. */
#include "sync_helpers.h"

#include <stdio.h>
#include <string.h>

/* ---- scripts ------------------------------------------------------------ */

bool script_result(mp_process_t *p, script_rcs_t *out)
{
    for (size_t i = 0; i < SCRIPT_STEPS; i++)
        out->rc[i] = STEP_NOT_RUN;
    if (!p || !EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
        return false;
    int code = exitcode_of(p);
    if (!EXPECT(code == 0, "script child exit code %d", code))
        return false;
    return result_of(p, out, sizeof *out);
}

bool expect_rcs(const script_rcs_t *got, const int32_t *want, const char *what, const char *file,
                int line)
{
    for (size_t i = 0; i < SCRIPT_STEPS; i++)
        if (got->rc[i] != want[i])
            return check_true(false, file, line, "%s: step %zu returned %d (%s), expected %d (%s)",
                              what, i, got->rc[i], mp_err_name(got->rc[i]), want[i],
                              mp_err_name(want[i]));
    return check_true(true, file, line, "%s", what);
}

static void *script_thread_main(void *arg)
{
    script_thread_t *th = arg;
    sync_script_run(&th->script, NULL, th->handles, th->nhandles, &th->rcs);
    return NULL;
}

bool script_thread_start(script_thread_t *th, const sync_script_t *script, void *const *handles,
                         size_t nhandles)
{
    memset(th, 0, sizeof *th);
    if (!EXPECT(nhandles <= sizeof th->handles / sizeof *th->handles, "%zu handles", nhandles))
        return false;
    th->script = *script;
    memcpy(th->handles, handles, nhandles * sizeof *handles);
    th->nhandles = nhandles;
    int err = pthread_create(&th->thread, NULL, script_thread_main, th);
    th->running = err == 0;
    return EXPECT(err == 0, "pthread_create: %s", strerror(err));
}

void script_thread_join(script_thread_t *th)
{
    if (th->running)
        pthread_join(th->thread, NULL);
    th->running = false;
}

/* ---- waiting for another process ---------------------------------------- */

bool poll_until(bool (*pred)(void *ctx), void *ctx, double timeout)
{
    double deadline = now_s() + timeout;
    while (!pred(ctx)) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.002);
    }
    return true;
}

static bool lock_is_locked(void *ctx)
{
    return mp_lock_is_locked(ctx) == 1;
}

bool wait_lock_locked(mp_lock_t *lock, double timeout)
{
    return poll_until(lock_is_locked, lock, timeout);
}

typedef struct owner_probe {
    mp_rlock_t *lock;
    mp_pid_t pid;
    unsigned count;
} owner_probe_t;

static bool rlock_owned(void *ctx)
{
    owner_probe_t *o = ctx;
    mp_pid_t pid = 0;
    unsigned count = 0;
    return mp_rlock_owner(o->lock, &pid, NULL, &count) == 0 && pid == o->pid && count == o->count;
}

bool wait_rlock_owner(mp_rlock_t *lock, mp_pid_t pid, unsigned count, double timeout)
{
    owner_probe_t o = {lock, pid, count};
    return poll_until(rlock_owned, &o, timeout);
}

typedef struct sem_probe {
    mp_semaphore_t *sem;
    unsigned value;
} sem_probe_t;

static bool sem_at(void *ctx)
{
    sem_probe_t *s = ctx;
    unsigned v = 0;
    return mp_semaphore_value(s->sem, &v) == 0 && v == s->value;
}

bool wait_semaphore_value(mp_semaphore_t *sem, unsigned value, double timeout)
{
    sem_probe_t s = {sem, value};
    return poll_until(sem_at, &s, timeout);
}

typedef struct barrier_probe {
    mp_barrier_t *barrier;
    int n;
} barrier_probe_t;

static bool barrier_has(void *ctx)
{
    barrier_probe_t *b = ctx;
    return mp_barrier_n_waiting(b->barrier) == b->n;
}

bool wait_barrier_waiting(mp_barrier_t *barrier, int n, double timeout)
{
    barrier_probe_t b = {barrier, n};
    return poll_until(barrier_has, &b, timeout);
}

/* ---- killing from a thread ------------------------------------------------ */

static void *killer_main(void *arg)
{
    killer_t *k = arg;
    if (k->after && mp_event_wait(k->after, REACH_LIMIT_S) < 0)
        return NULL; /* the test sees killed_at == 0 */
    sleep_s(k->delay);
    k->killed_at = now_s();
    mp_process_kill(k->victim);
    return NULL;
}

bool killer_start(killer_t *k, mp_process_t *victim, mp_event_t *after, double delay)
{
    memset(k, 0, sizeof *k);
    k->victim = victim;
    k->after = after;
    k->delay = delay;
    int err = pthread_create(&k->thread, NULL, killer_main, k);
    k->running = err == 0;
    return EXPECT(err == 0, "pthread_create: %s", strerror(err));
}

void killer_join(killer_t *k)
{
    if (k->running)
        pthread_join(k->thread, NULL);
    k->running = false;
}

/* ---- segment names in the OS ------------------------------------------------ */

static bool shm_missing(void *ctx)
{
    return !shm_exists(ctx);
}

bool wait_shm_gone(const char *name, double timeout)
{
    return poll_until(shm_missing, (void *)name, timeout);
}
