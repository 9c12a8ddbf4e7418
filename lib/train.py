"""A small training loop: minibatch, gradient, update, repeat; it records the loss curve."""
import numpy as np

from .validate import as_float_array, check_int, check_labels


def accuracy(model, x, t):
    """Fraction of rows of x whose highest score is the label t (class indices or one-hot rows)."""
    scores = model.predict(x)  # (N, C)
    t = check_labels(t, scores.shape[1], scores.shape[0], "accuracy")  # (N,)
    return float(np.mean(scores.argmax(axis=1) == t))


def fit(model, optimizer, x, t, *, epochs, batch_size, rng):
    """Train `model` on (x, t) with shuffled minibatches; return the mean loss of each epoch."""
    x, t = as_float_array(x, "fit", "inputs x"), np.asarray(t)
    if x.ndim == 0 or t.ndim == 0:
        raise ValueError(f"fit: x and t must hold one row per example, got shapes {x.shape} and {t.shape}")
    N = len(x)
    if len(t) != N:
        raise ValueError(f"fit: {N} inputs but {len(t)} labels")
    epochs = check_int("fit", "epochs", epochs, 1)
    batch_size = check_int("fit", "batch_size", batch_size, None)
    if not 1 <= batch_size <= N:
        raise ValueError(f"fit: batch_size must be between 1 and {N}, got {batch_size}")
    history = []
    for _ in range(epochs):
        order = rng.permutation(N)  # 1. a fresh random order of minibatches
        losses = []
        for start in range(0, N, batch_size):  # the last minibatch may be smaller
            idx = order[start:start + batch_size]
            losses.append(model.forward(x[idx], t[idx]))
            model.backward()  # 2. the gradient of every parameter
            optimizer.update(model.params, model.grads)  # 3. the update
        history.append(float(np.mean(losses)))  # 4. repeat
    return np.array(history)
