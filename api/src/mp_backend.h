/**
 * @file mp_backend.h
 * @brief THE backend contract: everything a platform provides to the core.
 *
 * The portable core (api/src) makes no OS call and has no platform #ifdef;
 * it calls only the functions declared here. A platform is a folder
 * (posix/, win32/) that implements every `mp__os_*` function below and
 * registers its start methods. The core, in turn, provides the up-calls
 * at the end of this file, the only core functions a backend calls.
 *
 * Conventions: every function returns 0 or a negative MP_E* code unless it
 * says otherwise; on MP_ESYS it also records the OS error with
 * mp__errdetail_set(). Timeouts are seconds: MP_FOREVER (infinity) waits for
 * ever, <= 0 polls; the core has rejected NaN already. Every blocking call survives EINTR and keeps its deadline.
 *
 * ## Fork policy
 *
 * What the backends promise about a process made by fork (POSIX "fork"
 * method, and every child of the fork server):
 *  1. Only the forking thread exists in the child. The core's own locks are
 *     taken before fork and re-made in the child (mp__core_atfork_*), so no
 *     multiproc lock is ever held by a thread that is gone.
 *  2. A fork-method start checks for other threads first and warns, refuses
 *     or allows according to mp_set_fork_policy(): forking a multi-threaded
 *     process is only safe for async-signal-safe work, and the library cannot
 *     know what the user's task does.
 *  3. stdout and stderr are flushed before fork, and a fork child ends with
 *     _exit() after flushing its own stdio, so no buffered output is written
 *     twice and no parent atexit() handler runs in the child.
 *  4. Every descriptor the library opens is close-on-exec; a fork child
 *     closes the descriptors that belong to its parent's role (its parent's
 *     own channel to the grandparent), so end-of-file on a channel always
 *     means that exactly one process has ended, and lets go of its copies
 *     of the parent's connection ends that it was not given
 *     (mp__core_inherited_conns()), so that a peer sees end-of-file once
 *     the parent closes its end, as under spawn (Python's fork children
 *     keep theirs).
 *  5. The fork server is started by spawn (a fresh exec of the program), so it
 *     is single-threaded and holds nothing of the parent's but the task table;
 *     children forked from it inherit that clean state.
 */
#ifndef MP_BACKEND_H
#define MP_BACKEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/error.h>
#include <multiproc/process.h>

#include "mp_buf.h"

/* ------------------------------------------------------------------ */
/* Starting children                                                   */
/* ------------------------------------------------------------------ */

/** Most OS handles one child can be given (every backend must manage it). */
#define MP__MAX_CHILD_HANDLES 64

/** What the core asks a start method to launch. */
typedef struct mp__launch {
    const void *record;           /**< the bootstrap record, encoded by the core (NULL
                                       for a method without MP__METHOD_NEEDS_RECORD) */
    size_t record_len;            /**< its length (0 when NULL) */
    bool daemon;                  /**< end the child when this process ends */
    bool exit_with_parent;        /**< end the child even if this process is killed */
    const mp_sentinel_t *handles; /**< OS handles the child must receive (shared
                                       memory of the objects it is given) */
    size_t nhandles;              /**< their count; the record refers to them by index */
    const void *decoded;          /**< the record before encoding, for a child that
                                inherits this memory (fork): see mp__core_child_run() */
} mp__launch_t;

/** A started child as the backend tracks it (pid, channel, sentinel). */
typedef struct mp__os_proc mp__os_proc_t;

/** What a start method's children are: the core asks these, never names. */
enum mp__method_flags {
    /** The child is a fork of the calling process: the fork policy applies
     *  (point 2 above), and it runs from `launch->decoded` in its copy of
     *  this memory (mp__core_child_run()). */
    MP__METHOD_FORKS_CALLER = 1u << 0,
    /** The child reads the encoded record (`launch->record`): the core
     *  encodes it only for such methods. */
    MP__METHOD_NEEDS_RECORD = 1u << 1,
};

/**
 * A start method. The backend registers a table of them; the core picks one
 * by name at run time, the way SQLite picks a VFS.
 */
typedef struct mp__start_method {
    const char *name; /**< "fork", "spawn", "forkserver" */
    unsigned flags;   /**< MP__METHOD_* */
    /**
     * Start a child that will call mp__core_child_main() with `launch->record`
     * and `launch->handles` as they are numbered in the child, and exit with
     * its return value. No other handle of this process reaches the child,
     * except what the backend itself needs (its channel, its tracker). Returns once the child exists and the
     * record is on its way; `*out` then owns the child's OS resources.
     */
    int (*start)(const mp__launch_t *launch, mp__os_proc_t **out);
} mp__start_method_t;

/**
 * @brief The start methods this platform offers, the platform default first,
 *        ended by NULL. Static; never fails.
 */
const mp__start_method_t *const *mp__os_start_methods(void);

/**
 * @brief Wait for a child to end, collecting what it sent on its channel.
 *
 * While waiting, bytes the child writes (its result record) are appended to
 * `received`; once the channel reaches end-of-file and the child has been
 * reaped, `*exitcode` is set (status, or -signal) and 0 is returned. Calling
 * it again after that returns 0 at once with the same exit code.
 * @return 0 when ended; MP_ETIMEDOUT; MP_ENOMEM; MP_ESYS.
 */
int mp__os_proc_wait(mp__os_proc_t *proc, double timeout, mp__buf_t *received, int *exitcode);

/** Signals the core can send; the backend maps them to the OS. */
typedef enum mp__signal { MP__SIG_TERM, MP__SIG_KILL, MP__SIG_INT } mp__signal_t;

/**
 * @brief Send a signal to a child that has not been reaped yet (a no-op, 0,
 *        once it has). MP_ENOTSUP when the platform has no such signal.
 */
int mp__os_proc_signal(mp__os_proc_t *proc, mp__signal_t sig);

/** @brief The child's pid. */
mp_pid_t mp__os_proc_pid(const mp__os_proc_t *proc);

/** @brief A handle that is ready once the child has ended. */
mp_sentinel_t mp__os_proc_sentinel(const mp__os_proc_t *proc);

/**
 * @brief Release the child's OS resources. A child still running is not
 *        signalled: it is detached, and reaped when it ends. NULL-safe.
 */
void mp__os_proc_free(mp__os_proc_t *proc);

/**
 * @brief Wait until at least one handle is ready; see mp_wait().
 * @return the number ready (0 on timeout); MP_ESYS for a bad handle.
 */
int mp__os_wait_handles(const mp_sentinel_t *handles, size_t n, double timeout,
                        unsigned char *ready);

/* ------------------------------------------------------------------ */
/* The child's side                                                    */
/* ------------------------------------------------------------------ */

/**
 * @brief Called from mp_init(): if this process was started by spawn (or is
 *        the fork server, or one of its children) this never returns. It
 *        reads the bootstrap record, calls mp__core_child_main() and exits.
 *        In the main process it removes nothing and returns 0.
 */
int mp__os_enter_child(int *argc, char ***argv);

/**
 * @brief Send the result record to the parent over this child's channel.
 *        Called at most once per child, right before it exits.
 */
int mp__os_child_report(const void *record, size_t len);

/**
 * @brief End the current child process: flush stdio, _exit(code). Never
 *        returns. Used for every child under every start method.
 */
void mp__os_child_exit(int code);

/**
 * @brief Start watching the parent (pid from the bootstrap record) so that
 *        mp__os_parent_wait() can tell when it ends; called once in a child.
 */
int mp__os_parent_watch(mp_pid_t ppid);

/**
 * @brief Wait for the watched parent to end.
 * @return 0 once it has ended; MP_ETIMEDOUT; MP_ESTATE if not watching.
 */
int mp__os_parent_wait(double timeout);

/**
 * @brief Make this process deaf to the terminal's interrupt (POSIX: SIGINT
 *        ignored; Win32: Ctrl+C ignored), for a pool's workers: the parent
 *        decides what an interrupt means, and the workers die with it.
 */
void mp__os_ignore_interrupts(void);

/* ------------------------------------------------------------------ */
/* Process-wide facts and services                                     */
/* ------------------------------------------------------------------ */

/** @brief Seconds on a monotonic clock (arbitrary origin), the same in
 *         every process of the machine: a barrier compares a stamp another
 *         process wrote with it. */
double mp__os_now(void);

/** @brief Sleep for `seconds` (> 0), resuming after signals. */
void mp__os_sleep(double seconds);

/** @brief The wall clock: milliseconds since 1970-01-01 00:00 UTC, for the
 *         time on log lines (mp_log.h). */
int64_t mp__os_wall_ms(void);

/**
 * @brief Write one log line (`len` bytes, newline included, at most
 *        MP_LOG_LINE_MAX) to this process's stderr in one write, so that
 *        lines of several processes sharing it never interleave (POSIX: one
 *        write(2) to descriptor 2, which a pipe keeps whole up to PIPE_BUF;
 *        resumed after EINTR). Bypasses C's stdio. Leaves errno (Win32: the
 *        last error) as it was; never fails (a closed stderr loses the line).
 */
void mp__os_log_write(const char *line, size_t len);

/** @brief The current process's pid. */
mp_pid_t mp__os_getpid(void);

/** @brief CPUs usable by this process (affinity, cgroup quota); >= 1. */
int mp__os_cpu_count(void);

/** @brief Threads in this process; -1 when the platform cannot tell. */
int mp__os_thread_count(void);

/** @brief Whether stderr is a terminal (Win32: a console), for the
 *         progress bar's redrawn line. */
bool mp__os_isatty_stderr(void);

/** @brief Fill `buf` with `n` bytes from the OS's cryptographic RNG. */
int mp__os_random(void *buf, size_t n);

/**
 * @brief Called once from mp_init() in the main process: register fork
 *        handlers and anything else the backend needs process-wide.
 */
int mp__os_init(void);

/**
 * @brief How many fork handlers (POSIX: pthread_atfork() registrations) the
 *        backend has made in this process, inherited ones included: a fork
 *        child inherits them, so the count must not grow with the depth of
 *        nested forks (conformance item 140). 0 where nothing forks (Win32).
 */
size_t mp__os_atfork_count(void);

/* ------------------------------------------------------------------ */
/* Shared memory                                                       */
/* ------------------------------------------------------------------ */

/** A mapped shared memory block (POSIX: memfd or shm_open; Win32: a file
 *  mapping). */
typedef struct mp__os_shm mp__os_shm_t;

/**
 * @brief Create and map a zeroed block of `size` (> 0) bytes.
 * @param name NULL for anonymous memory that can only be handed to children
 *        (it never has a name to leak), or a valid name (the core has checked
 *        its characters and length) which the backend prefixes and tracks
 *        so that it is removed once every process using it has ended.
 * @return 0; MP_EEXIST; MP_ENOMEM; MP_ESYS.
 */
int mp__os_shm_create(const char *name, size_t size, mp__os_shm_t **out);

/**
 * @brief Map an existing named block.
 * @param any_owner false refuses a block another user owns (POSIX; Windows
 *        ignores it: its names live in the session's own namespace).
 * @return 0; MP_ENOENT; MP_ENOTOWNER; MP_ESYS.
 */
int mp__os_shm_open(const char *name, bool any_owner, mp__os_shm_t **out);

/**
 * @brief In a child: map the block behind a handle received at start.
 *        The block takes the handle over (it is closed with the block).
 */
int mp__os_shm_from_handle(mp_sentinel_t handle, mp__os_shm_t **out);

/** @brief The handle to give a child (stays owned by the block). */
mp_sentinel_t mp__os_shm_handle(const mp__os_shm_t *shm);

/** @brief Where the block is mapped; NULL once unmapped. */
void *mp__os_shm_addr(const mp__os_shm_t *shm);

/** @brief The block's size in bytes. */
size_t mp__os_shm_size(const mp__os_shm_t *shm);

/** @brief Unmap the block (the handle stays open). Again is a no-op. */
void mp__os_shm_unmap(mp__os_shm_t *shm);

/** @brief Unmap, close and free. NULL-safe. */
void mp__os_shm_free(mp__os_shm_t *shm);

/**
 * @brief Remove a name: attaching by it fails with MP_ENOENT from now on, in
 *        every process; mappings stay valid. Whether the name can be created
 *        again before every handle is closed is the platform's (POSIX: yes;
 *        Windows, where a name lives as long as its last handle: no).
 * @return 0; MP_ENOENT when already removed; MP_ESYS.
 */
int mp__os_shm_unlink(const char *name);

/* ------------------------------------------------------------------ */
/* Connections: the byte stream under one end of a pipe                */
/* ------------------------------------------------------------------ */

/**
 * One end of a pipe, as a byte stream (POSIX: a socketpair end; Win32: a
 * named pipe end in message mode, overlapped). The core frames messages on
 * top (connection.c), so the backend only moves bytes; it never merges a
 * read across what the peer may still be writing, and never loses bytes: a
 * read that times out after some bytes arrived returns them.
 */
typedef struct mp__os_conn mp__os_conn_t;

/**
 * @brief Make two connected ends, close-on-exec / not inheritable.
 * @param duplex true: both ends read and write. false: `*a` only reads and
 *        `*b` only writes.
 * @return 0; MP_ENOMEM; MP_ESYS.
 */
int mp__os_conn_pair(bool duplex, mp__os_conn_t **a, mp__os_conn_t **b);

/**
 * @brief In a child: the end behind a handle received at start. The end
 *        takes the handle over (it is closed with the end).
 */
int mp__os_conn_from_handle(mp_sentinel_t handle, mp__os_conn_t **out);

/** @brief The handle to give a child (stays owned by the end). */
mp_sentinel_t mp__os_conn_handle(const mp__os_conn_t *conn);

/**
 * @brief Whether this end can be given to a child at all, asked before a
 *        start so that the parent, not the child, reports a refusal.
 * @return 0; MP_ENOTSUP (with the reason: a Windows socket end).
 */
int mp__os_conn_shareable(const mp__os_conn_t *conn);

/** Most pieces one message is sent in (mp__os_conn_send()). */
#define MP__OS_PIECES_MAX 4

/** One piece of a message to send: the core's header, then the caller's
 *  bytes, without copying them together. */
typedef struct mp__os_piece {
    const void *data;
    size_t len;
} mp__os_piece_t;

/**
 * @brief Send one message, the bytes of `pieces` in order (their total
 *        > 0), waiting while the peer does not read until `deadline` (an
 *        absolute time from mp__deadline(); INFINITY: no limit). Never raises
 *        SIGPIPE. The end stays usable after every outcome but a cut.
 *
 * A deadline that passes before the first byte went leaves the stream as
 * it was: MP_ETIMEDOUT, `*sent` == 0, nothing was sent. A deadline that
 * passes part-way through cannot take the bytes back, and whatever came
 * next on the stream would be read as the rest of this message, so the
 * backend cuts the end: it shuts this end's writing down for every
 * process that holds it (POSIX: shutdown(SHUT_WR); a Windows socket:
 * shutdown(SD_SEND); a Windows pipe has no such call, and its peer sees
 * end-of-file once every copy of the end is closed), and returns
 * MP_ETIMEDOUT with `*sent` > 0. The peer then reads the start of the
 * message and end-of-file, never half a message as a whole one. The core
 * frees a cut end (connection.c: later calls answer MP_ECLOSED).
 * @param npieces 1 to MP__OS_PIECES_MAX.
 * @param[out] sent bytes written: all of them on success.
 * @return 0; MP_ETIMEDOUT (see above); MP_EINTR (mp__interruptible(): a
 *         signal handler ran; cut likewise when `*sent` > 0); MP_EEOF when
 *         the peer's end is closed; MP_ESYS.
 */
int mp__os_conn_send(mp__os_conn_t *conn, const mp__os_piece_t *pieces, size_t npieces,
                     double deadline, size_t *sent);

/**
 * @brief Read what is there, up to `size` (> 0) bytes, waiting until at
 *        least one byte or end-of-file arrives or `deadline` (an absolute
 *        time from mp__deadline()) passes.
 * @return 0 with `*got` > 0; 0 with `*got` == 0 at end-of-file (the peer's
 *         end is closed in every process); MP_ETIMEDOUT (`*got` == 0);
 *         MP_EINTR (`*got` == 0; mp__interruptible()); MP_ESYS.
 */
int mp__os_conn_read(mp__os_conn_t *conn, void *buf, size_t size, size_t *got, double deadline);

/**
 * @brief A receive of the core's is over (whatever its outcome): from now
 *        on the sentinel must show what the end holds. A backend that reads
 *        ahead (POSIX: bytes beyond the core's ask, kept for the next read)
 *        may leave its sentinel behind during a receive, whose reads empty
 *        and fill that store several times, and bring it up to date here,
 *        once. Others do nothing.
 */
void mp__os_conn_settle(mp__os_conn_t *conn);

/**
 * @brief A sentinel that mp__os_wait_handles() sees ready once a read would
 *        not block (bytes or end-of-file are there, or bytes the end read
 *        ahead: as of the last mp__os_conn_settle()). Owned by the end.
 * @return 0; MP_ESYS.
 */
int mp__os_conn_sentinel(mp__os_conn_t *conn, mp_sentinel_t *out);

/** @brief Close the end and free it. NULL-safe. */
void mp__os_conn_free(mp__os_conn_t *conn);

/* ------------------------------------------------------------------ */
/* Listeners: where unrelated processes connect                        */
/* ------------------------------------------------------------------ */

/** Address families (Python's AF_INET, AF_UNIX, AF_PIPE). */
typedef enum mp__family {
    MP__FAMILY_TCP,  /**< "HOST:PORT" */
    MP__FAMILY_UNIX, /**< a path; on Linux "@NAME" is the abstract namespace */
    MP__FAMILY_PIPE, /**< a Windows pipe name, without the \\.\pipe\ prefix */
} mp__family_t;

/** A listening socket or named pipe. */
typedef struct mp__os_listener mp__os_listener_t;

/** @brief The family of a listener made with no address (unix on POSIX,
 *         pipe on Windows). */
mp__family_t mp__os_default_family(void);

/**
 * @brief Listen.
 * @param where the address after the core stripped "tcp:", "unix:" or
 *        "pipe:"; NULL for a fresh one the backend makes up (tcp: the
 *        loopback address and a free port; unix: a socket in a private
 *        temporary directory; pipe: an unguessable name).
 * @param backlog > 0.
 * @param bound out: the address as bound, in the same form as `where`
 *        (the port the OS chose, the name made up), NUL-ended.
 * @return 0; MP_EINVAL for a family this platform lacks or a malformed
 *         `where` (no port, a host that does not resolve, a name too long);
 *         MP_EEXIST when the address is in use; MP_ENOMEM; MP_ESYS.
 */
int mp__os_listen(mp__family_t family, const char *where, int backlog, char *bound,
                  size_t bound_size, mp__os_listener_t **out);

/**
 * @brief Accept the next client before `deadline` (absolute, mp__deadline()).
 *        A client that connected, wrote and closed before this call is
 *        still accepted, its bytes readable (Windows: ERROR_NO_DATA).
 * @return 0; MP_ETIMEDOUT; MP_ENOMEM; MP_ESYS.
 */
int mp__os_accept(mp__os_listener_t *listener, double deadline, mp__os_conn_t **out);

/**
 * @brief Connect to a listener before `deadline`.
 * @return 0; MP_EINVAL for a family this platform lacks or a malformed
 *         `where`; MP_ENOENT when nothing listens there (refused, no such
 *         socket file or pipe); MP_ETIMEDOUT; MP_ENOMEM; MP_ESYS.
 */
int mp__os_connect(mp__family_t family, const char *where, double deadline, mp__os_conn_t **out);

/**
 * @brief A sentinel that mp__os_wait_handles() sees ready when a client may
 *        be waiting to be accepted, so that the core can wait for a new
 *        client and for the handshakes of clients it accepted already in one
 *        wait. It may be ready with nobody there (another process took the
 *        client): mp__os_accept() with a past deadline then says
 *        MP_ETIMEDOUT at once. Owned by the listener. Called by the thread
 *        that accepts, between accepts.
 * @return 0; MP_ESYS.
 */
int mp__os_listener_sentinel(mp__os_listener_t *listener, mp_sentinel_t *out);

/** @brief Stop listening and free: the address is released (a unix socket
 *         file the listener made is removed, with a directory it made).
 *         NULL-safe. */
void mp__os_listener_free(mp__os_listener_t *listener);

/* ------------------------------------------------------------------ */
/* Spill files: where a queue keeps messages too large for its ring    */
/* ------------------------------------------------------------------ */

/**
 * An anonymous, sparse file that a queue and every process it is given to
 * read and write at offsets (POSIX: a memfd; Win32: a temporary file that
 * is deleted when its last handle closes). A message too large for the
 * ring is written here by its producer and read by its consumer, so a put
 * of any size completes without a reader, and the message outlives the
 * producer (it lives as long as any process holds the file). Offsets up to
 * MP__SPILL_SPAN; the pages of a discarded range are given back to the OS
 * where the platform can. Nothing here is named, so nothing leaks after a
 * crash.
 */
typedef struct mp__os_spill mp__os_spill_t;

/** The offsets a spill file serves: [0, MP__SPILL_SPAN). */
#define MP__SPILL_SPAN ((uint64_t)1 << 40)

/** @brief Create an empty spill file. @return 0; MP_ENOMEM; MP_ESYS. */
int mp__os_spill_create(mp__os_spill_t **out);

/**
 * @brief In a child: the spill file behind a handle received at start. The
 *        object takes the handle over (it is closed with it).
 */
int mp__os_spill_from_handle(mp_sentinel_t handle, mp__os_spill_t **out);

/** @brief The handle to give a child (stays owned by the object). */
mp_sentinel_t mp__os_spill_handle(const mp__os_spill_t *spill);

/**
 * @brief Write all `len` bytes at `offset` (offset + len <= MP__SPILL_SPAN),
 *        resuming after signals.
 * @return 0; MP_ENOMEM when the system has no memory (or disk) left for
 *         them; MP_ESYS.
 */
int mp__os_spill_write(mp__os_spill_t *spill, uint64_t offset, const void *data, size_t len);

/**
 * @brief Read exactly `len` bytes at `offset`, resuming after signals.
 * @return 0; MP_EBROKEN when the file has fewer bytes there (someone
 *         truncated it); MP_ESYS.
 */
int mp__os_spill_read(mp__os_spill_t *spill, uint64_t offset, void *buf, size_t len);

/** @brief The range's bytes are no longer needed: give back its whole pages
 *         where the platform can (best effort, never fails). */
void mp__os_spill_discard(mp__os_spill_t *spill, uint64_t offset, uint64_t len);

/** @brief Close and free. NULL-safe. */
void mp__os_spill_free(mp__os_spill_t *spill);

/* ------------------------------------------------------------------ */
/* Flags: a ready state that mp_wait() and the OS's own waits can see  */
/* ------------------------------------------------------------------ */

/**
 * A level-triggered flag inside one process, whose sentinel (an fd or a
 * HANDLE) is ready exactly while the flag is raised (POSIX: a pipe holding
 * one byte; Win32: a manual-reset event). The core raises and lowers it
 * from one thread at a time; any thread may wait on the sentinel. Used to
 * make objects that live in shared memory (queues) waitable next to
 * process sentinels and connections.
 */
typedef struct mp__os_flag mp__os_flag_t;

/** @brief A lowered flag. @return 0; MP_ENOMEM; MP_ESYS. */
int mp__os_flag_create(mp__os_flag_t **out);

/** @brief Raise (true) or lower (false); a no-op when it already is. */
void mp__os_flag_set(mp__os_flag_t *flag, bool raised);

/** @brief The sentinel: ready while raised. Owned by the flag. */
mp_sentinel_t mp__os_flag_sentinel(const mp__os_flag_t *flag);

/** @brief Free. NULL-safe. */
void mp__os_flag_free(mp__os_flag_t *flag);

/* ------------------------------------------------------------------ */
/* Futexes: a word in shared memory that processes can sleep on        */
/* ------------------------------------------------------------------ */

/**
 * The core builds every lock, semaphore, condition, event and barrier from
 * semlocks (mp_semlock.h), and semlocks from this: an atomic 32-bit word in
 * shared memory that a thread of any process may sleep on until another
 * changes it. `reserved` and `key` are the backend's (Win32 names a wait
 * channel by the key and counts sleepers in `reserved`): the core initialises
 * neither and never touches them after mp__os_futex_init().
 */
typedef struct mp__futex {
    _Atomic uint32_t value;
    uint32_t reserved;
    uint64_t key;
} mp__futex_t;

/** @brief Set the word to `value` and prepare the key (creator only). */
int mp__os_futex_init(mp__futex_t *futex, uint32_t value);

/**
 * @brief Sleep while the word equals `expected`, at most `seconds`
 *        (INFINITY: no limit). May return early for no reason: callers
 *        re-check.
 * @return 0 (woken, timed out, the word differed, or spuriously);
 *         MP_EINTR when a signal handler ran during the sleep (POSIX: the
 *         system call's EINTR; the caller decides, by mp__interruptible(),
 *         whether to resume). Win32 never returns MP_EINTR: no signal
 *         interrupts its waits.
 */
int mp__os_futex_wait(mp__futex_t *futex, uint32_t expected, double seconds);

/** @brief Wake up to `count` sleepers (INT_MAX: all). */
void mp__os_futex_wake(mp__futex_t *futex, int count);

/**
 * @brief The calling thread's id: nonzero and unique among the threads of
 *        this process (Linux: gettid()). The core caches it per thread and
 *        forgets it after fork; it records which thread holds a mutex.
 */
uint32_t mp__os_thread_id(void);

/**
 * @brief This process's id as a mutex owner: nonzero, below 2^30, and
 *        unique among the live processes of the machine (Linux: the pid;
 *        Win32: the process id / 4). The core caches it and forgets it after
 *        fork; a mutex's word holds it.
 */
uint32_t mp__os_lock_owner_id(void);

/**
 * @brief Whether the process with this owner id has ended. A process that
 *        has exited but not been reaped (a zombie) has ended: it holds
 *        nothing any more.
 */
bool mp__os_lock_owner_is_dead(uint32_t owner);

/** @brief The pid of the process with this owner id (mp__os_lock_owner_id()). */
mp_pid_t mp__os_lock_owner_pid(uint32_t owner);

/* ------------------------------------------------------------------ */
/* Up-calls: what the core provides to backends                        */
/* ------------------------------------------------------------------ */

/*
 * Everything a backend may call in the core is declared from here to the
 * end of this file, with mp_buf.h (included above: the growable buffer that
 * mp__os_proc_wait() fills, mp__buf_reserve() / mp__buf_append() /
 * mp__buf_free()) and the public error codes. A backend file includes this
 * header and its own internal one, never another core header: what the core
 * keeps to itself (objects, records, the task table) cannot leak into a
 * platform, and a new platform has exactly this page to read.
 */

/* --- errors and time ---------------------------------------------- */

/**
 * @brief Record the sentence mp_errdetail() returns for the failing call
 *        (per thread; printf format) and return `code`, so that a failure
 *        reads `return mp__errdetail_set(MP_EINVAL, "...");`. Any thread,
 *        any time, no lock held or taken.
 */
int mp__errdetail_set(int code, const char *fmt, ...) MP_PRINTF(2, 3);

/** A saved mp_errdetail() sentence (as long as its buffer). */
typedef struct mp__errdetail_saved {
    char text[256];
} mp__errdetail_saved_t;

/**
 * @brief Keep this thread's detail sentence, and put it back: a clean-up
 *        step on a failing call's way out (one that may fail in turn and
 *        say so) runs between the two, so that mp_errdetail() still
 *        describes the call that failed.
 */
void mp__errdetail_save(mp__errdetail_saved_t *out);
/** @copydoc mp__errdetail_save */
void mp__errdetail_restore(const mp__errdetail_saved_t *saved);

/**
 * @brief A timeout as an absolute deadline on mp__os_now()'s clock, so a
 *        loop that wakes early keeps the caller's limit: INFINITY for
 *        MP_FOREVER and for anything longer than a century (a huge finite
 *        timeout must not overflow a clock), now for a timeout <= 0 or when
 *        `block` is false.
 */
double mp__deadline(bool block, double timeout);

/** @brief Seconds left until a deadline from mp__deadline() (>= 0). */
double mp__time_left(double deadline);

/**
 * @brief Whether a wait that a signal handler interrupted returns MP_EINTR
 *        (mp_set_interruptible()) rather than resuming. Any thread.
 */
bool mp__interruptible(void);

/* --- addresses ------------------------------------------------------ */

/** Longest host name in a tcp address. */
#define MP__HOST_MAX 255

/**
 * @brief Split a tcp address "HOST:PORT" at its last colon, for both
 *        backends' listeners and clients. HOST may be empty (every
 *        interface for a listener, this machine for a client, as Python's
 *        '').
 * @return 0; MP_EINVAL (with the reason) for no colon, a port that is not
 *         0 to 65535, or a host longer than MP__HOST_MAX.
 */
int mp__split_host_port(const char *where, char host[MP__HOST_MAX + 1], unsigned *port);

/* --- authentication ------------------------------------------------ */

/**
 * @brief Python's challenge-response handshake (HMAC-SHA256 under `key`,
 *        each side challenging the other) on `*conn`, in a Connection's
 *        framed messages: the very wire format and code of Listener and
 *        Client, for a backend's own login (the POSIX fork server).
 * @param conn the end, which the core holds during the call: on success it
 *        is left open and unchanged in `*conn`, nothing past the
 *        handshake's last message read from it; on failure it is freed
 *        (closed) and `*conn` set to NULL.
 * @param challenge_first true on the listening side, which challenges
 *        first (Python's Listener); false on the connecting side.
 * @param deadline absolute (mp__deadline()), for every send and receive.
 * @return 0; MP_EAUTH (a wrong digest either way, or a message that is not
 *         the handshake's); MP_ETIMEDOUT; MP_EEOF (the peer hung up);
 *         MP_ENOMEM; MP_ESYS.
 */
int mp__core_handshake(mp__os_conn_t **conn, bool challenge_first, const void *key, size_t key_len,
                       double deadline);

/**
 * A handshake in progress for a backend's own login (the POSIX fork
 * server), driven without waiting so that one thread can log in several
 * peers at once, each with its own deadline: a peer that stalls holds up
 * nobody else. The same machine as mp__core_handshake().
 */
typedef struct mp__core_login mp__core_login_t;

/**
 * @brief Begin a handshake on `conn`, which the login takes over (freed
 *        here on failure). Nothing is sent until the first step.
 * @param key must outlive the login.
 * @param deadline absolute: what a send may wait. The caller drops a login
 *        whose deadline has passed (mp__core_login_end()).
 * @return 0; MP_ENOMEM; MP_ESTATE before mp_init().
 */
int mp__core_login_start(mp__os_conn_t *conn, bool challenge_first, const void *key, size_t key_len,
                         double deadline, mp__core_login_t **out);

/**
 * @brief Go on as far as what the peer has sent allows, without waiting.
 * @return 0 once the peer is authenticated; 1 while it waits for the peer
 *         (call again once the end is readable); MP_EAUTH (a wrong digest,
 *         a hang-up, anything that is not the handshake's next message);
 *         MP_ETIMEDOUT; MP_ESYS. A failure is final.
 */
int mp__core_login_step(mp__core_login_t *login);

/**
 * @brief Free a login. After a step that returned 0 the end comes back,
 *        open and with nothing past the handshake read from it; otherwise
 *        (a failure, or a login dropped unfinished) it is closed and NULL
 *        is returned. NULL-safe.
 */
mp__os_conn_t *mp__core_login_end(mp__core_login_t *login);

/* --- children ------------------------------------------------------ */

/**
 * @brief Run a child from its bootstrap record: decode it, attach the objects
 *        it was given (from `handles`, this process's own numbers for the
 *        launch's handles, in order), find the task, run it, report the
 *        result with mp__os_child_report().
 * @param method the start method that made this child ("fork", ...).
 * @return the exit code the child must exit with.
 */
int mp__core_child_main(const char *method, const void *record, size_t len,
                        const mp_sentinel_t *handles, size_t nhandles);

/**
 * @brief mp__core_child_main() for a child that inherited the parent's
 *        memory (fork): it runs from `launch->decoded` as is, saving the
 *        decoding and the copy-on-write faults its allocations would cost.
 */
int mp__core_child_run(const char *method, const void *decoded, const mp_sentinel_t *handles,
                       size_t nhandles);

/**
 * @brief In a fork child, before it runs its task: the OS handles of the
 *        connection ends in its copy of the parent's memory, so that the
 *        backend can let go of those it was not given (fork policy
 *        point 4). Writes at most `cap` of them to `out` (NULL when `cap`
 *        is 0) and returns how many there are.
 */
size_t mp__core_inherited_conns(mp_sentinel_t *out, size_t cap);

/**
 * @brief A start method's child exists but could not be given its orders:
 *        kill it, reap it and free `proc`, so that no child is left waiting.
 */
void mp__core_abandon_start(mp__os_proc_t *proc);

/** @brief Before fork: take the core's locks (fork policy point 1). */
void mp__core_atfork_prepare(void);
/** @brief After fork, in the parent: release them. */
void mp__core_atfork_parent(void);
/** @brief After fork, in the child: re-make them. */
void mp__core_atfork_child(void);

#endif /* MP_BACKEND_H */
