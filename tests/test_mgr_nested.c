/* Suite "mgr_nested": proxies reached through other proxies and several
 * proxies used together (checklist item 114's second half, CPython's
 * test_nested_queue): a manager Queue whose reference is stored in a
 * managed dict and in a managed list is used by a child through the
 * container; and children incrementing counters in one managed dict under
 * a managed Lock lose no increment. Run once per start method. */
#include "helpers.h"
#include "mgr_data_tasks.h" /* V(), EXPECT_OUT, mgr_done, run_proxy_child, run_racers_with */
#include "mgr_set_tasks.h"

/* How many children increment the counters at once. */
enum { COUNTER_CHILDREN = 4 };

/* A Queue on `m`, its reference stored in `outer` (a dict under
 * MGR_NESTED_QUEUE_KEY, or a list at 0, as `where` says); a child reads it
 * from there and puts MGR_NESTED_ITEM, which the parent's own proxy of the
 * queue gets. */
static void nested_queue(int where)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *q = NULL, *outer = NULL;
    mp_var_t *ref = NULL, *item = NULL;
    if (!m || !EXPECT_RC(mp_manager_queue(m, 0, &q), 0) || !EXPECT_RC(mp_proxy_ref(q, &ref), 0)) {
        mgr_done(m, q, NULL);
        return;
    }
    if (where == MGR_NESTED_IN_DICT && EXPECT_RC(mp_manager_dict(m, &outer), 0))
        EXPECT_RC(mp_dict_set(outer, V("s", MGR_NESTED_QUEUE_KEY), ref), 0);
    else if (where == MGR_NESTED_IN_LIST && EXPECT_RC(mp_manager_list(m, &outer), 0))
        EXPECT_RC(mp_list_append(outer, ref), 0);
    mp_var_free(ref);
    if (outer && run_proxy_child("task_mgr_nested_queue", where, outer, NULL))
        EXPECT_OUT(mp_mqueue_get(q, &item, MGR_WAIT_S), item, "'" MGR_NESTED_ITEM "'");
    EXPECT_EQ(mp_mqueue_qsize(q), 0);
    mgr_done(m, q, outer);
}

static void test_queue_in_dict(void)
{
    nested_queue(MGR_NESTED_IN_DICT);
}

static void test_queue_in_list(void)
{
    nested_queue(MGR_NESTED_IN_LIST);
}

/* COUNTER_CHILDREN children at once, each MGR_COUNTER_STEPS times: under
 * the Lock, d["total"] = d["total"] + 1 (and "even" every second step) as
 * a get then a set. Without the lock two children would read the same
 * count and one increment would be lost; with it the totals are exact. */
static void test_locked_counters(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *d = NULL, *lock = NULL;
    int64_t total = -1, even = -1;
    if (!m || !EXPECT_RC(mp_manager_dict(m, &d), 0) || !EXPECT_RC(mp_manager_lock(m, &lock), 0)) {
        mgr_done(m, d, lock);
        return;
    }
    EXPECT_RC(mp_dict_setf(d, MGR_COUNTER_TOTAL, "i", 0), 0);
    EXPECT_RC(mp_dict_setf(d, MGR_COUNTER_EVEN, "i", 0), 0);
    run_racers_with("task_mgr_locked_counter", d, lock, COUNTER_CHILDREN); /* asserted */
    if (EXPECT_RC(mp_dict_getf(d, MGR_COUNTER_TOTAL, "I", &total), 0))
        EXPECT_EQ(total, COUNTER_CHILDREN * MGR_COUNTER_STEPS);
    if (EXPECT_RC(mp_dict_getf(d, MGR_COUNTER_EVEN, "I", &even), 0))
        EXPECT_EQ(even, COUNTER_CHILDREN * MGR_COUNTER_STEPS / 2);
    EXPECT_EQ(mp_mlock_is_locked(lock), 0); /* every child released it */
    mgr_done(m, d, lock);
}

static const test_case_t tests[] = {
    {"queue_in_dict", test_queue_in_dict, ON_ALL},
    {"queue_in_list", test_queue_in_list, ON_ALL},
    {"locked_counters", test_locked_counters, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_mgr_nested = {"mgr_nested", true, tests};
