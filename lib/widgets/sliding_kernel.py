"""The sliding-kernel widget: every step of a 2-D convolution (or of its backward pass), live and static.

One compute function, `conv_steps`, records every position of the kernel. `sliding_kernel` turns the steps of
every kernel x padding x stride combination into compact JSON and shows them two ways from the same data:
a live ipywidgets view in Jupyter, and a self-contained HTML/JS view (no kernel, no network) on the website.
"""
from dataclasses import dataclass

import numpy as np

from ..conv import _check_int, output_size
from ..validate import as_float_array
from .common import (LiveStepper, Widget, caption_html, cell, classes, fmt, grid, labelled_select, legend_html, level,
                     live_html, step_text, stepper_html, term)

MODES = ("forward", "backward")
MAX_SIDE = 16  # the widget draws every cell; larger grids are unreadable and make the page heavy


# ----------------------------------------------------------------------------------------------------------
# Compute: every step of the sliding kernel
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConvStep:
    """One position of the kernel: where it sits, what it multiplies, and the result grid after this step."""

    k: int  # step number, in raster order over the output cells
    i: int  # output row
    j: int  # output column
    top: int  # window's first row in the padded input
    left: int  # window's first column in the padded input
    products: np.ndarray  # (KH, KW): window * w (forward) or delta[i, j] * w (backward)
    value: float  # output[i, j] (forward) or delta[i, j] (backward)
    grid: np.ndarray  # forward: output so far (OH, OW); backward: padded input gradient so far (H+2P, W+2P)
    filled: np.ndarray  # bool, shape of grid: cells written so far

    @property
    def window(self):
        """The window as (row slice, column slice) of the padded input."""
        KH, KW = self.products.shape
        return slice(self.top, self.top + KH), slice(self.left, self.left + KW)


@dataclass(frozen=True)
class ConvTrace:
    """All steps of one convolution (or its backward pass) of a 2-D input with a 2-D kernel."""

    mode: str
    x: np.ndarray  # (H, W)
    w: np.ndarray  # (KH, KW)
    pad: int
    stride: int
    delta: np.ndarray  # (OH, OW) upstream gradient in backward mode, None in forward mode
    steps: list
    result: np.ndarray  # forward: output (OH, OW); backward: input gradient dx (H, W), padding cropped

    @property
    def x_padded(self):
        return np.pad(self.x, self.pad)  # (H+2P, W+2P)

    @property
    def output_shape(self):
        return self.steps[-1].i + 1, self.steps[-1].j + 1

    def __len__(self):
        return len(self.steps)

    def __repr__(self):
        (H, W), (KH, KW), (OH, OW) = self.x.shape, self.w.shape, self.output_shape
        return (f"ConvTrace({self.mode}, input ({H}, {W}), kernel ({KH}, {KW}), pad {self.pad}, "
                f"stride {self.stride}, output ({OH}, {OW}), {len(self.steps)} steps)")


def _output_shape(x_shape, w_shape, pad, stride, who):
    """(OH, OW) by lib.conv's rule, so the widget accepts exactly the sizes conv2d accepts."""
    try:
        return tuple(output_size(n, k, pad, stride) for n, k in zip(x_shape, w_shape))
    except ValueError as e:
        raise ValueError(f"{who}: input {tuple(x_shape)} with kernel {tuple(w_shape)}, pad {pad}, stride {stride} "
                         f"does not fit ({e})") from None


def default_delta(shape):
    """The upstream gradient the backward view uses unless given one: 1, 2, 3, ... in raster order."""
    return np.arange(1.0, int(np.prod(shape)) + 1.0).reshape(shape)


def conv_steps(x, w, pad=0, stride=1, mode="forward", delta=None):
    """Every step of the 2-D cross-correlation of x (H, W) with w (KH, KW), or of its backward pass to x."""
    who = "conv_steps"
    x = as_float_array(x, who, "input", ndim=2)  # (H, W)
    w = as_float_array(w, who, "kernel", ndim=2)  # (KH, KW)
    pad = _check_int(who, "pad", pad, 0)
    stride = _check_int(who, "stride", stride, 1)
    if mode not in MODES:
        raise ValueError(f"{who}: mode must be 'forward' or 'backward', got {mode!r}")
    xp = np.pad(x, pad)  # (H+2P, W+2P)
    (H, W), (KH, KW) = x.shape, w.shape
    if KH > xp.shape[0] or KW > xp.shape[1]:
        raise ValueError(f"{who}: kernel {w.shape} is larger than padded input {xp.shape} "
                         f"(input {x.shape}, pad {pad})")
    OH, OW = _output_shape(x.shape, w.shape, pad, stride, who)
    if mode == "backward":
        delta = default_delta((OH, OW)) if delta is None else as_float_array(delta, who, "delta", ndim=2)
        if delta.shape != (OH, OW):
            raise ValueError(f"{who}: delta has shape {delta.shape}, the output of input {x.shape} with kernel "
                             f"{w.shape}, pad {pad}, stride {stride} has shape {(OH, OW)}")
    elif delta is not None:
        raise ValueError(f"{who}: delta (the upstream gradient) is only used with mode='backward'")

    grid = np.zeros((OH, OW) if mode == "forward" else xp.shape)
    filled = np.zeros(grid.shape, dtype=bool)
    steps = []
    for i in range(OH):
        for j in range(OW):
            top, left = i * stride, j * stride
            rows, cols = slice(top, top + KH), slice(left, left + KW)
            if mode == "forward":
                products = xp[rows, cols] * w  # (KH, KW) elementwise product of window and kernel
                value = float(products.sum())
                grid[i, j], filled[i, j] = value, True
            else:
                value = float(delta[i, j])
                products = value * w  # (KH, KW): what delta[i, j] sends back to each window cell
                grid[rows, cols] += products
                filled[rows, cols] = True
            steps.append(ConvStep(len(steps), i, j, top, left, products, value, grid.copy(), filled.copy()))
    result = grid.copy() if mode == "forward" else grid[pad:pad + H, pad:pad + W].copy()
    return ConvTrace(mode, x, w, pad, stride, delta, steps, result)


# ----------------------------------------------------------------------------------------------------------
# Data: the steps of every combination as compact JSON-ready numbers, rounded to what is shown
# ----------------------------------------------------------------------------------------------------------

def _is_whole(*arrays):
    return all(np.all(np.equal(np.mod(a, 1), 0)) for a in arrays)


def auto_decimals(trace):
    """Decimals shown for input x, kernel k, delta g and computed values d: 0 for whole numbers, else 2."""
    dec = {"dx": _is_whole(trace.x), "dk": _is_whole(trace.w),
           "dg": trace.delta is None or _is_whole(trace.delta)}
    dec["d"] = all(dec.values())
    return {key: 0 if whole else 2 for key, whole in dec.items()}


def _num(v, d):
    r = round(float(v), d) + 0.0  # + 0.0 turns -0.0 into 0.0
    return int(r) if d == 0 else r


def _nums(a, d):
    return [_num(v, d) for v in np.ravel(a)]


def trace_data(trace, dec):
    """One combination as plain numbers: padded input, kernel, (delta,) and per step i, j, top, left, value,
    the products and, in backward mode, the window of dx after the step; rounded to the decimals `dec` shown."""
    xp, d = trace.x_padded, dec["d"]
    c = {**dec, "h": xp.shape[0], "w": xp.shape[1], "kh": trace.w.shape[0], "kw": trace.w.shape[1],
         "oh": trace.output_shape[0], "ow": trace.output_shape[1], "p": trace.pad, "s": trace.stride,
         "x": _nums(xp, dec["dx"]), "k": _nums(trace.w, dec["dk"]), "t": []}
    if trace.mode == "backward":
        c["g"] = _nums(trace.delta, dec["dg"])
    vd = d if trace.mode == "forward" else dec["dg"]
    for s in trace.steps:
        row = [s.i, s.j, s.top, s.left, _num(s.value, vd)] + _nums(s.products, d)
        if trace.mode == "backward":
            row += _nums(s.grid[s.window], d)
        c["t"].append(row)
    # the ends of each grid's colour scale: its largest |value| over all steps, as shown
    n = c["kh"] * c["kw"]
    c["mx"], c["mk"] = _absmax(c["x"]), _absmax(c["k"])
    c["mp"] = _absmax(v for row in c["t"] for v in row[5:5 + n])
    if trace.mode == "forward":
        c["my"] = _absmax(row[4] for row in c["t"])
    else:
        c["my"], c["mg"] = _absmax(v for row in c["t"] for v in row[5 + n:]), _absmax(c["g"])
    return c


def _absmax(values):
    return max((abs(v) for v in values), default=0)


def replay(c, k, mode):
    """The grid and filled mask after step k, rebuilt from the data alone (what the JavaScript does)."""
    n = c["kh"] * c["kw"]
    if mode == "forward":
        grid, filled = np.zeros((c["oh"], c["ow"])), np.zeros((c["oh"], c["ow"]), dtype=bool)
        for row in c["t"][:k + 1]:
            grid[row[0], row[1]], filled[row[0], row[1]] = row[4], True
    else:
        grid, filled = np.zeros((c["h"], c["w"])), np.zeros((c["h"], c["w"]), dtype=bool)
        for row in c["t"][:k + 1]:
            win = slice(row[2], row[2] + c["kh"]), slice(row[3], row[3] + c["kw"])
            grid[win] = np.reshape(row[5 + n:5 + 2 * n], (c["kh"], c["kw"]))
            filled[win] = True
    return grid, filled


# ----------------------------------------------------------------------------------------------------------
# Drawing one state (Python); assets/sliding_kernel.js draws the same markup in the browser, character for character
# ----------------------------------------------------------------------------------------------------------

def _pair(op, panel):
    return f'<div class="dls-pair"><div class="dls-op">{op}</div>{panel}</div>'


def _pad_class(c, r, q):
    p = c["p"]
    return r < p or q < p or r >= c["h"] - p or q >= c["w"] - p


def _focus(r, q, here):
    """Output cells take focus (arrow keys move between them); Tab enters the grid at `here`."""
    return f' tabindex="{0 if (r, q) == here else -1}"'


def render_state(c, k, mode):
    """HTML of the view after step k of combination c: a line about the setting and the grids.

    Every number is also a colour on a diverging scale (classes from common.level), and the cells carry their
    state: p padding, e not yet computed, w in the window, c the current cell. The output grid has class "out",
    the grid it depends on (input x, or in backward mode δ) class "src".
    """
    d, dx_, dk, dg = c["d"], c["dx"], c["dk"], c["dg"]
    kh, kw, n = c["kh"], c["kw"], c["kh"] * c["kw"]
    i, j, top, left, value = c["t"][k][:5]
    prods = c["t"][k][5:5 + n]
    p, s = c["p"], c["s"]
    H, W = c["h"] - 2 * p, c["w"] - 2 * p

    def in_win(r, q):
        return top <= r < top + kh and left <= q < left + kw

    grid_, filled = replay(c, k, mode)
    padded = " (padded)" if p else ""
    kernel = grid("kernel w", kh, kw, lambda r, q: cell(level(c["k"][r * kw + q], c["mk"]),
                                                       fmt(c["k"][r * kw + q], dk)), "k")
    if mode == "forward":
        x = grid("input x" + padded, c["h"], c["w"], lambda r, q: cell(classes(
            "p" if _pad_class(c, r, q) else level(c["x"][r * c["w"] + q], c["mx"]), "w" if in_win(r, q) else ""),
            fmt(c["x"][r * c["w"] + q], dx_)), "src")
        pr = grid("window × kernel", kh, kw, lambda r, q: cell(
            classes(level(prods[r * kw + q], c["mp"]), "w"), fmt(prods[r * kw + q], d),
            term(c["x"][(top + r) * c["w"] + left + q], dx_) + "×" + term(c["k"][r * kw + q], dk)), "wide prod")
        out = grid("output", c["oh"], c["ow"], lambda r, q: cell(
            classes(level(grid_[r, q], c["my"]), "c" if (r, q) == (i, j) else "") if filled[r, q] else "e",
            fmt(grid_[r, q], d) if filled[r, q] else None, attrs=_focus(r, q, (i, j))), "out")
        panels = x + _pair("⊙", kernel) + _pair("=", pr) + _pair("→ Σ", out)
        info = f"input {H}×{W} · kernel {kh}×{kw} · padding {p} · stride {s} → output {c['oh']}×{c['ow']}"
    else:
        before, _ = replay(c, k - 1, mode) if k else (np.zeros_like(grid_), None)
        g = grid("upstream gradient δ", c["oh"], c["ow"], lambda r, q: cell(
            classes(level(c["g"][r * c["ow"] + q], c["mg"]), "c" if (r, q) == (i, j) else "")
            if r * c["ow"] + q <= k else "e", fmt(c["g"][r * c["ow"] + q], dg)), "src")
        pr = grid(f"δ[{i}, {j}] · w", kh, kw, lambda r, q: cell(
            classes(level(prods[r * kw + q], c["mp"]), "w"), fmt(prods[r * kw + q], d),
            term(value, dg) + "×" + term(c["k"][r * kw + q], dk)), "wide prod")
        sm = grid("new dx = before + δ·w", kh, kw, lambda r, q: cell(
            classes("p" if _pad_class(c, top + r, left + q) else level(grid_[top + r, left + q], c["my"]), "w"),
            fmt(grid_[top + r, left + q], d), fmt(before[top + r, left + q], d) + "+" + term(prods[r * kw + q], d)),
            "wide sum")
        dx = grid("input gradient dx" + padded, c["h"], c["w"], lambda r, q: cell(
            classes("p" if _pad_class(c, r, q) else level(grid_[r, q], c["my"]) if filled[r, q] else "e",
                    "w" if in_win(r, q) else ""), fmt(grid_[r, q], d), attrs=_focus(r, q, (top, left))), "out")
        panels = g + _pair("×", kernel) + _pair("=", pr) + _pair("→ +=", sm) + _pair("→", dx)
        info = (f"δ {c['oh']}×{c['ow']} · kernel {kh}×{kw} · padding {p} · stride {s} → dx {H}×{W}"
                + (" (the grey border is padding: its gradient is dropped)" if p else ""))
    return f'<p class="dls-info">{info}</p><div class="dls-panels">{panels}</div>'


def caption(c, k, mode):
    """The sentence under the grids (and what a screen reader announces): the step, then the sum or where δ goes."""
    d, dx_, dk, dg = c["d"], c["dx"], c["dk"], c["dg"]
    kh, kw = c["kh"], c["kw"]
    i, j, top, left, value = c["t"][k][:5]
    if mode == "forward":
        terms = " + ".join(term(c["x"][(top + r) * c["w"] + left + q], dx_) + "·" + term(c["k"][r * kw + q], dk)
                           for r in range(kh) for q in range(kw))
        what = f"output[{i}, {j}] = {terms} = {fmt(value, d)}"
    else:
        where = " (padded coordinates)" if c["p"] else ""
        what = (f"δ[{i}, {j}] = {fmt(value, dg)} flows back through the kernel: "
                f"dx[{top}:{top + kh}, {left}:{left + kw}] += {term(value, dg)}·w{where}")
    return f"step {step_text(k, len(c['t']))}: {what}"


def subject(c, k, mode):
    """What step k computes, for the slider's aria-valuetext: "output[0, 3]" or "δ[0, 3]"."""
    i, j = c["t"][k][:2]
    return f"{'output' if mode == 'forward' else 'δ'}[{i}, {j}]"


def legend(mode, padded):
    """The key of the widget's cell states (padding only if some choice pads)."""
    if mode == "forward":
        items = [("w", "window"), ("c", "current cell"), ("p", "padding"), ("e", "not yet computed"),
                 ("h", "inputs of the output cell you point at")]
    else:
        items = [("w", "window"), ("c", "current δ"), ("p", "padding (gradient dropped)"), ("e", "not yet reached"),
                 ("h", "δ reaching the dx cell you point at")]
    return legend_html([it for it in items if padded or it[0] != "p"])


# ----------------------------------------------------------------------------------------------------------
# The widget object the notebook displays
# ----------------------------------------------------------------------------------------------------------

def _tuple_of_ints(v, who, name, low):
    v = (v,) if isinstance(v, (int, np.integer)) else tuple(v)
    if not v:
        raise ValueError(f"{who}: {name} is empty; give at least one value")
    v = tuple(_check_int(who, f"each of {name}", a, low) for a in v)
    if len(set(v)) != len(v):
        raise ValueError(f"{who}: {name} {v} has repeated values")
    return v


class SlidingKernel(Widget):
    """A kernel sliding over a 2-D input: live ipywidgets in Jupyter, self-contained HTML/JS on the website."""

    assets = ("sliding_kernel",)
    title = "sliding kernel"

    def __init__(self, x, kernels, pads=(0,), strides=(1,), mode="forward", delta=None, name="sliding-kernel",
                 decimals=None):
        who = "sliding_kernel"
        if mode not in MODES:
            raise ValueError(f"{who}: mode must be 'forward' or 'backward', got {mode!r}")
        self.x = as_float_array(x, who, "input", ndim=2)  # (H, W)
        if max(self.x.shape) + 0 > MAX_SIDE:
            raise ValueError(f"{who}: input {self.x.shape} is too large to draw; use at most "
                             f"{MAX_SIDE}x{MAX_SIDE} cells")
        if not isinstance(kernels, dict):
            kernels = {"kernel": kernels}
        if not kernels:
            raise ValueError(f"{who}: kernels is empty; give at least one, e.g. {{'edge': k}}")
        self.kernels = {str(k): as_float_array(v, who, f"kernel {k!r}", ndim=2) for k, v in kernels.items()}
        self.pads = _tuple_of_ints(pads, who, "pads", 0)
        self.strides = _tuple_of_ints(strides, who, "strides", 1)
        if max(self.x.shape) + 2 * max(self.pads) > MAX_SIDE:
            raise ValueError(f"{who}: padded input {tuple(n + 2 * max(self.pads) for n in self.x.shape)} is "
                             f"too large to draw; use at most {MAX_SIDE}x{MAX_SIDE} cells")
        super().__init__(name)
        self.mode = mode

        self.traces = []  # [kernel][pad][stride] flattened in that order
        for kname, w in self.kernels.items():
            for p in self.pads:
                for s in self.strides:
                    try:
                        self.traces.append(conv_steps(self.x, w, p, s, mode, self._delta(delta, w, p, s)))
                    except ValueError as e:
                        raise ValueError(f"{who}: kernel {kname!r}: {str(e).removeprefix('conv_steps: ')}") from None
        if decimals is not None:
            decimals = _check_int(who, "decimals", decimals, 0)
        self.decimals = [auto_decimals(t) if decimals is None else dict.fromkeys(("dx", "dk", "dg", "d"), decimals)
                         for t in self.traces]
        self.data = {"mode": mode, "np": len(self.pads), "ns": len(self.strides),
                     "c": [trace_data(t, d) for t, d in zip(self.traces, self.decimals)]}

    def _delta(self, delta, w, p, s):
        if self.mode == "forward" or delta is None:
            return delta
        if callable(delta):
            return delta(_output_shape(self.x.shape, w.shape, p, s, "sliding_kernel"))
        return delta

    def combo_index(self, kernel=0, pad=0, stride=0):
        """Index into `traces` of the kernel, pad and stride choices (each an index into its list)."""
        return (kernel * len(self.pads) + pad) * len(self.strides) + stride

    def render(self, combo=0, k=0):
        """HTML of the view after step k of a combination: the setting and the grids (no controls, no style)."""
        return render_state(self.data["c"][combo], k, self.mode)

    def caption(self, combo=0, k=0):
        """The caption after step k of a combination (the text of the widget's live region)."""
        return caption(self.data["c"][combo], k, self.mode)

    def valuetext(self, combo=0, k=0):
        """What a screen reader says for the step slider: "output[0, 3], step 4 of 25"."""
        c = self.data["c"][combo]
        return f"{subject(c, k, self.mode)}, step {step_text(k, len(c['t']))}"

    def legend(self):
        return legend(self.mode, max(self.pads) > 0)

    def __repr__(self):
        H, W = self.x.shape
        names = ", ".join(self.kernels)
        return (f"SlidingKernel({self.name!r}, {self.mode}, input {H}×{W}, kernels [{names}], "
                f"pads {list(self.pads)}, strides {list(self.strides)})")

    def body_html(self):
        """Choices, the first state, the step controls, the caption and the key (the script draws other states)."""
        root, steps = self.id, len(self.data["c"][0]["t"])
        choices = (labelled_select(root, "kernel", "kernel", list(self.kernels))
                   + labelled_select(root, "pad", "padding", self.pads)
                   + labelled_select(root, "stride", "stride", self.strides))
        return ((f'<div class="dls-controls">{choices}</div>' if choices else "")
                + f'<div class="dls-view">{self.render(0, 0)}</div>'
                + stepper_html(root, steps, self.valuetext(0, 0))
                + caption_html(self.caption(0, 0)) + self.legend())

    def make_live(self):
        return LiveSlidingKernel(self)


class LiveSlidingKernel:
    """ipywidgets controls driving an HTML display drawn from the same step data as the static view."""

    def __init__(self, sk):
        import ipywidgets as W

        self.sk = sk
        self.root = sk.id + "-live"
        self.stepper = LiveStepper(len(sk.data["c"][0]["t"]))
        self.slider = self.stepper.slider

        def dropdown(label, options):
            return W.Dropdown(options=[(str(o), n) for n, o in enumerate(options)], value=0, description=label,
                              layout=W.Layout(width="auto"), disabled=len(options) < 2)

        self.kernel = dropdown("kernel", list(sk.kernels))
        self.pad = dropdown("padding", sk.pads)
        self.stride = dropdown("stride", sk.strides)
        self.display = W.HTML(value=self._html())
        shown = [d for d, opts in ((self.kernel, sk.kernels), (self.pad, sk.pads), (self.stride, sk.strides))
                 if len(opts) > 1]
        rows = [W.HBox(shown, layout=W.Layout(flex_flow="row wrap"))] if shown else []
        self.box = W.VBox(rows + [self.display, self.stepper.box])
        self.slider.observe(self._redraw, names="value")
        for d in (self.kernel, self.pad, self.stride):
            d.observe(self._choose, names="value")

    def _combo(self):
        return self.sk.combo_index(self.kernel.value, self.pad.value, self.stride.value)

    def _html(self):
        combo, k = self._combo(), self.slider.value
        body = (f'<div class="dls-view">{self.sk.render(combo, k)}</div>'
                + caption_html(self.sk.caption(combo, k)) + self.sk.legend())
        return live_html(self.root, self.sk.css(self.root), body)

    def _redraw(self, change=None):
        self.display.value = self._html()

    def _choose(self, change=None):
        self.stepper.set_count(len(self.sk.data["c"][self._combo()]["t"]))
        self._redraw()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.box._repr_mimebundle_()


def sliding_kernel(x, kernels, pads=(0,), strides=(1,), mode="forward", delta=None, name="sliding-kernel",
                   decimals=None):
    """A widget that slides each kernel over the 2-D input x for every padding and stride given.

    kernels: {name: (KH, KW) array} or one array. mode="backward" shows the upstream gradient delta flowing
    back to the input instead (delta: an (OH, OW) array, a function of the output shape, or None for 1, 2, 3...).
    `name` fixes the HTML id, so give each widget on a page its own name.
    """
    return SlidingKernel(x, kernels, pads, strides, mode, delta, name, decimals)
