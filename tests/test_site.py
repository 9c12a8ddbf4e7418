"""Browser test of the built website (make book -> _build/html, or $BOOK_HTML).

Every page in _toc.yml is opened in headless Chromium with all network outside the local server blocked, at
1280 px and on a 390 px phone. At 1280 px it must show typeset math, log no console or page errors, fetch nothing
from outside the site and miss no file of its own, weigh under 5 MB with its assets, have every static widget
respond to each of its controls, keep every code block and output unscrolled, keep formulas out of the tab order,
and give every image real alt text, a numbered caption and enough pixels for a HiDPI screen. On the phone no
formula is cut (a display formula wider than the screen must scroll with a visible cue), no table or page
scrolls sideways, and no figure shrinks so far that its text falls below 9 px. Search result snippets show the
text around the match. Static checks over all built HTML: no CDN assets, local MathJax and only the MathJax files
pages load, one output box per cell, numbering from the toc (no hand-typed numbers; figures and exercises
numbered per chapter), and an .ipynb download on every notebook page. The helpers are themselves tested on small
hand-made pages. On failure a full-page screenshot is saved in tests/artifacts/.
"""
import os
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import sitecheck
from sitecheck import (PHONE, RAW_TEX, external_assets, external_css_urls, figure_problems, ipynb_download_links,
                       math_fit_problems, math_problems, mathjax_scripts, open_offline, overflowing_pre, page_overflow,
                       resolve, screenshot, serve, tabbable_math, toc_pages, wait_for_math, wide_tables,
                       widget_problems)

REPO = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("BOOK_HTML") or REPO / "_build" / "html").resolve()
PAGES = toc_pages(REPO)
PAGE_BUDGET_MB = 5.0     # a page with everything it loads (HTML, CSS, JS, fonts, images)
MATHJAX_BUDGET_MB = 2.5  # what _static/mathjax may weigh after _ext/prune_mathjax.py (it was 24 MB)


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


def check_open_page(browser, base_url, path, expect_math, phone=False):
    """Open one page offline at 1280 px and return (problems, visit); the caller closes the visit.

    With phone=True the same page is then resized to a 390 px phone and checked again (media queries apply on
    resize; MathJax's output does not depend on the width, so nothing needs to load twice)."""
    visit = open_offline(browser, base_url, path)
    problems = []
    wait_for_math(visit.page)
    if expect_math:
        problems += [f"math: {p}" for p in math_problems(visit.page)]
    problems += [f"math: {p}" for p in math_fit_problems(visit.page)]
    tab_stops = tabbable_math(visit.page)
    if tab_stops:
        problems.append(f"{len(tab_stops)} formulas are in the tab order (Tab stops on each), e.g. {tab_stops[0]!r}")
    problems += [f"<pre> scrolls sideways at 1280 px ({px} px too wide): {line!r}"
                 for px, line in overflowing_pre(visit.page)]
    problems += [f"figure: {p}" for p in figure_problems(visit.page)]
    if page_overflow(visit.page) > 0:
        problems.append(f"the page scrolls sideways by {page_overflow(visit.page)} px")
    if phone:
        problems += [f"at 390 px: {p}" for p in phone_problems(visit.page)]
        visit.page.set_viewport_size(sitecheck.DESKTOP)
    problems += widget_problems(visit.page)  # last: it moves the widgets' controls
    problems += [f"console error: {e}" for e in visit.console_errors]
    problems += [f"page error: {e}" for e in visit.page_errors]
    problems += [f"fetched from outside the site (blocked): {u}" for u in visit.blocked]
    problems += [f"a file of the site is missing: {u}" for u in visit.failed]
    return problems, visit


def phone_problems(page):
    """Resize `page` to a 390 px phone and return what does not fit there."""
    page.set_viewport_size(PHONE)
    page.wait_for_function(f"() => document.documentElement.clientWidth === {PHONE['width']}")
    problems = [f"math: {p}" for p in math_fit_problems(page)]
    problems += [f"figure: {p}" for p in figure_problems(page, phone=True)]
    problems += [f"table {text!r} runs {px} px past the text" for px, text in wide_tables(page)]
    if page_overflow(page) > 0:
        problems.append(f"the page scrolls sideways by {page_overflow(page)} px")
    return problems


def weight_mb(site, urls, base_url):
    """Total size in MB of the distinct site files behind `urls` (what a first visit downloads)."""
    files = {resolve(site, "", u[len(base_url):]) for u in urls if u.startswith(base_url)}
    return sum(f.stat().st_size for f in files if f.is_file()) / 1e6


# ---------------------------------------------------------------------------------------------- the book in a browser
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_in_browser(page, site, base_url, browser):
    html_file = site / page.html
    assert html_file.exists(), f"{page.name} is in _toc.yml but {html_file} was not built: run `make book`"
    problems, visit = check_open_page(browser, base_url, page.html, source_has_math(html_file.read_text()),
                                      phone=True)
    mb = weight_mb(site, visit.loaded, base_url)
    if mb > PAGE_BUDGET_MB:
        problems.append(f"the page and its assets weigh {mb:.1f} MB, over the {PAGE_BUDGET_MB} MB budget")
    try:
        if problems:
            shot = screenshot(visit.page, page.name)
            pytest.fail(f"{page.html}: " + "; ".join(problems) + f" (screenshot: {shot.relative_to(REPO)})")
    finally:
        visit.close()


def test_search_snippets_show_the_text_around_the_match(site, base_url, browser):
    # "convolution" is in the title of three pages, right after the toolbar that Sphinx used to quote
    # ("....pdf Convolution Contents...")
    visit = open_offline(browser, base_url, "search.html?q=convolution")
    try:
        results = visit.page.locator("#search-results ul.search li")
        # Sphinx writes "Search finished, found N page(s) ..." once every result and its snippet is shown
        visit.page.wait_for_function("() => /Search finished/.test(document.getElementById('search-results')"
                                     "?.textContent || '')", timeout=15_000)
        snippets = visit.page.locator("#search-results ul.search li p.context").all_inner_texts()
        assert results.count() >= 3 and sum(len(t) > 100 for t in snippets) >= 3, snippets
        for text in snippets:
            assert "convolution" in text.lower(), f"snippet without the search word: {text!r}"
            assert not re.search(r"\.ipynb|\.pdf|\bContents\b", text), f"toolbar words in a snippet: {text!r}"
            assert "  " not in text, f"runs of white space in a snippet: {text!r}"
        assert not visit.console_errors and not visit.blocked and not visit.failed, \
            (visit.console_errors, visit.blocked, visit.failed)
    except Exception:
        screenshot(visit.page, "search")
        raise
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


def test_only_the_mathjax_files_pages_load_are_shipped(site):
    mathjax = site / "_static" / "mathjax"
    files = [p for p in mathjax.rglob("*") if p.is_file()]
    mb = sum(p.stat().st_size for p in files) / 1e6
    assert (mathjax / "tex-chtml.js").is_file(), "tex-chtml.js, the one file every page loads, is missing"
    assert mb < MATHJAX_BUDGET_MB, f"_static/mathjax weighs {mb:.1f} MB: is _ext/prune_mathjax.py in _config.yml?"
    unused = [p.relative_to(mathjax).as_posix() for p in files
              if p.relative_to(mathjax).parts[0] in {"sre", "a11y", "ui", "adaptors"} or p.name.startswith("tex-svg")]
    assert not unused, f"MathJax files no page loads: {unused[:5]}"


@pytest.fixture(scope="session")
def soups(site):
    """Every built page parsed once, for the static checks that only read it: {path: BeautifulSoup}."""
    return {p: BeautifulSoup(p.read_text(), "html.parser") for p in built_html(site)}


def test_a_cell_prints_into_one_box(site, soups):
    """nb_merge_streams: a cell's print calls make one output box (chapter 1's training loop made seven)."""
    bad = []
    for p, soup in soups.items():
        for out in soup.select("div.cell_output"):
            kids = [k for k in out.children if getattr(k, "name", None)]
            for a, b in zip(kids, kids[1:]):
                if "stream" in a.get("class", []) and "stream" in b.get("class", []):
                    bad.append(f"{p.relative_to(site)}: {b.get_text()[:60]!r}")
    assert not bad, "cells whose printed output is split into several boxes:\n" + "\n".join(bad)


def chapter_number(soup):
    """The chapter number of a built page, from its title's section number ('2.1 ' -> '2'), or None."""
    number = soup.select_one("article.bd-article h1 .section-number")
    return number.get_text().strip().split(".")[0] if number else None


def test_numbers_come_from_the_toc(site, soups):
    """Headings carry no hand-typed numbers; figures and exercises are numbered per chapter, 1, 2, 3, ... across
    the chapter's pages in toc order; the Reference pages (glossary, notation) are not numbered."""
    counters, bad = {}, []
    for page in PAGES:
        soup = soups[site / page.html]
        chapter = chapter_number(soup)
        if page.name in ("intro", "glossary", "notation"):
            if chapter:
                bad.append(f"{page.html}: the title is numbered {chapter}")
            continue
        if not chapter:
            bad.append(f"{page.html}: the title has no number from the toc")
            continue
        for h in soup.select("article.bd-article :is(h1, h2, h3, h4)"):
            if "rubric" in h.get("class", []):
                continue
            text = h.get_text(" ", strip=True)
            number = h.select_one(".section-number")
            rest = text[len(number.get_text(" ", strip=True)):].strip() if number else text
            if not number:
                bad.append(f"{page.html}: heading {text!r} has no number from the toc")
            if re.match(r"\d+(\.\d+)*\.?\s", rest):
                bad.append(f"{page.html}: heading {text!r} has a hand-typed number")
        for kind in ("Figure", "Exercise"):
            for cap in soup.select(".caption-number"):  # figure captions and exercise titles
                m = re.match(kind + r" (\d+)\.(\d+)", cap.get_text(" ", strip=True))
                if not m:
                    continue
                key = (kind, m.group(1))
                expected = counters.get(key, 0) + 1
                if m.group(1) != chapter or int(m.group(2)) != expected:
                    bad.append(f"{page.html}: {m.group(0)}, expected {kind} {chapter}.{expected}")
                counters[key] = int(m.group(2))
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


LAYOUT_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>layout</title><style>
  body { margin: 0; } article { max-width: 300px; padding: 10px; }
  pre { overflow: auto; } mjx-container { display: inline-block; }
  mjx-container[display="true"] { display: block; overflow-x: auto; }
  .cue { background: linear-gradient(to left, #000, #fff) right / 1rem 100% no-repeat scroll; }
  img { max-width: 100%; height: auto !important; }
</style></head><body><article>
<pre>{long_line}</pre><pre>short line</pre>
<div class="math"><mjx-container display="true" id="cut"><span style="display:inline-block;width:600px">wide
  formula, no cue</span></mjx-container></div>
<div class="math"><mjx-container display="true" class="cue"><span style="display:inline-block;width:600px">wide
  formula with a cue</span></mjx-container></div>
<p>text <mjx-container tabindex="0"><span style="display:inline-block;width:500px">wide inline</span></mjx-container></p>
<img src="chart.png" alt="chart.png" style="width: 400px; height: 200px;">
<figure><img src="chart.png" alt="A bar chart of three bars that rise from left to right." style="width: 100px;">
  <figcaption><p><span class="caption-number">Figure 1.1 </span>Three bars rise from left to right.</p></figcaption>
</figure>
</article></body></html>"""


@pytest.fixture(scope="session")
def layout_site(tmp_path_factory):
    from PIL import Image

    root = tmp_path_factory.mktemp("layout_site")
    Image.new("RGB", (200, 100), "white").save(root / "chart.png")
    (root / "layout.html").write_text(LAYOUT_PAGE.replace("{long_line}", "x = 1  # " + "a" * 120))
    with serve(root) as url:
        yield url


def test_helpers_catch_wide_code_cut_formulas_tab_stops_and_bare_figures(browser, layout_site):
    visit = open_offline(browser, layout_site, "layout.html")
    try:
        p = visit.page
        pre = overflowing_pre(p)
        assert len(pre) == 1 and pre[0][1].startswith("x = 1  # aaa"), pre
        fit = math_fit_problems(p)
        assert len(fit) == 2, fit
        assert any("display formula" in f and "no cue" in f for f in fit), fit
        assert any("inline formula" in f and "wide inline" in f for f in fit), fit
        assert tabbable_math(p) == ["wide inline"]
        figs = figure_problems(p)
        assert any("alt text 'chart.png'" in f for f in figs), figs
        assert any("no numbered caption" in f for f in figs), figs
        assert sum("HiDPI" in f for f in figs) == 1, figs  # 200 pixels for 400 px: blurry; for 100 px: fine
        assert page_overflow(p) == 0
    finally:
        visit.close()


def test_helpers_catch_a_figure_a_phone_shrinks_too_far(browser, layout_site):
    visit = open_offline(browser, layout_site, "layout.html", viewport={"width": 250, "height": 600})
    try:
        shrunk = figure_problems(visit.page, phone=True)
        assert len(shrunk) == 1 and "below 80%" in shrunk[0], shrunk  # the 400 px image, not the 100 px one
    finally:
        visit.close()


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
