"""Numerically safe activation and loss functions shared by the layers."""
import numpy as np

from .validate import as_float_array, check_axis, check_int, check_labels, check_targets


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), without overflow for large |x|."""
    x = as_float_array(x, "sigmoid")
    e = np.exp(-np.abs(x))  # never overflows: exponent <= 0
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(x, axis=-1):
    """Softmax along `axis`; subtracting the max keeps exp finite for any finite logits."""
    x = as_float_array(x, "softmax")
    axis = check_axis("softmax", axis, x.shape)
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """Logarithm of softmax, computed stably as z - log(sum(exp(z)))."""
    x = as_float_array(x, "log_softmax")
    axis = check_axis("log_softmax", axis, x.shape)
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def mean_nll(logp, t):
    """Mean over rows of -log p(target): -mean(logp[n, t[n]]) for labels (N,), -sum(t * logp) / N for rows (N, C)."""
    N = logp.shape[0]
    if t.ndim == 1:
        loss = -logp[np.arange(N), t].mean()
    else:
        loss = -(t * logp).sum() / N
    return float(loss) + 0.0  # + 0.0 turns -0.0 into 0.0


def cross_entropy(scores, t):
    """Mean cross-entropy of softmax(scores) (N, C) and labels t: indices (N,), one-hot or probability rows (N, C)."""
    scores = as_float_array(scores, "cross_entropy", "scores", ndim=2)  # (N, C)
    t = check_targets(t, scores.shape[1], scores.shape[0], "cross_entropy")
    return mean_nll(log_softmax(scores, axis=1), t)


def one_hot(t, n_classes):
    """One-hot matrix (N, C) from integer labels (N,)."""
    n_classes = check_int("one_hot", "n_classes", n_classes, 1)
    t = check_labels(t, n_classes, None, "one_hot")
    out = np.zeros((t.shape[0], n_classes))
    out[np.arange(t.shape[0]), t] = 1.0
    return out
