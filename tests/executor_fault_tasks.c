/* The worker side of the executor_faults suite (executor_fault_tasks.h).
 * These tasks run inside executor workers (or, for task_exec_owner, in a
 * plain child): they never assert, they end their process the way they are
 * told, or report through their result, their error or a file. */
#include "executor_fault_tasks.h"
#include "platform.h"
#include "tasks.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* End this process as `how` says; returns only for EXEC_INIT_FAIL,
 * EXEC_HANG (after its sleep) or an unknown kind. */
static void die_as(int64_t how)
{
    switch (how) {
    case EXEC_DIE_KILL: raise(SIGKILL); break;
    case EXEC_DIE_SEGV: {
        /* A real fault, not raise(): a write to a read-only page. Not a
         * NULL write, which UBSan would report and turn into exit(1); and
         * the default action restored, since ASan catches SIGSEGV to print
         * a report and exit(1) where a plain program dies of the signal. */
        volatile char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        signal(SIGSEGV, SIG_DFL);
        if (page != MAP_FAILED)
            page[0] = 1;
        raise(SIGSEGV); /* no page: the same death, less real */
        break;
    }
    case EXEC_DIE_ABORT: abort();
    case EXEC_DIE_EXIT: _exit(EXEC_EXIT_CODE);
    case EXEC_HANG: sleep_s(EXEC_HANG_S); break;
    default: break;
    }
}

int task_exec_die(mp_task_t *t)
{
    int64_t how;
    int rc = mp_task_arg_i64(t, &how);
    if (rc < 0)
        return mp_task_fail(t, rc, "task_exec_die takes an int64");
    die_as(how);
    return mp_task_fail(t, MP_ESTATE, "task_exec_die: still alive after death %lld",
                        (long long)how);
}

/* n >= 0: returns n * n; n < 0: dies (or hangs) as -n says (a map's one
 * bad argument). */
int task_exec_square_or_die(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    if (rc < 0)
        return mp_task_fail(t, rc, "task_exec_square_or_die takes an int64");
    if (n < 0)
        die_as(-n);
    return mp_task_return_i64(t, n * n);
}

/* The initializer: records this worker's pid as an empty file named after
 * it in the directory ctl.path (the test checks afterwards that every
 * worker that tried to start is gone), then dies or fails as ctl.n says;
 * EXEC_INIT_ONCE: the first start (the one that makes the file "once")
 * is SIGKILLed, every later one succeeds. */
int task_exec_fault_init(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    char path[TASK_STR + 32];
    snprintf(path, sizeof path, "%s/%ld", ctl.path, (long)getpid());
    if (write_file_atomic(path, "") < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", path);
    if (ctl.n == EXEC_INIT_ONCE) {
        snprintf(path, sizeof path, "%s/once", ctl.path);
        if (mkdir(path, 0700) != 0) /* atomic: one start alone makes it */
            return 0;
        die_as(EXEC_DIE_KILL);
    }
    die_as(ctl.n);
    return mp_task_fail(t, EXEC_INIT_FAIL_CODE, EXEC_INIT_FAIL_TEXT " (pid %ld)", (long)getpid());
}

/* Write "error: <what>: <detail>" to `path`, for the test to print. */
static int owner_error(mp_task_t *t, const char *path, const char *what, int rc)
{
    char text[512];
    snprintf(text, sizeof text, "error: %s: %s (%s)\n", what, mp_err_name(rc), mp_errdetail());
    write_file_atomic(path, text);
    return mp_task_fail(t, rc, "%s", text);
}

/* A parent of an executor, to be SIGKILLed: makes an executor of ctl.n
 * workers under ctl.method, keeps every worker busy with a sleep of
 * ctl.seconds, writes the workers' pids to ctl.path ("pid pid ...\n") and
 * sleeps itself. The test kills it and watches the workers go. */
int task_exec_owner(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    mp_context_t *ctx = NULL;
    if ((rc = mp_get_context(&ctx, ctl.method)) < 0)
        return owner_error(t, ctl.path, "mp_get_context", rc);
    mp_executor_t *ex = NULL;
    rc = mp_executor_create(&ex, &(mp_executor_opts_t){.max_workers = (int)ctl.n, .context = ctx});
    if (rc < 0)
        return owner_error(t, ctl.path, "mp_executor_create", rc);
    for (int64_t i = 0; i < ctl.n; i++) {
        mp_future_t *f = NULL; /* never read: the process is killed */
        if ((rc = mp_executor_submit_double(ex, &f, "task_sleep", ctl.seconds)) < 0)
            return owner_error(t, ctl.path, "mp_executor_submit_double", rc);
    }
    mp_pid_t pids[16];
    size_t count = 0;
    double deadline = now_s() + 60.0; /* workers start on a loaded machine */
    while ((rc = mp_executor_worker_pids(ex, pids, 16, &count)) == 0 && count < (size_t)ctl.n &&
           now_s() < deadline)
        sleep_s(0.01);
    if (rc < 0 || count < (size_t)ctl.n || count > 16)
        return owner_error(t, ctl.path, "mp_executor_worker_pids", rc < 0 ? rc : MP_ETIMEDOUT);
    char text[16 * 24] = "";
    for (size_t i = 0; i < count; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%lld ", (long long)pids[i]);
    strcat(text, "\n");
    if (write_file_atomic(ctl.path, text) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    sleep_s(ctl.seconds);
    mp_executor_destroy(ex);
    return 0;
}
