/* The tasks of the executor suites: a gated task that holds its worker
 * until the test opens the gate, a failure with a message of any size,
 * typed echoes, a square that fails on negative numbers (for map), an
 * initializer and a task that reports what the initializer did. They run
 * in worker processes or on worker threads of the test process; like
 * every task they never assert: they report through their result bytes or
 * mp_task_fail()'s code and message, and the test judges. */
#include "executor_tasks.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h" /* now_s, sleep_s */

/* What task_exec_init did on this worker. Thread-local: a thread executor's
 * workers are threads of the test process, and each must have run its own
 * initializer; a worker thread ends with its executor, so nothing leaks
 * from one test into the next (nor into a forked child, whose thread
 * starts from the parent's main thread, which never runs it). */
static _Thread_local int64_t init_marker;
static _Thread_local int64_t init_runs;

/* Whether a file exists (it can be opened for reading). */
static bool file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Announces itself by creating <ctl.path>/started.<ctl.n>, then waits for
 * <ctl.path>/go to exist and returns ctl.n as an int64: a task that runs
 * exactly as long as the test wants. It gives up (MP_ETIMEDOUT) after
 * EXEC_GATE_MAX_S, or when its folder is removed. */
int task_exec_gate(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    char path[TASK_STR + 32];
    snprintf(path, sizeof path, EXEC_GATE_STARTED_FMT, ctl.path, (long long)ctl.n);
    if (write_file_atomic(path, "started\n") < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", path);
    char go[TASK_STR + 32];
    snprintf(go, sizeof go, EXEC_GATE_GO_FMT, ctl.path);
    for (double deadline = now_s() + EXEC_GATE_MAX_S; !file_exists(go);) {
        /* A removed gate (a test that ended early) releases it too. */
        if (now_s() > deadline || !file_exists(path))
            return mp_task_fail(t, MP_ETIMEDOUT, "%s never appeared", go);
        sleep_s(0.002);
    }
    return mp_task_return_i64(t, ctl.n);
}

/* Fails with MP_EINVAL and a message of exactly n bytes (its int64
 * argument), byte i being exec_message_char(i). */
int task_exec_fail_big(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    if (rc < 0)
        return rc;
    if (n < 0)
        return mp_task_fail(t, MP_EINVAL, "bad size %lld", (long long)n);
    char *msg = malloc((size_t)n + 1);
    if (!msg)
        return mp_task_fail(t, MP_ENOMEM, "cannot allocate %lld bytes", (long long)n);
    for (size_t i = 0; i < (size_t)n; i++)
        msg[i] = exec_message_char(i);
    msg[n] = '\0';
    rc = mp_task_fail(t, MP_EINVAL, "%s", msg);
    free(msg);
    return rc;
}

/* Returns twice its double argument. */
int task_exec_twice(mp_task_t *t)
{
    double d;
    int rc = mp_task_arg_double(t, &d);
    return rc < 0 ? rc : mp_task_return_double(t, d * 2.0);
}

/* Returns its string argument upper-cased, with EXEC_SHOUT_SUFFIX. */
int task_exec_shout(mp_task_t *t)
{
    const char *s;
    int rc = mp_task_arg_str(t, &s);
    if (rc < 0)
        return rc;
    size_t n = strlen(s);
    char *out = malloc(n + sizeof EXEC_SHOUT_SUFFIX);
    if (!out)
        return mp_task_fail(t, MP_ENOMEM, "cannot allocate %zu bytes", n);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)toupper((unsigned char)s[i]);
    memcpy(out + n, EXEC_SHOUT_SUFFIX, sizeof EXEC_SHOUT_SUFFIX);
    rc = mp_task_return_str(t, out);
    free(out);
    return rc;
}

/* Returns the square of its int64 argument, or fails with MP_EINVAL and a
 * message naming it when it is negative: a map whose element k fails. */
int task_exec_square_or_fail(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    if (rc < 0)
        return rc;
    if (n < 0)
        return mp_task_fail(t, MP_EINVAL, EXEC_NEGATIVE_MESSAGE " %lld", (long long)n);
    return mp_task_return_i64(t, n * n);
}

/* The initializer: remembers its int64 argument and counts its runs on
 * this worker, for task_exec_whoami to report. */
int task_exec_init(mp_task_t *t)
{
    int64_t marker;
    int rc = mp_task_arg_i64(t, &marker);
    if (rc < 0)
        return rc;
    init_marker = marker;
    init_runs++;
    return 0;
}

/* Sleeps for its double argument if it has one, then reports the worker it
 * runs on (exec_whoami_t). The sleep keeps a worker busy so that the next
 * task needs another. */
int task_exec_whoami(mp_task_t *t)
{
    const void *data;
    size_t len;
    int rc = mp_task_arg(t, &data, &len);
    if (rc < 0)
        return rc;
    if (len == sizeof(double)) {
        double seconds;
        memcpy(&seconds, data, sizeof seconds);
        sleep_s(seconds);
    }
    mp_process_info_t me;
    if ((rc = mp_current_process(&me)) < 0)
        return mp_task_fail(t, rc, "mp_current_process: %s", mp_errdetail());
    exec_whoami_t w;
    memset(&w, 0, sizeof w);
    w.pid = me.pid;
    w.init_marker = init_marker;
    w.init_runs = init_runs;
    snprintf(w.start_method, sizeof w.start_method, "%s", me.start_method ? me.start_method : "");
    return mp_task_return(t, &w, sizeof w);
}
