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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
    char name[64]; /* the OS name, "/mp.<name>" */
    pid_t *pids;   /* processes that made or attached it and may still live */
    size_t npids, cap;
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

static tracked_name_t *find_name(const char *name)
{
    for (size_t i = 0; i < nnames; i++)
        if (strcmp(names[i].name, name) == 0)
            return &names[i];
    return NULL;
}

static void remove_entry(size_t i)
{
    free(names[i].pids);
    names[i] = names[--nnames];
}

static void forget_name(const char *name)
{
    tracked_name_t *t = find_name(name);
    if (t)
        remove_entry((size_t)(t - names));
}

/* Start watching a pid; false when it has ended already (a registration
 * can arrive after its sender died). */
static bool watch_pid(pid_t pid)
{
    for (size_t i = 0; i < nwatched; i++)
        if (watched[i].pid == pid)
            return true;
    int fd = mp__posix_pidfd_open(pid);
    if (fd < 0)
        return errno != ESRCH; /* no pidfds at all: only the pipe's end tells */
    if (nwatched == watched_cap) {
        watched_pid_t *w = grow(watched, &watched_cap, sizeof *watched);
        if (!w) {
            close(fd);
            return true;
        }
        watched = w;
    }
    watched[nwatched++] = (watched_pid_t){.pid = pid, .pidfd = fd};
    return true;
}

static bool add_user(tracked_name_t *t, pid_t pid)
{
    for (size_t j = 0; j < t->npids; j++)
        if (t->pids[j] == pid)
            return true;
    if (t->npids == t->cap) {
        pid_t *p = grow(t->pids, &t->cap, sizeof *t->pids);
        if (!p)
            return false;
        t->pids = p;
    }
    t->pids[t->npids++] = pid;
    return true;
}

/* Does process `pid` map the segment, or hold it open? Read from /proc:
 * the one record of users that no tracker was told about (a process of
 * another family that attached by name). */
static bool process_uses(const char *pid, const char *path)
{
    char file[64], line[512];
    snprintf(file, sizeof file, "/proc/%s/maps", pid);
    FILE *maps = fopen(file, "re");
    bool found = false;
    size_t plen = strlen(path);
    while (maps && !found && fgets(line, sizeof line, maps)) {
        char *at = strstr(line, path);
        found = at && (at[plen] == '\n' || at[plen] == ' ');
    }
    if (maps)
        fclose(maps);
    snprintf(file, sizeof file, "/proc/%s/fd", pid);
    DIR *fds = found ? NULL : opendir(file);
    for (struct dirent *e; fds && !found && (e = readdir(fds));) {
        char link[96], target[512];
        snprintf(link, sizeof link, "/proc/%s/fd/%.20s", pid, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        found = n == (ssize_t)plen && memcmp(target, path, plen) == 0;
    }
    if (fds)
        closedir(fds);
    return found;
}

/* Before removing a name whose known users all ended: find processes that
 * use it anyway, and keep watching them instead. */
static bool adopt_unknown_users(tracked_name_t *t)
{
    char path[96];
    snprintf(path, sizeof path, "/dev/shm%s", t->name);
    DIR *proc = opendir("/proc");
    bool any = false;
    for (struct dirent *e; proc && (e = readdir(proc));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (process_uses(e->d_name, path) && watch_pid(pid) && add_user(t, pid))
            any = true;
    }
    if (proc)
        closedir(proc);
    return any;
}

/* A name's known users have all ended: remove it, unless others use it. */
static void settle(size_t i)
{
    if (!adopt_unknown_users(&names[i])) {
        shm_unlink(names[i].name);
        remove_entry(i);
    }
}

/* A pid ended: it no longer keeps any name alive. */
static void pid_ended(pid_t pid)
{
    for (size_t i = 0; i < nnames;) {
        tracked_name_t *t = &names[i];
        for (size_t j = 0; j < t->npids; j++)
            if (t->pids[j] == pid)
                t->pids[j--] = t->pids[--t->npids];
        size_t before = nnames;
        if (t->npids == 0)
            settle(i);
        if (nnames == before)
            i++;
    }
}

static void use_name(pid_t pid, const char *name)
{
    tracked_name_t *t = find_name(name);
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
    if (!add_user(t, pid) || !watch_pid(pid))
        pid_ended(pid);
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

/* The family is gone (every write end closed): its processes hold
 * nothing; what they made goes, unless another family uses it. */
static void family_ended(void)
{
    for (size_t i = nnames; i-- > 0;) {
        names[i].npids = 0;
        settle(i);
    }
}

/* Read and handle whole lines; false at the pipe's end. */
static bool read_messages(int readfd, char *buf, size_t size, size_t *have)
{
    ssize_t r = read(readfd, buf + *have, size - *have - 1);
    if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
        return false;
    if (r < 0)
        return true;
    *have += (size_t)r;
    buf[*have] = '\0';
    char *start = buf, *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        handle_line(start);
        start = nl + 1;
    }
    *have -= (size_t)(start - buf);
    memmove(buf, start, *have);
    if (*have == size - 1)
        *have = 0; /* a line longer than any we send: drop it */
    return true;
}

void mp__posix_tracker_main(int readfd)
{
    /* Outlive a Ctrl-C or a group-wide SIGTERM: cleaning up after those is
     * the tracker's whole point. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    char buf[4096];
    size_t have = 0;
    bool family_alive = true;
    /* After the family, only names that other families still use remain. */
    while (family_alive || nnames > 0) {
        enum { MAX_POLLED = 1024 };
        static struct pollfd fds[1 + MAX_POLLED];
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = family_alive ? readfd : -1, .events = POLLIN};
        for (size_t i = 0; i < nwatched && n < sizeof fds / sizeof *fds; i++)
            fds[n++] = (struct pollfd){.fd = watched[i].pidfd, .events = POLLIN};
        if (poll(fds, n, -1) < 0)
            continue;
        /* Downwards: removing entry i moves the last one, already seen, in. */
        for (size_t i = n - 1; i >= 1; i--)
            if (fds[i].revents) {
                pid_t pid = watched[i - 1].pid;
                close(watched[i - 1].pidfd);
                watched[i - 1] = watched[--nwatched];
                pid_ended(pid);
            }
        if (family_alive && fds[0].revents && !read_messages(readfd, buf, sizeof buf, &have)) {
            family_alive = false;
            family_ended();
        }
    }
    _exit(0);
}
