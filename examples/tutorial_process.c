/*
 * C twin of the tutorial's "multiprocessing.Process" example (the
 * overview's section 2): one child runs worker_function with an argument,
 * and the parent waits for it.
 *
 *     def worker_function(name):
 *         print(f"Hello from {name}")
 *
 *     if __name__ == "__main__":
 *         p = multiprocessing.Process(target=worker_function, args=("Process-1",))
 *         p.start()  # Starts the process
 *         p.join()   # Waits for process completion
 *
 * It prints, from the child,
 *
 *     Hello from Process-1
 *
 * The start method is the default one, or MP_START_METHOD's.
 */
#include "example_support.h"

/* The child's task: its argument is the name to greet with (a string). */
static int worker_function(mp_task_t *task)
{
    const char *name;
    int rc = mp_task_arg_str(task, &name);
    if (rc < 0)
        return rc;
    example_say("Hello from %s\n", name);
    return 0;
}

static const mp_task_def_t tasks[] = {MP_TASK(worker_function), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    /* Process(target=worker_function, args=("Process-1",)) */
    mp_process_t *p;
    example_check(mp_process_create(
                      &p, &(mp_process_opts_t){.task = "worker_function", MP_ARG_STR("Process-1")}),
                  "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");
    example_join(p);
    mp_process_destroy(p);
    return 0;
}
