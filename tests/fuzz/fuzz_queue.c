/* libFuzzer target for a queue whose shared memory another process has
 * rewritten: any process given a queue maps its block and may scribble on
 * it, and the queue must answer with a documented code, never read or
 * write outside its block, and never reserve more memory than its
 * max_message, whatever the block says.
 *
 * Each input makes a fresh queue (a 4 KiB ring, max_message 1 MiB) holding
 * a few messages, small ones in the ring and one in the spill file, then
 * applies the input to its block as patches of three bytes each (a 16-bit
 * offset into the block, modulo its size, and the byte to write there), and
 * then makes every kind of call with timeout 0: gets into a small buffer and into allocated memory,
 * puts of small and spilled messages, counts. ASan and UBSan watch
 * the memory; the target checks the codes. A finding is an abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <multiproc.h>

#include "mp_handles.h"
#include "mp_queue_impl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { RING = 4096, MAX_MESSAGE = 1 << 20, SPILLED = 3000, CALLS = 24 };

static void finding(const char *what, int step, int rc)
{
    fprintf(stderr, "fuzz_queue: %s (call %d returned %d %s: %s)\n", what, step, rc,
            mp_err_name(rc), mp_errdetail());
    abort();
}

static const mp_task_def_t no_tasks[] = {MP_TASK_END};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int rc = mp_init(argc, argv, no_tasks);
    if (rc < 0)
        finding("mp_init failed", 0, rc);
    return 0;
}

/* The block behind a handle, as a process that maps it sees it. */
static unsigned char *block_of(mp_queue_t *q, size_t *size)
{
    mp__queue_object_t *obj = mp__handle_live(q, mp__kind_queue.id);
    *size = mp__os_shm_size(obj->ring.block);
    return mp__os_shm_addr(obj->ring.block);
}

/* Is `rc` one that the call at `step` documents? */
static void expect_documented(int step, int rc, const int *allowed, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rc == allowed[i])
            return;
    finding("an undocumented code", step, rc);
}

#define EXPECT_ONE_OF(step, rc, ...)                        \
    expect_documented(step, rc, (const int[]){__VA_ARGS__}, \
                      sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

static void calls(mp_queue_t *q, const unsigned char *spilled)
{
    for (int step = 0; step < CALLS; step++) {
        char small[64];
        size_t len = 0;
        void *got = NULL;
        int rc;
        switch (step % 6) {
        case 0:
            rc = mp_queue_get(q, small, sizeof small, &len, 0);
            EXPECT_ONE_OF(step, rc, 0, MP_ETOOSMALL, MP_EEMPTY, MP_EEOF, MP_EBROKEN, MP_ENOMEM);
            if ((rc == 0 && len > sizeof small) || (rc == MP_ETOOSMALL && len > MAX_MESSAGE))
                finding("a length over what the queue allows", step, rc);
            break;
        case 1:
            rc = mp_queue_get_alloc(q, &got, &len, 0);
            EXPECT_ONE_OF(step, rc, 0, MP_EEMPTY, MP_EEOF, MP_EBROKEN, MP_ENOMEM);
            if (rc == 0 && len > MAX_MESSAGE)
                finding("a message over max_message", step, rc);
            mp_free(got);
            break;
        case 2:
            rc = mp_queue_put(q, "small", 5, 0);
            EXPECT_ONE_OF(step, rc, 0, MP_EFULL, MP_ECLOSED, MP_EBROKEN);
            break;
        case 3:
            rc = mp_queue_put(q, spilled, SPILLED, 0);
            EXPECT_ONE_OF(step, rc, 0, MP_EFULL, MP_ECLOSED, MP_EBROKEN, MP_ENOMEM);
            break;
        case 4:
            rc = mp_queue_qsize(q);
            if (rc < 0 && rc != MP_EBROKEN)
                finding("qsize failed", step, rc);
            rc = mp_queue_is_full(q);
            EXPECT_ONE_OF(step, rc, 0, 1, MP_EBROKEN);
            break;
        default:
            /* Not mp_queue_close(): it waits for the put lock for ever, as
             * it must for a live producer, and a rewrite can make the lock
             * look held by one (api/CONVENTIONS.md: a rewrite may make an
             * object wait). */
            rc = mp_queue_is_closed(q);
            EXPECT_ONE_OF(step, rc, 0, 1);
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char spilled[SPILLED];
    mp_queue_t *q = NULL;
    int rc = mp_queue_create(&q, &(mp_queue_opts_t){.ring_size = RING, .max_message = MAX_MESSAGE});
    if (rc < 0)
        finding("mp_queue_create failed", -1, rc);
    for (int i = 0; i < 3; i++)
        if ((rc = mp_queue_put(q, "message", 8, 0)) < 0)
            finding("a put before the rewrite failed", -1, rc);
    if ((rc = mp_queue_put(q, spilled, SPILLED, 0)) < 0)
        finding("a spilled put before the rewrite failed", -1, rc);
    size_t block_size;
    unsigned char *block = block_of(q, &block_size);
    for (size_t i = 0; i + 3 <= size; i += 3)
        block[(data[i] | (size_t)data[i + 1] << 8) % block_size] = data[i + 2];
    calls(q, spilled);
    mp_queue_destroy(q);
    return 0;
}
