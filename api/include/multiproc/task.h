/**
 * @file multiproc/task.h
 * @brief Task functions: the code a child process runs, looked up by name.
 *
 * A program lists its task functions in one table and hands it to mp_init().
 * A child, under every start method, finds its task in that table by name:
 * a program that works with fork works unchanged with spawn and forkserver.
 *
 * A task receives argument bytes and hands back result bytes, or an error
 * (code and message). Typed helpers cover int64, double and strings, which
 * travel in the machine's native representation (parent and child are always
 * the same executable on the same machine).
 */
#ifndef MULTIPROC_TASK_H
#define MULTIPROC_TASK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <multiproc/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a running task sees of itself: its argument and its result slot. */
typedef struct mp_task mp_task_t;

/**
 * A task function. Return 0 for success, a positive number to exit with that
 * code (like `sys.exit(n)`), or a negative `MP_E*` code for failure, which
 * the parent sees as exit code 1 and as the task's error (like an uncaught
 * exception).
 */
typedef int (*mp_task_fn)(mp_task_t *task);

/**
 * One row of the task table. Names starting with `mp.` are the library's own
 * (its built-in tasks: the pool's worker loop, the manager's server):
 * mp_init() refuses a user table that uses one, with MP_EINVAL.
 */
typedef struct mp_task_def {
    const char *name; /**< unique name; children look tasks up by it */
    mp_task_fn fn;    /**< the function */
} mp_task_def_t;

/* clang-format off */
/** A table row named after the function itself. */
#define MP_TASK(fn) {#fn, fn}
/** A table row with an explicit name. */
#define MP_TASK_NAMED(name, fn) {name, fn}
/** The row that ends a task table. */
#define MP_TASK_END {0, 0}
/* clang-format on */

/**
 * @brief The task's argument bytes.
 * @param task the running task.
 * @param[out] data where the bytes start (valid for the task's lifetime;
 *             NULL when the argument is empty).
 * @param[out] len their count.
 * @return 0; MP_EINVAL if any pointer is NULL.
 */
MP_API int mp_task_arg(const mp_task_t *task, const void **data, size_t *len);

/**
 * @brief The argument as an int64 (sent with MP_ARG_I64()).
 * @return 0; MP_EINVAL for NULL pointers or an argument that is not exactly
 *         8 bytes.
 */
MP_API int mp_task_arg_i64(const mp_task_t *task, int64_t *out);

/**
 * @brief The argument as a double (sent with MP_ARG_DOUBLE()).
 * @return 0; MP_EINVAL for NULL pointers or an argument that is not exactly
 *         `sizeof(double)` bytes.
 */
MP_API int mp_task_arg_double(const mp_task_t *task, double *out);

/**
 * @brief The argument as a NUL-terminated string (sent with MP_ARG_STR()).
 * @param task the running task.
 * @param[out] out points into the argument bytes; valid for the task's life.
 * @return 0; MP_EINVAL for NULL pointers or bytes that do not end in NUL.
 */
MP_API int mp_task_arg_str(const mp_task_t *task, const char **out);

/**
 * @brief How many arguments a task started by a starmap was given
 *        (mp_pool_starmap(): a tuple of arguments in one).
 * @return the count (>= 0); MP_EINVAL for a NULL task or an argument that
 *         is not such a tuple.
 */
MP_API int mp_task_arg_count(const mp_task_t *task);

/**
 * @brief Argument `i` of a task started by a starmap.
 * @param task the running task.
 * @param i the argument's position, from 0.
 * @param[out] data where its bytes start (valid for the task's lifetime).
 * @param[out] len their count.
 * @return 0; MP_EINVAL for NULL pointers, an argument that is not a tuple,
 *         or `i` past its end.
 */
MP_API int mp_task_arg_at(const mp_task_t *task, size_t i, const void **data, size_t *len);

/** @brief Argument `i` of a starmap's task as an int64 (exactly 8 bytes);
 *         see mp_task_arg_at(). */
MP_API int mp_task_arg_i64_at(const mp_task_t *task, size_t i, int64_t *out);

/** @brief Argument `i` of a starmap's task as a double; see
 *         mp_task_arg_at(). */
MP_API int mp_task_arg_double_at(const mp_task_t *task, size_t i, double *out);

/**
 * @brief Set the result bytes the parent receives (copied; the last call wins).
 * @param task the running task.
 * @param data the bytes (may be NULL when len is 0).
 * @param len their count.
 * @return 0; MP_EINVAL for a NULL task or NULL data with len > 0;
 *         MP_ENOMEM.
 */
MP_API int mp_task_return(mp_task_t *task, const void *data, size_t len);

/** @brief Set an int64 result; see mp_task_return(). */
MP_API int mp_task_return_i64(mp_task_t *task, int64_t value);

/** @brief Set a double result; see mp_task_return(). */
MP_API int mp_task_return_double(mp_task_t *task, double value);

/** @brief Set a string result (copied with its NUL); see mp_task_return(). */
MP_API int mp_task_return_str(mp_task_t *task, const char *value);

/**
 * @brief Record an error for the parent and return its code, for
 *        `return mp_task_fail(t, MP_EINVAL, "bad row %d", row);`.
 *
 * The message is also written to the child's stderr when the task ends, the
 * way Python prints a traceback.
 * @param task the running task (NULL: only the code is returned).
 * @param code a negative MP_E* code (anything else becomes MP_ETASK).
 * @param fmt a printf format for the message (may be NULL), then its arguments.
 * @return the code the task should return (negative).
 */
MP_API int mp_task_fail(mp_task_t *task, int code, const char *fmt, ...) MP_PRINTF(3, 4);

/** @brief The name the task was started under; "" for a NULL task. */
MP_API const char *mp_task_name(const mp_task_t *task);

/**
 * Designated-initialiser fragments that set a process's argument:
 * `&(mp_process_opts_t){ .task = "sleep", MP_ARG_DOUBLE(1.5) }`.
 */
#define MP_ARG_I64(v) .arg = &(const int64_t){(v)}, .arg_len = sizeof(int64_t)
/** @copydoc MP_ARG_I64 */
#define MP_ARG_DOUBLE(v) .arg = &(const double){(v)}, .arg_len = sizeof(double)
/** @copydoc MP_ARG_I64 (the string, not NULL, travels with its NUL) */
#define MP_ARG_STR(s) .arg = (s), .arg_len = strlen(s) + 1

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_TASK_H */
