/**
 * @file bench_raw_tasks.h
 * @brief The raw limit of tiny tasks, shared by bench_executor and
 *        bench_pool: two SPSC rings in shared memory and a worker process
 *        forked by a helper.
 *
 * task_rings() of shared/anchors/raw_limits.c, the anchors' limit for an
 * executor's or a pool's tiny tasks: the benchmark writes 8-byte tasks into
 * one ring in MAP_SHARED memory, a fork()ed worker takes each and writes
 * x*x into a second ring; each position is published with one release
 * store and read with an acquire load; a waiting side spins (PAUSE) about
 * 5 us, then yields its CPU each time round. Changed from raw_limits: the
 * first tasks are not timed (the child's start, its first faults), the
 * worker leaves when the benchmark is gone rather than spin for ever, and
 * it is forked by a helper process, not by the benchmark itself.
 *
 * Why a helper: a fork() marks every private page of the forking process
 * copy-on-write, and its next write to each page faults, even after the
 * child has gone. Forked from the benchmark, a raw child would make the
 * next burst of futures or results pay one fault for every page of heap
 * the previous one left (some 17,000 pages for 100,000 futures, at 15 to
 * 40 us a fault in this VM): a cost of the benchmark, not of the library.
 * So the helper is forked at start, while the heap is small, and forks the
 * raw children on order, through a pipe. A program may give it children
 * of its own kinds too (bench_executor's CPU-bound pair).
 *
 * Build with _GNU_SOURCE (MAP_ANONYMOUS, kill).
 */
#ifndef BENCH_RAW_TASKS_H
#define BENCH_RAW_TASKS_H

#include <stdint.h>

#include "bench_common.h"

/** Tasks in flight of the two raw metrics: raw_limits' windows (up to 512,
 *  what a map or a burst can reach; one, submit-wait-repeat). */
extern const uint64_t bench_raw_pipelined_window, bench_raw_one_window;

/**
 * @brief A child of the program's own kind, run in a process the helper
 *        forked: child `k` of `children` of an order of `kind` with `n`.
 * @return its exit code (0: it did its work right).
 */
typedef int (*bench_raw_child_fn)(int kind, int k, int64_t n);

/**
 * @brief Map the rings, calibrate the spin, fork the helper. Call it once,
 *        early (while the heap is small), after setting whatever the
 *        program's children read, which they inherit.
 * @param child runs the children of the program's own order kinds (those
 *        of bench_raw_order()); may be NULL when it has none.
 */
void bench_raw_start(bench_raw_child_fn child);

/**
 * @brief Have the helper fork `children` children of the program's `kind`
 *        (>= 1), each running child(kind, k, n); wait for them with
 *        bench_raw_done().
 */
void bench_raw_order(int kind, int children, int64_t n);

/** @brief Wait until the children of the last order have been reaped;
 *         exit(1) naming metric `m` unless each exited with 0. */
void bench_raw_done(const bench_metric_t *m);

/**
 * @brief One sample of the raw tasks: the benchmark keeps up to `*m->arg`
 *        (a uint64_t window) tasks in flight through a fresh raw worker,
 *        checks every result, and times `iters` tasks after the first
 *        untimed ones. Under the watchdog (bench_watch()).
 * @return the rate in million tasks per second.
 */
double bench_raw_tasks(const bench_metric_t *m, int iters);

#endif /* BENCH_RAW_TASKS_H */
