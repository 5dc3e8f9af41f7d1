/*
 * C twin of the tutorial's multiprocessing.Queue example (section 3 of its
 * second part): a child puts a greeting on a Queue, and the parent, once
 * the child has ended, takes it off.
 *
 *     def worker(queue):
 *         queue.put("Hello from the process!")
 *
 *     if __name__ == "__main__":
 *         q = multiprocessing.Queue()
 *         p = multiprocessing.Process(target=worker, args=(q,))
 *         p.start()
 *         p.join()
 *
 *         print(q.get())  # Retrieves the data from the queue
 *
 * Where examples/tutorial_queue.c lets the library allocate the message,
 * this one uses the bytes calls: the child puts the text without its NUL,
 * and the parent gets it into a buffer of its own. A buffer that is too
 * small is no loss: the get answers MP_ETOOSMALL with the length needed and
 * the message stays at the head of the queue. It prints
 *
 *     Hello from the process!
 */
#include "example_support.h"

static const char GREETING[] = "Hello from the process!";

/* worker(queue): runs in the child, which gets the queue as object 0. */
static int worker(mp_task_t *task)
{
    mp_queue_t *queue;
    int rc = mp_task_queue(task, 0, &queue);
    if (rc < 0)
        return rc;
    /* queue.put(...): the bytes are copied into the queue before it returns. */
    return mp_queue_put(queue, GREETING, strlen(GREETING), MP_FOREVER);
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_queue_t *q;
    example_check(mp_queue_create(&q, NULL), "mp_queue_create");

    mp_process_t *p;
    example_check(mp_process_create(&p, &(mp_process_opts_t){.task = "worker", MP_OBJECTS(q)}),
                  "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");
    example_join(p);

    /* q.get() into this buffer; the message has no NUL, so print it by its
     * length. */
    char buf[64];
    size_t len;
    example_check(mp_queue_get(q, buf, sizeof buf, &len, MP_FOREVER), "mp_queue_get");
    example_say("%.*s\n", (int)len, buf);

    mp_process_destroy(p);
    mp_queue_destroy(q);
    return 0;
}
