/* The manager suites' managed type and tasks (mgr_tasks.h). Children never
 * assert: a task reports what a call returned as its int64 result. */
#include "mgr_tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_manager.h" /* mp__mgr_call_wait(): a waiting method, as the built-in types wait */
#include "platform.h"
#include "tasks.h" /* ctl_arg_t */

/* ---- the counter ----------------------------------------------------------- */

typedef struct counter {
    int64_t value;
    int64_t waiting; /* wait_for calls asleep now */
} counter_t;

/* What task_mgr_init set in this process (a server runs it first). */
static int64_t initialized;

/* The int argument at `i`, or a failed call. */
static int int_arg(mp_manager_call_t *call, size_t i, int64_t *out)
{
    if (mp_var_get_int(mp_var_at(mp_manager_call_args(call), i), out) < 0)
        return mp_manager_call_fail(call, MP_EINVAL, "argument %zu must be an int", i);
    return 0;
}

static int counter_create(void **self, mp_manager_call_t *call)
{
    counter_t *c = calloc(1, sizeof *c);
    if (!c)
        return mp_manager_call_fail(call, MP_ENOMEM, "no memory for a counter");
    if (mp_var_len(mp_manager_call_args(call)) > 0 && int_arg(call, 0, &c->value) < 0) {
        free(c);
        return MP_EINVAL;
    }
    *self = c;
    return 0;
}

static int counter_add(void *self, mp_manager_call_t *call)
{
    counter_t *c = self;
    int64_t n;
    if (int_arg(call, 0, &n) < 0)
        return MP_EINVAL;
    c->value += n;
    mp__mgr_call_notify(call);
    return mp_manager_call_return(call, mp_var_int(c->value));
}

static int counter_get(void *self, mp_manager_call_t *call)
{
    return mp_manager_call_return(call, mp_var_int(((counter_t *)self)->value));
}

static int counter_missing(void *self, mp_manager_call_t *call)
{
    (void)self;
    return mp_manager_call_fail(call, MP_EKEY, "%s", MGR_MISSING_MESSAGE);
}

static int counter_wait_for(void *self, mp_manager_call_t *call)
{
    counter_t *c = self;
    int64_t n;
    if (int_arg(call, 0, &n) < 0)
        return MP_EINVAL;
    double deadline = mp__mgr_call_deadline(call);
    int rc = 0;
    c->waiting++;
    while (c->value < n && rc == 0)
        rc = mp__mgr_call_wait(call, deadline);
    c->waiting--;
    if (rc < 0)
        return mp_manager_call_fail(call, rc, "wait_for(%lld) gave up: %s", (long long)n,
                                    mp_err_name(rc));
    return mp_manager_call_return(call, mp_var_int(c->value));
}

static int counter_waiting(void *self, mp_manager_call_t *call)
{
    return mp_manager_call_return(call, mp_var_int(((counter_t *)self)->waiting));
}

static int counter_block(void *self, mp_manager_call_t *call)
{
    (void)self;
    const mp_var_t *args = mp_manager_call_args(call);
    double seconds;
    const char *path = NULL;
    if (mp_var_get_double(mp_var_at(args, 0), &seconds) < 0 ||
        (mp_var_len(args) > 1 && mp_var_get_str(mp_var_at(args, 1), &path) < 0))
        return mp_manager_call_fail(call, MP_EINVAL, "block: [seconds, path] expected");
    FILE *f = path ? fopen(path, "w") : NULL; /* tells the test it has begun */
    if (f)
        fclose(f);
    sleep_s(seconds); /* with the server's lock held: nothing else runs */
    return 0;
}

static int counter_initialized(void *self, mp_manager_call_t *call)
{
    (void)self;
    return mp_manager_call_return(call, mp_var_int(initialized));
}

static const mp_manager_method_t counter_methods[] = {
    MP_METHOD("add", counter_add),
    MP_METHOD("get", counter_get),
    MP_METHOD("missing", counter_missing),
    MP_METHOD("wait_for", counter_wait_for),
    MP_METHOD("waiting", counter_waiting),
    MP_METHOD("block", counter_block),
    MP_METHOD("initialized", counter_initialized),
    MP_METHOD_END,
};

const mp_manager_type_t mgr_counter_type = {
    .name = MGR_COUNTER,
    .create = counter_create,
    .destroy = free,
    .methods = counter_methods,
};

int mgr_duplicate_rc = 1, mgr_incomplete_rc = 1;

/* A type named like the counter, and one without a constructor: refused. */
static const mp_manager_type_t duplicate = {
    .name = MGR_COUNTER, .create = counter_create, .methods = counter_methods};
static const mp_manager_type_t incomplete = {.name = "Incomplete", .methods = counter_methods};

int mgr_register_types(void)
{
    int rc = mp_manager_register(&mgr_counter_type);
    mgr_duplicate_rc = mp_manager_register(&duplicate);
    mgr_incomplete_rc = mp_manager_register(&incomplete);
    return rc;
}

/* ---- tasks ------------------------------------------------------------------ */

int task_mgr_init(mp_task_t *t)
{
    return mp_task_arg_i64(t, &initialized);
}

int task_mgr_init_bad(mp_task_t *t)
{
    return mp_task_fail(t, MP_EINVAL, "this initializer refuses");
}

int task_mgr_add(mp_task_t *t)
{
    mp_proxy_t *p;
    int64_t n;
    int rc = mp_task_proxy(t, 0, &p);
    if (rc == 0)
        rc = mp_task_arg_i64(t, &n);
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = mp_proxy_callf(p, "add", NULL, "[i]", 1);
    return rc < 0 ? mp_task_fail(t, rc, "%s", mp_errdetail()) : 0;
}

int task_mgr_call(mp_task_t *t)
{
    mp_proxy_t *p;
    mgr_call_arg_t a;
    const void *data;
    size_t len;
    int rc = mp_task_proxy(t, 0, &p);
    if (rc == 0 && (rc = mp_task_arg(t, &data, &len)) == 0 && len != sizeof a)
        rc = MP_EINVAL;
    if (rc < 0)
        return mp_task_fail(t, rc, "task_mgr_call: bad objects or argument");
    memcpy(&a, data, sizeof a);
    mp_var_t *args = NULL;
    rc = a.path[0] ? mp_var_pack(&args, "[I, s]", a.n, a.path) : mp_var_pack(&args, "[I]", a.n);
    if (rc == 0)
        rc = mp_proxy_call(p, a.method, args, NULL, a.timeout);
    mp_var_free(args);
    return mp_task_return_i64(t, rc); /* what the call returned, as the result */
}

mp_manager_t *mgr_inherited_manager;
mp_proxy_t *mgr_inherited_proxy;

/* In a fork child: the parent's proxy and manager handles, whose
 * connections were the parent's. Adds the argument through the proxy, then
 * makes a counter through the manager; the result is the new counter's
 * value after an add of 1 (or the first failure). */
int task_mgr_inherited(mp_task_t *t)
{
    int64_t n;
    mp_proxy_t *mine = NULL;
    mp_var_t *value = NULL;
    int64_t result = 0;
    int rc = mp_task_arg_i64(t, &n);
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = mp_proxy_callf(mgr_inherited_proxy, "add", NULL, "[i]", 1);
    if (rc == 0)
        rc = mp_proxy_create(
            &mine, &(mp_proxy_opts_t){.manager = mgr_inherited_manager, .type = MGR_COUNTER});
    if (rc == 0)
        rc = mp_proxy_callf(mine, "add", &value, "[i]", 1);
    if (rc == 0)
        rc = mp_var_get_int(value, &result);
    mp_var_free(value);
    mp_proxy_destroy(mine);
    return mp_task_return_i64(t, rc < 0 ? rc : result);
}

/* Start a manager (the ctl_arg_t's method), write its server's pid to the
 * ctl's path, and die without a word: the server sees its starter's
 * connection close. */
int task_mgr_start_and_die(mp_task_t *t)
{
    ctl_arg_t ctl;
    const void *data;
    size_t len;
    if (mp_task_arg(t, &data, &len) < 0 || len != sizeof ctl)
        return mp_task_fail(t, MP_EINVAL, "task_mgr_start_and_die: bad argument");
    memcpy(&ctl, data, sizeof ctl);
    mp_context_t *ctx = NULL;
    mp_manager_t *m = NULL;
    mp_pid_t pid = 0;
    int rc = mp_get_context(&ctx, ctl.method);
    if (rc == 0)
        rc = mp_manager_start(&m, &(mp_manager_opts_t){.context = ctx});
    if (rc == 0)
        rc = mp_manager_pid(m, &pid);
    FILE *f = rc == 0 ? fopen(ctl.path, "w") : NULL;
    if (!f)
        return mp_task_fail(t, rc < 0 ? rc : MP_ESYS, "task_mgr_start_and_die: %s", mp_errdetail());
    fprintf(f, "%lld\n", (long long)pid);
    fclose(f);
    die_now();
    return 0;
}

int task_mgr_remote(mp_task_t *t)
{
    mgr_remote_arg_t a;
    const void *data;
    size_t len;
    if (mp_task_arg(t, &data, &len) < 0 || len != sizeof a)
        return mp_task_fail(t, MP_EINVAL, "task_mgr_remote: bad argument");
    memcpy(&a, data, sizeof a);
    mp_manager_t *m = NULL;
    mp_proxy_t *p = NULL;
    mp_var_t *value = NULL;
    int64_t result = 0;
    int rc = mp_manager_connect(
        &m, &(mp_client_opts_t){.address = a.address, .authkey = a.key, .authkey_len = a.key_len},
        30.0);
    if (rc == 0)
        rc = mp_manager_lookup(m, a.name, &p);
    if (rc == 0)
        rc = mp_proxy_callf(p, "add", &value, "[I]", a.n);
    if (rc == 0)
        rc = mp_var_get_int(value, &result);
    mp_var_free(value);
    mp_proxy_destroy(p);
    mp_manager_destroy(m);
    return mp_task_return_i64(t, rc < 0 ? rc : result);
}
