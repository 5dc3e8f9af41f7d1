/* Jobs (mp_executor.h): one message of work and, once done, its outcomes;
 * the callbacks that run when it finishes. */
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_exec_log.h"
#include "mp_executor.h"

int mp__job_create(mp__job_t **out, const char *task, uint32_t count, double limit)
{
    mp__job_t *job = calloc(1, sizeof *job);
    if (!job)
        return MP_ENOMEM;
    job->count = count;
    job->limit = limit;
    job->worker = -1;
    /* Each outcome is written below: no zeroing first (a map's chunk has
     * up to thousands, and every byte written is a page touched). */
    job->outcomes = count == 1 ? &job->one : malloc((count ? count : 1) * sizeof *job->outcomes);
    mp__buf_use(&job->order, job->order_storage, sizeof job->order_storage);
    int rc = job->outcomes ? mp__order_begin(&job->order, 0, task, count) : MP_ENOMEM;
    if (rc < 0) {
        if (job->outcomes != &job->one)
            free(job->outcomes);
        mp__buf_free(&job->order);
        free(job);
        return rc;
    }
    for (uint32_t i = 0; i < count; i++)
        job->outcomes[i] = (mp__outcome_t){.message = ""};
    atomic_init(&job->refs, 1);
    atomic_init(&job->state, MP__JOB_PENDING);
    *out = job;
    return 0;
}

void mp__job_ref(mp__job_t *job)
{
    atomic_fetch_add_explicit(&job->refs, 1, memory_order_relaxed);
}

static void free_messages(mp__job_t *job)
{
    if (!job->messages)
        return;
    for (uint32_t i = 0; i < job->count; i++)
        free(job->messages[i]);
    free(job->messages);
    job->messages = NULL;
}

void mp__job_unref(mp__job_t *job)
{
    if (!job || atomic_fetch_sub_explicit(&job->refs, 1, memory_order_acq_rel) != 1)
        return;
    mp__buf_free(&job->order);
    free(job->index_map);
    if (job->answer != job->answer_storage)
        free(job->answer);
    free_messages(job);
    if (job->outcomes != &job->one)
        free(job->outcomes);
    free(job->callbacks);
    free(job);
}

bool mp__job_is_done(const mp__job_t *job)
{
    return atomic_load_explicit(&job->state, memory_order_acquire) == MP__JOB_DONE;
}

uint32_t mp__job_order_count(const mp__job_t *job)
{
    mp__order_head_t order;
    memcpy(&order, job->order.data, sizeof order);
    return order.count;
}

void mp__job_set_seq(mp__job_t *job, uint64_t seq)
{
    mp__order_head_t order;
    memcpy(&order, job->order.data, sizeof order);
    order.seq = job->seq = seq;
    memcpy(job->order.data, &order, sizeof order);
}

/* Where argument `k` of what is in the order now belongs among the job's. */
static uint32_t job_index(const mp__job_t *job, uint32_t k)
{
    return job->index_map ? job->index_map[k] : k;
}

const char *mp__job_task(const mp__job_t *job, char *out, size_t size)
{
    mp__order_head_t head;
    memcpy(&head, job->order.data, sizeof head);
    size_t n = head.name_len < size ? head.name_len : size - 1;
    memcpy(out, job->order.data + sizeof head, n);
    out[n] = '\0';
    return out;
}

/* The job's own copy of an answer: in the job when small, else the heap. */
static void *keep_answer(mp__job_t *job, const void *answer, size_t len, void *owned)
{
    if (owned)
        return owned;
    void *copy = len <= sizeof job->answer_storage && job->answer != job->answer_storage
                     ? job->answer_storage
                     : malloc(len ? len : 1);
    if (copy)
        memcpy(copy, answer, len);
    return copy;
}

int mp__job_take_answer(mp__job_t *job, const void *answer, size_t len, void *owned)
{
    uint32_t count = mp__job_order_count(job);
    /* The usual answer, for a job no death split, is parsed straight into
     * the job's outcomes; a split one's into a scratch array first, whose
     * entries then go where the index map says. */
    bool direct = !job->index_map && !job->messages && count == job->count;
    mp__outcome_t stack[16];
    mp__outcome_t *got = direct ? job->outcomes : count <= 16 ? stack : malloc(count * sizeof *got);
    void *kept = got ? keep_answer(job, answer, len, owned) : NULL;
    int rc = kept ? 0 : MP_ENOMEM;
    mp__answer_head_t head;
    if (rc == 0 && (rc = mp__answer_read(kept, len, &head, got, count)) == 0 && head.count != count)
        rc = MP_EBOOTSTRAP;
    if (direct && rc < 0) /* nothing may point into the answer dropped below */
        for (uint32_t i = 0; i < count; i++)
            job->outcomes[i] = (mp__outcome_t){.message = ""};
    for (uint32_t k = 0; rc == 0 && !direct && k < count; k++) {
        uint32_t i = job_index(job, k);
        /* An argument failed by the parent (a death split the job) keeps
         * that failure. */
        if (!(job->messages && job->messages[i]))
            job->outcomes[i] = got[k];
    }
    if (got != stack && got != job->outcomes)
        free(got);
    if (rc < 0) {
        if (kept != owned && kept != job->answer_storage)
            free(kept);
        return rc;
    }
    /* A split job's first answer is superseded. */
    if (job->answer && job->answer != job->answer_storage)
        free(job->answer);
    job->answer = kept;
    return 0;
}

void mp__job_fail_one(mp__job_t *job, uint32_t index, int code, const char *message)
{
    if (!job->messages)
        job->messages = calloc(job->count, sizeof *job->messages);
    char *copy = job->messages ? strdup(message) : NULL;
    if (copy) {
        free(job->messages[index]);
        job->messages[index] = copy;
    }
    job->outcomes[index] = (mp__outcome_t){.code = code, .message = copy ? copy : ""};
}

void mp__job_fail(mp__job_t *job, int code, const char *message)
{
    uint32_t n = mp__job_order_count(job);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = job_index(job, k);
        if (!(job->messages && job->messages[i]))
            mp__job_fail_one(job, i, code, message);
    }
}

void mp__job_mark_done(mp__job_t *job, mp__job_t **done)
{
    mp__job_ref(job);
    job->finished = mp__os_now();
    atomic_store(&job->state, MP__JOB_DONE); /* seq_cst: see run_callbacks() */
    job->done_next = *done;
    *done = job;
}

/* Under the core lock: take the callbacks to run (once). */
static mp__callback_t *take_callbacks(mp__job_t *job, size_t *n)
{
    mp__callback_t *list = job->callbacks;
    *n = job->callbacks_taken ? 0 : job->ncallbacks;
    job->callbacks = NULL;
    job->ncallbacks = 0;
    job->callbacks_taken = true;
    return list;
}

static void call(mp__job_t *job, mp__callback_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        list[i].fn(job->future, list[i].arg);
    free(list);
}

/* Run the job's callbacks once, after it was marked done. Without the
 * lock when none was added: an adder stores `has_callbacks` before it
 * reads the job's state, and the finisher stored the state before it
 * reads `has_callbacks` (both sequentially consistent), so at least one of
 * them sees the other and runs the list (taking it under the lock, so
 * only one does). */
static void run_callbacks(mp__job_t *job)
{
    if (!atomic_load(&job->has_callbacks))
        return;
    mp__core_lock();
    size_t n;
    mp__callback_t *list = take_callbacks(job, &n);
    mp__core_unlock();
    call(job, list, n);
}

void mp__jobs_complete(mp__job_t *done)
{
    if (!done)
        return;
    /* Waiters first: a callback may take long. */
    mp__jobs_wake();
    while (done) {
        mp__job_t *next = done->done_next;
        done->done_next = NULL;
        if (mp__log_on(MP_LOG_DEBUG))
            mp__log_job_done(done);
        run_callbacks(done);
        mp__job_unref(done); /* the list's reference */
        done = next;
    }
}

const mp__outcome_t *mp__job_outcome(const mp__job_t *job, uint32_t i)
{
    return &job->outcomes[i];
}

int mp__job_add_callback(mp__job_t *job, mp_future_callback_fn fn, void *arg)
{
    mp__core_lock();
    if (job->callbacks_taken) { /* they ran: this one runs now */
        mp__core_unlock();
        fn(job->future, arg);
        return 0;
    }
    mp__callback_t *grown = realloc(job->callbacks, (job->ncallbacks + 1) * sizeof *grown);
    if (!grown) {
        mp__core_unlock();
        return MP_ENOMEM;
    }
    grown[job->ncallbacks++] = (mp__callback_t){fn, arg};
    job->callbacks = grown;
    atomic_store(&job->has_callbacks, true);
    /* Done already, and its finisher may have looked before our store:
     * run the list here (see run_callbacks()). */
    size_t n = 0;
    mp__callback_t *list = atomic_load(&job->state) == MP__JOB_DONE ? take_callbacks(job, &n)
                                                                    : NULL;
    mp__core_unlock();
    call(job, list, n);
    return 0;
}

int mp__job_drop_argument(mp__job_t *job, uint32_t k)
{
    mp__order_reader_t reader;
    int rc = mp__order_open(&reader, job->order.data, job->order.len);
    if (rc < 0)
        return rc;
    uint32_t n = reader.head.count;
    uint32_t *map = malloc((n ? n : 1) * sizeof *map);
    mp__buf_t order = {0};
    if (!map || (rc = mp__order_begin(&order, reader.head.seq, reader.name, n - 1)) < 0) {
        free(map);
        return rc < 0 ? rc : MP_ENOMEM;
    }
    uint32_t kept = 0;
    for (uint32_t j = 0; rc == 0 && j < n; j++) {
        const void *arg;
        size_t len;
        if ((rc = mp__order_next(&reader, &arg, &len)) == 0 && j != k) {
            map[kept++] = job_index(job, j);
            rc = mp__order_add(&order, arg, len);
        }
    }
    if (rc < 0) {
        free(map);
        mp__buf_free(&order);
        return rc;
    }
    mp__buf_free(&job->order);
    job->order = order;
    free(job->index_map);
    job->index_map = map;
    return 0;
}
