"""Checkers for the code exercises: run the reader's function on hidden cases and say in one sentence what is wrong.

Each `check_*(fn)` calls `fn` on a few seeded random cases, compares every returned array with lib's reference
(which is itself verified against a numerical gradient, or a direct loop for forward passes), prints one
sentence and returns a `CheckResult` whose `.passed` is a bool. In a notebook the sentence appears once: it is
printed, and the returned object displays nothing more.
"""
import numpy as np

from ..functions import cross_entropy, sigmoid, softmax
from ..gradcheck import numerical_gradient, rel_error

RTOL, ATOL = 1e-5, 1e-8  # loose enough for float32 or a different summation order, tight enough for any real bug
REFERENCE_TOL = 1e-6  # lib's reference must agree with central differences this well


class CheckResult:
    """The outcome of a checker: `passed` (bool) and the one-sentence `message` that was printed."""

    def __init__(self, passed, message):
        self.passed = bool(passed)
        self.message = message

    def __bool__(self):
        return self.passed

    def __str__(self):
        return self.message

    def __repr__(self):
        return f"CheckResult(passed={self.passed})"

    def _ipython_display_(self):
        """Show nothing: the message has already been printed, so a notebook shows it exactly once."""


class _Case:
    """One hidden case: the inputs to pass to `fn` (in order), the expected outputs, and context for hints."""

    def __init__(self, inputs, expected, **context):
        self.inputs = inputs  # {name: array or int}, in call order
        self.expected = expected  # {name: array}, in return order
        self.context = context

    def describe(self):
        parts = []
        for name, v in self.inputs.items():
            parts.append(f"{name} {_shape(np.shape(v))}" if isinstance(v, np.ndarray) else f"{name} {v}")
        return ", ".join(parts)


# ----------------------------------------------------------------------------------------------- formatting
def _shape(shape):
    return str(tuple(int(s) for s in shape))


def _num(v):
    v = float(v)
    if v == 0 or 1e-3 <= abs(v) < 1e5:
        return f"{v:.4f}"
    return f"{v:.3e}"


def _index(idx):
    return str(idx[0]) if len(idx) == 1 else str(tuple(int(i) for i in idx))


def _names(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _fn_name(fn):
    return f"`{getattr(fn, '__name__', 'fn')}`"


def _close(a, b):
    scale = max(np.abs(b).max(initial=0.0), 1.0)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL * scale))


def _worst_index(got, expected):
    scale = max(np.abs(expected).max(initial=0.0), 1.0)
    err = np.abs(got - expected) / (ATOL * scale + RTOL * np.abs(expected))
    return np.unravel_index(int(np.argmax(err)), expected.shape)


def _constant_factor(got, expected):
    """Return c if got == c * expected everywhere (for a nonzero expected), else None."""
    denom = float(np.sum(expected * expected))
    if denom == 0.0:
        return None
    c = float(np.sum(got * expected)) / denom
    return c if _close(got, c * expected) else None


# ----------------------------------------------------------------------------------------------- the engine
def _finish(passed, message):
    print(message)
    return CheckResult(passed, message)


def _check_callable(fn, who):
    if not callable(fn):
        return _finish(False, f"{who} needs a function to check, but got {type(fn).__name__}; pass the function "
                              "itself, without calling it.")
    return None


def _as_outputs(fn, ret, expected):
    """Split `fn`'s return value into one object per expected output, or return a sentence saying why not."""
    names = list(expected)
    shapes = [_shape(e.shape) for e in expected.values()]
    if len(names) == 1:
        if ret is None:
            return None, f"{_fn_name(fn)} returned None; expected {names[0]}, an array of shape {shapes[0]}."
        if isinstance(ret, tuple) and len(ret) == 1:
            return [ret[0]], None
        if isinstance(ret, tuple):
            return None, (f"{_fn_name(fn)} returned a tuple of {len(ret)} values; expected one array "
                          f"{names[0]} of shape {shapes[0]}.")
        return [ret], None
    want = f"a tuple ({', '.join(names)}) with shapes {_names(shapes)}"
    if ret is None:
        return None, f"{_fn_name(fn)} returned None; expected {want}."
    if not isinstance(ret, (tuple, list)):
        return None, f"{_fn_name(fn)} returned a single {type(ret).__name__}; expected {want}."
    if len(ret) != len(names):
        return None, f"{_fn_name(fn)} returned {len(ret)} values; expected {len(names)}: {want}."
    return list(ret), None


def _compare(fn, name, got, expected, note, case, k, n_cases, hints):
    """Return one sentence describing what is wrong with output `name`, or None if it matches."""
    where = f"on hidden case {k} of {n_cases} ({case.describe()})"
    if got is None:
        return f"{_fn_name(fn)} returned None for {name}; expected an array of shape {_shape(expected.shape)}."
    try:
        a = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return (f"{name} is a {type(got).__name__} that is not a numeric array; expected an array of shape "
                f"{_shape(expected.shape)} ({note}).")
    for hint in hints:
        message = hint(name, a, expected, case)
        if message:
            return message
    if a.shape != expected.shape:
        if a.size == expected.size and _close(a.reshape(expected.shape), expected):
            return (f"{name} has the right values but shape {_shape(a.shape)}; expected {_shape(expected.shape)} "
                    f"({note}), so reshape it (or drop keepdims=True).")
        if a.ndim == 2 and a.shape == expected.T.shape and _close(a, expected.T):
            return (f"{name} has shape {_shape(a.shape)} and is the transpose of the correct gradient; expected "
                    f"{_shape(expected.shape)} ({note}).")
        return f"{name} has shape {_shape(a.shape)}; expected {_shape(expected.shape)} ({note})."
    if not np.all(np.isfinite(a)):
        idx = tuple(np.argwhere(~np.isfinite(a))[0])
        return f"{name} contains {a[idx]} at index {_index(idx)} {where}; every entry should be finite."
    if _close(a, expected):
        return None
    idx = _worst_index(a, expected)
    wrong = f"{name} is wrong at index {_index(idx)} {where}: got {_num(a[idx])}, expected {_num(expected[idx])}"
    if not np.any(a):
        return f"{name} is all zeros {where}; expected nonzero values such as {_num(expected[idx])} at index {_index(idx)}."
    c = _constant_factor(a, expected)
    if c is not None and abs(c + 1) < 1e-6:
        return f"{name} has the wrong sign everywhere {where}: got {_num(a[idx])}, expected {_num(expected[idx])}."
    if c is not None:
        return f"{wrong} (off by a factor of {c:.2f} everywhere — a missing factor?)."
    return f"{wrong}."


def _run(fn, who, cases, notes, hints=(), reference="lib and a numerical gradient"):
    """Call `fn` on every case and compare its outputs; print and return the first problem, or a pass."""
    bad = _check_callable(fn, who)
    if bad is not None:
        return bad
    for k, case in enumerate(cases, start=1):
        args = [np.copy(v) if isinstance(v, np.ndarray) else v for v in case.inputs.values()]
        try:
            ret = fn(*args)
        except NotImplementedError:
            return _finish(False, f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet.")
        except Exception as e:  # the reader's bug, whatever it is, becomes one sentence
            text = str(e).strip().splitlines()[0] if str(e).strip() else ""
            text = text if len(text) <= 150 else text[:147] + "..."
            detail = f" ({text})" if text else ""
            return _finish(False, f"{_fn_name(fn)} raised {type(e).__name__}{detail} on hidden case {k} of "
                                  f"{len(cases)} ({case.describe()}).")
        outputs, problem = _as_outputs(fn, ret, case.expected)
        if problem:
            return _finish(False, problem)
        for (name, expected), got in zip(case.expected.items(), outputs):
            problem = _compare(fn, name, got, expected, notes[name], case, k, len(cases), hints)
            if problem:
                return _finish(False, problem)
    names = _names(list(cases[0].expected))
    verb = "matches" if len(cases[0].expected) == 1 else "match"
    return _finish(True, f"Passed: {names} {verb} {reference} on {len(cases)} hidden cases.")


def _verified(who, analytic, loss, wrt):
    """Check lib's analytic gradients against central differences of `loss`; they are then the expected values."""
    for name, g in analytic.items():
        err = rel_error(g, numerical_gradient(loss, wrt[name]))
        if err > REFERENCE_TOL:
            raise RuntimeError(f"{who}: lib's reference gradient {name} disagrees with the numerical gradient "
                               f"(relative error {err:.1e}); this is a bug in lib, not in your function")
    return analytic


def _mean_instead_of_sum(names, counts):
    """Hint for a gradient that was averaged where it should be summed; counts: {description: divisor key}."""
    def hint(name, got, expected, case):
        if name not in names or got.shape != expected.shape or _close(got, expected):
            return None
        c = _constant_factor(got, expected)
        if c is None:
            return None
        for what, key in counts.items():
            n = case.context[key]
            if n > 1 and abs(c * n - 1) < 1e-6:
                return f"{name} looks like a mean {what} instead of a sum (it is {n} times too small)."
        return None
    return hint


def _equals(name_wanted, transform, message):
    """Hint: output `name_wanted` equals `transform(case)`, a typical wrong answer described by `message`."""
    def hint(name, got, expected, case):
        if name != name_wanted or _close(got, expected):
            return None
        wrong = np.asarray(transform(case.context), dtype=np.float64)
        if got.shape == wrong.shape and _close(got, wrong):
            return message
        return None
    return hint


# ----------------------------------------------------------------------------------------------- chapter 1
def check_sigmoid_backward(fn):
    """Check fn(y, dout) -> dx, the backward pass of y = sigmoid(x) given its output y."""
    rng = np.random.default_rng(101)
    cases = []
    for shape in [(3, 4), (5, 2), (2, 3, 4), (1, 7)]:
        x = rng.standard_normal(shape) * 2
        dout = rng.standard_normal(shape)
        y = sigmoid(x)
        dx = dout * y * (1.0 - y)
        expected = _verified("check_sigmoid_backward", {"dx": dx}, lambda: float(np.sum(sigmoid(x) * dout)), {"dx": x})
        cases.append(_Case({"y": y, "dout": dout}, expected, y=y, dout=dout))
    hints = [
        _equals("dx", lambda c: c["y"] * (1 - c["y"]),
                "dx equals y (1 - y), the local derivative alone; multiply it by the upstream gradient dout."),
        _equals("dx", lambda c: c["dout"] * sigmoid(c["y"]) * (1 - sigmoid(c["y"])),
                "dx looks like dout σ(y)(1 - σ(y)), but y is already the sigmoid's output, so the local derivative "
                "is y (1 - y)."),
        _equals("dx", lambda c: c["dout"] * c["y"],
                "dx equals dout * y; the derivative of the sigmoid is y (1 - y), not y."),
    ]
    return _run(fn, "check_sigmoid_backward", cases, {"dx": "the shape of y"}, hints)


def check_affine_backward(fn):
    """Check fn(x, W, b, dout) -> (dx, dW, db) for y = x W + b."""
    rng = np.random.default_rng(202)
    cases = []
    for N, D, H in [(4, 3, 2), (5, 2, 3), (3, 6, 5), (1, 4, 3)]:
        x, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, H)), rng.standard_normal(H)
        dout = rng.standard_normal((N, H))
        analytic = {"dx": dout @ W.T, "dW": x.T @ dout, "db": dout.sum(axis=0)}
        expected = _verified("check_affine_backward", analytic, lambda: float(np.sum((x @ W + b) * dout)),
                             {"dx": x, "dW": W, "db": b})
        cases.append(_Case({"x": x, "W": W, "b": b, "dout": dout}, expected, N=N, H=H, dout=dout, x=x))

    def db_wrong_axis(name, got, expected, case):
        if name == "db" and got.shape == (case.context["N"],) and case.context["N"] != case.context["H"]:
            return (f"db has shape {_shape(got.shape)}; expected {_shape(expected.shape)} (the shape of b): sum dout "
                    "over the batch axis 0, not axis 1.")
        return None

    hints = [db_wrong_axis, _mean_instead_of_sum({"db", "dW"}, {"over the batch": "N"})]
    notes = {"dx": "the shape of x", "dW": "the shape of W", "db": "the shape of b"}
    return _run(fn, "check_affine_backward", cases, notes, hints)


def check_softmax_with_loss_backward(fn):
    """Check fn(scores, t) -> dscores for the mean cross-entropy of softmax(scores) with integer labels t."""
    rng = np.random.default_rng(303)
    cases = []
    for N, C in [(4, 3), (5, 2), (3, 5), (6, 4)]:
        scores = rng.standard_normal((N, C)) * 2
        t = rng.integers(0, C, size=N)
        y = softmax(scores, axis=1)
        dscores = y.copy()
        dscores[np.arange(N), t] -= 1.0
        dscores /= N
        expected = _verified("check_softmax_with_loss_backward", {"dscores": dscores},
                             lambda: cross_entropy(scores, t), {"dscores": scores})
        cases.append(_Case({"scores": scores, "t": t}, expected, N=N, y=y, t=t))

    def batch_factor(name, got, expected, case):
        c = _constant_factor(got, expected) if got.shape == expected.shape else None
        N = case.context["N"]
        if c is not None and abs(c - N) < 1e-6 * N:
            return (f"dscores is N = {N} times too large on a batch of {N}: divide by the batch size, because the "
                    "loss is the mean over the batch.")
        if c is not None and abs(c * N - 1 / N) < 1e-6:
            return f"dscores is N = {N} times too small on a batch of {N}: divide by N only once."
        return None

    hints = [
        batch_factor,
        _equals("dscores", lambda c: c["y"] / c["N"],
                "dscores equals softmax(scores) / N; subtract the one-hot labels first: (y - t) / N."),
        _equals("dscores", lambda c: c["y"],
                "dscores equals softmax(scores); the gradient is (y - t) / N, with t the one-hot labels."),
    ]
    return _run(fn, "check_softmax_with_loss_backward", cases, {"dscores": "the shape of scores"}, hints)


# ----------------------------------------------------------------------------------------------- chapter 2
def _conv():
    """lib.conv, imported only when a convolution checker runs."""
    from .. import conv
    return conv


def _conv1d_grads(conv, x, w, dout):
    """Gradients of out = correlate1d(x, w): dx is a full convolution of dout with w, dw a correlation of x with dout."""
    return conv.convolve1d(dout, w, mode="full"), conv.correlate1d(x, dout)  # (L,), (K,)


def check_conv1d_backward(fn):
    """Check fn(x, w, dout) -> (dx, dw) for the 1-D valid cross-correlation out[i] = sum_k x[i + k] w[k]."""
    conv = _conv()
    rng = np.random.default_rng(404)
    cases = []
    for L, K in [(7, 3), (5, 2), (9, 4), (6, 6)]:
        x, w, dout = rng.standard_normal(L), rng.standard_normal(K), rng.standard_normal(L - K + 1)
        dx, dw = _conv1d_grads(conv, x, w, dout)
        expected = _verified("check_conv1d_backward", {"dx": dx, "dw": dw},
                             lambda: float(np.sum(conv.correlate1d(x, w) * dout)), {"dx": x, "dw": w})
        cases.append(_Case({"x": x, "w": w, "dout": dout}, expected, x=x, w=w, dout=dout, K=K))
    hints = [
        _equals("dx", lambda c: _conv1d_grads(conv, c["x"], c["w"][::-1], c["dout"])[0],
                "dx uses the kernel the wrong way round: x3 receives d1*w3 + d2*w2 + d3*w1, which is "
                "np.convolve(dout, w) (a full correlation of dout with the flipped kernel), not "
                "np.correlate(dout, w, 'full')."),
        _equals("dw", lambda c: _conv1d_grads(conv, c["x"], c["w"], c["dout"])[1][::-1],
                "dw is reversed: w1 collects x1*d1 + x2*d2 + x3*d3, i.e. dw[k] = sum_i x[i + k] dout[i]."),
        _equals("dw", lambda c: conv.correlate1d(c["x"], c["dout"][::-1]),
                "dw pairs x with dout in reverse order (a convolution, np.convolve(x, dout, 'valid')); w1 collects "
                "x1*d1 + x2*d2 + x3*d3, i.e. dw = np.correlate(x, dout, 'valid')."),
    ]
    notes = {"dx": "the shape of x", "dw": "the shape of w"}
    return _run(fn, "check_conv1d_backward", cases, notes, hints)


# (N, C, H, W, F, KH, KW, pad, stride): different sizes, paddings and strides, non-square kernels and images;
# (H + 2P - KH) is a multiple of S, as lib.conv requires
_CONV2D_CASES = [(2, 3, 5, 5, 4, 3, 3, 0, 1), (1, 2, 6, 5, 3, 3, 2, 1, 1), (2, 1, 7, 7, 2, 3, 3, 1, 2),
                 (1, 3, 6, 7, 2, 2, 3, 0, 2)]


def check_conv2d_forward(fn):
    """Check fn(x, w, b, pad, stride) -> out (N, F, OH, OW) for a 2-D convolution layer (cross-correlation)."""
    conv = _conv()
    rng = np.random.default_rng(505)
    cases = []
    for N, C, H, W, F, KH, KW, pad, stride in _CONV2D_CASES:
        x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW)), rng.standard_normal(F)
        out = conv.conv2d(x, w, b, pad=pad, stride=stride)
        loop = conv.conv2d_loop(x, w, b, pad=pad, stride=stride)
        if not _close(out, loop):
            raise RuntimeError("check_conv2d_forward: lib.conv.conv2d disagrees with a direct loop; "
                               "this is a bug in lib, not in your function")
        cases.append(_Case({"x": x, "w": w, "b": b, "pad": pad, "stride": stride}, {"out": out},
                           x=x, w=w, b=b, pad=pad, stride=stride, H=H, W=W, KH=KH, KW=KW))

    def size_hint(name, got, expected, case):
        if got.shape == expected.shape:
            return None
        c = case.context
        return (f"out has shape {_shape(got.shape)}; expected {_shape(expected.shape)} = (N, F, OH, OW) with "
                f"OH = (H + 2P - KH) // S + 1 = ({c['H']} + 2*{c['pad']} - {c['KH']}) // {c['stride']} + 1 = "
                f"{expected.shape[2]} and OW likewise {expected.shape[3]}.")

    hints = [
        size_hint,
        _equals("out", lambda c: conv.conv2d(c["x"], c["w"], None, pad=c["pad"], stride=c["stride"]),
                "out is missing the bias: add b[f] to every entry of output channel f."),
        _equals("out", lambda c: conv.conv2d(c["x"], c["w"][:, :, ::-1, ::-1].copy(), c["b"], pad=c["pad"],
                                             stride=c["stride"]),
                "out is a true convolution with the kernel flipped; a convolution layer computes the "
                "cross-correlation, so use w as it is."),
    ]
    return _run(fn, "check_conv2d_forward", cases, {"out": "(N, F, OH, OW)"}, hints,
                reference="lib and a direct loop")


def check_conv2d_backward(fn):
    """Check fn(dout, x, w, pad, stride) -> (dx, dw, db) for a 2-D convolution layer."""
    conv = _conv()
    rng = np.random.default_rng(606)
    cases = []
    for N, C, H, W, F, KH, KW, pad, stride in _CONV2D_CASES:
        x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW)), rng.standard_normal(F)
        out = conv.conv2d(x, w, b, pad=pad, stride=stride)
        dout = rng.standard_normal(out.shape)
        dx, dw, db = conv.conv2d_backward(dout, x, w, pad=pad, stride=stride)

        def loss(x=x, w=w, b=b, dout=dout, pad=pad, stride=stride):
            return float(np.sum(conv.conv2d(x, w, b, pad=pad, stride=stride) * dout))

        expected = _verified("check_conv2d_backward", {"dx": dx, "dw": dw, "db": db}, loss,
                             {"dx": x, "dw": w, "db": b})
        OH, OW = out.shape[2:]
        cases.append(_Case({"dout": dout, "x": x, "w": w, "pad": pad, "stride": stride}, expected,
                           x=x, w=w, dout=dout, pad=pad, stride=stride, N=N, NOHOW=N * OH * OW))

    def padded_dx(name, got, expected, case):
        p = case.context["pad"]
        if name == "dx" and p > 0 and got.shape == expected.shape[:2] + (expected.shape[2] + 2 * p,
                                                                         expected.shape[3] + 2 * p):
            return (f"dx has shape {_shape(got.shape)}, the shape of the padded input; expected "
                    f"{_shape(expected.shape)} (the shape of x), so drop the padding (P = {p}) on each side.")
        return None

    hints = [
        padded_dx,
        _mean_instead_of_sum({"db", "dw"}, {"over the batch and all output positions": "NOHOW",
                                            "over the batch": "N"}),
        _equals("dx", lambda c: conv.conv2d_backward(c["dout"], c["x"], c["w"][:, :, ::-1, ::-1].copy(),
                                                     pad=c["pad"], stride=c["stride"])[0],
                "dx uses the kernel rotated by 180 degrees the wrong way: each dout[n, f, i, j] goes back to its "
                "input window multiplied by w[f] as it is (dx is a full correlation of dout with the rotated kernel)."),
        _equals("dw", lambda c: conv.conv2d_backward(c["dout"], c["x"], c["w"], pad=c["pad"],
                                                     stride=c["stride"])[1][:, :, ::-1, ::-1],
                "dw is flipped in both spatial axes: dw[f, c, p, q] = sum over n, i, j of "
                "x_padded[n, c, i*S + p, j*S + q] dout[n, f, i, j]."),
    ]
    notes = {"dx": "the shape of x", "dw": "the shape of w", "db": "(F,), one entry per output channel"}
    return _run(fn, "check_conv2d_backward", cases, notes, hints)


# Checkers of later chapters live in their own modules and are re-exported here, so every notebook can
# write `from lib.checkers import check_...`.
from .sequences import *  # noqa: E402,F401,F403
from .bptt import *  # noqa: E402,F401,F403
from .language_model import *  # noqa: E402,F401,F403
from .vanishing import *  # noqa: E402,F401,F403
from .gated import *  # noqa: E402,F401,F403
from .gru import *  # noqa: E402,F401,F403
from .training import *  # noqa: E402,F401,F403
