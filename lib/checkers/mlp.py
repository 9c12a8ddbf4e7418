"""Checkers for the exercises of chapter 1 (the multi-layer perceptron), re-exported by `lib.checkers`.

Like the other checkers, each one runs the reader's answer on fixed or hidden seeded cases, prints one sentence
that names the likely mistake and returns a `CheckResult`. The file is split into one block per section.
"""
import importlib

import numpy as np

from . import (_Case, _reader_error, _as_outputs, _close, _compare, _constant_factor, _equals, _fn_name, _index,
               _mean_instead_of_sum, _num, _run, _verified)
# Section 1.2 uses these under its own names: a plain `_finish` or `_check_callable` would replace the functions
# of the same name that section 1.1's block defines below (and looks up when it runs).
from . import _check_callable as _bp_check_callable, _finish as _bp_finish
from ._calls import watch_calls
from ._wrap import check_callable as _check_callable, finish as _finish, wrapped
from .. import functions, layers
from ..functions import cross_entropy, sigmoid, softmax

_gradcheck = importlib.import_module("..gradcheck", __package__)  # the module; lib.gradcheck is the function

__all__ = []


def _tuple(values):
    """A tuple written without inner spaces, "(0,1)" or "(2,)", so the wrapped sentence never splits it."""
    values = [str(int(v)) for v in values]
    return "(" + ",".join(values) + ("," if len(values) == 1 else "") + ")"


# ============================================================================================================
# Section 1.1 (chapters/01a_perceptron.ipynb): XOR by hand, a cross-entropy that never overflows
# ============================================================================================================
__all__ += ["check_xor_network", "check_cross_entropy"]

XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2): the four corners
XOR_TARGETS = np.array([0, 1, 1, 0])  # (4,)
XOR_TOL = 0.1  # a sigmoid network must put every output within this distance of its target

# The 16 functions of two bits, keyed by their outputs for the inputs (0, 0), (0, 1), (1, 0), (1, 1).
_GATES = {
    (0, 0, 0, 0): "the constant 0", (1, 1, 1, 1): "the constant 1",
    (0, 0, 0, 1): "AND", (0, 1, 1, 1): "OR", (1, 1, 1, 0): "NAND", (1, 0, 0, 0): "NOR",
    (0, 1, 1, 0): "XOR", (1, 0, 0, 1): "XNOR",
    (0, 0, 1, 1): "a copy of x1", (0, 1, 0, 1): "a copy of x2",
    (1, 1, 0, 0): "NOT x1", (1, 0, 1, 0): "NOT x2",
    (0, 0, 1, 0): "x1 AND NOT x2", (0, 1, 0, 0): "x2 AND NOT x1",
    (1, 0, 1, 1): "x1 OR NOT x2", (1, 1, 0, 1): "x2 OR NOT x1",
}
_ORDINAL = ("first", "second")


def gate_name(outputs):
    """The name of the two-bit function with these 0/1 outputs for (0, 0), (0, 1), (1, 0), (1, 1)."""
    return _GATES[tuple(int(v) for v in outputs)]


def _corner(i):
    return _tuple(XOR_INPUTS[i])


def _xor_arrays(W1, b1, W2, b2):
    """(W1 (2, 2), b1 (2,), W2 (2,), b2 ()) as float arrays, or a sentence saying what is wrong with them."""
    wanted = {"W1": ((2, 2),), "b1": ((2,), (1, 2)), "W2": ((2,), (2, 1)), "b2": ((), (1,), (1, 1))}
    meaning = {"W1": "one row per input, one column per hidden unit",
               "b1": "one bias per hidden unit",
               "W2": "one weight per hidden unit",
               "b2": "the output unit's bias, one number"}
    arrays = {}
    for name, value in zip(wanted, (W1, b1, W2, b2)):
        shape = wanted[name][0]
        if value is None:
            return None, f"{name} is None; fill it in: an array of shape {_tuple(shape)} ({meaning[name]})."
        try:
            a = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None, f"{name} is a {type(value).__name__}, not an array of numbers of shape {_tuple(shape)}."
        if a.shape not in wanted[name]:
            return None, f"{name} has shape {_tuple(a.shape)}; expected {_tuple(shape)} ({meaning[name]})."
        if not np.all(np.isfinite(a)):
            return None, f"{name} contains {a[~np.isfinite(a)][0]}; every weight and bias must be finite."
        arrays[name] = a.reshape(shape)
    return (arrays["W1"], arrays["b1"], arrays["W2"], arrays["b2"]), None


def _on_a_line(a_hidden, a_out):
    """(unit, bias name, corner index) of the first input whose pre-activation is exactly 0, else None."""
    for j in range(2):
        zero = np.flatnonzero(a_hidden[:, j] == 0)
        if zero.size:
            return f"the line of the {_ORDINAL[j]} hidden unit", "b1", int(zero[0])
    zero = np.flatnonzero(a_out == 0)
    if zero.size:
        return "the output unit's line", "b2", int(zero[0])
    return None


def _step_network(W1, b1, W2, b2, at_zero=0):
    """The step network on the four corners, with step(0) = at_zero: (a_hidden (4, 2), h (4, 2), a_out (4,), y (4,))."""
    def step(a):
        return np.where(a == 0, at_zero, (a > 0).astype(int))

    a_hidden = XOR_INPUTS @ W1 + b1  # (4, 2)
    h = step(a_hidden)  # (4, 2)
    a_out = h @ W2 + b2  # (4,)
    return a_hidden, h, a_out, step(a_out)


def _diagnose_step(W1, b1, W2, b2):
    """Run the step network (step(0) = 0, as the exercise defines it) on the four corners; return (passed, sentence)."""
    a_hidden, h, a_out, y = _step_network(W1, b1, W2, b2)
    gates = [gate_name(h[:, j]) for j in range(2)]
    on_line = _on_a_line(a_hidden, a_out)
    if np.array_equal(y, XOR_TARGETS):
        message = (f"Passed: your hidden units compute {gates[0]} and {gates[1]}, and the output unit "
                   "combines them into XOR (0,1,1,0) for the four inputs")
        if on_line:
            unit, bias, corner = on_line
            message += (f"; the input {_corner(corner)} lies exactly on {unit}, which step(0) = 0 settles, "
                        f"but a sigmoid gives 0.5 there however steep it is, so shift {bias} before part (b)")
        return True, message + "."
    if on_line and np.array_equal(_step_network(W1, b1, W2, b2, at_zero=1)[3], XOR_TARGETS):
        unit, bias, corner = on_line
        return False, (f"The input {_corner(corner)} lies exactly on {unit} (its pre-activation is 0), where "
                       f"the step gives 0, since step(a) = 1 only for a > 0; shift {bias} so that every input "
                       "lies clearly on one side.")
    if np.array_equal(y, 1 - XOR_TARGETS):
        return False, ("Your network computes XNOR (1,0,0,1), the opposite of XOR: flip the signs of W2 "
                       "and b2.")
    for j in range(2):
        if len(set(h[:, j])) == 1:
            return False, (f"The {_ORDINAL[j]} hidden unit outputs {h[0, j]} for all four inputs, so it tells "
                           "the output unit nothing: its line must pass between the corners of the square.")
    if np.array_equal(h[:, 0], h[:, 1]):
        return False, (f"Both hidden units compute {gates[0]}, so the output unit sees one line where XOR "
                       "needs two: give them different lines (different columns of W1 and entries of b1).")
    for i in range(4):
        for k in range(i + 1, 4):
            if np.array_equal(h[i], h[k]) and XOR_TARGETS[i] != XOR_TARGETS[k]:
                return False, (f"Your hidden units compute {gates[0]} and {gates[1]} and send the inputs "
                               f"{_corner(i)} and {_corner(k)} to the same pair (h1,h2) = {_tuple(h[i])}, "
                               "but XOR gives them different outputs, so no output unit can tell them apart.")
    if len({tuple(r) for r in h}) == 4 and _is_xor_like(h):
        return False, (f"Your hidden units compute {gates[0]} and {gates[1]} and send the four inputs to "
                       "the four corners again, with XOR's 1s on one diagonal and its 0s on the other, so no "
                       "line of the output unit separates them: choose other lines.")
    return False, (f"Your hidden units compute {gates[0]} and {gates[1]}, a good start, but the output unit "
                   f"turns them into {gate_name(y)} {_tuple(y)}, not XOR (0,1,1,0): choose W2 and b2 so "
                   "that its line separates the hidden pairs (h1,h2) of the 1s from those of the 0s.")


def _is_xor_like(h):
    """True if the hidden pairs of the four inputs carry XOR's labels in an XOR or XNOR pattern."""
    labels = {tuple(h[i]): XOR_TARGETS[i] for i in range(4)}
    return labels[(0, 1)] == labels[(1, 0)] != labels[(0, 0)] == labels[(1, 1)]


def check_xor_network(W1, b1, W2, b2, activation="step"):
    """Check that the 2-2-1 network with these weights computes XOR with step or sigmoid units."""
    if activation not in ("step", "sigmoid"):
        return _finish(False, f"activation is {activation!r}; use 'step' or 'sigmoid'.")
    arrays, problem = _xor_arrays(W1, b1, W2, b2)
    if problem:
        return _finish(False, problem)
    W1, b1, W2, b2 = arrays
    for j in range(2):
        if not np.any(W1[:, j]):
            return _finish(False, f"The {_ORDINAL[j]} hidden unit has all-zero weights (column {j} of W1), so "
                                  "it draws no line and gives every input the same output; choose its weights "
                                  "and bias.")
    if not np.any(W2):
        return _finish(False, "The output unit has all-zero weights W2, so it ignores the hidden units and "
                              "gives every input the same output.")
    if activation == "step":
        passed, message = _diagnose_step(W1, b1, W2, b2)
        return _finish(passed, message)

    a_hidden = XOR_INPUTS @ W1 + b1  # (4, 2)
    h = sigmoid(a_hidden)  # (4, 2)
    a_out = h @ W2 + b2  # (4,)
    y = sigmoid(a_out)  # (4,)
    err = np.abs(y - XOR_TARGETS)
    worst = int(np.argmax(err))
    if err[worst] < XOR_TOL:
        outputs = ", ".join(f"{v:.2f}" for v in y)
        return _finish(True, f"Passed: your sigmoid network outputs {outputs} for the four inputs, each "
                             f"within {XOR_TOL} of XOR's 0, 1, 1, 0.")
    got = f"{y[worst]:.2f} for the input {_corner(worst)}"
    on_line = _on_a_line(a_hidden, a_out)
    if on_line:
        unit, bias, corner = on_line
        return _finish(False, f"Your network outputs {got}, and the input {_corner(corner)} lies exactly on "
                              f"{unit} (its pre-activation is 0), where a sigmoid gives 0.5 however steep it is; "
                              f"shift {bias} so that every input lies clearly on one side.")
    rounded = (y > 0.5).astype(int)
    if np.array_equal(rounded, XOR_TARGETS):
        return _finish(False, f"Every output is on the right side of 0.5, but your network outputs {got}, not "
                              f"within {XOR_TOL} of {XOR_TARGETS[worst]}: a sigmoid is a soft step, and yours are "
                              "not yet steep enough to act like steps.")
    step_ok, _ = _diagnose_step(W1, b1, W2, b2)
    if step_ok:
        return _finish(False, f"With step units these weights compute XOR, but your sigmoid network outputs "
                              f"{got}: a sigmoid is a soft step, far from 0 and 1 near its line, so make every "
                              "unit act more like a step without moving its line.")
    return _finish(False, f"Rounded at 0.5, your sigmoid network computes {gate_name(rounded)} "
                          f"{_tuple(rounded)}, not XOR (0,1,1,0); get it right with step units first.")


def _ce_cases():
    """Hidden cases (scores (N, C), labels (N,)): two ordinary ones, then two with scores near 1000."""
    rng = np.random.default_rng(111)
    cases = []
    for N, C in [(4, 3), (6, 5)]:
        cases.append((rng.standard_normal((N, C)) * 2, rng.integers(0, C, N)))
    far = rng.standard_normal((3, 4)) * 2
    far[:, 0] += 1000.0  # class 0 far ahead: the correct classes below get probabilities near e^-1000
    cases.append((far, np.array([1, 2, 0])))
    cases.append((1000.0 + rng.standard_normal((5, 3)), rng.integers(0, 3, 5)))  # every score near 1000
    return cases


# lib's own routes to the answer, by the code they run: a profile hook sees them under any name the reader uses.
_LIB_LOSSES = {functions.log_softmax: "lib.log_softmax",
               functions.cross_entropy: "lib.cross_entropy",
               functions.mean_nll: "lib's mean_nll",
               layers.SoftmaxWithLoss.forward: "lib.SoftmaxWithLoss"}


_CAPS = [10.0 ** -k for k in range(4, 17)]  # the small constants readers add inside the log, 1e-4 ... 1e-16


def _capped(value, s, t):
    """The expression behind `value` if it is the loss with np.log(y + eps) or a y clipped at eps, else None."""
    N = s.shape[0]
    y = softmax(s, axis=1)[np.arange(N), t]  # (N,) the correct classes' probabilities
    for eps in _CAPS:
        forms = []
        if np.isclose(value, -np.mean(np.log(y + eps)), rtol=1e-9):
            forms.append(f"np.log(y + {eps:.0e})")
        if np.isclose(value, -np.mean(np.log(np.maximum(y, eps))), rtol=1e-9) and np.any(y < eps):
            forms.append(f"np.log(np.clip(y, {eps:.0e}, 1))")
        if forms:
            return " or ".join(forms)
    return None


def check_cross_entropy(fn):
    """Check fn(s, t) -> the mean cross-entropy of softmax(s) (N, C) with integer labels t (N,), for any scores."""
    bad = _check_callable(fn, "check_cross_entropy")
    if bad is not None:
        return bad
    cases = _ce_cases()
    for k, (s, t) in enumerate(cases, start=1):
        N, C = s.shape
        expected = cross_entropy(s, t)
        direct = -np.mean(np.log(softmax(s, axis=1)[np.arange(N), t])) if k <= 2 else expected
        if not np.isclose(direct, expected, rtol=1e-12):
            raise RuntimeError("check_cross_entropy: lib.cross_entropy disagrees with -mean(ln y); "
                               "this is a bug in lib, not in your function")
        big = k > 2
        where = (f"on hidden case {k} of {len(cases)} (s {_tuple(s.shape)}, t ({N},)"
                 + (", scores near 1000)" if big else ")"))
        with np.errstate(all="ignore"):
            got, used, error = watch_calls(fn, (s.copy(), t.copy()), _LIB_LOSSES)
        if error is not None:
            return _finish(False, _reader_error(fn, error, where))
        if used:
            return _finish(False, f"{_fn_name(fn)} calls {used[0]}, which already computes the answer; compute ln y "
                                  "from the scores yourself, with NumPy only.")
        if got is None:
            return _finish(False, f"{_fn_name(fn)} returned None; expected the loss, one number.")
        try:
            value = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return _finish(False, f"{_fn_name(fn)} returned a {type(got).__name__}; expected the loss, one number.")
        if value.shape == (N,):
            return _finish(False, f"{_fn_name(fn)} returned an array of shape ({N},), one loss per example "
                                  f"{where}; average them into one number.")
        if value.size != 1:
            return _finish(False, f"{_fn_name(fn)} returned an array of shape {_tuple(value.shape)} {where}; "
                                  "expected the loss, one number.")
        value = float(value.reshape(()))
        if np.isnan(value):
            return _finish(False, f"{_fn_name(fn)} returned nan {where}: exp overflowed to inf; subtract each "
                                  "row's maximum score before exp (it changes no probability).")
        if np.isinf(value):
            return _finish(False, f"{_fn_name(fn)} returned inf {where}: the correct class's probability "
                                  "underflows to 0 before the log; compute ln y directly, as s[n,t[n]] - max - "
                                  "ln(sum of exp(s - max)).")
        if np.isclose(value, expected, rtol=1e-6, atol=1e-9):
            continue
        got_text = f"got {_num(value)}, expected {_num(expected)}"
        if _num(value) == _num(expected):  # close enough to print the same: show the digits that differ
            got_text = f"got {value:.10f}, expected {expected:.10f}"
        cap = _capped(value, s, t)
        if cap:
            return _finish(False, f"The loss is too small {where} ({got_text}): it matches {cap}, a "
                                  "constant in the log that changes the loss most where y is tiny, and caps it "
                                  "there; compute ln y directly from the scores instead.")
        if big and value < expected:
            return _finish(False, f"The loss is too small {where} ({got_text}), though right on the ordinary "
                                  "cases: something caps each example's loss, such as a constant added to y "
                                  "before the log; compute ln y directly from the scores instead.")
        if np.isclose(value, N * expected, rtol=1e-6):
            return _finish(False, f"The loss is N = {N} times too large {where} ({got_text}): average over the "
                                  "batch, do not just sum.")
        if np.isclose(value, -expected, rtol=1e-6):
            return _finish(False, f"The loss has the wrong sign {where} ({got_text}): it is minus the mean "
                                  "log-probability of the correct classes.")
        if np.isclose(value, expected / np.log(10), rtol=1e-6):
            return _finish(False, f"The loss uses the base-10 logarithm {where} ({got_text}); the "
                                  "cross-entropy uses ln, which is np.log.")
        if np.isclose(value, expected / N, rtol=1e-6):
            return _finish(False, f"The loss is N = {N} times too small {where} ({got_text}): divide by N "
                                  "only once.")
        logy = s - s.max(axis=1, keepdims=True)
        logy = logy - np.log(np.exp(logy).sum(axis=1, keepdims=True))  # (N, C)
        if np.isclose(value, -logy.mean(), rtol=1e-6):
            return _finish(False, f"The loss averages -ln y over every class {where} ({got_text}); only the "
                                  "correct class's probability y[n,t[n]] counts.")
        if np.isclose(value, -np.mean(s[np.arange(N), t]), rtol=1e-6):
            return _finish(False, f"The loss is minus the mean score of the correct classes {where} "
                                  f"({got_text}); turn the scores into log-probabilities first (subtract "
                                  "ln of the sum of exp).")
        return _finish(False, f"The loss is wrong {where}: {got_text}.")
    return _finish(True, f"Passed: your loss matches lib.cross_entropy on {len(cases)} hidden cases, "
                         "including scores near 1000.")


# ============================================================================================================
# End of section 1.1
# ============================================================================================================


# ============================================================================================================
# Section 1.2, back-propagation: check_numerical_gradient, check_center_rows_backward, check_linear_t_backward
# ============================================================================================================
__all__ += ["check_numerical_gradient", "check_center_rows_backward", "check_linear_t_backward"]

# ------------------------------------------------------------------------------------ numerical_gradient
def _ng_problems():
    """The hidden cases: (shape, eps, make) where make(p) -> (f, exact gradient function) for a fresh p."""
    def exp2(c):
        return lambda p: (lambda: float(np.sum(c * np.exp(2 * p)))), lambda p: 2 * c * np.exp(2 * p)

    def sin_cube(A):
        return (lambda p: (lambda: float(np.sum(np.sin(A * p)) + 0.5 * np.sum(p ** 3))),
                lambda p: A * np.cos(A * p) + 1.5 * p ** 2)

    def log_norm():
        return (lambda p: (lambda: float(np.log(1.0 + np.sum(p ** 2) + np.sum(p)))),
                lambda p: (2 * p + 1) / (1.0 + np.sum(p ** 2) + np.sum(p)))

    def quad(B):
        return lambda p: (lambda: float(np.sum((p @ B) ** 2))), lambda p: 2 * (p @ B) @ B.T

    rng = np.random.default_rng(121)
    return [((3,), 1e-2, exp2(rng.standard_normal(3))),
            ((2, 3), 1e-3, sin_cube(rng.standard_normal((2, 3)) * 2)),
            ((2, 2, 2), 1e-4, log_norm()),
            ((4, 2), 1e-6, quad(rng.standard_normal((2, 3))))], rng


def _differences(make, p0, eps, kind):
    """A difference quotient of f at p0 entry by entry: kind 'central', 'forward' or 'backward'."""
    p = p0.copy()
    f = make(p)
    grad = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + eps
        plus = f()
        p[i] = old - eps
        minus = f()
        p[i] = old
        mid = f()
        grad[i] = {"central": (plus - minus) / (2 * eps), "forward": (plus - mid) / eps,
                   "backward": (mid - minus) / eps}[kind]
    return grad


def _names_used(code):
    """The global and free variable names that a code object, or any function defined inside it, reads."""
    names = set(code.co_names) | set(code.co_freevars)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_used(const)
    return names


def _name_bound_to(fn, target):
    """The name under which fn's code reads `target` as a global or closure variable, or None."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    glob = getattr(fn, "__globals__", {})
    for name in sorted(_names_used(code)):
        if name in glob and glob[name] is target:
            return name
    for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
        try:
            if cell.cell_contents is target:
                return name
        except ValueError:  # an empty cell
            pass
    return None


@wrapped
def check_numerical_gradient(fn):
    """Check fn(f, p, eps) -> the central-difference gradient of the scalar f() with respect to the array p."""
    who = "check_numerical_gradient"
    bad = _bp_check_callable(fn, who)
    if bad is not None:
        return bad
    alias = _name_bound_to(fn, _gradcheck.numerical_gradient)
    if alias is not None:
        return _bp_finish(False, f"{_fn_name(fn)} uses lib's numerical_gradient (under the name {alias}); the "
                                 "exercise is to write the loop over the entries of p yourself.")
    problems, rng = _ng_problems()
    cases = []
    for shape, eps, (make, exact) in problems:
        p0 = rng.standard_normal(shape) * 0.5
        p = p0.copy()
        expected = _gradcheck.numerical_gradient(make(p), p, eps)
        err = np.abs(expected - exact(p0)).max() / max(np.abs(exact(p0)).max(), 1e-12)
        if err > 1e-3:
            raise RuntimeError(f"{who}: lib.numerical_gradient is off by {err:.1e}; this is a bug in lib, "
                               "not in your function")
        context = {"eps": eps, "ndim": len(shape)}
        for kind in ("forward", "backward"):
            context[kind] = _differences(make, p0, eps, kind)
        context["eps_1e-6"] = _differences(make, p0, 1e-6, "central")
        cases.append((make, p0, _Case({"p": p0, "eps": eps}, {"grad": expected}, **context)))

    def all_zeros(name, got, expected, case):
        if got.shape == expected.shape and not np.any(got) and np.any(expected):
            return ("grad is all zeros: f() reads the array p itself, so nudge the entries of p in place "
                    "(p[i] = old + eps), not of a copy, before each call of f().")
        return None

    def one_sided(name, got, expected, case):
        for kind in ("forward", "backward"):
            wrong = case.context[kind]
            if got.shape == wrong.shape and _close(got, wrong) and not _close(got, expected):
                sign = "+" if kind == "forward" else "−"
                return (f"grad is the one-sided ({kind}) difference with f(p {sign} eps) and f(p), whose error "
                        f"shrinks only like eps (here eps = {case.context['eps']:g}); use the central difference "
                        "(f(p + eps) − f(p − eps)) / (2 eps), whose error shrinks like eps².")
        return None

    def twice(name, got, expected, case):
        c = _constant_factor(got, expected) if got.shape == expected.shape else None
        if c is not None and abs(c - 2) < 1e-4:
            return ("grad is twice too large: p + eps and p − eps are 2 eps apart, so divide the difference by "
                    "2 eps, not by eps.")
        return None

    def ignores_eps(name, got, expected, case):
        wrong = case.context["eps_1e-6"]
        if case.context["eps"] != 1e-6 and got.shape == wrong.shape and _close(got, wrong) \
                and not _close(got, expected):
            return (f"grad was computed with a step of 1e-6, but this case passed eps = {case.context['eps']:g}; "
                    "use the eps argument, not a fixed number.")
        return None

    hints = [all_zeros, one_sided, twice, ignores_eps]
    for k, (make, p0, case) in enumerate(cases, start=1):
        p = p0.copy()
        where = f"hidden case {k} of {len(cases)} ({case.describe()})"
        ret, used_lib, error = watch_calls(fn, (make(p), p, case.inputs["eps"]),
                                           {_gradcheck.numerical_gradient: "lib.numerical_gradient"})
        if error is not None:
            tip = (" Loop over every index of an array of any shape with np.ndindex(p.shape)."
                   if case.context["ndim"] > 2 and not isinstance(error, NotImplementedError) else "")
            return _bp_finish(False, _reader_error(fn, error, f"on {where}") + tip)
        if used_lib:
            return _bp_finish(False, f"{_fn_name(fn)} calls lib.numerical_gradient; the exercise is to write the "
                                  "loop over the entries of p yourself.")
        outputs, problem = _as_outputs(fn, ret, case.expected)
        if problem:
            return _bp_finish(False, problem)
        moved = np.abs(p - p0)
        if moved.max(initial=0.0) > 1e-9 * max(np.abs(p0).max(), 1.0):
            idx = np.unravel_index(int(np.argmax(moved)), p.shape)
            return _bp_finish(False, f"{_fn_name(fn)} leaves p changed after it returns: on {where} entry "
                                  f"{_index(idx)} moved by {_num(moved[idx])}; put each entry back to its old "
                                  "value before the next one, or later entries are measured at a shifted point.")
        problem = _compare(fn, "grad", outputs[0], case.expected["grad"], "the shape of p", case, k, len(cases),
                           hints)
        if problem:
            if case.context["ndim"] > 2 and "wrong at index" in problem:
                problem = problem[:-1] + "; loop over every index with np.ndindex(p.shape)."
            return _bp_finish(False, problem)
    return _bp_finish(True, f"Passed: grad matches lib.numerical_gradient on {len(cases)} hidden cases.")


# ------------------------------------------------------------------------------------ centring the rows
_CENTER_SHAPES = [(3, 4), (2, 5), (4, 2), (1, 6)]  # (N, D): never square, so a lost keepdims cannot broadcast


@wrapped
def check_center_rows_backward(fn):
    """Check fn(x, dout) -> dx for y = x - x.mean(axis=1, keepdims=True), x of shape (N, D)."""
    rng = np.random.default_rng(122)
    cases = []
    for N, D in _CENTER_SHAPES:
        x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, D))
        dx = dout - dout.mean(axis=1, keepdims=True)
        expected = _verified("check_center_rows_backward", {"dx": dx},
                             lambda: float(np.sum((x - x.mean(axis=1, keepdims=True)) * dout)), {"dx": x})
        cases.append(_Case({"x": x, "dout": dout}, expected, dout=dout, D=D))

    if callable(fn):  # the likeliest crash first: a row mean without keepdims, (N,) against (N, D)
        try:
            fn(*(np.copy(v) for v in cases[0].inputs.values()))
        except ValueError as e:
            if "broadcast" in str(e):
                return _bp_finish(False, f"{_fn_name(fn)} raised ValueError on hidden case 1 of "
                                         f"{len(cases)} ({cases[0].describe()}): operands could not be "
                                         "broadcast. A row mean taken without keepdims=True has shape (N,), "
                                         "which does not line up with the rows of dout (N, D); keep the axis: "
                                         "dout.mean(axis=1, keepdims=True) has shape (N, 1).")
        except Exception:  # any other error is reported by _run below, with its case
            pass

    def d(c):
        return c["dout"]

    hints = [
        _equals("dx", lambda c: d(c),
                "dx equals dout, the gradient of the direct path x → y only; x also reaches y through the row "
                "mean (a branch), and that path sends back minus the row mean of dout."),
        _equals("dx", lambda c: d(c) - d(c).mean(axis=0, keepdims=True),
                "dx subtracts the column means of dout (axis 0); the mean runs over each row, axis 1, so the "
                "Sum and the Repeat of its backward work along axis 1."),
        _equals("dx", lambda c: d(c) - d(c).mean(),
                "dx subtracts the mean of all of dout; y subtracts the mean of each row separately, so the "
                "backward does too: dout.mean(axis=1, keepdims=True)."),
        _equals("dx", lambda c: d(c) - d(c).sum(axis=1, keepdims=True),
                "dx subtracts the row sums of dout; the mean divides its Sum by D, and so does the backward: "
                "dout − dout.sum(axis=1, keepdims=True) / D."),
        _equals("dx", lambda c: d(c) * (1 - 1 / c["D"]),
                "dx is dout (1 − 1/D), the derivative of y[n, j] with respect to x[n, j] alone; every other "
                "entry x[n, k] of the row changes y[n, j] too (by −1/D per unit), so sum over the whole row."),
        _equals("dx", lambda c: d(c) + d(c).mean(axis=1, keepdims=True),
                "dx adds the row mean of dout; the mean enters y with a minus sign, so its path sends back "
                "minus the row mean."),
        _equals("dx", lambda c: -d(c).mean(axis=1, keepdims=True) * np.ones_like(d(c)),
                "dx holds only the path through the mean; add the direct path, which passes dout unchanged."),
    ]
    return _run(fn, "check_center_rows_backward", cases, {"dx": "(N, D), the shape of x"}, hints,
                reference="the exact gradient and a numerical gradient")


# ------------------------------------------------------------------------------------ y = x W^T
@wrapped
def check_linear_t_backward(fn):
    """Check fn(x, W, dout) -> (dx, dW) for y = x @ W.T, with x (N, D) and W stored as (H, D)."""
    rng = np.random.default_rng(123)
    cases = []
    for N, D, H in [(4, 3, 3), (5, 4, 2), (3, 2, 6), (1, 5, 3)]:
        x, W, dout = rng.standard_normal((N, D)), rng.standard_normal((H, D)), rng.standard_normal((N, H))
        analytic = {"dx": dout @ W, "dW": dout.T @ x}
        expected = _verified("check_linear_t_backward", analytic, lambda: float(np.sum((x @ W.T) * dout)),
                             {"dx": x, "dW": W})
        cases.append(_Case({"x": x, "W": W, "dout": dout}, expected, x=x, W=W, dout=dout, N=N))

    def when_shapes_allow(transform):
        def safe(c):
            try:
                return transform(c)
            except ValueError:  # e.g. dout @ W.T when H != D: that wrong answer cannot arise in this case
                return np.full(1, np.nan)
        return safe

    hints = [
        _equals("dx", when_shapes_allow(lambda c: c["dout"] @ c["W"].T),
                "dx = dout @ W.T is the rule for y = x W; here the weight enters transposed, y = x Wᵀ, so "
                "dout is multiplied by W itself: dx = dout @ W."),
        _equals("dW", lambda c: c["x"].T @ c["dout"],
                "dW = x.T @ dout has the shape (D, H) of a weight used as y = x W; here W is stored as (H, D), "
                "and a gradient has the shape of its parameter: dW = dout.T @ x."),
        _mean_instead_of_sum({"dW"}, {"over the batch": "N"}),
    ]
    notes = {"dx": "(N, D), the shape of x", "dW": "(H, D), the shape of W"}
    return _run(fn, "check_linear_t_backward", cases, notes, hints,
                reference="the exact gradients and a numerical gradient")
