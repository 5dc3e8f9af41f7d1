/*
 * C twin of the tutorial's "Multiprocessing with Worker Pools": a function
 * mapped over range(10) by a process pool.
 *
 *     def compute(x):
 *         time.sleep(1)
 *         return x ** 2
 *
 *     with concurrent.futures.ProcessPoolExecutor() as executor:
 *         results = executor.map(compute, range(10))
 *
 *     print(list(results))  # Output: Squared values of 0-9
 *
 * It prints
 *
 *     [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
 *
 * after about 10 s divided by the number of CPUs (one worker per CPU, as
 * in Python). mp_executor_map_i64() is map for int64s in one call: it
 * waits for every result and puts them in order. The workers' start method
 * is the default one, or MP_START_METHOD's.
 */
#include <inttypes.h>

#include "example_support.h"

enum { N = 10 };

/* compute(x): a second's sleep, then x squared. */
static int compute(mp_task_t *task)
{
    int64_t x;
    int rc = mp_task_arg_i64(task, &x);
    if (rc < 0)
        return rc;
    example_sleep(1.0);
    return mp_task_return_i64(task, x * x);
}

static const mp_task_def_t tasks[] = {MP_TASK(compute), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    int64_t in[N], results[N];
    for (int x = 0; x < N; x++) /* range(10) */
        in[x] = x;

    mp_executor_t *executor;
    example_check(mp_executor_create(&executor, NULL), "mp_executor_create");
    /* A task that failed makes it return MP_ETASK, and mp_errdetail() says
     * which one and how. */
    example_check(mp_executor_map_i64(executor, "compute", in, results, N, MP_FOREVER),
                  "mp_executor_map_i64");
    mp_executor_destroy(executor);

    /* print(list(results)) */
    printf("[");
    for (int i = 0; i < N; i++)
        printf("%s%" PRId64, i > 0 ? ", " : "", results[i]);
    printf("]\n");
    return 0;
}
