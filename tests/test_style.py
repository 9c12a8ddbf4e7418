"""lib.style: the palette PNGs that use_book_style(png_colors=...) stores look the same and weigh less."""
import io
from binascii import a2b_base64

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lib.style import PALETTE, palette_png, plot_decision_regions, use_book_style  # noqa: E402


def figure_png(rng):
    """A retina PNG of a typical book figure: decision regions, markers, text and a noisy line."""
    with matplotlib.rc_context():
        use_book_style()
        fig, axes = plt.subplots(2, 1, figsize=(4.8, 6.0))
        x, t = rng.uniform(-1, 1, (150, 2)), rng.integers(0, 3, 150)
        plot_decision_regions(axes[0], lambda g: np.stack([g[:, 0], g[:, 1], -g.sum(axis=1)], axis=1), x, t)
        axes[1].plot(np.cumsum(rng.standard_normal(300)), color=PALETTE[1], label="a noisy curve")
        axes[1].legend()
        axes[1].set_title("$\\eta$ = 0.1: a title")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=180, bbox_inches="tight")
        plt.close(fig)
    return buffer.getvalue()


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def test_palette_png_is_smaller_and_looks_the_same(rng):
    png = figure_png(rng)
    small = palette_png(png)
    assert Image.open(io.BytesIO(small)).mode == "P"
    assert len(small) < 0.6 * len(png), (len(small), len(png))
    before, after = pixels(png), pixels(small)
    assert before.shape == after.shape
    assert np.mean(np.all(before == after, axis=-1)) > 0.95  # almost every pixel keeps its exact colour
    assert np.abs(before - after).mean() < 0.5  # and the rest are close


def test_fewer_colours_give_a_smaller_file(rng):
    png = figure_png(rng)
    assert len(palette_png(png, 16)) < len(palette_png(png, 256))
    assert len(Image.open(io.BytesIO(palette_png(png, 16))).getcolors()) <= 16


def test_transparent_pngs_are_kept_as_they_are():
    rgba = np.zeros((20, 30, 4), dtype=np.uint8)
    rgba[..., 0] = np.arange(30) * 8
    rgba[5:10, :, 3] = 255  # the rest is transparent
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="png")
    assert palette_png(buffer.getvalue()) == buffer.getvalue()


@pytest.mark.parametrize("colors", [1, 257, 2.5, True, "256"])
def test_bad_palette_sizes_are_refused(colors):
    with pytest.raises(ValueError, match="png_colors must be a whole number from 2 to 256"):
        palette_png(b"", colors)
    with pytest.raises(ValueError, match="png_colors must be a whole number from 2 to 256"), \
            matplotlib.rc_context():
        use_book_style(png_colors=colors)


def test_outside_a_notebook_png_colors_changes_nothing_but_the_style():
    with matplotlib.rc_context():
        use_book_style(png_colors=256)
        assert matplotlib.rcParams["figure.dpi"] == 90


def test_in_a_notebook_the_figures_are_stored_with_a_palette(monkeypatch, rng):
    # A kernel's shell, as a notebook has it: use_book_style registers the PNG formatter there, and the
    # notebook's `%config InlineBackend.figure_formats = ["retina"]` afterwards must keep it.
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure
    from matplotlib_inline.config import InlineBackend

    shell = InteractiveShell.instance()
    backend = InlineBackend.instance()
    monkeypatch.setattr(backend, "shell", shell, raising=False)
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    try:
        with matplotlib.rc_context():
            use_book_style(png_colors=256)
            backend.figure_formats = {"retina"}  # what the %config line sets: the same value, no change
            fig, ax = plt.subplots()
            ax.plot(np.cumsum(rng.standard_normal(100)))
            data, metadata = shell.display_formatter.formatters["image/png"](fig)
            plt.close(fig)
        image = Image.open(io.BytesIO(a2b_base64(data)))
        assert image.mode == "P"
        assert metadata == {"width": image.size[0] // 2, "height": image.size[1] // 2}  # retina: half the pixels
        assert shell.display_formatter.formatters["image/png"].lookup_by_type(Figure).__name__ == "retina_palette"
    finally:
        backend.figure_formats = {"png"}
        InteractiveShell.clear_instance()
