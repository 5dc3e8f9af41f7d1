/* The child's side: recognise a spawned child (or the fork server) by its
 * marker argument, read the framed bootstrap record from the channel, run
 * it, report and exit. Also the child's view of its parent. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "posix_internal.h"

extern char **environ;
#include "posix_internal.h"

#define SPAWN_MARKER "--multiproc-spawn"
#define FORKSERVER_MARKER "--multiproc-forkserver"
#define TRACKER_MARKER "--multiproc-tracker"

/* The header in front of a bootstrap record on a channel. */
typedef struct frame_header {
    char magic[4]; /* "MPR1" */
    uint32_t flags;
    uint64_t len;      /* the record's bytes, which follow */
    uint32_t nhandles; /* handles the child was given */
    int32_t sender;    /* pid of the parent that sent it */
    uint64_t env_len;  /* bytes of the environment block after the record */
} frame_header_t;

static const char frame_magic[4] = {'M', 'P', 'R', '1'};
enum { MAX_RECORD = 1 << 30 };

/* This process's channel to its parent; -1 in the main process. */
static int own_chan = -1;

int mp__posix_child_fds(const mp__launch_t *launch, int *fds)
{
    if (launch->nhandles > MP__MAX_HANDLES)
        return mp__errdetail_set(MP_EINVAL, "a child can be given at most %d handles, not %zu",
                                 MP__MAX_HANDLES, launch->nhandles);
    size_t n = 0;
    for (; n < launch->nhandles; n++)
        fds[n] = (int)launch->handles[n];
    if (mp__posix_tracker_fd() >= 0)
        fds[n++] = mp__posix_tracker_fd();
    return (int)n;
}

/* The environment block: the working directory, then each "NAME=value",
 * each ended by NUL. A fork server's child is forked from the server, not
 * from its parent, so it gets these from here (Python sends the cwd too). */
static int environment_block(mp__buf_t *out)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0'; /* removed or too long: the child keeps the server's */
    int rc = mp__buf_append(out, cwd, strlen(cwd) + 1);
    for (char **e = environ; rc == 0 && *e; e++)
        rc = mp__buf_append(out, *e, strlen(*e) + 1);
    return rc;
}

int mp__posix_send_record(int chan, const mp__launch_t *launch, bool with_environment)
{
    mp__buf_t env = {0};
    int rc = with_environment ? environment_block(&env) : 0;
    frame_header_t h = {.flags = (launch->exit_with_parent ? MP__LAUNCH_EXIT_WITH_PARENT : 0) |
                                 (mp__posix_tracker_fd() >= 0 ? MP__LAUNCH_TRACKER : 0),
                        .len = launch->record_len,
                        .nhandles = (uint32_t)launch->nhandles,
                        .sender = (int32_t)getpid(),
                        .env_len = env.len};
    memcpy(h.magic, frame_magic, sizeof h.magic);
    if (rc == 0)
        rc = mp__posix_write_all(chan, &h, sizeof h);
    if (rc == 0)
        rc = mp__posix_write_all(chan, launch->record, launch->record_len);
    if (rc == 0 && env.len)
        rc = mp__posix_write_all(chan, env.data, env.len);
    mp__buf_free(&env);
    /* A child that died before reading its orders is reported by join. */
    return rc == MP_EEOF ? 0 : rc;
}

/* Take on the parent's working directory and environment. The block is
 * kept for ever: putenv() keeps pointers into it. */
static void adopt_environment(char *block, size_t len)
{
    if (len == 0 || block[len - 1] != '\0')
        return;
    if (block[0] && chdir(block) < 0)
        fprintf(stderr, "multiproc: child cannot enter %s: %s\n", block, strerror(errno));
    clearenv();
    for (char *e = block + strlen(block) + 1; e < block + len; e += strlen(e) + 1)
        putenv(e);
}

void mp__posix_adopt_channel(int chan)
{
    if (own_chan >= 0 && own_chan != chan)
        close(own_chan);
    own_chan = chan;
    mp__posix_forkserver_forget();
}

void mp__posix_exit_with_parent(pid_t expected_parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The parent may have died before the request took effect. */
    if (getppid() != expected_parent)
        raise(SIGKILL);
#else
    (void)expected_parent;
#endif
}

/* Where the handles are in this process: as given, or from descriptor 4. */
static bool locate_handles(const frame_header_t *h, const int *fds, size_t nfds,
                           mp_sentinel_t *handles)
{
    size_t need = h->nhandles + ((h->flags & MP__LAUNCH_TRACKER) ? 1 : 0);
    if (h->nhandles > MP__MAX_HANDLES || (fds && nfds < need))
        return false;
    for (size_t i = 0; i < need; i++) {
        int fd = fds ? fds[i] : MP__CHILD_CHAN_FD + 1 + (int)i;
        if (i < h->nhandles)
            handles[i] = fd;
        else
            mp__posix_tracker_adopt(fd);
    }
    return true;
}

void mp__posix_run_framed_child(int chan, const char *method, const int *fds, size_t nfds,
                                pid_t parent)
{
    mp__posix_adopt_channel(chan);
    frame_header_t h;
    char *record = NULL;
    size_t len = 0;
    mp_sentinel_t handles[MP__MAX_HANDLES];
    /* A bad frame still goes to the core, which reports MP_EBOOTSTRAP. */
    if (mp__posix_read_all(chan, &h, sizeof h) == 0 && memcmp(h.magic, frame_magic, 4) == 0 &&
        h.len <= MAX_RECORD && h.env_len <= MAX_RECORD && locate_handles(&h, fds, nfds, handles) &&
        (record = malloc(h.len + h.env_len + 1)) &&
        mp__posix_read_all(chan, record, h.len + h.env_len) == 0) {
        len = h.len;
        adopt_environment(record + h.len, h.env_len);
        /* The parent that must be alive: the sender, unless the child is
         * someone else's (a fork server's). Not getppid(): if the parent
         * died already, that is whoever adopted us. */
        if (h.flags & MP__LAUNCH_EXIT_WITH_PARENT)
            mp__posix_exit_with_parent(parent ? parent : h.sender);
    }
    int code = mp__core_child_main(method, record, len, handles, len ? h.nhandles : 0);
    free(record);
    mp__os_child_exit(code);
}

int mp__os_enter_child(int *argc, char ***argv)
{
    if (!argc || !argv || !*argv || *argc < 2 || !(*argv)[1])
        return 0;
    const char *marker = (*argv)[1];
    if (strcmp(marker, SPAWN_MARKER) == 0) {
        fcntl(MP__CHILD_CHAN_FD, F_SETFD, FD_CLOEXEC);
        mp__posix_run_framed_child(MP__CHILD_CHAN_FD, "spawn", NULL, 0, 0);
    }
    if (strcmp(marker, FORKSERVER_MARKER) == 0) {
        fcntl(3, F_SETFD, FD_CLOEXEC);
        fcntl(4, F_SETFD, FD_CLOEXEC);
        mp__posix_forkserver_main(3, 4, *argc > 2 ? (*argv)[2] : NULL);
    }
    if (strcmp(marker, TRACKER_MARKER) == 0)
        mp__posix_tracker_main(3);
    return 0;
}

/* A big result: into anonymous shared memory, whose descriptor goes to
 * the parent with a marker byte. */
static int report_in_memfd(const void *record, size_t len)
{
    mp__os_shm_t *shm;
    int rc = mp__os_shm_create(NULL, len, &shm);
    if (rc < 0)
        return rc;
    memcpy(mp__os_shm_addr(shm), record, len);
    int fd = (int)mp__os_shm_handle(shm);
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    char marker = 'F';
    struct iovec iov = {.iov_base = &marker, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    ssize_t w;
    while ((w = sendmsg(own_chan, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    mp__os_shm_free(shm);
    return w == 1 ? 0 : mp__posix_syserr("sendmsg");
}

int mp__os_child_report(const void *record, size_t len)
{
    if (own_chan < 0)
        return MP_ESTATE;
    if (len > MP__INLINE_RESULT_MAX)
        return report_in_memfd(record, len);
    return mp__posix_write_all(own_chan, record, len);
}

void mp__os_child_exit(int code)
{
    /* Only this child's own output is buffered: the parent flushed its
     * buffers before fork (fork policy point 3). An empty stream is left
     * alone: flushing it would still write (and fault in) its state. */
#ifdef __GLIBC__
    if (__fpending(stdout))
        fflush(stdout);
    if (__fpending(stderr))
        fflush(stderr);
#else
    fflush(stdout);
    fflush(stderr);
#endif
    _exit(code);
}

/* ---- watching the parent ------------------------------------------ */

static pid_t parent_pid;
static bool parent_is_direct; /* we are its own child (fork, spawn) */
static int parent_fd = -1;    /* pidfd of the parent, opened on first use */
static bool parent_gone;

int mp__os_parent_watch(mp_pid_t ppid)
{
    mp__posix_close(parent_fd);
    parent_fd = -1;
    parent_pid = (pid_t)ppid;
    parent_gone = false;
    /* Fork server children are the server's; the others are the parent's
     * own, and can tell its death from being reparented. */
    parent_is_direct = getppid() == parent_pid;
    return 0;
}

/* Open the parent's pidfd now that someone asks. Only a direct child can
 * be sure the pid is still its parent's (it is not reparented yet). */
static void open_parent_fd(void)
{
    if (parent_fd >= 0 || parent_gone)
        return;
    if (parent_is_direct && getppid() != parent_pid) {
        parent_gone = true;
        return;
    }
    parent_fd = mp__posix_pidfd_open(parent_pid);
    if (parent_fd < 0 && errno == ESRCH)
        parent_gone = true;
}

static bool parent_alive_by_kill(void)
{
    if (parent_is_direct)
        return getppid() == parent_pid;
    return kill(parent_pid, 0) == 0 || errno == EPERM;
}

int mp__os_parent_wait(double timeout)
{
    if (parent_pid <= 0)
        return MP_ESTATE;
    double deadline = mp__deadline(true, timeout);
    open_parent_fd();
    if (parent_gone)
        return 0;
    if (parent_fd >= 0) {
        struct pollfd p = {.fd = parent_fd, .events = POLLIN};
        int r = mp__posix_poll(&p, 1, deadline);
        if (r < 0)
            return r;
        parent_gone = r > 0;
        return parent_gone ? 0 : MP_ETIMEDOUT;
    }
    /* No pidfd: ask the kernel every 10 ms. */
    while (parent_alive_by_kill()) {
        double left = deadline - mp__os_now();
        if (left <= 0)
            return MP_ETIMEDOUT;
        mp__os_sleep(left < 0.01 ? left : 0.01);
    }
    parent_gone = true;
    return 0;
}
