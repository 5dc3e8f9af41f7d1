/* Shared helpers of the conformance suite: assertions with messages, the
 * timing rules, the suite's start method, and process/file utilities. */
#include "helpers.h"

#include <CUnit/CUnit.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- assertions ------------------------------------------------------ */

bool check_true(bool ok, const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* CUnit copies the message, so a stack buffer is fine. */
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
    return ok;
}

bool expect_rc(int got, int want, const char *expr, const char *file, int line)
{
    bool ok = got == want;
    /* Read the detail now: the next library call may overwrite it. */
    check_true(ok, file, line, "%s returned %d (%s), expected %d (%s); detail: %s", expr, got,
               mp_err_name(got), want, mp_err_name(want), mp_errdetail());
    return ok;
}

bool expect_eq(long long got, long long want, const char *expr, const char *file, int line)
{
    bool ok = got == want;
    check_true(ok, file, line, "%s is %lld, expected %lld", expr, got, want);
    return ok;
}

bool expect_str(const char *got, const char *want, const char *expr, const char *file, int line)
{
    bool ok = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
    check_true(ok, file, line, "%s is \"%s\", expected \"%s\"", expr, got ? got : "(null)",
               want ? want : "(null)");
    return ok;
}

/* ---- timing ---------------------------------------------------------- */

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sleep_s(double seconds)
{
    struct timespec left = {.tv_sec = (time_t)seconds,
                            .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}

/* ---- the suite's start method ---------------------------------------- */

static const char *given_method;    /* --start-method, or NULL */
static const char *resolved_method; /* the one children use */

void set_suite_method(const char *method)
{
    given_method = method;
    resolved_method = method;
    if (!method) {
        /* Ask the library which default it would fix, then forget the
         * choice again: tests of the default must see it unset. */
        if (mp_get_start_method(&resolved_method, false) < 0)
            resolved_method = NULL;
        mp_set_start_method(NULL, true);
    }
}

const char *suite_method(void)
{
    return resolved_method ? resolved_method : "";
}

mp_context_t *method_context(void)
{
    mp_context_t *ctx = NULL;
    return mp_get_context(suite_method(), &ctx) == 0 ? ctx : NULL;
}

unsigned method_bit(const char *method)
{
    if (!method)
        return 0;
    if (strcmp(method, "fork") == 0)
        return ON_FORK;
    if (strcmp(method, "spawn") == 0)
        return ON_SPAWN;
    if (strcmp(method, "forkserver") == 0)
        return ON_FORKSERVER;
    return 0;
}

void restore_start_method(void)
{
    mp_set_start_method(given_method, true);
}

/* ---- processes ------------------------------------------------------- */

mp_process_t *start_process(const mp_process_opts_t *opts)
{
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_process_create(&p, opts), 0))
        return NULL;
    if (!EXPECT_RC(mp_process_start(p), 0)) {
        mp_process_destroy(p);
        return NULL;
    }
    return p;
}

mp_process_t *start_sleeper(double seconds)
{
    return start_process(&(mp_process_opts_t){.task = "task_sleep", MP_ARG_DOUBLE(seconds)});
}

mp_process_t *run_process(const mp_process_opts_t *opts)
{
    mp_process_t *p = start_process(opts);
    if (p && !EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0)) {
        dispose_process(p);
        return NULL;
    }
    return p;
}

int exitcode_of(mp_process_t *p)
{
    int code = INT32_MIN;
    EXPECT_RC(mp_process_exitcode(p, &code), 0);
    return code;
}

bool result_of(mp_process_t *p, void *out, size_t size)
{
    const void *data = NULL;
    size_t len = 0;
    if (!EXPECT_RC(mp_process_result(p, &data, &len), 0) || !EXPECT_EQ(len, size))
        return false;
    memcpy(out, data, size);
    return true;
}

pid_t pid_of(mp_process_t *p)
{
    mp_pid_t pid = 0;
    EXPECT_RC(mp_process_pid(p, &pid), 0);
    return (pid_t)pid;
}

void dispose_process(mp_process_t *p)
{
    if (!p)
        return;
    if (mp_process_is_alive(p) == 1) {
        mp_process_kill(p);
        mp_process_join(p, JOIN_LIMIT_S);
    }
    mp_process_destroy(p);
}

bool in_active_children(mp_process_t *p)
{
    mp_process_t *list[512];
    size_t n = 0;
    if (!EXPECT_RC(mp_active_children(list, 512, &n), 0))
        return false;
    for (size_t i = 0; i < n && i < 512; i++)
        if (list[i] == p)
            return true;
    return false;
}

void dispose_all_children(void)
{
    mp_process_t *left[256];
    size_t n = 0;
    if (mp_active_children(left, 256, &n) < 0 || n == 0)
        return;
    /* A test that failed half-way may leave children; they must not hold
     * up the next test or the exit (which joins non-daemon children). */
    fprintf(stderr, "teardown: %zu child process(es) left running; killing them\n", n);
    for (size_t i = 0; i < n && i < 256; i++)
        dispose_process(left[i]);
}

ctl_arg_t make_ctl(const char *path, int64_t n, double seconds)
{
    ctl_arg_t ctl;
    memset(&ctl, 0, sizeof ctl);
    snprintf(ctl.method, sizeof ctl.method, "%s", suite_method());
    snprintf(ctl.path, sizeof ctl.path, "%s", path ? path : "");
    ctl.n = n;
    ctl.seconds = seconds;
    return ctl;
}

/* The state letter of /proc/<pid>/stat, '?' when it cannot be read. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_text_file(path, buf, sizeof buf) < 0)
        return '?';
    const char *paren = strrchr(buf, ')'); /* the name may contain spaces */
    return paren && paren[1] == ' ' ? paren[2] : '?';
}

bool pid_gone(pid_t pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return true;
    /* A dead process whose new parent (init, or a container's PID 1) has
     * not reaped it yet still answers kill(pid, 0). */
    char state = proc_state(pid);
    return state == 'Z' || state == 'X';
}

bool wait_pid_gone(pid_t pid, double timeout)
{
    double deadline = now_s() + timeout;
    while (!pid_gone(pid)) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.01);
    }
    return true;
}

bool pid_running(pid_t pid)
{
    return !pid_gone(pid);
}

/* ---- files ----------------------------------------------------------- */

bool make_temp_dir(char *out, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, size, "%s/mp-conformance-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    bool ok = mkdtemp(out) != NULL;
    EXPECT(ok, "mkdtemp(%s): %s", out, strerror(errno));
    if (!ok)
        out[0] = '\0';
    return ok;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void remove_tree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

ssize_t read_text_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t r = read(fd, buf + n, size - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    return (ssize_t)n;
}

bool wait_for_file(const char *path, double timeout, char *buf, size_t size)
{
    double deadline = now_s() + timeout;
    while (access(path, F_OK) != 0) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.01);
    }
    return read_text_file(path, buf, size) >= 0;
}

int enter_dir(const char *dir)
{
    int saved = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!EXPECT(saved >= 0 && chdir(dir) == 0, "cannot enter %s: %s", dir, strerror(errno))) {
        if (saved >= 0)
            close(saved);
        return -1;
    }
    return saved;
}

void leave_dir(int saved)
{
    if (saved < 0)
        return;
    EXPECT(fchdir(saved) == 0, "cannot return to the previous directory: %s", strerror(errno));
    close(saved);
}

saved_env_t env_save(const char *name)
{
    saved_env_t s = {.name = name};
    const char *v = getenv(name);
    s.was_set = v != NULL;
    snprintf(s.value, sizeof s.value, "%s", v ? v : "");
    return s;
}

void env_restore(const saved_env_t *saved)
{
    if (saved->was_set)
        setenv(saved->name, saved->value, 1);
    else
        unsetenv(saved->name);
}

int stderr_redirect(const char *path)
{
    fflush(stderr);
    int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
        if (fd >= 0)
            close(fd);
        if (saved >= 0)
            close(saved);
        return -1;
    }
    close(fd);
    return saved;
}

void stderr_restore(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

/* ---- subprocesses ---------------------------------------------------- */

const char *self_exe(void)
{
    static char path[4096];
    if (!path[0]) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
    }
    return path;
}

int run_subprocess(const char *file, char *const argv[], bool search, const char *out_path,
                   const char *err_path, double timeout)
{
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0)
        return INT32_MIN;
    int flags = O_WRONLY | O_CREAT | O_TRUNC;
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path, flags, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path, flags, 0600);
    pid_t pid;
    /* The subprocess inherits our stdout/stderr buffers' fds, not their
     * contents; flush so nothing of ours is written twice. */
    fflush(stdout);
    fflush(stderr);
    int err = search ? posix_spawnp(&pid, file, &actions, NULL, argv, environ)
                     : posix_spawn(&pid, file, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err) {
        EXPECT(false, "posix_spawn(%s): %s", file, strerror(err));
        return INT32_MIN;
    }
    double deadline = now_s() + timeout;
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_s() < deadline)
        sleep_s(0.01);
    if (r == 0) {
        EXPECT(false, "%s did not end within %.0f s; killed", file, timeout);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return INT32_MIN;
    }
    if (r < 0)
        return INT32_MIN;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}
