#!/usr/bin/env python3
"""CPython's multiprocessing.Pipe(): the CPython side of bench_conn.

bench_conn (bench/bench_conn.c) runs it once per round (--rounds 1), in the
same run as its own measurements; it also runs on its own:

    python3 bench/python_conn.py [--rounds 7] [--round-trips 20000]
        [--messages 500]

Both ends come from Pipe() (duplex: an AF_UNIX socketpair, as mp_pipe and
bench_conn's raw metrics; Pipe(duplex=False) would be a pipe(2)), the child
is started by fork outside the timed part:

  cpython_pipe_pingpong_64B  us    the parent send_bytes() 64 bytes, the
                                   child recv_bytes() and send_bytes() them
                                   back, the parent recv_bytes(): per round
                                   trip, after 100 untimed ones (the loop of
                                   shared/anchors/mp_bench_impl.py)
  cpython_pipe_pingpong_64B_samecpu us  the same, both processes pinned to
                                   the first CPU this one may use
  cpython_pipe_stream_1MiB   GB/s  the child send_bytes() 1 MiB messages (a
                                   bytearray numbered in place), the parent
                                   recv_bytes() each and checks its number
                                   and bytes; timed from the 4th message on

It prints one line per metric in bench_conn's format, `name median min max
unit` (after a `# CPython <version>` line), the statistics taken over the
rounds, after one unmeasured warm-up of each.
"""
import argparse
import multiprocessing
import os
import statistics
import sys
import time

SMALL = 64
LARGE = 1 << 20
FILL = 0x33
PINGPONG_WARMUP = 100  # untimed round trips, as bench_conn and the anchors
STREAM_WARMUP = 4  # untimed messages, as bench_conn


def _echo(conn, total):
    # A count, not end-of-file: a fork child also holds the parent's end.
    for _ in range(total):
        conn.send_bytes(conn.recv_bytes())
    conn.close()


def pingpong(n, samecpu=False):
    """us per round trip of 64 bytes; both on one CPU if `samecpu`."""
    ctx = multiprocessing.get_context("fork")
    saved = os.sched_getaffinity(0)
    if samecpu:
        os.sched_setaffinity(0, {min(saved)})  # the fork child inherits it
    a, b = ctx.Pipe()
    p = ctx.Process(target=_echo, args=(b, PINGPONG_WARMUP + n))
    p.start()
    b.close()
    msg = bytes([FILL]) * SMALL
    for _ in range(PINGPONG_WARMUP):
        a.send_bytes(msg)
        a.recv_bytes()
    t0 = time.perf_counter()
    for _ in range(n):
        a.send_bytes(msg)
        r = a.recv_bytes()
    dt = time.perf_counter() - t0
    a.close()
    p.join()
    os.sched_setaffinity(0, saved)
    if r != msg or p.exitcode != 0:
        sys.exit("python_conn: the echo is not what was sent")
    return dt / n * 1e6


def _sender(conn, total):
    msg = bytearray([FILL]) * LARGE
    for i in range(total):
        msg[0:4] = i.to_bytes(4, "little")
        conn.send_bytes(msg)
    conn.close()


def stream(n):
    """GB/s of 1 MiB messages one way."""
    ctx = multiprocessing.get_context("fork")
    a, b = ctx.Pipe()
    total = STREAM_WARMUP + n
    p = ctx.Process(target=_sender, args=(b, total))
    p.start()
    b.close()
    t0 = 0.0
    for i in range(total):
        r = a.recv_bytes()
        if len(r) != LARGE or int.from_bytes(r[:4], "little") != i or r[-1] != FILL:
            sys.exit(f"python_conn: message {i} is not what was sent")
        if i == STREAM_WARMUP - 1:
            t0 = time.perf_counter()
    dt = time.perf_counter() - t0
    a.close()
    p.join()
    if p.exitcode != 0:
        sys.exit("python_conn: the sending child failed")
    return n * LARGE / dt / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--round-trips", type=int, default=20_000)
    ap.add_argument("--messages", type=int, default=500)
    args = ap.parse_args()
    if min(args.rounds, args.round_trips, args.messages) < 1:
        ap.error("every count must be >= 1")

    names = [("cpython_pipe_pingpong_64B", "us"), ("cpython_pipe_pingpong_64B_samecpu", "us"),
             ("cpython_pipe_stream_1MiB", "GB/s")]
    samples = {name: [] for name, _ in names}
    pingpong(100)  # warm-up, not measured, as bench_conn warms up
    stream(4)
    for _ in range(args.rounds):
        samples["cpython_pipe_pingpong_64B"].append(pingpong(args.round_trips))
        samples["cpython_pipe_pingpong_64B_samecpu"].append(pingpong(args.round_trips, True))
        samples["cpython_pipe_stream_1MiB"].append(stream(args.messages))

    print(f"# CPython {sys.version.split()[0]} ({sys.executable})")
    for name, unit in names:
        s = samples[name]
        print(f"{name} {statistics.median(s):.3f} {min(s):.3f} {max(s):.3f} {unit}", flush=True)


if __name__ == "__main__":
    main()
