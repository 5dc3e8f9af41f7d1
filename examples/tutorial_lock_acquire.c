/*
 * C twin of the tutorial's "Multiprocessing.Lock" example: two processes
 * take the lock with acquire() and give it back with release() around a
 * two-second critical section.
 *
 *     def worker(lock):
 *         lock.acquire()
 *         print("Process accessing critical section.")
 *         time.sleep(2)
 *         print("Process exiting critical section.")
 *         lock.release()
 *
 * It prints, over four seconds,
 *
 *     Process accessing critical section.
 *     Process exiting critical section.
 *     Process accessing critical section.
 *     Process exiting critical section.
 *
 * The pairs never interleave: that is what the lock is for, and what the
 * test checks (both processes print the same lines, so the order alone
 * shows it).
 */
#include "example_support.h"

static int worker(mp_task_t *task)
{
    mp_lock_t *lock;
    int rc = mp_task_lock(task, 0, &lock);
    if (rc < 0 || (rc = mp_lock_acquire(lock, MP_FOREVER)) < 0)
        return rc;
    example_say("Process accessing critical section.\n");
    example_sleep(2.0);
    example_say("Process exiting critical section.\n");
    return mp_lock_release(lock);
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_lock_t *lock;
    example_check(mp_lock_create(&lock, NULL), "mp_lock_create");

    mp_process_t *p1, *p2;
    example_check(mp_process_create(&p1, &(mp_process_opts_t){.task = "worker", MP_OBJECTS(lock)}),
                  "mp_process_create");
    example_check(mp_process_create(&p2, &(mp_process_opts_t){.task = "worker", MP_OBJECTS(lock)}),
                  "mp_process_create");

    example_check(mp_process_start(p1), "mp_process_start");
    example_check(mp_process_start(p2), "mp_process_start");

    example_join(p1);
    example_join(p2);

    mp_process_destroy(p1);
    mp_process_destroy(p2);
    mp_lock_destroy(lock);
    return 0;
}
