"""Seeded toy datasets; every function takes an explicit `rng` and never touches the global seed."""
import numpy as np

from .validate import as_float_array


def spiral(n_per_class=100, n_classes=3, *, rng, noise=0.2, turns=1.0):
    """Points on interleaved spiral arms, one arm per class: x (N, 2), t (N,) with N = n_per_class * n_classes."""
    if n_per_class < 1 or n_classes < 2:
        raise ValueError(f"spiral: need n_per_class >= 1 and n_classes >= 2, got {n_per_class}, {n_classes}")
    r = np.linspace(0.0, 1.0, n_per_class)  # radius grows along the arm
    xs, ts = [], []
    for c in range(n_classes):
        theta = 2 * np.pi * (turns * r + c / n_classes) + noise * rng.standard_normal(n_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ts.append(np.full(n_per_class, c))
    return np.concatenate(xs), np.concatenate(ts)


BAR_CLASSES = ("horizontal", "vertical", "diagonal")


def bars(n, size=8, *, rng, noise=0.3):
    """Noisy size x size images of one bar each, horizontal, vertical or diagonal: x (n, 1, size, size), t (n,).

    The bar sits at a random offset, so a classifier must find its orientation wherever it is.
    """
    if n < 1 or size < 3:
        raise ValueError(f"bars: need n >= 1 and size >= 3, got n={n}, size={size}")
    t = rng.integers(0, len(BAR_CLASSES), size=n)
    x = noise * rng.standard_normal((n, 1, size, size))
    offsets = rng.integers(0, size, size=n)
    idx = np.arange(size)
    for k in range(n):
        o = offsets[k]
        if t[k] == 0:
            x[k, 0, o, :] += 1.0  # a row
        elif t[k] == 1:
            x[k, 0, :, o] += 1.0  # a column
        else:
            x[k, 0, idx, (idx + o) % size] += 1.0  # a (wrapped) diagonal
    return x, t


def sample_image(size=96):
    """A real grayscale photograph (Grace Hopper, shipped with matplotlib) as floats in [0, 1], (size, size)."""
    import matplotlib.cbook as cbook
    import matplotlib.pyplot as plt

    if not 8 <= size <= 512:
        raise ValueError(f"sample_image: size must be between 8 and 512, got {size}")
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = plt.imread(f, format="jpg").astype(np.float64) / 255.0  # (600, 512, 3)
    gray = rgb @ np.array([0.299, 0.587, 0.114])  # (600, 512) luma
    side = min(gray.shape)
    top = (gray.shape[0] - side) // 2
    gray = gray[top:top + side, :side]  # centred square (512, 512)
    # area-average down to size x size: each output pixel is the mean of the block it covers
    edges = np.linspace(0, side, size + 1).astype(int)
    rows = np.add.reduceat(gray, edges[:-1], axis=0) / np.diff(edges)[:, None]
    return np.add.reduceat(rows, edges[:-1], axis=1) / np.diff(edges)[None, :]


def load_digits():
    """The 1,797 8x8 handwritten digits that scikit-learn ships (UCI optdigits test set): x (N, 1, 8, 8) in [0, 1], t (N,)."""
    from sklearn.datasets import load_digits as _sklearn_digits

    digits = _sklearn_digits()
    x = digits.images.astype(np.float64)[:, None, :, :] / 16.0  # (1797, 1, 8, 8); pixels were 0..16
    return x, digits.target.astype(np.int64)


def train_test_split(x, t, *, test_fraction, rng):
    """Split (x, t) into a training and a test part, each class in proportion: (x_train, t_train, x_test, t_test)."""
    x, t = as_float_array(x, "train_test_split", "x"), np.asarray(t)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be between 0 and 1 (exclusive), got {test_fraction}")
    if x.ndim == 0 or t.ndim != 1 or len(x) != len(t):
        raise ValueError(f"train_test_split: x needs one row per label; got x of shape {x.shape} and t of shape "
                         f"{t.shape}")
    if t.dtype.kind not in "iu":
        raise TypeError(f"train_test_split: labels t must be integers, got dtype {t.dtype}")
    test = []
    for c in np.unique(t):
        rows = rng.permutation(np.flatnonzero(t == c))
        n_test = int(round(test_fraction * len(rows)))
        if n_test == 0 or n_test == len(rows):
            raise ValueError(f"train_test_split: class {c} has {len(rows)} examples, too few to put a fraction "
                             f"{test_fraction} of them in the test set and keep the rest for training")
        test.append(rows[:n_test])
    is_test = np.zeros(len(t), dtype=bool)
    is_test[np.concatenate(test)] = True
    train_rows, test_rows = rng.permutation(np.flatnonzero(~is_test)), rng.permutation(np.flatnonzero(is_test))
    return x[train_rows], t[train_rows], x[test_rows], t[test_rows]
