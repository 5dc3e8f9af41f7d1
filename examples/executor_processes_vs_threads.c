/*
 * The same CPU-bound work on a process executor and on a thread executor,
 * which differ by one option (`.kind`). The tutorial's rule (section 6) is
 * "use multiprocessing for CPU-heavy tasks, threading for I/O-bound ones":
 * in Python, a ThreadPoolExecutor runs one thread of Python at a time (the
 * GIL), so CPU-bound tasks on threads take as long as in turn. C has no
 * GIL: both executors here use every CPU, and take about the same time.
 * What processes still give is isolation: a task that crashes takes down
 * only its worker (the executor fails that task and starts another
 * worker), where on a thread it takes down the whole program; and a task
 * that runs too long can be killed with its worker, where a thread cannot
 * be killed.
 *
 * It prints
 *
 *     processes: 8 tasks, checksum 12102690093272146265, T1 seconds
 *     threads: 8 tasks, checksum 12102690093272146265, T2 seconds
 *
 * The checksum (the tasks' results added up) is the same every run. The
 * times are measured, and close to each other: about the tasks' CPU time
 * (eight times a tenth of a second) divided by the number of CPUs, the
 * process executor's with its workers' starts on top. The workers' start
 * method is the default one, or MP_START_METHOD's.
 */
#include <inttypes.h>

#include "example_support.h"

enum { NTASKS = 8 };

/* Rounds of arithmetic per task: about a tenth of a second each. */
#define ROUNDS 100000000u

/* The CPU-bound work: ROUNDS steps of xorshift64 from a seed made of the
 * argument; each step depends on the one before, so nothing can skip
 * them. Its result is the last state, the same on every run. */
static int crunch(mp_task_t *task)
{
    int64_t seed;
    int rc = mp_task_arg_i64(task, &seed);
    if (rc < 0)
        return rc;
    uint64_t x = 0x9E3779B97F4A7C15u * (uint64_t)(seed + 1);
    for (unsigned i = 0; i < ROUNDS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    /* The top bit dropped: a uint64 above INT64_MAX has no portable
     * int64 value. */
    return mp_task_return_i64(task, (int64_t)(x >> 1));
}

static const mp_task_def_t tasks[] = {MP_TASK(crunch), MP_TASK_END};

/* Run the NTASKS tasks on an executor of `kind` and print what it took. */
static void run_on(mp_executor_kind_t kind, const char *label)
{
    int64_t in[NTASKS], out[NTASKS];
    for (int i = 0; i < NTASKS; i++)
        in[i] = i;

    double start = example_now();
    /* One worker per CPU (max_workers 0), processes or threads. */
    mp_executor_t *executor;
    example_check(mp_executor_create(&executor, &(mp_executor_opts_t){.kind = kind}),
                  "mp_executor_create");
    example_check(mp_executor_map_i64(executor, "crunch", in, out, NTASKS, MP_FOREVER),
                  "mp_executor_map_i64");
    mp_executor_destroy(executor);
    double seconds = example_now() - start;

    uint64_t checksum = 0; /* unsigned: a sum that wraps is defined */
    for (int i = 0; i < NTASKS; i++)
        checksum += (uint64_t)out[i];
    char text[48];
    example_py_repr(example_py_round(seconds, 2), text, sizeof text);
    example_say("%s: %d tasks, checksum %" PRIu64 ", %s seconds\n", label, NTASKS, checksum, text);
}

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");
    run_on(MP_EXECUTOR_PROCESSES, "processes");
    run_on(MP_EXECUTOR_THREADS, "threads");
    return 0;
}
