/* Processes: arguments and results, exit codes, terminate and kill, a
 * result bigger than a pipe, grandchildren, the parent seen from a child. */
#include <stdlib.h>
#include <string.h>

#include "smoke.h"

static void test_argument_and_result(void)
{
    mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_double", MP_ARG_I64(21)});
    const void *data;
    size_t len;
    if (CHECK(smoke_join(p) == 0, "exit code") && CHECK_RC(mp_process_result(p, &data, &len), 0) &&
        CHECK(len == 8, "len %lu", (unsigned long)len))
        CHECK(*(const int64_t *)data == 42, "result %ld", (long)*(const int64_t *)data);
    mp_process_destroy(p);
}

static void test_exit_codes(void)
{
    mp_process_t *a = smoke_start(&(mp_process_opts_t){.task = "task_exit", MP_ARG_I64(7)});
    mp_process_t *b = smoke_start(&(mp_process_opts_t){.task = "task_fail"});
    CHECK(smoke_join(a) == 7, "task_exit(7)");
    CHECK(smoke_join(b) == 1, "a failed task exits 1");
    int code;
    const char *message = "";
    if (b && CHECK_RC(mp_process_error(b, &code, &message), 0))
        CHECK(code == MP_EINVAL && strstr(message, "smoke failure 42"), "error %s '%s'",
              mp_err_name(code), message);
    mp_process_destroy(a);
    mp_process_destroy(b);
}

/* terminate and kill -> -15 (-SIGTERM, as Python on Windows), interrupt
 * -> not supported; the sentinel is ready once the child ended. */
static void test_terminate_kill(void)
{
    mp_process_t *t = smoke_start(&(mp_process_opts_t){.task = "task_sleep", MP_ARG_DOUBLE(30)});
    mp_process_t *k = smoke_start(&(mp_process_opts_t){.task = "task_sleep", MP_ARG_DOUBLE(30)});
    if (t && k) {
        CHECK_RC(mp_process_interrupt(t), MP_ENOTSUP);
        CHECK(mp_process_is_alive(t) == 1, "alive before terminate");
        double t0 = smoke_now();
        CHECK_RC(mp_process_terminate(t), 0);
        CHECK_RC(mp_process_kill(k), 0);
        CHECK(smoke_join(t) == -15, "terminated: -SIGTERM");
        CHECK(smoke_join(k) == -15, "killed: -SIGTERM, as in Python");
        CHECK(smoke_now() - t0 < 5, "terminate took %.2f s", smoke_now() - t0);
        mp_sentinel_t s;
        unsigned char ready = 0;
        if (CHECK_RC(mp_process_sentinel(t, &s), 0))
            CHECK(mp_wait(&s, 1, 0, &ready) == 1 && ready, "sentinel of an ended child");
        CHECK_RC(mp_process_terminate(t), 0); /* ended already: a no-op */
    }
    mp_process_destroy(t);
    mp_process_destroy(k);
}

static void test_big_result(void)
{
    mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_big"});
    const void *data;
    size_t len;
    if (CHECK(smoke_join(p) == 0, "exit code") && CHECK_RC(mp_process_result(p, &data, &len), 0) &&
        CHECK(len == BIG_RESULT, "got %lu bytes", (unsigned long)len)) {
        size_t bad = 0;
        for (size_t i = 0; i < len && !bad; i++)
            if (((const unsigned char *)data)[i] != big_byte(i))
                bad = i + 1;
        CHECK(!bad, "byte %lu differs", (unsigned long)bad - 1);
    }
    mp_process_destroy(p);
}

static void test_self_and_parent(void)
{
    mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_report_self"});
    const void *data;
    size_t len;
    mp_pid_t pid = 0;
    if (CHECK(smoke_join(p) == 0, "exit code") && CHECK_RC(mp_process_result(p, &data, &len), 0) &&
        CHECK(len == sizeof(self_report_t), "len") && CHECK_RC(mp_process_pid(p, &pid), 0)) {
        const self_report_t *r = data;
        CHECK(r->pid == pid, "pid %ld vs %ld", (long)r->pid, (long)pid);
        CHECK(r->parent_pid == (int64_t)GetCurrentProcessId(), "parent pid %ld",
              (long)r->parent_pid);
        CHECK(r->parent_alive == 1, "parent alive: %d", (int)r->parent_alive);
        CHECK(strcmp(r->method, "spawn") == 0, "start method %s", r->method);
    }
    mp_process_destroy(p);
}

static void test_grandchild(void)
{
    mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_grandchild"});
    const void *data;
    size_t len;
    if (CHECK(smoke_join(p) == 0, "exit code") && CHECK_RC(mp_process_result(p, &data, &len), 0))
        CHECK(len == 8 && *(const int64_t *)data == 42, "grandchild's result");
    mp_process_destroy(p);
}

/* Many children at once, all joined through their sentinels. */
static void test_many_children(void)
{
    enum { N = 12 };
    mp_process_t *p[N];
    mp_sentinel_t s[N];
    int started = 0;
    for (int i = 0; i < N; i++)
        if ((p[i] = smoke_start(&(mp_process_opts_t){.task = "task_double", MP_ARG_I64(i)})))
            CHECK_RC(mp_process_sentinel(p[i], &s[started++]), 0);
    int ended = 0;
    unsigned char ready[N];
    double t0 = smoke_now();
    while (ended < started && smoke_now() - t0 < 60) {
        ended = mp_wait(s, (size_t)started, 60, ready);
        if (!CHECK(ended >= 1, "mp_wait: %s", mp_err_name(ended)))
            break;
        if (ended < started)
            Sleep(10);
    }
    for (int i = 0; i < N; i++) {
        CHECK(smoke_join(p[i]) == 0, "child %d", i);
        mp_process_destroy(p[i]);
    }
}

const smoke_test_t process_tests[] = {
    {"argument_and_result", test_argument_and_result},
    {"exit_codes", test_exit_codes},
    {"terminate_kill", test_terminate_kill},
    {"big_result", test_big_result},
    {"self_and_parent", test_self_and_parent},
    {"grandchild", test_grandchild},
    {"many_children", test_many_children},
    {NULL, NULL},
};
