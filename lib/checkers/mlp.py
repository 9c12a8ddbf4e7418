"""Checkers for the exercises of chapter 1 (the multi-layer perceptron).

Like the other checkers, each one runs the reader's function on hidden seeded cases, compares the result with
lib's reference (verified against a numerical gradient or an exact formula), prints one sentence that names
the likely mistake and returns a `CheckResult`.
"""
__all__ = []


# ============================================================================================================
# Section 1.2, back-propagation: check_numerical_gradient, check_center_rows_backward, check_linear_t_backward
# ============================================================================================================
import contextlib  # noqa: E402
import functools  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402

import numpy as np  # noqa: E402

from . import (_Case, _as_outputs, _close, _compare, _constant_factor, _equals, _fn_name, _index,  # noqa: E402
               _mean_instead_of_sum, _num, _run, _verified)
# Under block-local names: a plain `_finish` or `_check_callable` here would replace, for the whole module, the
# functions of the same name that another section's block of this file defines (and looks up when it runs).
from . import _check_callable as _bp_check_callable, _finish as _bp_finish  # noqa: E402

_gradcheck = importlib.import_module("..gradcheck", __package__)  # the module; lib.gradcheck is the function

__all__ += ["check_numerical_gradient", "check_center_rows_backward", "check_linear_t_backward"]

_BP_WIDTH = 76  # the page's code column: each checker's sentence is wrapped to it when printed


def _bp_wrapped(checker):
    """Run checker with its one sentence wrapped to the code column; anything the reader's function prints stays."""
    @functools.wraps(checker)
    def run(fn):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            result = checker(fn)
        printed = buffer.getvalue()
        if printed.endswith(result.message + "\n"):
            printed = printed[:-len(result.message) - 1]
        sys.stdout.write(printed)
        print(textwrap.fill(result.message, _BP_WIDTH, break_long_words=False, break_on_hyphens=False))
        return result
    return run


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


def _call_refusing_lib(fn, args):
    """Call fn(*args); return (result, True) if it called lib.numerical_gradient, else (result, False)."""
    pkg = sys.modules[__package__.rsplit(".", 1)[0]]  # the lib package
    original, used = _gradcheck.numerical_gradient, []

    def spy(*a, **kw):
        used.append(True)
        return original(*a, **kw)

    saved = getattr(pkg, "numerical_gradient", None)
    _gradcheck.numerical_gradient = pkg.numerical_gradient = spy
    try:
        result = fn(*args)
    finally:
        _gradcheck.numerical_gradient, pkg.numerical_gradient = original, saved
    return result, bool(used)


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


@_bp_wrapped
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
        try:
            ret, used_lib = _call_refusing_lib(fn, (make(p), p, case.inputs["eps"]))
        except NotImplementedError:
            return _bp_finish(False, f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet.")
        except Exception as e:  # the reader's bug, whatever it is, becomes one sentence
            text = str(e).strip().splitlines()[0] if str(e).strip() else ""
            detail = f" ({text[:147]})" if text else ""
            tip = (" Loop over every index of an array of any shape with np.ndindex(p.shape)."
                   if case.context["ndim"] > 2 else "")
            return _bp_finish(False, f"{_fn_name(fn)} raised {type(e).__name__}{detail} on {where}.{tip}")
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


@_bp_wrapped
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
@_bp_wrapped
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
