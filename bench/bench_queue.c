/*
 * bench_queue: multiproc's Queue (mp_queue_put / mp_queue_get) beside a raw
 * single-producer single-consumer ring in shared memory and beside
 * CPython's multiprocessing.Queue, all measured in one run.
 *
 *   bench_queue [--rounds N] [--quick] [--no-python] [--python EXE]
 *               [--python-script FILE] [--tsv FILE]
 *
 * Metrics (a sample is a rate over its messages, after untimed ones):
 *   raw_ring_1x1_64B                                              Mmsg/s
 *       a fork()ed child writes 64-byte messages into a ring of 1 MiB (the
 *       queue's default) in MAP_SHARED memory mapped before the fork, the
 *       parent reads each out into its buffer: records laid out as the
 *       queue's (8-byte length, body padded to 8), a head and a tail
 *       published with release stores and read with acquire loads, each
 *       side keeping the other's last value it saw, spin-waiting (PAUSE,
 *       then sched_yield) when full or empty
 *   mp_queue_1x1_64B                                              Mmsg/s
 *       the same with mp_queue_create() (default ring, 1 MiB): a child
 *       started by multiproc (default start method) mp_queue_put()s, the
 *       parent mp_queue_get()s into its buffer
 *   raw_ring_1MiB                                                 GB/s
 *       the raw ring, 8 MiB, with 1 MiB messages
 *   mp_queue_1MiB_ring8MiB                                        GB/s
 *       a queue with an 8 MiB ring: 1 MiB messages go through the ring
 *   mp_queue_1MiB_spill                                           GB/s
 *       a queue with the default 1 MiB ring: each message is longer than a
 *       quarter of the ring and goes through the spill file
 *   mp_queue_4x4_64B                                              Mmsg/s
 *       4 producer and 4 consumer children on one queue (default ring),
 *       released together by a barrier: messages over the time from the
 *       barrier to the consumers joined (after the producers are joined,
 *       the parent closes the queue and the consumers drain it)
 *   mp_put_then_join_64MiB                                        ms
 *       a child puts one 64 MiB message and exits; the parent joins it
 *       first (limit 60 s: past it the benchmark fails, saying
 *       "deadlocked"), then gets the message: from the start to the get
 *   cpython_queue_1x1_64B, cpython_queue_1MiB                     as above
 *       python_queue.py: multiprocessing.Queue, put() and get()
 *   and once per run, not per round: CPython's put-then-join of 64 MiB, in
 *   a subprocess killed after 10 s ("deadlocked": its child never exits).
 *
 * Every message carries its number and is checked where it arrives; the
 * queue's statistics confirm that the messages went through the ring or
 * the spill file as the metric says. Every round measures every metric
 * once, in the same order; the report gives medians, min and max over the
 * rounds, and ratios of this run's medians against the goals in README.md.
 * Speed is reported, never asserted: the exit status is 0 whatever the
 * numbers.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <multiproc.h>

#include "bench_common.h"

/* Set by bench/CMakeLists.txt to the script's place in the source tree. */
#ifndef MP_BENCH_PY_SCRIPT
#define MP_BENCH_PY_SCRIPT "python_queue.py"
#endif

/* The size classes of the metrics: what one sample counts. */
enum { SMALL_MSGS, LARGE_MSGS, MANY_MSGS, ONCE, NCLASSES };

/* The messages' sizes: 64 bytes and 1 MiB as the anchors' queue metrics,
 * and the put-then-join message, far more than any pipe holds. */
enum { SMALL = 64, LARGE = 1 << 20 };
#define HUGE_MSG ((size_t)64 << 20)

/* The ring that 1 MiB messages go through: more than 4 times their size
 * (a longer message goes to the spill file). */
#define RING_8MIB ((size_t)8 << 20)

enum { PRODUCERS = 4, CONSUMERS = 4 };

/* The byte every message is filled with, checked at the other end. */
enum { FILL = 0x5a };

/* Untimed at the start of every sample: the child's first page faults
 * (and the ring's) and the first wake-ups of a new pair of processes. */
enum { SMALL_WARMUP = 1000, LARGE_WARMUP = 4 };

/* Seconds: the parent's join of the put-then-join child (a generous bound;
 * the promise is that it never waits for a reader at all), CPython's whole
 * put-then-join program (it deadlocks), and any child's way to the start
 * line (far beyond any start). */
#define JOIN_LIMIT 60.0
#define PY_JOIN_LIMIT 10.0
#define START_LIMIT 60.0

/* Seconds a sample may take before the watchdog ends the run, "failed":
 * a child that died leaves the parent waiting with MP_FOREVER (a timed get
 * would read the clock once per message, which the 64-byte rates would
 * show). Beyond the put-then-join's two 60 s limits, and far beyond any
 * sample on a loaded machine, even under ASan. */
enum { SAMPLE_LIMIT = 180 };

/* The parent's receive buffer, HUGE_MSG bytes, page-aligned and kept out of
 * the raw children (see private_buffer()). */
static unsigned char *inbox;

/* What a stream metric (1 producer, 1 consumer) moves. */
typedef struct stream {
    size_t msg;    /* bytes per message */
    size_t ring;   /* the ring's bytes */
    int warmup;    /* untimed messages first */
    bool spills;   /* mp: every message goes through the spill file */
    double factor; /* the unit per message per microsecond: 1 for Mmsg/s,
                      msg / 1e3 for GB/s */
} stream_t;

/* The rate of `iters` messages timed over `us` microseconds. */
static double rate(const stream_t *s, int iters, double us)
{
    return (double)iters * s->factor / us;
}

/* ---- the watchdog ---------------------------------------------------------- */

/* The metric the watchdog is timing. */
static const char *watched = "";

/* SIGALRM: a sample took SAMPLE_LIMIT s. Only async-signal-safe calls; the
 * multiproc children go with us (exit_with_parent), the raw ones see their
 * parent gone. */
static void on_alarm(int sig)
{
    (void)sig;
    static const char a[] = "bench_queue: ", b[] = " failed: no progress in the time limit "
                                                   "(a child died, or the queue stalled)\n";
    ssize_t ignored = write(STDERR_FILENO, a, sizeof a - 1);
    ignored = write(STDERR_FILENO, watched, strlen(watched));
    ignored = write(STDERR_FILENO, b, sizeof b - 1);
    (void)ignored;
    _exit(1);
}

/* Time one sample of `m` (until unwatch()). */
static void watch(const bench_metric_t *m)
{
    watched = m->name;
    alarm(SAMPLE_LIMIT);
}

static void unwatch(void)
{
    alarm(0);
}

/* ---- messages ------------------------------------------------------------ */

/*
 * A buffer of `size` bytes that forks leave alone, page-aligned, touched.
 * Aligned, because glibc's copies run at another speed at another offset
 * within a page (see bench_sync.c); left alone by forks, because fork()
 * would mark its pages copy-on-write and the parent's next write to each
 * would fault (MADV_DONTFORK needs whole pages: `size` is a multiple).
 */
static unsigned char *private_buffer(size_t size)
{
    unsigned char *p = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), size);
    if (!p)
        bench_die("out of memory for a buffer of %zu bytes", size);
    if (madvise(p, size, MADV_DONTFORK) < 0)
        bench_die_errno("madvise(MADV_DONTFORK)", errno);
    memset(p, 0, size);
    return p;
}

/* A message of `size` bytes of FILL to number and send again and again
 * (a child's own, so not private_buffer()), page-aligned as the receive
 * buffer; NULL when out of memory. */
static unsigned char *message_buffer(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    /* aligned_alloc() wants a multiple of the alignment. */
    unsigned char *p = aligned_alloc(page, (size + page - 1) / page * page);
    if (p)
        memset(p, FILL, size);
    return p;
}

/* Number a message: its first 8 bytes (every message is at least 64). */
static void stamp(unsigned char *msg, uint64_t seq)
{
    memcpy(msg, &seq, sizeof seq);
}

/* The number of a message that arrived, or UINT64_MAX when it is not one
 * of ours whole (`len` bytes where `want` were put, or not FILL after its
 * number). */
static uint64_t stamp_of(const unsigned char *msg, size_t len, size_t want)
{
    if (len != want || msg[8] != FILL || msg[len / 2] != FILL || msg[len - 1] != FILL)
        return UINT64_MAX;
    uint64_t seq;
    memcpy(&seq, msg, sizeof seq);
    return seq;
}

/* ---- raw: an SPSC ring in shared memory and a fork()ed producer --------- */

/* The shared part: the two positions, each on its own cache line, so that
 * the producer's stores do not evict the consumer's line and back. The ring
 * itself starts on the next page. */
typedef struct raw_shared {
    _Alignas(64) _Atomic uint64_t tail; /* bytes ever written, published */
    _Alignas(64) _Atomic uint64_t head; /* bytes ever read, released */
} raw_shared_t;

/* One side's view of the ring. */
typedef struct raw_end {
    raw_shared_t *shared;
    unsigned char *data;
    uint64_t size;   /* a power of two */
    uint64_t mine;   /* my position (tail or head), which only I move */
    uint64_t theirs; /* the other side's position when I last read it */
    pid_t parent;    /* the producer (a child): its parent, the consumer */
} raw_end_t;

/* PAUSEs before a waiting side yields its CPU instead: a few microseconds,
 * as the anchors' spin_5us, so that a side that shares one CPU with the
 * other (two cores, other processes) does not burn its time slice. */
enum { SPINS_BEFORE_YIELD = 1000 };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* One round of waiting for the other side. The producer, a child, also
 * looks now and then for its parent, which has gone when it failed: it
 * would otherwise wait for room for ever, taking a CPU. (The parent's
 * waits are the watchdog's.) */
static void backoff(const raw_end_t *e, unsigned *spins)
{
    if (++*spins < SPINS_BEFORE_YIELD) {
        cpu_relax();
        return;
    }
    sched_yield();
    if (e->parent && *spins % SPINS_BEFORE_YIELD == 0 && getppid() != e->parent)
        _exit(3);
}

/* Bytes a record of a `len`-byte message takes: its length, then its body
 * padded to 8, as the queue lays them out. */
static uint64_t record_bytes(uint64_t len)
{
    return 8 + ((len + 7) & ~(uint64_t)7);
}

/* Copy `n` bytes in at ring position `pos`, in two pieces across the end. */
static void ring_write(raw_end_t *e, uint64_t pos, const void *from, size_t n)
{
    size_t off = (size_t)(pos & (e->size - 1));
    size_t first = n < e->size - off ? n : (size_t)e->size - off;
    memcpy(e->data + off, from, first);
    memcpy(e->data, (const unsigned char *)from + first, n - first);
}

/* Copy `n` bytes out from ring position `pos`, in two pieces across the end. */
static void ring_read(const raw_end_t *e, uint64_t pos, void *to, size_t n)
{
    size_t off = (size_t)(pos & (e->size - 1));
    size_t first = n < e->size - off ? n : (size_t)e->size - off;
    memcpy(to, e->data + off, first);
    memcpy((unsigned char *)to + first, e->data, n - first);
}

/* The producer: wait for room, write the record, publish it with one
 * release store. */
static void raw_put(raw_end_t *e, const void *msg, uint64_t len)
{
    uint64_t rec = record_bytes(len);
    unsigned spins = 0;
    while (e->mine + rec - e->theirs > e->size) {
        e->theirs = atomic_load_explicit(&e->shared->head, memory_order_acquire);
        if (e->mine + rec - e->theirs > e->size)
            backoff(e, &spins);
    }
    ring_write(e, e->mine, &len, sizeof len);
    ring_write(e, e->mine + 8, msg, len);
    e->mine += rec;
    atomic_store_explicit(&e->shared->tail, e->mine, memory_order_release);
}

/* The consumer: wait for a record, copy it out, release its room with one
 * store. @return the message's length; exits when it exceeds `size`. */
static uint64_t raw_get(raw_end_t *e, void *buf, size_t size)
{
    unsigned spins = 0;
    while (e->theirs == e->mine) {
        e->theirs = atomic_load_explicit(&e->shared->tail, memory_order_acquire);
        if (e->theirs == e->mine)
            backoff(e, &spins);
    }
    uint64_t len;
    ring_read(e, e->mine, &len, sizeof len);
    if (len > size)
        bench_die("raw ring: a record of %llu bytes", (unsigned long long)len);
    ring_read(e, e->mine + 8, buf, len);
    e->mine += record_bytes(len);
    atomic_store_explicit(&e->shared->head, e->mine, memory_order_release);
    return len;
}

static double measure_raw_stream(const bench_metric_t *m, int iters)
{
    const stream_t *s = m->arg;
    watch(m);
    /* A new ring every sample, as the queue's: the positions on the first
     * page, the ring on the pages after it. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *map = mmap(NULL, page + s->ring, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
                     0);
    if (map == MAP_FAILED)
        bench_die_errno("mmap", errno);
    raw_end_t e = {.shared = map, .data = (unsigned char *)map + page, .size = s->ring};
    int total = s->warmup + iters;
    pid_t parent = getpid();
    fflush(stdout); /* the child must not inherit our buffer */
    pid_t pid = fork();
    if (pid < 0)
        bench_die_errno("fork", errno);
    if (pid == 0) {
        e.parent = parent;
        unsigned char *msg = message_buffer(s->msg);
        if (!msg)
            _exit(3);
        for (int i = 0; i < total; i++) {
            stamp(msg, (uint64_t)i);
            raw_put(&e, msg, s->msg);
        }
        _exit(0);
    }
    double t0 = 0;
    for (int i = 0; i < total; i++) {
        uint64_t len = raw_get(&e, inbox, s->msg);
        if (stamp_of(inbox, len, s->msg) != (uint64_t)i)
            bench_die("%s: message %d is not what was sent", m->name, i);
        if (i == s->warmup - 1)
            t0 = bench_now_us();
    }
    double us = bench_now_us() - t0;
    bench_reap(pid);
    unwatch();
    munmap(map, page + s->ring);
    return rate(s, iters, us);
}

/* ---- multiproc: the children --------------------------------------------- */

/* What a producer child is told. */
typedef struct producer_arg {
    int64_t count;   /* messages to put */
    int64_t size;    /* bytes each */
    int64_t id;      /* its number, in the top 16 bits of every stamp */
    int64_t barrier; /* 1: object 1 is the start line's barrier */
} producer_arg_t;

/* The producers' numbering: id in the top bits, the sequence below. */
enum { ID_SHIFT = 48 };

/* The argument bytes of a task, which must be a `T` (need not be aligned). */
static int task_arg_copy(mp_task_t *task, void *out, size_t size)
{
    const void *bytes;
    size_t len;
    int rc = mp_task_arg(task, &bytes, &len);
    if (rc == 0 && len != size)
        return mp_task_fail(task, MP_EINVAL, "argument of %zu bytes, not %zu", len, size);
    if (rc == 0)
        memcpy(out, bytes, size);
    return rc;
}

/* Wait at the start line, when the task has one at object 1. */
static int start_line(mp_task_t *task, bool has_barrier)
{
    mp_barrier_t *b;
    int rc = has_barrier ? mp_task_barrier(task, 1, &b) : 0;
    if (rc == 0 && has_barrier)
        rc = mp_barrier_wait(b, START_LIMIT, NULL);
    return rc;
}

/* A producer: puts its numbered messages into the queue (object 0). */
static int producer(mp_task_t *task)
{
    producer_arg_t a = {0};
    mp_queue_t *q;
    int rc = task_arg_copy(task, &a, sizeof a);
    if (rc == 0)
        rc = mp_task_queue(task, 0, &q);
    if (rc == 0)
        rc = start_line(task, a.barrier != 0);
    if (rc < 0)
        return rc;
    unsigned char *msg = message_buffer((size_t)a.size);
    if (!msg)
        return mp_task_fail(task, MP_ENOMEM, "no memory for a message of %lld bytes",
                            (long long)a.size);
    for (int64_t i = 0; rc == 0 && i < a.count; i++) {
        stamp(msg, (uint64_t)a.id << ID_SHIFT | (uint64_t)i);
        rc = mp_queue_put(q, msg, (size_t)a.size, MP_FOREVER);
    }
    free(msg);
    return rc;
}

/* A consumer of the 4x4 metric: gets 64-byte messages from the queue
 * (object 0) until it is closed and drained (MP_EEOF). Each producer's
 * messages are in the ring in its order and gets are one at a time, so a
 * consumer sees each producer's numbers rise. */
static int consumer(mp_task_t *task)
{
    int64_t per_producer;
    mp_queue_t *q;
    int rc = mp_task_arg_i64(task, &per_producer);
    if (rc == 0)
        rc = mp_task_queue(task, 0, &q);
    if (rc == 0)
        rc = start_line(task, true);
    if (rc < 0)
        return rc;
    int64_t last[PRODUCERS];
    for (int k = 0; k < PRODUCERS; k++)
        last[k] = -1;
    unsigned char msg[SMALL];
    size_t len;
    while ((rc = mp_queue_get(q, msg, sizeof msg, &len, MP_FOREVER)) == 0) {
        uint64_t seq = stamp_of(msg, len, SMALL);
        uint64_t id = seq >> ID_SHIFT;
        int64_t n = (int64_t)(seq & (((uint64_t)1 << ID_SHIFT) - 1));
        if (seq == UINT64_MAX || id >= PRODUCERS || n >= per_producer || n <= last[id])
            return mp_task_fail(task, MP_EINVAL, "a message out of order or not whole");
        last[id] = n;
    }
    return rc == MP_EEOF ? 0 : rc;
}

/* The put-then-join child: one HUGE_MSG message into the queue (object 0). */
static int put_huge(mp_task_t *task)
{
    mp_queue_t *q;
    int rc = mp_task_queue(task, 0, &q);
    if (rc < 0)
        return rc;
    unsigned char *msg = message_buffer(HUGE_MSG);
    if (!msg)
        return mp_task_fail(task, MP_ENOMEM, "no memory for a message of %zu bytes", HUGE_MSG);
    stamp(msg, 0);
    rc = mp_queue_put(q, msg, HUGE_MSG, MP_FOREVER);
    free(msg);
    return rc;
}

/* ---- multiproc: the parent -------------------------------------------- */

static mp_queue_t *new_queue(size_t ring)
{
    mp_queue_t *q;
    bench_check(mp_queue_create(&q, &(mp_queue_opts_t){.ring_size = ring}), "mp_queue_create");
    return q;
}

/* Start `task` with the queue (object 0), and the barrier when not NULL. */
static mp_process_t *start_child(const char *task, mp_queue_t *q, mp_barrier_t *b, const void *arg,
                                 size_t arg_len)
{
    mp_process_t *p;
    /* Should the benchmark fail and exit, its children go at once, rather
     * than be joined (they may wait on the queue for ever) or outlive it. */
    mp_process_opts_t opts = {.task = task,
                              .arg = arg,
                              .arg_len = arg_len,
                              .daemon = MP_DAEMON_YES,
                              .exit_with_parent = true};
    void *const with_barrier[] = {q, b};
    opts.objects = with_barrier;
    opts.nobjects = b ? 2 : 1;
    bench_check(mp_process_create(&p, &opts), "mp_process_create");
    bench_check(mp_process_start(p), "mp_process_start");
    return p;
}

/* The queue's statistics, checked against what the metric put through it:
 * every message put was taken, and went through the spill file, or not,
 * as the metric says (`spilled`: how many should have). */
static void check_stats(const bench_metric_t *m, mp_queue_t *q, uint64_t count, uint64_t spilled)
{
    mp_queue_stats_t st = {0};
    bench_check(mp_queue_stats(q, &st), "mp_queue_stats");
    if (st.puts != count || st.gets != count)
        bench_die("%s: %llu puts and %llu gets, not %llu", m->name, (unsigned long long)st.puts,
                  (unsigned long long)st.gets, (unsigned long long)count);
    if (st.spilled != spilled)
        bench_die("%s: %llu messages went through the spill file, not %llu", m->name,
                  (unsigned long long)st.spilled, (unsigned long long)spilled);
}

static double measure_mp_stream(const bench_metric_t *m, int iters)
{
    const stream_t *s = m->arg;
    watch(m);
    mp_queue_t *q = new_queue(s->ring);
    int total = s->warmup + iters;
    producer_arg_t a = {.count = total, .size = (int64_t)s->msg};
    mp_process_t *p = start_child("producer", q, NULL, &a, sizeof a);
    double t0 = 0;
    for (int i = 0; i < total; i++) {
        size_t len;
        bench_check(mp_queue_get(q, inbox, s->msg, &len, MP_FOREVER), "mp_queue_get");
        if (stamp_of(inbox, len, s->msg) != (uint64_t)i)
            bench_die("%s: message %d is not what was put", m->name, i);
        if (i == s->warmup - 1)
            t0 = bench_now_us();
    }
    double us = bench_now_us() - t0;
    bench_join(p, m->name);
    unwatch();
    check_stats(m, q, (uint64_t)total, s->spills ? (uint64_t)total : 0);
    mp_queue_destroy(q);
    return rate(s, iters, us);
}

static double measure_mp_4x4(const bench_metric_t *m, int iters)
{
    int64_t per_producer = iters / PRODUCERS > 0 ? iters / PRODUCERS : 1;
    watch(m);
    mp_queue_t *q = new_queue(0);
    mp_barrier_t *line;
    bench_check(
        mp_barrier_create(&line, &(mp_barrier_opts_t){.parties = PRODUCERS + CONSUMERS + 1}),
        "mp_barrier_create");
    mp_process_t *cons[CONSUMERS], *prod[PRODUCERS];
    for (int k = 0; k < CONSUMERS; k++)
        cons[k] = start_child("consumer", q, line, &per_producer, sizeof per_producer);
    for (int k = 0; k < PRODUCERS; k++) {
        producer_arg_t a = {.count = per_producer, .size = SMALL, .id = k, .barrier = 1};
        prod[k] = start_child("producer", q, line, &a, sizeof a);
    }
    /* Every child at the start line: none runs alone for a while. */
    bench_check(mp_barrier_wait(line, START_LIMIT, NULL), "waiting for the children");
    double t0 = bench_now_us();
    for (int k = 0; k < PRODUCERS; k++)
        bench_join(prod[k], m->name);
    /* All put: the consumers drain the queue, then get MP_EEOF. */
    bench_check(mp_queue_close(q), "mp_queue_close");
    for (int k = 0; k < CONSUMERS; k++)
        bench_join(cons[k], m->name);
    double us = bench_now_us() - t0;
    unwatch();
    uint64_t total = (uint64_t)per_producer * PRODUCERS;
    check_stats(m, q, total, 0);
    mp_barrier_destroy(line);
    mp_queue_destroy(q);
    return (double)total / us;
}

static double measure_mp_put_then_join(const bench_metric_t *m, int iters)
{
    (void)iters;
    watch(m);
    mp_queue_t *q = new_queue(0);
    double t0 = bench_now_us();
    mp_process_t *p = start_child("put_huge", q, NULL, NULL, 0);
    int rc = mp_process_join(p, JOIN_LIMIT);
    if (rc == MP_ETIMEDOUT) {
        mp_process_kill(p);
        bench_die("%s: deadlocked: the child that put %zu MiB had not exited after %.0f s", m->name,
                  HUGE_MSG >> 20, JOIN_LIMIT);
    }
    bench_check(rc, "mp_process_join");
    bench_join(p, m->name); /* ended: checks its exit code */
    size_t len;
    bench_check(mp_queue_get(q, inbox, HUGE_MSG, &len, JOIN_LIMIT), "mp_queue_get");
    double us = bench_now_us() - t0;
    unwatch();
    if (stamp_of(inbox, len, HUGE_MSG) != 0)
        bench_die("%s: the message is not what was put", m->name);
    check_stats(m, q, 1, 1);
    mp_queue_destroy(q);
    return us / 1e3;
}

/* ---- CPython's put-then-join ------------------------------------------- */

/* Run the script's put-then-join program once (it kills it after
 * PY_JOIN_LIMIT s) and print what it says. */
static void python_put_then_join(const bench_python_t *py)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "'%s' '%s' --put-then-join %g", py->exe, py->script, PY_JOIN_LIMIT);
    fflush(stdout); /* the shell's children must not inherit our buffer */
    FILE *f = popen(cmd, "r");
    if (!f)
        bench_die_errno("popen", errno);
    char line[256], outcome[32] = "", unit[16] = "";
    double value = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "cpython_put_then_join_64MiB ", 28) == 0)
            sscanf(line + 28, "%31s %lf %15s", outcome, &value, unit);
    int status = pclose(f);
    if (status != 0 || !outcome[0])
        printf("put_then_join_64MiB cpython: could not run (status %d)\n", status);
    else if (strcmp(outcome, "deadlocked") == 0)
        printf("put_then_join_64MiB cpython: deadlocked (the join had not returned after "
               "%.0f s; killed)\n",
               value);
    else
        printf("put_then_join_64MiB cpython: %s in %.1f %s\n", outcome, value, unit);
}

/* ---- tables --------------------------------------------------------------- */

static const mp_task_def_t tasks[] = {MP_TASK(producer), MP_TASK(consumer), MP_TASK(put_huge),
                                      MP_TASK_END};

/* clang-format off */
static const stream_t small_stream = {
    .msg = SMALL, .ring = MP_QUEUE_RING_DEFAULT, .warmup = SMALL_WARMUP, .factor = 1};
static const stream_t large_stream = {
    .msg = LARGE, .ring = RING_8MIB, .warmup = LARGE_WARMUP, .factor = LARGE / 1e3};
static const stream_t spill_stream = {
    .msg = LARGE, .ring = MP_QUEUE_RING_DEFAULT, .warmup = LARGE_WARMUP, .spills = true,
    .factor = LARGE / 1e3};

/* In the order each round measures them; CPython's last. */
static bench_metric_t metrics[] = {
    {.name = "raw_ring_1x1_64B", .unit = "Mmsg/s", .measure = measure_raw_stream,
     .arg = &small_stream},
    {.name = "mp_queue_1x1_64B", .unit = "Mmsg/s", .measure = measure_mp_stream,
     .arg = &small_stream},
    {.name = "raw_ring_1MiB", .unit = "GB/s", .measure = measure_raw_stream,
     .arg = &large_stream, .size_class = LARGE_MSGS},
    {.name = "mp_queue_1MiB_ring8MiB", .unit = "GB/s", .measure = measure_mp_stream,
     .arg = &large_stream, .size_class = LARGE_MSGS},
    {.name = "mp_queue_1MiB_spill", .unit = "GB/s", .measure = measure_mp_stream,
     .arg = &spill_stream, .size_class = LARGE_MSGS},
    {.name = "mp_queue_4x4_64B", .unit = "Mmsg/s", .measure = measure_mp_4x4,
     .size_class = MANY_MSGS},
    {.name = "mp_put_then_join_64MiB", .unit = "ms", .measure = measure_mp_put_then_join,
     .size_class = ONCE},
    {.name = "cpython_queue_1x1_64B", .unit = "Mmsg/s"},
    {.name = "cpython_queue_1MiB", .unit = "GB/s"},
};
/* clang-format on */

/* The numbers of shared/anchors/RESULTS.md, measured on the same kind of
 * machine: printed for reference, never used in a ratio. */
static const bench_anchor_t anchors[] = {
    {"queue_small_bytes64 (CPython Queue)", 0.2455, "Mmsg/s", "cpython_queue_1x1_64B"},
    {"queue_large_1MiB (CPython Queue)", 0.579, "GB/s", "cpython_queue_1MiB"},
    {"spsc_ring_64B (1024 fixed slots)", 21.6, "Mmsg/s", "raw_ring_1x1_64B"},
    {"spsc_ring_1MiB (4 slots, cache-resident)", 15.4, "GB/s", "raw_ring_1MiB"},
};

/* Goals from bench/README.md: a rate at least `goal` times the raw ring's;
 * the rows without a goal inform. Against CPython: multiproc's rate (or
 * the raw ring's) over CPython's, so that above 1 reads "CPython is that
 * many times slower" (the other way round, two digits would show 0.01x). */
static const bench_ratio_t ratios[] = {
    {"mp_queue_1x1_64B", "raw_ring_1x1_64B", 0.5, true},
    {"mp_queue_1x1_64B", "cpython_queue_1x1_64B", 0, true},
    {"raw_ring_1x1_64B", "cpython_queue_1x1_64B", 0, true},
    {"mp_queue_1MiB_ring8MiB", "raw_ring_1MiB", 0.5, true},
    {"mp_queue_1MiB_spill", "raw_ring_1MiB", 0.5, true},
    {"mp_queue_1MiB_ring8MiB", "cpython_queue_1MiB", 0, true},
    {"mp_queue_1MiB_spill", "cpython_queue_1MiB", 0, true},
    {"raw_ring_1MiB", "cpython_queue_1MiB", 0, true},
    {"mp_queue_4x4_64B", "mp_queue_1x1_64B", 0, true},
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
    bench_init("bench_queue");
    /* First, so that spawn and forkserver children branch off here. */
    bench_check(mp_init(&argc, &argv, tasks), "mp_init");

    bench_options_t opts = {.python_script = MP_BENCH_PY_SCRIPT};
    bench_parse_options(argc, argv, &opts);
    bench_set_metrics(metrics, sizeof metrics / sizeof metrics[0]);

    /* A sample takes 0.05 to 0.5 s here: long enough to average out the
     * timer and the wake-ups, short enough for 7 rounds in under a minute. */
    const int iters[NCLASSES] = {
        [SMALL_MSGS] = opts.quick ? 2000 : 1000000,
        [LARGE_MSGS] = opts.quick ? 16 : 1000,
        [MANY_MSGS] = opts.quick ? 2000 : 400000,
        [ONCE] = 1,
    };
    /* CPython's queue is some 20 to 50 times slower: fewer messages. */
    const int py_small = opts.quick ? 2000 : 50000, py_large = opts.quick ? 16 : 100;
    char py_args[96];
    snprintf(py_args, sizeof py_args, "--small %d --large %d", py_small, py_large);

    bench_python_t py;
    bench_python_setup(&py, &opts);
    const char *method;
    bench_check(mp_get_start_method(&method, false), "mp_get_start_method");

    printf("# bench_queue: queues, multiproc %s, %d CPUs, children by %s\n", mp_version(),
           mp_cpu_count(), method);
    printf("# %d rounds, each measures every metric once; a sample is %d messages of %d bytes "
           "(%d x %d in the 4x4), or %d of %d MiB, after %d and %d untimed%s\n",
           opts.rounds, iters[SMALL_MSGS], SMALL, PRODUCERS, iters[MANY_MSGS] / PRODUCERS,
           iters[LARGE_MSGS], LARGE >> 20, SMALL_WARMUP, LARGE_WARMUP,
           opts.quick ? " (--quick: not a measurement)" : "");
    bench_print_load("at start");

    inbox = private_buffer(HUGE_MSG);
    struct sigaction sa = {.sa_handler = on_alarm};
    if (sigaction(SIGALRM, &sa, NULL) != 0)
        bench_die_errno("sigaction", errno);
    bench_run(&(bench_plan_t){
        .rounds = opts.rounds, .iters = iters, .warmup_iters = 10, .py = &py, .py_args = py_args});
    if (py.version[0])
        printf("# %s: a sample is %d messages of %d bytes, or %d of %d MiB\n", py.version, py_small,
               SMALL, py_large, LARGE >> 20);
    bench_print_load("at end");

    bench_print_report(&report, &py);
    /* A join that did not return in time ended the run ("failed"): here,
     * every one completed. */
    bench_summary_t ptj = bench_summarize(bench_find("mp_put_then_join_64MiB"));
    printf("\nput_then_join_64MiB multiproc: completed in every round (%d of %d; join first, "
           "limit %.0f s), median %.1f ms\n",
           ptj.n, opts.rounds, JOIN_LIMIT, ptj.median);
    if (py.exe[0])
        python_put_then_join(&py);
    if (opts.tsv) {
        bench_write_tsv(opts.tsv, &report);
        printf("# wrote %s\n", opts.tsv);
    }
    return 0;
}
