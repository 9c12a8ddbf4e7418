"""Checkers for the exercises of chapter 1 (the multi-layer perceptron), re-exported by `lib.checkers`.

Like the other checkers, each one runs the reader's answer on fixed or hidden seeded cases, prints one sentence
that names the likely mistake and returns a `CheckResult`. The file is split into one block per section.
"""
import sys
import textwrap

import numpy as np

from . import CheckResult, _fn_name, _num
from .. import functions, layers
from ..functions import cross_entropy, sigmoid, softmax

__all__ = []

WIDTH = 76  # the page's code column: every block's sentence is wrapped to it when printed


def _finish(passed, message):
    """Print the one sentence, wrapped to the code column, and return the result."""
    print(textwrap.fill(message, WIDTH, break_long_words=False, break_on_hyphens=False))
    return CheckResult(passed, message)


def _check_callable(fn, who):
    if not callable(fn):
        return _finish(False, f"{who} needs a function to check, but got {type(fn).__name__}; pass the function "
                              "itself, without calling it.")
    return None


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
_LIB_LOSSES = {functions.log_softmax.__code__: "lib.log_softmax",
               functions.cross_entropy.__code__: "lib.cross_entropy",
               functions.mean_nll.__code__: "lib's mean_nll",
               layers.SoftmaxWithLoss.forward.__code__: "lib.SoftmaxWithLoss"}


def _call_watching_lib(fn, *args):
    """fn(*args), and the name of the first of lib's loss functions it ran (or None)."""
    seen = []

    def hook(frame, event, arg):
        if event == "call" and not seen and frame.f_code in _LIB_LOSSES:
            seen.append(_LIB_LOSSES[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        return fn(*args), (seen[0] if seen else None)
    finally:
        sys.setprofile(previous)


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
        try:
            with np.errstate(all="ignore"):
                got, used = _call_watching_lib(fn, s.copy(), t.copy())
        except NotImplementedError:
            return _finish(False, f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet.")
        except Exception as e:  # the reader's bug, whatever it is, becomes one sentence
            text = str(e).strip().splitlines()[0] if str(e).strip() else ""
            detail = f" ({text[:147]})" if text else ""
            return _finish(False, f"{_fn_name(fn)} raised {type(e).__name__}{detail} {where}.")
        if used:
            return _finish(False, f"{_fn_name(fn)} calls {used}, which already computes the answer; compute ln y "
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
