/* Process handles and their state machine: created, running, ended,
 * closed. The registry of live handles is in children.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_object.h"
#include "mp_process_impl.h"
#include "mp_record.h"

/* The checks every entry point makes before touching the handle. */
static int check_handle(const mp_process_t *p, const char *fn)
{
    if (!p)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL process", fn);
    if (!mp__registry_has(p))
        return mp__errdetail_set(MP_ECLOSED, "%s: process handle was destroyed", fn);
    if (p->state == CLOSED)
        return mp__errdetail_set(MP_ECLOSED, "%s: process '%s' is closed", fn, p->name);
    return 0;
}

static int check_started(const mp_process_t *p, const char *fn)
{
    int rc = check_handle(p, fn);
    if (rc == 0 && p->state == CREATED)
        rc = mp__errdetail_set(MP_ESTATE, "%s: process '%s' was never started", fn, p->name);
    return rc;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    return copy ? memcpy(copy, s, n) : NULL;
}

/* "Process-N", numbered per parent like Python's. */
static char *default_name(void)
{
    mp__core_lock();
    unsigned n = ++mp__self()->next_child;
    mp__core_unlock();
    char buf[32];
    snprintf(buf, sizeof buf, "Process-%u", n);
    return dup_string(buf);
}

int mp_process_create(mp_process_t **out, const mp_process_opts_t *opts)
{
    if (!out || !opts || !opts->task)
        return mp__errdetail_set(MP_EINVAL, "mp_process_create: NULL out, opts or task");
    *out = NULL;
    if (!opts->arg && opts->arg_len)
        return mp__errdetail_set(MP_EINVAL, "mp_process_create: NULL arg with arg_len %zu",
                                 opts->arg_len);
    if (opts->daemon != MP_DAEMON_INHERIT && opts->daemon != MP_DAEMON_YES &&
        opts->daemon != MP_DAEMON_NO)
        return mp__errdetail_set(MP_EINVAL, "mp_process_create: bad daemon value %d",
                                 (int)opts->daemon);
    if (!opts->objects && opts->nobjects)
        return mp__errdetail_set(MP_EINVAL, "mp_process_create: NULL objects with nobjects %zu",
                                 opts->nobjects);
    for (size_t i = 0; i < opts->nobjects; i++)
        if (!mp__object_is_shareable(opts->objects[i]))
            return mp__errdetail_set(MP_EINVAL,
                                     "mp_process_create: object #%zu is not a live "
                                     "multiproc object",
                                     i);
    if (!mp__initialised())
        return mp__errdetail_set(MP_ESTATE, "mp_process_create: call mp_init() first");
    if (!mp__task_lookup(opts->task))
        return mp__errdetail_set(MP_ENOTASK, "no task named '%s' in the task table", opts->task);

    mp_process_t *p = calloc(1, sizeof *p);
    if (!p)
        return MP_ENOMEM;
    p->self = p;
    p->task = dup_string(opts->task);
    p->name = opts->name ? dup_string(opts->name) : default_name();
    p->arg_len = opts->arg_len;
    p->arg = opts->arg_len ? malloc(opts->arg_len) : NULL;
    p->nobjects = opts->nobjects;
    p->objects = opts->nobjects ? malloc(opts->nobjects * sizeof *p->objects) : NULL;
    if (!p->task || !p->name || (opts->arg_len && !p->arg) || (opts->nobjects && !p->objects)) {
        free(p->task), free(p->name), free(p->arg), free(p->objects), free(p);
        return MP_ENOMEM;
    }
    if (p->nobjects)
        memcpy(p->objects, opts->objects, p->nobjects * sizeof *p->objects);
    if (p->arg_len)
        memcpy(p->arg, opts->arg, p->arg_len);
    p->daemon = opts->daemon == MP_DAEMON_INHERIT ? mp__self()->daemon
                                                  : opts->daemon == MP_DAEMON_YES;
    p->exit_with_parent = opts->exit_with_parent;
    p->context = opts->context;
    mp__registry_add(p);
    *out = p;
    return 0;
}

void mp__core_abandon_start(mp__os_proc_t *proc)
{
    mp__buf_t ignored = {0};
    int code;
    mp__os_proc_signal(proc, MP__SIG_KILL);
    mp__os_proc_wait(proc, MP_FOREVER, &ignored, &code);
    mp__buf_free(&ignored);
    mp__os_proc_free(proc);
}

/* Describe one object for the child: its bytes, and its handles appended
 * to the launch's. */
static int describe_object(mp__object_t *obj, mp__share_t *share, mp__boot_object_t *out,
                           mp_sentinel_t *handles, size_t *nhandles)
{
    if (!mp__object_is_shareable(obj))
        return mp__errdetail_set(MP_ECLOSED, "an object given to the process was destroyed");
    int rc = obj->kind->share(obj, share);
    if (rc < 0)
        return rc;
    if (*nhandles + share->nhandles > MP__MAX_CHILD_HANDLES)
        return mp__errdetail_set(MP_EINVAL, "a child can be given at most %d OS handles",
                                 MP__MAX_CHILD_HANDLES);
    *out = (mp__boot_object_t){.kind = obj->kind->id,
                               .bytes = share->bytes.data,
                               .len = share->bytes.len,
                               .first_handle = (uint32_t)*nhandles,
                               .nhandles = (uint32_t)share->nhandles};
    for (size_t i = 0; i < share->nhandles; i++)
        handles[(*nhandles)++] = share->handles[i];
    return 0;
}

int mp_process_start(mp_process_t *p)
{
    int rc = check_handle(p, "mp_process_start");
    if (rc < 0)
        return rc;
    if (p->state != CREATED)
        return mp__errdetail_set(MP_ESTATE, "process '%s' was already started", p->name);
    if (mp__self()->daemon)
        return mp__errdetail_set(MP_ESTATE, "daemonic processes are not allowed to have children");
    rc = mp__context_method(p->context, &p->method);
    if (rc < 0)
        return rc;
    if ((p->method->flags & MP__METHOD_FORKS_CALLER) && (rc = mp__fork_policy_check()) < 0)
        return rc;

    mp__self_t *self = mp__self();
    const char *chosen = NULL;
    mp_get_start_method(&chosen, true);
    mp__boot_t boot = {
        .version = mp__record_version(),
        .start_method = (char *)(chosen ? chosen : ""),
        .task = p->task,
        .arg = p->arg,
        .arg_len = p->arg_len,
        .name = p->name,
        .daemon = p->daemon,
        .parent_pid = mp__os_getpid(),
        .parent_name = self->name,
        .nobjects = p->nobjects,
    };
    mp__share_t *shares = p->nobjects ? calloc(p->nobjects, sizeof *shares) : NULL;
    boot.objects = p->nobjects ? calloc(p->nobjects, sizeof *boot.objects) : NULL;
    mp_sentinel_t handles[MP__MAX_CHILD_HANDLES];
    size_t nhandles = 0;
    if (p->nobjects && (!shares || !boot.objects))
        rc = MP_ENOMEM;
    for (size_t i = 0; rc == 0 && i < p->nobjects; i++)
        rc = describe_object(p->objects[i], &shares[i], &boot.objects[i], handles, &nhandles);
    mp__buf_t record = {0};
    /* A fork child reads `boot` itself, in its copy of this memory. */
    if (rc == 0 && (p->method->flags & MP__METHOD_NEEDS_RECORD))
        rc = mp__boot_encode(&boot, &record);
    if (rc == 0) {
        mp__launch_t launch = {
            .record = record.data,
            .record_len = record.len,
            .daemon = p->daemon,
            .exit_with_parent = p->exit_with_parent,
            .handles = handles,
            .nhandles = nhandles,
            .decoded = &boot,
        };
        rc = p->method->start(&launch, &p->os);
    }
    mp__buf_free(&record);
    for (size_t i = 0; shares && i < p->nobjects; i++)
        mp__buf_free(&shares[i].bytes);
    free(shares);
    free(boot.objects);
    if (rc < 0)
        return rc;
    p->state = RUNNING;
    return 0;
}

/* The child has ended: read what it reported. A child that died before
 * reporting (killed, crashed) has an empty or torn record; that is not an
 * error of the join, only of the result. */
void mp__process_finish(mp_process_t *p)
{
    p->state = ENDED;
    p->reported = mp__result_decode(p->received.data, p->received.len, &p->result) == 0;
    mp__buf_free(&p->received);
}

int mp_process_join(mp_process_t *p, double timeout)
{
    int rc = check_started(p, "mp_process_join");
    if (rc < 0)
        return rc;
    if (timeout != timeout)
        return mp__errdetail_set(MP_EINVAL, "mp_process_join: timeout is NaN");
    if (p->state == RUNNING) {
        rc = mp__os_proc_wait(p->os, timeout, &p->received, &p->exitcode);
        if (rc < 0)
            return rc;
        mp__process_finish(p);
    }
    if (p->reported && p->result.boot_error)
        return mp__errdetail_set(p->result.boot_error, "process '%s' could not start task '%s': %s",
                                 p->name, p->task, p->result.message);
    return 0;
}

int mp_process_is_alive(mp_process_t *p)
{
    int rc = check_handle(p, "mp_process_is_alive");
    if (rc < 0)
        return rc;
    if (p->state != RUNNING)
        return 0;
    rc = mp__os_proc_wait(p->os, 0, &p->received, &p->exitcode);
    if (rc == MP_ETIMEDOUT)
        return 1;
    if (rc < 0)
        return rc;
    mp__process_finish(p);
    return 0;
}

/* Checks for the getters that need an ended child. */
static int check_ended(mp_process_t *p, const char *fn)
{
    int rc = check_started(p, fn);
    if (rc < 0)
        return rc;
    if (p->state == RUNNING && mp_process_is_alive(p) != 0)
        return mp__errdetail_set(MP_ESTATE, "%s: process '%s' is still running", fn, p->name);
    return 0;
}

int mp_process_exitcode(mp_process_t *p, int *code)
{
    if (!code)
        return mp__errdetail_set(MP_EINVAL, "mp_process_exitcode: NULL code");
    int rc = check_ended(p, "mp_process_exitcode");
    if (rc == 0)
        *code = p->exitcode;
    return rc;
}

int mp_process_result(mp_process_t *p, const void **data, size_t *len)
{
    if (!data || !len)
        return mp__errdetail_set(MP_EINVAL, "mp_process_result: NULL data or len");
    int rc = check_ended(p, "mp_process_result");
    if (rc < 0)
        return rc;
    *data = NULL;
    *len = 0;
    if (!p->reported)
        return mp__errdetail_set(MP_ECHILD, "process '%s' ended with exit code %d before reporting",
                                 p->name, p->exitcode);
    if (p->result.boot_error)
        return p->result.boot_error;
    if (p->result.task_error)
        return mp__errdetail_set(p->result.task_error, "task '%s' failed: %s", p->task,
                                 p->result.message);
    *data = p->result.value;
    *len = p->result.value_len;
    return 0;
}

int mp_process_error(mp_process_t *p, int *code, const char **message)
{
    if (!code)
        return mp__errdetail_set(MP_EINVAL, "mp_process_error: NULL code");
    int rc = check_ended(p, "mp_process_error");
    if (rc < 0)
        return rc;
    bool failed = p->reported && (p->result.task_error || p->result.boot_error);
    *code = !p->reported           ? MP_ECHILD
            : p->result.boot_error ? p->result.boot_error
                                   : p->result.task_error;
    if (message)
        *message = failed ? p->result.message : "";
    return 0;
}

static int send_signal(mp_process_t *p, mp__signal_t sig, const char *fn)
{
    int rc = check_started(p, fn);
    if (rc < 0 || p->state == ENDED)
        return rc;
    return mp__os_proc_signal(p->os, sig);
}

int mp_process_terminate(mp_process_t *p)
{
    return send_signal(p, MP__SIG_TERM, "mp_process_terminate");
}

int mp_process_kill(mp_process_t *p)
{
    return send_signal(p, MP__SIG_KILL, "mp_process_kill");
}

int mp_process_interrupt(mp_process_t *p)
{
    return send_signal(p, MP__SIG_INT, "mp_process_interrupt");
}

int mp_process_pid(mp_process_t *p, mp_pid_t *pid)
{
    if (!pid)
        return mp__errdetail_set(MP_EINVAL, "mp_process_pid: NULL pid");
    int rc = check_started(p, "mp_process_pid");
    if (rc == 0)
        *pid = mp__os_proc_pid(p->os);
    return rc;
}

int mp_process_sentinel(mp_process_t *p, mp_sentinel_t *out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_process_sentinel: NULL out");
    int rc = check_started(p, "mp_process_sentinel");
    if (rc == 0)
        *out = mp__os_proc_sentinel(p->os);
    return rc;
}

const char *mp_process_name(const mp_process_t *p)
{
    return p && mp__registry_has(p) && p->state != CLOSED ? p->name : "";
}

int mp_process_daemon(const mp_process_t *p)
{
    if (!p)
        return mp__errdetail_set(MP_EINVAL, "mp_process_daemon: NULL process");
    if (!mp__registry_has(p))
        return mp__errdetail_set(MP_ECLOSED, "mp_process_daemon: process handle was destroyed");
    return p->daemon;
}

const char *mp_process_start_method(const mp_process_t *p)
{
    if (!p || !mp__registry_has(p))
        return NULL;
    if (p->method)
        return p->method->name;
    mp_context_t *ctx = p->context;
    if (!ctx)
        mp_get_context(NULL, &ctx); /* the default context: never fails */
    return mp_context_start_method(ctx);
}

/* Free everything but the handle itself and its registry entry. */
static void release(mp_process_t *p)
{
    mp__os_proc_free(p->os);
    p->os = NULL;
    mp__buf_free(&p->received);
    mp__result_free(&p->result);
    free(p->task), free(p->arg), free(p->objects);
    p->task = NULL, p->arg = NULL, p->objects = NULL, p->nobjects = 0;
}

int mp_process_close(mp_process_t *p)
{
    if (!p)
        return mp__errdetail_set(MP_EINVAL, "mp_process_close: NULL process");
    if (!mp__registry_has(p))
        return mp__errdetail_set(MP_ECLOSED, "mp_process_close: process handle was destroyed");
    if (p->state == CLOSED)
        return 0;
    if (p->state == RUNNING && mp_process_is_alive(p) == 1)
        return mp__errdetail_set(MP_ESTATE, "cannot close process '%s' while it runs", p->name);
    release(p);
    p->state = CLOSED;
    return 0;
}

void mp_process_destroy(mp_process_t *p)
{
    if (!p || !mp__registry_has(p))
        return;
    if (p->state == RUNNING && mp_process_is_alive(p) == 1) {
        /* Keep the OS side so the child is reaped (and, if a daemon,
         * terminated) later. */
        mp__registry_detach(p->os, p->daemon);
        p->os = NULL;
    }
    mp__registry_remove(p);
    release(p);
    free(p->name);
    free(p);
}

int mp_wait(const mp_sentinel_t *sentinels, size_t n, double timeout, unsigned char *ready)
{
    if (!sentinels && n)
        return mp__errdetail_set(MP_EINVAL, "mp_wait: NULL sentinels with n = %zu", n);
    if (timeout != timeout)
        return mp__errdetail_set(MP_EINVAL, "mp_wait: timeout is NaN");
    if (n == 0 && timeout == MP_FOREVER)
        return mp__errdetail_set(MP_EINVAL, "mp_wait: nothing to wait for, for ever");
    return mp__os_wait_handles(sentinels, n, timeout, ready);
}
