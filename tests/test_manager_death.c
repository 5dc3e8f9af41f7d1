/* Suite "manager_death": deaths around a manager, by SIGKILL. The server
 * killed while calls wait in it (one in a child, one in the parent): every
 * call fails promptly with MP_EBROKEN, and the starter's message names the
 * signal; later calls too. A client killed while it waits inside a method:
 * the method gives up, and the server goes on. Run once per start method
 * (POSIX: a signal from outside). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "mgr_helpers.h"

/* "Promptly", generously for a loaded machine: a call that waits for a
 * dead server would wait for ever. */
#define PROMPT_S 10.0

/* A parent's call that waits in the server, on a thread of its own. */
typedef struct waiter {
    mp_proxy_t *proxy;
    int rc;
    char detail[256];
    double returned; /* now_s() when the call returned */
} waiter_t;

static void *wait_in_server(void *arg)
{
    waiter_t *w = arg;
    mp_var_t *args = NULL;
    w->rc = mp_var_pack(&args, "[i]", 1000000);
    if (w->rc == 0)
        w->rc = mp_proxy_call(w->proxy, "wait_for", args, NULL, MP_FOREVER);
    snprintf(w->detail, sizeof w->detail, "%s", mp_errdetail());
    w->returned = now_s();
    mp_var_free(args);
    return NULL;
}

/* A child whose call waits in the server (task_mgr_call "wait_for"). */
static mp_process_t *start_waiting_child(mp_proxy_t *c)
{
    mgr_call_arg_t arg = {.method = "wait_for", .n = 1000000, .timeout = MP_FOREVER};
    return start_process(&(mp_process_opts_t){.task = "task_mgr_call",
                                              .context = method_context(),
                                              .arg = &arg,
                                              .arg_len = sizeof arg,
                                              MP_OBJECTS(c)});
}

static void test_server_killed_while_calls_wait(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    mp_proxy_t *probe = NULL, *mine = NULL;
    mp_pid_t server = 0;
    /* Three proxies of one object: three connections. */
    if (!c || !EXPECT_RC(mp_manager_pid(m, &server), 0) || !(probe = mgr_same(c)) ||
        !(mine = mgr_same(c)))
        goto out;
    mp_process_t *child = start_waiting_child(c);
    waiter_t w = {.proxy = mine};
    pthread_t thread;
    if (!child || !mgr_wait_waiting(probe, 1) ||
        !EXPECT_EQ(pthread_create(&thread, NULL, wait_in_server, &w), 0)) {
        dispose_process(child);
        goto out;
    }
    if (mgr_wait_waiting(probe, 2)) {
        double killed = now_s();
        kill_pid((pid_t)server);
        pthread_join(thread, NULL);
        EXPECT_RC(w.rc, MP_EBROKEN);
        EXPECT(w.returned - killed < PROMPT_S, "the parent's call returned after %.3f s",
               w.returned - killed);
        EXPECT(strstr(w.detail, "hung up") && strstr(w.detail, "killed by signal 9"),
               "the starter names the signal: %s", w.detail);
        int64_t rc = 0;
        if (EXPECT_RC(mp_process_join(child, JOIN_LIMIT_S), 0) && result_of(child, &rc, sizeof rc))
            EXPECT_RC((int)rc, MP_EBROKEN);
        /* Later calls, and new objects, fail the same way at once. */
        double t0 = now_s();
        EXPECT_RC(mp_proxy_callf(probe, "get", NULL, "[]"), MP_EBROKEN);
        EXPECT_RC(mp_proxy_callf(probe, "get", NULL, "[]"), MP_EBROKEN);
        mp_proxy_t *more = NULL;
        EXPECT_RC(mp_proxy_create(&more, &(mp_proxy_opts_t){.manager = m, .type = MGR_COUNTER}),
                  MP_EBROKEN);
        EXPECT(now_s() - t0 < PROMPT_S, "calls after the death took %.3f s", now_s() - t0);
        EXPECT_RC(mp_manager_shutdown(m), 0);
        int code = 0;
        EXPECT_RC(mp_manager_exitcode(m, &code), 0);
        EXPECT_EQ(code, -SIGKILL);
    } else {
        kill_pid((pid_t)server);
        pthread_join(thread, NULL);
    }
    dispose_process(child);
out:
    mp_proxy_destroy(mine);
    mp_proxy_destroy(probe);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* A client killed inside wait_for: the method sees its connection close,
 * gives up (it does not wait on for a client that is gone), and the server
 * serves the others as before. */
static void test_client_killed_while_waiting(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *c = m ? mgr_counter(m, 0) : NULL;
    mp_process_t *child = c ? start_waiting_child(c) : NULL;
    if (child && mgr_wait_waiting(c, 1)) {
        EXPECT_RC(mp_process_kill(child), 0);
        EXPECT_RC(mp_process_join(child, JOIN_LIMIT_S), 0);
        EXPECT(mgr_wait_waiting(c, 0), "the dead client's wait ended");
        EXPECT_EQ(mgr_call_int(c, "add", 1), 1);
    }
    dispose_process(child);
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* The starter killed: its server sees the starter's connection close and
 * stops by itself (it does not outlive the program that started it). */
static void test_starter_killed(void)
{
    char dir[400], path[512], text[64];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/server-pid", dir);
    ctl_arg_t ctl = make_ctl(path, 0, 0);
    mp_process_t *p = run_process(&(mp_process_opts_t){.task = "task_mgr_start_and_die",
                                                       .context = method_context(),
                                                       .arg = &ctl,
                                                       .arg_len = sizeof ctl});
    long long server = 0;
    if (p && EXPECT(wait_for_file(path, MGR_WAIT_S, text, sizeof text), "the pid file") &&
        EXPECT(sscanf(text, "%lld", &server) == 1 && server > 0, "a pid: '%s'", text))
        EXPECT(wait_pid_gone((pid_t)server, MGR_WAIT_S), "the orphaned server %lld stopped",
               server);
    dispose_process(p);
    remove_tree(dir);
}

static const test_case_t tests[] = {
    {"server_killed_while_calls_wait", test_server_killed_while_calls_wait, ON_ALL},
    {"client_killed_while_waiting", test_client_killed_while_waiting, ON_ALL},
    {"starter_killed", test_starter_killed, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_manager_death = {"manager_death", true, tests};
