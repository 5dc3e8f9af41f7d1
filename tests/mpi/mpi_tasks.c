/* The tasks of the MPI suite: they run in a worker rank's local child and,
 * like every task, report rather than assert. */
#include "mpi_tasks.h"

#include <signal.h>
#include <unistd.h>

#include <multiproc/mpi.h>

/* The rank this task runs on (mp_mpi_rank() in a rank's local child). */
int task_mpi_rank(mp_task_t *t)
{
    return mp_task_return_i64(t, mp_mpi_rank());
}

/* Segfaults on the rank given as its int64 argument; elsewhere returns it. */
int task_mpi_segv_on(mp_task_t *t)
{
    int64_t rank;
    int rc = mp_task_arg_i64(t, &rank);
    if (rc < 0)
        return rc;
    if (mp_mpi_rank() == rank) {
        /* The default action: ASan (in the sanitizer builds) catches
         * SIGSEGV to report and exit 1, which is not this death. */
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    return mp_task_return_i64(t, rank);
}

/* Sleeps for its double argument in seconds, then returns its rank. */
int task_mpi_sleep(mp_task_t *t)
{
    double seconds;
    int rc = mp_task_arg_double(t, &seconds);
    if (rc < 0)
        return rc;
    usleep((useconds_t)(seconds * 1e6));
    return mp_task_return_i64(t, mp_mpi_rank());
}

/* a + b: a starmap row of two int64 arguments. */
int task_mpi_add(mp_task_t *t)
{
    int64_t a, b;
    int rc = mp_task_arg_i64_at(t, 0, &a);
    if (rc == 0)
        rc = mp_task_arg_i64_at(t, 1, &b);
    return rc < 0 ? rc : mp_task_return_i64(t, a + b);
}
