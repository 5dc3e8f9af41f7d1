/*
 * C twin of the tutorial's Event example with multiple processes: two
 * workers wait for one event; the parent sets it after three seconds and
 * both go on.
 *
 *     def worker(event, name):
 *         print(f"{name} is waiting for the event to be set...")
 *         event.wait()  # Blocks until the event is set
 *         print(f"{name} received the signal! Proceeding...")
 *
 *     event = multiprocessing.Event()  # Create an Event object
 *     process1 = multiprocessing.Process(target=worker, args=(event, "Process 1"))
 *     process2 = multiprocessing.Process(target=worker, args=(event, "Process 2"))
 *     process1.start()
 *     process2.start()
 *     time.sleep(3)  # Simulating some delay
 *     print("Main process setting the event.")
 *     event.set()  # Signal all waiting processes
 *     process1.join()
 *     process2.join()
 *
 * It prints
 *
 *     Process 1 is waiting for the event to be set...
 *     Process 2 is waiting for the event to be set...
 *     Main process setting the event.
 *     Process 1 received the signal! Proceeding...
 *     Process 2 received the signal! Proceeding...
 *
 * where the two processes' lines of each pair come in whichever order the
 * processes run (in Python too).
 */
#include "example_support.h"

static int worker(mp_task_t *task)
{
    const char *name;
    mp_event_t *event;
    int rc = mp_task_arg_str(task, &name);
    if (rc == 0)
        rc = mp_task_event(task, 0, &event);
    if (rc < 0)
        return rc;
    example_say("%s is waiting for the event to be set...\n", name);
    if ((rc = mp_event_wait(event, MP_FOREVER)) < 0)
        return rc;
    example_say("%s received the signal! Proceeding...\n", name);
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
    example_say("Main process setting the event.\n");
    example_check(mp_event_set(event), "mp_event_set");

    example_join(process1);
    example_join(process2);
    mp_process_destroy(process1);
    mp_process_destroy(process2);
    mp_event_destroy(event);
    return 0;
}
