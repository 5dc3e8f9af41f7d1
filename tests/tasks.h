/**
 * @file tasks.h
 * @brief The task table of the conformance suite: everything a child runs.
 *
 * Children never assert: they report through their exit code, their result
 * bytes, or (when their parent is meant to die first) a file. Arguments and
 * results that are more than one number travel as the fixed structs below;
 * parent and child are the same executable, so their layout agrees.
 */
#ifndef MP_TESTS_TASKS_H
#define MP_TESTS_TASKS_H

#include <multiproc.h>

#include <stdint.h>

/** The table handed to mp_init() in main(). */
extern const mp_task_def_t test_tasks[];

/** Size of the string fields of the structs below. */
enum { TASK_STR = 256 };

/**
 * Orders for tasks that start a grandchild or write to a file: the start
 * method the grandchild uses (the suite's), a file path, and a number whose
 * meaning depends on the task.
 */
typedef struct ctl_arg {
    char method[16];
    char path[TASK_STR];
    int64_t n;
    double seconds;
} ctl_arg_t;

/** What task_report_self sends back: the child's view of itself. */
typedef struct self_report {
    int64_t pid;
    char name[64];
    int32_t daemon;
    char start_method[16]; /**< mp_current_process().start_method, "" for NULL */
    int32_t parent_rc;     /**< mp_parent_process() */
    int64_t parent_pid;
    char parent_name[64];
    int32_t parent_alive;   /**< mp_parent_is_alive() */
    char method_before[16]; /**< mp_get_start_method(allow_none), "(none)" for NULL */
    int32_t set_method_rc;  /**< mp_set_start_method("spawn", false) afterwards */
    char task_name[64];     /**< mp_task_name() */
    int64_t arg_len;        /**< length of the argument it received */
} self_report_t;

/**
 * Runs Python's test_recursion body for process `id` (e.g. "[0,1]"): appends
 * "<id>;" to `out`, then, while the id is shorter than depth 2, starts and
 * joins two children with ids id+[0] and id+[1] under `method`, appending
 * their results in order. Used by the test (for "[]") and by the task.
 * @return 0, or the first error (never asserts: it also runs in children).
 */
int recurse_collect(const char *method, const char *id, char *out, size_t size);

/** The line task_probe_print writes to stdout (see main.c's --probe). */
#define PROBE_TASK_LINE "probe-task"
/** The message task_probe_print fails with; it must reach the child's stderr. */
#define PROBE_FAIL_MESSAGE "probe failure 42"

/** The number of atexit handlers task_atexit registers before it overflows. */
enum { ATEXIT_LIMIT = 32 };

/** test_handles.c's child: destroys the lock it was given (a borrowed
 *  handle), then must still be able to use it. */
int task_destroy_borrowed(mp_task_t *t);

/* ---- child-side helpers (tasks.c), shared with sync_tasks.c ----------- */

/** Copy the task's argument, which must be exactly `size` bytes (a struct
 *  named `what` in the message), to `out`; or fail the task. */
int task_arg_struct(mp_task_t *t, void *out, size_t size, const char *what);

/** Write `text` to `path` so that a reader sees all of it or nothing: the
 *  parent polls for the file while we may still be writing it. */
int write_file_atomic(const char *path, const char *text);

/** Create and start a grandchild under the method the test asked for;
 *  fails the task (and returns its code) on error. */
int start_grandchild(mp_task_t *t, const char *method, mp_process_opts_t opts, mp_process_t **out);

/** start_grandchild() from a thread that has ended when this returns: a
 *  child's parent thread is gone, its parent process is not. With `ready`
 *  (may be NULL) the thread first waits for the child to create that file.
 *  `t` may be NULL (a failure is then only returned). */
int start_from_ended_thread(mp_task_t *t, const char *method, mp_process_opts_t opts,
                            const char *ready, mp_process_t **out);

/** Join a grandchild for up to a minute (a hung one must not hang the
 *  suite; CTest's timeout is the last resort); fails the task on error. */
int join_grandchild(mp_task_t *t, mp_process_t *p);

#endif /* MP_TESTS_TASKS_H */
