/**
 * @file progress_helpers.h
 * @brief The progress suite (test_progress.c), and what its POSIX-only
 *        tests need from the OS: this program run again as a child whose
 *        stderr is a pseudo-terminal or a pipe, and everything it wrote
 *        there (progress_posix.c).
 */
#ifndef MP_TESTS_PROGRESS_HELPERS_H
#define MP_TESTS_PROGRESS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "platform.h"

struct test_suite;
/** The suite, for main.c's list. */
extern const struct test_suite suite_progress;

#if TEST_POSIX
/** Where the child's stderr goes. */
typedef enum child_stderr {
    CHILD_PTY, /**< a pseudo-terminal in raw mode (no \n -> \r\n) */
    CHILD_PIPE /**< a pipe */
} child_stderr_t;

/** The test the child runs (this program's, with the suite's method), and
 *  the environment variable that gives it its role ("" or unset: it does
 *  nothing, as when the suite itself runs it). */
#define PROGRESS_CHILD_TEST "bar_child"
#define PROGRESS_CHILD_ENV "MP_TEST_PROGRESS_CHILD"

/**
 * Run this program again as `--suite progress --test bar_child` with
 * PROGRESS_CHILD_ENV set to `role`, stderr on `where`, stdout to
 * /dev/null, and MP_PROGRESS set to `env_progress` (NULL: unset). The
 * parent reads everything the child writes to stderr into `out`
 * (NUL-terminated, cut to `size`) until the child's end, `timeout` s at
 * most.
 * @return the child's exit status (0..255: 0 when its test passed), or -1
 *         when it could not run, died of a signal, or ran out of time (then
 *         it is killed).
 */
int run_child_capturing_stderr(child_stderr_t where, const char *env_progress, const char *role,
                               char *out, size_t size, double timeout);
#endif

#endif /* MP_TESTS_PROGRESS_HELPERS_H */
