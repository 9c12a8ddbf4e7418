"""Optimisers: each has update(params, grads) and changes the parameter arrays in place."""
import numpy as np


def _check_pairs(who, params, grads):
    if len(params) != len(grads):
        raise ValueError(f"{who}.update: {len(params)} params but {len(grads)} grads")
    for i, (p, g) in enumerate(zip(params, grads)):
        if p.shape != g.shape:
            raise ValueError(f"{who}.update: param {i} has shape {p.shape}, its grad has shape {g.shape}")


class SGD:
    """Stochastic gradient descent: p <- p - lr * dL/dp."""

    def __init__(self, lr=0.01):
        if lr <= 0:
            raise ValueError(f"SGD: learning rate must be positive, got {lr}")
        self.lr = lr

    def __repr__(self):
        return f"SGD(lr={self.lr})"

    def update(self, params, grads):
        _check_pairs("SGD", params, grads)
        for p, g in zip(params, grads):
            p -= self.lr * g


class Adam:
    """Adam: SGD with running averages of the gradient (m) and its square (v), bias-corrected."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        if lr <= 0:
            raise ValueError(f"Adam: learning rate must be positive, got {lr}")
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.step = 0

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2})"

    def update(self, params, grads):
        _check_pairs("Adam", params, grads)
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.step += 1
        b1, b2 = self.beta1, self.beta2
        lr_t = self.lr * np.sqrt(1 - b2 ** self.step) / (1 - b1 ** self.step)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
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
