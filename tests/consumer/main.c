/* An outside program that uses an installed multiproc: one child under the
 * default start method returns 2 * its argument; the parent checks it. */
#include <multiproc.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int twice(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : mp_task_return_i64(t, 2 * n);
}

static const mp_task_def_t tasks[] = {MP_TASK(twice), MP_TASK_END};

/* Print what failed and why, for a one-line error path in main. */
static int fail(const char *what, int rc)
{
    fprintf(stderr, "consumer: %s: %s (%s) %s\n", what, mp_err_name(rc), mp_strerror(rc),
            mp_errdetail());
    return 1;
}

int main(int argc, char **argv)
{
    int rc = mp_init(&argc, &argv, tasks); /* spawned children never return */
    if (rc < 0)
        return fail("mp_init", rc);

    mp_process_t *p = NULL;
    rc = mp_process_create(&p, &(mp_process_opts_t){.task = "twice", MP_ARG_I64(21)});
    if (rc < 0)
        return fail("mp_process_create", rc);
    if ((rc = mp_process_start(p)) < 0)
        return fail("mp_process_start", rc);
    if ((rc = mp_process_join(p, MP_FOREVER)) < 0)
        return fail("mp_process_join", rc);

    int code = -1;
    if ((rc = mp_process_exitcode(p, &code)) < 0)
        return fail("mp_process_exitcode", rc);
    const void *data = NULL;
    size_t len = 0;
    if ((rc = mp_process_result(p, &data, &len)) < 0)
        return fail("mp_process_result", rc);
    int64_t value = 0;
    if (len == sizeof value)
        memcpy(&value, data, sizeof value);
    const char *method = mp_process_start_method(p);
    mp_process_destroy(p);

    if (code != 0 || len != sizeof value || value != 42) {
        fprintf(stderr,
                "consumer: expected exit code 0 and result 42, got %d and %zu bytes (%lld)\n", code,
                len, (long long)value);
        return 1;
    }
    printf("consumer: multiproc %s, start method %s, result %lld\n", mp_version(),
           method[0] ? method : "?", (long long)value);
    printf("consumer ok\n");
    return 0;
}
