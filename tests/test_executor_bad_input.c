/* Suite "executor_bad_input": bad input to every function of executor.h.
 * No call aborts or crashes; each gets its documented code (NULL pointers,
 * a destroyed handle, a handle of another kind, a bad timeout, an unknown
 * task, a bad max_workers, an index out of range, a result of the wrong
 * size, a bad `when`), a refused call gives no handle, and it changes
 * nothing: the executor still works and a result is still there. A
 * destroyed handle is safe to pass (MP_ECLOSED), even once new objects were
 * made after it. Run once per start method, since the executors of worker
 * processes start their workers with it. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "executor_helpers.h"

/* The bad timeouts of every call (MP_FOREVER's rule in types.h). */
static const double bad_timeouts[] = {-1.0, -0.001, -MP_FOREVER, NAN};
enum { BAD_TIMEOUTS = sizeof bad_timeouts / sizeof bad_timeouts[0] };

/* A task name no table has. */
#define NO_TASK "no_such_task_anywhere"

static void never_called(mp_future_t *f, void *arg)
{
    (void)f;
    (void)arg;
    EXPECT(false, "a refused add_done_callback ran its callback");
}

/* ---- every call on one handle ------------------------------------------------- */

/* Every function on an executor handle that must answer `want` for it
 * (NULL, destroyed, another kind); a refused submit or map gives no
 * handle. */
static void expect_executor_calls(mp_executor_t *ex, int want)
{
    mp_future_t *f = NULL;
    mp_map_t *m = NULL;
    mp_executor_stats_t st;
    mp_pid_t pids[2];
    size_t count = 0;
    int64_t in = 2, out = 0;
    EXPECT_RC(mp_executor_submit(ex, &f, "task_echo", "x", 1), want);
    EXPECT_RC(mp_executor_submit_i64(ex, &f, "task_square", 1), want);
    EXPECT_RC(mp_executor_submit_double(ex, &f, "task_exec_twice", 1), want);
    EXPECT_RC(mp_executor_submit_str(ex, &f, "task_exec_shout", "x"), want);
    EXPECT_RC(mp_executor_submit_with(ex, &f, "task_echo", NULL), want);
    EXPECT_RC(mp_executor_shutdown(ex, true, false), want);
    EXPECT_RC(mp_executor_stats(ex, &st), want);
    EXPECT_RC(mp_executor_worker_pids(ex, pids, 2, &count), want);
    EXPECT_RC(mp_executor_map(ex, &m, "task_square", &in, sizeof in, 1, NULL), want);
    EXPECT_RC(mp_executor_map_i64(ex, "task_square", &in, &out, 1, 0), want);
    EXPECT(f == NULL && m == NULL, "a refused call gave a handle");
}

/* The same for a future handle. */
static void expect_future_calls(mp_future_t *f, int want)
{
    const void *data = NULL;
    size_t len = 0;
    int64_t i = 0;
    double d = 0;
    const char *s = NULL;
    int code = 0;
    mp_pid_t pid = 0;
    mp_as_completed_t *it = NULL;
    EXPECT_RC(mp_future_result(f, 0, &data, &len), want);
    EXPECT_RC(mp_future_result_i64(f, 0, &i), want);
    EXPECT_RC(mp_future_result_double(f, 0, &d), want);
    EXPECT_RC(mp_future_result_str(f, 0, &s), want);
    EXPECT_RC(mp_future_error(f, 0, &code, &s), want);
    EXPECT_RC(mp_future_worker(f, &pid, &code), want);
    EXPECT_RC(mp_future_is_done(f), want);
    EXPECT_RC(mp_future_is_running(f), want);
    EXPECT_RC(mp_future_is_cancelled(f), want);
    EXPECT_RC(mp_future_cancel(f), want);
    EXPECT_RC(mp_future_abort(f), want);
    EXPECT_RC(mp_future_add_done_callback(f, never_called, NULL), want);
    /* In a list, once f is a handle at all (a NULL entry is the list's
     * fault, MP_EINVAL either way). */
    EXPECT_RC(mp_futures_wait(&f, 1, 0, MP_ALL_COMPLETED, NULL), want);
    EXPECT_RC(mp_as_completed_create(&it, &f, 1, 0), want);
    EXPECT(data == NULL && s == NULL && it == NULL, "a refused call wrote its out-pointer");
}

/* The same for a map handle; mp_map_count() says 0. */
static void expect_map_calls(mp_map_t *m, int want)
{
    const void *data = NULL;
    size_t len = 0;
    int64_t i = 0;
    int code = 0;
    const char *message = NULL;
    EXPECT_RC(mp_map_get(m, 0, &data, &len), want);
    EXPECT_RC(mp_map_get_i64(m, 0, &i), want);
    EXPECT_RC(mp_map_error(m, 0, &code, &message), want);
    EXPECT_EQ(mp_map_count(m), 0);
    EXPECT(data == NULL && message == NULL, "a refused call wrote its out-pointer");
}

/* The same for an as-completed iterator. */
static void expect_as_completed_calls(mp_as_completed_t *it, int want)
{
    mp_future_t *f = NULL;
    EXPECT_RC(mp_as_completed_next(it, &f), want);
    EXPECT(f == NULL, "a refused next wrote its out-pointer");
}

/* A live executor, after refused calls, still runs a task. */
#define EXPECT_STILL_WORKS(ex) expect_still_works((ex), __FILE__, __LINE__)
static void expect_still_works(mp_executor_t *ex, const char *file, int line)
{
    mp_future_t *f = NULL;
    int64_t v = 0;
    int rc = mp_executor_submit_i64(ex, &f, "task_square", 12);
    if (rc == 0)
        rc = mp_future_result_i64(f, EXEC_WAIT_S, &v);
    check_true(rc == 0 && v == 144, file, line, "after refused calls: %s, %lld", mp_err_name(rc),
               (long long)v);
    mp_future_destroy(f);
}

/* ---- NULL ------------------------------------------------------------------ */

/* Every function with a NULL handle; the constructors with a NULL out. */
static void test_null_handles(void)
{
    EXPECT_RC(mp_executor_create(NULL, NULL), MP_EINVAL);
    expect_executor_calls(NULL, MP_EINVAL);
    expect_future_calls(NULL, MP_EINVAL);
    expect_map_calls(NULL, MP_EINVAL);
    expect_as_completed_calls(NULL, MP_EINVAL);
    mp_executor_destroy(NULL); /* NULL-safe */
    mp_future_destroy(NULL);
    mp_map_destroy(NULL);
    mp_as_completed_destroy(NULL);
}

/* NULL pointers other than the handle, on a live executor of each kind. */
static void null_pointers(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *f = NULL, *done = NULL;
    mp_map_t *m = NULL;
    mp_as_completed_t *it = NULL;
    int64_t two[2] = {1, 2}, out[2];
    size_t count = 0;
    if (!ex)
        return;
    EXPECT_RC(mp_executor_submit(ex, NULL, "task_echo", "x", 1), MP_EINVAL);
    EXPECT_RC(mp_executor_submit(ex, &f, NULL, "x", 1), MP_EINVAL);
    EXPECT_RC(mp_executor_submit(ex, &f, "task_echo", NULL, 3), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_i64(ex, NULL, "task_square", 1), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_i64(ex, &f, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_double(ex, NULL, "task_exec_twice", 1), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_str(ex, NULL, "task_exec_shout", "x"), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_str(ex, &f, "task_exec_shout", NULL), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_with(ex, NULL, "task_echo", NULL), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_with(ex, &f, NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_executor_submit_with(ex, &f, "task_echo",
                                      &(mp_submit_opts_t){.arg = NULL, .arg_len = 3}),
              MP_EINVAL);
    EXPECT(f == NULL, "a refused submit gave a future");
    EXPECT_RC(mp_executor_stats(ex, NULL), MP_EINVAL);
    EXPECT_RC(mp_executor_worker_pids(ex, NULL, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_executor_worker_pids(ex, NULL, 2, &count), MP_EINVAL);
    EXPECT_RC(mp_executor_worker_pids(ex, NULL, 0, &count), 0); /* only counting */
    EXPECT_RC(mp_executor_map(ex, NULL, "task_square", two, sizeof two[0], 2, NULL), MP_EINVAL);
    EXPECT_RC(mp_executor_map(ex, &m, NULL, two, sizeof two[0], 2, NULL), MP_EINVAL);
    EXPECT_RC(mp_executor_map(ex, &m, "task_square", NULL, sizeof two[0], 2, NULL), MP_EINVAL);
    EXPECT(m == NULL, "a refused map gave a map");
    EXPECT_RC(mp_executor_map_i64(ex, NULL, two, out, 2, EXEC_WAIT_S), MP_EINVAL);
    EXPECT_RC(mp_executor_map_i64(ex, "task_square", NULL, out, 2, EXEC_WAIT_S), MP_EINVAL);
    EXPECT_RC(mp_executor_map_i64(ex, "task_square", two, NULL, 2, EXEC_WAIT_S), MP_EINVAL);
    /* Nothing to map is no error: NULL arguments with n or arg_size 0. */
    if (EXPECT_RC(mp_executor_map(ex, &m, "task_square", NULL, 0, 0, NULL), 0))
        EXPECT_EQ(mp_map_count(m), 0);
    mp_map_destroy(m);
    m = NULL;

    if (!(done = submit_i64(ex, "task_square", 3)) || !EXPECT_RESULT_I64(done, 9))
        goto out;
    EXPECT_RC(mp_future_add_done_callback(done, NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_futures_wait(NULL, 1, 0, MP_ALL_COMPLETED, NULL), MP_EINVAL);
    mp_future_t *with_null[2] = {done, NULL};
    EXPECT_RC(mp_futures_wait(with_null, 2, 0, MP_ALL_COMPLETED, NULL), MP_EINVAL);
    EXPECT_RC(mp_as_completed_create(NULL, &done, 1, 0), MP_EINVAL);
    EXPECT_RC(mp_as_completed_create(&it, NULL, 1, 0), MP_EINVAL);
    EXPECT_RC(mp_as_completed_create(&it, with_null, 2, 0), MP_EINVAL);
    EXPECT(it == NULL, "a refused as_completed_create gave an iterator");
    if (EXPECT_RC(mp_as_completed_create(&it, &done, 1, 0), 0))
        EXPECT_RC(mp_as_completed_next(it, NULL), MP_EINVAL);
    mp_as_completed_destroy(it);
    /* The out-pointers of result and error may be NULL. */
    EXPECT_RC(mp_future_result(done, 0, NULL, NULL), 0);
    EXPECT_RC(mp_future_error(done, 0, NULL, NULL), 0);
    EXPECT_RC(mp_future_worker(done, NULL, NULL), 0);
    EXPECT_STILL_WORKS(ex);
out:
    mp_executor_destroy(ex);
    mp_future_destroy(done);
}
BOTH_KINDS(null_pointers)

/* ---- options, names, timeouts ------------------------------------------------- */

/* mp_executor_create() refuses bad options (negative or absurd max_workers or
 * max_tasks_per_child, a bad task_timeout, an unknown initializer) and
 * gives no executor. */
static void test_bad_options(void)
{
    const mp_executor_opts_t bad[] = {
        {.max_workers = -1},
        {.max_workers = INT32_MIN},
        {.kind = MP_EXECUTOR_THREADS, .max_workers = -1},
        /* Each worker is a process (or a thread) and a slot on the
         * stack of the dispatcher: an absurd count is refused. */
        {.max_workers = MP_EXECUTOR_MAX_WORKERS + 1},
        {.max_workers = INT32_MAX},
        {.kind = MP_EXECUTOR_THREADS, .max_workers = INT32_MAX},
        {.max_tasks_per_child = -1},
        {.task_timeout = -1.0},
        {.task_timeout = NAN},
        {.task_timeout = -MP_FOREVER},
        {.kind = MP_EXECUTOR_THREADS, .task_timeout = -0.5},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mp_executor_t *ex = NULL;
        int rc = mp_executor_create(&ex, &bad[i]);
        EXPECT(rc == MP_EINVAL, "options %zu: %s, expected MP_EINVAL", i, mp_err_name(rc));
        EXPECT(ex == NULL, "a refused create gave an executor");
        mp_executor_destroy(ex);
    }
    for (int k = 0; k < 2; k++) {
        mp_executor_t *ex = NULL;
        EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.kind = (mp_executor_kind_t)k,
                                                                .initializer = NO_TASK}),
                  MP_ENOTASK);
        EXPECT(ex == NULL, "a refused create gave an executor");
        mp_executor_destroy(ex);
    }
}

/* The MPI kind in a program that did not call mp_mpi_init() (this one:
 * the conformance binary is not linked with multiproc::mpi) is
 * MP_ENOTSUP, with a detail saying what is missing, for an executor and
 * for a Pool; a thread Pool is MP_EINVAL; an unknown kind is MP_EINVAL.
 * Nothing is made. */
static void test_mpi_kind_without_init(void)
{
    mp_executor_t *ex = NULL;
    if (EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI}),
                  MP_ENOTSUP))
        EXPECT(strstr(mp_errdetail(), "mp_mpi_init") != NULL, "detail '%s' names no cure",
               mp_errdetail());
    EXPECT(ex == NULL, "a refused create gave an executor");
    EXPECT_RC(
        mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI, .max_workers = 2}),
        MP_ENOTSUP);
    EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.kind = (mp_executor_kind_t)3}),
              MP_EINVAL);
    EXPECT(ex == NULL, "a refused create gave an executor");
    mp_pool_t *pool = NULL;
    if (EXPECT_RC(mp_pool_create(&pool, &(mp_pool_opts_t){.kind = MP_EXECUTOR_MPI}), MP_ENOTSUP))
        EXPECT(strstr(mp_errdetail(), "mp_mpi_init") != NULL, "detail '%s' names no cure",
               mp_errdetail());
    EXPECT_RC(mp_pool_create(&pool, &(mp_pool_opts_t){.kind = MP_EXECUTOR_THREADS}), MP_EINVAL);
    EXPECT_RC(mp_pool_create(&pool, &(mp_pool_opts_t){.kind = (mp_executor_kind_t)7}), MP_EINVAL);
    EXPECT(pool == NULL, "a refused create gave a pool");
}

/* An unknown task name is MP_ENOTASK at submit and map, on both kinds;
 * bad timeouts are MP_EINVAL for every call that takes one; a bad `when`
 * is MP_EINVAL. Nothing is given, and the executor still works. */
static void names_and_timeouts(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *f = NULL, *done = NULL;
    mp_map_t *m = NULL;
    mp_as_completed_t *it = NULL;
    int64_t one = 1, out = 0, i = 0;
    double d = 0;
    const char *s = NULL;
    if (!ex)
        return;
    EXPECT_RC(mp_executor_submit(ex, &f, NO_TASK, NULL, 0), MP_ENOTASK);
    EXPECT_RC(mp_executor_submit_i64(ex, &f, NO_TASK, 1), MP_ENOTASK);
    EXPECT_RC(mp_executor_submit_with(ex, &f, NO_TASK, NULL), MP_ENOTASK);
    EXPECT_RC(mp_executor_map(ex, &m, NO_TASK, &one, sizeof one, 1, NULL), MP_ENOTASK);
    EXPECT_RC(mp_executor_map_i64(ex, NO_TASK, &one, &out, 1, EXEC_WAIT_S), MP_ENOTASK);
    if (!(done = submit_i64(ex, "task_square", 4)) || !EXPECT_RESULT_I64(done, 16))
        goto out;
    for (int k = 0; k < BAD_TIMEOUTS; k++) {
        double t = bad_timeouts[k];
        mp_submit_opts_t sopts = {MP_ARG_I64(1), .timeout = t};
        mp_map_opts_t mopts = {.timeout = t};
        EXPECT_RC(mp_executor_submit_with(ex, &f, "task_square", &sopts), MP_EINVAL);
        EXPECT_RC(mp_executor_map(ex, &m, "task_square", &one, sizeof one, 1, &mopts), MP_EINVAL);
        EXPECT_RC(mp_executor_map_i64(ex, "task_square", &one, &out, 1, t), MP_EINVAL);
        EXPECT_RC(mp_future_result(done, t, NULL, NULL), MP_EINVAL);
        EXPECT_RC(mp_future_result_i64(done, t, &i), MP_EINVAL);
        EXPECT_RC(mp_future_result_double(done, t, &d), MP_EINVAL);
        EXPECT_RC(mp_future_result_str(done, t, &s), MP_EINVAL);
        EXPECT_RC(mp_future_error(done, t, NULL, NULL), MP_EINVAL);
        EXPECT_RC(mp_futures_wait(&done, 1, t, MP_ALL_COMPLETED, NULL), MP_EINVAL);
        EXPECT_RC(mp_as_completed_create(&it, &done, 1, t), MP_EINVAL);
    }
    static const int bad_when[] = {-1, 3, 1000};
    for (int k = 0; k < 3; k++)
        EXPECT_RC(mp_futures_wait(&done, 1, 0, (mp_return_when_t)bad_when[k], NULL), MP_EINVAL);
    EXPECT(f == NULL && m == NULL && it == NULL, "a refused call gave a handle");
    EXPECT_EQ(i, 0);
    EXPECT_RESULT_I64(done, 16);
    EXPECT_STILL_WORKS(ex);
out:
    mp_executor_destroy(ex);
    mp_future_destroy(done);
}
BOTH_KINDS(names_and_timeouts)

/* ---- results of the wrong size, indexes out of range ---------------------------- */

/* The typed getters refuse a result of another shape (not 8 bytes, no
 * final NUL) with MP_EINVAL and leave it there for mp_future_result(); a
 * map's index out of range is MP_EINVAL, and so is a typed get of a
 * result that is not 8 bytes. */
static void wrong_shapes(mp_executor_kind_t kind)
{
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *f = NULL;
    mp_map_t *m = NULL;
    static const char args[] = "abcdef"; /* two 3-byte arguments, no NUL in either */
    if (!ex || !EXPECT_RC(mp_executor_submit(ex, &f, "task_echo", "abc", 3), 0) ||
        !EXPECT_RC(mp_future_result(f, EXEC_WAIT_S, NULL, NULL), 0))
        goto out;
    int64_t i = 7;
    double d = 7;
    const char *s = NULL;
    EXPECT_RC(mp_future_result_i64(f, 0, &i), MP_EINVAL);
    EXPECT_RC(mp_future_result_double(f, 0, &d), MP_EINVAL);
    EXPECT_RC(mp_future_result_str(f, 0, &s), MP_EINVAL);
    EXPECT(i == 7 && d == 7 && s == NULL, "a refused getter wrote its out-pointer");
    const void *data = NULL;
    size_t len = 0;
    if (EXPECT_RC(mp_future_result(f, 0, &data, &len), 0) && EXPECT_EQ(len, 3))
        EXPECT(memcmp(data, "abc", 3) == 0, "the result changed");

    if (!EXPECT_RC(mp_executor_map(ex, &m, "task_echo", args, 3, 2, NULL), 0))
        goto out;
    EXPECT_EQ(mp_map_count(m), 2);
    EXPECT_RC(mp_map_get(m, 1, NULL, NULL), 0);
    EXPECT_RC(mp_map_get_i64(m, 1, &i), MP_EINVAL);
    static const size_t bad_index[] = {2, 3, SIZE_MAX};
    for (int k = 0; k < 3; k++) {
        EXPECT_RC(mp_map_get(m, bad_index[k], &data, &len), MP_EINVAL);
        EXPECT_RC(mp_map_get_i64(m, bad_index[k], &i), MP_EINVAL);
        EXPECT_RC(mp_map_error(m, bad_index[k], NULL, NULL), MP_EINVAL);
    }
    if (EXPECT_RC(mp_map_get(m, 1, &data, &len), 0) && EXPECT_EQ(len, 3))
        EXPECT(memcmp(data, "def", 3) == 0, "the map's result changed");
out:
    mp_map_destroy(m);
    mp_executor_destroy(ex);
    mp_future_destroy(f);
}
BOTH_KINDS(wrong_shapes)

/* ---- destroyed handles, handles of another kind --------------------------------- */

/* Destroyed handles of every type answer MP_ECLOSED to every call, even
 * after new ones were made (which may reuse their memory); destroying
 * again is harmless; the new ones work. */
static void destroyed_handles(mp_executor_kind_t kind)
{
    enum { NEW = 3 };
    mp_executor_t *ex = start_executor(kind, 1), *old_ex = start_executor(kind, 1);
    mp_future_t *f = NULL, *fresh[NEW] = {NULL};
    mp_map_t *m = NULL;
    mp_as_completed_t *it = NULL;
    int64_t one = 1;
    if (!ex || !old_ex || !(f = submit_i64(ex, "task_square", 5)) || !EXPECT_RESULT_I64(f, 25) ||
        !EXPECT_RC(mp_executor_map(ex, &m, "task_square", &one, sizeof one, 1, NULL), 0) ||
        !EXPECT_RC(mp_as_completed_create(&it, &f, 1, 0), 0))
        goto out;
    mp_executor_destroy(old_ex);
    mp_future_destroy(f);
    mp_map_destroy(m);
    mp_as_completed_destroy(it);
    for (int i = 0; i < NEW; i++)
        fresh[i] = submit_i64(ex, "task_square", i);
    expect_executor_calls(old_ex, MP_ECLOSED);
    expect_future_calls(f, MP_ECLOSED);
    expect_map_calls(m, MP_ECLOSED);
    expect_as_completed_calls(it, MP_ECLOSED);
    mp_future_t *mixed[2] = {fresh[0], f};
    mp_as_completed_t *it2 = NULL;
    EXPECT_RC(mp_futures_wait(mixed, 2, 0, MP_ALL_COMPLETED, NULL), MP_ECLOSED);
    EXPECT_RC(mp_as_completed_create(&it2, mixed, 2, 0), MP_ECLOSED);
    EXPECT(it2 == NULL, "a refused as_completed_create gave an iterator");
    mp_executor_destroy(old_ex); /* again: harmless */
    mp_future_destroy(f);
    mp_map_destroy(m);
    mp_as_completed_destroy(it);
    for (int i = 0; i < NEW; i++)
        EXPECT_RESULT_I64(fresh[i], (int64_t)i * i);
    EXPECT_STILL_WORKS(ex);
    f = NULL;
    m = NULL;
    it = NULL;
    old_ex = NULL;
out:
    mp_as_completed_destroy(it);
    mp_map_destroy(m);
    mp_future_destroy(f);
    mp_executor_destroy(old_ex);
    mp_executor_destroy(ex);
    destroy_futures(fresh, NEW);
}
BOTH_KINDS(destroyed_handles)

/* A handle of another kind is MP_EINVAL to every call: a lock, and each of
 * the executor's four handle types passed as each other; each object is
 * unharmed afterwards. */
static void wrong_kind(mp_executor_kind_t kind)
{
    mp_lock_t *lock = NULL;
    mp_executor_t *ex = start_executor(kind, 1);
    mp_future_t *f = NULL;
    mp_map_t *m = NULL;
    mp_as_completed_t *it = NULL;
    int64_t one = 3;
    if (!ex || !EXPECT_RC(mp_lock_create(&lock, NULL), 0) ||
        !(f = submit_i64(ex, "task_square", 6)) || !EXPECT_RESULT_I64(f, 36) ||
        !EXPECT_RC(mp_executor_map(ex, &m, "task_square", &one, sizeof one, 1, NULL), 0) ||
        !EXPECT_RC(mp_as_completed_create(&it, &f, 1, MP_FOREVER), 0))
        goto out;
    void *const others[] = {lock, ex, f, m, it};
    for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
        if (others[k] != (void *)ex)
            expect_executor_calls((mp_executor_t *)others[k], MP_EINVAL);
        if (others[k] != (void *)f)
            expect_future_calls((mp_future_t *)others[k], MP_EINVAL);
        if (others[k] != (void *)m)
            expect_map_calls((mp_map_t *)others[k], MP_EINVAL);
        if (others[k] != (void *)it)
            expect_as_completed_calls((mp_as_completed_t *)others[k], MP_EINVAL);
    }
    EXPECT_RC(mp_lock_acquire(lock, 0), 0);
    EXPECT_RC(mp_lock_release(lock), 0);
    EXPECT_RESULT_I64(f, 36);
    int64_t v = 0;
    if (EXPECT_RC(mp_map_get_i64(m, 0, &v), 0))
        EXPECT_EQ(v, 9);
    mp_future_t *next = NULL;
    if (EXPECT_RC(mp_as_completed_next(it, &next), 0))
        EXPECT(next == f, "the iterator lost its future");
    EXPECT_STILL_WORKS(ex); /* not shut down by the refused shutdowns */
out:
    mp_as_completed_destroy(it);
    mp_map_destroy(m);
    mp_future_destroy(f);
    mp_executor_destroy(ex);
    mp_lock_destroy(lock);
}
BOTH_KINDS(wrong_kind)

static const test_case_t tests[] = {
    {"null_handles", test_null_handles, ON_ALL},
    BOTH_KINDS_ROWS(null_pointers, ON_ALL),
    {"bad_options", test_bad_options, ON_ALL},
    BOTH_KINDS_ROWS(names_and_timeouts, ON_ALL),
    {"mpi_kind_without_init", test_mpi_kind_without_init, ON_ALL},
    BOTH_KINDS_ROWS(wrong_shapes, ON_ALL),
    BOTH_KINDS_ROWS(destroyed_handles, ON_ALL),
    BOTH_KINDS_ROWS(wrong_kind, ON_ALL),
    {NULL, NULL, 0},
};

const test_suite_t suite_executor_bad_input = {"executor_bad_input", true, tests};
