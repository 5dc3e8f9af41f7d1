/* One round: exec the victim in a session of its own, with the round's
 * mark and private TMPDIR in its environment; SIGKILL it (it alone, not its
 * group: the point is a parent that dies with its family alive) after the
 * round's delay; give the survivors their time to end; count and sweep. */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

extern char **environ;

uint64_t soak_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void soak_reap_orphans(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Is `entry` ("NAME=value") one of the variables the round sets itself? */
static bool overridden(const char *entry)
{
    static const char *const names[] = {SOAK_MARK_VAR "=", "TMPDIR=", "MP_START_METHOD="};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strncmp(entry, names[i], strlen(names[i])) == 0)
            return true;
    return false;
}

/* The driver's environment with the round's mark and TMPDIR; NULL when out
 * of memory. The strings are the caller's and environ's. */
static char **victim_env(char *mark, char *tmpdir)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = malloc((n + 3) * sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!overridden(environ[i]))
            env[k++] = environ[i];
    env[k++] = mark;
    env[k++] = tmpdir;
    env[k] = NULL;
    return env;
}

/* Fork and exec the victim; its pid, or -1. */
static pid_t start_victim(const soak_round_t *r)
{
    char mark[64], tmpdir[320], seed[24];
    snprintf(mark, sizeof mark, SOAK_MARK_VAR "=%s", r->id);
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", r->tmpdir);
    snprintf(seed, sizeof seed, "%" PRIu64, r->seed);
    char **env = victim_env(mark, tmpdir);
    if (!env)
        return -1;
    char *argv[] = {(char *)r->exe,      "--victim", (char *)r->method, (char *)r->id, seed,
                    (char *)r->progress, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        /* Its own session: no terminal's Ctrl-C reaches the family, and
         * the driver's own process group is never part of a round. Its
         * output is noise (children of a killed parent may complain);
         * errors still go to stderr. */
        setsid();
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execve(r->exe, argv, env);
        _exit(127);
    }
    free(env);
    return pid;
}

/* Wait (5 s at most) until the victim has run mp_init() and recorded its
 * first step: the delay counts from there, so that a slow exec on a busy
 * machine does not eat the start-up window. A victim that ends first is
 * left unreaped (WNOWAIT), for the caller to see. */
static void wait_for_first_step(int progress, pid_t victim)
{
    double give_up = now_s() + 5.0;
    char first = 0;
    while (now_s() < give_up && (pread(progress, &first, 1, 0) != 1 || !first)) {
        siginfo_t info = {0};
        if (waitid(P_PID, (id_t)victim, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid)
            return;
        sleep_ms(1);
    }
}

int soak_run_round(soak_round_t *r)
{
    int progress = open(r->progress, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (progress < 0)
        return -1;
    if (mkdir(r->tmpdir, 0700) < 0 || ftruncate(progress, SOAK_STEP_MAX) < 0) {
        close(progress);
        return -1;
    }
    pid_t victim = start_victim(r);
    if (victim < 0) {
        close(progress);
        return -1;
    }
    wait_for_first_step(progress, victim);
    sleep_ms(r->delay_ms);
    /* Ended by itself before the kill: a step failed (it said which). */
    int status;
    r->victim_failed = waitpid(victim, &status, WNOHANG) == victim;
    if (!r->victim_failed) {
        kill(victim, SIGKILL);
        waitpid(victim, &status, 0);
    }
    memset(r->step, 0, sizeof r->step);
    if (pread(progress, r->step, sizeof r->step - 1, 0) <= 0 || !r->step[0])
        snprintf(r->step, sizeof r->step, "exec and mp_init (5 s were not enough)");
    close(progress);

    /* The survivors' time: short tasks end, exit-with-parent children and
     * the fork server notice, the tracker cleans up and exits. The end is
     * two scans in a row that find no process of the round: one empty scan
     * could fall between a process's exit and its last child's start. */
    double deadline = now_s() + r->settle_s;
    for (int empty = 0; empty < 2 && now_s() < deadline;) {
        soak_reap_orphans();
        empty = soak_round_alive(r->id) ? 0 : empty + 1;
        sleep_ms(20);
    }
    soak_reap_orphans();
    soak_census(r->id, r->tmpdir, &r->left);
    if (!r->keep || r->left.procs + r->left.shm + r->left.files == 0)
        soak_sweep(r->id, r->tmpdir);
    return 0;
}
