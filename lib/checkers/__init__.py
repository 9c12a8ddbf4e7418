"""Checkers for the code exercises: run the reader's function on hidden cases and say in one sentence what is wrong.

Each `check_*(fn)` calls `fn` on a few seeded random cases, compares every returned array with lib's reference
(which is itself verified against a numerical gradient, or a direct loop for forward passes), prints one
sentence and returns a `CheckResult` whose `.passed` is a bool. In a notebook the sentence appears once: it is
printed, and the returned object displays nothing more.
"""
import numpy as np

from ._wrap import print_wrapped

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


def _call_reader(fn, args, where, kwargs=None):
    """Call the reader's fn(*args, **kwargs); return (result, None, None), or (None, the exception, one sentence
    that reports it: "`fn` raised ValueError (its message) on hidden case k of n (...)")."""
    try:
        return fn(*args, **(kwargs or {})), None, None
    except Exception as e:  # noqa: BLE001 - the reader's bug, whatever it is, becomes one sentence
        return None, e, _reader_error(fn, e, where)


def _reader_error(fn, e, where):
    """One sentence for the exception e that the reader's fn raised `where` ("on hidden case k of n (...)")."""
    if isinstance(e, NotImplementedError):
        return f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet."
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    text = text if len(text) <= 150 else text[:147] + "..."
    detail = f" ({text})" if text else ""
    return f"{_fn_name(fn)} raised {type(e).__name__}{detail} {where}."


def _count_returned(fn, args, where):
    """Call fn(*args), which should return a whole number; return (the number as a float, None) or (None, the
    failed CheckResult that says what went wrong)."""
    got, _, failure = _call_reader(fn, args, where)
    if failure is not None:
        return None, _finish(False, failure)
    if got is None:
        return None, _finish(False, f"{_fn_name(fn)} returned None; expected a whole number of parameters.")
    try:
        return float(np.asarray(got, dtype=np.float64)), None
    except (TypeError, ValueError):
        return None, _finish(False, f"{_fn_name(fn)} returned a {type(got).__name__}; expected one whole number.")


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


def _run(fn, who, cases, notes, hints=(), reference="lib and a numerical gradient", on_error=None):
    """Call `fn` on every case and compare its outputs; print and return the first problem, or a pass.

    `on_error(e, case, head)`, if given, may turn an exception into a sentence that names the likely bug; `head`
    is "`fn` raised ValueError on hidden case k of n (shapes)", to be continued after a colon."""
    bad = _check_callable(fn, who)
    if bad is not None:
        return bad
    for k, case in enumerate(cases, start=1):
        args = [np.copy(v) if isinstance(v, np.ndarray) else v for v in case.inputs.values()]
        where = f"on hidden case {k} of {len(cases)} ({case.describe()})"
        ret, e, failure = _call_reader(fn, args, where)
        if failure is not None:
            named = None
            if on_error is not None and not isinstance(e, NotImplementedError):
                named = on_error(e, case, f"{_fn_name(fn)} raised {type(e).__name__} {where}")
            return _finish(False, named or failure)
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
    """Gradients of y = correlate1d(x, w): dx is a full convolution of dout with w, dw a correlation of x with dout."""
    return conv.convolve1d(dout, w, mode="full"), conv.correlate1d(x, dout)  # (W,), (K,)


def _conv1d_loop(x, w, dout, *, assign=False, outputs=None, dx_through="w", dw_through="x"):
    """A loop over the outputs as the exercise asks, with typical mistakes switched on: `=` instead of `+=`,
    only some outputs visited, or the gradient sent through the wrong factor (dout * x to dx, dout * w to dw)."""
    K = len(w)
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for i in (range(len(dout)) if outputs is None else outputs):
        to_x = dout[i] * (w if dx_through == "w" else x[i:i + K])
        to_w = dout[i] * (x[i:i + K] if dw_through == "x" else w)
        if assign:
            dx[i:i + K], dw[:] = to_x, to_w
        else:
            dx[i:i + K] += to_x
            dw += to_w
    return dx, dw


def _conv1d_variants(x, w, dout):
    """Typical wrong (dx, dw) of the exercise's loop, keyed by mistake."""
    OW = len(dout)
    return {"assign": _conv1d_loop(x, w, dout, assign=True),
            "no last": _conv1d_loop(x, w, dout, outputs=range(OW - 1)),
            "no first": _conv1d_loop(x, w, dout, outputs=range(1, OW)),
            "swapped": _conv1d_loop(x, w, dout, dx_through="x", dw_through="w")}


def _refuse_calls(fn, cases, forbidden, sentence):
    """Run fn on every case (its prints hidden) while watching for the functions in `forbidden` ({function: name});
    return a failed CheckResult whose message is sentence(name) if fn called one, else None."""
    from ._calls import watch_calls

    if not callable(fn):
        return None
    for case in cases:
        args = [np.copy(v) if isinstance(v, np.ndarray) else v for v in case.inputs.values()]
        _, seen, _ = watch_calls(fn, args, forbidden, hide_prints=True)
        if seen:
            return _finish(False, sentence(seen[0]))
    return None


def check_conv1d_backward(fn):
    """Check fn(x, w, dout) -> (dx, dw) for the 1-D valid cross-correlation y[i] = sum_k x[i + k] w[k],
    written as one loop over the outputs (np.convolve, np.correlate and lib's versions are refused)."""
    return print_wrapped(_check_conv1d_backward, fn)


def _check_conv1d_backward(fn):
    conv = _conv()
    rng = np.random.default_rng(404)
    cases = []
    for W, K in [(7, 3), (5, 2), (9, 4), (6, 6)]:
        x, w, dout = rng.standard_normal(W), rng.standard_normal(K), rng.standard_normal(W - K + 1)
        dx, dw = _conv1d_grads(conv, x, w, dout)
        expected = _verified("check_conv1d_backward", {"dx": dx, "dw": dw},
                             lambda: float(np.sum(conv.correlate1d(x, w) * dout)), {"dx": x, "dw": w})
        cases.append(_Case({"x": x, "w": w, "dout": dout}, expected, x=x, w=w, dout=dout, K=K, OW=W - K + 1,
                           wrong=_conv1d_variants(x, w, dout)))

    forbidden = {np.convolve: "np.convolve", np.correlate: "np.correlate", conv.convolve1d: "lib.convolve1d",
                 conv.correlate1d: "lib.correlate1d", conv.conv1d_backward: "lib.conv1d_backward"}
    refused = _refuse_calls(fn, cases, forbidden, lambda name: (
        f"{_fn_name(fn)} calls {name}, which gives the answer without the loop; this exercise asks for one loop "
        "over the output positions i that adds dout[i] * w into dx[i:i + K] and dout[i] * x[i:i + K] into dw."))
    if refused is not None:
        return refused

    def missed(first_or_last):
        def hint(name, got, expected, case):
            wrong = case.context["wrong"][f"no {first_or_last}"][0 if name == "dx" else 1]
            if got.shape != expected.shape or _close(got, expected) or not _close(got, wrong):
                return None
            i = 0 if first_or_last == "first" else case.context["OW"] - 1
            return (f"{name} misses the contribution of the {first_or_last} output y[{i}]: the loop must visit "
                    f"all W - K + 1 = {case.context['OW']} outputs, i in range(len(dout)).")
        return hint

    hints = [
        _equals("dx", lambda c: c["wrong"]["assign"][0],
                "dx looks like `=` instead of `+=`: neighbouring windows overlap, so an input cell that lies in "
                "several windows must add up what every one of them sends back (dx[i:i + K] += dout[i] * w)."),
        _equals("dw", lambda c: c["wrong"]["assign"][1],
                "dw holds only the last window's share, as with `=` instead of `+=`: the same kernel is used at "
                "every output, so its gradient is the sum over all outputs (dw += dout[i] * x[i:i + K])."),
        missed("last"),
        missed("first"),
        _equals("dx", lambda c: c["wrong"]["swapped"][0],
                "dx multiplies dout by the input window; the gradient to x comes back through the weights that "
                "multiplied it, so output i sends dout[i] * w to x[i:i + K]."),
        _equals("dw", lambda c: c["wrong"]["swapped"][1],
                "dw multiplies dout by the kernel; the gradient to w comes back through the inputs each weight "
                "multiplied, so output i sends dout[i] * x[i:i + K] to dw."),
        _equals("dx", lambda c: _conv1d_grads(conv, c["x"], c["w"][::-1], c["dout"])[0],
                "dx uses the kernel reversed: output i sends dout[i] * w, with w as it is, back to its window "
                "x[i:i + K], so x3 receives d1*w3 + d2*w2 + d3*w1 (the full convolution np.convolve(dout, w))."),
        _equals("dw", lambda c: _conv1d_grads(conv, c["x"], c["w"], c["dout"])[1][::-1],
                "dw is reversed: w1 collects x1*d1 + x2*d2 + x3*d3, i.e. dw[k] = sum_i x[i + k] dout[i]."),
        _equals("dw", lambda c: conv.correlate1d(c["x"], c["dout"][::-1]),
                "dw pairs x with dout in reverse order (a convolution); w1 collects x1*d1 + x2*d2 + x3*d3, "
                "i.e. dw[k] = sum_i x[i + k] dout[i], the correlation of x with dout."),
        _mean_instead_of_sum({"dw"}, {"over the output positions": "OW"}),
    ]

    def on_error(e, case, head):
        c = case.context
        if isinstance(e, IndexError) and f"with size {c['OW']}" in str(e):
            return (f"{head}: dout has one entry per output, so the loop must visit the W - K + 1 = {c['OW']} "
                    f"outputs, i in range(len(dout)), not the W = {len(c['x'])} inputs.")
        return None

    notes = {"dx": "the shape of x", "dw": "the shape of w"}
    return _run(fn, "check_conv1d_backward", cases, notes, hints, on_error=on_error)


# (N, C, H, W, F, KH, KW, pad, stride): different sizes, paddings and strides, non-square kernels and images;
# (H + 2P - KH) is a multiple of S, as lib.conv requires
_CONV2D_CASES = [(2, 3, 5, 5, 4, 3, 3, 0, 1), (1, 2, 6, 5, 3, 3, 2, 1, 1), (2, 1, 7, 7, 2, 3, 3, 1, 2),
                 (1, 3, 6, 7, 2, 2, 3, 0, 2)]


def check_conv2d_forward(fn):
    """Check fn(x, w, b, pad, stride) -> y (N, F, OH, OW), a 2-D convolution layer, written without lib's conv2d."""
    conv = _conv()
    rng = np.random.default_rng(505)
    cases = []
    for N, C, H, W, F, KH, KW, pad, stride in _CONV2D_CASES:
        x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW)), rng.standard_normal(F)
        y = conv.conv2d(x, w, b, pad=pad, stride=stride)
        loop = conv.conv2d_loop(x, w, b, pad=pad, stride=stride)
        if not _close(y, loop):
            raise RuntimeError("check_conv2d_forward: lib.conv.conv2d disagrees with a direct loop; "
                               "this is a bug in lib, not in your function")
        cases.append(_Case({"x": x, "w": w, "b": b, "pad": pad, "stride": stride}, {"y": y},
                           x=x, w=w, b=b, pad=pad, stride=stride, H=H, W=W, KH=KH, KW=KW))

    if callable(fn):  # a solution that hands the work to lib's convolution passes without teaching anything
        from ._calls import watch_calls
        watched = {conv.conv2d: "lib.conv2d", conv.conv2d_loop: "lib.conv2d_loop", conv.conv1d: "lib.conv1d",
                   conv.conv_matrix: "lib.conv_matrix", conv.Conv2D.forward: "lib.Conv2D"}
        called = [name for case in cases for name in
                  watch_calls(fn, [np.copy(v) if isinstance(v, np.ndarray) else v for v in case.inputs.values()],
                              watched, hide_prints=True)[1]]
        if called:
            return _finish(False, f"{_fn_name(fn)} calls {called[0]}; compute each output from its window of "
                                  "the padded input yourself (loops over the output positions are fine), so "
                                  "that the checker tests your code.")

    def size_hint(name, got, expected, case):
        if got.shape == expected.shape:
            return None
        c = case.context
        return (f"y has shape {_shape(got.shape)}; expected {_shape(expected.shape)} = (N, F, OH, OW) with "
                f"OH = (H + 2P - KH) // S + 1 = ({c['H']} + 2*{c['pad']} - {c['KH']}) // {c['stride']} + 1 = "
                f"{expected.shape[2]} and OW likewise {expected.shape[3]}.")

    def unstrided_corners(c):
        """Windows that start at (i, j) instead of (i*S, j*S): the stride-1 output, cut to the right size."""
        OH, OW = conv.output_size(c["H"], c["KH"], c["pad"], c["stride"]), \
            conv.output_size(c["W"], c["KW"], c["pad"], c["stride"])
        return conv.conv2d(c["x"], c["w"], c["b"], pad=c["pad"])[:, :, :OH, :OW]

    hints = [
        size_hint,
        _equals("y", lambda c: conv.conv2d(c["x"], c["w"], None, pad=c["pad"], stride=c["stride"]),
                "y is missing the bias: add b[f] to every entry of output channel f."),
        _equals("y", lambda c: conv.conv2d(c["x"], c["w"][:, :, ::-1, ::-1].copy(), c["b"], pad=c["pad"],
                                           stride=c["stride"]),
                "y is a true convolution with the kernel flipped; a convolution layer computes the "
                "cross-correlation, so use w as it is."),
        _equals("y", unstrided_corners,
                "y reads the window of output (i, j) at (i, j); with stride S it starts at (i*S, j*S) of the "
                "padded input."),
    ]
    return _run(fn, "check_conv2d_forward", cases, {"y": "(N, F, OH, OW)"}, hints,
                reference="lib and a direct loop")


def check_conv2d_backward(fn):
    """Check fn(dout, x, w, pad, stride) -> (dx, dw, db) for a 2-D convolution layer, computed by the reader
    (a call of lib's ready-made backward passes is refused)."""
    return print_wrapped(_check_conv2d_backward, fn)


def _check_conv2d_backward(fn):
    conv = _conv()
    rng = np.random.default_rng(606)
    cases = []
    for N, C, H, W, F, KH, KW, pad, stride in _CONV2D_CASES:
        x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW)), rng.standard_normal(F)
        y = conv.conv2d(x, w, b, pad=pad, stride=stride)
        dout = rng.standard_normal(y.shape)
        dx, dw, db = conv.conv2d_backward(dout, x, w, pad=pad, stride=stride)

        def loss(x=x, w=w, b=b, dout=dout, pad=pad, stride=stride):
            return float(np.sum(conv.conv2d(x, w, b, pad=pad, stride=stride) * dout))

        expected = _verified("check_conv2d_backward", {"dx": dx, "dw": dw, "db": db}, loss,
                             {"dx": x, "dw": w, "db": b})
        OH, OW = y.shape[2:]
        cases.append(_Case({"dout": dout, "x": x, "w": w, "pad": pad, "stride": stride}, expected,
                           x=x, w=w, dout=dout, pad=pad, stride=stride, N=N, F=F, H=H, W=W, KH=KH, KW=KW,
                           OH=OH, OW=OW, NOHOW=N * OH * OW, wrong=_conv2d_variants(dout, x, w, pad, stride)))

    ready = "lib's ready-made backward pass"
    forbidden = {conv.conv2d_backward: f"lib.conv2d_backward, {ready}",
                 conv.conv2d_backward_loop: f"lib.conv2d_backward_loop, {ready}",
                 conv.conv1d_backward: f"lib.conv1d_backward, {ready}",
                 conv.Conv2D.backward: f"lib.Conv2D.backward, {ready}",
                 conv.conv_transpose2d: "lib.conv_transpose2d, lib's ready-made gradient to the input"}
    refused = _refuse_calls(fn, cases, forbidden, lambda name: (
        f"{_fn_name(fn)} calls {name}; this exercise asks for the backward pass "
        "written with the forward convolution lib.conv2d (plus padding, dilation, slicing and transposes), "
        "so that you see every gradient come out of a forward convolution."))
    if refused is not None:
        return refused

    def wrong_shape(name, got, expected, case):
        c = case.context
        if got.shape == expected.shape:
            return None
        S, P = c["stride"], c["pad"]
        if name == "dx" and S > 1:
            # the full convolution of an undilated dout is OH + KH - 1 tall; cropping [P:P + H] then cuts it
            undilated = tuple(max(0, min(o + k - 1, P + n) - P) for o, k, n in
                              ((c["OH"], c["KH"], c["H"]), (c["OW"], c["KW"], c["W"])))
            if got.shape[2:] == undilated:
                return (f"dx has shape {_shape(got.shape)}; expected {_shape(expected.shape)} (the shape of x): "
                        f"with stride S = {S}, dilate dout first (S - 1 zeros between its entries), then take the "
                        "full convolution and crop the padding.")
        if name == "dw":
            F, C = expected.shape[:2]
            if got.shape == (c["N"],) + expected.shape:
                return (f"dw has shape {_shape(got.shape)}, one kernel gradient per sample; the kernels are shared "
                        f"by the whole batch, so sum over the batch axis to get {_shape(expected.shape)}.")
            if got.shape == (C, F) + expected.shape[2:] and _close(got.transpose(1, 0, 2, 3), expected):
                return (f"dw has the right values in the order (C, F, KH, KW) = {_shape(got.shape)}; transpose "
                        f"the first two axes back to (F, C, KH, KW) = {_shape(expected.shape)}.")
            undilated = (c["H"] + 2 * P - c["OH"] + 1, c["W"] + 2 * P - c["OW"] + 1)
            if S > 1 and got.shape[2:] == undilated:
                return (f"dw has shape {_shape(got.shape)}; expected {_shape(expected.shape)} (the shape of w): "
                        f"with stride S = {S}, dilate dout (S - 1 zeros between its entries) before it slides "
                        "over the padded input as a kernel.")
            if P > 0 and got.shape[2:] == (c["KH"] - 2 * P, c["KW"] - 2 * P):
                return _unpadded_x(got.shape, expected.shape, P)
        if name == "dx":
            # a valid instead of a full convolution of the (dilated) dout, cropped [P:P + H] or not
            valid = [(o - 1) * S + 1 - k + 1 for o, k in ((c["OH"], c["KH"]), (c["OW"], c["KW"]))]
            cropped = tuple(max(0, min(v, P + n) - P) for v, n in zip(valid, (c["H"], c["W"])))
            if got.shape[2:] in (tuple(valid), cropped):
                return (f"dx has shape {_shape(got.shape)}; expected {_shape(expected.shape)} (the shape of x): "
                        f"the gradient to the input is a full convolution, so pad the (dilated) dout with "
                        f"KH - 1 = {c['KH'] - 1} and KW - 1 = {c['KW'] - 1} zeros before the forward conv2d.")
        if name == "db" and got.size != expected.size:
            return (f"db has shape {_shape(got.shape)}; expected {_shape(expected.shape)}, one entry per kernel: "
                    "b[f] is added at every position (i, j) of every sample n, so sum dout over the axes 0, 2 "
                    "and 3.")
        return None

    def padded_dx(name, got, expected, case):
        p = case.context["pad"]
        if name == "dx" and p > 0 and got.shape == expected.shape[:2] + (expected.shape[2] + 2 * p,
                                                                         expected.shape[3] + 2 * p):
            return (f"dx has shape {_shape(got.shape)}, the shape of the padded input; expected "
                    f"{_shape(expected.shape)} (the shape of x), so drop the padding (P = {p}) on each side.")
        return None

    def wrong(name, key, message):
        """Hint: `name` equals the mistaken loop's output `key` (where that mistake can be told apart)."""
        def hint(output, got, expected, case):
            guess = case.context["wrong"][key][0 if name == "dx" else 1]
            if output != name or guess is None or _close(got, expected):
                return None
            return message if got.shape == guess.shape and _close(got, guess) else None
        return hint

    overwrite = ("looks like `=` instead of `+=`: windows overlap (and every kernel f sends its own share), so "
                 "each cell must add up what every window and kernel sends back")
    hints = [
        padded_dx,
        wrong_shape,
        _mean_instead_of_sum({"db", "dw"}, {"over the batch and all output positions": "NOHOW",
                                            "over the batch": "N"}),
        wrong("dx", "assign", f"dx {overwrite} (dx_padded[n, :, rows, cols] += dout[n, f, i, j] * w[f])."),
        wrong("dx", "assign window", f"dx {overwrite} (dx_padded[n, :, rows, cols] += dout[n, f, i, j] * w[f])."),
        wrong("dx", "no stride",
              "dx looks as if the stride were ignored in the scatter: output cell (i, j) read the window that "
              "starts at row i*S and column j*S of the padded input, so its gradient goes back there."),
        _equals("dx", lambda c: c["wrong"]["rotated"],
                "dx is what the kernel gives without its 180-degree rotation (or rotated twice): the full "
                "convolution with the forward conv2d needs w[:, :, ::-1, ::-1] with F and C swapped, while a loop "
                "sends dout[n, f, i, j] * w[f], w as it is, back to its window."),
        wrong("dw", "assign", "dw holds the share of one window only, as with `=` instead of `+=`: the kernels "
                              "are shared by every position and every sample, so their gradient is a sum."),
        wrong("dw", "assign window", "dw holds the share of the last window only, as with `=` instead of `+=`: "
                                     "the kernels are shared by every position, so their gradient is a sum."),
        wrong("dw", "first sample", "dw is the gradient of the first sample alone: the kernels are shared by "
                                    "the whole batch, so add up the contributions of all N samples."),
        wrong("dw", "last sample", "dw is the gradient of the last sample alone: the kernels are shared by "
                                   "the whole batch, so add up the contributions of all N samples."),
        wrong("dw", "no stride",
              "dw looks as if the stride were ignored: output cell (i, j) saw the window that starts at row i*S "
              "and column j*S of the padded input, and that window is what dout[n, f, i, j] multiplies."),
        _equals("dw", lambda c: c["wrong"]["flipped dw"],
                "dw is flipped in both spatial axes: dw[f, c, p, q] = sum over n, i, j of "
                "x_padded[n, c, i*S + p, j*S + q] dout[n, f, i, j]."),
    ]

    def on_error(e, case, head):
        """Name the typical slips of the backward pass written with the forward conv2d from lib.conv2d's errors."""
        import re

        c = case.context
        N, C, F, P = c["N"], c["w"].shape[1], c["F"], c["pad"]
        m = re.match(r"conv2d: input has (\d+) channels, kernel expects (\d+)", str(e))
        if isinstance(e, ValueError) and m:
            got = f"{head}: lib.conv2d got an input with {m.group(1)} channels and kernels that expect {m.group(2)}"
            # (channels of conv2d's input, channels its kernels expect) -> the slip; the hidden cases' first
            # one has N, C and F all different, and a channel mismatch shows there whatever the sizes
            slips = [((F, C), "F and C", "for dx, the F channels of dout are the input channels, so swap the "
                      "first two axes of the rotated kernels too, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3) of "
                      "shape (C, F, KH, KW)."),
                     ((N, F), "N and F", "for dw, dout plays F kernels over the N samples, so transpose it to "
                      "(F, N, OH, OW) as well as x to (C, N, H + 2P, W + 2P)."),
                     ((C, N), "C and N", "for dw, transpose x to (C, N, H + 2P, W + 2P) as well as dout to "
                      "(F, N, OH, OW), so that the N samples are the channels conv2d sums over."),
                     ((C, F), "C and F", "for dw, transpose x to (C, N, H + 2P, W + 2P) and dout to "
                      "(F, N, OH, OW), so that the N samples are the channels conv2d sums over.")]
            for key, letters, fix in slips:
                if (int(m.group(1)), int(m.group(2))) == key:
                    return f"{got} ({letters}): {fix}"
        m = re.match(r"conv2d: kernel \((\d+), (\d+)\) is larger than padded input \((\d+), (\d+)\)", str(e))
        if isinstance(e, ValueError) and m and P > 0 and (int(m.group(3)), int(m.group(4))) == (c["H"], c["W"]):
            return f"{head}: lib.conv2d got a kernel (the dilated dout) larger than x; {_unpadded_x_advice(P)}"
        return None

    notes = {"dx": "the shape of x", "dw": "the shape of w", "db": "(F,), one entry per output channel"}
    return _run(fn, "check_conv2d_backward", cases, notes, hints, on_error=on_error)


def _unpadded_x_advice(P):
    return (f"for dw, pad x with P = {P} zeros on each side first, since the dilated dout slides over the padded "
            "input that the forward pass saw.")


def _unpadded_x(shape, expected_shape, P):
    return (f"dw has shape {_shape(shape)}; expected {_shape(expected_shape)} (the shape of w): "
            + _unpadded_x_advice(P))


def _conv2d_loop_backward(dout, x, w, pad, stride, *, assign=False, per_window=False, step=None, samples=None):
    """A loop backward pass with typical mistakes switched on: `=` instead of `+=` (per kernel and sample, or per
    window with the kernels and samples summed), windows placed with stride `step`, only some `samples` in dw."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    step = stride if step is None else step
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    ns = range(N) if samples is None else samples
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * step, i * step + KH), slice(j * step, j * step + KW)
            d = dout[:, :, i, j]  # (N, F)
            if per_window:
                to_x = np.einsum("nf,fchw->nchw", d, w)
                to_w = np.einsum("nf,nchw->fchw", d[list(ns)], xp[list(ns), :, rows, cols])
                if assign:
                    dxp[:, :, rows, cols], dw[...] = to_x, to_w
                else:
                    dxp[:, :, rows, cols] += to_x
                    dw += to_w
                continue
            for n in range(N):
                for f in range(F):
                    if assign:
                        dxp[n, :, rows, cols] = d[n, f] * w[f]
                    else:
                        dxp[n, :, rows, cols] += d[n, f] * w[f]
                    if n in ns:
                        if assign:
                            dw[f] = d[n, f] * xp[n, :, rows, cols]
                        else:
                            dw[f] += d[n, f] * xp[n, :, rows, cols]
    return dxp[:, :, pad:pad + H, pad:pad + W], dw


def _conv2d_variants(dout, x, w, pad, stride):
    """Typical wrong (dx, dw) of a 2-D backward pass, keyed by mistake, for check_conv2d_backward's hints."""
    conv = _conv()
    # the windows (i, j) of the mistaken loop, placed one cell apart, must fit in the padded input
    fits = all((o - 1) + k <= n + 2 * pad for o, k, n in zip(dout.shape[2:], w.shape[2:], x.shape[2:]))
    N = x.shape[0]
    return {
        "assign": _conv2d_loop_backward(dout, x, w, pad, stride, assign=True),
        "assign window": _conv2d_loop_backward(dout, x, w, pad, stride, assign=True, per_window=True),
        "no stride": _conv2d_loop_backward(dout, x, w, pad, stride, step=1) if fits else (None, None),
        "first sample": (None, _conv2d_loop_backward(dout, x, w, pad, stride, samples=[0])[1]),
        "last sample": (None, _conv2d_loop_backward(dout, x, w, pad, stride, samples=[N - 1])[1]),
        "rotated": conv.conv2d_backward(dout, x, w[:, :, ::-1, ::-1].copy(), pad=pad, stride=stride)[0],
        "flipped dw": conv.conv2d_backward(dout, x, w, pad=pad, stride=stride)[1][:, :, ::-1, ::-1],
    }


# Checkers of later chapters live in their own modules and are re-exported here, so every notebook can
# write `from lib.checkers import check_...`.
from .sequences import *  # noqa: E402,F401,F403
from .bptt import *  # noqa: E402,F401,F403
from .language_model import *  # noqa: E402,F401,F403
from .vanishing import *  # noqa: E402,F401,F403
from .gated import *  # noqa: E402,F401,F403
from .gru import *  # noqa: E402,F401,F403
from .mlp import *  # noqa: E402,F401,F403
from .training import *  # noqa: E402,F401,F403
from .convolution import *  # noqa: E402,F401,F403
from .pooling import *  # noqa: E402,F401,F403
