/* Handles (api/CONVENTIONS.md, "Handles"): a destroyed handle answers
 * MP_ECLOSED for ever, even after a new object of its kind was created, for
 * every kind, processes included; a value that was never a handle is
 * MP_EINVAL; destroying a borrowed handle does nothing, and it lives exactly
 * as long as its owner. */
#include <stdio.h>
#include <string.h>

#include "helpers.h"

/* One kind of object, as the tests below need it: make one, use it (the
 * call must succeed on a live handle), and destroy it. */
typedef struct kind_ops {
    const char *name;
    int (*create)(void **out);
    int (*use)(void *handle);
    void (*destroy)(void *handle);
} kind_ops_t;

static int lock_create(void **out)
{
    return mp_lock_create((mp_lock_t **)out, NULL);
}
static int lock_use(void *h)
{
    return mp_lock_is_locked(h);
}
static void lock_destroy(void *h)
{
    mp_lock_destroy(h);
}

static int rlock_create(void **out)
{
    return mp_rlock_create((mp_rlock_t **)out, NULL);
}
static int rlock_use(void *h)
{
    return mp_rlock_is_locked(h);
}
static void rlock_destroy(void *h)
{
    mp_rlock_destroy(h);
}

static int semaphore_create(void **out)
{
    return mp_semaphore_create((mp_semaphore_t **)out, &(mp_semaphore_opts_t){.value = 1});
}
static int semaphore_use(void *h)
{
    return mp_semaphore_acquire(h, 0);
}
static void semaphore_destroy(void *h)
{
    mp_semaphore_destroy(h);
}

static int event_create(void **out)
{
    return mp_event_create((mp_event_t **)out, NULL);
}
static int event_use(void *h)
{
    return mp_event_is_set(h);
}
static void event_destroy(void *h)
{
    mp_event_destroy(h);
}

static int condition_create(void **out)
{
    return mp_condition_create((mp_condition_t **)out, NULL);
}
static int condition_use(void *h)
{
    int rc = mp_condition_acquire(h, 0);
    return rc < 0 ? rc : mp_condition_release(h);
}
static void condition_destroy(void *h)
{
    mp_condition_destroy(h);
}

static int barrier_create(void **out)
{
    return mp_barrier_create((mp_barrier_t **)out, &(mp_barrier_opts_t){.parties = 2});
}
static int barrier_use(void *h)
{
    return mp_barrier_is_broken(h);
}
static void barrier_destroy(void *h)
{
    mp_barrier_destroy(h);
}

static int value_create(void **out)
{
    return mp_value_create((mp_value_t **)out, &(mp_value_opts_t){.type = MP_INT64});
}
static int value_use(void *h)
{
    return mp_value_set_i64(h, 0, 42);
}
static void value_destroy(void *h)
{
    mp_value_destroy(h);
}

static int shm_create(void **out)
{
    return mp_shm_create((mp_shm_t **)out, &(mp_shm_opts_t){.size = 64});
}
static int shm_use(void *h)
{
    return mp_shm_close(h);
}
static void shm_destroy(void *h)
{
    mp_shm_unlink(h);
    mp_shm_destroy(h);
}

static int shlist_create(void **out)
{
    static const mp_slot_def_t slots[] = {{.type = MP_INT64}};
    return mp_shlist_create((mp_shlist_t **)out, &(mp_shlist_opts_t){.slots = slots, .count = 1});
}
static int shlist_use(void *h)
{
    return mp_shlist_set_i64(h, 0, 7);
}
static void shlist_destroy(void *h)
{
    mp_shm_unlink(mp_shlist_shm(h));
    mp_shlist_destroy(h);
}

/* A pipe's first end stands for the connection kind; the other end is
 * closed with it. */
static mp_connection_t *pipe_peer[2];
static int pipe_create(void **out)
{
    mp_connection_t *peer;
    int rc = mp_pipe_create((mp_connection_t **)out, &peer, NULL);
    if (rc == 0)
        pipe_peer[pipe_peer[0] ? 1 : 0] = peer;
    return rc;
}
static int pipe_use(void *h)
{
    return mp_connection_poll(h, 0);
}
static void pipe_destroy(void *h)
{
    mp_connection_destroy(h);
}

static int listener_create(void **out)
{
    return mp_listener_create((mp_listener_t **)out, NULL);
}
static int listener_use(void *h)
{
    return strlen(mp_listener_address(h)) > 0 ? 0 : MP_ECLOSED;
}
static void listener_destroy(void *h)
{
    mp_listener_destroy(h);
}

static int process_create(void **out)
{
    return mp_process_create((mp_process_t **)out, &(mp_process_opts_t){.task = "task_sleep"});
}
static int process_use(void *h)
{
    return mp_process_is_alive(h);
}
static void process_destroy(void *h)
{
    mp_process_destroy(h);
}

static const kind_ops_t kinds[] = {
    {"Lock", lock_create, lock_use, lock_destroy},
    {"RLock", rlock_create, rlock_use, rlock_destroy},
    {"Semaphore", semaphore_create, semaphore_use, semaphore_destroy},
    {"Event", event_create, event_use, event_destroy},
    {"Condition", condition_create, condition_use, condition_destroy},
    {"Barrier", barrier_create, barrier_use, barrier_destroy},
    {"Value", value_create, value_use, value_destroy},
    {"SharedMemory", shm_create, shm_use, shm_destroy},
    {"ShareableList", shlist_create, shlist_use, shlist_destroy},
    {"Connection", pipe_create, pipe_use, pipe_destroy},
    {"Listener", listener_create, listener_use, listener_destroy},
    {"Process", process_create, process_use, process_destroy},
};
enum { NKINDS = sizeof kinds / sizeof kinds[0] };

/* create A, destroy A, create B: A answers MP_ECLOSED, B works, and a
 * second destroy of A harms nothing (B still works). Many rounds, so that a
 * table that handed back A's slot would be caught. */
static void test_stale_handle_never_aliases(void)
{
    for (size_t k = 0; k < NKINDS; k++) {
        const kind_ops_t *ops = &kinds[k];
        for (int round = 0; round < 50; round++) {
            void *a = NULL, *b = NULL;
            memset(pipe_peer, 0, sizeof pipe_peer);
            if (!EXPECT(ops->create(&a) == 0, "%s: create: %s", ops->name, mp_errdetail()))
                break;
            ops->destroy(a);
            if (!EXPECT(ops->create(&b) == 0, "%s: create: %s", ops->name, mp_errdetail()))
                break;
            EXPECT(a != b, "%s: a new object got the destroyed handle's value", ops->name);
            int stale = ops->use(a);
            EXPECT(stale == MP_ECLOSED, "%s round %d: stale handle gave %s, not MP_ECLOSED",
                   ops->name, round, mp_err_name(stale));
            ops->destroy(a);
            int live = ops->use(b);
            EXPECT(live >= 0, "%s round %d: live handle gave %s: %s", ops->name, round,
                   mp_err_name(live), mp_errdetail());
            ops->destroy(b);
            mp_connection_destroy(pipe_peer[0]);
            mp_connection_destroy(pipe_peer[1]);
        }
    }
}

/* Anything that was never a handle is MP_EINVAL, and a handle of another
 * kind too; neither is dereferenced. */
static void test_foreign_values_are_einval(void)
{
    int local = 0;
    EXPECT_RC(mp_lock_acquire((mp_lock_t *)&local, 0), MP_EINVAL);
    EXPECT_RC(mp_lock_acquire((mp_lock_t *)(uintptr_t)0x1, 0), MP_EINVAL);
    EXPECT_RC(mp_value_set_i64((mp_value_t *)(uintptr_t)UINTPTR_MAX, 0, 1), MP_EINVAL);
    EXPECT_RC(mp_process_is_alive((mp_process_t *)&local), MP_EINVAL);
    mp_semaphore_t *sem = NULL;
    EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 1}), 0);
    EXPECT_RC(mp_lock_acquire((mp_lock_t *)sem, 0), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "Semaphore") != NULL, "detail: %s", mp_errdetail());
    mp_lock_destroy((mp_lock_t *)sem); /* another kind: left alone */
    EXPECT_RC(mp_semaphore_acquire(sem, 0), 0);
    mp_semaphore_destroy(sem);
    /* Destroying a stale handle says nothing: the detail stays that of the
     * call that failed before it. */
    EXPECT_RC(mp_semaphore_acquire(sem, 0), MP_ECLOSED);
    EXPECT_RC(mp_lock_acquire((mp_lock_t *)(uintptr_t)0x1, -1.0), MP_EINVAL);
    char before[256];
    snprintf(before, sizeof before, "%s", mp_errdetail());
    mp_semaphore_destroy(sem);
    mp_lock_destroy((mp_lock_t *)&local);
    EXPECT_STR(mp_errdetail(), before);
}

/* A Value's lock is borrowed: destroying it does nothing; it dies with the
 * value and then answers MP_ECLOSED. */
static void test_value_lock_is_borrowed(void)
{
    mp_value_t *v = NULL;
    mp_rlock_t *lock = NULL;
    EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = MP_INT32}), 0);
    EXPECT_RC(mp_value_lock(v, &lock), 0);
    mp_rlock_destroy(lock);
    EXPECT_RC(mp_rlock_acquire(lock, 0), 0);
    EXPECT_RC(mp_rlock_release(lock), 0);
    EXPECT_RC(mp_value_set_i64(v, 0, 5), 0); /* the value's own lock still works */
    mp_value_destroy(v);
    EXPECT_RC(mp_rlock_acquire(lock, 0), MP_ECLOSED);
}

/* A list's segment is borrowed the same way. */
static void test_shlist_segment_is_borrowed(void)
{
    static const mp_slot_def_t slots[] = {{.type = MP_INT64}, {.type = MP_STR, .width = 8}};
    mp_shlist_t *list = NULL;
    EXPECT_RC(mp_shlist_create(&list, &(mp_shlist_opts_t){.slots = slots, .count = 2}), 0);
    mp_shm_t *shm = mp_shlist_shm(list);
    EXPECT(shm != NULL, "mp_shlist_shm: %s", mp_errdetail());
    mp_shm_destroy(shm);
    EXPECT(mp_shm_data(shm) != NULL, "the borrowed segment went away with its destroy");
    EXPECT_RC(mp_shlist_set_i64(list, 0, 11), 0);
    EXPECT_RC(mp_shm_unlink(shm), 0);
    mp_shlist_destroy(list);
    EXPECT_SHM_GONE(shm); /* it went with its list */
}

/* Objects fetched in a task are borrowed from it: a task that destroys its
 * lock can still use it (task_destroy_borrowed checks that in the child). */
static void test_task_objects_are_borrowed(void)
{
    mp_lock_t *lock = NULL;
    EXPECT_RC(mp_lock_create(&lock, NULL), 0);
    mp_process_t *p = run_process(&(mp_process_opts_t){
        .task = "task_destroy_borrowed", .context = method_context(), MP_OBJECTS(lock)});
    if (p) {
        const void *data;
        size_t len;
        int rc = mp_process_result(p, &data, &len);
        EXPECT(rc == 0, "child: %s: %s", mp_err_name(rc), mp_errdetail());
        EXPECT_EQ(exitcode_of(p), 0);
    }
    mp_process_destroy(p);
    EXPECT_RC(mp_lock_is_locked(lock), 0); /* released by the child, still ours */
    mp_lock_destroy(lock);
}

/* A process handle that was destroyed, then its slot's successor started
 * and joined: the old handle never reaches the new child. */
static void test_process_handle_after_new_process(void)
{
    mp_process_t *old = NULL;
    EXPECT_RC(mp_process_create(&old, &(mp_process_opts_t){.task = "task_square",
                                                           .context = method_context(),
                                                           MP_ARG_I64(3)}),
              0);
    mp_process_destroy(old);
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_square", .context = method_context(), MP_ARG_I64(4)});
    EXPECT_RC(mp_process_start(old), MP_ECLOSED);
    EXPECT_RC(mp_process_join(old, 0), MP_ECLOSED);
    EXPECT_RC(mp_process_kill(old), MP_ECLOSED);
    EXPECT_STR(mp_process_name(old), "");
    EXPECT_STR(mp_process_start_method(old), "");
    int64_t square = 0;
    if (p && result_of(p, &square, sizeof square))
        EXPECT_EQ(square, 16);
    mp_process_destroy(p);
}

static const test_case_t handle_tests[] = {
    {"stale_handle_never_aliases", test_stale_handle_never_aliases, ON_ALL},
    {"foreign_values_are_einval", test_foreign_values_are_einval, ON_ALL},
    {"value_lock_is_borrowed", test_value_lock_is_borrowed, ON_ALL},
    {"shlist_segment_is_borrowed", test_shlist_segment_is_borrowed, ON_ALL},
    {"task_objects_are_borrowed", test_task_objects_are_borrowed, ON_ALL},
    {"process_handle_after_new_process", test_process_handle_after_new_process, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_handles = {"handles", true, handle_tests};

/* In the child of test_task_objects_are_borrowed: destroy the borrowed
 * lock, then use it; both must be harmless. */
int task_destroy_borrowed(mp_task_t *t)
{
    mp_lock_t *lock;
    int rc = mp_task_lock(t, 0, &lock);
    if (rc < 0)
        return rc;
    mp_lock_destroy(lock);
    if ((rc = mp_lock_acquire(lock, 5.0)) < 0)
        return mp_task_fail(t, rc, "acquire after destroy: %s", mp_errdetail());
    return mp_lock_release(lock);
}
