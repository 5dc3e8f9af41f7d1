/* The channel between a parent and its child: the POSIX twin of
 * win32/channel.c. It is one end of a Unix socketpair on each side, and
 * this file owns everything that travels on it, for every start method:
 *
 *  - the child's orders: a frame header ("MPR1": flags, the record's
 *    length, how many handles, the sender's pid, the length of an
 *    environment block), the bootstrap record, then, for a child of the
 *    fork server (which is forked from the server, not from its parent),
 *    the parent's working directory and environment;
 *  - the descriptors that come with them: inherited from descriptor 4 on
 *    (spawn, MP__CHILD_CHAN_FD + 1), or passed with the fork server request
 *    (forkserver); a fork child needs neither, it has the record in memory;
 *  - the child's report: its result record as bytes, or, past
 *    MP__INLINE_RESULT_MAX, one marker byte carrying a memfd with it;
 *  - end-of-file when the child has ended.
 *
 * The start methods (fork.c, spawn.c, forkserver_*.c) make the pair and the
 * process, and call the functions here for the rest. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "posix_internal.h"

extern char **environ;

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

int mp__posix_channel_fds(const mp__launch_t *launch, int *fds)
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

/* A frame ready to go: header, record and environment block as one
 * gather list, so that all of it leaves in one sendmsg() and usually
 * arrives in one read; `done` counts the bytes sent so far. */
struct mp__posix_frame {
    frame_header_t h;
    mp__buf_t env;
    struct iovec iov[3];
    size_t done;
};

int mp__posix_frame_open(mp__posix_frame_t **out, const mp__launch_t *launch, bool with_environment)
{
    mp__posix_frame_t *f = calloc(1, sizeof *f);
    if (!f)
        return MP_ENOMEM;
    int rc = with_environment ? environment_block(&f->env) : 0;
    if (rc < 0) {
        mp__posix_frame_close(f);
        return rc;
    }
    f->h = (frame_header_t){.flags = (launch->exit_with_parent ? MP__LAUNCH_EXIT_WITH_PARENT : 0) |
                                     (mp__posix_tracker_fd() >= 0 ? MP__LAUNCH_TRACKER : 0),
                            .len = launch->record_len,
                            .nhandles = (uint32_t)launch->nhandles,
                            .sender = (int32_t)mp__os_getpid(),
                            .env_len = f->env.len};
    memcpy(f->h.magic, frame_magic, sizeof f->h.magic);
    f->iov[0] = (struct iovec){.iov_base = &f->h, .iov_len = sizeof f->h};
    f->iov[1] = (struct iovec){.iov_base = (void *)launch->record, .iov_len = launch->record_len};
    f->iov[2] = (struct iovec){.iov_base = f->env.data, .iov_len = f->env.len};
    *out = f;
    return 0;
}

void mp__posix_frame_close(mp__posix_frame_t *f)
{
    if (f)
        mp__buf_free(&f->env);
    free(f);
}

int mp__posix_frame_send(int chan, mp__posix_frame_t *f, bool wait)
{
    for (;;) {
        struct iovec iov[3];
        size_t n = 0, skip = f->done;
        for (size_t i = 0; i < 3; i++) {
            if (skip >= f->iov[i].iov_len) {
                skip -= f->iov[i].iov_len;
                continue;
            }
            iov[n++] = (struct iovec){.iov_base = (char *)f->iov[i].iov_base + skip,
                                      .iov_len = f->iov[i].iov_len - skip};
            skip = 0;
        }
        if (n == 0)
            return 0;
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n};
        ssize_t w = sendmsg(chan, &msg, MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT));
        if (w >= 0)
            f->done += (size_t)w;
        else if (!wait && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        else if (errno == EPIPE || errno == ECONNRESET)
            return 0; /* the child died before reading it: join reports it */
        else if (errno != EINTR)
            return mp__posix_syserr("sendmsg");
    }
}

int mp__posix_channel_deliver(mp__os_proc_t *proc, mp__posix_frame_t *frame, mp__os_proc_t **out)
{
    int rc = mp__posix_frame_send(proc->chan, frame, true);
    mp__posix_frame_close(frame);
    if (rc < 0) {
        mp__core_abandon_start(proc);
        return rc;
    }
    *out = proc;
    return 0;
}

/* ---- the child receiving its orders ------------------------------- */

/* Take on the parent's working directory and environment. The block is
 * kept for ever: putenv() keeps pointers into it. */
static void adopt_environment(char *block, size_t len)
{
    if (len == 0 || block[len - 1] != '\0')
        return;
    if (block[0] && chdir(block) < 0)
        fprintf(stderr, "multiproc: child cannot enter %s: %s\n", block, strerror(errno));
    char *first = block + strlen(block) + 1, *end = block + len;
    size_t n = 0;
    for (char *e = first; e < end; e += strlen(e) + 1)
        n++;
    /* One new array for environ: putenv() one variable at a time searches
     * and regrows the array for each, quadratic in their number. setenv()
     * and unsetenv() later work on an array they did not allocate. */
    char **vars = malloc((n + 1) * sizeof *vars);
    if (!vars) {
        clearenv();
        for (char *e = first; e < end; e += strlen(e) + 1)
            putenv(e);
        return;
    }
    n = 0;
    for (char *e = first; e < end; e += strlen(e) + 1)
        vars[n++] = e;
    vars[n] = NULL;
    environ = vars;
}

void mp__posix_channel_adopt(int chan)
{
    if (own_chan >= 0 && own_chan != chan)
        close(own_chan);
    own_chan = chan;
    mp__posix_forkserver_forget();
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

/* Read `min` bytes or more, up to `max`, into buf; *got says how many. */
static int read_at_least(int fd, char *buf, size_t min, size_t max, size_t *got)
{
    while (*got < min) {
        ssize_t r = read(fd, buf + *got, max - *got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno == ECONNRESET ? MP_EEOF : mp__posix_syserr("read");
        if (r == 0)
            return MP_EEOF;
        *got += (size_t)r;
    }
    return 0;
}

/* The frame's `n` bytes after its header into `out`: the `have` bytes
 * already read (at `early`), then the rest from `fd`. */
static int take_rest(int fd, const char *early, size_t have, char *out, size_t n)
{
    size_t copied = have < n ? have : n;
    memcpy(out, early, copied);
    return copied == n ? 0 : mp__posix_read_all(fd, out + copied, n - copied);
}

void mp__posix_channel_run(int chan, const char *method, const int *fds, size_t nfds, pid_t parent)
{
    mp__posix_channel_adopt(chan);
    frame_header_t h;
    char *record = NULL;
    size_t len = 0;
    mp_sentinel_t handles[MP__MAX_HANDLES];
    /* The header and usually the whole frame in one read: the parent sent
     * it in one piece, and sends nothing after it on this channel. */
    char first[2048];
    size_t got = 0;
    /* A bad frame still goes to the core, which reports MP_EBOOTSTRAP. */
    int rc = read_at_least(chan, first, sizeof h, sizeof first, &got);
    if (rc == 0)
        memcpy(&h, first, sizeof h);
    if (rc == 0 && memcmp(h.magic, frame_magic, 4) == 0 && h.len <= MAX_RECORD &&
        h.env_len <= MAX_RECORD && locate_handles(&h, fds, nfds, handles) &&
        (record = malloc(h.len + h.env_len + 1)) &&
        (rc = take_rest(chan, first + sizeof h, got - sizeof h, record, h.len + h.env_len)) == 0) {
        len = h.len;
        adopt_environment(record + h.len, h.env_len);
        /* The parent that must be alive: the sender, or the fork server
         * that forked us for it. Not getppid(): if the parent died
         * already, that is whoever adopted us. */
        if (h.flags & MP__LAUNCH_EXIT_WITH_PARENT)
            mp__posix_exit_with_parent(parent ? parent : h.sender, h.sender);
    }
    /* The sender went away (killed) before the whole record came: nothing
     * is corrupt and nobody is left to tell, so no message, just failure. */
    if (rc == MP_EEOF)
        mp__os_child_exit(1);
    int code = mp__core_child_main(method, record, len, handles, len ? h.nhandles : 0);
    free(record);
    mp__os_child_exit(code);
}

void mp__posix_channel_run_forked(int chan, const mp__launch_t *launch, pid_t parent)
{
    if (launch->exit_with_parent)
        mp__posix_exit_with_parent(parent, parent);
    mp__posix_channel_adopt(chan);
    /* The record is in this copy of the parent's memory: no reading, no
     * decoding (see mp__core_child_run()). */
    mp__os_child_exit(
        mp__core_child_run("fork", launch->decoded, launch->handles, launch->nhandles));
}

/* ---- the child's report ------------------------------------------- */

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

/* ---- the parent collecting the report ------------------------------ */

/* A result that came as a memfd (see MP__INLINE_RESULT_MAX): it replaces
 * the marker byte that carried it. */
static int take_memfd_result(int fd, mp__buf_t *received)
{
    mp__os_shm_t *shm;
    int rc = mp__os_shm_from_handle(fd, &shm);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    received->len = 0;
    rc = mp__buf_append(received, mp__os_shm_addr(shm), mp__os_shm_size(shm));
    mp__os_shm_free(shm);
    return rc;
}

/* Read what is available on the channel; `blocking` waits for the first
 * byte, otherwise stops at EAGAIN. Marks end-of-file. */
int mp__posix_channel_collect(mp__os_proc_t *proc, mp__buf_t *received, bool blocking)
{
    while (!proc->chan_eof) {
        /* Room for a typical result (an empty task's is about 25 bytes);
         * the buffer doubles only if a result is bigger. Not more: a
         * request of 1 KiB or more makes malloc consolidate its free
         * chunks, and the pages that writes are copy-on-write after every
         * fork (four more page faults per start). */
        int rc = mp__buf_reserve(received, received->cap - received->len >= 64 ? 0 : 256);
        if (rc < 0)
            return rc;
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = {.iov_base = received->data + received->len,
                            .iov_len = received->cap - received->len};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof control.buf};
        ssize_t r = recvmsg(proc->chan, &msg, MSG_CMSG_CLOEXEC | (blocking ? 0 : MSG_DONTWAIT));
        struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm), sizeof fd);
            if ((rc = take_memfd_result(fd, received)) < 0)
                return rc;
            blocking = false;
            continue;
        }
        if (r > 0) {
            received->len += (size_t)r;
            blocking = false;
            continue;
        }
        if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            proc->chan_eof = true; /* EOF, or a reset: the child is gone */
        else if (errno != EINTR)
            return 0;
    }
    return 0;
}
