/**
 * @file mgr_helpers.h
 * @brief What the manager suites share: starting a manager of the suite's
 *        start method, making the suite's counter, calling it (asserted).
 */
#ifndef MP_TESTS_MGR_HELPERS_H
#define MP_TESTS_MGR_HELPERS_H

#include <multiproc.h>

#include <stdint.h>

#include "mgr_tasks.h"

/** How long a test waits for something that should happen (a loaded
 *  machine is slow; a hang must fail the test, not the run). */
#define MGR_WAIT_S 30.0

/** mp_manager_start() with `opts` (NULL: zeroed), the suite's context
 *  unless `opts` has one; asserted; NULL on failure. */
mp_manager_t *mgr_start(const mp_manager_opts_t *opts);

/** A TestCounter starting at `start` on `m`; asserted; NULL on failure. */
mp_proxy_t *mgr_counter(mp_manager_t *m, int64_t start);

/** Another proxy (so another connection) of the object of `p`; asserted;
 *  NULL on failure. */
mp_proxy_t *mgr_same(mp_proxy_t *p);

/** `method` [arg] on a counter (asserted to succeed): its int result, or
 *  INT64_MIN on failure. */
int64_t mgr_call_int(mp_proxy_t *p, const char *method, int64_t arg);

/** The counter's value (asserted); INT64_MIN on failure. */
int64_t mgr_value(mp_proxy_t *p);

/** Poll the counter's "waiting" until it is `want`, up to MGR_WAIT_S;
 *  whether it got there. */
bool mgr_wait_waiting(mp_proxy_t *p, int64_t want);

#endif /* MP_TESTS_MGR_HELPERS_H */
