/**
 * @file mgr_set_tasks.h
 * @brief The manager's set suite and the nested-proxy suite (checklist
 *        section 14, items 122 and 114's second half): the children's
 *        tasks (mgr_set_tasks.c), listed once in MGR_SET_TASKS for
 *        tasks.c's table, and the suites for main.c's list.
 *
 * Like every task they never assert: a check that fails is the task's
 * failure, with a message saying what it read (the parent prints it).
 */
#ifndef MP_TESTS_MGR_SET_TASKS_H
#define MP_TESTS_MGR_SET_TASKS_H

#include <multiproc.h>

/* Every task of mgr_set_tasks.c; X(fn) for each. */
#define MGR_SET_TASKS(X)     \
    X(task_mgr_set_child)    \
    X(task_mgr_set_popper)   \
    X(task_mgr_nested_queue) \
    X(task_mgr_locked_counter)

#define MGR_SET_TASK_DECLARE(fn) int fn(mp_task_t *task);
MGR_SET_TASKS(MGR_SET_TASK_DECLARE)
#undef MGR_SET_TASK_DECLARE

/** The suites, for main.c's list. */
struct test_suite;
extern const struct test_suite suite_mgr_set, suite_mgr_nested;

/** What task_mgr_set_child adds to the set it is given. */
#define MGR_SET_CHILD_MEMBER "child"

/** How many members the popping children share out. */
enum { MGR_SET_POP_MEMBERS = 200 };

/** What task_mgr_nested_queue puts on the queue it finds in a container. */
#define MGR_NESTED_ITEM "through the container"

/** Where task_mgr_nested_queue finds the queue's reference (its argument):
 *  under this key of a dict, or at index 0 of a list. */
enum { MGR_NESTED_IN_DICT = 0, MGR_NESTED_IN_LIST = 1 };
#define MGR_NESTED_QUEUE_KEY "queue"

/** task_mgr_locked_counter: how many increments each child makes, and the
 *  dict's keys it increments (every time, and on every second time). */
enum { MGR_COUNTER_STEPS = 200 };
#define MGR_COUNTER_TOTAL "total"
#define MGR_COUNTER_EVEN "even"

#endif /* MP_TESTS_MGR_SET_TASKS_H */
