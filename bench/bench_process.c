/*
 * bench_process: how long one process start+join takes under each of
 * multiproc's start methods, beside the raw OS primitives they are built on
 * and beside CPython's multiprocessing, all measured in one run.
 *
 *   bench_process [--rounds N] [--quick] [--no-python] [--python EXE]
 *                 [--python-script FILE] [--tsv FILE]
 *
 * Metrics (microseconds per start+join, the mean of K iterations):
 *   raw_fork_waitpid       fork(), the child _exit(0)s, waitpid()
 *   raw_posix_spawn_self   posix_spawn() of this very binary with "--exit",
 *                          which main() checks before anything else, waitpid()
 *   mp_fork, mp_spawn, mp_forkserver
 *                          mp_process_create + start + join + destroy of an
 *                          empty task, through mp_get_context(method)
 *   apr_proc_fork          APR: apr_proc_fork(), the child _exit(0)s,
 *                          apr_proc_wait()
 *   apr_proc_create_self   APR: apr_proc_create() of this binary with
 *                          "--exit" (APR_PROGRAM), apr_proc_wait()
 *   uv_spawn_self          libuv (when built with it): uv_spawn() of this
 *                          binary with "--exit" on a loop, uv_run() until
 *                          the exit callback has closed the handle
 *   mp_forkserver_first_start
 *                          the very first forkserver start, which also starts
 *                          the server (one sample; excluded from the above)
 *   cpython_fork, cpython_spawn, cpython_forkserver
 *                          Process(target=empty).start() + join(), measured
 *                          by python_process_start.py when a python3 is found
 *                          (/usr/bin/python3 first)
 *
 * Every round measures every metric once, in the same order (so noise from
 * the rest of the machine is spread over all of them); the printed figures
 * are the median, min and max over the rounds. The ratio table then divides
 * medians measured in this run, and says whether each goal is met. Speed is
 * reported, never asserted: the exit status is 0 whatever the numbers. The
 * rounds, statistics, CPython runs and report are bench_common.c's, shared
 * with bench_sync.
 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <multiproc.h>

#include "bench_common.h"
#include "bench_process_peers.h"

extern char **environ;

/* Set by bench/CMakeLists.txt to the script's place in the source tree. */
#ifndef MP_BENCH_PY_SCRIPT
#define MP_BENCH_PY_SCRIPT "python_process_start.py"
#endif

/* argv[1] that makes this binary exit at once: the target of every
 * spawn-like raw and peer metric. */
#define EXIT_AT_ONCE BENCH_EXIT_AT_ONCE

/* The size classes of the metrics: a spawn-like start execs a program and
 * costs several fork-like ones, so a sample has fewer of them. */
enum { FORK_LIKE, SPAWN_LIKE };

/* ---- the metrics ------------------------------------------------------ */

static const char *self_exe = "/proc/self/exe";

static double measure_raw_fork(const bench_metric_t *m, int iters)
{
    (void)m;
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        pid_t pid = fork();
        if (pid < 0)
            bench_die_errno("fork", errno);
        if (pid == 0)
            _exit(0);
        bench_reap(pid);
    }
    return (bench_now_us() - t0) / iters;
}

static double measure_raw_spawn(const bench_metric_t *m, int iters)
{
    (void)m;
    char *argv[] = {(char *)"bench_process", (char *)EXIT_AT_ONCE, NULL};
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        pid_t pid;
        int err = posix_spawn(&pid, self_exe, NULL, NULL, argv, environ);
        if (err)
            bench_die_errno("posix_spawn", err);
        bench_reap(pid);
    }
    return (bench_now_us() - t0) / iters;
}

/* The task every mp_* child runs: nothing, so only start and join count. */
static int empty(mp_task_t *task)
{
    (void)task;
    return 0;
}

static const mp_task_def_t tasks[] = {MP_TASK(empty), MP_TASK_END};

/* What a user does for one child: create, start, join, check, destroy. */
static void run_empty_process(mp_context_t *ctx)
{
    mp_process_t *p;
    bench_check(mp_process_create(&p, &(mp_process_opts_t){.task = "empty", .context = ctx}),
                "mp_process_create");
    bench_check(mp_process_start(p), "mp_process_start");
    bench_join(p, "mp_process");
}

/* m->arg is the start method's name. */
static double measure_mp(const bench_metric_t *m, int iters)
{
    mp_context_t *ctx;
    bench_check(mp_get_context(&ctx, m->arg), "mp_get_context");
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++)
        run_empty_process(ctx);
    return (bench_now_us() - t0) / iters;
}

/* In the order each round measures them; the CPython ones come last. */
/* clang-format off */
static bench_metric_t metrics[] = {
    {.name = "raw_fork_waitpid", .unit = "us", .measure = measure_raw_fork},
    {.name = "mp_fork", .unit = "us", .measure = measure_mp, .arg = "fork"},
    {.name = "mp_forkserver", .unit = "us", .measure = measure_mp, .arg = "forkserver"},
    {.name = "raw_posix_spawn_self", .unit = "us", .measure = measure_raw_spawn,
     .size_class = SPAWN_LIKE},
    {.name = "mp_spawn", .unit = "us", .measure = measure_mp, .arg = "spawn",
     .size_class = SPAWN_LIKE},
    {.name = "apr_proc_fork", .unit = "us", .measure = bench_apr_fork},
    {.name = "apr_proc_create_self", .unit = "us", .measure = bench_apr_spawn, .arg = &self_exe,
     .size_class = SPAWN_LIKE},
#ifdef MP_BENCH_HAVE_UV
    {.name = "uv_spawn_self", .unit = "us", .measure = bench_uv_spawn, .arg = &self_exe,
     .size_class = SPAWN_LIKE},
#endif
    {.name = "mp_forkserver_first_start", .unit = "us"},
    {.name = "cpython_fork", .unit = "us"},
    {.name = "cpython_spawn", .unit = "us"},
    {.name = "cpython_forkserver", .unit = "us"},
};
/* clang-format on */

/* The CPython and raw numbers of shared/anchors/RESULTS.md, measured on the
 * same kind of machine: printed for reference, never used in a ratio. */
static const bench_anchor_t anchors[] = {
    {"fork_wait", 126, "us", "raw_fork_waitpid"},
    {"posix_spawn_self_exit", 380, "us", "raw_posix_spawn_self"},
    {"process_start_join_fork", 1730, "us", "cpython_fork"},
    {"process_start_join_spawn", 34000, "us", "cpython_spawn"},
    {"process_start_join_forkserver", 11200, "us", "cpython_forkserver"},
};

/* Goals from bench/README.md; the CPython rows have none: they inform. */
static const bench_ratio_t ratios[] = {
    {"mp_fork", "raw_fork_waitpid", 1.3, false},
    {"mp_forkserver", "raw_fork_waitpid", 1.5, false},
    {"mp_spawn", "raw_posix_spawn_self", 1.1, false},
    /* The peers: multiproc should be ahead of each (issue 16). */
    {"mp_fork", "apr_proc_fork", 1.0, false},
    {"mp_spawn", "apr_proc_create_self", 1.0, false},
#ifdef MP_BENCH_HAVE_UV
    {"mp_spawn", "uv_spawn_self", 1.0, false},
#endif
    {"apr_proc_fork", "raw_fork_waitpid", 0, false},
    {"apr_proc_create_self", "raw_posix_spawn_self", 0, false},
#ifdef MP_BENCH_HAVE_UV
    {"uv_spawn_self", "raw_posix_spawn_self", 0, false},
#endif
    {"cpython_fork", "mp_fork", 0, false},
    {"cpython_fork", "raw_fork_waitpid", 0, false},
    {"cpython_forkserver", "mp_forkserver", 0, false},
    {"cpython_forkserver", "raw_fork_waitpid", 0, false},
    {"cpython_spawn", "mp_spawn", 0, false},
    {"cpython_spawn", "raw_posix_spawn_self", 0, false},
};

/* clang-format off */
static const bench_report_t report = {
    .anchors = anchors, .nanchors = sizeof anchors / sizeof anchors[0],
    .ratios = ratios, .nratios = sizeof ratios / sizeof ratios[0],
};
/* clang-format on */

/* ---- main -------------------------------------------------------------- */

int main(int argc, char **argv)
{
    /* raw_posix_spawn_self's child: exit before any library code runs, so
     * that it costs what starting this binary costs and no more. */
    if (argc > 1 && strcmp(argv[1], EXIT_AT_ONCE) == 0)
        return 0;
    bench_init("bench_process");
    /* Next, so that spawn and forkserver children branch off here. */
    bench_check(mp_init(&argc, &argv, tasks), "mp_init");

    bench_options_t opts = {.python_script = MP_BENCH_PY_SCRIPT};
    bench_parse_options(argc, argv, &opts);
    bench_set_metrics(metrics, sizeof metrics / sizeof metrics[0]);

    /* A spawn-like operation costs a few times a fork-like one; CPython's
     * spawn tens of milliseconds. A full run takes about half a minute. */
    const int iters[] = {[FORK_LIKE] = opts.quick ? 10 : 200, [SPAWN_LIKE] = opts.quick ? 3 : 50};
    const int py_fork = opts.quick ? 5 : 100, py_spawn = opts.quick ? 2 : 20,
              py_forkserver = opts.quick ? 3 : 50;
    char py_args[128];
    snprintf(py_args, sizeof py_args, "--iters-fork %d --iters-spawn %d --iters-forkserver %d",
             py_fork, py_spawn, py_forkserver);
    if (access(self_exe, X_OK) != 0)
        self_exe = argv[0]; /* no /proc: the path we were started by */

    bench_python_t py;
    bench_python_setup(&py, &opts);

    printf("# bench_process: process start+join latency, multiproc %s, %d CPUs\n", mp_version(),
           mp_cpu_count());
    printf("# %d rounds, each measures every metric once; a sample is the mean of %d "
           "(fork-like) or %d (spawn-like) start+joins%s\n",
           opts.rounds, iters[FORK_LIKE], iters[SPAWN_LIKE],
           opts.quick ? " (--quick: not a measurement)" : "");
    bench_print_load("at start");

    /* The fork server's first start also starts the server: timed on its
     * own, and out of the way of the mp_forkserver samples. */
    mp_context_t *fs;
    bench_check(mp_get_context(&fs, "forkserver"), "mp_get_context");
    double t0 = bench_now_us();
    run_empty_process(fs);
    bench_add_sample("mp_forkserver_first_start", bench_now_us() - t0);

    bench_run(&(bench_plan_t){
        .rounds = opts.rounds, .iters = iters, .warmup_iters = 3, .py = &py, .py_args = py_args});
    if (py.version[0])
        printf("# %s: a sample is the mean of %d (fork), %d (spawn), %d (forkserver) start+joins\n",
               py.version, py_fork, py_spawn, py_forkserver);
    bench_print_load("at end");

    bench_print_report(&report, &py);
    if (opts.tsv) {
        bench_write_tsv(opts.tsv, &report);
        printf("# wrote %s\n", opts.tsv);
    }
    return 0;
}
