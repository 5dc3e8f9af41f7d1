/* Rank 0's collector thread (mp_mpi.h): it receives every message the
 * worker ranks send and hands each to its pool (ops.c), so futures
 * complete while nobody waits. It ends on a QUIT rank 0 sends itself. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "mp_mpi.h"

static pthread_t collector;

static void *collector_main(void *unused)
{
    for (;;) {
        MPI_Status status;
        mp__mpi_head_t head;
        void *payload = NULL;
        size_t len = 0;
        if (mp__mpi_recv(MPI_ANY_SOURCE, &status, &head, &payload, &len) < 0) {
            /* Open MPI ends the job when a rank dies; should a call fail
             * first, say so and fail every pending future. */
            char why[400];
            snprintf(why, sizeof why, "the MPI job lost a rank: %s", mp_errdetail());
            fprintf(stderr, "multiproc: %s\n", why);
            mp__mpi_break_all(why);
            return NULL;
        }
        if (status.MPI_TAG == MP__MPI_QUIT) {
            free(payload);
            return NULL;
        }
        mp__mpi_deliver(status.MPI_TAG, status.MPI_SOURCE, &head, payload, len);
    }
}

int mp__mpi_collector_start(void)
{
    if (pthread_create(&collector, NULL, collector_main, NULL) != 0)
        return mp__errdetail_set(MP_ESYS, "mp_mpi_init: could not start the collector thread");
    return 0;
}

void mp__mpi_collector_stop(void)
{
    const mp__mpi_head_t quit = {0};
    mp__mpi_send(0, MP__MPI_QUIT, &quit, NULL, 0);
    pthread_join(collector, NULL);
}
