/* before_init: every constructor called before mp_init() answers
 * MP_ESTATE, makes nothing and crashes nothing (api/CONVENTIONS.md,
 * "Constructors"); after mp_init() the same calls succeed.
 *
 * Its own program, since the conformance suite's main() must call mp_init()
 * first (its children branch off there). Ends with "N passed, N failed". */
#include <multiproc.h>

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void expect(int got, int want, const char *what)
{
    if (got == want) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "FAIL %s: got %s, want %s (%s)\n", what, mp_err_name(got), mp_err_name(want),
            mp_errdetail());
}

/* A constructor that failed must leave its out-pointer alone. */
static void expect_untouched(const void *handle, const char *what)
{
    if (!handle) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "FAIL %s: wrote a handle although it failed\n", what);
}

static int task_nothing(mp_task_t *t)
{
    (void)t;
    return 0;
}

static const mp_task_def_t tasks[] = {MP_TASK(task_nothing), MP_TASK_END};

static const mp_slot_def_t slots[] = {{.type = MP_INT64}};

/* Every constructor once, each result checked against `want`, and what was
 * made destroyed again. */
static void construct_all(int want)
{
    void *h = NULL;
    mp_connection_t *a = NULL, *b = NULL;
#define CHECK(call, destroy)            \
    do {                                \
        h = NULL;                       \
        expect(call, want, #call);      \
        if (want == 0)                  \
            destroy;                    \
        else                            \
            expect_untouched(h, #call); \
    } while (0)
    CHECK(mp_lock_create((mp_lock_t **)&h, NULL), mp_lock_destroy(h));
    CHECK(mp_rlock_create((mp_rlock_t **)&h, NULL), mp_rlock_destroy(h));
    CHECK(mp_semaphore_create((mp_semaphore_t **)&h, &(mp_semaphore_opts_t){.value = 2}),
          mp_semaphore_destroy(h));
    CHECK(mp_event_create((mp_event_t **)&h, NULL), mp_event_destroy(h));
    CHECK(mp_condition_create((mp_condition_t **)&h, NULL), mp_condition_destroy(h));
    CHECK(mp_barrier_create((mp_barrier_t **)&h, &(mp_barrier_opts_t){.parties = 2}),
          mp_barrier_destroy(h));
    CHECK(mp_value_create((mp_value_t **)&h, &(mp_value_opts_t){.type = MP_DOUBLE}),
          mp_value_destroy(h));
    CHECK(mp_shm_create((mp_shm_t **)&h, &(mp_shm_opts_t){.size = 100}),
          (mp_shm_unlink(h), mp_shm_destroy(h)));
    CHECK(mp_shlist_create((mp_shlist_t **)&h, &(mp_shlist_opts_t){.slots = slots, .count = 1}),
          (mp_shm_unlink(mp_shlist_shm(h)), mp_shlist_destroy(h)));
    CHECK(mp_pipe_create(&a, &b, NULL), (mp_connection_destroy(a), mp_connection_destroy(b)));
    CHECK(mp_listener_create((mp_listener_t **)&h, NULL), mp_listener_destroy(h));
    CHECK(mp_process_create((mp_process_t **)&h, &(mp_process_opts_t){.task = "task_nothing"}),
          mp_process_destroy(h));
    CHECK(mp_queue_create((mp_queue_t **)&h, NULL), mp_queue_destroy(h));
    CHECK(mp_joinable_queue_create((mp_queue_t **)&h, NULL), mp_queue_destroy(h));
    CHECK(mp_simple_queue_create((mp_simple_queue_t **)&h, NULL), mp_simple_queue_destroy(h));
#undef CHECK
    /* Attaching and connecting need something to reach: before mp_init()
     * they must refuse before looking. */
    if (want != 0) {
        expect(mp_shm_attach((mp_shm_t **)&h, "before_init_none", NULL), want, "mp_shm_attach");
        expect(mp_shlist_attach((mp_shlist_t **)&h, "before_init_none", NULL), want,
               "mp_shlist_attach");
        expect(mp_client_connect(&a, &(mp_client_opts_t){.address = "tcp:127.0.0.1:1"}, 1.0), want,
               "mp_client_connect");
    }
}

int main(int argc, char **argv)
{
    construct_all(MP_ESTATE);
    int rc = mp_init(&argc, &argv, tasks);
    expect(rc, 0, "mp_init");
    if (rc == 0)
        construct_all(0);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
