#!/usr/bin/env python3
"""CPython's multiprocessing.Pool: the CPython side of bench_pool.

bench_pool (bench/bench_pool.c) runs it once per round (--rounds 1), in
the same run as its own measurements; it also runs on its own:

    python3 bench/python_pool.py [--rounds 7] [--map 1000000]
                                 [--chunk1 20000] [--imap 1000000]
                                 [--imap-chunksize 100]

The pool has 2 workers started by fork, as the anchors' (shared/anchors/
mp_bench_impl.py, b_pool_map_small_fork, b_pool_map_chunk1_fork,
b_pool_imap_fork). It is made, and its workers started by a map of 1000,
outside the timed part. The task is square(x) = x * x, and every result is
checked.

  cpython_pool_imap           Mtasks/s  imap(square, a generator of --imap
                                        items, chunksize=--imap-chunksize),
                                        each result taken in order
  cpython_pool_imap_peak_rss  MiB       this process's peak resident size
                                        (ru_maxrss) after that imap, which
                                        runs first (3.11's imap has no
                                        buffersize: its task thread reads
                                        the input as fast as the pipe to
                                        the workers takes it)
  cpython_pool_map_auto       Mtasks/s  map(square, range(--map)), automatic
                                        chunksize (the anchors' 200,000)
  cpython_pool_map_chunk1     Mtasks/s  map(square, range(--chunk1),
                                        chunksize=1)

It prints one line per metric in bench_pool's format, `name median min max
unit` (after a `# CPython <version>` line), the statistics taken over the
rounds.
"""
import argparse
import multiprocessing
import resource
import statistics
import sys
import time

WORKERS = 2
WARMUP = 1000


def square(x):
    return x * x


def check(results, n, what):
    if len(results) != n or any(y != i * i for i, y in enumerate(results)):
        sys.exit(f"python_pool: {what}: a wrong result")


def pool_map(pool, n, chunksize=None):
    """Tasks per second of a map, every result read."""
    t0 = time.perf_counter()
    results = pool.map(square, range(n), chunksize)
    dt = time.perf_counter() - t0
    check(results, n, "map")
    return n / dt


def counting(n):
    """0, 1, ... n-1, one at a time (the C side's iterator callback)."""
    i = 0
    while i < n:
        yield i
        i += 1


def pool_imap(pool, n, chunksize):
    """Tasks per second of an imap over a generator, results in order."""
    t0 = time.perf_counter()
    want = 0
    for y in pool.imap(square, counting(n), chunksize):
        if y != want * want:
            sys.exit(f"python_pool: imap: result {want} is wrong")
        want += 1
    dt = time.perf_counter() - t0
    if want != n:
        sys.exit(f"python_pool: imap: {want} results of {n}")
    return n / dt


def peak_rss_mib():
    """ru_maxrss is in KiB on Linux."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_round(args, samples):
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        pool.map(square, range(WARMUP))
        samples["cpython_pool_imap"].append(pool_imap(pool, args.imap, args.imap_chunksize) / 1e6)
        samples["cpython_pool_imap_peak_rss"].append(peak_rss_mib())
        samples["cpython_pool_map_auto"].append(pool_map(pool, args.map) / 1e6)
        samples["cpython_pool_map_chunk1"].append(pool_map(pool, args.chunk1, 1) / 1e6)


UNITS = {"cpython_pool_map_auto": "Mtasks/s", "cpython_pool_map_chunk1": "Mtasks/s",
         "cpython_pool_imap": "Mtasks/s", "cpython_pool_imap_peak_rss": "MiB"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--map", type=int, default=1_000_000, help="tasks per map")
    ap.add_argument("--chunk1", type=int, default=20_000, help="tasks per map with chunksize 1")
    ap.add_argument("--imap", type=int, default=1_000_000, help="tasks per imap")
    ap.add_argument("--imap-chunksize", type=int, default=100, help="imap's chunksize")
    args = ap.parse_args()
    if args.rounds < 1 or min(args.map, args.chunk1, args.imap, args.imap_chunksize) < 1:
        ap.error("--rounds, the task counts and the chunksize must be >= 1")
    print(f"# CPython {sys.version.split()[0]} ({sys.executable})", flush=True)

    samples = {name: [] for name in UNITS}
    for _ in range(args.rounds):
        one_round(args, samples)

    for name, unit in UNITS.items():
        s = samples[name]
        print(f"{name} {statistics.median(s):.6f} {min(s):.6f} {max(s):.6f} {unit}", flush=True)


if __name__ == "__main__":
    main()
