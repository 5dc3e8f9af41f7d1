/* Suite "progress": progress callbacks of an executor's map and of an
 * as-completed iterator, seen through real executors of both kinds, of a
 * Pool's map, imap and imap_unordered, and
 * the ready-made bar: what it writes to a file, and (POSIX) what a child
 * running a map with it shows on a real pseudo-terminal and on a pipe.
 *
 * A callback here checks every report as it comes (done rises by the
 * message's count, to the total exactly; failures are counted; the times
 * are ordered; the tasks reported are each reported once) and keeps the
 * first thing that was wrong, which the test then prints; an atomic
 * counter of callbacks in progress catches two at once. */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor_helpers.h"
#include "progress_helpers.h"

/* ---- a callback that checks every report --------------------------------- */

enum { MAX_TASKS = 64 };

typedef struct record {
    mp_executor_kind_t kind;
    size_t total;       /* what every report must say */
    bool before_call;   /* queued may be before the call (as-completed) */
    long thread;        /* 0, or the thread every report must come from */
    _Atomic int inside; /* callbacks running now */
    _Atomic bool overlapped;
    _Atomic size_t done;  /* the last report's */
    _Atomic size_t calls; /* reports */
    /* Under the callback's own serialisation (what the test checks): */
    size_t failed;
    unsigned char seen[MAX_TASKS];
    char wrong[256]; /* the first thing wrong; "" */
} record_t;

static void record_init(record_t *r, mp_executor_kind_t kind, size_t total)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->total = total;
}

/* Keep the first thing that was wrong. */
static void wrong(record_t *r, const char *fmt, ...)
{
    if (r->wrong[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->wrong, sizeof r->wrong, fmt, ap);
    va_end(ap);
}

/* The report's times: ordered, and within the call (a map reports jobs it
 * queued itself; an as-completed, futures submitted before it began). */
static void check_times(record_t *r, const mp_progress_t *p)
{
    if (!(p->queued <= p->started && p->started <= p->finished && p->finished <= p->elapsed) ||
        (!r->before_call && p->queued < 0))
        wrong(r, "times out of order: queued %.6f started %.6f finished %.6f elapsed %.6f",
              p->queued, p->started, p->finished, p->elapsed);
}

/* The tasks of the report: in range, each reported once; their worker is
 * a process for a process executor, 0 for threads. */
static void check_tasks(record_t *r, const mp_progress_t *p)
{
    if (p->count == 0 || p->first + p->count > r->total || r->total > MAX_TASKS) {
        wrong(r, "tasks [%zu, +%zu) of %zu", p->first, p->count, r->total);
        return;
    }
    for (size_t i = p->first; i < p->first + p->count; i++)
        if (r->seen[i]++)
            wrong(r, "task %zu reported twice", i);
    if ((r->kind == MP_EXECUTOR_THREADS) != (p->worker == 0))
        wrong(r, "worker %lld for %s", (long long)p->worker, kind_name(r->kind));
}

static void record_cb(const mp_progress_t *p, void *arg)
{
    record_t *r = arg;
    if (atomic_fetch_add(&r->inside, 1) != 0)
        atomic_store(&r->overlapped, true);
    /* A moment inside: a second call at the same time would see us. */
    sleep_s(0.001);
    size_t before = atomic_load(&r->done);
    if (p->done != before + p->count)
        wrong(r, "done went from %zu to %zu for a message of %zu", before, p->done, p->count);
    if (p->total != r->total)
        wrong(r, "total %zu, not %zu", p->total, r->total);
    if (p->failed < r->failed || p->failed - r->failed > p->count)
        wrong(r, "failed went from %zu to %zu for a message of %zu", r->failed, p->failed,
              p->count);
    if (r->thread && self_thread_id() != r->thread)
        wrong(r, "called from another thread");
    r->failed = p->failed;
    check_times(r, p);
    check_tasks(r, p);
    atomic_fetch_add(&r->calls, 1);
    atomic_fetch_sub(&r->inside, 1);
    atomic_store(&r->done, p->done); /* last: the test reads the rest after it */
}

/* The record after the last report: nothing wrong, every task seen, the
 * failures counted. */
static void expect_record(record_t *r, size_t failed)
{
    EXPECT(r->wrong[0] == '\0', "%s", r->wrong);
    EXPECT(!atomic_load(&r->overlapped), "two progress calls ran at once");
    EXPECT_EQ(atomic_load(&r->done), r->total);
    EXPECT_EQ(r->failed, failed);
    for (size_t i = 0; i < r->total; i++)
        if (!EXPECT(r->seen[i] == 1, "task %zu reported %d times", i, r->seen[i]))
            break;
}

/* ---- an executor's map ---------------------------------------------------- */

/* A map in chunks of `chunk` whose progress goes to `r`. */
static int map_recorded(mp_executor_t *ex, mp_map_t **m, const char *task, const void *args,
                        size_t arg_size, size_t n, size_t chunk, record_t *r)
{
    return mp_executor_map(
        ex, m, task, args, arg_size, n,
        &(mp_map_opts_t){.chunksize = chunk, .progress = record_cb, .progress_arg = r});
}

/* The argument of task i: negative (the task fails) for every fifth. */
static int64_t map_arg(size_t i)
{
    return i % 5 == 0 ? -(int64_t)i - 1 : (int64_t)i;
}

/* The arguments of a map of `n`: map_arg(0), map_arg(1), ... */
static void fill_map_args(int64_t *args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        args[i] = map_arg(i);
}

/* A map in chunks of 3 over 64 arguments, 13 of them failing: a report per
 * chunk, done rising to 64, failed 13, from both the collector and the
 * thread reading results, never two at once. */
static void map_reports(mp_executor_kind_t kind)
{
    enum { N = MAX_TASKS, FAILING = (N + 4) / 5 };
    mp_executor_t *ex = start_executor(kind, 2);
    if (!ex)
        return;
    int64_t args[N];
    fill_map_args(args, N);
    static record_t r;
    record_init(&r, kind, N);
    mp_map_t *m = NULL;
    if (EXPECT_RC(map_recorded(ex, &m, "task_exec_square_or_fail", args, sizeof *args, N, 3, &r),
                  0)) {
        /* A result comes after its chunk's report (a chunk's waiters wake
         * before its callbacks run: the reader reports it if need be). */
        for (size_t i = 0; i < N; i++) {
            int64_t got = 0;
            EXPECT_RC(mp_map_get_i64(m, i, &got), args[i] < 0 ? MP_ETASK : 0);
            EXPECT(r.seen[i] == 1, "result %zu came before its report", i);
        }
        expect_record(&r, FAILING);
        EXPECT_EQ(atomic_load(&r.calls), (N + 2) / 3);
    }
    mp_map_destroy(m);
    mp_executor_destroy(ex);
}
BOTH_KINDS(map_reports)

/* A map destroyed while its chunks run reports nothing after its destroy
 * (its callback's argument may be gone), and frees its tracker once the
 * last chunk is done (ASan would see a leak). */
static void map_destroyed_early(mp_executor_kind_t kind)
{
    enum { N = 4 };
    mp_executor_t *ex = start_executor(kind, 1);
    if (!ex)
        return;
    double args[N] = {0.2, 0.2, 0.2, 0.2}; /* seconds each task sleeps */
    static record_t r;
    record_init(&r, kind, N);
    mp_map_t *m = NULL;
    if (EXPECT_RC(map_recorded(ex, &m, "task_exec_whoami", args, sizeof *args, N, 1, &r), 0)) {
        mp_map_destroy(m);
        size_t calls = atomic_load(&r.calls);
        EXPECT(calls < N, "every task was done before the destroy");
        mp_executor_destroy(ex); /* waits for every task */
        ex = NULL;
        EXPECT_EQ(atomic_load(&r.calls), calls);
        EXPECT(r.wrong[0] == '\0', "%s", r.wrong);
    }
    mp_executor_destroy(ex);
}
BOTH_KINDS(map_destroyed_early)

/* ---- as_completed ---------------------------------------------------------- */

/* Five futures, two failing, the first given twice: a report per future
 * yielded, in the thread that takes it, with its index in the array. */
static void as_completed_reports(mp_executor_kind_t kind)
{
    enum { N = 5 };
    static const int64_t values[N] = {1, -2, 3, -4, 5};
    mp_executor_t *ex = start_executor(kind, 2);
    if (!ex)
        return;
    mp_future_t *fs[N + 1] = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < N; i++)
        ok = (fs[i] = submit_i64(ex, "task_exec_square_or_fail", values[i])) != NULL;
    fs[N] = fs[0];
    static record_t r;
    record_init(&r, kind, N);
    r.before_call = true;
    r.thread = self_thread_id();
    mp_as_completed_t *it = NULL;
    if (ok && EXPECT_RC(mp_as_completed_create_with(
                            &it, fs, N + 1,
                            &(mp_as_completed_opts_t){.progress = record_cb, .progress_arg = &r}),
                        0)) {
        mp_future_t *f = NULL;
        size_t yielded = 0;
        while (EXPECT_RC(mp_as_completed_next(it, &f), 0) && f && yielded <= N) {
            yielded++;
            EXPECT_EQ(atomic_load(&r.done), yielded);
        }
        EXPECT_EQ(yielded, N);
        expect_record(&r, 2);
    }
    mp_as_completed_destroy(it);
    destroy_futures(fs, N);
    mp_executor_destroy(ex);
}
BOTH_KINDS(as_completed_reports)

/* ---- bad input -------------------------------------------------------------- */

/* NULL pointers, bad timeouts, a NULL callback with an argument, and the
 * options' 0 timeout, which is no limit (the short form's 0 polls). */
static void test_bad_input(void)
{
    mp_executor_t *ex = start_executor(MP_EXECUTOR_THREADS, 1);
    if (!ex)
        return;
    mp_future_t *f = submit_i64(ex, "task_exec_square_or_fail", 3);
    mp_as_completed_t *it = NULL;
    const mp_as_completed_opts_t bad[] = {{.timeout = -1}, {.timeout = NAN}};
    EXPECT_RC(mp_as_completed_create_with(NULL, &f, 1, NULL), MP_EINVAL);
    EXPECT_RC(mp_as_completed_create_with(&it, NULL, 2, NULL), MP_EINVAL);
    for (size_t i = 0; i < 2; i++)
        EXPECT_RC(mp_as_completed_create_with(&it, &f, 1, &bad[i]), MP_EINVAL);
    /* A NULL or destroyed future among them. */
    mp_future_t *gone = submit_i64(ex, "task_exec_square_or_fail", 2);
    mp_future_destroy(gone);
    mp_future_t *with_null[2] = {f, NULL}, *with_gone[2] = {f, gone};
    EXPECT_RC(mp_as_completed_create_with(&it, with_null, 2, NULL), MP_EINVAL);
    EXPECT_RC(mp_as_completed_create_with(&it, with_gone, 2, NULL), MP_ECLOSED);
    EXPECT(it == NULL, "a refused create gave an iterator");
    if (f && EXPECT_RC(mp_as_completed_create_with(&it, &f, 1, NULL), 0)) {
        mp_future_t *got = NULL;
        EXPECT_RC(mp_as_completed_next(it, &got), 0);
        EXPECT(got == f, "the future was not yielded");
        EXPECT_RC(mp_as_completed_next(it, &got), 0);
        EXPECT(got == NULL, "a second future was yielded");
        mp_as_completed_destroy(it);
    }
    /* No callback: its argument is never used. */
    int64_t in[3] = {1, 2, 3}, out[3] = {0};
    mp_map_t *m = NULL;
    if (EXPECT_RC(mp_executor_map(ex, &m, "task_exec_square_or_fail", in, sizeof *in, 3,
                                  &(mp_map_opts_t){.progress_arg = (void *)1}),
                  0)) {
        for (size_t i = 0; i < 3; i++)
            EXPECT_RC(mp_map_get_i64(m, i, &out[i]), 0);
        EXPECT_EQ(out[2], 9);
    }
    mp_map_destroy(m);
    mp_progress_bar(NULL, NULL); /* nothing to draw, no crash */
    mp_future_destroy(f);
    mp_executor_destroy(ex);
}

/* ---- the bar, to a file -------------------------------------------------- */

/* What mp_progress_bar() writes to stderr (a file here) for one report,
 * with MP_PROGRESS set to `env` (NULL: unset). */
static void bar_to_file(const char *env, const mp_progress_t *p, const void *opts, char *out,
                        size_t size)
{
    out[0] = '\0';
    char dir[512], path[600];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/stderr", dir);
    saved_env_t saved = env_save("MP_PROGRESS");
    env_put("MP_PROGRESS", env);
    int fd = stderr_redirect(path);
    mp_progress_bar(p, (void *)opts);
    stderr_restore(fd);
    env_restore(&saved);
    read_text_file(path, out, size);
    remove_tree(dir);
    /* Windows' stderr is in text mode: its newlines reach the file as
     * \r\n. */
    char *w = out;
    for (const char *r = out; *r; r++)
        if (!(r[0] == '\r' && r[1] == '\n'))
            *w++ = *r;
    *w = '\0';
}

#define EXPECT_HAS(text, part) \
    EXPECT(strstr((text), (part)) != NULL, "\"%s\" has no \"%s\"", (text), (part))

/* Not a terminal: nothing unless plain lines are asked for (or
 * MP_PROGRESS=1); a plain line per report when the interval is tiny; what
 * each line says; MP_PROGRESS=0 wins over everything. A bad interval is
 * the default. */
static void test_bar_lines(void)
{
    const mp_progress_bar_opts_t quiet = {.label = "lbl", .interval = NAN},
                                 plain = {.label = "lbl", .plain = true, .interval = 1e-9};
    const mp_progress_t unknown = {.done = 5, .elapsed = 1.0},
                        half = {.done = 4, .failed = 1, .total = 10, .elapsed = 2.0},
                        end = {.done = 10, .total = 10, .elapsed = 4.0};
    char out[1024];
    bar_to_file(NULL, &end, &quiet, out, sizeof out);
    EXPECT_STR(out, "");
    bar_to_file(NULL, &end, NULL, out, sizeof out);
    EXPECT_STR(out, "");
    bar_to_file("0", &end, &plain, out, sizeof out);
    EXPECT_STR(out, "");
    bar_to_file(NULL, &unknown, &plain, out, sizeof out);
    EXPECT_STR(out, "lbl 5 5.0/s\n");
    bar_to_file(NULL, &half, &plain, out, sizeof out);
    EXPECT_HAS(out, "lbl [#########");
    EXPECT_HAS(out, "] 4/10  40% 2.0/s ETA 0:00:03 (1 failed)\n");
    bar_to_file(NULL, &end, &plain, out, sizeof out);
    EXPECT_HAS(out, "] 10/10 100% 2.5/s in 0:00:04\n");
    bar_to_file("1", &end, NULL, out, sizeof out);
    EXPECT(out[0] == '\r', "MP_PROGRESS=1 wrote \"%s\", not a redrawn line", out);
    EXPECT_HAS(out, "10/10 100%");
}

#if TEST_POSIX
/* ---- the bar, seen by a child's terminal and pipe (POSIX) ------------------- */

enum { BAR_TASKS = 30 };

/* The child's part (run_child_capturing_stderr() runs this program's
 * bar_child test with a role): a map with the bar, slow enough (30 tasks of
 * 20 ms on two threads) for a few redraws; the role picks the bar's
 * options, "line" or "plain". Run by the suite itself (no role), nothing.
 * Threads: the bar draws from the same callbacks whoever runs the tasks,
 * and nothing but the bar may write to the child's stderr (a worker
 * process shares it, and may outlive the child a moment). */
static void test_bar_child(void)
{
    const char *role = getenv(PROGRESS_CHILD_ENV);
    if (!role || !*role)
        return;
    const mp_progress_bar_opts_t line = {.label = "squares"},
                                 plain = {.label = "squares", .plain = true, .interval = 0.05};
    mp_executor_t *ex = start_executor(MP_EXECUTOR_THREADS, 2);
    if (!ex)
        return;
    double args[BAR_TASKS];
    for (size_t i = 0; i < BAR_TASKS; i++)
        args[i] = 0.02;
    mp_map_t *m = NULL;
    if (EXPECT_RC(mp_executor_map(ex, &m, "task_exec_whoami", args, sizeof *args, BAR_TASKS,
                                  &(mp_map_opts_t){.chunksize = 1,
                                                   .progress = mp_progress_bar,
                                                   .progress_arg = strcmp(role, "plain") == 0
                                                                       ? (void *)&plain
                                                                       : (void *)&line}),
                  0))
        for (size_t i = 0; i < BAR_TASKS; i++)
            EXPECT_RC(mp_map_get(m, i, NULL, NULL), 0);
    mp_map_destroy(m);
    mp_executor_destroy(ex);
}

/* Count `c` in `s`. */
static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

/* Run the child with its stderr on `where`; asserted to pass its test. */
static bool bar_run(child_stderr_t where, const char *env, const char *role, char *out, size_t size)
{
    int rc = run_child_capturing_stderr(where, env, role, out, size, EXEC_WAIT_S);
    return EXPECT(rc == 0, "the child ended with %d; it wrote \"%s\"", rc, out);
}

/* On a terminal: one line redrawn with \r (the first report and the final
 * one at least), the final "30/30 100%" after the last \r, and one newline,
 * at the end. MP_PROGRESS=0: nothing. */
static void test_bar_terminal(void)
{
    char out[16384];
    if (bar_run(CHILD_PTY, NULL, "line", out, sizeof out)) {
        size_t len = strlen(out);
        EXPECT(count_char(out, '\r') >= 2, "no redraw in \"%s\"", out);
        EXPECT(count_char(out, '\n') == 1 && len && out[len - 1] == '\n',
               "not one line ended once by a newline: \"%s\"", out);
        const char *last = strrchr(out, '\r');
        EXPECT(last && strncmp(last, "\rsquares [", 10) == 0 && strstr(last, "] 30/30 100%"),
               "the last redraw is not the final one: \"%s\"", last ? last : out);
    }
    if (bar_run(CHILD_PTY, "0", "line", out, sizeof out))
        EXPECT_STR(out, "");
}

/* On a pipe: nothing by default; plain lines (no \r) when asked for, the
 * last "30/30"; the redrawn line with MP_PROGRESS=1. */
static void test_bar_pipe(void)
{
    char out[16384];
    if (bar_run(CHILD_PIPE, NULL, "line", out, sizeof out))
        EXPECT_STR(out, "");
    if (bar_run(CHILD_PIPE, NULL, "plain", out, sizeof out)) {
        size_t len = strlen(out);
        EXPECT(count_char(out, '\r') == 0 && count_char(out, '\n') >= 2 && len &&
                   out[len - 1] == '\n',
               "not plain lines: \"%s\"", out);
        out[len ? len - 1 : 0] = '\0';
        const char *last = strrchr(out, '\n');
        EXPECT(last && strstr(last, "] 30/30 100%"), "the last line is not the final one: \"%s\"",
               out);
    }
    if (bar_run(CHILD_PIPE, "1", "line", out, sizeof out)) {
        const char *last = strrchr(out, '\r');
        EXPECT(last && strstr(last, "] 30/30 100%"), "MP_PROGRESS=1 drew no bar: \"%s\"", out);
    }
}
#endif /* TEST_POSIX */

/* ---- a Pool's map and imap ------------------------------------------------- */

/* A Pool of two workers, or NULL (the failure is reported). */
static mp_pool_t *start_pool(void)
{
    mp_pool_t *pool = NULL;
    return EXPECT_RC(mp_pool_create(&pool, &(mp_pool_opts_t){.workers = 2}), 0) ? pool : NULL;
}

/* Close, join and destroy a pool (destroying a running one would warn). */
static void stop_pool(mp_pool_t *pool)
{
    EXPECT_RC(mp_pool_close(pool), 0);
    EXPECT_RC(mp_pool_join(pool, MP_FOREVER), 0);
    mp_pool_destroy(pool);
}

/* A Pool's map_async in chunks of 3 over 64 arguments, 13 failing: a
 * report per chunk, to 64, and every report out before the wait returns. */
static void test_pool_map_reports(void)
{
    enum { N = MAX_TASKS, FAILING = (N + 4) / 5 };
    mp_pool_t *pool = start_pool();
    if (!pool)
        return;
    int64_t args[N];
    fill_map_args(args, N);
    static record_t r;
    record_init(&r, MP_EXECUTOR_PROCESSES, N);
    mp_async_result_t *res = NULL;
    if (EXPECT_RC(mp_pool_map_async(pool, &res, "task_exec_square_or_fail", MP_INPUT_ARRAY(args, N),
                                    &(mp_pool_map_opts_t){
                                        .chunksize = 3, .progress = record_cb, .progress_arg = &r}),
                  0)) {
        EXPECT_RC(mp_async_result_wait(res, MP_FOREVER), 0);
        expect_record(&r, FAILING);
        EXPECT_EQ(atomic_load(&r.calls), (N + 2) / 3);
    }
    mp_async_result_destroy(res);
    stop_pool(pool);
}

/* imap and imap_unordered report each chunk as the consumer takes it,
 * before any of its results: every item comes after its report. */
static void pool_imap_reports(bool unordered)
{
    enum { N = MAX_TASKS, FAILING = (N + 4) / 5 };
    mp_pool_t *pool = start_pool();
    if (!pool)
        return;
    int64_t args[N];
    fill_map_args(args, N);
    static record_t r;
    record_init(&r, MP_EXECUTOR_PROCESSES, N);
    r.thread = self_thread_id(); /* the consumer's */
    const mp_pool_map_opts_t opts = {.chunksize = 5, .progress = record_cb, .progress_arg = &r};
    mp_imap_t *it = NULL;
    int rc = unordered ? mp_pool_imap_unordered(pool, &it, "task_exec_square_or_fail",
                                                MP_INPUT_ARRAY(args, N), &opts)
                       : mp_pool_imap(pool, &it, "task_exec_square_or_fail",
                                      MP_INPUT_ARRAY(args, N), &opts);
    if (EXPECT_RC(rc, 0)) {
        mp_imap_item_t item;
        size_t items = 0;
        while ((rc = mp_imap_next(it, MP_FOREVER, &item)) == 1 || rc == MP_ETASK) {
            items++;
            EXPECT(item.index < N && r.seen[item.index] == 1, "item %zu came before its report",
                   item.index);
        }
        EXPECT_RC(rc, 0);
        EXPECT_EQ(items, (size_t)N);
        expect_record(&r, FAILING);
    }
    mp_imap_destroy(it);
    stop_pool(pool);
}

static void test_pool_imap_reports(void)
{
    pool_imap_reports(false);
}

static void test_pool_imap_unordered_reports(void)
{
    pool_imap_reports(true);
}

static const test_case_t tests[] = {
    BOTH_KINDS_ROWS(map_reports, ON_ALL),
    BOTH_KINDS_ROWS(map_destroyed_early, ON_ALL),
    BOTH_KINDS_ROWS(as_completed_reports, ON_ALL),
    {"pool_map_reports", test_pool_map_reports, ON_ALL},
    {"pool_imap_reports", test_pool_imap_reports, ON_ALL},
    {"pool_imap_unordered_reports", test_pool_imap_unordered_reports, ON_ALL},
    {"bad_input", test_bad_input, ON_ALL},
    {"bar_lines", test_bar_lines, ON_ALL},
#if TEST_POSIX
    {PROGRESS_CHILD_TEST, test_bar_child, ON_ALL},
    {"bar_terminal", test_bar_terminal, ON_ALL},
    {"bar_pipe", test_bar_pipe, ON_ALL},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_progress = {"progress", true, tests};
