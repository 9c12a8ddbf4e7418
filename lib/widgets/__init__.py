"""The book's widgets: each one is live ipywidgets in Jupyter and self-contained HTML/JS on the website.

Both views are drawn from the same precomputed data, so the website needs no kernel and no network, and the
same input gives the same bytes on every run (ids come from the widget's name, never from chance).

Layout
  common.py           what every widget shares, in Python: the `Widget` base class (static HTML, standalone
                      page, live view, notebook display), deterministic ids, reading and inlining the assets,
                      number formatting, the diverging colour scale, grids of cells, the step controls
                      (previous / play / next + a labelled slider with aria-valuetext), the caption (one
                      persistent live region), the legend, and `LiveStepper` (the same controls in ipywidgets)
  sliding_kernel.py   the sliding-kernel widget: every step of a 2-D convolution or of its backward pass
  gradient_decay.py   the gradient-decay widget: ||dL/dh_t|| against t (log axis, SVG) for an RNN, LSTM or GRU,
                      from lib.gradient_flow's BPTT, over a grid of T, rho, activation, forget bias, truncation
  assets/widget.css   shared style: the card, controls, grids, colour scale, cell states, legend, caption; colours
                      are custom properties for the light theme and for html[data-theme="dark"]
  assets/widget.js    shared script: R (the widget's root element), D (its data), f / t (numbers, as
                      common.fmt / common.term), lv (as common.level), cls, cell, grid (as common.classes,
                      common.cell, common.grid) and stepper(count, draw), which makes the step controls work
  assets/<name>.css, assets/<name>.js   each widget's own layout and drawing

Adding a widget, e.g. gradient_decay.py (gradient norms over the time steps of a recurrent net)
  1. Compute: a function that returns every state as plain JSON-ready numbers, rounded to what is shown.
  2. Draw one state in Python: a function (data, k) -> HTML, built with common.grid / cell / fmt / level,
     and the caption text for state k.
  3. assets/gradient_decay.js: the same drawing in JavaScript with widget.js's twins (f, t, lv, cls, cell,
     grid), then `stepper(count, draw)`: count() is the number of steps of what the <select>s chose, and
     draw(k) puts state k into the view and returns [caption, what the slider stands for at k, e.g. "t = 3"].
     assets/gradient_decay.css: only what widget.css lacks, every selector scoped with `#__ID__`.
  4. The widget: a subclass of `common.Widget` with `assets = ("gradient_decay",)`, which calls
     `super().__init__(name)`, sets `self.data`, and defines
       body_html()  <div class="dls-view"> holding state 0, then stepper_html(self.id, n, valuetext),
                    caption_html(caption of state 0) and legend_html([(class, text), ...]) (and, before the
                    view, labelled_select(...) for each choice), all drawn in Python so the page shows
                    state 0 without JavaScript;
       make_live()  an object whose `.box` is an ipywidgets widget: LiveStepper(n) and a W.HTML display of
                    live_html(root, self.css(root), view + caption + legend), redrawn when
                    LiveStepper.slider.value changes;
       __repr__     the text/plain output.
     html(), page(), live() and _repr_mimebundle_() come from `Widget`; the static HTML inlines widget.css,
     widget.js and the widget's own assets, scoped to its id.
  5. Export its function here and in lib/__init__.py; add its tests as tests/test_widgets.py does for the
     sliding kernel (JavaScript draws what Python draws for every state; contrast; phone fit).
"""
from .common import WIDGET_VIEW, LiveStepper, Widget, widget_id
from .gradient_decay import GradientDecay, LiveGradientDecay, gradient_decay
from .sliding_kernel import (MAX_SIDE, MODES, ConvStep, ConvTrace, LiveSlidingKernel, SlidingKernel, auto_decimals,
                             caption, conv_steps, default_delta, render_state, replay, sliding_kernel, trace_data)
