/*
 * C twin of the tutorial's "Multiprocessing.Event: set() and is_set()"
 * example: the parent sets the event a worker waits for, and checks the
 * flag with is_set().
 *
 *     def worker(event):
 *         print("Worker waiting for event to be set...")
 *         event.wait()  # Blocks execution until event is set
 *         print("Event is set! Proceeding with work.")
 *
 *     e = multiprocessing.Event()
 *     p = multiprocessing.Process(target=worker, args=(e,))
 *     p.start()
 *     time.sleep(2)
 *     print("Setting event...")
 *     e.set()  # Unblocks worker process
 *     print("Event is set:", e.is_set())  # Check if event is set
 *     p.join()
 *
 * It prints
 *
 *     Worker waiting for event to be set...
 *     Setting event...
 *     Event is set: True
 *     Event is set! Proceeding with work.
 *
 * where the last two come in either order: once the event is set, the
 * parent's print and the woken worker's race (in Python too).
 */
#include "example_support.h"

static int worker(mp_task_t *task)
{
    mp_event_t *event;
    int rc = mp_task_event(task, 0, &event);
    if (rc < 0)
        return rc;
    example_say("Worker waiting for event to be set...\n");
    if ((rc = mp_event_wait(event, MP_FOREVER)) < 0)
        return rc;
    example_say("Event is set! Proceeding with work.\n");
    return 0;
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_event_t *e;
    example_check(mp_event_create(&e, NULL), "mp_event_create");
    mp_process_t *p;
    example_check(mp_process_create(&p, &(mp_process_opts_t){.task = "worker", MP_OBJECTS(e)}),
                  "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");

    example_sleep(2.0);
    example_say("Setting event...\n");
    example_check(mp_event_set(e), "mp_event_set");
    int set = mp_event_is_set(e);
    example_check(set, "mp_event_is_set");
    example_say("Event is set: %s\n", set ? "True" : "False"); /* Python prints a bool so */

    example_join(p);
    mp_process_destroy(p);
    mp_event_destroy(e);
    return 0;
}
