"""Speed of conv2d forward+backward: vectorised (im2col/col2im) vs plain loops vs the matrix-product floor.

Run: .venv/bin/python benchmarks/bench_conv.py [--rounds 30]

Configuration (from the issue): N=32, C=16 -> F=32, 32x32 input, 3x3 kernel, pad 1, stride 1, float64.
Targets: vectorised >= 50x faster than the loops, and <= 2.5x the time of the three matrix products that no
implementation can avoid, run alone on matrices of the same shapes:
    output           cols (N*OH*OW, KH*KW*C) @ W (KH*KW*C, F)
    weight gradient  cols.T @ dout (N*OH*OW, F)
    input gradient   dout @ W.T                  (then col2im)
Timings are the minimum over repeats, floor and vectorised interleaved round by round, because the machine
(2 cores) is shared and every other number is noise from other processes.
"""
import argparse
import sys
import time

import numpy as np

from lib.conv import Conv2D, conv2d, conv2d_backward, conv2d_backward_loop, conv2d_loop

N, C, F, H, W, K, PAD = 32, 16, 32, 32, 32, 3, 1
LOOP_SAMPLES = 1  # the loop version is timed on this many samples and scaled to N
TARGET_VS_LOOP, TARGET_VS_FLOOR = 50.0, 2.5


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="interleaved repeats; the minimum is reported")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W))
    w = 0.1 * rng.standard_normal((F, C, K, K))
    b = rng.standard_normal(F)
    dout = rng.standard_normal((N, F, H, W))  # OH = OW = 32 with pad 1
    layer = Conv2D(w, b, stride=1, pad=PAD)

    M, KK = N * H * W, K * K * C  # rows and columns of the column matrix
    cols, wmat, dmat = rng.standard_normal((M, KK)), rng.standard_normal((KK, F)), rng.standard_normal((M, F))

    def floor():  # the three unavoidable matrix products, alone
        cols @ wmat
        cols.T @ dmat
        dmat @ wmat.T

    def vectorised_layer():  # what the Conv2D layer does in training
        layer.forward(x)
        layer.backward(dout)

    def vectorised_functions():  # conv2d then conv2d_backward: the backward rebuilds the columns
        conv2d(x, w, b, pad=PAD)
        conv2d_backward(dout, x, w, pad=PAD)

    def loops():
        xs, ds = x[:LOOP_SAMPLES], dout[:LOOP_SAMPLES]
        conv2d_loop(xs, w, b, pad=PAD)
        conv2d_backward_loop(ds, xs, w, pad=PAD)

    # the versions agree before we time them
    y = layer.forward(x)
    dx = layer.backward(dout)
    assert np.allclose(y[:LOOP_SAMPLES], conv2d_loop(x[:LOOP_SAMPLES], w, b, pad=PAD))
    dx_loop, dw_loop, _ = conv2d_backward_loop(dout[:LOOP_SAMPLES], x[:LOOP_SAMPLES], w, pad=PAD)
    assert np.allclose(dx[:LOOP_SAMPLES], dx_loop)
    dw_slice = conv2d_backward(dout[:LOOP_SAMPLES], x[:LOOP_SAMPLES], w, pad=PAD)[1]
    assert np.allclose(dw_slice, dw_loop)

    best = {"floor": np.inf, "layer": np.inf, "functions": np.inf}
    for _ in range(2):  # warm up
        floor(), vectorised_layer(), vectorised_functions()
    for _ in range(args.rounds):
        best["floor"] = min(best["floor"], seconds(floor))
        best["layer"] = min(best["layer"], seconds(vectorised_layer))
        best["functions"] = min(best["functions"], seconds(vectorised_functions))
    loop_slice = min(seconds(loops) for _ in range(3))
    loop_full = loop_slice * N / LOOP_SAMPLES

    vs_loop = loop_full / best["layer"]
    vs_floor = best["layer"] / best["floor"]
    print(f"conv2d forward+backward, N={N}, C={C}->F={F}, {H}x{W} input, {K}x{K} kernel, pad {PAD}, float64")
    print(f"min over {args.rounds} interleaved rounds (loops: min of 3)")
    print(f"  three matrix products alone (floor) {1e3 * best['floor']:9.1f} ms")
    print(f"  vectorised, Conv2D layer            {1e3 * best['layer']:9.1f} ms")
    print(f"  vectorised, conv2d + conv2d_backward{1e3 * best['functions']:9.1f} ms  (backward rebuilds the columns)")
    print(f"  loops (timed on {LOOP_SAMPLES} of {N} samples: "
          f"{1e3 * loop_slice:.0f} ms, scaled x{N // LOOP_SAMPLES}) {1e3 * loop_full:9.0f} ms")
    ok_loop, ok_floor = vs_loop >= TARGET_VS_LOOP, vs_floor <= TARGET_VS_FLOOR
    print(f"loops / vectorised  = {vs_loop:7.1f}x  (target >= {TARGET_VS_LOOP:.0f}x)  {'ok' if ok_loop else 'MISSED'}")
    print(f"vectorised / floor  = {vs_floor:7.2f}x  (target <= {TARGET_VS_FLOOR}x)  {'ok' if ok_floor else 'MISSED'}")
    return 0 if ok_loop and ok_floor else 1


if __name__ == "__main__":
    sys.exit(main())
