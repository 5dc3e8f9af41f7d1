/**
 * @file do_something.h
 * @brief The task of the tutorial's concurrent.futures examples:
 *
 *     def do_something(seconds):
 *         print(f'Sleeping for {seconds} second(s)...')
 *         time.sleep(seconds)
 *         return f'Done Sleeping...{seconds}'
 *
 * The tutorial passes an int, so it prints "1", not "1.0": the argument is
 * an int64 (mp_executor_submit_i64(), or a map over int64s) and the result
 * a string (mp_future_result_str()). Include it after example_support.h.
 */
#ifndef DO_SOMETHING_H
#define DO_SOMETHING_H

#include <inttypes.h>

#include "example_support.h"

/** @brief Python's do_something(seconds), run by an executor's worker. */
static int do_something(mp_task_t *task)
{
    int64_t seconds;
    int rc = mp_task_arg_i64(task, &seconds);
    if (rc < 0)
        return rc;
    example_say("Sleeping for %" PRId64 " second(s)...\n", seconds);
    example_sleep((double)seconds);
    char done[48];
    snprintf(done, sizeof done, "Done Sleeping...%" PRId64, seconds);
    return mp_task_return_str(task, done);
}

/**
 * @brief The executor of the tutorial's programs with secs = [5, 4, 3, 2,
 *        1]: five workers.
 *
 * Python's default is one worker per CPU, and the tutorial's machine had at
 * least five: its five tasks all ran at once, which is what makes them
 * finish 1, 2, 3, 4, 5, all in about 5 s. Five workers give the same on a
 * machine with fewer CPUs (the tasks sleep, they need no CPU of their own);
 * two would finish 4 and 5 first, and take 8 s or more.
 */
static inline void do_something_executor(mp_executor_t **out)
{
    example_check(mp_executor_create(out, &(mp_executor_opts_t){.max_workers = 5}),
                  "mp_executor_create");
}

#endif /* DO_SOMETHING_H */
