/* mp_executor_soak's killer thread, and what it knows of the workers
 * (executor_soak.h). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "executor_soak.h"

const int exs_signals[EXS_NSIGNALS] = {SIGKILL, SIGSEGV, SIGABRT, SIGTERM};

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ; /* sleep the rest */
}

unsigned long long exs_start_time(mp_pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    /* Field 22, counted after the command name, which may hold spaces and
     * parentheses: start after its last ')'. */
    const char *p = strrchr(text, ')');
    unsigned long long start = 0;
    for (int field = 2; p && *p; p++)
        if (*p == ' ' && ++field == 22)
            return sscanf(p + 1, "%llu", &start) == 1 ? start : 0;
    return 0;
}

bool exs_procs_has(const exs_procs_t *s, mp_pid_t pid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].pid == pid)
            return true;
    return false;
}

/* Add (pid, start) unless the same process is there; false: no memory. */
static bool procs_add(exs_procs_t *s, mp_pid_t pid, unsigned long long start)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].pid == pid && s->v[i].start == start)
            return true;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        exs_proc_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return false;
        s->v = v, s->cap = cap;
    }
    s->v[s->n++] = (exs_proc_t){.pid = pid, .start = start};
    return true;
}

static void procs_remove(exs_procs_t *s, mp_pid_t pid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].pid == pid)
            s->v[i--] = s->v[--s->n];
}

void exs_killer_ready(exs_killer_t *k, mp_pid_t pid)
{
    pthread_mutex_lock(&k->lock);
    /* A pid already killed is not made ready again (its start time says
     * whether it is the same process only once it is read; a reused pid
     * simply goes unkilled). */
    if (!exs_procs_has(&k->ready, pid) && !exs_procs_has(&k->killed, pid))
        k->out_of_memory |= !procs_add(&k->ready, pid, 0);
    pthread_mutex_unlock(&k->lock);
}

enum { LIST_CAP = 256 };

/* The workers listed now, noted in `seen`; their count (at most cap). */
static size_t list_workers(exs_killer_t *k, mp_pid_t *pids, size_t cap)
{
    size_t count = 0;
    if (mp_executor_worker_pids(k->ex, pids, cap, &count) < 0)
        return 0;
    count = count < cap ? count : cap;
    for (size_t i = 0; i < count; i++) {
        unsigned long long start = exs_start_time(pids[i]);
        if (!start)
            continue; /* gone already: it was seen alive by an earlier list */
        pthread_mutex_lock(&k->lock);
        k->out_of_memory |= !procs_add(&k->seen, pids[i], start);
        pthread_mutex_unlock(&k->lock);
    }
    return count;
}

void exs_killer_note_workers(exs_killer_t *k)
{
    mp_pid_t pids[LIST_CAP];
    list_workers(k, pids, LIST_CAP);
}

/* One kill: a random ready worker among those listed now, a random
 * signal. False when there was no ready worker. */
static bool kill_one(exs_killer_t *k)
{
    mp_pid_t pids[LIST_CAP], ready[LIST_CAP];
    size_t count = list_workers(k, pids, LIST_CAP), nready = 0;
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < count; i++)
        if (exs_procs_has(&k->ready, pids[i]) && !exs_procs_has(&k->killed, pids[i]))
            ready[nready++] = pids[i];
    pthread_mutex_unlock(&k->lock);
    if (nready == 0)
        return false;
    mp_pid_t victim = ready[(size_t)nrand48(k->rng) % nready];
    int sig = (int)(nrand48(k->rng) % EXS_NSIGNALS);
    pthread_mutex_lock(&k->lock);
    procs_remove(&k->ready, victim);
    bool added = procs_add(&k->killed, victim, 0);
    k->out_of_memory |= !added;
    if (added) /* before the kill: its death may be blamed at once */
        k->killed.v[k->killed.n - 1].sig = exs_signals[sig];
    pthread_mutex_unlock(&k->lock);
    if (kill((pid_t)victim, exs_signals[sig]) < 0)
        return false; /* gone in between (it cannot be: only we kill) */
    pthread_mutex_lock(&k->lock);
    k->sent[sig]++;
    pthread_mutex_unlock(&k->lock);
    atomic_fetch_add(&k->done, 1);
    return true;
}

/* The exit code a worker killed by `sig` shows. AddressSanitizer catches
 * SIGSEGV to print a report and exits with 1. */
static bool ended_by(int exitcode, int sig)
{
#if defined(__SANITIZE_ADDRESS__)
    if (sig == SIGSEGV && exitcode == 1)
        return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    if (sig == SIGSEGV && exitcode == 1)
        return true;
#endif
#endif
    return exitcode == -sig;
}

const char *exs_killer_blame(exs_killer_t *k, mp_pid_t pid, int exitcode, char *why, size_t size)
{
    pthread_mutex_lock(&k->lock);
    exs_proc_t *p = NULL;
    for (size_t i = 0; i < k->killed.n && !p; i++)
        if (k->killed.v[i].pid == pid)
            p = &k->killed.v[i];
    if (!p)
        snprintf(why, size, "worker %lld died, and the soak did not kill it", (long long)pid);
    else if (p->blamed)
        snprintf(why, size, "a second task failed for the death of worker %lld", (long long)pid);
    else if (!ended_by(exitcode, p->sig))
        snprintf(why, size, "worker %lld ended with %d, killed by signal %d", (long long)pid,
                 exitcode, p->sig);
    bool ok = p && !p->blamed && ended_by(exitcode, p->sig);
    if (p)
        p->blamed = true;
    pthread_mutex_unlock(&k->lock);
    return ok ? NULL : why;
}

static void *killer_main(void *arg)
{
    exs_killer_t *k = arg;
    while (!atomic_load(&k->stop) && atomic_load(&k->done) < k->target) {
        unsigned pause = (unsigned)(nrand48(k->rng) % (k->max_delay_ms + 1u));
        sleep_ms(pause ? pause : 1); /* at least a moment, when none is ready */
        kill_one(k);
    }
    return NULL;
}

int exs_killer_start(exs_killer_t *k)
{
    atomic_init(&k->stop, false);
    atomic_init(&k->done, 0);
    int rc = pthread_mutex_init(&k->lock, NULL);
    if (rc == 0 && (rc = pthread_create(&k->thread, NULL, killer_main, k)) != 0)
        pthread_mutex_destroy(&k->lock);
    return rc;
}

void exs_killer_stop(exs_killer_t *k)
{
    atomic_store(&k->stop, true);
    pthread_join(k->thread, NULL);
}

unsigned exs_leftover_workers(exs_killer_t *k, double settle_s, char *detail, size_t size)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        unsigned left = 0;
        detail[0] = '\0';
        for (size_t i = 0; i < k->seen.n; i++) {
            const exs_proc_t *p = &k->seen.v[i];
            if (exs_start_time(p->pid) != p->start)
                continue; /* gone, or a stranger with its pid */
            left++;
            size_t used = strlen(detail);
            snprintf(detail + used, size - used, " %lld", (long long)p->pid);
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
        if (left == 0 || waited >= settle_s)
            return left;
        sleep_ms(50);
    }
}

void exs_killer_free(exs_killer_t *k)
{
    free(k->ready.v);
    free(k->killed.v);
    free(k->seen.v);
    pthread_mutex_destroy(&k->lock);
}

int exs_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}
