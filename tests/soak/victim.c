/* The victim: a parent that builds up every kind of resource, one step at
 * a time, and then keeps churning until the driver SIGKILLs it. The order
 * puts the library's start-up work (tracker spawn, fork-server start,
 * listener bind, named-segment creation) in the first few tens of ms, so
 * that the driver's random kills land inside each of them in some rounds.
 * Before each step it records the step's name in the progress file: the
 * driver reads it after the kill to name the kill point. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

static int progress_fd = -1;
static const char *round_id;

/* Record the step about to run (one pwrite: a kill never leaves half). */
static void step(const char *what)
{
    char rec[SOAK_STEP_MAX] = {0};
    snprintf(rec, sizeof rec, "%s", what);
    if (pwrite(progress_fd, rec, sizeof rec, 0) < 0)
        _exit(5);
}

/* A step that fails is the victim's own failure, not a leak: say which,
 * and end (not exit(): no at-exit joining of the children). */
static void check(int rc, const char *what)
{
    if (rc >= 0)
        return;
    char rec[SOAK_STEP_MAX];
    snprintf(rec, sizeof rec, "FAILED %s", what);
    step(rec);
    fprintf(stderr, "mp_soak victim %s: %s: %s (%s)\n", round_id, what, mp_err_name(rc),
            mp_errdetail());
    _exit(3);
}

/* Named segment number `n` of the round (posix/shm.c adds "/mp."). */
static mp_shm_t *make_shm(unsigned n, const char *what)
{
    char name[MP_SHM_NAME_MAX + 1];
    snprintf(name, sizeof name, SOAK_SHM_PREFIX "%s.%u", round_id, n);
    mp_shm_t *shm = NULL;
    step(what);
    check(mp_shm_create(&shm, &(mp_shm_opts_t){.name = name, .size = 4096}), what);
    return shm;
}

/* A keyed listener at a fresh unix address (a private directory under
 * TMPDIR, which the driver made the round's own). */
static mp_listener_t *make_listener(const char *what)
{
    mp_listener_t *l = NULL;
    step(what);
    check(mp_listener_create(&l, &(mp_listener_opts_t){.authkey = SOAK_AUTHKEY,
                                                       .authkey_len = sizeof SOAK_AUTHKEY - 1}),
          what);
    return l;
}

/* The kinds of children, in the order they start. */
typedef struct child_kind {
    const char *what; /* the step's name */
    const char *task;
    mp_daemon_t daemon;
    bool exit_with_parent;
} child_kind_t;

static const child_kind_t exit_with_parent_child = {"start exit-with-parent child", "soak_linger",
                                                    MP_DAEMON_NO, true};
static const child_kind_t daemon_child = {"start daemon child", "soak_short", MP_DAEMON_YES, false};
static const child_kind_t plain_child = {"start plain child", "soak_short", MP_DAEMON_NO, false};
static const child_kind_t exit_with_parent_daemon = {"start exit-with-parent daemon child",
                                                     "soak_linger", MP_DAEMON_YES, true};

static bool forkserver; /* the first start also starts the fork server */

static void start_child(const child_kind_t *kind, mp_shm_t *shm, mp_listener_t *l, uint64_t *seed)
{
    static bool started_one;
    char what[SOAK_STEP_MAX];
    snprintf(what, sizeof what, "%s%s", kind->what,
             forkserver && !started_one ? " + the fork server" : "");
    started_one = true;
    soak_child_arg_t arg = {.run_ms = (int32_t)(100 + soak_rand(seed) % 600)};
    snprintf(arg.address, sizeof arg.address, "%s", mp_listener_address(l));
    mp_process_t *p = NULL;
    step(what);
    check(mp_process_create(&p, &(mp_process_opts_t){.task = kind->task,
                                                     .arg = &arg,
                                                     .arg_len = sizeof arg,
                                                     .daemon = kind->daemon,
                                                     .exit_with_parent = kind->exit_with_parent,
                                                     MP_OBJECTS(shm)}),
          what);
    check(mp_process_start(p), what);
    /* The handle stays: the child is ours until the kill. */
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* After start-up: accept whoever connects, and create and remove named
 * segments, so that later kills land inside those too. Bounded (three
 * times the longest --max-delay-ms), in case no kill comes: the driver
 * then reports the round as failed. */
static void churn(mp_listener_t *const *listeners, size_t n)
{
    double end = now_s() + 30.0;
    for (unsigned k = 0; now_s() < end; k++) {
        mp_connection_t *conn;
        step("churn: accept");
        if (mp_listener_accept(listeners[k % n], &conn, 0.002) == 0)
            mp_connection_destroy(conn);
        mp_shm_t *shm = make_shm(100 + k % 100, "churn: create named segment");
        step("churn: unlink named segment");
        check(mp_shm_unlink(shm), "churn: unlink named segment");
        mp_shm_destroy(shm);
    }
    step("FAILED never killed");
    _exit(4);
}

void soak_victim_main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s --victim METHOD ROUND-ID SEED PROGRESS-FILE\n", argv[0]);
        _exit(2);
    }
    const char *method = argv[2];
    forkserver = strcmp(method, "forkserver") == 0;
    round_id = argv[3];
    uint64_t seed = strtoull(argv[4], NULL, 10);
    progress_fd = open(argv[5], O_WRONLY | O_CLOEXEC);
    if (progress_fd < 0) {
        fprintf(stderr, "mp_soak victim: %s: %s\n", argv[5], strerror(errno));
        _exit(2);
    }
    prctl(PR_SET_NAME, "soak-victim");
    step("mp_set_start_method");
    check(mp_set_start_method(method, true), "mp_set_start_method");

    /* Start-up, in the order the kill points are most telling. */
    mp_shm_t *first = make_shm(0, "create named segment 0 (starts the tracker)");
    mp_listener_t *listeners[2];
    listeners[0] = make_listener("create listener 0");
    start_child(&exit_with_parent_child, first, listeners[0], &seed);
    mp_shm_t *second = make_shm(1, "create named segment 1");
    start_child(&daemon_child, second, listeners[0], &seed);
    listeners[1] = make_listener("create listener 1");
    start_child(&plain_child, first, listeners[0], &seed);
    start_child(&exit_with_parent_daemon, second, listeners[0], &seed);
    churn(listeners, 2);
}
