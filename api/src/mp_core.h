/**
 * @file mp_core.h
 * @brief What the core's files share with each other (never with users).
 */
#ifndef MP_CORE_H
#define MP_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc.h>

#include "mp_backend.h"

/* mp__errdetail_set(), mp__deadline() and mp__time_left() are up-calls:
 * mp_backend.h declares them for the backends and the core alike. */

/** @brief The failing half of mp__timeout_check(). */
int mp__timeout_invalid(double timeout, const char *fn);

/**
 * @brief The one check of a timeout a user passed (see MP_FOREVER): NaN and
 *        negative numbers are MP_EINVAL, with detail naming `fn`. Inline:
 *        it is on every lock's acquire path.
 */
static inline int mp__timeout_check(double timeout, const char *fn)
{
    return timeout >= 0 ? 0 : mp__timeout_invalid(timeout, fn); /* NaN compares false */
}

/* --- the task table (tasks.c) ------------------------------------- */

/**
 * @brief Remember the table; MP_EINVAL for NULL, duplicate names, or a name
 *        in the library's reserved namespace (mp_builtin.h: "mp." names
 *        are built-in tasks). A refused table leaves the current one.
 */
int mp__tasks_set(const mp_task_def_t *tasks);
/** @brief The function the program registered under `name`, or NULL. */
mp_task_fn mp__tasks_find(const char *name);
/**
 * @brief The task a child can run under `name`: a built-in for a reserved
 *        name, else the program's. NULL when there is none.
 */
mp_task_fn mp__task_lookup(const char *name);

/** @brief Free a task's long message (mp_task_fail()), if it has one, and
 *         leave it empty. */
void mp__task_message_free(mp_task_t *task);
/** @brief Whether mp_init() has been called in this process. */
bool mp__initialised(void);

/** A running task: its orders and what it will report. */
struct mp_task {
    const char *name;
    const void *arg;
    size_t arg_len;
    mp__buf_t value; /**< result bytes */
    /** Where a small result lives (a pool worker runs a tiny task without
     *  an allocation). */
    char value_storage[64];
    bool has_value; /**< mp_task_return() was called */
    int error;      /**< code given to mp_task_fail(), 0 if none */
    /** Its message: `message_storage`, or a heap copy for a longer one (a
     *  message of any size reaches the parent whole); mp__runner_release()
     *  frees it. */
    char *message;
    char message_storage[512];
    struct mp__object **objects; /**< the shareable objects it was given */
    size_t nobjects;
};

/* --- the current process (runtime.c) ------------------------------ */

/** Who this process is; filled in by mp_init() or by the bootstrap record. */
typedef struct mp__self {
    char *name; /**< "MainProcess" or the name the parent gave */
    bool daemon;
    const char *method; /**< NULL in the main process */
    bool has_parent;
    mp_pid_t parent_pid;
    char *parent_name;
    unsigned next_child; /**< numbering for "Process-N" names */
} mp__self_t;

/** @brief This process's identity (one per process, reset in children). */
mp__self_t *mp__self(void);

/** @brief Take and release the core's one lock (children registry, self). */
void mp__core_lock(void);
void mp__core_unlock(void);

/** @brief Fork policy point 2 (mp_backend.h): may this process fork now? */
int mp__fork_policy_check(void);

/* --- the children registry (process.c) ---------------------------- */

/**
 * @brief At the process's exit (before its children are joined): shut
 *        down every pool this process made and did not destroy, letting
 *        their tasks finish and their workers end, as Python does at exit;
 *        otherwise the join of the still-waiting workers would never end.
 */
void mp__pools_at_exit(void);

/** @brief End of this process: terminate daemon children, join the rest. */
void mp__children_at_exit(void);
/** @brief Forget every child handle (a fork child does not own them). */
void mp__children_forget(void);

/* --- connections (connection.c) ------------------------------------ */

/**
 * @brief A duplex connection over an end the backend made (an accepted or
 *        connected socket or pipe), as the handle users hold. It owns `os`
 *        from then on, and frees it on failure too.
 * @return 0; MP_ESTATE before mp_init(); MP_ENOMEM.
 */
int mp__connection_adopt(mp__os_conn_t *os, mp_connection_t **out);

/**
 * @brief Destroy the handle `c` without closing its end, and return the
 *        end (NULL if the handle had closed it). Whatever `c` had read of
 *        an unfinished message is lost: call it between messages.
 */
mp__os_conn_t *mp__connection_disown(mp_connection_t *c);

/**
 * @brief A test hook: the bytes of memory `c` holds for an unfinished or
 *        past message (its body buffer's capacity); 0 for a bad handle.
 */
size_t mp__connection_held_for_tests(mp_connection_t *c);

/* --- start methods (context.c) ------------------------------------ */

/** @brief The start method a context stands for; NULL = the default one. */
int mp__context_method(mp_context_t *ctx, const mp__start_method_t **out);

#endif /* MP_CORE_H */
