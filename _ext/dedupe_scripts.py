"""Emit each inline <script> once per page.

Sphinx 7.4 adds an inline script registered with app.add_js_file(None, body=...) after the builder started twice
(once as filename None, once as ''); sphinx-thebe's `const THEBE_JS_URL = ...` then throws "Identifier
'THEBE_JS_URL' has already been declared" on every page.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attributes = getattr(js, "attributes", {})
        key = (getattr(js, "filename", js) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
