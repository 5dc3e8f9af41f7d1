/* Suite "log": multiproc/log.h, under every start method. Lines carry the
 * time, pid, level and process name of whoever wrote them (the parent, a
 * child, an executor's worker); the level filters; MP_LOG_LEVEL turns the
 * log on in a program started with it; a child takes its parent's level
 * (checklist item 37); a worker pool logs its workers' starts, deaths,
 * replacements, time-limit kills, shutdown and each job's timing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor_fault_tasks.h"
#include "executor_helpers.h"
#include "helpers.h"
#include "log_tasks.h"

/* ---- reading lines ------------------------------------------------- */

/* One line as the log writes it:
 * "[YYYY-MM-DDTHH:MM:SS.mmmZ PID LEVEL/NAME] MESSAGE". */
typedef struct log_line {
    long long pid;
    char level[16];
    char name[64];
    const char *message; /* into the text; runs to the line's end */
    size_t message_len;
} log_line_t;

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Whether `line` (up to its newline) is a log line; fills `out`. */
static bool parse_line(const char *line, log_line_t *out)
{
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    /* The time: fixed width, digits where digits go. */
    const char *t = line + 1;
    if (len < 27 || line[0] != '[' || !digits(t, 4) || t[4] != '-' || !digits(t + 5, 2) ||
        t[7] != '-' || !digits(t + 8, 2) || t[10] != 'T' || !digits(t + 11, 2) || t[13] != ':' ||
        !digits(t + 14, 2) || t[16] != ':' || !digits(t + 17, 2) || t[19] != '.' ||
        !digits(t + 20, 3) || t[23] != 'Z' || t[24] != ' ')
        return false;
    char *after;
    out->pid = strtoll(t + 25, &after, 10);
    if (after == t + 25 || *after != ' ')
        return false;
    const char *slash = memchr(after, '/', len - (size_t)(after - line));
    const char *close = memchr(after, ']', len - (size_t)(after - line));
    if (!slash || !close || slash > close || close[1] != ' ')
        return false;
    snprintf(out->level, sizeof out->level, "%.*s", (int)(slash - after - 1), after + 1);
    snprintf(out->name, sizeof out->name, "%.*s", (int)(close - slash - 1), slash + 1);
    out->message = close + 2;
    out->message_len = len - (size_t)(out->message - line);
    return true;
}

/* The first line of `text` at `level` (NULL: any) from process `name`
 * (NULL: any) with `pid` (0: any) whose message contains `words`; found
 * is filled. Every line that starts with '[' must be a log line. */
static bool find_line(const char *text, const char *level, const char *name, long long pid,
                      const char *words, log_line_t *found)
{
    for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
        log_line_t l;
        if (*s != '[' || !parse_line(s, &l))
            continue;
        char message[MP_LOG_LINE_MAX];
        snprintf(message, sizeof message, "%.*s", (int)l.message_len, l.message);
        if ((!level || strcmp(l.level, level) == 0) && (!name || strcmp(l.name, name) == 0) &&
            (!pid || l.pid == pid) && strstr(message, words)) {
            if (found)
                *found = l;
            return true;
        }
    }
    return false;
}

/* Lines that begin like log lines but are not well formed. */
static int malformed_lines(const char *text)
{
    int n = 0;
    for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
        log_line_t l;
        n += *s == '[' && !parse_line(s, &l);
    }
    return n;
}

/* A line must be there: find_line() that says what it looked for. */
static bool expect_line(const char *text, const char *level, const char *name, long long pid,
                        const char *words, const char *file, int line)
{
    return check_true(find_line(text, level, name, pid, words, NULL), file, line,
                      "no %s line from %s (pid %lld) saying '%s' in:\n%s", level ? level : "(any)",
                      name ? name : "(any)", pid, words, text);
}
#define EXPECT_LINE(text, level, name, pid, words) \
    expect_line((text), (level), (name), (long long)(pid), (words), __FILE__, __LINE__)
#define EXPECT_NO_LINE(text, words)                                                            \
    EXPECT(!find_line((text), NULL, NULL, 0, (words), NULL), "a line says '%s':\n%s", (words), \
           (text))

/* ---- a handler that keeps the lines -------------------------------- */

typedef struct captured {
    pthread_mutex_t mutex;
    char text[64 * 1024];
    size_t len;
    int calls;
} captured_t;

static captured_t captured = {.mutex = PTHREAD_MUTEX_INITIALIZER};

/* The handler: called from the library's threads too. */
static void keep_line(int level, const char *line, void *arg)
{
    captured_t *c = arg;
    (void)level;
    pthread_mutex_lock(&c->mutex);
    int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s\n", line);
    if (n > 0 && c->len + (size_t)n < sizeof c->text)
        c->len += (size_t)n;
    c->calls++;
    pthread_mutex_unlock(&c->mutex);
}

static void capture_start(int level)
{
    pthread_mutex_lock(&captured.mutex);
    captured.len = 0;
    captured.text[0] = '\0';
    captured.calls = 0;
    pthread_mutex_unlock(&captured.mutex);
    EXPECT_RC(mp_log_set_handler(keep_line, &captured), 0);
    EXPECT_RC(mp_log_set_level(level), 0);
}

/* A copy of what was captured so far. */
static void capture_text(char *out, size_t size)
{
    pthread_mutex_lock(&captured.mutex);
    snprintf(out, size, "%s", captured.text);
    pthread_mutex_unlock(&captured.mutex);
}

/* Wait (EXEC_WAIT_S at most) for a captured line saying `words`, logged
 * by a thread of the library that may not have run yet. */
static bool capture_wait(const char *words, char *out, size_t size)
{
    double deadline = now_s() + EXEC_WAIT_S;
    for (;;) {
        capture_text(out, size);
        if (find_line(out, NULL, NULL, 0, words, NULL) || now_s() > deadline)
            return find_line(out, NULL, NULL, 0, words, NULL);
        sleep_s(0.01);
    }
}

/* Back to the default: off, stderr. */
static void log_reset(void)
{
    mp_log_to_stderr(MP_LOG_INFO);
    mp_log_set_level(MP_LOG_OFF);
}

static long long my_pid(void)
{
    mp_process_info_t me;
    mp_current_process(&me);
    return me.pid;
}

/* ---- the parent's own lines ---------------------------------------- */

/* Format and filtering, through a handler and through stderr. */
static void test_log_lines_and_levels(void)
{
    static char text[64 * 1024];
    EXPECT_EQ(mp_log_get_level(), MP_LOG_OFF);
    capture_start(MP_LOG_INFO);
    mp_log(MP_LOG_INFO, "hello %d", 42);
    mp_log(MP_LOG_DEBUG, "below the level");
    mp_log(MP_LOG_ERROR, "trailing newline dropped\n");
    capture_text(text, sizeof text);
    EXPECT_LINE(text, "INFO", "MainProcess", my_pid(), "hello 42");
    EXPECT_LINE(text, "ERROR", "MainProcess", my_pid(), "trailing newline dropped");
    EXPECT_NO_LINE(text, "below the level");
    EXPECT_EQ(captured.calls, 2);
    EXPECT_EQ(malformed_lines(text), 0);

    /* A long message is cut to one line of MP_LOG_LINE_MAX, ending "...". */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    capture_start(MP_LOG_DEBUG);
    mp_log(MP_LOG_WARNING, "%s", big);
    capture_text(text, sizeof text);
    EXPECT(strlen(text) == MP_LOG_LINE_MAX && strcmp(text + MP_LOG_LINE_MAX - 4, "...\n") == 0,
           "a cut line is %zu bytes", strlen(text));

    /* stderr: written whole, then filtered by a level between the names. */
    char dir[512], path[600];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    int saved = stderr_redirect(path);
    EXPECT(saved >= 0, "cannot redirect stderr");
    mp_log_to_stderr(25);
    mp_log(MP_LOG_INFO, "info is below 25");
    mp_log(MP_LOG_SUBWARNING, "subwarning passes");
    mp_log(MP_LOG_CRITICAL, "critical passes");
    EXPECT_EQ(mp_log_get_level(), 25);
    stderr_restore(saved);
    read_text_file(path, text, sizeof text);
    EXPECT_LINE(text, "SUBWARNING", "MainProcess", my_pid(), "subwarning passes");
    EXPECT_LINE(text, "CRITICAL", "MainProcess", my_pid(), "critical passes");
    EXPECT_NO_LINE(text, "info is below 25");
    EXPECT_EQ(malformed_lines(text), 0);
    remove_tree(dir);
    log_reset();
}

/* Bad input is a code, never a crash. */
static void test_log_bad_input(void)
{
    int level = -1;
    EXPECT_RC(mp_log_level_from_name("loud", &level), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "loud") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_log_level_from_name("", &level), MP_EINVAL);
    EXPECT_RC(mp_log_level_from_name("10x", &level), MP_EINVAL);
    EXPECT_RC(mp_log_level_from_name("51", &level), MP_EINVAL);
    EXPECT_RC(mp_log_level_from_name(NULL, &level), MP_EINVAL);
    EXPECT_RC(mp_log_level_from_name("info", NULL), MP_EINVAL);
    EXPECT_EQ(level, -1);
    EXPECT_RC(mp_log_level_from_name("Debug", &level), 0);
    EXPECT_EQ(level, MP_LOG_DEBUG);
    EXPECT_RC(mp_log_level_from_name("WARNING", &level), 0);
    EXPECT_EQ(level, MP_LOG_WARNING);
    EXPECT_RC(mp_log_level_from_name("15", &level), 0);
    EXPECT_EQ(level, 15);
    EXPECT_STR(mp_log_level_name(15), "Level 15");
    EXPECT_STR(mp_log_level_name(MP_LOG_SUBDEBUG), "SUBDEBUG");
    EXPECT_RC(mp_log_set_handler(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_log_set_level(-1), MP_EINVAL);
    EXPECT_RC(mp_log_set_level(MP_LOG_CRITICAL + 1), MP_EINVAL);
    EXPECT_RC(mp_log_to_stderr(99), MP_EINVAL);
    EXPECT_EQ(mp_log_get_level(), MP_LOG_OFF);
    /* mp_log_to_stderr(MP_LOG_OFF) from off: Python's default, WARNING. */
    EXPECT_RC(mp_log_to_stderr(MP_LOG_OFF), 0);
    EXPECT_EQ(mp_log_get_level(), MP_LOG_WARNING);
    mp_log(MP_LOG_ERROR, NULL); /* nothing, no crash */
    log_reset();
}

/* ---- children ------------------------------------------------------ */

/* Run task_log_child (its stderr into `path`); its level, -1 on failure. */
static int64_t child_level(const char *path, pid_t *pid, char *name, size_t name_size)
{
    ctl_arg_t ctl = make_ctl(path, 0, 0);
    mp_process_t *p = run_process(&(mp_process_opts_t){
        .task = "task_log_child", .context = method_context(), .arg = &ctl, .arg_len = sizeof ctl});
    int64_t level = -1;
    if (p && exitcode_of(p) == 0 && result_of(p, &level, sizeof level)) {
        *pid = pid_of(p);
        snprintf(name, name_size, "%s", mp_process_name(p));
    }
    dispose_process(p);
    return level;
}

/* Checklist item 37: the level set in the parent reaches its children
 * under every start method, also when it is set after the fork server
 * started, and also when it turns the log off; the child's own lines
 * carry its pid and name. */
static void test_log_child_takes_parent_level(void)
{
    static char text[16 * 1024];
    char dir[512], path[600], name[64] = "";
    pid_t pid = 0;
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/child.txt", dir);
    /* The log off: the fork server (if any) starts now, with it off. */
    EXPECT_EQ(child_level(path, &pid, name, sizeof name), MP_LOG_OFF);
    EXPECT_RC(mp_log_to_stderr(MP_LOG_INFO), 0);
    EXPECT_EQ(child_level(path, &pid, name, sizeof name), MP_LOG_INFO);
    read_text_file(path, text, sizeof text);
    EXPECT_LINE(text, "INFO", name, (long long)pid, LOG_CHILD_INFO);
    EXPECT_LINE(text, "INFO", name, (long long)pid, "process shutting down");
    EXPECT_NO_LINE(text, LOG_CHILD_DEBUG);
    EXPECT(pid != my_pid(), "the child's pid is ours");
    EXPECT_RC(mp_log_set_level(MP_LOG_DEBUG), 0);
    EXPECT_EQ(child_level(path, &pid, name, sizeof name), MP_LOG_DEBUG);
    read_text_file(path, text, sizeof text);
    EXPECT_LINE(text, "DEBUG", name, (long long)pid, LOG_CHILD_DEBUG);
    EXPECT_LINE(text, "DEBUG", name, (long long)pid, "process exiting with exit code 0");
    EXPECT_EQ(malformed_lines(text), 0);
    EXPECT_RC(mp_log_set_level(MP_LOG_OFF), 0);
    EXPECT_EQ(child_level(path, &pid, name, sizeof name), MP_LOG_OFF);
    read_text_file(path, text, sizeof text);
    EXPECT(text[0] == '\0', "a child with the log off wrote:\n%s", text);
    remove_tree(dir);
    log_reset();
}

/* Run this program in --probe mode (a main process that starts one child
 * under the suite's method) with MP_LOG_LEVEL set to `env`; its stderr. */
static void run_probe_with_env(const char *dir, const char *env, char *err, size_t size)
{
    char out_path[600], err_path[600];
    snprintf(out_path, sizeof out_path, "%s/probe.out", dir);
    snprintf(err_path, sizeof err_path, "%s/probe.err", dir);
    char *argv[] = {(char *)self_exe(), "--start-method", (char *)suite_method(), "--probe", NULL};
    saved_env_t saved = env_save("MP_LOG_LEVEL");
    env_put("MP_LOG_LEVEL", env);
    int status = run_subprocess(self_exe(), argv, false, out_path, err_path, 60.0);
    env_restore(&saved);
    err[0] = '\0';
    read_text_file(err_path, err, size);
    EXPECT(status == 0, "the probe exited %d; stderr:\n%s", status, err);
}

/* MP_LOG_LEVEL turns the log on in a program started with it, and its
 * children take the level: lines from the main process and from its
 * child, each with its own pid; the level filters; a bad value is said
 * and ignored. */
static void test_log_env(void)
{
    static char err[32 * 1024];
    char dir[512];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    log_line_t main_line, child_line;
    run_probe_with_env(dir, "debug", err, sizeof err);
    EXPECT(find_line(err, "INFO", "MainProcess", 0, "process shutting down", &main_line),
           "no main process line:\n%s", err);
    EXPECT(find_line(err, "DEBUG", "Process-1", 0, "child process calling task 'task_probe_print'",
                     &child_line),
           "no child line:\n%s", err);
    EXPECT(main_line.pid != child_line.pid, "one pid %lld for both", main_line.pid);
    EXPECT_EQ(malformed_lines(err), 0);

    run_probe_with_env(dir, "info", err, sizeof err);
    EXPECT_LINE(err, "INFO", "MainProcess", 0, "process shutting down");
    EXPECT_NO_LINE(err, "child process calling task");

    run_probe_with_env(dir, "loud", err, sizeof err);
    EXPECT(strstr(err, "MP_LOG_LEVEL ignored: 'loud' is not a log level") != NULL,
           "no word about the bad value:\n%s", err);
    EXPECT_NO_LINE(err, "process shutting down");
    remove_tree(dir);
}

/* ---- worker pools ---------------------------------------------------- */

/* Executor workers log into their own stderr (a file, through the
 * initializer): their lines carry their pid and name, not the parent's;
 * the parent logs their start and each job's timing at DEBUG. */
static void test_log_worker_lines(void)
{
    static char text[64 * 1024], file[32 * 1024];
    char dir[512], path[600];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/worker.txt", dir);
    capture_start(MP_LOG_DEBUG);
    mp_executor_t *ex = start_executor_opts(
        &(mp_executor_opts_t){.max_workers = 1,
                              .context = method_context(),
                              .initializer = "task_log_stderr_init",
                              .initarg = path,
                              .initarg_len = strlen(path) + 1});
    mp_future_t *f = ex ? submit_i64(ex, "task_log_say", 7) : NULL;
    int64_t worker_pid = 0;
    EXPECT_RC(f ? mp_future_result_i64(f, EXEC_WAIT_S, &worker_pid) : MP_EINVAL, 0);
    mp_future_destroy(f);
    mp_executor_destroy(ex); /* the worker exits: its last lines are written */
    capture_wait("task 'task_log_say' (1 arg) queued", text, sizeof text);
    char started[64];
    snprintf(started, sizeof started, "(pid %lld) started in slot 0", (long long)worker_pid);
    EXPECT_LINE(text, "INFO", "MainProcess", my_pid(), started);
    EXPECT_LINE(text, "DEBUG", "MainProcess", my_pid(), "task 'task_log_say' (1 arg) queued");
    EXPECT_LINE(text, "INFO", "MainProcess", my_pid(), "executor shutting down");
    EXPECT_EQ(malformed_lines(text), 0);
    read_text_file(path, file, sizeof file);
    log_line_t said;
    EXPECT(find_line(file, "INFO", NULL, worker_pid, LOG_SAY_PREFIX " 7", &said),
           "no line from the worker (pid %lld):\n%s", (long long)worker_pid, file);
    EXPECT(strcmp(said.name, "MainProcess") != 0, "the worker calls itself MainProcess");
    EXPECT_LINE(file, "DEBUG", said.name, worker_pid, "process exiting with exit code 0");
    remove_tree(dir);
    log_reset();
}

/* A Pool runs on the same core: its workers' starts, each job's timing,
 * and its terminate (the workers it kills are said at INFO, not as
 * deaths). */
static void test_log_pool(void)
{
    static char text[64 * 1024];
    capture_start(MP_LOG_DEBUG);
    mp_pool_t *pool = NULL;
    EXPECT_RC(mp_pool_create(&pool, &(mp_pool_opts_t){.workers = 2, .context = method_context()}),
              0);
    int64_t in[4] = {1, 2, 3, 4}, out[4] = {0};
    EXPECT_RC(pool ? mp_pool_map_i64(pool, "task_exec_square_or_fail", in, out, 4) : MP_EINVAL, 0);
    EXPECT_EQ(out[3], 16);
    EXPECT_RC(pool ? mp_pool_terminate(pool) : MP_EINVAL, 0);
    EXPECT_RC(pool ? mp_pool_join(pool, EXEC_WAIT_S) : MP_EINVAL, 0);
    mp_pool_destroy(pool);
    capture_wait("ended by the pool's terminate", text, sizeof text);
    EXPECT_LINE(text, "INFO", "MainProcess", my_pid(), "started in slot 1");
    EXPECT_LINE(text, "DEBUG", "MainProcess", my_pid(), "task 'task_exec_square_or_fail' (");
    EXPECT_LINE(text, "INFO", "MainProcess", my_pid(), "ended by the pool's terminate");
    EXPECT_NO_LINE(text, "died");
    EXPECT_EQ(malformed_lines(text), 0);
    log_reset();
}

#if TEST_POSIX
/* A worker killed by SIGKILL while running a task, its replacement, a
 * task killed for its time limit, and the shutdown: each is a line of the
 * parent, naming the pid, the signal and the task. */
static void test_log_worker_deaths(void)
{
    static char text[64 * 1024];
    capture_start(MP_LOG_INFO);
    mp_executor_t *ex = start_executor_opts(
        &(mp_executor_opts_t){.max_workers = 1, .context = method_context()});
    if (!ex)
        return;
    mp_future_t *first = submit_i64(ex, "task_exec_square_or_fail", 3);
    int64_t pid = 0;
    EXPECT_RESULT_I64(first, 9);
    mp_future_t *die = submit_i64(ex, "task_exec_die", EXEC_DIE_KILL);
    EXPECT_TASK_ERROR(die, MP_EWORKERDIED, "task 'task_exec_die'");
    mp_future_t *after = submit_i64(ex, "task_exec_square_or_fail", 4);
    EXPECT_RESULT_I64(after, 16);
    capture_wait("replacing one that ended", text, sizeof text);
    log_line_t died;
    EXPECT(find_line(text, "WARNING", "MainProcess", my_pid(), "died: killed by signal 9", &died),
           "no death line:\n%s", text);
    EXPECT_LINE(text, "WARNING", "MainProcess", my_pid(),
                "task 'task_exec_die' was running when its worker process");
    EXPECT_LINE(text, "INFO", "MainProcess", my_pid(),
                "started in slot 0, replacing one that ended");
    (void)pid;
    destroy_futures((mp_future_t *[]){first, die, after}, 3);
    mp_executor_destroy(ex);

    /* A time limit: the worker is killed, and both are said. */
    capture_start(MP_LOG_INFO);
    ex = start_executor_opts(
        &(mp_executor_opts_t){.max_workers = 1, .context = method_context(), .task_timeout = 0.5});
    mp_future_t *hang = ex ? submit_i64(ex, "task_exec_die", EXEC_HANG) : NULL;
    if (hang)
        EXPECT_TASK_ERROR(hang, MP_ETIMEDOUT, "task 'task_exec_die'");
    mp_future_destroy(hang);
    mp_executor_destroy(ex);
    capture_wait("executor shutting down", text, sizeof text);
    EXPECT_LINE(text, "WARNING", "MainProcess", my_pid(),
                "task 'task_exec_die' ran past its time limit of 0.5 s: killing its worker pid");
    EXPECT_LINE(text, "INFO", "MainProcess", my_pid(), "executor shutting down");
    EXPECT_EQ(malformed_lines(text), 0);
    log_reset();
}
#endif

static const test_case_t tests[] = {
    {"log_lines_and_levels", test_log_lines_and_levels, ON_ALL},
    {"log_bad_input", test_log_bad_input, ON_ALL},
    {"log_child_takes_parent_level", test_log_child_takes_parent_level, ON_ALL},
    {"log_env", test_log_env, ON_ALL},
    {"log_worker_lines", test_log_worker_lines, ON_ALL},
    {"log_pool", test_log_pool, ON_ALL},
#if TEST_POSIX /* the deaths are POSIX signals */
    {"log_worker_deaths", test_log_worker_deaths, ON_ALL},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_log = {"log", true, tests};
