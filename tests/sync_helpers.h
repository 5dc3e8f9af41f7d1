/**
 * @file sync_helpers.h
 * @brief What the synchronisation and shared-memory suites share, on the
 *        parent's side: scripts run by children and by threads, polls for a
 *        state another process reaches, a delayed kill, and a look at the
 *        names the POSIX backend leaves under /dev/shm.
 */
#ifndef MP_TESTS_SYNC_HELPERS_H
#define MP_TESTS_SYNC_HELPERS_H

#include <pthread.h>

#include "helpers.h"
#include "sync_tasks.h"

extern const test_suite_t suite_lock, suite_semaphore, suite_condition, suite_event;
extern const test_suite_t suite_barrier, suite_value, suite_shm, suite_tracker;
extern const test_suite_t suite_owner_death, suite_timeouts;
extern const test_suite_t suite_interrupt; /* POSIX only */
extern const test_suite_t suite_sync_bad_args, suite_sync_bad_objects;

/** Designated-initialiser fragment: a struct as the argument bytes. */
#define ARG_OF(x) .arg = &(x), .arg_len = sizeof(x)
/** The fragment of a child that runs `script` (a sync_script_t). */
#define SCRIPT_TASK(script) .task = "task_sync_script", ARG_OF(script)

/* ---- scripts ------------------------------------------------------------ */

/** Join a script child and read every step's code; asserts that it ended
 *  with exit code 0. On failure `out` is all STEP_NOT_RUN. */
bool script_result(mp_process_t *p, script_rcs_t *out);

/** The step codes must be the listed ones (later steps: 0, as OP_END's). */
#define EXPECT_RCS(got, ...) \
    expect_rcs(&(got), (const int32_t[SCRIPT_STEPS]){__VA_ARGS__}, #got, __FILE__, __LINE__)
bool expect_rcs(const script_rcs_t *got, const int32_t *want, const char *what, const char *file,
                int line);

/** A script run by a thread of the test process, on the test's handles. */
typedef struct script_thread {
    pthread_t thread;
    sync_script_t script;
    void *handles[8];
    size_t nhandles;
    script_rcs_t rcs; /**< valid after script_thread_join() */
    bool running;
} script_thread_t;

/** `handles, n` for script_thread_start(), from a list of handles. */
#define HANDLES(...) \
    (void *const[]){__VA_ARGS__}, sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *)

/** Start a thread that runs `script` on `handles` (copied); asserted. */
bool script_thread_start(script_thread_t *th, const sync_script_t *script, void *const *handles,
                         size_t nhandles);
/** Wait for it (no-op if it never started); then th->rcs holds its codes. */
void script_thread_join(script_thread_t *th);

/* ---- waiting for another process ---------------------------------------- */

/** Poll `pred(ctx)` every few ms for up to `timeout` s; whether it held. */
bool poll_until(bool (*pred)(void *ctx), void *ctx, double timeout);

/** How long a test waits for a child to reach a state (spawn is slow on a
 *  loaded machine; a hang must fail the test, not the run). */
#define REACH_LIMIT_S 30.0

/** Until mp_lock_is_locked(lock) is 1. */
bool wait_lock_locked(mp_lock_t *lock, double timeout);
/** Until mp_rlock_owner() names `pid` at depth `count`. */
bool wait_rlock_owner(mp_rlock_t *lock, mp_pid_t pid, unsigned count, double timeout);
/** Until the semaphore's value is `value`. */
bool wait_semaphore_value(mp_semaphore_t *sem, unsigned value, double timeout);
/** Until mp_barrier_n_waiting() is `n`. */
bool wait_barrier_waiting(mp_barrier_t *barrier, int n, double timeout);

/* ---- killing from a thread ------------------------------------------------ */

/** A thread that kills a child (SIGKILL) while the test blocks. */
typedef struct killer {
    pthread_t thread;
    mp_process_t *victim;
    mp_event_t *after; /**< wait for it to be set first (NULL: don't) */
    double delay;      /**< then sleep this long */
    double killed_at;  /**< now_s() when it sent the signal, 0 if it did not */
    bool running;
} killer_t;

/** Start it; asserted. */
bool killer_start(killer_t *k, mp_process_t *victim, mp_event_t *after, double delay);
/** Wait for it (no-op if it never started). */
void killer_join(killer_t *k);

/* ---- segment names in the OS (shm_exists(): platform.h) ---------------- */

/** Poll until segment `name` is gone, for up to `timeout` s. */
bool wait_shm_gone(const char *name, double timeout);

/* ---- a fresh program (main.c's --probe-siblings) ------------------------ */

/**
 * The --probe-siblings program (test_tracker.c): in a program with no
 * tracker of its own, one child creates a segment and a sibling attaches
 * it by name; the creator is killed. Prints "kept" or "removed" (the name,
 * 0.3 s later, while the sibling still uses it), then, once the sibling is
 * killed too, "gone" or "left". Uses `dir` for the children's files.
 * @return 0 when the scenario ran, 3 when it could not.
 */
int tracker_probe_siblings(const char *dir);

#endif /* MP_TESTS_SYNC_HELPERS_H */
