"""The book's widgets: each one is live ipywidgets in Jupyter and self-contained HTML/JS on the website.

Both views are drawn from the same precomputed data, so the website needs no kernel and no network.

Layout
  common.py           what every widget shares: deterministic ids, reading and inlining the assets, the static
                      HTML shell, the notebook display (`Widget`)
  sliding_kernel.py   the sliding-kernel widget: every step of a 2-D convolution or of its backward pass
  assets/             the CSS and JavaScript of each widget, real files shipped as package data and inlined
                      into every widget at render time

Adding a widget (e.g. gradient_decay.py)
  1. Compute: a function that returns every state as plain numbers (lists, ints, rounded floats).
  2. Assets: assets/gradient_decay.css, every rule scoped with `#__ID__`, and assets/gradient_decay.js, a
     script that finds its root with document.getElementById("__ID__"), reads its data from __DATA__ and
     draws the state the controls ask for (the same markup the Python side draws for the first state).
  3. The widget: a subclass of `common.Widget` with `assets = ("gradient_decay",)` that calls
     `super().__init__(name)`, sets `self.data`, and defines `body_html()` (controls and the first state,
     drawn in Python), `make_live()` (an object whose `.box` is an ipywidgets widget) and `__repr__`.
     `html()`, `page()`, `live()` and `_repr_mimebundle_()` come from `Widget`.
  4. Export its function here and in lib/__init__.py.
"""
from .common import WIDGET_VIEW, Widget, widget_id
from .sliding_kernel import (MAX_SIDE, MODES, ConvStep, ConvTrace, LiveSlidingKernel, SlidingKernel, auto_decimals,
                             conv_steps, default_delta, render_state, replay, sliding_kernel, trace_data)
