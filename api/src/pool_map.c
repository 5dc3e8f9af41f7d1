/* A Pool's apply, map and starmap (multiproc/pool.h), each an async result
 * of one or more jobs (pool_result.c), and their blocking and typed forms. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"
#include "mp_pool_api.h"

/* The checks every call of the family makes, then the call's result. */
static int run(mp_pool_t *handle, mp_async_result_t **out, const char *task, mp__input_t *input,
               size_t n, const mp_pool_map_opts_t *opts, const char *fn)
{
    mp__pool_handle_t *ph = NULL;
    int rc = mp__pool_open_running(handle, &ph, fn);
    if (rc < 0)
        return rc;
    if (!out || !task)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out ? "out" : "task");
    if (!mp__tasks_find(task))
        return mp__errdetail_set(MP_ENOTASK, "%s: no task named '%s' in the task table", fn, task);
    double limit;
    if ((rc = mp__batch_limit(ph->pool, opts, fn, &limit)) < 0)
        return rc;
    size_t chunk = opts && opts->chunksize ? opts->chunksize
                                           : mp__batch_auto_chunk(n, ph->pool->opts.max_workers);
    if (chunk > UINT32_MAX)
        chunk = UINT32_MAX;
    return mp__async_result_run(ph, out, task, input, n, chunk, opts, limit);
}

int mp_pool_apply_async(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                        const mp_apply_opts_t *opts)
{
    static const char fn[] = "mp_pool_apply_async";
    const mp_apply_opts_t none = {0};
    if (!opts)
        opts = &none;
    if (!opts->arg && opts->arg_len)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL arg with arg_len %zu", fn, opts->arg_len);
    mp__input_t input;
    mp__input_of(&input, &(mp_input_t){.args = opts->arg, .arg_size = opts->arg_len, .n = 1});
    const mp_pool_map_opts_t map = {.chunksize = 1,
                                    .callback = opts->callback,
                                    .error_callback = opts->error_callback,
                                    .callback_arg = opts->callback_arg,
                                    .timeout = opts->timeout};
    return run(pool, out, task, &input, 1, &map, fn);
}

/* A blocking call: wait for the result it made; *out is written when the
 * tasks ran (failed ones too) or the wait was interrupted. */
static int finish(int rc, mp_async_result_t *r, mp_async_result_t **out, const char *fn)
{
    if (rc < 0)
        return rc;
    rc = mp__async_result_finish(r, fn);
    if (rc == 0 || rc == MP_ETASK || rc == MP_EINTR)
        *out = r;
    else
        mp_async_result_destroy(r);
    return rc;
}

int mp_pool_apply(mp_pool_t *pool, mp_async_result_t **out, const char *task, const void *arg,
                  size_t len)
{
    mp_async_result_t *r = NULL;
    int rc = mp_pool_apply_async(pool, &r, task, &(mp_apply_opts_t){.arg = arg, .arg_len = len});
    return finish(rc, r, out, "mp_pool_apply");
}

/* A blocking call's only result as exactly `size` bytes. */
static int apply_sized(mp_pool_t *pool, const char *task, const void *in, void *out, size_t size,
                       const char *fn)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    mp_async_result_t *r = NULL;
    int rc = mp_pool_apply(pool, &r, task, in, size);
    if (rc == 0) {
        const void *data = NULL;
        size_t len = 0;
        mp_async_result_item(r, 0, &data, &len);
        if (len == size)
            memcpy(out, data, size);
        else
            rc = mp__errdetail_set(MP_EINVAL, "%s: the result has %zu bytes, not %zu", fn, len,
                                   size);
    }
    mp_async_result_destroy(r);
    return rc;
}

int mp_pool_apply_i64(mp_pool_t *pool, const char *task, int64_t value, int64_t *out)
{
    return apply_sized(pool, task, &value, out, sizeof value, "mp_pool_apply_i64");
}

int mp_pool_apply_double(mp_pool_t *pool, const char *task, double value, double *out)
{
    return apply_sized(pool, task, &value, out, sizeof value, "mp_pool_apply_double");
}

int mp_pool_map_async(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                      const mp_input_t *input, const mp_pool_map_opts_t *opts)
{
    static const char fn[] = "mp_pool_map_async";
    int rc = mp__input_check(input, fn);
    if (rc < 0)
        return rc;
    mp__input_t reader;
    mp__input_of(&reader, input);
    if (!input->next)
        return run(pool, out, task, &reader, input->n, opts, fn);
    /* An iterator is read to its end first (Python lists it), so that its
     * failure runs nothing, and the chunk fits the count. The arguments
     * wait in their order encoding. */
    mp__pool_handle_t *ph = NULL;
    if ((rc = mp__pool_open_running(pool, &ph, fn)) < 0)
        return rc;
    if (!out || !task)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out ? "out" : "task");
    mp__buf_t all = {0};
    size_t n = 0;
    while ((rc = mp__input_read(&reader, &all)) == 1)
        n++;
    if (rc == 0) {
        mp__input_of_encoded(&reader, &all, n);
        rc = run(pool, out, task, &reader, n, opts, fn);
    }
    mp__buf_free(&all);
    return rc;
}

int mp_pool_map(mp_pool_t *pool, mp_async_result_t **out, const char *task, const mp_input_t *input,
                const mp_pool_map_opts_t *opts)
{
    mp_async_result_t *r = NULL;
    int rc = mp_pool_map_async(pool, &r, task, input, opts);
    return finish(rc, r, out, "mp_pool_map");
}

int mp_pool_starmap_async(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                          const mp_arg_t *args, size_t nargs, size_t n,
                          const mp_pool_map_opts_t *opts)
{
    static const char fn[] = "mp_pool_starmap_async";
    if (!args && n && nargs)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL args for %zu tuples", fn, n);
    if (nargs && n > SIZE_MAX / nargs)
        return mp__errdetail_set(MP_EINVAL, "%s: %zu tuples of %zu arguments", fn, n, nargs);
    mp__input_t reader;
    mp__input_of_tuples(&reader, args, nargs, n);
    return run(pool, out, task, &reader, n, opts, fn);
}

int mp_pool_starmap(mp_pool_t *pool, mp_async_result_t **out, const char *task,
                    const mp_arg_t *args, size_t nargs, size_t n, const mp_pool_map_opts_t *opts)
{
    mp_async_result_t *r = NULL;
    int rc = mp_pool_starmap_async(pool, &r, task, args, nargs, n, opts);
    return finish(rc, r, out, "mp_pool_starmap");
}

/* Copy a finished result's items, each exactly `size` bytes, into `out`. */
static int copy_items(mp_async_result_t *r, void *out, size_t size, size_t n, const char *fn)
{
    for (size_t i = 0; i < n; i++) {
        const void *data = NULL;
        size_t len = 0;
        int rc = mp_async_result_item(r, i, &data, &len);
        if (rc < 0)
            return rc;
        if (len != size)
            return mp__errdetail_set(MP_EINVAL, "%s: result %zu has %zu bytes, not %zu", fn, i, len,
                                     size);
        memcpy((char *)out + i * size, data, size);
    }
    return 0;
}

/* map of fixed-size values in, fixed-size values out. */
static int map_sized(mp_pool_t *pool, const char *task, const void *in, void *out, size_t size,
                     size_t n, const char *fn)
{
    if ((!in || !out) && n)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !in ? "in" : "out");
    mp_async_result_t *r = NULL;
    int rc = mp_pool_map(pool, &r, task, &(mp_input_t){.args = in, .arg_size = size, .n = n}, NULL);
    if (rc == 0)
        rc = copy_items(r, out, size, n, fn);
    mp_async_result_destroy(r);
    return rc;
}

int mp_pool_map_i64(mp_pool_t *pool, const char *task, const int64_t *in, int64_t *out, size_t n)
{
    return map_sized(pool, task, in, out, sizeof *out, n, "mp_pool_map_i64");
}

int mp_pool_map_double(mp_pool_t *pool, const char *task, const double *in, double *out, size_t n)
{
    return map_sized(pool, task, in, out, sizeof *out, n, "mp_pool_map_double");
}

int mp_pool_starmap_i64(mp_pool_t *pool, const char *task, const int64_t *args, size_t nargs,
                        int64_t *out, size_t n)
{
    static const char fn[] = "mp_pool_starmap_i64";
    if ((!args && n && nargs) || (!out && n))
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out && n ? "out" : "args");
    if (nargs && n > SIZE_MAX / nargs / sizeof(mp_arg_t))
        return mp__errdetail_set(MP_EINVAL, "%s: %zu tuples of %zu arguments", fn, n, nargs);
    size_t count = n * nargs;
    mp_arg_t *tuples = calloc(count ? count : 1, sizeof *tuples);
    if (!tuples)
        return MP_ENOMEM;
    for (size_t i = 0; i < count; i++)
        tuples[i] = (mp_arg_t){&args[i], sizeof args[i]};
    mp_async_result_t *r = NULL;
    int rc = mp_pool_starmap(pool, &r, task, tuples, nargs, n, NULL);
    free(tuples);
    if (rc == 0)
        rc = copy_items(r, out, sizeof *out, n, fn);
    mp_async_result_destroy(r);
    return rc;
}
