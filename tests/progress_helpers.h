/**
 * @file progress_helpers.h
 * @brief The progress suite (test_progress.c), and what its POSIX-only
 *        tests need from the OS: a child whose stderr is a pseudo-terminal
 *        or a pipe, and everything it wrote there (progress_posix.c).
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
    CHILD_PTY, /**< a pseudo-terminal in raw mode (no \n -> \r\n), its
                    controlling terminal */
    CHILD_PIPE /**< a pipe */
} child_stderr_t;

/**
 * Fork a child of this (single-threaded) test process whose stderr goes to
 * `where` (stdout goes to /dev/null, so only stderr is read), with the
 * environment variable MP_PROGRESS set to `env_progress` (NULL: unset); it
 * runs `body(arg)` and ends with _exit() of what it returned. The parent
 * reads everything the child writes into `out` (NUL-terminated, cut to
 * `size`) until the child's end, `timeout` s at most.
 * @return the child's exit status (0..255), or -1 when it could not run,
 *         died of a signal, or ran out of time (then it is killed).
 */
int run_child_capturing_stderr(child_stderr_t where, const char *env_progress,
                               int (*body)(void *arg), void *arg, char *out, size_t size,
                               double timeout);
#endif

#endif /* MP_TESTS_PROGRESS_HELPERS_H */
