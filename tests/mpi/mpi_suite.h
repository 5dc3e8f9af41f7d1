/**
 * @file mpi_suite.h
 * @brief What the MPI suite's files share: their test lists and an MPI
 *        executor with the suite's context.
 */
#ifndef MP_TESTS_MPI_SUITE_H
#define MP_TESTS_MPI_SUITE_H

#include "../helpers.h"

/** An MPI executor with these options (NULL: defaults); asserted, NULL
 *  on failure. */
mp_executor_t *start_mpi(const mp_executor_opts_t *opts);

/** The cases of test_mpi_executor.c and test_mpi_pool.c. */
extern const test_case_t mpi_executor_tests[], mpi_pool_tests[];

/** Cases run only when named (--test), each in a run of its own:
 *  rank_death kills worker rank 2 as a whole (Open MPI then ends the job);
 *  singleton runs without mpirun. */
extern const test_case_t mpi_death_tests[];

#endif /* MP_TESTS_MPI_SUITE_H */
