/* How many CPUs this process may really use: the active processors of every
 * processor group, capped by the process's affinity and by a CPU rate limit
 * of the job it runs in (how Windows containers and `start /affinity`
 * restrict a process), as posix/cpu.c does with affinity and cgroup quotas. */
#include "win32_internal.h"

/* Not in every SDK's headers (mingw-w64 10 lacks it): the MinRate/MaxRate
 * form of JOBOBJECT_CPU_RATE_CONTROL_INFORMATION, whose two WORDs share the
 * DWORD of CpuRate, MaxRate the high one. */
#ifndef JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE
#define JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE 0x10
#endif

static int popcount(ULONG_PTR mask)
{
    int n = 0;
    for (; mask; mask &= mask - 1)
        n++;
    return n;
}

/* CPUs in the affinity mask; -1 when the process spans several processor
 * groups (a mask describes one group only: then every group's processors
 * count, the affinity of the others cannot be read this way). */
static int affinity_count(void)
{
    USHORT groups[64], ngroups = 64;
    if (GetProcessGroupAffinity(GetCurrentProcess(), &ngroups, groups) && ngroups > 1)
        return -1;
    DWORD_PTR mask, system;
    if (!GetProcessAffinityMask(GetCurrentProcess(), &mask, &system))
        return -1;
    return popcount(mask);
}

/* ceil(rate * total / 10000) for a rate in hundredths of a percent of the
 * whole machine; -1 when the job (if any) sets no hard CPU limit. */
static int job_rate_limit(int total)
{
    JOBOBJECT_CPU_RATE_CONTROL_INFORMATION info;
    /* NULL: the job this process belongs to (fails when there is none). */
    if (!QueryInformationJobObject(NULL, JobObjectCpuRateControlInformation, &info, sizeof info,
                                   NULL) ||
        !(info.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_ENABLE))
        return -1;
    DWORD rate;
    if (info.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP)
        rate = info.CpuRate;
    else if (info.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE)
        rate = info.CpuRate >> 16; /* MaxRate */
    else
        return -1; /* weight-based: a share, not a limit */
    if (rate == 0 || rate >= 10000)
        return -1;
    int n = (int)(((unsigned long long)rate * (unsigned)total + 9999) / 10000);
    return n < 1 ? 1 : n;
}

int mp__os_cpu_count(void)
{
    DWORD active = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    int n = active > 0 ? (int)active : 1;
    int affinity = affinity_count();
    if (affinity > 0 && affinity < n)
        n = affinity;
    int limit = job_rate_limit((int)(active > 0 ? active : 1));
    if (limit > 0 && limit < n)
        n = limit;
    return n;
}
