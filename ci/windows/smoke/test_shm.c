/* Shared memory as file mappings: by name and by handle, exact sizes,
 * and what unlink means on Windows (win32/shm.c). */
#include <stdio.h>
#include <string.h>

#include "smoke.h"

static void unique_name(char *out, size_t size, const char *what)
{
    snprintf(out, size, "smoke_%s_%lu", what, (unsigned long)GetCurrentProcessId());
}

/* A child attaches a named block and writes into it; sizes are exact. */
static void test_shm_by_name(void)
{
    char name[32];
    unique_name(name, sizeof name, "named");
    mp_shm_t *shm = NULL;
    if (!CHECK_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.name = name, .size = 1000}), 0))
        return;
    CHECK(mp_shm_size(shm) == 1000, "size %lu", (unsigned long)mp_shm_size(shm));
    const unsigned char *zero = mp_shm_data(shm);
    CHECK(zero[0] == 0 && zero[999] == 0, "a new block is zeroed");
    mp_process_t *p = smoke_start(
        &(mp_process_opts_t){.task = "task_shm_by_name", MP_ARG_STR(name)});
    CHECK(smoke_join(p) == 0, "child");
    CHECK(strcmp(mp_shm_data(shm), "hello by name, size 1000") == 0, "read '%s'",
          (char *)mp_shm_data(shm));
    mp_process_destroy(p);

    mp_shm_t *again = NULL, *dup = NULL;
    CHECK_RC(mp_shm_create(&dup, &(mp_shm_opts_t){.name = name, .size = 10}), MP_EEXIST);
    if (CHECK_RC(mp_shm_attach(&again, name, NULL), 0)) {
        CHECK(mp_shm_size(again) == 1000, "attached size %lu", (unsigned long)mp_shm_size(again));
        CHECK(memcmp(mp_shm_data(again), "hello", 5) == 0, "same memory");
    }
    /* Unlink: attaching fails from now on, the mappings stay valid, the
     * name stays taken until its last handle closes. */
    CHECK_RC(mp_shm_unlink(shm), 0);
    CHECK_RC(mp_shm_unlink(shm), MP_ENOENT);
    mp_shm_t *late = NULL;
    CHECK_RC(mp_shm_attach(&late, name, NULL), MP_ENOENT);
    CHECK(memcmp(mp_shm_data(shm), "hello", 5) == 0, "still mapped after unlink");
    CHECK_RC(mp_shm_create(&dup, &(mp_shm_opts_t){.name = name, .size = 10}), MP_EEXIST);
    mp_shm_destroy(again);
    mp_shm_destroy(shm);
    /* Every handle closed: the name is free again. */
    if (CHECK_RC(mp_shm_create(&dup, &(mp_shm_opts_t){.name = name, .size = 10}), 0))
        mp_shm_destroy(dup);
}

/* A block given to a child travels as its handle (no name involved). */
static void test_shm_given(void)
{
    mp_shm_t *shm = NULL;
    if (!CHECK_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.size = 5000}), 0))
        return;
    mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_shm_given", MP_OBJECTS(shm)});
    CHECK(smoke_join(p) == 0, "child");
    CHECK(strcmp(mp_shm_data(shm), "hello by handle, size 5000") == 0, "read '%s'",
          (char *)mp_shm_data(shm));
    mp_process_destroy(p);
    mp_shm_destroy(shm);
}

static void test_shm_errors(void)
{
    mp_shm_t *shm = NULL;
    CHECK_RC(mp_shm_attach(&shm, "smoke_no_such_block", NULL), MP_ENOENT);
    CHECK_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.name = "bad/name", .size = 10}), MP_EINVAL);
    CHECK_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.size = 0}), MP_EINVAL);
    /* A page-sized block: the trailer goes on a page of its own. */
    if (CHECK_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.size = 4096}), 0)) {
        memset(mp_shm_data(shm), 0xff, 4096);
        CHECK(mp_shm_size(shm) == 4096, "size");
        mp_shm_destroy(shm);
    }
}

const smoke_test_t shm_tests[] = {
    {"shm_by_name", test_shm_by_name},
    {"shm_given", test_shm_given},
    {"shm_errors", test_shm_errors},
    {NULL, NULL},
};
