/**
 * @file mp_runner.h
 * @brief The task runner: what a process does to run a task, reusable by
 *        every kind of process that runs tasks. A one-shot child (runtime.c)
 *        calls it once; a long-lived worker loop (worker.c) or a manager
 *        server calls it once per order, thousands of times.
 *
 * The steps: attach the objects the process was given (once), look a task
 * up by name (the program's table, or the library's built-ins), run it,
 * and hand back its outcome as an mp__result_t, the record the parent
 * already decodes. Everything one run allocates is freed by
 * mp__runner_release(), so a process can run any number of tasks without
 * growing.
 */
#ifndef MP_RUNNER_H
#define MP_RUNNER_H

#include <stddef.h>

#include "mp_core.h"
#include "mp_object.h"
#include "mp_record.h"

/** One run: the task's view of itself and, once it ran, its outcome.
 *  `result.message` points into `task`: use a run where it was run, never
 *  a copy of it. */
typedef struct mp__run {
    mp_task_t task;      /**< what the task function sees (mp_core.h) */
    mp__result_t result; /**< its outcome; points into `task` (owns nothing) */
    int rc;              /**< what the task function returned (0 if it never ran) */
} mp__run_t;

/**
 * @brief Make this process's handles to the objects it was given.
 * @param descs the objects' descriptions, as the bootstrap record has them.
 * @param n their count; `objects` has room for as many.
 * @param handles this process's own numbers for the launch's handles.
 * @param[out] objects the handles, in the order of `descs`.
 * @return 0; MP_EBOOTSTRAP for a description that does not attach (an
 *         unknown kind, handles out of range, bytes its kind refuses);
 *         MP_ENOMEM. On failure nothing stays attached.
 */
int mp__runner_attach(const mp__boot_object_t *descs, size_t n, const mp_sentinel_t *handles,
                      size_t nhandles, mp__object_t **objects);

/** @brief Destroy `n` handles made by mp__runner_attach(). */
void mp__runner_detach(mp__object_t **objects, size_t n);

/**
 * @brief Run the task called `name` (user table or built-in) with `arg` and
 *        `objects` (borrowed for the run), and fill `run->result`.
 *
 * No such task is a result too: `boot_error` MP_ENOTASK with a message. A
 * task that failed without a message gets its code's. The strings and
 * bytes of `run->result` live in `run` until mp__runner_release(); `name`
 * and `arg` must outlive the run as well (the task sees them).
 * @return what the task returned (0, a positive exit code, a negative
 *         MP_E* code), or MP_ENOTASK.
 */
int mp__runner_run(mp__run_t *run, const char *name, const void *arg, size_t arg_len,
                   mp__object_t **objects, size_t nobjects);

/** @brief Free what one run allocated (its result bytes); `run` can be reused. */
void mp__runner_release(mp__run_t *run);

#endif /* MP_RUNNER_H */
