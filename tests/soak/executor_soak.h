/* mp_executor_soak: worker deaths injected into a busy process executor
 * (README.md beside this file, "mp_executor_soak"). A killer thread sends
 * SIGKILL, SIGSEGV, SIGABRT or SIGTERM at random moments to random workers
 * (executor_soak_killer.c) while the main thread runs maps and windows of
 * submits and checks every result (executor_soak.c). Linux only: it reads
 * /proc to tell a leftover worker from a stranger that reused its pid, and
 * to count its own descriptors. */
#ifndef MP_EXECUTOR_SOAK_H
#define MP_EXECUTOR_SOAK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc.h>

/* The signals the killer sends, chosen at random. */
enum { EXS_NSIGNALS = 4 };
extern const int exs_signals[EXS_NSIGNALS];

/* A process, told apart from a later one with the same pid (pids wrap at
 * 32768 on many machines) by its start time in clock ticks since boot. */
typedef struct exs_proc {
    mp_pid_t pid;
    unsigned long long start;
    int sig;     /* the killed set: the signal sent */
    bool blamed; /* the killed set: a task's failure was put down to it */
} exs_proc_t;

/* A set of processes (grows; linear search: a run has a few thousand). */
typedef struct exs_procs {
    exs_proc_t *v;
    size_t n, cap;
} exs_procs_t;

/* The start time of `pid` now, 0 when there is no such process. */
unsigned long long exs_start_time(mp_pid_t pid);

/* Whether the set holds `pid` (any start time). */
bool exs_procs_has(const exs_procs_t *s, mp_pid_t pid);

/* The killer: its settings, what it did, and the state it shares with the
 * main thread under `lock`. */
typedef struct exs_killer {
    /* settings */
    mp_executor_t *ex;
    unsigned target;       /* deaths to inject */
    unsigned max_delay_ms; /* the pause before each kill: 0..this */
    unsigned short rng[3]; /* nrand48's state, from the run's seed */
    /* shared */
    pthread_mutex_t lock;
    exs_procs_t ready;  /* workers that have answered a task: safe to kill */
    exs_procs_t killed; /* workers signalled (each once) */
    exs_procs_t seen;   /* every worker ever listed, for the leak check */
    unsigned sent[EXS_NSIGNALS];
    bool out_of_memory;
    /* the thread */
    pthread_t thread;
    atomic_bool stop;
    atomic_uint done; /* deaths injected so far */
} exs_killer_t;

/* Start the killer thread on k (settings filled in); 0 or an errno. */
int exs_killer_start(exs_killer_t *k);

/* The main thread saw worker `pid` answer a task: it has started, and may
 * be killed. (A worker killed before it ever answered is a failed start;
 * MP_EXECUTOR_START_FAILURES of those in a row break the executor, by
 * design: that case is the executor_faults suite's, not the soak's.) */
void exs_killer_ready(exs_killer_t *k, mp_pid_t pid);

/* A submitted task failed with MP_EWORKERDIED: its worker `pid` ended
 * with `exitcode`. NULL when that is a death the killer injected, ended
 * by the signal it sent, and not yet blamed for another task's failure (a
 * worker runs one task at a time: the others it held go to other
 * workers); else what is wrong, in `why`. */
const char *exs_killer_blame(exs_killer_t *k, mp_pid_t pid, int exitcode, char *why, size_t size);

/* Note the workers the executor lists now (for the leak check). */
void exs_killer_note_workers(exs_killer_t *k);

/* Stop and join the thread. */
void exs_killer_stop(exs_killer_t *k);

/* After the executor is destroyed: how many of the workers ever seen are
 * still alive (same pid and start time) after up to `settle_s` seconds;
 * their pids in `detail`. */
unsigned exs_leftover_workers(exs_killer_t *k, double settle_s, char *detail, size_t size);

/* Free the sets. */
void exs_killer_free(exs_killer_t *k);

/* The number of descriptors this process has open. */
int exs_count_fds(void);

#endif /* MP_EXECUTOR_SOAK_H */
