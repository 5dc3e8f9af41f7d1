/* mp_executor_soak: inject worker deaths into a busy process executor and
 * check that nothing else goes wrong (README.md beside this file).
 *
 * Per start method: a warm-up executor (so that what the library makes
 * once per program, the fork server or the tracker, is there before the
 * descriptors are counted), then the soak executor. A killer thread
 * (executor_soak_killer.c) signals random workers at random moments until
 * it has injected the deaths asked for, while this thread alternates maps
 * and windows of submits of exs_work, checking every result: right, or
 * failed with MP_EWORKERDIED (the task its worker was running when it
 * died), nothing else. Afterwards: no worker alive, no descriptor more
 * than before, the executor's counters agree, and all of it within the
 * deadline (a watchdog ends a hung run). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "executor_soak.h"
#include "soak.h"

static const char *const all_methods[] = {"fork", "spawn", "forkserver"};
enum { NMETHODS = 3 };
/* Tasks per map, per window of submits; submits in flight at once. */
enum { PHASE_TASKS = 1000, WINDOW = 64, MAX_REPORTED = 10 };
/* What a task returns: its value, and the worker that computed it. */
typedef struct exs_answer {
    int64_t value;
    int64_t pid;
} exs_answer_t;

/* The task: a little work (0-0.8 ms asleep, so kills land inside tasks as
 * well as between them), then its answer. */
static int exs_work(mp_task_t *t)
{
    int64_t i;
    int rc = mp_task_arg_i64(t, &i);
    if (rc < 0)
        return mp_task_fail(t, rc, "exs_work takes an int64");
    struct timespec ts = {0, (long)(i % 5) * 200000L};
    nanosleep(&ts, NULL);
    exs_answer_t a = {i * 3 + 1, (int64_t)getpid()};
    return mp_task_return(t, &a, sizeof a);
}

static const mp_task_def_t exs_tasks[] = {MP_TASK(exs_work), MP_TASK_END};

typedef struct options {
    unsigned deaths;
    bool method[NMETHODS];
    uint64_t seed;
    unsigned workers;
    unsigned max_delay_ms;
    double deadline_s;            /* per method; 0: from the deaths */
    unsigned max_tasks_per_child; /* 0: workers never retire */
} options_t;

/* What one method's run counted. */
typedef struct tally {
    uint64_t tasks, right, died, wrong;
    unsigned maps, windows;
} tally_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the watchdog: a hung run ends, loudly ------------------------------ */

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "mp_executor_soak: FAILED: the run hung past its deadline\n";
    ssize_t unused = write(2, msg, sizeof msg - 1);
    (void)unused;
    _exit(1); /* the workers die with us: that is the library's promise */
}

/* ---- checking answers --------------------------------------------------- */

/* Print a wrong outcome (the first few). */
static void report_wrong(tally_t *t, const char *what, int64_t i, int rc, int code, const char *msg)
{
    if (++t->wrong <= MAX_REPORTED)
        printf("  WRONG: %s %" PRId64 ": %s, task code %s: %s\n", what, i, mp_err_name(rc),
               mp_err_name(code), msg ? msg : "");
}

/* One task's outcome: the call's code, the result bytes, and for
 * MP_ETASK the task's code and message; for a submit that failed with
 * MP_EWORKERDIED, the dead worker and how it ended (pid 0 for a map,
 * which does not say). */
typedef struct outcome {
    int rc;
    const void *data;
    size_t len;
    int code;
    const char *msg;
    mp_pid_t died_on;
    int died_how;
} outcome_t;

/* Check task i's outcome: the right answer, or MP_EWORKERDIED for a death
 * the killer injected. */
static void check(tally_t *t, exs_killer_t *k, const char *what, int64_t i, const outcome_t *o)
{
    t->tasks++;
    exs_answer_t a;
    char why[160];
    if (o->rc == 0 && o->len == sizeof a) {
        memcpy(&a, o->data, sizeof a);
        if (a.value == i * 3 + 1 && a.pid > 0) {
            t->right++;
            exs_killer_ready(k, a.pid);
            return;
        }
    } else if (o->rc == MP_ETASK && o->code == MP_EWORKERDIED) {
        const char *wrong = o->died_on
                                ? exs_killer_blame(k, o->died_on, o->died_how, why, sizeof why)
                                : NULL;
        if (!wrong) {
            t->died++;
            return;
        }
        report_wrong(t, what, i, o->rc, o->code, wrong);
        return;
    }
    report_wrong(t, what, i, o->rc, o->code, o->rc == 0 ? "a wrong answer" : o->msg);
}

static void check_future(tally_t *t, exs_killer_t *k, mp_future_t *f, int64_t i, double deadline)
{
    outcome_t o = {.msg = ""};
    double left = deadline - now_s();
    o.rc = mp_future_result(f, left > 0 ? left : 0, &o.data, &o.len);
    if (o.rc == MP_ETASK) {
        mp_future_error(f, 0, &o.code, &o.msg);
        mp_future_worker(f, &o.died_on, &o.died_how);
    }
    check(t, k, "submit", i, &o);
    mp_future_destroy(f);
}

/* PHASE_TASKS submits, at most WINDOW of them unanswered at a time. */
static int submit_phase(mp_executor_t *ex, tally_t *t, exs_killer_t *k, int64_t base,
                        double deadline)
{
    mp_future_t *window[WINDOW] = {NULL};
    int64_t first = base, i = base; /* the oldest unanswered; the next */
    int rc = 0;
    for (; i < base + PHASE_TASKS; i++) {
        mp_future_t **slot = &window[(i - base) % WINDOW];
        if (i - first == WINDOW) /* full: the oldest is in this slot */
            check_future(t, k, *slot, first++, deadline);
        if ((rc = mp_executor_submit_i64(ex, slot, "exs_work", i)) < 0) {
            printf("  submit %" PRId64 ": %s (%s)\n", i, mp_err_name(rc), mp_errdetail());
            break;
        }
    }
    for (; first < i; first++)
        check_future(t, k, window[(first - base) % WINDOW], first, deadline);
    t->windows += rc == 0;
    return rc;
}

/* One map of PHASE_TASKS arguments. */
static int map_phase(mp_executor_t *ex, tally_t *t, exs_killer_t *k, int64_t base, double deadline)
{
    static int64_t args[PHASE_TASKS];
    for (int64_t i = 0; i < PHASE_TASKS; i++)
        args[i] = base + i;
    mp_map_t *m = NULL;
    double left = deadline - now_s();
    int rc = mp_executor_map(ex, &m, "exs_work", args, sizeof args[0], PHASE_TASKS,
                             &(mp_map_opts_t){.timeout = left > 0 ? left : 0.001});
    if (rc < 0) {
        printf("  map: %s (%s)\n", mp_err_name(rc), mp_errdetail());
        return rc;
    }
    for (size_t i = 0; i < PHASE_TASKS; i++) {
        outcome_t o = {.msg = ""};
        o.rc = mp_map_get(m, i, &o.data, &o.len);
        if (o.rc == MP_ETASK)
            mp_map_error(m, i, &o.code, &o.msg);
        check(t, k, "map", args[i], &o);
    }
    mp_map_destroy(m);
    t->maps++;
    return 0;
}

/* ---- one method ----------------------------------------------------------- */

/* A small executor that runs a few tasks and goes: what the library starts
 * once per program is there before the descriptors are counted. */
static int warm_up(mp_context_t *ctx, unsigned workers)
{
    mp_executor_t *ex = NULL;
    int rc = mp_executor_create(&ex,
                                &(mp_executor_opts_t){.max_workers = (int)workers, .context = ctx});
    for (int64_t i = 0; rc == 0 && i < 2 * (int64_t)workers; i++) {
        mp_future_t *f = NULL;
        if ((rc = mp_executor_submit_i64(ex, &f, "exs_work", i)) == 0)
            rc = mp_future_result(f, 60.0, NULL, NULL);
        mp_future_destroy(f);
    }
    mp_executor_destroy(ex);
    return rc;
}

static void print_tally(const char *method, const tally_t *t, const exs_killer_t *k,
                        const mp_executor_stats_t *st, double took)
{
    printf("%-10s %u deaths (SIGKILL %u, SIGSEGV %u, SIGABRT %u, SIGTERM %u) in %.1f s: "
           "%" PRIu64 " tasks in %u maps and %u windows, %" PRIu64 " right, %" PRIu64
           " failed with MP_EWORKERDIED, %" PRIu64 " wrong; executor: %" PRIu64
           " workers started, %" PRIu64 " deaths, %" PRIu64 " retired, %" PRIu64
           " tasks requeued\n",
           method, atomic_load(&k->done), k->sent[0], k->sent[1], k->sent[2], k->sent[3], took,
           t->tasks, t->maps, t->windows, t->right, t->died, t->wrong, st->workers_started,
           st->worker_deaths, st->workers_retired, st->tasks_requeued);
}

/* Run the soak under one method; the number of problems found. */
static unsigned run_method(const char *method, const options_t *o, int index)
{
    mp_context_t *ctx = NULL;
    int rc = mp_get_context(&ctx, method);
    if (rc == 0)
        rc = warm_up(ctx, o->workers);
    if (rc < 0) {
        printf("%-10s cannot start: %s (%s)\n", method, mp_err_name(rc), mp_errdetail());
        return 1;
    }
    int fds_before = exs_count_fds();
    double t0 = now_s();
    double deadline = t0 + (o->deadline_s > 0 ? o->deadline_s : 60.0 + 0.5 * o->deaths);
    alarm((unsigned)(deadline - t0) + 120); /* past the deadline and a shutdown's worth */

    exs_killer_t k = {.target = o->deaths, .max_delay_ms = o->max_delay_ms};
    uint64_t s = o->seed ^ ((uint64_t)(index + 1) << 56); /* a stream per method */
    k.rng[0] = (unsigned short)s, k.rng[1] = (unsigned short)(s >> 16);
    k.rng[2] = (unsigned short)((s >> 32) ^ (s >> 48));
    /* Retiring workers refuse fork (as Python): NULL is then spawn. */
    bool retire = o->max_tasks_per_child > 0;
    rc = mp_executor_create(
        &k.ex, &(mp_executor_opts_t){.max_workers = (int)o->workers,
                                     .context = retire && strcmp(method, "fork") == 0 ? NULL : ctx,
                                     .max_tasks_per_child = (int)o->max_tasks_per_child});
    if (rc < 0 || exs_killer_start(&k) != 0) {
        printf("%-10s cannot start: %s (%s)\n", method, mp_err_name(rc), mp_errdetail());
        mp_executor_destroy(k.ex);
        return 1;
    }
    tally_t t = {0};
    unsigned problems = 0;
    int64_t base = 0;
    /* Until the deaths are in and both kinds of work ran under them. */
    while (rc == 0 && (atomic_load(&k.done) < o->deaths || t.maps == 0 || t.windows == 0)) {
        if (now_s() > deadline) {
            printf("  the deadline passed with %u of %u deaths injected\n", atomic_load(&k.done),
                   o->deaths);
            problems++;
            break;
        }
        rc = (t.maps + t.windows) % 2 ? submit_phase(k.ex, &t, &k, base, deadline)
                                      : map_phase(k.ex, &t, &k, base, deadline);
        base += PHASE_TASKS;
    }
    exs_killer_stop(&k);
    problems += rc < 0;
    exs_killer_note_workers(&k);
    mp_executor_stats_t st = {0};
    mp_executor_stats(k.ex, &st);
    rc = mp_executor_shutdown(k.ex, true, false);
    mp_executor_destroy(k.ex);
    alarm(0);
    print_tally(method, &t, &k, &st, now_s() - t0);

    unsigned deaths = atomic_load(&k.done);
    if (rc < 0)
        printf("  shutdown: %s (%s)\n", mp_err_name(rc), mp_errdetail()), problems++;
    if (t.wrong)
        problems++;
    if (t.died > deaths)
        printf("  %" PRIu64 " tasks failed for %u deaths\n", t.died, deaths), problems++;
    /* A kill that lands on a retiring worker after it exited (a zombie
     * still takes the signal) is no death; one before it exited is. */
    if (retire ? st.worker_deaths > deaths : st.worker_deaths != deaths)
        printf("  the executor counted %" PRIu64 " deaths, not %u\n", st.worker_deaths, deaths),
            problems++;
    if (k.out_of_memory)
        printf("  out of memory for the pid sets: the leak check is partial\n"), problems++;
    char detail[512];
    unsigned left = exs_leftover_workers(&k, 10.0, detail, sizeof detail);
    if (left)
        printf("  %u workers alive after destroy:%s\n", left, detail), problems++;
    int fds_after = exs_count_fds();
    if (fds_after != fds_before)
        printf("  descriptors: %d before, %d after\n", fds_before, fds_after), problems++;
    printf("%-10s %s: %zu workers seen, %u left; %d descriptors before, %d after\n", method,
           problems ? "FAILED" : "ok", k.seen.n, left, fds_before, fds_after);
    fflush(stdout);
    exs_killer_free(&k);
    return problems;
}

/* ---- options -------------------------------------------------------------- */

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--deaths N] [--method fork|spawn|forkserver|all]... [--seed S]\n"
            "       [--workers W] [--max-delay-ms D] [--deadline-s T] [--max-tasks-per-child R]\n"
            "Injects N worker deaths (SIGKILL, SIGSEGV, SIGABRT, SIGTERM to a random\n"
            "worker every 0..D ms) into a process executor of W workers running maps\n"
            "and submits, per start method; checks every result, that no worker and\n"
            "no descriptor is left, and that it all ends within T s per method.\n"
            "Defaults: N 1000, all methods, a random seed (printed), W 4, D 10,\n"
            "T 60 + N/2. R > 0: workers also retire after R tasks (fork runs spawn).\n"
            "Exits 1 on any problem. tests/soak/README.md has the details.\n",
            prog);
}

/* 0, or 2 after a usage message. */
static int parse_options(int argc, char **argv, options_t *o)
{
    *o = (options_t){.deaths = 1000, .workers = 4, .max_delay_ms = 10};
    o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    bool any_method = false;
    for (int i = 1; i < argc; i += 2) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n = 0;
        bool ok = true;
        if (strcmp(opt, "--help") == 0) {
            usage(stdout, argv[0]);
            exit(0);
        } else if (strcmp(opt, "--deaths") == 0) {
            ok = soak_parse_number(val, 1000000, &n) && n > 0, o->deaths = (unsigned)n;
        } else if (strcmp(opt, "--seed") == 0) {
            ok = soak_parse_number(val, UINT64_MAX, &n), o->seed = n;
        } else if (strcmp(opt, "--workers") == 0) {
            ok = soak_parse_number(val, 64, &n) && n > 0, o->workers = (unsigned)n;
        } else if (strcmp(opt, "--max-delay-ms") == 0) {
            ok = soak_parse_number(val, 10000, &n), o->max_delay_ms = (unsigned)n;
        } else if (strcmp(opt, "--max-tasks-per-child") == 0) {
            ok = soak_parse_number(val, 1000000, &n), o->max_tasks_per_child = (unsigned)n;
        } else if (strcmp(opt, "--deadline-s") == 0) {
            ok = soak_parse_number(val, 86400, &n) && n > 0, o->deadline_s = (double)n;
        } else if (strcmp(opt, "--method") == 0) {
            ok = false;
            for (int m = 0; m < NMETHODS; m++)
                if (val && (strcmp(val, all_methods[m]) == 0 || strcmp(val, "all") == 0))
                    o->method[m] = ok = true;
            any_method = true;
        } else {
            ok = false;
            val = NULL;
        }
        if (!ok) {
            fprintf(stderr, "%s: bad option or value: %s %s\n", argv[0], opt, val ? val : "");
            usage(stderr, argv[0]);
            return 2;
        }
    }
    for (int m = 0; m < NMETHODS && !any_method; m++)
        o->method[m] = true;
    return 0;
}

int main(int argc, char **argv)
{
    int rc = mp_init(&argc, &argv, exs_tasks); /* spawned workers never return */
    if (rc < 0) {
        fprintf(stderr, "mp_executor_soak: mp_init: %s (%s)\n", mp_strerror(rc), mp_errdetail());
        return 2;
    }
    options_t o;
    if ((rc = parse_options(argc, argv, &o)) != 0)
        return rc;
    signal(SIGALRM, on_alarm);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("mp_executor_soak: seed %" PRIu64 ", %u deaths per method, %u workers, a kill "
           "every 0-%u ms, max_tasks_per_child %u\n",
           o.seed, o.deaths, o.workers, o.max_delay_ms, o.max_tasks_per_child);
    unsigned problems = 0;
    for (int m = 0; m < NMETHODS; m++)
        if (o.method[m])
            problems += run_method(all_methods[m], &o, m);
    printf("mp_executor_soak: %s\n", problems ? "FAILED (see above)" : "ok");
    return problems ? 1 : 0;
}
