"""What every widget of the book shares: ids, assets, the static HTML shell and the notebook display.

A widget is drawn twice from the same precomputed data: as live ipywidgets in Jupyter, and as a self-contained
HTML/JS element on the website (no kernel, no network). This module turns a widget's data, markup and assets
into that element, deterministically: the id comes from the widget's name, the CSS and JavaScript are read from
`lib/widgets/assets/` and inlined, and the same input gives the same bytes on every run.
"""
import hashlib
import html
import json
import math
import re
from functools import cache
from importlib import resources

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ID_TOKEN = "__ID__"  # in an asset: the widget's id (CSS: `#__ID__`, JavaScript: "__ID__")
DATA_TOKEN = "__DATA__"  # in a JavaScript asset: the widget's data, as a JavaScript literal
SHARED = "widget"  # assets/widget.css and assets/widget.js: inlined before every widget's own assets
LEVELS = 4  # steps of the diverging colour scale on each side of zero (classes neg4..neg1, pos1..pos4)


def widget_id(name):
    """The HTML id of a widget: readable from the name plus a short hash of it, so distinct names never collide."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "widget"
    return f"dls-{slug}-{hashlib.sha1(str(name).encode()).hexdigest()[:8]}"


# ---------------------------------------------------------------------------------------------- assets
@cache
def asset(filename):
    """The text of lib/widgets/assets/<filename> (shipped as package data)."""
    return resources.files(__package__).joinpath("assets", filename).read_text(encoding="utf-8")


def compact_js(js):
    """The script without indentation and whole-line comments (it ships inside every widget)."""
    lines = (line.strip() for line in js.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def _css_block(text, pos=0):
    """Minify the rules and declarations of `text` from `pos` up to its closing '}' (or the end): (css, end)."""
    items = []  # ("rule", "sel{...}") or ("decl", "prop:value"), in order
    while True:
        nxt = min((p for p in (text.find(c, pos) for c in "{};") if p >= 0), default=len(text))
        chunk = " ".join(text[pos:nxt].split())
        if nxt < len(text) and text[nxt] == "{":  # a rule (or an @media) with a block of its own
            inner, pos = _css_block(text, nxt + 1)
            items.append(("rule", chunk + "{" + inner + "}"))
            continue
        if chunk:  # a declaration: "prop: a, b" -> "prop:a,b"
            prop, _, value = chunk.partition(":")
            items.append(("decl", prop.strip() + ":" + re.sub(r"\s*,\s*", ",", value.strip())))
        if nxt >= len(text) or text[nxt] == "}":
            out = "".join(";" + t if kind == "decl" and n and items[n - 1][0] == "decl" else t
                          for n, (kind, t) in enumerate(items))
            return out, nxt + 1
        pos = nxt + 1


def minify_css(css):
    """CSS without comments and spaces that do not matter ('a { b: c; d: e, f; }' -> 'a{b:c;d:e,f}')."""
    return _css_block(re.sub(r"/\*.*?\*/", "", css, flags=re.S))[0]


@cache
def _minified(filename):
    return minify_css(asset(filename))


def scoped_css(root, *filenames):
    """The CSS assets, minified, with `#__ID__` replaced by the widget's id (every rule is scoped to it)."""
    return "".join(_minified(f) for f in filenames).replace(ID_TOKEN, root)


def json_for_script(data):
    """Compact JSON that is safe inside a <script> element (no '<', '>' or '&')."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inline_script(root, data, *filenames):
    """One function scope holding widget.js then the widget's own scripts, compacted, with "__ID__" replaced by
    the id and __DATA__ by the data (widget.js finds the root element R and parses the data D)."""
    js = "\n".join(compact_js(asset(f)) for f in filenames)
    return js.replace(ID_TOKEN, root).replace(DATA_TOKEN, json_for_script(data))


# ---------------------------------------------------------------------------------------------- numbers
# Each function here has a twin of the same name in assets/widget.js; the two draw the same characters.
def fmt(v, d):
    """v with d decimals, no "-0", and a real minus sign (JS: f)."""
    s = f"{v:.{d}f}"
    if re.fullmatch(r"-0(\.0+)?", s):
        s = s[1:]
    return s.replace("-", "\u2212")


def term(v, d):
    """fmt(v, d), in parentheses if negative, for use inside a sum or product (JS: t)."""
    s = fmt(v, d)
    return f"({s})" if s.startswith("\u2212") else s


def level(v, m):
    """The colour class of v on a diverging scale whose ends are -m and m: "" for 0, else neg1..4 or pos1..4
    (JS: lv). The same arithmetic in both languages on the same numbers, so both pick the same class."""
    if not m or not v:
        return ""
    n = min(LEVELS, math.ceil(abs(v) / m * LEVELS))
    return f"{'pos' if v > 0 else 'neg'}{n}"


def step_text(k, n):
    """The position shown beside the slider: "4 of 25" for the fourth of 25 steps."""
    return f"{k + 1} of {n}"


# ---------------------------------------------------------------------------------------------- markup
def classes(*names):
    """The non-empty names, space-separated (JS: cls)."""
    return " ".join(x for x in names if x)


def cell(cls, v=None, small="", attrs=""):
    """A <td> of a grid: main value v (None: empty) and an optional small line below it (JS: cell)."""
    attr = (f' class="{cls}"' if cls else "") + attrs
    body = "" if v is None else f'<span class="v">{v}</span>'
    if small:
        body += f'<span class="s">{small}</span>'
    return f"<td{attr}>{body}</td>"


def grid(title, rows, cols, cell_at, cls=""):
    """A titled table of rows x cols cells, cell_at(r, q) drawing each (JS: grid)."""
    body = "".join("<tr>" + "".join(cell_at(r, q) for q in range(cols)) + "</tr>" for r in range(rows))
    return (f'<div class="dls-panel"><div class="dls-title">{title}</div>'
            f'<table class="{classes("g", cls)}"><tbody>{body}</tbody></table></div>')


def labelled_select(root, cls, label, options, selected=0):
    """A <select class="dls-{cls}"> with its visible <label>, option `selected` chosen; no markup if there is
    nothing to choose."""
    if len(options) < 2:
        return ""
    sid = f"{root}-{cls}"
    opts = "".join(f'<option value="{n}"{" selected" if n == selected else ""}>{html.escape(str(o))}</option>'
                   for n, o in enumerate(options))
    return f'<span><label for="{sid}">{label}</label><select id="{sid}" class="dls-{cls}">{opts}</select></span>'


def _icon(symbol):
    return f'<span aria-hidden="true">{symbol}\ufe0e</span>'  # U+FE0E: drawn as text, never as an emoji


def stepper_html(root, n, valuetext, label="step", k=0):
    """Previous / play / next buttons and the labelled step slider, at step k of n (widget.js makes them work).

    valuetext is what a screen reader says for the slider, e.g. "output[0, 0], step 1 of 25"."""
    return (f'<div class="dls-stepper">'
            f'<button type="button" class="dls-prev" aria-disabled="{"true" if k == 0 else "false"}">'
            f'{_icon("←")} previous</button>'
            f'<button type="button" class="dls-play">{_icon("▶")} play</button>'
            f'<button type="button" class="dls-next" aria-disabled="{"true" if k >= n - 1 else "false"}">next '
            f'{_icon("→")}</button>'
            f'<span class="dls-slide"><label for="{root}-pos">{label}</label>'
            f'<input type="range" id="{root}-pos" class="dls-pos" min="0" max="{n - 1}" step="1" value="{k}" '
            f'aria-valuetext="{html.escape(valuetext)}">'
            f'<output class="dls-step" for="{root}-pos">{step_text(k, n)}</output></span></div>')


def caption_html(text):
    """The caption: one persistent live region, so a screen reader announces each new state (widget.js)."""
    return f'<p class="dls-caption" role="status" aria-live="polite">{html.escape(text, quote=False)}</p>'


def legend_html(items, scale=("negative", "positive")):
    """The key: (class, text) swatches drawn like the cells they explain, and the diverging colour scale."""
    keys = "".join(f'<span class="dls-key"><span class="dls-sw {c}"></span>{html.escape(t)}</span>' for c, t in items)
    if scale:
        steps = [f"neg{n}" for n in range(LEVELS, 0, -1)] + [""] + [f"pos{n}" for n in range(1, LEVELS + 1)]
        keys += (f'<span class="dls-key dls-scale">{scale[0]}'
                 + "".join(f'<span class="{classes("dls-sw", c)}"></span>' for c in steps)
                 + f"{scale[1]}</span>")
    return f'<div class="dls-legend">{keys}</div>'


def static_html(root, body, css, js):
    """The self-contained widget element: scoped style, the markup of the first state, the script."""
    return f'<div class="dls-widget" id="{root}"><style>{css}</style>{body}<script>{js}</script></div>'


def live_html(root, css, body):
    """What a live view's HTML display shows: the same scoped style and markup, with no script."""
    return f'<div class="dls-widget" id="{root}"><style>{css}</style>{body}</div>'


def html_page(body, title):
    """A complete standalone HTML page around `body` (for browser checks)."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body>{body}</body></html>")


# ---------------------------------------------------------------------------------------------- live controls
class LiveStepper:
    """The ipywidgets twin of stepper_html: previous / play / next and a step slider with "4 of 25" beside it.

    `slider.value` is the step (from 0); observe it to redraw. `set_count(n)` changes the number of steps and
    keeps the step if it still exists.
    """

    def __init__(self, n, label="step", interval=700):
        import ipywidgets as W

        self.slider = W.IntSlider(value=0, min=0, max=n - 1, step=1, description=label, readout=False,
                                  continuous_update=True, layout=W.Layout(flex="1 1 220px", min_width="200px"))
        self.play = W.Play(value=0, min=0, max=n - 1, step=1, interval=interval, show_repeat=False,
                           description="play", tooltip="play the steps")
        self.link = W.link((self.play, "value"), (self.slider, "value"))  # in the kernel, so tests can see it
        self.prev = W.Button(description="previous", icon="arrow-left", layout=W.Layout(width="auto"))
        self.next = W.Button(description="next", icon="arrow-right", layout=W.Layout(width="auto"))
        self.count = W.Label(step_text(0, n))
        self.prev.on_click(lambda _: self.go(self.slider.value - 1))
        self.next.on_click(lambda _: self.go(self.slider.value + 1))
        self.slider.observe(self._moved, names="value")
        self.box = W.HBox([self.prev, self.play, self.next, self.slider, self.count],
                          layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self._moved()

    def go(self, k):
        """Move to step k (clipped to the steps that exist)."""
        self.slider.value = max(0, min(k, self.slider.max))

    def set_count(self, n):
        self.slider.value = min(self.slider.value, n - 1)  # before max shrinks, so the step is kept where it can be
        self.slider.max = self.play.max = n - 1
        self._moved()

    def _moved(self, change=None):
        k, n = self.slider.value, self.slider.max + 1
        self.count.value = step_text(k, n)
        self.prev.disabled, self.next.disabled = k == 0, k == n - 1


# ---------------------------------------------------------------------------------------------- the widget object
class Widget:
    """Base class of the book's widgets: one object, shown live in Jupyter and as static HTML on the website.

    A subclass sets `assets` (the base names of its files in assets/, e.g. ("sliding_kernel",) for
    sliding_kernel.css and sliding_kernel.js), calls `super().__init__(name)`, sets `self.data` (JSON-ready:
    everything the script needs to draw every state), and defines
      - `body_html()`: the markup between <style> and <script>: controls and the first state, drawn in Python;
      - `make_live()`: the live view, an object whose `box` is an ipywidgets widget;
      - `__repr__`: the text/plain output.
    """

    assets = ()
    title = "widget"  # the <title> of page()

    def __init__(self, name):
        self.name, self.id = str(name), widget_id(name)
        self._live = None

    def css(self, root=None):
        """The shared CSS and the widget's own, scoped to `root` (default: its id)."""
        return scoped_css(root or self.id, *(f"{a}.css" for a in (SHARED, *self.assets)))

    def script(self):
        """The shared script and the widget's own, in one function scope, with its id and data filled in."""
        js = inline_script(self.id, self.data, *(f"{a}.js" for a in (SHARED, *self.assets)))
        return f"(function () {{\n{js}\n}})();"

    def html(self):
        """The self-contained widget: controls, the first state drawn, the data and the script that draws the rest."""
        return static_html(self.id, self.body_html(), self.css(), self.script())

    def page(self, title=None):
        """A complete standalone HTML page holding only this widget (for browser checks)."""
        return html_page(self.html(), self.title if title is None else title)

    def live(self):
        """The live ipywidgets view (built once, then reused)."""
        if self._live is None:
            self._live = self.make_live()
        return self._live

    def _repr_mimebundle_(self, include=None, exclude=None):
        """text/plain, the static HTML (the website shows it), and the live view (Jupyter shows it)."""
        bundle = {"text/plain": repr(self), "text/html": self.html()}
        view = self.live().box._repr_mimebundle_()
        if WIDGET_VIEW in view:
            bundle[WIDGET_VIEW] = view[WIDGET_VIEW]
        return bundle
