#!/usr/bin/env python3
"""CPython's concurrent.futures executors: the CPython side of bench_executor.

bench_executor (bench/bench_executor.c) runs it once per round (--rounds 1),
in the same run as its own measurements; it also runs on its own:

    python3 bench/python_executor.py [--rounds 7] [--burst 20000] [--one 2000]
                                     [--map 1000000]

Both executors have 2 workers, as the anchors' (shared/anchors/
mp_bench_impl.py, b_executor_submit and b_executor_map); the process
executor's are started by fork, as there. Each executor is made, and its
workers started by 100 tasks, outside the timed part. The task is
square(x) = x * x, and every result is checked.

  cpython_submit_burst          Mtasks/s  ProcessPoolExecutor: submit
                                          --burst tasks, then result() of
                                          each (the anchors' executor_submit)
  cpython_submit_one_at_a_time  Mtasks/s  submit(square, i).result(), --one
                                          times
  cpython_map_chunk1000         Mtasks/s  list(map(square, range(--map),
                                          chunksize=1000)) (the anchors'
                                          executor_map_chunk1000)
  cpython_thread_submit_burst, cpython_thread_submit_one_at_a_time
                                Mtasks/s  the first two on a
                                          ThreadPoolExecutor(2)

It prints one line per metric in bench_executor's format, `name median min
max unit` (after a `# CPython <version>` line), the statistics taken over
the rounds.
"""
import argparse
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

WORKERS = 2
WARMUP = 100


def square(x):
    return x * x


def check(results, n, what):
    if len(results) != n or any(y != i * i for i, y in enumerate(results)):
        sys.exit(f"python_executor: {what}: a wrong result")


def burst(ex, n):
    """Tasks per second: n submits, then every result."""
    t0 = time.perf_counter()
    futures = [ex.submit(square, i) for i in range(n)]
    results = [f.result() for f in futures]
    dt = time.perf_counter() - t0
    check(results, n, "burst")
    return n / dt


def one_at_a_time(ex, n):
    """Tasks per second: submit, wait for the result, repeat."""
    t0 = time.perf_counter()
    results = [ex.submit(square, i).result() for i in range(n)]
    dt = time.perf_counter() - t0
    check(results, n, "one at a time")
    return n / dt


def map_chunk1000(ex, n):
    """Tasks per second of a map with chunksize 1000, every result read."""
    t0 = time.perf_counter()
    results = list(ex.map(square, range(n), chunksize=1000))
    dt = time.perf_counter() - t0
    check(results, n, "map")
    return n / dt


def warm(ex):
    """Start the workers and everything else the first tasks pay for."""
    [f.result() for f in [ex.submit(square, i) for i in range(WARMUP)]]


def one_round(args, samples):
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("fork")) as ex:
        warm(ex)
        samples["cpython_submit_burst"].append(burst(ex, args.burst) / 1e6)
        samples["cpython_submit_one_at_a_time"].append(one_at_a_time(ex, args.one) / 1e6)
        samples["cpython_map_chunk1000"].append(map_chunk1000(ex, args.map) / 1e6)
    with ThreadPoolExecutor(WORKERS) as ex:
        warm(ex)
        samples["cpython_thread_submit_burst"].append(burst(ex, args.burst) / 1e6)
        samples["cpython_thread_submit_one_at_a_time"].append(one_at_a_time(ex, args.one) / 1e6)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--burst", type=int, default=20_000, help="tasks per burst")
    ap.add_argument("--one", type=int, default=2_000, help="tasks one at a time")
    ap.add_argument("--map", type=int, default=1_000_000, help="tasks per map")
    args = ap.parse_args()
    if args.rounds < 1 or min(args.burst, args.one, args.map) < 1:
        ap.error("--rounds and the task counts must be >= 1")
    print(f"# CPython {sys.version.split()[0]} ({sys.executable})", flush=True)

    names = ["cpython_submit_burst", "cpython_submit_one_at_a_time", "cpython_map_chunk1000",
             "cpython_thread_submit_burst", "cpython_thread_submit_one_at_a_time"]
    samples = {name: [] for name in names}
    for _ in range(args.rounds):
        one_round(args, samples)

    for name in names:
        s = samples[name]
        print(f"{name} {statistics.median(s):.6f} {min(s):.6f} {max(s):.6f} Mtasks/s",
              flush=True)


if __name__ == "__main__":
    main()
