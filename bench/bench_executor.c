/*
 * bench_executor: multiproc's executors (mp_executor_submit,
 * mp_future_result, mp_executor_map) beside the raw limit of tiny tasks
 * through shared-memory rings and beside CPython's concurrent.futures, all
 * measured in one run.
 *
 *   bench_executor [--rounds N] [--quick] [--no-python] [--python EXE]
 *                  [--python-script FILE] [--tsv FILE]
 *
 * Metrics (a sample is a rate over its tasks, or a time):
 *   raw_task_rings_pipelined                                    Mtasks/s
 *       task_rings() of shared/anchors/raw_limits.c: a fork()ed worker
 *       takes 8-byte tasks from an SPSC ring in shared memory and puts x*x
 *       into a second ring; up to 512 tasks in flight, spinning waits
 *   raw_task_rings_one_at_a_time                                Mtasks/s
 *       the same with one task in flight: submit, wait, repeat
 *   mp_submit_burst                                             Mtasks/s
 *       a process executor of 2 workers (default start method):
 *       100,000 mp_executor_submit_i64() of the task `square` in a burst,
 *       then mp_future_result_i64() of each (checked) and its destroy
 *   mp_submit_one_at_a_time                                     Mtasks/s
 *       the same executor: submit, mp_future_result_i64(), destroy, repeat
 *   mp_thread_submit_burst, mp_thread_submit_one_at_a_time     Mtasks/s
 *       the same two on a thread executor of 2 threads
 *   mp_map_auto_chunksize                                       Mtasks/s
 *       mp_executor_map() of `square` over 1,000,000 int64s, chunksize 0
 *       (automatic), then mp_map_get_i64() of each (checked)
 *   cpu_serial                                                  ms
 *       8 CPU-bound tasks (a fixed xorshift loop, some 30 ms each here)
 *       called one after the other in this process
 *   mp_cpu_2workers                                             ms
 *       the same 8 tasks submitted to the process executor (2 workers),
 *       until every result is read
 *   raw_cpu_2forks                                              ms
 *       the same 8 tasks split between 2 fork()ed children: the machine's
 *       own parallel speedup, as raw_limits' cpu_parallel_speedup
 *   mp_death_to_failure                                         ms
 *       a process executor of 1 worker runs a task that says it started
 *       (its pid, in a shared segment) and sleeps; the benchmark SIGKILLs
 *       the worker (its pid from mp_executor_worker_pids()) and times
 *       until mp_future_result() returns MP_ETASK, with MP_EWORKERDIED as
 *       the task's code; a sample is the mean of 5 deaths
 *   cpython_submit_burst, cpython_submit_one_at_a_time,
 *   cpython_map_chunk1000, cpython_thread_submit_burst,
 *   cpython_thread_submit_one_at_a_time                         Mtasks/s
 *       python_executor.py: ProcessPoolExecutor(2) (fork, as the anchors)
 *       and ThreadPoolExecutor(2)
 *
 * Every result is checked. Every round measures every metric once, in the
 * same order; the report gives medians, min and max over the rounds, and
 * ratios of this run's medians against the goals in README.md. Speed is
 * reported, never asserted: the exit status is 0 whatever the numbers.
 * The raw children are forked by a helper process forked at start, never
 * by the benchmark itself (bench_raw_tasks.h says why: copy-on-write).
 * POSIX only, as every benchmark here (bench/CMakeLists.txt does not build
 * them on Windows): the raw side fork()s and the death is a SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <multiproc.h>

#include "bench_common.h"
#include "bench_raw_tasks.h"

/* Set by bench/CMakeLists.txt to the script's place in the source tree. */
#ifndef MP_BENCH_PY_SCRIPT
#define MP_BENCH_PY_SCRIPT "python_executor.py"
#endif

/* The size classes of the metrics: what one sample counts. */
enum { RAW_PIPELINED, BURST, RAW_ONE, ONE, MAP, CPU, DEATHS, NCLASSES };

/* Workers of the executors measured, as CPython's in the anchors
 * (ProcessPoolExecutor(2)), and this machine's CPUs. */
enum { WORKERS = 2 };

/* Seconds a sample may take before the watchdog ends the run ("failed"):
 * every wait here is MP_FOREVER, so that a timed wait's clock reads do not
 * show in the rates; a stalled executor or a dead raw worker would
 * otherwise hang the run. Far beyond any sample, even under ASan. */
enum { SAMPLE_LIMIT = 180 };

/* Seconds the task of the death metric sleeps if nobody kills it. */
enum { SLEEP_LIMIT = 60 };

/* ---- the work: tiny tasks, CPU-bound tasks -------------------------------- */

/* Iterations of the CPU-bound loop per task: some 30 ms here (raw_limits'
 * loop runs 100M in about 0.15 s); a thousandth of it with --quick. */
static int64_t cpu_work = 20000000;

/* spin_work(cpu_work), computed once in the parent: every CPU-bound
 * result is checked against it. */
static int64_t cpu_expect;

/* The CPU-bound task of raw_limits.c (cpu_parallel_speedup): a dependent
 * chain of xorshifts that no compiler folds. The empty asm keeps the call
 * from being hoisted out of a loop as a function without side effects. */
static __attribute__((noinline)) int64_t spin_work(int64_t n)
{
    uint64_t x = 88172645463325252ull, acc = 0;
    for (int64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x;
    }
    __asm__ volatile("" : "+r"(acc));
    return (int64_t)(acc >> 1);
}

/* The CPU-bound task: spin_work() of its argument. */
static int spin(mp_task_t *task)
{
    int64_t n;
    int rc = mp_task_arg_i64(task, &n);
    return rc < 0 ? rc : mp_task_return_i64(task, spin_work(n));
}

/* The task a worker is killed in: it writes its pid into the first 8 bytes
 * of the segment named by its argument (so that the parent kills a worker
 * that is running it, not one that has only been given it: such a task
 * would go to another worker), then sleeps until it is killed. */
static int sleeper(mp_task_t *task)
{
    const char *name;
    mp_shm_t *shm;
    int rc = mp_task_arg_str(task, &name);
    if (rc == 0)
        rc = mp_shm_attach(&shm, name, NULL);
    if (rc < 0)
        return rc;
    atomic_store((_Atomic int64_t *)mp_shm_data(shm), (int64_t)getpid());
    struct timespec left = {.tv_sec = SLEEP_LIMIT};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        continue;
    mp_shm_destroy(shm);
    return mp_task_fail(task, MP_ETIMEDOUT, "no one killed this worker in %d s", SLEEP_LIMIT);
}

/* ---- raw: tiny tasks through two SPSC rings, CPU-bound children ----------- */

/* The raw rings and their helper are bench_raw_tasks.c's; the helper also
 * forks this program's two CPU-bound children, of this kind. */
enum { RAW_ORDER_CPU = 1 };

/* Child k of the CPU-bound pair: its share of the n tasks. */
static int cpu_child(int kind, int k, int64_t n)
{
    (void)kind;
    for (int64_t i = k; i < n; i += WORKERS)
        if (spin_work(cpu_work) != cpu_expect)
            return 3;
    return 0;
}

/* ---- multiproc: the executors ---------------------------------------------- */

/* The executors, made on first use and kept for the run (their workers
 * start with the warm-up, outside every timed sample): processes and
 * threads for the throughput and CPU metrics, and one worker to kill. */
enum { POOL_PROCESSES, POOL_THREADS, POOL_DYING, NPOOLS };

static const mp_executor_opts_t pool_opts[NPOOLS] = {
    [POOL_PROCESSES] = {.max_workers = WORKERS},
    [POOL_THREADS] = {.kind = MP_EXECUTOR_THREADS, .max_workers = WORKERS},
    [POOL_DYING] = {.max_workers = 1},
};

static mp_executor_t *pools[NPOOLS];

/* The executor a metric measures: its `arg` is one of pool_opts. */
static mp_executor_t *executor_of(const bench_metric_t *m)
{
    const mp_executor_opts_t *opts = m->arg;
    size_t i = (size_t)(opts - pool_opts);
    if (!pools[i])
        bench_check(mp_executor_create(&pools[i], opts), "mp_executor_create");
    return pools[i];
}

/* Submit `n` tasks in a burst, then read and check every result and
 * destroy its future: `square` of i when `work` is 0, else `spin` of
 * `work` (the CPU-bound task). */
static void submit_burst(mp_executor_t *ex, mp_future_t **fs, int n, int64_t work)
{
    for (int i = 0; i < n; i++)
        bench_check(work ? mp_executor_submit_i64(ex, &fs[i], "spin", work)
                         : mp_executor_submit_i64(ex, &fs[i], "square", i),
                    "mp_executor_submit_i64");
    for (int i = 0; i < n; i++) {
        int64_t y;
        bench_check(mp_future_result_i64(fs[i], MP_FOREVER, &y), "mp_future_result_i64");
        if (y != (work ? cpu_expect : (int64_t)i * i))
            bench_die("task %d of a burst gave a wrong result", i);
        mp_future_destroy(fs[i]);
    }
}

static double measure_burst(const bench_metric_t *m, int iters)
{
    mp_executor_t *ex = executor_of(m);
    mp_future_t **fs = bench_new_futures(iters);
    bench_watch(m);
    double t0 = bench_now_us();
    submit_burst(ex, fs, iters, 0);
    double us = bench_now_us() - t0;
    bench_unwatch();
    free(fs);
    return iters / us;
}

static double measure_one_at_a_time(const bench_metric_t *m, int iters)
{
    mp_executor_t *ex = executor_of(m);
    bench_watch(m);
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        mp_future_t *f;
        int64_t y;
        bench_check(mp_executor_submit_i64(ex, &f, "square", i), "mp_executor_submit_i64");
        bench_check(mp_future_result_i64(f, MP_FOREVER, &y), "mp_future_result_i64");
        if (y != (int64_t)i * i)
            bench_die("%s: task %d gave a wrong result", m->name, i);
        mp_future_destroy(f);
    }
    double us = bench_now_us() - t0;
    bench_unwatch();
    return iters / us;
}

static double measure_map(const bench_metric_t *m, int iters)
{
    return bench_executor_map_rate(m, executor_of(m), "square", iters);
}

/* ---- CPU-bound: serial, the executor, two raw children --------------------- */

static double measure_cpu_serial(const bench_metric_t *m, int iters)
{
    bench_watch(m);
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++)
        if (spin_work(cpu_work) != cpu_expect)
            bench_die("%s: a wrong result", m->name);
    double us = bench_now_us() - t0;
    bench_unwatch();
    return us / 1e3;
}

static double measure_cpu_executor(const bench_metric_t *m, int iters)
{
    mp_executor_t *ex = executor_of(m);
    mp_future_t **fs = bench_new_futures(iters);
    bench_watch(m);
    double t0 = bench_now_us();
    submit_burst(ex, fs, iters, cpu_work);
    double us = bench_now_us() - t0;
    bench_unwatch();
    free(fs);
    return us / 1e3;
}

static double measure_cpu_raw(const bench_metric_t *m, int iters)
{
    bench_watch(m);
    double t0 = bench_now_us();
    bench_raw_order(RAW_ORDER_CPU, WORKERS, iters);
    bench_raw_done(m);
    double us = bench_now_us() - t0;
    bench_unwatch();
    return us / 1e3;
}

/* ---- a worker's death ------------------------------------------------------- */

/* The segment the sleeper writes its pid into (made at start), and the
 * workers killed so far, warm-up included (checked against the stats). */
static mp_shm_t *started_shm;
static uint64_t kills;

/* The pid of the worker running the sleeper, once it has started. */
static mp_pid_t wait_started(void)
{
    _Atomic int64_t *started = mp_shm_data(started_shm);
    int64_t pid;
    while ((pid = atomic_load(started)) == 0)
        nanosleep(&(struct timespec){.tv_nsec = 50000}, NULL);
    return pid;
}

/* Check that `pid` is one of the executor's workers, as it reports them. */
static void check_worker(mp_executor_t *ex, mp_pid_t pid)
{
    mp_pid_t pids[WORKERS + 1];
    size_t count;
    bench_check(mp_executor_worker_pids(ex, pids, WORKERS + 1, &count), "mp_executor_worker_pids");
    for (size_t i = 0; i < count && i <= WORKERS; i++)
        if (pids[i] == pid)
            return;
    bench_die("the worker running the task (pid %lld) is not among the executor's %zu",
              (long long)pid, count);
}

/* Kill the worker of one sleeper; @return microseconds from the kill to
 * the future failing with MP_EWORKERDIED. */
static double one_death(mp_executor_t *ex)
{
    atomic_store((_Atomic int64_t *)mp_shm_data(started_shm), 0);
    mp_future_t *f;
    bench_check(mp_executor_submit_str(ex, &f, "sleeper", mp_shm_name(started_shm)),
                "mp_executor_submit_str");
    mp_pid_t pid = wait_started();
    check_worker(ex, pid);
    double t0 = bench_now_us();
    if (kill((pid_t)pid, SIGKILL) != 0)
        bench_die_errno("kill", errno);
    int rc = mp_future_result(f, MP_FOREVER, NULL, NULL);
    double us = bench_now_us() - t0;
    kills++;
    int code;
    const char *message;
    if (rc != MP_ETASK)
        bench_die("the future of a killed worker's task returned %s, not MP_ETASK",
                  mp_err_name(rc));
    bench_check(mp_future_error(f, 0, &code, &message), "mp_future_error");
    if (code != MP_EWORKERDIED)
        bench_die("a killed worker's task failed with %s (%s), not MP_EWORKERDIED",
                  mp_err_name(code), message);
    mp_future_destroy(f);
    return us;
}

static double measure_death(const bench_metric_t *m, int iters)
{
    mp_executor_t *ex = executor_of(m);
    bench_watch(m);
    double us = 0;
    for (int i = 0; i < iters; i++)
        us += one_death(ex);
    bench_unwatch();
    return us / iters / 1e3;
}

/* The executors' statistics, checked against what the run did to them,
 * then every executor shut down and joined. */
static void finish_pools(void)
{
    for (int i = 0; i < NPOOLS; i++) {
        if (!pools[i])
            continue;
        mp_executor_stats_t st;
        bench_check(mp_executor_stats(pools[i], &st), "mp_executor_stats");
        uint64_t want = i == POOL_DYING ? kills : 0;
        if (st.worker_deaths != want)
            bench_die("an executor saw %llu worker deaths, not %llu",
                      (unsigned long long)st.worker_deaths, (unsigned long long)want);
        mp_executor_destroy(pools[i]);
        pools[i] = NULL;
    }
}

/* ---- tables --------------------------------------------------------------- */

/* square: x*x (bench_common.h). */
static const mp_task_def_t tasks[] = {MP_TASK_NAMED("square", bench_task_square), MP_TASK(spin),
                                      MP_TASK(sleeper), MP_TASK_END};

/* clang-format off */
#define PROCS (&pool_opts[POOL_PROCESSES])
#define THREADS (&pool_opts[POOL_THREADS])

/* In the order each round measures them; CPython's last. */
static bench_metric_t metrics[] = {
    {.name = "raw_task_rings_pipelined", .unit = "Mtasks/s", .measure = bench_raw_tasks,
     .arg = &bench_raw_pipelined_window, .size_class = RAW_PIPELINED},
    {.name = "mp_submit_burst", .unit = "Mtasks/s", .measure = measure_burst, .arg = PROCS,
     .size_class = BURST},
    {.name = "mp_thread_submit_burst", .unit = "Mtasks/s", .measure = measure_burst,
     .arg = THREADS, .size_class = BURST},
    {.name = "raw_task_rings_one_at_a_time", .unit = "Mtasks/s", .measure = bench_raw_tasks,
     .arg = &bench_raw_one_window, .size_class = RAW_ONE},
    {.name = "mp_submit_one_at_a_time", .unit = "Mtasks/s", .measure = measure_one_at_a_time,
     .arg = PROCS, .size_class = ONE},
    {.name = "mp_thread_submit_one_at_a_time", .unit = "Mtasks/s",
     .measure = measure_one_at_a_time, .arg = THREADS, .size_class = ONE},
    {.name = "mp_map_auto_chunksize", .unit = "Mtasks/s", .measure = measure_map, .arg = PROCS,
     .size_class = MAP},
    {.name = "cpu_serial", .unit = "ms", .measure = measure_cpu_serial, .size_class = CPU},
    {.name = "mp_cpu_2workers", .unit = "ms", .measure = measure_cpu_executor, .arg = PROCS,
     .size_class = CPU},
    {.name = "raw_cpu_2forks", .unit = "ms", .measure = measure_cpu_raw, .size_class = CPU},
    {.name = "mp_death_to_failure", .unit = "ms", .measure = measure_death,
     .arg = &pool_opts[POOL_DYING], .size_class = DEATHS},
    {.name = "cpython_submit_burst", .unit = "Mtasks/s"},
    {.name = "cpython_submit_one_at_a_time", .unit = "Mtasks/s"},
    {.name = "cpython_map_chunk1000", .unit = "Mtasks/s"},
    {.name = "cpython_thread_submit_burst", .unit = "Mtasks/s"},
    {.name = "cpython_thread_submit_one_at_a_time", .unit = "Mtasks/s"},
};
/* clang-format on */

/* The numbers of shared/anchors/RESULTS.md: printed for reference, never
 * used in a ratio. */
static const bench_anchor_t anchors[] = {
    {"executor_submit (CPython ProcessPoolExecutor)", 0.009823, "Mtasks/s", "cpython_submit_burst"},
    {"executor_map_chunk1000 (CPython)", 2.19, "Mtasks/s", "cpython_map_chunk1000"},
    {"task_rings_pipelined", 42.0, "Mtasks/s", "raw_task_rings_pipelined"},
    {"task_rings_one_at_a_time", 1.89, "Mtasks/s", "raw_task_rings_one_at_a_time"},
    {"cpu_parallel_2proc_speedup", 1.99, "x", "cpu_serial / raw_cpu_2forks"},
};

/* Goals from bench/README.md (issue 11); the rows without a goal inform.
 * The CPU rows divide times, serial over parallel: the speedup. Against
 * CPython: multiproc's rate over CPython's ("CPython is that many times
 * slower"). */
static const bench_ratio_t ratios[] = {
    {"mp_submit_burst", "cpython_submit_burst", 100, true},
    {"mp_submit_burst", "raw_task_rings_pipelined", 0, true},
    {"mp_submit_one_at_a_time", "raw_task_rings_one_at_a_time", 0.25, true},
    {"mp_submit_one_at_a_time", "cpython_submit_one_at_a_time", 0, true},
    {"mp_map_auto_chunksize", "cpython_map_chunk1000", 0, true},
    {"mp_map_auto_chunksize", "raw_task_rings_pipelined", 0, true},
    {"cpu_serial", "mp_cpu_2workers", 1.95, true},
    {"cpu_serial", "raw_cpu_2forks", 0, true},
    {"mp_thread_submit_burst", "mp_submit_burst", 0, true},
    {"mp_thread_submit_burst", "cpython_thread_submit_burst", 0, true},
    {"mp_thread_submit_one_at_a_time", "mp_submit_one_at_a_time", 0, true},
    {"mp_thread_submit_one_at_a_time", "raw_task_rings_one_at_a_time", 0, true},
    {"mp_thread_submit_one_at_a_time", "cpython_thread_submit_one_at_a_time", 0, true},
};

/* clang-format off */
static const bench_report_t report = {
    .anchors = anchors, .nanchors = sizeof anchors / sizeof anchors[0],
    .ratios = ratios, .nratios = sizeof ratios / sizeof ratios[0],
};
/* clang-format on */

/* The death goal is a time, not a ratio: said on a line of its own. */
enum { DEATH_GOAL_MS = 100 };

static void print_death_goal(void)
{
    bench_summary_t s = bench_summarize(bench_find("mp_death_to_failure"));
    /* Worded without "failed", which the smoke test takes for a failure. */
    printf("\nmp_death_to_failure: median %.2f ms from SIGKILL to MP_ETASK from the future "
           "(MP_EWORKERDIED), max %.2f ms; goal < %d ms: %s\n",
           s.median, s.max, DEATH_GOAL_MS, s.median < DEATH_GOAL_MS ? "yes" : "no");
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    bench_init("bench_executor");
    /* First, so that spawn and forkserver children branch off here. */
    bench_check(mp_init(&argc, &argv, tasks), "mp_init");

    bench_options_t opts = {.python_script = MP_BENCH_PY_SCRIPT};
    bench_parse_options(argc, argv, &opts);
    bench_set_metrics(metrics, sizeof metrics / sizeof metrics[0]);

    /* A sample takes 0.05 to 0.5 s here; the burst is the 100,000
     * tasks and the map its 1,000,000. */
    const int iters[NCLASSES] = {
        [RAW_PIPELINED] = opts.quick ? 2000 : 2000000,
        [BURST] = opts.quick ? 1000 : 100000,
        [RAW_ONE] = opts.quick ? 1000 : 200000,
        [ONE] = opts.quick ? 500 : 50000,
        [MAP] = opts.quick ? 2000 : 1000000,
        [CPU] = opts.quick ? 2 : 8,
        [DEATHS] = opts.quick ? 1 : 5,
    };
    if (opts.quick)
        cpu_work /= 1000;
    /* CPython is some 100 to 1000 times slower per task: fewer tasks, its
     * burst as the anchors' (20,000), its map the same 1,000,000. */
    const int py_burst = opts.quick ? 200 : 20000, py_one = opts.quick ? 100 : 2000,
              py_map = opts.quick ? 2000 : 1000000;
    char py_args[128];
    snprintf(py_args, sizeof py_args, "--burst %d --one %d --map %d", py_burst, py_one, py_map);

    bench_python_t py;
    bench_python_setup(&py, &opts);
    const char *method;
    bench_check(mp_get_start_method(&method, false), "mp_get_start_method");

    cpu_expect = spin_work(cpu_work);
    bench_raw_start(cpu_child);
    bench_check(mp_shm_create(&started_shm, &(mp_shm_opts_t){.size = 64}), "mp_shm_create");

    printf("# bench_executor: executors, multiproc %s, %d CPUs, workers by %s\n", mp_version(),
           mp_cpu_count(), method);
    printf("# %d rounds, each measures every metric once; %d workers; a sample is a burst of %d "
           "tasks, %d one at a time, a map of %d, %d CPU-bound tasks of %lld iterations, %d "
           "deaths%s\n",
           opts.rounds, WORKERS, iters[BURST], iters[ONE], iters[MAP], iters[CPU],
           (long long)cpu_work, iters[DEATHS], opts.quick ? " (--quick: not a measurement)" : "");
    bench_print_load("at start");

    bench_watchdog(SAMPLE_LIMIT);
    bench_run(&(bench_plan_t){
        .rounds = opts.rounds, .iters = iters, .warmup_iters = 10, .py = &py, .py_args = py_args});
    if (py.version[0])
        printf("# %s: a sample is a burst of %d tasks, %d one at a time, a map of %d "
               "(chunksize 1000); 2 workers, fork\n",
               py.version, py_burst, py_one, py_map);
    bench_print_load("at end");
    finish_pools();
    mp_shm_destroy(started_shm);

    bench_print_report(&report, &py);
    print_death_goal();
    if (opts.tsv) {
        bench_write_tsv(opts.tsv, &report);
        printf("# wrote %s\n", opts.tsv);
    }
    return 0;
}
