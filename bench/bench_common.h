/**
 * @file bench_common.h
 * @brief What the benchmarks share: options, interleaved rounds, medians,
 *        the CPython side, the report with its anchors and ratios, TSV.
 *
 * A program declares its metrics (each with a function that measures one
 * sample), its ratios and the anchor numbers of shared/anchors/RESULTS.md,
 * then calls bench_run() and bench_print_report(). Every round measures
 * every metric once, in the same order, and then runs the CPython script
 * once (`--rounds 1`), so that noise from the rest of the machine falls on
 * all of them alike; the report gives the median, min and max over the
 * rounds and divides medians measured in this run. Speed is reported, never
 * asserted: a failed measurement exits 1 saying "failed", a slow one does
 * not.
 *
 * Build with _POSIX_C_SOURCE >= 200809L (popen, clock_gettime).
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <multiproc/executor.h>
#include <multiproc/process.h>
#include <multiproc/task.h>

enum { BENCH_MAX_ROUNDS = 1000, BENCH_DEFAULT_ROUNDS = 7, BENCH_QUICK_ROUNDS = 3 };

#if defined(__GNUC__)
#define BENCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BENCH_PRINTF(f, a)
#endif

/* ---- failing loudly --------------------------------------------------- */

/** @brief Name the program in messages ("bench_sync: ..."); call it first. */
void bench_init(const char *program);

/** @brief Print "<program>: <message>" to stderr and exit(1). */
_Noreturn void bench_die(const char *fmt, ...) BENCH_PRINTF(1, 2);

/** @brief A system call failed with `err` (an errno value): say so, exit(1). */
_Noreturn void bench_die_errno(const char *what, int err);

/** @brief A multiproc call returned `rc`: exit(1) with its error if negative. */
void bench_check(int rc, const char *what);

/** @brief Wait for a fork()ed child; exit(1) unless it exited with 0. */
void bench_reap(pid_t pid);

/** @brief write() all `len` bytes (a raw metric's socket or pipe).
 *  @return false when the write failed. */
bool bench_write_full(int fd, const void *buf, size_t len);

/**
 * @brief read() exactly `len` bytes, as a stream socket delivers them in
 *        pieces.
 * @return 1 when they came; 0 at end-of-file before any; -1 on an error or
 *         end-of-file in the middle.
 */
int bench_read_full(int fd, void *buf, size_t len);

/**
 * @brief Join a multiproc child, check that it exited with 0, destroy it;
 *        exit(1) naming `what` otherwise.
 */
void bench_join(mp_process_t *p, const char *what);

/** @brief Microseconds on the monotonic clock. */
double bench_now_us(void);

/** @brief Keep the compiler from dropping writes to `p` it thinks unread. */
static inline void bench_clobber(void *p)
{
#if defined(__GNUC__)
    __asm__ volatile("" : : "r"(p) : "memory");
#else
    (void)p;
#endif
}

/* ---- the watchdog ------------------------------------------------------- */

struct bench_metric; /* below */

/**
 * @brief Arm the watchdog for the samples that call bench_watch(): one
 *        that takes longer than `seconds` ends the run with exit 1, saying
 *        "<program>: <metric> failed: a sample took longer than its time
 *        limit". So every wait inside a sample may be MP_FOREVER (a timed
 *        wait's clock reads would show in the rates), and a stall still
 *        ends the run instead of hanging it. Uses SIGALRM.
 */
void bench_watchdog(int seconds);

/** @brief Start timing metric `m`'s sample against the watchdog. */
void bench_watch(const struct bench_metric *m);

/** @brief The sample is over: disarm the watchdog until the next one. */
void bench_unwatch(void);

/* ---- metrics ----------------------------------------------------------- */

typedef struct bench_metric bench_metric_t;

/** Measure one sample of `iters` operations; return it in the metric's unit. */
typedef double (*bench_measure_fn)(const bench_metric_t *m, int iters);

struct bench_metric {
    const char *name;
    const char *unit;         /**< "us", "ns", "GB/s", "%"... */
    bench_measure_fn measure; /**< NULL: its samples come from elsewhere */
    const void *arg;          /**< the program's own parameter for `measure` */
    int size_class;           /**< which of bench_plan_t.iters a sample uses */
    double samples[BENCH_MAX_ROUNDS];
    int nsamples;
};

/** @brief The program's metrics, in the order each round measures them. */
void bench_set_metrics(bench_metric_t *metrics, size_t count);

/** @brief The metric of that name, or NULL. */
bench_metric_t *bench_find(const char *name);

/**
 * @brief Record a sample of a metric that a measurement produces on the side
 *        (a contended run's handoff share). Ignored during bench_run()'s
 *        warm-up, whose samples are not recorded.
 */
void bench_add_sample(const char *name, double value);

typedef struct bench_summary {
    double median, min, max; /**< NAN when there are no samples */
    int n;
} bench_summary_t;

/** @brief Median, min and max of a metric's samples. */
bench_summary_t bench_summarize(const bench_metric_t *m);

/* ---- tiny tasks ---------------------------------------------------------- */

/**
 * @brief The tiny task of the executor benchmarks (bench_executor,
 *        bench_pool, bench_mpi): x*x of its int64 argument, as
 *        bench_executor_map_rate() checks it. Listed in a task table as
 *        MP_TASK_NAMED("square", bench_task_square).
 */
int bench_task_square(mp_task_t *task);

/** @brief Room for `n` futures (malloc; exits on failure): a burst's. */
mp_future_t **bench_new_futures(int n);

/**
 * @brief One sample of an executor's map of tiny tasks: mp_executor_map()
 *        of `task` (which must return x*x of its int64) over 0 .. iters-1,
 *        chunksize automatic, then mp_map_get_i64() of each result,
 *        checked, and mp_map_destroy(); timed from the map to the destroy,
 *        under the watchdog. Shared by bench_executor and bench_pool (the
 *        core the pool runs on, in the pool's run).
 * @return the rate in million tasks per second.
 */
double bench_executor_map_rate(const bench_metric_t *m, mp_executor_t *ex, const char *task,
                               int iters);

/* ---- options ----------------------------------------------------------- */

typedef struct bench_options {
    int rounds;                /**< 0 until parsed: then the default */
    bool quick;                /**< a smoke test, not a measurement */
    bool use_python;           /**< false after --no-python */
    const char *python_exe;    /**< --python, or NULL */
    const char *python_script; /**< the CPython side's script */
    const char *tsv;           /**< --tsv, or NULL */
} bench_options_t;

/**
 * @brief Parse the options every benchmark takes (see usage); exits 0 after
 *        --help and 2 after a bad option.
 * @param opts holds the default script path on entry.
 */
void bench_parse_options(int argc, char **argv, bench_options_t *opts);

/* ---- CPython ------------------------------------------------------------ */

typedef struct bench_python {
    char exe[4096]; /**< "" when CPython is left out */
    char script[4096];
    char version[256]; /**< the script's "# CPython ..." line */
} bench_python_t;

/**
 * @brief Choose the CPython to measure: --python, else /usr/bin/python3
 *        (the distribution's build, which the anchors used), else python3
 *        on PATH; none after --no-python or when the script is missing.
 */
void bench_python_setup(bench_python_t *py, const bench_options_t *opts);

/* ---- running ------------------------------------------------------------ */

typedef struct bench_plan {
    int rounds;
    const int *iters;    /**< operations per sample, by bench_metric_t.size_class */
    int warmup_iters;    /**< one unrecorded sample of this size per metric first */
    bench_python_t *py;  /**< may be NULL */
    const char *py_args; /**< the script's arguments for one round */
} bench_plan_t;

/**
 * @brief Warm up, then run the rounds: every metric with a `measure`, then
 *        CPython. A CPython round that fails leaves CPython out altogether
 *        (py->exe becomes "") rather than quote medians over fewer rounds.
 */
void bench_run(const bench_plan_t *plan);

/* ---- the report ---------------------------------------------------------- */

/** A number of shared/anchors/RESULTS.md: printed for reference only. */
typedef struct bench_anchor {
    const char *name;
    double value;
    const char *unit;
    const char *compare_with; /**< the metric of this run it corresponds to */
} bench_anchor_t;

/** num / den of this run's medians, with a goal (0 for none). */
typedef struct bench_ratio {
    const char *num, *den;
    double goal;
    bool at_least; /**< the goal is met at or above it (a rate), else at or below (a time) */
} bench_ratio_t;

typedef struct bench_report {
    const bench_anchor_t *anchors;
    size_t nanchors;
    const bench_ratio_t *ratios;
    size_t nratios;
} bench_report_t;

/** @brief "# load average <when>: 1m 5m 15m", from /proc/loadavg. */
void bench_print_load(const char *when);

/** @brief The metrics' medians, the anchors, then the ratios and goals. */
void bench_print_report(const bench_report_t *report, const bench_python_t *py);

/** @brief Every sample, summary, anchor and ratio as TSV; exits on error. */
void bench_write_tsv(const char *path, const bench_report_t *report);

#endif /* BENCH_COMMON_H */
