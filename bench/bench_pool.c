/*
 * bench_pool: multiproc's process pool (mp_pool_map, mp_pool_imap) beside
 * the raw limit of tiny tasks through shared-memory rings and beside
 * CPython's multiprocessing.Pool, all measured in one run.
 *
 *   bench_pool [--rounds N] [--quick] [--no-python] [--python EXE]
 *              [--python-script FILE] [--tsv FILE]
 *
 * Metrics (a sample is a rate over its tasks, or a size):
 *   raw_task_rings_pipelined                                    Mtasks/s
 *       bench_raw_tasks.c (raw_limits' task_rings): a fork()ed worker
 *       takes 8-byte tasks from an SPSC ring in shared memory and puts x*x
 *       into a second ring, up to 512 in flight, spinning waits: one task
 *       per message, as chunksize 1, with no pickling and no syscalls
 *   mp_pool_map_auto                                            Mtasks/s
 *       a pool of 2 workers (default start method): mp_pool_map_i64() of
 *       the task `square` over 1,000,000 int64s, chunksize automatic
 *       (the pool's: Python's 4 messages per worker, at most 1024
 *       arguments each since 50a1505), every result checked
 *   mp_executor_map_auto                                        Mtasks/s
 *       the same map through the process executor (2 workers) that the
 *       pool is built on (mp_executor_map(), mp_map_get_i64()): what the
 *       pool's own layer costs
 *   mp_pool_map_chunk1                                          Mtasks/s
 *       mp_pool_map() with chunksize 1 over 200,000 int64s, then
 *       mp_async_result_item_i64() of each
 *   mp_pool_imap_1M, mp_pool_imap_10M                           Mtasks/s
 *       mp_pool_imap() of `square` over 1,000,000 and 10,000,000 int64s
 *       read from an iterator callback (never an array), chunksize 100,
 *       buffersize 8 (4 messages per worker: at most 800 tasks read
 *       ahead); each result taken by mp_imap_next() and checked in order
 *   mp_pool_imap_1M_peak_rss, mp_pool_imap_10M_peak_rss        MiB
 *       the parent's peak resident size during that imap: its high-water
 *       mark is reset just before (/proc/self/clear_refs, 5) and read just
 *       after (getrusage's ru_maxrss), so it is the imap's own peak, on
 *       top of what the process already held; constant memory means the
 *       10M peak equals the 1M peak
 *   mp_pool_imap_1M_rss_growth, mp_pool_imap_10M_rss_growth    MiB
 *       that peak over the resident size at the imap's start
 *       (/proc/self/statm): what the imap itself added, to a few hundred
 *       KiB (the kernel counts RSS per thread and sums it now and then);
 *       the peak also counts the heap the earlier maps left (glibc keeps
 *       some of it)
 *   cpython_pool_map_auto, cpython_pool_map_chunk1, cpython_pool_imap
 *                                                               Mtasks/s
 *   cpython_pool_imap_peak_rss                                  MiB
 *       python_pool.py: Pool(2) by fork, as the anchors; map over
 *       1,000,000 (automatic chunksize), map over 20,000 with chunksize 1
 *       (CPython does some 44,000 a second: rates are compared, not
 *       times), imap over 1,000,000 from a generator with chunksize 100
 *       (3.11 has no buffersize) and that process's peak RSS
 *
 * Every result is checked. Every round measures every metric once, in the
 * same order; the report gives medians, min and max over the rounds, and
 * ratios of this run's medians against the goals of issue 12 (README.md).
 * Speed is reported, never asserted: the exit status is 0 whatever the
 * numbers. The raw worker is forked by a helper process forked at start
 * (bench_raw_tasks.h says why). POSIX only, as every benchmark here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <multiproc.h>

#include "bench_common.h"
#include "bench_raw_tasks.h"

/* Set by bench/CMakeLists.txt to the script's place in the source tree. */
#ifndef MP_BENCH_PY_SCRIPT
#define MP_BENCH_PY_SCRIPT "python_pool.py"
#endif

/* The size classes of the metrics: what one sample counts. */
enum { RAW, MAP, CHUNK1, IMAP_1M, IMAP_10M, NCLASSES };

/* Workers of the pool, as CPython's in the anchors (Pool(2)), and this
 * machine's CPUs. */
enum { WORKERS = 2 };

/* imap's arguments per message, as the anchors' pool_imap_chunk100, and
 * messages in flight: Python 3.14's buffersize, here 4 per worker (the
 * pool's default for an iterator input, given explicitly). */
enum { IMAP_CHUNKSIZE = 100, IMAP_BUFFERSIZE = 4 * WORKERS };

/* Seconds a sample may take before the watchdog ends the run ("failed"):
 * every wait here is MP_FOREVER; a stalled pool would otherwise hang the
 * run. Far beyond any sample (10M imap tasks), even under ASan. */
enum { SAMPLE_LIMIT = 300 };

/* ---- the pool and the executor -------------------------------------------- */

/* Made on first use (their workers start with the warm-up, outside every
 * timed sample) and kept for the run. */
static mp_pool_t *pool;
static mp_executor_t *executor;

static mp_pool_t *the_pool(void)
{
    if (!pool)
        bench_check(mp_pool_create(&pool, &(mp_pool_opts_t){.workers = WORKERS}), "mp_pool_create");
    return pool;
}

static mp_executor_t *the_executor(void)
{
    if (!executor)
        bench_check(mp_executor_create(&executor, &(mp_executor_opts_t){.max_workers = WORKERS}),
                    "mp_executor_create");
    return executor;
}

/* 0, 1, ... n-1 (outside the timed part). */
static int64_t *counting(int n)
{
    int64_t *v = malloc((size_t)n * sizeof *v);
    if (!v)
        bench_die("out of memory for %d arguments", n);
    for (int i = 0; i < n; i++)
        v[i] = i;
    return v;
}

/* ---- map --------------------------------------------------------------------- */

/* The tutorial's one call: out[i] = square(in[i]). */
static double measure_pool_map_auto(const bench_metric_t *m, int iters)
{
    mp_pool_t *p = the_pool();
    int64_t *in = counting(iters), *out = malloc((size_t)iters * sizeof *out);
    if (!out)
        bench_die("out of memory for %d results", iters);
    bench_watch(m);
    double t0 = bench_now_us();
    bench_check(mp_pool_map_i64(p, "square", in, out, (size_t)iters), "mp_pool_map_i64");
    double us = bench_now_us() - t0;
    bench_unwatch();
    for (int i = 0; i < iters; i++)
        if (out[i] != (int64_t)i * i)
            bench_die("%s: result %d is wrong", m->name, i);
    free(in);
    free(out);
    return iters / us;
}

/* bench_executor's mp_map_auto_chunksize, in this run. */
static double measure_executor_map(const bench_metric_t *m, int iters)
{
    return bench_executor_map_rate(m, the_executor(), "square", iters);
}

/* One argument per message: the pool's per-task cost, every result read. */
static double measure_pool_map_chunk1(const bench_metric_t *m, int iters)
{
    mp_pool_t *p = the_pool();
    int64_t *in = counting(iters);
    bench_watch(m);
    double t0 = bench_now_us();
    mp_async_result_t *r;
    bench_check(mp_pool_map(p, &r, "square", MP_INPUT_ARRAY(in, (size_t)iters),
                            &(mp_pool_map_opts_t){.chunksize = 1}),
                "mp_pool_map");
    for (int i = 0; i < iters; i++) {
        int64_t y;
        bench_check(mp_async_result_item_i64(r, (size_t)i, &y), "mp_async_result_item_i64");
        if (y != (int64_t)i * i)
            bench_die("%s: result %d is wrong", m->name, i);
    }
    mp_async_result_destroy(r);
    double us = bench_now_us() - t0;
    bench_unwatch();
    free(in);
    return iters / us;
}

/* ---- imap from an iterator, and its memory ----------------------------------- */

/* The input of an imap: 0, 1, ... n-1, one at a time, never in an array. */
typedef struct counter {
    int64_t next, n, current;
} counter_t;

static int count_next(void *ctx, const void **data, size_t *len)
{
    counter_t *c = ctx;
    if (c->next >= c->n)
        return 0;
    c->current = c->next++;
    *data = &c->current;
    *len = sizeof c->current;
    return 1;
}

/* Reset the process's peak resident size to its current one (Linux >= 4.0:
 * "5" to clear_refs), so that the next ru_maxrss is a sample's own peak. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        bench_die_errno("/proc/self/clear_refs", errno);
    bool ok = fputs("5", f) >= 0;
    if (fclose(f) != 0 || !ok)
        bench_die_errno("writing 5 to /proc/self/clear_refs", errno);
}

/* getrusage's ru_maxrss: the peak resident size, KiB on Linux. */
static double peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        bench_die_errno("getrusage", errno);
    return (double)ru.ru_maxrss;
}

/* The resident size now, KiB (/proc/self/statm's second field, pages). */
static double rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size, resident;
    if (!f || fscanf(f, "%lu %lu", &size, &resident) != 2)
        bench_die("cannot read /proc/self/statm");
    fclose(f);
    return (double)resident * ((double)sysconf(_SC_PAGESIZE) / 1024.0);
}

/* The two metrics an imap's memory goes to (its `arg`). */
typedef struct rss_metrics {
    const char *peak;   /* MiB: the peak during the imap */
    const char *growth; /* MiB: that peak over the resident size at its start */
} rss_metrics_t;

static const rss_metrics_t rss_1m = {"mp_pool_imap_1M_peak_rss", "mp_pool_imap_1M_rss_growth"},
                           rss_10m = {"mp_pool_imap_10M_peak_rss", "mp_pool_imap_10M_rss_growth"};

/* An imap over `iters` counted arguments, every result taken in order and
 * checked; the sample's memory goes to the metrics of `m->arg`. */
static double measure_pool_imap(const bench_metric_t *m, int iters)
{
    mp_pool_t *p = the_pool();
    const rss_metrics_t *rss = m->arg;
    counter_t input = {.n = iters};
    reset_peak_rss();
    double start_kib = rss_kib();
    bench_watch(m);
    double t0 = bench_now_us();
    mp_imap_t *it;
    bench_check(mp_pool_imap(p, &it, "square", MP_INPUT_ITER(count_next, &input),
                             &(mp_pool_map_opts_t){.chunksize = IMAP_CHUNKSIZE,
                                                   .buffersize = IMAP_BUFFERSIZE}),
                "mp_pool_imap");
    mp_imap_item_t item;
    int64_t want = 0;
    int rc;
    while ((rc = mp_imap_next(it, MP_FOREVER, &item)) == 1) {
        int64_t y;
        if (item.len != sizeof y || (int64_t)item.index != want)
            bench_die("%s: item %lld is not the next one", m->name, (long long)want);
        memcpy(&y, item.data, sizeof y);
        if (y != want * want)
            bench_die("%s: result %lld is wrong", m->name, (long long)want);
        want++;
    }
    bench_check(rc, "mp_imap_next");
    mp_imap_destroy(it);
    double us = bench_now_us() - t0;
    bench_unwatch();
    if (want != iters)
        bench_die("%s: %lld results of %d", m->name, (long long)want, iters);
    double peak_kib = peak_rss_kib();
    bench_add_sample(rss->peak, peak_kib / 1024.0);
    bench_add_sample(rss->growth, (peak_kib - start_kib) / 1024.0);
    return iters / us;
}

/* The pool closed and joined, the executor shut down. */
static void finish(void)
{
    if (pool) {
        bench_check(mp_pool_close(pool), "mp_pool_close");
        bench_check(mp_pool_join(pool, MP_FOREVER), "mp_pool_join");
        mp_pool_destroy(pool);
    }
    mp_executor_destroy(executor);
}

/* ---- tables --------------------------------------------------------------- */

/* square: x*x, as the raw worker computes it (bench_common.h). */
static const mp_task_def_t tasks[] = {MP_TASK_NAMED("square", bench_task_square), MP_TASK_END};

/* clang-format off */
/* In the order each round measures them; the samples of the RSS metrics
 * come from the imaps, CPython's last. */
static bench_metric_t metrics[] = {
    {.name = "raw_task_rings_pipelined", .unit = "Mtasks/s", .measure = bench_raw_tasks,
     .arg = &bench_raw_pipelined_window, .size_class = RAW},
    {.name = "mp_pool_map_auto", .unit = "Mtasks/s", .measure = measure_pool_map_auto,
     .size_class = MAP},
    {.name = "mp_executor_map_auto", .unit = "Mtasks/s", .measure = measure_executor_map,
     .size_class = MAP},
    {.name = "mp_pool_map_chunk1", .unit = "Mtasks/s", .measure = measure_pool_map_chunk1,
     .size_class = CHUNK1},
    {.name = "mp_pool_imap_1M", .unit = "Mtasks/s", .measure = measure_pool_imap,
     .arg = &rss_1m, .size_class = IMAP_1M},
    {.name = "mp_pool_imap_10M", .unit = "Mtasks/s", .measure = measure_pool_imap,
     .arg = &rss_10m, .size_class = IMAP_10M},
    {.name = "mp_pool_imap_1M_peak_rss", .unit = "MiB"},
    {.name = "mp_pool_imap_10M_peak_rss", .unit = "MiB"},
    {.name = "mp_pool_imap_1M_rss_growth", .unit = "MiB"},
    {.name = "mp_pool_imap_10M_rss_growth", .unit = "MiB"},
    {.name = "cpython_pool_map_auto", .unit = "Mtasks/s"},
    {.name = "cpython_pool_map_chunk1", .unit = "Mtasks/s"},
    {.name = "cpython_pool_imap", .unit = "Mtasks/s"},
    {.name = "cpython_pool_imap_peak_rss", .unit = "MiB"},
};
/* clang-format on */

/* The numbers of shared/anchors/RESULTS.md: printed for reference, never
 * used in a ratio. */
static const bench_anchor_t anchors[] = {
    {"pool_map_small_fork (CPython, 200,000)", 6.09, "Mtasks/s", "cpython_pool_map_auto"},
    {"pool_map_chunk1_fork (CPython)", 0.04434, "Mtasks/s", "cpython_pool_map_chunk1"},
    {"pool_imap_chunk100_fork (CPython)", 2.06, "Mtasks/s", "cpython_pool_imap"},
    {"task_rings_pipelined", 42.0, "Mtasks/s", "raw_task_rings_pipelined"},
};

/* Goals of issue 12 (README.md); the rows without a goal inform. Against
 * CPython: multiproc's rate over CPython's ("CPython is that many times
 * slower"). Constant memory: the 10M imap's peak over the 1M one's. */
static const bench_ratio_t ratios[] = {
    {"mp_pool_map_auto", "cpython_pool_map_auto", 10, true},
    {"mp_pool_map_auto", "raw_task_rings_pipelined", 0, true},
    {"mp_pool_map_auto", "mp_executor_map_auto", 0, true},
    {"mp_pool_map_chunk1", "cpython_pool_map_chunk1", 20, true},
    {"mp_pool_map_chunk1", "raw_task_rings_pipelined", 0, true},
    {"mp_pool_imap_10M", "cpython_pool_imap", 0, true},
    {"mp_pool_imap_10M", "raw_task_rings_pipelined", 0, true},
    {"mp_pool_imap_10M_peak_rss", "mp_pool_imap_1M_peak_rss", 1.1, false},
};

/* clang-format off */
static const bench_report_t report = {
    .anchors = anchors, .nanchors = sizeof anchors / sizeof anchors[0],
    .ratios = ratios, .nratios = sizeof ratios / sizeof ratios[0],
};
/* clang-format on */

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    bench_init("bench_pool");
    /* First, so that spawn and forkserver children branch off here. */
    bench_check(mp_init(&argc, &argv, tasks), "mp_init");

    bench_options_t opts = {.python_script = MP_BENCH_PY_SCRIPT};
    bench_parse_options(argc, argv, &opts);
    bench_set_metrics(metrics, sizeof metrics / sizeof metrics[0]);

    /* The sizes: a map of 1,000,000, an imap of 10,000,000 (and of
     * 1,000,000 to show its memory does not grow); chunksize 1 costs a
     * message per task, so fewer. */
    const int iters[NCLASSES] = {
        [RAW] = opts.quick ? 2000 : 2000000,        [MAP] = opts.quick ? 2000 : 1000000,
        [CHUNK1] = opts.quick ? 500 : 200000,       [IMAP_1M] = opts.quick ? 2000 : 1000000,
        [IMAP_10M] = opts.quick ? 20000 : 10000000,
    };
    /* CPython: the same map; chunksize 1 as the anchors' 20,000 (some half
     * a second); imap over 1,000,000 (its rate, some half a second). */
    const int py_map = opts.quick ? 2000 : 1000000, py_chunk1 = opts.quick ? 200 : 20000,
              py_imap = opts.quick ? 2000 : 1000000;
    char py_args[160];
    snprintf(py_args, sizeof py_args, "--map %d --chunk1 %d --imap %d --imap-chunksize %d", py_map,
             py_chunk1, py_imap, IMAP_CHUNKSIZE);

    bench_python_t py;
    bench_python_setup(&py, &opts);
    const char *method;
    bench_check(mp_get_start_method(&method, false), "mp_get_start_method");

    bench_raw_start(NULL);

    printf("# bench_pool: process pools, multiproc %s, %d CPUs, workers by %s\n", mp_version(),
           mp_cpu_count(), method);
    printf("# %d rounds, each measures every metric once; %d workers; a sample is a map of %d "
           "(automatic chunksize), a map of %d with chunksize 1, imaps of %d and %d "
           "(chunksize %d, buffersize %d)%s\n",
           opts.rounds, WORKERS, iters[MAP], iters[CHUNK1], iters[IMAP_1M], iters[IMAP_10M],
           IMAP_CHUNKSIZE, IMAP_BUFFERSIZE, opts.quick ? " (--quick: not a measurement)" : "");
    bench_print_load("at start");

    bench_watchdog(SAMPLE_LIMIT);
    bench_run(&(bench_plan_t){
        .rounds = opts.rounds, .iters = iters, .warmup_iters = 10, .py = &py, .py_args = py_args});
    if (py.version[0])
        printf("# %s: Pool(%d) by fork; a sample is a map of %d (automatic chunksize), a map of "
               "%d with chunksize 1, an imap of %d (chunksize %d)\n",
               py.version, WORKERS, py_map, py_chunk1, py_imap, IMAP_CHUNKSIZE);
    bench_print_load("at end");
    finish();

    bench_print_report(&report, &py);
    if (opts.tsv) {
        bench_write_tsv(opts.tsv, &report);
        printf("# wrote %s\n", opts.tsv);
    }
    return 0;
}
