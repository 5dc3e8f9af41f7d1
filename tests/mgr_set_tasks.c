/* The children of the mgr_set and mgr_nested suites (mgr_set_tasks.h).
 * Each gets its proxies with mp_task_proxy() and fails with what it read
 * when a check does not hold. */
#include <stdbool.h>
#include <stdint.h>

#include "mgr_helpers.h" /* MGR_WAIT_S */
#include "mgr_set_tasks.h"

/* A call that must succeed (rc >= 0): its failure is the task's. */
static int ok(mp_task_t *t, int rc, const char *what)
{
    return rc < 0 ? mp_task_fail(t, rc, "%s: %s: %s", what, mp_err_name(rc), mp_errdetail()) : 0;
}

/* A call answering 1 / 0 / a count must answer `want`. */
static int answers(mp_task_t *t, int got, int want, const char *what)
{
    if (got < 0)
        return ok(t, got, what);
    return got == want ? 0 : mp_task_fail(t, MP_EINVAL, "%s is %d, expected %d", what, got, want);
}

/* The parent made {1, 2, 'a'}: check it, then add "child", remove 2 and
 * discard an absent 99; the parent sees [1, 'a', 'child']. */
int task_mgr_set_child(mp_task_t *t)
{
    mp_proxy_t *s = NULL;
    mp_var_t *one = mp_var_int(1), *two = mp_var_int(2), *absent = mp_var_int(99);
    mp_var_t *mine = mp_var_str(MGR_SET_CHILD_MEMBER);
    int rc = ok(t, mp_task_proxy(t, 0, &s), "mp_task_proxy");
    if (rc == 0)
        rc = answers(t, mp_set_len(s), 3, "len(s)");
    if (rc == 0)
        rc = answers(t, mp_set_contains(s, one), 1, "1 in s");
    if (rc == 0)
        rc = answers(t, mp_set_contains(s, absent), 0, "99 in s");
    if (rc == 0)
        rc = ok(t, mp_set_add(s, mine), "s.add('child')");
    if (rc == 0)
        rc = ok(t, mp_set_remove(s, two), "s.remove(2)");
    if (rc == 0)
        rc = ok(t, mp_set_discard(s, absent), "s.discard(99)");
    mp_var_free(one);
    mp_var_free(two);
    mp_var_free(absent);
    mp_var_free(mine);
    return rc;
}

/* Pop from the set (proxy 0) until it is empty (MP_EKEY), appending each
 * member taken to the list (proxy 1): racing children must take each
 * member once. */
int task_mgr_set_popper(mp_task_t *t)
{
    mp_proxy_t *s = NULL, *taken = NULL;
    int rc = ok(t, mp_task_proxy(t, 0, &s), "mp_task_proxy(0)");
    if (rc == 0)
        rc = ok(t, mp_task_proxy(t, 1, &taken), "mp_task_proxy(1)");
    while (rc == 0) {
        mp_var_t *member = NULL;
        int popped = mp_set_pop(s, &member);
        if (popped == MP_EKEY)
            break; /* empty: every member is taken */
        rc = ok(t, popped, "s.pop()");
        if (rc == 0)
            rc = ok(t, mp_list_append(taken, member), "taken.append");
        mp_var_free(member);
    }
    return rc;
}

/* The queue's reference, read from the container (proxy 0) where the
 * argument says, opened and put to. */
int task_mgr_nested_queue(mp_task_t *t)
{
    mp_proxy_t *outer = NULL, *q = NULL;
    mp_var_t *ref = NULL, *key = mp_var_str(MGR_NESTED_QUEUE_KEY);
    int64_t where = -1;
    int rc = ok(t, mp_task_proxy(t, 0, &outer), "mp_task_proxy");
    if (rc == 0)
        rc = ok(t, mp_task_arg_i64(t, &where), "argument");
    if (rc == 0 && where == MGR_NESTED_IN_DICT)
        rc = ok(t, mp_dict_get(outer, key, NULL, &ref), "d['queue']");
    else if (rc == 0)
        rc = ok(t, mp_list_get(outer, 0, &ref), "l[0]");
    if (rc == 0)
        rc = ok(t, mp_proxy_open(&q, outer, ref), "mp_proxy_open");
    if (rc == 0)
        rc = ok(t, mp_mqueue_putf(q, MGR_WAIT_S, "s", MGR_NESTED_ITEM), "q.put");
    mp_proxy_destroy(q);
    mp_var_free(ref);
    mp_var_free(key);
    return rc;
}

/* d[key] += 1, the read and the write two calls. */
static int increment(mp_task_t *t, mp_proxy_t *d, const char *key)
{
    int64_t n = 0;
    int rc = ok(t, mp_dict_getf(d, key, "I", &n), "get");
    return rc < 0 ? rc : ok(t, mp_dict_setf(d, key, "I", n + 1), "set");
}

/* MGR_COUNTER_STEPS times, holding the Lock (proxy 1): increment the dict's
 * (proxy 0) total, and its "even" counter every second time. Without the
 * lock, two children reading the same n would lose an increment. */
int task_mgr_locked_counter(mp_task_t *t)
{
    mp_proxy_t *d = NULL, *lock = NULL;
    int rc = ok(t, mp_task_proxy(t, 0, &d), "mp_task_proxy(0)");
    if (rc == 0)
        rc = ok(t, mp_task_proxy(t, 1, &lock), "mp_task_proxy(1)");
    for (int i = 0; rc == 0 && i < MGR_COUNTER_STEPS; i++) {
        if ((rc = ok(t, mp_mlock_acquire(lock, MGR_WAIT_S), "acquire")) < 0)
            break;
        rc = increment(t, d, MGR_COUNTER_TOTAL);
        if (rc == 0 && i % 2 == 0)
            rc = increment(t, d, MGR_COUNTER_EVEN);
        int released = ok(t, mp_mlock_release(lock), "release"); /* also after a failure */
        rc = rc < 0 ? rc : released;
    }
    return rc;
}
