/**
 * @file smoke.h
 * @brief win32_smoke: a small suite that proves the Win32 backend under
 *        wine (or Windows) before the POSIX-minded conformance suite is
 *        ported: processes, arguments and results, exit codes, terminate and
 *        kill, locks, values, events, semaphores, shared memory, waits on
 *        more than 64 handles, handle inheritance and the kill-on-close job,
 *        pipes and connections (named pipes in message mode), listeners and
 *        clients (named pipes and TCP), the spill files and flags queues
 *        stand on.
 *
 * What the suites share: the checks, the test table and the tasks' names.
 * Only the parent checks; children report through results and exit codes.
 */
#ifndef WIN32_SMOKE_H
#define WIN32_SMOKE_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdbool.h>
#include <stdint.h>

#include <multiproc.h>

/** Record a failed check of the running test (printed at once). */
void smoke_fail(const char *file, int line, const char *fmt, ...) MP_PRINTF(3, 4);

/** A condition, with what to print when it does not hold; evaluates to it. */
#define CHECK(cond, ...) ((cond) ? true : (smoke_fail(__FILE__, __LINE__, __VA_ARGS__), false))
/** A multiproc call that must return `want`; prints names and the detail. */
#define CHECK_RC(expr, want) smoke_check_rc((expr), (want), #expr, __FILE__, __LINE__)
bool smoke_check_rc(int got, int want, const char *expr, const char *file, int line);

/** A test: a name and a function that checks. */
typedef struct smoke_test {
    const char *name;
    void (*fn)(void);
} smoke_test_t;

/** The tests of each file, ended by a {NULL} row. */
extern const smoke_test_t process_tests[], sync_tests[], shm_tests[], handle_tests[], conn_tests[],
    listener_tests[], spill_tests[];

/** Tasks of test_conn.c, listed in the task table. */
int task_conn_echo(mp_task_t *t);
int task_conn_late_writer(mp_task_t *t);

/** The task table every child finds its task in (tasks.c). */
extern const mp_task_def_t smoke_tasks[];

/** Create and start a process; NULL (after a failed check) on failure. */
mp_process_t *smoke_start(const mp_process_opts_t *opts);
/** Join within a minute; the exit code, or INT32_MIN after a failed check. */
int smoke_join(mp_process_t *p);
/** Seconds on a monotonic clock. */
double smoke_now(void);
/** Open handles of this process, counted one handle value at a time
 *  (wine's GetProcessHandleCount() says 0). */
unsigned long smoke_open_handles(void);

struct mp__os_conn;
/** All of `len` (> 0) bytes on a backend end as one message, with no
 *  deadline (test_conn.c). @return what mp__os_conn_send() returns. */
int smoke_conn_write(struct mp__os_conn *c, const void *data, size_t len);

/** What task_report_self returns. */
typedef struct self_report {
    int64_t pid, parent_pid;
    int32_t parent_alive;
    char method[16];
} self_report_t;

/** Sizes for the big-result test: well beyond a pipe's buffer. */
enum { BIG_RESULT = 3 * 1024 * 1024 + 17 };
/** Byte i of the big result. */
static inline unsigned char big_byte(size_t i)
{
    return (unsigned char)(i * 7 + 3);
}

#endif /* WIN32_SMOKE_H */
