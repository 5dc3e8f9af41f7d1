/**
 * @file mgr_data_tasks.h
 * @brief The manager's dict, list and Namespace suites (checklist section
 *        14, items 112-115 and 121): the children's tasks
 *        (mgr_data_tasks.c) and the parent's helpers (mgr_data_helpers.c).
 *
 * The tasks are listed once, in MGR_DATA_TASKS below: mgr_data_tasks.c
 * defines each, this header declares them, and tasks.c turns the list
 * into rows of the one task table. Every child gets its proxies with
 * MP_OBJECTS() and mp_task_proxy(); like every task they never assert:
 * a check that fails is the task's failure, with a message saying what
 * it read (the parent prints it).
 */
#ifndef MP_TESTS_MGR_DATA_TASKS_H
#define MP_TESTS_MGR_DATA_TASKS_H

#include <multiproc.h>

#include <stdbool.h>
#include <stdint.h>

#include "mgr_helpers.h"

/* Every task of mgr_data_tasks.c; X(fn) for each. */
#define MGR_DATA_TASKS(X)   \
    X(task_mgr_list_hello)  \
    X(task_mgr_dict_claim)  \
    X(task_mgr_dict_take)   \
    X(task_mgr_nested_dict) \
    X(task_mgr_nested_list) \
    X(task_mgr_list_types)  \
    X(task_mgr_dict_types)  \
    X(task_mgr_namespace_types)

#define MGR_DATA_TASK_DECLARE(fn) int fn(mp_task_t *task);
MGR_DATA_TASKS(MGR_DATA_TASK_DECLARE)
#undef MGR_DATA_TASK_DECLARE

/** The suites, for main.c's list. */
struct test_suite;
extern const struct test_suite suite_mgr_dict, suite_mgr_list, suite_mgr_namespace;

/** What the tutorial's child appends (Python's docs, "Managers"). */
#define MGR_HELLO "Hello from process!"

/** How many keys the claiming / taking children race for. */
enum { MGR_RACE_KEYS = 200 };

/** The line task_mgr_nested_dict writes into the inner dict. */
#define MGR_NESTED_KEY "from"
#define MGR_NESTED_VALUE "child"

/* ---- the parent's side (mgr_data_helpers.c) ------------------------------- */

/* A manager under the suite's start method: mgr_start(NULL) (mgr_helpers.h). */

/** A value packed with mp_var_pack(fmt, ...), kept until scratch_free();
 *  asserted (NULL on failure). One V() may not be an argument of another
 *  (both would pack into the slot the outer one reserved): pack the inner
 *  value first. */
#define V(...) scratch_kept(mp_var_pack(scratch_slot(), __VA_ARGS__), #__VA_ARGS__)
mp_var_t **scratch_slot(void);
const mp_var_t *scratch_kept(int rc, const char *args);

/** Free every value V() made. */
void scratch_free(void);

/** The end of every test: frees the scratch values, destroys the proxies
 *  and the manager (each may be NULL). */
void mgr_done(mp_manager_t *m, mp_proxy_t *a, mp_proxy_t *b);

/** `v`'s repr must be `want`; frees `v` (NULL fails). */
#define EXPECT_REPR(v, want) expect_repr((v), (want), #v, __FILE__, __LINE__)
bool expect_repr(mp_var_t *v, const char *want, const char *expr, const char *file, int line);

/** `rc` must be 0 and `v`'s repr `want` (freed): for a call's out value. */
#define EXPECT_OUT(call, v, want) \
    (EXPECT_RC((call), 0) ? expect_repr((v), (want), #v, __FILE__, __LINE__) : false)

/** The whole list or dict behind a proxy (mp_list_copy / mp_dict_copy)
 *  must print as `want`. */
#define EXPECT_LIST(l, want) expect_list((l), (want), __FILE__, __LINE__)
bool expect_list(mp_proxy_t *l, const char *want, const char *file, int line);
#define EXPECT_DICT(d, want) expect_dict((d), (want), __FILE__, __LINE__)
bool expect_dict(mp_proxy_t *d, const char *want, const char *file, int line);

/** Run `task` in a child with the proxies and an int64 argument; join it
 *  and expect success (asserted, with the child's message). */
bool run_proxy_child(const char *task, int64_t arg, mp_proxy_t *a, mp_proxy_t *b);

/** Start `n` children running `task` on the proxy at once, with ids 1..n
 *  as their int64 argument, and join them all expecting success (asserted,
 *  with each one's message). @return whether all succeeded. */
bool run_racers(const char *task, mp_proxy_t *p, int n);

/** run_racers() with two proxies, `a` and `b` (NULL: only `a`). */
bool run_racers_with(const char *task, mp_proxy_t *a, mp_proxy_t *b, int n);

/** The error detail must contain `part`. */
#define EXPECT_DETAIL(part) expect_detail((part), __FILE__, __LINE__)
bool expect_detail(const char *part, const char *file, int line);

#endif /* MP_TESTS_MGR_DATA_TASKS_H */
