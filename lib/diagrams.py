"""Small matplotlib diagrams for the text: layered networks and computational graphs."""
import numpy as np

from .style import PALETTE

FORWARD_COLOR, BACKWARD_COLOR = PALETTE[0], PALETTE[5]  # blue values, vermillion gradients (as in chapter 3)
_OPERATORS = {"+", "×", "sum", "repeat", "σ", "matmul", "exp", "log"}


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


def draw_graph(ax, nodes, edges, title=None, *, paired=False, legend=None, fontsize=11, weight="bold",
               margin=(0.6, 0.8)):
    """Draw a computational graph: forward values beside the arrows in blue, gradients on the other side in vermillion.

    nodes: {name: (x, y, label)} or {name: (x, y, label, opts)}. Without opts an operator label ("+", "×",
    "repeat", ... or a one- or two-character symbol) gets a circle and any other label is a leaf written in
    italics. opts is a dict: kind ("op" circle, "box" rounded rectangle, "leaf" plain text, "dot" a branch
    point), r (radius of a circle, or how far arrows stop short of a leaf), w and h (half width and half height
    of a box), fontsize, italic (False writes a leaf upright).
    edges: [(src, dst, value, gradient)] or with a fifth entry, a dict: at (where along the arrow the labels
    sit, 0 to 1; default 0.5), flip (True puts the value below and the gradient above), off (extra distance of
    the labels from the arrow), back (False: no backward arrow, for an input that gets no gradient).
    paired: draw each edge as a solid forward arrow with, beside it, a dashed backward arrow pointing the other
    way, so that values (with the forward arrow) and gradients (with the backward arrow) cannot be confused.
    legend: None, or a matplotlib legend location ("lower center", ...) for a legend naming the two colours.
    fontsize and weight are those of the edge labels; margin is the space (x, y) around the nodes.
    """
    shapes = {name: _node_shape(spec) for name, spec in nodes.items()}
    gap = 0.09 if paired else 0.0  # half the distance between a forward arrow and its backward twin
    for edge in edges:
        src, dst, fwd, bwd = edge[:4]
        opts = edge[4] if len(edge) > 4 else {}
        p0, p1 = np.array(nodes[src][:2], float), np.array(nodes[dst][:2], float)
        u = (p1 - p0) / np.hypot(*(p1 - p0))
        n = np.array([-u[1], u[0]])  # unit normal, on the left of the arrow
        if n[1] < 0 or (n[1] == 0 and n[0] > 0):
            n = -n  # keep "left" pointing upwards (or leftwards on a vertical edge)
        if opts.get("flip"):
            n = -n
        a = p0 + u * _reach(shapes[src], u, gap)
        b = p1 - u * _reach(shapes[dst], -u, gap)
        if paired:
            _arrow(ax, a + gap * n, b + gap * n, FORWARD_COLOR, "-")
            if opts.get("back", True):
                _arrow(ax, b - gap * n, a - gap * n, BACKWARD_COLOR, (0, (3, 2)))
        else:
            _arrow(ax, a, b, "0.35", "-")
        m = a + opts.get("at", 0.5) * (b - a)
        off = gap + (0.12 if paired else 0.25) + opts.get("off", 0.0)
        for text, side, color in ((fwd, n, FORWARD_COLOR), (bwd, -n, BACKWARD_COLOR)):
            if text:
                ha, va = _align(side) if paired else ("center", "center")
                ax.text(*(m + off * side), text, ha=ha, va=va, color=color, fontsize=fontsize, weight=weight,
                        linespacing=1.15, zorder=5)
    for (x, y, label, *_), shape in zip(nodes.values(), shapes.values()):
        _draw_node(ax, x, y, label, shape)
    xs = [v[0] for v in nodes.values()]
    ys = [v[1] for v in nodes.values()]
    ax.set_xlim(min(xs) - margin[0], max(xs) + margin[0])
    ax.set_ylim(min(ys) - margin[1], max(ys) + margin[1])
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize)
    if legend:
        graph_legend(ax, loc=legend, paired=paired)


def graph_legend(ax, loc="lower center", paired=True, **kw):
    """Add the legend of draw_graph's colours to `ax`: blue forward values, vermillion backward gradients."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=FORWARD_COLOR, lw=2, label="forward: value"),
               Line2D([], [], color=BACKWARD_COLOR, lw=2, ls=(0, (3, 2)) if paired else "-",
                      label="backward: gradient")]
    kw = {"ncol": 2, "fontsize": 10, "handlelength": 2.2, "borderaxespad": 0.0, "columnspacing": 1.2} | kw
    return ax.legend(handles=handles, loc=loc, **kw)


def _node_shape(spec):
    """(kind, size, fontsize, italic) of a node; size is a radius (op, leaf, dot) or the half extents (w, h) of a box."""
    label = spec[2]
    opts = spec[3] if len(spec) > 3 else {}
    kind = opts.get("kind")
    if kind is None:
        is_op = label in _OPERATORS or (len(label) <= 2 and not label.isalnum())
        kind = "op" if is_op else "leaf"
    if kind == "box":
        return kind, (opts.get("w", 0.6), opts.get("h", 0.3)), opts.get("fontsize", 11), False
    default = {"op": 0.3, "leaf": 0.32, "dot": 0.06}[kind]
    return kind, opts.get("r", default), opts.get("fontsize", 13), opts.get("italic", True)


def _reach(shape, u, gap):
    """How far from a node's centre an arrow leaving in direction u starts (just outside the node)."""
    kind, size = shape[:2]
    if kind == "box":
        w, h = size
        with np.errstate(divide="ignore"):
            t = min(w / abs(u[0]) if u[0] else np.inf, h / abs(u[1]) if u[1] else np.inf)
        return t + 0.04
    if kind == "dot":
        return np.sqrt(max(size ** 2 - gap ** 2, 0.0)) + 0.02
    return size + (0.02 if kind == "op" else 0.0)


def _align(side):
    """Text alignment that keeps a label on `side` of its arrow."""
    ha = "center" if abs(side[0]) < 0.6 else ("left" if side[0] > 0 else "right")
    va = "center" if abs(side[1]) < 0.6 else ("bottom" if side[1] > 0 else "top")
    return ha, va


def _arrow(ax, a, b, color, style):
    ax.annotate("", xy=tuple(b), xytext=tuple(a), zorder=2,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, linestyle=style, shrinkA=0, shrinkB=0,
                                mutation_scale=12))


def _draw_node(ax, x, y, label, shape):
    from matplotlib.patches import Circle, FancyBboxPatch

    kind, size, fontsize, italic = shape
    if kind == "op":
        ax.add_patch(Circle((x, y), size, facecolor="white", edgecolor="0.2", lw=1.5, zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=4)
    elif kind == "box":
        w, h = size
        ax.add_patch(FancyBboxPatch((x - w + 0.08, y - h + 0.08), 2 * w - 0.16, 2 * h - 0.16,
                                    boxstyle="round,pad=0.08", facecolor="white", edgecolor="0.2", lw=1.5,
                                    zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=4)
    elif kind == "dot":
        ax.add_patch(Circle((x, y), size, facecolor="0.2", edgecolor="none", zorder=3))
    else:
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, style="italic" if italic else "normal",
                zorder=4)
