/* The fork server: a fresh exec of the program, single-threaded, that forks
 * children on request and reports their pids and exit codes. It ignores
 * SIGINT (a Ctrl-C is for the client to handle), reaps on SIGCHLD through a
 * self-pipe, and exits when the client that started it is gone, first ending
 * the exit-with-parent children that client left behind. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "posix_internal.h"

/* AUTH_SECONDS: the whole login of one client, from its accept; MAX_LOGINS
 * clients log in at once. */
enum { MAX_CLIENTS = 64, AUTH_SECONDS = 5, MAX_LOGINS = 16 };

/* A client that has connected and not yet logged in. */
typedef struct login {
    int fd;
    mp__core_login_t *login;
    double deadline;
} login_t;

typedef struct served_child {
    pid_t pid;
    int status; /* where the pid and the exit code go */
    uint32_t flags;
} served_child_t;

/* The server's whole state; one instance, in the server process only. */
static struct {
    int listener, keypipe, sigread, sigwrite;
    const char *dir;
    unsigned char key[MP__FORKSERVER_KEY_SIZE];
    int clients[MAX_CLIENTS];
    size_t nclients;
    login_t logins[MAX_LOGINS];
    size_t nlogins;
    served_child_t *children;
    size_t nchildren, cap;
} srv;

static void on_sigchld(int signo)
{
    (void)signo;
    int saved = errno;
    ssize_t ignored = write(srv.sigwrite, "", 1);
    (void)ignored; /* a full pipe already says "reap" */
    errno = saved;
}

static void install_signals(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        _exit(70);
    srv.sigread = p[0], srv.sigwrite = p[1];
    struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    /* SIGINT is ignored by the server but also blocked: on Linux a blocked
     * signal stays pending even when ignored, so an interrupt sent to a new
     * child before it has reset its handler is delivered, not lost. */
    signal(SIGINT, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static bool grow_children(void)
{
    size_t cap = srv.cap ? 2 * srv.cap : 16;
    served_child_t *grown = realloc(srv.children, cap * sizeof *grown);
    if (!grown)
        return false;
    srv.children = grown, srv.cap = cap;
    return true;
}

/* In a new child: drop everything that belongs to the server, and run.
 * fds: the channel, the status socket, then the child's own descriptors. */
static void become_child(const int *fds, size_t nfds, pid_t server)
{
    signal(SIGCHLD, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* a pending SIGINT lands now */
    close(srv.listener), close(srv.keypipe), close(srv.sigread), close(srv.sigwrite);
    for (size_t i = 0; i < srv.nclients; i++)
        close(srv.clients[i]);
    for (size_t i = 0; i < srv.nlogins; i++)
        close(srv.logins[i].fd);
    for (size_t i = 0; i < srv.nchildren; i++)
        close(srv.children[i].status);
    close(fds[1]);
    memset(srv.key, 0, sizeof srv.key);
    mp__posix_channel_run(fds[0], "forkserver", fds + 2, nfds - 2, server);
}

static void drop_client(int client)
{
    for (size_t i = 0; i < srv.nclients; i++)
        if (srv.clients[i] == client)
            srv.clients[i] = srv.clients[--srv.nclients];
    close(client);
}

/* Receive one request: its header and descriptors. Returns the number of
 * descriptors, or -1 for end of connection or a malformed request (every
 * received descriptor is then closed). */
static int receive_request(int client, mp__fs_request_t *req, int *fds)
{
    struct iovec iov = {.iov_base = req, .iov_len = sizeof *req};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE((3 + MP__MAX_HANDLES) * sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t r;
    while ((r = recvmsg(client, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    int n = 0;
    struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
        n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(fds, CMSG_DATA(cm), (size_t)n * sizeof(int));
    }
    bool valid = r == (ssize_t)sizeof *req && memcmp(req->magic, "MPFS", 4) == 0 &&
                 !(msg.msg_flags & MSG_CTRUNC) && n >= 2 && (uint32_t)n == 2 + req->nfds;
    if (!valid) {
        for (int i = 0; i < n; i++)
            close(fds[i]);
        return -1;
    }
    return n;
}

static void serve_request(int client)
{
    mp__fs_request_t req;
    int fds[3 + MP__MAX_HANDLES];
    int n = receive_request(client, &req, fds);
    if (n < 0) {
        drop_client(client);
        return;
    }
    pid_t pid = -1;
    if (srv.nchildren < srv.cap || grow_children()) {
        pid_t server = (pid_t)mp__os_getpid(); /* cached: no system call */
        pid = fork();
        if (pid == 0)
            become_child(fds, (size_t)n, server);
    }
    /* The child has its copies; the status socket stays with us. */
    close(fds[0]);
    for (int i = 2; i < n; i++)
        close(fds[i]);
    if (pid < 0) {
        close(fds[1]); /* the client sees end-of-file */
        return;
    }
    srv.children[srv.nchildren++] = (served_child_t){
        .pid = pid, .status = fds[1], .flags = req.flags};
    /* With the pid goes the child's pidfd, opened before we could reap it
     * (so it names this child, never a recycled pid): the client watches
     * and signals the child through it even if we die. */
    int64_t reported = pid;
    int pidfd = mp__posix_pidfd_open(pid);
    mp__posix_send_fds(fds[1], &reported, sizeof reported, &pidfd, pidfd >= 0 ? 1 : 0);
    mp__posix_close(pidfd);
}

/* Report an ended child's exit code to its client and forget it. */
static void report_exit(pid_t pid, int32_t code)
{
    for (size_t i = 0; i < srv.nchildren; i++)
        if (srv.children[i].pid == pid) {
            mp__posix_write_all(srv.children[i].status, &code, sizeof code);
            close(srv.children[i].status);
            srv.children[i] = srv.children[--srv.nchildren];
            return;
        }
}

/* Each ended child is reaped only after its code was reported (WNOWAIT
 * first): should we die in between, the client adopts the unreaped child
 * and reads its code from the kernel, so no exit code is ever lost. */
static void reap_children(void)
{
    /* Until a short read: the usual single byte costs one read(), not a
     * second that fails with EAGAIN. */
    char drain[64];
    while (read(srv.sigread, drain, sizeof drain) == (ssize_t)sizeof drain)
        ;
    for (;;) {
        siginfo_t info = {0};
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0)
            return;
        report_exit(info.si_pid, mp__posix_decode_siginfo(&info));
        while (waitpid(info.si_pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
}

/* ---- logins ------------------------------------------------------------ */

/* Logins run concurrently, each a handshake driven without waiting
 * (mp__core_login_step()) with its own deadline for the whole of it: a
 * client that stalls, silent or part-way through an answer, holds up
 * neither the clients already served nor the next login, and is dropped at
 * its deadline. */

/* End login `i`: a client that logged in is served from now on; any other
 * is closed. */
static void end_login(size_t i)
{
    int fd = mp__posix_login_end(srv.logins[i].login);
    if (fd >= 0 && srv.nclients < MAX_CLIENTS)
        srv.clients[srv.nclients++] = fd;
    else if (fd >= 0)
        close(fd);
    srv.logins[i] = srv.logins[--srv.nlogins];
}

/* Step login `i`; ended (in or out) or still waiting. */
static void step_login(size_t i)
{
    if (mp__core_login_step(srv.logins[i].login) != 1)
        end_login(i);
}

static void accept_client(void)
{
    int fd = accept4(srv.listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (srv.nclients == MAX_CLIENTS) {
        close(fd);
        return;
    }
    /* Full: the login that has waited longest makes room. */
    if (srv.nlogins == MAX_LOGINS) {
        size_t oldest = 0;
        for (size_t i = 1; i < srv.nlogins; i++)
            if (srv.logins[i].deadline < srv.logins[oldest].deadline)
                oldest = i;
        end_login(oldest); /* unfinished: closed */
    }
    double deadline = mp__deadline(true, AUTH_SECONDS);
    login_t *l = &srv.logins[srv.nlogins];
    if (mp__posix_login_start(fd, srv.key, sizeof srv.key, deadline, &l->login) < 0)
        return; /* closed */
    l->fd = fd;
    l->deadline = deadline;
    step_login(srv.nlogins++); /* the challenge goes out now */
}

/* Add the logins to poll()'s set; returns how many. */
static size_t watch_logins(struct pollfd *fds)
{
    for (size_t i = 0; i < srv.nlogins; i++)
        fds[i] = (struct pollfd){.fd = srv.logins[i].fd, .events = POLLIN};
    return srv.nlogins;
}

/* How long poll() may wait: until the first login's deadline, or for ever. */
static int logins_wait_ms(void)
{
    if (srv.nlogins == 0)
        return -1;
    double first = srv.logins[0].deadline;
    for (size_t i = 1; i < srv.nlogins; i++)
        if (srv.logins[i].deadline < first)
            first = srv.logins[i].deadline;
    return (int)(mp__time_left(first) * 1000.0) + 1;
}

/* After poll(): step the logins whose socket is readable (`fds`, `n`, as
 * watch_logins() set them), and drop those past their deadline. */
static void drive_logins(const struct pollfd *fds, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; fds[k].revents && i < srv.nlogins; i++)
            if (srv.logins[i].fd == fds[k].fd) {
                step_login(i);
                break;
            }
    for (size_t i = srv.nlogins; i-- > 0;)
        if (mp__time_left(srv.logins[i].deadline) <= 0)
            end_login(i);
}

/* The client is gone: end what it asked to end with it, and leave. Only
 * exit_with_parent children: daemons are the client's to terminate when it
 * exits normally (its at-exit code does, as under fork and spawn), and a
 * client killed by SIGKILL ends none, under every start method. */
static void shut_down(void)
{
    for (size_t i = 0; i < srv.nchildren; i++)
        if (srv.children[i].flags & MP__FS_EXIT_WITH_PARENT)
            kill(srv.children[i].pid, SIGKILL);
    if (srv.dir) {
        char path[300];
        snprintf(path, sizeof path, "%s/socket", srv.dir);
        unlink(path);
        rmdir(srv.dir);
    }
    _exit(0);
}

void mp__posix_forkserver_main(int listener, int keypipe, const char *dir)
{
    srv.listener = listener, srv.keypipe = keypipe, srv.dir = dir;
    if (mp__posix_read_all(keypipe, srv.key, sizeof srv.key) < 0)
        _exit(70);
    install_signals();
    for (;;) {
        struct pollfd fds[3 + MAX_CLIENTS + MAX_LOGINS];
        fds[0] = (struct pollfd){.fd = srv.keypipe, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = srv.sigread, .events = POLLIN};
        fds[2] = (struct pollfd){.fd = srv.listener, .events = POLLIN};
        size_t n = 3;
        for (size_t i = 0; i < srv.nclients; i++)
            fds[n++] = (struct pollfd){.fd = srv.clients[i], .events = POLLIN};
        size_t served = n, nlogins = watch_logins(fds + n);
        n += nlogins;
        if (poll(fds, n, logins_wait_ms()) < 0) {
            if (errno == EINTR)
                continue;
            _exit(71);
        }
        if (fds[1].revents)
            reap_children();
        if (fds[0].revents)
            shut_down();
        drive_logins(fds + served, nlogins);
        if (fds[2].revents)
            accept_client();
        /* Serve from a copy: serving may remove clients from the array. */
        int ready[MAX_CLIENTS];
        size_t nready = 0;
        for (size_t i = 3; i < served; i++)
            if (fds[i].revents)
                ready[nready++] = fds[i].fd;
        for (size_t i = 0; i < nready; i++)
            serve_request(ready[i]);
    }
}
