"""Time one move of the live sliding-kernel widget (slider step -> new HTML in the display); the goal is < 100 ms.

Usage: .venv/bin/python benchmarks/bench_widgets.py
"""
import time

import numpy as np

from lib.widgets import sliding_kernel


def time_moves(sk, repeats=5):
    """Median, 99th percentile and worst ms per slider move, over every position of every kernel/pad/stride."""
    live = sk.live()
    times = []
    for _ in range(repeats):
        for kernel in range(len(sk.kernels)):
            for pad in range(len(sk.pads)):
                for stride in range(len(sk.strides)):
                    live.kernel.value, live.pad.value, live.stride.value = kernel, pad, stride
                    for k in range(live.slider.max + 1):
                        t0 = time.perf_counter()
                        live.slider.value = k if k != live.slider.value else (k + 1) % (live.slider.max + 1)
                        times.append(time.perf_counter() - t0)
    ms = 1e3 * np.array(times)
    return float(np.median(ms)), float(np.percentile(ms, 99)), float(ms.max()), len(ms)


def main():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, (8, 8))
    kernels = {"edge": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]]), "blur": np.ones((3, 3)) / 9,
               "big": rng.standard_normal((5, 5))}
    for mode in ("forward", "backward"):
        t0 = time.perf_counter()
        sk = sliding_kernel(x, kernels, pads=(0, 1, 2), strides=(1,), mode=mode, name=f"bench-{mode}")
        build = 1e3 * (time.perf_counter() - t0)
        html_kb = len(sk.html().encode()) / 1024
        median, p99, worst, n = time_moves(sk)
        print(f"{mode:8s}: build {build:6.1f} ms, static HTML {html_kb:5.1f} KB, "
              f"slider move median {median:.2f} ms, 99th percentile {p99:.2f} ms, worst {worst:.2f} ms over {n} moves")


if __name__ == "__main__":
    main()
