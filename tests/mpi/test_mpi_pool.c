/* The MPI suite, Pools: a Pool of kind MP_EXECUTOR_MPI works as a process
 * Pool (apply, map, imap, starmap, close/join, terminate). */
#include <string.h>

#include <multiproc/mpi.h>

#include "../executor_helpers.h"
#include "mpi_suite.h"

static mp_pool_t *start_pool(int workers)
{
    mp_pool_t *pool = NULL;
    if (!EXPECT_RC(mp_pool_create(&pool, &(mp_pool_opts_t){.kind = MP_EXECUTOR_MPI,
                                                           .workers = workers,
                                                           .context = method_context()}),
                   0))
        return NULL;
    return pool;
}

/* apply, map, imap, starmap, then close and join. */
static void test_pool_calls(void)
{
    mp_pool_t *pool = start_pool(0);
    if (!pool)
        return;
    EXPECT_EQ((long long)mp_pool_size(pool), mp_mpi_size() - 1);
    int64_t v = 0;
    if (EXPECT_RC(mp_pool_apply_i64(pool, "task_exec_square_or_fail", 9, &v), 0))
        EXPECT_EQ(v, 81);
    int64_t in[10], out[10] = {0};
    for (int i = 0; i < 10; i++)
        in[i] = i;
    if (EXPECT_RC(mp_pool_map_i64(pool, "task_exec_square_or_fail", in, out, 10), 0))
        EXPECT_EQ(out[9], 81);
    int64_t rows[6] = {1, 2, 3, 4, 5, 6}, sums[3] = {0};
    if (EXPECT_RC(mp_pool_starmap_i64(pool, "task_mpi_add", rows, 2, sums, 3), 0))
        EXPECT(sums[0] == 3 && sums[1] == 7 && sums[2] == 11, "starmap %lld %lld %lld",
               (long long)sums[0], (long long)sums[1], (long long)sums[2]);
    mp_imap_t *it = NULL;
    int items = 0;
    long long total = 0;
    if (EXPECT_RC(mp_pool_imap(pool, &it, "task_exec_square_or_fail", MP_INPUT_ARRAY(in, 10), NULL),
                  0)) {
        mp_imap_item_t item;
        while (mp_imap_next(it, EXEC_WAIT_S, &item) == 1) {
            EXPECT_EQ((long long)item.index, items);
            int64_t square = 0;
            if (EXPECT(item.len == sizeof square, "item of %zu bytes", item.len))
                memcpy(&square, item.data, sizeof square); /* a result need not be aligned */
            total += square;
            items++;
        }
        EXPECT_EQ(items, 10);
        EXPECT_EQ(total, 285);
    }
    mp_imap_destroy(it);
    EXPECT_RC(mp_pool_close(pool), 0);
    EXPECT_RC(mp_pool_join(pool, EXEC_WAIT_S), 0);
    mp_pool_destroy(pool);
}

/* terminate: the running tasks are failed at once and join returns
 * promptly, each rank having killed its local child. */
static void test_pool_terminate(void)
{
    mp_pool_t *pool = start_pool(2);
    if (!pool)
        return;
    mp_async_result_t *r = NULL;
    if (EXPECT_RC(mp_pool_apply_async(
                      pool, &r, "task_mpi_sleep",
                      &(mp_apply_opts_t){.arg = &(double){60.0}, .arg_len = sizeof(double)}),
                  0)) {
        EXPECT_RC(mp_pool_terminate(pool), 0);
        EXPECT_RC(mp_pool_join(pool, EXEC_WAIT_S), 0);
        EXPECT_RC(mp_async_result_wait(r, 0), 0);
        EXPECT(mp_async_result_successful(r) == 0, "a terminated task succeeded");
    }
    mp_async_result_destroy(r);
    mp_pool_destroy(pool);
}

const test_case_t mpi_pool_tests[] = {
    {"pool_calls", test_pool_calls, ON_ALL},
    {"pool_terminate", test_pool_terminate, ON_ALL},
    {NULL, NULL, 0},
};
