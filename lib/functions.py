"""Numerically safe activation and loss functions shared by the layers."""
import numpy as np

from .validate import as_float_array


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), without overflow for large |x|."""
    x = as_float_array(x, "sigmoid")
    e = np.exp(-np.abs(x))  # never overflows: exponent <= 0
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(x, axis=-1):
    """Softmax along `axis`; subtracting the max keeps exp finite for any finite logits."""
    x = as_float_array(x, "softmax")
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """Logarithm of softmax, computed stably as z - log(sum(exp(z)))."""
    x = as_float_array(x, "log_softmax")
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def cross_entropy(scores, t):
    """Mean cross-entropy of integer labels t (N,) under softmax(scores) (N, C)."""
    logp = log_softmax(scores, axis=1)  # (N, C)
    n = logp.shape[0]
    return float(-logp[np.arange(n), t].mean())


def one_hot(t, n_classes):
    """One-hot matrix (N, C) from integer labels (N,)."""
    t = np.asarray(t)
    out = np.zeros((t.shape[0], n_classes))
    out[np.arange(t.shape[0]), t] = 1.0
    return out
