/* How many CPUs this process may really use: the affinity mask, capped by a
 * cgroup CPU quota (v2 cpu.max or v1 cfs_quota_us), as a container sees it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

#include "posix_internal.h"

#ifdef __linux__
static int affinity_count(void)
{
    for (int ncpu = 1024; ncpu <= 1 << 16; ncpu *= 4) {
        cpu_set_t *set = CPU_ALLOC(ncpu);
        if (!set)
            return -1;
        size_t size = CPU_ALLOC_SIZE(ncpu);
        int n = sched_getaffinity(0, size, set) == 0 ? CPU_COUNT_S(size, set) : -1;
        CPU_FREE(set);
        if (n > 0)
            return n;
    }
    return -1;
}

/* The cgroup path of this process for a controller ("" = v2 unified). */
static int own_cgroup(const char *controller, char *path, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return -1;
    char line[512];
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        char *list = strchr(line, ':'), *rel = list ? strchr(list + 1, ':') : NULL;
        if (!rel)
            continue;
        *rel++ = '\0';
        rel[strcspn(rel, "\n")] = '\0';
        list++;
        bool match = controller[0] ? strstr(list, controller) != NULL : list[0] == '\0';
        if (match && (size_t)snprintf(path, size, "%s", rel) < size)
            found = 0;
    }
    fclose(f);
    return found;
}

/* ceil(quota / period) from two numbers; -1 when unlimited. */
static int quota_cpus(double quota, double period)
{
    if (quota <= 0 || period <= 0)
        return -1;
    int n = (int)((quota + period - 1) / period);
    return n < 1 ? 1 : n;
}

/* The tightest cpu.max from this cgroup up to the root (cgroup v2). */
static int cgroup2_limit(void)
{
    char rel[400], file[512];
    if (own_cgroup("", rel, sizeof rel) < 0)
        return -1;
    int best = -1;
    for (;;) {
        snprintf(file, sizeof file, "/sys/fs/cgroup%s/cpu.max", strcmp(rel, "/") ? rel : "");
        FILE *f = fopen(file, "re");
        if (f) {
            char quota[32] = "";
            double period = 0;
            if (fscanf(f, "%31s %lf", quota, &period) == 2 && strcmp(quota, "max") != 0) {
                int n = quota_cpus(atof(quota), period);
                if (n > 0 && (best < 0 || n < best))
                    best = n;
            }
            fclose(f);
        }
        char *slash = strrchr(rel, '/');
        if (!slash || slash == rel)
            break;
        *slash = '\0';
    }
    return best;
}

static double read_number(const char *file)
{
    FILE *f = fopen(file, "re");
    double v = -1;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static int cgroup1_limit(void)
{
    char rel[400], file[512];
    if (own_cgroup("cpu", rel, sizeof rel) < 0)
        return -1;
    static const char *const mounts[] = {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"};
    for (size_t i = 0; i < sizeof mounts / sizeof *mounts; i++) {
        snprintf(file, sizeof file, "%s%s/cpu.cfs_quota_us", mounts[i], rel);
        double quota = read_number(file);
        snprintf(file, sizeof file, "%s%s/cpu.cfs_period_us", mounts[i], rel);
        double period = read_number(file);
        if (quota > 0 && period > 0)
            return quota_cpus(quota, period);
    }
    return -1;
}
#endif

int mp__os_cpu_count(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int n = online > 0 ? (int)online : 1;
#ifdef __linux__
    int affinity = affinity_count();
    if (affinity > 0 && affinity < n)
        n = affinity;
    int quota = cgroup2_limit();
    if (quota < 0)
        quota = cgroup1_limit();
    if (quota > 0 && quota < n)
        n = quota;
#endif
    return n;
}
