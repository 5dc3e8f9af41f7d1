/* mp_soak: SIGKILL a parent that holds every kind of resource multiproc
 * makes (a resource tracker, a fork server, keyed listeners on unix
 * sockets, named shared memory, children of each kind), at random moments,
 * and count what the family leaves behind. README.md beside this file says
 * how to run it and how to read its report.
 *
 * One program, three roles: the driver (main.c, round.c, census.c) runs
 * rounds; each round execs this same program as the victim (victim.c),
 * whose children run the tasks of soak_tasks.c. Linux only: the driver
 * finds a round's processes through /proc and adopts its orphans as a
 * child subreaper. */
#ifndef MP_SOAK_H
#define MP_SOAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <multiproc.h>

/* The environment variable that marks every process of a round: the
 * victim gets it from the driver and its whole family inherits it (spawned
 * children and the fork server are exec'd with the parent's environment).
 * Its value is the round's id. */
#define SOAK_MARK_VAR "MP_SOAK_ROUND"

/* Every named segment of a round is "soak.<round id>.<n>": the OS name is
 * "/mp.soak.<id>.<n>" (posix/shm.c's prefix), so /dev/shm/mp.soak.<id>.*
 * is exactly what the round made. */
#define SOAK_SHM_PREFIX "soak."

/* The key of every listener the victim opens, and of its children's
 * clients. */
#define SOAK_AUTHKEY "mp-soak-key"

/* A round's id: "<driver pid>.<method index>.<round>", unique per run. */
enum { SOAK_ID_MAX = 32 };

/* The progress record the victim keeps in a file: a step it is in, so the
 * driver can name the kill point after the kill. Fixed size, written with
 * one pwrite() at offset 0 before each step. */
enum { SOAK_STEP_MAX = 64 };

/* What one child task is told (argument bytes; every child is this same
 * program, so the layout is shared). */
typedef struct soak_child_arg {
    char address[MP_ADDRESS_MAX + 1]; /* a listener to connect to */
    int32_t run_ms;                   /* how long a short task runs */
} soak_child_arg_t;

/* The child tasks (soak_tasks.c) and the table mp_init() gets. */
extern const mp_task_def_t soak_tasks[];

/* The victim's main (victim.c): argv after "--victim" is
 * METHOD ROUND-ID ROUND-SEED PROGRESS-FILE. Never returns. */
void soak_victim_main(int argc, char **argv);

/* Leftovers of one round, by kind (census.c). */
typedef struct soak_leftovers {
    unsigned procs;          /* live processes carrying the round's mark */
    unsigned procs_tracker;  /*   of which resource trackers */
    unsigned procs_server;   /*   of which fork servers (or their unnamed forks) */
    unsigned procs_linger;   /*   of which exit-with-parent children */
    unsigned procs_short;    /*   of which short-task children (plain, daemon) */
    unsigned procs_other;    /*   of which others (a child before its task began) */
    unsigned shm;            /* /dev/shm names of the round */
    unsigned files;          /* entries left in the round's temp dir */
    unsigned files_server;   /*   of which fork server dirs (multiproc-*) */
    unsigned files_listener; /*   of which listener dirs (mp-listener-*) */
    char detail[512];        /* the names and pids, for the round's line */
} soak_leftovers_t;

/* Count what round `id` left: processes (by SOAK_MARK_VAR, and the
 * driver's own live children), /dev/shm names, and entries of `tmpdir`. */
void soak_census(const char *id, const char *tmpdir, soak_leftovers_t *out);

/* Are there live processes of round `id` (marked, or the driver's own
 * children)? */
bool soak_round_alive(const char *id);

/* Remove what a census found, so the next round starts clean: SIGKILL the
 * round's processes, unlink its names, empty `tmpdir`. */
void soak_sweep(const char *id, const char *tmpdir);

/* Reap every child that has ended: the victim, and the orphans of its
 * family, which the driver adopts as a child subreaper. */
void soak_reap_orphans(void);

/* One round's settings and outcome (round.c). */
typedef struct soak_round {
    const char *exe;      /* this program, for the victim's exec */
    const char *method;   /* start method */
    const char *id;       /* round id (SOAK_MARK_VAR's value) */
    const char *tmpdir;   /* the round's private TMPDIR */
    const char *progress; /* the victim's progress file */
    uint64_t seed;        /* the round's own seed */
    unsigned delay_ms;    /* kill after this long */
    double settle_s;      /* wait at most this long for the family to end */
    bool keep;            /* leave leftovers in place, for a debugger */
    /* outcome */
    char step[SOAK_STEP_MAX]; /* where the victim was when killed */
    bool victim_failed;       /* it ended by itself (an error) before the kill */
    soak_leftovers_t left;
} soak_round_t;

/* Run one round: exec the victim, SIGKILL it after r->delay_ms, wait for
 * its family to end (at most r->settle_s), count and sweep (unless r->keep
 * and something was left). 0, or -1 when
 * the round could not be run at all (errno set). */
int soak_run_round(soak_round_t *r);

/* A command line's decimal number no larger than `max`, in `out`; false
 * for anything else (parse.c, shared with mp_executor_soak). */
bool soak_parse_number(const char *s, unsigned long long max, unsigned long long *out);

/* splitmix64: the soak's one random generator, so a seed replays a run. */
uint64_t soak_rand(uint64_t *state);

#endif /* MP_SOAK_H */
