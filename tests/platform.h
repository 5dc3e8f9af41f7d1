/**
 * @file platform.h
 * @brief The operating system, as the conformance suite needs it: one header,
 *        platform_posix.c and platform_win32.c behind it.
 *
 * The suite asserts the library's behaviour; to do so it has to look at the
 * OS from outside the library (is that pid gone? does that shared-memory name
 * still exist?) and to play the hostile outside world (kill a pid, redirect
 * stderr, run this program again as a subprocess). Those are the only
 * platform-dependent parts of the suite, and they live here, so the suites
 * themselves carry no #ifdef except around behaviour that exists on one
 * platform only (POSIX signals, fork, the resource tracker).
 */
#ifndef MP_TESTS_PLATFORM_H
#define MP_TESTS_PLATFORM_H

#include <multiproc.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if defined(_WIN32)
/** 1 where the suite runs on POSIX (signals, fork, /dev/shm, the tracker). */
#define TEST_POSIX 0
#else
#define TEST_POSIX 1
#endif

/**
 * What exitcode_of() reads for a process ended by mp_process_kill() (or by
 * kill_pid() or die_now()): -SIGKILL on POSIX; on Windows every hard kill is
 * TerminateProcess, which the library reports as -SIGTERM, as Python does
 * (process.h).
 */
#if TEST_POSIX
#define KILLED_EXITCODE (-9)
#else
#define KILLED_EXITCODE (-15)
#endif

/**
 * Whether unlinking a shared-memory name frees the name at once (POSIX), or
 * only once the last handle to the block is closed (Windows, shm.h): there a
 * create of the same name meanwhile fails with MP_EEXIST.
 */
#define SHM_UNLINK_FREES_NAME TEST_POSIX

/* ---- time ------------------------------------------------------------ */

/** Seconds on a monotonic clock. */
double now_s(void);

/** Sleep for `seconds`, resuming after signals. */
void sleep_s(double seconds);

/* ---- processes seen from outside ------------------------------------- */

/** Whether `pid` names no living process (gone, or dead and not yet reaped
 *  by whoever holds it: a zombie on POSIX, a signalled handle on Windows). */
bool pid_gone(pid_t pid);

/** Whether `pid` is gone and reaped: no zombie, no open handle anywhere. */
bool pid_reaped(pid_t pid);

/** End `pid` at once, as a crash would (SIGKILL / TerminateProcess). */
void kill_pid(pid_t pid);

/** End this process at once, running nothing (no atexit, no flush), so that
 *  its parent reads KILLED_EXITCODE. */
void die_now(void);

/** This thread's id, as mp_rlock_owner() reports owners (gettid on Linux,
 *  GetCurrentThreadId on Windows). */
long self_thread_id(void);

/** The processors online, as the OS counts them; -1 when it cannot say. */
long online_cpu_count(void);

/** Bytes the C library's allocator has handed out and not had back in
 *  this process (glibc's mallinfo2); -1 where the platform cannot say. */
long long heap_bytes_in_use(void);

/** A sentinel value that names no open object (a closed descriptor or
 *  handle), for mp_wait(); 0 when none could be made. */
mp_sentinel_t closed_sentinel(void);

/* ---- shared-memory names in the OS ----------------------------------- */

/** The OS's name of shared-memory block `name` (a /dev/shm path on Linux, a
 *  Local\ kernel object name on Windows), for messages. */
void shm_os_path(const char *name, char *out, size_t size);

/** Whether the OS still has a shared-memory block called `name`. */
bool shm_exists(const char *name);

#if TEST_POSIX
/** Run `fn(arg)` in a thread of its own: false when it has not returned
 *  within `timeout` (the thread is then left to it, and its record leaked,
 *  so that a call that hangs fails a test, not the suite). */
bool returns_within(void (*fn)(void *), void *arg, double timeout);

/* ---- the resource tracker (POSIX only) -------------------------------- */

/** Which tracker journal this process has, as "journal <dev>:<inode>" (the
 *  same text in every process that shares it), or "none". */
void tracker_journal_id(char *out, size_t size);

/** The memory this process's tracker journal holds, in bytes (its
 *  allocated blocks: compaction punches holes); -1 without one. */
long long tracker_journal_bytes(void);

/** The pid of the tracker that reads this process's journal (whoever
 *  started it); 0 when there is none. */
pid_t tracker_pid(void);
#endif

/* ---- environment, directories, stderr -------------------------------- */

/** Set (value non-NULL) or remove (NULL) an environment variable, in the
 *  environment children inherit. */
void env_put(const char *name, const char *value);

/** Make a fresh private directory under the system's temporary directory
 *  (helpers.h's make_temp_dir() asserts it); false, "" in `out`, on failure. */
bool os_make_temp_dir(char *out, size_t size);

/** Remove a directory and everything in it (NULL or "" is a no-op). */
void remove_tree(const char *dir);

/** Send this process's stderr to `path` until stderr_restore(); returns the
 *  saved descriptor (-1 on failure). */
int stderr_redirect(const char *path);
void stderr_restore(int saved);

/* ---- running this program as a subprocess ---------------------------- */

/** The absolute path of this test binary. */
const char *self_exe(void);

/**
 * Run `file` (this program, under some name) with `argv`, stdout and stderr
 * to the given files, and wait up to `timeout` s.
 * @param search look `file` up in PATH, like a shell.
 * @return its exit status (0..255), -signal, or INT32_MIN when it could not
 *         run or timed out (then it is killed).
 */
int run_subprocess(const char *file, char *const argv[], bool search, const char *out_path,
                   const char *err_path, double timeout);

#endif /* MP_TESTS_PLATFORM_H */
