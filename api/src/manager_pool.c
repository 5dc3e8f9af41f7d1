/* Pool in a manager's server (manager_pool.h): an mp_pool_t made in the
 * server, whose workers are spawned (the server has a thread per client,
 * and a threaded process is never forked). A pool call lasts as long as
 * its tasks: it runs with the server's lock released
 * (mp__mgr_call_unlocked()), waiting in slices so that a client that hangs
 * up, or the server's shutdown, ends it promptly. pool.h's calls are
 * thread-safe, so two clients' calls on one pool run side by side. */
#include <math.h>
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

/* A pool call looks at its client and the server this often while it
 * waits (mp__mgr_call_wait()'s slice). */
#define POOL_SLICE 0.05

/* A pool call in progress: what its unlocked part reads and writes. */
typedef struct job {
    mp_manager_call_t *call;
    mp_pool_t *pool;
    const char *task;
    const mp_var_t *input; /* apply: nil or bytes; map: a list of bytes */
    mp_arg_t *tuples;      /* starmap: n tuples of nargs arguments */
    size_t nargs, n;
    size_t next; /* map: the next element of `input` to hand out */
    int (*start)(struct job *j);
    mp_async_result_t *result;
} job_t;

/* ---- waiting without the server's lock -------------------------------- */

/* One slice of a wait: pool.h's wait with a timeout. */
typedef int (*slice_fn)(void *what, double timeout);

/* Wait in slices until `wait` stops timing out, the call's deadline passes,
 * or the call can no longer be answered (MP_EEOF / MP_ESHUTDOWN). */
static int wait_sliced(mp_manager_call_t *call, slice_fn wait, void *what)
{
    double deadline = mp__mgr_call_deadline(call);
    for (;;) {
        double left = mp__time_left(deadline);
        bool last = left <= POOL_SLICE;
        int rc = wait(what, last ? fmax(left, 0) : POOL_SLICE);
        if (rc != MP_ETIMEDOUT)
            return rc;
        if ((rc = mp__mgr_call_gone(call)) < 0)
            return rc;
        if (last)
            return MP_ETIMEDOUT;
    }
}

static int result_slice(void *what, double timeout)
{
    return mp_async_result_wait(what, timeout);
}

static int join_slice(void *what, double timeout)
{
    return mp_pool_join(what, timeout);
}

/* The unlocked part of apply, map and starmap: hand the work to the pool
 * and wait for all of it. */
static int run_job(void *arg)
{
    job_t *j = arg;
    int rc = j->start(j);
    return rc < 0 ? rc : wait_sliced(j->call, result_slice, j->result);
}

static int run_join(void *arg)
{
    void **ctx = arg; /* the call, the pool */
    return wait_sliced(ctx[0], join_slice, ctx[1]);
}

static int run_terminate(void *arg)
{
    return mp_pool_terminate(arg);
}

typedef struct create_ctx {
    mp_pool_t *pool;
    int workers;
} create_ctx_t;

static int run_create(void *arg)
{
    create_ctx_t *c = arg;
    mp_context_t *spawn = NULL;
    int rc = mp_get_context(&spawn, "spawn");
    return rc < 0 ? rc
                  : mp_pool_create(&c->pool,
                                   &(mp_pool_opts_t){.workers = c->workers, .context = spawn});
}

/* A failure of the unlocked part as the call's: a wait that ended early
 * says why; a pool call's own code keeps the pool's message (this
 * thread's detail). */
static int job_failed(mp_manager_call_t *call, int rc, const char *what)
{
    if (rc == MP_EEOF || rc == MP_ESHUTDOWN)
        return mp__mwait_failed(call, rc, what);
    if (rc == MP_ETIMEDOUT)
        return mp_manager_call_fail(call, rc, "%s: the tasks did not finish in time", what);
    return mp_manager_call_fail(call, rc, "%s: %s", what, mp_errdetail());
}

/* ---- the type --------------------------------------------------------- */

static int pool_create(void **self, mp_manager_call_t *call)
{
    int64_t workers = 0;
    int rc = mp__marg_int(call, 0, "Pool", &workers);
    if (rc < 0)
        return rc;
    if (workers < 1) /* Python's ValueError */
        return mp_manager_call_fail(call, MP_EINVAL,
                                    "Pool: Number of processes must be at least 1, not %lld",
                                    (long long)workers);
    if (workers > INT32_MAX)
        return mp_manager_call_fail(call, MP_EINVAL, "Pool: %lld processes are too many",
                                    (long long)workers);
    create_ctx_t c = {NULL, (int)workers};
    /* Spawning the workers takes a while: other clients are served. */
    if ((rc = mp__mgr_call_unlocked(call, run_create, &c)) < 0)
        return job_failed(call, rc, "Pool");
    *self = c.pool;
    return 0;
}

/* Python's manager finalises its Pool by terminating it; so does its
 * shutdown here (no call is in progress by now: every client's thread has
 * ended). */
static void pool_destroy(void *self)
{
    mp_pool_terminate(self);
    mp_pool_destroy(self);
}

/* Every element of `list` is bytes (each of starmap's tuples' too, when
 * `depth` is 2). */
static int check_bytes(mp_manager_call_t *call, const char *method, const mp_var_t *list, int depth)
{
    if (mp_var_type(list) != MP_VAR_LIST)
        return mp_manager_call_fail(call, MP_EINVAL, "%s: expected a list, not %s", method,
                                    mp_var_type_name(mp_var_type(list)));
    for (size_t i = 0; i < mp_var_len(list); i++) {
        const mp_var_t *v = mp_var_at(list, i);
        int rc = depth > 1 ? check_bytes(call, method, v, depth - 1)
                 : mp_var_type(v) == MP_VAR_BYTES
                     ? 0
                     : mp_manager_call_fail(call, MP_EINVAL, "%s: argument %zu is %s, not bytes",
                                            method, i, mp_var_type_name(mp_var_type(v)));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* [task str, input]: the task's name and its input, checked: bytes or nil
 * (apply, `depth` 0), a list of bytes (map, 1), a list of lists of bytes
 * (starmap, 2). */
static int job_args(job_t *j, const char *method, int depth)
{
    const mp_var_t *name = NULL;
    int rc = mp__marg_var(j->call, 0, method, &name);
    if (rc == 0 && mp_var_get_str(name, &j->task) < 0)
        rc = mp_manager_call_fail(j->call, MP_EINVAL, "%s: the task must be a str, not %s", method,
                                  mp_var_type_name(mp_var_type(name)));
    if (rc == 0)
        rc = mp__marg_var(j->call, 1, method, &j->input);
    if (rc < 0 || depth > 0)
        return rc < 0 ? rc : check_bytes(j->call, method, j->input, depth);
    mp_var_type_t type = mp_var_type(j->input);
    if (type != MP_VAR_BYTES && type != MP_VAR_NIL)
        rc = mp_manager_call_fail(j->call, MP_EINVAL, "%s: the argument is %s, not bytes", method,
                                  mp_var_type_name(type));
    return rc;
}

/* What a finished job answers: apply its one result, map and starmap the
 * list of them; the first failed task is the call's MP_ETASK. */
static int job_answer(job_t *j, bool list, const char *method)
{
    size_t index = 0;
    int code = 0;
    const char *message = "";
    int rc = mp_async_result_error(j->result, &index, &code, &message);
    if (rc < 0)
        return job_failed(j->call, rc, method);
    if (code != 0 && !list)
        return mp_manager_call_fail(j->call, MP_ETASK, "%s: %s", j->task, message);
    if (code != 0)
        return mp_manager_call_fail(j->call, MP_ETASK, "%s: task %zu failed: %s", j->task, index,
                                    message);
    mp_var_t *out = list ? mp_var_list() : NULL;
    size_t n = mp_async_result_count(j->result);
    for (size_t i = 0; i < n && (out || !list); i++) {
        const void *data = NULL;
        size_t len = 0;
        mp_async_result_item(j->result, i, &data, &len);
        mp_var_t *item = mp_var_bytes(data, len);
        if (!list)
            out = item;
        else if (mp_var_append(out, item) < 0) {
            mp_var_free(out);
            out = NULL;
        }
    }
    if (!out)
        return mp_manager_call_fail(j->call, MP_ENOMEM, "%s: out of memory for the results",
                                    method);
    return mp_manager_call_return(j->call, out);
}

/* Run a job with the server's lock released, answer, free. */
static int job_run(job_t *j, bool list, const char *method)
{
    int rc = mp__mgr_call_unlocked(j->call, run_job, j);
    rc = rc < 0 ? job_failed(j->call, rc, method) : job_answer(j, list, method);
    mp_async_result_destroy(j->result); /* an abandoned job's tasks run on */
    free(j->tuples);
    return rc;
}

static int start_apply(job_t *j)
{
    const void *data = NULL;
    size_t len = 0;
    if (mp_var_type(j->input) == MP_VAR_BYTES)
        mp_var_get_bytes(j->input, &data, &len);
    return mp_pool_apply_async(j->pool, &j->result, j->task,
                               &(mp_apply_opts_t){.arg = data, .arg_len = len});
}

/* apply [task, bytes | nil]. */
static int m_apply(void *self, mp_manager_call_t *call)
{
    job_t j = {.call = call, .pool = self, .start = start_apply};
    int rc = job_args(&j, "apply", 0);
    return rc < 0 ? rc : job_run(&j, false, "apply");
}

/* map's input: the list's bytes, one at a time (they may differ in
 * length, which an array input cannot hold). */
static int next_bytes(void *ctx, const void **data, size_t *len)
{
    job_t *j = ctx;
    if (j->next >= mp_var_len(j->input))
        return 0;
    int rc = mp_var_get_bytes(mp_var_at(j->input, j->next++), data, len);
    return rc < 0 ? rc : 1;
}

static int start_map(job_t *j)
{
    return mp_pool_map_async(j->pool, &j->result, j->task, MP_INPUT_ITER(next_bytes, j), NULL);
}

/* map [task, [bytes...]]. */
static int m_map(void *self, mp_manager_call_t *call)
{
    job_t j = {.call = call, .pool = self, .start = start_map};
    int rc = job_args(&j, "map", 1);
    return rc < 0 ? rc : job_run(&j, true, "map");
}

static int start_starmap(job_t *j)
{
    return mp_pool_starmap_async(j->pool, &j->result, j->task, j->tuples, j->nargs, j->n, NULL);
}

/* starmap's tuples as pool.h takes them: n * nargs arguments borrowed
 * from the call's (the pool copies them). */
static int make_tuples(job_t *j)
{
    j->n = mp_var_len(j->input);
    j->nargs = j->n ? mp_var_len(mp_var_at(j->input, 0)) : 0;
    for (size_t i = 0; i < j->n; i++)
        if (mp_var_len(mp_var_at(j->input, i)) != j->nargs)
            return mp_manager_call_fail(j->call, MP_EINVAL,
                                        "starmap: tuple %zu has %zu arguments, tuple 0 has %zu", i,
                                        mp_var_len(mp_var_at(j->input, i)), j->nargs);
    if (j->n * j->nargs == 0)
        return 0;
    j->tuples = calloc(j->n * j->nargs, sizeof *j->tuples);
    if (!j->tuples)
        return mp_manager_call_fail(j->call, MP_ENOMEM, "starmap: out of memory");
    for (size_t i = 0; i < j->n * j->nargs; i++)
        mp_var_get_bytes(mp_var_at(mp_var_at(j->input, i / j->nargs), i % j->nargs),
                         &j->tuples[i].data, &j->tuples[i].len);
    return 0;
}

/* starmap [task, [[bytes...]...]]. */
static int m_starmap(void *self, mp_manager_call_t *call)
{
    job_t j = {.call = call, .pool = self, .start = start_starmap};
    int rc = job_args(&j, "starmap", 2);
    if (rc == 0)
        rc = make_tuples(&j);
    return rc < 0 ? rc : job_run(&j, true, "starmap");
}

static int m_close(void *self, mp_manager_call_t *call)
{
    int rc = mp_pool_close(self);
    return rc < 0 ? job_failed(call, rc, "close") : 0;
}

/* Killing and reaping the workers takes a moment: unlocked. */
static int m_terminate(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgr_call_unlocked(call, run_terminate, self);
    return rc < 0 ? job_failed(call, rc, "terminate") : 0;
}

static int m_join(void *self, mp_manager_call_t *call)
{
    void *ctx[2] = {call, self};
    int rc = mp__mgr_call_unlocked(call, run_join, ctx);
    if (rc == MP_ESTATE)
        return mp_manager_call_fail(call, rc, "join: the pool is still running (close it first)");
    return rc < 0 ? job_failed(call, rc, "join") : 0;
}

static const mp_manager_method_t pool_methods[] = {MP_METHOD("apply", m_apply),
                                                   MP_METHOD("map", m_map),
                                                   MP_METHOD("starmap", m_starmap),
                                                   MP_METHOD("close", m_close),
                                                   MP_METHOD("terminate", m_terminate),
                                                   MP_METHOD("join", m_join),
                                                   MP_METHOD_END};

const mp_manager_type_t mp__mgr_type_pool = {"Pool", pool_create, pool_destroy, pool_methods};
