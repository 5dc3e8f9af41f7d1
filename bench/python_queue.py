#!/usr/bin/env python3
"""CPython's multiprocessing.Queue: the CPython side of bench_queue.

bench_queue (bench/bench_queue.c) runs it once per round (--rounds 1), in
the same run as its own measurements, and once more with --put-then-join;
it also runs on its own:

    python3 bench/python_queue.py [--rounds 7] [--small 50000] [--large 100]
    python3 bench/python_queue.py --put-then-join 10

The producer is a Process started by the default start method (fork on
Linux before 3.14), outside the timed part; the loops are the anchors'
(shared/anchors/mp_bench_impl.py, _queue_run):

  cpython_queue_1x1_64B  Mmsg/s  the child put()s 64-byte bytes objects
                                 (numbered), the parent get()s each and
                                 checks its number; timed from the first
                                 message received to the last
  cpython_queue_1MiB     GB/s    the same with one 1 MiB bytes object put
                                 again and again (as the anchors), checked
                                 by its length

It prints one line per metric in bench_queue's format, `name median min
max unit` (after a `# CPython <version>` line), the statistics taken over
the rounds, after one unmeasured warm-up of each.

--put-then-join LIMIT runs, in a subprocess of its own session, the
program CPython's documentation warns about ("Joining processes that use
queues"): a child puts one 64 MiB message and exits, the parent joins it
first and gets the message after. The child's feeder thread cannot finish
writing into the pipe nobody reads, so the child never exits and the join
never returns. The subprocess is killed (its whole process group) after
LIMIT seconds. It prints `cpython_put_then_join_64MiB completed <ms> ms`
or `cpython_put_then_join_64MiB deadlocked <LIMIT> s`.
"""
import argparse
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time

SMALL = 64
LARGE = 1 << 20
HUGE = 64 << 20


def _producer(q, n, size, numbered):
    # put() only queues the object for the feeder thread, which pickles it
    # later: a message cannot be numbered in place, so a numbered one is a
    # new bytes object. 64-byte messages are numbered (a small cost beside
    # the put); 1 MiB ones are one object put n times, as the anchors do,
    # rather than add a copy of a MiB that the C side does not make.
    body = b"x" * (size - 8 if numbered else size)
    for i in range(n):
        q.put(i.to_bytes(8, "little") + body if numbered else body)
    q.close()
    q.join_thread()


def queue_run(n, size):
    """Messages per second from the first message received on."""
    numbered = size == SMALL
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=_producer, args=(q, n, size, numbered))
    p.start()
    first = q.get()  # the timer starts once the producer is running
    t0 = time.perf_counter()
    for i in range(1, n):
        m = q.get()
        if len(m) != size or (numbered and int.from_bytes(m[:8], "little") != i):
            sys.exit(f"python_queue: message {i} is not what was put")
    dt = time.perf_counter() - t0
    p.join()
    if p.exitcode != 0 or len(first) != size:
        sys.exit("python_queue: the producer failed")
    return (n - 1) / dt


def _put_huge(q):
    q.put(bytes(HUGE))


def put_then_join_child():
    """The program of the warning: join first, get after."""
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=_put_huge, args=(q,))
    t0 = time.perf_counter()
    p.start()
    p.join()
    m = q.get()
    dt = time.perf_counter() - t0
    if len(m) != HUGE:
        sys.exit("python_queue: the message is not what was put")
    print(f"{dt * 1e3:.1f}", flush=True)


def put_then_join(limit):
    """Run put_then_join_child() in its own session, killed after `limit` s."""
    # Its own session: on a timeout the kill reaches its Process child too.
    sub = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--put-then-join-child"],
                           stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, _ = sub.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(sub.pid, signal.SIGKILL)
        sub.communicate()
        print(f"cpython_put_then_join_64MiB deadlocked {limit:g} s", flush=True)
        return
    if sub.returncode != 0:
        sys.exit("python_queue: the put-then-join program failed")
    print(f"cpython_put_then_join_64MiB completed {float(out):.1f} ms", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--small", type=int, default=50_000, help="64-byte messages per sample")
    ap.add_argument("--large", type=int, default=100, help="1 MiB messages per sample")
    ap.add_argument("--put-then-join", type=float, metavar="LIMIT",
                    help="only the put-then-join program, killed after LIMIT seconds")
    ap.add_argument("--put-then-join-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.put_then_join_child:
        put_then_join_child()  # its only output is its time
        return
    print(f"# CPython {sys.version.split()[0]} ({sys.executable})", flush=True)
    if args.put_then_join is not None:
        put_then_join(args.put_then_join)
        return
    if args.rounds < 1 or min(args.small, args.large) < 2:
        ap.error("--rounds must be >= 1, the message counts >= 2")

    names = [("cpython_queue_1x1_64B", "Mmsg/s"), ("cpython_queue_1MiB", "GB/s")]
    samples = {name: [] for name, _ in names}
    queue_run(100, SMALL)  # warm-up, not measured, as bench_queue warms up
    queue_run(4, LARGE)
    for _ in range(args.rounds):
        samples["cpython_queue_1x1_64B"].append(queue_run(args.small, SMALL) / 1e6)
        samples["cpython_queue_1MiB"].append(queue_run(args.large, LARGE) * LARGE / 1e9)

    for name, unit in names:
        s = samples[name]
        print(f"{name} {statistics.median(s):.4f} {min(s):.4f} {max(s):.4f} {unit}", flush=True)


if __name__ == "__main__":
    main()
