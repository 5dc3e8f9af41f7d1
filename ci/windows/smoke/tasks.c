/* The tasks the smoke tests' children run. Each reports through its result
 * or exit code; a failure says why with mp_task_fail(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smoke.h"

/* Returns twice its int64 argument. */
static int task_double(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : mp_task_return_i64(t, 2 * n);
}

/* Exits with its int64 argument as the code. */
static int task_exit(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : (int)n;
}

/* Fails with a message. */
static int task_fail(mp_task_t *t)
{
    return mp_task_fail(t, MP_EINVAL, "smoke failure %d", 42);
}

/* Sleeps for its double argument (seconds). */
static int task_sleep(mp_task_t *t)
{
    double s;
    int rc = mp_task_arg_double(t, &s);
    if (rc == 0)
        Sleep((DWORD)(s * 1000));
    return rc;
}

/* Returns BIG_RESULT bytes, far more than a pipe holds. */
static int task_big(mp_task_t *t)
{
    unsigned char *buf = malloc(BIG_RESULT);
    if (!buf)
        return MP_ENOMEM;
    for (size_t i = 0; i < BIG_RESULT; i++)
        buf[i] = big_byte(i);
    int rc = mp_task_return(t, buf, BIG_RESULT);
    free(buf);
    return rc;
}

/* Reports who it is and who its parent is. */
static int task_report_self(mp_task_t *t)
{
    mp_process_info_t me, parent;
    int rc = mp_current_process(&me);
    if (rc == 0)
        rc = mp_parent_process(&parent);
    if (rc < 0)
        return rc;
    self_report_t r = {
        .pid = me.pid, .parent_pid = parent.pid, .parent_alive = mp_parent_is_alive()};
    snprintf(r.method, sizeof r.method, "%s", me.start_method ? me.start_method : "?");
    return mp_task_return(t, &r, sizeof r);
}

/* Starts task_double(21) as a grandchild and returns its result. */
static int task_grandchild(mp_task_t *t)
{
    mp_process_t *p;
    int rc = mp_process_create(&p, &(mp_process_opts_t){.task = "task_double", MP_ARG_I64(21)});
    if (rc == 0 && (rc = mp_process_start(p)) == 0 && (rc = mp_process_join(p, 60)) == 0) {
        const void *data;
        size_t len;
        if ((rc = mp_process_result(p, &data, &len)) == 0)
            rc = mp_task_return(t, data, len);
    }
    if (rc < 0)
        rc = mp_task_fail(t, rc, "grandchild: %s", mp_errdetail());
    mp_process_destroy(p);
    return rc;
}

/* Objects: a Lock and a raw int64 Value. Adds 1 to the value n times, a
 * read and a write apart, under the lock. */
static int task_count(mp_task_t *t)
{
    int64_t n, v;
    mp_lock_t *lock;
    mp_value_t *value;
    int rc = mp_task_arg_i64(t, &n);
    if (rc == 0)
        rc = mp_task_lock(t, 0, &lock);
    if (rc == 0)
        rc = mp_task_value(t, 1, &value);
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = mp_lock_acquire(lock, 30.0)) < 0)
            break;
        rc = mp_value_get_i64(value, 0, &v);
        if (i % 16 == 0)
            Sleep(0); /* let another process find the lock taken */
        if (rc == 0)
            rc = mp_value_set_i64(value, 0, v + 1);
        int released = mp_lock_release(lock);
        rc = rc < 0 ? rc : released;
    }
    return rc < 0 ? mp_task_fail(t, rc, "counting: %s", mp_errdetail()) : 0;
}

/* Object: an Event. Exits 0 once it is set, 3 if it is not within 30 s. */
static int task_event_wait(mp_task_t *t)
{
    mp_event_t *e;
    int rc = mp_task_event(t, 0, &e);
    if (rc == 0)
        rc = mp_event_wait(e, 30.0);
    return rc == MP_ETIMEDOUT ? 3 : rc;
}

/* Objects: semaphores a and b. n times: take a, give b (ping-pong with the
 * parent, which gives a and takes b): every wake-up must arrive. */
static int task_pong(mp_task_t *t)
{
    int64_t n;
    mp_semaphore_t *a, *b;
    int rc = mp_task_arg_i64(t, &n);
    if (rc == 0)
        rc = mp_task_semaphore(t, 0, &a);
    if (rc == 0)
        rc = mp_task_semaphore(t, 1, &b);
    for (int64_t i = 0; rc == 0 && i < n; i++)
        if ((rc = mp_semaphore_acquire(a, 30.0)) == 0)
            rc = mp_semaphore_release(b);
    return rc < 0 ? mp_task_fail(t, rc, "pong %d: %s", (int)n, mp_errdetail()) : 0;
}

/* Object: a semaphore. n times: pause 3 ms, then release it, so that the
 * parent is asleep in the kernel each time the release comes. */
static int task_slow_release(mp_task_t *t)
{
    int64_t n;
    mp_semaphore_t *s;
    int rc = mp_task_arg_i64(t, &n);
    if (rc == 0)
        rc = mp_task_semaphore(t, 0, &s);
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        Sleep(3);
        rc = mp_semaphore_release(s);
    }
    return rc;
}

/* Object: a Lock. Takes it and ends without releasing it. */
static int task_hold_lock(mp_task_t *t)
{
    mp_lock_t *lock;
    int rc = mp_task_lock(t, 0, &lock);
    return rc < 0 ? rc : mp_lock_acquire(lock, 30.0);
}

/* Attaches the shared memory named by its argument, writes a greeting. */
static int task_shm_by_name(mp_task_t *t)
{
    const char *name;
    mp_shm_t *shm;
    int rc = mp_task_arg_str(t, &name);
    if (rc == 0)
        rc = mp_shm_attach(&shm, name, NULL);
    if (rc < 0)
        return mp_task_fail(t, rc, "attach %s: %s", name, mp_errdetail());
    snprintf(mp_shm_data(shm), mp_shm_size(shm), "hello by name, size %lu",
             (unsigned long)mp_shm_size(shm));
    mp_shm_destroy(shm);
    return 0;
}

/* Object: shared memory. Writes a greeting into it. */
static int task_shm_given(mp_task_t *t)
{
    mp_shm_t *shm;
    int rc = mp_task_shm(t, 0, &shm);
    if (rc == 0)
        snprintf(mp_shm_data(shm), mp_shm_size(shm), "hello by handle, size %lu",
                 (unsigned long)mp_shm_size(shm));
    return rc;
}

/* Exits 0 if the handle value in its argument is not open here: the parent
 * made it inheritable, but did not give it. */
static int task_no_stray_handle(mp_task_t *t)
{
    int64_t v;
    DWORD flags;
    int rc = mp_task_arg_i64(t, &v);
    if (rc < 0)
        return rc;
    return GetHandleInformation((HANDLE)(intptr_t)v, &flags) ? 5 : 0;
}

/* Object: a raw int64[2] Value. Starts two grandchildren that sleep for a
 * minute, one with exit_with_parent and one without, stores their pids in
 * the value and sleeps until the test kills it. */
static int task_two_grandchildren(mp_task_t *t)
{
    mp_value_t *pids;
    int rc = mp_task_value(t, 0, &pids);
    for (int i = 0; rc == 0 && i < 2; i++) {
        mp_process_t *p;
        mp_pid_t pid;
        rc = mp_process_create(&p, &(mp_process_opts_t){.task = "task_sleep",
                                                        MP_ARG_DOUBLE(60),
                                                        .exit_with_parent = i == 0});
        if (rc == 0 && (rc = mp_process_start(p)) == 0 && (rc = mp_process_pid(p, &pid)) == 0)
            rc = mp_value_set_i64(pids, (size_t)i, pid);
    }
    if (rc < 0)
        return mp_task_fail(t, rc, "grandchildren: %s", mp_errdetail());
    Sleep(60000);
    return 0;
}

const mp_task_def_t smoke_tasks[] = {
    MP_TASK(task_double),
    MP_TASK(task_exit),
    MP_TASK(task_fail),
    MP_TASK(task_sleep),
    MP_TASK(task_big),
    MP_TASK(task_report_self),
    MP_TASK(task_grandchild),
    MP_TASK(task_count),
    MP_TASK(task_event_wait),
    MP_TASK(task_pong),
    MP_TASK(task_slow_release),
    MP_TASK(task_hold_lock),
    MP_TASK(task_shm_by_name),
    MP_TASK(task_shm_given),
    MP_TASK(task_no_stray_handle),
    MP_TASK(task_two_grandchildren),
    MP_TASK(task_conn_echo),
    MP_TASK(task_conn_late_writer),
    MP_TASK_END,
};
