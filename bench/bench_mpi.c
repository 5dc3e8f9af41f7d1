/*
 * bench_mpi: the MPI executor (multiproc::mpi: the worker ranks of an MPI
 * job) beside the local process executor with as many workers, measured
 * in one run: tiny tasks in a burst and by map, and CPU-bound tasks.
 *
 *   bench_mpi [--rounds N] [--quick] [--tsv FILE]
 *
 * It is an MPI job of 4 ranks: started without mpirun (or another MPI
 * launcher), it starts itself again as `mpiexec -n 4 bench_mpi ...` with
 * the environment of cmake/mp_mpirun.cmake (oversubscribed: 4 ranks on
 * this 2-CPU machine; allowed as root). Rank 0 runs the benchmark; ranks 1
 * to 3 serve its MPI executor and run each task in a child process of
 * their own, as the executor always does, started by the same method as
 * the local workers. The local executor gets as
 * many workers as there are worker ranks (3), so that both run the same
 * parallelism on the same CPUs: on one machine the ratio of the two is
 * what the MPI path costs, not a speedup (that needs more machines).
 *
 * Metrics (a sample is a rate over its tasks, or a time):
 *   local_submit_burst, mpi_submit_burst                      ktasks/s
 *       mp_executor_submit_i64() of the task `square` in a burst, then
 *       mp_future_result_i64() of each (checked) and its destroy
 *   local_map, mpi_map                                        ktasks/s
 *       mp_executor_map() of `square` over 0..n-1, chunksize automatic,
 *       then mp_map_get_i64() of each (checked): bench_executor_map_rate()
 *   cpu_serial                                                ms
 *       12 CPU-bound tasks (the example's sum of i*i mod a prime, some
 *       0.1 s each here) called one after the other in rank 0
 *   local_cpu, mpi_cpu                                        ms
 *       the same 12 tasks submitted to the executor, until every result is
 *       read
 *
 * No CPython side: its peer, mpi4py.futures, is not measured here.
 * Every result is checked. The executors are made before the first round
 * (their workers start in the warm-up), every round measures every metric
 * once in the same order, and the report gives medians, min and max over
 * the rounds and ratios of this run's medians. Speed is reported, never
 * asserted: the exit status is 0 whatever the numbers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <multiproc.h>
#include <multiproc/mpi.h>

#include "bench_common.h"

/* Set by bench/CMakeLists.txt from cmake/mp_mpirun.cmake: the launcher,
 * its flag for the number of ranks, and the environment it runs under
 * (NAME=VALUE words separated by spaces). */
#ifndef MP_BENCH_MPIEXEC
#define MP_BENCH_MPIEXEC "mpiexec"
#endif
#ifndef MP_BENCH_MPIEXEC_NUMPROC_FLAG
#define MP_BENCH_MPIEXEC_NUMPROC_FLAG "-n"
#endif
#ifndef MP_BENCH_MPIRUN_ENV
#define MP_BENCH_MPIRUN_ENV ""
#endif

/* The ranks of the job: rank 0 and three worker ranks, as the issue asks. */
#define RANKS "4"

/* Set in the environment of the job this program starts: a second start
 * without an MPI launcher's variables is then a launcher that does not
 * set them, not a reason to start it again. */
#define LAUNCHED_VAR "MP_BENCH_MPI_LAUNCHED"

/* The size classes of the metrics: what one sample counts. */
enum { BURST, MAP, CPU, NCLASSES };

/* Seconds a sample may take before the watchdog ends the run ("failed"):
 * every wait is MP_FOREVER (a timed wait's clock reads would show in the
 * rates), and a stalled rank would otherwise hang the run. */
enum { SAMPLE_LIMIT = 300 };

/* ---- starting as an MPI job --------------------------------------------- */

/* True inside a job an MPI launcher started: Open MPI's, MPICH's (Hydra,
 * PMI) and PMIx's variables. */
static bool in_mpi_job(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK") ||
           getenv(LAUNCHED_VAR);
}

/* Put MP_BENCH_MPIRUN_ENV's NAME=VALUE words in the environment, leaving a
 * variable the user set alone. */
static void set_mpirun_env(void)
{
    char words[] = MP_BENCH_MPIRUN_ENV;
    for (char *w = strtok(words, " "); w; w = strtok(NULL, " ")) {
        char *eq = strchr(w, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (setenv(w, eq + 1, 0) != 0)
            bench_die_errno("setenv", errno);
    }
}

/* Outside an MPI job: become `mpiexec -n 4 <this program> <its
 * arguments>`; never returns. Only the environment is read before it, so
 * that it may run before mp_mpi_init(): a child that multiproc spawns is
 * always inside the job (it inherits the job's variables). */
static void become_mpi_job(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (!args)
        bench_die("out of memory");
    int n = 0;
    args[n++] = MP_BENCH_MPIEXEC;
    args[n++] = MP_BENCH_MPIEXEC_NUMPROC_FLAG;
    args[n++] = RANKS;
    for (int i = 0; i < argc; i++)
        args[n++] = argv[i];
    set_mpirun_env();
    if (setenv(LAUNCHED_VAR, "1", 1) != 0)
        bench_die_errno("setenv", errno);
    fflush(stdout);
    execvp(args[0], args);
    bench_die("cannot start %s (%s): install Open MPI (Debian: openmpi-bin) or run this under "
              "an MPI launcher with %s ranks",
              args[0], strerror(errno), RANKS);
}

/* ---- the work: tiny tasks, CPU-bound tasks ------------------------------- */

/* The CPU-bound task's n: some 0.1 s here; a thousandth with --quick. */
static int64_t cpu_n = 150000000;

/* Its result, computed once in rank 0: every CPU-bound result is checked
 * against it. */
static int64_t cpu_expect;

/* The CPU-bound work of examples/mpi_sum_squares.c: the sum of i*i mod a
 * prime for i in 1..n (modulo, so that no compiler replaces the loop by a
 * formula). */
static int64_t sum_squares_mod(int64_t n)
{
    const uint64_t p = 1000000007u;
    uint64_t sum = 0;
    for (uint64_t i = 1; i <= (uint64_t)n; i++)
        sum += (i * i) % p;
    return (int64_t)(sum % p);
}

/* The CPU-bound task: sum_squares_mod() of its argument. */
static int sum_squares(mp_task_t *task)
{
    int64_t n;
    int rc = mp_task_arg_i64(task, &n);
    return rc < 0 ? rc : mp_task_return_i64(task, sum_squares_mod(n));
}

/* square: x*x (bench_common.h). */
static const mp_task_def_t tasks[] = {MP_TASK_NAMED("square", bench_task_square),
                                      MP_TASK(sum_squares), MP_TASK_END};

/* ---- the two executors -------------------------------------------------- */

enum { LOCAL, MPI, NEXECUTORS };

static mp_executor_t *executors[NEXECUTORS];

/* The metric's executor: its `arg` points at one of these indexes. */
static const int executor_ids[NEXECUTORS] = {LOCAL, MPI};

static mp_executor_t *executor_of(const bench_metric_t *m)
{
    return executors[*(const int *)m->arg];
}

/* Submit `n` tasks in a burst, then read and check every result and
 * destroy its future: `square` of i when `cpu` is false, else
 * `sum_squares` of cpu_n. @return the microseconds it took. */
static double submit_burst(const bench_metric_t *m, int n, bool cpu)
{
    mp_executor_t *ex = executor_of(m);
    mp_future_t **fs = bench_new_futures(n);
    bench_watch(m);
    double t0 = bench_now_us();
    for (int i = 0; i < n; i++)
        bench_check(cpu ? mp_executor_submit_i64(ex, &fs[i], "sum_squares", cpu_n)
                        : mp_executor_submit_i64(ex, &fs[i], "square", i),
                    "mp_executor_submit_i64");
    for (int i = 0; i < n; i++) {
        int64_t y;
        bench_check(mp_future_result_i64(fs[i], MP_FOREVER, &y), "mp_future_result_i64");
        if (y != (cpu ? cpu_expect : (int64_t)i * i))
            bench_die("%s: task %d gave a wrong result", m->name, i);
        mp_future_destroy(fs[i]);
    }
    double us = bench_now_us() - t0;
    bench_unwatch();
    free(fs);
    return us;
}

static double measure_burst(const bench_metric_t *m, int iters)
{
    return iters / submit_burst(m, iters, false) * 1e3;
}

static double measure_map(const bench_metric_t *m, int iters)
{
    return bench_executor_map_rate(m, executor_of(m), "square", iters) * 1e3;
}

static double measure_cpu(const bench_metric_t *m, int iters)
{
    return submit_burst(m, iters, true) / 1e3;
}

static double measure_cpu_serial(const bench_metric_t *m, int iters)
{
    bench_watch(m);
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++)
        if (sum_squares_mod(cpu_n) != cpu_expect)
            bench_die("%s: a wrong result", m->name);
    double us = bench_now_us() - t0;
    bench_unwatch();
    return us / 1e3;
}

/* ---- tables -------------------------------------------------------------- */

/* clang-format off */
#define ON_LOCAL (&executor_ids[LOCAL])
#define ON_MPI (&executor_ids[MPI])

/* In the order each round measures them: each MPI metric right after its
 * local twin, so that both see the same moment of a busy machine. */
static bench_metric_t metrics[] = {
    {.name = "local_submit_burst", .unit = "ktasks/s", .measure = measure_burst, .arg = ON_LOCAL,
     .size_class = BURST},
    {.name = "mpi_submit_burst", .unit = "ktasks/s", .measure = measure_burst, .arg = ON_MPI,
     .size_class = BURST},
    {.name = "local_map", .unit = "ktasks/s", .measure = measure_map, .arg = ON_LOCAL,
     .size_class = MAP},
    {.name = "mpi_map", .unit = "ktasks/s", .measure = measure_map, .arg = ON_MPI,
     .size_class = MAP},
    {.name = "cpu_serial", .unit = "ms", .measure = measure_cpu_serial, .size_class = CPU},
    {.name = "local_cpu", .unit = "ms", .measure = measure_cpu, .arg = ON_LOCAL,
     .size_class = CPU},
    {.name = "mpi_cpu", .unit = "ms", .measure = measure_cpu, .arg = ON_MPI, .size_class = CPU},
};
/* clang-format on */

/* No goals: on one machine the MPI path can only cost. Rates divide as
 * MPI over local ("the MPI executor does that share of the local one's
 * tasks"); CPU rows divide times, the first two serial over parallel (the
 * speedups), the last local over MPI (the MPI executor's speedup as a
 * share of the local one's). */
static const bench_ratio_t ratios[] = {
    {"mpi_submit_burst", "local_submit_burst", 0, true},
    {"mpi_map", "local_map", 0, true},
    {"cpu_serial", "local_cpu", 0, true},
    {"cpu_serial", "mpi_cpu", 0, true},
    {"local_cpu", "mpi_cpu", 0, true},
};

static const bench_report_t report = {.ratios = ratios,
                                      .nratios = sizeof ratios / sizeof ratios[0]};

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    bench_init("bench_mpi");
    if (!in_mpi_job())
        become_mpi_job(argc, argv);
    /* First after that, on every rank: only rank 0 returns. */
    bench_check(mp_mpi_init(&argc, &argv, tasks), "mp_mpi_init");

    /* No CPython script: bench_common's usage names this in its place. */
    bench_options_t opts = {.python_script = "(none)"};
    bench_parse_options(argc, argv, &opts);
    bench_set_metrics(metrics, sizeof metrics / sizeof metrics[0]);
    int workers = mp_mpi_size() - 1;
    if (workers < 1)
        bench_die("the MPI job has %d rank(s): it needs worker ranks (mpiexec -n %s)",
                  mp_mpi_size(), RANKS);

    /* A sample takes some 0.1 to 1.5 s here. */
    const int iters[NCLASSES] = {
        [BURST] = opts.quick ? 100 : 10000,
        [MAP] = opts.quick ? 1000 : 100000,
        [CPU] = 12, /* 4 per worker: none idle while another has work */
    };
    if (opts.quick)
        cpu_n /= 1000;
    cpu_expect = sum_squares_mod(cpu_n);

    const char *method;
    bench_check(mp_get_start_method(&method, false), "mp_get_start_method");
    bench_check(
        mp_executor_create(&executors[LOCAL], &(mp_executor_opts_t){.max_workers = workers}),
        "mp_executor_create (local)");
    /* The ranks' children by the same start method as the local workers
     * (NULL would fork them, from a rank that MPI's threads make
     * multi-threaded: multiproc warns about that, and it would differ). */
    mp_context_t *children;
    bench_check(mp_get_context(&children, NULL), "mp_get_context");
    bench_check(mp_executor_create(&executors[MPI], &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI,
                                                                          .max_workers = workers,
                                                                          .context = children}),
                "mp_executor_create (MPI)");

    printf("# bench_mpi: the MPI executor beside the local one, multiproc %s, %d CPUs, "
           "%d ranks\n",
           mp_version(), mp_cpu_count(), mp_mpi_size());
    printf("# %d rounds, each measures every metric once; %d local workers and %d worker "
           "ranks (their tasks' children), all by %s; a sample is a burst of %d tasks, a map of "
           "%d, %d CPU-bound tasks of n = %lld%s\n",
           opts.rounds, workers, workers, method, iters[BURST], iters[MAP], iters[CPU],
           (long long)cpu_n, opts.quick ? " (--quick: not a measurement)" : "");
    bench_print_load("at start");

    bench_watchdog(SAMPLE_LIMIT);
    bench_run(&(bench_plan_t){.rounds = opts.rounds, .iters = iters, .warmup_iters = 10});
    bench_print_load("at end");
    for (int i = 0; i < NEXECUTORS; i++)
        mp_executor_destroy(executors[i]);
    bench_check(mp_mpi_finalize(), "mp_mpi_finalize");

    bench_print_report(&report, NULL);
    if (opts.tsv) {
        bench_write_tsv(opts.tsv, &report);
        printf("# wrote %s\n", opts.tsv);
    }
    return 0;
}
