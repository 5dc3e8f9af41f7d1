/* The worker-pool core's worker loop, a built-in task (mp_builtin.h): the
 * process an executor (and Pool) keeps for many tasks. Its objects are its
 * own ring of orders (0), the pool's shared ring of answers (1) and the
 * pool's array of worker slots (2). It runs its initializer, says it is
 * ready in its slot, then takes orders in turn: for each argument it notes
 * in its slot what runs (so that the parent knows which task a death
 * interrupted, and which are overdue), runs it through the task runner,
 * and sends all the order's outcomes in one answer.
 *
 * Between orders it spins a moment before it sleeps: a wake-up across CPUs
 * costs 10-25 us on the machines this is measured on, and a program that
 * submits one task at a time sends the next one within a few. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mp_builtin.h"
#include "mp_core.h"
#include "mp_executor.h"
#include "mp_pool_wire.h"
#include "mp_queue_impl.h"
#include "mp_runner.h"
#include "mp_semlock.h"

typedef struct worker {
    mp_task_t *self;
    mp_simple_queue_t *orders;
    mp__ring_t *ring; /* the orders' ring, to look at while spinning */
    mp_simple_queue_t *answers;
    mp__worker_slot_t *slot;
    mp__pool_worker_arg_t arg;
    mp__buf_t order;  /* the current order's bytes (reused) */
    mp__buf_t answer; /* the answer being built (reused) */
    mp__spin_t spin;  /* how long it looks for its next order */
} worker_t;

static int64_t now_ns(void)
{
    return (int64_t)(mp__os_now() * 1e9);
}

/* Take the next order into w->order: spin on the ring (looking, not
 * getting: a get that finds nothing formats an error detail), then sleep
 * in a get. */
static int take_order(worker_t *w)
{
    double spin_end = mp__os_now() + mp__spin_seconds(&w->spin);
    bool spun = false;
    for (;;) {
        bool ready = mp__ring_is_ready(w->ring);
        for (int i = 0; !ready && i < 256; i++) {
            mp__cpu_relax();
            ready = mp__ring_is_ready(w->ring);
        }
        if (!ready && mp__os_now() < spin_end) {
            spun = true;
            continue;
        }
        if (spun)
            mp__spin_adapt(&w->spin, ready);
        spun = false;
        size_t len = 0;
        int rc = mp_simple_queue_get(w->orders, w->order.data, w->order.cap, &len,
                                     ready ? 0 : MP_FOREVER);
        if (rc == 0) {
            w->order.len = len;
            return 0;
        }
        if (rc == MP_ETOOSMALL) { /* the message waits in the ring */
            w->order.len = 0;
            if ((rc = mp__buf_reserve(&w->order, len)) < 0)
                return rc;
            continue;
        }
        if (rc != MP_EEMPTY)
            return rc;
    }
}

/* Run every argument of the order in w->order and send the answer. */
static int serve(worker_t *w)
{
    mp__order_reader_t order;
    int rc = mp__order_open(&order, w->order.data, w->order.len);
    if (rc < 0)
        return rc; /* only the parent writes orders: this one is corrupt */
    if (order.head.seq == 0)
        return 1; /* stop */
    mp__answer_head_t head = {
        .seq = order.head.seq, .worker = w->arg.index, .generation = w->arg.generation};
    if ((rc = mp__answer_begin(&w->answer, &head)) < 0)
        return rc;
    int64_t began = now_ns(), started = began;
    for (uint32_t i = 0; i < order.head.count; i++) {
        const void *arg;
        size_t len;
        if ((rc = mp__order_next(&order, &arg, &len)) < 0)
            return rc;
        atomic_store_explicit(&w->slot->item, i, memory_order_relaxed);
        atomic_store_explicit(&w->slot->started_ns, started, memory_order_relaxed);
        /* Release: a parent that sees this seq sees the item and time. */
        atomic_store_explicit(&w->slot->seq, order.head.seq, memory_order_release);
        mp__run_t run;
        mp__runner_run(&run, order.name, arg, len, w->self->objects + 3, w->self->nobjects - 3);
        rc = mp__answer_add_run(&w->answer, &run);
        mp__runner_release(&run);
        if (rc < 0)
            return rc;
        started = now_ns(); /* the next one's start, this one's end */
    }
    mp__answer_end(&w->answer, order.head.count, (uint64_t)(started - began));
    rc = mp_simple_queue_put(w->answers, w->answer.data, w->answer.len, MP_FOREVER);
    atomic_store_explicit(&w->slot->seq, 0, memory_order_release);
    return rc;
}

/* Run the initializer, if any. A failure is answered with seq 0 (the
 * parent's cause for a broken pool) and its reason left in `why`. */
static int initialize(worker_t *w, char *why, size_t why_size)
{
    const mp__pool_worker_arg_t *a = &w->arg;
    if (a->init_len == 0)
        return 0;
    const char *p = (const char *)w->self->arg + sizeof *a;
    char name[256];
    if (a->init_len >= sizeof name)
        return MP_EBOOTSTRAP;
    memcpy(name, p, a->init_len);
    name[a->init_len] = '\0';
    mp__run_t run;
    mp__runner_run(&run, name, p + a->init_len, w->self->arg_len - sizeof *a - a->init_len,
                   w->self->objects + 3, w->self->nobjects - 3);
    int rc = run.rc < 0 ? run.rc : run.rc > 0 ? MP_ETASK : 0;
    if (rc < 0) {
        snprintf(why, why_size, "the initializer '%s' failed: %s", name,
                 run.result.message[0] ? run.result.message : mp_strerror(rc));
        if (mp__answer_begin(&w->answer, &(mp__answer_head_t){.worker = a->index,
                                                              .generation = a->generation}) == 0 &&
            mp__answer_add(&w->answer, rc, NULL, 0, why) == 0) {
            mp__answer_end(&w->answer, 1, 0);
            mp_simple_queue_put(w->answers, w->answer.data, w->answer.len, MP_FOREVER);
        }
    }
    mp__runner_release(&run);
    return rc;
}

static int fetch_objects(worker_t *w, mp_task_t *t)
{
    mp_value_t *slots;
    int rc;
    if ((rc = mp_task_simple_queue(t, 0, &w->orders)) < 0 ||
        (rc = mp_task_simple_queue(t, 1, &w->answers)) < 0 ||
        (rc = mp_task_value(t, 2, &slots)) < 0)
        return rc;
    if (t->arg_len < sizeof w->arg)
        return MP_EBOOTSTRAP;
    memcpy(&w->arg, t->arg, sizeof w->arg);
    if (t->arg_len - sizeof w->arg < w->arg.init_len ||
        (size_t)(w->arg.index + 1) * (sizeof(mp__worker_slot_t) / sizeof(int64_t)) >
            mp_value_length(slots))
        return MP_EBOOTSTRAP;
    w->slot = (mp__worker_slot_t *)mp_value_ptr(slots) + w->arg.index;
    w->ring = &((mp__queue_object_t *)mp__handle_get(w->orders, NULL))->ring;
    return 0;
}

int mp__builtin_pool_worker(mp_task_t *t)
{
    worker_t w = {.self = t};
    int rc = fetch_objects(&w, t);
    if (rc == 0)
        rc = mp__buf_reserve(&w.order, 4096);
    if (rc < 0)
        return mp_task_fail(t, rc, "pool worker: bad objects or argument: %s", mp_errdetail());
    mp__os_ignore_interrupts();
    char why[600] = "";
    if ((rc = initialize(&w, why, sizeof why)) < 0)
        return mp_task_fail(t, rc, "pool worker: %s", why);
    atomic_store_explicit(&w.slot->ready, 1, memory_order_release);
    for (uint32_t served = 0; rc == 0;) {
        if ((rc = take_order(&w)) < 0)
            break;
        if ((rc = serve(&w)) == 1) { /* a stop order: the normal end */
            rc = 0;
            break;
        }
        if (rc == 0 && w.arg.max_tasks && ++served == w.arg.max_tasks)
            break; /* retired: the parent starts a fresh worker */
    }
    mp__buf_free(&w.order);
    mp__buf_free(&w.answer);
    return rc < 0 ? mp_task_fail(t, rc, "pool worker: %s", mp_errdetail()) : 0;
}
