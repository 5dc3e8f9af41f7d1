/* Synchronisation across processes, on the backend's futex (named kernel
 * semaphores as wait channels): a Lock guarding a Value counter in four
 * processes, an Event releasing waiters, a semaphore ping-pong in which
 * every wake-up must arrive, a Lock whose owner died, and owner ids. */
#include <stdio.h>
#include <stdlib.h>

#include "smoke.h"

/* Four processes add 1 to a shared counter 2000 times each, a read and a
 * write apart, under one Lock: any lost exclusion loses counts. */
static void test_lock_value_counter(void)
{
    enum { PROCS = 4, ROUNDS = 2000 };
    mp_lock_t *lock = NULL;
    mp_value_t *counter = NULL;
    if (!CHECK_RC(mp_lock_create(&lock, NULL), 0) ||
        !CHECK_RC(mp_value_create(&counter, &(mp_value_opts_t){.type = MP_INT64, .raw = true}), 0))
        goto out;
    mp_process_t *p[PROCS];
    for (int i = 0; i < PROCS; i++)
        p[i] = smoke_start(&(mp_process_opts_t){
            .task = "task_count", MP_ARG_I64(ROUNDS), MP_OBJECTS(lock, counter)});
    for (int i = 0; i < PROCS; i++) {
        CHECK(smoke_join(p[i]) == 0, "counter process %d", i);
        mp_process_destroy(p[i]);
    }
    int64_t total = -1;
    CHECK_RC(mp_value_get_i64(counter, 0, &total), 0);
    CHECK(total == PROCS * ROUNDS, "counter %ld, expected %d", (long)total, PROCS * ROUNDS);
    CHECK(mp_lock_is_locked(lock) == 0, "lock left taken");
out:
    mp_lock_destroy(lock);
    mp_value_destroy(counter);
}

/* Three children wait on an Event; they stay blocked until it is set. */
static void test_event(void)
{
    enum { WAITERS = 3 };
    mp_event_t *e = NULL;
    if (!CHECK_RC(mp_event_create(&e, NULL), 0))
        return;
    double t0 = smoke_now();
    CHECK_RC(mp_event_wait(e, 0.2), MP_ETIMEDOUT);
    double waited = smoke_now() - t0;
    CHECK(waited >= 0.185 && waited < 1.0, "a 0.2 s wait took %.3f s", waited);
    mp_process_t *p[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        p[i] = smoke_start(&(mp_process_opts_t){.task = "task_event_wait", MP_OBJECTS(e)});
    Sleep(500);
    for (int i = 0; i < WAITERS; i++)
        CHECK(p[i] && mp_process_is_alive(p[i]) == 1, "waiter %d did not wait", i);
    CHECK_RC(mp_event_set(e), 0);
    for (int i = 0; i < WAITERS; i++) {
        CHECK(smoke_join(p[i]) == 0, "waiter %d", i);
        mp_process_destroy(p[i]);
    }
    CHECK(mp_event_is_set(e) == 1, "event set");
    mp_event_destroy(e);
}

/* Parent and child hand a token back and forth 2000 times through two
 * semaphores: each hand-over is a sleep and a wake-up across processes. */
static void test_semaphore_ping_pong(void)
{
    enum { ROUNDS = 2000 };
    mp_semaphore_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp_semaphore_create(&a, &(mp_semaphore_opts_t){.value = 0}), 0) ||
        !CHECK_RC(mp_semaphore_create(&b, &(mp_semaphore_opts_t){.value = 0}), 0))
        goto out;
    mp_process_t *p = smoke_start(
        &(mp_process_opts_t){.task = "task_pong", MP_ARG_I64(ROUNDS), MP_OBJECTS(a, b)});
    double t0 = smoke_now();
    int rc = 0;
    for (int i = 0; p && rc == 0 && i < ROUNDS; i++)
        if ((rc = mp_semaphore_release(a)) == 0)
            rc = mp_semaphore_acquire(b, 30.0);
    CHECK_RC(rc, 0);
    double took = smoke_now() - t0;
    CHECK(smoke_join(p) == 0, "pong process");
    printf("    %d round trips in %.3f s (%.1f us each)\n", ROUNDS, took, took / ROUNDS * 1e6);
    mp_process_destroy(p);
out:
    mp_semaphore_destroy(a);
    mp_semaphore_destroy(b);
}

/* The parent waits on a semaphore that a child releases every 3 ms: each
 * acquire finds it empty, spins, and sleeps on the futex's kernel
 * semaphore, so every one of these wake-ups crosses processes through the
 * backend's wait channel (win32/futex.c). */
static void test_sleep_and_wake(void)
{
    enum { ROUNDS = 300 };
    mp_semaphore_t *s = NULL;
    if (!CHECK_RC(mp_semaphore_create(&s, &(mp_semaphore_opts_t){.value = 0}), 0))
        return;
    mp_process_t *p = smoke_start(
        &(mp_process_opts_t){.task = "task_slow_release", MP_ARG_I64(ROUNDS), MP_OBJECTS(s)});
    int got = 0;
    while (p && got < ROUNDS && CHECK_RC(mp_semaphore_acquire(s, 10.0), 0))
        got++;
    CHECK(got == ROUNDS, "acquired %d of %d", got, ROUNDS);
    CHECK(smoke_join(p) == 0, "releaser");
    mp_process_destroy(p);
    mp_semaphore_destroy(s);
}

/* A child takes a Lock and ends holding it: the next acquire finds the
 * owner process dead and reports MP_EOWNERDEAD, holding the lock. */
static void test_lock_owner_died(void)
{
    mp_lock_t *lock = NULL;
    if (!CHECK_RC(mp_lock_create(&lock, NULL), 0))
        return;
    mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_hold_lock", MP_OBJECTS(lock)});
    CHECK(smoke_join(p) == 0, "holder");
    CHECK(mp_lock_is_locked(lock) == 1, "the lock is held by the dead child");
    double t0 = smoke_now();
    CHECK_RC(mp_lock_acquire(lock, 10.0), MP_EOWNERDEAD);
    CHECK(smoke_now() - t0 < 2.0, "took %.2f s to notice", smoke_now() - t0);
    CHECK_RC(mp_lock_release(lock), 0);
    mp_process_destroy(p);
    mp_lock_destroy(lock);
}

/* Process ids are multiples of 4, which the backend's 30-bit lock owner
 * ids (pid / 4) rely on: this process's and its children's. */
static void test_owner_ids(void)
{
    enum { N = 4 };
    CHECK(GetCurrentProcessId() % 4 == 0, "pid %lu", (unsigned long)GetCurrentProcessId());
    for (int i = 0; i < N; i++) {
        mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_exit", MP_ARG_I64(0)});
        mp_pid_t pid = 0;
        if (p && CHECK_RC(mp_process_pid(p, &pid), 0))
            CHECK(pid > 0 && pid % 4 == 0, "child pid %ld", (long)pid);
        smoke_join(p);
        mp_process_destroy(p);
    }
}

const smoke_test_t sync_tests[] = {
    {"lock_value_counter", test_lock_value_counter},
    {"event", test_event},
    {"semaphore_ping_pong", test_semaphore_ping_pong},
    {"sleep_and_wake", test_sleep_and_wake},
    {"lock_owner_died", test_lock_owner_died},
    {"owner_ids", test_owner_ids},
    {NULL, NULL},
};
