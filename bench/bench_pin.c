/* The _samecpu metrics' pinning: see bench_pin.h. */
#include "bench_pin.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

/* The CPU to pin to, and the affinity the parent had before. */
static int pin_cpu;
static cpu_set_t unpinned;

void bench_pin_init(void)
{
    if (sched_getaffinity(0, sizeof unpinned, &unpinned) != 0)
        bench_die_errno("sched_getaffinity", errno);
    while (pin_cpu < CPU_SETSIZE - 1 && !CPU_ISSET(pin_cpu, &unpinned))
        pin_cpu++;
}

int bench_pin_cpu(void)
{
    return pin_cpu;
}

bool bench_pin_thread(pid_t tid, int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(tid, sizeof set, &set) == 0;
}

void bench_pin_parent(bool pinned)
{
    if (pinned ? !bench_pin_thread(0, pin_cpu)
               : sched_setaffinity(0, sizeof unpinned, &unpinned) != 0)
        bench_die_errno("sched_setaffinity", errno);
}

void bench_pin_process(pid_t pid, int cpu)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
    DIR *dir = opendir(path);
    if (!dir)
        bench_die_errno(path, errno);
    int pinned = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        long tid = strtol(e->d_name, NULL, 10);
        /* A thread that ended since the listing is no loss (ESRCH). */
        if (tid > 0 && !bench_pin_thread((pid_t)tid, cpu) && errno != ESRCH)
            bench_die_errno("sched_setaffinity", errno);
        pinned += tid > 0;
    }
    closedir(dir);
    if (pinned == 0)
        bench_die("%s lists no thread", path);
}
