/* Suite "runtime": what does not depend on how processes start (checklist
 * tags [—]): mp_init, choosing start methods, the main process's identity,
 * cpu_count. Run once; starts no child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* mp_init() is once per process; a second call changes nothing. */
static void test_init_twice_is_estate(void)
{
    int argc = 1;
    char *args[] = {"mp_conformance", NULL}, **argv = args;
    EXPECT_RC(mp_init(&argc, &argv, test_tasks), MP_ESTATE);
    EXPECT_RC(mp_init(NULL, NULL, test_tasks), MP_ESTATE);
    EXPECT_RC(mp_init(&argc, &argv, NULL), MP_ESTATE);
    static const mp_task_def_t other[] = {{"other", NULL}, MP_TASK_END};
    EXPECT_RC(mp_init(&argc, &argv, other), MP_ESTATE);
    EXPECT_EQ(argc, 1);
    /* The first table is still the one in use. */
    mp_process_t *p = NULL;
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "task_return_code"}), 0);
    mp_process_destroy(p);
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "other"}), MP_ENOTASK);
}

/* Checklist item 4, main-process side: mp_init() (the freeze_support
 * equivalent) does not choose a start method, so one can still be set
 * without force. */
static void test_init_does_not_set_start_method(void)
{
    EXPECT_STR(start_method_after_init(), "(none)");
    mp_set_start_method(NULL, true);
    EXPECT_RC(mp_set_start_method("spawn", false), 0);
}

/* Checklist item 5: the default first; Linux offers fork, spawn and
 * forkserver, defaults to forkserver, never to fork; Windows offers spawn
 * alone. */
static void test_all_start_methods(void)
{
    const char *const *methods = NULL;
    size_t n = 0;
    if (!EXPECT_RC(mp_get_all_start_methods(&methods, &n), 0))
        return;
    EXPECT(n >= 1 && methods != NULL, "%zu methods", n);
    bool fork = false, spawn = false, forkserver = false;
    for (size_t i = 0; i < n; i++) {
        fork |= strcmp(methods[i], "fork") == 0;
        spawn |= strcmp(methods[i], "spawn") == 0;
        forkserver |= strcmp(methods[i], "forkserver") == 0;
        EXPECT(method_bit(methods[i]) != 0, "unexpected method \"%s\"", methods[i]);
        for (size_t j = 0; j < i; j++)
            EXPECT(strcmp(methods[i], methods[j]) != 0, "\"%s\" listed twice", methods[i]);
    }
#if TEST_POSIX
    EXPECT(fork && spawn, "fork or spawn missing");
    EXPECT(n == (size_t)(2 + forkserver), "%zu methods listed", n);
    EXPECT_STR(methods[0], forkserver ? "forkserver" : "spawn");
#else
    EXPECT(spawn && n == 1, "%zu methods listed, spawn %s", n, spawn ? "among them" : "missing");
    (void)fork, (void)forkserver;
#endif
#ifdef __linux__
    EXPECT(forkserver, "Linux must offer forkserver");
#endif
    /* With nothing chosen and no environment override, the default is the
     * first one. */
    saved_env_t env = env_save("MP_START_METHOD");
    env_put("MP_START_METHOD", NULL);
    mp_set_start_method(NULL, true);
    const char *def = NULL;
    EXPECT_RC(mp_get_start_method(&def, false), 0);
    EXPECT_STR(def, methods[0]);
    env_restore(&env);
}

/* Checklist item 1 (the parts without a child): a context per method,
 * static, naming its method; an unknown name is MP_EINVAL. */
static void test_context_per_method(void)
{
    const char *const *methods = NULL;
    size_t n = 0;
    EXPECT_RC(mp_get_all_start_methods(&methods, &n), 0);
    for (size_t i = 0; i < n; i++) {
        mp_context_t *a = NULL, *b = NULL;
        EXPECT_RC(mp_get_context(&a, methods[i]), 0);
        EXPECT_RC(mp_get_context(&b, methods[i]), 0);
        EXPECT(a != NULL && a == b, "two calls gave %p and %p", (void *)a, (void *)b);
        EXPECT_STR(mp_context_start_method(a), methods[i]);
    }
    mp_context_t *fork = NULL, *spawn = NULL;
    mp_get_context(&fork, "fork");
    mp_get_context(&spawn, "spawn");
    EXPECT(fork != spawn, "fork and spawn share a context");
    mp_context_t *ctx = NULL;
    EXPECT_RC(mp_get_context(&ctx, "Spawn"), MP_EINVAL);
    EXPECT_RC(mp_get_context(&ctx, ""), MP_EINVAL);
    EXPECT_RC(mp_get_context(&ctx, "threads"), MP_EINVAL);
}

/* Checklist item 2 (main-process side): set with force works for every
 * method and get returns it; set once without force; NULL with force
 * forgets; using the default fixes it. */
static void test_set_and_get_start_method(void)
{
    const char *const *methods = NULL;
    size_t n = 0;
    EXPECT_RC(mp_get_all_start_methods(&methods, &n), 0);
    mp_context_t *def_ctx = NULL;
    EXPECT_RC(mp_get_context(&def_ctx, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        const char *got = NULL;
        EXPECT_RC(mp_set_start_method(methods[i], true), 0);
        EXPECT_RC(mp_get_start_method(&got, true), 0);
        EXPECT_STR(got, methods[i]);
        EXPECT_RC(mp_get_start_method(&got, false), 0);
        EXPECT_STR(got, methods[i]);
        EXPECT_STR(mp_context_start_method(def_ctx), methods[i]);
    }
    /* Another method to choose: refused without force once one is set,
     * even when it is the same one (Windows has spawn alone). */
    const char *other = TEST_POSIX ? "fork" : "spawn";
    const char *got = NULL;
    EXPECT_RC(mp_set_start_method("spawn", true), 0);
    EXPECT_RC(mp_set_start_method(other, false), MP_ESTATE);
    EXPECT_RC(mp_get_start_method(&got, true), 0);
    EXPECT_STR(got, "spawn");
    EXPECT_RC(mp_set_start_method(NULL, false), MP_EINVAL);
    EXPECT_RC(mp_set_start_method(NULL, true), 0);
    EXPECT_RC(mp_get_start_method(&got, true), 0);
    EXPECT_STR(got, NULL);
    /* Unset: one call without force succeeds... */
    EXPECT_RC(mp_set_start_method(other, false), 0);
    mp_set_start_method(NULL, true);
    /* ...but not after the default was fixed by use. */
    EXPECT_RC(mp_get_start_method(&got, false), 0);
    EXPECT_RC(mp_set_start_method("spawn", false), MP_ESTATE);
}

/* MP_START_METHOD picks the default when nothing was chosen; an unknown
 * name there is MP_EINVAL; an explicit choice wins over it. */
static void test_start_method_from_environment(void)
{
    saved_env_t env = env_save("MP_START_METHOD");
    const char *got = NULL;
    mp_set_start_method(NULL, true);
    env_put("MP_START_METHOD", "spawn");
    EXPECT_RC(mp_get_start_method(&got, true), 0);
    EXPECT_STR(got, NULL);
    EXPECT_RC(mp_get_start_method(&got, false), 0);
    EXPECT_STR(got, "spawn");
    mp_set_start_method(NULL, true);
    env_put("MP_START_METHOD", "fork");
    EXPECT_RC(mp_set_start_method("spawn", true), 0);
    EXPECT_RC(mp_get_start_method(&got, false), 0);
    EXPECT_STR(got, "spawn");
    mp_set_start_method(NULL, true);
    env_put("MP_START_METHOD", "no-such-method");
    EXPECT_RC(mp_get_start_method(&got, false), MP_EINVAL);
    env_restore(&env);
}

/* Checklist item 19, main process: MainProcess, our pid, not a daemon, no
 * start method, and no parent (Python's parent_process() is None). */
static void test_current_process_in_main(void)
{
    mp_process_info_t me;
    if (!EXPECT_RC(mp_current_process(&me), 0))
        return;
    EXPECT_STR(me.name, "MainProcess");
    EXPECT_EQ(me.pid, getpid());
    EXPECT_EQ(me.daemon, false);
    EXPECT_STR(me.start_method, NULL);
    mp_process_info_t parent;
    EXPECT_RC(mp_parent_process(&parent), MP_ENOENT);
    EXPECT_RC(mp_parent_join(0), MP_ENOENT);
    EXPECT_RC(mp_parent_join(MP_FOREVER), MP_ENOENT);
    EXPECT_RC(mp_parent_is_alive(), MP_ENOENT);
}

/* Checklist item 35: cpu_count >= 1; MP_CPU_COUNT overrides it with a
 * positive integer and is ignored otherwise. */
static void test_cpu_count(void)
{
    saved_env_t env = env_save("MP_CPU_COUNT");
    env_put("MP_CPU_COUNT", NULL);
    int n = mp_cpu_count();
    long online = online_cpu_count();
    EXPECT(n >= 1 && (online < 1 || n <= online), "mp_cpu_count() = %d, %ld online", n, online);
    env_put("MP_CPU_COUNT", "3");
    EXPECT_EQ(mp_cpu_count(), 3);
    env_put("MP_CPU_COUNT", "1");
    EXPECT_EQ(mp_cpu_count(), 1);
    const char *invalid[] = {"0", "-2", "abc", "3x", "", "2.5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        env_put("MP_CPU_COUNT", invalid[i]);
        EXPECT(mp_cpu_count() == n, "MP_CPU_COUNT=\"%s\" gave %d, expected it ignored (%d)",
               invalid[i], mp_cpu_count(), n);
    }
    env_restore(&env);
}

/* mp_version() is "MAJOR.MINOR.PATCH". */
static void test_version_string(void)
{
    const char *v = mp_version();
    unsigned major, minor, patch;
    char rest;
    EXPECT(v && sscanf(v, "%u.%u.%u%c", &major, &minor, &patch, &rest) == 3,
           "mp_version() is \"%s\"", v ? v : "(null)");
}

static const test_case_t tests[] = {
    {"init_twice_is_estate", test_init_twice_is_estate, ON_ALL},
    {"init_does_not_set_start_method", test_init_does_not_set_start_method, ON_ALL},
    {"all_start_methods", test_all_start_methods, ON_ALL},
    {"context_per_method", test_context_per_method, ON_ALL},
    {"set_and_get_start_method", test_set_and_get_start_method, ON_ALL},
    {"start_method_from_environment", test_start_method_from_environment, ON_ALL},
    {"current_process_in_main", test_current_process_in_main, ON_ALL},
    {"cpu_count", test_cpu_count, ON_ALL},
    {"version_string", test_version_string, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_runtime = {"runtime", false, tests};
