/* Shared helpers of the conformance suite: assertions with messages, the
 * timing rules, the suite's start method, and process/file utilities. */
#include "helpers.h"

#include <CUnit/CUnit.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* getcwd, chdir: mingw-w64 has them too */

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

void expect_shm_gone(mp_shm_t *shm, const char *file, int line)
{
    check_true(mp_shm_data(shm) == NULL, file, line, "a gone segment still has its data");
    check_true(mp_shm_size(shm) == 0, file, line, "a gone segment still has its size");
    check_true(mp_shm_name(shm)[0] == '\0', file, line, "a gone segment still has its name");
    int rc = mp_shm_close(shm);
    check_true(rc == MP_ECLOSED, file, line, "close of a gone segment gave %s", mp_err_name(rc));
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
    return mp_get_context(&ctx, suite_method()) == 0 ? ctx : NULL;
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
    bool ok = os_make_temp_dir(out, size);
    EXPECT(ok, "cannot make a temporary directory: %s", strerror(errno));
    return ok;
}

ssize_t read_text_file(const char *path, char *buf, size_t size)
{
    /* Binary mode: the text is compared as the writer wrote it, with no
     * CRLF translation on Windows. */
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = size ? fread(buf, 1, size - 1, f) : 0;
    fclose(f);
    if (size)
        buf[n] = '\0';
    return (ssize_t)n;
}

bool wait_for_file(const char *path, double timeout, char *buf, size_t size)
{
    double deadline = now_s() + timeout;
    while (read_text_file(path, buf, size) < 0) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.01);
    }
    return true;
}

bool enter_dir(const char *dir, saved_dir_t *saved)
{
    saved->entered = false;
    if (!EXPECT(getcwd(saved->path, sizeof saved->path) != NULL && chdir(dir) == 0,
                "cannot enter %s: %s", dir, strerror(errno)))
        return false;
    saved->entered = true;
    return true;
}

void leave_dir(saved_dir_t *saved)
{
    if (!saved->entered)
        return;
    EXPECT(chdir(saved->path) == 0, "cannot return to %s: %s", saved->path, strerror(errno));
    saved->entered = false;
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
    env_put(saved->name, saved->was_set ? saved->value : NULL);
}
