/**
 * @file bench_pin.h
 * @brief The `_samecpu` metrics' pinning (bench_conn, bench_manager): every
 *        process of a two-process exchange on one CPU, so that what is
 *        measured is the exchange's own cost and not where the scheduler
 *        put the two wake-ups (on a 2-vCPU guest a wake-up that crosses to
 *        the other, idle, vCPU costs several times one on the same vCPU).
 *
 * Build with _GNU_SOURCE (sched_setaffinity() and CPU_SET are GNU
 * extensions); bench/CMakeLists.txt does.
 */
#ifndef BENCH_PIN_H
#define BENCH_PIN_H

#include <stdbool.h>
#include <sys/types.h>

/**
 * @brief Remember this process's own affinity (what bench_pin_parent()
 *        gives back) and choose the CPU to pin to: the first one it may
 *        run on. Call once, before any pinning.
 */
void bench_pin_init(void);

/** @brief The CPU the `_samecpu` metrics pin to. */
int bench_pin_cpu(void);

/**
 * @brief Pin thread (or process) `tid` to `cpu`; 0 is the calling thread.
 * @return false, with errno, on failure.
 */
bool bench_pin_thread(pid_t tid, int cpu);

/** @brief The parent's side: pin (`pinned`) before its children start,
 *         or give it back its own affinity; exits on failure. */
void bench_pin_parent(bool pinned);

/**
 * @brief Pin every thread of process `pid` (`/proc/PID/task`) to `cpu`: a
 *        server with a thread per client. A thread started later inherits
 *        the affinity of the thread that starts it. Exits on failure.
 */
void bench_pin_process(pid_t pid, int cpu);

#endif /* BENCH_PIN_H */
