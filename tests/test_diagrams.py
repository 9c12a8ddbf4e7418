"""lib.diagrams draws what it is asked to: one arrow per edge (two when paired), one label per value and gradient."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from lib.diagrams import BACKWARD_COLOR, FORWARD_COLOR, draw_graph, draw_network  # noqa: E402

NODES = {"x": (0, 1, "x"), "y": (0, -1, "y"), "add": (2, 0, "+"), "f": (4, 0, "f")}
EDGES = [("x", "add", "3", "-2"), ("y", "add", "-1", "-2"), ("add", "f", "2", "1")]


def drawn(ax):
    arrows = [c for c in ax.get_children() if isinstance(c, Annotation)]
    texts = {t.get_text(): t.get_color() for t in ax.texts}
    return arrows, texts


def test_draw_graph_default_keeps_one_arrow_per_edge():
    fig, ax = plt.subplots()
    draw_graph(ax, NODES, EDGES)
    arrows, texts = drawn(ax)
    assert len(arrows) == 3
    assert texts["3"] == FORWARD_COLOR and texts["1"] == BACKWARD_COLOR and "+" in texts
    assert ax.get_legend() is None
    plt.close(fig)


def test_draw_graph_paired_draws_a_backward_twin_and_a_legend():
    fig, ax = plt.subplots()
    nodes = dict(NODES, box=(6, 0, "repeat", {"kind": "box", "w": 0.7, "h": 0.3}),
                 dot=(5, 1, "", {"kind": "dot"}))
    edges = EDGES + [("f", "box", "v", "g", {"at": 0.3, "flip": True}), ("dot", "box", "w", "", {"back": False})]
    draw_graph(ax, nodes, edges, paired=True, legend="lower center", weight="normal", fontsize=10)
    arrows, texts = drawn(ax)
    assert len(arrows) == 2 * 4 + 1  # four paired edges, one forward-only edge
    styles = [a.arrow_patch.get_linestyle() for a in arrows]
    assert sum(s == "-" for s in styles) == 5  # the forward arrows are solid, the backward ones dashed
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["forward: value", "backward: gradient"]
    assert texts["repeat"] and texts["v"] == FORWARD_COLOR and texts["g"] == BACKWARD_COLOR
    plt.close(fig)


def test_draw_network_still_draws():
    fig, ax = plt.subplots()
    draw_network(ax, [2, 4, 3], labels=("input x", "hidden a", "scores s"))
    assert any("hidden a" in t.get_text() for t in ax.texts)
    plt.close(fig)
