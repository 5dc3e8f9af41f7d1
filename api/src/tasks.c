/* The task table, and what a running task can do with its argument and
 * result. Tasks are found by name under every start method, fork included,
 * so a program that works with fork works with spawn. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_builtin.h"
#include "mp_core.h"

static const mp_task_def_t *task_table;

int mp__tasks_set(const mp_task_def_t *tasks)
{
    if (!tasks)
        return mp__errdetail_set(MP_EINVAL, "mp_init: the task table is NULL");
    for (const mp_task_def_t *t = tasks; t->name || t->fn; t++) {
        if (!t->name || !t->fn || !t->name[0])
            return mp__errdetail_set(MP_EINVAL,
                                     "mp_init: task table row %d lacks a name or a function",
                                     (int)(t - tasks));
        /* The library's namespace: a built-in must never be shadowed, nor
         * a program's task be found in the wrong table. */
        if (mp__builtin_reserved(t->name))
            return mp__errdetail_set(MP_EINVAL,
                                     "mp_init: task name '%s' starts with '" MP__BUILTIN_PREFIX
                                     "', which is reserved for the library's own tasks",
                                     t->name);
        for (const mp_task_def_t *u = tasks; u < t; u++)
            if (strcmp(u->name, t->name) == 0)
                return mp__errdetail_set(MP_EINVAL, "mp_init: task '%s' is listed twice", t->name);
    }
    task_table = tasks;
    return 0;
}

bool mp__initialised(void)
{
    return task_table != NULL;
}

/* The function called `name` in `table`, or NULL. */
static mp_task_fn find_in(const mp_task_def_t *table, const char *name)
{
    if (!table || !name)
        return NULL;
    for (const mp_task_def_t *t = table; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t->fn;
    return NULL;
}

mp_task_fn mp__tasks_find(const char *name)
{
    return find_in(task_table, name);
}

mp_task_fn mp__task_lookup(const char *name)
{
    return mp__builtin_reserved(name) ? find_in(mp__builtin_table(), name)
                                      : find_in(task_table, name);
}

/* ---- the task's view of itself ------------------------------------ */

int mp_task_arg(const mp_task_t *task, const void **data, size_t *len)
{
    if (!task || !data || !len)
        return mp__errdetail_set(MP_EINVAL, "mp_task_arg: NULL argument");
    *data = task->arg;
    *len = task->arg_len;
    return 0;
}

/* The argument as exactly `size` bytes, for the fixed-size typed getters. */
static int arg_fixed(const mp_task_t *task, void *out, size_t size, const char *type)
{
    if (!task || !out)
        return mp__errdetail_set(MP_EINVAL, "mp_task_arg_%s: NULL argument", type);
    if (task->arg_len != size)
        return mp__errdetail_set(MP_EINVAL, "mp_task_arg_%s: argument is %zu bytes, not %zu", type,
                                 task->arg_len, size);
    memcpy(out, task->arg, size);
    return 0;
}

int mp_task_arg_i64(const mp_task_t *task, int64_t *out)
{
    return arg_fixed(task, out, sizeof *out, "i64");
}

int mp_task_arg_double(const mp_task_t *task, double *out)
{
    return arg_fixed(task, out, sizeof *out, "double");
}

int mp_task_arg_str(const mp_task_t *task, const char **out)
{
    if (!task || !out)
        return mp__errdetail_set(MP_EINVAL, "mp_task_arg_str: NULL argument");
    const char *s = task->arg;
    if (task->arg_len == 0 || s[task->arg_len - 1] != '\0')
        return mp__errdetail_set(MP_EINVAL, "mp_task_arg_str: argument is not a NUL-ended string");
    *out = s;
    return 0;
}

int mp_task_return(mp_task_t *task, const void *data, size_t len)
{
    if (!task || (!data && len))
        return mp__errdetail_set(MP_EINVAL, "mp_task_return: NULL argument");
    task->value.len = 0;
    int rc = mp__buf_append(&task->value, data, len);
    if (rc < 0)
        return rc;
    task->has_value = true;
    return 0;
}

int mp_task_return_i64(mp_task_t *task, int64_t value)
{
    return mp_task_return(task, &value, sizeof value);
}

int mp_task_return_double(mp_task_t *task, double value)
{
    return mp_task_return(task, &value, sizeof value);
}

int mp_task_return_str(mp_task_t *task, const char *value)
{
    if (!value)
        return mp__errdetail_set(MP_EINVAL, "mp_task_return_str: NULL string");
    return mp_task_return(task, value, strlen(value) + 1);
}

int mp_task_fail(mp_task_t *task, int code, const char *fmt, ...)
{
    if (code >= 0)
        code = MP_ETASK;
    if (!task)
        return code;
    task->error = code;
    mp__task_message_free(task);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(task->message_storage, sizeof task->message_storage, fmt, ap);
        va_end(ap);
        /* Longer than the slot: a heap copy, so that the parent gets the
         * whole message; without memory, the slot's truncated one. */
        char *whole = need >= (int)sizeof task->message_storage ? malloc((size_t)need + 1) : NULL;
        if (whole) {
            va_start(ap, fmt);
            vsnprintf(whole, (size_t)need + 1, fmt, ap);
            va_end(ap);
            task->message = whole;
        }
    }
    return code;
}

void mp__task_message_free(mp_task_t *task)
{
    if (task->message != task->message_storage)
        free(task->message);
    task->message = task->message_storage;
    task->message_storage[0] = '\0';
}

const char *mp_task_name(const mp_task_t *task)
{
    return task && task->name ? task->name : "";
}
