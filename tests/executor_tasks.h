/**
 * @file executor_tasks.h
 * @brief The worker side of the executor suites (concurrent.futures,
 *        checklist sections 16 and 17): the tasks of executor_tasks.c, the
 *        structs they take and return, and what parent and worker agree on.
 *
 * The tasks are listed once, in EXECUTOR_TASKS below: executor_tasks.c
 * defines each function, this header declares them, and tasks.c turns the
 * same list into rows of the one task table. They run in a worker process
 * or on a worker thread of the test process (MP_EXECUTOR_THREADS): like
 * every task they never assert, they report.
 */
#ifndef MP_TESTS_EXECUTOR_TASKS_H
#define MP_TESTS_EXECUTOR_TASKS_H

#include <multiproc.h>

#include <stdint.h>

#include "tasks.h"

/* Every task of executor_tasks.c; X(fn) for each. */
#define EXECUTOR_TASKS(X)       \
    X(task_exec_gate)           \
    X(task_exec_fail_big)       \
    X(task_exec_twice)          \
    X(task_exec_shout)          \
    X(task_exec_square_or_fail) \
    X(task_exec_init)           \
    X(task_exec_whoami)

#define EXECUTOR_TASK_DECLARE(fn) int fn(mp_task_t *task);
EXECUTOR_TASKS(EXECUTOR_TASK_DECLARE)
#undef EXECUTOR_TASK_DECLARE

/** The suites (test_executor.c, test_futures.c, test_executor_bad_input.c),
 *  for main.c's list. */
struct test_suite;
extern const struct test_suite suite_executor, suite_futures, suite_executor_bad_input;

/** The most a gated task waits for its gate to open before it gives up (a
 *  test that failed before releasing it must not leave a worker, or a
 *  thread of the test process, blocked for ever). */
#define EXEC_GATE_MAX_S 60.0

/** The file a gated task creates in its gate's folder once it runs, for
 *  task `id` (task_exec_gate). */
#define EXEC_GATE_STARTED_FMT "%s/started.%lld"
/** The file whose existence opens a gate (task_exec_gate). */
#define EXEC_GATE_GO_FMT "%s/go"

/** The byte at position `i` of task_exec_fail_big's message: printable,
 *  never NUL, and with no short period a lost or repeated chunk could
 *  hide behind. */
static inline char exec_message_char(size_t i)
{
    return (char)('A' + (i * 7 + (i >> 10)) % 26);
}

/** What task_exec_shout appends to the upper-cased string it gets. */
#define EXEC_SHOUT_SUFFIX "!"

/** What task_exec_square_or_fail's message starts with for a negative n. */
#define EXEC_NEGATIVE_MESSAGE "negative argument"

/**
 * What task_exec_whoami reports about the worker that runs it: its process
 * (mp_current_process()) and what task_exec_init did on this worker (this
 * thread of it) before.
 */
typedef struct exec_whoami {
    int64_t pid;           /**< mp_current_process().pid */
    int64_t init_marker;   /**< task_exec_init's argument, 0 if it never ran */
    int64_t init_runs;     /**< how many times task_exec_init ran here */
    char start_method[16]; /**< mp_current_process().start_method, "" for NULL */
} exec_whoami_t;

#endif /* MP_TESTS_EXECUTOR_TASKS_H */
