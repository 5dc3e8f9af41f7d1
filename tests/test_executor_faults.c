/* Suite "executor_faults": what an executor does when its workers die,
 * hang, or are stopped on purpose (multiproc/executor.h, issue 11's
 * "Faults, beyond every Python pool"). Every case kills or crashes a real
 * worker process: a task that raises SIGKILL, faults (SIGSEGV), aborts or
 * _exits; an initializer that crashes or fails at every start; a task past
 * its time limit; an abort of a running task; SIGINT sent to the parent and
 * to its workers; the parent itself SIGKILLed. The thread executor's side
 * (a thread cannot be killed: the future fails at once) is checked where it
 * makes sense. (A task error of 1 MiB, on both kinds, is test_executor.c's
 * task_errors.) POSIX only: the deaths are POSIX signals. Run once per
 * start method. */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor_fault_tasks.h"
#include "executor_helpers.h"
#include "executor_tasks.h" /* task_exec_fail_big's pattern, for a large answer */
#include "helpers.h"
#include "posix_internal.h" /* mp__posix_forkserver_pid(), a test hook */

/* How long any result may take to come on a loaded machine: a bound for a
 * hang, never a measure of speed. */
#define LIMIT_S 60.0
/* A task that is meant to be stopped (killed, timed out, aborted) sleeps
 * this long: far longer than the stop may take. */
#define LONG_TASK_S 120.0
/* The per-task time limit of the timeout tests: short, so the test is
 * quick; quick tasks that share the executor finish far inside it even on
 * a loaded machine. */
#define TASK_LIMIT_S 2.0
/* "Promptly" for a task stopped by its limit or an abort: well before the
 * task would have ended by itself, with room for a busy machine. */
#define PROMPT_S 30.0
/* A thread executor's stopped task goes on sleeping in the background; the
 * executor's destroy waits for it, so it is short, and the future must
 * fail well before it ends: by THREAD_PROMPT_S, counted from the submit,
 * past a limit of THREAD_LIMIT_S (which the quick tasks there also have). */
#define THREAD_TASK_S 5.0
#define THREAD_PROMPT_S 4.0
#define THREAD_LIMIT_S 1.0
/* Quick tasks submitted around a fault. */
enum { AROUND = 8, REQUEUE_N = 100, RETIRE_N = 20, DESTROY_ROUNDS = 200 };

/* ---- small helpers ------------------------------------------------------ */

/* An executor with these options; a process executor gets the suite's
 * start method unless the options name a context. Asserted; NULL on
 * failure. */
static mp_executor_t *executor_new(mp_executor_opts_t opts)
{
    if (opts.kind == MP_EXECUTOR_PROCESSES && !opts.context)
        opts.context = method_context();
    mp_executor_t *ex = NULL;
    return EXPECT_RC(mp_executor_create(&ex, &opts), 0) ? ex : NULL;
}

/* An executor of `workers` whose initializer is task_exec_fault_init(*init). */
static mp_executor_t *executor_with_init(mp_executor_kind_t kind, int workers,
                                         const ctl_arg_t *init)
{
    return executor_new((mp_executor_opts_t){.kind = kind,
                                             .max_workers = workers,
                                             .initializer = "task_exec_fault_init",
                                             .initarg = init,
                                             .initarg_len = sizeof *init});
}

/* A task_sleep_ready of `seconds` that creates dir/name when it runs,
 * with its own time limit (0: the executor's). */
static mp_future_t *submit_sleeper(mp_executor_t *ex, const char *dir, const char *name,
                                   double seconds, double timeout)
{
    char path[TASK_STR];
    snprintf(path, sizeof path, "%.200s/%.40s", dir, name);
    ctl_arg_t ctl = make_ctl(path, 0, seconds);
    mp_future_t *f = NULL;
    EXPECT_RC(mp_executor_submit_with(
                  ex, &f, "task_sleep_ready",
                  &(mp_submit_opts_t){.arg = &ctl, .arg_len = sizeof ctl, .timeout = timeout}),
              0);
    return f;
}

/* Wait until the sleeper called `name` in `dir` runs. */
static bool wait_running(const char *dir, const char *name)
{
    char path[TASK_STR], buf[16];
    snprintf(path, sizeof path, "%.200s/%.40s", dir, name);
    return EXPECT(wait_for_file(path, LIMIT_S, buf, sizeof buf), "%s never ran", name);
}

/* An executor whose first task, a task_sleep_ready of some seconds, is
 * running: the start of every test that stops a running task. */
typedef struct busy {
    char dir[TASK_STR];
    mp_executor_t *ex;
    mp_future_t *sleeper;
    double submitted; /* when the sleeper was submitted */
} busy_t;

/* Make it; false (asserted) when the sleeper never ran. */
static bool busy_start(busy_t *b, mp_executor_opts_t opts, double seconds)
{
    memset(b, 0, sizeof *b);
    if (!make_temp_dir(b->dir, sizeof b->dir))
        return false;
    b->ex = executor_new(opts);
    b->submitted = now_s();
    b->sleeper = b->ex ? submit_sleeper(b->ex, b->dir, "busy", seconds, 0) : NULL;
    return b->sleeper && wait_running(b->dir, "busy");
}

/* Destroy it (the executor last: it waits for a thread that sleeps). */
static void busy_end(busy_t *b)
{
    mp_future_destroy(b->sleeper);
    mp_executor_destroy(b->ex);
    remove_tree(b->dir);
}

/* task_square's future must give i * i. */
static void expect_square(mp_future_t *f, int64_t i)
{
    int64_t got = -1;
    if (EXPECT_RC(mp_future_result_i64(f, LIMIT_S, &got), 0))
        EXPECT_EQ(got, i * i);
}

static mp_executor_stats_t stats_of(mp_executor_t *ex)
{
    mp_executor_stats_t st;
    memset(&st, 0, sizeof st);
    EXPECT_RC(mp_executor_stats(ex, &st), 0);
    return st;
}

/* The pid of the worker that ran (or runs) f; 0 if none. */
static mp_pid_t worker_of(mp_future_t *f)
{
    mp_pid_t pid = 0;
    EXPECT_RC(mp_future_worker(f, &pid, NULL), 0);
    return pid;
}

/* Whether mp_executor_worker_pids() lists `pid`. */
static bool lists_worker(mp_executor_t *ex, mp_pid_t pid)
{
    mp_pid_t pids[64];
    size_t count = 0;
    EXPECT_RC(mp_executor_worker_pids(ex, pids, 64, &count), 0);
    for (size_t i = 0; i < count && i < 64; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* Poll until the executor has no worker alive, in its counters and its
 * list, for up to `timeout` seconds. */
static bool wait_no_workers(mp_executor_t *ex, double timeout)
{
    double deadline = now_s() + timeout;
    for (;;) {
        size_t count = 1;
        bool none = mp_executor_worker_pids(ex, NULL, 0, &count) == 0 && count == 0 &&
                    stats_of(ex).workers_alive == 0;
        if (none || now_s() > deadline)
            return none;
        sleep_s(0.01);
    }
}

/* A dead, stopped worker is gone for good: reaped, and (once the executor
 * has seen its end: under forkserver the news comes through the fork
 * server, after the pid is gone) no longer listed. */
static void expect_worker_gone(mp_executor_t *ex, mp_pid_t pid)
{
    EXPECT(pid > 0 && wait_pid_gone((pid_t)pid, LIMIT_S), "worker %lld still alive",
           (long long)pid);
    double deadline = now_s() + LIMIT_S;
    while (lists_worker(ex, pid) && now_s() < deadline)
        sleep_s(0.01);
    EXPECT(!lists_worker(ex, pid), "the executor still lists worker %lld", (long long)pid);
}

/* The names a message may give a signal: "SIGKILL", or its number. */
static bool names_signal(const char *text, int signo)
{
    static const struct {
        int signo;
        const char *name;
    } names[] = {
        {SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGTERM, "SIGTERM"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].signo == signo && strstr(text, names[i].name))
            return true;
    return has_number(text, signo);
}

/* f's worker died while running it, and ended with `exitcode` (negative:
 * the signal): the call says MP_ETASK, the error MP_EWORKERDIED with the
 * pid and the signal or exit code in its message. Returns the pid. */
static mp_pid_t expect_worker_died(mp_future_t *f, int exitcode)
{
    EXPECT_RC(mp_future_result(f, LIMIT_S, NULL, NULL), MP_ETASK);
    int code = 0;
    const char *msg = NULL;
    EXPECT_RC(mp_future_error(f, 0, &code, &msg), 0);
    EXPECT_RC(code, MP_EWORKERDIED);
    mp_pid_t pid = 0;
    int ended = 0;
    EXPECT_RC(mp_future_worker(f, &pid, &ended), 0);
    EXPECT(pid > 0, "no pid for the dead worker");
    EXPECT_EQ(ended, exitcode);
    msg = msg ? msg : "";
    EXPECT(has_number(msg, pid), "the message does not name pid %lld: \"%s\"", (long long)pid, msg);
    EXPECT(exitcode < 0 ? names_signal(msg, -exitcode) : has_number(msg, exitcode),
           "the message does not name the end (%d): \"%s\"", exitcode, msg);
    return pid;
}

/* f failed with a task error of `code`. */
static void expect_failed_with(mp_future_t *f, int code)
{
    EXPECT_RC(mp_future_result(f, LIMIT_S, NULL, NULL), MP_ETASK);
    int got = 0;
    EXPECT_RC(mp_future_error(f, 0, &got, NULL), 0);
    EXPECT_RC(got, code);
}

/* ---- a worker dies in the middle of a task ----------------------------- */

/* A done callback: counts its calls. */
static void count_call(mp_future_t *f, void *arg)
{
    (void)f;
    atomic_fetch_add((atomic_int *)arg, 1);
}

/* One worker: AROUND squares, a task that dies `how`, AROUND squares
 * (with `in_shutdown`, a waiting shutdown at once). Exactly the dying task
 * fails, its done callback runs once; the later squares run on a
 * replacement. */
static void worker_death(exec_death_t how, int exitcode, bool in_shutdown)
{
    mp_executor_t *ex = executor_new((mp_executor_opts_t){.max_workers = 1});
    if (!ex)
        return;
    mp_future_t *fs[2 * AROUND + 1] = {NULL};
    atomic_int calls;
    atomic_init(&calls, 0);
    for (int i = 0; i < 2 * AROUND + 1; i++)
        fs[i] = i == AROUND ? submit_i64(ex, "task_exec_die", how)
                            : submit_i64(ex, "task_square", i);
    EXPECT_RC(mp_future_add_done_callback(fs[AROUND], count_call, &calls), 0);
    if (in_shutdown) {
        EXPECT_RC(mp_executor_shutdown(ex, true, false), 0);
        EXPECT_EQ(stats_of(ex).workers_alive, 0);
    }
    mp_pid_t dead = expect_worker_died(fs[AROUND], exitcode);
    for (int i = 0; i < 2 * AROUND + 1; i++)
        if (i != AROUND)
            expect_square(fs[i], i);
    mp_pid_t after = worker_of(fs[2 * AROUND]);
    EXPECT(after > 0 && after != dead, "a task after the death ran on worker %lld (the dead: %lld)",
           (long long)after, (long long)dead);
    expect_worker_gone(ex, dead);
    mp_executor_stats_t st = stats_of(ex);
    EXPECT_EQ(st.worker_deaths, 1);
    EXPECT(st.workers_started >= 2, "%llu workers started: no replacement",
           (unsigned long long)st.workers_started);
    mp_executor_destroy(ex); /* joins the thread that may run the callback */
    EXPECT_EQ(atomic_load(&calls), 1);
    destroy_futures(fs, 2 * AROUND + 1);
}

static void test_death_sigkill(void)
{
    worker_death(EXEC_DIE_KILL, -SIGKILL, false);
}

static void test_death_sigsegv(void)
{
    worker_death(EXEC_DIE_SEGV, -SIGSEGV, false);
}

static void test_death_abort(void)
{
    worker_death(EXEC_DIE_ABORT, -SIGABRT, false);
}

static void test_death_exit(void)
{
    worker_death(EXEC_DIE_EXIT, EXEC_EXIT_CODE, false);
}

/* A worker dies while a waiting shutdown runs: the shutdown returns, the
 * retiring executor still replaces the worker for the tasks left. */
static void test_death_in_shutdown(void)
{
    worker_death(EXEC_DIE_KILL, -SIGKILL, true);
}

/* A worker killed while idle fails no task, and the next tasks run on a
 * new one. */
static void test_idle_death(void)
{
    mp_executor_t *ex = executor_new((mp_executor_opts_t){.max_workers = 1});
    mp_future_t *first = ex ? submit_i64(ex, "task_square", 2) : NULL;
    if (first) {
        expect_square(first, 2);
        mp_pid_t pid = worker_of(first);
        kill_pid((pid_t)pid);
        expect_worker_gone(ex, pid);
        mp_future_t *fs[AROUND] = {NULL};
        for (int i = 0; i < AROUND; i++)
            fs[i] = submit_i64(ex, "task_square", i);
        for (int i = 0; i < AROUND; i++) {
            expect_square(fs[i], i);
            EXPECT(worker_of(fs[i]) != pid, "a task ran on the dead worker %lld", (long long)pid);
        }
        EXPECT_EQ(stats_of(ex).worker_deaths, 1);
        destroy_futures(fs, AROUND);
    }
    mp_future_destroy(first);
    mp_executor_destroy(ex);
}

/* A map whose one argument kills its worker or hangs past the executor's
 * `limit` (chunks of 8 over 30): that result fails with `code`, every
 * other is right, those of its chunk included; mp_executor_map_i64() says
 * which index failed. */
static void map_fault(exec_death_t how, int code, double limit)
{
    enum { N = 30, BAD = 17 };
    mp_executor_t *ex = executor_new((mp_executor_opts_t){.max_workers = 2, .task_timeout = limit});
    if (!ex)
        return;
    int64_t args[N], out[N];
    for (int i = 0; i < N; i++)
        args[i] = i == BAD ? -(int64_t)how : i;
    mp_map_t *m = NULL;
    if (EXPECT_RC(mp_executor_map(ex, &m, "task_exec_square_or_die", args, sizeof args[0], N,
                                  &(mp_map_opts_t){.chunksize = 8}),
                  0))
        for (int i = 0; i < N; i++) {
            int64_t got = -1;
            int got_code = 0;
            if (i != BAD) {
                if (EXPECT_RC(mp_map_get_i64(m, i, &got), 0))
                    EXPECT_EQ(got, (int64_t)i * i);
            } else if (EXPECT_RC(mp_map_get(m, i, NULL, NULL), MP_ETASK) &&
                       EXPECT_RC(mp_map_error(m, i, &got_code, NULL), 0)) {
                EXPECT_RC(got_code, code);
            }
        }
    mp_map_destroy(m);
    EXPECT_RC(mp_executor_map_i64(ex, "task_exec_square_or_die", args, out, N, LIMIT_S), MP_ETASK);
    EXPECT(has_number(mp_errdetail(), BAD), "the index %d is not in \"%s\"", BAD, mp_errdetail());
    mp_executor_destroy(ex);
}

static void test_map_death(void)
{
    map_fault(EXEC_DIE_SEGV, MP_EWORKERDIED, 0);
}

static void test_map_task_limit(void)
{
    map_fault(EXEC_HANG, MP_ETIMEDOUT, TASK_LIMIT_S);
}

/* A worker's last answer, a large one, sent just before it dies (its next
 * task kills it), arrives whole: the executor reads what a dead worker
 * sent before it settles the death. */
static void test_answer_before_death(void)
{
    const size_t len = (size_t)1 << 20;
    unsigned char *big = malloc(len);
    mp_executor_t *ex = big ? executor_new((mp_executor_opts_t){.max_workers = 1}) : NULL;
    if (ex) {
        for (size_t i = 0; i < len; i++)
            big[i] = (unsigned char)exec_message_char(i);
        mp_future_t *echo = NULL;
        EXPECT_RC(mp_executor_submit(ex, &echo, "task_echo", big, len), 0);
        mp_future_t *die = submit_i64(ex, "task_exec_die", EXEC_DIE_KILL);
        const void *data = NULL;
        size_t got = 0;
        if (EXPECT_RC(mp_future_result(echo, LIMIT_S, &data, &got), 0))
            EXPECT(got == len && memcmp(data, big, len) == 0, "the answer came back changed");
        expect_worker_died(die, -SIGKILL);
        mp_future_destroy(die);
        mp_future_destroy(echo);
    }
    mp_executor_destroy(ex);
    free(big);
}

/* The test itself SIGKILLs the worker of a running task, as an OOM killer
 * or an operator would; the task behind it runs on the replacement. */
static void test_killed_from_outside(void)
{
    busy_t b;
    if (busy_start(&b, (mp_executor_opts_t){.max_workers = 1}, LONG_TASK_S)) {
        mp_future_t *next = submit_i64(b.ex, "task_square", 12);
        mp_pid_t pid = worker_of(b.sleeper);
        if (EXPECT(pid > 0, "no worker for a running task"))
            kill_pid((pid_t)pid);
        EXPECT_EQ(expect_worker_died(b.sleeper, -SIGKILL), pid);
        expect_square(next, 12);
        expect_worker_gone(b.ex, pid);
        mp_future_destroy(next);
    }
    busy_end(&b);
}

/* Under forkserver, the fork server is SIGKILLed while a worker runs a
 * task, then the worker is: the death is still seen (its task fails with
 * MP_EWORKERDIED), and the replacement starts through a new server. */
static void test_fork_server_killed(void)
{
    busy_t b;
    if (busy_start(&b, (mp_executor_opts_t){.max_workers = 1}, LONG_TASK_S)) {
        pid_t server = mp__posix_forkserver_pid();
        mp_pid_t pid = worker_of(b.sleeper);
        if (EXPECT(server > 0, "no fork server") && EXPECT(pid > 0, "no worker")) {
            kill_pid(server);
            EXPECT(wait_pid_gone(server, LIMIT_S), "fork server %d did not die", (int)server);
            kill_pid((pid_t)pid);
            expect_worker_died(b.sleeper, -SIGKILL);
            mp_future_t *after = submit_i64(b.ex, "task_square", 5);
            expect_square(after, 5);
            mp_future_destroy(after);
        }
    }
    busy_end(&b);
}

/* One worker takes tasks in batches: the ones a dead worker had been given
 * but had not started are run by its replacement, none lost. */
static void test_requeue(void)
{
    mp_executor_t *ex = executor_new((mp_executor_opts_t){.max_workers = 1});
    if (!ex)
        return;
    mp_future_t *die = submit_i64(ex, "task_exec_die", EXEC_DIE_KILL);
    mp_future_t *fs[REQUEUE_N] = {NULL};
    for (int i = 0; i < REQUEUE_N; i++)
        fs[i] = submit_i64(ex, "task_square", i);
    expect_worker_died(die, -SIGKILL);
    for (int i = 0; i < REQUEUE_N; i++)
        expect_square(fs[i], i);
    mp_executor_stats_t st = stats_of(ex);
    EXPECT_EQ(st.worker_deaths, 1);
    EXPECT_EQ(st.tasks_done, REQUEUE_N + 1);
    printf("(%llu tasks requeued) ", (unsigned long long)st.tasks_requeued);
    destroy_futures(fs, REQUEUE_N);
    mp_future_destroy(die);
    mp_executor_destroy(ex);
}

/* ---- a worker that cannot start ---------------------------------------- */

/* Every worker that got as far as its initializer (which named a file in
 * `dir` after its pid) is gone; returns how many there were. */
static int pids_gone(const char *dir)
{
    DIR *d = opendir(dir);
    int count = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue; /* ".", "..", a file still being written */
        count++;
        EXPECT(wait_pid_gone((pid_t)pid, LIMIT_S), "worker %ld is still alive", pid);
    }
    if (d)
        closedir(d);
    return count;
}

/* Every start's initializer records its pid in `dir`, then dies or fails
 * as `how` says. After MP_EXECUTOR_START_FAILURES starts the executor is
 * broken: pending futures fail with MP_EBROKEN, a submit answers it with
 * the first cause in mp_errdetail(), and no worker is left. */
static void broken_at_start(exec_death_t how, const char *cause)
{
    char dir[TASK_STR];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    ctl_arg_t init = make_ctl(dir, how, 0);
    mp_executor_t *ex = executor_with_init(MP_EXECUTOR_PROCESSES, 2, &init);
    mp_future_t *fs[AROUND] = {NULL};
    for (int i = 0; ex && i < AROUND; i++)
        fs[i] = submit_i64(ex, "task_square", i);
    for (int i = 0; ex && i < AROUND; i++)
        expect_failed_with(fs[i], MP_EBROKEN);
    mp_future_t *late = NULL;
    if (ex && EXPECT_RC(mp_executor_submit_i64(ex, &late, "task_square", 1), MP_EBROKEN)) {
        const char *detail = mp_errdetail();
        EXPECT(cause ? strstr(detail, cause) != NULL : names_signal(detail, SIGSEGV),
               "the first cause (%s) is not in the detail: \"%s\"", cause ? cause : "SIGSEGV",
               detail);
    }
    if (ex) {
        /* A worker still starting when the executor broke is killed then,
         * and is gone once reaped, a moment later. */
        EXPECT(wait_no_workers(ex, LIMIT_S), "workers alive in a broken executor");
        mp_executor_stats_t st = stats_of(ex);
        EXPECT(st.workers_started >= MP_EXECUTOR_START_FAILURES &&
                   st.workers_started < MP_EXECUTOR_START_FAILURES + 2,
               "%llu starts for a limit of %d in a row", (unsigned long long)st.workers_started,
               MP_EXECUTOR_START_FAILURES);
    }
    int started = pids_gone(dir);
    EXPECT(started >= MP_EXECUTOR_START_FAILURES, "%d initializers ran", started);
    destroy_futures(fs, AROUND);
    mp_executor_destroy(ex);
    remove_tree(dir);
}

static void test_start_crash(void)
{
    broken_at_start(EXEC_DIE_SEGV, NULL); /* NULL: the cause names SIGSEGV */
}

static void test_start_fail(void)
{
    broken_at_start(EXEC_INIT_FAIL, EXEC_INIT_FAIL_TEXT);
}

/* The first start is killed in its initializer, the later ones succeed:
 * a failed start is not a broken executor, and the tasks it had been
 * given run on the next worker. */
static void test_start_recovers(void)
{
    char dir[TASK_STR];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    ctl_arg_t init = make_ctl(dir, EXEC_INIT_ONCE, 0);
    mp_executor_t *ex = executor_with_init(MP_EXECUTOR_PROCESSES, 1, &init);
    mp_future_t *fs[AROUND] = {NULL};
    for (int i = 0; ex && i < AROUND; i++)
        fs[i] = submit_i64(ex, "task_square", i);
    for (int i = 0; ex && i < AROUND; i++)
        expect_square(fs[i], i);
    if (ex)
        EXPECT(stats_of(ex).workers_started >= 2, "the failed start was not replaced");
    destroy_futures(fs, AROUND);
    mp_executor_destroy(ex);
    remove_tree(dir);
}

/* A thread executor whose initializer fails is broken the same way. */
static void test_threads_init_fail(void)
{
    char dir[TASK_STR];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    ctl_arg_t init = make_ctl(dir, EXEC_INIT_FAIL, 0);
    mp_executor_t *ex = executor_with_init(MP_EXECUTOR_THREADS, 2, &init);
    mp_future_t *f = ex ? submit_i64(ex, "task_square", 3) : NULL, *late = NULL;
    if (f) {
        expect_failed_with(f, MP_EBROKEN);
        if (EXPECT_RC(mp_executor_submit_i64(ex, &late, "task_square", 1), MP_EBROKEN))
            EXPECT(strstr(mp_errdetail(), EXEC_INIT_FAIL_TEXT) != NULL,
                   "the first cause is not in the detail: \"%s\"", mp_errdetail());
    }
    mp_future_destroy(f);
    mp_executor_destroy(ex);
    remove_tree(dir);
}

/* ---- per-task time limits ---------------------------------------------- */

/* A sleeper over its limit fails with MP_ETIMEDOUT promptly; its worker is
 * killed and replaced; squares around it succeed. `executor_limit` is the
 * executor's task_timeout, `submit_limit` the sleeper's own. */
static void overdue(double executor_limit, double submit_limit)
{
    char dir[TASK_STR];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    mp_executor_t *ex = executor_new(
        (mp_executor_opts_t){.max_workers = 2, .task_timeout = executor_limit});
    if (ex) {
        double t0 = now_s();
        mp_future_t *sleeper = submit_sleeper(ex, dir, "overdue", LONG_TASK_S, submit_limit);
        mp_future_t *fs[AROUND] = {NULL};
        for (int i = 0; i < AROUND; i++)
            fs[i] = submit_i64(ex, "task_square", i);
        expect_failed_with(sleeper, MP_ETIMEDOUT);
        double took = now_s() - t0;
        EXPECT(took < PROMPT_S, "the overdue task failed after %.1f s", took);
        mp_pid_t killed = worker_of(sleeper);
        expect_worker_gone(ex, killed);
        for (int i = 0; i < AROUND; i++)
            expect_square(fs[i], i);
        /* The executor still has its two workers' worth of room. */
        mp_future_t *after[2] = {submit_i64(ex, "task_square", 5),
                                 submit_i64(ex, "task_square", 6)};
        expect_square(after[0], 5);
        expect_square(after[1], 6);
        EXPECT(worker_of(after[0]) != killed && worker_of(after[1]) != killed,
               "a task ran on the killed worker %lld", (long long)killed);
        destroy_futures(after, 2);
        destroy_futures(fs, AROUND);
        mp_future_destroy(sleeper);
    }
    mp_executor_destroy(ex);
    remove_tree(dir);
}

static void test_timeout_default(void)
{
    overdue(TASK_LIMIT_S, 0);
}

static void test_timeout_per_submit(void)
{
    overdue(0, TASK_LIMIT_S);
}

/* A submit's MP_FOREVER lifts the executor's limit: a task longer than it
 * succeeds. */
static void test_timeout_lifted(void)
{
    char dir[TASK_STR];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    mp_executor_t *ex = executor_new(
        (mp_executor_opts_t){.max_workers = 1, .task_timeout = TASK_LIMIT_S});
    if (ex) {
        mp_future_t *f = submit_sleeper(ex, dir, "lifted", TASK_LIMIT_S + 1.0, MP_FOREVER);
        EXPECT_RC(mp_future_result(f, LIMIT_S, NULL, NULL), 0);
        mp_future_destroy(f);
    }
    mp_executor_destroy(ex);
    remove_tree(dir);
}

/* A time limit counts from when a task starts, not from when it was
 * submitted or given to its worker: one worker runs three sleeps of 0.6
 * of the limit in a row, the last done at 1.8 limits after the submit,
 * and none fails. */
static void test_limit_from_start(void)
{
    mp_executor_t *ex = executor_new(
        (mp_executor_opts_t){.max_workers = 1, .task_timeout = TASK_LIMIT_S});
    mp_future_t *fs[3] = {NULL};
    for (int i = 0; ex && i < 3; i++)
        EXPECT_RC(mp_executor_submit_double(ex, &fs[i], "task_sleep", 0.6 * TASK_LIMIT_S), 0);
    for (int i = 0; ex && i < 3; i++)
        EXPECT_RC(mp_future_result(fs[i], LIMIT_S, NULL, NULL), 0);
    destroy_futures(fs, 3);
    mp_executor_destroy(ex);
}

/* Destroying an executor waits for its tasks; a hung one with a time
 * limit is killed at its limit, so the destroy returns then, not when the
 * task would have ended, and its future (valid, done) says MP_ETIMEDOUT. */
static void test_destroy_overdue(void)
{
    mp_executor_t *ex = executor_new(
        (mp_executor_opts_t){.max_workers = 1, .task_timeout = TASK_LIMIT_S});
    mp_future_t *hung = ex ? submit_i64(ex, "task_exec_die", EXEC_HANG) : NULL;
    double t0 = now_s();
    mp_executor_destroy(ex);
    double took = now_s() - t0;
    EXPECT(took < PROMPT_S, "the destroy took %.1f s", took);
    if (hung) {
        EXPECT_EQ(mp_future_is_done(hung), 1);
        expect_failed_with(hung, MP_ETIMEDOUT);
    }
    mp_future_destroy(hung);
}

/* The handle's destroy in a thread of its own (returns_within()). */
static void destroy_it(void *handle)
{
    mp_executor_destroy(handle);
}

static bool destroy_within(mp_executor_t *x, double timeout)
{
    return returns_within(destroy_it, x, timeout);
}

/* A destroy stops the last worker, waits until the monitor thread has
 * reaped it, then tells the monitor to end: whenever that comes in the
 * monitor's loop, the destroy returns. DESTROY_ROUNDS executors of one
 * worker, whose first worker is killed idle, destroyed right after a task
 * on the second. */
static void test_destroy_race(void)
{
    for (int i = 0; i < DESTROY_ROUNDS; i++) {
        mp_executor_t *ex = executor_new((mp_executor_opts_t){.max_workers = 1});
        if (!ex)
            return;
        mp_future_t *f[2] = {submit_i64(ex, "task_square", i), NULL};
        expect_square(f[0], i);
        kill_pid((pid_t)worker_of(f[0]));
        f[1] = submit_i64(ex, "task_square", i);
        expect_square(f[1], i);
        destroy_futures(f, 2);
        if (!EXPECT(destroy_within(ex, LIMIT_S), "round %d: mp_executor_destroy() hangs", i))
            return;
    }
}

/* ---- abort ----------------------------------------------------------- */

/* One worker runs a sleeper; a square waits behind it. Aborting the
 * pending square cancels it and kills nothing; aborting the sleeper kills
 * its worker, the future says MP_ECANCELLED, and a new worker takes over. */
static void test_abort(void)
{
    busy_t b;
    if (busy_start(&b, (mp_executor_opts_t){.max_workers = 1}, LONG_TASK_S)) {
        mp_future_t *pending = submit_i64(b.ex, "task_square", 3);
        EXPECT_EQ(mp_future_is_running(b.sleeper), 1);
        EXPECT_EQ(mp_future_abort(pending), 1);
        EXPECT_RC(mp_future_result(pending, 0, NULL, NULL), MP_ECANCELLED);
        EXPECT_EQ(mp_future_is_cancelled(pending), 1);
        EXPECT_EQ(mp_future_cancel(pending), 1); /* already cancelled */
        EXPECT_EQ(mp_future_is_done(b.sleeper), 0);
        mp_pid_t victim = worker_of(b.sleeper);
        EXPECT(lists_worker(b.ex, victim), "the pending abort killed worker %lld",
               (long long)victim);
        double t0 = now_s();
        EXPECT_EQ(mp_future_abort(b.sleeper), 1);
        EXPECT_RC(mp_future_result(b.sleeper, LIMIT_S, NULL, NULL), MP_ECANCELLED);
        EXPECT(now_s() - t0 < PROMPT_S, "the abort took %.1f s", now_s() - t0);
        EXPECT_EQ(mp_future_is_cancelled(b.sleeper), 1);
        expect_worker_gone(b.ex, victim);
        mp_future_t *after = submit_i64(b.ex, "task_square", 4);
        expect_square(after, 4);
        EXPECT(worker_of(after) != victim, "a task ran on the aborted worker");
        EXPECT_EQ(mp_future_abort(after), 0); /* finished: left alone */
        mp_future_destroy(after);
        mp_future_destroy(pending);
    }
    busy_end(&b);
}

/* ---- SIGINT ------------------------------------------------------------ */

static volatile sig_atomic_t sigints;

static void on_sigint(int signo)
{
    (void)signo;
    sigints++;
}

/* Sends SIGINT every 0.1 s, from 0.2 s on, to the waiting thread and to
 * each worker, until stopped: one signal may land while the waiter spins
 * rather than sleeps in the kernel, where no wait sees it. */
typedef struct sigint_sender {
    pthread_t thread, target;
    mp_pid_t workers[2];
    atomic_bool stop;
} sigint_sender_t;

static void *sigint_sender_main(void *arg)
{
    sigint_sender_t *s = arg;
    sleep_s(0.2);
    while (!atomic_load(&s->stop)) {
        pthread_kill(s->target, SIGINT);
        for (int i = 0; i < 2; i++)
            kill((pid_t)s->workers[i], SIGINT);
        sleep_s(0.1);
    }
    return NULL;
}

/* Whether process `pid` ignores `signo` (its SigIgn mask in /proc). */
static bool ignores_signal(mp_pid_t pid, int signo)
{
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/%lld/status", (long long)pid);
    if (read_text_file(path, text, sizeof text) < 0)
        return false;
    const char *line = strstr(text, "SigIgn:");
    unsigned long long mask = 0;
    return line && sscanf(line, "SigIgn: %llx", &mask) == 1 && (mask >> (signo - 1) & 1);
}

/* Run `call(ctx)` while `s` sends SIGINT; its code. */
static int interrupted(sigint_sender_t *s, int (*call)(void *), void *ctx)
{
    atomic_store(&s->stop, false);
    if (!EXPECT(pthread_create(&s->thread, NULL, sigint_sender_main, s) == 0, "no thread"))
        return MP_ESTATE;
    int rc = call(ctx);
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    return rc;
}

static int wait_result(void *f)
{
    return mp_future_result(f, LIMIT_S, NULL, NULL);
}

static int wait_shutdown(void *ex)
{
    return mp_executor_shutdown(ex, true, true);
}

/* Both workers are alive, ignore SIGINT, and none died. */
static void expect_workers_survived(mp_executor_t *ex, const sigint_sender_t *s)
{
    for (int i = 0; i < 2; i++) {
        EXPECT(pid_running((pid_t)s->workers[i]), "worker %lld died of SIGINT",
               (long long)s->workers[i]);
        EXPECT(ignores_signal(s->workers[i], SIGINT), "worker %lld does not ignore SIGINT",
               (long long)s->workers[i]);
    }
    EXPECT_EQ(stats_of(ex).worker_deaths, 0);
}

/* Two workers sleep; SIGINT comes to the parent, blocked in a result wait
 * with the switch on, and to both workers. The wait returns MP_EINTR, the
 * workers ignored it (still alive, SIGINT in their ignored set); the
 * caller shuts down, a waiting shutdown that SIGINT interrupts too: the
 * executor is shut down, its workers still run, and aborts stop them. */
static void test_sigint(void)
{
    char dir[TASK_STR];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    struct sigaction sa = {.sa_handler = on_sigint}, old;
    sigemptyset(&sa.sa_mask); /* sa_flags 0: no SA_RESTART */
    sigaction(SIGINT, &sa, &old);
    int was = mp_set_interruptible(true);
    mp_executor_t *ex = executor_new((mp_executor_opts_t){.max_workers = 2});
    mp_future_t *fs[2] = {NULL, NULL}, *late = NULL;
    if (ex) {
        fs[0] = submit_sleeper(ex, dir, "int0", LONG_TASK_S, 0);
        fs[1] = submit_sleeper(ex, dir, "int1", LONG_TASK_S, 0);
    }
    sigint_sender_t s = {.target = pthread_self()};
    if (fs[0] && fs[1] && wait_running(dir, "int0") && wait_running(dir, "int1")) {
        s.workers[0] = worker_of(fs[0]);
        s.workers[1] = worker_of(fs[1]);
        sigints = 0;
        EXPECT_RC(interrupted(&s, wait_result, fs[0]), MP_EINTR);
        EXPECT(sigints > 0, "no SIGINT was handled");
        EXPECT_EQ(mp_future_is_done(fs[0]), 0);
        expect_workers_survived(ex, &s);
        EXPECT_RC(interrupted(&s, wait_shutdown, ex), MP_EINTR);
        EXPECT_RC(mp_executor_submit_i64(ex, &late, "task_square", 1), MP_ESHUTDOWN);
        expect_workers_survived(ex, &s);
        EXPECT_EQ(mp_future_abort(fs[0]), 1);
        EXPECT_EQ(mp_future_abort(fs[1]), 1);
    }
    mp_executor_destroy(ex);
    for (int i = 0; i < 2; i++)
        EXPECT(s.workers[i] == 0 || wait_pid_gone((pid_t)s.workers[i], LIMIT_S),
               "worker %lld outlived the executor", (long long)s.workers[i]);
    destroy_futures(fs, 2);
    mp_set_interruptible(was);
    sigaction(SIGINT, &old, NULL);
    remove_tree(dir);
}

/* ---- no worker outlives its parent ---------------------------------- */

/* A child makes an executor of two busy workers, reports their pids, and
 * is SIGKILLed: the workers end soon after. */
static void test_parent_killed(void)
{
    enum { WORKERS = 2 };
    char dir[TASK_STR], path[TASK_STR + 16], text[512] = "";
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/pids", dir);
    ctl_arg_t ctl = make_ctl(path, WORKERS, LONG_TASK_S);
    mp_process_t *owner = start_process(
        &(mp_process_opts_t){.task = "task_exec_owner", .arg = &ctl, .arg_len = sizeof ctl});
    if (owner &&
        EXPECT(wait_for_file(path, LIMIT_S, text, sizeof text), "no pids from the child") &&
        EXPECT(strncmp(text, "error", 5) != 0, "the child says: %s", text)) {
        long long pids[WORKERS] = {0};
        int n = sscanf(text, "%lld %lld", &pids[0], &pids[1]);
        EXPECT_EQ(n, WORKERS);
        for (int i = 0; i < n; i++)
            EXPECT(pid_running((pid_t)pids[i]), "worker %lld is not running", pids[i]);
        EXPECT_RC(mp_process_kill(owner), 0);
        EXPECT_RC(mp_process_join(owner, JOIN_LIMIT_S), 0);
        for (int i = 0; i < n; i++)
            EXPECT(wait_pid_gone((pid_t)pids[i], LIMIT_S), "worker %lld outlived its parent",
                   pids[i]);
    }
    dispose_process(owner);
    remove_tree(dir);
}

/* ---- max_tasks_per_child ------------------------------------------------ */

/* One task per worker, two workers, twenty tasks, a waiting shutdown right
 * after the submits: each retiring worker is replaced although the
 * executor is shutting down, and every task completes. (Not with fork:
 * max_tasks_per_child refuses a fork context, as Python; NULL is spawn.) */
static void test_retire_in_shutdown(void)
{
    mp_context_t *fork_ctx = NULL;
    mp_executor_t *ex = NULL;
    if (EXPECT_RC(mp_get_context(&fork_ctx, "fork"), 0))
        EXPECT_RC(mp_executor_create(
                      &ex, &(mp_executor_opts_t){.context = fork_ctx, .max_tasks_per_child = 1}),
                  MP_EINVAL);
    bool fork = strcmp(suite_method(), "fork") == 0;
    mp_context_t *ctx = fork ? NULL : method_context();
    ex = NULL;
    if (!EXPECT_RC(mp_executor_create(&ex, &(mp_executor_opts_t){.max_workers = 2,
                                                                 .context = ctx,
                                                                 .max_tasks_per_child = 1}),
                   0))
        return;
    mp_future_t *fs[RETIRE_N] = {NULL};
    for (int i = 0; i < RETIRE_N; i++)
        fs[i] = submit_i64(ex, "task_square", i);
    EXPECT_RC(mp_executor_shutdown(ex, true, false), 0);
    for (int i = 0; i < RETIRE_N; i++) {
        EXPECT_EQ(mp_future_is_done(fs[i]), 1);
        expect_square(fs[i], i);
    }
    mp_executor_stats_t st = stats_of(ex);
    EXPECT(st.workers_started >= RETIRE_N, "%llu workers for %d tasks of one per worker",
           (unsigned long long)st.workers_started, RETIRE_N);
    EXPECT_EQ(st.worker_deaths, 0);
    EXPECT_EQ(st.workers_alive, 0);
    mp_future_t *late = NULL;
    EXPECT_RC(mp_executor_submit_i64(ex, &late, "task_square", 1), MP_ESHUTDOWN);
    destroy_futures(fs, RETIRE_N);
    mp_executor_destroy(ex);
}

/* ---- the thread executor: a stopped task fails at once ------------------ */

/* A thread sleeps THREAD_TASK_S past its limit (`by_abort` false) or is
 * aborted while it runs: the future fails well before the sleep ends, and
 * the other thread goes on working. */
static void thread_stopped(bool by_abort)
{
    busy_t b;
    mp_executor_opts_t opts = {.kind = MP_EXECUTOR_THREADS,
                               .max_workers = 2,
                               .task_timeout = by_abort ? 0 : THREAD_LIMIT_S};
    if (busy_start(&b, opts, THREAD_TASK_S)) {
        if (by_abort) {
            EXPECT_EQ(mp_future_abort(b.sleeper), 1);
            EXPECT_RC(mp_future_result(b.sleeper, LIMIT_S, NULL, NULL), MP_ECANCELLED);
        } else {
            expect_failed_with(b.sleeper, MP_ETIMEDOUT);
        }
        double took = now_s() - b.submitted;
        EXPECT(took < THREAD_PROMPT_S, "the stopped thread task failed %.2f s in", took);
        EXPECT_EQ(worker_of(b.sleeper), 0);
        mp_future_t *other = submit_i64(b.ex, "task_square", 7);
        expect_square(other, 7);
        mp_future_destroy(other);
    }
    busy_end(&b); /* waits for the sleeping thread */
}

static void test_threads_timeout(void)
{
    thread_stopped(false);
}

static void test_threads_abort(void)
{
    thread_stopped(true);
}

static const test_case_t tests[] = {
    {"death_sigkill", test_death_sigkill, ON_ALL},
    {"death_sigsegv", test_death_sigsegv, ON_ALL},
    {"death_abort", test_death_abort, ON_ALL},
    {"death_exit", test_death_exit, ON_ALL},
    {"death_in_shutdown", test_death_in_shutdown, ON_ALL},
    {"idle_death", test_idle_death, ON_ALL},
    {"map_death", test_map_death, ON_ALL},
    {"map_task_limit", test_map_task_limit, ON_ALL},
    {"answer_before_death", test_answer_before_death, ON_ALL},
    {"killed_from_outside", test_killed_from_outside, ON_ALL},
    {"fork_server_killed", test_fork_server_killed, ON_FORKSERVER},
    {"requeue", test_requeue, ON_ALL},
    {"start_crash", test_start_crash, ON_ALL},
    {"start_fail", test_start_fail, ON_ALL},
    {"start_recovers", test_start_recovers, ON_ALL},
    {"threads_init_fail", test_threads_init_fail, ON_ALL},
    {"timeout_default", test_timeout_default, ON_ALL},
    {"timeout_per_submit", test_timeout_per_submit, ON_ALL},
    {"timeout_lifted", test_timeout_lifted, ON_ALL},
    {"limit_from_start", test_limit_from_start, ON_ALL},
    {"destroy_overdue", test_destroy_overdue, ON_ALL},
    {"destroy_race", test_destroy_race, ON_ALL},
    {"abort", test_abort, ON_ALL},
    {"sigint", test_sigint, ON_ALL},
    {"parent_killed", test_parent_killed, ON_ALL},
    {"retire_in_shutdown", test_retire_in_shutdown, ON_ALL},
    {"threads_timeout", test_threads_timeout, ON_ALL},
    {"threads_abort", test_threads_abort, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_executor_faults = {"executor_faults", true, tests};
