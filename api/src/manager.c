/* The manager handle (manager.h): starting a server (a process running the
 * built-in task "mp.manager", or a thread), connecting to a running one,
 * shutting down, and the starter's connection, on which the server's own
 * requests (create, publish, lookup) travel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_builtin.h"
#include "mp_mgr.h"

/* How long the starter waits at a time for the server's first word,
 * looking in between whether the server process died. */
#define READY_SLICE 0.1
/* The key a manager makes when it is given none (Python's 32 bytes). */
#define KEY_SIZE 32

typedef enum mode { STARTED_PROCESS, STARTED_THREAD, CONNECTED } mgr_mode_t;

struct mp_manager {
    mp__object_t obj;
    mgr_mode_t mode;
    char *address;
    void *key;
    size_t key_len;
    bool has_key;
    apr_pool_t *apr;
    apr_thread_mutex_t *mutex; /**< one request at a time on `conn` */
    mp_connection_t *conn;     /**< the starter's (or the client's) connection */
    mp_pid_t conn_pid;         /**< the process that made `conn` */
    mp_pid_t starter_pid;      /**< the process that made the handle (a fork child's copy
                                    is not the starter) */
    mp_process_t *proc;        /**< STARTED_PROCESS */
    apr_thread_t *thread;      /**< STARTED_THREAD */
    mp_var_t *thread_config;   /**< the thread's configuration, kept while it runs */
    mp_connection_t *thread_end;
    mp_finalizer_t *finalizer; /**< shuts the server down at exit */
    double shutdown_timeout;
    bool shut;
    bool has_exitcode;
    int exitcode;
};

/* ---- the servers this process started, for "how did it die" ----------- */

typedef struct started {
    char address[MP_ADDRESS_MAX + 1];
    mp_process_t *proc; /* a handle: stale once the manager is destroyed */
    struct started *next;
} started_t;

static started_t *started_list; /* under the core lock */

static void started_add(const char *address, mp_process_t *proc)
{
    started_t *s = calloc(1, sizeof *s);
    if (!s)
        return; /* only a message is lost */
    snprintf(s->address, sizeof s->address, "%s", address);
    s->proc = proc;
    mp__core_lock();
    s->next = started_list;
    started_list = s;
    mp__core_unlock();
}

static void started_remove(mp_process_t *proc)
{
    mp__core_lock();
    for (started_t **p = &started_list; *p; p = &(*p)->next)
        if ((*p)->proc == proc) {
            started_t *gone = *p;
            *p = gone->next;
            free(gone);
            break;
        }
    mp__core_unlock();
}

bool mp__mgr_death_cause(const char *address, char *buf, size_t size)
{
    mp_process_t *proc = NULL;
    mp__core_lock();
    for (started_t *s = started_list; s && !proc; s = s->next)
        if (strcmp(s->address, address) == 0)
            proc = s->proc;
    mp__core_unlock();
    mp__errdetail_saved_t saved;
    mp__errdetail_save(&saved);
    mp_pid_t pid = 0;
    int code = 0;
    /* Its connection closed as it died: the process is ending now. */
    bool known = proc && mp_process_join(proc, 1.0) == 0 && mp_process_pid(proc, &pid) == 0 &&
                 mp_process_exitcode(proc, &code) == 0;
    mp__errdetail_restore(&saved);
    if (!known)
        return false;
    if (code < 0)
        snprintf(buf, size, "its process %lld was killed by signal %d", (long long)pid, -code);
    else
        snprintf(buf, size, "its process %lld exited with code %d", (long long)pid, code);
    return true;
}

/* ---- the handle --------------------------------------------------------- */

static void stop_server(mp_manager_t *m);

static void manager_release(mp__object_t *obj)
{
    mp_manager_t *m = (mp_manager_t *)obj;
    mp_finalizer_cancel(m->finalizer);
    if (m->mode != CONNECTED && m->starter_pid == mp__os_getpid())
        stop_server(m);
    mp_connection_destroy(m->conn);
    if (m->proc)
        started_remove(m->proc);
    mp_process_destroy(m->proc);
    mp_var_free(m->thread_config);
    free(m->address);
    free(m->key);
    if (m->apr)
        apr_pool_destroy(m->apr);
}

const mp__kind_t mp__kind_manager = {
    .name = "Manager",
    .id = 22,
    .size = sizeof(mp_manager_t),
    .release = manager_release,
};

/* A new handle with its key (given, or KEY_SIZE random bytes). */
static int manager_new(mgr_mode_t mode, const void *key, size_t key_len, bool has_key,
                       mp_manager_t **out)
{
    mp__object_t *obj;
    int rc = mp__object_new(&mp__kind_manager, &obj);
    if (rc < 0)
        return rc;
    mp_manager_t *m = (mp_manager_t *)obj;
    m->mode = mode;
    m->has_key = has_key;
    m->key_len = has_key && !key ? KEY_SIZE : key_len;
    m->key = malloc(m->key_len ? m->key_len : 1);
    m->conn_pid = m->starter_pid = mp__os_getpid();
    if (!m->key || apr_pool_create(&m->apr, NULL) != APR_SUCCESS ||
        apr_thread_mutex_create(&m->mutex, APR_THREAD_MUTEX_DEFAULT, m->apr) != APR_SUCCESS) {
        mp__object_destroy(obj);
        return MP_ENOMEM;
    }
    if (key && key_len)
        memcpy(m->key, key, key_len);
    else if (has_key && !key && (rc = mp__os_random(m->key, m->key_len)) < 0) {
        mp__object_destroy(obj);
        return rc;
    }
    *out = m;
    return 0;
}

/* The starter's configuration for the server (manager_serve.c). */
static int config_make(const mp_manager_opts_t *o, const mp_manager_t *m, mp_var_t **out)
{
    mp_var_t *c = mp_var_list();
    int rc = c ? 0 : MP_ENOMEM;
    if (rc == 0)
        rc = mp_var_append(c, o->address ? mp_var_str(o->address) : mp_var_nil());
    if (rc == 0)
        rc = mp_var_append(c, mp_var_bytes(m->key, m->key_len));
    if (rc == 0)
        rc = mp_var_append(c, o->initializer ? mp_var_str(o->initializer) : mp_var_nil());
    if (rc == 0)
        rc = mp_var_append(c, mp_var_bytes(o->initarg, o->initarg_len));
    if (rc < 0) {
        mp_var_free(c);
        return MP_ENOMEM;
    }
    *out = c;
    return 0;
}

static int check_opts(const mp_manager_opts_t *o)
{
    const char *fn = "mp_manager_start";
    if (!o->authkey && o->authkey_len)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL authkey with authkey_len %zu", fn,
                                 o->authkey_len);
    if (!o->initarg && o->initarg_len)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL initarg with initarg_len %zu", fn,
                                 o->initarg_len);
    if (!(o->shutdown_timeout >= 0))
        return mp__errdetail_set(MP_EINVAL, "%s: shutdown_timeout %g is negative or NaN", fn,
                                 o->shutdown_timeout);
    if (o->initializer && !mp__tasks_find(o->initializer))
        return mp__errdetail_set(MP_ENOTASK, "%s: no task named '%s' for the initializer", fn,
                                 o->initializer);
    return 0;
}

static void *APR_THREAD_FUNC server_thread(apr_thread_t *thread, void *arg)
{
    mp_manager_t *m = arg;
    mp__mgr_serve(m->thread_end, m->thread_config, NULL, 0);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

/* Start the server: a process given `end` and the configuration, or a
 * thread of this process. */
static int launch(mp_manager_t *m, const mp_manager_opts_t *o, mp_var_t *config,
                  mp_connection_t *end)
{
    if (m->mode == STARTED_THREAD) {
        m->thread_config = config;
        m->thread_end = end;
        if (apr_thread_create(&m->thread, NULL, server_thread, m, m->apr) != APR_SUCCESS) {
            m->thread = NULL;
            mp_connection_destroy(end);
            return mp__errdetail_set(MP_ESYS, "mp_manager_start: could not start a thread");
        }
        return 0;
    }
    mp__buf_t arg = {0};
    int rc = mp__var_encode(config, &arg);
    mp_var_free(config);
    if (rc == 0)
        rc = mp_process_create(&m->proc, &(mp_process_opts_t){
                                             .task = MP__TASK_MANAGER,
                                             .arg = arg.data,
                                             .arg_len = arg.len,
                                             /* a stray one must not hold this
                                              * process's exit: see the finalizer */
                                             .daemon = MP_DAEMON_YES,
                                             .context = o->context,
                                             MP_OBJECTS(end),
                                         });
    mp__buf_free(&arg);
    if (rc == 0)
        rc = mp_process_start(m->proc);
    /* The server has its copy: ours would hide its death from our reads. */
    mp_connection_destroy(end);
    return rc;
}

/* Wait for the server's first word: its address, or why it cannot serve. */
static int await_ready(mp_manager_t *m)
{
    for (;;) {
        int rc = mp_connection_poll(m->conn, READY_SLICE);
        if (rc == 0 && m->proc && mp_process_is_alive(m->proc) == 0)
            rc = mp_connection_poll(m->conn, 0); /* its last word may be there */
        if (rc == 0 && m->proc && mp_process_is_alive(m->proc) == 0)
            return mp__errdetail_set(MP_ECHILD, "mp_manager_start: the manager server process "
                                                "died before it served");
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        void *msg = NULL;
        size_t len = 0;
        if ((rc = mp_connection_recv_alloc(m->conn, &msg, &len, MP_FOREVER)) < 0)
            return rc == MP_EEOF ? mp__errdetail_set(MP_ECHILD, "mp_manager_start: the manager "
                                                                "server ended before it served")
                                 : rc;
        int code = 0;
        mp_var_t *address = NULL;
        char *message = NULL;
        rc = mp__mgr_reply_decode(msg, len, &code, &address, &message);
        mp_free(msg);
        const char *s = NULL;
        if (rc == 0 && code < 0)
            rc = mp__errdetail_set(code, "mp_manager_start: %s", message);
        else if (rc == 0 && mp_var_get_str(address, &s) == 0)
            rc = (m->address = strdup(s)) ? 0 : MP_ENOMEM;
        else if (rc == 0)
            rc = mp__errdetail_set(MP_EBOOTSTRAP, "mp_manager_start: the server's first word "
                                                  "is not its address");
        free(message);
        mp_var_free(address);
        return rc;
    }
}

/* At exit: stop the server before this process joins its children (the
 * server, which waits for this process to hang up, is one of them). */
static void at_exit(void *handle)
{
    mp_manager_shutdown(handle);
}

int mp_manager_start(mp_manager_t **out, const mp_manager_opts_t *opts)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_manager_start: NULL out");
    mp_manager_opts_t o = opts ? *opts : (mp_manager_opts_t){0};
    int rc = check_opts(&o);
    if (rc < 0)
        return rc;
    mp_manager_t *m = NULL;
    if ((rc = manager_new(o.in_thread ? STARTED_THREAD : STARTED_PROCESS, o.authkey, o.authkey_len,
                          true, &m)) < 0)
        return rc;
    m->shutdown_timeout = o.shutdown_timeout > 0 ? o.shutdown_timeout : 1.0;
    mp_var_t *config = NULL;
    mp_connection_t *end = NULL;
    if ((rc = config_make(&o, m, &config)) == 0 && (rc = mp_pipe_create(&m->conn, &end, NULL)) < 0)
        mp_var_free(config);
    if (rc == 0)
        rc = launch(m, &o, config, end);
    if (rc == 0)
        rc = await_ready(m);
    if (rc == 0 && m->proc)
        started_add(m->address, m->proc);
    if (rc == 0)
        rc = mp_finalizer_register(&m->finalizer, at_exit, mp__handle_of(m), 0);
    if (rc < 0) {
        mp__errdetail_saved_t saved;
        mp__errdetail_save(&saved);
        mp__object_destroy(&m->obj);
        mp__errdetail_restore(&saved);
        return rc;
    }
    *out = mp__handle_of(m);
    return 0;
}

int mp_manager_connect(mp_manager_t **out, const mp_client_opts_t *opts, double timeout)
{
    if (!out || !opts || !opts->address)
        return mp__errdetail_set(MP_EINVAL, "mp_manager_connect: NULL out, opts or address");
    if (!opts->authkey && opts->authkey_len)
        return mp__errdetail_set(MP_EINVAL, "mp_manager_connect: NULL authkey with length %zu",
                                 opts->authkey_len);
    int rc = mp__timeout_check(timeout, "mp_manager_connect");
    mp_manager_t *m = NULL;
    if (rc == 0)
        rc = manager_new(CONNECTED, opts->authkey, opts->authkey_len, opts->authkey != NULL, &m);
    if (rc < 0)
        return rc;
    if (!(m->address = strdup(opts->address)))
        rc = MP_ENOMEM;
    if (rc == 0)
        rc = mp_client_connect(&m->conn, opts, timeout);
    bool broken = false;
    if (rc == 0) /* a listener that is not a manager's says so now */
        rc = mp__mgr_roundtrip(m->conn, m->address, "mp_manager_connect", "ping", 0, MP_FOREVER,
                               NULL, NULL, &broken);
    if (rc < 0) {
        mp__errdetail_saved_t saved;
        mp__errdetail_save(&saved);
        mp__object_destroy(&m->obj);
        mp__errdetail_restore(&saved);
        return rc;
    }
    *out = mp__handle_of(m);
    return 0;
}

/* Stop the server this process started and wait for it (the process: up
 * to shutdown_timeout, then terminated). Hanging up is the order: the
 * server stops when its starter's connection closes, even with a method
 * stuck holding its lock. */
static void stop_server(mp_manager_t *m)
{
    if (m->shut)
        return;
    m->shut = true;
    mp_connection_destroy(m->conn);
    m->conn = NULL;
    if (m->thread) {
        apr_status_t ignored;
        apr_thread_join(&ignored, m->thread);
        m->thread = NULL;
        return;
    }
    if (!m->proc)
        return;
    if (mp_process_join(m->proc, m->shutdown_timeout) == MP_ETIMEDOUT) {
        mp_process_terminate(m->proc);
        if (mp_process_join(m->proc, m->shutdown_timeout) == MP_ETIMEDOUT)
            mp_process_kill(m->proc);
        mp_process_join(m->proc, MP_FOREVER);
    }
    m->has_exitcode = mp_process_exitcode(m->proc, &m->exitcode) == 0;
}

int mp_manager_shutdown(mp_manager_t *m)
{
    int rc = mp__object_open(&m, &mp__kind_manager, "mp_manager_shutdown");
    if (rc < 0)
        return rc;
    if (m->mode == CONNECTED || m->starter_pid != mp__os_getpid())
        return mp__errdetail_set(MP_ESTATE, "mp_manager_shutdown: only the process that started "
                                            "the manager stops it");
    apr_thread_mutex_lock(m->mutex);
    stop_server(m);
    apr_thread_mutex_unlock(m->mutex);
    mp_finalizer_cancel(m->finalizer);
    m->finalizer = NULL;
    return 0;
}

void mp_manager_destroy(mp_manager_t *m)
{
    mp__object_destroy_handle(m, &mp__kind_manager);
}

const char *mp_manager_address(mp_manager_t *m)
{
    return mp__object_open(&m, &mp__kind_manager, "mp_manager_address") < 0 ? "" : m->address;
}

/* A getter's entry: the handle opened, and its out-pointer(s) there. */
static int open_getter(mp_manager_t **m, bool outs_given, const char *fn)
{
    int rc = mp__object_open(m, &mp__kind_manager, fn);
    if (rc == 0 && !outs_given)
        rc = mp__errdetail_set(MP_EINVAL, "%s: NULL out-pointer", fn);
    return rc;
}

int mp_manager_authkey(mp_manager_t *m, const void **key, size_t *len)
{
    int rc = open_getter(&m, key && len, "mp_manager_authkey");
    if (rc < 0)
        return rc;
    *key = m->key;
    *len = m->key_len;
    return 0;
}

int mp_manager_exitcode(mp_manager_t *m, int *code)
{
    int rc = open_getter(&m, code != NULL, "mp_manager_exitcode");
    if (rc < 0)
        return rc;
    if (!m->has_exitcode)
        return mp__errdetail_set(MP_ESTATE, "mp_manager_exitcode: %s",
                                 m->mode != STARTED_PROCESS ? "not a server process this "
                                                              "process started"
                                                            : "the server has not been shut down");
    *code = m->exitcode;
    return 0;
}

int mp_manager_pid(mp_manager_t *m, mp_pid_t *pid)
{
    int rc = open_getter(&m, pid != NULL, "mp_manager_pid");
    if (rc < 0)
        return rc;
    if (m->mode != STARTED_PROCESS)
        return mp__errdetail_set(MP_ENOTSUP, "mp_manager_pid: the server is %s",
                                 m->mode == STARTED_THREAD ? "a thread" : "not this process's");
    return mp_process_pid(m->proc, pid);
}

/* The manager's connection in this process: the one it made, or (in a
 * child that inherited the handle through a fork) a new client's. */
static int own_conn(mp_manager_t *m, const char *fn)
{
    mp_pid_t self = mp__os_getpid();
    if (m->conn && m->conn_pid == self)
        return 0;
    if (m->shut && m->starter_pid == self)
        return mp__mgr_hung_up(fn, m->address);
    mp_connection_destroy(m->conn); /* a fork's copy: the parent's */
    m->conn = NULL;
    int rc = mp__mgr_connect(&m->conn, m->address, m->key, m->key_len, m->has_key, fn);
    if (rc == 0)
        m->conn_pid = self;
    return rc;
}

int mp__manager_request(mp_manager_t *m, const char *fn, const char *method, const mp_var_t *args,
                        mp_var_t **result, mp__mgr_target_t *target)
{
    int rc = mp__object_open(&m, &mp__kind_manager, fn);
    if (rc < 0)
        return rc;
    if (target)
        *target = (mp__mgr_target_t){
            .address = m->address, .key = m->key, .key_len = m->key_len, .has_key = m->has_key};
    apr_thread_mutex_lock(m->mutex);
    rc = own_conn(m, fn);
    bool broken = false;
    if (rc == 0)
        rc = mp__mgr_roundtrip(m->conn, m->address, fn, method, 0, MP_FOREVER, args, result,
                               &broken);
    if (broken && m->mode == CONNECTED) {
        mp_connection_destroy(m->conn); /* a client may reconnect; a starter's hang-up stops */
        m->conn = NULL;
    }
    apr_thread_mutex_unlock(m->mutex);
    return rc;
}
