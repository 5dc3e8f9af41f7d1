/*
 * C twin of the tutorial's section 3, "Passing Arguments to
 * Multiprocessing": ten processes each get the argument 1.5 (Python's
 * args=[1.5]) and sleep that long. It prints ten times
 *
 *     Sleeping for 1.5 second(s)...
 *
 * then ten times "Done sleeping...", then "Finished in 1.5 seconds" (the
 * measured time, about 1.5 s: the ten sleeps overlap). The start method is
 * the default one or MP_START_METHOD's.
 */
#include "example_support.h"

enum { NPROCESSES = 10 };

/* Python's do_something(seconds): the argument arrives as bytes and is
 * decoded back into the double the parent sent with MP_ARG_DOUBLE(). */
static int do_something(mp_task_t *task)
{
    double seconds;
    int rc = mp_task_arg_double(task, &seconds);
    if (rc < 0)
        return rc;
    char text[48];
    example_py_repr(seconds, text, sizeof text); /* f'{seconds}' prints "1.5" */
    example_say("Sleeping for %s second(s)...\n", text);
    example_sleep(seconds);
    example_say("Done sleeping...\n");
    return 0;
}

static const mp_task_def_t tasks[] = {MP_TASK(do_something), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    double start = example_now();

    mp_process_t *processes[NPROCESSES];
    for (int i = 0; i < NPROCESSES; i++) {
        mp_process_t *p;
        example_check(
            mp_process_create(&p, &(mp_process_opts_t){.task = "do_something", MP_ARG_DOUBLE(1.5)}),
            "mp_process_create");
        example_check(mp_process_start(p), "mp_process_start");
        processes[i] = p;
    }

    for (int i = 0; i < NPROCESSES; i++)
        example_join(processes[i]);

    example_print_finished(start);
    for (int i = 0; i < NPROCESSES; i++)
        mp_process_destroy(processes[i]);
    return 0;
}
