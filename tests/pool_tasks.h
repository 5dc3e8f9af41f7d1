/**
 * @file pool_tasks.h
 * @brief The worker side of the Pool suites (pool.h; checklist section 15
 *        and item 36): the tasks of pool_tasks.c and what parent and
 *        worker agree on.
 *
 * The tasks are listed once, in POOL_TASKS below: pool_tasks.c defines
 * each function, this header declares them, and tasks.c turns the same
 * list into rows of the one task table. The pool suites also use tasks of
 * other suites: task_square, task_echo, task_sleep, task_fail_message
 * (tasks.c) and task_exec_twice, task_exec_square_or_fail, task_exec_init,
 * task_exec_whoami (executor_tasks.h). Like every task they never assert:
 * they report.
 */
#ifndef MP_TESTS_POOL_TASKS_H
#define MP_TESTS_POOL_TASKS_H

#include <multiproc.h>

#include "tasks.h"

/* Every task of pool_tasks.c; X(fn) for each. */
#define POOL_TASKS(X)       \
    X(task_pool_digits)     \
    X(task_pool_ctl_square) \
    X(task_pool_in_child)   \
    X(task_pool_left_open)

#define POOL_TASK_DECLARE(fn) int fn(mp_task_t *task);
POOL_TASKS(POOL_TASK_DECLARE)
#undef POOL_TASK_DECLARE

/** The suites (test_pool.c, test_pool_bad_input.c, and on POSIX
 *  test_pool_faults.c), for main.c's list. */
struct test_suite;
extern const struct test_suite suite_pool, suite_pool_bad_input, suite_pool_faults;

/** task_pool_digits' result for the int64 arguments a[0..n-1]: each
 *  argument one "digit" in base POOL_DIGIT_BASE, the first the most
 *  significant, so that a lost, repeated or reordered argument shows. */
#define POOL_DIGIT_BASE 1000

/** How many workers task_pool_in_child's pool has (item 36: a Pool(4)). */
enum { POOL_CHILD_WORKERS = 4 };

#endif /* MP_TESTS_POOL_TASKS_H */
