/**
 * @file test_mgr_sync_tasks.h
 * @brief The child side of the manager synchronisation and queue suites:
 *        scripts of proxy calls (the same sync_script_t as sync_tasks.h,
 *        with the ops below), run by children on the proxies they were
 *        given and by threads of the test process on their own handles,
 *        and the helpers those suites share.
 */
#ifndef MP_TESTS_MGR_SYNC_TASKS_H
#define MP_TESTS_MGR_SYNC_TASKS_H

#include <multiproc.h>

#include "sync_helpers.h"

/* Every task of test_mgr_sync_tasks.c; X(fn) for each. */
#define MGR_SYNC_TASKS(X) \
    X(task_mgr_script)    \
    X(task_mgr_queue_worker)

#define MGR_SYNC_TASK_DECLARE(fn) int fn(mp_task_t *task);
MGR_SYNC_TASKS(MGR_SYNC_TASK_DECLARE)
#undef MGR_SYNC_TASK_DECLARE

extern const test_suite_t suite_mgr_lock, suite_mgr_condition, suite_mgr_barrier, suite_mgr_value,
    suite_mgr_sync_bad_input, suite_mgr_queue;

/**
 * One proxy call of a manager script (sync_step_t.op); `obj` is the index
 * of the proxy, `arg` a timeout, a count or a number by op. A step's code
 * is the call's return: 0 / MP_E*, or the answer of a count or predicate.
 */
typedef enum mgr_op {
    MOP_END = 0,      /**< ends a script shorter than SCRIPT_STEPS */
    MOP_SLEEP,        /**< sleep `arg` seconds */
    MOP_ACQUIRE,      /**< mp_mlock_acquire(`arg` timeout) */
    MOP_RELEASE,      /**< mp_mlock_release */
    MOP_LOCKED,       /**< mp_mlock_is_locked */
    MOP_SEM_VALUE,    /**< mp_msemaphore_value: the value */
    MOP_EVENT_SET,    /**< mp_mevent_set */
    MOP_EVENT_CLEAR,  /**< mp_mevent_clear */
    MOP_EVENT_IS_SET, /**< mp_mevent_is_set */
    MOP_EVENT_WAIT,   /**< mp_mevent_wait(`arg` timeout) */
    MOP_COND_WAIT,    /**< mp_mcond_wait(`arg` timeout) */
    MOP_COND_NOTIFY,  /**< mp_mcond_notify(`arg` waiters) */
    MOP_BARRIER_WAIT, /**< mp_mbarrier_wait(`arg` timeout): the index */
    MOP_PARTIES,      /**< mp_mbarrier_parties */
    MOP_RESET,        /**< mp_mbarrier_reset */
    MOP_VALUE_GET,    /**< mp_mvalue_getf("I"): the int */
    MOP_VALUE_SET,    /**< mp_mvalue_setf("I", `arg`) */
    MOP_ARRAY_LEN,    /**< mp_marray_len */
    MOP_ARRAY_GET,    /**< mp_marray_get(`arg`): the int */
    MOP_ARRAY_SUM,    /**< the sum of mp_marray_copy()'s ints (iteration) */
    MOP_QUEUE_PUT,    /**< mp_mqueue_putf(MP_FOREVER, "I", `arg`) */
    MOP_QUEUE_GET,    /**< mp_mqueue_getf(`arg` timeout, "I"): the int */
} mgr_op_t;

/**
 * Run `script` on the proxies: taken from `task` (a child) or, when task
 * is NULL, from `handles` (a thread of the test process).
 */
void mgr_script_run(const sync_script_t *script, const mp_task_t *task, mp_proxy_t *const *handles,
                    size_t nhandles, script_rcs_t *out);

/* ---- the test process's side ----------------------------------------- */

/** A manager whose server runs under the suite's start method; asserted. */
mp_manager_t *start_manager(void);

/** A second handle to the object of `p` (its own connection, so its own
 *  client identity: a thread's RLock or Condition owner); asserted. */
mp_proxy_t *second_handle(mp_proxy_t *p);

/** A script run by a thread of the test process on its own handles. */
typedef struct mgr_thread {
    pthread_t thread;
    sync_script_t script;
    mp_proxy_t *handles[4];
    size_t nhandles;
    script_rcs_t rcs; /**< valid after mgr_thread_join() */
    bool running;
} mgr_thread_t;

/** Start it on second handles of `handles` (asserted). */
bool mgr_thread_start(mgr_thread_t *th, const sync_script_t *script, mp_proxy_t *const *handles,
                      size_t nhandles);
/** Wait for it and free its handles (no-op if it never started). */
void mgr_thread_join(mgr_thread_t *th);

/** `handles, n` from a list of proxies. */
#define PROXIES(...) \
    (mp_proxy_t *const[]){__VA_ARGS__}, sizeof((mp_proxy_t *const[]){__VA_ARGS__}) / sizeof(void *)

/** The fragment of a child that runs a manager script. */
#define MGR_SCRIPT_TASK(script) .task = "task_mgr_script", ARG_OF(script)

#endif /* MP_TESTS_MGR_SYNC_TASKS_H */
