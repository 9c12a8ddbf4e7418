"""One look for every figure in the book: readable fonts and a colour-blind-safe palette (Okabe-Ito)."""
import matplotlib as mpl
import numpy as np

# Okabe & Ito (2008), distinguishable under the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def use_book_style():
    """Set matplotlib defaults for the book's figures: 4.8 in wide at most, and sharp on HiDPI screens."""
    mpl.rcParams.update({
        "figure.figsize": (4.8, 3.2),  # 432 px at 90 dpi: a 390 px phone shrinks it to no less than 80 %
        "figure.dpi": 90,
        "savefig.dpi": 90,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "legend.frameon": False,
        "image.cmap": "viridis",
    })
    _retina_in_notebooks()


def _retina_in_notebooks():
    """In a Jupyter kernel, store figures as PNGs at twice the pixels with their display size (retina)."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def plot_decision_regions(ax, predict, x, t, *, resolution=200, margin=0.1):
    """Shade the class each point of the plane gets from `predict`, and scatter the data on top."""
    from matplotlib.colors import ListedColormap

    n_classes = int(np.max(t)) + 1
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1)  # (resolution^2, 2)
    region = predict(grid).argmax(axis=1).reshape(g0.shape)
    cmap = ListedColormap(PALETTE[:n_classes])
    ax.contourf(g0, g1, region, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.25)
    for c in range(n_classes):
        m = t == c
        ax.scatter(x[m, 0], x[m, 1], s=14, color=PALETTE[c], marker=MARKERS[c], label=f"class {c}")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=9)
