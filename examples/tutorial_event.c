/*
 * C twin of the tutorial's "multiprocessing.Event" usage example: a worker
 * waits for an event that the parent sets two seconds later.
 *
 *     def worker(event):
 *         print("Waiting for the event to be set...")
 *         event.wait()  # Blocks execution until event is set
 *         print("Event is set, proceeding!")
 *
 *     e = multiprocessing.Event()
 *     p = multiprocessing.Process(target=worker, args=(e,))
 *     p.start()
 *     time.sleep(2)
 *     e.set()  # Unblocks the worker process
 *     p.join()
 *
 * It prints the worker's two lines, two seconds apart.
 */
#include "example_support.h"

static int worker(mp_task_t *task)
{
    mp_event_t *event;
    int rc = mp_task_event(task, 0, &event);
    if (rc < 0)
        return rc;
    example_say("Waiting for the event to be set...\n");
    if ((rc = mp_event_wait(event, MP_FOREVER)) < 0)
        return rc;
    example_say("Event is set, proceeding!\n");
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
    example_check(mp_event_set(e), "mp_event_set");
    example_join(p);

    mp_process_destroy(p);
    mp_event_destroy(e);
    return 0;
}
