/**
 * @file sync_tasks.h
 * @brief The child side of the synchronisation and shared-memory suites
 *        (issue 4): the tasks of sync_tasks.c and the structs they take.
 *
 * The tasks are listed once, in SYNC_TASKS below: sync_tasks.c defines each
 * function, this header declares them, and tasks.c turns the same list into
 * rows of the one task table, so no name is written twice.
 */
#ifndef MP_TESTS_SYNC_TASKS_H
#define MP_TESTS_SYNC_TASKS_H

#include <multiproc.h>

#include <stdint.h>

#include "tasks.h"

/* Every task of sync_tasks.c; X(fn) for each. */
#define SYNC_TASKS(X)           \
    X(task_sync_script)         \
    X(task_cond_wait_for_four)  \
    X(task_barrier_party)       \
    X(task_barrier_action)      \
    X(task_barrier_action_fail) \
    X(task_value_double)        \
    X(task_value_increment)     \
    X(task_prefix_sums)         \
    X(task_shm_exchange)        \
    X(task_shlist_exchange)     \
    X(task_shm_attach_sleep)    \
    X(task_leak_creator)        \
    X(task_leak_middle)         \
    X(task_tracker_pipe)        \
    X(task_getter_checks)

#define SYNC_TASK_DECLARE(fn) int fn(mp_task_t *task);
SYNC_TASKS(SYNC_TASK_DECLARE)
#undef SYNC_TASK_DECLARE

/* ---- scripts: a few lock/semaphore/event/condition calls in a row ---- */

/**
 * One call of a script. Children and the parent's threads run the same
 * scripts (sync_script_run()), so a test reads as the sequence of calls
 * each party makes, and a thread waiter and a process waiter are the same
 * code. `obj` is the index of the object the call uses (of the objects the
 * child was given, or of the handles a thread was given).
 */
typedef enum sync_op {
    OP_END = 0,       /**< ends a script shorter than SCRIPT_STEPS */
    OP_SLEEP,         /**< sleep `arg` seconds (killed tests: a long one) */
    OP_LOCK_ACQUIRE,  /**< mp_lock_acquire(`arg` timeout) */
    OP_LOCK_TRY,      /**< mp_lock_acquire(0): one try */
    OP_LOCK_RELEASE,  /**< mp_lock_release */
    OP_LOCK_LOCKED,   /**< mp_lock_is_locked (1 or 0) */
    OP_RLOCK_ACQUIRE, /**< mp_rlock_acquire(`arg` timeout) */
    OP_RLOCK_RELEASE, /**< mp_rlock_release */
    OP_RLOCK_LOCKED,  /**< mp_rlock_is_locked (1 or 0) */
    OP_SEM_ACQUIRE,   /**< mp_semaphore_acquire(`arg` timeout) */
    OP_SEM_RELEASE,   /**< mp_semaphore_release */
    OP_EVENT_SET,     /**< mp_event_set */
    OP_EVENT_CLEAR,   /**< mp_event_clear */
    OP_EVENT_IS_SET,  /**< mp_event_is_set (1 or 0) */
    OP_EVENT_WAIT,    /**< mp_event_wait(`arg` timeout) */
    OP_COND_ACQUIRE,  /**< mp_condition_acquire(`arg` timeout) */
    OP_COND_RELEASE,  /**< mp_condition_release */
    OP_COND_WAIT,     /**< mp_condition_wait(`arg` timeout) */
    OP_COND_NOTIFY,   /**< mp_condition_notify(`arg` waiters) */
} sync_op_t;

typedef struct sync_step {
    int32_t op;   /**< a sync_op_t */
    uint32_t obj; /**< which object */
    double arg;   /**< timeout, seconds or count, by op */
} sync_step_t;

enum { SCRIPT_STEPS = 12 };

/** The argument of task_sync_script. */
typedef struct sync_script {
    sync_step_t steps[SCRIPT_STEPS];
} sync_script_t;

/** Marks the steps a script did not run (it stopped at a missing object). */
#define STEP_NOT_RUN 1000

/** What each step returned: task_sync_script's result. */
typedef struct script_rcs {
    int32_t rc[SCRIPT_STEPS];
} script_rcs_t;

/**
 * Run `script`, taking object i from `task` (in a child) or, when task is
 * NULL, from handles[i] (in a thread of the test process, which must give
 * each index the type its ops use).
 */
void sync_script_run(const sync_script_t *script, const mp_task_t *task, void *const *handles,
                     size_t nhandles, script_rcs_t *out);

/* ---- barriers ------------------------------------------------------- */

/** The argument of task_barrier_party. */
typedef struct barrier_arg {
    int64_t rounds; /**< how many times to wait */
    double timeout; /**< for each wait: seconds or MP_FOREVER */
    double delay;   /**< sleep this long before the first wait (a late party) */
} barrier_arg_t;

/**
 * The Value task_barrier_action adds 1 to, in whichever process runs it.
 * A barrier action is a task-table name run with no objects of its own, so
 * every party that may be last stores its handle here first: the parent
 * test sets it, and task_barrier_party sets it from its object 2.
 */
extern mp_value_t *barrier_action_counter;

/* ---- values --------------------------------------------------------- */

/** How task_value_increment adds 1. */
typedef enum incr_mode {
    INCR_ADD = 1,    /**< mp_value_add_i64 */
    INCR_PTR,        /**< the value's lock held around `++*(int64_t *)mp_value_ptr()` */
    INCR_GET_SET,    /**< the lock held around get + set (the tutorial's increment) */
    INCR_LOCKED_RAW, /**< Lock object 1 held around ++ on a raw int64 value */
} incr_mode_t;

/** The argument of task_value_increment. */
typedef struct incr_arg {
    int64_t times;
    int32_t mode; /**< an incr_mode_t */
} incr_arg_t;

/** A predicate for mp_condition_wait_for(): element 0 of `value` is `want`. */
typedef struct value_target {
    mp_value_t *value;
    int64_t want;
} value_target_t;

/** The predicate itself (ctx: a value_target_t); 0 also when the read fails. */
int value_reaches(void *ctx);

/** What task_cond_wait_for_four waits for, as CPython's test_waitfor. */
enum { WAIT_FOR_TARGET = 4 };

/* ---- shared memory -------------------------------------------------- */

/** The argument of task_shm_exchange. */
typedef struct shm_msg {
    char name[MP_SHM_NAME_MAX + 1]; /**< "" = use object 0; else attach this name */
    char text[64];                  /**< written at offset 0 (with its NUL) */
} shm_msg_t;

/** The slots task_shlist_exchange expects, in this order. */
enum { SL_I64, SL_DOUBLE, SL_STR, SL_BYTES, SL_COUNT };
/** STR and BYTES slot widths of that list. */
enum { SL_WIDTH = 16 };

/** What task_shlist_exchange found in the list before it wrote its own. */
typedef struct shlist_seen {
    int64_t i64;
    double dbl;
    char str[SL_WIDTH];
    unsigned char bytes[SL_WIDTH];
    int64_t bytes_len;
} shlist_seen_t;

/** The values task_shlist_exchange writes. */
#define SL_CHILD_I64 ((int64_t)1 << 40)
#define SL_CHILD_DOUBLE (-273.154)
#define SL_CHILD_STR "from child"
#define SL_CHILD_BYTES "\0\1\2\0"
#define SL_CHILD_BYTES_LEN 4

/**
 * Orders for the tracker tasks: a ctl_arg_t (whose path is where the task
 * writes what the test must know) and a segment name.
 */
typedef struct shm_ctl {
    ctl_arg_t ctl;
    char name[MP_SHM_NAME_MAX + 1];
} shm_ctl_t;

#endif /* MP_TESTS_SYNC_TASKS_H */
