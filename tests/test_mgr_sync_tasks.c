/* The child side of the manager synchronisation and queue suites (see
 * test_mgr_sync_tasks.h), and the test process's helpers they share. */
#include <string.h>

#include "test_mgr_sync_tasks.h"

/* The proxy a step uses: the task's object, or the thread's handle. */
static int proxy_of(const mp_task_t *task, mp_proxy_t *const *handles, size_t nhandles,
                    uint32_t obj, mp_proxy_t **out)
{
    if (task)
        return mp_task_proxy(task, obj, out);
    if (obj >= nhandles)
        return MP_EINVAL;
    *out = handles[obj];
    return 0;
}

/* The sum of an Array's elements, read as one local copy (iteration). */
static int array_sum(mp_proxy_t *a)
{
    mp_var_t *items = NULL;
    int rc = mp_marray_copy(a, &items);
    int64_t sum = 0, n = 0;
    for (size_t i = 0; rc == 0 && i < mp_var_len(items); i++)
        if ((rc = mp_var_get_int(mp_var_at(items, i), &n)) == 0)
            sum += n;
    mp_var_free(items);
    return rc < 0 ? rc : (int)sum;
}

/* Element `index` of an Array as an int. */
static int array_get(mp_proxy_t *a, int64_t index)
{
    mp_var_t *v = NULL;
    int64_t n = 0;
    int rc = mp_marray_get(a, index, &v);
    if (rc == 0)
        rc = mp_var_get_int(v, &n);
    mp_var_free(v);
    return rc < 0 ? rc : (int)n;
}

/* One step; its code. */
static int run_step(const sync_step_t *s, mp_proxy_t *p)
{
    unsigned u = 0;
    int64_t i64 = 0;
    int rc;
    switch ((mgr_op_t)s->op) {
    case MOP_END: return 0;
    case MOP_SLEEP: sleep_s(s->arg); return 0;
    case MOP_ACQUIRE: return mp_mlock_acquire(p, s->arg);
    case MOP_RELEASE: return mp_mlock_release(p);
    case MOP_LOCKED: return mp_mlock_is_locked(p);
    case MOP_SEM_VALUE: return (rc = mp_msemaphore_value(p, &u)) < 0 ? rc : (int)u;
    case MOP_EVENT_SET: return mp_mevent_set(p);
    case MOP_EVENT_CLEAR: return mp_mevent_clear(p);
    case MOP_EVENT_IS_SET: return mp_mevent_is_set(p);
    case MOP_EVENT_WAIT: return mp_mevent_wait(p, s->arg);
    case MOP_COND_WAIT: return mp_mcond_wait(p, s->arg);
    case MOP_COND_NOTIFY: return mp_mcond_notify(p, (unsigned)s->arg);
    case MOP_BARRIER_WAIT: return (rc = mp_mbarrier_wait(p, s->arg, &u)) < 0 ? rc : (int)u;
    case MOP_PARTIES: return mp_mbarrier_parties(p);
    case MOP_RESET: return mp_mbarrier_reset(p);
    case MOP_VALUE_GET: return (rc = mp_mvalue_getf(p, "I", &i64)) < 0 ? rc : (int)i64;
    case MOP_VALUE_SET: return mp_mvalue_setf(p, "I", (int64_t)s->arg);
    case MOP_ARRAY_LEN: return mp_marray_len(p);
    case MOP_ARRAY_GET: return array_get(p, (int64_t)s->arg);
    case MOP_ARRAY_SUM: return array_sum(p);
    case MOP_QUEUE_PUT: return mp_mqueue_putf(p, MP_FOREVER, "I", (int64_t)s->arg);
    case MOP_QUEUE_GET: return (rc = mp_mqueue_getf(p, s->arg, "I", &i64)) < 0 ? rc : (int)i64;
    }
    return MP_EINVAL;
}

void mgr_script_run(const sync_script_t *script, const mp_task_t *task, mp_proxy_t *const *handles,
                    size_t nhandles, script_rcs_t *out)
{
    for (size_t i = 0; i < SCRIPT_STEPS; i++)
        out->rc[i] = 0;
    for (size_t i = 0; i < SCRIPT_STEPS && script->steps[i].op != MOP_END; i++) {
        const sync_step_t *s = &script->steps[i];
        mp_proxy_t *p = NULL;
        if (s->op != MOP_SLEEP && proxy_of(task, handles, nhandles, s->obj, &p) < 0) {
            for (size_t j = i; j < SCRIPT_STEPS; j++)
                out->rc[j] = STEP_NOT_RUN;
            return;
        }
        out->rc[i] = run_step(s, p);
    }
}

int task_mgr_script(mp_task_t *t)
{
    sync_script_t script;
    int rc = task_arg_struct(t, &script, sizeof script, "sync_script_t");
    if (rc < 0)
        return rc;
    script_rcs_t rcs;
    mgr_script_run(&script, t, NULL, 0, &rcs);
    return mp_task_return(t, &rcs, sizeof rcs);
}

/* A JoinableQueue's worker (object 0), as CPython's _test_task_done: take
 * items until a nil, marking each done; add each int to the Value (object
 * 1) under the Lock (object 2), so the parent can check every item was
 * seen once. */
int task_mgr_queue_worker(mp_task_t *t)
{
    mp_proxy_t *q = NULL, *total = NULL, *lock = NULL;
    int rc = mp_task_proxy(t, 0, &q);
    if (rc == 0)
        rc = mp_task_proxy(t, 1, &total);
    if (rc == 0)
        rc = mp_task_proxy(t, 2, &lock);
    while (rc == 0) {
        mp_var_t *item = NULL;
        int64_t n = 0, sum = 0;
        if ((rc = mp_mqueue_get(q, &item, JOIN_LIMIT_S)) < 0)
            break;
        bool last = mp_var_type(item) == MP_VAR_NIL;
        if (!last && (rc = mp_var_get_int(item, &n)) == 0 &&
            (rc = mp_mlock_acquire(lock, MP_FOREVER)) == 0) {
            if ((rc = mp_mvalue_getf(total, "I", &sum)) == 0)
                rc = mp_mvalue_setf(total, "I", sum + n);
            int released = mp_mlock_release(lock);
            rc = rc < 0 ? rc : released;
        }
        mp_var_free(item);
        int done = mp_mqueue_task_done(q);
        rc = rc < 0 ? rc : done;
        if (last)
            break;
    }
    return rc < 0 ? mp_task_fail(t, rc, "queue worker: %s: %s", mp_err_name(rc), mp_errdetail())
                  : 0;
}

/* ---- the test process's side ----------------------------------------- */

mp_manager_t *start_manager(void)
{
    mp_manager_t *m = NULL;
    if (!EXPECT_RC(mp_manager_start(&m, &(mp_manager_opts_t){.context = method_context()}), 0))
        return NULL;
    return m;
}

mp_proxy_t *second_handle(mp_proxy_t *p)
{
    mp_var_t *ref = NULL;
    mp_proxy_t *out = NULL;
    if (EXPECT_RC(mp_proxy_ref(p, &ref), 0))
        EXPECT_RC(mp_proxy_open(&out, p, ref), 0);
    mp_var_free(ref);
    return out;
}

static void *mgr_thread_main(void *arg)
{
    mgr_thread_t *th = arg;
    mgr_script_run(&th->script, NULL, th->handles, th->nhandles, &th->rcs);
    return NULL;
}

bool mgr_thread_start(mgr_thread_t *th, const sync_script_t *script, mp_proxy_t *const *handles,
                      size_t nhandles)
{
    memset(th, 0, sizeof *th);
    th->script = *script;
    if (!EXPECT(nhandles <= 4, "%zu handles", nhandles))
        return false;
    for (size_t i = 0; i < nhandles; i++)
        if (!(th->handles[th->nhandles++] = second_handle(handles[i])))
            return false;
    int err = pthread_create(&th->thread, NULL, mgr_thread_main, th);
    th->running = err == 0;
    return EXPECT(err == 0, "pthread_create: %s", strerror(err));
}

void mgr_thread_join(mgr_thread_t *th)
{
    if (th->running)
        pthread_join(th->thread, NULL);
    th->running = false;
    for (size_t i = 0; i < th->nhandles; i++)
        mp_proxy_destroy(th->handles[i]);
    th->nhandles = 0;
}
