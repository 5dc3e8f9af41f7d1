/**
 * @file tracker_tasks.h
 * @brief The child side of the tracker suite's fault scenarios (a killed
 *        tracker, creators killed mid-create, thousands of names): the
 *        tasks of tracker_tasks.c. POSIX only, like the suite.
 *
 * The tasks are listed once, in TRACKER_TASKS below: tracker_tasks.c
 * defines each function, this header declares them, and tasks.c turns the
 * same list into rows of the one task table.
 */
#ifndef MP_TESTS_TRACKER_TASKS_H
#define MP_TESTS_TRACKER_TASKS_H

#include <multiproc.h>

#include "tasks.h"

/* Every task of tracker_tasks.c; X(fn) for each. Each takes a ctl_arg_t. */
#define TRACKER_TASKS(X)        \
    X(task_trk_create_churn)    \
    X(task_trk_create_many)     \
    X(task_trk_create_twice)    \
    X(task_trk_create_taken)    \
    X(task_trk_write_dead_pipe) \
    X(task_trk_listen_sleep)

#define TRACKER_TASK_DECLARE(fn) int fn(mp_task_t *task);
TRACKER_TASKS(TRACKER_TASK_DECLARE)
#undef TRACKER_TASK_DECLARE

#endif /* MP_TESTS_TRACKER_TASKS_H */
