"""Speed of TimeRNN forward+backward against the matrix products no implementation can avoid.

Run: .venv/bin/python benchmarks/bench_rnn.py [--rounds 30]

Configuration (from the issue): N=32, T=64, D=H=128, float64. The unavoidable matrix products, run alone
on matrices of the same shapes:
    forward    the input projection xs (N*T, D) @ Wx (D, H), and T steps h (N, H) @ Wh (H, H)
    backward   T steps da (N, H) @ Wh.T, and dWx = xs.T @ da, dWh = h_prev.T @ da, dxs = da @ Wx.T
Target: TimeRNN forward+backward <= 2.5x that floor. Timings are the minimum over rounds, the floor and the
layer interleaved round by round, because the machine (2 cores) is shared.
"""
import argparse
import sys
import time

import numpy as np

from lib.recurrent import TimeRNN

N, T, D, H = 32, 64, 128, 128
TARGET = 2.5


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="interleaved repeats; the minimum is reported")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    layer = TimeRNN.create(D, H, rng=rng)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    Wx, Wh = layer.params[0], layer.params[1]
    X, A, Hp = rng.standard_normal((N * T, D)), rng.standard_normal((N * T, H)), rng.standard_normal((N * T, H))
    h = rng.standard_normal((N, H))

    def floor():
        X @ Wx
        for _ in range(T):
            h @ Wh
        for _ in range(T):
            h @ Wh.T
        X.T @ A
        Hp.T @ A
        A @ Wx.T

    def time_rnn():
        layer.forward(xs)
        layer.backward(dhs)

    best_floor = best_layer = float("inf")
    for _ in range(args.rounds):
        best_floor = min(best_floor, seconds(floor))
        best_layer = min(best_layer, seconds(time_rnn))
    ratio = best_layer / best_floor
    print(f"TimeRNN forward+backward, N={N} T={T} D={D} H={H} float64")
    print(f"  matrix-product floor: {best_floor * 1e3:7.2f} ms")
    print(f"  TimeRNN:              {best_layer * 1e3:7.2f} ms  ({ratio:.2f}x the floor, target <= {TARGET}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
