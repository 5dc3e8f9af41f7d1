/*
 * C twin of the tutorial's section 4, "Using the concurrent.futures
 * Module", first program: one task submitted to a process pool, and its
 * result read from the future.
 *
 *     with concurrent.futures.ProcessPoolExecutor() as executor:
 *         f1 = executor.submit(do_something, 1)
 *         print(f1.result())
 *
 * It prints
 *
 *     Sleeping for 1 second(s)...
 *     Done Sleeping...1
 *     Finished in 1.02 seconds
 *
 * (the first line from the worker process, the second from the parent; the
 * time is measured, a little over the 1 s sleep). The workers' start method
 * is the default one, or MP_START_METHOD's.
 */
#include "do_something.h"
#include "executor_example.h"

/* Workers find their task in this table by name, under every start method. */
static const mp_task_def_t tasks[] = {MP_TASK(do_something), MP_TASK_END};

int main(int argc, char **argv)
{
    /* First thing: a spawned worker runs its loop from here and never
     * comes back into main. */
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    double start = example_now();

    /* ProcessPoolExecutor(): NULL options are Python's defaults (as many
     * workers as CPUs, started when work needs them). */
    mp_executor_t *executor;
    example_check(mp_executor_create(&executor, NULL), "mp_executor_create");

    mp_future_t *f1;
    example_check(mp_executor_submit_i64(executor, &f1, "do_something", 1),
                  "mp_executor_submit_i64");
    const char *result; /* owned by the future */
    example_check_future(mp_future_result_str(f1, MP_FOREVER, &result), f1, "mp_future_result_str");
    example_say("%s\n", result);
    mp_future_destroy(f1);

    /* The end of the `with` block: shut down, waiting for the workers. */
    mp_executor_destroy(executor);

    example_print_finished(start);
    return 0;
}
