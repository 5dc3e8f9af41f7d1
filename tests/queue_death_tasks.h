/**
 * @file queue_death_tasks.h
 * @brief The child side of the queue_deaths suite (test_queue_deaths.c):
 *        its tasks, listed once in QUEUE_DEATH_TASKS for tasks.c's table,
 *        and the orders parent and child share.
 */
#ifndef MP_TESTS_QUEUE_DEATH_TASKS_H
#define MP_TESTS_QUEUE_DEATH_TASKS_H

#include <multiproc.h>

#include <stdbool.h>
#include <stdint.h>

/* Every task of test_queue_deaths.c; X(fn) for each. */
#define QUEUE_DEATH_TASKS(X)     \
    X(task_queue_die_inside)     \
    X(task_queue_get_one)        \
    X(task_queue_scribble)       \
    X(task_queue_storm_producer) \
    X(task_queue_storm_consumer)

#define QUEUE_DEATH_TASK_DECLARE(fn) int fn(mp_task_t *task);
QUEUE_DEATH_TASKS(QUEUE_DEATH_TASK_DECLARE)
#undef QUEUE_DEATH_TASK_DECLARE

/** Where task_queue_die_inside dies. */
typedef enum death_op { DEATH_IN_PUT, DEATH_IN_GET } death_op_t;

/** task_queue_die_inside's argument. */
typedef struct death_order {
    int32_t op;         /**< death_op_t */
    bool stop_at_point; /**< stop at the test hook's point; false: run on */
    uint64_t len;       /**< a put's message length */
    uint32_t seed;      /**< a put's pattern */
} death_order_t;

extern const struct test_suite suite_queue_deaths;

#endif /* MP_TESTS_QUEUE_DEATH_TASKS_H */
