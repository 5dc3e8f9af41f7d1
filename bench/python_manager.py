#!/usr/bin/env python3
"""CPython's multiprocessing.Manager(): the CPython side of bench_manager.

bench_manager (bench/bench_manager.c) runs it once per round (--rounds 1),
in the same run as its own measurements; it also runs on its own:

    python3 bench/python_manager.py [--rounds 7] [--pairs 20000]

The loop of shared/anchors/mp_bench_impl.py (b_manager_dict), whose number
the anchors quote (manager_dict_setget, 29.9k ops/s): `with Manager() as m:
d = m.dict()`, a child started by fork (outside the timed part) does

    d[i % 64] = i
    v = d[i % 64]

`--pairs` times after 100 untimed pairs, timing itself, and sends its time
back through a Pipe; each set and each get is one operation (one round trip
to the manager's server process):

  cpython_manager_dict_setget  ops/s  2 * pairs / the child's time

It prints one line per metric in bench_manager's format, `name median min
max unit` (after a `# CPython <version>` line), the statistics taken over
the rounds, after one unmeasured warm-up.
"""
import argparse
import multiprocessing
import statistics
import sys
import time

KEYS = 64  # d[i % 64], as the anchors and bench_manager
WARMUP = 100  # untimed set+get pairs first, as bench_manager


def _client(d, pairs, conn):
    for i in range(WARMUP):
        d[i % KEYS] = i
        d[i % KEYS]
    t0 = time.perf_counter()
    v = None
    for i in range(pairs):
        d[i % KEYS] = i
        v = d[i % KEYS]
        if v != i:
            break
    dt = time.perf_counter() - t0
    conn.send((dt, v))


def setget(pairs):
    """ops/s of dict set and get from a child through a manager proxy."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Manager() as m:
        d = m.dict()
        a, b = ctx.Pipe()
        p = ctx.Process(target=_client, args=(d, pairs, b))
        p.start()
        dt, v = a.recv()
        p.join()
        if p.exitcode != 0 or v != pairs - 1 or d[(pairs - 1) % KEYS] != pairs - 1:
            sys.exit("python_manager: the dict does not hold what the child set")
    return 2 * pairs / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--pairs", type=int, default=20_000)
    args = ap.parse_args()
    if min(args.rounds, args.pairs) < 1:
        ap.error("every count must be >= 1")

    setget(100)  # warm-up, not measured, as bench_manager warms up
    samples = [setget(args.pairs) for _ in range(args.rounds)]

    print(f"# CPython {sys.version.split()[0]} ({sys.executable})")
    print(f"cpython_manager_dict_setget {statistics.median(samples):.1f} {min(samples):.1f} "
          f"{max(samples):.1f} ops/s", flush=True)


if __name__ == "__main__":
    main()
