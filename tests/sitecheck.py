"""Helpers for the browser test of the built site: serve it, open pages offline in Chromium, check math and widgets.

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

    def close(self):
        self.context.close()


def open_offline(browser, base_url, path):
    """Open base_url + path in a fresh context where every request outside base_url is aborted and recorded."""
    visit = Visit(url=urljoin(base_url, path))
    visit.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

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
