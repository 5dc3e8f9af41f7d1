/*
 * C twin of the tutorial's multiprocessing.Pool example:
 *
 *     def square(n):
 *         return n * n
 *
 *     if __name__ == "__main__":
 *         with multiprocessing.Pool(processes=4) as pool:
 *             numbers = [1, 2, 3, 4, 5]
 *             results = pool.map(square, numbers)
 *             print("Squared numbers:", results)
 *
 * It prints
 *
 *     Squared numbers: [1, 4, 9, 16, 25]
 *
 * A pool of 4 worker processes is created, map() distributes the numbers
 * among them, and each worker computes squares in parallel. The workers'
 * start method is the default one, or MP_START_METHOD's.
 */
#include "example_support.h"

/* Runs in a worker: one number in, its square out. */
static int square(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : mp_task_return_i64(t, n * n);
}

static const mp_task_def_t tasks[] = {MP_TASK(square), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_pool_t *pool;
    example_check(mp_pool_create(&pool, &(mp_pool_opts_t){.workers = 4}), "mp_pool_create");
    const int64_t numbers[] = {1, 2, 3, 4, 5};
    int64_t results[5];
    example_check(mp_pool_map_i64(pool, "square", numbers, results, 5), "mp_pool_map_i64");
    /* The end of Python's `with` block: here the pool's work is done, so
     * close and join let the workers exit on their own. */
    example_check(mp_pool_close(pool), "mp_pool_close");
    example_check(mp_pool_join(pool, MP_FOREVER), "mp_pool_join");
    mp_pool_destroy(pool);

    printf("Squared numbers: [");
    for (size_t i = 0; i < 5; i++)
        printf("%s%lld", i ? ", " : "", (long long)results[i]);
    printf("]\n");
    return 0;
}
