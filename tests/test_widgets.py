"""The sliding-kernel widget: its steps against lib.conv, its static HTML contract, its live view and its errors."""
import hashlib
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from lib.conv import conv2d, conv2d_backward
from lib.widgets import (SlidingKernel, conv_steps, default_delta, render_state, replay, sliding_kernel,
                         widget_id)

WORKED_X = np.arange(9.0).reshape(3, 3)  # the chapter's worked example: first output 19, then 25
WORKED_W = np.arange(4.0).reshape(2, 2)


def ref_forward(x, w, pad, stride):
    return conv2d(x[None, None], w[None, None], pad=pad, stride=stride)[0, 0]  # (OH, OW)


def ref_backward(delta, x, w, pad, stride):
    return conv2d_backward(delta[None, None], x[None, None], w[None, None], pad=pad, stride=stride)[0][0, 0]


def cases(rng):
    """(x, w, pad, stride) with whole-number and real inputs, square and non-square, every pad/stride that fits."""
    out = [(WORKED_X, WORKED_W, 0, 1)]
    for H, W, KH, KW in [(5, 5, 3, 3), (4, 6, 2, 3), (6, 5, 1, 2), (3, 4, 3, 3)]:
        for integer in (True, False):
            x = rng.integers(-4, 5, (H, W)).astype(float) if integer else rng.standard_normal((H, W))
            w = rng.integers(-3, 4, (KH, KW)).astype(float) if integer else rng.standard_normal((KH, KW))
            for pad in (0, 1, 2):
                for stride in (1, 2, 3):
                    if (H + 2 * pad - KH) % stride == 0 and (W + 2 * pad - KW) % stride == 0:
                        out.append((x, w, pad, stride))
    return out


# ---- the compute function -----------------------------------------------------------------------------

def test_worked_example_first_two_steps():
    trace = conv_steps(WORKED_X, WORKED_W)
    assert [s.value for s in trace.steps[:2]] == [19.0, 25.0]
    assert trace.steps[1].window == (slice(0, 2), slice(1, 3))


def test_forward_every_step_matches_conv2d(rng):
    checked = 0
    for x, w, pad, stride in cases(rng):
        ref = ref_forward(x, w, pad, stride)
        trace = conv_steps(x, w, pad, stride)
        xp = np.pad(x, pad)
        assert len(trace) == ref.size and trace.output_shape == ref.shape
        order = [(i, j) for i in range(ref.shape[0]) for j in range(ref.shape[1])]
        for s in trace.steps:
            assert (s.i, s.j) == order[s.k]
            assert (s.top, s.left) == (s.i * stride, s.j * stride)
            np.testing.assert_allclose(s.products, xp[s.window] * w, rtol=0, atol=1e-12)
            np.testing.assert_allclose(s.value, ref[s.i, s.j], rtol=1e-12, atol=1e-12)
            done = np.zeros(ref.shape, dtype=bool)
            done.ravel()[:s.k + 1] = True  # raster order: the first k + 1 cells are filled
            np.testing.assert_array_equal(s.filled, done)
            np.testing.assert_allclose(s.grid[done], ref[done], rtol=1e-12, atol=1e-12)
            assert np.all(s.grid[~done] == 0)
            checked += 1
        np.testing.assert_allclose(trace.result, ref, rtol=1e-12, atol=1e-12)
    print(f"{checked} forward steps checked against lib.conv.conv2d")
    assert checked > 100


def test_backward_every_step_matches_conv2d_backward(rng):
    for x, w, pad, stride in cases(rng):
        OH, OW = ref_forward(x, w, pad, stride).shape
        delta = rng.standard_normal((OH, OW))
        trace = conv_steps(x, w, pad, stride, mode="backward", delta=delta)
        H, W = x.shape
        for s in trace.steps:
            assert s.value == delta[s.i, s.j]
            np.testing.assert_allclose(s.products, delta[s.i, s.j] * w, rtol=0, atol=1e-12)
            sent = np.zeros_like(delta)
            sent.ravel()[:s.k + 1] = delta.ravel()[:s.k + 1]  # the gradient is linear in delta
            np.testing.assert_allclose(s.grid[pad:pad + H, pad:pad + W], ref_backward(sent, x, w, pad, stride),
                                       rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(trace.result, ref_backward(delta, x, w, pad, stride), rtol=1e-12, atol=1e-12)
        assert trace.result.shape == x.shape


def test_backward_default_delta_counts_up():
    trace = conv_steps(WORKED_X, WORKED_W, mode="backward")
    np.testing.assert_array_equal(trace.delta, [[1, 2], [3, 4]])
    np.testing.assert_allclose(trace.result, ref_backward(default_delta((2, 2)), WORKED_X, WORKED_W, 0, 1))


# ---- the widget's data: what both views draw ------------------------------------------------------------

def demo(mode="forward", name="conv-demo", **kw):
    x = np.array([[3, 0, 1, 2, 7], [1, 5, 8, 9, 3], [2, 7, 2, 5, 1], [0, 1, 3, 1, 7], [4, 2, 1, 6, 2]])
    kernels = {"edge": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]]), "blur": np.ones((3, 3)) / 9,
               "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])}
    return sliding_kernel(x, kernels, pads=(0, 1), strides=(1, 2), mode=mode, name=name, **kw)


@pytest.mark.parametrize("mode", ["forward", "backward"])
def test_widget_data_replays_to_lib_conv_for_every_state(mode):
    sk = demo(mode)
    assert len(sk.data["c"]) == 3 * 2 * 2
    for ki, w in enumerate(sk.kernels.values()):
        for pi, pad in enumerate(sk.pads):
            for si, stride in enumerate(sk.strides):
                c = sk.data["c"][sk.combo_index(ki, pi, si)]
                assert (c["p"], c["s"]) == (pad, stride)
                d = c["d"]
                if mode == "forward":
                    ref = ref_forward(sk.x, w, pad, stride)
                else:
                    delta = default_delta(ref_forward(sk.x, w, pad, stride).shape)
                H, W = sk.x.shape
                for k in range(len(c["t"])):
                    grid, filled = replay(c, k, mode)
                    if mode == "forward":
                        np.testing.assert_allclose(grid[filled], ref[filled], rtol=0,
                                                   atol=0.5 * 10.0 ** -d + 1e-9)
                        assert filled.sum() == k + 1
                    else:
                        sent = np.zeros_like(delta)
                        sent.ravel()[:k + 1] = delta.ravel()[:k + 1]
                        np.testing.assert_allclose(grid[pad:pad + H, pad:pad + W],
                                                   ref_backward(sent, sk.x, w, pad, stride),
                                                   rtol=0, atol=0.5 * 10.0 ** -d + 1e-9)
                    sk.render(sk.combo_index(ki, pi, si), k)  # every state draws


def test_decimals_follow_the_numbers():
    sk = demo()
    edge, blur = sk.data["c"][0], sk.data["c"][sk.combo_index(1, 0, 0)]
    assert (edge["dx"], edge["dk"], edge["d"]) == (0, 0, 0)
    assert (blur["dx"], blur["dk"], blur["d"]) == (0, 2, 2)
    assert "0.11" in sk.render(sk.combo_index(1, 0, 0), 0)


def test_captions_show_the_sum_of_products():
    sk = sliding_kernel(WORKED_X, WORKED_W, name="worked")
    assert "output[0, 0] = 0·0 + 1·1 + 3·2 + 4·3 = 19" in sk.render(0, 0)
    assert "output[0, 1] = 1·0 + 2·1 + 4·2 + 5·3 = 25" in sk.render(0, 1)
    neg = sliding_kernel(-WORKED_X, WORKED_W, name="negative")
    assert "(−1)·1" in neg.render(0, 0) and "= −19" in neg.render(0, 0) and "*" not in neg.render(0, 0)
    back = sliding_kernel(WORKED_X, WORKED_W, mode="backward", name="back")
    assert "δ[0, 1] = 2 flows back through the kernel: dx[0:2, 1:3] += 2·w" in back.render(0, 1)


# ---- the static HTML/JS ------------------------------------------------------------------------------

class Tags(HTMLParser):
    """Collects start tags with their attributes, and the text of <style> and <script> elements."""

    def __init__(self):
        super().__init__()
        self.tags, self.raw, self._in = [], {"style": [], "script": []}, None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.raw else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.raw[self._in].append(data)


def parse(text):
    p = Tags()
    p.feed(text)
    return p


STATIC_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {tests!r})
from test_widgets import demo
sys.stdout.write(demo().html() + demo("backward", name="grad").html())
"""


def test_static_html_is_byte_identical_across_runs():
    code = STATIC_SCRIPT.format(tests=str(Path(__file__).parent))
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout for _ in range(2)]
    assert runs[0] and runs[0] == runs[1], "two runs gave different HTML"
    assert demo().html() == demo().html()
    print(f"static HTML: {len(runs[0])} bytes, sha1 {hashlib.sha1(runs[0]).hexdigest()[:12]} in both runs")


def test_ids_derive_from_the_name():
    a, b = demo(name="conv-demo"), demo(name="conv-demo-2")
    assert a.id == widget_id("conv-demo") and a.id.startswith("dls-conv-demo-")
    assert a.id != b.id and widget_id("a b") != widget_id("a-b")
    assert re.fullmatch(r"[a-z][a-z0-9-]*", a.id)
    ids = [attrs["id"] for _, attrs in parse(a.html()).tags if "id" in attrs]
    assert ids[0] == a.id and all(i.startswith(a.id) for i in ids) and len(set(ids)) == len(ids)
    assert a.html().replace(a.id, "ID") == demo(name="other").html().replace(widget_id("other"), "ID")


def test_html_contract():
    for sk in (demo(), demo("backward", name="grad")):
        text = sk.html()
        p = parse(text)
        root_tag, root = p.tags[0]
        assert root_tag == "div" and root["class"] == "dls-widget" and root["id"] == sk.id
        assert text.endswith("</div>")
        controls = [(t, a) for t, a in p.tags if t in ("input", "select", "button", "textarea")]
        assert [t for t, _ in controls] == ["input", "select", "select", "select"]
        assert controls[0][1]["type"] == "range"
        labels = {a["for"] for t, a in p.tags if t == "label"}
        assert {a["id"] for _, a in controls} == labels, "every control has a label"
        for t, a in p.tags:
            assert "src" not in a and "href" not in a, f"<{t}> loads something: {a}"
        css = "".join(p.raw["style"])
        assert all(rule.startswith(f"#{sk.id}") for rule in re.findall(r"(?:^|})([^{}]+)\{", css)), "unscoped CSS"
        script = "".join(p.raw["script"])
        assert f'document.getElementById("{sk.id}")' in script and "document.querySelector" not in script
        assert len(text) < 40_000, f"{len(text)} bytes"
        print(f"{sk.mode}: {len(text)} bytes for {sum(len(c['t']) for c in sk.data['c'])} states")


def test_no_external_urls():
    for sk in (demo(), demo("backward", name="grad")):
        text = sk.html().lower()
        for bad in ("http:", "https:", "//cdn", "url(", "@import", "@font-face"):
            assert bad not in text, bad


def test_first_state_is_drawn_without_javascript():
    sk = demo()
    before_script = sk.html().split("<script>")[0]
    assert f'<div class="dls-view">{sk.render(0, 0)}</div>' in before_script
    assert "output[0, 0] = 3·1 + 0·0 + 1·(−1) + 1·1 + 5·0 + 8·(−1) + 2·1 + 7·0 + 2·(−1) = −5" in before_script
    assert 'max="8"' in before_script  # 3x3 outputs for a 5x5 input, 3x3 kernel, pad 0, stride 1


def test_one_choice_needs_no_select():
    sk = sliding_kernel(WORKED_X, {"w": WORKED_W}, name="plain")
    assert [t for t, _ in parse(sk.html()).tags if t in ("input", "select")] == ["input"]


# ---- the live view and the notebook display -----------------------------------------------------------

def test_mimebundle_has_plain_html_and_live_view():
    sk = demo()
    bundle = sk._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}
    assert bundle["text/plain"] == repr(sk) == ("SlidingKernel('conv-demo', forward, input 5×5, "
                                                "kernels [edge, blur, sharpen], pads [0, 1], strides [1, 2])")
    assert bundle["text/html"] == sk.html()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == sk.live().box.model_id


def test_live_view_follows_its_controls():
    sk = demo()
    live = sk.live()
    assert live is sk.live()
    assert sk.render(0, 0) in live.display.value
    for k in range(1, live.slider.max + 1):
        before = live.display.value
        live.slider.value = k
        assert live.display.value != before
        assert sk.render(0, k) in live.display.value
    live.slider.value = 8
    live.stride.value = 1  # pad 0, stride 2: only 4 positions, so the slider moves back to the last one
    assert (live.slider.max, live.slider.value) == (3, 3)
    assert sk.render(sk.combo_index(0, 0, 1), 3) in live.display.value
    live.kernel.value, live.pad.value = 2, 1
    assert sk.render(sk.combo_index(2, 1, 1), 3) in live.display.value
    assert f'id="{sk.id}-live"' in live.display.value


# ---- clear errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: conv_steps(np.zeros((3, 3)), np.ones((5, 5))),
     r"conv_steps: kernel \(5, 5\) is larger than padded input \(3, 3\) \(input \(3, 3\), pad 0\)"),
    (lambda: conv_steps(np.zeros((1, 3, 3)), np.ones((2, 2))),
     r"conv_steps: input must be 2-D, got shape \(1, 3, 3\)"),
    (lambda: conv_steps(np.zeros((3, 3)), np.ones(2)), r"conv_steps: kernel must be 2-D, got shape \(2,\)"),
    (lambda: conv_steps(np.zeros((6, 6)), np.ones((3, 3)), stride=2),
     r"input \(6, 6\) with kernel \(3, 3\), pad 0, stride 2 does not fit"),
    (lambda: conv_steps(np.zeros((3, 3)), np.ones((2, 2)), stride=0), r"conv_steps: stride must be a positive integer, got 0"),
    (lambda: conv_steps(np.zeros((3, 3)), np.ones((2, 2)), pad=-1), r"conv_steps: pad must be a non-negative integer, got -1"),
    (lambda: conv_steps(np.zeros((3, 3)), np.ones((2, 2)), mode="sideways"),
     r"mode must be 'forward' or 'backward'"),
    (lambda: conv_steps(np.zeros((3, 3)), np.ones((2, 2)), mode="backward", delta=np.ones((3, 3))),
     r"delta has shape \(3, 3\), the output .* has shape \(2, 2\)"),
    (lambda: conv_steps(np.zeros((3, 3)), np.ones((2, 2)), delta=np.ones((2, 2))),
     r"only used with mode='backward'"),
    (lambda: sliding_kernel(np.zeros((3, 3)), {}), r"sliding_kernel: kernels is empty"),
    (lambda: sliding_kernel(np.zeros((3, 3)), {"big": np.ones((4, 4))}),
     r"sliding_kernel: kernel 'big': kernel \(4, 4\) is larger than padded input \(3, 3\)"),
    (lambda: sliding_kernel(np.zeros((3, 3, 1)), {"k": np.ones((2, 2))}),
     r"input must be 2-D, got shape \(3, 3, 1\)"),
    (lambda: sliding_kernel(np.zeros((3, 3)), {"k": np.ones((2, 2, 2))}),
     r"kernel 'k' must be 2-D, got shape \(2, 2, 2\)"),
    (lambda: sliding_kernel(np.zeros((5, 5)), {"k": np.ones((2, 2))}, strides=(1, 2)),
     r"kernel 'k': input \(5, 5\) with kernel \(2, 2\), pad 0, stride 2 does not fit"),
    (lambda: sliding_kernel(np.zeros((3, 3)), {"k": np.ones((2, 2))}, pads=()), r"pads is empty"),
    (lambda: sliding_kernel(np.zeros((3, 3)), {"k": np.ones((2, 2))}, strides=(1, 1)), r"repeated values"),
    (lambda: sliding_kernel(np.zeros((20, 20)), {"k": np.ones((2, 2))}), r"input \(20, 20\) is too large to draw"),
    (lambda: sliding_kernel(np.zeros((3, 3)), {"k": np.ones((2, 2))}, mode="backward", delta=np.ones((3, 3))),
     r"delta has shape \(3, 3\)"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_backward_delta_can_be_a_function_of_the_output_shape():
    sk = sliding_kernel(WORKED_X, WORKED_W, pads=(0, 1), mode="backward", delta=np.ones, name="ones")
    assert [c["g"] for c in sk.data["c"]] == [[1] * 4, [1] * 16]
    np.testing.assert_allclose(sk.traces[1].result, ref_backward(np.ones((4, 4)), WORKED_X, WORKED_W, 1, 1))


def test_sliding_kernel_accepts_one_array_and_is_a_sliding_kernel():
    sk = sliding_kernel(WORKED_X, WORKED_W, name="one")
    assert isinstance(sk, SlidingKernel) and list(sk.kernels) == ["kernel"]
    assert render_state(sk.data["c"][0], 0, "forward") == sk.render(0, 0)


# ---- the static widget in a real browser --------------------

@pytest.fixture(scope="module")
def browser_page(browser):
    """A fresh page in the session's Chromium that records page errors."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


# Walks every kernel x pad x stride x position through the page's own controls; returns each drawn view.
WALK = """([root, sizes]) => {
  const R = document.getElementById(root), out = [];
  const set = (el, v) => {
    if (el) { el.value = String(v); el.dispatchEvent(new Event(el.tagName == "SELECT" ? "change" : "input")); }
  };
  for (const [ki, pi, si, steps] of sizes) {
    set(R.querySelector("select.dls-kernel"), ki); set(R.querySelector("select.dls-pad"), pi);
    set(R.querySelector("select.dls-stride"), si);
    for (let k = 0; k < steps; k++) {
      set(R.querySelector("input[type=range]"), k);
      out.push(R.querySelector(".dls-view").innerHTML);
    }
  }
  return out;
}"""


def test_javascript_draws_what_python_draws_for_every_state(browser_page, tmp_path):
    page = browser_page
    widgets = [demo(), demo("backward", name="grad")]
    path = tmp_path / "page.html"
    path.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                    + "".join(sk.html() for sk in widgets) + "</body></html>", encoding="utf-8")
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri())
    states = 0
    for sk in widgets:
        other = widgets[1 - widgets.index(sk)]
        other_view = page.inner_html(f"#{other.id} .dls-view")
        combos = [(ki, pi, si) for ki in range(len(sk.kernels)) for pi in range(len(sk.pads))
                  for si in range(len(sk.strides))]
        sizes = [(ki, pi, si, len(sk.data["c"][sk.combo_index(ki, pi, si)]["t"])) for ki, pi, si in combos]
        drawn = iter(page.evaluate(WALK, [sk.id, sizes]))
        for ki, pi, si, steps in sizes:
            for k in range(steps):
                assert next(drawn) == sk.render(sk.combo_index(ki, pi, si), k), (sk.mode, (ki, pi, si), k)
                states += 1
        assert page.inner_html(f"#{other.id} .dls-view") == other_view, "moving one widget changed the other"
    assert page.errors == []
    print(f"{states} states drawn identically by JavaScript and Python")


def test_non_integer_settings_are_a_type_error():
    with pytest.raises(TypeError, match=r"sliding_kernel: each of strides must be an integer, got 1\.5"):
        sliding_kernel(WORKED_X, WORKED_W, strides=(1, 1.5))


# ---- the widgets package: shared helpers and assets --------------------------------------------------

def test_minify_css_keeps_meaning():
    from lib.widgets.common import minify_css
    css = """/* a comment */
    #__ID__ .a :focus-visible { outline: 2px solid #000 ; font-family: a, 'B C',d; }
    @media (max-width: 600px) {
      #__ID__ td { width: 28px; }
      html[data-theme="dark"] #__ID__ { color: #fff }
    }"""
    assert minify_css(css) == ("#__ID__ .a :focus-visible{outline:2px solid #000;font-family:a,'B C',d}"
                               '@media (max-width: 600px){#__ID__ td{width:28px}html[data-theme="dark"] #__ID__{color:#fff}}')


def test_assets_ship_as_package_data():
    import tomllib
    from fnmatch import fnmatch

    from lib.widgets.common import asset
    root = Path(__file__).resolve().parent.parent
    setup = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "lib.widgets" in setup["packages"]
    patterns = setup["package-data"]["lib.widgets"]
    files = sorted(p.name for p in (root / "lib" / "widgets" / "assets").iterdir())
    assert files and all(any(fnmatch(f"assets/{f}", pat) for pat in patterns) for f in files), (files, patterns)
    for f in files:
        assert asset(f) == (root / "lib" / "widgets" / "assets" / f).read_text(encoding="utf-8")
