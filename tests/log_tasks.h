/**
 * @file log_tasks.h
 * @brief The child side of the log and finalize suites (test_log.c,
 *        test_finalize.c): tasks that log into a file of their own stderr,
 *        an executor initializer that does the same for a worker, and
 *        children that register finalisers. Listed once in LOG_TASKS for
 *        tasks.c's table.
 */
#ifndef MP_TESTS_LOG_TASKS_H
#define MP_TESTS_LOG_TASKS_H

#include <multiproc.h>

/* Every task of log_tasks.c; X(fn) for each. */
#define LOG_TASKS(X)        \
    X(task_log_child)       \
    X(task_log_stderr_init) \
    X(task_log_say)         \
    X(task_finalize_order)  \
    X(task_finalize_fork_depth)

#define LOG_TASK_DECLARE(fn) int fn(mp_task_t *task);
LOG_TASKS(LOG_TASK_DECLARE)
#undef LOG_TASK_DECLARE

/** The messages task_log_child logs at INFO and at DEBUG. */
#define LOG_CHILD_INFO "child says info"
#define LOG_CHILD_DEBUG "child says debug"
/** What task_log_say logs at INFO, followed by its argument. */
#define LOG_SAY_PREFIX "task says"

/** What the finalisers of task_finalize_order write, in the order Python's
 *  test_finalize expects them (item 139). */
#define FINALIZE_EXPECTED "a\nb\nd10\nd03\nd02\nd01\ne\nSTOP\n"

extern const struct test_suite suite_log, suite_finalize;

#endif /* MP_TESTS_LOG_TASKS_H */
