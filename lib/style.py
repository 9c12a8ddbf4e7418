"""One look for every figure in the book: readable fonts and a colour-blind-safe palette (Okabe-Ito)."""
import io
from binascii import a2b_base64, b2a_base64

import matplotlib as mpl
import numpy as np

# Okabe & Ito (2008), distinguishable under the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def use_book_style(png_colors=None):
    """Set matplotlib defaults for the book's figures: 4.8 in wide at most, and sharp on HiDPI screens.

    With png_colors (2 to 256), a notebook stores each figure as a PNG with a palette of at most that many
    colours (see `palette_png`): the same to the eye at about 40 % of the bytes, for pages with many figures.
    """
    if png_colors is not None:
        _check_png_colors(png_colors)
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
    _retina_in_notebooks(png_colors)


def _check_png_colors(png_colors):
    if isinstance(png_colors, bool) or not isinstance(png_colors, (int, np.integer)) or not 2 <= png_colors <= 256:
        raise ValueError(f"png_colors must be a whole number from 2 to 256 (a PNG palette's size), got {png_colors!r}")


def palette_png(png, colors=256):
    """The PNG bytes `png` redrawn with a palette of at most `colors` colours (median cut, no dithering).

    Antialiased lines and text give a plot a few thousand colours, but nearly all its pixels have one of a few
    dozen; a 256-colour palette keeps those exactly and rounds the rare blends, which the eye does not see. The
    size in pixels is unchanged. A PNG with transparent pixels, or one the palette would not shrink, is returned
    as it is.
    """
    from PIL import Image

    _check_png_colors(colors)
    image = Image.open(io.BytesIO(png))
    if image.mode not in ("RGB", "RGBA") or (image.mode == "RGBA" and image.getextrema()[3][0] < 255):
        return png
    paletted = image.convert("RGB").quantize(colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    paletted.save(out, format="png", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def _retina_in_notebooks(png_colors=None):
    """In a Jupyter kernel, store figures as PNGs at twice the pixels with their display size (retina)."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        from matplotlib_inline.config import InlineBackend
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    set_matplotlib_formats("retina")
    if png_colors is None:
        return
    # The trait set to what the notebook's `%config InlineBackend.figure_formats = ["retina"]` sets, so that
    # the magic changes nothing and keeps the formatter below instead of registering a plain one again.
    InlineBackend.instance().figure_formats = {"retina"}
    formatter = shell.display_formatter.formatters["image/png"]
    retina = formatter.lookup_by_type(Figure)

    def retina_palette(fig):
        """The retina PNG of `fig` (base64 text or bytes, with its display size) with a small palette."""
        result = retina(fig)
        if result is None:  # an empty figure
            return None
        data, metadata = result
        if isinstance(data, str):
            small = palette_png(a2b_base64(data), png_colors)
            return b2a_base64(small, newline=False).decode("ascii"), metadata
        return palette_png(data, png_colors), metadata

    formatter.for_type(Figure, retina_palette)


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
