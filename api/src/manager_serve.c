/* What a manager's server process (the built-in task "mp.manager") or
 * server thread runs (mp_mgr.h): listen, run the initializer, tell the
 * starter it serves, then serve until the starter says stop or hangs up. */
#include <stdio.h>
#include <string.h>

#include "mp_builtin.h"
#include "mp_mgr.h"
#include "mp_runner.h"

/* The starter's configuration: [address|nil, key bytes, initializer|nil,
 * initarg bytes], as manager.c packs it. */
typedef struct config {
    const char *address;
    const void *key;
    size_t key_len;
    const char *initializer;
    const void *initarg;
    size_t initarg_len;
} config_t;

/* A string or nil (NULL). */
static int str_or_nil(const mp_var_t *v, const char **out)
{
    *out = NULL;
    return mp_var_type(v) == MP_VAR_NIL ? 0 : mp_var_get_str(v, out);
}

static int config_read(const mp_var_t *v, config_t *c)
{
    if (mp_var_len(v) != 4 || mp_var_type(v) != MP_VAR_LIST ||
        str_or_nil(mp_var_at(v, 0), &c->address) < 0 ||
        mp_var_get_bytes(mp_var_at(v, 1), &c->key, &c->key_len) < 0 ||
        str_or_nil(mp_var_at(v, 2), &c->initializer) < 0 ||
        mp_var_get_bytes(mp_var_at(v, 3), &c->initarg, &c->initarg_len) < 0)
        return mp__errdetail_set(MP_EBOOTSTRAP, "the manager server's configuration is corrupt");
    return 0;
}

/* Run the initializer; its failure as a code and a message in `why`. */
static int initialize(const config_t *c, mp__object_t **objects, size_t nobjects, char *why,
                      size_t size)
{
    mp__run_t run;
    mp__runner_run(&run, c->initializer, c->initarg, c->initarg_len, objects, nobjects);
    int rc = run.result.boot_error ? run.result.boot_error : run.rc ? MP_ETASK : 0;
    if (rc < 0)
        snprintf(why, size, "the manager's initializer '%s' failed: %s", c->initializer,
                 run.result.message[0] ? run.result.message : "it returned an exit code");
    mp__runner_release(&run);
    return rc;
}

/* Tell the starter: [0, address] or [code, why]. */
static int tell(mp_connection_t *control, int code, const char *what)
{
    mp__buf_t msg = {0};
    mp_var_t *address = code == 0 ? mp_var_str(what) : NULL;
    int rc = code == 0 && !address ? MP_ENOMEM : mp__mgr_reply_encode(&msg, code, address, what);
    if (rc == 0)
        rc = mp_connection_send(control, msg.data, msg.len, MP_FOREVER);
    mp_var_free(address);
    mp__buf_free(&msg);
    return rc;
}

int mp__mgr_serve(mp_connection_t *control, const mp_var_t *config, mp__object_t **objects,
                  size_t nobjects)
{
    config_t c = {0};
    char why[600] = "";
    mp__mgr_server_t *s = NULL;
    int rc = config_read(config, &c);
    if (rc == 0)
        rc = mp__mgr_server_create(&s, c.address, c.key, c.key_len);
    if (rc < 0)
        snprintf(why, sizeof why, "the manager server could not listen: %s", mp_errdetail());
    else if (c.initializer)
        rc = initialize(&c, objects, nobjects, why, sizeof why);
    if (rc < 0) {
        tell(control, rc, why);
        mp__mgr_server_destroy(s);
        mp_connection_close(control);
        return mp__errdetail_set(rc, "%s", why);
    }
    rc = tell(control, 0, mp__mgr_server_address(s));
    /* The starter's connection is a client like any other, but the one
     * whose request or hang-up stops the server. */
    if (rc == 0)
        rc = mp__mgr_server_add_client(s, control, true);
    else
        mp_connection_close(control);
    if (rc == 0)
        mp__mgr_server_accept_loop(s);
    mp__mgr_server_destroy(s);
    return 0;
}

int mp__builtin_manager(mp_task_t *t)
{
    mp_connection_t *control;
    int rc = mp_task_connection(t, 0, &control);
    if (rc < 0)
        return mp_task_fail(t, rc, "the manager server needs a connection as its object 0: %s",
                            mp_errdetail());
    mp_var_t *config = NULL;
    if ((rc = mp__var_decode(t->arg, t->arg_len, &config)) < 0)
        return mp_task_fail(t, MP_EBOOTSTRAP, "the manager server's configuration is corrupt");
    /* A terminal's Ctrl-C is for the program: the server stops when its
     * starter says so or ends (as Python's manager ignores SIGINT). */
    mp__os_ignore_interrupts();
    /* Daemonic for its starter (it must not hold the program's exit), but
     * it may start children of its own: a Pool's workers, which exit with
     * it (exit_with_parent) and are terminated at its shutdown. Python's
     * server process is not daemonic, so its manager.Pool() works too. */
    mp__core_lock();
    mp__self()->daemon = false;
    mp__core_unlock();
    rc = mp__mgr_serve(control, config, t->objects + 1, t->nobjects - 1);
    mp_var_free(config);
    return rc < 0 ? mp_task_fail(t, rc, "%s", mp_errdetail()) : 0;
}
