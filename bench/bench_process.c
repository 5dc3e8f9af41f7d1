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
 *   mp_forkserver_first_start
 *                          the very first forkserver start, which also starts
 *                          the server (one sample; excluded from the above)
 *   cpython_fork, cpython_spawn, cpython_forkserver
 *                          Process(target=empty).start() + join(), measured
 *                          by python_process_start.py when python3 is found
 *
 * Every round measures every metric once, in the same order (so noise from
 * the rest of the machine is spread over all of them); the printed figures
 * are the median, min and max over the rounds. The ratio table then divides
 * medians measured in this run, and says whether each goal is met. Speed is
 * reported, never asserted: the exit status is 0 whatever the numbers.
 */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <multiproc.h>

extern char **environ;

/* Set by bench/CMakeLists.txt to the script's place in the source tree. */
#ifndef MP_BENCH_PY_SCRIPT
#define MP_BENCH_PY_SCRIPT "python_process_start.py"
#endif

/* argv[1] that makes this binary exit at once: the raw_posix_spawn_self target. */
#define EXIT_AT_ONCE "--exit"

enum { MAX_ROUNDS = 1000, DEFAULT_ROUNDS = 7, QUICK_ROUNDS = 3 };

/* ---- failing loudly -------------------------------------------------- */

static void die(const char *fmt, const char *what)
{
    fprintf(stderr, "bench_process: ");
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    exit(1);
}

/* A multiproc call failed: no number measured after that would mean much. */
static void check(int rc, const char *what)
{
    if (rc >= 0)
        return;
    fprintf(stderr, "bench_process: %s failed: %s (%s): %s\n", what, mp_strerror(rc),
            mp_err_name(rc), mp_errdetail());
    exit(1);
}

static void die_errno(const char *what, int err)
{
    fprintf(stderr, "bench_process: %s failed: %s\n", what, strerror(err));
    exit(1);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* ---- the metrics ------------------------------------------------------ */

typedef struct metric metric_t;

/* Time `iters` operations; return the mean in microseconds. */
typedef double (*measure_fn)(const metric_t *m, int iters);

struct metric {
    const char *name;
    measure_fn measure; /* NULL: filled from elsewhere (CPython, the first start) */
    const char *method; /* the start method of an mp_* metric */
    bool spawn_like;    /* each operation execs a program: fewer iterations */
    double samples[MAX_ROUNDS];
    int nsamples;
};

/* Iterations per sample. */
typedef struct iterations {
    int fork_like, spawn_like;            /* C metrics */
    int py_fork, py_spawn, py_forkserver; /* CPython metrics */
} iterations_t;

static const char *self_exe = "/proc/self/exe";

static void reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die_errno("waitpid", errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("%s: a child did not exit with 0", "raw benchmark");
}

static double measure_raw_fork(const metric_t *m, int iters)
{
    (void)m;
    double t0 = now_us();
    for (int i = 0; i < iters; i++) {
        pid_t pid = fork();
        if (pid < 0)
            die_errno("fork", errno);
        if (pid == 0)
            _exit(0);
        reap(pid);
    }
    return (now_us() - t0) / iters;
}

static double measure_raw_spawn(const metric_t *m, int iters)
{
    (void)m;
    char *argv[] = {(char *)"bench_process", (char *)EXIT_AT_ONCE, NULL};
    double t0 = now_us();
    for (int i = 0; i < iters; i++) {
        pid_t pid;
        int err = posix_spawn(&pid, self_exe, NULL, NULL, argv, environ);
        if (err)
            die_errno("posix_spawn", err);
        reap(pid);
    }
    return (now_us() - t0) / iters;
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
    check(mp_process_create(&p, &(mp_process_opts_t){.task = "empty", .context = ctx}),
          "mp_process_create");
    check(mp_process_start(p), "mp_process_start");
    check(mp_process_join(p, MP_FOREVER), "mp_process_join");
    int code;
    check(mp_process_exitcode(p, &code), "mp_process_exitcode");
    if (code != 0)
        die("%s: a child did not exit with 0", mp_process_start_method(p));
    mp_process_destroy(p);
}

static double measure_mp(const metric_t *m, int iters)
{
    mp_context_t *ctx;
    check(mp_get_context(m->method, &ctx), "mp_get_context");
    double t0 = now_us();
    for (int i = 0; i < iters; i++)
        run_empty_process(ctx);
    return (now_us() - t0) / iters;
}

/* In the order each round measures them; the CPython ones come last. */
static metric_t metrics[] = {
    {.name = "raw_fork_waitpid", .measure = measure_raw_fork},
    {.name = "mp_fork", .measure = measure_mp, .method = "fork"},
    {.name = "mp_forkserver", .measure = measure_mp, .method = "forkserver"},
    {.name = "raw_posix_spawn_self", .measure = measure_raw_spawn, .spawn_like = true},
    {.name = "mp_spawn", .measure = measure_mp, .method = "spawn", .spawn_like = true},
    {.name = "mp_forkserver_first_start"},
    {.name = "cpython_fork"},
    {.name = "cpython_spawn"},
    {.name = "cpython_forkserver"},
};
enum { NMETRICS = sizeof metrics / sizeof metrics[0] };

static metric_t *find_metric(const char *name)
{
    for (size_t i = 0; i < NMETRICS; i++)
        if (strcmp(metrics[i].name, name) == 0)
            return &metrics[i];
    return NULL;
}

static void add_sample(metric_t *m, double value)
{
    if (m->nsamples < MAX_ROUNDS)
        m->samples[m->nsamples++] = value;
}

/* ---- CPython ---------------------------------------------------------- */

typedef struct python {
    char exe[4096]; /* "" when there is none */
    char script[4096];
    char version[256]; /* the script's "# ..." line */
} python_t;

/* `name` in a directory of $PATH, as a shell would find it. */
static bool find_on_path(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        int n = snprintf(out, size, "%.*s/%s", (int)len, path, name);
        if (n > 0 && (size_t)n < size && len > 0 && access(out, X_OK) == 0)
            return true;
        path += len + (path[len] == ':');
    }
    return false;
}

/* The command is run by /bin/sh: single quotes keep paths whole, and a
 * path with a single quote in it is refused rather than mis-quoted. */
static bool shell_safe(const char *s)
{
    return strchr(s, '\'') == NULL;
}

/* One CPython round: run the script for one round and take its samples.
 * @return false when it could not run (it is then left out, not fatal:
 *         CPython is a reference, not what is measured). */
static bool python_round(python_t *py, const iterations_t *it)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd,
             "'%s' '%s' --rounds 1 --iters-fork %d --iters-spawn %d --iters-forkserver %d", py->exe,
             py->script, it->py_fork, it->py_spawn, it->py_forkserver);
    fflush(stdout); /* the shell's children must not inherit our buffer */
    FILE *f = popen(cmd, "r");
    if (!f) {
        fprintf(stderr, "bench_process: cannot run %s: %s\n", py->exe, strerror(errno));
        return false;
    }
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64];
        double median;
        metric_t *m;
        if (line[0] == '#') {
            snprintf(py->version, sizeof py->version, "%s", line + 1 + (line[1] == ' '));
            py->version[strcspn(py->version, "\n")] = '\0';
        } else if (sscanf(line, "%63s %lf", name, &median) == 2 && (m = find_metric(name)) &&
                   strncmp(name, "cpython_", 8) == 0) {
            add_sample(m, median);
            got++;
        }
    }
    int status = pclose(f);
    if (status != 0 || got == 0) {
        fprintf(stderr, "bench_process: %s %s failed (status %d); CPython left out\n", py->exe,
                py->script, status);
        return false;
    }
    return true;
}

/* After a failed CPython round: leave CPython out altogether rather than
 * quote medians over fewer rounds than the rest. */
static void forget_python(python_t *py)
{
    py->exe[0] = '\0';
    py->version[0] = '\0';
    for (size_t i = 0; i < NMETRICS; i++)
        if (strncmp(metrics[i].name, "cpython_", 8) == 0)
            metrics[i].nsamples = 0;
}

/* ---- statistics and output ------------------------------------------- */

typedef struct summary {
    double median, min, max;
    int n;
} summary_t;

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static summary_t summarize(const metric_t *m)
{
    summary_t s = {.median = NAN, .min = NAN, .max = NAN, .n = m->nsamples};
    if (m->nsamples == 0)
        return s;
    double sorted[MAX_ROUNDS];
    memcpy(sorted, m->samples, (size_t)m->nsamples * sizeof sorted[0]);
    qsort(sorted, (size_t)m->nsamples, sizeof sorted[0], compare_doubles);
    int n = m->nsamples;
    s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    s.min = sorted[0];
    s.max = sorted[n - 1];
    return s;
}

/* The CPython and raw numbers of shared/anchors/RESULTS.md, measured on the
 * same kind of machine: printed for reference, never used in a ratio. */
static const struct anchor {
    const char *name;
    double us;
    const char *compare_with;
} anchors[] = {
    {"fork_wait", 126, "raw_fork_waitpid"},
    {"posix_spawn_self_exit", 380, "raw_posix_spawn_self"},
    {"process_start_join_fork", 1730, "cpython_fork"},
    {"process_start_join_spawn", 34000, "cpython_spawn"},
    {"process_start_join_forkserver", 11200, "cpython_forkserver"},
};

/* numerator / denominator of medians; goal 0 for none. */
static const struct ratio {
    const char *num, *den;
    double goal;
} ratios[] = {
    /* Goals from bench/README.md; the CPython rows have none: they inform. */
    /* clang-format off */
    {"mp_fork", "raw_fork_waitpid", 1.3},
    {"mp_forkserver", "raw_fork_waitpid", 2.0},
    {"mp_spawn", "raw_posix_spawn_self", 1.5},
    {"cpython_fork", "mp_fork", 0},
    {"cpython_fork", "raw_fork_waitpid", 0},
    {"cpython_forkserver", "mp_forkserver", 0},
    {"cpython_forkserver", "raw_fork_waitpid", 0},
    {"cpython_spawn", "mp_spawn", 0},
    {"cpython_spawn", "raw_posix_spawn_self", 0},
    /* clang-format on */
};

static double ratio_value(const struct ratio *r)
{
    return summarize(find_metric(r->num)).median / summarize(find_metric(r->den)).median;
}

static void print_load(const char *when)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l1, l5, l15;
    if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
        printf("# load average %s: %.2f %.2f %.2f\n", when, l1, l5, l15);
    if (f)
        fclose(f);
}

static void print_report(const python_t *py)
{
    printf("\n%-28s %10s %10s %10s  %s\n", "# metric", "median", "min", "max", "unit");
    for (size_t i = 0; i < NMETRICS; i++) {
        summary_t s = summarize(&metrics[i]);
        if (s.n > 0)
            printf("%-28s %10.1f %10.1f %10.1f  us\n", metrics[i].name, s.median, s.min, s.max);
    }
    printf("\n");
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++)
        printf("anchor (RESULTS.md) %-30s %8.0f us  (compare %s)\n", anchors[i].name, anchors[i].us,
               anchors[i].compare_with);

    printf("\n%-44s %8s  %-8s %s\n", "# ratio of medians of this run", "value", "goal", "met");
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
        double v = ratio_value(&ratios[i]);
        if (isnan(v))
            continue; /* a metric this run did not measure (no CPython) */
        char label[64], goal[16];
        snprintf(label, sizeof label, "%s / %s", ratios[i].num, ratios[i].den);
        snprintf(goal, sizeof goal, ratios[i].goal > 0 ? "<= %.1fx" : "-", ratios[i].goal);
        const char *met = ratios[i].goal > 0 ? (v <= ratios[i].goal ? "yes" : "no") : "-";
        printf("%-44s %7.2fx  %-8s %s\n", label, v, goal, met);
    }
    if (!py->exe[0])
        printf("# CPython not measured (no python3, or --no-python)\n");
}

/* Machine-readable: one row per sample, per metric summary, anchor, ratio. */
static void write_tsv(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die_errno(path, errno);
    fprintf(f, "kind\tname\tround\tvalue\tmin\tmax\tunit\tgoal\tmet\n");
    for (size_t i = 0; i < NMETRICS; i++) {
        const metric_t *m = &metrics[i];
        for (int r = 0; r < m->nsamples; r++)
            fprintf(f, "sample\t%s\t%d\t%.3f\t-\t-\tus\t-\t-\n", m->name, r + 1, m->samples[r]);
        summary_t s = summarize(m);
        if (s.n > 0)
            fprintf(f, "metric\t%s\t-\t%.3f\t%.3f\t%.3f\tus\t-\t-\n", m->name, s.median, s.min,
                    s.max);
    }
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++)
        fprintf(f, "anchor\t%s\t-\t%.3f\t-\t-\tus\t-\t-\n", anchors[i].name, anchors[i].us);
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
        double v = ratio_value(&ratios[i]);
        if (isnan(v))
            continue;
        const struct ratio *r = &ratios[i];
        if (r->goal > 0)
            fprintf(f, "ratio\t%s/%s\t-\t%.4f\t-\t-\tx\t%.2f\t%s\n", r->num, r->den, v, r->goal,
                    v <= r->goal ? "yes" : "no");
        else
            fprintf(f, "ratio\t%s/%s\t-\t%.4f\t-\t-\tx\t-\t-\n", r->num, r->den, v);
    }
    if (fclose(f) != 0)
        die_errno(path, errno);
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *to)
{
    fprintf(to,
            "usage: bench_process [--rounds N] [--quick] [--no-python] [--python EXE]\n"
            "                     [--python-script FILE] [--tsv FILE]\n"
            "  --rounds N     rounds (default %d; %d with --quick), medians over them\n"
            "  --quick        few iterations: a smoke test, not a measurement\n"
            "  --no-python    do not measure CPython even if python3 is on PATH\n"
            "  --python EXE   the CPython to measure (default: python3 on PATH)\n"
            "  --python-script FILE  python_process_start.py, if not at its build-time place\n"
            "  --tsv FILE     also write every sample, summary and ratio as TSV\n",
            DEFAULT_ROUNDS, QUICK_ROUNDS);
}

/* The value of option argv[*i], which must follow it. */
static const char *option_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "bench_process: %s needs a value\n", argv[*i]);
        usage(stderr);
        exit(2);
    }
    return argv[++*i];
}

int main(int argc, char **argv)
{
    /* raw_posix_spawn_self's child: exit before any library code runs, so
     * that it costs what starting this binary costs and no more. */
    if (argc > 1 && strcmp(argv[1], EXIT_AT_ONCE) == 0)
        return 0;
    /* Next, so that spawn and forkserver children branch off here. */
    check(mp_init(&argc, &argv, tasks), "mp_init");

    int rounds = 0;
    bool quick = false, use_python = true;
    const char *tsv = NULL, *python_exe = NULL, *script = MP_BENCH_PY_SCRIPT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0) {
            rounds = atoi(option_value(argc, argv, &i));
            if (rounds < 1 || rounds > MAX_ROUNDS)
                die("--rounds must be between 1 and 1000, not %s", argv[i]);
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--no-python") == 0) {
            use_python = false;
        } else if (strcmp(argv[i], "--python") == 0) {
            python_exe = option_value(argc, argv, &i);
        } else if (strcmp(argv[i], "--python-script") == 0) {
            script = option_value(argc, argv, &i);
        } else if (strcmp(argv[i], "--tsv") == 0) {
            tsv = option_value(argc, argv, &i);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_process: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (rounds == 0)
        rounds = quick ? QUICK_ROUNDS : DEFAULT_ROUNDS;
    /* A spawn-like operation costs a few times a fork-like one; CPython's
     * spawn tens of milliseconds. A full run takes about half a minute. */
    iterations_t it = quick ? (iterations_t){10, 3, 5, 2, 3} : (iterations_t){200, 50, 100, 20, 50};
    if (access(self_exe, X_OK) != 0)
        self_exe = argv[0]; /* no /proc: the path we were started by */

    python_t py = {.exe = ""};
    if (use_python) {
        bool found = python_exe ? snprintf(py.exe, sizeof py.exe, "%s", python_exe) > 0
                                : find_on_path("python3", py.exe, sizeof py.exe);
        snprintf(py.script, sizeof py.script, "%s", script);
        if (!found || access(py.script, R_OK) != 0 || !shell_safe(py.exe) ||
            !shell_safe(py.script)) {
            fprintf(stderr, "bench_process: no usable python3 or %s; CPython left out\n",
                    py.script);
            py.exe[0] = '\0';
        }
    }

    printf("# bench_process: process start+join latency, multiproc %s, %d CPUs\n", mp_version(),
           mp_cpu_count());
    printf("# %d rounds, each measures every metric once; a sample is the mean of %d "
           "(fork-like) or %d (spawn-like) start+joins%s\n",
           rounds, it.fork_like, it.spawn_like, quick ? " (--quick: not a measurement)" : "");
    print_load("at start");

    /* The fork server's first start also starts the server: timed on its
     * own, and out of the way of the mp_forkserver samples. */
    mp_context_t *fs;
    check(mp_get_context("forkserver", &fs), "mp_get_context");
    double t0 = now_us();
    run_empty_process(fs);
    add_sample(find_metric("mp_forkserver_first_start"), now_us() - t0);

    /* Warm-up, not recorded: page cache, dynamic loader, first faults. */
    for (size_t i = 0; i < NMETRICS; i++)
        if (metrics[i].measure)
            metrics[i].measure(&metrics[i], 3);

    /* Progress only for a person watching; a log would get a line of \r. */
    bool progress = isatty(STDERR_FILENO);
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < NMETRICS; i++) {
            metric_t *m = &metrics[i];
            if (m->measure)
                add_sample(m, m->measure(m, m->spawn_like ? it.spawn_like : it.fork_like));
        }
        if (py.exe[0] && !python_round(&py, &it))
            forget_python(&py);
        if (progress)
            fprintf(stderr, "\rbench_process: round %d/%d done", r + 1, rounds);
    }
    if (progress)
        fprintf(stderr, "\n");
    if (py.version[0])
        printf("# %s: a sample is the mean of %d (fork), %d (spawn), %d (forkserver) start+joins\n",
               py.version, it.py_fork, it.py_spawn, it.py_forkserver);
    print_load("at end");

    print_report(&py);
    if (tsv) {
        write_tsv(tsv);
        printf("# wrote %s\n", tsv);
    }
    return 0;
}
