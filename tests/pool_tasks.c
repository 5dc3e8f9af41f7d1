/* The tasks of the Pool suites (pool_tasks.h): a starmap task that reads
 * its several arguments, a square that may first announce its worker and
 * sleep (to be killed or timed out), and two tasks that own a Pool in a
 * child process (checklist items 36 and 136). They run in pool workers or
 * in plain children; they never assert: they report through their result,
 * their error or a file. */
#include "pool_tasks.h"

#include <stdio.h>

#include "platform.h" /* sleep_s */

/* starmap: the int64 arguments a[0..n-1] read with mp_task_arg_count()
 * and mp_task_arg_i64_at(), folded as digits: ((a0 * B) + a1) * B + ...,
 * B = POOL_DIGIT_BASE. No argument at all gives 0. */
int task_pool_digits(mp_task_t *t)
{
    int n = mp_task_arg_count(t);
    if (n < 0)
        return mp_task_fail(t, n, "mp_task_arg_count: %s", mp_errdetail());
    int64_t acc = 0;
    for (int i = 0; i < n; i++) {
        int64_t v = 0;
        int rc = mp_task_arg_i64_at(t, (size_t)i, &v);
        if (rc < 0)
            return mp_task_fail(t, rc, "argument %d of %d: %s", i, n, mp_errdetail());
        acc = acc * POOL_DIGIT_BASE + v;
    }
    return mp_task_return_i64(t, acc);
}

/* A ctl_arg_t: returns ctl.n squared. With ctl.seconds > 0 it first
 * writes its worker's pid ("<pid>\n") to ctl.path, then sleeps that long:
 * the test knows which worker to kill, or that the task is running when a
 * limit is to stop it. */
int task_pool_ctl_square(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    if (ctl.seconds > 0) {
        mp_process_info_t me;
        if ((rc = mp_current_process(&me)) < 0)
            return mp_task_fail(t, rc, "mp_current_process: %s", mp_errdetail());
        char text[32];
        snprintf(text, sizeof text, "%lld\n", (long long)me.pid);
        if (write_file_atomic(ctl.path, text) < 0)
            return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
        sleep_s(ctl.seconds);
    }
    return mp_task_return_i64(t, ctl.n * ctl.n);
}

/* The squares of 0..n-1 on a pool of `workers` under `method`, summed;
 * `keep` receives the pool instead of destroying it (NULL: destroyed).
 * Any failure fails the task with its code and where it happened. */
static int pool_squares_sum(mp_task_t *t, const char *method, int workers, int64_t n,
                            mp_pool_t **keep, int64_t *sum)
{
    enum { MAX_N = 1000 };
    if (n < 0 || n > MAX_N)
        return mp_task_fail(t, MP_EINVAL, "n = %lld, expected 0..%d", (long long)n, MAX_N);
    mp_context_t *ctx = NULL;
    int rc = mp_get_context(&ctx, method);
    if (rc < 0)
        return mp_task_fail(t, rc, "mp_get_context(%s): %s", method, mp_errdetail());
    mp_pool_t *pool = NULL;
    rc = mp_pool_create(&pool, &(mp_pool_opts_t){.workers = workers, .context = ctx});
    if (rc < 0)
        return mp_task_fail(t, rc, "mp_pool_create: %s", mp_errdetail());
    int64_t in[MAX_N], out[MAX_N];
    for (int64_t i = 0; i < n; i++)
        in[i] = i;
    rc = mp_pool_map_i64(pool, "task_square", in, out, (size_t)n);
    if (rc < 0)
        rc = mp_task_fail(t, rc, "mp_pool_map_i64: %s", mp_errdetail());
    *sum = 0;
    for (int64_t i = 0; rc == 0 && i < n; i++)
        *sum += out[i];
    if (keep) {
        *keep = pool;
    } else {
        int end = mp_pool_close(pool);
        if (end == 0)
            end = mp_pool_join(pool, 60.0); /* a hang must fail the task, not the suite */
        if (rc == 0 && end < 0)
            rc = mp_task_fail(t, end, "closing the pool: %s", mp_errdetail());
        mp_pool_destroy(pool);
    }
    return rc;
}

/* Item 36: a child makes a Pool(POOL_CHILD_WORKERS) under ctl.method,
 * maps task_square over 0..ctl.n-1 on it, destroys it and returns the sum
 * of the squares. */
int task_pool_in_child(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    int64_t sum = 0;
    if (rc == 0)
        rc = pool_squares_sum(t, ctl.method, POOL_CHILD_WORKERS, ctl.n, NULL, &sum);
    return rc < 0 ? rc : mp_task_return_i64(t, sum);
}

/* The pool task_pool_left_open leaves to the process's exit: a global
 * object that still owns a live pool (item 136). */
static mp_pool_t *left_open;

/* Item 136: makes a pool of 2 under ctl.method, maps on it, and returns
 * with the pool still running, never destroyed: the child's exit must
 * finish it and end with exit code 0 (the test joins it). */
int task_pool_left_open(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    int64_t sum = 0;
    if (rc == 0)
        rc = pool_squares_sum(t, ctl.method, 2, ctl.n, &left_open, &sum);
    return rc < 0 ? rc : mp_task_return_i64(t, sum);
}
