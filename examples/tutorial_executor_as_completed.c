/*
 * C twin of the tutorial's section 4, "Using List Comprehension": five
 * tasks submitted at once, their results printed as each finishes.
 *
 *     with concurrent.futures.ProcessPoolExecutor() as executor:
 *         secs = [5, 4, 3, 2, 1]
 *         results = [executor.submit(do_something, sec) for sec in secs]
 *
 *         for f in concurrent.futures.as_completed(results):
 *             print(f.result())
 *
 * It prints the five "Sleeping for N second(s)..." lines in whatever order
 * the workers start, then the results in the order the tasks finish, the
 * shortest sleep first:
 *
 *     Done Sleeping...1
 *     Done Sleeping...2
 *     Done Sleeping...3
 *     Done Sleeping...4
 *     Done Sleeping...5
 *     Finished in 5.05 seconds
 *
 * (about 5 s, the longest sleep: the five run at once). The workers' start
 * method is the default one, or MP_START_METHOD's.
 */
#include "do_something.h"
#include "executor_example.h"

enum { NTASKS = 5 };

static const mp_task_def_t tasks[] = {MP_TASK(do_something), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    double start = example_now();

    /* Five workers, one per task, as the tutorial's machine had. */
    mp_executor_t *executor;
    do_something_executor(&executor);

    const int64_t secs[NTASKS] = {5, 4, 3, 2, 1};
    mp_future_t *results[NTASKS];
    for (int i = 0; i < NTASKS; i++)
        example_check(mp_executor_submit_i64(executor, &results[i], "do_something", secs[i]),
                      "mp_executor_submit_i64");

    /* as_completed(results): each future once, as it finishes. */
    mp_as_completed_t *completed;
    example_check(mp_as_completed_create(&completed, results, NTASKS, MP_FOREVER),
                  "mp_as_completed_create");
    for (;;) {
        mp_future_t *f;
        example_check(mp_as_completed_next(completed, &f), "mp_as_completed_next");
        if (f == NULL) /* every future has been yielded */
            break;
        const char *result;
        example_check_future(mp_future_result_str(f, MP_FOREVER, &result), f,
                             "mp_future_result_str");
        example_say("%s\n", result);
    }
    mp_as_completed_destroy(completed);

    mp_executor_destroy(executor);
    for (int i = 0; i < NTASKS; i++)
        mp_future_destroy(results[i]);

    example_print_finished(start);
    return 0;
}
