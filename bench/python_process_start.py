#!/usr/bin/env python3
"""CPython's multiprocessing.Process start+join latency, per start method.

The CPython side of bench_process (bench/bench_process.c), which runs it in
the same run as its own measurements; it also runs on its own:

    python3 bench/python_process_start.py [--rounds 7] [--iters-fork 100]
        [--iters-spawn 20] [--iters-forkserver 50] [--methods fork,spawn,...]

For each method it times Process(target=empty).start() + join() over N
iterations (after one warm-up start+join, which for forkserver starts the
server and for spawn warms the page cache), once per round, rounds
interleaved across methods. It prints one line per method in bench_process's
format, `name median min max unit` (after a `# CPython <version>` line), the statistics taken over the rounds of
the per-iteration mean, in microseconds:

    cpython_fork 1730.2 1581.0 2020.4 us
"""
import argparse
import multiprocessing
import statistics
import sys
import time


def empty():
    """The child's whole work: nothing, so only start and join are timed."""


def start_join_mean_us(ctx, iters):
    """Mean microseconds of one Process start() + join() under ctx."""
    t0 = time.perf_counter()
    for _ in range(iters):
        p = ctx.Process(target=empty)
        p.start()
        p.join()
        if p.exitcode != 0:
            sys.exit(f"python_process_start: child exit code {p.exitcode}")
    return (time.perf_counter() - t0) / iters * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iters-fork", type=int, default=100)
    ap.add_argument("--iters-spawn", type=int, default=20)
    ap.add_argument("--iters-forkserver", type=int, default=50)
    ap.add_argument("--methods", default="fork,spawn,forkserver",
                    help="comma-separated; methods this platform lacks are skipped")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be >= 1")

    available = multiprocessing.get_all_start_methods()
    iters = {"fork": args.iters_fork, "spawn": args.iters_spawn,
             "forkserver": args.iters_forkserver}
    methods = [m for m in args.methods.split(",") if m in available and m in iters]
    contexts = {m: multiprocessing.get_context(m) for m in methods}

    for ctx in contexts.values():
        start_join_mean_us(ctx, 1)  # warm-up, not measured
    samples = {m: [] for m in methods}
    for _ in range(args.rounds):
        for m in methods:
            samples[m].append(start_join_mean_us(contexts[m], iters[m]))

    print(f"# CPython {sys.version.split()[0]} ({sys.executable})")
    for m in methods:
        s = samples[m]
        print(f"cpython_{m} {statistics.median(s):.1f} {min(s):.1f} {max(s):.1f} us", flush=True)


if __name__ == "__main__":
    main()
