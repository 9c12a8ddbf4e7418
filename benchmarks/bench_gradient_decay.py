"""Speed of the live gradient-decay widget: the compute of one control change (lib's BPTT for the new curve)
and the whole change (slider or dropdown moved -> new HTML in the display). Goals: compute < 20 ms, change
< 100 ms, at the largest setting, T = 100, for every cell.

Usage: .venv/bin/python benchmarks/bench_gradient_decay.py [--rounds 20]
The minimum and the median over rounds are reported, as CPU time of this process (time.process_time: what
the work costs, without the time the shared machine gives to other processes) and as wall-clock time; the
goals are judged on the CPU time's minimum (on an idle machine the two agree).
"""
import argparse
import sys
import time

import numpy as np

from lib.widgets.gradient_decay import RHOS, gradient_decay

COMPUTE_MS, CHANGE_MS = 20.0, 100.0


def ms(times):
    a = 1e3 * np.array(times)
    return float(a.min()), float(np.median(a))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="repeats; the minimum is the cost")
    args = parser.parse_args()
    t0 = time.perf_counter()
    gd = gradient_decay(name="bench-gradient-decay")
    build = time.perf_counter() - t0
    print(f"build (every curve of the grid): {build:.2f} s, static HTML {len(gd.html().encode()) / 1024:.1f} KB")
    live = gd.live()
    live.T.value = 3  # T = 100
    worst_compute = worst_change = 0.0
    for cell, name, setting in [(0, "RNN tanh", {"act": 0}), (0, "RNN ReLU", {"act": 1}),
                                (0, "RNN linear", {"act": 2}), (1, "LSTM", {"fb": 1}), (2, "GRU", {})]:
        live.cell.value = cell
        for key, v in setting.items():
            getattr(live, key).value = v
        for tr in (0, 2):
            live.tr.value = tr
            compute, change, wall = [], [], []
            for r in range(args.rounds):
                s = {**live.state(), "rho": r % len(RHOS)}
                start, w0 = time.process_time(), time.perf_counter()
                gd.compute(s)
                compute.append(time.process_time() - start)
                wall.append(time.perf_counter() - w0)
                start = time.process_time()
                live.slider.value = (live.slider.value + 1) % len(RHOS)  # a change: recompute and redraw
                change.append(time.process_time() - start)
            (cmin, cmed), (chmin, chmed), (wmin, wmed) = ms(compute), ms(change), ms(wall)
            worst_compute, worst_change = max(worst_compute, cmin), max(worst_change, chmin)
            label = f"{name}, T=100, truncation {'none' if tr == 0 else gd.data['tr'][tr]}"
            print(f"{label:34s} compute {cmin:6.2f} ms (median {cmed:6.2f}; wall {wmin:6.2f}, median "
                  f"{wmed:6.2f}), change {chmin:6.2f} ms (median {chmed:6.2f})")
    ok = worst_compute < COMPUTE_MS and worst_change < CHANGE_MS
    print(f"slowest: compute {worst_compute:.2f} ms (target < {COMPUTE_MS:.0f}), change {worst_change:.2f} ms "
          f"(target < {CHANGE_MS:.0f}): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
