/* The resource tracker, client side: how a process tells the family's
 * tracker (tracker_server.c) which shared-memory names it uses.
 *
 * The family shares one journal: an anonymous file (a memfd on Linux),
 * opened for appending, that the first process to track a name makes and
 * every child inherits (fork) or is given (spawn, fork server). A process
 * appends one line per event ("+pid name": uses it, "-pid name": tried to
 * create it and did not, "xpid name": unlinked it; "Dpid dir" and "Xpid
 * dir" for a private directory of sockets, made and removed) and rings the
 * tracker over a Unix socket connection; the tracker reads the journal, not
 * the socket. Because the journal is held by the family and not by the
 * tracker, the tracker can die (SIGKILL) without taking what it knew with
 * it: the next process that rings finds it gone (EPIPE, never SIGPIPE:
 * MSG_NOSIGNAL), starts a new one, and the new one reads the journal from
 * the start. The tracker listens at an address derived from the journal's
 * identity, so every process of the family, fork children holding a dead
 * connection included, finds the same new tracker. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "posix_internal.h"

/* How many times a process tries to reach (or start) a tracker before it
 * gives up, and how long it waits between tries: another process may be
 * starting one at that address at the same moment. */
enum { REACH_TRIES = 200 };
#define REACH_PAUSE_S 0.005

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static int journal = -1;  /* the family's journal, appended to */
static int bell = -1;     /* this process's connection to the tracker */
static pid_t started = 0; /* the tracker this process started, if any */

/* The lock is held across fork, so that a child's copy is consistent. */
static void lock_for_fork(void)
{
    pthread_mutex_lock(&lock);
}

static void unlock_after_fork(void)
{
    pthread_mutex_unlock(&lock);
}

static void register_atfork(void)
{
    pthread_atfork(lock_for_fork, unlock_after_fork, unlock_after_fork);
}

void mp__posix_tracker_init_atfork(void)
{
    pthread_once(&atfork_once, register_atfork);
}

static int tracker_address(int journal_fd, struct sockaddr_un *addr, socklen_t *len)
{
    struct stat st;
    if (fstat(journal_fd, &st) < 0)
        return mp__posix_syserr("fstat of the tracker journal");
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
#ifdef __linux__
    /* The abstract namespace: nothing on disk to leave behind. The journal
     * is open in the tracker as long as it runs, so no other file can have
     * its inode meanwhile. */
    int n = snprintf(addr->sun_path + 1, sizeof addr->sun_path - 1,
                     "multiproc-tracker-%u-%llx-%llx", (unsigned)getuid(),
                     (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
#else
    snprintf(addr->sun_path, sizeof addr->sun_path, "/tmp/multiproc-tracker-%u-%llx-%llx",
             (unsigned)getuid(), (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    *len = (socklen_t)sizeof *addr;
#endif
    return 0;
}

/* Anyone can bind or connect to an abstract address: a tracker of another
 * user there is a squatter, and a client of another user a stranger. */
bool mp__posix_peer_is_us(int fd)
{
#ifdef SO_PEERCRED
    struct ucred cred;
    socklen_t len = sizeof cred;
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == getuid();
#else
    uid_t uid;
    gid_t gid;
    return getpeereid(fd, &uid, &gid) == 0 && uid == getuid();
#endif
}

/* Connect to the tracker at `addr`: 0, or -1 with errno. */
static int connect_to(const struct sockaddr_un *addr, socklen_t len, int *out)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    mp__posix_nosigpipe(fd);
    while (connect(fd, (const struct sockaddr *)addr, len) < 0) {
        if (errno != EINTR) {
            mp__posix_close(fd);
            return -1;
        }
    }
    if (!mp__posix_peer_is_us(fd)) {
        mp__posix_close(fd);
        errno = EACCES;
        return -1;
    }
    *out = fd;
    return 0;
}

/* Bind the tracker's address, connect to it ourselves (so that the new
 * tracker has a connection waiting the moment it starts: it leaves when it
 * has none and nothing to watch), then start the tracker on it. 0; 1 when
 * another process bound the address first; a code. */
static int start_tracker(const struct sockaddr_un *addr, socklen_t len, int *out)
{
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        return mp__posix_syserr("socket for the tracker");
#ifndef __linux__
    unlink(addr->sun_path); /* refused: nobody listens at the stale file */
#endif
    if (bind(listener, (const struct sockaddr *)addr, len) < 0) {
        int rc = errno == EADDRINUSE ? 1 : mp__posix_syserr("bind for the tracker");
        mp__posix_close(listener);
        return rc;
    }
    int rc = listen(listener, 64) < 0 ? mp__posix_syserr("listen for the tracker") : 0, fd = -1;
    if (rc == 0 && connect_to(addr, len, &fd) < 0)
        rc = mp__posix_syserr("connect to the new tracker");
    if (rc == 0) {
        const char *argv[] = {mp__posix_self_exe(), "--multiproc-tracker", NULL};
        int fds[] = {listener, journal};
        rc = mp__posix_spawn_with_fds(argv, fds, 2, &started);
    }
    mp__posix_close(listener);
    if (rc == 0)
        *out = fd;
    else
        mp__posix_close(fd);
    return rc;
}

/* Connect `bell` to the family's tracker, starting one if there is none. */
static int reach_tracker(void)
{
    struct sockaddr_un addr;
    socklen_t len = 0;
    int rc = tracker_address(journal, &addr, &len);
    for (int i = 0; rc == 0 && i < REACH_TRIES; i++) {
        if (connect_to(&addr, len, &bell) == 0)
            return 0;
        if (errno == EACCES)
            return mp__errdetail_set(MP_ESYS, "the tracker's address is taken by another user");
        if ((rc = start_tracker(&addr, len, &bell)) == 0)
            return 0;
        if (rc == 1) /* another process is starting it: connect to that one */
            rc = 0, mp__os_sleep(REACH_PAUSE_S);
    }
    return rc < 0 ? rc : mp__errdetail_set(MP_ESYS, "no resource tracker could be reached");
}

/* Tell the tracker to read the journal. A full socket is fine: it has
 * bells to read already. A dead tracker is replaced once per call. */
static int ring(void)
{
    for (int attempt = 0; attempt < 2;) {
        int rc = bell < 0 ? reach_tracker() : 0;
        if (rc < 0)
            return rc;
        ssize_t w = send(bell, "!", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w == 1 || (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
            return 0;
        if (w < 0 && errno == EINTR)
            continue;
        mp__posix_close(bell); /* EPIPE, ECONNRESET: the tracker is gone */
        bell = -1;
        attempt++;
        /* Ours to reap if we started it (no zombie per restart); a fork
         * child's copy of the pid is not its child: ECHILD, harmless. */
        if (started > 0 && waitpid(started, NULL, WNOHANG) != 0)
            started = 0;
    }
    return mp__errdetail_set(MP_ESYS, "the resource tracker keeps dying");
}

static int make_journal(void)
{
    int fd = mp__posix_anonymous_fd("multiproc-tracker");
    if (fd < 0)
        return mp__posix_syserr("creating the tracker journal");
    /* The header page (zeros: nothing compacted yet), then the lines. */
    int flags = fcntl(fd, F_GETFL);
    if (ftruncate(fd, MP__TRACKER_JOURNAL_HEADER) < 0 || flags < 0 ||
        fcntl(fd, F_SETFL, flags | O_APPEND) < 0) {
        int rc = mp__posix_syserr("preparing the tracker journal");
        mp__posix_close(fd);
        return rc;
    }
    journal = fd;
    return 0;
}

int mp__posix_journal_append(int fd, char op, pid_t pid, const char *osname)
{
    char line[MP__TRACKER_LINE_MAX];
    int n = snprintf(line, sizeof line, "%c%d %s\n", op, (int)pid, osname);
    if (n <= 0 || (size_t)n >= sizeof line)
        return mp__errdetail_set(MP_EINVAL, "name too long for the tracker: %s", osname);
    /* One write() of an O_APPEND file: the line lands whole, after every
     * other process's lines, however many append at once. */
    ssize_t w;
    while ((w = write(fd, line, (size_t)n)) < 0 && errno == EINTR)
        ;
    return w == n ? 0 : mp__posix_syserr("write to the tracker journal");
}

/* Record `op` for `osname` and ring the tracker; `start` makes the journal
 * and the tracker if this process has none yet. */
static int send_event(char op, const char *osname, bool start)
{
    mp__posix_tracker_init_atfork();
    pthread_mutex_lock(&lock);
    int rc = 0;
    if (journal < 0)
        rc = start ? make_journal() : 1;
    if (rc == 0)
        rc = mp__posix_journal_append(journal, op, getpid(), osname);
    if (rc == 0)
        rc = ring();
    pthread_mutex_unlock(&lock);
    return rc < 0 ? rc : 0;
}

int mp__posix_track(const char *osname)
{
    return send_event('+', osname, true);
}

/* The calls below run on the way out of a call (a failed create, an
 * unlink done) or beside one (a listener's directory): their own failure
 * must not replace that call's detail. */
static void send_quietly(char op, const char *osname, bool start)
{
    mp__errdetail_saved_t saved;
    mp__errdetail_save(&saved);
    send_event(op, osname, start);
    mp__errdetail_restore(&saved);
}

void mp__posix_track_abandon(const char *osname)
{
    send_quietly('-', osname, false);
}

void mp__posix_untrack(const char *osname)
{
    send_quietly('x', osname, false);
}

void mp__posix_track_dir(const char *dir)
{
    send_quietly('D', dir, true);
}

void mp__posix_untrack_dir(const char *dir)
{
    send_quietly('X', dir, false);
}

int mp__posix_tracker_fd(void)
{
    return journal;
}

void mp__posix_tracker_adopt(int fd)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    pthread_mutex_lock(&lock);
    if (journal >= 0 && journal != fd)
        mp__posix_close(journal);
    mp__posix_close(bell); /* the parent's connection, if forked: ours is made on demand */
    bell = -1;
    journal = fd;
    pthread_mutex_unlock(&lock);
}
