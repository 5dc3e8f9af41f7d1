/* The worker-pool core's log lines (mp_exec_log.h). */
#include <stdio.h>

#include "mp_exec_log.h"

void mp__log_job_done(const mp__job_t *job)
{
    char task[64], where[48], failed[96] = "";
    mp__job_task(job, task, sizeof task);
    uint32_t n = job->count, nfailed = 0;
    int first = 0;
    for (uint32_t i = 0; i < n; i++)
        if (job->outcomes[i].code < 0 && nfailed++ == 0)
            first = job->outcomes[i].code;
    if (nfailed)
        snprintf(failed, sizeof failed, ", %u failed (%s)", (unsigned)nfailed, mp_err_name(first));
    if (job->pid)
        snprintf(where, sizeof where, "worker pid %lld", (long long)job->pid);
    else
        snprintf(where, sizeof where, "a worker thread");
    const char *s = n == 1 ? "" : "s";
    if (job->started > 0)
        mp__log(MP_LOG_DEBUG, "task '%s' (%u arg%s) queued %.3f ms, ran %.3f ms on %s%s", task,
                (unsigned)n, s, (job->started - job->queued) * 1e3,
                (job->finished - job->started) * 1e3, where, failed);
    else /* it never answered: cancelled, or failed by a death or a broken pool */
        mp__log(MP_LOG_DEBUG,
                "task '%s' (%u arg%s) done %.3f ms after it was queued, not run to "
                "its end%s",
                task, (unsigned)n, s, (job->finished - job->queued) * 1e3, failed);
}

void mp__log_worker_end(const mp__pool_t *pool, const mp__worker_t *w, int exitcode, bool ready)
{
    bool clean = exitcode == 0 && !w->head;
    if (!mp__log_on(clean || pool->terminated ? MP_LOG_INFO : MP_LOG_WARNING))
        return;
    const char *name = mp_process_name(w->proc);
    if (pool->terminated)
        mp__log(MP_LOG_INFO, "worker %s (pid %lld) ended by the %s's terminate", name,
                (long long)w->pid, pool->opts.noun);
    else if (clean)
        mp__log(MP_LOG_INFO, "worker %s (pid %lld) exited after %u task%s (%s)", name,
                (long long)w->pid, (unsigned)w->given, w->given == 1 ? "" : "s",
                w->stopping ? "stopped" : "retired: max_tasks_per_child");
    else if (exitcode < 0)
        mp__log(MP_LOG_WARNING, "worker %s (pid %lld) died: killed by signal %d%s", name,
                (long long)w->pid, -exitcode, ready ? "" : ", before it was ready");
    else
        mp__log(MP_LOG_WARNING, "worker %s (pid %lld) died: exit code %d%s", name,
                (long long)w->pid, exitcode, ready ? "" : ", before it was ready");
}

void mp__log_job_overdue(const mp__job_t *job, mp_pid_t pid)
{
    char task[64];
    mp__log(MP_LOG_WARNING,
            "task '%s' ran past its time limit of %g s: killing its worker pid %lld",
            mp__job_task(job, task, sizeof task), job->limit, (long long)pid);
}
