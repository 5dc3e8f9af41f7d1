/**
 * @file helpers.h
 * @brief What the suites share: assertions that print what they got, timing
 *        rules, the suite's start method, process and file helpers.
 *
 * Only the parent (the test process) uses these; children never assert.
 */
#ifndef MP_TESTS_HELPERS_H
#define MP_TESTS_HELPERS_H

#include <multiproc.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform.h" /* the OS: time, pids, files, subprocesses */
#include "tasks.h"

/* ---- the suite registry (main.c builds CUnit's from it) --------------- */

/** Which start methods a test runs under (checklist tags [all], [fork]...). */
enum {
    ON_FORK = 1u << 0,
    ON_SPAWN = 1u << 1,
    ON_FORKSERVER = 1u << 2,
    ON_NOT_FORK = ON_SPAWN | ON_FORKSERVER,
    ON_ALL = ON_FORK | ON_SPAWN | ON_FORKSERVER,
};

typedef struct test_case {
    const char *name;
    void (*fn)(void);
    unsigned methods; /**< ON_* mask; ignored by suites that are not per method */
} test_case_t;

typedef struct test_suite {
    const char *name;
    bool per_method;          /**< run once per start method (else once, label "any") */
    const test_case_t *tests; /**< ended by a {NULL} row */
} test_suite_t;

extern const test_suite_t suite_errors, suite_runtime, suite_bad_args;
extern const test_suite_t suite_context, suite_process, suite_children, suite_bad_handles,
    suite_handles;
extern const test_suite_t suite_runner;

/* ---- assertions that say what they got ------------------------------- */

/** Record a CUnit result with a formatted message (failures print it);
 *  returns `ok`. */
bool check_true(bool ok, const char *file, int line, const char *fmt, ...) MP_PRINTF(4, 5);

/** `expr` must return the MP_E* code `want`; a mismatch prints both names
 *  and mp_errdetail(). Evaluates to whether it matched. */
#define EXPECT_RC(expr, want) expect_rc((expr), (want), #expr, __FILE__, __LINE__)
bool expect_rc(int got, int want, const char *expr, const char *file, int line);

/** Integer equality that prints both values. */
#define EXPECT_EQ(got, want) \
    expect_eq((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
bool expect_eq(long long got, long long want, const char *expr, const char *file, int line);

/** String equality that prints both strings (NULL prints as "(null)"). */
#define EXPECT_STR(got, want) expect_str((got), (want), #got, __FILE__, __LINE__)
bool expect_str(const char *got, const char *want, const char *expr, const char *file, int line);

/** A segment handle that is gone (destroyed, or its owner is): its getters
 *  give the bad-handle sentinels and its calls MP_ECLOSED. */
#define EXPECT_SHM_GONE(shm) expect_shm_gone((shm), __FILE__, __LINE__)
void expect_shm_gone(mp_shm_t *shm, const char *file, int line);

/** A condition, with a formatted explanation printed when it fails;
 *  evaluates to the condition. */
#define EXPECT(cond, ...) check_true((cond), __FILE__, __LINE__, __VA_ARGS__)

/* ---- timing (conformance-checklist.md section 0) ---------------------- */

/** "Immediately" means less than this many seconds. */
#define IMMEDIATE_S 0.050
/** "After ~t" allows this much early (clock granularity) ... */
#define EARLY_S 0.015
/** ... and this much late. */
#define LATE_S 0.500

/** The elapsed time must be "immediately". */
#define EXPECT_IMMEDIATE(elapsed) \
    EXPECT((elapsed) < IMMEDIATE_S, "took %.3f s, expected < %.3f s", (elapsed), IMMEDIATE_S)
/** The elapsed time must be "after ~t". */
#define EXPECT_ABOUT(elapsed, t)                                  \
    EXPECT((elapsed) >= (t)-EARLY_S && (elapsed) <= (t) + LATE_S, \
           "took %.3f s, expected %.3f s (-%.3f/+%.3f)", (elapsed), (double)(t), EARLY_S, LATE_S)

/* ---- the suite's start method ---------------------------------------- */

/** Set once by main(): the --start-method given (NULL when none). */
void set_suite_method(const char *method);
/** The method the suite's children use: the one given, else the default. */
const char *suite_method(void);
/** Its context. */
mp_context_t *method_context(void);
/** The ON_* bit of a method name (0 for an unknown one). */
unsigned method_bit(const char *method);
/** Undo a test's mp_set_start_method(): back to what main() chose. */
void restore_start_method(void);
/** What mp_get_start_method(allow_none) said right after mp_init() in
 *  main(), before main chose anything: a name, or "(none)" (main.c). */
const char *start_method_after_init(void);

/* ---- processes ------------------------------------------------------- */

/** How long the parent waits for a child that should end (a hang must
 *  fail a test, not the whole run). */
#define JOIN_LIMIT_S 60.0

/** Create and start; asserts both. NULL on failure (nothing to clean). */
mp_process_t *start_process(const mp_process_opts_t *opts);

/** Start a child that sleeps `seconds` (task_sleep); NULL on failure. */
mp_process_t *start_sleeper(double seconds);

/** start_process() then join; asserts the join succeeded. NULL on failure. */
mp_process_t *run_process(const mp_process_opts_t *opts);

/** The exit code of an ended process; asserts the call; INT32_MIN if none. */
int exitcode_of(mp_process_t *p);

/** The result of an ended process as exactly `size` bytes; asserts it. */
bool result_of(mp_process_t *p, void *out, size_t size);

/** The child's pid (asserted); 0 on failure. */
pid_t pid_of(mp_process_t *p);

/** Kill a child that may still run, reap it and free the handle (NULL-safe):
 *  the cleanup at the end of every test that starts processes. */
void dispose_process(mp_process_t *p);

/** Whether mp_active_children() lists `p` (asserts the call). */
bool in_active_children(mp_process_t *p);

/** Kill and dispose every child this process still runs (test teardown). */
void dispose_all_children(void);

/** A ctl_arg_t with the suite's method, `path` (may be NULL), n, seconds. */
ctl_arg_t make_ctl(const char *path, int64_t n, double seconds);

/** Poll pid_gone() for up to `timeout` seconds. */
bool wait_pid_gone(pid_t pid, double timeout);

/** Whether `pid` is running (alive and not a zombie). */
bool pid_running(pid_t pid);

/* ---- files ----------------------------------------------------------- */

/** A fresh private directory under the system's temporary directory;
 *  asserted. */
bool make_temp_dir(char *out, size_t size);
/** Read a whole (small) file into a NUL-ended buffer; -1 on error. */
ssize_t read_text_file(const char *path, char *buf, size_t size);
/** Poll for `path` to exist for up to `timeout` s, then read it. */
bool wait_for_file(const char *path, double timeout, char *buf, size_t size);

/** The working directory enter_dir() left. */
typedef struct saved_dir {
    char path[4096];
    bool entered; /**< false: leave_dir() has nothing to do */
} saved_dir_t;
/** Change to `dir` (asserted), remembering where we were in `saved`. */
bool enter_dir(const char *dir, saved_dir_t *saved);
/** Go back to the directory enter_dir() left (asserted); a no-op when it
 *  failed or was never called on `saved`. */
void leave_dir(saved_dir_t *saved);

/** An environment variable as it was, for env_restore(). */
typedef struct saved_env {
    const char *name;
    char value[4096];
    bool was_set;
} saved_env_t;
saved_env_t env_save(const char *name);
void env_restore(const saved_env_t *saved);

#endif /* MP_TESTS_HELPERS_H */
