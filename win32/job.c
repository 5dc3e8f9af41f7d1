/* The job object that ends some children with this process, however this
 * process ends (normal exit, crash, TerminateProcess): the Win32 form of
 * Linux's PR_SET_PDEATHSIG, which POSIX spawn gets in posix/child.c.
 *
 * One job per process, made on first use with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
 * and never closed by us: its only handle is this process's own
 * (non-inheritable, so no child keeps the job alive), and the system closes
 * it when this process ends, which ends every process in the job.
 *
 * Who joins: daemon children and exit_with_parent children. Other children
 * are not in it, because a non-daemon child outlives a parent that is killed,
 * as on POSIX (the conformance suite's "parent death seen by grandchild"
 * relies on it). A process created by a job member belongs to the job too
 * (Windows' default): an exit_with_parent child's own children end with our
 * process as well. Nested jobs (a member that makes its own job for its own
 * children) need Windows 8 or later. */
#include "win32_internal.h"

static INIT_ONCE job_once = INIT_ONCE_STATIC_INIT;
static HANDLE job;
static DWORD job_error; /* why it could not be made, for the error detail */

static BOOL CALLBACK make_job(PINIT_ONCE once, PVOID param, PVOID *context)
{
    (void)once, (void)param, (void)context;
    HANDLE j = CreateJobObjectW(NULL, NULL);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    ZeroMemory(&limits, sizeof limits);
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!j ||
        !SetInformationJobObject(j, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
        job_error = GetLastError();
        mp__win_close(j);
        return TRUE; /* done trying: every later call reports job_error */
    }
    job = j;
    return TRUE;
}

int mp__win_job_assign(HANDLE process)
{
    InitOnceExecuteOnce(&job_once, make_job, NULL, NULL);
    if (!job)
        return mp__win_syserr_code("CreateJobObjectW", job_error);
    if (!AssignProcessToJobObject(job, process))
        return mp__win_syserr("AssignProcessToJobObject");
    return 0;
}
