/* Suite "mgr_pool": a Pool held by a manager's server, through its proxy
 * (manager_pool.h; checklist items 121 and 123-128 +mgr). Run once per
 * start method: the pool's workers are spawned whatever the method. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "mgr_pool_tasks.h"
#include "platform.h"
#include "pool_tasks.h"

/* An int64 as the bytes a task reads with mp_task_arg_i64(). */
static mp_var_t *i64_bytes(int64_t v)
{
    return mp_var_bytes(&v, sizeof v);
}

/* The int64 in a result's bytes, or INT64_MIN (asserted). */
static int64_t bytes_i64(const mp_var_t *v)
{
    const void *data = NULL;
    size_t len = 0;
    int64_t n = INT64_MIN;
    if (EXPECT_RC(mp_var_get_bytes(v, &data, &len), 0) &&
        EXPECT(len == sizeof n, "a result of %zu bytes", len))
        memcpy(&n, data, sizeof n);
    return n;
}

/* The list [bytes(0), ..., bytes(n - 1)] of int64s. */
static mp_var_t *i64_list(int n)
{
    mp_var_t *list = mp_var_list();
    for (int i = 0; list && i < n; i++)
        if (mp_var_append(list, i64_bytes(i)) < 0) {
            mp_var_free(list);
            return NULL;
        }
    return list;
}

/* A pool of `workers` on a fresh manager of the suite's method. */
static mp_proxy_t *start_pool(mp_manager_t **m, unsigned workers)
{
    mp_proxy_t *p = NULL;
    *m = mgr_start(NULL);
    if (*m && EXPECT_RC(mp_manager_pool(*m, workers, &p), 0))
        EXPECT_STR(mp_proxy_type(p), "Pool");
    return p;
}

static void stop_pool(mp_manager_t *m, mp_proxy_t *p)
{
    mp_proxy_destroy(p);
    mp_manager_destroy(m);
}

/* Item 123 +mgr: apply gives the task's result bytes: a square, and bytes
 * of any length echoed back (none too). */
static void test_apply(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 2);
    mp_var_t *arg = i64_bytes(12), *text = mp_var_bytes("abc", 3), *r = NULL;
    if (!p)
        goto out;
    if (EXPECT_RC(mp_mpool_apply(p, "task_square", arg, &r, MP_FOREVER), 0))
        EXPECT_EQ(bytes_i64(r), 144);
    mp_var_free(r);
    r = NULL;
    const void *data = NULL;
    size_t len = 0;
    if (EXPECT_RC(mp_mpool_apply(p, "task_echo", text, &r, MGR_WAIT_S), 0) &&
        EXPECT_RC(mp_var_get_bytes(r, &data, &len), 0))
        EXPECT(len == 3 && memcmp(data, "abc", 3) == 0, "echo gave %zu bytes", len);
    mp_var_free(r);
    r = NULL;
    if (EXPECT_RC(mp_mpool_apply(p, "task_echo", NULL, &r, MGR_WAIT_S), 0) &&
        EXPECT_RC(mp_var_get_bytes(r, &data, &len), 0))
        EXPECT_EQ(len, 0);
out:
    mp_var_free(r);
    mp_var_free(arg);
    mp_var_free(text);
    stop_pool(m, p);
}

/* A map of task_square over 0..n-1 must match the serial squares. */
static void expect_map_squares(mp_proxy_t *p, int n)
{
    mp_var_t *args = i64_list(n), *r = NULL;
    if (EXPECT(args != NULL, "no list") &&
        EXPECT_RC(mp_mpool_map(p, "task_square", args, &r, MGR_WAIT_S), 0) &&
        EXPECT_EQ(mp_var_len(r), (size_t)n))
        for (int i = 0; i < n; i++)
            EXPECT_EQ(bytes_i64(mp_var_at(r, (size_t)i)), (int64_t)i * i);
    mp_var_free(r);
    mp_var_free(args);
}

/* Items 123 and 125 +mgr: map of 10 and 100 items matches a serial map;
 * arguments of different lengths come back as they were; an empty input
 * gives []. */
static void test_map(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 3);
    mp_var_t *args = mp_var_list(), *r = NULL;
    if (!p || !args)
        goto out;
    expect_map_squares(p, 10);
    expect_map_squares(p, 100);
    static const char text[] = "0123456789";
    for (size_t i = 0; i < 10; i++)
        mp_var_append(args, mp_var_bytes(text, i));
    if (EXPECT_RC(mp_mpool_map(p, "task_echo", args, &r, MGR_WAIT_S), 0) &&
        EXPECT_EQ(mp_var_len(r), 10))
        for (size_t i = 0; i < 10; i++) {
            const void *data = NULL;
            size_t len = 0;
            EXPECT_RC(mp_var_get_bytes(mp_var_at(r, i), &data, &len), 0);
            EXPECT(len == i && (i == 0 || memcmp(data, text, i) == 0), "item %zu: %zu bytes", i,
                   len);
        }
    mp_var_free(r);
    r = NULL;
    mp_var_free(args);
    args = mp_var_list();
    if (EXPECT_RC(mp_mpool_map(p, "task_square", args, &r, MGR_WAIT_S), 0))
        EXPECT_EQ(mp_var_len(r), 0);
out:
    mp_var_free(r);
    mp_var_free(args);
    stop_pool(m, p);
}

/* Item 123 +mgr: starmap's tuples reach the task as its arguments in
 * order (task_pool_digits folds them as digits). */
static void test_starmap(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 2);
    mp_var_t *args = mp_var_list(), *r = NULL;
    enum { N = 10 };
    if (!p || !args)
        goto out;
    for (int i = 0; i < N; i++) {
        mp_var_t *tuple = mp_var_list();
        mp_var_append(tuple, i64_bytes(i));
        mp_var_append(tuple, i64_bytes(i + 1));
        mp_var_append(tuple, i64_bytes(2 * i));
        mp_var_append(args, tuple);
    }
    if (EXPECT_RC(mp_mpool_starmap(p, "task_pool_digits", args, &r, MGR_WAIT_S), 0) &&
        EXPECT_EQ(mp_var_len(r), N))
        for (int i = 0; i < N; i++)
            EXPECT_EQ(bytes_i64(mp_var_at(r, (size_t)i)),
                      ((int64_t)i * POOL_DIGIT_BASE + i + 1) * POOL_DIGIT_BASE + 2 * i);
out:
    mp_var_free(r);
    mp_var_free(args);
    stop_pool(m, p);
}

/* Item 121: the pool's proxy used from a child (its map's sum of squares
 * of 0..9) while the parent maps 100 items on the same pool: two clients'
 * calls side by side. */
static void test_child(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 2);
    if (!p)
        goto out;
    mp_process_t *c = start_process(
        &(mp_process_opts_t){.task = "task_mgr_pool_child", MP_OBJECTS(p)});
    expect_map_squares(p, 100);
    int64_t sum = 0;
    if (c && EXPECT_RC(mp_process_join(c, JOIN_LIMIT_S), 0) && result_of(c, &sum, sizeof sum))
        EXPECT_EQ(sum, 285);
    dispose_process(c);
out:
    stop_pool(m, p);
}

/* A failed task is MP_ETASK with its message: apply's own, map's first by
 * index; the pool goes on. */
static void test_task_fails(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 2);
    mp_var_t *arg = i64_bytes(7), *args = i64_list(3), *r = NULL;
    if (!p)
        goto out;
    EXPECT_RC(mp_mpool_apply(p, "task_fail_message", arg, &r, MGR_WAIT_S), MP_ETASK);
    EXPECT(strstr(mp_errdetail(), "failed with 7"), "detail: %s", mp_errdetail());
    EXPECT(r == NULL, "a result was written");
    EXPECT_RC(mp_mpool_map(p, "task_fail_message", args, &r, MGR_WAIT_S), MP_ETASK);
    EXPECT(strstr(mp_errdetail(), "task 0") && strstr(mp_errdetail(), "failed with 0"),
           "detail: %s", mp_errdetail());
    EXPECT(r == NULL, "a result was written");
    if (EXPECT_RC(mp_mpool_apply(p, "task_square", arg, &r, MGR_WAIT_S), 0))
        EXPECT_EQ(bytes_i64(r), 49);
out:
    mp_var_free(r);
    mp_var_free(arg);
    mp_var_free(args);
    stop_pool(m, p);
}

/* Item 128 +mgr: Pool(0) is the server's MP_EINVAL (ValueError through
 * RemoteError); the manager serves on, and Pool(3) has 3 workers' worth
 * of work. */
static void test_pool_zero(void)
{
    mp_manager_t *m = mgr_start(NULL);
    mp_proxy_t *p = NULL;
    if (!m)
        return;
    EXPECT_RC(mp_manager_pool(m, 0, &p), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "at least 1"), "detail: %s", mp_errdetail());
    EXPECT(p == NULL, "a proxy was written");
    if (EXPECT_RC(mp_manager_pool(m, 3, &p), 0))
        expect_map_squares(p, 10);
    stop_pool(m, p);
}

/* Python's close then join; join before close is MP_ESTATE; work after
 * the close is refused with MP_ESTATE. */
static void test_close_join(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 2);
    mp_var_t *arg = i64_bytes(3), *args = i64_list(3), *r = NULL;
    if (!p)
        goto out;
    EXPECT_RC(mp_mpool_join(p, 0), MP_ESTATE);
    EXPECT_RC(mp_mpool_close(p), 0);
    EXPECT_RC(mp_mpool_apply(p, "task_square", arg, &r, MGR_WAIT_S), MP_ESTATE);
    EXPECT_RC(mp_mpool_map(p, "task_square", args, &r, MGR_WAIT_S), MP_ESTATE);
    EXPECT(r == NULL, "a result was written");
    EXPECT_RC(mp_mpool_join(p, MGR_WAIT_S), 0);
    EXPECT_RC(mp_mpool_apply(p, "task_square", arg, &r, MGR_WAIT_S), MP_ESTATE);
out:
    mp_var_free(arg);
    mp_var_free(args);
    stop_pool(m, p);
}

/* A map run by a thread of the test process on its own proxy. */
typedef struct map_thread {
    pthread_t thread;
    mp_proxy_t *pool;
    mp_var_t *args;
    int rc;
    atomic_bool done;
} map_thread_t;

static void *map_main(void *arg)
{
    map_thread_t *t = arg;
    mp_var_t *r = NULL;
    t->rc = mp_mpool_map(t->pool, "task_sleep", t->args, &r, MGR_WAIT_S);
    mp_var_free(r);
    atomic_store(&t->done, true);
    return NULL;
}

/* Start a map of `n` tasks sleeping `seconds` each on a second proxy of
 * `p` (its own connection, its own client). */
static bool map_start(map_thread_t *t, mp_proxy_t *p, int n, double seconds)
{
    *t = (map_thread_t){.pool = mgr_same(p), .args = mp_var_list()};
    for (int i = 0; t->args && i < n; i++)
        mp_var_append(t->args, mp_var_bytes(&seconds, sizeof seconds));
    int err = t->pool && t->args ? pthread_create(&t->thread, NULL, map_main, t) : -1;
    if (!EXPECT(err == 0, "the map's thread did not start")) {
        mp_proxy_destroy(t->pool);
        mp_var_free(t->args);
        return false;
    }
    return true;
}

static void map_join(map_thread_t *t)
{
    pthread_join(t->thread, NULL);
    mp_proxy_destroy(t->pool);
    mp_var_free(t->args);
}

/* How long the slow map's tasks sleep, and what "promptly" means beside
 * them: other clients' calls meanwhile take well under it. */
#define SLOW_TASK_S 4.0
#define PROMPT_S 1.5

/* While one client's map sleeps in the pool, another client's dict and
 * lock calls on the same manager are served promptly (the pool call holds
 * no server lock), and the map still ends well. */
static void test_lock_released(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 2), *d = NULL, *lock = NULL;
    mp_var_t *key = mp_var_str("k"), *value = mp_var_int(5), *got = NULL;
    map_thread_t t;
    if (!p || !EXPECT_RC(mp_manager_dict(m, &d), 0) || !EXPECT_RC(mp_manager_lock(m, &lock), 0) ||
        !map_start(&t, p, 2, SLOW_TASK_S))
        goto out;
    sleep_s(0.5); /* the map is in the server by now (and if not, this still holds) */
    double t0 = now_s();
    EXPECT_RC(mp_dict_set(d, key, value), 0);
    EXPECT_RC(mp_dict_get(d, key, NULL, &got), 0);
    EXPECT_RC(mp_mlock_acquire(lock, MGR_WAIT_S), 0);
    EXPECT_RC(mp_mlock_release(lock), 0);
    double took = now_s() - t0;
    EXPECT(took < PROMPT_S, "the dict and lock calls took %.3f s beside a map of %.1f s", took,
           SLOW_TASK_S);
    EXPECT(!atomic_load(&t.done), "the map ended before the other calls (rc %d)", t.rc);
    int64_t n = 0;
    EXPECT(got && mp_var_get_int(got, &n) == 0 && n == 5, "dict[k] is not 5");
    map_join(&t);
    EXPECT_RC(t.rc, 0);
out:
    mp_var_free(got);
    mp_var_free(key);
    mp_var_free(value);
    mp_proxy_destroy(lock);
    mp_proxy_destroy(d);
    stop_pool(m, p);
}

/* terminate in the middle of another client's slow map: its tasks fail
 * (MP_ETASK) promptly instead of running on; join then returns, and work
 * is refused. A pool call past its timeout gives MP_ETIMEDOUT. */
static void test_terminate(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 2);
    mp_var_t *arg = i64_bytes(2), *r = NULL, *slow = NULL;
    double seconds = 30.0;
    map_thread_t t;
    if (!p || !(slow = mp_var_bytes(&seconds, sizeof seconds)))
        goto out;
    double t0 = now_s();
    EXPECT_RC(mp_mpool_apply(p, "task_sleep", slow, &r, 0.3), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.3);
    if (!map_start(&t, p, 2, seconds))
        goto out;
    sleep_s(0.5);
    t0 = now_s();
    EXPECT_RC(mp_mpool_terminate(p), 0);
    map_join(&t);
    EXPECT(now_s() - t0 < seconds / 2, "the map ended after %.3f s", now_s() - t0);
    EXPECT_RC(t.rc, MP_ETASK);
    EXPECT_RC(mp_mpool_join(p, MGR_WAIT_S), 0);
    EXPECT_RC(mp_mpool_apply(p, "task_square", arg, &r, MGR_WAIT_S), MP_ESTATE);
out:
    mp_var_free(r);
    mp_var_free(slow);
    mp_var_free(arg);
    stop_pool(m, p);
}

/* The manager's shutdown while a client's map sleeps ends that map
 * promptly (MP_ESHUTDOWN, or MP_EBROKEN once the server is gone), and
 * terminates the pool rather than waiting for its tasks. */
static void test_shutdown(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 1);
    map_thread_t t;
    if (!p || !map_start(&t, p, 1, 30.0))
        goto out;
    sleep_s(0.5);
    double t0 = now_s();
    EXPECT_RC(mp_manager_shutdown(m), 0);
    map_join(&t);
    EXPECT(now_s() - t0 < 10.0, "shutdown and the map took %.3f s", now_s() - t0);
    EXPECT(t.rc == MP_ESHUTDOWN || t.rc == MP_EBROKEN, "the map gave %s", mp_err_name(t.rc));
out:
    stop_pool(m, p);
}

/* Bad input: NULL, a destroyed proxy, a proxy of another kind, a bad
 * timeout, arguments of the wrong shape, an unknown task. */
static void test_bad_input(void)
{
    mp_manager_t *m = NULL;
    mp_proxy_t *p = start_pool(&m, 1), *d = NULL, *gone = NULL;
    mp_var_t *arg = i64_bytes(2), *args = i64_list(2), *num = mp_var_int(1), *r = NULL;
    mp_var_t *ragged = NULL, *flat = NULL;
    if (!p || !EXPECT_RC(mp_manager_dict(m, &d), 0) || !EXPECT_RC(mp_manager_pool(m, 1, &gone), 0))
        goto out;
    mp_proxy_destroy(gone);
    mp_proxy_t *none = NULL;
    EXPECT_RC(mp_manager_pool(NULL, 1, &none), MP_EINVAL);
    EXPECT(none == NULL, "a proxy was written");
    EXPECT_RC(mp_manager_pool(m, 1, NULL), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(NULL, "task_square", arg, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(gone, "task_square", arg, &r, 1), MP_ECLOSED);
    EXPECT_RC(mp_mpool_apply(d, "task_square", arg, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_dict_len(p), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(p, NULL, arg, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(p, "task_square", arg, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(p, "task_square", arg, &r, -1), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(p, "task_square", arg, &r, NAN), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(p, "task_square", num, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_apply(p, "no_such_task", arg, &r, MGR_WAIT_S), MP_ENOTASK);
    EXPECT_RC(mp_mpool_map(NULL, "task_square", args, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_map(gone, "task_square", args, &r, 1), MP_ECLOSED);
    EXPECT_RC(mp_mpool_map(d, "task_square", args, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_map(p, "task_square", NULL, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_map(p, "task_square", arg, &r, 1), MP_EINVAL); /* not a list */
    EXPECT_RC(mp_mpool_map(p, "task_square", args, NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_map(p, "task_square", args, &r, -2), MP_EINVAL);
    EXPECT_RC(mp_mpool_map(p, "no_such_task", args, &r, MGR_WAIT_S), MP_ENOTASK);
    if (EXPECT_RC(mp_var_pack(&flat, "[y, i]", "ab", (size_t)2, 3), 0))
        EXPECT_RC(mp_mpool_map(p, "task_square", flat, &r, 1), MP_EINVAL);      /* an int element */
    EXPECT_RC(mp_mpool_starmap(p, "task_pool_digits", args, &r, 1), MP_EINVAL); /* not tuples */
    if (EXPECT_RC(
            mp_var_pack(&ragged, "[[y], [y, y]]", "a", (size_t)1, "b", (size_t)1, "c", (size_t)1),
            0))
        EXPECT_RC(mp_mpool_starmap(p, "task_pool_digits", ragged, &r, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_starmap(gone, "task_pool_digits", args, &r, 1), MP_ECLOSED);
    EXPECT_RC(mp_mpool_close(NULL), MP_EINVAL);
    EXPECT_RC(mp_mpool_close(gone), MP_ECLOSED);
    EXPECT_RC(mp_mpool_close(d), MP_EINVAL);
    EXPECT_RC(mp_mpool_terminate(NULL), MP_EINVAL);
    EXPECT_RC(mp_mpool_terminate(gone), MP_ECLOSED);
    EXPECT_RC(mp_mpool_terminate(d), MP_EINVAL);
    EXPECT_RC(mp_mpool_join(NULL, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_join(gone, 1), MP_ECLOSED);
    EXPECT_RC(mp_mpool_join(d, 1), MP_EINVAL);
    EXPECT_RC(mp_mpool_join(p, -1), MP_EINVAL);
    EXPECT(r == NULL, "a result was written");
    expect_map_squares(p, 10); /* none of it hurt the pool */
out:
    mp_var_free(ragged);
    mp_var_free(flat);
    mp_var_free(r);
    mp_var_free(arg);
    mp_var_free(args);
    mp_var_free(num);
    mp_proxy_destroy(d);
    stop_pool(m, p);
}

/* The child of test_child: a map of squares of 0..9 through the proxy it
 * was given; returns their sum. */
int task_mgr_pool_child(mp_task_t *task)
{
    mp_proxy_t *p = NULL;
    mp_var_t *args = i64_list(10), *r = NULL;
    int rc = args ? mp_task_proxy(task, 0, &p) : MP_ENOMEM;
    if (rc == 0)
        rc = mp_mpool_map(p, "task_square", args, &r, MGR_WAIT_S);
    int64_t sum = 0;
    for (size_t i = 0; rc == 0 && i < mp_var_len(r); i++) {
        const void *data = NULL;
        size_t len = 0;
        int64_t n = 0;
        if ((rc = mp_var_get_bytes(mp_var_at(r, i), &data, &len)) == 0 && len == sizeof n) {
            memcpy(&n, data, sizeof n);
            sum += n;
        }
    }
    mp_var_free(r);
    mp_var_free(args);
    mp_proxy_destroy(p);
    return rc < 0 ? mp_task_fail(task, rc, "map: %s", mp_errdetail())
                  : mp_task_return_i64(task, sum);
}

static const test_case_t tests[] = {
    {"apply", test_apply, ON_ALL},           {"map", test_map, ON_ALL},
    {"starmap", test_starmap, ON_ALL},       {"child", test_child, ON_ALL},
    {"task_fails", test_task_fails, ON_ALL}, {"pool_zero", test_pool_zero, ON_ALL},
    {"close_join", test_close_join, ON_ALL}, {"lock_released", test_lock_released, ON_ALL},
    {"terminate", test_terminate, ON_ALL},   {"shutdown", test_shutdown, ON_ALL},
    {"bad_input", test_bad_input, ON_ALL},   {NULL, NULL, 0},
};

const test_suite_t suite_mgr_pool = {"mgr_pool", true, tests};
