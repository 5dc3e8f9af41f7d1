/* A Pool's imap and imap_unordered (multiproc/pool.h): the input is read,
 * one chunk a job, only as far ahead of the consumer as the window allows
 * (Python 3.14's buffersize), so an endless input runs in constant memory.
 * Every read of the input happens in a thread calling mp_imap_next(). */
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_api.h"
#include "mp_pool_api.h"

/* The window of an iterator input when none is given: jobs per worker. */
enum { WINDOW_PER_WORKER = 4 };

typedef struct imap {
    mp__object_t obj;
    mp_pool_t *pool; /* the handle: a destroyed pool stops the hand-out */
    mp__batch_t *batch;
    char *task;
    mp__input_t input;
    double limit;
    size_t chunk;
    size_t window;      /* jobs handed out and not yielded, at most (0: all) */
    size_t made;        /* jobs made */
    size_t outstanding; /* jobs handed out and not yielded yet */
    bool input_ended;
    bool feeding;    /* counted among the pool's feeders */
    int input_error; /* the input's failure, told after what came before it */
    char input_why[256];
    mp__jobq_t handed;  /* imap: the jobs handed out, oldest first */
    mp__job_t *current; /* the job being yielded (a reference), */
    uint32_t pos;       /* and its next task */
} imap_t;

/* The input was read to its end (or its failure): the pool is told, so a
 * close waiting for it can shut the pool down. */
static void input_done(imap_t *it)
{
    it->input_ended = true;
    if (it->feeding) {
        it->feeding = false;
        mp__pool_feeder_done(it->pool);
    }
}

static void imap_release(mp__object_t *obj)
{
    imap_t *it = (imap_t *)obj;
    input_done(it); /* what it did not read, it never will */
    if (it->batch)
        mp__progress_close(&it->batch->progress);
    mp__jobq_free(&it->handed);
    mp__job_unref(it->current);
    mp__batch_unref(it->batch);
    free(it->task);
}

const mp__kind_t mp__kind_imap = {
    .name = "IMapIterator",
    .id = 20,
    .size = sizeof(imap_t),
    .release = imap_release,
};

/* The input ended in failure `rc`: told once what came before is told. */
static void input_failed(imap_t *it, int rc)
{
    input_done(it);
    it->input_error = rc;
    snprintf(it->input_why, sizeof it->input_why, "%s", mp_errdetail());
}

/* Hand one more job out. */
static void hand_out_one(imap_t *it)
{
    mp__job_t *job = NULL;
    int rc = mp__batch_make_job(it->task, it->limit, &it->input, it->chunk, it->made, &job);
    if (rc < 0)
        input_failed(it, rc);
    else if (!job)
        input_done(it);
    if (!job)
        return;
    mp__pool_handle_t *ph = NULL;
    int sent = mp__pool_open_feeding(it->pool, &ph, "mp_imap_next");
    if (sent == 0)
        sent = mp__batch_submit(it->batch, job);
    if (sent < 0) { /* the pool went away: the iteration ends with why */
        mp__job_unref(job);
        input_failed(it, sent);
        return;
    }
    it->made++;
    it->outstanding++;
    if (it->batch->unordered) {
        mp__job_unref(job); /* followed through the batch */
    } else if (mp__jobq_push(&it->handed, job) < 0) {
        mp__job_unref(job);
        it->outstanding--;
        input_failed(it, mp__errdetail_set(MP_ENOMEM, "out of memory for the jobs handed out"));
    }
}

/* Read the input as far as the window allows. */
static void top_up(imap_t *it)
{
    while (!it->input_ended && (!it->window || it->outstanding < it->window))
        hand_out_one(it);
}

static bool any_finished(void *ctx)
{
    mp__batch_t *b = ctx;
    mp__core_lock();
    bool any = b->finished.count > 0 || atomic_load(&b->lost);
    mp__core_unlock();
    return any;
}

static bool job_done(void *ctx)
{
    return mp__job_is_done(ctx);
}

/* The next job to yield from, waited for: 1; 0 when none is left. */
static int next_job(imap_t *it, double deadline)
{
    top_up(it);
    if (it->outstanding == 0)
        return 0;
    mp__job_t *job;
    if (it->batch->unordered) {
        int rc = mp__batch_wait(it->batch, any_finished, it->batch, deadline);
        if (rc < 0)
            return rc;
        if (!(job = mp__batch_take_finished(it->batch)))
            return mp__errdetail_set(MP_ENOMEM, "out of memory: a finished job was lost");
    } else {
        job = mp__jobq_peek(&it->handed);
        int rc = mp__job_is_done(job) ? 0 : mp__jobs_wait(job->pool, job_done, job, deadline);
        if (rc < 0)
            return rc;
        mp__jobq_pop(&it->handed);
    }
    /* Reported before its results are yielded; the total is known once
     * the input has ended. */
    if (it->input_ended)
        mp__progress_set_total(&it->batch->progress, it->input.index);
    mp__progress_job_done(&it->batch->progress, job, job->tag * it->chunk);
    it->current = job;
    it->pos = 0;
    return 1;
}

int mp_imap_next(mp_imap_t *handle, double timeout, mp_imap_item_t *item)
{
    static const char fn[] = "mp_imap_next";
    int rc = mp__object_open(&handle, &mp__kind_imap, fn);
    if (rc < 0)
        return rc;
    if (!item)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL item", fn);
    if ((rc = mp__timeout_check(timeout, fn)) < 0)
        return rc;
    imap_t *it = (imap_t *)handle;
    if (it->current && it->pos >= it->current->count) {
        mp__job_unref(it->current);
        it->current = NULL;
        it->outstanding--;
    }
    if (!it->current) {
        rc = next_job(it, mp__deadline(true, timeout));
        if (rc == MP_ETIMEDOUT)
            return mp__errdetail_set(rc, "%s: the next result is not there yet", fn);
        if (rc == MP_EINTR)
            return mp__errdetail_set(rc, "%s: interrupted by a signal; the tasks go on", fn);
        if (rc == 0 && it->input_error) {
            rc = it->input_error;
            it->input_error = 0;
            return mp__errdetail_set(rc, "%s: %s", fn, it->input_why);
        }
        if (rc <= 0)
            return rc;
    }
    uint32_t k = it->pos++;
    const mp__outcome_t *o = mp__job_outcome(it->current, k);
    *item = (mp_imap_item_t){.index = it->current->tag * it->chunk + k,
                             .data = o->value,
                             .len = o->value_len,
                             .code = o->code,
                             .message = o->message};
    if (!o->code)
        return 1;
    char task[64];
    return mp__errdetail_set(MP_ETASK, "%s: task %zu ('%s') failed: %s (%s)", fn, item->index,
                             mp__job_task(it->current, task, sizeof task), o->message,
                             mp_err_name(o->code));
}

/* imap and imap_unordered. */
static int make(mp_pool_t *pool, mp_imap_t **out, const char *task, const mp_input_t *input,
                const mp_pool_map_opts_t *opts, bool unordered, const char *fn)
{
    mp__pool_handle_t *ph = NULL;
    int rc = mp__pool_open_running(pool, &ph, fn);
    if (rc < 0)
        return rc;
    if (!out || !task)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL %s", fn, !out ? "out" : "task");
    if ((rc = mp__input_check(input, fn)) < 0)
        return rc;
    if (!mp__tasks_find(task))
        return mp__errdetail_set(MP_ENOTASK, "%s: no task named '%s' in the task table", fn, task);
    double limit;
    if ((rc = mp__batch_limit(ph->pool, opts, fn, &limit)) < 0)
        return rc;
    size_t chunk = opts && opts->chunksize ? opts->chunksize : 1; /* Python's imap: 1 */
    if (chunk > UINT32_MAX)
        chunk = UINT32_MAX;
    imap_t *it;
    if ((rc = mp__object_new(&mp__kind_imap, (mp__object_t **)&it)) < 0)
        return rc;
    it->pool = pool;
    it->limit = limit;
    it->chunk = chunk;
    it->window = opts && opts->buffersize ? opts->buffersize
                 : input->next            ? (size_t)ph->pool->opts.max_workers * WINDOW_PER_WORKER
                                          : 0;
    mp__input_of(&it->input, input);
    it->task = strdup(task);
    rc = it->task ? mp__batch_create(&it->batch, ph->pool, chunk,
                                     &(mp__batch_opts_t){.map = opts,
                                                         .total = input->next ? 0 : input->n,
                                                         .unordered = unordered,
                                                         .consumer_reports = true})
                  : MP_ENOMEM;
    if (rc < 0) {
        mp__object_destroy(&it->obj);
        return rc;
    }
    it->feeding = true;
    mp__pool_feeder_start(ph);
    /* Callbacks are for the async calls; an iterator's results are read,
     * and only an unordered one needs to hear of each job's end. */
    it->batch->callback = it->batch->error_callback = NULL;
    it->batch->watch = unordered;
    top_up(it); /* the first window's work starts now */
    memcpy(out, &it->obj.handle, sizeof *out);
    return 0;
}

int mp_pool_imap(mp_pool_t *pool, mp_imap_t **out, const char *task, const mp_input_t *input,
                 const mp_pool_map_opts_t *opts)
{
    return make(pool, out, task, input, opts, false, "mp_pool_imap");
}

int mp_pool_imap_unordered(mp_pool_t *pool, mp_imap_t **out, const char *task,
                           const mp_input_t *input, const mp_pool_map_opts_t *opts)
{
    return make(pool, out, task, input, opts, true, "mp_pool_imap_unordered");
}

void mp_imap_destroy(mp_imap_t *it)
{
    mp__object_destroy_handle(it, &mp__kind_imap);
}
