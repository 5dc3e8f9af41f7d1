/**
 * @file executor_exit_tasks.h
 * @brief The child side of the executor_exit suite (test_executor_exit.c):
 *        its task, for tasks.c's table, and the suite for main.c.
 */
#ifndef MP_TESTS_EXECUTOR_EXIT_TASKS_H
#define MP_TESTS_EXECUTOR_EXIT_TASKS_H

#include <multiproc.h>

/** Runs one task on an executor of its own and returns without destroying
 *  the executor (test_executor_exit.c). */
int task_executor_left_open(mp_task_t *task);

extern const struct test_suite suite_executor_exit;

#endif /* MP_TESTS_EXECUTOR_EXIT_TASKS_H */
