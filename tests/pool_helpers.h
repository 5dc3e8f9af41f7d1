/**
 * @file pool_helpers.h
 * @brief What the Pool suites share on the parent's side: pools with the
 *        suite's start method, checks of an async result that print what
 *        they got, an input iterator that counts its calls, and callbacks
 *        that count theirs.
 */
#ifndef MP_TESTS_POOL_HELPERS_H
#define MP_TESTS_POOL_HELPERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helpers.h"
#include "pool_tasks.h"

/** How long the parent waits for an outcome that should come (a loaded
 *  machine under ASan is slow to spawn; a hang must fail the test, not the
 *  run). Never a bound on speed. */
#define POOL_WAIT_S 60.0

/** A pool with these options; the suite's context unless they name one.
 *  Asserted; NULL on failure. */
mp_pool_t *start_pool_opts(mp_pool_opts_t opts);

/** A pool of `workers` with the suite's context; asserted. */
mp_pool_t *start_pool(int workers);

/** The pool's live worker pids (at most `cap`); the count, asserted. */
size_t pool_pids(mp_pool_t *pool, mp_pid_t *pids, size_t cap);

/** End a pool the ordinary way: close, join (POOL_WAIT_S at most, else
 *  terminate), destroy; asserted. NULL-safe. A pool destroyed while it
 *  runs is terminated with a warning on stderr, which only the tests of
 *  that case want. */
void pool_finish(mp_pool_t *pool);

/** Poll until the pool has exactly `n` live workers (POOL_WAIT_S at
 *  most); whether it did. */
bool wait_worker_count(mp_pool_t *pool, size_t n);

/** Result i of a map must be the int64 `want`. */
#define EXPECT_ITEM_I64(r, i, want) expect_item_i64((r), (i), (want), __FILE__, __LINE__)
bool expect_item_i64(mp_async_result_t *r, size_t i, int64_t want, const char *file, int line);

/** Result i of a ready map must have failed with `code` and a message
 *  starting with `prefix`. */
#define EXPECT_ITEM_ERROR(r, i, code, prefix) \
    expect_item_error((r), (i), (code), (prefix), __FILE__, __LINE__)
bool expect_item_error(mp_async_result_t *r, size_t i, int code, const char *prefix,
                       const char *file, int line);

/** A ready result's first failure must be task `index` with `code` and a
 *  message starting with `prefix`. */
#define EXPECT_FIRST_ERROR(r, index, code, prefix) \
    expect_first_error((r), (index), (code), (prefix), __FILE__, __LINE__)
bool expect_first_error(mp_async_result_t *r, size_t index, int code, const char *prefix,
                        const char *file, int line);

/** Whether `text` has `n` as a whole decimal number (not part of a longer
 *  one). */
bool has_number(const char *text, long long n);

/* ---- an input iterator that counts ----------------------------------- */

/**
 * An input iterator (mp_input_next_fn) over the int64s first, first+1,
 * ...: `end` of them (-1: endless), failing with `fail_code` instead of
 * giving item `fail_at` (-1: never). `calls` counts the items it gave: the
 * look-ahead tests compare it with what was yielded.
 */
typedef struct count_iter {
    int64_t end;
    int64_t fail_at;
    int fail_code;
    int64_t given;              /**< items given so far */
    int64_t value;              /**< the last item's bytes */
    atomic_int calls_after_end; /**< calls after it said 0 or failed */
    bool over;                  /**< it said 0 or failed */
} count_iter_t;

/** A count_iter_t of `end` items failing at `fail_at` with `code`. */
count_iter_t count_iter(int64_t end, int64_t fail_at, int code);

/** The mp_input_next_fn of a count_iter_t. */
int count_iter_next(void *ctx, const void **data, size_t *len);

/* ---- callbacks that count ------------------------------------------- */

/** What the counting callbacks saw. */
typedef struct cb_count {
    atomic_int ok;        /**< callback calls */
    atomic_int failed;    /**< error_callback calls */
    atomic_int not_ready; /**< calls that found the result not ready */
    atomic_int wrong;     /**< calls whose `successful` disagreed with the kind */
} cb_count_t;

/** Zero it. */
void cb_count_init(cb_count_t *c);

/** The callback and error callback that count into a cb_count_t. */
void cb_count_ok(mp_async_result_t *r, void *arg);
void cb_count_failed(mp_async_result_t *r, void *arg);

/** Wait (POOL_WAIT_S at most) until `ok + failed` reaches 1; whether it
 *  did. A callback may run just after the result became ready. */
bool cb_count_wait(cb_count_t *c);

#endif /* MP_TESTS_POOL_HELPERS_H */
