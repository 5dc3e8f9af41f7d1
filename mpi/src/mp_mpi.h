/**
 * @file mp_mpi.h
 * @brief The MPI component's inside: the messages between rank 0 and the
 *        worker ranks, the library's state, and its parts.
 *
 * Rank 0 sends a worker rank: START (make the local pool of one rank 0
 * pool), ORDER (one job's order, mp_pool_wire.h, as it is), END (that
 * local pool is done: shut it down, or kill it), QUIT (stop serving).
 * A worker rank answers: ANSWER (one job's answer, as mp_pool_wire.h lays
 * it out), BROKEN (its local pool broke: a failing initializer), ENDED
 * (its local pool is gone). Every message is a small head then a payload
 * sent from where it lies (mp__mpi_send()), in one MPI message.
 */
#ifndef MP_MPI_INTERNAL_H
#define MP_MPI_INTERNAL_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp_core.h"
#include "mp_executor.h"

/** Message tags. */
enum {
    MP__MPI_START =
        1,          /**< to a worker rank: head, then the initializer's name, NUL, its argument */
    MP__MPI_ORDER,  /**< to a worker rank: head, then the order */
    MP__MPI_END,    /**< to a worker rank: head (flags: MP__MPI_KILL) */
    MP__MPI_QUIT,   /**< to a worker rank (and to rank 0's collector): head */
    MP__MPI_ANSWER, /**< to rank 0: head, then the answer */
    MP__MPI_BROKEN, /**< to rank 0: head, then why (a string) */
    MP__MPI_ENDED   /**< to rank 0: head */
};

enum { MP__MPI_KILL = 1 }; /**< END: terminate the local pool, killing its child */

/** The head of every message. */
typedef struct mp__mpi_head {
    uint32_t pool;      /**< rank 0's number for the pool */
    uint32_t slot;      /**< the worker slot (rank - 1) */
    uint32_t flags;     /**< END: MP__MPI_KILL */
    uint32_t max_tasks; /**< START: max_tasks_per_child */
    double limit;       /**< ORDER: the job's time limit (INFINITY: none) */
    char method[16];    /**< START: the local children's start method */
} mp__mpi_head_t;

/** The library's state (init.c). */
typedef struct mp__mpi_state {
    MPI_Comm comm; /**< MPI_COMM_WORLD's duplicate, errors returned */
    int rank, size;
    mp_pid_t init_pid; /**< the process that called mp_mpi_init() */
    mp_pid_t *pids;    /**< every rank's pid */
    char (*hosts)[64]; /**< every rank's host name */
} mp__mpi_state_t;

extern mp__mpi_state_t mp__mpi;

/** @brief Send `head` then `len` bytes at `payload` as one message, with no copy. */
int mp__mpi_send(int dest, int tag, const mp__mpi_head_t *head, const void *payload, size_t len);

/**
 * @brief Receive the next message from `source` (MPI_ANY_SOURCE) into
 *        `head` and a heap block (NUL-ended past its `len`) in `*payload`.
 * @return 0; MP_ENOMEM; MP_EBROKEN (MPI failed: detail says which rank).
 */
int mp__mpi_recv(int source, MPI_Status *status, mp__mpi_head_t *head, void **payload, size_t *len);

/** @brief A worker rank: serve rank 0 until QUIT, then MPI_Finalize() and exit(0). */
_Noreturn void mp__mpi_serve(void);

/** The rank 0 side of the MPI kind (ops.c). */
extern const mp__pool_ops_t mp__pool_mpi;

/** @brief Rank 0: start the collector thread. @return 0; MP_ESYS. */
int mp__mpi_collector_start(void);

/** @brief Rank 0: stop the collector thread (sends itself QUIT). */
void mp__mpi_collector_stop(void);

/** @brief Rank 0: MPI pools alive. */
int mp__mpi_pools_alive(void);

/** @brief Rank 0, collector: a message for pool `head->pool` (payload
 *         taken over). */
void mp__mpi_deliver(int tag, int source, const mp__mpi_head_t *head, void *payload, size_t len);

/** @brief Rank 0, collector: MPI failed (a rank died): break every pool. */
void mp__mpi_break_all(const char *why);

#endif /* MP_MPI_INTERNAL_H */
