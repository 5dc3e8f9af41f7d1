/* Process handles and their state machine: created, running, ended,
 * closed. The list of children is in children.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_object.h"
#include "mp_process_impl.h"
#include "mp_record.h"

/* The entry step of every call: open the handle in place, and refuse a
 * closed process. */
static int open_process(mp_process_t **pp, const char *fn)
{
    int rc = mp__object_open(pp, &mp__kind_process, fn);
    if (rc == 0 && (*pp)->state == CLOSED)
        rc = mp__errdetail_set(MP_ECLOSED, "%s: process '%s' is closed", fn, (*pp)->name);
    return rc;
}

/* open_process(), for a process that must have been started. */
static int open_started(mp_process_t **pp, const char *fn)
{
    int rc = open_process(pp, fn);
    if (rc == 0 && (*pp)->state == CREATED)
        rc = mp__errdetail_set(MP_ESTATE, "%s: process '%s' was never started", fn, (*pp)->name);
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
    for (size_t i = 0; i < opts->nobjects; i++) {
        int known = mp__object_lookup(opts->objects[i]);
        if (known < 0)
            return mp__errdetail_set(known, "mp_process_create: object #%zu %s", i,
                                     known == MP_ECLOSED ? "was destroyed"
                                                         : "is not a multiproc shareable object");
    }
    int rc = mp__require_init("process");
    if (rc < 0)
        return rc;
    if (!mp__task_lookup(opts->task))
        return mp__errdetail_set(MP_ENOTASK, "no task named '%s' in the task table", opts->task);

    mp__object_t *obj;
    if ((rc = mp__object_new(&mp__kind_process, &obj)) < 0)
        return rc;
    mp_process_t *p = (mp_process_t *)obj;
    p->task = dup_string(opts->task);
    p->name = opts->name ? dup_string(opts->name) : default_name();
    p->arg_len = opts->arg_len;
    p->arg = opts->arg_len ? malloc(opts->arg_len) : NULL;
    p->nobjects = opts->nobjects;
    p->objects = opts->nobjects ? malloc(opts->nobjects * sizeof *p->objects) : NULL;
    if (!p->task || !p->name || (opts->arg_len && !p->arg) || (opts->nobjects && !p->objects)) {
        mp__object_destroy(obj);
        return MP_ENOMEM;
    }
    /* The objects are kept as handles and opened at start, so one
     * destroyed meanwhile is seen, not followed. */
    if (p->nobjects)
        memcpy(p->objects, opts->objects, p->nobjects * sizeof *p->objects);
    if (p->arg_len)
        memcpy(p->arg, opts->arg, p->arg_len);
    p->daemon = opts->daemon == MP_DAEMON_INHERIT ? mp__self()->daemon
                                                  : opts->daemon == MP_DAEMON_YES;
    p->exit_with_parent = opts->exit_with_parent;
    p->context = opts->context;
    *out = obj->handle;
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
static int describe_object(const void *handle, mp__share_t *share, mp__boot_object_t *out,
                           mp_sentinel_t *handles, size_t *nhandles)
{
    mp__object_t *obj = mp__handle_get(handle, NULL);
    if (!obj)
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
    int rc = open_process(&p, "mp_process_start");
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
        .log_level = mp_log_get_level(),
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
    int rc = open_started(&p, "mp_process_join");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_process_join");
    if (rc < 0 || p->state != RUNNING)
        return rc;
    if ((rc = mp__os_proc_wait(p->os, timeout, &p->received, &p->exitcode)) < 0)
        return rc;
    mp__process_finish(p);
    return 0;
}

/* is_alive on an opened process. */
static int still_running(mp_process_t *p)
{
    if (p->state != RUNNING)
        return 0;
    int rc = mp__os_proc_wait(p->os, 0, &p->received, &p->exitcode);
    if (rc == MP_ETIMEDOUT)
        return 1;
    if (rc < 0)
        return rc;
    mp__process_finish(p);
    return 0;
}

int mp_process_is_alive(mp_process_t *p)
{
    int rc = open_process(&p, "mp_process_is_alive");
    return rc < 0 ? rc : still_running(p);
}

/* open_started(), for the getters that need an ended child. */
static int open_ended(mp_process_t **pp, const char *fn)
{
    int rc = open_started(pp, fn);
    if (rc == 0 && (*pp)->state == RUNNING && still_running(*pp) != 0)
        rc = mp__errdetail_set(MP_ESTATE, "%s: process '%s' is still running", fn, (*pp)->name);
    return rc;
}

int mp_process_exitcode(mp_process_t *p, int *code)
{
    if (!code)
        return mp__errdetail_set(MP_EINVAL, "mp_process_exitcode: NULL code");
    int rc = open_ended(&p, "mp_process_exitcode");
    if (rc == 0)
        *code = p->exitcode;
    return rc;
}

int mp_process_result(mp_process_t *p, const void **data, size_t *len)
{
    if (!data || !len)
        return mp__errdetail_set(MP_EINVAL, "mp_process_result: NULL data or len");
    int rc = open_ended(&p, "mp_process_result");
    if (rc < 0)
        return rc;
    *data = NULL;
    *len = 0;
    if (!p->reported)
        return mp__errdetail_set(MP_ECHILD, "process '%s' ended with exit code %d before reporting",
                                 p->name, p->exitcode);
    if (p->result.boot_error)
        return mp__errdetail_set(MP_ETASK, "process '%s' could not start task '%s': %s: %s",
                                 p->name, p->task, mp_err_name(p->result.boot_error),
                                 p->result.message);
    if (p->result.task_error)
        return mp__errdetail_set(MP_ETASK, "task '%s' failed: %s: %s", p->task,
                                 mp_err_name(p->result.task_error), p->result.message);
    *data = p->result.value;
    *len = p->result.value_len;
    return 0;
}

int mp_process_error(mp_process_t *p, int *code, const char **message)
{
    if (!code)
        return mp__errdetail_set(MP_EINVAL, "mp_process_error: NULL code");
    int rc = open_ended(&p, "mp_process_error");
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
    int rc = open_started(&p, fn);
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
    int rc = open_started(&p, "mp_process_pid");
    if (rc == 0)
        *pid = mp__os_proc_pid(p->os);
    return rc;
}

int mp_process_sentinel(mp_process_t *p, mp_sentinel_t *out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_process_sentinel: NULL out");
    int rc = open_started(&p, "mp_process_sentinel");
    if (rc == 0)
        *out = mp__os_proc_sentinel(p->os);
    return rc;
}

const char *mp_process_name(const mp_process_t *handle)
{
    mp_process_t *p = (mp_process_t *)handle;
    return open_process(&p, "mp_process_name") == 0 ? p->name : "";
}

int mp_process_is_daemon(const mp_process_t *handle)
{
    mp_process_t *p = (mp_process_t *)handle;
    int rc = mp__object_open(&p, &mp__kind_process, "mp_process_is_daemon");
    return rc < 0 ? rc : p->daemon;
}

const char *mp_process_start_method(const mp_process_t *handle)
{
    mp_process_t *p = (mp_process_t *)handle;
    if (mp__object_open(&p, &mp__kind_process, "mp_process_start_method") < 0)
        return "";
    if (p->method)
        return p->method->name;
    mp_context_t *ctx = p->context;
    if (!ctx)
        mp_get_context(&ctx, NULL); /* the default context: never fails */
    return mp_context_start_method(ctx);
}

/* Free what the process holds, but its name (kept for messages after
 * close). */
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
    int rc = mp__object_open(&p, &mp__kind_process, "mp_process_close");
    if (rc < 0 || p->state == CLOSED)
        return rc;
    if (still_running(p) == 1)
        return mp__errdetail_set(MP_ESTATE, "cannot close process '%s' while it runs", p->name);
    release(p);
    p->state = CLOSED;
    return 0;
}

void mp_process_destroy(mp_process_t *p)
{
    mp__object_destroy_handle(p, &mp__kind_process);
}

static void process_release(mp__object_t *obj)
{
    mp_process_t *p = (mp_process_t *)obj;
    if (still_running(p) == 1) {
        /* Keep the OS side so the child is reaped (and, if a daemon,
         * terminated) later. */
        mp__registry_detach(p->os, p->daemon);
        p->os = NULL;
    }
    release(p);
    free(p->name);
    p->name = NULL;
}

/* Process handles are handles like the others (ids that are never reused),
 * but a process is not given to a child. */
const mp__kind_t mp__kind_process = {
    .name = "Process",
    .id = 0,
    .size = sizeof(mp_process_t),
    .release = process_release,
};

int mp_wait(const mp_sentinel_t *sentinels, size_t n, double timeout, unsigned char *ready)
{
    if (!sentinels && n)
        return mp__errdetail_set(MP_EINVAL, "mp_wait: NULL sentinels with n = %zu", n);
    int rc = mp__timeout_check(timeout, "mp_wait");
    if (rc < 0)
        return rc;
    if (n == 0 && timeout == MP_FOREVER)
        return mp__errdetail_set(MP_EINVAL, "mp_wait: nothing to wait for, for ever");
    return mp__os_wait_handles(sentinels, n, timeout, ready);
}
