/* Small helpers of the tasks (tasks.h) that programs other than the
 * conformance binary link too (the MPI suite): no task table here. */
#include <stdio.h>
#include <string.h>

#include "tasks.h"

/* The task's argument as a struct of `size` bytes (tasks.h). */
int task_arg_struct(mp_task_t *t, void *out, size_t size, const char *what)
{
    const void *data;
    size_t len;
    int rc = mp_task_arg(t, &data, &len);
    if (rc < 0)
        return mp_task_fail(t, rc, "mp_task_arg: %s", mp_errdetail());
    if (len != size)
        return mp_task_fail(t, MP_EINVAL, "argument is %zu bytes, not a %s", len, what);
    memcpy(out, data, size);
    return 0;
}

/* Write `text` to `path` by a rename, so a reader never sees half. */
int write_file_atomic(const char *path, const char *text)
{
    char tmp[TASK_STR + 8];
    snprintf(tmp, sizeof tmp, "%.*s.tmp", TASK_STR, path);
    FILE *f = fopen(tmp, "wb"); /* no CRLF on Windows: read back byte for byte */
    if (!f)
        return MP_ESYS;
    int ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0 ? 0 : MP_ESYS;
}

int start_grandchild(mp_task_t *t, const char *method, mp_process_opts_t opts, mp_process_t **out)
{
    int rc = mp_get_context(&opts.context, method);
    if (rc < 0)
        return mp_task_fail(t, rc, "mp_get_context(%s): %s", method, mp_errdetail());
    if ((rc = mp_process_create(out, &opts)) < 0)
        return mp_task_fail(t, rc, "mp_process_create(%s): %s", opts.task, mp_errdetail());
    if ((rc = mp_process_start(*out)) < 0) {
        int fail = mp_task_fail(t, rc, "mp_process_start(%s): %s", opts.task, mp_errdetail());
        mp_process_destroy(*out);
        *out = NULL;
        return fail;
    }
    return 0;
}
