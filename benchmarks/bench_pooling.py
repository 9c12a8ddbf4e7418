"""Speed of lib's pooling layers, forward + backward: vectorised vs plain loops vs a reshape floor.

Run: .venv/bin/python benchmarks/bench_pooling.py [--rounds 20]

Configuration: N=32, C=32, 32x32 feature maps, float64 (a mid-sized CNN layer), for
    2x2 windows, stride 2   (side by side: the usual downsampling layer)
    3x3 windows, stride 1   (overlapping: the backward pass must add where windows share cells)
The floor, for 2x2/stride 2 only, is what no implementation can beat: max and mean over a reshaped view, plus
writing a gradient of the input's size. Targets: vectorised >= 20x faster than the loops, and for 2x2/stride 2
at most 4x the floor. Timings are minima over interleaved rounds (the 2-core machine is shared).
"""
import argparse
import sys
import time

import numpy as np

from lib.pooling import AvgPool2D, MaxPool2D

N, C, H, W = 32, 32, 32, 32
TARGET_VS_LOOP, TARGET_VS_FLOOR = 20.0, 4.0


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def loop_pool(x, dout, K, S, kind):
    """Forward and backward of one pooling kind as plain loops over samples, channels and output cells."""
    n, c, h, w = x.shape
    OH, OW = (h - K) // S + 1, (w - K) // S + 1
    y, dx = np.empty((n, c, OH, OW)), np.zeros_like(x)
    for i in range(n):
        for ch in range(c):
            for p in range(OH):
                for q in range(OW):
                    window = x[i, ch, p * S:p * S + K, q * S:q * S + K]  # (K, K)
                    if kind == "max":
                        r, s = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                        y[i, ch, p, q] = window[r, s]
                        dx[i, ch, p * S + r, q * S + s] += dout[i, ch, p, q]
                    else:
                        y[i, ch, p, q] = window.mean()
                        dx[i, ch, p * S:p * S + K, q * S:q * S + K] += dout[i, ch, p, q] / (K * K)
    return y, dx


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="interleaved repeats; the minimum is reported")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W))
    failed = False
    print(f"pooling forward+backward, x (N, C, H, W) = {x.shape}, float64; minimum over {args.rounds} rounds")
    for K, S in [(2, 2), (3, 1)]:
        OH, OW = (H - K) // S + 1, (W - K) // S + 1
        dout = rng.standard_normal((N, C, OH, OW))
        for kind, Layer in [("max", MaxPool2D), ("avg", AvgPool2D)]:
            layer = Layer(K, S)

            def vectorised():
                layer.forward(x)
                layer.backward(dout)

            def floor():  # only for side-by-side windows: a reshape view, then one reduction and one broadcast
                view = x.reshape(N, C, OH, K, OW, K)
                (view.max if kind == "max" else view.mean)(axis=(3, 5))
                np.broadcast_to(dout[:, :, :, None, :, None], view.shape).reshape(x.shape).copy()

            y_loop, dx_loop = loop_pool(x[:1], dout[:1], K, S, kind)  # agree before timing
            assert np.allclose(layer.forward(x)[:1], y_loop) and np.allclose(layer.backward(dout)[:1], dx_loop)
            best = {"vectorised": np.inf, "floor": np.inf}
            for _ in range(args.rounds):
                best["vectorised"] = min(best["vectorised"], seconds(vectorised))
                if K == S:
                    best["floor"] = min(best["floor"], seconds(floor))
            loop_time = min(seconds(lambda: loop_pool(x[:1], dout[:1], K, S, kind)) for _ in range(3)) * N
            vs_loop = loop_time / best["vectorised"]
            line = f"{kind} {K}x{K}/s{S}: vectorised {best['vectorised'] * 1e3:7.2f} ms, {vs_loop:6.0f}x the loops"
            failed |= vs_loop < TARGET_VS_LOOP
            if K == S:
                vs_floor = best["vectorised"] / best["floor"]
                line += f", {vs_floor:4.2f}x the floor"
                failed |= vs_floor > TARGET_VS_FLOOR
            print(line)
    print("targets met" if not failed else "TARGET MISSED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
