"""Speed of TimeLSTM and TimeGRU forward+backward against the matrix products no implementation can avoid.

Run: .venv/bin/python benchmarks/bench_gated.py [--rounds 30]

Configuration (from the issue): N=32, T=64, D=H=128, float64. A cell with k gate blocks (LSTM k=4, GRU k=3)
cannot avoid these matrix products, run alone on matrices of the same shapes:
    forward    the input projection xs (N*T, D) @ Wx (D, kH), and T steps h (N, H) @ Wh (H, kH)
    backward   T steps da (N, kH) @ Wh.T, and dWx = xs.T @ da, dWh = h_prev.T @ da, dxs = da @ Wx.T
Target: forward+backward <= 2.5x that floor, for each cell. Timings are the minimum over rounds, the floor
and the layer interleaved round by round, because the machine (2 cores) is shared.
"""
import argparse
import sys
import time

import numpy as np

from lib.gated import TimeGRU, TimeLSTM

N, T, D, H = 32, 64, 128, 128
TARGET = 2.5


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor_for(k, rng):
    """The unavoidable matrix products of a cell with k gate blocks, as one function."""
    Wx, Wh = rng.standard_normal((D, k * H)), rng.standard_normal((H, k * H))
    X, A = rng.standard_normal((N * T, D)), rng.standard_normal((N * T, k * H))
    Hp, h, a = rng.standard_normal((N * T, H)), rng.standard_normal((N, H)), rng.standard_normal((N, k * H))
    WhT = np.ascontiguousarray(Wh.T)

    def floor():
        X @ Wx
        for _ in range(T):
            h @ Wh
        for _ in range(T):
            a @ WhT
        X.T @ A
        Hp.T @ A
        A @ Wx.T

    return floor


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="interleaved repeats; the minimum is reported")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    failed = 0
    print(f"forward+backward, N={N} T={T} D={D} H={H} float64")
    for cls, k in [(TimeLSTM, 4), (TimeGRU, 3)]:
        layer = cls.create(D, H, rng=rng)
        floor = floor_for(k, rng)

        def run():
            layer.forward(xs)
            layer.backward(dhs)

        best_floor = best_layer = float("inf")
        for _ in range(args.rounds):
            best_floor = min(best_floor, seconds(floor))
            best_layer = min(best_layer, seconds(run))
        ratio = best_layer / best_floor
        failed += ratio > TARGET
        name = cls.__name__
        print(f"  {name:8s} matrix-product floor: {best_floor * 1e3:7.2f} ms")
        print(f"  {name:8s} layer:                {best_layer * 1e3:7.2f} ms  "
              f"({ratio:.2f}x the floor, target <= {TARGET}x)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
