/*
 * C twin of the tutorial's clear() example: two workers wait for an event,
 * work for two seconds, clear it and wait again; the parent sets it again
 * every five seconds.
 *
 *     def worker(event, name):
 *         while True:
 *             print(f"{name} is waiting for the event to be set...")
 *             event.wait()  # Blocks until the event is set
 *             print(f"{name} received the signal! Proceeding...")
 *             time.sleep(2)  # Simulating task execution
 *             print(f"{name} completed work. Clearing event.")
 *             event.clear()  # Reset the event
 *
 *     ... start both workers ...
 *     time.sleep(3)
 *     print("Main process setting the event.")
 *     event.set()  # Allow both processes to proceed
 *     time.sleep(5)
 *     print("Main process setting the event again.")
 *     event.set()  # Allow processes to run again
 *     process1.join()
 *     process2.join()
 *
 * The Python workers loop for ever, so the program never ends. Here each
 * worker does CYCLES rounds and returns, and the parent sets the event
 * CYCLES times (the first "setting the event.", the others "setting the
 * event again."), five seconds apart: the program ends after about 15 s.
 * Each round prints, with one process's lines in order:
 *
 *     Process 1 is waiting for the event to be set...      (both, either order)
 *     Main process setting the event.
 *     Process 1 received the signal! Proceeding...         (both, either order)
 *     Process 1 completed work. Clearing event.            (both, either order)
 *
 * The two workers are woken together and sleep the same two seconds, so
 * which of them prints first is up to the scheduler (in Python too).
 */
#include "example_support.h"

enum { CYCLES = 3 };

static int worker(mp_task_t *task)
{
    const char *name;
    mp_event_t *event;
    int rc = mp_task_arg_str(task, &name);
    if (rc == 0)
        rc = mp_task_event(task, 0, &event);
    if (rc < 0)
        return rc;
    for (int cycle = 0; cycle < CYCLES; cycle++) {
        example_say("%s is waiting for the event to be set...\n", name);
        /* Waiting for ever returns MP_ETIMEDOUT only if the event was set
         * and cleared again before this process ran (Python's wait()
         * returns False then); the parent's 5 s against the workers' 2 s
         * leaves no room for that. */
        if ((rc = mp_event_wait(event, MP_FOREVER)) < 0)
            return rc;
        example_say("%s received the signal! Proceeding...\n", name);
        example_sleep(2.0);
        example_say("%s completed work. Clearing event.\n", name);
        if ((rc = mp_event_clear(event)) < 0)
            return rc;
    }
    return 0;
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_event_t *event;
    example_check(mp_event_create(&event, NULL), "mp_event_create");

    mp_process_t *process1, *process2;
    example_check(mp_process_create(&process1, &(mp_process_opts_t){.task = "worker",
                                                                    MP_ARG_STR("Process 1"),
                                                                    MP_OBJECTS(event)}),
                  "mp_process_create");
    example_check(mp_process_create(&process2, &(mp_process_opts_t){.task = "worker",
                                                                    MP_ARG_STR("Process 2"),
                                                                    MP_OBJECTS(event)}),
                  "mp_process_create");
    example_check(mp_process_start(process1), "mp_process_start");
    example_check(mp_process_start(process2), "mp_process_start");

    example_sleep(3.0);
    for (int cycle = 0; cycle < CYCLES; cycle++) {
        if (cycle > 0)
            example_sleep(5.0);
        example_say(cycle == 0 ? "Main process setting the event.\n"
                               : "Main process setting the event again.\n");
        example_check(mp_event_set(event), "mp_event_set");
    }

    example_join(process1);
    example_join(process2);
    mp_process_destroy(process1);
    mp_process_destroy(process2);
    mp_event_destroy(event);
    return 0;
}
