/*
 * A producer and a consumer passing messages through named shared memory
 * (the tutorial's "Shared Memory" IPC, with Python 3.8's SharedMemory):
 * the parent creates a block with a generated name and writes messages into
 * it; a child attaches the block by that name, as an unrelated process
 * could, and reads them. Two semaphores hand the block back and forth, one
 * message at a time. In Python:
 *
 *     def consumer(name, filled, emptied):
 *         shm = shared_memory.SharedMemory(name=name)  # attach by name
 *         print(f"Consumer attached a block of {shm.size} bytes")
 *         for _ in range(len(MESSAGES)):
 *             filled.acquire()                 # wait for a message
 *             text = bytes(shm.buf).split(b"\0")[0].decode()
 *             print(f"Consumer received: {text}")
 *             emptied.release()                # the block is free again
 *         shm.close()
 *
 *     shm = shared_memory.SharedMemory(create=True, size=64)  # generated name
 *     filled, emptied = multiprocessing.Semaphore(0), multiprocessing.Semaphore(1)
 *     p = multiprocessing.Process(target=consumer, args=(shm.name, filled, emptied))
 *     p.start()
 *     for text in MESSAGES:
 *         emptied.acquire()
 *         shm.buf[:len(text) + 1] = text.encode() + b"\0"
 *         print(f"Producer wrote: {text}")
 *         filled.release()
 *     p.join()
 *     shm.close()
 *     shm.unlink()
 *
 * Each message is printed by the producer before it hands it over and by
 * the consumer before it hands the block back, so the output's order is
 * fixed:
 *
 *     Consumer attached a block of 64 bytes
 *     Producer wrote: Hello from the producer
 *     Consumer received: Hello from the producer
 *     ...
 *
 * except that the first "Producer wrote" does not wait for the consumer,
 * so the first two lines come in either order.
 */
#include "example_support.h"

enum { BLOCK_SIZE = 64 };

static const char *const MESSAGES[] = {"Hello from the producer", "Shared memory needs no copying",
                                       "Goodbye"};
enum { NMESSAGES = sizeof MESSAGES / sizeof MESSAGES[0] };

static int consumer(mp_task_t *task)
{
    const char *name;
    mp_semaphore_t *filled, *emptied;
    int rc = mp_task_arg_str(task, &name);
    if (rc == 0)
        rc = mp_task_semaphore(task, 0, &filled);
    if (rc == 0)
        rc = mp_task_semaphore(task, 1, &emptied);
    mp_shm_t *shm;
    if (rc < 0 || (rc = mp_shm_attach(&shm, name, NULL)) < 0)
        return rc;
    /* %u, not %zu: example_say()'s format is checked as MSVCRT's on mingw-w64. */
    example_say("Consumer attached a block of %u bytes\n", (unsigned)mp_shm_size(shm));
    const char *data = mp_shm_data(shm);
    for (int i = 0; i < NMESSAGES && rc == 0; i++) {
        if ((rc = mp_semaphore_acquire(filled, MP_FOREVER)) < 0)
            break;
        /* The producer wrote a NUL-ended string; never read past the block. */
        example_say("Consumer received: %.*s\n", (int)strnlen(data, BLOCK_SIZE), data);
        rc = mp_semaphore_release(emptied);
    }
    mp_shm_destroy(shm); /* closes this process's view */
    return rc;
}

static const mp_task_def_t tasks[] = {MP_TASK(consumer), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_shm_t *shm;
    example_check(mp_shm_create(&shm, &(mp_shm_opts_t){.size = BLOCK_SIZE}), "mp_shm_create");
    mp_semaphore_t *filled, *emptied; /* a message is waiting / the block is free */
    example_check(mp_semaphore_create(&filled, &(mp_semaphore_opts_t){.value = 0}),
                  "mp_semaphore_create");
    example_check(mp_semaphore_create(&emptied, &(mp_semaphore_opts_t){.value = 1}),
                  "mp_semaphore_create");

    /* The name goes as a plain string argument, not as the shared object:
     * the consumer finds the block by name, as any process could. */
    mp_process_t *p;
    example_check(mp_process_create(&p, &(mp_process_opts_t){.task = "consumer",
                                                             MP_ARG_STR(mp_shm_name(shm)),
                                                             MP_OBJECTS(filled, emptied)}),
                  "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");

    char *data = mp_shm_data(shm);
    for (int i = 0; i < NMESSAGES; i++) {
        example_check(mp_semaphore_acquire(emptied, MP_FOREVER), "mp_semaphore_acquire");
        snprintf(data, BLOCK_SIZE, "%s", MESSAGES[i]);
        example_say("Producer wrote: %s\n", MESSAGES[i]);
        example_check(mp_semaphore_release(filled), "mp_semaphore_release");
    }
    example_join(p);

    example_check(mp_shm_unlink(shm), "mp_shm_unlink");
    mp_shm_destroy(shm);
    mp_process_destroy(p);
    mp_semaphore_destroy(filled);
    mp_semaphore_destroy(emptied);
    return 0;
}
