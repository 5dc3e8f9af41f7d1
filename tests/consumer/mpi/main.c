/* An outside program on an installed multiproc::mpi: one task on a worker
 * rank, run as `mpirun -n 2 consumer_mpi`; prints "consumer ok". */
#include <stdio.h>

#include <multiproc/mpi.h>

static int square(mp_task_t *t)
{
    int64_t n;
    int rc = mp_task_arg_i64(t, &n);
    return rc < 0 ? rc : mp_task_return_i64(t, n * n);
}

static const mp_task_def_t tasks[] = {MP_TASK(square), MP_TASK_END};

int main(int argc, char **argv)
{
    int rc = mp_mpi_init(&argc, &argv, tasks); /* worker ranks serve, never return */
    if (rc < 0) {
        fprintf(stderr, "mp_mpi_init: %s\n", mp_errdetail());
        return 1;
    }
    mp_executor_t *ex = NULL;
    mp_future_t *f = NULL;
    int64_t v = 0;
    if ((rc = mp_executor_create(&ex, &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI})) == 0 &&
        (rc = mp_executor_submit_i64(ex, &f, "square", 12)) == 0)
        rc = mp_future_result_i64(f, 60, &v);
    mp_future_destroy(f);
    mp_executor_destroy(ex);
    if (rc < 0 || v != 144)
        fprintf(stderr, "consumer: %s (got %lld)\n", mp_errdetail(), (long long)v);
    int fin = mp_mpi_finalize();
    if (rc == 0 && v == 144 && fin == 0)
        printf("consumer ok\n");
    return rc == 0 && v == 144 && fin == 0 ? 0 : 1;
}
