/*
 * C twin of the tutorial's "Process Synchronization" example with a Lock:
 * five processes each take one lock, print, and sleep a second while they
 * hold it, so they run one at a time.
 *
 *     lock = multiprocessing.Lock()
 *
 *     def critical_section(name):
 *         with lock:  # Ensures exclusive access
 *             print(f'{name} is executing')
 *             time.sleep(1)
 *
 *     processes = [multiprocessing.Process(target=critical_section,
 *                                          args=(f'Process {i}',)) for i in range(5)]
 *
 * It prints "Process 0 is executing" ... "Process 4 is executing", one line
 * a second, in the order the processes happen to get the lock (which the
 * test does not assume). The Python version relies on fork to hand the
 * global lock to its children; here the lock is given to each child
 * explicitly, so it is the same lock under every start method.
 */
#include "example_support.h"

enum { NPROCESSES = 5 };

static int critical_section(mp_task_t *task)
{
    const char *name;
    mp_lock_t *lock;
    int rc = mp_task_arg_str(task, &name);
    if (rc == 0)
        rc = mp_task_lock(task, 0, &lock);
    if (rc < 0)
        return rc;
    /* `with lock:` is acquire ... release. */
    if ((rc = mp_lock_acquire(lock, MP_FOREVER)) < 0)
        return rc;
    example_say("%s is executing\n", name);
    example_sleep(1.0);
    return mp_lock_release(lock);
}

static const mp_task_def_t tasks[] = {MP_TASK(critical_section), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_lock_t *lock;
    example_check(mp_lock_create(&lock, NULL), "mp_lock_create");

    double start = example_now();
    mp_process_t *processes[NPROCESSES];
    for (int i = 0; i < NPROCESSES; i++) {
        char name[32];
        snprintf(name, sizeof name, "Process %d", i);
        example_check(
            mp_process_create(&processes[i], &(mp_process_opts_t){.task = "critical_section",
                                                                  MP_ARG_STR(name),
                                                                  MP_OBJECTS(lock)}),
            "mp_process_create");
    }
    for (int i = 0; i < NPROCESSES; i++)
        example_check(mp_process_start(processes[i]), "mp_process_start");
    for (int i = 0; i < NPROCESSES; i++)
        example_join(processes[i]);

    /* The lines alone cannot show exclusion; the time can: five one-second
     * sleeps under one lock take at least five seconds (a sleep is never
     * cut short), where overlapping ones would take about one. */
    double elapsed = example_now() - start;
    if (elapsed < NPROCESSES * 1.0) {
        fprintf(stderr, "the processes overlapped: %d x 1 s under the lock took %.2f s\n",
                NPROCESSES, elapsed);
        return 1;
    }
    for (int i = 0; i < NPROCESSES; i++)
        mp_process_destroy(processes[i]);
    mp_lock_destroy(lock);
    return 0;
}
