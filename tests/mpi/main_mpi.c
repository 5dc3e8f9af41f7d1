/* mp_mpi_tests: the MPI suite, one CUnit binary run as
 * `mpirun -n 4 mp_mpi_tests [--start-method M] [--test NAME]`.
 * main calls mp_mpi_init() first: the worker ranks serve from there and
 * never come back, and so do the ranks' spawned children; rank 0 runs the
 * suite, the ranks' local children (started with M) run its tasks. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include <multiproc/mpi.h>

#include "../executor_tasks.h"
#include "mpi_suite.h"
#include "mpi_tasks.h"

#define TASK_ROW(fn) MP_TASK(fn),
static const mp_task_def_t tasks[] = {EXECUTOR_TASKS(TASK_ROW) MPI_TASKS(TASK_ROW) MP_TASK_END};

/* Every test starts with the suite's start method. */
static void test_setup(void)
{
    restore_start_method();
}

static int add_tests(CU_pSuite cs, const test_case_t *list, const char *only)
{
    int count = 0;
    for (const test_case_t *t = list; t->name; t++)
        if (!only || strcmp(only, t->name) == 0) {
            if (!CU_add_test(cs, t->name, t->fn))
                return -1;
            count++;
        }
    return count;
}

int main(int argc, char **argv)
{
    int rc = mp_mpi_init(&argc, &argv, tasks); /* worker ranks never return */
    if (rc < 0) {
        fprintf(stderr, "mp_mpi_init: %s: %s\n", mp_err_name(rc), mp_errdetail());
        return 2;
    }
    const char *method = NULL, *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--start-method") == 0)
            method = argv[i + 1];
        else if (strcmp(argv[i], "--test") == 0)
            only = argv[i + 1];
    }
    if (method && (rc = mp_set_start_method(method, true)) < 0) {
        fprintf(stderr, "--start-method %s: %s\n", method, mp_errdetail());
        mp_mpi_finalize();
        return 2;
    }
    set_suite_method(method);
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned failed = 1;
    CU_pSuite cs = NULL;
    if (CU_initialize_registry() == CUE_SUCCESS &&
        (cs = CU_add_suite_with_setup_and_teardown("mpi", NULL, NULL, test_setup, NULL)) &&
        add_tests(cs, mpi_executor_tests, only) + add_tests(cs, mpi_pool_tests, only) +
                add_tests(cs, mpi_death_tests, only ? only : "(asked by name only)") >
            0) {
        printf("MPI job of %d ranks; local start method: %s\n", mp_mpi_size(), suite_method());
        CU_basic_set_mode(CU_BRM_VERBOSE);
        failed = CU_basic_run_tests() == CUE_SUCCESS
                     ? CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed()
                     : 1;
    }
    CU_cleanup_registry();
    rc = mp_mpi_finalize();
    if (rc < 0)
        fprintf(stderr, "mp_mpi_finalize: %s\n", mp_errdetail());
    return failed == 0 && rc == 0 ? 0 : 1;
}
