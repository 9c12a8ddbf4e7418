"""Seeded toy datasets; every function takes an explicit `rng` and never touches the global seed."""
import numpy as np


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
