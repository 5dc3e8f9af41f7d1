/*
 * C twin of the tutorial's "Using Queue for data exchange" example
 * (section 2, Interprocess Communication): a child puts a string on a
 * Queue, the parent joins the child and only then gets the string.
 *
 *     def worker(queue):
 *         queue.put("Processed Data")
 *
 *     if __name__ == "__main__":
 *         queue = multiprocessing.Queue()
 *         process = multiprocessing.Process(target=worker, args=(queue,))
 *         process.start()
 *         process.join()
 *
 *         print(queue.get())  # Output: Processed Data
 *
 * Joining before getting is safe here for a message of any size: a put
 * that returned has written the whole message to the queue's shared
 * memory, so the child can exit at once (in CPython a feeder thread writes
 * it to a pipe, and a child that put more than the pipe holds cannot be
 * joined before the parent reads). It prints
 *
 *     Processed Data
 */
#include "example_support.h"

/* worker(queue): runs in the child, which gets the queue as object 0. */
static int worker(mp_task_t *task)
{
    mp_queue_t *queue;
    int rc = mp_task_queue(task, 0, &queue);
    if (rc < 0)
        return rc;
    return mp_queue_put_str(queue, "Processed Data", MP_FOREVER); /* queue.put(...) */
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_queue_t *queue; /* multiprocessing.Queue(): no maxsize, a 1 MiB ring */
    example_check(mp_queue_create(&queue, NULL), "mp_queue_create");

    mp_process_t *process;
    example_check(
        mp_process_create(&process, &(mp_process_opts_t){.task = "worker", MP_OBJECTS(queue)}),
        "mp_process_create");
    example_check(mp_process_start(process), "mp_process_start");
    example_join(process); /* process.join(): the message is already in the queue */

    /* queue.get(): a string put with mp_queue_put_str() comes back in
     * memory the library allocates, whatever its length. */
    char *text;
    example_check(mp_queue_get_str(queue, &text, MP_FOREVER), "mp_queue_get_str");
    example_say("%s\n", text); /* print(queue.get()) */
    mp_free(text);

    mp_process_destroy(process);
    mp_queue_destroy(queue);
    return 0;
}
