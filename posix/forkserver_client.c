/* The "forkserver" start method, client side. The first start spawns a
 * server (a fresh, single-threaded exec of this program), connects to it
 * once and authenticates; each start then sends one small request with two
 * descriptors, and the server forks the child from its clean state. A
 * server that died (killed, crashed) is replaced transparently. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "posix_internal.h"

/* One server per client process, guarded by `lock`; fork resets it all. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int conn = -1;    /* authenticated control connection */
static int alive_w = -1; /* the server exits at end-of-file on this */
static pid_t server_pid = -1;
/* Private (0700) directory of the socket; short enough that "dir/socket"
 * fits a sockaddr_un's 108 bytes. */
static char dir[96];
static unsigned char key[MP__FORKSERVER_KEY_SIZE];

static void socket_path(char *out, size_t size)
{
    snprintf(out, size, "%.95s/socket", dir);
}

/* Forget the server: close our ends. `owner`: this process started it, so
 * it also ends and reaps it (no zombie per restart) and removes its files;
 * a fork child only drops its copies. */
static void drop_server(bool owner)
{
    mp__posix_close(conn), conn = -1;
    mp__posix_close(alive_w), alive_w = -1;
    if (owner && server_pid > 0) {
        kill(server_pid, SIGKILL);
        while (waitpid(server_pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (owner && dir[0]) {
        char path[300];
        socket_path(path, sizeof path);
        unlink(path);
        if (rmdir(dir) == 0)
            mp__posix_untrack_dir(dir);
    }
    dir[0] = '\0';
    server_pid = -1;
}

static int make_listener(int *out)
{
    /* A TMPDIR too long for a socket path falls back to /tmp. */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !tmp[0] || strlen(tmp) > 60)
        tmp = "/tmp";
    /* Mode 0700: only our user can reach the socket. Announced to the
     * tracker before it exists, as a listener's is: a SIGKILL between here
     * and the server's start would otherwise leave it behind (Python's
     * fork server, too, makes sure a resource tracker runs). */
    int rc = mp__posix_make_private_dir(dir, sizeof dir, tmp, "multiproc-");
    if (rc < 0)
        return rc;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    socket_path(addr.sun_path, sizeof addr.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mp__posix_syserr("socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 64) < 0) {
        rc = mp__posix_syserr("bind/listen for the fork server");
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

static int connect_and_authenticate(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    socket_path(addr.sun_path, sizeof addr.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mp__posix_syserr("socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int rc = mp__posix_syserr("connect to the fork server");
        mp__posix_close(fd);
        return rc;
    }
    int rc = mp__posix_handshake(fd, false, key, sizeof key, mp__deadline(true, 30.0));
    if (rc == 0)
        conn = fd; /* on failure the handshake has closed it */
    return rc;
}

/* Make this process a child subreaper (Linux 3.4+) before it starts a
 * server: should a server die, the kernel re-parents its children to us
 * rather than to init, so they stay ours to wait for (their true exit
 * code), to signal and, for exit_with_parent children, to live with
 * (child.c). The cost, documented in process.h: every process orphaned
 * below this one comes to us, not only the server's children. */
static void become_subreaper(void)
{
#ifdef __linux__
    /* Again for each server: a fork child does not inherit the attribute. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
}

/* Spawn a server; it inherits the listening socket (so we can connect at
 * once) and a pipe that carries the key and then tells it we are gone. */
static int start_server(void)
{
    int listener = -1, alive[2] = {-1, -1};
    become_subreaper();
    int rc = mp__os_random(key, sizeof key);
    if (rc == 0)
        rc = make_listener(&listener);
    if (rc == 0 && pipe2(alive, O_CLOEXEC) < 0)
        rc = mp__posix_syserr("pipe");
    if (rc == 0)
        rc = mp__posix_write_all(alive[1], key, sizeof key);
    if (rc == 0) {
        const char *argv[] = {mp__posix_self_exe(), "--multiproc-forkserver", dir, NULL};
        int fds[] = {listener, alive[0]};
        rc = mp__posix_spawn_with_fds(argv, fds, 2, &server_pid);
    }
    mp__posix_close(listener);
    mp__posix_close(alive[0]);
    alive_w = alive[1];
    if (rc == 0)
        rc = connect_and_authenticate();
    if (rc < 0)
        drop_server(true);
    return rc;
}

/* Send one request; the descriptors travel with its first byte:
 * fds[0] the channel, fds[1] the status socket, then the child's others. */
static int send_request(uint32_t flags, const int *fds, size_t nfds)
{
    mp__fs_request_t req = {
        .magic = {'M', 'P', 'F', 'S'}, .flags = flags, .nfds = (uint32_t)(nfds - 2)};
    return mp__posix_send_fds(conn, &req, sizeof req, fds, nfds);
}

/* Ask the server for one child (starting the server first if needed).
 * `fds` holds the channel at [0], has room at [1] for the end of the status
 * socket, whose other end comes back in *status, and after them for the
 * launch's descriptors; the server's pid comes back in *server. MP_EEOF:
 * the server is gone. */
static int request_child(uint32_t flags, const mp__launch_t *launch, int *fds, int *status,
                         pid_t *server)
{
    int pair[2];
    int rc = mp__posix_socketpair(pair);
    if (rc < 0)
        return rc;
    fds[1] = pair[1];
    pthread_mutex_lock(&lock);
    rc = conn < 0 ? start_server() : 0;
    /* The launch's descriptors only now: starting a server can start the
     * tracker (its directory is announced to it), whose descriptor the
     * child must then be given, as its record will say. */
    int n = rc == 0 ? mp__posix_channel_fds(launch, fds + 2) : rc;
    rc = n < 0 ? n : send_request(flags, fds, 2 + (size_t)n);
    *server = server_pid;
    if (rc == MP_EEOF)
        drop_server(true);
    pthread_mutex_unlock(&lock);
    mp__posix_close(pair[1]);
    if (rc < 0) {
        mp__posix_close(pair[0]);
        return rc;
    }
    *status = pair[0];
    return 0;
}

/* Start the server now if there is none: starting it can start the
 * tracker, which the record's header must then announce (and whose
 * descriptor request_child() then passes), so before the record is framed. */
static int ensure_server(void)
{
    pthread_mutex_lock(&lock);
    int rc = conn < 0 ? start_server() : 0;
    pthread_mutex_unlock(&lock);
    return rc;
}

/* One attempt: put the record in the channel, request a child, then learn
 * its pid. MP_EEOF: the server died on the way. */
static int start_once(const mp__launch_t *launch, uint32_t flags, mp__os_proc_t **out)
{
    int chan[2];
    int rc = mp__posix_socketpair(chan);
    if (rc < 0)
        return rc;
    int fds[2 + MP__MAX_HANDLES + 1] = {chan[1], -1};
    int status = -1;
    pid_t server = -1;
    /* The record (with our working directory and environment) goes into
     * the channel's buffer before the request: the child finds it there
     * as soon as the server has forked it, whoever runs first. */
    mp__posix_frame_t *frame = NULL;
    rc = ensure_server();
    if (rc == 0)
        rc = mp__posix_frame_open(&frame, launch, true);
    if (rc == 0)
        rc = mp__posix_frame_send(chan[0], frame, false);
    if (rc == 0)
        rc = request_child(flags, launch, fds, &status, &server);
    mp__posix_close(chan[1]);
    /* What did not fit goes out before the pid comes back. */
    if (rc == 0)
        rc = mp__posix_frame_send(chan[0], frame, true);
    mp__posix_frame_close(frame);
    /* The pid comes with the child's pidfd, opened by the server before
     * the child could be reaped, so it names this very child. */
    int64_t pid = -1;
    int pidfd = -1;
    size_t npidfd = 0;
    if (rc == 0 &&
        (rc = mp__posix_recv_fds(status, &pid, sizeof pid, &pidfd, 1, &npidfd)) == MP_EEOF)
        mp__posix_forkserver_lost(server);
    mp__os_proc_t *proc = rc == 0 ? mp__posix_proc_new((pid_t)pid) : NULL;
    if (!proc) {
        mp__posix_close(chan[0]);
        mp__posix_close(status);
        mp__posix_close(pidfd);
        return rc < 0 ? rc : MP_ENOMEM;
    }
    proc->chan = chan[0];
    proc->status = status;
    proc->pidfd = npidfd ? pidfd : -1;
    proc->server = server;
    proc->via_server = true;
    *out = proc;
    return 0;
}

static int forkserver_start(const mp__launch_t *launch, mp__os_proc_t **out)
{
    uint32_t flags = (launch->daemon ? MP__FS_DAEMON : 0) |
                     (launch->exit_with_parent ? MP__FS_EXIT_WITH_PARENT : 0);
    /* A server found dead is replaced once, then the error stands. */
    int rc = start_once(launch, flags, out);
    if (rc == MP_EEOF)
        rc = start_once(launch, flags, out);
    if (rc == MP_EEOF)
        rc = mp__errdetail_set(MP_ESYS, "the fork server died and could not be restarted");
    return rc;
}

/* Its children are forks of the server, not of the caller: no fork
 * policy here, and the record travels encoded. */
const mp__start_method_t mp__posix_forkserver_method = {
    .name = "forkserver", .flags = MP__METHOD_NEEDS_RECORD, .start = forkserver_start};

void mp__posix_forkserver_forget(void)
{
    /* Runs in a new child: its copies of our ends must not keep the
     * server alive nor share our connection; the files are the parent's. */
    drop_server(false);
}

/* The client lock is held across fork so the child's copy is consistent. */
static void prepare(void)
{
    pthread_mutex_lock(&lock);
}

static void release(void)
{
    pthread_mutex_unlock(&lock);
}

int mp__posix_forkserver_init(void)
{
    /* The tracker's handlers first: see mp__posix_tracker_init_atfork(). */
    mp__posix_tracker_init_atfork();
    int err = mp__posix_atfork(prepare, release, release);
    if (err) {
        errno = err;
        return mp__posix_syserr("pthread_atfork");
    }
    return 0;
}

pid_t mp__posix_forkserver_pid(void)
{
    pthread_mutex_lock(&lock);
    pid_t pid = server_pid;
    pthread_mutex_unlock(&lock);
    return pid;
}

void mp__posix_forkserver_lost(pid_t server)
{
    /* A server replaced since was reaped when it was dropped. */
    pthread_mutex_lock(&lock);
    if (server > 0 && server == server_pid)
        drop_server(true);
    pthread_mutex_unlock(&lock);
}
