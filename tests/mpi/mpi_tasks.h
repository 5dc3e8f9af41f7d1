/**
 * @file mpi_tasks.h
 * @brief The tasks of the MPI suite (mpi_tasks.c), run in a worker rank's
 *        local child; with the executor suites' tasks they make the suite's
 *        task table (main_mpi.c).
 */
#ifndef MP_TESTS_MPI_TASKS_H
#define MP_TESTS_MPI_TASKS_H

#include <multiproc.h>

/* Every task of mpi_tasks.c; X(fn) for each. */
#define MPI_TASKS(X)    \
    X(task_mpi_rank)    \
    X(task_mpi_segv_on) \
    X(task_mpi_sleep)   \
    X(task_mpi_add)

#define MPI_TASK_DECLARE(fn) int fn(mp_task_t *task);
MPI_TASKS(MPI_TASK_DECLARE)
#undef MPI_TASK_DECLARE

#endif /* MP_TESTS_MPI_TASKS_H */
