/* The tracker looking for users it was not told about: processes of other
 * families that attached a name (each family's journal lists only its own).
 * Once per batch of names whose known users all ended, every process's
 * mappings and open descriptors are read once, and each path under /dev/shm
 * is looked up among the batch: the cost is one pass over /proc, however
 * many names the batch holds. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "posix_internal.h"
#include "tracker_internal.h"

#define SHM_DIR "/dev/shm"

/* `path` (a /dev/shm path, maybe with a " (deleted)" tail) is used by
 * `pid`: if it names a candidate, `pid` becomes its user. */
static void found_path(tracker_state_t *s, pid_t pid, char *path)
{
    if (strncmp(path, SHM_DIR "/", sizeof SHM_DIR) != 0)
        return;
    char *tail = strstr(path, " (deleted)");
    if (tail)
        return; /* unlinked already: not the name that exists */
    tracked_name_t *t = mp__tracker_name(s, path + sizeof SHM_DIR - 1);
    if (t && t->candidate)
        mp__tracker_add_user(s, t, pid);
}

static void scan_maps(tracker_state_t *s, pid_t pid)
{
    char file[64], line[512];
    snprintf(file, sizeof file, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(file, "re");
    while (maps && fgets(line, sizeof line, maps)) {
        char *path = strstr(line, " " SHM_DIR "/");
        if (!path)
            continue;
        path[strcspn(path, "\n")] = '\0';
        found_path(s, pid, path + 1);
    }
    if (maps)
        fclose(maps);
}

static void scan_fds(tracker_state_t *s, pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *fds = opendir(dir);
    for (struct dirent *e; fds && (e = readdir(fds));) {
        char link[96], target[512];
        snprintf(link, sizeof link, "%s/%.20s", dir, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        found_path(s, pid, target);
    }
    if (fds)
        closedir(fds);
}

void mp__tracker_adopt_users(tracker_state_t *s)
{
    mp__tracker_count_scan(s);
    DIR *proc = opendir("/proc");
    pid_t self = getpid();
    for (struct dirent *e; proc && (e = readdir(proc));) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || pid == self)
            continue;
        scan_maps(s, pid);
        scan_fds(s, pid);
    }
    if (proc)
        closedir(proc);
}
