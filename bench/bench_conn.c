/*
 * bench_conn: multiproc's pipes (mp_pipe_create, mp_connection_send/recv) beside
 * the raw AF_UNIX socketpair they are built on and beside CPython's
 * multiprocessing.Pipe(), all measured in one run.
 *
 *   bench_conn [--rounds N] [--quick] [--no-python] [--python EXE]
 *              [--python-script FILE] [--tsv FILE]
 *
 * Metrics (a sample is the mean over its operations, after untimed ones):
 *   raw_socketpair_pingpong_64B                                    us
 *       the parent write()s 64 bytes on a socketpair(AF_UNIX,
 *       SOCK_STREAM), a fork()ed child read()s them and writes them back,
 *       the parent reads them: per round trip
 *   mp_pipe_pingpong_64B                                           us
 *       the same with mp_pipe_create() (duplex), mp_connection_send and
 *       mp_connection_recv, the child started by multiproc (default start
 *       method) and given its end through MP_OBJECTS
 *   raw_socketpair_pingpong_64B_samecpu, mp_pipe_pingpong_64B_samecpu
 *       the same with both processes pinned to one CPU. Unpinned, a round
 *       trip on this 2-vCPU guest takes about 10 us when the two processes
 *       share a vCPU and about 40 us when each wake-up crosses to the other
 *       (idle) vCPU, which dwarfs what the library adds; pinned, what is
 *       left is the system calls and one CPU's context switches
 *   raw_socketpair_stream_1MiB                                     GB/s
 *       a fork()ed child write()s 1 MiB messages one after the other on a
 *       socketpair, the parent read()s each whole into its buffer
 *   mp_pipe_stream_1MiB                                            GB/s
 *       the same with a one-way mp_pipe_create(): the child mp_connection_send()s,
 *       the parent mp_connection_recv()s into its buffer
 *   mp_pipe_stream_1MiB_recv_alloc                                 GB/s
 *       the same received with mp_connection_recv_alloc() (a new buffer per
 *       message, as CPython's recv_bytes() makes a new bytes object)
 *   cpython_pipe_pingpong_64B[_samecpu], cpython_pipe_stream_1MiB  as above
 *       python_conn.py: Pipe() (a socketpair), send_bytes/recv_bytes
 *
 * Every message carries its sequence number and is checked on arrival.
 * Every round measures every metric once, in the same order; the report
 * gives medians, min and max over the rounds, and ratios of this run's
 * medians against the goals in README.md. Speed is reported, never
 * asserted: the exit status is 0 whatever the numbers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <multiproc.h>

#include "bench_common.h"
#include "bench_pin.h"
#include "conn_peers.h"

/* Set by bench/CMakeLists.txt to the script's place in the source tree. */
#ifndef MP_BENCH_PY_SCRIPT
#define MP_BENCH_PY_SCRIPT "python_conn.py"
#endif

/* The size classes of the metrics: what one sample counts. */
enum { ROUND_TRIPS, MESSAGES, NCLASSES };

/* The messages' sizes, as the anchors': 64 bytes and 1 MiB. */
enum { SMALL = 64, LARGE = 1 << 20 };

/* The byte every message is filled with, checked at the other end. */
enum { FILL = 0x33 };

/* Untimed at the start of every sample, as in the anchors: the child's
 * first page faults and the first wake-ups of a new pair of processes. */
enum { PINGPONG_WARMUP = 100, STREAM_WARMUP = 4 };

/* The parent's receive buffer and the raw child's send buffer (inherited
 * by fork), LARGE bytes of FILL each. */
static unsigned char *inbox, *outbox;

/* LARGE bytes of FILL, page-aligned (glibc's copies, and so the kernel's,
 * can run at another speed at another offset within a page); NULL when out
 * of memory. The raw and mp senders and the receive buffer all use it. */
static unsigned char *message_buffer(void)
{
    unsigned char *p = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), LARGE);
    if (p)
        memset(p, FILL, LARGE);
    return p;
}

/* Number a message: its first 4 bytes. */
static void stamp(unsigned char *msg, uint32_t seq)
{
    memcpy(msg, &seq, sizeof seq);
}

/* Whether a message that arrived is number `seq`, whole. */
static bool stamped(const unsigned char *msg, size_t len, size_t want, uint32_t seq)
{
    if (len != want)
        return false; /* before reading bytes a short message does not have */
    uint32_t got;
    memcpy(&got, msg, sizeof got);
    return got == seq && msg[len / 2] == FILL && msg[len - 1] == FILL;
}

/* ---- raw: a socketpair and a fork()ed child ---------------------------- */

/* A socketpair and a fork()ed child that keeps s[1] and returns 0, or the
 * parent that keeps s[0] and gets the child's pid in *pid. */
static int fork_with_socketpair(int s[2], pid_t *pid)
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
        bench_die_errno("socketpair", errno);
    fflush(stdout); /* the child must not inherit our buffer */
    if ((*pid = fork()) < 0)
        bench_die_errno("fork", errno);
    close(s[*pid == 0 ? 0 : 1]);
    return *pid;
}

/* m->arg non-NULL: both pinned to one CPU (the child inherits it). */
static double measure_raw_pingpong(const bench_metric_t *m, int iters)
{
    bool pinned = m->arg != NULL;
    int s[2];
    pid_t pid;
    if (pinned)
        bench_pin_parent(true);
    if (fork_with_socketpair(s, &pid) == 0) {
        /* Echo until the parent closes its end. */
        unsigned char buf[SMALL];
        int r;
        while ((r = bench_read_full(s[1], buf, SMALL)) == 1)
            if (!bench_write_full(s[1], buf, SMALL))
                _exit(3);
        _exit(r == 0 ? 0 : 3);
    }
    unsigned char msg[SMALL];
    memset(msg, FILL, sizeof msg);
    double t0 = 0;
    for (int i = 0; i < PINGPONG_WARMUP + iters; i++) {
        if (i == PINGPONG_WARMUP)
            t0 = bench_now_us();
        stamp(msg, (uint32_t)i);
        if (!bench_write_full(s[0], msg, SMALL) || bench_read_full(s[0], msg, SMALL) != 1)
            bench_die("%s: the echoing child went away", m->name);
        if (!stamped(msg, SMALL, SMALL, (uint32_t)i))
            bench_die("%s: the echo is not what was sent", m->name);
    }
    double us = bench_now_us() - t0;
    close(s[0]);
    bench_reap(pid);
    if (pinned)
        bench_pin_parent(false);
    return us / iters;
}

static double measure_raw_stream(const bench_metric_t *m, int iters)
{
    int s[2];
    pid_t pid;
    int total = STREAM_WARMUP + iters;
    if (fork_with_socketpair(s, &pid) == 0) {
        for (int i = 0; i < total; i++) {
            stamp(outbox, (uint32_t)i);
            if (!bench_write_full(s[1], outbox, LARGE))
                _exit(3);
        }
        _exit(0);
    }
    double t0 = 0;
    for (int i = 0; i < total; i++) {
        if (bench_read_full(s[0], inbox, LARGE) != 1)
            bench_die("%s: the sending child went away", m->name);
        if (!stamped(inbox, LARGE, LARGE, (uint32_t)i))
            bench_die("%s: message %d is not what was sent", m->name, i);
        if (i == STREAM_WARMUP - 1)
            t0 = bench_now_us();
    }
    double us = bench_now_us() - t0;
    close(s[0]);
    bench_reap(pid);
    return (double)iters * LARGE / us / 1e3;
}

/* ---- multiproc: mp_pipe_create and a multiproc child --------------------- */

/* What the echoing child is told. */
typedef struct echo_arg {
    int64_t total; /* messages to send back: a count, not end-of-file, as a
                      child started by fork also holds the parent's end */
    int64_t cpu;   /* the CPU to pin itself to (a forkserver child does not
                      inherit the parent's affinity), or -1 */
} echo_arg_t;

/* The child of mp_pipe_pingpong_64B*: its end is object 0; it sends back
 * as many messages as its argument says. */
static int echo(mp_task_t *task)
{
    const void *bytes;
    size_t len;
    echo_arg_t a;
    mp_connection_t *c;
    int rc = mp_task_arg(task, &bytes, &len);
    if (rc == 0 && len != sizeof a)
        return mp_task_fail(task, MP_EINVAL, "argument of %zu bytes", len);
    if (rc == 0)
        rc = mp_task_connection(task, 0, &c);
    if (rc < 0)
        return rc;
    memcpy(&a, bytes, sizeof a); /* the bytes need not be aligned */
    if (a.cpu >= 0 && !bench_pin_thread(0, (int)a.cpu))
        return mp_task_fail(task, MP_ESYS, "sched_setaffinity: %s", strerror(errno));
    unsigned char buf[SMALL];
    for (int64_t i = 0; rc == 0 && i < a.total; i++)
        if ((rc = mp_connection_recv(c, buf, sizeof buf, &len, MP_FOREVER)) == 0)
            rc = mp_connection_send(c, buf, len, MP_FOREVER);
    return rc;
}

/* The child of mp_pipe_stream_1MiB*: its end is object 0, the number of
 * messages to send the argument. */
static int stream_sender(mp_task_t *task)
{
    int64_t total;
    mp_connection_t *c;
    int rc = mp_task_arg_i64(task, &total);
    if (rc == 0)
        rc = mp_task_connection(task, 0, &c);
    if (rc < 0)
        return rc;
    unsigned char *msg = message_buffer();
    if (!msg)
        return mp_task_fail(task, MP_ENOMEM, "no memory for a message of %d bytes", LARGE);
    for (int64_t i = 0; rc == 0 && i < total; i++) {
        stamp(msg, (uint32_t)i);
        rc = mp_connection_send(c, msg, LARGE, MP_FOREVER);
    }
    free(msg);
    return rc;
}

/* Start `task` with the end `theirs` (object 0) and `arg`, then close our
 * copy of that end, as a Python program does after start(): the child has
 * its own, and ours would keep the child's death from reaching us as
 * end-of-file (MP_EEOF, "failed") should it fail. */
static mp_process_t *start_child(const char *task, mp_connection_t *theirs, const void *arg,
                                 size_t arg_len)
{
    mp_process_t *p;
    mp_process_opts_t opts = {.task = task, .arg = arg, .arg_len = arg_len, MP_OBJECTS(theirs)};
    bench_check(mp_process_create(&p, &opts), "mp_process_create");
    bench_check(mp_process_start(p), "mp_process_start");
    mp_connection_destroy(theirs);
    return p;
}

/* m->arg non-NULL: both pinned to one CPU (the child pins itself). */
static double measure_mp_pingpong(const bench_metric_t *m, int iters)
{
    bool pinned = m->arg != NULL;
    mp_connection_t *mine, *theirs;
    bench_check(mp_pipe_create(&mine, &theirs, NULL), "mp_pipe_create");
    if (pinned)
        bench_pin_parent(true);
    echo_arg_t a = {.total = PINGPONG_WARMUP + iters, .cpu = pinned ? bench_pin_cpu() : -1};
    mp_process_t *p = start_child("echo", theirs, &a, sizeof a);
    unsigned char msg[SMALL];
    memset(msg, FILL, sizeof msg);
    double t0 = 0;
    for (int i = 0; i < PINGPONG_WARMUP + iters; i++) {
        if (i == PINGPONG_WARMUP)
            t0 = bench_now_us();
        stamp(msg, (uint32_t)i);
        size_t len;
        bench_check(mp_connection_send(mine, msg, SMALL, MP_FOREVER), "mp_connection_send");
        bench_check(mp_connection_recv(mine, msg, sizeof msg, &len, MP_FOREVER),
                    "mp_connection_recv");
        if (!stamped(msg, len, SMALL, (uint32_t)i))
            bench_die("%s: the echo is not what was sent", m->name);
    }
    double us = bench_now_us() - t0;
    mp_connection_destroy(mine);
    bench_join(p, m->name);
    if (pinned)
        bench_pin_parent(false);
    return us / iters;
}

/* m->arg non-NULL: receive with mp_connection_recv_alloc(). */
static double measure_mp_stream(const bench_metric_t *m, int iters)
{
    bool alloc = m->arg != NULL;
    int total = STREAM_WARMUP + iters;
    mp_connection_t *reader, *writer;
    bench_check(mp_pipe_create(&reader, &writer, &(mp_pipe_opts_t){.one_way = true}),
                "mp_pipe_create");
    int64_t n = total;
    mp_process_t *p = start_child("stream_sender", writer, &n, sizeof n);
    double t0 = 0;
    for (int i = 0; i < total; i++) {
        size_t len;
        bool ok;
        if (alloc) {
            void *data;
            bench_check(mp_connection_recv_alloc(reader, &data, &len, MP_FOREVER),
                        "mp_connection_recv_alloc");
            ok = stamped(data, len, LARGE, (uint32_t)i);
            mp_free(data);
        } else {
            bench_check(mp_connection_recv(reader, inbox, LARGE, &len, MP_FOREVER),
                        "mp_connection_recv");
            ok = stamped(inbox, len, LARGE, (uint32_t)i);
        }
        if (!ok)
            bench_die("%s: message %d is not what was sent", m->name, i);
        if (i == STREAM_WARMUP - 1)
            t0 = bench_now_us();
    }
    double us = bench_now_us() - t0;
    mp_connection_destroy(reader);
    bench_join(p, m->name);
    return (double)iters * LARGE / us / 1e3;
}

/* ---- tables --------------------------------------------------------------- */

static const mp_task_def_t tasks[] = {MP_TASK(echo), MP_TASK(stream_sender), MP_TASK_END};

/* ---- peers: the ping-pong in another library's calls (conn_peers.h) ---- */

#if defined(BENCH_CONN_HAVE_UV) || defined(BENCH_CONN_HAVE_APR)
/* A peer metric's arg: its library's ping-pong, pinned or not. */
typedef struct peer_variant {
    double (*pingpong)(const conn_peer_run_t *run);
    bool pinned;
} peer_variant_t;

static double measure_peer_pingpong(const bench_metric_t *m, int iters)
{
    const peer_variant_t *v = m->arg;
    return v->pingpong(&(conn_peer_run_t){.name = m->name,
                                          .size = SMALL,
                                          .warmup = PINGPONG_WARMUP,
                                          .iters = iters,
                                          .pinned = v->pinned});
}
#endif
#ifdef BENCH_CONN_HAVE_UV
static const peer_variant_t uv_free = {conn_peer_uv_pingpong, false},
                            uv_pinned = {conn_peer_uv_pingpong, true};
#endif
#ifdef BENCH_CONN_HAVE_APR
static const peer_variant_t apr_free = {conn_peer_apr_pingpong, false},
                            apr_pinned = {conn_peer_apr_pingpong, true};
#endif

/* A non-NULL arg selects a variant (see each measure function). */
#define VARIANT ((const void *)1)

/* In the order each round measures them; CPython's last. */
/* clang-format off */
static bench_metric_t metrics[] = {
    {.name = "raw_socketpair_pingpong_64B", .unit = "us", .measure = measure_raw_pingpong},
    {.name = "mp_pipe_pingpong_64B", .unit = "us", .measure = measure_mp_pingpong},
    {.name = "raw_socketpair_pingpong_64B_samecpu", .unit = "us",
     .measure = measure_raw_pingpong, .arg = VARIANT},
    {.name = "mp_pipe_pingpong_64B_samecpu", .unit = "us", .measure = measure_mp_pingpong,
     .arg = VARIANT},
#ifdef BENCH_CONN_HAVE_UV
    {.name = "libuv_pipe_pingpong_64B", .unit = "us", .measure = measure_peer_pingpong,
     .arg = &uv_free},
    {.name = "libuv_pipe_pingpong_64B_samecpu", .unit = "us", .measure = measure_peer_pingpong,
     .arg = &uv_pinned},
#endif
#ifdef BENCH_CONN_HAVE_APR
    {.name = "apr_socket_pingpong_64B", .unit = "us", .measure = measure_peer_pingpong,
     .arg = &apr_free},
    {.name = "apr_socket_pingpong_64B_samecpu", .unit = "us", .measure = measure_peer_pingpong,
     .arg = &apr_pinned},
#endif
    {.name = "raw_socketpair_stream_1MiB", .unit = "GB/s", .measure = measure_raw_stream,
     .size_class = MESSAGES},
    {.name = "mp_pipe_stream_1MiB", .unit = "GB/s", .measure = measure_mp_stream,
     .size_class = MESSAGES},
    {.name = "mp_pipe_stream_1MiB_recv_alloc", .unit = "GB/s", .measure = measure_mp_stream,
     .arg = VARIANT, .size_class = MESSAGES},
    {.name = "cpython_pipe_pingpong_64B", .unit = "us"},
    {.name = "cpython_pipe_pingpong_64B_samecpu", .unit = "us"},
    {.name = "cpython_pipe_stream_1MiB", .unit = "GB/s"},
};
/* clang-format on */

/* The numbers of shared/anchors/RESULTS.md, measured on the same kind of
 * machine: printed for reference, never used in a ratio. */
static const bench_anchor_t anchors[] = {
    {"socketpair_pingpong_64B", 8.17, "us", "raw_socketpair_pingpong_64B"},
    {"pipe_pingpong_64B (CPython)", 20.7, "us", "cpython_pipe_pingpong_64B"},
    {"socketpair_pingpong_64B_samecpu", 5.14, "us", "raw_socketpair_pingpong_64B_samecpu"},
    {"pipe_pingpong_64B_samecpu (CPython)", 9.57, "us", "cpython_pipe_pingpong_64B_samecpu"},
    {"socketpair_stream_1MiB", 5.39, "GB/s", "raw_socketpair_stream_1MiB"},
    {"pipe_stream_1MiB (a pipe(2), no socket)", 2.23, "GB/s", "raw_socketpair_stream_1MiB"},
    {"queue_large_1MiB (CPython Queue, pickled)", 0.579, "GB/s", "cpython_pipe_stream_1MiB"},
};

/* Goals from bench/README.md: a time at most `goal` times the raw one, a
 * rate at least `goal` times; the rows without a goal inform. Against
 * CPython: its time over multiproc's, multiproc's rate over its (as
 * bench_sync), so that above 1 reads "CPython is that many times slower". */
static const bench_ratio_t ratios[] = {
    {"mp_pipe_pingpong_64B", "raw_socketpair_pingpong_64B", 1.1, false},
    {"cpython_pipe_pingpong_64B", "mp_pipe_pingpong_64B", 0, false},
    {"cpython_pipe_pingpong_64B", "raw_socketpair_pingpong_64B", 0, false},
    {"mp_pipe_pingpong_64B_samecpu", "raw_socketpair_pingpong_64B_samecpu", 1.1, false},
    {"cpython_pipe_pingpong_64B_samecpu", "mp_pipe_pingpong_64B_samecpu", 0, false},
    {"cpython_pipe_pingpong_64B_samecpu", "raw_socketpair_pingpong_64B_samecpu", 0, false},
/* The peers as CPython: their time over multiproc's, then over raw. */
#ifdef BENCH_CONN_HAVE_UV
    {"libuv_pipe_pingpong_64B", "mp_pipe_pingpong_64B", 0, false},
    {"libuv_pipe_pingpong_64B", "raw_socketpair_pingpong_64B", 0, false},
    {"libuv_pipe_pingpong_64B_samecpu", "mp_pipe_pingpong_64B_samecpu", 0, false},
    {"libuv_pipe_pingpong_64B_samecpu", "raw_socketpair_pingpong_64B_samecpu", 0, false},
#endif
#ifdef BENCH_CONN_HAVE_APR
    {"apr_socket_pingpong_64B", "mp_pipe_pingpong_64B", 0, false},
    {"apr_socket_pingpong_64B", "raw_socketpair_pingpong_64B", 0, false},
    {"apr_socket_pingpong_64B_samecpu", "mp_pipe_pingpong_64B_samecpu", 0, false},
    {"apr_socket_pingpong_64B_samecpu", "raw_socketpair_pingpong_64B_samecpu", 0, false},
#endif
    {"mp_pipe_stream_1MiB", "raw_socketpair_stream_1MiB", 0.8, true},
    {"mp_pipe_stream_1MiB_recv_alloc", "raw_socketpair_stream_1MiB", 0, true},
    {"mp_pipe_stream_1MiB", "cpython_pipe_stream_1MiB", 0, true},
    {"mp_pipe_stream_1MiB_recv_alloc", "cpython_pipe_stream_1MiB", 0, true},
    {"cpython_pipe_stream_1MiB", "raw_socketpair_stream_1MiB", 0, true},
};

/* clang-format off */
static const bench_report_t report = {
    .anchors = anchors, .nanchors = sizeof anchors / sizeof anchors[0],
    .ratios = ratios, .nratios = sizeof ratios / sizeof ratios[0],
};
/* clang-format on */

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    bench_init("bench_conn");
    /* First, so that spawn and forkserver children branch off here. */
    bench_check(mp_init(&argc, &argv, tasks), "mp_init");

    bench_options_t opts = {.python_script = MP_BENCH_PY_SCRIPT};
    bench_parse_options(argc, argv, &opts);
    bench_set_metrics(metrics, sizeof metrics / sizeof metrics[0]);

    /* As many as the anchors' raw_limits.c and mp_bench_impl.py: a sample
     * takes 0.15 to 2.5 s here (a round trip across vCPUs is slow), a
     * round about 7 s with CPython. */
    const int iters[NCLASSES] = {
        [ROUND_TRIPS] = opts.quick ? 200 : 50000,
        [MESSAGES] = opts.quick ? 16 : 1000,
    };
    /* CPython's round trip is 2-3 times as slow, its stream 4-5 times. */
    const int py_trips = opts.quick ? 200 : 20000, py_msgs = opts.quick ? 16 : 500;
    char py_args[96];
    snprintf(py_args, sizeof py_args, "--round-trips %d --messages %d", py_trips, py_msgs);

    bench_python_t py;
    bench_python_setup(&py, &opts);
    const char *method;
    bench_check(mp_get_start_method(&method, false), "mp_get_start_method");

    printf("# bench_conn: pipes, multiproc %s, %d CPUs, children by %s\n", mp_version(),
           mp_cpu_count(), method);
    printf("# %d rounds, each measures every metric once; a sample is %d round trips of %d "
           "bytes, or %d messages of %d MiB, after %d and %d untimed%s\n",
           opts.rounds, iters[ROUND_TRIPS], SMALL, iters[MESSAGES], LARGE >> 20, PINGPONG_WARMUP,
           STREAM_WARMUP, opts.quick ? " (--quick: not a measurement)" : "");
    bench_print_load("at start");

    bench_pin_init();
    inbox = message_buffer();
    outbox = message_buffer();
    if (!inbox || !outbox)
        bench_die("out of memory for the message buffers");
    bench_run(&(bench_plan_t){
        .rounds = opts.rounds, .iters = iters, .warmup_iters = 10, .py = &py, .py_args = py_args});
    if (py.version[0])
        printf("# %s: a sample is %d round trips, or %d messages\n", py.version, py_trips, py_msgs);
    bench_print_load("at end");

    bench_print_report(&report, &py);
    if (opts.tsv) {
        bench_write_tsv(opts.tsv, &report);
        printf("# wrote %s\n", opts.tsv);
    }
    return 0;
}
