/*
 * A Semaphore limiting concurrency (the tutorial names it, "Limits access
 * to a resource to a fixed number of processes", without an example): six
 * workers share a Semaphore(2), so at most two of them work at once. In
 * Python:
 *
 *     def worker(sem, inside, i):
 *         with sem:
 *             with inside.get_lock():
 *                 inside[0] += 1                      # workers inside now
 *                 inside[1] = max(inside[1], inside[0])  # the most ever
 *             print(f"Worker {i} entered")
 *             time.sleep(0.5)
 *             print(f"Worker {i} leaving")
 *             with inside.get_lock():
 *                 inside[0] -= 1
 *
 *     sem = multiprocessing.Semaphore(2)
 *     inside = multiprocessing.Array('i', 2)
 *     ... start six workers, join them ...
 *     print("Most workers inside at once:", inside[1])
 *     print(f'Finished in {round(finish-start, 2)} seconds')
 *
 * It prints each worker's two lines, in the order the workers get in (not
 * determined), then
 *
 *     Most workers inside at once: 2
 *     Finished in 1.5 seconds
 *
 * The count is kept in a shared Array, under its own lock, by the workers
 * themselves: it would show a 3 if the semaphore ever let a third one in.
 * The time shows the same from the outside: three waves of two half-second
 * sleeps take 1.5 s, where six at once would take 0.5 s.
 */
#include <inttypes.h>

#include "example_support.h"

enum { NWORKERS = 6, LIMIT = 2 };

/* The Array's elements. */
enum { INSIDE_NOW, INSIDE_MOST };

/* Add `delta` to the number of workers inside and keep the maximum, both
 * under the array's lock so no two workers interleave their updates. */
static int count_inside(mp_value_t *inside, int delta)
{
    mp_rlock_t *lock;
    int rc = mp_value_lock(inside, &lock);
    if (rc < 0 || (rc = mp_rlock_acquire(lock, MP_FOREVER)) < 0)
        return rc;
    int32_t *n = mp_value_ptr(inside);
    n[INSIDE_NOW] += delta;
    if (n[INSIDE_NOW] > n[INSIDE_MOST])
        n[INSIDE_MOST] = n[INSIDE_NOW];
    return mp_rlock_release(lock);
}

static int worker(mp_task_t *task)
{
    int64_t i;
    mp_semaphore_t *sem;
    mp_value_t *inside;
    int rc = mp_task_arg_i64(task, &i);
    if (rc == 0)
        rc = mp_task_semaphore(task, 0, &sem);
    if (rc == 0)
        rc = mp_task_value(task, 1, &inside);
    if (rc < 0 || (rc = mp_semaphore_acquire(sem, MP_FOREVER)) < 0)
        return rc;
    if ((rc = count_inside(inside, +1)) < 0)
        return rc;
    example_say("Worker %" PRId64 " entered\n", i);
    example_sleep(0.5);
    example_say("Worker %" PRId64 " leaving\n", i);
    /* Out of the count before the semaphore lets the next one in. */
    if ((rc = count_inside(inside, -1)) < 0)
        return rc;
    return mp_semaphore_release(sem);
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_semaphore_t *sem;
    example_check(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = LIMIT}),
                  "mp_semaphore_create");
    mp_value_t *inside; /* Array('i', 2): zeroed */
    example_check(mp_value_create(&inside, &(mp_value_opts_t){.type = MP_INT32, .length = 2}),
                  "mp_value_create");

    double start = example_now();
    mp_process_t *workers[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) {
        example_check(mp_process_create(&workers[i], &(mp_process_opts_t){.task = "worker",
                                                                          MP_ARG_I64(i),
                                                                          MP_OBJECTS(sem, inside)}),
                      "mp_process_create");
        example_check(mp_process_start(workers[i]), "mp_process_start");
    }
    for (int i = 0; i < NWORKERS; i++)
        example_join(workers[i]);

    int64_t most, now;
    example_check(mp_value_get_i64(inside, INSIDE_MOST, &most), "mp_value_get_i64");
    example_check(mp_value_get_i64(inside, INSIDE_NOW, &now), "mp_value_get_i64");
    if (now != 0) {
        fprintf(stderr, "%" PRId64 " workers still counted inside after all ended\n", now);
        return 1;
    }
    printf("Most workers inside at once: %" PRId64 "\n", most);
    example_print_finished(start);

    for (int i = 0; i < NWORKERS; i++)
        mp_process_destroy(workers[i]);
    mp_value_destroy(inside);
    mp_semaphore_destroy(sem);
    return 0;
}
