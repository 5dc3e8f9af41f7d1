/*
 * C twin of the tutorial's section 2, "Parallel Execution Using
 * multiprocessing": two processes run do_something() at the same time. It
 * prints
 *
 *     Sleeping for 1 second...
 *     Sleeping for 1 second...
 *     Done sleeping...
 *     Done sleeping...
 *     Finished in 1.0 seconds
 *
 * (the number is measured: about 1 s, where tutorial_sequential takes 2).
 * The start method is the default one, or the one named by the environment
 * variable MP_START_METHOD (fork, spawn, forkserver), which multiproc reads
 * itself.
 */
#include "example_support.h"

/* The task each child runs; a task returns 0 for success. */
static int do_something(mp_task_t *task)
{
    (void)task;
    example_say("Sleeping for 1 second...\n");
    example_sleep(1.0);
    example_say("Done sleeping...\n");
    return 0;
}

/* Children find their task in this table by name, under every start method. */
static const mp_task_def_t tasks[] = {MP_TASK(do_something), MP_TASK_END};

int main(int argc, char **argv)
{
    /* First thing: a spawn or forkserver child runs its task from here and
     * never comes back into main. */
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    double start = example_now();

    mp_process_t *p1, *p2;
    example_check(mp_process_create(&p1, &(mp_process_opts_t){.task = "do_something"}),
                  "mp_process_create");
    example_check(mp_process_create(&p2, &(mp_process_opts_t){.task = "do_something"}),
                  "mp_process_create");

    example_check(mp_process_start(p1), "mp_process_start");
    example_check(mp_process_start(p2), "mp_process_start");

    example_join(p1);
    example_join(p2);

    example_print_finished(start);
    mp_process_destroy(p1);
    mp_process_destroy(p2);
    return 0;
}
