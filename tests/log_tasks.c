/* The child side of the log and finalize suites (log_tasks.h). Children
 * never assert: they report through results, exit codes and files. */
#include <stdio.h>
#include <string.h>

#include "log_tasks.h"
#include "mp_finalize.h" /* mp__afterfork_state_size(), a test hook */
#include "platform.h"
#include "tasks.h"

/* A fork child keeps its parent's handler (the test's, which keeps lines
 * in memory): send the lines to stderr, at the level inherited. */
static void lines_to_stderr(void)
{
    int level = mp_log_get_level();
    if (level != MP_LOG_OFF)
        mp_log_to_stderr(level);
}

/* ctl_arg_t's path gets the child's stderr; it logs at INFO and DEBUG
 * and returns the level it has (its parent's, item 37). */
int task_log_child(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    if (stderr_redirect(ctl.path) < 0)
        return mp_task_fail(t, MP_ESYS, "could not redirect stderr to %s", ctl.path);
    lines_to_stderr();
    mp_log(MP_LOG_INFO, LOG_CHILD_INFO);
    mp_log(MP_LOG_DEBUG, LOG_CHILD_DEBUG);
    return mp_task_return_i64(t, mp_log_get_level());
}

/* An executor's initializer: the worker's stderr goes to the file named
 * by its argument (a NUL-ended string), from now to its exit. */
int task_log_stderr_init(mp_task_t *t)
{
    const void *data;
    size_t len;
    int rc = mp_task_arg(t, &data, &len);
    const char *path = data;
    if (rc < 0 || len == 0 || path[len - 1] != '\0')
        return mp_task_fail(t, MP_EINVAL, "the argument is not a path");
    if (stderr_redirect(path) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot redirect to %s", path);
    lines_to_stderr();
    return 0;
}

/* Logs LOG_SAY_PREFIX and its int64 argument at INFO; returns its pid. */
int task_log_say(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    if (rc < 0)
        return rc;
    mp_log(MP_LOG_INFO, LOG_SAY_PREFIX " %lld", (long long)n);
    mp_process_info_t me;
    mp_current_process(&me);
    return mp_task_return_i64(t, me.pid);
}

/* ---- finalisers ---------------------------------------------------- */

static char finalize_path[TASK_STR];

/* A finaliser: appends its name (its argument) to the file, a line. */
static void write_name(void *arg)
{
    FILE *f = fopen(finalize_path, "ab"); /* binary: "\n" on Windows too */
    if (f) {
        fprintf(f, "%s\n", (const char *)arg);
        fclose(f);
    }
}

/* Python's _TestFinalize._test_finalize: a and b run by the program (b
 * twice, once in effect), c has no priority, d10 d01 d02 d03 e STOP run at
 * exit. A call that answers otherwise than documented fails the task. */
int task_finalize_order(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    snprintf(finalize_path, sizeof finalize_path, "%s", ctl.path);
    mp_finalizer_t *a, *b;
    int ran_a = -9, ran_b = -9, again_b = -9, cancel_b = -9;
    if ((rc = mp_finalizer_register(&a, write_name, "a", MP_FINALIZE_NO_PRIORITY)) == 0)
        ran_a = mp_finalizer_run(a);
    if (rc == 0 &&
        (rc = mp_finalizer_register(&b, write_name, "b", MP_FINALIZE_NO_PRIORITY)) == 0) {
        ran_b = mp_finalizer_run(b);
        again_b = mp_finalizer_run(b);
        cancel_b = mp_finalizer_cancel(b);
    }
    static const struct {
        const char *name;
        int priority;
    } at_exit[] = {{"c", MP_FINALIZE_NO_PRIORITY},
                   {"d10", 1},
                   {"d01", 0},
                   {"d02", 0},
                   {"d03", 0},
                   {"e", -10},
                   {"STOP", -100}};
    for (size_t i = 0; rc == 0 && i < sizeof at_exit / sizeof at_exit[0]; i++)
        rc = mp_finalizer_register(NULL, write_name, (void *)at_exit[i].name, at_exit[i].priority);
    if (rc < 0)
        return mp_task_fail(t, rc, "register: %s", mp_errdetail());
    if (ran_a != 1 || ran_b != 1 || again_b != 0 || cancel_b != 0)
        return mp_task_fail(t, MP_ESTATE, "run a %d, run b %d, run b again %d, cancel b %d", ran_a,
                            ran_b, again_b, cancel_b);
    return 0;
}

static void nothing(void *arg)
{
    (void)arg;
}

/* Item 140: ctl.n generations of fork children below this one, each
 * registering a finaliser; the deepest returns the library's after-fork
 * state size (mp__afterfork_state_size()), the others pass it up. */
int task_finalize_fork_depth(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    if ((rc = mp_finalizer_register(NULL, nothing, NULL, 1)) < 0)
        return rc;
    if (ctl.n <= 1)
        return mp_task_return_i64(t, (int64_t)mp__afterfork_state_size());
    ctl.n--;
    mp_process_t *p = NULL;
    mp_context_t *ctx = NULL;
    int64_t size = -1;
    rc = mp_get_context(&ctx, "fork");
    if (rc == 0)
        rc = mp_process_create(&p, &(mp_process_opts_t){.task = "task_finalize_fork_depth",
                                                        .context = ctx,
                                                        .arg = &ctl,
                                                        .arg_len = sizeof ctl});
    if (rc == 0)
        rc = mp_process_start(p);
    if (rc == 0)
        rc = mp_process_join(p, 60);
    const void *data = NULL;
    size_t len = 0;
    if (rc == 0 && (rc = mp_process_result(p, &data, &len)) == 0 && len == sizeof size)
        memcpy(&size, data, sizeof size);
    mp_process_destroy(p);
    return rc < 0 ? mp_task_fail(t, rc, "generation %lld: %s", (long long)ctl.n, mp_errdetail())
                  : mp_task_return_i64(t, size);
}
