/* mp_conformance: the conformance suite's runner.
 *
 *   mp_conformance [--start-method M] [--suite S] [--test T] [--list]
 *
 * main() calls mp_init() first: spawned children and the fork server are
 * this same program, and they branch off inside mp_init() and never come
 * back here. Then it picks the start method (mp_set_start_method(M, true)),
 * registers the chosen suites' tests with CUnit and runs them in Basic mode.
 * The exit status is non-zero when any test failed or nothing matched.
 *
 * `--probe` (with --start-method) is not a suite: the context suite runs
 * this program as a subprocess with it to see what a whole program prints
 * (checklist items 8, 16 and 29). Nor is `--probe-siblings DIR`: the
 * tracker suite runs it to get a fresh program, one that has never made a
 * named segment itself (see tracker_probe_siblings()). */
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_tasks.h"
#include "executor_exit_tasks.h"
#include "executor_fault_tasks.h"
#include "executor_tasks.h"
#include "helpers.h"
#include "listener_tasks.h"
#include "log_tasks.h"
#include "mgr_data_tasks.h"
#include "mgr_pool_tasks.h"
#include "mgr_set_tasks.h"
#include "mgr_tasks.h"
#include "pool_tasks.h"
#include "progress_helpers.h"
#include "queue_death_tasks.h"
#include "queue_tasks.h"
#include "sync_helpers.h"
#include "tasks.h"
#include "test_mgr_sync_tasks.h"
#include "var_tests.h"

/* Every suite, in the order they run. */
static const test_suite_t *const all_suites[] = {
    &suite_errors,
    &suite_runtime,
    &suite_bad_args,
    &suite_context,
    &suite_process,
    &suite_children,
    &suite_bad_handles,
    &suite_handles,
    &suite_sync_bad_args,
    &suite_timeouts,
    &suite_lock,
    &suite_semaphore,
    &suite_condition,
    &suite_event,
    &suite_barrier,
    &suite_value,
    &suite_shm,
#if TEST_POSIX /* Windows frees a name with its last handle: no tracker */
    &suite_tracker,
    &suite_interrupt, /* no signal interrupts a wait on Windows */
#endif
    &suite_owner_death,
    &suite_sync_bad_objects,
    &suite_connection,
    &suite_conn_limits,
    &suite_conn_buffered,
    &suite_listener,
    &suite_runner,
    &suite_queue_deaths,
    &suite_queue,
    &suite_simple_queue,
    &suite_queue_bad_input,
    &suite_executor,
    &suite_futures,
    &suite_executor_bad_input,
    &suite_executor_exit,
    &suite_progress,
    &suite_log,
    &suite_finalize,
#if TEST_POSIX /* the executor's faults are POSIX signals */
    &suite_executor_faults,
#endif
    &suite_pool,
    &suite_pool_bad_input,
    &suite_var,
    &suite_mgr_dict,
    &suite_mgr_list,
    &suite_mgr_namespace,
#if TEST_POSIX /* a worker killed from outside is a POSIX signal */
    &suite_pool_faults,
#endif
    &suite_manager,
    &suite_manager_remote,
    &suite_manager_hostile,
    &suite_manager_bad_input,
#if TEST_POSIX /* SIGKILL from outside */
    &suite_manager_death,
#endif
    &suite_mgr_lock,
    &suite_mgr_condition,
    &suite_mgr_barrier,
    &suite_mgr_value,
    &suite_mgr_sync_bad_input,
    &suite_mgr_queue,
    &suite_mgr_set,
    &suite_mgr_nested,
    &suite_mgr_pool,
};
enum { SUITE_COUNT = sizeof all_suites / sizeof all_suites[0] };

/* What mp_get_start_method(allow_none) said right after mp_init(), before
 * main chose anything (checklist item 4): "(none)" for NULL. */
static char method_after_init[32];

const char *start_method_after_init(void)
{
    return method_after_init;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--start-method fork|spawn|forkserver] [--suite S] [--test T] "
            "[--list]\n",
            argv0);
    return 2;
}

/* The --probe program: print a line from main (unflushed: the library must
 * flush it before a fork, and a spawned child must never print it again),
 * run a child that prints a line and fails, then report its exit code. */
static int probe(void)
{
    printf("probe-main\n");
    mp_process_t *p = NULL;
    int code = -1000;
    int rc = mp_process_create(&p, &(mp_process_opts_t){.task = "task_probe_print"});
    if (rc == 0)
        rc = mp_process_start(p);
    if (rc == 0)
        rc = mp_process_join(p, JOIN_LIMIT_S);
    if (rc == 0)
        rc = mp_process_exitcode(p, &code);
    mp_process_destroy(p);
    if (rc < 0)
        fprintf(stderr, "probe: %s: %s\n", mp_err_name(rc), mp_errdetail());
    printf("probe-done %d\n", code);
    return rc == 0 && code == 1 ? 0 : 3;
}

/* Per-test setup and teardown: every test starts with the suite's start
 * method and leaves no child behind, whatever it did or how it failed. */
static void test_setup(void)
{
    restore_start_method();
}

static void test_teardown(void)
{
    dispose_all_children();
    restore_start_method();
}

/* Register the matching tests; returns how many, -1 on a CUnit error. */
static int register_tests(const char *suite_name, const char *test_name, bool list)
{
    unsigned method = method_bit(suite_method());
    int count = 0;
    for (size_t i = 0; i < SUITE_COUNT; i++) {
        const test_suite_t *s = all_suites[i];
        if (suite_name && strcmp(suite_name, s->name) != 0)
            continue;
        CU_pSuite cs = NULL;
        for (const test_case_t *t = s->tests; t->name; t++) {
            if (test_name && strcmp(test_name, t->name) != 0)
                continue;
            if (s->per_method && !(t->methods & method))
                continue;
            count++;
            if (list) {
                printf("%s.%s\n", s->name, t->name);
                continue;
            }
            if (!cs && !(cs = CU_add_suite_with_setup_and_teardown(s->name, NULL, NULL, test_setup,
                                                                   test_teardown)))
                return -1;
            if (!CU_add_test(cs, t->name, t->fn))
                return -1;
        }
    }
    return count;
}

int main(int argc, char **argv)
{
    /* Before mp_init(): a spawned manager server runs main up to there. */
    int rc = mgr_register_types();
    if (rc < 0) {
        fprintf(stderr, "mp_manager_register: %s: %s\n", mp_err_name(rc), mp_errdetail());
        return 2;
    }
    rc = mp_init(&argc, &argv, test_tasks); /* children never return from here */
    if (rc < 0) {
        fprintf(stderr, "mp_init: %s: %s\n", mp_err_name(rc), mp_errdetail());
        return 2;
    }
    const char *before = NULL;
    mp_get_start_method(&before, true);
    snprintf(method_after_init, sizeof method_after_init, "%s", before ? before : "(none)");

    const char *method = NULL, *suite = NULL, *test = NULL, *siblings_dir = NULL;
    bool list = false, probe_mode = false;
    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--start-method") == 0 && has_value)
            method = argv[++i];
        else if (strcmp(argv[i], "--suite") == 0 && has_value)
            suite = argv[++i];
        else if (strcmp(argv[i], "--test") == 0 && has_value)
            test = argv[++i];
        else if (strcmp(argv[i], "--list") == 0)
            list = true;
        else if (strcmp(argv[i], "--probe") == 0)
            probe_mode = true;
        else if (strcmp(argv[i], "--probe-siblings") == 0 && has_value)
            siblings_dir = argv[++i];
        else
            return usage(argv[0]);
    }
    if (method && (rc = mp_set_start_method(method, true)) < 0) {
        fprintf(stderr, "--start-method %s: %s (%s)\n", method, mp_strerror(rc), mp_errdetail());
        return 2;
    }
    set_suite_method(method);
    if (probe_mode)
        return probe();
#if TEST_POSIX
    if (siblings_dir)
        return tracker_probe_siblings(siblings_dir);
#else
    if (siblings_dir)
        return usage(argv[0]); /* a tracker scenario, and Windows needs no tracker */
#endif
    /* CUnit's progress and the children's stderr interleave readably. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    int count = register_tests(suite, test, list);
    if (count <= 0) {
        if (count < 0)
            fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        else
            fprintf(stderr, "no test matches --suite %s --test %s under %s\n",
                    suite ? suite : "(any)", test ? test : "(any)", suite_method());
        CU_cleanup_registry();
        return 2;
    }
    if (list) {
        CU_cleanup_registry();
        return 0;
    }
    printf("start method: %s%s\n", suite_method(), method ? "" : " (the default; none given)");
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_ErrorCode run = CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return run == CUE_SUCCESS && failed == 0 ? 0 : 1;
}
