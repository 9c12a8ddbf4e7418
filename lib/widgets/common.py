"""What every widget of the book shares: ids, assets, the static HTML shell and the notebook display.

A widget is drawn twice from the same precomputed data: as live ipywidgets in Jupyter, and as a self-contained
HTML/JS element on the website (no kernel, no network). This module turns a widget's data, markup and assets
into that element, deterministically: the id comes from the widget's name, the CSS and JavaScript are read from
`lib/widgets/assets/` and inlined, and the same input gives the same bytes on every run.
"""
import hashlib
import html
import json
import re
from functools import cache
from importlib import resources

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ID_TOKEN = "__ID__"  # in an asset: the widget's id (CSS: `#__ID__`, JavaScript: "__ID__")
DATA_TOKEN = "__DATA__"  # in a JavaScript asset: the widget's data, as a JavaScript literal


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


def scoped_css(root, *filenames):
    """The CSS assets, minified, with `#__ID__` replaced by the widget's id (every rule is scoped to it)."""
    return "".join(minify_css(asset(f)) for f in filenames).replace(ID_TOKEN, root)


def json_for_script(data):
    """Compact JSON that is safe inside a <script> element (no '<', '>' or '&')."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inline_script(root, data, *filenames):
    """The JavaScript assets, compacted, with "__ID__" replaced by the id and __DATA__ by the data."""
    js = "\n".join(compact_js(asset(f)) for f in filenames)
    return js.replace(ID_TOKEN, root).replace(DATA_TOKEN, json_for_script(data))


# ---------------------------------------------------------------------------------------------- markup
def labelled_select(root, cls, label, options):
    """A <select class="dls-{cls}"> with its visible <label>; no markup if there is nothing to choose."""
    if len(options) < 2:
        return ""
    sid = f"{root}-{cls}"
    opts = "".join(f'<option value="{n}"{" selected" if n == 0 else ""}>{html.escape(str(o))}</option>'
                   for n, o in enumerate(options))
    return f'<span><label for="{sid}">{label}</label><select id="{sid}" class="dls-{cls}">{opts}</select></span>'


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
        """The widget's CSS, scoped to `root` (default: its id)."""
        return scoped_css(root or self.id, *(f"{a}.css" for a in self.assets))

    def html(self):
        """The self-contained widget: controls, the first state drawn, the data and the script that draws the rest."""
        return static_html(self.id, self.body_html(), self.css(), inline_script(self.id, self.data,
                                                                                *(f"{a}.js" for a in self.assets)))

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
