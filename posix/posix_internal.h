/**
 * @file posix_internal.h
 * @brief What the POSIX backend's files share: the child record, the
 *        channel framing and descriptor helpers.
 */
#ifndef POSIX_INTERNAL_H
#define POSIX_INTERNAL_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "mp_backend.h"

/** A started child, as the POSIX backend tracks it. */
struct mp__os_proc {
    pid_t pid;
    int chan;        /**< our end of the child's channel: its result, then EOF */
    int pidfd;       /**< the child's pidfd (Linux 5.3+), ready when it has
                        ended, whoever its parent is by then; -1 if none */
    int status;      /**< a fork server's child: the socket on which the
                        server reports its exit code; -1 for our own */
    pid_t server;    /**< a fork server's child: that server's pid */
    bool via_server; /**< started by the fork server: it reaps, we read status */
    bool chan_eof;
    bool reaped;
    int exitcode;
};

/**
 * @brief pthread_atfork(), counted for mp__os_atfork_count(): every fork
 *        handler of the backend is registered through here.
 * @return pthread_atfork()'s (0 or an errno value).
 */
int mp__posix_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

/** @brief Allocate a proc record with every descriptor set to -1. */
mp__os_proc_t *mp__posix_proc_new(pid_t pid);

/**
 * @brief A wait status (waitpid()) as Python's exit code: the code the
 *        child exited with, or -signal when a signal ended it; 255 for a
 *        status that is neither. The one decoder, for our own children and
 *        the fork server's alike.
 */
int mp__posix_decode_status(int status);

/** @brief mp__posix_decode_status() for a waitid() result. */
int mp__posix_decode_siginfo(const siginfo_t *info);

/* ---- the channel between a parent and its child (channel.c) ------ */

/** The descriptor number a spawned child finds its channel at. */
#define MP__CHILD_CHAN_FD 3

/** Flags the parent sends ahead of the bootstrap record. */
enum { MP__LAUNCH_EXIT_WITH_PARENT = 1u << 0, MP__LAUNCH_TRACKER = 1u << 1 };

/**
 * Results up to this size go through the channel itself, which holds them
 * whole (a Unix socket buffers ~200 KiB), so a child never blocks writing
 * and its parent need not wake before it ends. Bigger ones travel in a
 * memfd whose descriptor is sent with one marker byte.
 */
#define MP__INLINE_RESULT_MAX (64 * 1024)

/** Most handles one child can be given (SCM_RIGHTS carries up to 253). */
#define MP__MAX_HANDLES 64

/**
 * @brief Parent side: the descriptors a spawned or served child receives
 *        besides its channel: the launch's handles, then the tracker journal
 *        if any. Fills `fds` (room for MP__MAX_HANDLES + 1) and returns the
 *        count, or MP_EINVAL when there are too many.
 */
int mp__posix_channel_fds(const mp__launch_t *launch, int *fds);

/** A framed bootstrap record on its way to a child (channel.c). */
typedef struct mp__posix_frame mp__posix_frame_t;

/**
 * @brief Parent side: frame the bootstrap record (header with flags, handle
 *        count and length, then the bytes); `with_environment` adds the
 *        working directory and environment, for a child that does not
 *        inherit them from this process (fork server). `launch` must
 *        outlive the frame. @return 0; MP_ENOMEM.
 */
int mp__posix_frame_open(mp__posix_frame_t **out, const mp__launch_t *launch,
                         bool with_environment);

/**
 * @brief Send what is left of the frame on `chan`, in one sendmsg() when
 *        the socket takes it. `wait` false: only what it takes now, which
 *        lets a start put the record in the socket's buffer before the
 *        child exists, so that the child finds it at once instead of
 *        waiting for this process to be scheduled again. A child that
 *        ended before reading it all is not an error here.
 * @return 0; MP_ESYS.
 */
int mp__posix_frame_send(int chan, mp__posix_frame_t *frame, bool wait);

/** @brief Free a frame (NULL: nothing). */
void mp__posix_frame_close(mp__posix_frame_t *frame);

/**
 * @brief Parent side, last step of a start: send the rest of `frame` on
 *        `proc->chan`, close it and hand `proc` to the caller; on failure
 *        kill and reap the child and free `proc` (mp__core_abandon_start()).
 */
int mp__posix_channel_deliver(mp__os_proc_t *proc, mp__posix_frame_t *frame, mp__os_proc_t **out);

/**
 * @brief Parent side: append what the child reported on `proc->chan` to
 *        `received` (a memfd result replaces its marker byte); `blocking`
 *        waits for the first byte, otherwise stops when nothing is there.
 *        Sets `proc->chan_eof` at end-of-file.
 * @return 0; MP_ENOMEM; an error from mapping a memfd result.
 */
int mp__posix_channel_collect(mp__os_proc_t *proc, mp__buf_t *received, bool blocking);

/**
 * @brief Child side (spawn, fork server): adopt `chan`, read the framed
 *        record from it and run it: never returns.
 * @param fds this process's descriptors for the launch's handles and the
 *        tracker journal, in mp__posix_channel_fds() order; NULL when they were
 *        placed consecutively from descriptor 4 (spawn).
 * @param nfds their count (ignored when fds is NULL).
 * @param parent the pid exit-with-parent watches: the fork server's for its
 *        children; 0 for the process that sent the record.
 */
void mp__posix_channel_run(int chan, const char *method, const int *fds, size_t nfds, pid_t parent);

/**
 * @brief Child side (fork): adopt `chan` and run `launch` from this copy of
 *        the parent's memory, which forked it as `parent`: never returns.
 */
void mp__posix_channel_run_forked(int chan, const mp__launch_t *launch, pid_t parent);

/**
 * @brief In a new child: adopt `chan` as this process's channel to its
 *        parent (the one mp__os_child_report() writes to), closing the
 *        channel it inherited from its own parent role (fork policy point 4).
 */
void mp__posix_channel_adopt(int chan);

/**
 * @brief In a new child (child.c): end this process when its parent
 *        process ends, even by SIGKILL (Linux; elsewhere nothing), not when
 *        the thread that started it ends. Claims the signal SIGRTMAX for
 *        the kernel's parent-death notice.
 * @param parent the pid that forked us (a fork server for its children).
 * @param client the process a fork server forked us for, which adopts us
 *        if the server dies (== parent for every other child).
 */
void mp__posix_exit_with_parent(pid_t parent, pid_t client);
/* Flush stdout and stderr, each only if it holds output (child.c). */
void mp__posix_flush_stdio(void);

/* ---- descriptor helpers ------------------------------------------ */

/** @brief Make a socket's writes immune to SIGPIPE where MSG_NOSIGNAL
 *         does not exist (SO_NOSIGPIPE, macOS); a no-op elsewhere. */
void mp__posix_nosigpipe(int fd);

/** @brief A connected AF_UNIX stream pair, both ends close-on-exec and
 *         immune to SIGPIPE. */
int mp__posix_socketpair(int fds[2]);

/**
 * @brief A connection end around a connected stream socket (blocking,
 *        close-on-exec), which it takes over; the caller closes `fd` on
 *        failure. @return 0; MP_ENOMEM.
 */
int mp__posix_conn_wrap(int fd, mp__os_conn_t **out);

/**
 * @brief As mp__posix_conn_wrap(), for an end that reads exactly what each
 *        read asks, never ahead: one whose descriptor goes back to its
 *        caller (mp__posix_conn_unwrap()) with the next bytes still in the
 *        socket, descriptors that travel with them included.
 */
int mp__posix_conn_wrap_exact(int fd, mp__os_conn_t **out);

/** Most descriptors one message of mp__posix_send_fds() carries: a fork
 *  server request's channel, status socket, handles and tracker pipe. */
#define MP__PASS_FDS_MAX (3 + MP__MAX_HANDLES)

/**
 * @brief Send `len` (> 0) bytes on a Unix stream socket with `nfds`
 *        descriptors (SCM_RIGHTS, at most MP__PASS_FDS_MAX), which travel
 *        with the first byte (fdpass.c). Never raises SIGPIPE.
 * @return 0; MP_EEOF when the peer is gone; MP_EINVAL; MP_ESYS.
 */
int mp__posix_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds);

/**
 * @brief Receive exactly `len` bytes sent by mp__posix_send_fds(), and the
 *        descriptors that came with them (close-on-exec; beyond `maxfds`
 *        they are closed), their count in `*nfds`.
 * @return 0; MP_EEOF at end-of-file (no descriptor is then left open);
 *         MP_ESYS.
 */
int mp__posix_recv_fds(int sock, void *buf, size_t len, int *fds, size_t maxfds, size_t *nfds);

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE is set on our sockets instead */
#endif

/** @brief Free an end from mp__posix_conn_wrap() but not its descriptor,
 *         which goes back to the caller. */
void mp__posix_conn_unwrap(mp__os_conn_t *conn);

/** @brief Write all bytes; a reader that is gone is MP_EEOF, never SIGPIPE
 *         (MSG_NOSIGNAL on sockets, the signal blocked around a pipe write). */
int mp__posix_write_all(int fd, const void *buf, size_t n);

/** @brief Read exactly n bytes; MP_EEOF at a short end. */
int mp__posix_read_all(int fd, void *buf, size_t n);

/**
 * @brief poll() until the deadline (mp__os_now() based; INFINITY for none),
 *        resuming after EINTR. @return poll's count, 0 on timeout, MP_ESYS.
 */
int mp__posix_poll(struct pollfd *fds, size_t n, double deadline);

/** @brief close() that keeps errno and ignores -1. */
void mp__posix_close(int fd);

/** @brief Record errno for mp_errdetail() and return MP_ESYS. */
int mp__posix_syserr(const char *what);

/* ---- the fork server ---------------------------------------------- */

/** Length of the fork server's authentication key (Python's is 32 too). */
#define MP__FORKSERVER_KEY_SIZE 32

/** A request to the fork server: this header plus descriptors
 *  (SCM_RIGHTS): the child's channel end, a status socket end, on which
 *  the server writes the child's pid (int64, with the child's pidfd when
 *  it has one) and, once the child has ended, its exit code (int32), and
 *  the child's other descriptors. */
typedef struct mp__fs_request {
    char magic[4];  /**< "MPFS" */
    uint32_t flags; /**< MP__FS_EXIT_WITH_PARENT: kill it when the client goes;
                       MP__FS_DAEMON: informative (the client ends daemons) */
    uint32_t nfds;  /**< descriptors after the two: mp__posix_channel_fds() */
} mp__fs_request_t;

enum { MP__FS_DAEMON = 1u << 0, MP__FS_EXIT_WITH_PARENT = 1u << 1 };

/**
 * @brief Log in to or for the fork server (handshake.c): the core's
 *        handshake under `key` on the socket `fd`, which it takes over: on
 *        failure `fd` is closed, on success it is the caller's again.
 * @param challenge_first true for the server (it challenges first).
 * @return 0; MP_EAUTH; MP_ETIMEDOUT when `deadline` passed; MP_EEOF;
 *         MP_ENOMEM; MP_ESYS.
 */
int mp__posix_handshake(int fd, bool challenge_first, const void *key, size_t key_len,
                        double deadline);

/**
 * @brief The fork server's side of a login, driven without waiting
 *        (mp__core_login_step()): begin one on the accepted socket `fd`,
 *        which it takes over (closed here on failure).
 * @return 0; MP_ENOMEM.
 */
int mp__posix_login_start(int fd, const void *key, size_t key_len, double deadline,
                          mp__core_login_t **out);

/** @brief Free a login: the socket, open, once it succeeded; otherwise -1
 *         (it is closed). */
int mp__posix_login_end(mp__core_login_t *login);

/**
 * @brief The fork server's main loop; never returns.
 * @param listener the listening socket the client made for it.
 * @param keypipe carries the key, then end-of-file when the client is gone.
 * @param dir the private directory of the socket, removed at exit.
 */
void mp__posix_forkserver_main(int listener, int keypipe, const char *dir);

/** @brief Forget the fork-server connection inherited across fork. */
void mp__posix_forkserver_forget(void);

/** @brief The running fork server's pid, -1 if none (for tests). */
pid_t mp__posix_forkserver_pid(void);

/**
 * @brief A child of fork server `server` found it gone (end-of-file on its
 *        status socket): make sure that server has ended and is reaped, so
 *        that its orphans are ours by the time this returns (this process
 *        is a child subreaper), and that the next start makes a new one.
 */
void mp__posix_forkserver_lost(pid_t server);

/** @brief Register the client's fork handlers; from mp__os_init(). */
int mp__posix_forkserver_init(void);

/* ---- the resource tracker (tracker.c, tracker_server.c) ---------- */

/** Longest journal line, newline included. */
#define MP__TRACKER_LINE_MAX 128
/** The journal's header (tracker_journal.c): its first bytes, before any line. */
#define MP__TRACKER_JOURNAL_HEADER 4096

/** @brief Announce that this process uses a named object (starting the
 *         family's journal and tracker if there are none yet). Called
 *         before the object is created, so that no moment leaks it. */
int mp__posix_track(const char *osname);
/** @brief Announce that this process's create of a tracked name failed
 *         (it existed): the name is someone else's, not to be removed for
 *         this process's sake. */
void mp__posix_track_abandon(const char *osname);
/** @brief Announce that a named object was unlinked. */
void mp__posix_untrack(const char *osname);
/**
 * @brief Register the tracker's fork handlers (once). The fork-server
 *        client calls it before registering its own: fork's prepare
 *        handlers run in the reverse order, so a fork takes the client's
 *        lock before the tracker's, the order a start that launches the
 *        server takes them in (a fork beside that start cannot deadlock).
 */
void mp__posix_tracker_init_atfork(void);
/** @brief Announce a private directory this process made for its sockets
 *         (0700), which the tracker removes, sockets and all, once the
 *         process has ended. Quiet: a failure leaves the sweep to do it. */
void mp__posix_track_dir(const char *dir);
/** @brief Announce that that directory was removed. */
void mp__posix_untrack_dir(const char *dir);
/** @brief How many passes over /proc this family's trackers have made (a
 *         test hook: the clean-up's work); 0 without a journal. */
uint64_t mp__posix_tracker_scans(void);
/** @brief The tracker journal to hand to a child; -1 when there is none. */
int mp__posix_tracker_fd(void);
/** @brief In a child: use the tracker journal it was given. */
void mp__posix_tracker_adopt(int fd);
/** @brief Whether the peer of the Unix socket `fd` runs as this user. */
bool mp__posix_peer_is_us(int fd);
/** @brief Append "<op><pid> <osname>\n" to a journal in one write(). */
int mp__posix_journal_append(int journal, char op, pid_t pid, const char *osname);
/** @brief The tracker process's main loop on its listening socket and the
 *         family's journal; never returns. */
void mp__posix_tracker_main(int listener, int journal);

/**
 * @brief An anonymous file (a memfd on Linux; elsewhere a shm_open() name
 *        unlinked at once), read-write and close-on-exec; -1 with errno.
 * @param label its name in /proc (Linux), for people reading it.
 */
int mp__posix_anonymous_fd(const char *label);

/**
 * @brief Make a fresh private directory (0700) "<base>/<prefix><pid>-XXXXXX"
 *        in `dir`, announced to the tracker before it exists (so the
 *        tracker removes it, sockets and all, if this process is killed).
 * @return 0; MP_EINVAL when it does not fit `size`; MP_ESYS.
 */
int mp__posix_make_private_dir(char *dir, size_t size, const char *base, const char *prefix);

/** @brief Remove what dead processes of this library left in the temporary
 *         directories (sweep.c); cheap, called once per program start. */
void mp__posix_sweep_leftovers(void);

/**
 * @brief Remove directory `name` under `parent` (a descriptor, or AT_FDCWD
 *        for a path) and the sockets in it, if it is one of ours: a real
 *        directory of this user, mode 0700; anything but sockets in it
 *        keeps it (sweep.c).
 */
void mp__posix_remove_private_dir(int parent, const char *name);

/** The start methods' tables, one per file. */
extern const mp__start_method_t mp__posix_fork_method;
extern const mp__start_method_t mp__posix_spawn_method;
extern const mp__start_method_t mp__posix_forkserver_method;

/** @brief A pidfd for our own child (Linux 5.3+), close-on-exec; -1 if none. */
int mp__posix_pidfd_open(pid_t pid);

/**
 * @brief posix_spawn this program with `argv`, giving it `fds[i]` as
 *        descriptor 3 + i and no other descriptor but stdio.
 */
int mp__posix_spawn_with_fds(const char *const argv[], const int *fds, size_t nfds, pid_t *pid);

/** @brief In a fork child: the cached pid is the parent's; forget it. */
void mp__posix_forget_pid(void);

/** @brief Path of the running executable, for re-executing it. */
const char *mp__posix_self_exe(void);

#endif /* POSIX_INTERNAL_H */
