/* Counting what a round left behind, and removing it afterwards.
 *
 * Processes: every process of the round carries SOAK_MARK_VAR=<id> in its
 * environment (/proc/PID/environ is the environment it was exec'd with,
 * which fork children share), wherever it was reparented to. A process in
 * the middle of an exec can show no environment for an instant; if its
 * parent died it is the driver's child by then (the driver is a child
 * subreaper and runs one round at a time), so every live child of the
 * driver counts too. Zombies do not count. Names: /dev/shm/mp.soak.<id>.*.
 * Files: whatever is in the round's private TMPDIR. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

/* A whole small /proc file into buf (NUL-ended); its length, or -1. */
static ssize_t read_proc(const char *pid, const char *what, char *buf, size_t cap)
{
    char path[300];
    snprintf(path, sizeof path, "/proc/%s/%s", pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t have = 0;
    ssize_t n;
    while (have < cap - 1 && (n = read(fd, buf + have, cap - 1 - have)) > 0)
        have += (size_t)n;
    close(fd);
    buf[have] = '\0';
    return (ssize_t)have;
}

/* Does process `pid` carry round `id`'s mark? Entries are NUL-separated. */
static bool marked(const char *pid, const char *id)
{
    static char env[1 << 17]; /* environments beyond this are not ours */
    ssize_t len = read_proc(pid, "environ", env, sizeof env);
    char want[64];
    snprintf(want, sizeof want, SOAK_MARK_VAR "=%s", id);
    for (ssize_t at = 0; at < len; at += (ssize_t)strlen(env + at) + 1)
        if (strcmp(env + at, want) == 0)
            return true;
    return false;
}

/* A process's state letter and parent, from /proc/PID/stat (fields 3 and
 * 4, after the ")" that ends its name); false when it is gone. */
static bool state_of(const char *pid, char *state, int *ppid)
{
    char stat[512];
    if (read_proc(pid, "stat", stat, sizeof stat) <= 0)
        return false;
    const char *after = strrchr(stat, ')');
    return after && sscanf(after + 1, " %c %d", state, ppid) == 2;
}

/* Is `pid` a live process of round `id`? */
static bool of_round(const char *pid, const char *id)
{
    char state;
    int ppid;
    if (!state_of(pid, &state, &ppid) || state == 'Z' || state == 'X')
        return false;
    return ppid == (int)getpid() || marked(pid, id);
}

/* Call fn(pid) for every live process of round `id`; how many there were. */
static unsigned each_of_round(const char *id, void (*fn)(const char *pid, void *ctx), void *ctx)
{
    unsigned n = 0;
    DIR *proc = opendir("/proc");
    for (struct dirent *e; proc && (e = readdir(proc));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || !of_round(e->d_name, id))
            continue;
        n++;
        if (fn)
            fn(e->d_name, ctx);
    }
    if (proc)
        closedir(proc);
    return n;
}

bool soak_round_alive(const char *id)
{
    return each_of_round(id, NULL, NULL) > 0;
}

/* Append to the round's detail line, dropping what does not fit. */
static void note(soak_leftovers_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(soak_leftovers_t *out, const char *fmt, ...)
{
    size_t used = strlen(out->detail);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail + used, sizeof out->detail - used, fmt, ap);
    va_end(ap);
}

/* What a leftover process is: its children name themselves (comm); the
 * tracker and the fork server are told by their marker argument; anything
 * else is the victim's copy before it ran its task (a fork child, or a
 * spawned child still bootstrapping). */
static void count_process(const char *pid, void *ctx)
{
    soak_leftovers_t *out = ctx;
    char comm[32] = "", cmd[256] = "";
    read_proc(pid, "comm", comm, sizeof comm);
    comm[strcspn(comm, "\n")] = '\0';
    ssize_t len = read_proc(pid, "cmdline", cmd, sizeof cmd);
    const char *arg1 = len > 0 && (size_t)len > strlen(cmd) + 1 ? cmd + strlen(cmd) + 1 : "";
    const char *role = "other";
    if (strcmp(comm, "soak-linger") == 0)
        role = "exit-with-parent child", out->procs_linger++;
    else if (strcmp(comm, "soak-short") == 0)
        role = "short child", out->procs_short++;
    else if (strcmp(arg1, "--multiproc-tracker") == 0)
        role = "tracker", out->procs_tracker++;
    else if (strcmp(arg1, "--multiproc-forkserver") == 0)
        role = "fork server", out->procs_server++;
    else
        out->procs_other++;
    /* Its state and parent: a leftover blocked in a wait ('S') under the
     * driver (the victim's orphan) tells a different story from one still
     * under a live parent. */
    char state = '?';
    int ppid = 0;
    state_of(pid, &state, &ppid);
    note(out, " [process %s: %s, comm %s, state %c, parent %d]", pid, role, comm, state, ppid);
}

/* "mp.soak.<id>." : the start of every /dev/shm name of the round. */
static void shm_prefix(const char *id, char *out, size_t size)
{
    snprintf(out, size, "mp." SOAK_SHM_PREFIX "%s.", id);
}

static void count_names(const char *id, soak_leftovers_t *out)
{
    char prefix[64];
    shm_prefix(id, prefix, sizeof prefix);
    DIR *dir = opendir("/dev/shm");
    for (struct dirent *e; dir && (e = readdir(dir));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            out->shm++;
            note(out, " [/dev/shm/%s]", e->d_name);
        }
    if (dir)
        closedir(dir);
}

/* The round's TMPDIR: the fork server's directory is "multiproc-<pid>-*"
 * (posix/forkserver_client.c), a listener's "mp-listener-*"
 * (posix/listener.c); anything else is counted too. */
static void count_files(const char *tmpdir, soak_leftovers_t *out)
{
    DIR *dir = opendir(tmpdir);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        out->files++;
        if (strncmp(e->d_name, "multiproc-", 10) == 0)
            out->files_server++;
        else if (strncmp(e->d_name, "mp-listener-", 12) == 0)
            out->files_listener++;
        note(out, " [%s/%s]", tmpdir, e->d_name);
    }
    if (dir)
        closedir(dir);
}

void soak_census(const char *id, const char *tmpdir, soak_leftovers_t *out)
{
    memset(out, 0, sizeof *out);
    out->procs = each_of_round(id, count_process, out);
    count_names(id, out);
    count_files(tmpdir, out);
}

static void kill_process(const char *pid, void *ctx)
{
    (void)ctx;
    kill((pid_t)atoi(pid), SIGKILL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void soak_sweep(const char *id, const char *tmpdir)
{
    /* Killed processes are reparented to us (the subreaper) or to their
     * own live parent; wait until none is left alive, within reason. */
    for (int tries = 0; tries < 500 && each_of_round(id, kill_process, NULL) > 0; tries++) {
        soak_reap_orphans();
        nanosleep(&(struct timespec){.tv_nsec = 10000000L}, NULL);
    }
    soak_reap_orphans();
    char prefix[64], path[320];
    shm_prefix(id, prefix, sizeof prefix);
    DIR *dir = opendir("/dev/shm");
    for (struct dirent *e; dir && (e = readdir(dir));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(path, sizeof path, "/%s", e->d_name);
            shm_unlink(path);
        }
    if (dir)
        closedir(dir);
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
