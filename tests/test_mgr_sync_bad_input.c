/* Suite "mgr_sync_bad_input": every proxy function of manager_sync.h
 * refuses a NULL proxy (MP_EINVAL), a destroyed one (MP_ECLOSED) and one
 * of another kind (MP_EINVAL, a Lock function on a Queue...), and the
 * constructors and waits refuse bad arguments and timeouts. Run once per
 * start method (the manager's server is a process of that method). */
#include <math.h>

#include "test_mgr_sync_tasks.h"

/* Every kind of object, by the type name its proxy reports. */
enum {
    K_VALUE,
    K_ARRAY,
    K_LOCK,
    K_RLOCK,
    K_SEM,
    K_BSEM,
    K_COND,
    K_EVENT,
    K_BARRIER,
    K_QUEUE,
    K_JQUEUE,
    K_COUNT
};

static int make_kind(mp_manager_t *m, int kind, mp_proxy_t **out)
{
    switch (kind) {
    case K_VALUE: return mp_manager_value(m, NULL, out);
    case K_ARRAY: return mp_manager_array(m, MP_INT64, NULL, out);
    case K_LOCK: return mp_manager_lock(m, out);
    case K_RLOCK: return mp_manager_rlock(m, out);
    case K_SEM: return mp_manager_semaphore(m, 1, out);
    case K_BSEM: return mp_manager_bounded_semaphore(m, 1, out);
    case K_COND: return mp_manager_condition(m, NULL, out);
    case K_EVENT: return mp_manager_event(m, out);
    case K_BARRIER: return mp_manager_barrier(m, 2, out);
    case K_QUEUE: return mp_manager_queue(m, 0, out);
    default: return mp_manager_joinable_queue(m, 0, out);
    }
}

#define BIT(k) (1u << (k))
#define ACQUIRERS (BIT(K_LOCK) | BIT(K_RLOCK) | BIT(K_SEM) | BIT(K_BSEM) | BIT(K_COND))
#define QUEUES (BIT(K_QUEUE) | BIT(K_JQUEUE))

/* One proxy function, called with harmless arguments. */
typedef struct pcall {
    const char *name;
    int (*fn)(mp_proxy_t *p);
    unsigned kinds; /**< the kinds it accepts */
} pcall_t;

static mp_var_t *an_item(void)
{
    static mp_var_t *item; /* kept for the program's life: one int */
    if (!item)
        item = mp_var_int(1);
    return item;
}

static int c_vget(mp_proxy_t *p)
{
    mp_var_t *v = NULL;
    int rc = mp_mvalue_get(p, &v);
    mp_var_free(v);
    return rc;
}
static int c_vset(mp_proxy_t *p)
{
    return mp_mvalue_set(p, an_item());
}
static int c_vgetf(mp_proxy_t *p)
{
    return mp_mvalue_getf(p, "n");
}
static int c_vsetf(mp_proxy_t *p)
{
    return mp_mvalue_setf(p, "i", 1);
}
static int c_alen(mp_proxy_t *p)
{
    return mp_marray_len(p);
}
static int c_aget(mp_proxy_t *p)
{
    mp_var_t *v = NULL;
    int rc = mp_marray_get(p, 0, &v);
    mp_var_free(v);
    return rc;
}
static int c_aset(mp_proxy_t *p)
{
    return mp_marray_set(p, 0, an_item());
}
static int c_acopy(mp_proxy_t *p)
{
    mp_var_t *v = NULL;
    int rc = mp_marray_copy(p, &v);
    mp_var_free(v);
    return rc;
}
static int c_acquire(mp_proxy_t *p)
{
    return mp_mlock_acquire(p, 0);
}
static int c_release(mp_proxy_t *p)
{
    return mp_mlock_release(p);
}
static int c_locked(mp_proxy_t *p)
{
    return mp_mlock_is_locked(p);
}
static int c_semvalue(mp_proxy_t *p)
{
    unsigned v;
    return mp_msemaphore_value(p, &v);
}
static int c_cwait(mp_proxy_t *p)
{
    return mp_mcond_wait(p, 0);
}
static int always(void *ctx)
{
    (void)ctx;
    return 1;
}
static int c_cwaitfor(mp_proxy_t *p)
{
    return mp_mcond_wait_for(p, always, NULL, 0);
}
static int c_notify(mp_proxy_t *p)
{
    return mp_mcond_notify(p, 1);
}
static int c_notify_all(mp_proxy_t *p)
{
    return mp_mcond_notify_all(p);
}
static int c_eset(mp_proxy_t *p)
{
    return mp_mevent_set(p);
}
static int c_eclear(mp_proxy_t *p)
{
    return mp_mevent_clear(p);
}
static int c_eis_set(mp_proxy_t *p)
{
    return mp_mevent_is_set(p);
}
static int c_ewait(mp_proxy_t *p)
{
    return mp_mevent_wait(p, 0);
}
static int c_bwait(mp_proxy_t *p)
{
    return mp_mbarrier_wait(p, 0, NULL);
}
static int c_babort(mp_proxy_t *p)
{
    return mp_mbarrier_abort(p);
}
static int c_breset(mp_proxy_t *p)
{
    return mp_mbarrier_reset(p);
}
static int c_bparties(mp_proxy_t *p)
{
    return mp_mbarrier_parties(p);
}
static int c_bwaiting(mp_proxy_t *p)
{
    return mp_mbarrier_n_waiting(p);
}
static int c_bbroken(mp_proxy_t *p)
{
    return mp_mbarrier_is_broken(p);
}
static int c_qput(mp_proxy_t *p)
{
    return mp_mqueue_put(p, an_item(), 0);
}
static int c_qget(mp_proxy_t *p)
{
    mp_var_t *v = NULL;
    int rc = mp_mqueue_get(p, &v, 0);
    mp_var_free(v);
    return rc;
}
static int c_qputf(mp_proxy_t *p)
{
    return mp_mqueue_putf(p, 0, "i", 1);
}
static int c_qgetf(mp_proxy_t *p)
{
    return mp_mqueue_getf(p, 0, "n");
}
static int c_qsize(mp_proxy_t *p)
{
    return mp_mqueue_qsize(p);
}
static int c_qempty(mp_proxy_t *p)
{
    return mp_mqueue_is_empty(p);
}
static int c_qfull(mp_proxy_t *p)
{
    return mp_mqueue_is_full(p);
}
static int c_qdone(mp_proxy_t *p)
{
    return mp_mqueue_task_done(p);
}
static int c_qjoin(mp_proxy_t *p)
{
    return mp_mqueue_join(p, 0);
}

static const pcall_t calls[] = {
    {"mp_mvalue_get", c_vget, BIT(K_VALUE)},
    {"mp_mvalue_set", c_vset, BIT(K_VALUE)},
    {"mp_mvalue_getf", c_vgetf, BIT(K_VALUE)},
    {"mp_mvalue_setf", c_vsetf, BIT(K_VALUE)},
    {"mp_marray_len", c_alen, BIT(K_ARRAY)},
    {"mp_marray_get", c_aget, BIT(K_ARRAY)},
    {"mp_marray_set", c_aset, BIT(K_ARRAY)},
    {"mp_marray_copy", c_acopy, BIT(K_ARRAY)},
    {"mp_mlock_acquire", c_acquire, ACQUIRERS},
    {"mp_mlock_release", c_release, ACQUIRERS},
    {"mp_mlock_is_locked", c_locked, BIT(K_LOCK) | BIT(K_RLOCK)},
    {"mp_msemaphore_value", c_semvalue, BIT(K_SEM) | BIT(K_BSEM)},
    {"mp_mcond_wait", c_cwait, BIT(K_COND)},
    {"mp_mcond_wait_for", c_cwaitfor, BIT(K_COND)},
    {"mp_mcond_notify", c_notify, BIT(K_COND)},
    {"mp_mcond_notify_all", c_notify_all, BIT(K_COND)},
    {"mp_mevent_set", c_eset, BIT(K_EVENT)},
    {"mp_mevent_clear", c_eclear, BIT(K_EVENT)},
    {"mp_mevent_is_set", c_eis_set, BIT(K_EVENT)},
    {"mp_mevent_wait", c_ewait, BIT(K_EVENT)},
    {"mp_mbarrier_wait", c_bwait, BIT(K_BARRIER)},
    {"mp_mbarrier_abort", c_babort, BIT(K_BARRIER)},
    {"mp_mbarrier_reset", c_breset, BIT(K_BARRIER)},
    {"mp_mbarrier_parties", c_bparties, BIT(K_BARRIER)},
    {"mp_mbarrier_n_waiting", c_bwaiting, BIT(K_BARRIER)},
    {"mp_mbarrier_is_broken", c_bbroken, BIT(K_BARRIER)},
    {"mp_mqueue_put", c_qput, QUEUES},
    {"mp_mqueue_get", c_qget, QUEUES},
    {"mp_mqueue_putf", c_qputf, QUEUES},
    {"mp_mqueue_getf", c_qgetf, QUEUES},
    {"mp_mqueue_qsize", c_qsize, QUEUES},
    {"mp_mqueue_is_empty", c_qempty, QUEUES},
    {"mp_mqueue_is_full", c_qfull, QUEUES},
    {"mp_mqueue_task_done", c_qdone, BIT(K_JQUEUE)},
    {"mp_mqueue_join", c_qjoin, BIT(K_JQUEUE)},
};
enum { NCALLS = sizeof calls / sizeof calls[0] };

/* Every function, on NULL, on every kind it does not take, and on a
 * destroyed proxy of a kind it takes. */
static void test_handles(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *p[K_COUNT] = {0}, *gone[K_COUNT] = {0};
    if (!m)
        return;
    for (int k = 0; k < K_COUNT; k++)
        if (!EXPECT_RC(make_kind(m, k, &p[k]), 0) || !EXPECT_RC(make_kind(m, k, &gone[k]), 0))
            goto out;
    for (int k = 0; k < K_COUNT; k++)
        mp_proxy_destroy(gone[k]);
    for (int c = 0; c < NCALLS; c++) {
        int rc = calls[c].fn(NULL);
        EXPECT(rc == MP_EINVAL, "%s(NULL): %s", calls[c].name, mp_err_name(rc));
        for (int k = 0; k < K_COUNT; k++) {
            if (calls[c].kinds & BIT(k)) {
                rc = calls[c].fn(gone[k]);
                EXPECT(rc == MP_ECLOSED, "%s(destroyed %s): %s", calls[c].name, mp_proxy_type(p[k]),
                       mp_err_name(rc));
            } else {
                rc = calls[c].fn(p[k]);
                EXPECT(rc == MP_EINVAL, "%s(%s): %s", calls[c].name, mp_proxy_type(p[k]),
                       mp_err_name(rc));
            }
        }
    }
    /* None of the refused calls touched an object. */
    EXPECT_EQ(mp_mlock_is_locked(p[K_LOCK]), 0);
    EXPECT_EQ(mp_mqueue_qsize(p[K_QUEUE]), 0);
    EXPECT_EQ(mp_mevent_is_set(p[K_EVENT]), 0);
out:
    for (int k = 0; k < K_COUNT; k++)
        mp_proxy_destroy(p[k]);
    mp_manager_destroy(m);
}

/* Negative and NaN timeouts: MP_EINVAL at once, nothing taken or given. */
static void test_timeouts(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *l = NULL, *c = NULL, *e = NULL, *b = NULL, *q = NULL;
    mp_var_t *v = NULL;
    if (!m || !EXPECT_RC(mp_manager_lock(m, &l), 0) ||
        !EXPECT_RC(mp_manager_condition(m, NULL, &c), 0) ||
        !EXPECT_RC(mp_manager_event(m, &e), 0) || !EXPECT_RC(mp_manager_barrier(m, 1, &b), 0) ||
        !EXPECT_RC(mp_manager_joinable_queue(m, 1, &q), 0))
        goto out;
    const double bad[] = {-1.0, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double t = bad[i];
        EXPECT_RC(mp_mlock_acquire(l, t), MP_EINVAL);
        EXPECT_RC(mp_mlock_acquire(c, MP_FOREVER), 0);
        EXPECT_RC(mp_mcond_wait(c, t), MP_EINVAL);
        EXPECT_RC(mp_mcond_wait_for(c, always, NULL, t), MP_EINVAL);
        EXPECT_RC(mp_mlock_release(c), 0); /* still held once, released once */
        EXPECT_RC(mp_mevent_wait(e, t), MP_EINVAL);
        EXPECT_RC(mp_mbarrier_wait(b, t, NULL), MP_EINVAL);
        EXPECT_RC(mp_mqueue_put(q, an_item(), t), MP_EINVAL);
        EXPECT_RC(mp_mqueue_putf(q, t, "i", 1), MP_EINVAL);
        EXPECT_RC(mp_mqueue_get(q, &v, t), MP_EINVAL);
        EXPECT_RC(mp_mqueue_getf(q, t, "n"), MP_EINVAL);
        EXPECT_RC(mp_mqueue_join(q, t), MP_EINVAL);
    }
    EXPECT_EQ(mp_mlock_is_locked(l), 0);
    EXPECT_EQ(mp_mqueue_qsize(q), 0);
    EXPECT_EQ(mp_mbarrier_is_broken(b), 0);
out:
    mp_proxy_destroy(q);
    mp_proxy_destroy(b);
    mp_proxy_destroy(e);
    mp_proxy_destroy(c);
    mp_proxy_destroy(l);
    mp_manager_destroy(m);
}

/* NULL out-pointers, formats, items and predicates. */
static void test_null_arguments(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *v = NULL, *s = NULL, *c = NULL, *q = NULL;
    if (!m || !EXPECT_RC(mp_manager_value(m, NULL, &v), 0) ||
        !EXPECT_RC(mp_manager_semaphore(m, 1, &s), 0) ||
        !EXPECT_RC(mp_manager_condition(m, NULL, &c), 0) ||
        !EXPECT_RC(mp_manager_queue(m, 0, &q), 0))
        goto out;
    EXPECT_RC(mp_mvalue_get(v, NULL), MP_EINVAL);
    EXPECT_RC(mp_mvalue_set(v, NULL), MP_EINVAL);
    EXPECT_RC(mp_mvalue_getf(v, NULL), MP_EINVAL);
    EXPECT_RC(mp_mvalue_setf(v, NULL), MP_EINVAL);
    EXPECT_RC(mp_mvalue_setf(v, "[i"), MP_EINVAL); /* malformed */
    EXPECT_RC(mp_msemaphore_value(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_mlock_acquire(c, 0), 0);
    EXPECT_RC(mp_mcond_wait_for(c, NULL, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_mlock_release(c), 0);
    EXPECT_RC(mp_mqueue_put(q, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_mqueue_get(q, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_mqueue_putf(q, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_mqueue_getf(q, 0, NULL), MP_EINVAL);
    EXPECT_EQ(mp_mqueue_qsize(q), 0);
out:
    mp_proxy_destroy(q);
    mp_proxy_destroy(c);
    mp_proxy_destroy(s);
    mp_proxy_destroy(v);
    mp_manager_destroy(m);
}

/* The constructors: NULL or destroyed manager, NULL out, values out of
 * range, a Condition over something that is not a lock. */
static void test_constructors(void)
{
    mp_manager_t *m = start_manager(), *gone = start_manager();
    mp_proxy_t *p = NULL, *e = NULL, *lock = NULL;
    mp_manager_destroy(gone); /* from here on, a destroyed handle */
    if (!m || !gone)
        goto out;
    for (int k = 0; k < K_COUNT; k++) {
        EXPECT_RC(make_kind(NULL, k, &p), MP_EINVAL);
        EXPECT_RC(make_kind(gone, k, &p), MP_ECLOSED);
        EXPECT_RC(make_kind(m, k, NULL), MP_EINVAL);
    }
    EXPECT_RC(mp_manager_semaphore(m, (1u << 30) + 1, &p), MP_EINVAL);
    EXPECT_RC(mp_manager_bounded_semaphore(m, UINT32_MAX, &p), MP_EINVAL);
    EXPECT_RC(mp_manager_barrier(m, 0, &p), MP_EINVAL);
    EXPECT_RC(mp_manager_barrier(m, 65537, &p), MP_EINVAL);
    EXPECT_RC(mp_manager_queue(m, SIZE_MAX, &p), MP_EINVAL);
    EXPECT_RC(mp_manager_joinable_queue(m, SIZE_MAX, &p), MP_EINVAL);
    if (EXPECT_RC(mp_manager_event(m, &e), 0))
        EXPECT_RC(mp_manager_condition(m, e, &p), MP_EINVAL);
    if (EXPECT_RC(mp_manager_lock(m, &lock), 0)) {
        mp_proxy_destroy(lock);
        EXPECT_RC(mp_manager_condition(m, lock, &p), MP_ECLOSED);
    }
    EXPECT(p == NULL, "a proxy was made");
out:
    mp_proxy_destroy(p);
    mp_proxy_destroy(e);
    mp_manager_destroy(m);
}

static const test_case_t tests[] = {
    {"handles", test_handles, ON_ALL},
    {"timeouts", test_timeouts, ON_ALL},
    {"null_arguments", test_null_arguments, ON_ALL},
    {"constructors", test_constructors, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_sync_bad_input = {"mgr_sync_bad_input", true, tests};
