/**
 * @file executor_fault_tasks.h
 * @brief The worker side of the executor_faults suite
 *        (test_executor_faults.c): tasks that crash the worker running
 *        them in a chosen way, an initializer that records its pid and
 *        then dies or fails, and a child that owns an executor until it is
 *        killed. Listed once in
 *        EXECUTOR_FAULT_TASKS for tasks.c's table. POSIX only (the deaths
 *        are POSIX signals).
 */
#ifndef MP_TESTS_EXECUTOR_FAULT_TASKS_H
#define MP_TESTS_EXECUTOR_FAULT_TASKS_H

#include <multiproc.h>

/* Every task of test_executor_faults.c; X(fn) for each. */
#define EXECUTOR_FAULT_TASKS(X) \
    X(task_exec_die)            \
    X(task_exec_square_or_die)  \
    X(task_exec_fault_init)     \
    X(task_exec_owner)

#define EXECUTOR_FAULT_TASK_DECLARE(fn) int fn(mp_task_t *task);
EXECUTOR_FAULT_TASKS(EXECUTOR_FAULT_TASK_DECLARE)
#undef EXECUTOR_FAULT_TASK_DECLARE

/** How task_exec_die (an int64 argument) and task_exec_fault_init (ctl_arg_t's
 *  n) end their worker. */
typedef enum exec_death {
    EXEC_DIE_KILL = 1,  /**< raise(SIGKILL) */
    EXEC_DIE_SEGV = 2,  /**< a real SIGSEGV (a NULL write), default action */
    EXEC_DIE_ABORT = 3, /**< abort(): SIGABRT */
    EXEC_DIE_EXIT = 4,  /**< _exit(EXEC_EXIT_CODE), no clean-up */
    EXEC_INIT_FAIL = 5, /**< not a death: task_exec_fault_init fails (mp_task_fail) */
    EXEC_INIT_ONCE = 6, /**< task_exec_fault_init: SIGKILL at the first start only */
    EXEC_HANG = 7       /**< not a death: sleeps EXEC_HANG_S, to be stopped */
} exec_death_t;

/** How long EXEC_HANG sleeps: far past any limit a test sets. */
#define EXEC_HANG_S 120.0

/** The exit code of EXEC_DIE_EXIT. */
enum { EXEC_EXIT_CODE = 7 };

/** The code task_exec_fault_init fails with under EXEC_INIT_FAIL. */
#define EXEC_INIT_FAIL_CODE MP_ENOENT
/** Words its message carries, for the test to find in mp_errdetail(). */
#define EXEC_INIT_FAIL_TEXT "initializer refuses to start"

extern const struct test_suite suite_executor_faults;

#endif /* MP_TESTS_EXECUTOR_FAULT_TASKS_H */
