"""Small matplotlib diagrams for the text: layered networks and computational graphs."""
import numpy as np

from .style import PALETTE


def draw_network(ax, sizes, labels=("input", "hidden", "output")):
    """Draw a fully connected network with `sizes` neurons per layer, every neuron joined to the next layer."""
    xs = np.arange(len(sizes)) * 2.0
    pos = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in sizes]
    for i in range(len(sizes) - 1):
        for a in pos[i]:
            for b in pos[i + 1]:
                ax.plot([xs[i], xs[i + 1]], [a, b], color="0.75", lw=0.8, zorder=1)
    for i, ys in enumerate(pos):
        ax.scatter(np.full(len(ys), xs[i]), ys, s=500, color=PALETTE[i % len(PALETTE)], zorder=2,
                   edgecolor="white", linewidth=1.5)
        name = labels[min(i, len(labels) - 1)] if i < len(sizes) - 1 else labels[-1]
        ax.text(xs[i], max(pos[j].max() for j in range(len(sizes))) + 0.9, f"{name}\n({sizes[i]})",
                ha="center", va="bottom", fontsize=10)
    ax.set_xlim(xs[0] - 0.8, xs[-1] + 0.8)
    ax.set_ylim(-max(sizes) / 2 - 0.5, max(sizes) / 2 + 1.8)
    ax.axis("off")


def draw_graph(ax, nodes, edges, title=None):
    """Draw a computational graph.

    nodes: {name: (x, y, label)}; operation nodes get a circle, leaves (label starting with a letter
    and no operator) a plain label. edges: [(src, dst, forward_text, backward_text)], the forward value
    written above the arrow and the gradient (flowing back) below it.
    """
    for src, dst, fwd, bwd in edges:
        (x0, y0, _), (x1, y1, _) = nodes[src], nodes[dst]
        ax.annotate("", xy=(x1 - 0.32, y1), xytext=(x0 + 0.32, y0),
                    arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.4, shrinkA=0, shrinkB=0))
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        length = np.hypot(x1 - x0, y1 - y0)
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # unit normal, on the left of the arrow
        if ny < 0:
            nx, ny = -nx, -ny  # keep "left" pointing upwards
        if fwd:
            ax.text(mx + 0.25 * nx, my + 0.25 * ny, fwd, ha="center", va="center", color=PALETTE[0],
                    fontsize=11, weight="bold")
        if bwd:
            ax.text(mx - 0.25 * nx, my - 0.25 * ny, bwd, ha="center", va="center", color=PALETTE[5],
                    fontsize=11, weight="bold")
    for x, y, label in nodes.values():
        if label in {"+", "×", "sum", "repeat", "σ", "matmul", "exp", "log"} or len(label) <= 2 and not label.isalnum():
            ax.add_patch(_circle(x, y))
            ax.text(x, y, label, ha="center", va="center", fontsize=13, zorder=4)
        else:
            ax.text(x, y, label, ha="center", va="center", fontsize=13, style="italic")
    xs = [v[0] for v in nodes.values()]
    ys = [v[1] for v in nodes.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)


def _circle(x, y, r=0.3):
    from matplotlib.patches import Circle

    return Circle((x, y), r, facecolor="white", edgecolor="0.2", lw=1.5, zorder=3)
