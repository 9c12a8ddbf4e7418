"""Speed of lib.gradient_flow.gradient_norms, the function the gradient-decay widget calls on every change.

Run: .venv/bin/python benchmarks/bench_gradient_flow.py [--rounds 30]

Configuration (from the issue): T=100 steps, H=16 and H=32 hidden units, every activation, with and
without truncation. Target: under 20 ms per call. The minimum over rounds is reported, because the
machine is shared.
"""
import argparse
import sys
import time

import numpy as np

from lib.gradient_flow import ACTIVATIONS, gradient_norms

TARGET_MS = 20.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="repeats; the minimum is reported")
    args = parser.parse_args()
    worst = 0.0
    for H in (16, 32):
        for activation in ACTIVATIONS:
            for truncation in (None, 20):
                times = []
                for r in range(args.rounds):
                    rng = np.random.default_rng(r)
                    start = time.perf_counter()
                    gradient_norms(100, 1.0, rng=rng, activation=activation, truncation=truncation, H=H)
                    times.append(time.perf_counter() - start)
                ms = 1e3 * min(times)
                worst = max(worst, ms)
                print(f"T=100 H={H:<3} {activation:<7} truncation={str(truncation):<5} {ms:6.2f} ms")
    ok = worst < TARGET_MS
    print(f"slowest {worst:.2f} ms; target < {TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
