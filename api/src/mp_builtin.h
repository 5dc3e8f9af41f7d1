/**
 * @file mp_builtin.h
 * @brief The library's own tasks (a pool's worker loop, later a manager
 *        server), in a table beside the program's, under a reserved prefix.
 *
 * Every built-in name starts with MP__BUILTIN_PREFIX, and mp_init() refuses
 * a program table with a name that does: the two tables can never clash,
 * and a name is looked up in exactly one of them. The prefix cannot come
 * from MP_TASK(fn) (a C identifier has no '.'), only from MP_TASK_NAMED().
 */
#ifndef MP_BUILTIN_H
#define MP_BUILTIN_H

#include <stdbool.h>

#include <multiproc/task.h>

/** The prefix of every built-in task's name; reserved for the library. */
#define MP__BUILTIN_PREFIX "mp."

/**
 * The worker loop (worker.c): object 0 is a connection on which it receives
 * orders (mp_order.h) and sends back one result record per order other
 * than stop (an order it cannot read gets one too, with a boot error),
 * until end-of-file or a stop order. The tasks it runs see the worker's
 * other objects (1..n-1) as their objects 0..n-2.
 */
#define MP__TASK_WORKER MP__BUILTIN_PREFIX "worker"

/**
 * The worker-pool core's worker loop (pool_worker.c): object 0 is its ring
 * of orders, 1 the pool's ring of answers, 2 the pool's worker slots, the
 * rest the tasks' objects; its argument is an mp__pool_worker_arg_t
 * (mp_pool_wire.h) and the initializer's name and argument.
 */
#define MP__TASK_POOL_WORKER MP__BUILTIN_PREFIX "pool_worker"

/**
 * A manager's server (manager_serve.c): object 0 is the starter's
 * connection, on which it says it serves (or why it cannot) and which it
 * then serves as the client that may stop it; its argument is its
 * configuration as a typed value (mp_mgr.h). The initializer sees the
 * other objects (1..n-1) as its objects 0..n-2.
 */
#define MP__TASK_MANAGER MP__BUILTIN_PREFIX "manager"

/** @brief Whether `name` is in the reserved namespace. */
bool mp__builtin_reserved(const char *name);

/** @brief The built-in tasks, ended by MP_TASK_END (static). */
const mp_task_def_t *mp__builtin_table(void);

/** @brief The worker loop's function (worker.c). */
int mp__builtin_worker(mp_task_t *task);

/** @brief The worker-pool core's worker loop (pool_worker.c). */
int mp__builtin_pool_worker(mp_task_t *task);

/** @brief A manager's server (manager_serve.c). */
int mp__builtin_manager(mp_task_t *task);

#endif /* MP_BUILTIN_H */
