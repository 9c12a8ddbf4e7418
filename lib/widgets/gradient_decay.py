"""The gradient-decay widget: ||dL/dh_t|| against the time step t, on a log axis, for a vanilla RNN, an LSTM or
a GRU, with the rate rho^(T-1-t) that the spectral radius of W_h predicts drawn beside it.

Every number comes from lib's own BPTT: `lib.gradient_flow.gradient_norms` (ActivationRNN, whose tanh case is
TimeRNN's backward bit for bit) for the vanilla RNN, and `gated_gradient_norms` (the `dhs` of TimeLSTM /
TimeGRU after backward) for the gated cells. The static view (website) draws curves precomputed over a grid of
settings; the live view (Jupyter) recomputes the curve with lib on every change and draws it with the same
Python function. What rho means for a gated cell: every (H, H) gate block of the fused W_h is rho times a
random orthogonal matrix (see `gated_gradient_norms`).

Data layout (`GradientDecay.data`, also what the script reads):
  T, rho, tr (truncation lengths, 0 = none), cells, act, fb: the options of each control
  lr[j]: log10(rho[j]); lo[i], hi[i]: the y-axis range (decades) for T[i], fixed over every other control
  v[(variant * len(T) + i) * len(rho) + j]: log10 ||dL/dh_t|| for t = 0..T[i]-1, 3 decimals (None for 0),
      full BPTT; truncation k only blanks t < T - k (the truncated backward pass gives the same numbers there)
  variants: the vanilla RNN with each activation, then the LSTM with each forget-gate bias, then the GRU
"""
import math
from functools import lru_cache

import numpy as np

from ..gradient_flow import gated_gradient_norms, gradient_norms
from .common import LiveStepper, Widget, caption_html, fmt, labelled_select, legend_html, live_html, stepper_html

T_VALUES = (10, 25, 50, 100)
RHOS = (0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.5, 2.0)
TRUNCATIONS = (None, 5, 10, 20)
CELLS = ("rnn", "lstm", "gru")
CELL_NAMES = ("vanilla RNN", "LSTM", "GRU")
ACTIVATIONS = ("tanh", "relu", "linear")
ACTIVATION_NAMES = ("tanh", "ReLU", "linear")
FORGET_BIASES = (0.0, 1.0, 2.0, 3.0)
DECIMALS = 3  # of the stored log10 norms: 0.23 % apart, finer than the 2 significant digits the caption shows
START = {"cell": 0, "act": 0, "fb": 1, "T": 2, "rho": 5, "tr": 0}  # tanh RNN, T = 50, rho = 1, full BPTT

# the plot, in SVG user units (the SVG scales to the width of the page)
VW, VH = 480, 290
PL, PR, PT, PB = 64, 14, 30, 46  # margins: left (tick labels), right, top (title), bottom (x axis)
PW, PH = VW - PL - PR, VH - PT - PB

ALT = ("The norm of the gradient reaching each hidden state against the time step t, on a log axis: the solid "
       "curve is lib's BPTT, the dashed line the rate that the spectral radius predicts")
GATED = (" would be the rate of a linear RNN with one gate block as W_h; a gated cell's gradient also flows "
         "through its gates (the LSTM's along its cell state), so it need not follow it.")
SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# ----------------------------------------------------------------------------------------------------------
# Compute: one curve with lib's BPTT, as the log10 numbers the widget shows
# ----------------------------------------------------------------------------------------------------------

def curve(cell, T, rho, *, activation="tanh", forget_bias=1.0, truncation=None, seed=0, H=16, N=8):
    """||dL/dh_t|| for t = 0..T-1 (the loss at t = T-1), from lib's BPTT; the same seed for every setting, so
    the weights differ between two values of rho only by their scale."""
    rng = np.random.default_rng(seed)
    if cell == "rnn":
        return gradient_norms(T, rho, rng=rng, activation=activation, truncation=truncation, H=H, N=N)[0]
    if cell not in CELLS:
        raise ValueError(f"gradient_decay: cell must be one of {', '.join(CELLS)}; got {cell!r}")
    return gated_gradient_norms(T, rho, rng=rng, cell=cell, forget_bias=forget_bias, truncation=truncation,
                                H=H, N=N)[0]


def log_norms(norms):
    """log10 of each norm, DECIMALS decimals, None for an exact 0 (no gradient)."""
    with np.errstate(divide="ignore"):
        logs = np.log10(np.asarray(norms, dtype=np.float64))
    return [None if not np.isfinite(v) else round(float(v), DECIMALS) + 0.0 for v in logs]


def variants():
    """(cell, activation, forget_bias) of every curve family, in the order of the data."""
    return ([("rnn", a, None) for a in ACTIVATIONS] + [("lstm", None, b) for b in FORGET_BIASES]
            + [("gru", None, None)])


def variant_index(s):
    """The variant of state s (a dict of control indices): the activation counts for the RNN, the bias for the LSTM."""
    return s["act"] if s["cell"] == 0 else len(ACTIVATIONS) + s["fb"] if s["cell"] == 1 else (
        len(ACTIVATIONS) + len(FORGET_BIASES))


@lru_cache(maxsize=4)
def grid_data(seed=0, H=16, N=8):
    """Every curve of the grid, and the options and axis ranges the views need (JSON-ready)."""
    v = []
    for cell, act, fb in variants():
        for T in T_VALUES:
            for rho in RHOS:
                v.append(log_norms(curve(cell, T, rho, activation=act or "tanh", forget_bias=fb or 0.0,
                                         seed=seed, H=H, N=N)))
    lr = [round(math.log10(r), 6) + 0.0 for r in RHOS]
    lo, hi = [], []
    for i, T in enumerate(T_VALUES):
        vals = [x for n in range(len(variants())) for j in range(len(RHOS))
                for x in v[(n * len(T_VALUES) + i) * len(RHOS) + j] if x is not None]
        vals += [(T - 1) * x for x in lr]  # the reference line at t = 0
        step = tick_step(max(vals) - min(vals))
        lo.append(step * math.floor(min(vals) / step))
        hi.append(step * math.ceil(max(vals) / step))
    return {"T": list(T_VALUES), "rho": list(RHOS), "tr": [k or 0 for k in TRUNCATIONS], "cells": list(CELL_NAMES),
            "act": list(ACTIVATION_NAMES), "fb": list(FORGET_BIASES), "lr": lr, "lo": lo, "hi": hi, "dec": DECIMALS, "alt": ALT,
            "gated": GATED, "v": v}


def tick_step(span):
    """Decades between two labelled ticks of the y axis: at most about 7 labels."""
    return next(s for s in (1, 2, 5, 10, 20) if span / s <= 7)


# ----------------------------------------------------------------------------------------------------------
# Drawing one state (Python); assets/gradient_decay.js draws the same markup, character for character
# ----------------------------------------------------------------------------------------------------------

def c1(v):
    """A coordinate with one decimal, rounded half up in both languages (JS: c1)."""
    n = math.floor(v * 10 + 0.5)
    return f"{n // 10}.{n % 10}"


def sci(L):
    """The number 10^L as '3.4×10⁻¹¹' (one decimal), '0' for None (JS: sci)."""
    if L is None:
        return "0"
    e = math.floor(L)
    s = f"{10 ** (L - e):.1f}"
    if s == "10.0":
        e, s = e + 1, "1.0"
    return s if e == 0 else f"{s}×10{str(e).translate(SUP)}"


def decade(e):
    """The tick label of 10^e: '1' for e = 0, else '10⁻⁴' (JS: decade)."""
    return "1" if e == 0 else "10" + str(e).translate(SUP)


def first_step(T, k):
    """The first step the gradient reaches: 0 without truncation, T - k with truncation k < T."""
    return T - k if 0 < k < T else 0


def state_curve(data, s):
    """The stored curve (log10 per step, full BPTT) of state s."""
    return data["v"][(variant_index(s) * len(data["T"]) + s["T"]) * len(data["rho"]) + s["rho"]]


def render(data, s, logs=None):
    """The SVG plot of state s: decade grid, the truncated steps shaded, the dashed rate rho^(T-1-t), the curve
    of ||dL/dh_t|| (logs: log10 per step, default the stored curve; steps before the first reached one are
    not drawn). Values outside the axis (only None, an exact 0) sit on its floor."""
    logs = state_curve(data, s) if logs is None else logs
    i, T, k, lr = s["T"], data["T"][s["T"]], data["tr"][s["tr"]], data["lr"][s["rho"]]
    lo, hi, t0 = data["lo"][i], data["hi"][i], first_step(T, k)

    def x(t):
        return PL + PW * t / (T - 1)

    def y(L):
        L = lo if L is None else min(max(L, lo), hi)
        return PT + PH * (hi - L) / (hi - lo)

    parts = []
    step = tick_step(hi - lo)
    for e in range(lo, hi + 1, step):  # horizontal grid lines and their labels
        parts.append(f'<line class="gd-grid" x1="{PL}" x2="{VW - PR}" y1="{c1(y(e))}" y2="{c1(y(e))}"></line>'
                     f'<text x="{PL - 6}" y="{c1(y(e) + 4)}" text-anchor="end">{decade(e)}</text>')
    xstep = {10: 3, 25: 6, 50: 10, 100: 20}.get(T, max(1, T // 5))
    for t in list(range(0, T - 1, xstep)) + [T - 1]:
        if t == T - 1 or T - 1 - t >= xstep / 2:
            parts.append(f'<line class="gd-axis" x1="{c1(x(t))}" x2="{c1(x(t))}" y1="{VH - PB}" y2="{VH - PB + 5}"></line>'
                         f'<text x="{c1(x(t))}" y="{VH - PB + 19}" text-anchor="middle">{t}</text>')
    parts.append(f'<line class="gd-axis" x1="{PL}" x2="{VW - PR}" y1="{VH - PB}" y2="{VH - PB}"></line>'
                 f'<line class="gd-axis" x1="{PL}" x2="{PL}" y1="{PT}" y2="{VH - PB}"></line>'
                 f'<text x="{PL + PW / 2:.0f}" y="{VH - 8}" text-anchor="middle">time step t (the loss is at '
                 f't = {T - 1})</text>')
    if t0 > 0:  # truncated: steps 0 .. t0-1 get no gradient
        parts.append(f'<rect class="gd-cut" x="{PL}" y="{PT}" width="{c1(x(t0) - PL)}" height="{PH}"></rect>')
        if t0 / (T - 1) > 0.2:
            parts.append(f'<text class="gd-cut-t" x="{PL + 6}" y="{PT + 16}">no gradient</text>')
    ref = " ".join(f"{'M' if t == t0 else 'L'}{c1(x(t))} {c1(y((T - 1 - t) * lr))}" for t in range(t0, T))
    line = " ".join(f"{'M' if t == t0 else 'L'}{c1(x(t))} {c1(y(logs[t]))}" for t in range(t0, T))
    parts.append(f'<path class="gd-ref" d="{ref}"></path><path class="gd-curve" d="{line}"></path>')
    title = (f'<text class="gd-title" x="{PL}" y="18">ρ = {fmt(data["rho"][s["rho"]], 2)} · T = {T} · '
             f"{what(data, s)}</text>")
    first = "none" if logs[t0] is None else fmt(logs[t0], DECIMALS)
    return (f'<svg class="gd-plot" viewBox="0 0 {VW} {VH}" role="img" aria-label="{data["alt"]}" '
            f'data-first="{first}" data-t0="{t0}">{title}{"".join(parts)}</svg>')


def what(data, s):
    """The network of state s: 'tanh RNN', 'LSTM, forget bias 1', 'GRU'."""
    if s["cell"] == 0:
        return f"{data['act'][s['act']]} RNN"
    if s["cell"] == 1:
        return f"LSTM, forget bias {fmt(data['fb'][s['fb']], 0)}"
    return "GRU"


def caption(data, s, logs=None):
    """The sentence under the plot (and what a screen reader announces): the key numbers of state s."""
    logs = state_curve(data, s) if logs is None else logs
    T, k, lr = data["T"][s["T"]], data["tr"][s["tr"]], data["lr"][s["rho"]]
    t0, n = first_step(T, k), T - 1 - first_step(T, k)
    text = (f"{what(data, s)}, T = {T}, ρ = {fmt(data['rho'][s['rho']], 2)}: "
            f"‖∂L/∂h{str(t0).translate(SUB)}‖ / ‖∂L/∂h{str(T - 1).translate(SUB)}‖ = {sci(logs[t0])} "
            f"after {n} steps back")
    if t0 > 0:
        text += f" (truncation {k}: h₀ … h{str(t0 - 1).translate(SUB)} get no gradient)"
    text += f"; ρ{str(n).translate(SUP)} = {sci(round(n * lr, DECIMALS))}"  # rounded as the curve is
    if s["cell"] == 0:
        return text + ", the rate the spectral radius predicts."
    return text + data["gated"]


def legend():
    """The key: the curve, the reference line and the truncated steps."""
    return legend_html([("gd-k-curve", "‖∂L/∂hₜ‖, lib's BPTT"), ("gd-k-ref", "ρ^(T−1−t), the rate of ρ alone"),
                        ("gd-k-cut", "truncated: no gradient")], scale=None)


# ----------------------------------------------------------------------------------------------------------
# The widget
# ----------------------------------------------------------------------------------------------------------

class GradientDecay(Widget):
    """||dL/dh_t|| against t for a vanilla RNN (tanh, ReLU, linear), an LSTM (a choice of forget-gate bias) or a
    GRU, for every sequence length T, spectral radius rho and truncation length of the grid."""

    assets = ("gradient_decay",)
    title = "gradient decay"

    def __init__(self, name="gradient-decay", seed=0, H=16, N=8):
        super().__init__(name)
        self.seed, self.H, self.N = seed, H, N
        self.data = grid_data(seed, H, N)
        self.start = dict(START)

    def __repr__(self):
        return (f"GradientDecay({self.name!r}, cells [vanilla RNN, LSTM, GRU], T {list(T_VALUES)}, "
                f"rho {RHOS[0]}..{RHOS[-1]} ({len(RHOS)} values), truncation [none, "
                f"{', '.join(str(k) for k in TRUNCATIONS[1:])}], H={self.H}, N={self.N}, seed={self.seed})")

    def render(self, s, logs=None):
        return render(self.data, s, logs)

    def caption(self, s, logs=None):
        return caption(self.data, s, logs)

    def valuetext(self, s):
        return f"ρ = {fmt(self.data['rho'][s['rho']], 2)}, step {s['rho'] + 1} of {len(self.data['rho'])}"

    def compute(self, s):
        """The curve of state s, computed now with lib's BPTT (truncation included), as log10 per step."""
        d = self.data
        cell, act, fb = variants()[variant_index(s)]
        k = d["tr"][s["tr"]] or None
        return log_norms(curve(cell, d["T"][s["T"]], d["rho"][s["rho"]], activation=act or "tanh",
                               forget_bias=fb or 0.0, truncation=k, seed=self.seed, H=self.H, N=self.N))

    def body_html(self):
        root, d, s = self.id, self.data, self.start
        choices = (labelled_select(root, "cell", "cell", d["cells"], s["cell"])
                   + labelled_select(root, "act", "activation (RNN)", d["act"], s["act"])
                   + labelled_select(root, "fb", "forget-gate bias (LSTM)", [fmt(b, 0) for b in d["fb"]], s["fb"])
                   + labelled_select(root, "len", "length T", d["T"], s["T"])
                   + labelled_select(root, "tr", "truncation", ["none"] + [str(k) for k in d["tr"][1:]], s["tr"]))
        return (f'<div class="dls-controls">{choices}</div>'
                f'<div class="dls-view">{self.render(s)}</div>'
                + stepper_html(root, len(d["rho"]), self.valuetext(s), label="spectral radius ρ", k=s["rho"])
                + caption_html(self.caption(s)) + legend())

    def make_live(self):
        return LiveGradientDecay(self)


class LiveGradientDecay:
    """ipywidgets controls; every change recomputes the curve with lib's BPTT and redraws it with `render`."""

    def __init__(self, gd):
        import ipywidgets as W

        self.gd = gd
        self.root = gd.id + "-live"
        d, s = gd.data, gd.start
        self.stepper = LiveStepper(len(d["rho"]), label="ρ")
        self.slider = self.stepper.slider
        self.slider.value = s["rho"]
        self.rho_label = W.Label()

        def dropdown(label, options, value):
            return W.Dropdown(options=[(str(o), n) for n, o in enumerate(options)], value=value, description=label,
                              style={"description_width": "initial"}, layout=W.Layout(width="auto"))

        self.cell = dropdown("cell", d["cells"], s["cell"])
        self.act = dropdown("activation (RNN)", d["act"], s["act"])
        self.fb = dropdown("forget-gate bias (LSTM)", [fmt(b, 0) for b in d["fb"]], s["fb"])
        self.T = dropdown("length T", d["T"], s["T"])
        self.tr = dropdown("truncation", ["none"] + [str(k) for k in d["tr"][1:]], s["tr"])
        self.display = W.HTML()
        self._redraw()
        row = W.HBox([self.cell, self.act, self.fb, self.T, self.tr], layout=W.Layout(flex_flow="row wrap"))
        self.box = W.VBox([row, self.display, W.HBox([self.stepper.box, self.rho_label])])
        self.slider.observe(self._redraw, names="value")
        self.cell.observe(self._redraw, names="value")
        self.act.observe(lambda _: self._pick(0), names="value")
        self.fb.observe(lambda _: self._pick(1), names="value")
        for w in (self.T, self.tr):
            w.observe(self._redraw, names="value")

    def state(self):
        return {"cell": self.cell.value, "act": self.act.value, "fb": self.fb.value, "T": self.T.value,
                "rho": self.slider.value, "tr": self.tr.value}

    def _pick(self, cell):
        """Choosing an activation means the vanilla RNN, choosing a forget-gate bias the LSTM."""
        if self.cell.value != cell:
            self.cell.value = cell  # redraws
        else:
            self._redraw()

    def _redraw(self, change=None):
        s = self.state()
        logs = self.gd.compute(s)
        body = (f'<div class="dls-view">{self.gd.render(s, logs)}</div>'
                + caption_html(self.gd.caption(s, logs)) + legend())
        self.rho_label.value = f"ρ = {fmt(self.gd.data['rho'][s['rho']], 2)}"
        self.display.value = live_html(self.root, self.gd.css(self.root), body)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.box._repr_mimebundle_()


def gradient_decay(name="gradient-decay", seed=0, H=16, N=8):
    """The gradient-decay widget: ||dL/dh_t|| against t on a log axis, with the rate rho^(T-1-t) beside it.

    Controls: cell (vanilla RNN, LSTM, GRU), the RNN's activation, the LSTM's forget-gate bias, the length T,
    the truncation length and the spectral radius rho of W_h (each gate block's, for a gated cell). `seed`
    draws the weights, inputs and loss gradient (the same for every setting); H hidden units, N sequences.
    `name` fixes the HTML id.
    """
    return GradientDecay(name, seed, H, N)
