/* The parent's side of the Pool suites: pools, checks of a result, a
 * counting input iterator and counting callbacks (pool_helpers.h). */
#include "pool_helpers.h"

#include <stdio.h>
#include <string.h>

mp_pool_t *start_pool_opts(mp_pool_opts_t opts)
{
    if (!opts.context)
        opts.context = method_context();
    mp_pool_t *pool = NULL;
    return EXPECT_RC(mp_pool_create(&pool, &opts), 0) ? pool : NULL;
}

mp_pool_t *start_pool(int workers)
{
    return start_pool_opts((mp_pool_opts_t){.workers = workers});
}

void pool_finish(mp_pool_t *pool)
{
    if (pool && EXPECT_RC(mp_pool_close(pool), 0) && !EXPECT_RC(mp_pool_join(pool, POOL_WAIT_S), 0))
        mp_pool_terminate(pool);
    mp_pool_destroy(pool);
}

size_t pool_pids(mp_pool_t *pool, mp_pid_t *pids, size_t cap)
{
    size_t count = 0;
    EXPECT_RC(mp_pool_worker_pids(pool, pids, cap, &count), 0);
    return count;
}

bool wait_worker_count(mp_pool_t *pool, size_t n)
{
    size_t count = 0;
    for (double deadline = now_s() + POOL_WAIT_S;; sleep_s(0.01)) {
        if (mp_pool_worker_pids(pool, NULL, 0, &count) == 0 && count == n)
            return true;
        if (now_s() > deadline)
            return EXPECT(false, "the pool has %zu workers, expected %zu", count, n);
    }
}

bool expect_item_i64(mp_async_result_t *r, size_t i, int64_t want, const char *file, int line)
{
    int64_t got = 0;
    int rc = mp_async_result_item_i64(r, i, &got);
    return check_true(rc == 0 && got == want, file, line, "item %zu: %s, %lld, expected %lld", i,
                      mp_err_name(rc), (long long)got, (long long)want);
}

bool expect_item_error(mp_async_result_t *r, size_t i, int code, const char *prefix,
                       const char *file, int line)
{
    int rc = mp_async_result_item(r, i, NULL, NULL);
    return check_true(rc == MP_ETASK, file, line, "item %zu: %s, expected MP_ETASK", i,
                      mp_err_name(rc)) &&
           expect_first_error(r, i, code, prefix, file, line);
}

bool expect_first_error(mp_async_result_t *r, size_t index, int code, const char *prefix,
                        const char *file, int line)
{
    size_t got_index = SIZE_MAX;
    int got_code = 0;
    const char *message = NULL;
    int rc = mp_async_result_error(r, &got_index, &got_code, &message);
    bool ok = rc == 0 && got_index == index && got_code == code && message &&
              strncmp(message, prefix, strlen(prefix)) == 0;
    return check_true(ok, file, line,
                      "error: %s, task %zu, code %s, message \"%.200s\"; expected task %zu, "
                      "code %s, a message starting \"%s\"",
                      mp_err_name(rc), got_index, mp_err_name(got_code),
                      message ? message : "(null)", index, mp_err_name(code), prefix);
}

bool has_number(const char *text, long long n)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
    size_t len = strlen(digits);
    for (const char *p = strstr(text, digits); p; p = strstr(p + 1, digits)) {
        bool starts = p == text || p[-1] < '0' || p[-1] > '9';
        bool ends = p[len] < '0' || p[len] > '9';
        if (starts && ends)
            return true;
    }
    return false;
}

/* ---- an input iterator that counts ----------------------------------- */

count_iter_t count_iter(int64_t end, int64_t fail_at, int code)
{
    count_iter_t it;
    memset(&it, 0, sizeof it);
    it.end = end;
    it.fail_at = fail_at;
    it.fail_code = code;
    atomic_init(&it.calls_after_end, 0);
    return it;
}

int count_iter_next(void *ctx, const void **data, size_t *len)
{
    count_iter_t *it = ctx;
    /* A pool that reads on past the end is a bug the tests look for. */
    if (it->over) {
        atomic_fetch_add(&it->calls_after_end, 1);
        return it->given == it->end ? 0 : it->fail_code;
    }
    if (it->given == it->fail_at) {
        it->over = true;
        return it->fail_code;
    }
    if (it->given == it->end) {
        it->over = true;
        return 0;
    }
    it->value = it->given++;
    *data = &it->value;
    *len = sizeof it->value;
    return 1;
}

/* ---- callbacks that count ------------------------------------------- */

void cb_count_init(cb_count_t *c)
{
    atomic_init(&c->ok, 0);
    atomic_init(&c->failed, 0);
    atomic_init(&c->not_ready, 0);
    atomic_init(&c->wrong, 0);
}

/* Count one call of either kind; `success` is the kind's. */
static void count_one(mp_async_result_t *r, cb_count_t *c, atomic_int *kind, int success)
{
    if (mp_async_result_ready(r) != 1)
        atomic_fetch_add(&c->not_ready, 1);
    if (mp_async_result_successful(r) != success)
        atomic_fetch_add(&c->wrong, 1);
    atomic_fetch_add(kind, 1);
}

void cb_count_ok(mp_async_result_t *r, void *arg)
{
    cb_count_t *c = arg;
    count_one(r, c, &c->ok, 1);
}

void cb_count_failed(mp_async_result_t *r, void *arg)
{
    cb_count_t *c = arg;
    count_one(r, c, &c->failed, 0);
}

bool cb_count_wait(cb_count_t *c)
{
    for (double deadline = now_s() + POOL_WAIT_S;; sleep_s(0.002)) {
        if (atomic_load(&c->ok) + atomic_load(&c->failed) >= 1)
            return true;
        if (now_s() > deadline)
            return EXPECT(false, "no callback ran within %.0f s", POOL_WAIT_S);
    }
}
