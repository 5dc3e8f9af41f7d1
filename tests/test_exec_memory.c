/* Suite "exec_memory": what an executor's finished work leaves in the
 * parent's heap. A future that is done and destroyed must give back its
 * job, its order and its answer: a program that submits tasks for hours
 * (a server, bench_executor's bursts of 100,000) must not grow. Run once
 * per start method (the process executor's workers start with it). */
#include "helpers.h"
#include "platform.h"

/* Tasks per round, and the growth allowed over them: far below what one
 * job left behind per task would be (some 600 bytes each), far above the
 * allocator's own bookkeeping. */
enum { ROUND = 2000, SLACK = 256 * 1024 };

/* `n` times: submit task_square, read its result, destroy the future;
 * asserted. */
static bool square_one_at_a_time(mp_executor_t *ex, int n)
{
    for (int i = 0; i < n; i++) {
        mp_future_t *f = NULL;
        int64_t y = 0;
        if (!EXPECT_RC(mp_executor_submit_i64(ex, &f, "task_square", i), 0) ||
            !EXPECT_RC(mp_future_result_i64(f, MP_FOREVER, &y), 0) ||
            !EXPECT(y == (int64_t)i * i, "task %d gave %lld", i, (long long)y)) {
            mp_future_destroy(f);
            return false;
        }
        mp_future_destroy(f);
    }
    return true;
}

/* The heap this process uses after a first round (workers started,
 * every lazily made part made) and after a second one of the same. */
static void expect_no_growth(mp_executor_kind_t kind)
{
    if (heap_bytes_in_use() < 0)
        return; /* the platform cannot say */
    mp_executor_t *ex = NULL;
    if (!EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.kind = kind, .max_workers = 2}),
                   0))
        return;
    long long before = 0, after = 0;
    bool ok = square_one_at_a_time(ex, ROUND);
    before = heap_bytes_in_use();
    ok = ok && square_one_at_a_time(ex, ROUND);
    after = heap_bytes_in_use();
    if (ok)
        EXPECT(after - before < SLACK,
               "the heap grew from %lld to %lld bytes over %d submitted, finished and "
               "destroyed futures (%s executor)",
               before, after, ROUND, kind == MP_EXECUTOR_THREADS ? "thread" : "process");
    mp_executor_destroy(ex);
}

static void test_submit_leaves_nothing_processes(void)
{
    expect_no_growth(MP_EXECUTOR_PROCESSES);
}

static void test_submit_leaves_nothing_threads(void)
{
    expect_no_growth(MP_EXECUTOR_THREADS);
}

static const test_case_t tests[] = {
    {"submit_leaves_nothing_processes", test_submit_leaves_nothing_processes, ON_ALL},
    {"submit_leaves_nothing_threads", test_submit_leaves_nothing_threads, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_exec_memory = {"exec_memory", true, tests};
