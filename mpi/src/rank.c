/* A worker rank (mp_mpi.h): it serves rank 0 until QUIT. Each rank 0 pool
 * has here a local process pool of one worker (the core's), to which the
 * rank hands each order as a job: a task's crash or time limit is the
 * local core's business (MP_EWORKERDIED, MP_ETIMEDOUT, a fresh child),
 * and the rank only adds its name to the message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_mpi.h"

/* A rank 0 pool's local pool here. */
typedef struct local {
    uint32_t id;
    uint32_t slot;
    mp__pool_t *pool;
    _Atomic bool broken_told; /* BROKEN sent once */
    struct local *next;
} local_t;

static local_t *locals;

static local_t *find_local(uint32_t id)
{
    for (local_t *l = locals; l; l = l->next)
        if (l->id == id)
            return l;
    return NULL;
}

/* The message of an outcome, with this rank named: a death says which
 * rank, host, child and signal; a time limit which rank and host. */
static const char *name_rank(const mp__job_t *job, const mp__outcome_t *o, char *out, size_t size)
{
    const char *host = mp__mpi.hosts[mp__mpi.rank];
    char task[64];
    if (o->code == MP_EWORKERDIED) {
        char how[96];
        if (job->exitcode < 0)
            snprintf(how, sizeof how, "killed by signal %d (%s)", -job->exitcode,
                     strsignal(-job->exitcode));
        else
            snprintf(how, sizeof how, "exit code %d", job->exitcode);
        snprintf(out, size, "task '%s' died on rank %d (host %s, pid %lld): %s",
                 mp__job_task(job, task, sizeof task), mp__mpi.rank, host, (long long)job->pid,
                 how);
    } else if (o->code == MP_ETIMEDOUT) {
        snprintf(out, size, "%s (on rank %d, host %s)", o->message, mp__mpi.rank, host);
    } else {
        return o->message;
    }
    return out;
}

/* The answer of a done job, as mp_pool_wire.h lays it out, for rank 0. */
static int encode_answer(mp__job_t *job, uint64_t seq, uint32_t slot, mp__buf_t *out)
{
    int rc = mp__answer_begin(out, &(mp__answer_head_t){.seq = seq, .worker = slot});
    for (uint32_t i = 0; rc == 0 && i < job->count; i++) {
        const mp__outcome_t *o = mp__job_outcome(job, i);
        char message[640];
        rc = mp__answer_add(out, o->code, o->value, o->value_len,
                            name_rank(job, o, message, sizeof message));
    }
    double took = job->started > 0 ? job->finished - job->started : 0;
    if (rc == 0)
        mp__answer_end(out, job->count, (uint64_t)(took > 0 ? took * 1e9 : 0));
    return rc;
}

/* What a job's done callback needs. */
typedef struct reply {
    local_t *local;
    mp__job_t *job;
    uint64_t seq; /* rank 0's number for the order */
} reply_t;

/* Done callback (a local core thread): send the answer to rank 0; first,
 * if the local pool broke (a failing initializer), say why. */
static void send_answer(mp_future_t *unused, void *arg)
{
    reply_t *r = arg;
    local_t *l = r->local;
    mp__mpi_head_t head = {.pool = l->id, .slot = l->slot};
    mp__pool_t *pool = l->pool;
    apr_thread_mutex_lock(pool->mutex);
    char why[700] = "";
    if (pool->broken && !atomic_exchange(&l->broken_told, true))
        snprintf(why, sizeof why, "on rank %d (host %s): %s", mp__mpi.rank,
                 mp__mpi.hosts[mp__mpi.rank], pool->broken_why);
    apr_thread_mutex_unlock(pool->mutex);
    if (why[0])
        mp__mpi_send(0, MP__MPI_BROKEN, &head, why, strlen(why) + 1);
    mp__buf_t answer = {0};
    if (encode_answer(r->job, r->seq, l->slot, &answer) == 0)
        mp__mpi_send(0, MP__MPI_ANSWER, &head, answer.data, answer.len);
    mp__buf_free(&answer);
    free(r);
}

/* START: make the local pool. Its failure is told as BROKEN. */
static void start_local(const mp__mpi_head_t *head, char *payload, size_t len)
{
    local_t *l = calloc(1, sizeof *l);
    size_t name_len = strlen(payload);
    mp__pool_options_t opts = {.kind = MP_EXECUTOR_PROCESSES,
                               .max_workers = 1,
                               .max_tasks_per_child = head->max_tasks,
                               .task_timeout = INFINITY,
                               .start_all = true,
                               .noun = "executor"};
    int rc = l ? mp_get_context(&opts.context, head->method) : MP_ENOMEM;
    if (rc == 0 && name_len) {
        opts.initializer = strdup(payload);
        opts.initarg_len = len - name_len - 1;
        opts.initarg = malloc(opts.initarg_len ? opts.initarg_len : 1);
        if (!opts.initializer || !opts.initarg)
            rc = MP_ENOMEM;
        else
            memcpy(opts.initarg, payload + name_len + 1, opts.initarg_len);
    }
    if (rc == 0)
        rc = mp__pool_create(&l->pool, &opts);
    if (rc < 0) {
        free(opts.initializer);
        free(opts.initarg);
        free(l);
        char why[512];
        snprintf(why, sizeof why, "rank %d (host %s) could not start its local pool: %s",
                 mp__mpi.rank, mp__mpi.hosts[mp__mpi.rank], mp_errdetail());
        mp__mpi_send(0, MP__MPI_BROKEN, head, why, strlen(why) + 1);
        return;
    }
    l->id = head->pool;
    l->slot = head->slot;
    l->next = locals;
    locals = l;
}

/* ORDER: hand it to the local pool as a job (the order's bytes become
 * the job's, not copied). */
static void run_order(const mp__mpi_head_t *head, void *payload, size_t len)
{
    local_t *l = find_local(head->pool);
    mp__order_reader_t order;
    mp__job_t *job = NULL;
    reply_t *r = malloc(sizeof *r);
    if (!l || !r || mp__order_open(&order, payload, len) < 0 ||
        mp__job_create(&job, order.name, order.head.count, head->limit) < 0) {
        free(r);
        free(payload);
        return; /* rank 0 fails the job when the pool ends */
    }
    mp__buf_free(&job->order);
    job->order = (mp__buf_t){.data = payload, .len = len, .cap = len + 1};
    *r = (reply_t){l, job, order.head.seq};
    if (mp__job_add_callback(job, send_answer, r) < 0 || mp__pool_submit(l->pool, job) < 0) {
        /* A broken local pool refuses the job: answer its failure. */
        mp__job_fail(job, MP_EBROKEN, mp_errdetail());
        send_answer(NULL, r);
    }
    mp__job_unref(job);
}

/* END: shut the local pool down (or kill its child), then say so. */
static void end_local(const mp__mpi_head_t *head)
{
    local_t **p = &locals;
    while (*p && (*p)->id != head->pool)
        p = &(*p)->next;
    local_t *l = *p;
    if (l) {
        *p = l->next;
        if (head->flags & MP__MPI_KILL)
            mp__pool_terminate(l->pool, "the pool was terminated");
        mp__pool_destroy(l->pool);
        free(l);
    }
    mp__mpi_send(0, MP__MPI_ENDED, head, NULL, 0);
}

_Noreturn void mp__mpi_serve(void)
{
    for (;;) {
        MPI_Status status;
        mp__mpi_head_t head;
        void *payload = NULL;
        size_t len = 0;
        if (mp__mpi_recv(0, &status, &head, &payload, &len) < 0) {
            fprintf(stderr, "multiproc: rank %d lost rank 0: %s\n", mp__mpi.rank, mp_errdetail());
            break;
        }
        if (status.MPI_TAG == MP__MPI_ORDER) {
            run_order(&head, payload, len);
            continue; /* the job owns the payload */
        }
        if (status.MPI_TAG == MP__MPI_START)
            start_local(&head, payload, len);
        else if (status.MPI_TAG == MP__MPI_END)
            end_local(&head);
        free(payload);
        if (status.MPI_TAG == MP__MPI_QUIT)
            break;
    }
    while (locals) {
        local_t *l = locals;
        locals = l->next;
        mp__pool_terminate(l->pool, "the MPI job ended");
        mp__pool_destroy(l->pool);
        free(l);
    }
    MPI_Comm_free(&mp__mpi.comm);
    MPI_Finalize();
    exit(0);
}
