"""Input checks that turn bad input into one clear sentence instead of a NaN or a broadcast error.

Dtype rule, for the whole library: every public function and layer converts its floating, integer or bool
array input to float64 once, at the boundary (`as_float_array`), and returns float64. Parameters are stored
as float64 and every gradient is float64. Complex, string and object input is refused. Class labels, sizes
and counts are integers and stay integers (`check_labels`, `check_int`).
"""
import numbers

import numpy as np


def _as_array(x, who, name):
    """np.asarray(x), or a clear error for ragged nested lists."""
    try:
        return np.asarray(x)
    except ValueError:
        raise ValueError(f"{who}: {name} is not a rectangular array (its rows have different lengths)") from None


def _check_numeric(a, who, name):
    if np.issubdtype(a.dtype, np.complexfloating):
        raise TypeError(f"{who}: {name} must be real, got dtype {a.dtype}")
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"{who}: {name} must be numeric, got dtype {a.dtype}")


def as_float_array(x, who, name="input", ndim=None):
    """Return `x` as a float64 array, raising a clear error for empty, non-finite or wrongly shaped input."""
    a = _as_array(x, who, name)
    _check_numeric(a, who, name)
    a = a.astype(np.float64, copy=False)  # the dtype rule: float64 from here on
    if ndim is not None and a.ndim not in np.atleast_1d(ndim):
        want = " or ".join(f"{d}-D" for d in np.atleast_1d(ndim))
        raise ValueError(f"{who}: {name} must be {want}, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{who}: {name} is empty (shape {a.shape}); an empty batch has nothing to compute")
    check_finite(a, who, name)
    return a


def check_finite(a, who, name="input"):
    """Raise if `a` holds NaN or infinity, naming the first bad index."""
    if not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{who}: {name} contains {a[bad]} at index {bad}")


def check_int(who, name, v, minimum):
    """Return `v` as an int, refusing bools, floats and (unless `minimum` is None) values below `minimum`."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{who}: {name} must be an integer, got {v!r}")
    if minimum is not None and v < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{who}: {name} must be a {kind} integer, got {v}")
    return int(v)


def check_axis(who, axis, shape):
    """Return `axis` as an int, or a clear error if it is not an axis of an array of this shape."""
    axis = check_int(who, "axis", axis, None)
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"{who}: axis {axis} is out of range for input of shape {tuple(shape)}")
    return axis


def check_targets(t, n_classes, n_rows, who):
    """Targets for n_rows score rows over n_classes: integer labels (N,), or float64 class probabilities (N, C).

    Accepted: class indices (N,) of integer dtype; one-hot rows (N, C), returned as their indices; rows of
    class probabilities (N, C), non-negative and each summing to 1, returned as float64 ("soft" targets).
    `n_rows=None` accepts any number of labels.
    """
    t = _as_array(t, who, "labels")
    if t.ndim == 2:
        return _check_rows(t, n_classes, n_rows, who)
    if t.ndim != 1:
        raise ValueError(f"{who}: labels must be 1-D class indices or 2-D one-hot, got shape {t.shape}")
    if n_rows is not None and t.shape[0] != n_rows:
        raise ValueError(f"{who}: {t.shape[0]} labels for a batch of {n_rows} rows")
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"{who}: class labels must be integers, got dtype {t.dtype} "
                        f"(for class probabilities pass (N, {n_classes}) rows)")
    out = (t < 0) | (t >= n_classes)
    if np.any(out):
        i = int(np.argmax(out))
        raise ValueError(f"{who}: label {t[i]} at index {i} is out of range for {n_classes} classes")
    return t


def _check_rows(t, n_classes, n_rows, who):
    """2-D labels: one-hot rows become indices (N,); probability rows stay (N, C) float64; others are refused."""
    if t.shape[1] != n_classes:
        raise ValueError(f"{who}: one-hot labels have {t.shape[1]} columns, scores have {n_classes} classes")
    if n_rows is not None and t.shape[0] != n_rows:
        raise ValueError(f"{who}: {t.shape[0]} labels for a batch of {n_rows} rows")
    _check_numeric(t, who, "2-D labels")
    t = t.astype(np.float64)
    check_finite(t, who, "2-D labels")
    if np.any(t < 0):
        i, j = (int(k) for k in np.argwhere(t < 0)[0])
        raise ValueError(f"{who}: 2-D labels hold {t[i, j]} at index ({i}, {j}); one-hot rows and class "
                         "probabilities are never negative")
    sums = t.sum(axis=1)  # (N,)
    off = np.abs(sums - 1.0) > 1e-6
    if np.any(off):
        i = int(np.argmax(off))
        raise ValueError(f"{who}: row {i} of the 2-D labels sums to {sums[i]:.6g}; each row must be one-hot "
                         "or class probabilities summing to 1")
    if np.all((t == 0) | (t == 1)):
        return t.argmax(axis=1)  # one-hot: the class indices (N,)
    return t  # soft targets (N, C)


def check_labels(t, n_classes, n_rows, who):
    """Return integer labels (N,) from class indices or one-hot rows, checking dtype, range and count."""
    t = check_targets(t, n_classes, n_rows, who)
    if t.ndim == 2:
        raise ValueError(f"{who}: takes class indices or one-hot rows, not rows of class probabilities")
    return t
