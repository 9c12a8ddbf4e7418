"""Ship only the MathJax files the pages load.

sphinx-mathjax-offline copies the whole MathJax 3 distribution (about 24 MB) into _static/mathjax so that math
renders offline. A page of this book loads tex-chtml.js (the TeX input, the CommonHTML output, the menu and the
assistive MathML for screen readers, in one file), the woff fonts that output asks for, and the TeX extensions
that `autoload` fetches when a formula uses one of their macros (\\color, \\cancel, \\boldsymbol, ...). Everything
else (the SVG and MathML builds, the speech-rule engine and its 20 languages, the explorer, the node build) is
deleted after the build. The browser test (tests/test_site.py) opens every page with the network blocked and
fails on any file the site does not have.

Not kept, on purpose: what only the MathJax context menu loads on request (its "Accessibility" explorer with the
speech-rule engine, 4 MB, and the SVG renderer). Screen readers read the assistive MathML that tex-chtml.js adds
to every formula.
"""
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

ENTRY = "tex-chtml.js"  # what sphinx-mathjax-offline sets as mathjax_path ("mathjax/tex-chtml.js")
KEEP_DIRS = ("output/chtml/fonts/woff-v2/", "input/tex/extensions/")
DROP = {"input/tex/extensions/all-packages.js"}  # loaded only by an explicit `loader` config, never by autoload


def kept(rel):
    """True if the file at `rel` (a path relative to _static/mathjax) is one a page can load."""
    return rel == ENTRY or (rel.startswith(KEEP_DIRS) and rel.endswith((".js", ".woff")) and rel not in DROP)


def prune(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    root = Path(app.outdir) / "_static" / "mathjax"
    if not root.is_dir():
        return
    if Path(str(app.config.mathjax_path)).name != ENTRY:
        logger.warning(f"prune_mathjax: mathjax_path is {app.config.mathjax_path!r}, not .../{ENTRY}; "
                       "MathJax left unpruned (update KEEP_DIRS in _ext/prune_mathjax.py)")
        return
    removed = kept_bytes = removed_bytes = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        size = path.stat().st_size
        if kept(path.relative_to(root).as_posix()):
            kept_bytes += size
        else:
            path.unlink()
            removed, removed_bytes = removed + 1, removed_bytes + size
    for d in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    logger.info(f"prune_mathjax: kept {kept_bytes / 1e6:.1f} MB of MathJax, removed {removed} files "
                f"({removed_bytes / 1e6:.1f} MB) that no page loads")


def setup(app):
    app.connect("build-finished", prune, priority=900)  # after sphinx-mathjax-offline copies the tree (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
