/**
 * @file mpi.h
 * @brief The MPI component (multiproc::mpi): executors and Pools whose
 *        workers are the ranks of an MPI job, each task run in a local
 *        child process of its rank so that a crash costs one task.
 *
 * Link with multiproc::mpi (CMake) or multiproc-mpi (pkg-config), call
 * mp_mpi_init() instead of mp_init() first in main, and run the program
 * under `mpirun -n N` (N >= 2). Rank 0 returns from mp_mpi_init() and
 * runs main; every other rank serves rank 0's executors and pools and
 * never returns into main. Then
 * `mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI})`
 * (or a Pool with `.kind = MP_EXECUTOR_MPI`) gives an executor whose
 * worker *i* is rank *i + 1*: every executor and Pool call works on it.
 *
 * Each worker rank runs its tasks in a local process pool of one worker
 * (the core's, with the executor's `context` as its start method; NULL:
 * fork, or spawn with max_tasks_per_child), so:
 * - a task that crashes or is killed fails its future with MP_EWORKERDIED
 *   and a message naming the rank, its host, the local child's pid and
 *   the signal; the rank starts a fresh local child and goes on;
 * - a task over its time limit fails with MP_ETIMEDOUT, its local child
 *   killed, the rank going on;
 * - `initializer` runs in each local child; one that fails breaks the
 *   executor (MP_EBROKEN), as on the local backend.
 *
 * mp_executor_worker_pids() gives the worker *ranks'* pids (each on its
 * own host), not their local children's, which come and go. With the fork
 * method the core warns that a rank is multi-threaded (Open MPI's threads)
 * each time it forks a child; spawn or forkserver avoid both the warning
 * and the fork of a threaded process.
 *
 * A worker rank that dies as a whole (killed, or its node lost): Open MPI
 * 4.1 (no ULFM) ends the whole job. mpirun sees the rank end, prints
 * "mpirun noticed that process rank R ... exited on signal 9 (Killed)",
 * and ends every other rank, rank 0 included (SIGTERM, then SIGKILL),
 * within a few seconds; its exit status is non-zero. In the tests here no
 * MPI call of rank 0 reported the loss before that, so pending futures do
 * not complete: the job simply ends. Rank 0 prints on stderr "multiproc:
 * rank 0 is being ended by mpirun: a rank of the MPI job died or was
 * killed ..." as it goes (a SIGTERM handler mp_mpi_init() installs on rank
 * 0 where the program left SIGTERM at its default). Should an MPI call
 * fail first (MPI_ERRORS_RETURN is set on the library's communicator),
 * every pending future fails with MP_EBROKEN and a message naming the
 * rank. Do not run under `mpirun --enable-recovery`: the job then goes on
 * without the rank and its tasks' futures are never answered.
 *
 * A program run without mpirun (a singleton, one rank) has no worker
 * ranks: an MPI executor or Pool there is MP_ENOTSUP, its detail saying to
 * run the program under mpirun; unless the environment variable
 * MULTIPROC_MPI_SPAWN=N asks mp_mpi_init() to start N worker ranks itself
 * (MPI_Comm_spawn of N copies of the program, with its arguments, merged
 * with it into one communicator where it is rank 0). Open MPI 4.1 spawns
 * only as many processes as the machine has free cores unless
 * OMPI_MCA_rmaps_base_oversubscribe=1 is set too.
 */
#ifndef MULTIPROC_MPI_H
#define MULTIPROC_MPI_H

#include <multiproc.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Start multiproc and MPI: call instead of mp_init(), first in main.
 *
 * In order: mp_init() (a spawned or forkserver child of any rank never
 * returns from it, as always); MPI_Init_thread(MPI_THREAD_MULTIPLE);
 * registers the MPI executor kind with the core. Rank 0 (and a singleton)
 * then returns 0; every other rank serves tasks from the same task table
 * for rank 0's MPI executors and pools until rank 0 calls
 * mp_mpi_finalize() (or its process ends), then calls MPI_Finalize() and
 * exit(0): it never returns into main.
 *
 * @param argc,argv `main`'s own (passed to mp_init() and MPI_Init_thread()).
 * @param tasks the task table, as for mp_init().
 * @return 0; MP_EINVAL (NULL tasks, or what mp_init() refuses); MP_ESTATE
 *         (called twice, or after mp_init()); MP_ENOTSUP (the MPI library
 *         does not provide MPI_THREAD_MULTIPLE); what mp_init() returns.
 */
MP_API int mp_mpi_init(int *argc, char ***argv, const mp_task_def_t *tasks);

/**
 * @brief Rank 0: stop every worker rank, then MPI_Finalize(). Run at exit
 *        too if the program forgot.
 * @return 0; MP_ESTATE (not initialised, already finalised, called on a
 *         worker rank's child, or an MPI executor or pool still alive).
 */
MP_API int mp_mpi_finalize(void);

/**
 * @brief This process's rank in MPI_COMM_WORLD; in a task's local child on
 *        a worker rank: that rank. -1 before mp_mpi_init().
 */
MP_API int mp_mpi_rank(void);

/**
 * @brief The ranks in MPI_COMM_WORLD (1 for a singleton); 0 before
 *        mp_mpi_init() (and in a worker rank's local child).
 */
MP_API int mp_mpi_size(void);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_MPI_H */
