/**
 * @file mgr_tasks.h
 * @brief The child and server side of the manager suites (test_manager*.c):
 *        the suite's own managed type (a counter), the initializer a
 *        server runs, and the children that use proxies. Tasks are listed
 *        once in MGR_TASKS for tasks.c's table.
 */
#ifndef MP_TESTS_MGR_TASKS_H
#define MP_TESTS_MGR_TASKS_H

#include <multiproc.h>

#include <stdint.h>

/* Every task of mgr_tasks.c; X(fn) for each. */
#define MGR_TASKS(X)      \
    X(task_mgr_init)      \
    X(task_mgr_init_bad)  \
    X(task_mgr_add)       \
    X(task_mgr_call)      \
    X(task_mgr_remote)    \
    X(task_mgr_inherited) \
    X(task_mgr_start_and_die)

#define MGR_TASK_DECLARE(fn) int fn(mp_task_t *task);
MGR_TASKS(MGR_TASK_DECLARE)
#undef MGR_TASK_DECLARE

/**
 * The suite's type, "TestCounter" (registered before mp_init() by main()):
 * an int64 made from its optional first argument.
 * | method        | args      | does                                              |
 * |---------------|-----------|---------------------------------------------------|
 * | add           | [n]       | adds n, wakes waiters, answers the new value       |
 * | get           | []        | the value                                          |
 * | missing       | []        | fails with MP_EKEY, MGR_MISSING_MESSAGE           |
 * | wait_for      | [n]       | waits (the call's timeout) until value >= n        |
 * | waiting       | []        | how many wait_for calls are waiting                |
 * | block         | [s, path] | writes an empty file at path (if given), then      |
 * |               |           | sleeps s seconds holding the server's lock         |
 * | initialized   | []        | what the initializer set in the server (0: none)   |
 */
extern const mp_manager_type_t mgr_counter_type;
#define MGR_COUNTER "TestCounter"
/** The message of the counter's "missing" method. */
#define MGR_MISSING_MESSAGE "the counter has no key 'missing'"

/** Register the suite's types: main() calls it before mp_init(). It also
 *  tries a second type named MGR_COUNTER and one with no create, and keeps
 *  what mp_manager_register() said in the two ints below. */
int mgr_register_types(void);
extern int mgr_duplicate_rc, mgr_incomplete_rc;

/** task_mgr_call's argument: a method to call with the arguments [n]
 *  (or [n, path] when `path` is not empty), and the call's timeout. */
typedef struct mgr_call_arg {
    char method[32];
    int64_t n;
    char path[512];
    double timeout;
} mgr_call_arg_t;

/** task_mgr_remote's argument: a server to connect to, and what to do. */
typedef struct mgr_remote_arg {
    char address[MP_ADDRESS_MAX + 1];
    unsigned char key[64];
    uint32_t key_len;
    char name[64]; /**< the published counter to add to */
    int64_t n;     /**< how much to add */
} mgr_remote_arg_t;

/** Handles a fork child inherits (not given with MP_OBJECTS), for
 *  task_mgr_inherited: the parent sets them before it forks. */
extern mp_manager_t *mgr_inherited_manager;
extern mp_proxy_t *mgr_inherited_proxy;

/** The suite's structs (test_manager*.c), for main.c's list. */
struct test_suite;
extern const struct test_suite suite_manager, suite_manager_remote, suite_manager_hostile,
    suite_manager_death, suite_manager_bad_input;

#endif /* MP_TESTS_MGR_TASKS_H */
