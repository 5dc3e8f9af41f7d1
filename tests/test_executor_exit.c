/* Suite "executor_exit": a process that ends with an executor still open
 * (no mp_executor_destroy() before it returns from main, or before its
 * task returns) ends, as a Python program with a ProcessPoolExecutor it
 * never shut down does (concurrent.futures shuts executors down at exit).
 * Run once per start method. */
#include "executor_exit_tasks.h"
#include "helpers.h"

int task_executor_left_open(mp_task_t *task)
{
    (void)task;
    mp_executor_t *ex = NULL;
    mp_future_t *f = NULL;
    int64_t square = 0;
    int rc = mp_executor_create(&ex, &(mp_executor_opts_t){.max_workers = 1});
    if (rc == 0)
        rc = mp_executor_submit_i64(ex, &f, "task_square", 3);
    if (rc == 0)
        rc = mp_future_result_i64(f, JOIN_LIMIT_S, &square);
    if (rc == 0 && square != 9)
        rc = mp_task_fail(task, MP_ESTATE, "task_square(3) gave %lld", (long long)square);
    return rc; /* ex, its worker and f are left to the process's exit */
}

/* The child runs its task (an executor, one result) and must then end by
 * itself: within JOIN_LIMIT_S, where the stall was for ever (its exit
 * waited to join the executor's worker, which waited for orders). */
static void test_exit_with_executor_open(void)
{
    mp_process_t *p = start_process(&(mp_process_opts_t){.task = "task_executor_left_open"});
    if (p == NULL)
        return;
    if (EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
        EXPECT_EQ(exitcode_of(p), 0);
    dispose_process(p); /* kills it if it hangs */
}

static const test_case_t tests[] = {
    {"exit_with_executor_open", test_exit_with_executor_open, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_executor_exit = {"executor_exit", true, tests};
