/* The MPI suite, executors: every executor call on an executor whose
 * workers are the worker ranks (run under mpirun -n 4: ranks 1..3). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <multiproc/mpi.h>

#include "../executor_helpers.h"
#include "../platform.h"
#include "mpi_suite.h"
#include "mpi_tasks.h"

mp_executor_t *start_mpi(const mp_executor_opts_t *given)
{
    mp_executor_opts_t opts = given ? *given : (mp_executor_opts_t){0};
    opts.kind = MP_EXECUTOR_MPI;
    /* The ranks' local children start with the suite's method (but a
     * replaced child never comes from fork: NULL then picks spawn). */
    if (!opts.context && !(opts.max_tasks_per_child && strcmp(suite_method(), "fork") == 0))
        opts.context = method_context();
    return start_executor_opts(&opts);
}

/* Submits run on worker ranks (never on rank 0), each rank gets work, and
 * the typed submits and results carry their values. */
static void test_submit_result(void)
{
    mp_executor_t *ex = start_mpi(NULL);
    mp_future_t *fs[12] = {0};
    int seen[64] = {0};
    if (!ex)
        return;
    /* Submitted together: two orders in flight per rank spread them. */
    for (int i = 0; i < 12; i++)
        EXPECT_RC(mp_executor_submit_double(ex, &fs[i], "task_mpi_sleep", 0.05), 0);
    for (int i = 0; i < 12; i++) {
        int64_t rank = -1;
        if (fs[i] && EXPECT_RC(mp_future_result_i64(fs[i], EXEC_WAIT_S, &rank), 0)) {
            EXPECT(rank >= 1 && rank < mp_mpi_size(), "ran on rank %lld", (long long)rank);
            if (rank >= 0 && rank < 64)
                seen[rank]++;
        }
    }
    for (int r = 1; r < mp_mpi_size(); r++)
        EXPECT(seen[r] > 0, "rank %d was given no task", r);
    mp_future_t *f = submit_i64(ex, "task_exec_square_or_fail", 7);
    EXPECT_RESULT_I64(f, 49);
    mp_future_destroy(f);
    f = NULL;
    const char *s = NULL;
    if (EXPECT_RC(mp_executor_submit_str(ex, &f, "task_exec_shout", "rank"), 0) &&
        EXPECT_RC(mp_future_result_str(f, EXEC_WAIT_S, &s), 0))
        EXPECT_STR(s, "RANK" EXEC_SHOUT_SUFFIX);
    mp_future_destroy(f);
    destroy_futures(fs, 12);
    mp_executor_destroy(ex);
}

/* A task's failure comes back as its code and message. */
static void test_exceptions(void)
{
    mp_executor_t *ex = start_mpi(NULL);
    if (!ex)
        return;
    mp_future_t *f = submit_i64(ex, "task_exec_square_or_fail", -3);
    EXPECT_TASK_ERROR(f, MP_EINVAL, EXEC_NEGATIVE_MESSAGE);
    mp_future_destroy(f);
    mp_executor_destroy(ex);
}

/* map with chunks of 1 and of several: results in order, a failure in
 * its place. */
static void test_map(void)
{
    mp_executor_t *ex = start_mpi(NULL);
    if (!ex)
        return;
    int64_t in[20];
    for (int i = 0; i < 20; i++)
        in[i] = i == 13 ? -1 : i;
    for (size_t chunk = 1; chunk <= 4; chunk += 3) {
        mp_map_t *m = NULL;
        if (!EXPECT_RC(mp_executor_map(ex, &m, "task_exec_square_or_fail", in, sizeof in[0], 20,
                                       &(mp_map_opts_t){.chunksize = chunk}),
                       0))
            continue;
        for (size_t i = 0; i < 20; i++) {
            int64_t v = -1;
            int code = 0;
            const char *message = NULL;
            if (i == 13) {
                EXPECT_RC(mp_map_get_i64(m, i, &v), MP_ETASK);
                EXPECT_RC(mp_map_error(m, i, &code, &message), 0);
                EXPECT_EQ(code, MP_EINVAL);
            } else if (EXPECT_RC(mp_map_get_i64(m, i, &v), 0)) {
                EXPECT_EQ(v, (int64_t)(i * i));
            }
        }
        mp_map_destroy(m);
    }
    int64_t small[3] = {1, 2, 3}, out[3] = {0};
    if (EXPECT_RC(mp_executor_map_i64(ex, "task_exec_square_or_fail", small, out, 3, EXEC_WAIT_S),
                  0))
        EXPECT_EQ(out[2], 9);
    mp_executor_destroy(ex);
}

/* as_completed yields each future once; wait FIRST_COMPLETED returns
 * with the short one done, ALL_COMPLETED with all. */
static void test_wait_as_completed(void)
{
    mp_executor_t *ex = start_mpi(NULL);
    if (!ex)
        return;
    mp_future_t *fs[3] = {0};
    double naps[3] = {3.0, 0.01, 3.0};
    for (int i = 0; i < 3; i++)
        EXPECT_RC(mp_executor_submit_double(ex, &fs[i], "task_mpi_sleep", naps[i]), 0);
    unsigned char done[3] = {0};
    if (EXPECT_RC(mp_futures_wait(fs, 3, EXEC_WAIT_S, MP_FIRST_COMPLETED, done), 1))
        EXPECT(done[1] && !done[0] && !done[2], "FIRST_COMPLETED: done %d %d %d", done[0], done[1],
               done[2]);
    if (EXPECT_RC(mp_futures_wait(fs, 3, EXEC_WAIT_S, MP_ALL_COMPLETED, done), 3))
        EXPECT(done[0] && done[1] && done[2], "ALL_COMPLETED: not all done");
    mp_as_completed_t *it = NULL;
    int yielded = 0;
    if (EXPECT_RC(mp_as_completed_create(&it, fs, 3, EXEC_WAIT_S), 0)) {
        for (mp_future_t *f = NULL; mp_as_completed_next(it, &f) == 0 && f;)
            yielded++;
        EXPECT_EQ(yielded, 3);
    }
    mp_as_completed_destroy(it);
    destroy_futures(fs, 3);
    mp_executor_destroy(ex);
}

/* shutdown(wait, cancel_futures): queued futures are cancelled, the ones
 * the ranks run finish; a submit after it is MP_ESHUTDOWN; stats count. */
static void test_shutdown_stats(void)
{
    mp_executor_t *ex = start_mpi(&(mp_executor_opts_t){.max_workers = 1});
    if (!ex)
        return;
    enum { N = 8 };
    mp_future_t *fs[N] = {0};
    for (int i = 0; i < N; i++)
        EXPECT_RC(mp_executor_submit_double(ex, &fs[i], "task_mpi_sleep", 0.3), 0);
    EXPECT_RC(mp_executor_shutdown(ex, true, true), 0);
    int cancelled = 0, ok = 0;
    for (int i = 0; i < N; i++) {
        int64_t rank;
        if (mp_future_is_cancelled(fs[i]) == 1)
            cancelled++;
        else if (mp_future_result_i64(fs[i], 0, &rank) == 0 && rank == 1)
            ok++;
    }
    EXPECT(cancelled > 0 && ok > 0 && cancelled + ok == N, "cancelled %d, ran %d of %d", cancelled,
           ok, N);
    mp_future_t *late = NULL;
    EXPECT_RC(mp_executor_submit_i64(ex, &late, "task_mpi_rank", 0), MP_ESHUTDOWN);
    mp_executor_stats_t st;
    if (EXPECT_RC(mp_executor_stats(ex, &st), 0)) {
        EXPECT_EQ(st.workers_started, 1);
        EXPECT_EQ(st.workers_alive, 0);
        EXPECT(st.tasks_done == (uint64_t)N, "tasks_done %llu", (unsigned long long)st.tasks_done);
    }
    destroy_futures(fs, N);
    mp_executor_destroy(ex);
}

/* The initializer runs in each rank's local child before its tasks; a
 * failing one breaks the executor (MP_EBROKEN), as on processes. */
static void test_initializer(void)
{
    int64_t marker = 4242;
    mp_executor_t *ex = start_mpi(&(mp_executor_opts_t){
        .initializer = "task_exec_init", .initarg = &marker, .initarg_len = sizeof marker});
    if (ex) {
        mp_future_t *f = submit_i64(ex, "task_exec_whoami", 0);
        exec_whoami_t w;
        if (whoami_of(f, &w))
            EXPECT_EQ(w.init_marker, marker);
        mp_future_destroy(f);
        mp_executor_destroy(ex);
    }
    /* No argument: task_exec_init fails. */
    ex = start_mpi(&(mp_executor_opts_t){.initializer = "task_exec_init", .max_workers = 1});
    if (!ex)
        return;
    mp_future_t *f = NULL;
    int rc = mp_executor_submit_i64(ex, &f, "task_mpi_rank", 0), code = 0;
    if (rc == 0) {
        const char *message = NULL;
        EXPECT_RC(mp_future_error(f, EXEC_WAIT_S, &code, &message), 0);
        EXPECT_EQ(code, MP_EBROKEN);
    } else {
        EXPECT_RC(rc, MP_EBROKEN);
    }
    mp_future_destroy(f);
    mp_executor_destroy(ex);
}

/* max_tasks_per_child 1: each task on a rank gets a fresh local child. */
static void test_max_tasks_per_child(void)
{
    mp_executor_t *ex = start_mpi(
        &(mp_executor_opts_t){.max_workers = 1, .max_tasks_per_child = 1});
    if (!ex)
        return;
    mp_pid_t pids[3] = {0};
    for (int i = 0; i < 3; i++) {
        mp_future_t *f = submit_i64(ex, "task_exec_whoami", 0);
        exec_whoami_t w;
        if (whoami_of(f, &w))
            pids[i] = (mp_pid_t)w.pid;
        mp_future_destroy(f);
    }
    EXPECT(pids[0] && pids[0] != pids[1] && pids[1] != pids[2] && pids[0] != pids[2],
           "local children %lld %lld %lld are not fresh", (long long)pids[0], (long long)pids[1],
           (long long)pids[2]);
    mp_executor_stats_t st;
    if (EXPECT_RC(mp_executor_stats(ex, &st), 0))
        EXPECT_EQ(st.workers_started, 1); /* one rank; its children are its own */
    mp_executor_destroy(ex);
}

/* A task that segfaults on rank 2 fails its future with MP_EWORKERDIED and
 * a message naming rank 2, its host, the child's pid and the signal; all
 * other results come back, and rank 2 goes on with a fresh child. */
static void test_segv_on_rank_2(void)
{
    mp_executor_t *ex = start_mpi(NULL);
    enum { N = 9 };
    mp_future_t *fs[N] = {0};
    if (!ex)
        return;
    for (int i = 0; i < N; i++)
        fs[i] = submit_i64(ex, "task_mpi_segv_on", 2);
    int died = 0, ok = 0;
    for (int i = 0; i < N; i++) {
        int64_t v = 0;
        int rc = fs[i] ? mp_future_result_i64(fs[i], EXEC_WAIT_S, &v) : MP_EINVAL;
        if (rc == 0 && v == 2) {
            ok++;
            continue;
        }
        int code = 0;
        const char *message = "";
        EXPECT_RC(mp_future_error(fs[i], 0, &code, &message), 0);
        EXPECT_EQ(code, MP_EWORKERDIED);
        EXPECT(strstr(message, "died on rank 2 (host ") && strstr(message, "pid ") &&
                   strstr(message, "signal 11"),
               "message '%s'", message);
        died++;
    }
    EXPECT(died > 0 && ok > 0 && died + ok == N, "died %d, ok %d", died, ok);
    /* Every rank, rank 2 included, still works. */
    int64_t in[6] = {1, 2, 3, 4, 5, 6}, out[6] = {0};
    if (EXPECT_RC(mp_executor_map_i64(ex, "task_exec_square_or_fail", in, out, 6, EXEC_WAIT_S), 0))
        EXPECT_EQ(out[5], 36);
    destroy_futures(fs, N);
    mp_executor_destroy(ex);
}

/* A task over its time limit fails with MP_ETIMEDOUT naming its rank, its
 * local child killed, promptly; the rank goes on. */
static void test_timeout_on_rank(void)
{
    mp_executor_t *ex = start_mpi(&(mp_executor_opts_t){.max_workers = 1});
    if (!ex)
        return;
    mp_future_t *f = NULL;
    double t0 = now_s();
    if (EXPECT_RC(mp_executor_submit_with(ex, &f, "task_mpi_sleep",
                                          &(mp_submit_opts_t){.arg = &(double){60.0},
                                                              .arg_len = sizeof(double),
                                                              .timeout = 0.5}),
                  0)) {
        int code = 0;
        const char *message = "";
        EXPECT_RC(mp_future_error(f, EXEC_WAIT_S, &code, &message), 0);
        EXPECT_EQ(code, MP_ETIMEDOUT);
        EXPECT(strstr(message, "rank 1") != NULL, "message '%s'", message);
        EXPECT(now_s() - t0 < 30, "the time limit took %.1f s", now_s() - t0);
    }
    mp_future_destroy(f);
    f = submit_i64(ex, "task_exec_square_or_fail", 5);
    EXPECT_RESULT_I64(f, 25);
    mp_future_destroy(f);
    mp_executor_destroy(ex);
}

/* worker_pids: the ranks' pids, one per worker rank. */
static void test_worker_pids(void)
{
    mp_executor_t *ex = start_mpi(NULL);
    if (!ex)
        return;
    mp_pid_t pids[64];
    size_t count = 0;
    if (EXPECT_RC(mp_executor_worker_pids(ex, pids, 64, &count), 0))
        EXPECT_EQ((long long)count, mp_mpi_size() - 1);
    mp_executor_destroy(ex);
}

/* Bad inputs: more workers than ranks, NULLs, finalize with an executor
 * alive, mp_mpi_init twice. */
static void test_bad_inputs(void)
{
    mp_executor_t *ex = NULL;
    EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI,
                                                            .max_workers = mp_mpi_size()}),
              MP_EINVAL);
    EXPECT_RC(
        mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI, .max_workers = -1}),
        MP_EINVAL);
    EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI,
                                                            .max_tasks_per_child = 1,
                                                            .context = method_context()}),
              strcmp(suite_method(), "fork") == 0 ? MP_EINVAL : 0);
    mp_executor_destroy(ex);
    ex = NULL;
    EXPECT_RC(mp_executor_create(NULL, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI}), MP_EINVAL);
    mp_pool_t *pool = NULL;
    EXPECT_RC(
        mp_pool_create(&pool, &(mp_pool_opts_t){.kind = MP_EXECUTOR_MPI, .workers = mp_mpi_size()}),
        MP_EINVAL);
    ex = start_mpi(NULL);
    EXPECT_RC(mp_mpi_finalize(), MP_ESTATE);
    mp_future_t *f = NULL;
    EXPECT_RC(mp_executor_submit(ex, NULL, "task_mpi_rank", NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_executor_submit(ex, &f, NULL, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_executor_submit(ex, &f, "no_such_task", NULL, 0), MP_ENOTASK);
    mp_executor_destroy(ex);
    EXPECT_RC(mp_mpi_init(NULL, NULL, NULL), MP_ESTATE);
    EXPECT(mp_mpi_rank() == 0, "rank 0 says %d", mp_mpi_rank());
}

/* Not in the suite's list (main_mpi.c runs it alone, in an mpirun of its
 * own): SIGKILL worker rank 2 as a whole while every rank runs a task.
 * Open MPI ends the job; until then every pending future must fail with
 * MP_EBROKEN naming a rank, or the job end first: nothing may hang. */
static void test_rank_death(void)
{
    mp_executor_t *ex = start_mpi(NULL);
    mp_future_t *fs[6] = {0};
    mp_pid_t pids[64];
    size_t count = 0;
    if (!ex || !EXPECT_RC(mp_executor_worker_pids(ex, pids, 64, &count), 0) || count < 2)
        return;
    for (int i = 0; i < 6; i++)
        EXPECT_RC(mp_executor_submit_double(ex, &fs[i], "task_mpi_sleep", 20.0), 0);
    sleep_s(1.0);
    printf("killing rank 2 (pid %lld)\n", (long long)pids[1]);
    kill((pid_t)pids[1], SIGKILL);
    for (int i = 0; i < 6; i++) {
        int code = 0;
        const char *message = "";
        if (mp_future_error(fs[i], 60, &code, &message) == 0)
            printf("future %d: %s: %s\n", i, mp_err_name(code), message);
    }
    destroy_futures(fs, 6);
    mp_executor_destroy(ex);
}

const test_case_t mpi_executor_tests[] = {
    {"submit_result", test_submit_result, ON_ALL},
    {"exceptions", test_exceptions, ON_ALL},
    {"map", test_map, ON_ALL},
    {"wait_as_completed", test_wait_as_completed, ON_ALL},
    {"shutdown_stats", test_shutdown_stats, ON_ALL},
    {"initializer", test_initializer, ON_ALL},
    {"max_tasks_per_child", test_max_tasks_per_child, ON_ALL},
    {"segv_on_rank_2", test_segv_on_rank_2, ON_ALL},
    {"timeout_on_rank", test_timeout_on_rank, ON_ALL},
    {"worker_pids", test_worker_pids, ON_ALL},
    {"bad_inputs", test_bad_inputs, ON_ALL},
    {NULL, NULL, 0},
};

/* Not in the suite's list (run alone, without mpirun): a singleton has no
 * worker ranks, and an MPI executor or Pool there is MP_ENOTSUP, its
 * detail saying to run under mpirun. */
static void test_singleton(void)
{
    EXPECT_EQ(mp_mpi_size(), 1);
    EXPECT_EQ(mp_mpi_rank(), 0);
    mp_executor_t *ex = NULL;
    if (EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI}),
                  MP_ENOTSUP))
        EXPECT(strstr(mp_errdetail(), "mpirun") != NULL, "detail '%s'", mp_errdetail());
    EXPECT(ex == NULL, "a refused create gave an executor");
    mp_pool_t *pool = NULL;
    EXPECT_RC(mp_pool_create(&pool, &(mp_pool_opts_t){.kind = MP_EXECUTOR_MPI}), MP_ENOTSUP);
    EXPECT(pool == NULL, "a refused create gave a pool");
}

const test_case_t mpi_death_tests[] = {
    {"rank_death", test_rank_death, ON_ALL},
    {"singleton", test_singleton, ON_ALL},
    {NULL, NULL, 0},
};
