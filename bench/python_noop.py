#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""What a vAccel call costs from Python: Session.noop() next to a pybind11
call of an empty C++ function of the same module (vaccel._empty()), in
the same run (docs/performance.md, "Python").

    PYTHONPATH=build/python VACCEL_PLUGINS=build/lib/libvaccel-noop.so \\
        python3 bench/python_noop.py [--calls N] [--repeat R]

Without VACCEL_PLUGINS the build tree's noop plugin is loaded (--build).
Each repetition times N calls of each, taking turns and alternating which
goes first, so that both see the same machine; the figures are the medians
over the repetitions of the per-call times and of the per-pair ratios.
The loop itself (an empty Python loop of N turns) is reported too, and a
ratio with it subtracted from both sides.
"""
import argparse
import itertools
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def per_call_ns(fn, n):
    """Average time of fn() over n calls, in ns."""
    loop = itertools.repeat(None, n)
    t0 = time.perf_counter_ns()
    for _ in loop:
        fn()
    return (time.perf_counter_ns() - t0) / n


def loop_ns(n):
    loop = itertools.repeat(None, n)
    t0 = time.perf_counter_ns()
    for _ in loop:
        pass
    return (time.perf_counter_ns() - t0) / n


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=500000, help="calls per timing (500000)")
    p.add_argument("--repeat", type=int, default=30, help="repetitions (30)")
    p.add_argument("--build", default=str(ROOT / "build"), help="build tree (./build)")
    args = p.parse_args()

    try:
        import vaccel
    except ImportError:
        sys.path.insert(0, os.path.join(args.build, "python"))
        import vaccel
    if not os.environ.get("VACCEL_PLUGINS"):
        vaccel.bootstrap(os.path.join(args.build, "lib", "libvaccel-noop.so"))

    with vaccel.Session() as session:
        noop, empty = session.noop, vaccel._empty
        noop()
        for fn in (noop, empty):  # warm up
            per_call_ns(fn, min(args.calls, 10000))
        t_noop, t_empty, t_loop, ratio, ratio_net = [], [], [], [], []
        for rep in range(args.repeat):
            if rep % 2:
                b = per_call_ns(empty, args.calls)
                a = per_call_ns(noop, args.calls)
            else:
                a = per_call_ns(noop, args.calls)
                b = per_call_ns(empty, args.calls)
            l = loop_ns(args.calls)
            t_noop.append(a)
            t_empty.append(b)
            t_loop.append(l)
            ratio.append(a / b)
            ratio_net.append((a - l) / (b - l))

    med = statistics.median
    print(f"python {sys.version.split()[0]}, vaccel {vaccel.__version__}, "
          f"{args.repeat} x {args.calls} calls each")
    print(f"session.noop()      {med(t_noop):7.1f} ns/call")
    print(f"vaccel._empty()     {med(t_empty):7.1f} ns/call")
    print(f"empty Python loop   {med(t_loop):7.1f} ns/turn")
    r, rn = med(ratio), med(ratio_net)
    print(f"ratio noop/empty    {r:7.3f}  (loop subtracted: {rn:.3f}; "
          f"target <= 2: {'met' if max(r, rn) <= 2 else 'missed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
