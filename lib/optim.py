"""Optimisers: each has update(params, grads) and changes the parameter arrays in place."""
import numbers

import numpy as np

from .validate import as_float_array


def _number(who, name, v):
    """A real number (not a bool or a string) as a float."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{who}: {name} must be a number, got {v!r}")
    return float(v)


def _check_lr(who, lr):
    if not np.isfinite(_number(who, "lr", lr)):
        raise ValueError(f"{who}: learning rate must be finite, got {lr}")
    if lr <= 0:
        raise ValueError(f"{who}: learning rate must be positive, got {lr}")
    return float(lr)


def _check_fraction(who, name, v):
    """A decay rate in [0, 1), as in the reference frameworks (1 would never forget, and divides by 0)."""
    if not 0 <= _number(who, name, v) < 1:
        raise ValueError(f"{who}: {name} must be in [0, 1), got {v}")
    return float(v)


def _check_pairs(who, params, grads):
    """The params (float64 arrays, changed in place) and their grads as float64 arrays of the same shapes."""
    params, grads = list(params), list(grads)
    if len(params) != len(grads):
        raise ValueError(f"{who}.update: {len(params)} params but {len(grads)} grads")
    checked = []
    for i, (p, g) in enumerate(zip(params, grads)):
        if not isinstance(p, np.ndarray):
            raise TypeError(f"{who}.update: param {i} is a {type(p).__name__}, not a NumPy array; "
                            "an optimiser changes its parameters in place")
        if p.dtype != np.float64:
            raise TypeError(f"{who}.update: param {i} is {p.dtype}; lib keeps parameters in float64")
        if not p.flags.writeable:
            raise ValueError(f"{who}.update: param {i} is read-only; an optimiser changes its parameters in place")
        g = as_float_array(g, f"{who}.update", f"grad {i}")
        if p.shape != g.shape:
            raise ValueError(f"{who}.update: param {i} has shape {p.shape}, its grad has shape {g.shape}")
        checked.append(g)
    return params, checked


class SGD:
    """Stochastic gradient descent: p <- p - lr * dL/dp."""

    def __init__(self, lr=0.01):
        self.lr = _check_lr("SGD", lr)

    def __repr__(self):
        return f"SGD(lr={self.lr})"

    def update(self, params, grads):
        params, grads = _check_pairs("SGD", params, grads)
        for p, g in zip(params, grads):
            p -= self.lr * g


class Adam:
    """Adam as published (Kingma & Ba 2015, Algorithm 1) and as the common frameworks implement it.

    For each parameter p with gradient g, at its t-th update:
    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t),
    p <- p - lr * m_hat / (sqrt(v_hat) + eps).

    The state (m, v, t) belongs to the parameter's memory: it is keyed by the array's address, shape and strides,
    and holds a reference to the array so that memory cannot be reused by another array. Passing the same
    parameters again (or fresh views of them) continues their moments; the parameters of another model get
    fresh state of their own, so one Adam can serve two models without mixing their moments.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = _check_lr("Adam", lr)
        self.beta1 = _check_fraction("Adam", "beta1", beta1)
        self.beta2 = _check_fraction("Adam", "beta2", beta2)
        if not 0 <= _number("Adam", "eps", eps) < np.inf:
            raise ValueError(f"Adam: eps must be a non-negative finite number, got {eps}")
        self.eps = float(eps)
        self.state = {}  # (address, shape, strides) -> {"param", "m", "v", "t"}

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"

    def _state(self, p):
        """The moments and step count of parameter p, created (zero) at its first update."""
        key = (p.__array_interface__["data"][0], p.shape, p.strides)
        if key not in self.state:
            self.state[key] = {"param": p, "m": np.zeros_like(p), "v": np.zeros_like(p), "t": 0}
        return self.state[key]

    def update(self, params, grads):
        params, grads = _check_pairs("Adam", params, grads)
        b1, b2 = self.beta1, self.beta2
        for p, g in zip(params, grads):
            s = self._state(p)
            s["t"] += 1
            s["m"] = b1 * s["m"] + (1 - b1) * g  # running average of the gradient
            s["v"] = b2 * s["v"] + (1 - b2) * g * g  # ... and of its square
            m, t = s["m"], s["t"]
            v = s["v"] / (1 - b2 ** t)  # v_hat
            lr_t = self.lr / (1 - b1 ** t)  # lr_t * m = lr * m_hat: the first moment's bias correction
            p -= lr_t * m / (np.sqrt(v) + self.eps)


def clip_grads(grads, max_norm):
    """Scale all gradients in place so their global L2 norm is at most max_norm; return the norm before."""
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.number)) \
            or not np.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"clip_grads: max_norm must be a positive finite number, got {max_norm!r}")
    grads = list(grads)
    if not grads:
        raise ValueError("clip_grads: got no gradients to clip")
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    if not np.isfinite(norm):
        raise ValueError(f"clip_grads: the gradient norm is {norm}; clipping cannot repair a gradient that "
                         "already overflowed (lower the learning rate or clip earlier)")
    if norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g *= scale
    return norm
