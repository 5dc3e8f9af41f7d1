/**
 * @file mgr_pool_tasks.h
 * @brief The child side of the "mgr_pool" suite (test_mgr_pool.c): its
 *        tasks, for tasks.c's table, and the suite, for main.c's list.
 *        The pool's workers run tasks of other suites (task_square,
 *        task_echo, task_sleep, task_fail_message, task_pool_digits).
 */
#ifndef MP_TESTS_MGR_POOL_TASKS_H
#define MP_TESTS_MGR_POOL_TASKS_H

#include <multiproc.h>

#include "helpers.h"
#include "mgr_helpers.h"

/* Every task of test_mgr_pool.c; X(fn) for each. */
#define MGR_POOL_TASKS(X) X(task_mgr_pool_child)

#define MGR_POOL_TASK_DECLARE(fn) int fn(mp_task_t *task);
MGR_POOL_TASKS(MGR_POOL_TASK_DECLARE)
#undef MGR_POOL_TASK_DECLARE

extern const test_suite_t suite_mgr_pool;

#endif /* MP_TESTS_MGR_POOL_TASKS_H */
