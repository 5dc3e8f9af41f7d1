/* mp_mpi_init(), mp_mpi_finalize(), mp_mpi_rank(), mp_mpi_size():
 * starting and stopping the component (multiproc/mpi.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <multiproc/mpi.h>

#include "mp_mpi.h"

mp__mpi_state_t mp__mpi = {.rank = -1};

/* The variable that tells a rank's spawned local child its rank (a fork
 * child has mp__mpi itself). */
#define RANK_VAR "MULTIPROC_MPI_RANK"

/* The variable that asks a singleton to spawn its worker ranks. */
#define SPAWN_VAR "MULTIPROC_MPI_SPAWN"

static enum { NOT_YET, RUNNING, FINALISED } phase;

/* Every rank learns every rank's pid and host (for messages and
 * worker_pids), once, while all of them are here. */
static int share_identities(void)
{
    struct {
        int64_t pid;
        char host[64];
    } me = {.pid = (int64_t)getpid()}, *all = calloc((size_t)mp__mpi.size, sizeof me);
    mp__mpi.pids = calloc((size_t)mp__mpi.size, sizeof *mp__mpi.pids);
    mp__mpi.hosts = calloc((size_t)mp__mpi.size, sizeof *mp__mpi.hosts);
    if (!all || !mp__mpi.pids || !mp__mpi.hosts) {
        free(all);
        return MP_ENOMEM;
    }
    gethostname(me.host, sizeof me.host - 1);
    MPI_Allgather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, mp__mpi.comm);
    for (int r = 0; r < mp__mpi.size; r++) {
        mp__mpi.pids[r] = (mp_pid_t)all[r].pid;
        memcpy(mp__mpi.hosts[r], all[r].host, sizeof all[r].host);
    }
    free(all);
    return 0;
}

/* mpirun ends the whole job when a rank dies (Open MPI 4.1 without
 * ULFM): it sends rank 0 SIGTERM, then SIGKILL. Say why before going, in
 * words a user of the executor understands, then end as SIGTERM would. */
static void on_sigterm(int sig)
{
    static const char message[] =
        "multiproc: rank 0 is being ended by mpirun: a rank of the MPI job died or was "
        "killed, and Open MPI ends the whole job; the MPI executors' pending tasks are "
        "lost\n";
    if (getpid() == mp__mpi.init_pid) { /* not a fork child of rank 0 */
        ssize_t ignored = write(2, message, sizeof message - 1);
        (void)ignored;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Only where the program left SIGTERM alone: its own handler stays. */
static void watch_sigterm(void)
{
    struct sigaction old;
    if (sigaction(SIGTERM, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGTERM, on_sigterm);
}

/* The library's communicator. Under mpirun: MPI_COMM_WORLD's duplicate.
 * A singleton asked for worker ranks (MULTIPROC_MPI_SPAWN=N) spawns N
 * copies of itself and merges with them, itself rank 0; a copy so spawned
 * merges with its parent, taking ranks 1..N. */
static int make_comm(char ***argv)
{
    MPI_Comm parent, inter = MPI_COMM_NULL;
    MPI_Comm_get_parent(&parent);
    int world = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    int n = 0;
    if (parent == MPI_COMM_NULL && world == 1) {
        /* A count, or nothing: anything else is refused rather than taken
         * as "no workers", which would run the job on rank 0 alone. */
        const char *spawn = getenv(SPAWN_VAR);
        if (spawn && spawn[0]) {
            char *end;
            long v = strtol(spawn, &end, 10);
            if (*end != '\0' || v < 1 || v > MP_EXECUTOR_MAX_WORKERS)
                return mp__errdetail_set(MP_EINVAL,
                                         "mp_mpi_init: %s must be a count of worker ranks in "
                                         "1..%d (got '%s')",
                                         SPAWN_VAR, MP_EXECUTOR_MAX_WORKERS, spawn);
            n = (int)v;
        }
    }
    if (parent != MPI_COMM_NULL) {
        inter = parent;
    } else if (n > 0) {
        if (!argv || !*argv || !(*argv)[0])
            return mp__errdetail_set(MP_EINVAL, "mp_mpi_init: %s needs argv (the program to spawn)",
                                     SPAWN_VAR);
        /* The copies must not spawn in turn. */
        unsetenv(SPAWN_VAR);
        int err = MPI_Comm_spawn((*argv)[0], (*argv)[1] ? *argv + 1 : MPI_ARGV_NULL, n,
                                 MPI_INFO_NULL, 0, MPI_COMM_SELF, &inter, MPI_ERRCODES_IGNORE);
        if (err != MPI_SUCCESS)
            return mp__errdetail_set(MP_ESYS,
                                     "mp_mpi_init: MPI_Comm_spawn of %d ranks failed (MPI error "
                                     "%d; with more ranks than cores Open MPI needs "
                                     "OMPI_MCA_rmaps_base_oversubscribe=1)",
                                     n, err);
    }
    if (inter == MPI_COMM_NULL)
        return MPI_Comm_dup(MPI_COMM_WORLD, &mp__mpi.comm) == MPI_SUCCESS
                   ? 0
                   : mp__errdetail_set(MP_ESYS, "mp_mpi_init: MPI_Comm_dup failed");
    /* The parent first (low), the copies after it (high). */
    int err = MPI_Intercomm_merge(inter, parent != MPI_COMM_NULL, &mp__mpi.comm);
    return err == MPI_SUCCESS
               ? 0
               : mp__errdetail_set(MP_ESYS, "mp_mpi_init: MPI_Intercomm_merge failed");
}

static void finalize_at_exit(void)
{
    /* A fork child of rank 0 inherits this handler: MPI is not its own. */
    if (phase == RUNNING && getpid() == mp__mpi.init_pid && mp__mpi_pools_alive() == 0)
        mp_mpi_finalize();
}

int mp_mpi_init(int *argc, char ***argv, const mp_task_def_t *tasks)
{
    if (phase != NOT_YET)
        return mp__errdetail_set(MP_ESTATE, "mp_mpi_init: called twice");
    int rc = mp_init(argc, argv, tasks); /* a spawned child never returns */
    if (rc < 0)
        return rc;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
        return mp__errdetail_set(MP_ESYS, "mp_mpi_init: MPI_Init_thread failed");
    if (provided < MPI_THREAD_MULTIPLE) {
        MPI_Finalize();
        return mp__errdetail_set(MP_ENOTSUP,
                                 "mp_mpi_init: the MPI library gives thread level %d, not "
                                 "MPI_THREAD_MULTIPLE",
                                 provided);
    }
    if ((rc = make_comm(argv)) < 0)
        return rc;
    /* A lost rank is an error to report, not an abort of rank 0. */
    MPI_Comm_set_errhandler(mp__mpi.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(mp__mpi.comm, &mp__mpi.rank);
    MPI_Comm_size(mp__mpi.comm, &mp__mpi.size);
    mp__mpi.init_pid = getpid();
    if ((rc = share_identities()) < 0)
        return rc;
    char value[16];
    snprintf(value, sizeof value, "%d", mp__mpi.rank);
    setenv(RANK_VAR, value, 1);
    phase = RUNNING;
    if (mp__mpi.rank != 0)
        mp__mpi_serve();
    if (mp__mpi.size > 1 && (rc = mp__mpi_collector_start()) < 0)
        return rc;
    mp__pool_register_kind(MP_EXECUTOR_MPI, &mp__pool_mpi);
    atexit(finalize_at_exit);
    if (mp__mpi.size > 1)
        watch_sigterm();
    return 0;
}

int mp_mpi_finalize(void)
{
    if (phase != RUNNING)
        return mp__errdetail_set(MP_ESTATE, "mp_mpi_finalize: %s",
                                 phase == NOT_YET ? "mp_mpi_init() was not called"
                                                  : "called twice");
    if (getpid() != mp__mpi.init_pid || mp__mpi.rank != 0)
        return mp__errdetail_set(MP_ESTATE, "mp_mpi_finalize: only rank 0's main process may");
    int alive = mp__mpi_pools_alive();
    if (alive)
        return mp__errdetail_set(MP_ESTATE,
                                 "mp_mpi_finalize: %d MPI executor(s) or pool(s) still alive: "
                                 "destroy them first",
                                 alive);
    phase = FINALISED;
    mp__pool_register_kind(MP_EXECUTOR_MPI, NULL);
    const mp__mpi_head_t quit = {0};
    for (int r = 1; r < mp__mpi.size; r++)
        mp__mpi_send(r, MP__MPI_QUIT, &quit, NULL, 0);
    if (mp__mpi.size > 1)
        mp__mpi_collector_stop();
    MPI_Comm_free(&mp__mpi.comm);
    MPI_Finalize();
    return 0;
}

int mp_mpi_rank(void)
{
    if (phase != NOT_YET && getpid() == mp__mpi.init_pid)
        return mp__mpi.rank;
    const char *value = getenv(RANK_VAR); /* a rank's local child */
    return value ? atoi(value) : -1;
}

int mp_mpi_size(void)
{
    return phase != NOT_YET && getpid() == mp__mpi.init_pid ? mp__mpi.size : 0;
}
