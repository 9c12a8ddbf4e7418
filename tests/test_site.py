"""Browser test of the built website (make book -> _build/html, or $BOOK_HTML).

Every page in _toc.yml is opened in headless Chromium with all network outside the local server blocked, and must
show typeset math, log no console or page errors, fetch nothing from outside the site, and have every static
widget respond to each of its controls. Static checks over all built HTML: no CDN assets, local MathJax, and an
.ipynb download on every notebook page. The helpers are themselves tested on small hand-made pages.
On failure a full-page screenshot is saved in tests/artifacts/.
"""
import os
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import sitecheck
from sitecheck import (RAW_TEX, external_assets, external_css_urls, ipynb_download_links, mathjax_scripts,
                       math_problems, open_offline, resolve, screenshot, serve, toc_pages, wait_for_math,
                       widget_problems)

REPO = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("BOOK_HTML") or REPO / "_build" / "html").resolve()
PAGES = toc_pages(REPO)


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def site():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE} (index.html is missing): run `make book` first, or point BOOK_HTML "
                    "at a built _build/html folder")
    return SITE


@pytest.fixture(scope="session")
def base_url(site):
    with serve(site) as url:
        yield url


def source_has_math(html_text):
    """True if the built page has math: .math elements, or TeX delimiters in text outside code."""
    soup = BeautifulSoup(html_text, "html.parser")
    if soup.select(".math"):
        return True
    for el in soup(["pre", "code", "script", "style", "textarea"]):
        el.decompose()
    return bool(RAW_TEX.search(soup.get_text()))


def check_open_page(browser, base_url, path, expect_math):
    """Open one page offline and return (problems, visit); the caller closes the visit."""
    visit = open_offline(browser, base_url, path)
    problems = []
    wait_for_math(visit.page)
    if expect_math:
        problems += [f"math: {p}" for p in math_problems(visit.page)]
    problems += widget_problems(visit.page)
    problems += [f"console error: {e}" for e in visit.console_errors]
    problems += [f"page error: {e}" for e in visit.page_errors]
    problems += [f"fetched from outside the site (blocked): {u}" for u in visit.blocked]
    return problems, visit


# ---------------------------------------------------------------------------------------------- the book in a browser
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_in_browser(page, site, base_url, browser):
    html_file = site / page.html
    assert html_file.exists(), f"{page.name} is in _toc.yml but {html_file} was not built: run `make book`"
    problems, visit = check_open_page(browser, base_url, page.html, source_has_math(html_file.read_text()))
    try:
        if problems:
            shot = screenshot(visit.page, page.name)
            pytest.fail(f"{page.html}: " + "; ".join(problems) + f" (screenshot: {shot.relative_to(REPO)})")
    finally:
        visit.close()


def test_root_redirects_to_the_first_page(site, base_url, browser):
    visit = open_offline(browser, base_url, "index.html")
    try:
        visit.page.wait_for_url(re.compile(re.escape(PAGES[0].html) + "$"))
        assert not visit.blocked and not visit.console_errors, (visit.blocked, visit.console_errors)
    finally:
        visit.close()


# ---------------------------------------------------------------------------------------------- static checks
def built_html(site):
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def test_no_asset_comes_from_outside_the_site(site):
    bad = [f"{p.relative_to(site)}: {u}" for p in built_html(site) for u in external_assets(p.read_text())]
    bad += [f"{p.relative_to(site)}: {u}" for p in site.rglob("*.css") for u in external_css_urls(p.read_text())]
    assert not bad, "assets loaded from outside the site (a reader offline would miss them):\n" + "\n".join(bad)


def test_mathjax_is_served_from_the_site(site):
    bad = []
    for p in built_html(site):
        text, rel = p.read_text(), p.relative_to(site).as_posix()
        srcs = mathjax_scripts(text)
        if source_has_math(text) and not srcs:
            bad.append(f"{rel}: has math but loads no MathJax")
        for src in srcs:
            if "_static/mathjax/" not in src or not resolve(site, rel, src).is_file():
                bad.append(f"{rel}: MathJax from {src}, not a file under _static/mathjax/")
    assert not bad, "\n".join(bad)


NOTEBOOK_PAGES = [p for p in PAGES if p.source.suffix == ".ipynb"]


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=[p.name for p in NOTEBOOK_PAGES])
def test_chapter_offers_its_notebook_for_download(page, site):
    html_file = site / page.html
    assert html_file.exists(), f"{html_file} was not built: run `make book`"
    links = ipynb_download_links(html_file.read_text())
    assert links, f"{page.html} has no .ipynb download link (sphinx-book-theme's download button)"
    for href in links:
        assert resolve(site, page.html, href).is_file(), f"{page.html}: download link {href} points to no file"


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=[p.name for p in NOTEBOOK_PAGES])
def test_exercises_hide_their_solutions_until_the_reader_opens_them(page, base_url, browser):
    visit = open_offline(browser, base_url, page.html)
    try:
        p = visit.page
        n_exercises, solutions = p.locator(".exercise").count(), p.locator(".solution.dropdown")
        assert 3 <= n_exercises <= 6, f"{page.html}: {n_exercises} exercises, expected 3 to 6"
        assert solutions.count() == n_exercises, \
            f"{page.html}: {solutions.count()} solutions for {n_exercises} exercises"
        for i in range(solutions.count()):
            sol = solutions.nth(i)
            body = sol.locator("section")
            assert not body.is_visible(), f"{page.html}: solution {i + 1} is visible before it is opened"
            sol.locator(".toggle-button").click()
            body.wait_for(state="visible", timeout=5_000)
        assert not visit.console_errors and not visit.page_errors, (visit.console_errors, visit.page_errors)
    except Exception:
        screenshot(visit.page, f"solutions-{page.name}")
        raise
    finally:
        visit.close()


def test_toc_lists_root_chapters_and_reference_pages():
    names = [p.name for p in PAGES]
    assert names[0] == "intro" and {"glossary", "notation"} <= set(names)
    assert any(n.startswith("chapters/") for n in names)


# ---------------------------------------------------------------------------------------------- the helpers can fail
WIDGET_TEMPLATE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="dls-widget" id="w-{title}">
  <div class="dls-controls">
    <label for="w-{title}-pos">position</label><input type="range" id="w-{title}-pos" min="0" max="4" value="0">
    <label for="w-{title}-k">kernel</label><select id="w-{title}-k"><option>a</option><option>b</option></select>
  </div>
  <div class="dls-view"><p>position 0, kernel a</p></div>
  <script>(function() {{
    var R = document.getElementById("w-{title}"), P = R.querySelector("input"), K = R.querySelector("select");
    function draw() {{ R.querySelector(".dls-view").innerHTML = "<p>position " + P.value + ", kernel "
      + K.options[K.selectedIndex].text + "</p>"; }}
    {listen}
  }})();</script>
</div>
{extra}
</body></html>"""


@pytest.fixture(scope="session")
def toy_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy_site")
    pages = {
        "good": ('P.addEventListener("input", draw); K.addEventListener("change", draw);', ""),
        "dead_slider": ('K.addEventListener("change", draw);', ""),
        "dead_select": ('P.addEventListener("input", draw);', ""),
        "leaky": ('P.addEventListener("input", draw); K.addEventListener("change", draw);',
                  '<img src="https://cdn.jsdelivr.net/npm/nothing/x.png" alt="">'
                  '<script>console.error("something broke");</script>'),
        "raw_math": ('P.addEventListener("input", draw); K.addEventListener("change", draw);',
                     r'<p><span class="math notranslate nohighlight">\(x^2\)</span></p>'),
    }
    for title, (listen, extra) in pages.items():
        (root / f"{title}.html").write_text(WIDGET_TEMPLATE.format(title=title, listen=listen, extra=extra))
    with serve(root) as url:
        yield url


def toy(browser, toy_site, name, expect_math=False):
    problems, visit = check_open_page(browser, toy_site, f"{name}.html", expect_math)
    visit.close()
    return problems


def test_helpers_accept_a_working_widget(browser, toy_site):
    assert toy(browser, toy_site, "good") == []


def test_helpers_catch_a_dead_slider(browser, toy_site):
    problems = toy(browser, toy_site, "dead_slider")
    assert len(problems) == 1 and "slider input#w-dead_slider-pos" in problems[0]
    assert "from 0 to 4 did not change what is drawn" in problems[0]


def test_helpers_catch_a_dead_select(browser, toy_site):
    problems = toy(browser, toy_site, "dead_select")
    assert len(problems) == 1 and "select#w-dead_select-k" in problems[0] and "did not change" in problems[0]


def test_helpers_catch_outside_fetches_and_console_errors(browser, toy_site):
    problems = toy(browser, toy_site, "leaky")
    assert any("blocked" in p and "cdn.jsdelivr.net" in p for p in problems), problems
    assert any("console error: something broke" in p for p in problems), problems


def test_helpers_catch_untypeset_math(browser, toy_site):
    problems = toy(browser, toy_site, "raw_math", expect_math=True)
    assert any("no mjx-container" in p for p in problems), problems
    assert any("raw TeX visible" in p for p in problems), problems


def test_screenshot_is_saved(browser, toy_site):
    visit = open_offline(browser, toy_site, "dead_slider.html")
    try:
        path = screenshot(visit.page, "selftest_dead_slider")
    finally:
        visit.close()
    assert path.parent.name == "artifacts" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    path.unlink()


def test_static_checks_catch_cdn_assets():
    page = """<html><head>
      <script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
      <link rel="stylesheet" href="//cdnjs.cloudflare.com/ajax/libs/x.css">
      <link rel="stylesheet" href="_static/local.css"><script src="_static/mathjax/tex-chtml.js"></script>
      <style>@import url("https://fonts.googleapis.com/css?family=Roboto");</style></head>
      <body><img src="https://unpkg.com/a.png"><img src="_images/b.png"><a href="https://example.org">a link</a>
      </body></html>"""
    found = " ".join(external_assets(page))
    for host in ["cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "fonts.googleapis.com"]:
        assert host in found
    assert "_static" not in found and "example.org" not in found
    assert mathjax_scripts(page) == ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
                                     "_static/mathjax/tex-chtml.js"]
    assert external_css_urls("@font-face{src:url('https://fonts.gstatic.com/a.woff2')} a{b:url(x.png)}")
    assert source_has_math(r"<p>\(x\)</p>") and not source_has_math(r"<pre>\(x\)</pre>")
    assert ipynb_download_links('<a class="btn-download-source-button" href="../_sources/a.ipynb">') == [
        "../_sources/a.ipynb"]
