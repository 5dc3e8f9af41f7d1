/* Async results of a Pool (multiproc/pool.h): the jobs of one apply_async,
 * map_async or starmap_async, waited for and read task by task. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"
#include "mp_pool_api.h"

static void result_release(mp__object_t *obj)
{
    mp__async_result_t *r = (mp__async_result_t *)obj;
    mp__progress_close(&r->batch->progress); /* no report after the handle */
    for (size_t i = 0; i < r->njobs; i++)
        mp__job_unref(r->jobs[i]);
    free(r->jobs);
    mp__batch_unref(r->batch);
}

const mp__kind_t mp__kind_async_result = {
    .name = "AsyncResult",
    .id = 19,
    .size = sizeof(mp__async_result_t),
    .release = result_release,
};

/* Make every job, then submit them: a call either hands out all its work
 * or fails before any runs (but for a pool closed or broken meanwhile). */
static int make_jobs(mp__async_result_t *r, const char *task, mp__input_t *input, double limit)
{
    size_t chunk = r->batch->chunk;
    for (size_t k = 0; k < r->njobs; k++) {
        int rc = mp__batch_make_job(task, limit, input, chunk, k, &r->jobs[k]);
        if (rc < 0) {
            mp__job_unref(r->jobs[k]);
            r->jobs[k] = NULL;
            return rc;
        }
        if (!r->jobs[k]) /* cannot happen with a counted input: say so */
            return mp__errdetail_set(MP_EINVAL, "the input ended before its %zu arguments", r->n);
    }
    return 0;
}

int mp__async_result_run(mp__pool_handle_t *ph, mp_async_result_t **out, const char *task,
                         mp__input_t *input, size_t n, size_t chunk, const mp_pool_map_opts_t *opts,
                         double limit)
{
    mp__batch_t *batch;
    int rc = mp__batch_create(&batch, ph->pool, chunk,
                              &(mp__batch_opts_t){.map = opts, .total = n});
    if (rc < 0)
        return rc;
    mp__async_result_t *r = NULL;
    if ((rc = mp__object_new(&mp__kind_async_result, (mp__object_t **)&r)) < 0) {
        mp__batch_unref(batch);
        return rc;
    }
    r->batch = batch;
    r->n = n;
    memcpy(&batch->handle, &r->obj.handle, sizeof batch->handle);
    size_t njobs = n / chunk + (n % chunk != 0);
    r->jobs = calloc(njobs ? njobs : 1, sizeof *r->jobs);
    if (!r->jobs)
        rc = MP_ENOMEM;
    else
        r->njobs = njobs;
    if (rc == 0)
        rc = make_jobs(r, task, input, limit);
    for (size_t k = 0; rc == 0 && k < r->njobs; k++)
        rc = mp__batch_submit(batch, r->jobs[k]);
    if (rc < 0) {
        /* What was submitted runs on, unobserved: no callback for a call
         * that failed. */
        batch->callback = batch->error_callback = NULL;
        mp__batch_made_all(batch);
        mp__object_destroy(&r->obj);
        return rc;
    }
    mp__batch_made_all(batch);
    memcpy(out, &r->obj.handle, sizeof *out);
    return 0;
}

static int open_result(mp_async_result_t *handle, mp__async_result_t **out, const char *fn)
{
    int rc = mp__object_open(&handle, &mp__kind_async_result, fn);
    if (rc == 0)
        *out = (mp__async_result_t *)handle;
    return rc;
}

/* A waiter's view: jobs before `next` are done. */
typedef struct scan {
    mp__async_result_t *r;
    size_t next;
} scan_t;

static bool all_done(void *ctx)
{
    scan_t *s = ctx;
    mp__async_result_t *r = s->r;
    while (s->next < r->njobs && mp__job_is_done(r->jobs[s->next]))
        s->next++;
    return s->next == r->njobs;
}

/* What a wait waits for: every job done, and the call's callback run
 * (Python's `get` returns after it). */
static bool finished(void *ctx)
{
    scan_t *s = ctx;
    return all_done(s) && (!s->r->batch->watch || atomic_load(&s->r->batch->ready));
}

/* Whether the result can be read: every job done (in its callback too). */
static bool is_ready(mp__async_result_t *r)
{
    scan_t s = {r, 0};
    return all_done(&s);
}

/* Task `i`'s outcome; the result is ready. */
static const mp__outcome_t *outcome(const mp__async_result_t *r, size_t i)
{
    size_t chunk = r->batch->chunk;
    return mp__job_outcome(r->jobs[i / chunk], (uint32_t)(i % chunk));
}

/* The first failed task, or n. */
static size_t first_failure(const mp__async_result_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (outcome(r, i)->code)
            return i;
    return r->n;
}

static int wait_ready(mp__async_result_t *r, double timeout, const char *fn)
{
    int rc = mp__timeout_check(timeout, fn);
    if (rc < 0)
        return rc;
    scan_t s = {r, 0};
    rc = mp__batch_wait(r->batch, finished, &s, mp__deadline(true, timeout));
    if (rc == MP_ETIMEDOUT)
        return mp__errdetail_set(rc, "%s: %zu task(s) not done yet", fn, r->njobs - s.next);
    if (rc == MP_EINTR)
        return mp__errdetail_set(rc, "%s: interrupted by a signal; the tasks go on", fn);
    return rc;
}

int mp_async_result_wait(mp_async_result_t *handle, double timeout)
{
    static const char fn[] = "mp_async_result_wait";
    mp__async_result_t *r = NULL;
    int rc = open_result(handle, &r, fn);
    return rc < 0 ? rc : wait_ready(r, timeout, fn);
}

int mp_async_result_ready(mp_async_result_t *handle)
{
    mp__async_result_t *r = NULL;
    int rc = open_result(handle, &r, "mp_async_result_ready");
    return rc < 0 ? rc : is_ready(r);
}

/* Open a result that must be ready (its outcomes are read). */
static int open_ready(mp_async_result_t *handle, mp__async_result_t **out, const char *fn)
{
    int rc = open_result(handle, out, fn);
    if (rc == 0 && !is_ready(*out))
        return mp__errdetail_set(MP_ESTATE, "%s: the result is not ready", fn);
    return rc;
}

int mp_async_result_successful(mp_async_result_t *handle)
{
    mp__async_result_t *r = NULL;
    int rc = open_ready(handle, &r, "mp_async_result_successful");
    return rc < 0 ? rc : first_failure(r) == r->n;
}

/* MP_ETASK naming task `i`'s failure. */
static int task_failed(const mp__async_result_t *r, size_t i, const char *fn)
{
    const mp__outcome_t *o = outcome(r, i);
    char task[64];
    return mp__errdetail_set(MP_ETASK, "%s: task %zu ('%s') failed: %s (%s)", fn, i,
                             mp__job_task(r->jobs[i / r->batch->chunk], task, sizeof task),
                             o->message, mp_err_name(o->code));
}

int mp__async_result_finish(mp_async_result_t *handle, const char *fn)
{
    mp__async_result_t *r = NULL;
    int rc = open_result(handle, &r, fn);
    if (rc == 0)
        rc = wait_ready(r, MP_FOREVER, fn);
    if (rc < 0)
        return rc;
    size_t i = first_failure(r);
    return i < r->n ? task_failed(r, i, fn) : 0;
}

int mp_async_result_get(mp_async_result_t *handle, double timeout, const void **data, size_t *len)
{
    static const char fn[] = "mp_async_result_get";
    mp__async_result_t *r = NULL;
    int rc = open_result(handle, &r, fn);
    if (rc == 0)
        rc = wait_ready(r, timeout, fn);
    if (rc < 0)
        return rc;
    size_t i = first_failure(r);
    if (i < r->n)
        return task_failed(r, i, fn);
    const mp__outcome_t *o = r->n ? outcome(r, 0) : NULL;
    if (data)
        *data = o ? o->value : NULL;
    if (len)
        *len = o ? o->value_len : 0;
    return 0;
}

int mp_async_result_get_i64(mp_async_result_t *r, double timeout, int64_t *out)
{
    static const char fn[] = "mp_async_result_get_i64";
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    const void *data = NULL;
    size_t len = 0;
    int rc = mp_async_result_get(r, timeout, &data, &len);
    if (rc < 0)
        return rc;
    if (len != sizeof *out)
        return mp__errdetail_set(MP_EINVAL, "%s: the result has %zu bytes, not 8", fn, len);
    memcpy(out, data, sizeof *out);
    return 0;
}

size_t mp_async_result_count(mp_async_result_t *handle)
{
    mp__async_result_t *r = NULL;
    return open_result(handle, &r, "mp_async_result_count") < 0 ? 0 : r->n;
}

/* Task `i` of a result, done: its outcome. */
static int open_item(mp_async_result_t *handle, size_t i, const mp__outcome_t **out, const char *fn)
{
    mp__async_result_t *r = NULL;
    int rc = open_result(handle, &r, fn);
    if (rc < 0)
        return rc;
    if (i >= r->n)
        return mp__errdetail_set(MP_EINVAL, "%s: task %zu of a result of %zu", fn, i, r->n);
    if (!mp__job_is_done(r->jobs[i / r->batch->chunk]))
        return mp__errdetail_set(MP_ESTATE, "%s: task %zu is not done yet", fn, i);
    *out = outcome(r, i);
    return (*out)->code ? task_failed(r, i, fn) : 0;
}

int mp_async_result_item(mp_async_result_t *handle, size_t i, const void **data, size_t *len)
{
    const mp__outcome_t *o = NULL;
    int rc = open_item(handle, i, &o, "mp_async_result_item");
    if (rc < 0)
        return rc;
    if (data)
        *data = o->value;
    if (len)
        *len = o->value_len;
    return 0;
}

/* Task `i`'s result as exactly `size` bytes, for the typed forms. */
static int item_sized(mp_async_result_t *handle, size_t i, void *out, size_t size, const char *fn)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    const mp__outcome_t *o = NULL;
    int rc = open_item(handle, i, &o, fn);
    if (rc < 0)
        return rc;
    if (o->value_len != size)
        return mp__errdetail_set(MP_EINVAL, "%s: result %zu has %zu bytes, not %zu", fn, i,
                                 o->value_len, size);
    memcpy(out, o->value, size);
    return 0;
}

int mp_async_result_item_i64(mp_async_result_t *r, size_t i, int64_t *out)
{
    return item_sized(r, i, out, sizeof *out, "mp_async_result_item_i64");
}

int mp_async_result_item_double(mp_async_result_t *r, size_t i, double *out)
{
    return item_sized(r, i, out, sizeof *out, "mp_async_result_item_double");
}

int mp_async_result_error(mp_async_result_t *handle, size_t *index, int *code, const char **message)
{
    mp__async_result_t *r = NULL;
    int rc = open_ready(handle, &r, "mp_async_result_error");
    if (rc < 0)
        return rc;
    size_t i = first_failure(r);
    const mp__outcome_t *o = i < r->n ? outcome(r, i) : NULL;
    if (index)
        *index = i;
    if (code)
        *code = o ? o->code : 0;
    if (message)
        *message = o ? o->message : "";
    return 0;
}

void mp_async_result_destroy(mp_async_result_t *r)
{
    mp__object_destroy_handle(r, &mp__kind_async_result);
}
