/* mp_init, the identity of the current process, and a child's life from
 * its bootstrap record to its exit code. */
#include <apr_general.h>
#include <apr_thread_mutex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_executor.h"
#include "mp_finalize.h"
#include "mp_log.h"
#include "mp_object.h"
#include "mp_queue_impl.h"
#include "mp_record.h"
#include "mp_runner.h"
#include "mp_semlock.h"

static apr_pool_t *core_pool;
static apr_thread_mutex_t *core_mutex;
static mp__self_t self = {.name = "MainProcess"};

mp__self_t *mp__self(void)
{
    return &self;
}

void mp__core_lock(void)
{
    if (core_mutex)
        apr_thread_mutex_lock(core_mutex);
}

void mp__core_unlock(void)
{
    if (core_mutex)
        apr_thread_mutex_unlock(core_mutex);
}

/* Fork policy point 1: the forking thread holds the lock across fork, so
 * the child's copy is consistent; it is then released on both sides (the
 * child's only thread is the one that took it). */
void mp__core_atfork_prepare(void)
{
    mp__core_lock();
}

void mp__core_atfork_parent(void)
{
    mp__core_unlock();
}

void mp__core_atfork_child(void)
{
    mp__semlock_forget_ids();
    mp__core_unlock();
}

/* ---- exit handlers for children ----------------------------------- */

enum { MAX_ATEXIT = 32 };
static void (*atexit_fns[MAX_ATEXIT])(void);
static size_t atexit_count;

int mp_atexit(void (*fn)(void))
{
    if (!fn)
        return mp__errdetail_set(MP_EINVAL, "mp_atexit: NULL function");
    mp__core_lock();
    int rc = atexit_count < MAX_ATEXIT ? 0 : MP_ENOMEM;
    if (rc == 0)
        atexit_fns[atexit_count++] = fn;
    mp__core_unlock();
    return rc < 0 ? mp__errdetail_set(rc, "mp_atexit: %d handlers already", MAX_ATEXIT) : 0;
}

/* Like C's atexit: last registered, first run. */
static void run_atexit_fns(void)
{
    while (atexit_count > 0)
        atexit_fns[--atexit_count]();
}

/* Python's util._exit_function(): finalisers of priority >= 0, then the
 * children (executors shut down, daemons terminated, the rest joined),
 * then the other finalisers with a priority. */
static void exit_function(void)
{
    if (mp__log_on(MP_LOG_INFO))
        mp__log(MP_LOG_INFO, "process shutting down");
    mp__finalizers_run(0);
    mp__children_at_exit();
    mp__finalizers_run(MP_FINALIZE_NO_PRIORITY);
}

/* ---- initialisation ------------------------------------------------ */

int mp_init(int *argc, char ***argv, const mp_task_def_t *tasks)
{
    if (mp__initialised())
        return mp__errdetail_set(MP_ESTATE, "mp_init was already called");
    /* MP_EINVAL for a NULL table, a row without a name or a function, a
     * name listed twice, and a name in the library's reserved namespace
     * ("mp." + anything, mp_builtin.h), which holds its built-in tasks. */
    int rc = mp__tasks_set(tasks);
    if (rc < 0)
        return rc;
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&core_pool, NULL) != APR_SUCCESS ||
        apr_thread_mutex_create(&core_mutex, APR_THREAD_MUTEX_DEFAULT, core_pool) != APR_SUCCESS)
        return mp__errdetail_set(MP_ENOMEM, "mp_init: could not initialise APR");
    if ((rc = mp__os_init()) < 0)
        return rc;
    /* Before a child's start: its parent's level, in its record, wins. */
    mp__log_from_env();
    /* A spawned child or the fork server never comes back from here. */
    if ((rc = mp__os_enter_child(argc, argv)) < 0)
        return rc;
    atexit(exit_function);
    return 0;
}

const char *mp_version(void)
{
    return MP_VERSION_STRING;
}

void mp_free(void *memory)
{
    free(memory);
}

/* ---- who am I ------------------------------------------------------ */

int mp_current_process(mp_process_info_t *info)
{
    if (!info)
        return mp__errdetail_set(MP_EINVAL, "mp_current_process: NULL info");
    *info = (mp_process_info_t){
        .pid = mp__os_getpid(),
        .name = self.name,
        .daemon = self.daemon,
        .start_method = self.method,
    };
    return 0;
}

int mp_parent_process(mp_process_info_t *info)
{
    if (!info)
        return mp__errdetail_set(MP_EINVAL, "mp_parent_process: NULL info");
    if (!self.has_parent)
        return mp__errdetail_set(MP_ENOENT, "the main process has no parent process");
    *info = (mp_process_info_t){.pid = self.parent_pid, .name = self.parent_name};
    return 0;
}

int mp_parent_join(double timeout)
{
    if (!self.has_parent)
        return mp__errdetail_set(MP_ENOENT, "the main process has no parent process");
    int rc = mp__timeout_check(timeout, "mp_parent_join");
    return rc < 0 ? rc : mp__os_parent_wait(timeout);
}

int mp_parent_is_alive(void)
{
    int rc = mp_parent_join(0);
    return rc == MP_ETIMEDOUT ? 1 : rc == 0 ? 0 : rc;
}

int mp_cpu_count(void)
{
    const char *env = getenv("MP_CPU_COUNT");
    if (env && env[0]) {
        char *end;
        long n = strtol(env, &end, 10);
        if (*end == '\0' && n > 0 && n < 1 << 20)
            return (int)n;
    }
    return mp__os_cpu_count();
}

/* ---- fork policy ---------------------------------------------------- */

static mp_fork_policy_t fork_policy = MP_FORK_WARN;
static bool fork_policy_from_env_done;

/* mp_set_interruptible(): read by every wait, from any thread. */
static _Atomic bool interruptible;

int mp_set_interruptible(bool on)
{
    return atomic_exchange(&interruptible, on);
}

bool mp__interruptible(void)
{
    return atomic_load_explicit(&interruptible, memory_order_relaxed);
}

int mp_set_fork_policy(mp_fork_policy_t policy)
{
    if (policy != MP_FORK_WARN && policy != MP_FORK_REFUSE && policy != MP_FORK_ALLOW)
        return mp__errdetail_set(MP_EINVAL, "mp_set_fork_policy: bad policy %d", (int)policy);
    fork_policy = policy;
    fork_policy_from_env_done = true;
    return 0;
}

static void fork_policy_from_env(void)
{
    if (fork_policy_from_env_done)
        return;
    fork_policy_from_env_done = true;
    const char *env = getenv("MP_FORK_POLICY");
    if (!env)
        return;
    if (strcmp(env, "refuse") == 0)
        fork_policy = MP_FORK_REFUSE;
    else if (strcmp(env, "allow") == 0)
        fork_policy = MP_FORK_ALLOW;
}

int mp__fork_policy_check(void)
{
    fork_policy_from_env();
    /* The library's own threads (queue watchers, executors' collectors,
     * monitors and worker threads) hold no lock a child could need. */
    int threads = mp__os_thread_count() - mp__queue_watch_threads() - mp__pool_threads_running();
    if (threads <= 1 || fork_policy == MP_FORK_ALLOW)
        return 0;
    if (fork_policy == MP_FORK_REFUSE)
        return mp__errdetail_set(MP_EUNSAFEFORK,
                                 "this process (pid %lld) is multi-threaded (%d threads), use of "
                                 "fork() may lead to deadlocks in the child",
                                 (long long)mp__os_getpid(), threads);
    static bool warned;
    if (!warned) {
        warned = true;
        fprintf(stderr,
                "multiproc: warning: this process (pid %lld) is multi-threaded, use of fork() may "
                "lead to deadlocks in the child\n",
                (long long)mp__os_getpid());
    }
    return 0;
}

/* ---- a child's life ------------------------------------------------- */

/* Send the result record; a child that cannot even do that still exits
 * with its code, which the parent sees. */
static void report(const mp__result_t *result)
{
    char storage[1024]; /* a small result needs no allocation */
    mp__buf_t out;
    mp__buf_use(&out, storage, sizeof storage);
    if (mp__result_encode(result, &out) == 0)
        mp__os_child_report(out.data, out.len);
    mp__buf_free(&out);
}

static int report_boot_error(int code, const char *message)
{
    fprintf(stderr, "multiproc: child %lld: %s\n", (long long)mp__os_getpid(), message);
    report(&(mp__result_t){.boot_error = code, .message = (char *)message});
    return 1;
}

/* Become the process the record describes. The strings stay the
 * record's: it lives as long as this process. */
static void adopt_identity(const char *method, const mp__boot_t *boot)
{
    mp__children_forget();
    self.name = boot->name;
    self.parent_name = boot->parent_name;
    self.parent_pid = boot->parent_pid;
    self.has_parent = true;
    self.daemon = boot->daemon;
    self.method = method;
    self.next_child = 0;
    atexit_count = 0;
    mp__finalizers_forget();
    /* The parent's level, under every start method (item 37). */
    mp_log_set_level(boot->log_level);
    mp__os_parent_watch(self.parent_pid);
    /* As Python's spawn.prepare(): the parent's chosen method carries over
     * (a fork child has it already, in its copy of memory). */
    if (boot->start_method && boot->start_method[0])
        mp_set_start_method(boot->start_method, true);
}

/* Python's exit-code rules: 0 ok, n > 0 as given, failure is 1. */
static int exit_code_for(int rc)
{
    if (rc < 0)
        return 1;
    return rc > 255 ? 255 : rc;
}

int mp__core_child_main(const char *method, const void *record, size_t len,
                        const mp_sentinel_t *handles, size_t nhandles)
{
    /* Decoded once, never freed: the process ends inside. */
    static mp__boot_t boot;
    int rc = mp__boot_decode(record, len, &boot);
    if (rc < 0)
        return report_boot_error(rc, rc == MP_EVERSION
                                         ? "bootstrap record is from another multiproc version"
                                         : "bootstrap record is corrupt");
    return mp__core_child_run(method, &boot, handles, nhandles);
}

int mp__core_child_run(const char *method, const void *decoded, const mp_sentinel_t *handles,
                       size_t nhandles)
{
    const mp__boot_t *boot = decoded;
    if (boot->version != MP__RECORD_VERSION)
        return report_boot_error(MP_EVERSION, "bootstrap record is from another multiproc version");
    adopt_identity(method, boot);
    mp__object_t *stack_objects[8];
    mp__object_t **objects = boot->nobjects <= 8 ? stack_objects
                                                 : calloc(boot->nobjects, sizeof *objects);
    int rc = !objects
                 ? MP_ENOMEM
                 : mp__runner_attach(boot->objects, boot->nobjects, handles, nhandles, objects);
    if (rc < 0)
        return report_boot_error(rc, "could not attach the objects the child was given");
    mp__run_t run;
    if (mp__log_on(MP_LOG_DEBUG))
        mp__log(MP_LOG_DEBUG, "child process calling task '%s'", boot->task);
    rc = mp__runner_run(&run, boot->task, boot->arg, boot->arg_len, objects, boot->nobjects);
    if (run.result.boot_error)
        return report_boot_error(run.result.boot_error, run.result.message);
    if (rc < 0)
        fprintf(stderr, "multiproc: task '%s' in process '%s' (pid %lld) failed: %s: %s\n",
                boot->task, self.name, (long long)mp__os_getpid(), mp_err_name(rc),
                run.result.message);
    run_atexit_fns();
    exit_function();
    if (mp__log_on(MP_LOG_DEBUG))
        mp__log(MP_LOG_DEBUG, "process exiting with exit code %d", exit_code_for(rc));
    report(&run.result);
    /* The objects' mappings and descriptors go with the process. */
    return exit_code_for(rc);
}
