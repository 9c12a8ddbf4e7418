"""Helpers for the browser test of the built site: serve it, open pages offline in Chromium, check math, widgets,
figures, code and formula widths, and keyboard stops.

Used by tests/test_site.py, both on the real book and on small hand-made pages that prove each check can fail.
"""
import functools
import http.server
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

import yaml
from bs4 import BeautifulSoup

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHANGE_TIMEOUT_S = 1.0  # how long a widget may take to redraw after its control moves
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$")  # TeX delimiters that MathJax should have replaced
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # an iPhone 12-15 in portrait
MIN_PHONE_SCALE = 0.8  # a figure shrinks at most to 80 %: 9-pt text (11.25 px at 90 dpi) stays >= 9 px
MIN_PIXEL_RATIO = 1.6  # image pixels per displayed pixel: >= 150 dpi for the book's 90-dpi figures (retina: 2)


# ---------------------------------------------------------------------------------------------- serving
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a page's ~40 requests reuse a few connections

    def log_message(self, *args):
        pass


@contextmanager
def serve(root):
    """Serve the folder `root` on 127.0.0.1 at a free port (threaded); yield the base URL ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def missing_chromium_message():
    """None if Chromium is installed, else a sentence saying how to install it."""
    if CHROMIUM.exists():
        return None
    return (f"Chromium is not installed at {CHROMIUM}; the browser test needs it. Install it with "
            "`sudo apt-get install chromium` (Debian/Ubuntu; `playwright install` cannot download a browser "
            "offline), or run .ci/run, which installs it.")


def launch(playwright):
    """Headless Debian Chromium driven by playwright, with background networking off."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


# ---------------------------------------------------------------------------------------------- one page, offline
@dataclass
class Visit:
    """An opened page and what happened while loading it."""

    url: str
    page: object = None
    context: object = None
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    blocked: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # site URLs that answered 4xx/5xx (a file the build did not ship)
    loaded: list = field(default_factory=list)  # site URLs fetched, in order

    def close(self):
        self.context.close()


def open_offline(browser, base_url, path, viewport=None):
    """Open base_url + path in a fresh context where every request outside base_url is aborted and recorded.

    `viewport` is a dict like DESKTOP (the default) or PHONE."""
    visit = Visit(url=urljoin(base_url, path))
    visit.context = browser.new_context(viewport=viewport or DESKTOP, service_workers="block")

    def route(r):
        if r.request.url.startswith(base_url):
            r.continue_()
        else:
            visit.blocked.append(r.request.url)
            r.abort()

    visit.context.route("**/*", route)
    page = visit.page = visit.context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: visit.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))

    def response(r):
        if r.url.startswith(base_url):
            visit.loaded.append(r.url)
            if r.status >= 400 and not r.url.endswith("/favicon.ico"):  # the browser asks for a favicon unasked
                visit.failed.append(f"{r.status} {r.url}")

    page.on("response", response)
    page.goto(visit.url, wait_until="load")
    return visit


def screenshot(page, name):
    """Save a full-page screenshot to tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


# ---------------------------------------------------------------------------------------------- math
_VISIBLE_TEXT_JS = """() => {
  const c = document.body.cloneNode(true);
  c.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight').forEach(e => e.remove());
  return c.textContent;
}"""


def has_math(page):
    """True if the page has math: Sphinx .math elements, or TeX delimiters in its text before typesetting."""
    return page.locator(".math").count() > 0 or bool(RAW_TEX.search(page.evaluate(_VISIBLE_TEXT_JS)))


def wait_for_math(page, timeout_ms=15_000):
    """Wait until MathJax (if the page loads it) has finished its first typesetting pass."""
    loads_mathjax = page.evaluate("() => [...document.scripts].some(s => /mathjax/i.test(s.src))")
    if not loads_mathjax:
        return
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=timeout_ms)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")


def math_problems(page):
    """Sentences describing untypeset math on the page (empty if every formula was typeset)."""
    problems = []
    n_mjx = page.locator("mjx-container").count()
    if n_mjx == 0:
        problems.append("no mjx-container: MathJax typeset nothing")
    untypeset = page.evaluate("""() => [...document.querySelectorAll('.math')]
        .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.trim().slice(0, 60))""")
    if untypeset:
        problems.append(f"{len(untypeset)} .math element(s) not typeset, e.g. {untypeset[0]!r}")
    raw = RAW_TEX.search(page.evaluate(_VISIBLE_TEXT_JS))
    if raw:
        text = page.evaluate(_VISIBLE_TEXT_JS)
        problems.append(f"raw TeX visible: ...{text[max(0, raw.start() - 30):raw.start() + 30].strip()!r}...")
    return problems


def tabbable_math(page):
    """Formulas that the Tab key stops on (MathJax puts each in the tab order unless told not to)."""
    return page.evaluate("""() => [...document.querySelectorAll('mjx-container')]
        .filter(e => e.tabIndex >= 0).map(e => e.textContent.trim().slice(0, 40))""")


_MATH_FIT_JS = """() => {
  const out = [];
  const cue = (e) => {
    const s = getComputedStyle(e);
    return /auto|scroll/.test(s.overflowX) && /gradient/.test(s.backgroundImage);
  };
  for (const e of document.querySelectorAll('mjx-container')) {
    if (!e.offsetParent) continue;                       // not displayed (a closed dropdown)
    if (e.closest('nav, .bd-sidebar-secondary, .bd-sidebar-primary')) continue;  // a heading's copy in a contents list
    const display = e.getAttribute('display') === 'true';
    const block = e.closest('p, li, dd, td, th, div.math, figcaption, .admonition') || e.parentElement;
    const bs = getComputedStyle(block), br = block.getBoundingClientRect();
    const right = Math.min(br.right - parseFloat(bs.paddingRight), document.documentElement.clientWidth);
    const inner = (display && e.firstElementChild) ? e.firstElementChild.getBoundingClientRect()
                                                   : e.getBoundingClientRect();
    const overflows = display ? (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > right + 1)
                              : inner.right > right + 1;
    if (!overflows) continue;
    const text = (e.querySelector('mjx-assistive-mml') || e).textContent.trim().slice(0, 50);
    if (display && cue(e)) continue;                   // scrolls, with a visible cue
    out.push((display ? 'display' : 'inline') + ' formula ' + JSON.stringify(text) + ' is '
             + Math.round(inner.width) + ' px wide, ' + Math.round(inner.right - right) + ' px past the text column'
             + (display ? ' and has no scroll cue' : ''));
  }
  return out;
}"""


def math_fit_problems(page):
    """Sentences naming every formula wider than its text column: inline ones always, display ones unless they
    scroll (overflow-x auto) with a visible cue (a gradient background, the edge shadow of custom.css)."""
    return page.evaluate(_MATH_FIT_JS)


# ---------------------------------------------------------------------------------------------- layout
def overflowing_pre(page):
    """Every <pre> (code, output, solution) whose text is wider than its box: (excess px, longest line)."""
    return page.evaluate("""() => [...document.querySelectorAll('pre')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => [e.scrollWidth - e.clientWidth,
                   e.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, '')])""")


def page_overflow(page):
    """How many px the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def wide_tables(page):
    """Tables in the article wider than their column: (px past, first cell text)."""
    return page.evaluate("""() => [...document.querySelectorAll('article table')]
        .filter(t => t.getBoundingClientRect().right > t.closest('section, article').getBoundingClientRect().right + 1)
        .map(t => [Math.round(t.getBoundingClientRect().right - t.closest('section, article').getBoundingClientRect().right),
                   (t.querySelector('td, th') || t).textContent.trim().slice(0, 30)])""")


# ---------------------------------------------------------------------------------------------- figures
_FIGURES_JS = """() => [...document.querySelectorAll('article img, .bd-article img')].map(img => {
  const fig = img.closest('figure');
  const cap = fig && fig.querySelector('figcaption');
  const num = cap && cap.querySelector('.caption-number');
  const shown = img.getBoundingClientRect().width;
  const display = parseFloat(img.style.width) || Number(img.getAttribute('width')) || img.naturalWidth;
  return {src: img.getAttribute('src') || '', alt: img.getAttribute('alt'), number: num ? num.textContent.trim() : '',
          caption: cap ? cap.textContent.replace(/\\s+/g, ' ').trim() : '', natural: img.naturalWidth,
          display: display, shown: shown};
})"""

PATHLIKE_ALT = re.compile(r"\.(png|jpe?g|gif|svg|webp)$|_images/|^\S+/\S+$", re.I)  # a file name or path
CAPTION_NUMBER = re.compile(r"^Figure \d+\.\d+$")


def figures(page):
    """Every image in the article, as a dict: src, alt, caption number and text, natural/display/shown widths."""
    return page.evaluate(_FIGURES_JS)


def figure_problems(page, phone=False):
    """Sentences naming images without real alt text or a numbered caption, or too coarse for a HiDPI screen;
    with phone=True, images a phone shrinks below MIN_PHONE_SCALE of their display size."""
    problems = []
    for f in figures(page):
        name = f["src"].rsplit("/", 1)[-1][:16] or "an image"
        alt = (f["alt"] or "").strip()
        if phone:
            if f["display"] and f["shown"] < MIN_PHONE_SCALE * f["display"] - 0.5:
                problems.append(f"{name}: shown at {f['shown']:.0f} of its {f['display']:.0f} px on a phone "
                                f"({f['shown'] / f['display']:.0%}, below {MIN_PHONE_SCALE:.0%}): its text would be "
                                "smaller than 9 px; make the figure narrower or stack its panels")
            continue
        if len(alt) < 20 or PATHLIKE_ALT.search(alt):
            problems.append(f"{name}: alt text {alt!r} does not describe the figure (set mystnb.image.alt)")
        if not CAPTION_NUMBER.match(f["number"]):
            problems.append(f"{name}: no numbered caption ('Figure 2.3 ...'; set mystnb.figure.caption and name)")
        elif len(f["caption"]) <= len(f["number"]) + 10:
            problems.append(f"{name}: caption {f['caption']!r} says nothing about the figure")
        if not f["src"].lower().endswith(".svg") and f["natural"] < MIN_PIXEL_RATIO * f["display"] - 1:
            problems.append(f"{name}: {f['natural']} image pixels for {f['display']:.0f} px on screen, blurry on a "
                            f"HiDPI screen (need {MIN_PIXEL_RATIO}x: InlineBackend.figure_formats = ['retina'])")
    return problems


# ---------------------------------------------------------------------------------------------- widgets
_SNAPSHOT_JS = """(root) => {
  const c = root.cloneNode(true);
  c.querySelectorAll('input, select, label, script, style').forEach(e => e.remove());
  let s = c.innerHTML;
  root.querySelectorAll('canvas').forEach(cv => { try { s += cv.toDataURL(); } catch (e) { s += '[canvas]'; } });
  return s;
}"""

_MOVE_RANGE_JS = """(el) => {
  const min = el.min === '' ? 0 : Number(el.min), max = el.max === '' ? 100 : Number(el.max);
  const before = Number(el.value);
  const target = before < max ? max : min;
  if (target === before) return null;
  el.value = String(target);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return [before, Number(el.value)];
}"""


def _describe(control, kind):
    ident = control.get_attribute("id") or control.get_attribute("class") or ""
    return f"{kind}#{ident}" if ident else kind


def _changed(widget, before, timeout=CHANGE_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while True:
        if widget.evaluate(_SNAPSHOT_JS) != before:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def widget_problems(page):
    """Sentences naming every control of a .dls-widget that does not change what the widget draws."""
    problems = []
    widgets = page.locator(".dls-widget")
    for w in range(widgets.count()):
        widget = widgets.nth(w)
        name = widget.get_attribute("id") or f"widget {w + 1}"
        ranges, selects = widget.locator("input[type=range]"), widget.locator("select")
        if ranges.count() + selects.count() == 0:
            problems.append(f"{name}: no input[type=range] or <select> control")
        for i in range(ranges.count()):
            control = ranges.nth(i)
            before = widget.evaluate(_SNAPSHOT_JS)
            moved = control.evaluate(_MOVE_RANGE_JS)
            if moved is None:
                problems.append(f"{name}: slider {_describe(control, 'input')} cannot move (min == max)")
            elif not _changed(widget, before):
                problems.append(f"{name}: moving slider {_describe(control, 'input')} from {moved[0]:g} to "
                                f"{moved[1]:g} did not change what is drawn")
        for i in range(selects.count()):
            control = selects.nth(i)
            options = control.locator("option")
            current = control.evaluate("(el) => el.selectedIndex")
            others = [k for k in range(options.count()) if k != current]
            if not others:
                problems.append(f"{name}: <select> {_describe(control, 'select')} has only one option")
                continue
            responded = False
            for k in others:
                before = widget.evaluate(_SNAPSHOT_JS)
                control.select_option(index=k)  # dispatches input and change, like a reader's choice
                if _changed(widget, before):
                    responded = True
                    break
            if not responded:
                problems.append(f"{name}: choosing another option of <select> {_describe(control, 'select')} "
                                "did not change what is drawn")
    return problems


# ---------------------------------------------------------------------------------------------- the book's pages
@dataclass(frozen=True)
class TocPage:
    """A page listed in _toc.yml: its toc name, source file and built HTML path (relative to the site)."""

    name: str
    source: Path
    html: str


def toc_pages(repo):
    """Every page of _toc.yml in reading order: the root, then each part's chapters and their sections."""
    toc = yaml.safe_load((Path(repo) / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    pages = []
    for name in names:
        source = next((Path(repo) / f"{name}{ext}" for ext in (".ipynb", ".md")
                       if (Path(repo) / f"{name}{ext}").exists()), Path(repo) / f"{name}.md")
        pages.append(TocPage(name, source, f"{name}.html"))
    return pages


# ---------------------------------------------------------------------------------------------- static checks
ASSET_ATTRS = {"script": ["src"], "link": ["href"], "img": ["src", "srcset"], "iframe": ["src"],
               "source": ["src", "srcset"], "video": ["src", "poster"], "audio": ["src"], "embed": ["src"],
               "object": ["data"]}
CSS_URL = re.compile(r"""url\(\s*['"]?((?:https?:)?//[^'")\s]+)""", re.I)


def external_assets(html_text):
    """URLs of scripts, stylesheets, images, fonts and frames that the page would fetch from another host."""
    soup = BeautifulSoup(html_text, "html.parser")
    found = []
    for tag, attrs in ASSET_ATTRS.items():
        for el in soup.find_all(tag):
            for attr in attrs:
                for url in re.split(r",\s*", el.get(attr) or ""):
                    url = url.strip().split(" ")[0]
                    if urlparse(url).scheme in ("http", "https") or url.startswith("//"):
                        found.append(f"<{tag} {attr}={url}>")
    for style in soup.find_all("style"):
        found += [f"<style> url({url})" for url in external_css_urls(style.get_text())]
    return found


def external_css_urls(css_text):
    """External url(...) references (fonts, images, @import) in a stylesheet."""
    return [m.group(1) for m in CSS_URL.finditer(css_text)]


def mathjax_scripts(html_text):
    """The src of every <script> that loads MathJax."""
    soup = BeautifulSoup(html_text, "html.parser")
    return [s["src"] for s in soup.find_all("script", src=True) if "mathjax" in s["src"].lower()]


def ipynb_download_links(html_text):
    """Targets of the theme's download links that point at a notebook (.ipynb)."""
    soup = BeautifulSoup(html_text, "html.parser")
    links = soup.select("a.btn-download-source-button") or soup.find_all("a", href=True)
    return [a["href"] for a in links if a.get("href", "").split("?")[0].endswith(".ipynb")]


def resolve(site, html_rel, href):
    """The file in the built site that a relative link on page `html_rel` points to."""
    target = urljoin("http://site/" + html_rel, href.split("#")[0].split("?")[0])
    return Path(site) / urlparse(target).path.lstrip("/")
