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
  cpython_manager_dict_setget_samecpu  ops/s  the same with the parent
                               pinned to the first CPU this one may use
                               before the manager starts (its server and
                               the child, both forked, inherit it)

It prints one line per metric in bench_manager's format, `name median min
max unit` (after a `# CPython <version>` line), the statistics taken over
the rounds, after one unmeasured warm-up.
"""
import argparse
import multiprocessing
import os
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


def setget(pairs, samecpu=False):
    """ops/s of dict set and get from a child through a manager proxy;
    every process on one CPU if `samecpu`."""
    ctx = multiprocessing.get_context("fork")
    saved = os.sched_getaffinity(0)
    if samecpu:
        os.sched_setaffinity(0, {min(saved)})
    with ctx.Manager() as m:
        d = m.dict()
        a, b = ctx.Pipe()
        p = ctx.Process(target=_client, args=(d, pairs, b))
        p.start()
        dt, v = a.recv()
        p.join()
        if p.exitcode != 0 or v != pairs - 1 or d[(pairs - 1) % KEYS] != pairs - 1:
            sys.exit("python_manager: the dict does not hold what the child set")
    os.sched_setaffinity(0, saved)
    return 2 * pairs / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--pairs", type=int, default=20_000)
    args = ap.parse_args()
    if min(args.rounds, args.pairs) < 1:
        ap.error("every count must be >= 1")

    names = ["cpython_manager_dict_setget", "cpython_manager_dict_setget_samecpu"]
    samples = {name: [] for name in names}
    setget(100)  # warm-up, not measured, as bench_manager warms up
    for _ in range(args.rounds):
        samples[names[0]].append(setget(args.pairs))
        samples[names[1]].append(setget(args.pairs, samecpu=True))

    print(f"# CPython {sys.version.split()[0]} ({sys.executable})")
    for name in names:
        s = samples[name]
        print(f"{name} {statistics.median(s):.1f} {min(s):.1f} {max(s):.1f} ops/s", flush=True)


if __name__ == "__main__":
    main()
