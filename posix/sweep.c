/* Private directories (0700) around this library's sockets: a listener's
 * ("mp-listener-<pid>-XXXXXX", listener.c) and a fork server's
 * ("multiproc-<pid>-XXXXXX", forkserver_client.c).
 *
 * Making one: the name is picked here and announced to the tracker before
 * the directory exists, so the tracker removes it (sockets and all) should
 * its process be killed at any moment.
 *
 * Sweeping: what the tracker never heard of (a fork server's directory,
 * made between mkdtemp and its server's start; anything left while no
 * tracker ran) is found at the next program start (mp_init): one listing
 * of each temporary directory, and a directory whose pid has ended is
 * removed if it is ours in every way: a real directory (not a link), this
 * user's, mode 0700, holding nothing but sockets (anything else makes its
 * rmdir fail, harmlessly). A pid reused by another process keeps its
 * directory until that process ends too: caution over thoroughness. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_internal.h"

/* The prefixes of the directories, each followed by "<pid>-". */
static const char *const prefixes[] = {"multiproc-", "mp-listener-"};

/* The pid in `name` if it is one of ours ("<prefix><pid>-..."), else 0. */
static pid_t leftover_pid(const char *name)
{
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(name, prefixes[i], n) != 0)
            continue;
        char *end;
        long pid = strtol(name + n, &end, 10);
        if (end != name + n && *end == '-' && pid > 0 && pid < (1L << 30))
            return (pid_t)pid;
    }
    return 0;
}

static bool pid_ended(pid_t pid)
{
    return pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH;
}

void mp__posix_remove_private_dir(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return;
    DIR *dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
                       (st.st_mode & 07777) == 0700
                   ? fdopendir(fd)
                   : NULL;
    if (!dir) {
        close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(dir));) {
        struct stat entry;
        if (fstatat(fd, e->d_name, &entry, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(entry.st_mode))
            unlinkat(fd, e->d_name, 0);
    }
    closedir(dir); /* closes fd */
    unlinkat(parent, name, AT_REMOVEDIR);
}

static void sweep_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        mp__posix_close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(dir));) {
        pid_t pid = leftover_pid(e->d_name);
        if (pid && pid_ended(pid))
            mp__posix_remove_private_dir(fd, e->d_name);
    }
    closedir(dir);
}

int mp__posix_make_private_dir(char *dir, size_t size, const char *base, const char *prefix)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        int rc = mp__os_random(r, sizeof r);
        if (rc < 0)
            return rc;
        char tail[7];
        for (size_t i = 0; i < sizeof r; i++)
            tail[i] = letters[r[i] % (sizeof letters - 1)];
        tail[6] = '\0';
        int n = snprintf(dir, size, "%s/%s%d-%s", base, prefix, (int)getpid(), tail);
        if (n < 0 || (size_t)n >= size)
            return mp__errdetail_set(MP_EINVAL, "no room for a directory under %s", base);
        /* Announced first, so that no moment of this process's death
         * leaves the directory unknown to the tracker. */
        mp__posix_track_dir(dir);
        if (mkdir(dir, 0700) == 0)
            return 0;
        int err = errno;
        mp__posix_untrack_dir(dir); /* not ours: taken, or never made */
        if (err != EEXIST) {
            errno = err;
            dir[0] = '\0';
            return mp__posix_syserr("mkdir of a private directory");
        }
    }
    dir[0] = '\0';
    return mp__errdetail_set(MP_ESYS, "no free private directory name under %s", base);
}

void mp__posix_sweep_leftovers(void)
{
    /* Where listener.c and forkserver_client.c make them: $TMPDIR, and
     * /tmp when $TMPDIR is unset or too long for a socket path. */
    const char *tmp = getenv("TMPDIR");
    if (tmp && tmp[0] && strcmp(tmp, "/tmp") != 0 && strcmp(tmp, "/tmp/") != 0)
        sweep_dir(tmp);
    sweep_dir("/tmp");
}
