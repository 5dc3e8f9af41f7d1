/* Bad input to every public function of sync.h, value.h and shm.h: each
 * gets its documented code, none crashes (DESIGN.md, "Public API
 * conventions"). A destroyed handle is safe to pass: the library keeps it
 * readable and answers MP_ECLOSED.
 *
 * Suite "sync_bad_args" needs no child and runs once; suite
 * "sync_bad_objects" hands objects to children (wrong types, foreign
 * pointers, objects destroyed before the start) and runs once per start
 * method. */
#include <limits.h>
#include <math.h>

#include "sync_helpers.h"

/* ---- sync_bad_args ---------------------------------------------------- */

/* Lock and RLock: NULL, NaN and negative timeouts, a handle of another
 * kind, a destroyed one. */
static void test_lock_functions(void)
{
    mp_lock_t *lock = NULL;
    mp_rlock_t *rlock = NULL;
    mp_semaphore_t *sem = NULL;
    mp_pid_t pid;
    long tid;
    unsigned count;
    EXPECT_RC(mp_lock_create(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_rlock_create(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_lock_acquire(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_lock_release(NULL), MP_EINVAL);
    EXPECT_RC(mp_lock_is_locked(NULL), MP_EINVAL);
    EXPECT_RC(mp_rlock_acquire(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_rlock_release(NULL), MP_EINVAL);
    EXPECT_RC(mp_rlock_is_locked(NULL), MP_EINVAL);
    EXPECT_RC(mp_rlock_owner(NULL, &pid, &tid, &count), MP_EINVAL);
    mp_lock_destroy(NULL);
    mp_rlock_destroy(NULL);
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0) ||
        !EXPECT_RC(mp_rlock_create(&rlock, NULL), 0) ||
        !EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 1}), 0))
        goto out;
    EXPECT_RC(mp_lock_acquire(lock, NAN), MP_EINVAL);
    EXPECT_RC(mp_lock_acquire(lock, -1.0), MP_EINVAL);
    EXPECT_RC(mp_rlock_acquire(rlock, NAN), MP_EINVAL);
    EXPECT_RC(mp_rlock_acquire(rlock, -MP_FOREVER), MP_EINVAL);
    EXPECT_EQ(mp_lock_is_locked(lock), 0); /* the refused calls took nothing */
    EXPECT_EQ(mp_rlock_is_locked(rlock), 0);
    /* One kind's handle is not another's. */
    EXPECT_RC(mp_lock_acquire((mp_lock_t *)rlock, 0), MP_EINVAL);
    EXPECT_RC(mp_rlock_acquire((mp_rlock_t *)lock, 0), MP_EINVAL);
    EXPECT_RC(mp_lock_release((mp_lock_t *)sem), MP_EINVAL);
    EXPECT_RC(mp_rlock_owner((mp_rlock_t *)sem, &pid, &tid, &count), MP_EINVAL);
    unsigned v = 0;
    EXPECT_RC(mp_semaphore_value(sem, &v), 0);
    EXPECT_EQ(v, 1);
    mp_lock_destroy(lock);
    mp_rlock_destroy(rlock);
    EXPECT_RC(mp_lock_acquire(lock, 0), MP_ECLOSED);
    EXPECT_RC(mp_lock_release(lock), MP_ECLOSED);
    EXPECT_RC(mp_lock_is_locked(lock), MP_ECLOSED);
    EXPECT_RC(mp_rlock_acquire(rlock, 0), MP_ECLOSED);
    EXPECT_RC(mp_rlock_release(rlock), MP_ECLOSED);
    EXPECT_RC(mp_rlock_is_locked(rlock), MP_ECLOSED);
    EXPECT_RC(mp_rlock_owner(rlock, &pid, &tid, &count), MP_ECLOSED);
    mp_lock_destroy(lock); /* a second destroy is harmless */
    mp_rlock_destroy(rlock);
    lock = NULL;
    rlock = NULL;
out:
    mp_semaphore_destroy(sem);
    mp_rlock_destroy(rlock);
    mp_lock_destroy(lock);
}

/* Semaphore: NULL out, a value above 2^30, NULL handle and value pointer,
 * NaN and negative timeouts, a destroyed handle. */
static void test_semaphore_functions(void)
{
    mp_semaphore_t *sem = (mp_semaphore_t *)&sem;
    unsigned v = 0;
    EXPECT_RC(mp_semaphore_create(NULL, &(mp_semaphore_opts_t){.value = 1}), MP_EINVAL);
    EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = (1u << 30) + 1}),
              MP_EINVAL);
    EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = UINT_MAX, .bounded = true}),
              MP_EINVAL);
    EXPECT_RC(mp_semaphore_acquire(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_semaphore_release(NULL), MP_EINVAL);
    EXPECT_RC(mp_semaphore_value(NULL, &v), MP_EINVAL);
    mp_semaphore_destroy(NULL);
    if (!EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 1}), 0))
        return;
    EXPECT_RC(mp_semaphore_acquire(sem, NAN), MP_EINVAL);
    EXPECT_RC(mp_semaphore_acquire(sem, -0.5), MP_EINVAL);
    EXPECT_RC(mp_semaphore_value(sem, NULL), MP_EINVAL);
    EXPECT_RC(mp_semaphore_value(sem, &v), 0);
    EXPECT_EQ(v, 1); /* the refused acquires took nothing */
    mp_semaphore_destroy(sem);
    EXPECT_RC(mp_semaphore_acquire(sem, 0), MP_ECLOSED);
    EXPECT_RC(mp_semaphore_release(sem), MP_ECLOSED);
    EXPECT_RC(mp_semaphore_value(sem, &v), MP_ECLOSED);
    mp_semaphore_destroy(sem);
}

/* Event: NULL, NaN and negative timeouts, a destroyed handle. */
static void test_event_functions(void)
{
    mp_event_t *e = NULL;
    EXPECT_RC(mp_event_create(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_event_set(NULL), MP_EINVAL);
    EXPECT_RC(mp_event_clear(NULL), MP_EINVAL);
    EXPECT_RC(mp_event_is_set(NULL), MP_EINVAL);
    EXPECT_RC(mp_event_wait(NULL, 0), MP_EINVAL);
    mp_event_destroy(NULL);
    if (!EXPECT_RC(mp_event_create(&e, NULL), 0))
        return;
    EXPECT_RC(mp_event_wait(e, NAN), MP_EINVAL);
    EXPECT_RC(mp_event_wait(e, -1.0), MP_EINVAL);
    mp_event_destroy(e);
    EXPECT_RC(mp_event_set(e), MP_ECLOSED);
    EXPECT_RC(mp_event_clear(e), MP_ECLOSED);
    EXPECT_RC(mp_event_is_set(e), MP_ECLOSED);
    EXPECT_RC(mp_event_wait(e, 0), MP_ECLOSED);
    mp_event_destroy(e);
}

static int always_true(void *ctx)
{
    (void)ctx;
    return 1;
}

/* Condition: NULL, a lock option that is not a Lock or RLock (another
 * kind, or no multiproc object at all), both lock options at once, a
 * destroyed lock, NaN and negative timeouts, a NULL predicate, a destroyed
 * condition, and a condition whose lock was destroyed under it. */
static void test_condition_functions(void)
{
    mp_condition_t *c = (mp_condition_t *)&c;
    mp_semaphore_t *sem = NULL;
    mp_lock_t *lock = NULL, *gone = NULL;
    mp_rlock_t *rlock = NULL;
    int not_an_object = 0;
    EXPECT_RC(mp_condition_create(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_condition_create(&c, &(mp_condition_opts_t){.lock = (mp_lock_t *)&not_an_object}),
              MP_EINVAL);
    if (EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 1}), 0))
        EXPECT_RC(mp_condition_create(&c, &(mp_condition_opts_t){.rlock = (mp_rlock_t *)sem}),
                  MP_EINVAL);
    if (EXPECT_RC(mp_rlock_create(&rlock, NULL), 0)) {
        /* An RLock given as the Lock. */
        EXPECT_RC(mp_condition_create(&c, &(mp_condition_opts_t){.lock = (mp_lock_t *)rlock}),
                  MP_EINVAL);
        if (EXPECT_RC(mp_lock_create(&lock, NULL), 0))
            EXPECT_RC(mp_condition_create(&c, &(mp_condition_opts_t){.lock = lock, .rlock = rlock}),
                      MP_EINVAL);
        mp_lock_destroy(lock);
        mp_rlock_destroy(rlock);
        lock = NULL;
    }
    if (EXPECT_RC(mp_lock_create(&gone, NULL), 0)) {
        mp_lock_destroy(gone);
        EXPECT_RC(mp_condition_create(&c, &(mp_condition_opts_t){.lock = gone}), MP_ECLOSED);
    }
    EXPECT_RC(mp_condition_acquire(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_condition_release(NULL), MP_EINVAL);
    EXPECT_RC(mp_condition_wait(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_condition_wait_for(NULL, always_true, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_condition_notify(NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_condition_notify_all(NULL), MP_EINVAL);
    mp_condition_destroy(NULL);
    if (EXPECT_RC(mp_condition_create(&c, NULL), 0)) {
        EXPECT_RC(mp_condition_acquire(c, NAN), MP_EINVAL);
        EXPECT_RC(mp_condition_acquire(c, -1.0), MP_EINVAL);
        EXPECT_RC(mp_condition_acquire(c, MP_FOREVER), 0);
        EXPECT_RC(mp_condition_wait(c, NAN), MP_EINVAL);
        EXPECT_RC(mp_condition_wait(c, -1.0), MP_EINVAL);
        EXPECT_RC(mp_condition_wait_for(c, always_true, NULL, NAN), MP_EINVAL);
        EXPECT_RC(mp_condition_wait_for(c, always_true, NULL, -1.0), MP_EINVAL);
        EXPECT_RC(mp_condition_wait_for(c, NULL, NULL, 0), MP_EINVAL);
        EXPECT_RC(mp_condition_release(c), 0);
        mp_condition_destroy(c);
        EXPECT_RC(mp_condition_acquire(c, 0), MP_ECLOSED);
        EXPECT_RC(mp_condition_release(c), MP_ECLOSED);
        EXPECT_RC(mp_condition_wait(c, 0), MP_ECLOSED);
        EXPECT_RC(mp_condition_wait_for(c, always_true, NULL, 0), MP_ECLOSED);
        EXPECT_RC(mp_condition_notify(c, 1), MP_ECLOSED);
        EXPECT_RC(mp_condition_notify_all(c), MP_ECLOSED);
        mp_condition_destroy(c);
    }
    /* The given lock is kept by reference: destroyed first, the condition
     * says so. */
    if (EXPECT_RC(mp_lock_create(&lock, NULL), 0) &&
        EXPECT_RC(mp_condition_create(&c, &(mp_condition_opts_t){.lock = lock}), 0)) {
        mp_lock_destroy(lock);
        EXPECT_RC(mp_condition_acquire(c, 0), MP_ECLOSED);
        EXPECT_RC(mp_condition_release(c), MP_ECLOSED);
        EXPECT_RC(mp_condition_wait(c, 0), MP_ECLOSED);
        EXPECT_RC(mp_condition_notify(c, 1), MP_ECLOSED);
        mp_condition_destroy(c);
    }
    mp_semaphore_destroy(sem);
}

/* Barrier: NULL, no parties, an action not in the task table, NULL and
 * destroyed handles, NaN and negative waits. */
static void test_barrier_functions(void)
{
    mp_barrier_t *b = (mp_barrier_t *)&b;
    EXPECT_RC(mp_barrier_create(NULL, &(mp_barrier_opts_t){.parties = 1}), MP_EINVAL);
    EXPECT_RC(mp_barrier_create(&b, NULL), MP_EINVAL);
    EXPECT_RC(mp_barrier_create(&b, &(mp_barrier_opts_t){.parties = 0}), MP_EINVAL);
    EXPECT_RC(mp_barrier_create(&b, &(mp_barrier_opts_t){.parties = 2, .action = "no_such_task"}),
              MP_ENOTASK);
    EXPECT_RC(mp_barrier_create(&b, &(mp_barrier_opts_t){.parties = 2, .action = ""}), MP_ENOTASK);
    EXPECT_RC(mp_barrier_wait(NULL, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_barrier_abort(NULL), MP_EINVAL);
    EXPECT_RC(mp_barrier_reset(NULL), MP_EINVAL);
    EXPECT_RC(mp_barrier_parties(NULL), MP_EINVAL);
    EXPECT_RC(mp_barrier_n_waiting(NULL), MP_EINVAL);
    EXPECT_RC(mp_barrier_is_broken(NULL), MP_EINVAL);
    mp_barrier_destroy(NULL);
    if (!EXPECT_RC(mp_barrier_create(&b, &(mp_barrier_opts_t){.parties = 2}), 0))
        return;
    EXPECT_RC(mp_barrier_wait(b, NAN, NULL), MP_EINVAL);
    EXPECT_RC(mp_barrier_wait(b, -1.0, NULL), MP_EINVAL);
    EXPECT_EQ(mp_barrier_is_broken(b), 0); /* the refused waits did not break it */
    EXPECT_EQ(mp_barrier_n_waiting(b), 0);
    mp_barrier_destroy(b);
    EXPECT_RC(mp_barrier_wait(b, 0, NULL), MP_ECLOSED);
    EXPECT_RC(mp_barrier_abort(b), MP_ECLOSED);
    EXPECT_RC(mp_barrier_reset(b), MP_ECLOSED);
    EXPECT_RC(mp_barrier_parties(b), MP_ECLOSED);
    EXPECT_RC(mp_barrier_n_waiting(b), MP_ECLOSED);
    EXPECT_RC(mp_barrier_is_broken(b), MP_ECLOSED);
    mp_barrier_destroy(b);
}

/* Value: NULL, types outside the enum or not for values, an absurd
 * length, NULL pointers, indices out of range, a destroyed handle. */
static void test_value_functions(void)
{
    mp_value_t *v = (mp_value_t *)&v;
    mp_rlock_t *lock;
    int64_t k;
    double d;
    EXPECT_EQ(mp_type_size((mp_type_t)0), 0);
    EXPECT_EQ(mp_type_size((mp_type_t)99), 0);
    EXPECT_EQ(mp_type_size(MP_STR), 0); /* list slots, not value elements */
    EXPECT_EQ(mp_type_size(MP_BYTES), 0);
    EXPECT_RC(mp_value_create(NULL, &(mp_value_opts_t){.type = MP_INT32}), MP_EINVAL);
    EXPECT_RC(mp_value_create(&v, NULL), MP_EINVAL);
    EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = (mp_type_t)0}), MP_EINVAL);
    EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = (mp_type_t)99}), MP_EINVAL);
    EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = MP_STR}), MP_EINVAL);
    EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = MP_INT64, .length = SIZE_MAX}),
              MP_EINVAL);
    EXPECT(mp_value_ptr(NULL) == NULL, "ptr of NULL");
    EXPECT_EQ(mp_value_length(NULL), 0);
    EXPECT_RC(mp_value_type(NULL), MP_EINVAL);
    EXPECT_RC(mp_value_lock(NULL, &lock), MP_EINVAL);
    EXPECT_RC(mp_value_get_i64(NULL, 0, &k), MP_EINVAL);
    EXPECT_RC(mp_value_get_double(NULL, 0, &d), MP_EINVAL);
    EXPECT_RC(mp_value_set_i64(NULL, 0, 1), MP_EINVAL);
    EXPECT_RC(mp_value_set_double(NULL, 0, 1), MP_EINVAL);
    EXPECT_RC(mp_value_add_i64(NULL, 0, 1, &k), MP_EINVAL);
    mp_value_destroy(NULL);
    if (!EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = MP_INT32, .length = 4}), 0))
        return;
    EXPECT_RC(mp_value_lock(v, NULL), MP_EINVAL);
    EXPECT_RC(mp_value_get_i64(v, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_value_get_double(v, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_value_get_i64(v, 4, &k), MP_EINVAL);
    EXPECT_RC(mp_value_set_i64(v, SIZE_MAX, 1), MP_EINVAL);
    EXPECT_RC(mp_value_add_i64(v, 4, 1, &k), MP_EINVAL);
    mp_value_destroy(v);
    EXPECT(mp_value_ptr(v) == NULL, "ptr of a destroyed value");
    EXPECT_EQ(mp_value_length(v), 0);
    EXPECT_RC(mp_value_type(v), MP_ECLOSED);
    EXPECT_RC(mp_value_lock(v, &lock), MP_ECLOSED);
    EXPECT_RC(mp_value_get_i64(v, 0, &k), MP_ECLOSED);
    EXPECT_RC(mp_value_get_double(v, 0, &d), MP_ECLOSED);
    EXPECT_RC(mp_value_set_i64(v, 0, 1), MP_ECLOSED);
    EXPECT_RC(mp_value_set_double(v, 0, 1), MP_ECLOSED);
    EXPECT_RC(mp_value_add_i64(v, 0, 1, &k), MP_ECLOSED);
    mp_value_destroy(v);
}

/* SharedMemory: NULL out and options, size 0, NULL and destroyed handles. */
static void test_shm_functions(void)
{
    mp_shm_t *shm = (mp_shm_t *)&shm;
    EXPECT_RC(mp_shm_create(NULL, &(mp_shm_opts_t){.size = 64}), MP_EINVAL);
    EXPECT_RC(mp_shm_create(&shm, NULL), MP_EINVAL);
    EXPECT_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.size = 0}), MP_EINVAL);
    EXPECT_RC(mp_shm_attach(NULL, "whatever", NULL), MP_EINVAL);
    EXPECT(mp_shm_data(NULL) == NULL, "data of NULL");
    EXPECT_EQ(mp_shm_size(NULL), 0);
    EXPECT_STR(mp_shm_name(NULL), "");
    EXPECT_RC(mp_shm_close(NULL), MP_EINVAL);
    EXPECT_RC(mp_shm_unlink(NULL), MP_EINVAL);
    mp_shm_destroy(NULL);
    if (!EXPECT_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.size = 64}), 0))
        return;
    EXPECT_RC(mp_shm_unlink(shm), 0);
    mp_shm_destroy(shm);
    EXPECT_SHM_GONE(shm);
    EXPECT_RC(mp_shm_unlink(shm), MP_ECLOSED);
    mp_shm_destroy(shm);
}

/* ShareableList: NULL pointers and destroyed handles. */
static void test_shlist_functions(void)
{
    mp_shlist_t *list = (mp_shlist_t *)&list;
    const mp_slot_def_t slots[] = {{MP_INT64, 0}, {MP_BYTES, 8}};
    int64_t k;
    double d;
    char buf[8];
    size_t len;
    EXPECT_RC(mp_shlist_create(NULL, &(mp_shlist_opts_t){.slots = slots, .count = 2}), MP_EINVAL);
    EXPECT_RC(mp_shlist_create(&list, NULL), MP_EINVAL);
    EXPECT_RC(mp_shlist_attach(NULL, "whatever", NULL), MP_EINVAL);
    EXPECT_RC(mp_shlist_attach(&list, NULL, NULL), MP_EINVAL);
    EXPECT_EQ(mp_shlist_count(NULL), 0);
    EXPECT_RC(mp_shlist_type(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_shlist_get_i64(NULL, 0, &k), MP_EINVAL);
    EXPECT_RC(mp_shlist_set_i64(NULL, 0, 1), MP_EINVAL);
    EXPECT_RC(mp_shlist_get_double(NULL, 0, &d), MP_EINVAL);
    EXPECT_RC(mp_shlist_set_double(NULL, 0, 1), MP_EINVAL);
    EXPECT_RC(mp_shlist_get_bytes(NULL, 1, buf, sizeof buf, &len), MP_EINVAL);
    EXPECT_RC(mp_shlist_set_bytes(NULL, 1, "x", 1), MP_EINVAL);
    EXPECT(mp_shlist_shm(NULL) == NULL, "shm of NULL");
    mp_shlist_destroy(NULL);
    if (!EXPECT_RC(mp_shlist_create(&list, &(mp_shlist_opts_t){.slots = slots, .count = 2}), 0))
        return;
    EXPECT_RC(mp_shlist_get_i64(list, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_shlist_get_bytes(list, 1, buf, sizeof buf, NULL), MP_EINVAL);
    EXPECT_RC(mp_shlist_set_bytes(list, 1, NULL, 3), MP_EINVAL);
    EXPECT_RC(mp_shlist_get_bytes(list, 1, NULL, 0, &len), 0); /* empty: nothing to copy */
    EXPECT_EQ(len, 0);
    EXPECT_RC(mp_shm_unlink(mp_shlist_shm(list)), 0);
    mp_shlist_destroy(list);
    EXPECT_EQ(mp_shlist_count(list), 0);
    EXPECT_RC(mp_shlist_type(list, 0), MP_ECLOSED);
    EXPECT_RC(mp_shlist_get_i64(list, 0, &k), MP_ECLOSED);
    EXPECT_RC(mp_shlist_set_i64(list, 0, 1), MP_ECLOSED);
    EXPECT_RC(mp_shlist_get_bytes(list, 1, buf, sizeof buf, &len), MP_ECLOSED);
    EXPECT_RC(mp_shlist_set_bytes(list, 1, "x", 1), MP_ECLOSED);
    EXPECT(mp_shlist_shm(list) == NULL, "shm of a destroyed list");
    mp_shlist_destroy(list);
}

/* ---- sync_bad_objects ------------------------------------------------- */

/* In a child: every typed getter asked for a Value by another type, past
 * the end, or with NULL pointers gives MP_EINVAL (the task lists the calls
 * that did not). */
static void test_task_getters(void)
{
    mp_value_t *v = NULL;
    if (!EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = MP_INT32}), 0))
        return;
    mp_process_t *p = run_process(
        &(mp_process_opts_t){.task = "task_getter_checks", MP_OBJECTS(v)});
    const void *data = NULL;
    size_t len = 0;
    if (p && EXPECT_EQ(exitcode_of(p), 0) && EXPECT_RC(mp_process_result(p, &data, &len), 0))
        EXPECT_STR((const char *)data, "");
    dispose_process(p);
    mp_value_destroy(v);
}

/* A script whose object has the wrong type stops there with MP_EINVAL. */
static void test_script_wrong_object(void)
{
    mp_semaphore_t *sem = NULL;
    if (!EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 0}), 0))
        return;
    sync_script_t s = {{{OP_LOCK_ACQUIRE, 0, 0}, {OP_SEM_RELEASE, 0, 0}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){SCRIPT_TASK(s), MP_OBJECTS(sem)});
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, MP_EINVAL, STEP_NOT_RUN);
    dispose_process(p);
    mp_semaphore_destroy(sem);
}

/* mp_process_create refuses objects that are not multiproc objects (a
 * pointer to anything else, NULL) and a NULL array with a count, with
 * MP_EINVAL, and a destroyed object with MP_ECLOSED. */
static void test_create_with_bad_objects(void)
{
    int not_an_object = 0;
    mp_process_t *p = NULL;
    mp_lock_t *lock = NULL;
    EXPECT_RC(mp_process_create(
                  &p, &(mp_process_opts_t){.task = "task_echo", MP_OBJECTS(&not_an_object)}),
              MP_EINVAL);
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo", MP_OBJECTS(NULL)}),
              MP_EINVAL);
    EXPECT_RC(mp_process_create(
                  &p, &(mp_process_opts_t){.task = "task_echo", .objects = NULL, .nobjects = 1}),
              MP_EINVAL);
    if (EXPECT_RC(mp_lock_create(&lock, NULL), 0)) {
        mp_lock_destroy(lock);
        EXPECT_RC(
            mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo", MP_OBJECTS(lock)}),
            MP_ECLOSED);
    }
}

/* An object destroyed between create and start: start says MP_ECLOSED and
 * no child runs; the handle is still in its created state. */
static void test_object_destroyed_before_start(void)
{
    mp_lock_t *lock = NULL;
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_lock_create(&lock, NULL), 0))
        return;
    if (EXPECT_RC(
            mp_process_create(&p, &(mp_process_opts_t){.task = "task_echo", MP_OBJECTS(lock)}),
            0)) {
        mp_lock_destroy(lock);
        EXPECT_RC(mp_process_start(p), MP_ECLOSED);
        EXPECT_EQ(mp_process_is_alive(p), 0);
        mp_pid_t pid;
        EXPECT_RC(mp_process_pid(p, &pid), MP_ESTATE);
    } else {
        mp_lock_destroy(lock);
    }
    dispose_process(p);
}

/* Many objects of every kind reach one child in order, each as its type:
 * a Value after a Lock, RLock, Semaphore, Event, Condition, Barrier,
 * segment and list is still the Value (the getter checks). */
static void test_every_kind_in_one_child(void)
{
    mp_lock_t *lock = NULL;
    mp_rlock_t *rlock = NULL;
    mp_semaphore_t *sem = NULL;
    mp_event_t *event = NULL;
    mp_condition_t *cond = NULL;
    mp_barrier_t *barrier = NULL;
    mp_shm_t *shm = NULL;
    mp_shlist_t *list = NULL;
    mp_value_t *v = NULL;
    if (EXPECT_RC(mp_lock_create(&lock, NULL), 0) && EXPECT_RC(mp_rlock_create(&rlock, NULL), 0) &&
        EXPECT_RC(mp_semaphore_create(&sem, &(mp_semaphore_opts_t){.value = 0}), 0) &&
        EXPECT_RC(mp_event_create(&event, NULL), 0) &&
        EXPECT_RC(mp_condition_create(&cond, &(mp_condition_opts_t){.rlock = rlock}), 0) &&
        EXPECT_RC(mp_barrier_create(&barrier, &(mp_barrier_opts_t){.parties = 1}), 0) &&
        EXPECT_RC(mp_shm_create(&shm, &(mp_shm_opts_t){.size = 64}), 0) &&
        EXPECT_RC(
            mp_shlist_create(
                &list, &(mp_shlist_opts_t){.slots = &(mp_slot_def_t){MP_INT64, 0}, .count = 1}),
            0) &&
        EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = MP_INT64}), 0)) {
        sync_script_t s = {{{OP_LOCK_TRY, 0, 0},
                            {OP_RLOCK_ACQUIRE, 1, 0},
                            {OP_RLOCK_RELEASE, 1, 0},
                            {OP_SEM_RELEASE, 2, 0},
                            {OP_EVENT_SET, 3, 0},
                            {OP_COND_ACQUIRE, 4, 0},
                            {OP_COND_RELEASE, 4, 0},
                            {OP_LOCK_RELEASE, 0, 0}}};
        mp_process_t *p = start_process(&(mp_process_opts_t){
            SCRIPT_TASK(s), MP_OBJECTS(lock, rlock, sem, event, cond, barrier, shm, list, v)});
        script_rcs_t r;
        if (script_result(p, &r))
            EXPECT_RCS(r, 0, 0, 0, 0, 0, 0, 0, 0);
        EXPECT_EQ(mp_event_is_set(event), 1);
        dispose_process(p);
        p = run_process(
            &(mp_process_opts_t){.task = "task_value_double",
                                 MP_OBJECTS(v, lock)}); /* it stops at the first non-Value */
        int64_t seen = 0;
        if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &seen, sizeof seen))
            EXPECT_EQ(seen, 1);
        dispose_process(p);
    }
    if (shm)
        mp_shm_unlink(shm);
    if (list)
        mp_shm_unlink(mp_shlist_shm(list));
    mp_value_destroy(v);
    mp_shlist_destroy(list);
    mp_shm_destroy(shm);
    mp_barrier_destroy(barrier);
    mp_condition_destroy(cond);
    mp_event_destroy(event);
    mp_semaphore_destroy(sem);
    mp_rlock_destroy(rlock);
    mp_lock_destroy(lock);
}

static const test_case_t arg_tests[] = {
    {"lock_functions", test_lock_functions, ON_ALL},
    {"semaphore_functions", test_semaphore_functions, ON_ALL},
    {"event_functions", test_event_functions, ON_ALL},
    {"condition_functions", test_condition_functions, ON_ALL},
    {"barrier_functions", test_barrier_functions, ON_ALL},
    {"value_functions", test_value_functions, ON_ALL},
    {"shm_functions", test_shm_functions, ON_ALL},
    {"shlist_functions", test_shlist_functions, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_sync_bad_args = {"sync_bad_args", false, arg_tests};

static const test_case_t object_tests[] = {
    {"task_getters", test_task_getters, ON_ALL},
    {"script_wrong_object", test_script_wrong_object, ON_ALL},
    {"create_with_bad_objects", test_create_with_bad_objects, ON_ALL},
    {"object_destroyed_before_start", test_object_destroyed_before_start, ON_ALL},
    {"every_kind_in_one_child", test_every_kind_in_one_child, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_sync_bad_objects = {"sync_bad_objects", true, object_tests};
