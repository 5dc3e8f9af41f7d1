/**
 * @file executor_helpers.h
 * @brief What the executor suites share on the parent's side: executors of
 *        either kind, gated tasks the test releases, and checks of a
 *        future's outcome that print what they got.
 */
#ifndef MP_TESTS_EXECUTOR_HELPERS_H
#define MP_TESTS_EXECUTOR_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "executor_tasks.h"
#include "helpers.h"

/** How long the parent waits for an outcome that should come (a loaded
 *  machine under ASan is slow to spawn; a hang must fail the test, not the
 *  run). Never a bound on speed. */
#define EXEC_WAIT_S 30.0

/** "processes" or "threads", for messages. */
const char *kind_name(mp_executor_kind_t kind);

/** An executor of `kind` with `max_workers` workers and, for processes,
 *  the suite's context; asserted. NULL on failure. */
mp_executor_t *start_executor(mp_executor_kind_t kind, int max_workers);

/** An executor with these options, as given; asserted. NULL on failure. */
mp_executor_t *start_executor_opts(const mp_executor_opts_t *opts);

/** mp_executor_submit_i64(), asserted; NULL on failure. */
mp_future_t *submit_i64(mp_executor_t *ex, const char *task, int64_t value);

/** mp_future_destroy() on each of `n` futures (NULL entries are skipped). */
void destroy_futures(mp_future_t **fs, size_t n);

/** The future must succeed (within EXEC_WAIT_S) with the int64 `want`. */
#define EXPECT_RESULT_I64(f, want) expect_result_i64((f), (want), __FILE__, __LINE__)
bool expect_result_i64(mp_future_t *f, int64_t want, const char *file, int line);

/** The future must fail (within EXEC_WAIT_S): mp_future_result() says
 *  MP_ETASK, and mp_future_error() gives `code` and a message that starts
 *  with `prefix`. */
#define EXPECT_TASK_ERROR(f, code, prefix) \
    expect_task_error((f), (code), (prefix), __FILE__, __LINE__)
bool expect_task_error(mp_future_t *f, int code, const char *prefix, const char *file, int line);

/** The future must be cancelled: its state and both getters say so. */
#define EXPECT_CANCELLED(f) expect_cancelled((f), __FILE__, __LINE__)
bool expect_cancelled(mp_future_t *f, const char *file, int line);

/** The future's state must be (done, running, cancelled). */
#define EXPECT_STATE(f, done, running, cancelled) \
    expect_state((f), (done), (running), (cancelled), __FILE__, __LINE__)
bool expect_state(mp_future_t *f, int done, int running, int cancelled, const char *file, int line);

/** The task_exec_whoami result of `f` (within EXEC_WAIT_S), asserted:
 *  false when it failed or has the wrong size. */
bool whoami_of(mp_future_t *f, exec_whoami_t *w);

/* ---- gated tasks ------------------------------------------------------ */

/**
 * A gate: a private folder in which gated tasks (task_exec_gate) announce
 * that they run, and whose "go" file releases them all. A gated task holds
 * its worker exactly as long as the test wants, with no timing guess.
 */
typedef struct exec_gate {
    char dir[TASK_STR - 32]; /**< "" when it could not be made */
    bool opened;
} exec_gate_t;

/** Make a closed gate; asserted. */
bool gate_make(exec_gate_t *g);

/** Submit the gated task `id`; asserted, NULL on failure. */
mp_future_t *gate_submit(mp_executor_t *ex, const exec_gate_t *g, int64_t id);

/** Wait for gated task `id` to run (EXEC_WAIT_S at most); asserted. */
bool gate_wait_started(const exec_gate_t *g, int64_t id);

/** Whether gated task `id` has started. */
bool gate_started(const exec_gate_t *g, int64_t id);

/** Open the gate: every gated task, running or to come, returns. */
void gate_open(exec_gate_t *g);

/** Open the gate and remove its folder. Open a gate before destroying an
 *  executor that runs its tasks (destroy waits for them), remove it after:
 *  a gated task that sees its folder gone gives up at once. */
void gate_remove(exec_gate_t *g);

/** The most gated tasks a held_executor_t queues behind its held one. */
enum { HELD_QUEUED_MAX = 8 };

/**
 * An executor whose first worker is held by a running gated task (id 0),
 * with gated tasks 1..n_queued submitted after it: with one worker, the
 * last of enough queued tasks is pending (an executor may hand a few tasks
 * to a worker ahead of time, and those count as running).
 */
typedef struct held_executor {
    exec_gate_t gate;
    mp_executor_t *ex;
    mp_future_t *held;
    mp_future_t *queued[HELD_QUEUED_MAX];
    int n_queued;
} held_executor_t;

/** Make it, and wait until the held task runs; asserted. held_end() is
 *  safe after a failure too. */
bool held_start(held_executor_t *h, mp_executor_kind_t kind, int max_workers, int n_queued);

/** The last queued future (NULL when none). */
mp_future_t *held_last(const held_executor_t *h);

/** Open the gate, destroy the executor (which waits for every task), then
 *  remove the gate and destroy the futures. */
void held_end(held_executor_t *h);

/* ---- processes, threads ---------------------------------------------- */

/** Define test_NAME_processes and test_NAME_threads, which run
 *  `NAME(mp_executor_kind_t kind)` with each kind. */
#define BOTH_KINDS(name)                      \
    static void test_##name##_processes(void) \
    {                                         \
        name(MP_EXECUTOR_PROCESSES);          \
    }                                         \
    static void test_##name##_threads(void)   \
    {                                         \
        name(MP_EXECUTOR_THREADS);            \
    }

/* clang-format off */
/** The row of test_NAME_KIND in a suite's table. */
#define KIND_ROW(name, kind, methods) {#name "_" #kind, test_##name##_##kind, (methods)}
/* clang-format on */

/** The two rows of a suite's table for BOTH_KINDS(name). */
#define BOTH_KINDS_ROWS(name, methods) \
    KIND_ROW(name, processes, methods), KIND_ROW(name, threads, methods)

/** Whether `text` has `n` as a whole decimal number (not part of a longer
 *  one). */
bool has_number(const char *text, long long n);

#endif /* MP_TESTS_EXECUTOR_HELPERS_H */
