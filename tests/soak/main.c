/* mp_soak's main: mp_init() first (the victim's spawned children and its
 * fork server are this same program), then either the victim's role or
 * the driver's: parse the options, run the rounds of each start method,
 * print what was left and exit non-zero if anything was. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

static const char *const all_methods[] = {"fork", "spawn", "forkserver"};
enum { NMETHODS = 3, MAX_STEPS = 32 };

typedef struct options {
    unsigned rounds;
    bool method[NMETHODS]; /* which to run */
    uint64_t seed;
    unsigned max_delay_ms;
    double settle_s;
    bool verbose;
    bool keep; /* stop at the first round with leftovers, and leave them */
} options_t;

/* Leftovers summed over rounds: per method, and per method and kill point. */
typedef struct tally {
    char step[SOAK_STEP_MAX];
    unsigned rounds, leaky, failed;
    soak_leftovers_t left; /* sums; detail unused */
} tally_t;

typedef struct method_stats {
    tally_t all;
    tally_t steps[MAX_STEPS];
    size_t nsteps;
} method_stats_t;

static volatile sig_atomic_t stop; /* Ctrl-C: finish the round, then report */

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--rounds N] [--method fork|spawn|forkserver|all]... [--seed S]\n"
            "       [--max-delay-ms D] [--settle-s T] [--verbose] [--keep]\n"
            "Each round starts a victim that builds a tracker, a fork server, keyed\n"
            "listeners, named segments and children, SIGKILLs it 0..D ms after its\n"
            "mp_init, waits up to T s for its family to end, and counts leftover\n"
            "processes, /dev/shm names and temp files. Exits 1 if anything was left.\n"
            "Defaults: 100 rounds per method, all methods, a random seed (printed),\n"
            "D 300, T 10. --keep stops at the first round with leftovers and leaves\n"
            "them in place. tests/soak/README.md has the details.\n",
            prog);
}

/* 0, or 2 after a usage message. */
static int parse_options(int argc, char **argv, options_t *o)
{
    *o = (options_t){.rounds = 100, .max_delay_ms = 300, .settle_s = 10.0};
    o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    bool any_method = false;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n = 0;
        bool ok = true;
        if (strcmp(opt, "--help") == 0) {
            usage(stdout, argv[0]);
            exit(0);
        } else if (strcmp(opt, "--verbose") == 0) {
            o->verbose = true;
            continue; /* no value */
        } else if (strcmp(opt, "--keep") == 0) {
            o->keep = true;
            continue;
        } else if (strcmp(opt, "--rounds") == 0) {
            ok = soak_parse_number(val, 1000000, &n) && n > 0, o->rounds = (unsigned)n;
        } else if (strcmp(opt, "--seed") == 0) {
            ok = soak_parse_number(val, UINT64_MAX, &n), o->seed = n;
        } else if (strcmp(opt, "--max-delay-ms") == 0) {
            /* At most 10 s: the victim stops churning after 30. */
            ok = soak_parse_number(val, 10000, &n), o->max_delay_ms = (unsigned)n;
        } else if (strcmp(opt, "--settle-s") == 0) {
            ok = soak_parse_number(val, 3600, &n) && n > 0, o->settle_s = (double)n;
        } else if (strcmp(opt, "--method") == 0) {
            ok = false;
            for (int m = 0; m < NMETHODS; m++)
                if (val && (strcmp(val, all_methods[m]) == 0 || strcmp(val, "all") == 0))
                    o->method[m] = ok = true;
            any_method = true;
        } else {
            ok = false;
            val = NULL; /* an unknown option: its neighbour is no value of it */
        }
        if (!ok) {
            fprintf(stderr, "%s: bad option or value: %s %s\n", argv[0], opt, val ? val : "");
            usage(stderr, argv[0]);
            return 2;
        }
        i++;
    }
    for (int m = 0; m < NMETHODS && !any_method; m++)
        o->method[m] = true;
    return 0;
}

static unsigned total(const soak_leftovers_t *l)
{
    return l->procs + l->shm + l->files;
}

static void add(tally_t *t, const soak_round_t *r)
{
    const soak_leftovers_t *l = &r->left;
    t->rounds++;
    t->leaky += total(l) > 0;
    t->failed += r->victim_failed;
    t->left.procs += l->procs, t->left.procs_tracker += l->procs_tracker;
    t->left.procs_server += l->procs_server, t->left.procs_linger += l->procs_linger;
    t->left.procs_short += l->procs_short, t->left.procs_other += l->procs_other;
    t->left.shm += l->shm;
    t->left.files += l->files, t->left.files_server += l->files_server;
    t->left.files_listener += l->files_listener;
}

static void count_round(method_stats_t *s, const soak_round_t *r)
{
    add(&s->all, r);
    size_t i = 0;
    while (i < s->nsteps && strcmp(s->steps[i].step, r->step) != 0)
        i++;
    if (i == s->nsteps && s->nsteps < MAX_STEPS)
        snprintf(s->steps[s->nsteps++].step, SOAK_STEP_MAX, "%s", r->step);
    if (i < s->nsteps)
        add(&s->steps[i], r);
}

/* "P processes (tracker T, ...), N shm names, F temp files (...)" */
static void print_counts(const soak_leftovers_t *l)
{
    printf("%u processes (tracker %u, fork server %u, exit-with-parent %u, short %u, other %u), "
           "%u /dev/shm names, %u temp files (fork server dirs %u, listener dirs %u, other %u)",
           l->procs, l->procs_tracker, l->procs_server, l->procs_linger, l->procs_short,
           l->procs_other, l->shm, l->files, l->files_server, l->files_listener,
           l->files - l->files_server - l->files_listener);
}

static void print_round(const soak_round_t *r, unsigned round)
{
    printf("%-10s round %3u: killed at %3u ms in \"%s\"%s: ", r->method, round, r->delay_ms,
           r->step, r->victim_failed ? " (the victim FAILED before the kill)" : "");
    print_counts(&r->left);
    printf("%s\n", r->left.detail);
    fflush(stdout);
}

static void print_method(const char *method, const method_stats_t *s)
{
    printf("%-10s %u rounds, %u with leftovers, %u victim failures: ", method, s->all.rounds,
           s->all.leaky, s->all.failed);
    print_counts(&s->all.left);
    printf("\n");
    for (size_t i = 0; i < s->nsteps; i++) {
        const tally_t *t = &s->steps[i];
        printf("    killed in \"%s\": %u rounds, ", t->step, t->rounds);
        if (t->leaky == 0 && t->failed == 0) {
            printf("nothing left\n");
            continue;
        }
        printf("%u with leftovers: ", t->leaky);
        print_counts(&t->left);
        printf("\n");
    }
}

/* The round's seed: a function of (seed, method, round) only, so that
 * `--method M --rounds N --seed S` replays exactly those rounds. */
static uint64_t round_seed(uint64_t seed, int method, unsigned round)
{
    uint64_t s = seed ^ ((uint64_t)(method + 1) << 56) ^ round;
    soak_rand(&s);
    return s;
}

/* 0..max ms: every other round anywhere in it, the others in its first
 * eighth (0-37 ms for 300), where the start-up and most of its kill points
 * are (tracker spawn, listener bind, fork-server start, the first
 * children); the churn after it repeats the same few steps. */
static unsigned kill_delay(uint64_t *seed, unsigned max)
{
    uint64_t r = soak_rand(seed);
    unsigned range = (r & 1) ? max : max / 8;
    return (unsigned)((r >> 1) % (range + 1ull));
}

/* A private directory for the run, short enough that every round's TMPDIR
 * keeps the library's socket paths in bounds (it would fall back to /tmp
 * otherwise, and the census would miss what it leaves there). */
static bool make_base(char *base, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !tmp[0] || strlen(tmp) > 24)
        tmp = "/tmp";
    snprintf(base, size, "%s/mp-soak-XXXXXX", tmp);
    return mkdtemp(base) != NULL;
}

static int driver_main(int argc, char **argv)
{
    options_t o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    char exe[512], base[64], progress[96];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    /* Orphans of every round come to us, to be counted and reaped. */
    if (n <= 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || !make_base(base, sizeof base)) {
        perror("mp_soak: setting up (/proc/self/exe, PR_SET_CHILD_SUBREAPER, temp dir)");
        return 2;
    }
    exe[n] = '\0';
    snprintf(progress, sizeof progress, "%s/progress", base);
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    printf("mp_soak: seed %" PRIu64 ", %u rounds per method, kill 0-%u ms after mp_init, "
           "settle up to %g s, in %s\n",
           o.seed, o.rounds, o.max_delay_ms, o.settle_s, base);
    fflush(stdout);

    static method_stats_t stats[NMETHODS];
    unsigned left = 0;
    for (int m = 0; m < NMETHODS && !stop; m++) {
        for (unsigned i = 0; o.method[m] && i < o.rounds && !stop; i++) {
            char id[SOAK_ID_MAX], tmpdir[96];
            snprintf(id, sizeof id, "%d.%d.%u", (int)getpid(), m, i);
            snprintf(tmpdir, sizeof tmpdir, "%s/%d.%u", base, m, i);
            soak_round_t r = {.exe = exe,
                              .method = all_methods[m],
                              .id = id,
                              .tmpdir = tmpdir,
                              .progress = progress,
                              .seed = round_seed(o.seed, m, i),
                              .settle_s = o.settle_s,
                              .keep = o.keep};
            r.delay_ms = kill_delay(&r.seed, o.max_delay_ms);
            if (soak_run_round(&r) < 0) {
                perror("mp_soak: running a round");
                return 2;
            }
            count_round(&stats[m], &r);
            left += total(&r.left) + r.victim_failed;
            if (o.verbose || total(&r.left) || r.victim_failed)
                print_round(&r, i);
            if (o.keep && total(&r.left)) {
                printf("mp_soak: --keep: leftovers of round %s left in place; their processes "
                       "carry %s=%s\n",
                       id, SOAK_MARK_VAR, id);
                stop = 1;
            }
        }
    }
    unlink(progress);
    rmdir(base);

    printf("mp_soak: summary (seed %" PRIu64 "%s)\n", o.seed, stop ? ", stopped early" : "");
    for (int m = 0; m < NMETHODS; m++)
        if (o.method[m])
            print_method(all_methods[m], &stats[m]);
    printf("mp_soak: %s\n", left ? "FAILED: leftovers (see above)" : "no leftovers");
    return left || stop ? 1 : 0;
}

int main(int argc, char **argv)
{
    int rc = mp_init(&argc, &argv, soak_tasks); /* spawned children never return */
    if (rc < 0) {
        fprintf(stderr, "mp_soak: mp_init: %s (%s)\n", mp_strerror(rc), mp_errdetail());
        return 2;
    }
    if (argc > 1 && strcmp(argv[1], "--victim") == 0)
        soak_victim_main(argc, argv);
    return driver_main(argc, argv);
}
