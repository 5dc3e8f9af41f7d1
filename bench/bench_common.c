/* The code the benchmarks share; see bench_common.h. */
#include "bench_common.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <multiproc.h>

static const char *program = "bench";

/* ---- failing loudly ------------------------------------------------------ */

void bench_init(const char *name)
{
    program = name;
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void bench_die_errno(const char *what, int err)
{
    bench_die("%s failed: %s", what, strerror(err));
}

/* A multiproc call failed: no number measured after that would mean much. */
void bench_check(int rc, const char *what)
{
    if (rc < 0)
        bench_die("%s failed: %s (%s): %s", what, mp_strerror(rc), mp_err_name(rc), mp_errdetail());
}

void bench_reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            bench_die_errno("waitpid", errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("raw benchmark: a child did not exit with 0");
}

bool bench_write_full(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

int bench_read_full(int fd, void *buf, size_t len)
{
    unsigned char *p = buf;
    size_t have = 0;
    while (have < len) {
        ssize_t r = read(fd, p + have, len - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 && have == 0 ? 0 : -1;
        have += (size_t)r;
    }
    return 1;
}

void bench_join(mp_process_t *p, const char *what)
{
    bench_check(mp_process_join(p, MP_FOREVER), "mp_process_join");
    int code;
    bench_check(mp_process_exitcode(p, &code), "mp_process_exitcode");
    if (code != 0)
        bench_die("%s: a child (%s) ended with exit code %d", what, mp_process_start_method(p),
                  code);
    mp_process_destroy(p);
}

double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* ---- the watchdog ------------------------------------------------------- */

/* The time limit of a watched sample, and the metric being timed, for the
 * watchdog's message. */
static int watch_seconds;
static const char *volatile watched = "";

/* SIGALRM: a sample took watch_seconds. Async-signal-safe calls only; the
 * library's workers die with this process, raw children see it gone. */
static void on_alarm(int sig)
{
    (void)sig;
    static const char tail[] = " failed: a sample took longer than its time limit\n";
    const char *name = watched;
    ssize_t ignored = write(STDERR_FILENO, program, strlen(program));
    ignored = write(STDERR_FILENO, ": ", 2);
    ignored = write(STDERR_FILENO, name, strlen(name));
    ignored = write(STDERR_FILENO, tail, sizeof tail - 1);
    (void)ignored;
    _exit(1);
}

void bench_watchdog(int seconds)
{
    struct sigaction sa = {.sa_handler = on_alarm};
    if (sigaction(SIGALRM, &sa, NULL) != 0)
        bench_die_errno("sigaction", errno);
    watch_seconds = seconds;
}

void bench_watch(const bench_metric_t *m)
{
    watched = m->name;
    if (watch_seconds > 0)
        alarm((unsigned)watch_seconds);
}

void bench_unwatch(void)
{
    alarm(0);
}

/* ---- metrics ------------------------------------------------------------- */

static bench_metric_t *metrics;
static size_t nmetrics;
static bool warming_up; /* bench_run()'s warm-up: record nothing */

void bench_set_metrics(bench_metric_t *list, size_t count)
{
    metrics = list;
    nmetrics = count;
}

bench_metric_t *bench_find(const char *name)
{
    for (size_t i = 0; i < nmetrics; i++)
        if (strcmp(metrics[i].name, name) == 0)
            return &metrics[i];
    return NULL;
}

static void add_sample(bench_metric_t *m, double value)
{
    if (m->nsamples < BENCH_MAX_ROUNDS)
        m->samples[m->nsamples++] = value;
}

void bench_add_sample(const char *name, double value)
{
    bench_metric_t *m = bench_find(name);
    if (!m)
        bench_die("no metric named %s", name); /* a typo in the program itself */
    if (!warming_up)
        add_sample(m, value);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bench_summary_t bench_summarize(const bench_metric_t *m)
{
    bench_summary_t s = {.median = NAN, .min = NAN, .max = NAN, .n = m ? m->nsamples : 0};
    if (s.n == 0)
        return s;
    double sorted[BENCH_MAX_ROUNDS];
    memcpy(sorted, m->samples, (size_t)s.n * sizeof sorted[0]);
    qsort(sorted, (size_t)s.n, sizeof sorted[0], compare_doubles);
    s.median = s.n % 2 ? sorted[s.n / 2] : (sorted[s.n / 2 - 1] + sorted[s.n / 2]) / 2;
    s.min = sorted[0];
    s.max = sorted[s.n - 1];
    return s;
}

/* ---- tiny tasks ---------------------------------------------------------- */

int bench_task_square(mp_task_t *task)
{
    int64_t x;
    int rc = mp_task_arg_i64(task, &x);
    return rc < 0 ? rc : mp_task_return_i64(task, x * x);
}

mp_future_t **bench_new_futures(int n)
{
    mp_future_t **fs = malloc((size_t)n * sizeof *fs);
    if (!fs)
        bench_die("out of memory for %d futures", n);
    return fs;
}

double bench_executor_map_rate(const bench_metric_t *m, mp_executor_t *ex, const char *task,
                               int iters)
{
    int64_t *args = malloc((size_t)iters * sizeof *args);
    if (!args)
        bench_die("out of memory for %d arguments", iters);
    for (int i = 0; i < iters; i++)
        args[i] = i;
    bench_watch(m);
    double t0 = bench_now_us();
    mp_map_t *map;
    bench_check(mp_executor_map(ex, &map, task, args, sizeof *args, (size_t)iters, NULL),
                "mp_executor_map");
    for (int i = 0; i < iters; i++) {
        int64_t y;
        bench_check(mp_map_get_i64(map, (size_t)i, &y), "mp_map_get_i64");
        if (y != (int64_t)i * i)
            bench_die("%s: result %d is wrong", m->name, i);
    }
    mp_map_destroy(map);
    double us = bench_now_us() - t0;
    bench_unwatch();
    free(args);
    return iters / us;
}

/* ---- options ----------------------------------------------------------- */

static void usage(FILE *to, const char *script)
{
    const char *base = strrchr(script, '/');
    fprintf(to,
            "usage: %s [--rounds N] [--quick] [--no-python] [--python EXE]\n"
            "       %*s [--python-script FILE] [--tsv FILE]\n"
            "  --rounds N     rounds (default %d; %d with --quick), medians over them\n"
            "  --quick        few iterations: a smoke test, not a measurement\n"
            "  --no-python    do not measure CPython\n"
            "  --python EXE   the CPython to measure (default: /usr/bin/python3 if present,\n"
            "                 else python3 on PATH)\n"
            "  --python-script FILE  %s, if not at its build-time place\n"
            "  --tsv FILE     also write every sample, summary and ratio as TSV\n",
            program, (int)strlen(program), "", BENCH_DEFAULT_ROUNDS, BENCH_QUICK_ROUNDS,
            base ? base + 1 : script);
}

/* The value of option argv[*i], which must follow it. */
static const char *option_value(int argc, char **argv, int *i, const char *script)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", program, argv[*i]);
        usage(stderr, script);
        exit(2);
    }
    return argv[++*i];
}

void bench_parse_options(int argc, char **argv, bench_options_t *o)
{
    o->use_python = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0) {
            const char *v = option_value(argc, argv, &i, o->python_script);
            o->rounds = atoi(v);
            if (o->rounds < 1 || o->rounds > BENCH_MAX_ROUNDS)
                bench_die("--rounds must be between 1 and %d, not %s", BENCH_MAX_ROUNDS, v);
        } else if (strcmp(argv[i], "--quick") == 0) {
            o->quick = true;
        } else if (strcmp(argv[i], "--no-python") == 0) {
            o->use_python = false;
        } else if (strcmp(argv[i], "--python") == 0) {
            o->python_exe = option_value(argc, argv, &i, o->python_script);
        } else if (strcmp(argv[i], "--python-script") == 0) {
            o->python_script = option_value(argc, argv, &i, o->python_script);
        } else if (strcmp(argv[i], "--tsv") == 0) {
            o->tsv = option_value(argc, argv, &i, o->python_script);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, o->python_script);
            exit(0);
        } else {
            fprintf(stderr, "%s: unknown option %s\n", program, argv[i]);
            usage(stderr, o->python_script);
            exit(2);
        }
    }
    if (o->rounds == 0)
        o->rounds = o->quick ? BENCH_QUICK_ROUNDS : BENCH_DEFAULT_ROUNDS;
}

/* ---- CPython --------------------------------------------------------------- */

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

void bench_python_setup(bench_python_t *py, const bench_options_t *o)
{
    *py = (bench_python_t){.exe = ""};
    if (!o->use_python)
        return;
    /* The distribution's interpreter first: a pyenv or venv python3 on PATH
     * can be a different build, whose numbers do not compare with the
     * anchors' (see shared/anchors/README.md). */
    static const char system_python[] = "/usr/bin/python3";
    bool found = o->python_exe ? snprintf(py->exe, sizeof py->exe, "%s", o->python_exe) > 0
                 : access(system_python, X_OK) == 0
                     ? snprintf(py->exe, sizeof py->exe, "%s", system_python) > 0
                     : find_on_path("python3", py->exe, sizeof py->exe);
    snprintf(py->script, sizeof py->script, "%s", o->python_script);
    if (!found || access(py->script, R_OK) != 0 || !shell_safe(py->exe) ||
        !shell_safe(py->script)) {
        fprintf(stderr, "%s: no usable python3 or %s; CPython left out\n", program, py->script);
        py->exe[0] = '\0';
    }
}

/* One CPython round: run the script for one round and take its samples,
 * lines `cpython_<metric> median min max unit` (median = the round's value).
 * @return false when it could not run (it is then left out, not fatal:
 *         CPython is a reference, not what is measured). */
static bool python_round(bench_python_t *py, const char *args)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "'%s' '%s' --rounds 1 %s", py->exe, py->script, args);
    fflush(stdout); /* the shell's children must not inherit our buffer */
    FILE *f = popen(cmd, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot run %s: %s\n", program, py->exe, strerror(errno));
        return false;
    }
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64];
        double median;
        bench_metric_t *m;
        if (line[0] == '#') {
            snprintf(py->version, sizeof py->version, "%s", line + 1 + (line[1] == ' '));
            py->version[strcspn(py->version, "\n")] = '\0';
        } else if (sscanf(line, "%63s %lf", name, &median) == 2 && (m = bench_find(name)) &&
                   strncmp(name, "cpython_", 8) == 0) {
            add_sample(m, median);
            got++;
        }
    }
    int status = pclose(f);
    if (status != 0 || got == 0) {
        fprintf(stderr, "%s: %s %s failed (status %d); CPython left out\n", program, py->exe,
                py->script, status);
        return false;
    }
    return true;
}

/* After a failed CPython round: leave CPython out altogether rather than
 * quote medians over fewer rounds than the rest. */
static void forget_python(bench_python_t *py)
{
    py->exe[0] = '\0';
    py->version[0] = '\0';
    for (size_t i = 0; i < nmetrics; i++)
        if (strncmp(metrics[i].name, "cpython_", 8) == 0)
            metrics[i].nsamples = 0;
}

/* ---- running ---------------------------------------------------------------- */

void bench_run(const bench_plan_t *plan)
{
    /* Warm-up, not recorded: page cache, dynamic loader, first faults. */
    warming_up = true;
    for (size_t i = 0; i < nmetrics; i++)
        if (metrics[i].measure && plan->warmup_iters > 0)
            metrics[i].measure(&metrics[i], plan->warmup_iters);
    warming_up = false;

    /* Progress only for a person watching; a log would get a line of \r. */
    bool progress = isatty(STDERR_FILENO);
    bool python = plan->py && plan->py->exe[0];
    for (int r = 0; r < plan->rounds; r++) {
        for (size_t i = 0; i < nmetrics; i++) {
            bench_metric_t *m = &metrics[i];
            if (m->measure)
                add_sample(m, m->measure(m, plan->iters[m->size_class]));
        }
        if (python && !python_round(plan->py, plan->py_args)) {
            forget_python(plan->py);
            python = false;
        }
        if (progress)
            fprintf(stderr, "\r%s: round %d/%d done", program, r + 1, plan->rounds);
    }
    if (progress)
        fprintf(stderr, "\n");
}

/* ---- the report -------------------------------------------------------------- */

/* A number with at least three significant digits, without an exponent. */
static const char *fmt_value(double v, char *buf, size_t size)
{
    snprintf(buf, size, fabs(v) >= 10 || v == 0 ? "%.1f" : fabs(v) >= 1 ? "%.2f" : "%.3g", v);
    return buf;
}

static double ratio_value(const bench_ratio_t *r)
{
    return bench_summarize(bench_find(r->num)).median / bench_summarize(bench_find(r->den)).median;
}

static bool ratio_met(const bench_ratio_t *r, double v)
{
    return r->at_least ? v >= r->goal : v <= r->goal;
}

void bench_print_load(const char *when)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l1, l5, l15;
    if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
        printf("# load average %s: %.2f %.2f %.2f\n", when, l1, l5, l15);
    if (f)
        fclose(f);
}

void bench_print_report(const bench_report_t *rep, const bench_python_t *py)
{
    char a[32], b[32], c[32];
    printf("\n%-36s %10s %10s %10s  %s\n", "# metric", "median", "min", "max", "unit");
    for (size_t i = 0; i < nmetrics; i++) {
        bench_summary_t s = bench_summarize(&metrics[i]);
        if (s.n > 0)
            printf("%-36s %10s %10s %10s  %s\n", metrics[i].name, fmt_value(s.median, a, sizeof a),
                   fmt_value(s.min, b, sizeof b), fmt_value(s.max, c, sizeof c), metrics[i].unit);
    }
    printf("\n");
    for (size_t i = 0; i < rep->nanchors; i++) {
        const bench_anchor_t *an = &rep->anchors[i];
        printf("anchor (RESULTS.md) %-42s %8s %-5s (compare %s)\n", an->name,
               fmt_value(an->value, a, sizeof a), an->unit, an->compare_with);
    }

    /* At least 64 columns, more when a label is longer (long metric names). */
    int width = 64;
    for (size_t i = 0; i < rep->nratios; i++) {
        int len = (int)(strlen(rep->ratios[i].num) + strlen(" / ") + strlen(rep->ratios[i].den));
        width = len > width ? len : width;
    }
    printf("\n%-*s %8s  %-9s %s\n", width, "# ratio of medians of this run", "value", "goal",
           "met");
    for (size_t i = 0; i < rep->nratios; i++) {
        const bench_ratio_t *r = &rep->ratios[i];
        double v = ratio_value(r);
        if (isnan(v))
            continue; /* a metric this run did not measure (no CPython) */
        char label[128], goal[16];
        snprintf(label, sizeof label, "%s / %s", r->num, r->den);
        if (r->goal > 0)
            snprintf(goal, sizeof goal, "%s %.3gx", r->at_least ? ">=" : "<=", r->goal);
        else
            snprintf(goal, sizeof goal, "-");
        printf("%-*s %7.2fx  %-9s %s\n", width, label, v, goal,
               r->goal > 0 ? (ratio_met(r, v) ? "yes" : "no") : "-");
    }
    if (!py || !py->exe[0])
        printf("# CPython not measured (no python3, or --no-python)\n");
}

/* Machine-readable: one row per sample, per metric summary, anchor, ratio. */
void bench_write_tsv(const char *path, const bench_report_t *rep)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die_errno(path, errno);
    fprintf(f, "kind\tname\tround\tvalue\tmin\tmax\tunit\tgoal\tmet\n");
    for (size_t i = 0; i < nmetrics; i++) {
        const bench_metric_t *m = &metrics[i];
        for (int r = 0; r < m->nsamples; r++)
            fprintf(f, "sample\t%s\t%d\t%.6g\t-\t-\t%s\t-\t-\n", m->name, r + 1, m->samples[r],
                    m->unit);
        bench_summary_t s = bench_summarize(m);
        if (s.n > 0)
            fprintf(f, "metric\t%s\t-\t%.6g\t%.6g\t%.6g\t%s\t-\t-\n", m->name, s.median, s.min,
                    s.max, m->unit);
    }
    for (size_t i = 0; i < rep->nanchors; i++)
        fprintf(f, "anchor\t%s\t-\t%.6g\t-\t-\t%s\t-\t-\n", rep->anchors[i].name,
                rep->anchors[i].value, rep->anchors[i].unit);
    for (size_t i = 0; i < rep->nratios; i++) {
        const bench_ratio_t *r = &rep->ratios[i];
        double v = ratio_value(r);
        if (isnan(v))
            continue;
        if (r->goal > 0)
            fprintf(f, "ratio\t%s/%s\t-\t%.4f\t-\t-\tx\t%s%.2f\t%s\n", r->num, r->den, v,
                    r->at_least ? ">=" : "<=", r->goal, ratio_met(r, v) ? "yes" : "no");
        else
            fprintf(f, "ratio\t%s/%s\t-\t%.4f\t-\t-\tx\t-\t-\n", r->num, r->den, v);
    }
    if (fclose(f) != 0)
        bench_die_errno(path, errno);
}
