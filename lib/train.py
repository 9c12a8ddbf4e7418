"""A small training loop: minibatch, gradient, update, repeat; it records the loss curve."""
import numpy as np


def accuracy(model, x, t):
    """Fraction of rows of x whose highest score is the label t."""
    return float(np.mean(model.predict(x).argmax(axis=1) == np.asarray(t)))


def fit(model, optimizer, x, t, *, epochs, batch_size, rng):
    """Train `model` on (x, t) with shuffled minibatches; return the mean loss of each epoch."""
    N = len(x)
    if len(t) != N:
        raise ValueError(f"fit: {N} inputs but {len(t)} labels")
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
