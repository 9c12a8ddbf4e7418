"""Numerical gradient checking (central differences, float64) for any layer or model of the book."""
from dataclasses import dataclass

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f() with respect to the array x, perturbed in place."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(analytic, numeric):
    """Largest absolute difference, relative to the largest gradient entry (0 when both are zero)."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"rel_error: analytic gradient has shape {analytic.shape}, "
                         f"numerical gradient has shape {numeric.shape}")
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
        return max(self.errors.values(), default=0.0)

    def ok(self, tol=1e-6):
        return self.max_error < tol

    def __str__(self):
        cells = ", ".join(f"{name}: {err:.1e}" for name, err in self.errors.items())
        return f"{self.who} relative error: {cells}"

    __repr__ = __str__


def _names(obj, n, attr, default):
    names = list(getattr(obj, attr, ()))
    return names if len(names) == n else [default(i) for i in range(n)]


def gradcheck(layer, *inputs, dout=None, rng=None, eps=1e-6):
    """Compare `layer.backward` with central differences for every parameter and every float input.

    A layer whose forward returns an array is checked through the scalar sum(forward(...) * dout),
    with a random `dout` unless one is given; a scalar forward (a loss) is checked directly.
    """
    who = getattr(layer, "name", None) or type(layer).__name__
    for i, p in enumerate(layer.params):
        if p.dtype != np.float64:
            raise TypeError(f"gradcheck: {who} parameter {i} is {p.dtype}; a gradient check needs float64")
    inputs = [np.array(a, dtype=np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating)
              else np.asarray(a) for a in inputs]
    float_idx = [i for i, a in enumerate(inputs) if a.dtype == np.float64]

    y = layer.forward(*inputs)
    if np.ndim(y) == 0:
        dout = 1.0
    elif dout is None:
        dout = (rng or np.random.default_rng(0)).standard_normal(np.shape(y))

    def loss():
        return float(np.sum(layer.forward(*inputs) * dout))

    back = layer.backward(dout)
    back = back if isinstance(back, tuple) else (back,)
    analytic_params = [g.copy() for g in layer.grads]

    errors = {}
    in_names = _names(layer, len(inputs), "input_names",
                      lambda i: "x" if len(float_idx) == 1 else "xyzuvw"[i])
    for j, i in enumerate(float_idx):
        if j < len(back) and back[j] is not None:
            errors[in_names[i]] = rel_error(back[j], numerical_gradient(loss, inputs[i], eps))
    p_names = _names(layer, len(layer.params), "param_names", lambda i: f"params[{i}]")
    for name, p, g in zip(p_names, layer.params, analytic_params):
        errors[name] = rel_error(g, numerical_gradient(loss, p, eps))
    return GradReport(who, errors)
