"""Checkers for the exercises of section 2.3 (pooling, and a CNN on real digits).

Like the other checkers, each one runs the reader's function on hidden seeded cases, compares the result with
lib's reference (checked against a numerical gradient where the gradient exists, and against a plain loop
where windows hold ties), prints one sentence that names the likely mistake and returns a `CheckResult`.
"""

import numpy as np

from . import (_Case, _check_callable, _close, _constant_factor, _count_returned, _equals, _finish, _fn_name, _run,
               _verified)
from ._wrap import wrapped

__all__ = ["check_avg_pool_backward", "check_max_pool_backward", "check_unshared_params"]


def _pooling():
    """lib.pooling, imported only when a checker runs."""
    from .. import pooling
    return pooling


def _pool_backward(dout, x, K, S, kind, *, ties="first", accumulate=True, order="windows", divide=None, step=None,
                   use_dout=True):
    """The backward pass of max or average pooling written as loops: the right answer with the defaults, and
    with one option changed, a typical wrong one.

    ties: which cells of a max window get its gradient ("first", "last", "all" or "split" among the tied
    cells); accumulate=False writes `=` instead of `+=`, in a loop over the windows that assigns whole windows
    (order="windows"), over the K*K offsets inside a window (order="offsets"), or over the windows that assigns
    only the cells a window sends to, as `dx[n, c, i*S + p, j*S + q] = dout[n, c, i, j]` does (order="cells");
    divide: the divisor of an average (K*K when None); step="K": windows start at i*K instead of i*S;
    use_dout=False puts 1 instead of dout.
    """
    N, C, OH, OW = dout.shape
    divide = K * K if divide is None else divide
    step = S if step is None else K if step == "K" else step
    shares = np.zeros((N, C, OH, OW, K, K))  # what each window sends to each of its cells
    sends = np.zeros((N, C, OH, OW, K, K), dtype=bool)  # the cells each window sends something to
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i * step:i * step + K, j * step:j * step + K]
                    if window.size == 0:  # placed with the wrong step, the window can fall off the input
                        continue
                    d = dout[n, c, i, j] if use_dout else 1.0
                    share = shares[n, c, i, j, :window.shape[0], :window.shape[1]]
                    to = sends[n, c, i, j, :window.shape[0], :window.shape[1]]
                    if kind == "avg":
                        share[...] = d / divide
                        to[...] = True
                        continue
                    winners = window == window.max()
                    if ties == "first":
                        to.flat[np.argmax(winners)] = True
                    elif ties == "last":
                        to.flat[winners.size - 1 - np.argmax(winners.ravel()[::-1])] = True
                    else:  # all the tied cells
                        to[...] = winners
                    share[to] = d / winners.sum() if ties == "split" else d
    dx = np.zeros_like(x)
    H, W = x.shape[2:]
    if order == "cells":
        for i in range(OH):
            for j in range(OW):
                rows, cols = slice(i * step, i * step + K), slice(j * step, j * step + K)
                h, w = len(range(H)[rows]), len(range(W)[cols])
                to, part = sends[:, :, i, j, :h, :w], shares[:, :, i, j, :h, :w]
                target = dx[:, :, rows, cols]  # a view: assigning into it writes dx
                if accumulate:
                    target[to] += part[to]
                else:
                    target[to] = part[to]
        return dx
    if order == "offsets":
        for p in range(K):
            for q in range(K):
                rows, cols = slice(p, p + step * (OH - 1) + 1, step), slice(q, q + step * (OW - 1) + 1, step)
                part = shares[:, :, :, :, p, q][:, :, :len(range(H)[rows]), :len(range(W)[cols])]
                if accumulate:
                    dx[:, :, rows, cols] += part
                else:
                    dx[:, :, rows, cols] = part
        return dx
    for i in range(OH):
        for j in range(OW):
            rows, cols = slice(i * step, i * step + K), slice(j * step, j * step + K)
            part = shares[:, :, i, j, :len(range(H)[rows]), :len(range(W)[cols])]
            if accumulate:
                dx[:, :, rows, cols] += part
            else:
                dx[:, :, rows, cols] = part
    return dx


def _cases(kind, seed, configs):
    """Hidden cases (dout, x, K, S); windows that tie (integer inputs) are checked against the loop only."""
    pool = _pooling()
    forward, backward = ((pool.max_pool2d, pool.max_pool2d_backward) if kind == "max"
                         else (pool.avg_pool2d, pool.avg_pool2d_backward))
    rng = np.random.default_rng(seed)
    who = f"check_{kind}_pool_backward"
    cases = []
    for N, C, H, W, K, S, tied in configs:
        x = (rng.integers(0, 3, (N, C, H, W)).astype(np.float64) if tied else rng.standard_normal((N, C, H, W)))
        y = forward(x, K, S)
        dout = rng.standard_normal(y.shape)
        dx = backward(dout, x, K, S)
        if tied:  # max is not differentiable where a window ties: the rule is checked against the loop
            if not _close(dx, _pool_backward(dout, x, K, S, kind)):
                raise RuntimeError(f"{who}: lib disagrees with a direct loop; this is a bug in lib, not in your "
                                   "function")
        else:
            def loss(x=x, dout=dout, K=K, S=S):
                return float(np.sum(forward(x, K, S) * dout))
            _verified(who, {"dx": dx}, loss, {"dx": x})
        cases.append(_Case({"dout": dout, "x": x, "K": K, "S": S}, {"dx": dx},
                           dout=dout, x=x, K=K, S=S, overlap=S < K))
    return cases


def _variant(kind, **options):
    """A hint transform: the loop backward with one option changed."""
    return lambda c: _pool_backward(c["dout"], c["x"], c["K"], c["S"], kind, **options)


def _overwrites(kind):
    """Hint for `=` instead of `+=`, named only where windows overlap."""
    def hint(name, got, expected, case):
        c = case.context
        if name != "dx" or not c["overlap"] or _close(got, expected):
            return None
        if got.shape == expected.shape and any(_close(got, _variant(kind, accumulate=False, order=o)(c))
                                               for o in ("windows", "offsets", "cells")):
            return ("dx is wrong only where windows overlap: it looks like `=` instead of `+=`, so a cell in "
                    "several windows keeps the gradient of the last one; add them up (the branch rule).")
        return None
    return hint


def _factor(name, got, expected, case):
    """Hint for an average gradient off by a constant factor: K*K, K, or 1 / (K*K)."""
    if name != "dx" or got.shape != expected.shape or _close(got, expected):
        return None
    c, K = _constant_factor(got, expected), case.context["K"]
    if c is None:
        return None
    if abs(c - K * K) < 1e-6 * K * K:
        return (f"dx is K*K = {K * K} times too large: each of the K*K cells of a window gets dout / (K*K), "
                "so divide by K*K.")
    if abs(c - K) < 1e-6 * K:
        return f"dx is K = {K} times too large: the window has K*K = {K * K} cells, so divide by K*K, not K."
    if abs(c * K * K - 1) < 1e-6:
        return f"dx is K*K = {K * K} times too small: divide dout by K*K once."
    return None


# (N, C, H, W, K, S, tied): windows side by side first, so that `=` for `+=` is caught (and named) by the first
# case with overlapping windows; S = 1 there tells `=` apart from windows placed with stride K
_AVG_CASES = [(2, 3, 4, 4, 2, 2, False), (1, 2, 6, 4, 2, 2, False), (1, 1, 7, 7, 3, 1, False),
              (2, 2, 5, 5, 3, 2, False), (1, 2, 7, 5, 3, 2, False)]


@wrapped
def check_avg_pool_backward(fn):
    """Check fn(dout, x, K, S) -> dx, the backward pass of average pooling over K x K windows with stride S."""
    kind = "avg"
    hints = [
        _factor,
        _overwrites(kind),
        _equals("dx", _variant(kind, step="K"), "dx puts the windows in the wrong places: window (i, j) starts "
                                                "at row i*S and column j*S, with the stride S, not K."),
        _equals("dx", lambda c: _pool_backward(c["dout"], c["x"], c["K"], c["S"], "max"),
                "dx sends each window's gradient to one cell, as max pooling does; average pooling spreads "
                "dout / (K*K) over all K*K cells."),
        _equals("dx", _variant(kind, use_dout=False),
                "dx holds 1 / (K*K) in every window, without the upstream gradient: multiply by dout."),
    ]
    return _run(fn, "check_avg_pool_backward", _cases(kind, 2301, _AVG_CASES), {"dx": "the shape of x"}, hints)


# no ties first (the numerical gradient exists), then ties (integer pixels, checked against the loop)
_MAX_CASES = [(2, 2, 4, 4, 2, 2, False), (1, 3, 6, 6, 2, 2, True), (2, 1, 7, 7, 3, 1, False),
              (1, 2, 7, 7, 3, 2, True), (1, 2, 5, 5, 3, 2, False)]


@wrapped
def check_max_pool_backward(fn):
    """Check fn(dout, x, K, S) -> dx for max pooling, ties included: the first maximum in reading order wins."""
    kind = "max"
    hints = [
        _equals("dx", _variant(kind, ties="all"),
                "dx sends the gradient to every cell that ties for the maximum, so a tied window passes on "
                "more than its dout; only the first maximum in reading order (np.argmax) gets it."),
        _equals("dx", _variant(kind, ties="split"),
                "dx splits the gradient among the cells that tie for the maximum; the rule of this section "
                "gives all of it to the first maximum in reading order (np.argmax)."),
        _equals("dx", _variant(kind, ties="last"),
                "dx gives a tied window's gradient to its last maximum; the rule is the first maximum in "
                "reading order, the one np.argmax returns."),
        _overwrites(kind),
        _equals("dx", _variant(kind, step="K"), "dx puts the windows in the wrong places: window (i, j) starts "
                                                "at row i*S and column j*S, with the stride S, not K."),
        _equals("dx", lambda c: _pool_backward(c["dout"], c["x"], c["K"], c["S"], "avg"),
                "dx spreads each window's gradient evenly, as average pooling does; max pooling is a switch "
                "that sends all of it to the window's maximum."),
        _equals("dx", _variant(kind, use_dout=False),
                "dx marks each window's maximum with 1: send the upstream gradient dout there instead."),
    ]
    return _run(fn, "check_max_pool_backward", _cases(kind, 2302, _MAX_CASES), {"dx": "the shape of x"}, hints,
                reference="lib, a numerical gradient and the tie rule")


# ------------------------------------------------------------------------------------ locally connected layer
def _locally_connected(C, H, W, F, K, pad):
    """Parameters of a locally connected layer: a convolution whose OH*OW positions each have their own
    F kernels (F, C, K, K) and F biases."""
    from ..conv import conv_params_and_flops, output_size

    OH, OW = output_size(H, K, pad), output_size(W, K, pad)
    return conv_params_and_flops(C, F, K, K, OH, OW)[0] * OH * OW, OH, OW


@wrapped
def check_unshared_params(fn):
    """Check fn(C, H, W, F, K, pad) -> the parameter count of a locally connected layer (stride 1)."""
    who = "check_unshared_params"
    bad = _check_callable(fn, who)
    if bad is not None:
        return bad
    cases = [(1, 8, 8, 8, 3, 1), (8, 4, 4, 16, 3, 1), (3, 10, 12, 5, 3, 0), (2, 7, 9, 4, 5, 2)]
    for k, (C, H, W, F, K, P) in enumerate(cases, start=1):
        expected, OH, OW = _locally_connected(C, H, W, F, K, P)
        if expected != OH * OW * F * (C * K * K + 1):
            raise RuntimeError(f"{who}: the reference disagrees with the formula; this is a bug in the checker")
        where = f"on hidden case {k} of {len(cases)} (C={C}, H={H}, W={W}, F={F}, K={K}, pad={P})"
        value, failed = _count_returned(fn, (C, H, W, F, K, P), where)
        if failed is not None:
            return failed
        if value == expected:
            continue
        conv = F * (C * K * K + 1)
        oh0, ow0 = H - K + 1, W - K + 1
        wrongs = [
            (conv, "that is the count of a convolution layer, whose weight sharing lets every position use the "
                   "same F kernels; here each of the OH*OW positions has kernels of its own"),
            (OH * OW * F * C * K * K, "you left out the biases: every position has its own F biases"),
            (OH * OW * F * C * K * K + F, "every position has its own F biases, not one shared set of F"),
            (H * W * F * (C * K * K + 1), "the layer has one set of kernels per output position, OH*OW of them, "
                                          f"and OH = H + 2P - K + 1 = {OH} here, not H"),
            (oh0 * ow0 * F * (C * K * K + 1), f"with padding P the output is larger: OH = H + 2P - K + 1 = {OH}, "
                                              "not H - K + 1"),
            (C * H * W * F * OH * OW + F * OH * OW, "that is a dense (affine) layer, where every output sees "
                                                    "every input; a locally connected output sees only its K x K "
                                                    "window of all C channels"),
            (OH * OW * F * (K * K + 1), "each kernel covers all C input channels: it has C*K*K weights, not K*K"),
        ]
        for wrong, why in wrongs:
            if value == wrong and wrong != expected:
                return _finish(False, f"{_fn_name(fn)} returned {value:.0f} {where}, expected {expected}: {why}.")
        return _finish(False, f"{_fn_name(fn)} returned {value:g} {where}; expected {expected}. Count the OH*OW "
                              "positions, and at each one F kernels of C*K*K weights plus F biases.")
    return _finish(True, f"Passed: the counts match on {len(cases)} hidden cases.")
