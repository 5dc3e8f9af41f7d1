/**
 * @file executor_example.h
 * @brief What the executor examples share: one way to report a task that
 *        failed, which only its future (or map) can say.
 *
 * Include it after example_support.h.
 */
#ifndef EXECUTOR_EXAMPLE_H
#define EXECUTOR_EXAMPLE_H

#include "example_support.h"

/** @brief Print how a task failed (`what` names the call), then exit(1). */
static inline void example_task_failed(const char *what, int code, const char *message)
{
    fprintf(stderr, "%s: the task failed: %s (%s): %s\n", what, mp_strerror(code),
            mp_err_name(code), message);
    exit(1);
}

/**
 * @brief Stop the example when a call on future `f` failed, as
 *        example_check() does; when the task itself failed (MP_ETASK), with
 *        the task's own code and message.
 */
static inline void example_check_future(int rc, mp_future_t *f, const char *what)
{
    int code = rc;
    const char *message = "";
    if (rc == MP_ETASK && mp_future_error(f, 0, &code, &message) == 0)
        example_task_failed(what, code, message);
    example_check(rc, what);
}

/** @brief The same for result `i` of map `m` (mp_map_error()). */
static inline void example_check_map(int rc, mp_map_t *m, size_t i, const char *what)
{
    int code = rc;
    const char *message = "";
    if (rc == MP_ETASK && mp_map_error(m, i, &code, &message) == 0)
        example_task_failed(what, code, message);
    example_check(rc, what);
}

#endif /* EXECUTOR_EXAMPLE_H */
