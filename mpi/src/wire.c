/* Sending and receiving the component's messages (mp_mpi.h): a head and a
 * payload in one MPI message, each read from / written to where it lives,
 * so that a large order or answer is never copied to be sent. */
#include <stdio.h>
#include <stdlib.h>

#include "mp_mpi.h"

/* A datatype of two blocks at absolute addresses (for MPI_BOTTOM). */
static int two_blocks(MPI_Datatype *type, void *head, void *payload, size_t len)
{
    int lens[2] = {(int)sizeof(mp__mpi_head_t), (int)len};
    MPI_Aint where[2];
    MPI_Get_address(head, &where[0]);
    MPI_Get_address(payload ? payload : head, &where[1]);
    if (MPI_Type_create_hindexed(len ? 2 : 1, lens, where, MPI_BYTE, type) != MPI_SUCCESS)
        return MP_ENOMEM;
    MPI_Type_commit(type);
    return 0;
}

int mp__mpi_send(int dest, int tag, const mp__mpi_head_t *head, const void *payload, size_t len)
{
    if (len > (size_t)INT32_MAX - sizeof *head)
        return mp__errdetail_set(MP_EINVAL, "an MPI message of %zu bytes is too long", len);
    MPI_Datatype type;
    int rc = two_blocks(&type, (void *)head, (void *)payload, len);
    if (rc < 0)
        return rc;
    int err = MPI_Send(MPI_BOTTOM, 1, type, dest, tag, mp__mpi.comm);
    MPI_Type_free(&type);
    if (err != MPI_SUCCESS)
        return mp__errdetail_set(MP_EBROKEN, "MPI could not send to rank %d (MPI error %d)", dest,
                                 err);
    return 0;
}

int mp__mpi_recv(int source, MPI_Status *status, mp__mpi_head_t *head, void **payload, size_t *len)
{
    int count = 0, err = MPI_Probe(source, MPI_ANY_TAG, mp__mpi.comm, status);
    if (err == MPI_SUCCESS)
        err = MPI_Get_count(status, MPI_BYTE, &count);
    if (err != MPI_SUCCESS)
        return mp__errdetail_set(MP_EBROKEN, "MPI failed receiving from rank %d (MPI error %d)",
                                 status->MPI_SOURCE, err);
    size_t n = count > (int)sizeof *head ? (size_t)count - sizeof *head : 0;
    /* One byte more, NUL: a payload that is a string needs no copy. */
    char *block = malloc(n + 1);
    if (!block)
        return MP_ENOMEM;
    block[n] = '\0';
    MPI_Datatype type;
    int rc = two_blocks(&type, head, block, n);
    if (rc < 0) {
        free(block);
        return rc;
    }
    err = MPI_Recv(MPI_BOTTOM, 1, type, status->MPI_SOURCE, status->MPI_TAG, mp__mpi.comm,
                   MPI_STATUS_IGNORE);
    MPI_Type_free(&type);
    if (err != MPI_SUCCESS) {
        free(block);
        return mp__errdetail_set(MP_EBROKEN, "MPI failed receiving from rank %d (MPI error %d)",
                                 status->MPI_SOURCE, err);
    }
    *payload = block;
    *len = n;
    return 0;
}
