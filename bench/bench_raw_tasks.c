/* The raw limit of tiny tasks through two SPSC rings; see bench_raw_tasks.h. */
#include "bench_raw_tasks.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Slots per ring, and the tasks of a sample not timed (the worker's start,
 * its first faults). */
enum { RAW_SLOTS = 1024, RAW_WARMUP = 1000 };

typedef struct raw_ring {
    _Alignas(64) _Atomic uint64_t head; /* entries written, published */
    _Alignas(64) _Atomic uint64_t tail; /* entries taken, released */
    _Alignas(64) uint64_t slot[RAW_SLOTS];
} raw_ring_t;

const uint64_t bench_raw_pipelined_window = 512, bench_raw_one_window = 1;

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ volatile("yield")
#else
#define CPU_RELAX() atomic_signal_fence(memory_order_seq_cst)
#endif

/* PAUSEs in about 5 us, calibrated at start as raw_limits does (a PAUSE
 * costs 10 to 150 cycles depending on the CPU). */
static unsigned spin_5us = 200;

static void calibrate_spin(void)
{
    enum { K = 20000 };
    double t0 = bench_now_us();
    for (int i = 0; i < K; i++)
        CPU_RELAX();
    double per_us = (bench_now_us() - t0) / K;
    spin_5us = per_us > 0 ? (unsigned)(5 / per_us) : 200;
    if (spin_5us < 16)
        spin_5us = 16;
}

/* The benchmark's pid, which raw children watch. */
static pid_t bench_pid;

/* One round of waiting: spin, then yield. A raw child (`watch`) also looks
 * now and then for the benchmark, gone when the run failed. */
static void raw_backoff(unsigned *spins, bool watch)
{
    if (++*spins < spin_5us) {
        CPU_RELAX();
        return;
    }
    sched_yield();
    if (watch && *spins % spin_5us == 0 && kill(bench_pid, 0) != 0)
        _exit(3);
}

/* The two rings, in MAP_SHARED memory mapped before the helper is forked:
 * tasks, then results. */
static raw_ring_t *raw_rings;

/* The raw worker: take task t, release its slot, wait for room for its
 * result, publish it. */
static _Noreturn void raw_worker(uint64_t n)
{
    raw_ring_t *in = &raw_rings[0], *res = &raw_rings[1];
    uint64_t ih = 0, rt = 0;
    for (uint64_t t = 0; t < n; t++) {
        unsigned spins = 0;
        while (t == ih) {
            ih = atomic_load_explicit(&in->head, memory_order_acquire);
            if (t == ih)
                raw_backoff(&spins, true);
        }
        uint64_t x = in->slot[t % RAW_SLOTS];
        atomic_store_explicit(&in->tail, t + 1, memory_order_release);
        spins = 0;
        while (t - rt >= RAW_SLOTS) {
            rt = atomic_load_explicit(&res->tail, memory_order_acquire);
            if (t - rt >= RAW_SLOTS)
                raw_backoff(&spins, true);
        }
        res->slot[t % RAW_SLOTS] = x * x;
        atomic_store_explicit(&res->head, t + 1, memory_order_release);
    }
    _exit(0);
}

/* ---- the helper ----------------------------------------------------------- */

/* An order: the ring worker (kind 0), or the program's own children. */
typedef struct raw_order {
    int kind;     /* RAW_ORDER_TASKS or one of the program's kinds */
    int children; /* how many to fork */
    int64_t n;    /* tasks */
} raw_order_t;

enum { RAW_ORDER_TASKS = 0 };

/* The program's children (NULL: it has none), inherited by the helper. */
static bench_raw_child_fn program_child;

/* The helper's ends of its pipes, seen from the benchmark. */
static int helper_orders = -1, helper_replies = -1;

/* Read or write all `n` bytes of a pipe; false at its end or on an error. */
static bool pipe_io(int fd, void *buf, size_t n, bool writing)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = writing ? write(fd, p, n) : read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* In the helper: fork the children of one order. */
static void raw_children(const raw_order_t *o)
{
    for (int k = 0; k < o->children; k++) {
        pid_t pid = fork();
        if (pid < 0)
            _exit(4);
        if (pid > 0)
            continue;
        if (o->kind == RAW_ORDER_TASKS)
            raw_worker((uint64_t)o->n);
        _exit(program_child ? program_child(o->kind, k, o->n) : 4);
    }
}

/* The helper: for each order, fork its children, reap them, and reply
 * one byte, 1 when every one exited with 0. It ends with the benchmark
 * (its order pipe's end). */
static _Noreturn void helper_main(int orders, int replies)
{
    raw_order_t o;
    while (pipe_io(orders, &o, sizeof o, false)) {
        unsigned char ok = 1;
        raw_children(&o);
        for (int left = o.children; left > 0; left--) {
            int status;
            while (wait(&status) < 0)
                if (errno != EINTR)
                    _exit(4);
            ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
        }
        if (!pipe_io(replies, &ok, 1, true))
            _exit(4);
    }
    _exit(0);
}

void bench_raw_start(bench_raw_child_fn child)
{
    program_child = child;
    calibrate_spin();
    raw_rings = mmap(NULL, 2 * sizeof *raw_rings, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (raw_rings == MAP_FAILED)
        bench_die_errno("mmap", errno);
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0)
        bench_die_errno("pipe", errno);
    bench_pid = getpid();
    fflush(stdout); /* the helper must not inherit our buffer */
    pid_t pid = fork();
    if (pid < 0)
        bench_die_errno("fork", errno);
    if (pid == 0) {
        close(to[1]);
        close(from[0]);
        helper_main(to[0], from[1]);
    }
    close(to[0]);
    close(from[1]);
    helper_orders = to[1];
    helper_replies = from[0];
}

static void order(int kind, int children, int64_t n)
{
    raw_order_t o = {.kind = kind, .children = children, .n = n};
    if (!pipe_io(helper_orders, &o, sizeof o, true))
        bench_die("the raw helper is gone");
}

void bench_raw_order(int kind, int children, int64_t n)
{
    if (kind == RAW_ORDER_TASKS)
        bench_die("bench_raw_order: kind 0 is the ring worker's"); /* a bug in the program */
    order(kind, children, n);
}

void bench_raw_done(const bench_metric_t *m)
{
    unsigned char ok = 0;
    if (!pipe_io(helper_replies, &ok, 1, false) || !ok)
        bench_die("%s: a raw child failed", m->name);
}

/* ---- the sample ------------------------------------------------------------- */

/* The parent: keep up to `window` tasks in flight (the window never
 * exceeds the ring, so the task ring always has room), take the results
 * and check them. */
double bench_raw_tasks(const bench_metric_t *m, int iters)
{
    const uint64_t window = *(const uint64_t *)m->arg;
    bench_watch(m);
    raw_ring_t *in = &raw_rings[0], *res = &raw_rings[1];
    memset(raw_rings, 0, 2 * sizeof *raw_rings); /* the last worker has gone */
    uint64_t n = RAW_WARMUP + (uint64_t)iters;
    order(RAW_ORDER_TASKS, 1, (int64_t)n);
    uint64_t sent = 0, got = 0, rh = 0, timed_from = 0;
    double t0 = 0;
    while (got < n) {
        while (sent < n && sent - got < window) {
            in->slot[sent % RAW_SLOTS] = sent;
            sent++;
            atomic_store_explicit(&in->head, sent, memory_order_release);
        }
        unsigned spins = 0;
        while (got == rh) {
            rh = atomic_load_explicit(&res->head, memory_order_acquire);
            if (got == rh)
                raw_backoff(&spins, false);
        }
        for (; got < rh; got++)
            if (res->slot[got % RAW_SLOTS] != got * got)
                bench_die("%s: task %llu gave a wrong result", m->name, (unsigned long long)got);
        atomic_store_explicit(&res->tail, got, memory_order_release);
        if (!timed_from && got >= RAW_WARMUP) {
            timed_from = got;
            t0 = bench_now_us();
        }
    }
    double us = bench_now_us() - t0;
    bench_raw_done(m);
    bench_unwatch();
    return (double)(n - timed_from) / us;
}
