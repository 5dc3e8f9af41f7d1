/*
 * C twin of the tutorial's "Using Shared Memory for Faster Communication"
 * example: ten processes each add one to a shared integer under its own
 * lock, and the parent prints the total.
 *
 *     def increment(shared_counter):
 *         with shared_counter.get_lock():
 *             shared_counter.value += 1
 *
 *     counter = multiprocessing.Value('i', 0)  # Shared integer
 *
 * It prints
 *
 *     Final Counter: 10
 */
#include <inttypes.h>

#include "example_support.h"

enum { NPROCESSES = 10 };

static int increment(mp_task_t *task)
{
    mp_value_t *shared_counter;
    mp_rlock_t *lock;
    int rc = mp_task_value(task, 0, &shared_counter);
    if (rc == 0)
        rc = mp_value_lock(shared_counter, &lock); /* get_lock() */
    if (rc < 0 || (rc = mp_rlock_acquire(lock, MP_FOREVER)) < 0)
        return rc;
    /* `.value += 1` is a read and a write, each of which takes the value's
     * lock again (it is an RLock, so the holder may); only the lock held
     * around both makes the pair atomic. */
    int64_t value;
    rc = mp_value_get_i64(shared_counter, 0, &value);
    if (rc == 0)
        rc = mp_value_set_i64(shared_counter, 0, value + 1);
    int released = mp_rlock_release(lock);
    return rc < 0 ? rc : released;
}

static const mp_task_def_t tasks[] = {MP_TASK(increment), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_value_t *counter; /* Value('i', 0): an int32, zeroed */
    example_check(mp_value_create(&counter, &(mp_value_opts_t){.type = MP_INT32}),
                  "mp_value_create");

    mp_process_t *processes[NPROCESSES];
    for (int i = 0; i < NPROCESSES; i++)
        example_check(mp_process_create(&processes[i], &(mp_process_opts_t){.task = "increment",
                                                                            MP_OBJECTS(counter)}),
                      "mp_process_create");
    for (int i = 0; i < NPROCESSES; i++)
        example_check(mp_process_start(processes[i]), "mp_process_start");
    for (int i = 0; i < NPROCESSES; i++)
        example_join(processes[i]);

    int64_t value;
    example_check(mp_value_get_i64(counter, 0, &value), "mp_value_get_i64");
    printf("Final Counter: %" PRId64 "\n", value);

    for (int i = 0; i < NPROCESSES; i++)
        mp_process_destroy(processes[i]);
    mp_value_destroy(counter);
    return 0;
}
