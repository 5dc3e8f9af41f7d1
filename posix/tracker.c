/* The resource tracker: the process that removes shared-memory names once
 * every process that created or attached them has ended, however it ended.
 *
 * One tracker serves a family of processes: the first process that needs it
 * spawns it, and children inherit the write end of its pipe (fork) or are
 * given it (spawn, forkserver). Each process announces the names it uses
 * with its pid; the tracker watches those pids through pidfds and unlinks a
 * name when the last of them is gone, or when it is told the name was
 * unlinked already. When every write end is closed the family is gone, and
 * the tracker removes what is left and exits. Messages are single lines
 * shorter than PIPE_BUF, so writes from many processes never interleave. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mp_core.h"
#include "posix_internal.h"

/* ---- client side -------------------------------------------------- */

static int tracker_fd = -1; /* write end of the family's tracker pipe */

static int start_tracker(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return mp__posix_syserr("pipe");
    const char *argv[] = {mp__posix_self_exe(), "--multiproc-tracker", NULL};
    pid_t pid;
    int rc = mp__posix_spawn_with_fds(argv, &p[0], 1, &pid);
    close(p[0]);
    if (rc < 0) {
        close(p[1]);
        return rc;
    }
    tracker_fd = p[1];
    return 0;
}

static int send_line(char op, const char *osname)
{
    char line[128];
    int n = snprintf(line, sizeof line, "%c%d %s\n", op, (int)getpid(), osname);
    if (n <= 0 || (size_t)n >= sizeof line)
        return mp__errdetail_set(MP_EINVAL, "name too long for the tracker: %s", osname);
    return mp__posix_write_all(tracker_fd, line, (size_t)n);
}

int mp__posix_track(const char *osname)
{
    /* Not under a lock: a race starts two trackers, each of which
     * works; the loser's pipe is simply the one that wins the store. */
    if (tracker_fd < 0) {
        int rc = start_tracker();
        if (rc < 0)
            return rc;
    }
    return send_line('+', osname);
}

void mp__posix_untrack(const char *osname)
{
    if (tracker_fd >= 0)
        send_line('x', osname);
}

int mp__posix_tracker_fd(void)
{
    return tracker_fd;
}

void mp__posix_tracker_adopt(int fd)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    tracker_fd = fd;
}

/* ---- the tracker process ------------------------------------------ */

typedef struct tracked_name {
    char name[64];
    pid_t pids[16]; /* users still alive; beyond 16, the oldest is kept */
    size_t npids;
} tracked_name_t;

typedef struct watched_pid {
    pid_t pid;
    int pidfd;
} watched_pid_t;

static tracked_name_t *names;
static size_t nnames, names_cap;
static watched_pid_t *watched;
static size_t nwatched, watched_cap;

static void *grow(void *array, size_t *cap, size_t elem)
{
    size_t n = *cap ? *cap * 2 : 16;
    void *bigger = realloc(array, n * elem);
    if (bigger)
        *cap = n;
    return bigger;
}

static void drop_name(size_t i)
{
    shm_unlink(names[i].name);
    names[i] = names[--nnames];
}

static void forget_name(const char *name)
{
    for (size_t i = 0; i < nnames; i++)
        if (strcmp(names[i].name, name) == 0) {
            names[i] = names[--nnames];
            return;
        }
}

/* A pid ended: it no longer keeps any name alive. */
static void pid_ended(pid_t pid)
{
    for (size_t i = 0; i < nnames;) {
        tracked_name_t *t = &names[i];
        for (size_t j = 0; j < t->npids; j++)
            if (t->pids[j] == pid)
                t->pids[j] = t->pids[--t->npids];
        if (t->npids == 0)
            drop_name(i);
        else
            i++;
    }
}

static void watch_pid(pid_t pid)
{
    for (size_t i = 0; i < nwatched; i++)
        if (watched[i].pid == pid)
            return;
    int fd = mp__posix_pidfd_open(pid);
    if (fd < 0) {
        /* Already gone (or no pidfds): only the pipe's end will tell. */
        return;
    }
    if (nwatched == watched_cap) {
        watched_pid_t *w = grow(watched, &watched_cap, sizeof *watched);
        if (!w) {
            close(fd);
            return;
        }
        watched = w;
    }
    watched[nwatched++] = (watched_pid_t){.pid = pid, .pidfd = fd};
}

static void use_name(pid_t pid, const char *name)
{
    tracked_name_t *t = NULL;
    for (size_t i = 0; i < nnames && !t; i++)
        if (strcmp(names[i].name, name) == 0)
            t = &names[i];
    if (!t) {
        if (nnames == names_cap) {
            tracked_name_t *n = grow(names, &names_cap, sizeof *names);
            if (!n)
                return;
            names = n;
        }
        t = &names[nnames++];
        memset(t, 0, sizeof *t);
        snprintf(t->name, sizeof t->name, "%s", name);
    }
    for (size_t j = 0; j < t->npids; j++)
        if (t->pids[j] == pid)
            return;
    if (t->npids < sizeof t->pids / sizeof *t->pids)
        t->pids[t->npids++] = pid;
    watch_pid(pid);
}

static void handle_line(char *line)
{
    char op = line[0], name[64];
    int pid;
    if (sscanf(line + 1, "%d %63s", &pid, name) != 2)
        return;
    if (op == '+')
        use_name((pid_t)pid, name);
    else if (op == 'x')
        forget_name(name);
}

void mp__posix_tracker_main(int readfd)
{
    /* Outlive a Ctrl-C or a group-wide SIGTERM: cleaning up after those is
     * the tracker's whole point. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    char buf[4096];
    size_t have = 0;
    for (;;) {
        struct pollfd fds[1 + 256];
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = readfd, .events = POLLIN};
        for (size_t i = 0; i < nwatched && n < sizeof fds / sizeof *fds; i++)
            fds[n++] = (struct pollfd){.fd = watched[i].pidfd, .events = POLLIN};
        if (poll(fds, n, -1) < 0)
            continue;
        for (size_t i = n - 1; i >= 1; i--)
            if (fds[i].revents) {
                pid_t pid = watched[i - 1].pid;
                close(watched[i - 1].pidfd);
                watched[i - 1] = watched[--nwatched];
                pid_ended(pid);
            }
        if (!fds[0].revents)
            continue;
        ssize_t r = read(readfd, buf + have, sizeof buf - have - 1);
        if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
            break;
        if (r < 0)
            continue;
        have += (size_t)r;
        buf[have] = '\0';
        char *start = buf, *nl;
        while ((nl = strchr(start, '\n'))) {
            *nl = '\0';
            handle_line(start);
            start = nl + 1;
        }
        have -= (size_t)(start - buf);
        memmove(buf, start, have);
        if (have == sizeof buf - 1)
            have = 0; /* a line longer than any we send: drop it */
    }
    while (nnames > 0)
        drop_name(nnames - 1);
    _exit(0);
}
