/* Tuples of arguments (mp_tuple.h): written by a Pool's starmap in the
 * parent, read by the task in the worker. The worker trusts nothing in
 * them: every length is checked against the argument's end. */
#include <stdint.h>
#include <string.h>

#include "mp_core.h"
#include "mp_pool_wire.h"
#include "mp_tuple.h"

static const char MAGIC[4] = {'M', 'P', 'T', '1'};

enum { HEAD = sizeof MAGIC + sizeof(uint32_t) };

int mp__tuple_add(mp__buf_t *out, const mp_arg_t *args, size_t n)
{
    size_t total = HEAD;
    for (size_t i = 0; i < n; i++) {
        if (!args[i].data && args[i].len)
            return mp__errdetail_set(MP_EINVAL, "argument %zu of a tuple: NULL data of %zu bytes",
                                     i, args[i].len);
        if (args[i].len > UINT32_MAX - sizeof(uint32_t) - total)
            return mp__errdetail_set(MP_EINVAL, "a tuple of arguments over 4 GiB");
        total += sizeof(uint32_t) + args[i].len;
    }
    if (n > UINT32_MAX)
        return mp__errdetail_set(MP_EINVAL, "a tuple of %zu arguments", n);
    uint32_t whole = (uint32_t)total, count = (uint32_t)n;
    if (mp__buf_reserve(out, sizeof whole + total) < 0)
        return MP_ENOMEM;
    /* Room is reserved: the appends below cannot fail. */
    mp__buf_append(out, &whole, sizeof whole);
    mp__buf_append(out, MAGIC, sizeof MAGIC);
    mp__buf_append(out, &count, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint32_t len = (uint32_t)args[i].len;
        mp__buf_append(out, &len, sizeof len);
        if (len)
            mp__buf_append(out, args[i].data, len);
    }
    return 0;
}

/* The tuple's argument count, after checking its head. */
static int tuple_count(const mp_task_t *task, const char *fn)
{
    if (!task)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL task", fn);
    uint32_t count;
    if (task->arg_len < HEAD || memcmp(task->arg, MAGIC, sizeof MAGIC) != 0)
        return mp__errdetail_set(MP_EINVAL, "%s: the argument is not a tuple (a starmap's)", fn);
    memcpy(&count, (const char *)task->arg + sizeof MAGIC, sizeof count);
    if (count > (task->arg_len - HEAD) / sizeof(uint32_t) || count > INT32_MAX)
        return mp__errdetail_set(MP_EINVAL, "%s: a malformed tuple (%u arguments)", fn, count);
    return (int)count;
}

int mp_task_arg_count(const mp_task_t *task)
{
    return tuple_count(task, "mp_task_arg_count");
}

/* Argument `i` of the tuple, every length checked. */
static int tuple_at(const mp_task_t *task, size_t i, const void **data, size_t *len, const char *fn)
{
    int count = tuple_count(task, fn);
    if (count < 0)
        return count;
    if (!data || !len)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    if (i >= (size_t)count)
        return mp__errdetail_set(MP_EINVAL, "%s: argument %zu of a tuple of %d", fn, i, count);
    const char *p = (const char *)task->arg + HEAD, *end = (const char *)task->arg + task->arg_len;
    for (size_t k = 0;; k++) {
        uint32_t n;
        if ((size_t)(end - p) < sizeof n)
            break;
        memcpy(&n, p, sizeof n);
        p += sizeof n;
        if ((size_t)(end - p) < n)
            break;
        if (k == i) {
            *data = p;
            *len = n;
            return 0;
        }
        p += n;
    }
    return mp__errdetail_set(MP_EINVAL, "%s: a malformed tuple (argument %zu runs past its end)",
                             fn, i);
}

int mp_task_arg_at(const mp_task_t *task, size_t i, const void **data, size_t *len)
{
    return tuple_at(task, i, data, len, "mp_task_arg_at");
}

/* Argument `i` as exactly `size` bytes, for the typed getters. */
static int tuple_fixed(const mp_task_t *task, size_t i, void *out, size_t size, const char *fn)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out", fn);
    const void *data = NULL;
    size_t len = 0;
    int rc = tuple_at(task, i, &data, &len, fn);
    if (rc < 0)
        return rc;
    if (len != size)
        return mp__errdetail_set(MP_EINVAL, "%s: argument %zu is %zu bytes, not %zu", fn, i, len,
                                 size);
    memcpy(out, data, size);
    return 0;
}

int mp_task_arg_i64_at(const mp_task_t *task, size_t i, int64_t *out)
{
    return tuple_fixed(task, i, out, sizeof *out, "mp_task_arg_i64_at");
}

int mp_task_arg_double_at(const mp_task_t *task, size_t i, double *out)
{
    return tuple_fixed(task, i, out, sizeof *out, "mp_task_arg_double_at");
}
