/* Suite "mgr_queue": a manager's Queue and JoinableQueue through proxies,
 * across processes (checklist items 58-60, 62-63, +mgr). Run once per
 * start method. */
#include <math.h>
#include <string.h>

#include "test_mgr_sync_tasks.h"

/* An int taken from the queue, or INT64_MIN (asserted). */
static int64_t get_int(mp_proxy_t *q, double timeout)
{
    int64_t n = INT64_MIN;
    EXPECT_RC(mp_mqueue_getf(q, timeout, "I", &n), 0);
    return n;
}

/* Checklist items 58-59 +mgr: Queue(6) is empty, takes six puts in every
 * form and is full; then a put fails with MP_EFULL at once without a
 * timeout and after about t with one; a child drains it. */
static void test_put(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *q = NULL;
    mp_var_t *item = mp_var_int(0);
    if (!m || !EXPECT_RC(mp_manager_queue(m, 6, &q), 0))
        goto out;
    EXPECT_STR(mp_proxy_type(q), "Queue");
    EXPECT_EQ(mp_mqueue_is_empty(q), 1);
    EXPECT_EQ(mp_mqueue_is_full(q), 0);
    EXPECT_RC(mp_mqueue_put(q, item, MP_FOREVER), 0);             /* put(x) */
    EXPECT_RC(mp_mqueue_put(q, item, 1.0), 0);                    /* put(x, True, 1) */
    EXPECT_RC(mp_mqueue_put(q, item, 0), 0);                      /* put(x, False) */
    EXPECT_RC(mp_mqueue_putf(q, MP_FOREVER, "I", (int64_t)3), 0); /* formatted */
    EXPECT_RC(mp_mqueue_putf(q, 0, "i", 4), 0);
    EXPECT_RC(mp_mqueue_putf(q, 0.5, "i", 5), 0);
    EXPECT_EQ(mp_mqueue_is_empty(q), 0);
    EXPECT_EQ(mp_mqueue_is_full(q), 1);
    EXPECT_EQ(mp_mqueue_qsize(q), 6);
    double t0 = now_s();
    EXPECT_RC(mp_mqueue_put(q, item, 0), MP_EFULL);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_mqueue_put(q, item, 0.3), MP_EFULL);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    sync_script_t s = {{{0}}};
    for (int i = 0; i < 6; i++)
        s.steps[i] = (sync_step_t){MOP_QUEUE_GET, 0, 0};
    s.steps[6] = (sync_step_t){MOP_QUEUE_GET, 0, 0}; /* empty by now */
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(q)}), &r))
        EXPECT_RCS(r, 0, 0, 0, 3, 4, 5, MP_EEMPTY);
    EXPECT_EQ(mp_mqueue_is_empty(q), 1);
    EXPECT_EQ(mp_mqueue_is_full(q), 0);
out:
    mp_var_free(item);
    mp_proxy_destroy(q);
    mp_manager_destroy(m);
}

/* Checklist item 60 +mgr: a child's puts come out FIFO through every get
 * form; on an empty queue a get fails with MP_EEMPTY at once without a
 * timeout and after about t with one. */
static void test_get(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *q = NULL;
    mp_var_t *v = NULL;
    if (!m || !EXPECT_RC(mp_manager_queue(m, 0, &q), 0))
        goto out;
    sync_script_t s = {{{0}}};
    for (int i = 0; i < 5; i++)
        s.steps[i] = (sync_step_t){MOP_QUEUE_PUT, 0, 10 + i};
    script_rcs_t r;
    if (script_result(start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(q)}), &r))
        EXPECT_RCS(r, 0, 0, 0, 0, 0);
    EXPECT_EQ(get_int(q, 0), 10);          /* get_nowait */
    EXPECT_EQ(get_int(q, MP_FOREVER), 11); /* get(True, None) */
    EXPECT_EQ(get_int(q, 1.0), 12);        /* get(timeout=1) */
    int64_t n = 0;
    if (EXPECT_RC(mp_mqueue_get(q, &v, MP_FOREVER), 0) && EXPECT_RC(mp_var_get_int(v, &n), 0))
        EXPECT_EQ(n, 13);
    mp_var_free(v);
    v = NULL;
    EXPECT_EQ(get_int(q, 0.5), 14);
    double t0 = now_s();
    EXPECT_RC(mp_mqueue_get(q, &v, 0), MP_EEMPTY);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_mqueue_get(q, &v, 0.3), MP_EEMPTY);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT(v == NULL, "a value was handed out");
out:
    mp_var_free(v);
    mp_proxy_destroy(q);
    mp_manager_destroy(m);
}

/* Checklist item 62 +mgr: qsize reads 0, 1, 2, 1, 0; an unbounded queue
 * is never full. */
static void test_qsize(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *q = NULL;
    if (!m || !EXPECT_RC(mp_manager_queue(m, 0, &q), 0))
        goto out;
    EXPECT_EQ(mp_mqueue_qsize(q), 0);
    EXPECT_RC(mp_mqueue_putf(q, 0, "i", 1), 0);
    EXPECT_EQ(mp_mqueue_qsize(q), 1);
    EXPECT_RC(mp_mqueue_putf(q, 0, "i", 2), 0);
    EXPECT_EQ(mp_mqueue_qsize(q), 2);
    EXPECT_EQ(mp_mqueue_is_full(q), 0);
    EXPECT_EQ(get_int(q, 0), 1);
    EXPECT_EQ(mp_mqueue_qsize(q), 1);
    EXPECT_EQ(get_int(q, 0), 2);
    EXPECT_EQ(mp_mqueue_qsize(q), 0);
out:
    mp_proxy_destroy(q);
    mp_manager_destroy(m);
}

enum { WORKERS = 4, ITEMS = 10 };

/* Checklist item 63 +mgr: 4 worker children mark every item done, and
 * join() returns once all 10 are; each item was seen once (their sum). */
static void test_task_done(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *q = NULL, *total = NULL, *lock = NULL;
    mp_process_t *w[WORKERS] = {0};
    mp_var_t *zero = mp_var_int(0), *nil = mp_var_nil();
    if (!m || !EXPECT_RC(mp_manager_joinable_queue(m, 0, &q), 0) ||
        !EXPECT_RC(mp_manager_value(m, zero, &total), 0) ||
        !EXPECT_RC(mp_manager_lock(m, &lock), 0))
        goto out;
    EXPECT_STR(mp_proxy_type(q), "JoinableQueue");
    EXPECT_RC(mp_mqueue_join(q, 0), 0); /* nothing put: done */
    for (int i = 0; i < WORKERS; i++)
        w[i] = start_process(
            &(mp_process_opts_t){.task = "task_mgr_queue_worker", MP_OBJECTS(q, total, lock)});
    for (int i = 1; i <= ITEMS; i++)
        EXPECT_RC(mp_mqueue_putf(q, MP_FOREVER, "i", i), 0);
    EXPECT_RC(mp_mqueue_join(q, REACH_LIMIT_S), 0);
    int64_t sum = 0;
    EXPECT_RC(mp_mvalue_getf(total, "I", &sum), 0);
    EXPECT_EQ(sum, ITEMS * (ITEMS + 1) / 2);
    for (int i = 0; i < WORKERS; i++)
        EXPECT_RC(mp_mqueue_put(q, nil, MP_FOREVER), 0);
    for (int i = 0; i < WORKERS; i++)
        if (w[i] && EXPECT_RC(mp_process_join(w[i], JOIN_LIMIT_S), 0))
            EXPECT_EQ(exitcode_of(w[i]), 0);
    EXPECT_RC(mp_mqueue_join(q, 0), 0);
    EXPECT_RC(mp_mqueue_task_done(q), MP_EINVAL); /* once too often */
out:
    for (int i = 0; i < WORKERS; i++)
        dispose_process(w[i]);
    mp_var_free(zero);
    mp_var_free(nil);
    mp_proxy_destroy(lock);
    mp_proxy_destroy(total);
    mp_proxy_destroy(q);
    mp_manager_destroy(m);
}

/* join() waits for the items not yet done: after about t it gives up;
 * once they are done it returns at once. */
static void test_join_timeout(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *q = NULL;
    if (!m || !EXPECT_RC(mp_manager_joinable_queue(m, 0, &q), 0))
        goto out;
    EXPECT_RC(mp_mqueue_putf(q, 0, "i", 1), 0);
    EXPECT_EQ(get_int(q, 0), 1);
    double t0 = now_s();
    EXPECT_RC(mp_mqueue_join(q, 0.3), MP_ETIMEDOUT); /* taken, not done */
    EXPECT_ABOUT(now_s() - t0, 0.3);
    EXPECT_RC(mp_mqueue_task_done(q), 0);
    t0 = now_s();
    EXPECT_RC(mp_mqueue_join(q, MP_FOREVER), 0);
    EXPECT_IMMEDIATE(now_s() - t0);
out:
    mp_proxy_destroy(q);
    mp_manager_destroy(m);
}

/* Formatted items of any shape; a getf whose format does not match still
 * takes the item (Python's get then a failed unpickle). */
static void test_formatted(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *q = NULL;
    if (!m || !EXPECT_RC(mp_manager_queue(m, 0, &q), 0))
        goto out;
    EXPECT_RC(mp_mqueue_putf(q, 0, "{s:s, s:y}", "name", "job", "data", "\0\1", (size_t)2), 0);
    char *name = NULL;
    void *data = NULL;
    size_t len = 0;
    EXPECT_RC(mp_mqueue_getf(q, 0, "{s:s, s:y}", "name", &name, "data", &data, &len), 0);
    EXPECT_STR(name, "job");
    EXPECT(len == 2 && data && memcmp(data, "\0\1", 2) == 0, "bytes of %zu", len);
    mp_free(name);
    mp_free(data);
    EXPECT_RC(mp_mqueue_putf(q, 0, "s", "text"), 0);
    int64_t n = 0;
    EXPECT_RC(mp_mqueue_getf(q, 0, "I", &n), MP_EINVAL);
    EXPECT_EQ(mp_mqueue_qsize(q), 0);
out:
    mp_proxy_destroy(q);
    mp_manager_destroy(m);
}

/* A getter blocked in a child is woken by the parent's put. */
static void test_blocked_get(void)
{
    mp_manager_t *m = start_manager();
    mp_proxy_t *q = NULL, *ready = NULL;
    if (!m || !EXPECT_RC(mp_manager_queue(m, 1, &q), 0) ||
        !EXPECT_RC(mp_manager_event(m, &ready), 0))
        goto out;
    sync_script_t s = {{{MOP_EVENT_SET, 1, 0}, {MOP_QUEUE_GET, 0, REACH_LIMIT_S}}};
    mp_process_t *p = start_process(&(mp_process_opts_t){MGR_SCRIPT_TASK(s), MP_OBJECTS(q, ready)});
    if (p && EXPECT_RC(mp_mevent_wait(ready, REACH_LIMIT_S), 0)) {
        sleep_s(0.2); /* most likely inside its get by now; either way it gets the item */
        EXPECT_RC(mp_mqueue_putf(q, MP_FOREVER, "i", 77), 0);
    }
    script_rcs_t r;
    if (script_result(p, &r))
        EXPECT_RCS(r, 0, 77);
    dispose_process(p);
out:
    mp_proxy_destroy(ready);
    mp_proxy_destroy(q);
    mp_manager_destroy(m);
}

static const test_case_t tests[] = {
    {"put", test_put, ON_ALL},
    {"get", test_get, ON_ALL},
    {"qsize", test_qsize, ON_ALL},
    {"task_done", test_task_done, ON_ALL},
    {"join_timeout", test_join_timeout, ON_ALL},
    {"formatted", test_formatted, ON_ALL},
    {"blocked_get", test_blocked_get, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_queue = {"mgr_queue", true, tests};
