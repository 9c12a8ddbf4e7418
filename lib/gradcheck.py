"""Numerical gradient checking (central differences, float64) for any layer or model of the book."""
import numbers
from dataclasses import dataclass

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f() with respect to the array x, perturbed in place."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"numerical_gradient: x must be a float64 array (it is perturbed in place by "
                        f"eps={eps}), got {got}")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < np.inf:
        raise ValueError(f"numerical_gradient: eps must be a positive number, got {eps!r}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = _scalar(f())
        x[i] = old - eps
        f_minus = _scalar(f())
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value):
    if np.ndim(value) != 0:
        raise ValueError(f"numerical_gradient: f() must return a scalar, got an array of shape {np.shape(value)}")
    return float(value)


def rel_error(analytic, numeric):
    """Largest absolute difference, relative to the largest gradient entry (0 when both are zero, nan if not finite)."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"rel_error: analytic gradient has shape {analytic.shape}, "
                         f"numerical gradient has shape {numeric.shape}")
    if not (np.all(np.isfinite(analytic)) and np.all(np.isfinite(numeric))):
        return float("nan")  # never "ok": nan < tol is False
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.abs(analytic - numeric).max() / scale)


@dataclass
class GradReport:
    """Relative error of each checked gradient, by name ('x' for the input, 'W', 'b', ... for parameters)."""

    who: str
    errors: dict

    @property
    def max_error(self):
        """The largest error; nan if any error is nan or nothing was checked."""
        return float(np.max(list(self.errors.values()))) if self.errors else float("nan")

    def ok(self, tol=1e-6):
        """True only if something was checked and every error is below tol."""
        return bool(self.errors) and all(err < tol for err in self.errors.values())

    def __str__(self):
        cells = ", ".join(f"{name}: {err:.1e}" for name, err in self.errors.items())
        return f"{self.who} relative error: {cells}"

    __repr__ = __str__


def _names(obj, n, attr, default):
    names = list(getattr(obj, attr, ()))
    return names if len(names) == n else [default(i) for i in range(n)]


def _check_params(layer, who):
    """The layer's params and grads: float64 arrays, one gradient of matching shape per parameter."""
    missing = [a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)]
    if missing:
        raise TypeError(f"gradcheck: {who} has no {', '.join(missing)}; a layer has forward, backward, "
                        "params and grads (empty lists if it has no parameters)")
    params, grads = list(layer.params), list(layer.grads)
    if len(params) != len(grads):
        raise ValueError(f"gradcheck: {who} has {len(params)} params but {len(grads)} grads; "
                         "it needs one gradient per parameter")
    for i, (p, g) in enumerate(zip(params, grads)):
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            got = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"gradcheck: {who} parameter {i} is {got}; a gradient check needs float64")
        if np.shape(g) != p.shape:
            raise ValueError(f"gradcheck: {who}.grads[{i}] has shape {np.shape(g)}, "
                             f"its parameter has shape {p.shape}")
    return params


def _input_gradients(back, inputs, checked, names, who):
    """Copies of the gradients backward returned, one per checked input, or a clear error naming what is missing."""
    if back is None and not checked:
        back = ()  # no float inputs (e.g. token ids): None is the right answer
    back = list(back) if isinstance(back, tuple) else [back]
    want = ", ".join(names[i] for i in checked)
    if len(back) > len(checked):
        raise ValueError(f"gradcheck: {who}.backward returned {len(back)} gradient(s) for {len(checked)} float "
                         f"input(s) ({want or 'none'}); integer inputs are held fixed like labels, so pass the "
                         "others as floats")
    grads = []
    for j, i in enumerate(checked):
        g = back[j] if j < len(back) else None
        if g is None:
            raise ValueError(f"gradcheck: {who}.backward returned no gradient for input {names[i]}, so it cannot "
                             f"be checked; backward must return one gradient per float input ({want})")
        g = np.array(g, dtype=np.float64)  # a copy: later forward calls cannot change it
        if g.shape != inputs[i].shape:
            raise ValueError(f"gradcheck: {who}.backward returned a gradient of shape {g.shape} for input "
                             f"{names[i]} of shape {inputs[i].shape}")
        grads.append(g)
    return grads


def gradcheck(layer, *inputs, dout=None, rng=None, eps=1e-6):
    """Compare `layer.backward` with central differences for every parameter and every float input.

    A layer whose forward returns an array is checked through the scalar sum(forward(...) * dout),
    with a random `dout` unless one is given; a scalar forward (a loss) is checked directly. Inputs listed
    in the layer's `constant_inputs` (targets) are held fixed. A missing gradient, a gradient of the wrong
    shape, or nothing to compare at all is an error, never a passing report.
    """
    who = getattr(layer, "name", None) or type(layer).__name__
    params = _check_params(layer, who)
    inputs = [np.array(a, dtype=np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating)
              else np.asarray(a) for a in inputs]
    constant = set(getattr(layer, "constant_inputs", ()))
    checked = [i for i, a in enumerate(inputs) if a.dtype == np.float64 and i not in constant]
    if not params and not checked:
        dtypes = ", ".join(str(a.dtype) for a in inputs) or "none"
        raise ValueError(f"gradcheck: nothing to check in {who}: it has no parameters and no float inputs "
                         f"(input dtypes: {dtypes})")
    names = _names(layer, len(inputs), "input_names",
                   lambda i: "x" if len(checked) == 1 else ("xyzuvw"[i] if i < 6 else f"inputs[{i}]"))

    y = layer.forward(*inputs)
    if np.ndim(y) == 0:
        dout = 1.0
    elif dout is None:
        dout = (rng or np.random.default_rng(0)).standard_normal(np.shape(y))
    elif np.shape(dout) != np.shape(y):
        raise ValueError(f"gradcheck: dout has shape {np.shape(dout)}, {who}.forward returned shape {np.shape(y)}")

    def loss():
        return float(np.sum(layer.forward(*inputs) * dout))

    back = layer.backward(dout if np.ndim(dout) == 0 else np.array(dout))  # a copy: backward may change it
    analytic_inputs = _input_gradients(back, inputs, checked, names, who)
    _check_params(layer, who)  # again: backward may have replaced grads
    analytic_params = [np.array(g, dtype=np.float64) for g in layer.grads]

    errors = {}
    for i, g in zip(checked, analytic_inputs):
        errors[names[i]] = rel_error(g, numerical_gradient(loss, inputs[i], eps))
    p_names = _names(layer, len(params), "param_names", lambda i: f"params[{i}]")
    for name, p, g in zip(p_names, params, analytic_params):
        errors[name] = rel_error(g, numerical_gradient(loss, p, eps))
    return GradReport(who, errors)
