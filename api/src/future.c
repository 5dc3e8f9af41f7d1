/* Futures (multiproc/executor.h): a handle on one job of one argument,
 * its states, its outcome, cancelling and callbacks. */
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"

static void future_release(mp__object_t *obj)
{
    mp__job_t *job = ((mp__future_t *)obj)->job;
    /* Callbacks not run yet never will: their handle is gone. */
    mp__core_lock();
    free(job->callbacks);
    job->callbacks = NULL;
    job->ncallbacks = 0;
    job->callbacks_taken = true;
    mp__core_unlock();
    mp__job_unref(job);
}

const mp__kind_t mp__kind_future = {
    .name = "Future",
    .id = 15,
    .size = sizeof(mp__future_t),
    .release = future_release,
};

int mp__future_new(mp__job_t *job, mp_future_t **out)
{
    mp__future_t *f;
    int rc = mp__object_new(&mp__kind_future, (mp__object_t **)&f);
    if (rc < 0)
        return rc;
    mp__job_ref(job);
    f->job = job;
    job->future = f->obj.handle;
    memcpy(out, &f->obj.handle, sizeof *out);
    return 0;
}

int mp__future_open(mp_future_t *f, mp__job_t **job, const char *fn)
{
    int rc = mp__object_open(&f, &mp__kind_future, fn);
    if (rc == 0)
        *job = ((mp__future_t *)f)->job;
    return rc;
}

static bool job_done(void *ctx)
{
    return mp__job_is_done(ctx);
}

int mp__job_wait(mp__job_t *job, double deadline)
{
    if (mp__job_is_done(job))
        return 0;
    return mp__jobs_wait(job->pool, job_done, job, deadline);
}

/* The common part of result() and error(): the timeout, the wait, and a
 * cancelled job. */
static int wait_outcome(mp_future_t *f, double timeout, const char *fn, mp__job_t **out)
{
    mp__job_t *job = NULL;
    int rc = mp__future_open(f, &job, fn);
    if (rc < 0)
        return rc;
    if ((rc = mp__timeout_check(timeout, fn)) < 0)
        return rc;
    rc = mp__job_wait(job, mp__deadline(true, timeout));
    char task[64];
    if (rc == MP_ETIMEDOUT)
        return mp__errdetail_set(rc, "%s: the task '%s' is not done yet", fn,
                                 mp__job_task(job, task, sizeof task));
    if (rc == MP_EINTR)
        return mp__errdetail_set(rc, "%s: interrupted by a signal; the task goes on", fn);
    if (rc < 0)
        return rc; /* MP_ESTATE: its detail says why */
    if (atomic_load(&job->cancelled))
        return mp__errdetail_set(MP_ECANCELLED, "%s: the task '%s' was cancelled", fn,
                                 mp__job_task(job, task, sizeof task));
    *out = job;
    return 0;
}

int mp_future_result(mp_future_t *f, double timeout, const void **data, size_t *len)
{
    static const char fn[] = "mp_future_result";
    mp__job_t *job = NULL;
    int rc = wait_outcome(f, timeout, fn, &job);
    if (rc < 0)
        return rc;
    const mp__outcome_t *o = mp__job_outcome(job, 0);
    char task[64];
    if (o->code)
        return mp__errdetail_set(MP_ETASK, "%s: the task '%s' failed: %s (%s)", fn,
                                 mp__job_task(job, task, sizeof task), o->message,
                                 mp_err_name(o->code));
    if (data)
        *data = o->value;
    if (len)
        *len = o->value_len;
    return 0;
}

/* The result bytes for a typed form, whose `out` must not be NULL. */
static int result_for(mp_future_t *f, double timeout, const void *out, const void **data,
                      size_t *len, const char *fn)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    return mp_future_result(f, timeout, data, len);
}

/* A result of exactly `size` bytes, for the typed forms. */
static int result_sized(mp_future_t *f, double timeout, void *out, size_t size, const char *fn)
{
    const void *data = NULL;
    size_t len = 0;
    int rc = result_for(f, timeout, out, &data, &len, fn);
    if (rc < 0)
        return rc;
    if (len != size)
        return mp__errdetail_set(MP_EINVAL, "%s: the result has %zu bytes, not %zu", fn, len, size);
    memcpy(out, data, size);
    return 0;
}

int mp_future_result_i64(mp_future_t *f, double timeout, int64_t *out)
{
    return result_sized(f, timeout, out, sizeof *out, "mp_future_result_i64");
}

int mp_future_result_double(mp_future_t *f, double timeout, double *out)
{
    return result_sized(f, timeout, out, sizeof *out, "mp_future_result_double");
}

int mp_future_result_str(mp_future_t *f, double timeout, const char **out)
{
    static const char fn[] = "mp_future_result_str";
    const void *data = NULL;
    size_t len = 0;
    int rc = result_for(f, timeout, out, &data, &len, fn);
    if (rc < 0)
        return rc;
    if (len == 0 || ((const char *)data)[len - 1] != '\0')
        return mp__errdetail_set(MP_EINVAL, "%s: the result is not a string", fn);
    *out = data;
    return 0;
}

int mp_future_error(mp_future_t *f, double timeout, int *code, const char **message)
{
    mp__job_t *job = NULL;
    int rc = wait_outcome(f, timeout, "mp_future_error", &job);
    if (rc < 0)
        return rc;
    const mp__outcome_t *o = mp__job_outcome(job, 0);
    if (code)
        *code = o->code;
    if (message)
        *message = o->code ? o->message : "";
    return 0;
}

int mp_future_worker(mp_future_t *f, mp_pid_t *pid, int *exitcode)
{
    mp__job_t *job = NULL;
    int rc = mp__future_open(f, &job, "mp_future_worker");
    if (rc < 0)
        return rc;
    /* Written under the pool's mutex before the job is done; read here
     * only once it is (or as a best guess while it runs). */
    bool done = mp__job_is_done(job);
    if (pid)
        *pid = done || atomic_load(&job->state) == MP__JOB_RUNNING ? job->pid : 0;
    if (exitcode)
        *exitcode = done ? job->exitcode : 0;
    return 0;
}

int mp_future_is_done(mp_future_t *f)
{
    mp__job_t *job = NULL;
    int rc = mp__future_open(f, &job, "mp_future_is_done");
    return rc < 0 ? rc : mp__job_is_done(job);
}

int mp_future_is_running(mp_future_t *f)
{
    mp__job_t *job = NULL;
    int rc = mp__future_open(f, &job, "mp_future_is_running");
    return rc < 0 ? rc : atomic_load(&job->state) == MP__JOB_RUNNING;
}

int mp_future_is_cancelled(mp_future_t *f)
{
    mp__job_t *job = NULL;
    int rc = mp__future_open(f, &job, "mp_future_is_cancelled");
    return rc < 0 ? rc : atomic_load(&job->cancelled);
}

/* cancel() and abort(): a finished job is left alone (and its pool may be
 * gone by then). */
static int cancel(mp_future_t *f, bool running_too, const char *fn)
{
    mp__job_t *job = NULL;
    int rc = mp__future_open(f, &job, fn);
    if (rc < 0)
        return rc;
    if (mp__job_is_done(job))
        return atomic_load(&job->cancelled);
    return mp__pool_cancel(job->pool, job, running_too);
}

int mp_future_cancel(mp_future_t *f)
{
    return cancel(f, false, "mp_future_cancel");
}

int mp_future_abort(mp_future_t *f)
{
    return cancel(f, true, "mp_future_abort");
}

int mp_future_add_done_callback(mp_future_t *f, mp_future_callback_fn fn, void *arg)
{
    mp__job_t *job = NULL;
    int rc = mp__future_open(f, &job, "mp_future_add_done_callback");
    if (rc < 0)
        return rc;
    if (!fn)
        return mp__errdetail_set(MP_EINVAL, "mp_future_add_done_callback: NULL fn");
    return mp__job_add_callback(job, fn, arg);
}

void mp_future_destroy(mp_future_t *f)
{
    mp__object_destroy_handle(f, &mp__kind_future);
}
