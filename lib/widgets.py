"""The sliding-kernel widget: every step of a 2-D convolution (or of its backward pass), live and static.

One compute function, `conv_steps`, records every position of the kernel. `sliding_kernel` turns the steps of
every kernel x padding x stride combination into compact JSON and shows them two ways from the same data:
a live ipywidgets view in Jupyter, and a self-contained HTML/JS view (no kernel, no network) on the website.
"""
import hashlib
import html
import json
import re
from dataclasses import dataclass

import numpy as np

from .conv import _check_int, output_size
from .validate import as_float_array

MODES = ("forward", "backward")
MAX_SIDE = 16  # the widget draws every cell; larger grids are unreadable and make the page heavy
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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
    return c


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
# Drawing one state (Python); _SCRIPT below draws the same markup in the browser, character for character
# ----------------------------------------------------------------------------------------------------------

def _fmt(v, d):
    s = f"{v:.{d}f}"
    if re.fullmatch(r"-0(\.0+)?", s):
        s = s[1:]
    return s.replace("-", "\u2212")


def _term(v, d):
    s = _fmt(v, d)
    return f"({s})" if s.startswith("\u2212") else s


def _cell(cls, v, small=""):
    attr = f' class="{cls}"' if cls else ""
    body = "" if v is None else f'<span class="v">{v}</span>'
    if small:
        body += f'<span class="s">{small}</span>'
    return f"<td{attr}>{body}</td>"


def _grid(title, rows, cols, cell, wide=False):
    body = "".join("<tr>" + "".join(cell(r, q) for q in range(cols)) + "</tr>" for r in range(rows))
    return (f'<div class="dls-panel"><div class="dls-title">{title}</div>'
            f'<table class="g{" wide" if wide else ""}"><tbody>{body}</tbody></table></div>')


def _pair(op, panel):
    return f'<div class="dls-pair"><div class="dls-op">{op}</div>{panel}</div>'


def _pad_class(c, r, q):
    p = c["p"]
    return r < p or q < p or r >= c["h"] - p or q >= c["w"] - p


def render_state(c, k, mode):
    """HTML of the state after step k of combination c (the part of the widget that changes)."""
    d, dx_, dk, dg = c["d"], c["dx"], c["dk"], c["dg"]
    kh, kw, n = c["kh"], c["kw"], c["kh"] * c["kw"]
    i, j, top, left, value = c["t"][k][:5]
    prods = c["t"][k][5:5 + n]
    p, s = c["p"], c["s"]
    H, W = c["h"] - 2 * p, c["w"] - 2 * p

    def in_win(r, q):
        return top <= r < top + kh and left <= q < left + kw

    def cls(*names):
        return " ".join(x for x in names if x)

    grid, filled = replay(c, k, mode)
    padded = " (padded)" if p else ""
    kernel = _grid("kernel w", kh, kw, lambda r, q: _cell("", _fmt(c["k"][r * kw + q], dk)))
    if mode == "forward":
        x = _grid("input x" + padded, c["h"], c["w"], lambda r, q: _cell(
            cls("p" if _pad_class(c, r, q) else "", "w" if in_win(r, q) else ""), _fmt(c["x"][r * c["w"] + q], dx_)))
        pr = _grid("window × kernel", kh, kw, lambda r, q: _cell("w", _fmt(prods[r * kw + q], d), _term(
            c["x"][(top + r) * c["w"] + left + q], dx_) + "×" + _term(c["k"][r * kw + q], dk)), wide=True)
        out = _grid("output", c["oh"], c["ow"], lambda r, q: _cell(
            "c" if (r, q) == (i, j) else "" if filled[r, q] else "e",
            _fmt(grid[r, q], d) if filled[r, q] else None))
        panels = x + _pair("⊙", kernel) + _pair("=", pr) + _pair("→ Σ", out)
        info = f"input {H}×{W} · kernel {kh}×{kw} · padding {p} · stride {s} → output {c['oh']}×{c['ow']}"
        terms = " + ".join(_term(c["x"][(top + r) * c["w"] + left + q], dx_) + "·" + _term(c["k"][r * kw + q], dk)
                           for r in range(kh) for q in range(kw))
        caption = f"output[{i}, {j}] = {terms} = {_fmt(value, d)}"
    else:
        g = _grid("upstream gradient δ", c["oh"], c["ow"], lambda r, q: _cell(
            "c" if (r, q) == (i, j) else "" if r * c["ow"] + q < k else "e", _fmt(c["g"][r * c["ow"] + q], dg)))
        pr = _grid(f"δ[{i}, {j}] · w", kh, kw, lambda r, q: _cell(
            "w", _fmt(prods[r * kw + q], d), _term(value, dg) + "×" + _term(c["k"][r * kw + q], dk)), wide=True)
        dx = _grid("input gradient dx" + padded, c["h"], c["w"], lambda r, q: _cell(
            cls("p" if _pad_class(c, r, q) else "", "w" if in_win(r, q) else "", "" if filled[r, q] else "e"),
            _fmt(grid[r, q], d)))
        panels = g + _pair("×", kernel) + _pair("=", pr) + _pair("→ +=", dx)
        info = (f"δ {c['oh']}×{c['ow']} · kernel {kh}×{kw} · padding {p} · stride {s} → dx {H}×{W}"
                + (" (the grey border is padding: its gradient is dropped)" if p else ""))
        where = " (padded coordinates)" if p else ""
        caption = (f"δ[{i}, {j}] = {_fmt(value, dg)} flows back through the kernel: "
                   f"dx[{top}:{top + kh}, {left}:{left + kw}] += {_term(value, dg)}·w{where}")
    steps = len(c["t"])
    return (f'<p class="dls-info">{info} · step {k + 1} of {steps}</p>'
            f'<div class="dls-panels">{panels}</div>'
            f'<p class="dls-caption" aria-live="polite">{caption}</p>')


# The browser version of render_state, drawing the same markup from the same numbers.
_SCRIPT = r"""(function () {
  var R = document.getElementById("__ID__");
  if (!R || R.getAttribute("data-ready")) return;  // a second copy of the same id is left as drawn
  R.setAttribute("data-ready", "1");
  var D = __DATA__;
  var V = R.querySelector(".dls-view"), P = R.querySelector("input[type=range]");
  var K = R.querySelector(".dls-kernel"), A = R.querySelector(".dls-pad"), S = R.querySelector(".dls-stride");
  function ix(e) { return e ? parseInt(e.value, 10) : 0; }
  function f(v, e) {  // fixed decimals, no "-0", a real minus sign
    var s = v.toFixed(e);
    if (/^-0(\.0+)?$/.test(s)) s = s.slice(1);
    return s.replace("-", "\u2212");
  }
  function t(v, e) { var s = f(v, e); return s.charAt(0) == "\u2212" ? "(" + s + ")" : s; }
  function cell(c, v, sm) {
    return "<td" + (c ? ' class="' + c + '"' : "") + ">" + (v === null ? "" : '<span class="v">' + v + "</span>")
      + (sm ? '<span class="s">' + sm + "</span>" : "") + "</td>";
  }
  function grid(title, rows, cols, fn, wide) {
    var h = "";
    for (var r = 0; r < rows; r++) {
      h += "<tr>";
      for (var q = 0; q < cols; q++) h += fn(r, q);
      h += "</tr>";
    }
    return '<div class="dls-panel"><div class="dls-title">' + title + '</div><table class="g'
      + (wide ? " wide" : "") + '"><tbody>' + h + "</tbody></table></div>";
  }
  function pair(o, x) { return '<div class="dls-pair"><div class="dls-op">' + o + "</div>" + x + "</div>"; }
  function cls() {
    var a = [];
    for (var n = 0; n < arguments.length; n++) if (arguments[n]) a.push(arguments[n]);
    return a.join(" ");
  }
  function draw() {
    var c = D.c[(ix(K) * D.np + ix(A)) * D.ns + ix(S)], T = c.t.length, d = c.d, dx = c.dx, dk = c.dk, dg = c.dg;
    P.max = String(T - 1);
    var k = Math.min(parseInt(P.value, 10), T - 1);
    var kh = c.kh, kw = c.kw, n = kh * kw, st = c.t[k], i = st[0], j = st[1], top = st[2], left = st[3];
    var val = st[4], pr = st.slice(5, 5 + n), p = c.p, H = c.h - 2 * p, W = c.w - 2 * p, fwd = D.mode == "forward";
    // replay steps 0..k: the output cells written so far, or the window values of dx after each step
    var gr = [], fl = [], rows = fwd ? c.oh : c.h, cols = fwd ? c.ow : c.w, r, q, m;
    for (r = 0; r < rows; r++) {
      gr.push([]); fl.push([]);
      for (q = 0; q < cols; q++) { gr[r].push(0); fl[r].push(false); }
    }
    for (m = 0; m <= k; m++) {
      var s = c.t[m];
      if (fwd) { gr[s[0]][s[1]] = s[4]; fl[s[0]][s[1]] = true; }
      else for (r = 0; r < kh; r++) for (q = 0; q < kw; q++) {
        gr[s[2] + r][s[3] + q] = s[5 + n + r * kw + q]; fl[s[2] + r][s[3] + q] = true;
      }
    }
    function win(r, q) { return r >= top && r < top + kh && q >= left && q < left + kw; }
    function pc(r, q) { return r < p || q < p || r >= c.h - p || q >= c.w - p; }
    var padded = p ? " (padded)" : "", panels, info, cap;
    var kern = grid("kernel w", kh, kw, function (r, q) { return cell("", f(c.k[r * kw + q], dk)); });
    if (fwd) {
      var x = grid("input x" + padded, c.h, c.w, function (r, q) {
        return cell(cls(pc(r, q) ? "p" : "", win(r, q) ? "w" : ""), f(c.x[r * c.w + q], dx));
      });
      var pp = grid("window × kernel", kh, kw, function (r, q) {
        return cell("w", f(pr[r * kw + q], d), t(c.x[(top + r) * c.w + left + q], dx) + "×" + t(c.k[r * kw + q], dk));
      }, 1);
      var out = grid("output", c.oh, c.ow, function (r, q) {
        return cell(r == i && q == j ? "c" : fl[r][q] ? "" : "e", fl[r][q] ? f(gr[r][q], d) : null);
      });
      panels = x + pair("⊙", kern) + pair("=", pp) + pair("→ Σ", out);
      info = "input " + H + "×" + W + " · kernel " + kh + "×" + kw + " · padding " + p + " · stride " + c.s
        + " → output " + c.oh + "×" + c.ow;
      var terms = [];
      for (r = 0; r < kh; r++) for (q = 0; q < kw; q++) {
        terms.push(t(c.x[(top + r) * c.w + left + q], dx) + "·" + t(c.k[r * kw + q], dk));
      }
      cap = "output[" + i + ", " + j + "] = " + terms.join(" + ") + " = " + f(val, d);
    } else {
      var g = grid("upstream gradient δ", c.oh, c.ow, function (r, q) {
        return cell(r == i && q == j ? "c" : r * c.ow + q < k ? "" : "e", f(c.g[r * c.ow + q], dg));
      });
      var pp2 = grid("δ[" + i + ", " + j + "] · w", kh, kw, function (r, q) {
        return cell("w", f(pr[r * kw + q], d), t(val, dg) + "×" + t(c.k[r * kw + q], dk));
      }, 1);
      var gx = grid("input gradient dx" + padded, c.h, c.w, function (r, q) {
        return cell(cls(pc(r, q) ? "p" : "", win(r, q) ? "w" : "", fl[r][q] ? "" : "e"), f(gr[r][q], d));
      });
      panels = g + pair("×", kern) + pair("=", pp2) + pair("→ +=", gx);
      info = "δ " + c.oh + "×" + c.ow + " · kernel " + kh + "×" + kw + " · padding " + p + " · stride " + c.s
        + " → dx " + H + "×" + W + (p ? " (the grey border is padding: its gradient is dropped)" : "");
      cap = "δ[" + i + ", " + j + "] = " + f(val, dg) + " flows back through the kernel: dx[" + top + ":" + (top + kh)
        + ", " + left + ":" + (left + kw) + "] += " + t(val, dg) + "·w" + (p ? " (padded coordinates)" : "");
    }
    V.innerHTML = '<p class="dls-info">' + info + " · step " + (k + 1) + " of " + T + '</p><div class="dls-panels">'
      + panels + '</div><p class="dls-caption" aria-live="polite">' + cap + "</p>";
  }
  P.addEventListener("input", draw);
  P.addEventListener("change", draw);
  [K, A, S].forEach(function (e) {
    if (e) { e.addEventListener("change", draw); e.addEventListener("input", draw); }
  });
})();"""


def _compact(js):
    """The script without indentation and whole-line comments (it ships inside every widget)."""
    lines = (line.strip() for line in js.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def _css(root):
    r = f"#{root}"
    return "".join(f"{r}{sel}{{{body}}}" for sel, body in [
        ("", "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:14px;"
             "color:#222;background:#fff;border:1px solid #d9d9d9;border-radius:8px;padding:10px 14px;"
             "margin:10px 0;overflow-x:auto;line-height:1.3"),
        (" .dls-controls", "display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center;margin:0 0 6px"),
        (" .dls-controls label", "font-weight:600;margin-right:6px;color:#333"),
        (" .dls-controls input[type=range]", "width:200px;vertical-align:middle;accent-color:#0072B2"),
        (" .dls-controls select", "font:inherit;padding:1px 4px;border:1px solid #bbb;border-radius:4px;"
                                  "background:#fff;color:#222"),
        (" :focus-visible", "outline:2px solid #0072B2;outline-offset:2px"),
        (" .dls-info", "margin:0 0 8px;color:#555;font-size:13px"),
        (" .dls-panels", "display:flex;flex-wrap:wrap;align-items:center;gap:10px 10px"),
        (" .dls-pair", "display:flex;align-items:center;gap:10px"),
        (" .dls-panel", "display:flex;flex-direction:column;align-items:center"),
        (" .dls-title", "font-size:12px;color:#555;margin:0 0 4px;white-space:nowrap"),
        (" .dls-op", "font-size:18px;color:#888;padding-top:16px;white-space:nowrap"),
        (" table.g", "border-collapse:collapse;margin:0;border:none;font-size:14px;width:auto"),
        (" .g tr", "background:transparent;border:none"),
        (" .g td", "width:36px;min-width:36px;height:33px;padding:0;border:1px solid #c9c9c9;background:#fff;"
                   "color:#222;text-align:center;vertical-align:middle;font-variant-numeric:tabular-nums;"
                   "line-height:1.1"),
        (" .g.wide td", "width:50px;min-width:50px"),
        (" .g td span.v", "display:block;font-size:14px"),
        (" .g td span.s", "display:block;font-size:9.5px;color:#5a5a5a;white-space:nowrap"),
        (" .g td.p", "background:#eeeeee;color:#8a8a8a"),
        (" .g td.e", "background:#f7f7f7;color:#b0b0b0"),
        (" .g td.w", "background:#cfe5f5;box-shadow:inset 0 0 0 2px #0072B2;color:#10324a"),
        (" .g td.p.w", "background:#dde7ee;color:#6a7f8f"),
        (" .g td.c", "background:#fbe0a8;box-shadow:inset 0 0 0 2px #E69F00;font-weight:600"),
        (" .dls-caption", "margin:8px 0 0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
                          "font-size:13px;color:#222;overflow-wrap:anywhere"),
    ])


# ----------------------------------------------------------------------------------------------------------
# The widget object the notebook displays
# ----------------------------------------------------------------------------------------------------------

def widget_id(name):
    """The HTML id of a widget: readable from the name plus a short hash of it, so distinct names never collide."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "widget"
    return f"dls-{slug}-{hashlib.sha1(str(name).encode()).hexdigest()[:8]}"


def _tuple_of_ints(v, who, name, low):
    v = (v,) if isinstance(v, (int, np.integer)) else tuple(v)
    if not v:
        raise ValueError(f"{who}: {name} is empty; give at least one value")
    v = tuple(_check_int(who, f"each of {name}", a, low) for a in v)
    if len(set(v)) != len(v):
        raise ValueError(f"{who}: {name} {v} has repeated values")
    return v


class SlidingKernel:
    """A kernel sliding over a 2-D input: live ipywidgets in Jupyter, self-contained HTML/JS on the website."""

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
        self.mode, self.name, self.id = mode, str(name), widget_id(name)

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
        self._live = None

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
        """HTML of the view after step k of a combination (no controls, no style)."""
        return render_state(self.data["c"][combo], k, self.mode)

    def __repr__(self):
        H, W = self.x.shape
        names = ", ".join(self.kernels)
        return (f"SlidingKernel({self.name!r}, {self.mode}, input {H}×{W}, kernels [{names}], "
                f"pads {list(self.pads)}, strides {list(self.strides)})")

    # -- static HTML/JS ------------------------------------------------------------------------------------

    def _select(self, cls, label, options):
        if len(options) < 2:
            return ""
        sid = f"{self.id}-{cls}"
        opts = "".join(f'<option value="{n}"{" selected" if n == 0 else ""}>{html.escape(str(o))}</option>'
                       for n, o in enumerate(options))
        return (f'<span><label for="{sid}">{label}</label>'
                f'<select id="{sid}" class="dls-{cls}">{opts}</select></span>')

    def html(self):
        """The self-contained widget: controls, the first state drawn, the data and the script that draws the rest."""
        root, steps = self.id, len(self.data["c"][0]["t"])
        data = json.dumps(self.data, separators=(",", ":"))
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        controls = (f'<span><label for="{root}-pos">position</label>'
                    f'<input type="range" id="{root}-pos" class="dls-pos" min="0" max="{steps - 1}" step="1" '
                    f'value="0"></span>'
                    + self._select("kernel", "kernel", list(self.kernels))
                    + self._select("pad", "padding", self.pads)
                    + self._select("stride", "stride", self.strides))
        return (f'<div class="dls-widget" id="{root}"><style>{_css(root)}</style>'
                f'<div class="dls-controls">{controls}</div>'
                f'<div class="dls-view">{self.render(0, 0)}</div>'
                f"<script>{_compact(_SCRIPT).replace('__ID__', root).replace('__DATA__', data)}</script></div>")

    def page(self, title="sliding kernel"):
        """A complete standalone HTML page holding only this widget (for browser checks)."""
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
                f"</head><body>{self.html()}</body></html>")

    # -- live ipywidgets view ------------------------------------------------------------------------------

    def live(self):
        """The live ipywidgets view (built once, then reused)."""
        if self._live is None:
            self._live = LiveSlidingKernel(self)
        return self._live

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.html()}
        view = self.live().box._repr_mimebundle_()
        if WIDGET_VIEW in view:
            bundle[WIDGET_VIEW] = view[WIDGET_VIEW]
        return bundle


class LiveSlidingKernel:
    """ipywidgets controls driving an HTML display drawn from the same step data as the static view."""

    def __init__(self, sk):
        import ipywidgets as W

        self.sk = sk
        self.root = sk.id + "-live"
        self.slider = W.IntSlider(value=0, min=0, max=len(sk.data["c"][0]["t"]) - 1, step=1,
                                  description="position", continuous_update=True)

        def dropdown(label, options):
            return W.Dropdown(options=[(str(o), n) for n, o in enumerate(options)], value=0, description=label,
                              layout=W.Layout(width="auto"), disabled=len(options) < 2)

        self.kernel = dropdown("kernel", list(sk.kernels))
        self.pad = dropdown("padding", sk.pads)
        self.stride = dropdown("stride", sk.strides)
        self.display = W.HTML(value=self._html())
        shown = [d for d, opts in ((self.kernel, sk.kernels), (self.pad, sk.pads), (self.stride, sk.strides))
                 if len(opts) > 1]
        self.box = W.VBox([W.HBox([self.slider, *shown], layout=W.Layout(flex_flow="row wrap")), self.display])
        self.slider.observe(self._redraw, names="value")
        for d in (self.kernel, self.pad, self.stride):
            d.observe(self._choose, names="value")

    def _combo(self):
        return self.sk.combo_index(self.kernel.value, self.pad.value, self.stride.value)

    def _html(self):
        view = self.sk.render(self._combo(), self.slider.value)
        return (f'<div class="dls-widget" id="{self.root}"><style>{_css(self.root)}</style>'
                f'<div class="dls-view">{view}</div></div>')

    def _redraw(self, change=None):
        self.display.value = self._html()

    def _choose(self, change=None):
        steps = len(self.sk.data["c"][self._combo()]["t"])
        self.slider.value = min(self.slider.value, steps - 1)  # keep the position if it still exists
        self.slider.max = steps - 1
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
