/*
 * C twin of the tutorial's section 4, "Using map() for Ordered Execution":
 * the same five tasks as tutorial_executor_as_completed, run with map, and
 * their results printed in the order they were submitted.
 *
 *     with concurrent.futures.ProcessPoolExecutor() as executor:
 *         secs = [5, 4, 3, 2, 1]
 *         results = executor.map(do_something, secs)
 *
 *         for result in results:
 *             print(result)
 *
 * It prints the five "Sleeping for N second(s)..." lines in whatever order
 * the workers start, then
 *
 *     Done Sleeping...5
 *     Done Sleeping...4
 *     Done Sleeping...3
 *     Done Sleeping...2
 *     Done Sleeping...1
 *     Finished in 5.05 seconds
 *
 * all five results at once, after the first (5 s) is done: the others
 * finished earlier and waited for their turn. The workers' start method is
 * the default one, or MP_START_METHOD's.
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

    /* map(do_something, secs): the arguments lie one after another, each
     * an int64 that do_something reads with mp_task_arg_i64(). */
    const int64_t secs[NTASKS] = {5, 4, 3, 2, 1};
    mp_map_t *results;
    example_check(
        mp_executor_map(executor, &results, "do_something", secs, sizeof secs[0], NTASKS, NULL),
        "mp_executor_map");

    /* `for result in results`: result i waits until task i is done. */
    for (size_t i = 0; i < NTASKS; i++) {
        const void *data;
        size_t len;
        example_check_map(mp_map_get(results, i, &data, &len), results, i, "mp_map_get");
        /* do_something returned a string with its NUL (mp_task_return_str). */
        if (len == 0 || ((const char *)data)[len - 1] != '\0') {
            fprintf(stderr, "result %u is not a string\n", (unsigned)i);
            return 1;
        }
        example_say("%s\n", (const char *)data);
    }
    mp_map_destroy(results);

    mp_executor_destroy(executor);

    example_print_finished(start);
    return 0;
}
