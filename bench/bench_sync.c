/*
 * bench_sync: multiproc's locks and shared memory beside the raw OS
 * primitives they compete with and beside CPython's multiprocessing, all
 * measured in one run.
 *
 *   bench_sync [--rounds N] [--quick] [--no-python] [--python EXE]
 *              [--python-script FILE] [--tsv FILE]
 *
 * Metrics (a sample is the mean over its operations):
 *   raw_mutex_pshared_uncontended, raw_mutex_robust_uncontended   ns
 *       pthread_mutex_lock + counter++ + unlock of a PTHREAD_PROCESS_SHARED
 *       (and robust) mutex in MAP_SHARED memory, one process
 *   mp_lock_uncontended, mp_rlock_uncontended                     ns
 *       mp_lock_acquire(lock, MP_FOREVER) + counter++ + mp_lock_release,
 *       and the same with an RLock
 *   apr_proc_mutex_uncontended, boost_mutex_uncontended            ns
 *       the same with APR's apr_proc_mutex (APR_LOCK_DEFAULT: a robust
 *       pshared pthread mutex on Linux) and Boost.Interprocess's
 *       interprocess_mutex in MAP_SHARED memory (boost_sync.cpp; only when
 *       the build found Boost)
 *   raw_mutex_contended_incr, mp_lock_contended_incr,
 *   mp_value_rlock_contended_incr                                  ns
 *       two processes each add 1 to a shared counter N times under the lock,
 *       released together; the time from release to both joined, per
 *       increment. Raw: fork() and the pshared mutex; mp: two children
 *       started by multiproc (default start method) with an mp_lock_t, or
 *       with a synchronized Value's own RLock as CPython does it
 *   apr_proc_mutex_contended_incr, boost_mutex_contended_incr      ns
 *       the same as raw, with the peers' mutexes
 *   raw_mutex_4procs_contended_incr, mp_lock_4procs_contended_incr,
 *   and the same with 8procs                                       ns
 *       4 and 8 processes on the same counter (2N increments in all, as
 *       with two): more processes than CPUs, where a lock that spins or
 *       hands off too eagerly collapses
 *   *_contended_handoff_pct                                        %
 *       of those increments, the share made by the other process than the
 *       one before: how often the lock changed hands (glibc's mutex is
 *       unfair, and one process re-taking it is cheap)
 *   raw_memcpy                                                     GB/s
 *       memcpy of a 256 MiB buffer into malloc'd memory, warm
 *   mp_shm_write, apr_shm_write                                    GB/s
 *       the same into an mp_shm_t, or an anonymous apr_shm_t, warm
 *       (written once beforehand)
 *   raw_shm_read_child, mp_shm_read_child                          GB/s
 *       a child copies the whole segment out into its own (warm) memory:
 *       raw = fork() + shm_open() + mmap(); mp = a multiproc child given
 *       the mp_shm_t through MP_OBJECTS; both after one untimed read
 *   raw_shm_create_cold, mp_shm_create_cold, apr_shm_create_cold   GB/s
 *       shm_open + ftruncate + mmap, mp_shm_create(no name), or
 *       apr_shm_create(anonymous), and the first write of 256 MiB (page
 *       faults dominate)
 *   cpython_*                                                      as above
 *       python_sync.py: multiprocessing.Lock, a Value's lock under two
 *       processes, shared_memory.SharedMemory through memoryviews
 *
 * Every round measures every metric once, in the same order; the report
 * gives medians, min and max over the rounds, and ratios of this run's
 * medians against the goals in README.md. Speed is reported, never
 * asserted: the exit status is 0 whatever the numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_proc_mutex.h>
#include <apr_shm.h>
#include <multiproc.h>

#include "bench_common.h"
#ifdef MP_BENCH_BOOST
#include "boost_sync.h"
#endif

/* Set by bench/CMakeLists.txt to the script's place in the source tree. */
#ifndef MP_BENCH_PY_SCRIPT
#define MP_BENCH_PY_SCRIPT "python_sync.py"
#endif

/* The size classes of the metrics: what one sample counts. */
enum { LOCK_PAIRS, INCREMENTS, COPIES, CREATES, NCLASSES };

/* The byte every buffer copied from holds, checked at the other end. */
enum { FILL = 7 };

/* Bytes of each shared-memory metric: 256 MiB, as the anchors (much more
 * than the caches, so it measures memory bandwidth); less with --quick. */
static size_t shm_bytes;

/* How long a child may take to reach the start line: far beyond any start,
 * so only a child that is stuck or dead trips it. */
#define START_TIMEOUT 60.0

/* ---- raw state, in MAP_SHARED memory --------------------------------- */

/* What the contended loops update; also the uncontended loops' counter. */
typedef struct counters {
    int64_t count;
    int64_t handoffs; /* increments made by the other process than the last */
    int64_t last;     /* 1 to 8: who made the last increment */
} counters_t;

/* Each field on its own cache line, so that the counters' line is not the
 * mutex's (as in shared/anchors/raw_limits.c, and as multiproc's lock and
 * value are in blocks of their own). */
typedef struct raw_shared {
    _Alignas(64) pthread_mutex_t mutex;   /* PTHREAD_PROCESS_SHARED */
    _Alignas(64) pthread_mutex_t robust;  /* PTHREAD_PROCESS_SHARED + ROBUST */
    _Alignas(64) unsigned char boost[64]; /* an interprocess_mutex, when built */
    _Alignas(64) atomic_int ready;        /* children at the start line */
    _Alignas(64) atomic_int go;           /* the start signal */
    _Alignas(64) counters_t c;
} raw_shared_t;

static raw_shared_t *raw;

/* APR's objects, from one pool: the mutex (its default mechanism) and a
 * warm anonymous segment. */
static apr_pool_t *apr_pool;
static apr_proc_mutex_t *apr_mutex;
static apr_shm_t *apr_segment;

static void init_raw_mutex(pthread_mutex_t *m, bool robust)
{
    pthread_mutexattr_t a;
    int err = pthread_mutexattr_init(&a);
    if (!err)
        err = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (!err && robust)
        err = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (!err)
        err = pthread_mutex_init(m, &a);
    if (err)
        bench_die_errno("pthread_mutex_init", err);
    pthread_mutexattr_destroy(&a);
}

static void *map_shared(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        bench_die_errno("mmap", errno);
    return p;
}

/* ---- multiproc state ------------------------------------------------- */

static mp_lock_t *lock;
static mp_rlock_t *rlock;
static mp_value_t *counters;  /* a RawArray of 3 int64: counters_t */
static mp_value_t *synced;    /* an Array of 3 int64 with its own RLock */
static mp_event_t *go;        /* the contended children's start signal */
static mp_semaphore_t *ready; /* released by each child at the start line */
static mp_shm_t *shm;         /* warm: written once at setup */

/* ---- buffers ------------------------------------------------------------ */

static unsigned char *src; /* shm_bytes of FILL */
static unsigned char *dst; /* shm_bytes of malloc'd memory, touched */

/*
 * A malloc'd buffer that this process's forks leave alone, page-aligned.
 *
 * Aligned, because glibc's memcpy of 256 MiB runs at 10 GB/s here when
 * source and destination sit at the same offset within a page and at
 * 13 GB/s when the destination is 16 bytes further on (as malloc'd memory
 * is after a page-aligned segment): every copy of every metric, raw or not,
 * goes between page-aligned buffers, so that none of them gets the other
 * speed by accident (the anchors' shm_read_child did: 12.7 GB/s against
 * memcpy_256MiB's 10.9).
 *
 * Left alone by forks, because fork() marks every private page of the
 * parent copy-on-write, and the parent's next write to each page faults,
 * even once the child has gone: after each contended run or child read,
 * raw_memcpy would time 65536 page faults (it ran at a third of its speed).
 * MADV_DONTFORK keeps the buffer out of the children, which never use it
 * (it too needs whole pages).
 */
static unsigned char *private_buffer(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *p = aligned_alloc((size_t)page, size); /* size: a multiple of pages */
    if (!p)
        bench_die("out of memory for a buffer of %zu bytes", size);
    if (madvise(p, size, MADV_DONTFORK) < 0)
        bench_die_errno("madvise(MADV_DONTFORK)", errno);
    return p;
}

/* Copy `size` bytes `iters` times; return the rate in GB/s (1e9 bytes/s). */
static double copy_rate(void *to, const void *from, size_t size, int iters)
{
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        memcpy(to, from, size);
        bench_clobber(to); /* a copy nobody reads is still made */
    }
    return (double)iters * (double)size / (bench_now_us() - t0) / 1e3;
}

static void check_filled(const unsigned char *p, size_t size, const char *what)
{
    if (p[0] != FILL || p[size / 2] != FILL || p[size - 1] != FILL)
        bench_die("%s: the copy does not hold what was written", what);
}

/* ---- uncontended ---------------------------------------------------------- */

/* ---- the peers' locks ------------------------------------------------------ */

/* A peer's lock or unlock, on its mutex: 0 on success. One loop serves
 * every peer: it is inlined into each peer's own measure function with the
 * peer's calls as constants, so that no peer pays an indirect call. */
typedef int (*lock_fn)(void *mutex);

static int raw_lock(void *mutex)
{
    return pthread_mutex_lock(mutex);
}

static int raw_unlock(void *mutex)
{
    return pthread_mutex_unlock(mutex);
}

static int apr_lock(void *mutex)
{
    return apr_proc_mutex_lock(mutex) == APR_SUCCESS ? 0 : -1;
}

static int apr_unlock(void *mutex)
{
    return apr_proc_mutex_unlock(mutex) == APR_SUCCESS ? 0 : -1;
}

/* `iters` lock + counter++ + unlock of `mutex`; ns per pair. */
static inline __attribute__((always_inline)) double
peer_uncontended(const bench_metric_t *m, void *mutex, lock_fn take, lock_fn unlock, int iters)
{
    raw->c.count = 0;
    double t0 = bench_now_us();
    for (int i = 0; i < iters; i++) {
        if (take(mutex) != 0)
            bench_die("%s: lock failed", m->name);
        raw->c.count++;
        /* Checked as a program would check it (glibc's unlock cannot fail). */
        if (unlock(mutex) != 0)
            bench_die("%s: unlock failed", m->name);
    }
    double dt = bench_now_us() - t0;
    if (raw->c.count != iters)
        bench_die("%s: counted %lld, not %d", m->name, (long long)raw->c.count, iters);
    return dt * 1e3 / iters;
}

/* m->arg non-NULL: the robust mutex. */
static double measure_raw_uncontended(const bench_metric_t *m, int iters)
{
    return peer_uncontended(m, m->arg ? &raw->robust : &raw->mutex, raw_lock, raw_unlock, iters);
}

static double measure_apr_uncontended(const bench_metric_t *m, int iters)
{
    return peer_uncontended(m, apr_mutex, apr_lock, apr_unlock, iters);
}

#ifdef MP_BENCH_BOOST
static double measure_boost_uncontended(const bench_metric_t *m, int iters)
{
    return peer_uncontended(m, raw->boost, boost_sync_lock, boost_sync_unlock, iters);
}
#endif

/* multiproc's calls in the shape of lock_fn, inlined like the peers'. */
static int mp_lock_fn(void *l)
{
    return mp_lock_acquire(l, MP_FOREVER);
}

static int mp_unlock_fn(void *l)
{
    return mp_lock_release(l);
}

static int mp_rlock_fn(void *l)
{
    return mp_rlock_acquire(l, MP_FOREVER);
}

static int mp_runlock_fn(void *l)
{
    return mp_rlock_release(l);
}

static double measure_mp_lock_uncontended(const bench_metric_t *m, int iters)
{
    return peer_uncontended(m, lock, mp_lock_fn, mp_unlock_fn, iters);
}

static double measure_mp_rlock_uncontended(const bench_metric_t *m, int iters)
{
    return peer_uncontended(m, rlock, mp_rlock_fn, mp_runlock_fn, iters);
}

/* ---- contended ------------------------------------------------------------ */

/* One increment under a held lock, counting the handoffs; `me` is 1 to the
 * number of processes. */
static inline void count_one(counters_t *c, int64_t me)
{
    c->count++;
    if (c->last != me) {
        c->last = me;
        c->handoffs++;
    }
}

/* How a contended metric runs (its arg): how many processes, and for
 * multiproc, whether under a synchronized Value's own RLock. */
typedef struct contention {
    int procs;
    bool value_lock;
} contention_t;

enum { MAX_PROCS = 8 };
static const contention_t two = {2, false}, four = {4, false}, eight = {8, false},
                          two_value = {2, true};

/* Each of `procs` processes makes 2 * iters / procs increments: the same
 * total work whatever the count. */
static int per_process(const contention_t *how, int iters)
{
    return 2 * iters / how->procs;
}

/* Check the count of a run of `procs` x `n` that took `us`, record its
 * handoff share, and return its nanoseconds per increment. */
static double contended_result(const bench_metric_t *m, const counters_t *c, int procs, int n,
                               double us)
{
    double total = (double)procs * n;
    if (c->count != (int64_t)procs * n)
        bench_die("%s: counted %lld, not %.0f", m->name, (long long)c->count, total);
    char name[96];
    snprintf(name, sizeof name, "%s", m->name);
    /* "<x>_contended_incr" has its share in "<x>_contended_handoff_pct". */
    char *incr = strstr(name, "_incr");
    if (incr) {
        snprintf(incr, sizeof name - (size_t)(incr - name), "_handoff_pct");
        bench_add_sample(name, 100.0 * (double)c->handoffs / total);
    }
    return us * 1e3 / total;
}

/* A forked child's increments under a peer's lock (inlined as in
 * peer_uncontended()); its exit status is the result. */
static inline __attribute__((always_inline)) void peer_child(void *mutex, lock_fn take,
                                                             lock_fn unlock, int n, int64_t me)
{
    atomic_fetch_add(&raw->ready, 1);
    while (!atomic_load(&raw->go))
        sched_yield();
    for (int i = 0; i < n; i++) {
        if (take(mutex) != 0)
            _exit(3);
        count_one(&raw->c, me);
        if (unlock(mutex) != 0)
            _exit(3);
    }
    _exit(0);
}

/* Each peer's child, its lock's calls constant in it. */
static void raw_child(int n, int64_t me)
{
    peer_child(&raw->mutex, raw_lock, raw_unlock, n, me);
}

static void apr_child(int n, int64_t me)
{
    /* What APR asks of a child; a no-op for its default (pthread) lock. */
    if (apr_proc_mutex_child_init(&apr_mutex, NULL, apr_pool) != APR_SUCCESS)
        _exit(4);
    peer_child(apr_mutex, apr_lock, apr_unlock, n, me);
}

#ifdef MP_BENCH_BOOST
static void boost_child(int n, int64_t me)
{
    peer_child(raw->boost, boost_sync_lock, boost_sync_unlock, n, me);
}
#endif

/* m->arg's count of fork() children running `child`, released together;
 * the time from release to all reaped. */
static double peer_contended(const bench_metric_t *m, int iters, void (*child)(int, int64_t))
{
    const contention_t *how = m->arg;
    int n = per_process(how, iters);
    raw->c = (counters_t){0};
    atomic_store(&raw->ready, 0);
    atomic_store(&raw->go, 0);
    fflush(stdout); /* the children must not inherit our buffer */
    pid_t pids[MAX_PROCS];
    for (int k = 0; k < how->procs; k++) {
        if ((pids[k] = fork()) < 0)
            bench_die_errno("fork", errno);
        if (pids[k] == 0)
            child(n, k + 1);
    }
    while (atomic_load(&raw->ready) < how->procs)
        sched_yield();
    double t0 = bench_now_us();
    atomic_store(&raw->go, 1);
    for (int k = 0; k < how->procs; k++)
        bench_reap(pids[k]);
    double us = bench_now_us() - t0;
    return contended_result(m, &raw->c, how->procs, n, us);
}

static double measure_raw_contended(const bench_metric_t *m, int iters)
{
    return peer_contended(m, iters, raw_child);
}

static double measure_apr_contended(const bench_metric_t *m, int iters)
{
    return peer_contended(m, iters, apr_child);
}

#ifdef MP_BENCH_BOOST
static double measure_boost_contended(const bench_metric_t *m, int iters)
{
    return peer_contended(m, iters, boost_child);
}
#endif

/* What a contended child is told: its increments, who it is, which lock. */
typedef struct incr_arg {
    int64_t n;
    int64_t me;         /* 1 to the number of processes */
    int64_t value_lock; /* 0: objects (lock, counters, go, ready); 1: (synced, go, ready) */
} incr_arg_t;

/* The child of the mp contended metrics: objects as incr_arg_t says. */
static int incr_worker(mp_task_t *task)
{
    const void *bytes;
    size_t len;
    int rc = mp_task_arg(task, &bytes, &len);
    if (rc < 0)
        return rc;
    incr_arg_t a;
    if (len != sizeof a)
        return mp_task_fail(task, MP_EINVAL, "argument of %zu bytes", len);
    memcpy(&a, bytes, sizeof a); /* the bytes need not be aligned */

    mp_lock_t *l = NULL;
    mp_rlock_t *rl = NULL;
    mp_value_t *v;
    mp_event_t *start;
    mp_semaphore_t *at_line;
    size_t next = a.value_lock ? 1 : 2; /* the index of `go` */
    if (a.value_lock) {
        if ((rc = mp_task_value(task, 0, &v)) == 0)
            rc = mp_value_lock(v, &rl);
    } else if ((rc = mp_task_lock(task, 0, &l)) == 0) {
        rc = mp_task_value(task, 1, &v);
    }
    if (rc == 0)
        rc = mp_task_event(task, next, &start);
    if (rc == 0)
        rc = mp_task_semaphore(task, next + 1, &at_line);
    if (rc == 0)
        rc = mp_semaphore_release(at_line);
    if (rc == 0)
        rc = mp_event_wait(start, MP_FOREVER);
    if (rc < 0)
        return rc;
    counters_t *c = mp_value_ptr(v);
    /* Two loops rather than a test per increment in one. */
    if (l) {
        for (int64_t i = 0; i < a.n; i++) {
            if ((rc = mp_lock_acquire(l, MP_FOREVER)) != 0)
                return rc;
            count_one(c, a.me);
            if ((rc = mp_lock_release(l)) != 0)
                return rc;
        }
    } else {
        for (int64_t i = 0; i < a.n; i++) {
            if ((rc = mp_rlock_acquire(rl, MP_FOREVER)) != 0)
                return rc;
            count_one(c, a.me);
            if ((rc = mp_rlock_release(rl)) != 0)
                return rc;
        }
    }
    return 0;
}

/* m->arg non-NULL: the synchronized Value's own RLock. */
static double measure_mp_contended(const bench_metric_t *m, int iters)
{
    const contention_t *how = m->arg;
    bool value_lock = how->value_lock;
    int n = per_process(how, iters);
    mp_value_t *v = value_lock ? synced : counters;
    counters_t *c = mp_value_ptr(v);
    *c = (counters_t){0};
    bench_check(mp_event_clear(go), "mp_event_clear");

    mp_process_t *p[MAX_PROCS];
    for (int k = 0; k < how->procs; k++) {
        incr_arg_t a = {.n = n, .me = k + 1, .value_lock = value_lock};
        mp_process_opts_t opts = {.task = "incr_worker", .arg = &a, .arg_len = sizeof a};
        void *const with_lock[] = {lock, counters, go, ready};
        void *const with_value[] = {synced, go, ready};
        opts.objects = value_lock ? with_value : with_lock;
        opts.nobjects = value_lock ? 3 : 4;
        bench_check(mp_process_create(&p[k], &opts), "mp_process_create");
        bench_check(mp_process_start(p[k]), "mp_process_start");
    }
    /* All at the start line, so none runs alone for a while. */
    for (int k = 0; k < how->procs; k++)
        bench_check(mp_semaphore_acquire(ready, START_TIMEOUT), "waiting for the children");
    double t0 = bench_now_us();
    bench_check(mp_event_set(go), "mp_event_set");
    for (int k = 0; k < how->procs; k++)
        bench_check(mp_process_join(p[k], MP_FOREVER), "mp_process_join");
    double us = bench_now_us() - t0;
    for (int k = 0; k < how->procs; k++) {
        int code;
        bench_check(mp_process_exitcode(p[k], &code), "mp_process_exitcode");
        if (code != 0)
            bench_die("%s: a child ended with exit code %d", m->name, code);
        mp_process_destroy(p[k]);
    }
    return contended_result(m, c, how->procs, n, us);
}

/* ---- shared memory ------------------------------------------------------- */

static double measure_raw_memcpy(const bench_metric_t *m, int iters)
{
    double rate = copy_rate(dst, src, shm_bytes, iters);
    check_filled(dst, shm_bytes, m->name);
    return rate;
}

/* Into a warm segment's `data`. */
static double warm_write_rate(const bench_metric_t *m, unsigned char *data, int iters)
{
    double rate = copy_rate(data, src, shm_bytes, iters);
    check_filled(data, shm_bytes, m->name);
    return rate;
}

static double measure_mp_shm_write(const bench_metric_t *m, int iters)
{
    return warm_write_rate(m, mp_shm_data(shm), iters);
}

static double measure_apr_shm_write(const bench_metric_t *m, int iters)
{
    return warm_write_rate(m, apr_shm_baseaddr_get(apr_segment), iters);
}

/* A child that reads `data` (size bytes) into memory of its own, `iters`
 * times after one untimed read (its page faults, and the mapping's), and
 * returns the rate. @return 0, or -1 with errno when out of memory. */
static int read_segment(const unsigned char *data, size_t size, int64_t iters, double *rate)
{
    /* Page-aligned like every buffer here (see private_buffer()). */
    unsigned char *buf = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), size);
    if (!buf)
        return -1;
    memset(buf, 0, size);
    memcpy(buf, data, size);
    bench_clobber(buf);
    *rate = copy_rate(buf, data, size, (int)iters);
    bool ok = buf[0] == FILL && buf[size / 2] == FILL && buf[size - 1] == FILL;
    free(buf);
    if (!ok) {
        errno = EIO;
        return -1;
    }
    return 0;
}

/* The mp_shm_read_child task: the segment is object 0, the copies the argument. */
static int shm_reader(mp_task_t *task)
{
    int64_t iters;
    mp_shm_t *seg;
    int rc = mp_task_arg_i64(task, &iters);
    if (rc == 0)
        rc = mp_task_shm(task, 0, &seg);
    if (rc < 0)
        return rc;
    double rate;
    if (read_segment(mp_shm_data(seg), mp_shm_size(seg), iters, &rate) < 0)
        return mp_task_fail(task, MP_ESYS, "reading the segment: %s", strerror(errno));
    return mp_task_return(task, &rate, sizeof rate);
}

static double measure_mp_shm_read_child(const bench_metric_t *m, int iters)
{
    mp_process_t *p;
    bench_check(
        mp_process_create(
            &p, &(mp_process_opts_t){.task = "shm_reader", MP_ARG_I64(iters), MP_OBJECTS(shm)}),
        "mp_process_create");
    bench_check(mp_process_start(p), "mp_process_start");
    bench_check(mp_process_join(p, MP_FOREVER), "mp_process_join");
    const void *bytes;
    size_t len;
    bench_check(mp_process_result(p, &bytes, &len), "mp_process_result");
    double rate;
    if (len != sizeof rate)
        bench_die("%s: the child returned %zu bytes", m->name, len);
    memcpy(&rate, bytes, sizeof rate);
    mp_process_destroy(p);
    return rate;
}

/* The raw segments' names: ours alone (pid), unlinked at exit. */
static char raw_read_name[64], raw_cold_name[64];
static pid_t main_pid;

static void unlink_raw_names(void)
{
    /* Only the process that made them: a fork child that calls exit()
     * must not take them away. */
    if (getpid() != main_pid)
        return;
    if (raw_read_name[0])
        shm_unlink(raw_read_name);
    if (raw_cold_name[0])
        shm_unlink(raw_cold_name);
}

/* shm_open + ftruncate + mmap of `name`, created when `create`. */
static unsigned char *raw_shm_map(const char *name, bool create, int prot)
{
    int fd = create ? shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600)
                    : shm_open(name, prot & PROT_WRITE ? O_RDWR : O_RDONLY, 0);
    if (fd < 0)
        bench_die_errno("shm_open", errno);
    if (create && ftruncate(fd, (off_t)shm_bytes) < 0)
        bench_die_errno("ftruncate", errno);
    void *p = mmap(NULL, shm_bytes, prot, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        bench_die_errno("mmap", errno);
    close(fd);
    return p;
}

static double measure_raw_shm_read_child(const bench_metric_t *m, int iters)
{
    int fds[2];
    if (pipe(fds) < 0)
        bench_die_errno("pipe", errno);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        bench_die_errno("fork", errno);
    if (pid == 0) {
        /* By name, as an unrelated process would (the anchors' way). */
        const unsigned char *data = raw_shm_map(raw_read_name, false, PROT_READ);
        double rate;
        if (read_segment(data, shm_bytes, iters, &rate) < 0 ||
            write(fds[1], &rate, sizeof rate) != (ssize_t)sizeof rate)
            _exit(3);
        _exit(0);
    }
    close(fds[1]);
    double rate;
    ssize_t got;
    while ((got = read(fds[0], &rate, sizeof rate)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    bench_reap(pid);
    if (got != (ssize_t)sizeof rate)
        bench_die("%s: no rate from the child", m->name);
    return rate;
}

/* A cold segment of shm_bytes: made (its handle in *handle) and mapped,
 * then taken away. */
typedef struct cold_ops {
    unsigned char *(*create)(void **handle);
    void (*destroy)(void *handle, unsigned char *data);
} cold_ops_t;

/* `iters` times: create a segment and write it once, timed; check and
 * destroy it, untimed. */
static double cold_rate(const bench_metric_t *m, int iters, const cold_ops_t *ops)
{
    double us = 0;
    for (int i = 0; i < iters; i++) {
        double t0 = bench_now_us();
        void *handle;
        unsigned char *p = ops->create(&handle);
        memcpy(p, src, shm_bytes);
        bench_clobber(p);
        us += bench_now_us() - t0;
        check_filled(p, shm_bytes, m->name);
        ops->destroy(handle, p);
    }
    return (double)iters * (double)shm_bytes / us / 1e3;
}

static unsigned char *raw_cold_create(void **handle)
{
    *handle = NULL;
    return raw_shm_map(raw_cold_name, true, PROT_READ | PROT_WRITE);
}

static void raw_cold_destroy(void *handle, unsigned char *data)
{
    (void)handle;
    munmap(data, shm_bytes);
    shm_unlink(raw_cold_name);
}

static unsigned char *mp_cold_create(void **handle)
{
    mp_shm_t *s;
    bench_check(mp_shm_create(&s, &(mp_shm_opts_t){.size = shm_bytes}), "mp_shm_create");
    *handle = s;
    return mp_shm_data(s);
}

static void mp_cold_destroy(void *handle, unsigned char *data)
{
    (void)data;
    bench_check(mp_shm_unlink(handle), "mp_shm_unlink");
    mp_shm_destroy(handle);
}

static unsigned char *apr_cold_create(void **handle)
{
    apr_shm_t *s;
    if (apr_shm_create(&s, shm_bytes, NULL, apr_pool) != APR_SUCCESS)
        bench_die("apr_shm_create of %zu bytes failed", shm_bytes);
    *handle = s;
    return apr_shm_baseaddr_get(s);
}

static void apr_cold_destroy(void *handle, unsigned char *data)
{
    (void)data;
    apr_shm_destroy(handle);
}

static double measure_raw_shm_create_cold(const bench_metric_t *m, int iters)
{
    return cold_rate(m, iters, &(cold_ops_t){raw_cold_create, raw_cold_destroy});
}

static double measure_mp_shm_create_cold(const bench_metric_t *m, int iters)
{
    return cold_rate(m, iters, &(cold_ops_t){mp_cold_create, mp_cold_destroy});
}

static double measure_apr_shm_create_cold(const bench_metric_t *m, int iters)
{
    return cold_rate(m, iters, &(cold_ops_t){apr_cold_create, apr_cold_destroy});
}

/* ---- tables --------------------------------------------------------------- */

static const mp_task_def_t tasks[] = {MP_TASK(incr_worker), MP_TASK(shm_reader), MP_TASK_END};

/* A non-NULL arg selects a variant (see each measure function). */
#define VARIANT ((const void *)1)

/* In the order each round measures them; the side ones and CPython's last. */
/* clang-format off */
static bench_metric_t metrics[] = {
    {.name = "raw_mutex_pshared_uncontended", .unit = "ns", .measure = measure_raw_uncontended},
    {.name = "raw_mutex_robust_uncontended", .unit = "ns", .measure = measure_raw_uncontended,
     .arg = VARIANT},
    {.name = "mp_lock_uncontended", .unit = "ns", .measure = measure_mp_lock_uncontended},
    {.name = "mp_rlock_uncontended", .unit = "ns", .measure = measure_mp_rlock_uncontended},
    {.name = "apr_proc_mutex_uncontended", .unit = "ns", .measure = measure_apr_uncontended},
#ifdef MP_BENCH_BOOST
    {.name = "boost_mutex_uncontended", .unit = "ns", .measure = measure_boost_uncontended},
#endif
    {.name = "raw_mutex_contended_incr", .unit = "ns", .measure = measure_raw_contended,
     .arg = &two, .size_class = INCREMENTS},
    {.name = "mp_lock_contended_incr", .unit = "ns", .measure = measure_mp_contended,
     .arg = &two, .size_class = INCREMENTS},
    {.name = "mp_value_rlock_contended_incr", .unit = "ns", .measure = measure_mp_contended,
     .arg = &two_value, .size_class = INCREMENTS},
    {.name = "apr_proc_mutex_contended_incr", .unit = "ns", .measure = measure_apr_contended,
     .arg = &two, .size_class = INCREMENTS},
#ifdef MP_BENCH_BOOST
    {.name = "boost_mutex_contended_incr", .unit = "ns", .measure = measure_boost_contended,
     .arg = &two, .size_class = INCREMENTS},
#endif
    {.name = "raw_mutex_4procs_contended_incr", .unit = "ns", .measure = measure_raw_contended,
     .arg = &four, .size_class = INCREMENTS},
    {.name = "mp_lock_4procs_contended_incr", .unit = "ns", .measure = measure_mp_contended,
     .arg = &four, .size_class = INCREMENTS},
    {.name = "raw_mutex_8procs_contended_incr", .unit = "ns", .measure = measure_raw_contended,
     .arg = &eight, .size_class = INCREMENTS},
    {.name = "mp_lock_8procs_contended_incr", .unit = "ns", .measure = measure_mp_contended,
     .arg = &eight, .size_class = INCREMENTS},
    {.name = "raw_memcpy", .unit = "GB/s", .measure = measure_raw_memcpy, .size_class = COPIES},
    {.name = "mp_shm_write", .unit = "GB/s", .measure = measure_mp_shm_write,
     .size_class = COPIES},
    {.name = "apr_shm_write", .unit = "GB/s", .measure = measure_apr_shm_write,
     .size_class = COPIES},
    {.name = "raw_shm_read_child", .unit = "GB/s", .measure = measure_raw_shm_read_child,
     .size_class = COPIES},
    {.name = "mp_shm_read_child", .unit = "GB/s", .measure = measure_mp_shm_read_child,
     .size_class = COPIES},
    {.name = "raw_shm_create_cold", .unit = "GB/s", .measure = measure_raw_shm_create_cold,
     .size_class = CREATES},
    {.name = "mp_shm_create_cold", .unit = "GB/s", .measure = measure_mp_shm_create_cold,
     .size_class = CREATES},
    {.name = "apr_shm_create_cold", .unit = "GB/s", .measure = measure_apr_shm_create_cold,
     .size_class = CREATES},
    {.name = "raw_mutex_contended_handoff_pct", .unit = "%"},
    {.name = "mp_lock_contended_handoff_pct", .unit = "%"},
    {.name = "mp_value_rlock_contended_handoff_pct", .unit = "%"},
    {.name = "apr_proc_mutex_contended_handoff_pct", .unit = "%"},
#ifdef MP_BENCH_BOOST
    {.name = "boost_mutex_contended_handoff_pct", .unit = "%"},
#endif
    {.name = "raw_mutex_4procs_contended_handoff_pct", .unit = "%"},
    {.name = "mp_lock_4procs_contended_handoff_pct", .unit = "%"},
    {.name = "raw_mutex_8procs_contended_handoff_pct", .unit = "%"},
    {.name = "mp_lock_8procs_contended_handoff_pct", .unit = "%"},
    {.name = "cpython_lock_uncontended", .unit = "ns"},
    {.name = "cpython_loop_2calls_ref", .unit = "ns"},
    {.name = "cpython_contended_incr", .unit = "ns"},
    {.name = "cpython_shm_write", .unit = "GB/s"},
    {.name = "cpython_shm_read_child", .unit = "GB/s"},
    {.name = "cpython_shm_create_cold", .unit = "GB/s"},
};
/* clang-format on */

/* The numbers of shared/anchors/RESULTS.md, measured on the same kind of
 * machine: printed for reference, never used in a ratio. */
static const bench_anchor_t anchors[] = {
    {"mutex_pshared_uncontended", 18.9, "ns", "raw_mutex_pshared_uncontended"},
    {"mutex_pshared_robust_uncontended", 26.0, "ns", "raw_mutex_robust_uncontended"},
    {"lock_uncontended (CPython)", 69.5, "ns", "cpython_lock_uncontended"},
    {"python_loop_2calls_ref (CPython)", 69.9, "ns", "cpython_loop_2calls_ref"},
    {"mutex_pshared_contended_incr", 61.9, "ns", "raw_mutex_contended_incr"},
    {"mutex_pshared_contended_incr_handoff_pct", 11.8, "%", "raw_mutex_contended_handoff_pct"},
    {"lock_contended_incr (CPython)", 1564, "ns", "cpython_contended_incr"},
    {"memcpy_256MiB", 10.9, "GB/s", "raw_memcpy"},
    {"shm_warm_write_256MiB", 11.3, "GB/s", "mp_shm_write"},
    {"shm_read_child_256MiB", 12.7, "GB/s", "raw_shm_read_child"},
    {"shm_create_cold_write_256MiB", 1.46, "GB/s", "raw_shm_create_cold"},
    {"shm_write (CPython, numpy)", 11.2, "GB/s", "cpython_shm_write"},
    {"shm_read_child (CPython, numpy)", 10.9, "GB/s", "cpython_shm_read_child"},
    {"shm_write_cold (CPython, numpy)", 1.45, "GB/s", "cpython_shm_create_cold"},
};

/* Goals from bench/README.md: a time at most `goal` times the raw one, a
 * rate at least `goal` times; the rows without a goal inform. */
static const bench_ratio_t ratios[] = {
    {"mp_lock_uncontended", "raw_mutex_pshared_uncontended", 1.0, false},
    {"mp_rlock_uncontended", "raw_mutex_pshared_uncontended", 0, false},
    {"mp_lock_uncontended", "raw_mutex_robust_uncontended", 0, false},
    {"mp_rlock_uncontended", "raw_mutex_robust_uncontended", 0, false},
    {"mp_lock_uncontended", "apr_proc_mutex_uncontended", 0, false},
#ifdef MP_BENCH_BOOST
    {"mp_lock_uncontended", "boost_mutex_uncontended", 0, false},
#endif
    {"cpython_lock_uncontended", "mp_lock_uncontended", 0, false},
    {"cpython_lock_uncontended", "raw_mutex_pshared_uncontended", 0, false},
    {"mp_lock_contended_incr", "raw_mutex_contended_incr", 1.5, false},
    {"mp_lock_4procs_contended_incr", "raw_mutex_4procs_contended_incr", 0, false},
    {"mp_lock_8procs_contended_incr", "raw_mutex_8procs_contended_incr", 0, false},
    {"mp_value_rlock_contended_incr", "raw_mutex_contended_incr", 0, false},
    {"mp_lock_contended_incr", "apr_proc_mutex_contended_incr", 0, false},
#ifdef MP_BENCH_BOOST
    {"mp_lock_contended_incr", "boost_mutex_contended_incr", 0, false},
#endif
    {"cpython_contended_incr", "mp_lock_contended_incr", 0, false},
    {"cpython_contended_incr", "raw_mutex_contended_incr", 0, false},
    {"mp_shm_write", "raw_memcpy", 0.95, true},
    {"mp_shm_read_child", "raw_memcpy", 0.95, true},
    {"mp_shm_read_child", "raw_shm_read_child", 0, true},
    {"mp_shm_create_cold", "raw_shm_create_cold", 0, true},
    {"mp_shm_write", "apr_shm_write", 0, true},
    {"mp_shm_create_cold", "apr_shm_create_cold", 0, true},
    {"mp_shm_write", "cpython_shm_write", 0, true},
    {"mp_shm_read_child", "cpython_shm_read_child", 0, true},
    {"mp_shm_create_cold", "cpython_shm_create_cold", 0, true},
};

/* clang-format off */
static const bench_report_t report = {
    .anchors = anchors, .nanchors = sizeof anchors / sizeof anchors[0],
    .ratios = ratios, .nratios = sizeof ratios / sizeof ratios[0],
};
/* clang-format on */

/* ---- main ------------------------------------------------------------------ */

/* Everything the metrics use, made once: objects, buffers, segments. */
static void setup(void)
{
    raw = map_shared(sizeof *raw);
    init_raw_mutex(&raw->mutex, false);
    init_raw_mutex(&raw->robust, true);
#ifdef MP_BENCH_BOOST
    if (boost_sync_mutex_size() > sizeof raw->boost || boost_sync_mutex_init(raw->boost) != 0)
        bench_die("Boost's interprocess_mutex: %zu bytes, or it threw", boost_sync_mutex_size());
#endif

    bench_check(mp_lock_create(&lock, NULL), "mp_lock_create");
    bench_check(mp_rlock_create(&rlock, NULL), "mp_rlock_create");
    mp_value_opts_t three = {.type = MP_INT64, .length = 3, .raw = true};
    bench_check(mp_value_create(&counters, &three), "mp_value_create");
    three.raw = false;
    bench_check(mp_value_create(&synced, &three), "mp_value_create");
    bench_check(mp_event_create(&go, NULL), "mp_event_create");
    bench_check(mp_semaphore_create(&ready, &(mp_semaphore_opts_t){.value = 0}),
                "mp_semaphore_create");

    /* Every buffer written once: the copies measured find their pages. */
    src = private_buffer(shm_bytes);
    dst = private_buffer(shm_bytes);
    memset(src, FILL, shm_bytes);
    memset(dst, 0, shm_bytes);
    bench_check(mp_shm_create(&shm, &(mp_shm_opts_t){.size = shm_bytes}), "mp_shm_create");
    memcpy(mp_shm_data(shm), src, shm_bytes);

    /* APR's own, as a program using APR makes them (anonymous segment). */
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&apr_pool, NULL) != APR_SUCCESS ||
        apr_proc_mutex_create(&apr_mutex, NULL, APR_LOCK_DEFAULT, apr_pool) != APR_SUCCESS ||
        apr_shm_create(&apr_segment, shm_bytes, NULL, apr_pool) != APR_SUCCESS)
        bench_die("APR: a pool, a proc mutex or a segment of %zu bytes failed", shm_bytes);
    memcpy(apr_shm_baseaddr_get(apr_segment), src, shm_bytes);

    main_pid = getpid();
    snprintf(raw_read_name, sizeof raw_read_name, "/bench_sync.%d.read", (int)main_pid);
    snprintf(raw_cold_name, sizeof raw_cold_name, "/bench_sync.%d.cold", (int)main_pid);
    atexit(unlink_raw_names);
    unsigned char *r = raw_shm_map(raw_read_name, true, PROT_READ | PROT_WRITE);
    memcpy(r, src, shm_bytes);
    munmap(r, shm_bytes); /* the children map it by name */
}

int main(int argc, char **argv)
{
    bench_init("bench_sync");
    /* First, so that spawn and forkserver children branch off here. */
    bench_check(mp_init(&argc, &argv, tasks), "mp_init");

    bench_options_t opts = {.python_script = MP_BENCH_PY_SCRIPT};
    bench_parse_options(argc, argv, &opts);
    bench_set_metrics(metrics, sizeof metrics / sizeof metrics[0]);

    /* As many as the anchors' raw_limits.c does: a sample takes about 0.1 s
     * or more, long enough to average out the timer and a wake-up or two. */
    const int iters[NCLASSES] = {
        [LOCK_PAIRS] = opts.quick ? 20000 : 10000000,
        [INCREMENTS] = opts.quick ? 10000 : 2000000,
        [COPIES] = opts.quick ? 2 : 4,
        [CREATES] = 1,
    };
    shm_bytes = (size_t)(opts.quick ? 16 : 256) << 20;
    /* CPython's loop is some 50 times slower per increment: fewer of them. */
    const int py_lock = opts.quick ? 10000 : 1000000, py_incr = opts.quick ? 2000 : 200000;
    char py_args[160];
    snprintf(py_args, sizeof py_args, "--iters-lock %d --iters-incr %d --shm-mib %zu --copies %d",
             py_lock, py_incr, shm_bytes >> 20, iters[COPIES]);

    bench_python_t py;
    bench_python_setup(&py, &opts);
    const char *method;
    bench_check(mp_get_start_method(&method, false), "mp_get_start_method");

    printf("# bench_sync: locks and shared memory, multiproc %s, %d CPUs, children by %s\n",
           mp_version(), mp_cpu_count(), method);
    printf("# %d rounds, each measures every metric once; a sample is %d acquire+release pairs, "
           "2 x %d contended increments, %d copies of %zu MiB%s\n",
           opts.rounds, iters[LOCK_PAIRS], iters[INCREMENTS], iters[COPIES], shm_bytes >> 20,
           opts.quick ? " (--quick: not a measurement)" : "");
    bench_print_load("at start");

    setup();
    bench_run(&(bench_plan_t){
        .rounds = opts.rounds, .iters = iters, .warmup_iters = 1, .py = &py, .py_args = py_args});
    if (py.version[0])
        printf("# %s: a sample is %d acquire+release pairs, 2 x %d contended increments\n",
               py.version, py_lock, py_incr);
    bench_print_load("at end");

    bench_print_report(&report, &py);
    if (opts.tsv) {
        bench_write_tsv(opts.tsv, &report);
        printf("# wrote %s\n", opts.tsv);
    }
    return 0;
}
