/*
 * A producer/consumer pipeline on queues, as Python's documentation builds
 * it with a JoinableQueue: the parent puts work items on a JoinableQueue,
 * then one "stop" item per worker; each worker takes items until it takes
 * a stop item, puts each result on a second Queue and marks each item
 * done. The parent waits on the work queue's join() for every item to be
 * done, then collects the results and prints them in the items' order.
 *
 *     def worker(tasks, results):
 *         while True:
 *             n = tasks.get()
 *             if n is None:              # the stop item: one per worker
 *                 tasks.task_done()
 *                 break
 *             results.put((n, n * n))
 *             tasks.task_done()
 *
 *     if __name__ == "__main__":
 *         tasks = multiprocessing.JoinableQueue()
 *         results = multiprocessing.Queue()
 *         workers = [multiprocessing.Process(target=worker, args=(tasks, results))
 *                    for _ in range(3)]
 *         for w in workers:
 *             w.start()
 *         for n in range(1, 11):
 *             tasks.put(n)
 *         for _ in workers:
 *             tasks.put(None)
 *         tasks.join()                   # every item, stop items too, is done
 *         print(f"Results waiting: {results.qsize()}")
 *         squares = dict(results.get() for _ in range(10))
 *         for n in sorted(squares):
 *             print(f"{n} squared is {squares[n]}")
 *         for w in workers:
 *             w.join()
 *
 * Which worker takes which item is up to the scheduler; the output is not:
 *
 *     Results waiting: 10
 *     1 squared is 1
 *     ...
 *     10 squared is 100
 *
 * A message is bytes: a work item is an int64, the stop item is an empty
 * message (Python's None; an empty message is a message), and a result is
 * a struct of two int64 (all processes run this same program, so they
 * agree on its layout).
 */
#include <inttypes.h>

#include "example_support.h"

enum { NWORKERS = 3, NITEMS = 10 };

/* A result: the item and its square. */
typedef struct result {
    int64_t n;
    int64_t square;
} result_t;

/* One item of work: square n and put the result. */
static int square_one(mp_queue_t *results, int64_t n)
{
    result_t r = {.n = n, .square = n * n};
    return mp_queue_put(results, &r, sizeof r, MP_FOREVER); /* results.put((n, n * n)) */
}

/* worker(tasks, results): runs in each child, which gets the work queue as
 * object 0 and the results queue as object 1. */
static int worker(mp_task_t *task)
{
    mp_queue_t *tasks, *results;
    int rc = mp_task_queue(task, 0, &tasks);
    if (rc == 0)
        rc = mp_task_queue(task, 1, &results);
    while (rc == 0) {
        int64_t n;
        size_t len;
        if ((rc = mp_queue_get(tasks, &n, sizeof n, &len, MP_FOREVER)) < 0) /* tasks.get() */
            break;
        bool stop = len == 0;
        if (!stop && (rc = square_one(results, n)) < 0)
            break;
        /* Only after the result is put: join() in the parent then means
         * every result is in the results queue. */
        if ((rc = mp_queue_task_done(tasks)) < 0 || stop)
            break;
    }
    return rc;
}

static const mp_task_def_t task_defs[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, task_defs), "mp_init");

    mp_queue_t *tasks, *results;
    example_check(mp_joinable_queue_create(&tasks, NULL), "mp_joinable_queue_create");
    example_check(mp_queue_create(&results, NULL), "mp_queue_create");

    mp_process_t *workers[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) {
        example_check(
            mp_process_create(&workers[i],
                              &(mp_process_opts_t){.task = "worker", MP_OBJECTS(tasks, results)}),
            "mp_process_create");
        example_check(mp_process_start(workers[i]), "mp_process_start");
    }

    for (int64_t n = 1; n <= NITEMS; n++)
        example_check(mp_queue_put_i64(tasks, n, MP_FOREVER), "mp_queue_put_i64");
    for (int i = 0; i < NWORKERS; i++) /* tasks.put(None): an empty message */
        example_check(mp_queue_put(tasks, NULL, 0, MP_FOREVER), "mp_queue_put");

    /* tasks.join(): every item and every stop item has had its task_done(). */
    example_check(mp_queue_join(tasks, MP_FOREVER), "mp_queue_join");

    /* A worker puts its result before its task_done(), and a put that
     * returned has delivered, so all NITEMS results are there now: the
     * count is exact, and each get takes one without waiting. */
    int waiting = mp_queue_qsize(results);
    example_check(waiting, "mp_queue_qsize");
    example_say("Results waiting: %d\n", waiting);

    int64_t squares[NITEMS + 1] = {0}; /* by item: the order to print in */
    for (int i = 0; i < NITEMS; i++) {
        result_t r;
        size_t len;
        example_check(mp_queue_get(results, &r, sizeof r, &len, 0), "mp_queue_get");
        if (len != sizeof r || r.n < 1 || r.n > NITEMS) {
            /* %u, not %zu: mingw-w64 checks the format as MSVCRT's. */
            fprintf(stderr, "a result that no worker put (%u bytes)\n", (unsigned)len);
            return 1;
        }
        squares[r.n] = r.square;
    }
    for (int n = 1; n <= NITEMS; n++)
        example_say("%d squared is %" PRId64 "\n", n, squares[n]);

    for (int i = 0; i < NWORKERS; i++) {
        example_join(workers[i]);
        mp_process_destroy(workers[i]);
    }
    mp_queue_destroy(tasks);
    mp_queue_destroy(results);
    return 0;
}
