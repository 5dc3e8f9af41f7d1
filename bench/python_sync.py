#!/usr/bin/env python3
"""CPython's multiprocessing locks and shared memory: the CPython side of bench_sync.

bench_sync (bench/bench_sync.c) runs it once per round (--rounds 1), in the
same run as its own measurements; it also runs on its own:

    python3 bench/python_sync.py [--rounds 7] [--iters-lock 1000000]
        [--iters-incr 200000] [--shm-mib 256] [--copies 4]

What it measures is what shared/anchors/mp_bench_impl.py measures (numpy
aside: the copies here go through memoryviews, which is a memcpy, so no
third-party package is needed):

  cpython_lock_uncontended  ns   Lock().acquire() + release() in a loop
  cpython_loop_2calls_ref   ns   the same loop calling two trivial C methods:
                                 the interpreter's share of the line above
  cpython_contended_incr    ns   two fork children each add 1 to a Value('i')
                                 N times under get_lock(), released together
                                 by an Event; per increment
  cpython_shm_write         GB/s shm.buf[:] = bytes, the segment already written
  cpython_shm_read_child    GB/s a fork child attaches the segment by name and
                                 copies it out into a bytearray (after one
                                 untimed copy, as bench_sync's children do)
  cpython_shm_create_cold   GB/s SharedMemory(create=True) + the first write

It prints one line per metric in bench_sync's format, `name median min max
unit` (after a `# CPython <version>` line), the statistics taken over the
rounds, after one unmeasured warm-up of each.
"""
import argparse
import multiprocessing
import statistics
import sys
import time
from multiprocessing import shared_memory

FILL = 7


def lock_uncontended(n):
    """ns per acquire+release of an uncontended Lock, and of two trivial calls."""
    lock = multiprocessing.get_context("fork").Lock()
    acq, rel = lock.acquire, lock.release
    t0 = time.perf_counter()
    for _ in range(n):
        acq()
        rel()
    dt = time.perf_counter() - t0
    c1 = c2 = [].clear
    t1 = time.perf_counter()
    for _ in range(n):
        c1()
        c2()
    dt2 = time.perf_counter() - t1
    return dt / n * 1e9, dt2 / n * 1e9


def _incr(v, n, ready, go):
    ready.release()
    go.wait()
    for _ in range(n):
        with v.get_lock():
            v.value += 1


def contended_incr(n):
    """ns per increment of two processes sharing a Value's lock."""
    ctx = multiprocessing.get_context("fork")
    v = ctx.Value("i", 0)
    ready, go = ctx.Semaphore(0), ctx.Event()
    ps = [ctx.Process(target=_incr, args=(v, n, ready, go)) for _ in range(2)]
    for p in ps:
        p.start()
    for _ in ps:
        ready.acquire()  # both at the start line
    t0 = time.perf_counter()
    go.set()
    for p in ps:
        p.join()
    dt = time.perf_counter() - t0
    if v.value != 2 * n or any(p.exitcode != 0 for p in ps):
        sys.exit(f"python_sync: contended counter {v.value} != {2 * n}")
    return dt / (2 * n) * 1e9


def _reader(name, copies, conn):
    shm = shared_memory.SharedMemory(name=name)
    size = shm.size
    dst = bytearray(size)
    dv = memoryview(dst)
    dv[:] = shm.buf[:size]  # untimed: page faults, ours and the mapping's
    t0 = time.perf_counter()
    for _ in range(copies):
        dv[:] = shm.buf[:size]
    dt = time.perf_counter() - t0
    ok = dst[0] == FILL and dst[-1] == FILL
    dv.release()
    shm.close()
    conn.send((copies * size / dt / 1e9, ok))


def shm_bandwidth(size, copies):
    """GB/s of the first write, of warm writes, and of a child's reads."""
    src = bytes([FILL]) * size
    t0 = time.perf_counter()
    shm = shared_memory.SharedMemory(create=True, size=size)
    shm.buf[:size] = src
    cold = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        for _ in range(copies):
            shm.buf[:size] = src
        warm = time.perf_counter() - t0
        ctx = multiprocessing.get_context("fork")
        a, b = ctx.Pipe()
        p = ctx.Process(target=_reader, args=(shm.name, copies, b))
        p.start()
        read, ok = a.recv()
        p.join()
        if not ok or p.exitcode != 0:
            sys.exit("python_sync: the reader saw the wrong bytes")
    finally:
        shm.close()
        shm.unlink()
    return size / cold / 1e9, copies * size / warm / 1e9, read


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iters-lock", type=int, default=1_000_000)
    ap.add_argument("--iters-incr", type=int, default=200_000)
    ap.add_argument("--shm-mib", type=int, default=256)
    ap.add_argument("--copies", type=int, default=4)
    args = ap.parse_args()
    if min(args.rounds, args.iters_lock, args.iters_incr, args.shm_mib, args.copies) < 1:
        ap.error("every count must be >= 1")

    names = [("cpython_lock_uncontended", "ns"), ("cpython_loop_2calls_ref", "ns"),
             ("cpython_contended_incr", "ns"), ("cpython_shm_write", "GB/s"),
             ("cpython_shm_read_child", "GB/s"), ("cpython_shm_create_cold", "GB/s")]
    samples = {name: [] for name, _ in names}
    # Warm-up, not measured, as bench_sync warms up: the first 256 MiB a
    # process maps runs at a third of the speed of the next ones here.
    lock_uncontended(1000)
    contended_incr(1000)
    shm_bandwidth(args.shm_mib << 20, 1)
    for _ in range(args.rounds):
        lock, ref = lock_uncontended(args.iters_lock)
        samples["cpython_lock_uncontended"].append(lock)
        samples["cpython_loop_2calls_ref"].append(ref)
        samples["cpython_contended_incr"].append(contended_incr(args.iters_incr))
        cold, warm, read = shm_bandwidth(args.shm_mib << 20, args.copies)
        samples["cpython_shm_create_cold"].append(cold)
        samples["cpython_shm_write"].append(warm)
        samples["cpython_shm_read_child"].append(read)

    print(f"# CPython {sys.version.split()[0]} ({sys.executable})")
    for name, unit in names:
        s = samples[name]
        print(f"{name} {statistics.median(s):.3f} {min(s):.3f} {max(s):.3f} {unit}", flush=True)


if __name__ == "__main__":
    main()
