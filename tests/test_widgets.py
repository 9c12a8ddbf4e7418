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
from lib.widgets.common import caption_html

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
    assert sk.caption(0, 0) == "step 1 of 4: output[0, 0] = 0·0 + 1·1 + 3·2 + 4·3 = 19"
    assert sk.caption(0, 1) == "step 2 of 4: output[0, 1] = 1·0 + 2·1 + 4·2 + 5·3 = 25"
    neg = sliding_kernel(-WORKED_X, WORKED_W, name="negative")
    assert "(−1)·1" in neg.caption(0, 0) and neg.caption(0, 0).endswith("= −19") and "*" not in neg.caption(0, 0)
    back = sliding_kernel(WORKED_X, WORKED_W, mode="backward", name="back")
    assert back.caption(0, 1) == "step 2 of 4: δ[0, 1] = 2 flows back through the kernel: dx[0:2, 1:3] += 2·w"


def test_slider_value_text_names_the_cell_and_the_step():
    assert demo().valuetext(0, 3) == "output[1, 0], step 4 of 9"
    assert demo("backward", name="grad").valuetext(0, 8) == "δ[2, 2], step 9 of 9"
    stride2 = demo()
    assert stride2.valuetext(stride2.combo_index(0, 0, 1), 3) == "output[1, 1], step 4 of 4"


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


def css_selectors(css):
    """Every selector of a stylesheet (inside @media/@container blocks too), with the at-rule preludes left out."""
    preludes = re.findall(r"(?:^|[{};])\s*([^{};]+)\{", css)
    return [sel.strip() for p in preludes if not p.strip().startswith("@") for sel in p.split(",")]


def test_html_contract():
    for sk in (demo(), demo("backward", name="grad")):
        text = sk.html()
        p = parse(text)
        root_tag, root = p.tags[0]
        assert root_tag == "div" and root["class"] == "dls-widget" and root["id"] == sk.id
        assert text.endswith("</div>")
        controls = [(t, a) for t, a in p.tags if t in ("input", "select", "button", "textarea")]
        assert [t for t, _ in controls] == ["select", "select", "select", "button", "button", "button", "input"]
        assert controls[-1][1]["type"] == "range" and controls[-1][1]["aria-valuetext"] == sk.valuetext(0, 0)
        labels = {a["for"] for t, a in p.tags if t == "label"}
        assert {a["id"] for t, a in controls if t != "button"} == labels, "every control has a label"
        assert [a["class"] for t, a in controls if t == "button"] == ["dls-prev", "dls-play", "dls-next"]
        for t, a in p.tags:
            assert "src" not in a and "href" not in a, f"<{t}> loads something: {a}"
        css = "".join(p.raw["style"])
        selectors = css_selectors(css)
        assert len(selectors) > 40 and all(f"#{sk.id}" in sel for sel in selectors), "unscoped CSS"
        assert f'html[data-theme="dark"] #{sk.id}' in selectors, "no dark theme"
        script = "".join(p.raw["script"])
        assert f'document.getElementById("{sk.id}")' in script and "document.querySelector" not in script
        assert len(text) < 40_000, f"{len(text)} bytes"
        print(f"{sk.mode}: {len(text)} bytes for {sum(len(c['t']) for c in sk.data['c'])} states")


def test_one_live_region_holds_the_caption():
    sk = demo()
    live = [(t, a) for t, a in parse(sk.html()).tags if "aria-live" in a or "role" in a]
    assert live == [("p", {"class": "dls-caption", "role": "status", "aria-live": "polite"})]
    assert f'<p class="dls-caption" role="status" aria-live="polite">{sk.caption(0, 0)}</p>' in sk.html()
    assert "aria-live" not in sk.render(0, 0), "the view is redrawn; the live region must stay outside it"


def test_no_external_urls():
    for sk in (demo(), demo("backward", name="grad")):
        text = sk.html().lower()
        for bad in ("http:", "https:", "//cdn", "url(", "@import", "@font-face"):
            assert bad not in text, bad


def test_first_state_is_drawn_without_javascript():
    sk = demo()
    before_script = sk.html().split("<script>")[0]
    assert f'<div class="dls-view">{sk.render(0, 0)}</div>' in before_script
    assert 'class="dls-legend"' in before_script and 'class="dls-step" for=' in before_script
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


def test_live_view_has_play_previous_next_caption_and_legend():
    sk = demo()
    live = sk.live()
    st = live.stepper
    assert live.slider is st.slider and st.count.value == "1 of 9" and st.prev.disabled and not st.next.disabled
    st.next.click()
    st.next.click()
    assert live.slider.value == 2 and st.count.value == "3 of 9"
    assert caption_html(sk.caption(0, 2)) in live.display.value and sk.legend() in live.display.value
    st.prev.click()
    assert live.slider.value == 1 and sk.render(0, 1) in live.display.value
    st.play.value = 5  # what the Play widget does on each tick
    assert live.slider.value == 5 and sk.render(0, 5) in live.display.value
    live.slider.value = 8
    assert st.play.value == 8 and st.next.disabled and st.count.value == "9 of 9"
    live.stride.value = 1  # 4 steps: the slider, the play widget and the count follow
    assert (live.slider.max, st.play.max, live.slider.value, st.count.value) == (3, 3, 3, "4 of 4")
    assert [type(w).__name__ for w in st.box.children] == ["Button", "Play", "Button", "IntSlider", "Label"]


# ---- what the student sees: legend, colours, the sum in the backward view ---------------------------------

def legend_keys(sk):
    return re.findall(r'<span class="dls-sw ([a-z]+)"></span>([^<]+)<', sk.legend())


def test_every_widget_has_a_legend_of_its_cell_states_and_colours():
    assert [c for c, _ in legend_keys(demo())] == ["w", "c", "p", "e", "h"]
    assert [t for _, t in legend_keys(demo())][:4] == ["window", "current cell", "padding", "not yet computed"]
    assert [c for c, _ in legend_keys(demo("backward", name="grad"))] == ["w", "c", "p", "e", "h"]
    unpadded = sliding_kernel(WORKED_X, WORKED_W, name="plain")
    assert [c for c, _ in legend_keys(unpadded)] == ["w", "c", "e", "h"], "no padding, no padding key"
    legend = unpadded.legend()
    scale = re.findall(r'class="dls-sw ?([a-z0-9]*)"', legend)
    assert scale[-9:] == ["neg4", "neg3", "neg2", "neg1", "", "pos1", "pos2", "pos3", "pos4"], legend
    assert legend in unpadded.html().split("<script>")[0]


def cell_classes_and_values(html_text, role):
    """[(classes, main value, small text)] of the cells of the table with class `role`, in reading order."""
    table = re.search(rf'<table class="g[a-z ]* {role}"><tbody>(.*?)</tbody></table>', html_text).group(1)
    return [(c.split(), v, sm) for c, v, sm in re.findall(
        r'<td(?: class="([^"]*)")?[^>]*>(?:<span class="v">([^<]*)</span>)?(?:<span class="s">([^<]*)</span>)?</td>',
        table)]


def number(text):
    return float(text.replace("\u2212", "-"))


def test_values_are_colours_too_so_an_edge_looks_like_an_edge():
    letter = np.zeros((7, 7))
    letter[1:6, 1:3] = 1.0
    sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    sk = sliding_kernel(letter, {"vertical edge": sobel}, name="edge")
    ref = ref_forward(letter, sobel, 0, 1)
    shown = cell_classes_and_values(sk.render(0, len(sk.data["c"][0]["t"]) - 1), "out")
    for (cls, v, _), want in zip(shown, ref.ravel()):
        colour = [c for c in cls if c[:3] in ("pos", "neg")]
        assert number(v) == want
        assert colour == ([] if want == 0 else [f"{'pos' if want > 0 else 'neg'}{colour[0][3:]}"]), (v, cls)
    # the strongest responses get the strongest colour, weaker ones a lighter one
    levels = {number(v): int(c[3:]) for cls, v, _ in shown for c in cls if c[:3] in ("pos", "neg")}
    assert levels[ref.max()] == levels[ref.min()] == 4 and all(levels[a] <= levels[b] for a in levels
                                                                   for b in levels if abs(a) <= abs(b))


def test_backward_view_shows_dx_before_and_after_each_step():
    sk = sliding_kernel(np.zeros((5, 5)), {"w = 1..9": np.arange(1.0, 10.0).reshape(3, 3)}, pads=(0, 1),
                        strides=(1, 2), mode="backward", name="ch2b")
    checked = 0
    for combo, c in enumerate(sk.data["c"]):
        for k in range(len(c["t"])):
            top, left = c["t"][k][2:4]
            view = sk.render(combo, k)
            before = replay(c, k - 1, "backward")[0] if k else np.zeros((c["h"], c["w"]))
            after = replay(c, k, "backward")[0]
            for n, (cls, v, small) in enumerate(cell_classes_and_values(view, "sum")):
                r, q = top + n // c["kw"], left + n % c["kw"]
                b, added = small.split("+", 1)
                assert number(b) == before[r, q] and number(v) == after[r, q] == number(b) + number(added.strip("()"))
                checked += 1
    assert checked > 300
    assert "new dx = before + δ·w" in sk.render(0, 0)


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


# ---- the static widget in a real browser --------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "_build" / "html"
CHAPTER_PAGES = ["chapters/02a_convolution.html", "chapters/02b_conv_backprop.html"]
PHONE = {"width": 390, "height": 844}  # a common phone screen, in CSS pixels


def page_of(*widgets):
    """A standalone page holding the widgets (no theme: the widgets' own colours and layout)."""
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
            + "".join(sk.html() for sk in widgets) + "</body></html>")


@pytest.fixture(scope="module")
def demo_widgets():
    return [demo(), demo("backward", name="grad")]


@pytest.fixture(scope="module")
def demo_url(demo_widgets, tmp_path_factory):
    path = tmp_path_factory.mktemp("widgets") / "page.html"
    path.write_text(page_of(*demo_widgets), encoding="utf-8")
    return path.as_uri()


@pytest.fixture(scope="module")
def site_url():
    """The built book, served locally (make book builds it; make test builds it first)."""
    import sitecheck
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `make book` first")
    with sitecheck.serve(SITE) as url:
        yield url


@pytest.fixture
def open_page(browser):
    """open_page(url, viewport=None, theme=None): a fresh offline page that records errors; closed after the test."""
    contexts = []

    def opener(url, viewport=None, theme=None):
        context = browser.new_context(viewport=viewport or {"width": 1100, "height": 900})
        contexts.append(context)
        local = url.split("/")[0] + "//" + url.split("/")[2] if url.startswith("http") else "file:"
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(local) else r.abort())
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        if theme:
            page.evaluate("(t) => { document.documentElement.dataset.theme = t; }", theme)
        return page

    yield opener
    for context in contexts:
        context.close()


# Walks every kernel x pad x stride x position through the page's own controls; returns what each state shows.
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
      out.push([R.querySelector(".dls-view").innerHTML, R.querySelector(".dls-caption").textContent,
                R.querySelector(".dls-pos").getAttribute("aria-valuetext"), R.querySelector(".dls-step").textContent,
                R.querySelector(".dls-prev").getAttribute("aria-disabled"),
                R.querySelector(".dls-next").getAttribute("aria-disabled")]);
    }
  }
  return out;
}"""


def all_states(sk):
    """(kernel, pad, stride, number of steps) of every combination."""
    return [(ki, pi, si, len(sk.data["c"][sk.combo_index(ki, pi, si)]["t"])) for ki in range(len(sk.kernels))
            for pi in range(len(sk.pads)) for si in range(len(sk.strides))]


def test_javascript_draws_what_python_draws_for_every_state(open_page, demo_widgets, demo_url):
    page = open_page(demo_url)
    widgets = demo_widgets
    states = 0
    for sk in widgets:
        other = widgets[1 - widgets.index(sk)]
        other_view = page.inner_html(f"#{other.id} .dls-view")
        sizes = all_states(sk)
        drawn = iter(page.evaluate(WALK, [sk.id, sizes]))
        for ki, pi, si, steps in sizes:
            combo = sk.combo_index(ki, pi, si)
            for k in range(steps):
                assert next(drawn) == [sk.render(combo, k), sk.caption(combo, k), sk.valuetext(combo, k),
                                       f"{k + 1} of {steps}", "true" if k == 0 else "false",
                                       "true" if k == steps - 1 else "false"], (sk.mode, (ki, pi, si), k)
                states += 1
        assert page.inner_html(f"#{other.id} .dls-view") == other_view, "moving one widget changed the other"
    assert page.errors == []
    print(f"{states} states drawn identically by JavaScript and Python")


def step_of(page, sk):
    return int(page.eval_on_selector(f"#{sk.id} .dls-pos", "e => e.value"))


def test_previous_next_and_play_step_the_state(open_page, demo_widgets, demo_url):
    page = open_page(demo_url)
    sk = demo_widgets[0]
    w = f"#{sk.id}"
    page.click(f"{w} .dls-next")
    page.click(f"{w} .dls-next")
    assert step_of(page, sk) == 2 and page.text_content(f"{w} .dls-caption") == sk.caption(0, 2)
    page.click(f"{w} .dls-prev")
    assert step_of(page, sk) == 1 and page.inner_html(f"{w} .dls-view") == sk.render(0, 1)
    page.click(f"{w} .dls-prev")
    page.click(f"{w} .dls-prev", force=True)  # at the first step (aria-disabled): stays there
    assert step_of(page, sk) == 0 and page.get_attribute(f"{w} .dls-prev", "aria-disabled") == "true"
    # play runs to the last step and stops there
    page.eval_on_selector(f"{w} .dls-pos", "e => { e.value = '5'; e.dispatchEvent(new Event('input')); }")
    page.click(f"{w} .dls-play")
    assert "pause" in page.text_content(f"{w} .dls-play")
    page.wait_for_function(f"""() => document.querySelector("{w} .dls-pos").value == "8"
                               && document.querySelector("{w} .dls-play").textContent.includes("play")""",
                           timeout=5000)
    assert page.inner_html(f"{w} .dls-view") == sk.render(0, 8)
    # from the last step, play starts again at the first; pressing it again pauses
    page.click(f"{w} .dls-play")
    page.wait_for_function(f'() => document.querySelector("{w} .dls-pos").value == "1"', timeout=3000)
    page.click(f"{w} .dls-play")
    paused = step_of(page, sk)
    page.wait_for_timeout(900)
    assert step_of(page, sk) == paused and "play" in page.text_content(f"{w} .dls-play")
    assert page.errors == []


def test_keyboard_alone_operates_the_widget(open_page, demo_widgets, demo_url):
    page = open_page(demo_url)
    sk = demo_widgets[0]
    w = f"#{sk.id}"
    page.focus(f"{w} .dls-pos")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert step_of(page, sk) == 2
    assert page.get_attribute(f"{w} .dls-pos", "aria-valuetext") == sk.valuetext(0, 2) == "output[0, 2], step 3 of 9"
    assert page.text_content(f"{w} .dls-step") == "3 of 9"
    page.keyboard.press("End")
    assert page.text_content(f"{w} .dls-caption") == sk.caption(0, 8)
    page.keyboard.press("Home")
    assert step_of(page, sk) == 0
    # Tab from the first control reaches every control, and the output grid, in order
    page.focus(f"{w} select.dls-kernel")
    seen = []
    for _ in range(8):
        seen.append(page.evaluate("""() => { const e = document.activeElement;
            return e.tagName == 'TD' ? 'output cell' : (e.className || e.tagName); }"""))
        page.keyboard.press("Tab")
    assert seen == ["dls-kernel", "dls-pad", "dls-stride", "output cell", "dls-prev", "dls-play", "dls-next",
                    "dls-pos"], seen
    # the buttons answer Enter and Space
    page.focus(f"{w} .dls-next")
    page.keyboard.press("Enter")
    page.keyboard.press(" ")
    assert step_of(page, sk) == 2
    # choosing another stride by keyboard redraws (and keeps a step that exists)
    page.focus(f"{w} select.dls-stride")
    page.keyboard.press("ArrowDown")
    combo = sk.combo_index(0, 0, 1)
    assert page.inner_html(f"{w} .dls-view") == sk.render(combo, 2)
    assert page.get_attribute(f"{w} .dls-pos", "aria-valuetext") == sk.valuetext(combo, 2)
    assert page.errors == []


def test_the_live_region_is_one_persistent_element_whose_text_changes(open_page, demo_widgets, demo_url):
    page = open_page(demo_url)
    for sk in demo_widgets:
        w = f"#{sk.id}"
        assert page.eval_on_selector(w, "R => R.querySelectorAll('[aria-live], [role=status]').length") == 1
        page.eval_on_selector(f"{w} .dls-caption", "e => { e.dataset.mark = 'same element'; }")
        for k in (1, 2):
            page.click(f"{w} .dls-next")
            assert page.text_content(f"{w} .dls-caption") == sk.caption(0, k)
        assert page.get_attribute(f"{w} [aria-live]", "data-mark") == "same element"
        assert page.get_attribute(f"{w} .dls-caption", "aria-live") == "polite"


HIGHLIGHTED = """(root) => [...document.querySelectorAll(`#${root} table.src td.h`)]
  .map(td => [td.parentNode.rowIndex, td.cellIndex])"""


def cells(rows, cols):
    return sorted([r, q] for r in rows for q in cols)


def test_pointing_at_or_focusing_an_output_cell_lights_up_what_it_depends_on(open_page, demo_widgets, demo_url):
    page = open_page(demo_url)
    fwd, back = demo_widgets
    out = f"#{fwd.id} table.out"
    page.hover(f"{out} tr:nth-child(2) td:nth-child(3)")  # output[1, 2] uses x[1:4, 2:5]
    assert sorted(page.evaluate(HIGHLIGHTED, fwd.id)) == cells(range(1, 4), range(2, 5))
    assert page.eval_on_selector(f"{out} tr:nth-child(2) td:nth-child(3)", "e => e.classList.contains('h')")
    page.mouse.move(0, 0)
    assert page.evaluate(HIGHLIGHTED, fwd.id) == []
    # with stride 2 the window of output[1, 1] starts at x[2, 2]
    page.select_option(f"#{fwd.id} select.dls-stride", index=1)
    page.hover(f"{out} tr:nth-child(2) td:nth-child(2)")
    assert sorted(page.evaluate(HIGHLIGHTED, fwd.id)) == cells(range(2, 5), range(2, 5))
    page.mouse.move(0, 0)
    # keyboard: Tab into the grid lands on the current cell, the arrow keys move, the highlight follows
    page.select_option(f"#{fwd.id} select.dls-stride", index=0)
    page.focus(f"#{fwd.id} select.dls-stride")
    page.keyboard.press("Tab")
    assert sorted(page.evaluate(HIGHLIGHTED, fwd.id)) == cells(range(0, 3), range(0, 3))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert sorted(page.evaluate(HIGHLIGHTED, fwd.id)) == cells(range(1, 4), range(1, 4))
    page.keyboard.press("Tab")  # leaving the grid clears it
    assert page.evaluate(HIGHLIGHTED, fwd.id) == []
    # backward: dx[2, 2] receives from every δ whose window covers it (all nine with stride 1, no padding)
    page.hover(f"#{back.id} table.out tr:nth-child(3) td:nth-child(3)")
    assert sorted(page.evaluate(HIGHLIGHTED, back.id)) == cells(range(3), range(3))
    page.hover(f"#{back.id} table.out tr:nth-child(1) td:nth-child(2)")  # dx[0, 1]: δ[0, 0] and δ[0, 1]
    assert sorted(page.evaluate(HIGHLIGHTED, back.id)) == [[0, 0], [0, 1]]
    assert page.errors == []


# The contrast of every piece of text in a widget in every state (every kernel, padding, stride and step, walked
# through the widget's own controls), from the rendered colours: the text colour over the effective background
# (the backgrounds of the element and its ancestors composited, over white). Returns the texts below 4.5:1, the
# classes of the cells that held text, and how many texts were measured.
CONTRAST = """(root) => {
  const R = document.getElementById(root), bad = [], seen = new Set(), done = new Set();
  let measured = 0;
  const rgba = s => {
    const m = s.match(/^rgba?\\(([^)]*)\\)$/);
    if (!m) throw new Error("unexpected colour " + s);
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (a, b) => [0, 1, 2].map(i => a[i] * a[3] + b[i] * (1 - a[3])).concat([1]);
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reduceRight((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const measure = state => {
    const walker = document.createTreeWalker(R, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement, td = el.closest("td");
      if (!n.textContent.trim() || el.closest("script, style, select")) continue;
      // the colours follow from the classes: measure each kind of text once per state of the other classes
      const kind = (td ? td.className + "|" : "") + el.className + "|" + el.tagName;
      if (done.has(kind)) continue;
      done.add(kind);
      const bg = background(el), fg = over(rgba(getComputedStyle(el).color), bg);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x), ratio = (a + 0.05) / (b + 0.05);
      if (td) td.classList.forEach(c => seen.add(c));
      measured++;
      if (ratio < 4.5) bad.push([state, n.textContent.trim().slice(0, 20),
                                 td ? "td." + td.className : el.className || el.tagName, +ratio.toFixed(2)]);
    }
  };
  const sel = s => R.querySelector(s), P = sel(".dls-pos");
  const set = (el, v) => { if (el) { el.value = String(v); el.dispatchEvent(new Event("change")); } };
  const n = e => e ? e.options.length : 1;
  const [K, A, S] = [sel("select.dls-kernel"), sel("select.dls-pad"), sel("select.dls-stride")];
  for (let ki = 0; ki < n(K); ki++) for (let pi = 0; pi < n(A); pi++) for (let si = 0; si < n(S); si++) {
    set(K, ki); set(A, pi); set(S, si);
    for (let k = 0; k <= Number(P.max); k++) {
      P.value = String(k);
      P.dispatchEvent(new Event("input"));
      measure([ki, pi, si, k]);
    }
  }
  return [bad, [...seen], measured];
}"""

STEP_TO = """([root, ki, pi, si, k]) => {
  const R = document.getElementById(root);
  const set = (el, v) => { if (el) { el.value = String(v); el.dispatchEvent(new Event("change")); } };
  set(R.querySelector("select.dls-kernel"), ki); set(R.querySelector("select.dls-pad"), pi);
  set(R.querySelector("select.dls-stride"), si);
  const P = R.querySelector(".dls-pos"); P.value = String(k); P.dispatchEvent(new Event("input"));
}"""

CELL_CLASSES = {"p", "e", "w", "c", *(f"{s}{n}" for s in ("neg", "pos") for n in range(1, 5))}


def low_contrast(page, widget_ids):
    """Texts below 4.5:1 over every state of each widget, and the cell classes seen."""
    bad, seen, measured = [], set(), 0
    for root in widget_ids:
        b, s, m = page.evaluate(CONTRAST, root)
        bad += [(root, *x) for x in b]
        seen.update(s)
        measured += m
    print(f"{measured} texts measured")
    return bad, seen


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_number_has_contrast_on_the_standalone_page(open_page, demo_widgets, demo_url, theme):
    page = open_page(demo_url, theme=theme)
    bad, seen = low_contrast(page, [sk.id for sk in demo_widgets])
    assert not bad, f"{len(bad)} texts below 4.5:1, e.g. {bad[:5]}"
    assert CELL_CLASSES <= seen, f"cell classes never drawn: {CELL_CLASSES - seen}"


# the cell classes that hold numbers on each page (the forward view's cells that are not yet computed are empty)
BOOK_CLASSES = {CHAPTER_PAGES[0]: {"w", "c", "p", "neg4", "pos4"}, CHAPTER_PAGES[1]: {"w", "c", "p", "e", "pos4"}}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", CHAPTER_PAGES)
def test_every_number_has_contrast_in_the_book(open_page, site_url, path, theme):
    import sitecheck
    page = open_page(site_url + path, theme=theme)
    ids = page.eval_on_selector_all(".dls-widget", "ws => ws.map(w => w.id)")
    assert ids, f"{path} has no widget"
    bad, seen = low_contrast(page, ids)
    save_widget_shots(page, path, theme)
    if bad:
        shot = sitecheck.screenshot(page, f"contrast-{theme}-{path}")
        pytest.fail(f"{path} ({theme}): {len(bad)} texts below 4.5:1, e.g. {bad[:5]} (screenshot {shot})")
    assert BOOK_CLASSES[path] <= seen, f"cell classes never drawn: {BOOK_CLASSES[path] - seen}"


def save_widget_shots(page, path, label, phone=False):
    """Screenshots of each widget half-way through its steps, for a person to look at (tests/artifacts/)."""
    import sitecheck
    sitecheck.ARTIFACTS.mkdir(exist_ok=True)
    widgets = page.locator(".dls-widget")
    for n in range(widgets.count()):
        widget = widgets.nth(n)
        widget.evaluate("""R => { R.querySelectorAll("select").forEach(e => { e.value = "0"; e.dispatchEvent(new Event("change")); });
            const P = R.querySelector(".dls-pos"); P.value = String(Math.ceil(P.max / 2)); P.dispatchEvent(new Event("input"));
            if (P.max > 0) R.querySelector("table.out td").dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); }""")
        shot = sitecheck.ARTIFACTS / f"widget-{Path(path).stem}-{n}-{label}.png"
        if phone:
            widget.evaluate("R => R.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(shot))
        else:
            widget.screenshot(path=str(shot))


FIT = """(root) => {
  const R = document.getElementById(root);
  const a = R.querySelector(".dls-pos").getBoundingClientRect(), b = R.querySelector("table.out").getBoundingClientRect();
  return {span: Math.max(a.bottom, b.bottom) - Math.min(a.top, b.top), height: R.getBoundingClientRect().height,
          overflow: R.scrollWidth - R.clientWidth};
}"""


def phone_fit(page, root):
    """The slider-to-output-grid span, the widget's height and sideways overflow (px) for every padding and
    stride (the first kernel: kernels do not change the size), at the last step."""
    sizes = page.evaluate("""(root) => { const R = document.getElementById(root);
        const n = s => { const e = R.querySelector(s); return e ? e.options.length : 1; };
        return [n("select.dls-kernel"), n("select.dls-pad"), n("select.dls-stride")]; }""", root)
    fits = []
    for pi in range(sizes[1]):
        for si in range(sizes[2]):
            page.evaluate(STEP_TO, [root, 0, pi, si, 10_000])
            fits.append(((pi, si), page.evaluate(FIT, root)))
    return fits


def test_slider_and_output_fit_one_phone_screen_on_the_standalone_page(open_page, demo_widgets, demo_url):
    page = open_page(demo_url, viewport=PHONE)
    for sk in demo_widgets:
        for combo, fit in phone_fit(page, sk.id):
            assert fit["span"] <= PHONE["height"], (sk.mode, combo, fit)
            assert fit["overflow"] <= 0, f"{sk.mode} {combo}: the widget scrolls sideways on a phone ({fit})"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", CHAPTER_PAGES)
def test_slider_and_output_fit_one_phone_screen_in_the_book(open_page, site_url, path, theme):
    page = open_page(site_url + path, viewport=PHONE, theme=theme)
    ids = page.eval_on_selector_all(".dls-widget", "ws => ws.map(w => w.id)")
    assert ids
    report = []
    for root in ids:
        for combo, fit in phone_fit(page, root):
            report.append((root, combo, round(fit["span"]), round(fit["height"])))
            assert fit["span"] <= PHONE["height"], (root, combo, fit)
            assert fit["height"] <= PHONE["height"], f"{root} {combo}: the whole widget is taller than a phone ({fit})"
            assert fit["overflow"] <= 0, f"{root} {combo}: the widget scrolls sideways on a phone ({fit})"
    print("slider-to-output span and widget height (px) at 390x844:", report)
    save_widget_shots(page, path, f"{theme}-phone", phone=True)


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


# =========================================================================================================
# The gradient-decay widget (chapter 4): ||dL/dh_t|| against t, from lib's BPTT, static and live
# =========================================================================================================
import importlib  # noqa: E402
import json  # noqa: E402

from lib.gradient_flow import gated_gradient_norms, gradient_norms  # noqa: E402
gd_module = importlib.import_module("lib.widgets.gradient_decay")  # the module (lib.widgets.gradient_decay is the function)
from lib.widgets.gradient_decay import (ACTIVATIONS, FORGET_BIASES, RHOS, T_VALUES, TRUNCATIONS,  # noqa: E402
                                        first_step, log_norms, sci, state_curve, variant_index)

GD_PAGE = "chapters/04b_through_time.html"


@pytest.fixture(scope="module")
def gd():
    return gd_module.gradient_decay()


def gd_states(every=True):
    """Every state of the widget (cell, activation or forget bias, T, rho, truncation), as dicts of indices."""
    out = []
    for cell in range(3):
        for sub in range(len(ACTIVATIONS) if cell == 0 else len(FORGET_BIASES) if cell == 1 else 1):
            for Ti in range(len(T_VALUES)):
                for ri in range(len(RHOS)) if every else (0, 5, 10):
                    for tr in range(len(TRUNCATIONS)):
                        out.append({"cell": cell, "act": sub if cell == 0 else 0, "fb": sub if cell == 1 else 1,
                                    "T": Ti, "rho": ri, "tr": tr})
    return out


def lib_norms(s):
    """The state's curve straight from lib.gradient_flow (not through the widget): seed 0, H = 16, N = 8."""
    T, rho, k = T_VALUES[s["T"]], RHOS[s["rho"]], TRUNCATIONS[s["tr"]]
    rng = np.random.default_rng(0)
    if s["cell"] == 0:
        return gradient_norms(T, rho, rng=rng, activation=ACTIVATIONS[s["act"]], truncation=k)[0]
    return gated_gradient_norms(T, rho, rng=rng, cell=("lstm", "gru")[s["cell"] - 1], truncation=k,
                                forget_bias=FORGET_BIASES[s["fb"]])[0]


def test_gd_stored_numbers_are_lib_bptt_for_every_cell(gd):
    """For every cell type (each activation, each forget-gate bias), several T, rho and truncations: the curve
    the page stores and draws is log10 of lib's gradient_norms / gated_gradient_norms, to its 3 decimals, and
    the steps truncated BPTT does not reach are the ones left out."""
    checked = 0
    for s in gd_states(every=False):
        T, k = T_VALUES[s["T"]], TRUNCATIONS[s["tr"]] or 0
        t0 = first_step(T, k)
        norms = lib_norms(s)
        stored = state_curve(gd.data, s)
        assert len(stored) == T
        assert np.all(norms[:t0] == 0) and np.all(norms[t0:] > 0)
        with np.errstate(divide="ignore"):
            np.testing.assert_allclose(stored[t0:], np.log10(norms[t0:]), rtol=0, atol=0.0005 + 1e-12)
        assert stored[t0:] == log_norms(norms[t0:])  # exactly what rounding lib's numbers gives
        assert stored[-1] == 0.0  # ||dL/dh_{T-1}|| = 1: the loss gradient is a unit vector per sequence
        checked += 1
    print(f"{checked} states of every cell type equal lib's BPTT")


def test_gd_html_carries_exactly_the_data_it_was_built_from(gd):
    script = "".join(parse(gd.html()).raw["script"])
    literal = re.search(r"var D = (\{.*?\});\n", script).group(1)
    assert json.loads(literal) == gd.data
    assert 60_000 < len(gd.html().encode()) < 250_000, len(gd.html().encode())
    print(f"gradient-decay static HTML: {len(gd.html().encode()) / 1024:.1f} KB, "
          f"{sum(len(v) for v in gd.data['v'])} stored norms")


def test_gd_linear_rnn_follows_the_reference_line_exactly(gd):
    """An orthogonal W_h with a linear activation multiplies the gradient's norm by rho per step: the stored
    curve is (T-1-t) log10(rho) to its 3 decimals, and the drawn curve lies on the dashed line rho^(T-1-t)
    (within the rounding: 0.0005 decade; at most the 0.1 SVG unit the coordinates are drawn to)."""
    for Ti, T in enumerate(T_VALUES):
        for ri, rho in enumerate(RHOS):
            s = {"cell": 0, "act": 2, "fb": 1, "T": Ti, "rho": ri, "tr": 0}
            exact = (T - 1 - np.arange(T)) * np.log10(rho)
            np.testing.assert_allclose(state_curve(gd.data, s), exact, rtol=0, atol=0.00051)
            svg = gd.render(s)
            paths = [re.search(rf'class="{c}" d="([^"]*)"', svg).group(1) for c in ("gd-curve", "gd-ref")]
            pts = [np.array([[float(v) for v in p[1:].split()] for p in d.replace(" L", "|L").split("|")])
                   for d in paths]
            assert np.abs(pts[0] - pts[1]).max() <= 0.1 + 1e-9, (T, rho)  # one step of the drawn 0.1


def test_gd_curve_rises_with_rho_and_the_cells_differ(gd):
    base = dict(gd.start)
    firsts = [state_curve(gd.data, {**base, "rho": r})[0] for r in range(len(RHOS))]
    assert firsts == sorted(firsts) and firsts[-1] - firsts[0] > 5  # tanh, T = 50: rho up, the curve up
    for s in ({**base, "cell": 1}, {**base, "cell": 2}):
        assert state_curve(gd.data, s) != state_curve(gd.data, base)
    assert variant_index({**base, "cell": 2}) == len(gd.data["v"]) // (len(T_VALUES) * len(RHOS)) - 1


def test_gd_caption_states_the_key_numbers(gd):
    s = dict(gd.start)  # tanh RNN, T = 50, rho = 1
    v0 = state_curve(gd.data, s)[0]
    cap = gd.caption(s)
    assert cap.startswith("tanh RNN, T = 50, ρ = 1.00: ‖∂L/∂h₀‖ / ‖∂L/∂h₄₉‖ = ") and sci(v0) in cap
    assert "ρ⁴⁹ = 1.0, the rate the spectral radius predicts." in cap
    cut = gd.caption({**s, "tr": 2})  # truncation 10
    assert "‖∂L/∂h₄₀‖ / ‖∂L/∂h₄₉‖" in cut and "(truncation 10: h₀ … h₃₉ get no gradient)" in cut
    assert "ρ⁹ = " in cut
    lstm = gd.caption({**s, "cell": 1})
    assert lstm.startswith("LSTM, forget bias 1,") and "linear RNN with one gate block as W_h" in lstm
    assert all(sci(state_curve(gd.data, {**s, "act": 2, "T": Ti, "rho": r})[0])
               == sci(round((T_VALUES[Ti] - 1) * gd.data["lr"][r], 3)) for Ti in range(4) for r in range(len(RHOS)))
    assert sci(-9.53) == "3.0×10⁻¹⁰" and sci(0.0) == "1.0" and sci(2.999) == "1.0×10³" and sci(None) == "0"


def test_gd_static_html_is_byte_identical_across_runs():
    code = ("import sys; from lib.widgets.gradient_decay import gradient_decay; "
            "sys.stdout.write(gradient_decay().html())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, cwd=REPO).stdout
            for _ in range(2)]
    assert runs[0] and runs[0] == runs[1], "two runs gave different HTML"
    print(f"gradient-decay static HTML: {len(runs[0])} bytes, sha1 {hashlib.sha1(runs[0]).hexdigest()[:12]} in both")


def test_gd_html_contract(gd):
    text = gd.html()
    p = parse(text)
    assert p.tags[0] == ("div", {"class": "dls-widget", "id": gd.id}) and gd.id == widget_id("gradient-decay")
    controls = [(t, a) for t, a in p.tags if t in ("input", "select", "button")]
    assert [a.get("class") for _, a in controls] == ["dls-cell", "dls-act", "dls-fb", "dls-len", "dls-tr", "dls-prev",
                                                     "dls-play", "dls-next", "dls-pos"]
    labels = {a["for"] for t, a in p.tags if t == "label"}
    assert {a["id"] for t, a in controls if t != "button"} == labels, "every control has a label"
    ids = [a["id"] for _, a in p.tags if "id" in a]
    assert all(i.startswith(gd.id) for i in ids) and len(set(ids)) == len(ids)
    pos = controls[-1][1]
    assert (pos["min"], pos["max"], pos["value"]) == ("0", str(len(RHOS) - 1), str(gd.start["rho"]))
    assert pos["aria-valuetext"] == "ρ = 1.00, step 6 of 11"
    for t, a in p.tags:
        assert "src" not in a and "href" not in a, f"<{t}> loads something: {a}"
    lower = text.lower()
    for bad in ("http:", "https:", "//cdn", "url(", "@import", "@font-face"):
        assert bad not in lower.replace('xmlns="http://www.w3.org/2000/svg"', ""), bad
    selectors = css_selectors("".join(p.raw["style"]))
    assert all(f"#{gd.id}" in sel for sel in selectors) and f'html[data-theme="dark"] #{gd.id}' in selectors
    # the first state is drawn in Python, before the script: visible without JavaScript
    before_script = text.split("<script>")[0]
    assert f'<div class="dls-view">{gd.render(gd.start)}</div>' in before_script
    assert caption_html(gd.caption(gd.start)) in before_script and 'class="dls-legend"' in before_script
    assert "<svg" in before_script and 'class="gd-curve"' in before_script
    assert repr(gd).startswith("GradientDecay('gradient-decay', cells [vanilla RNN, LSTM, GRU], T [10, 25, 50, 100]")


def test_gd_live_view_recomputes_with_lib_and_draws_what_the_page_draws(gd):
    live = gd_module.gradient_decay(name="gd-live").live()
    g2 = live.gd
    assert g2.render(g2.start) in live.display.value
    calls = []
    real = gd_module.gradient_norms

    def spy(*a, **kw):
        calls.append((a, kw))
        return real(*a, **kw)

    gd_module.gradient_norms = spy
    try:
        live.slider.value = 9  # rho = 1.5: recomputed with lib, not read from the stored grid
    finally:
        gd_module.gradient_norms = real
    assert len(calls) == 1 and calls[0][0][:2] == (50, 1.5)
    for s in ({"cell": 0, "act": 1, "fb": 1, "T": 3, "rho": 10, "tr": 0}, {"cell": 0, "act": 2, "fb": 1, "T": 0, "rho": 2, "tr": 3},
              {"cell": 1, "act": 2, "fb": 3, "T": 1, "rho": 4, "tr": 1}, {"cell": 2, "act": 2, "fb": 3, "T": 2, "rho": 7, "tr": 2}):
        live.cell.value, live.act.value, live.fb.value = s["cell"], s["act"], s["fb"]
        live.T.value, live.tr.value, live.slider.value = s["T"], s["tr"], s["rho"]
        assert live.state() == s
        view = live.display.value
        assert g2.render(s) in view and caption_html(g2.caption(s)) in view, s  # == the static view's state
        assert f'id="{g2.id}-live"' in view
    live.cell.value = 2
    live.fb.value = 0  # choosing a forget-gate bias means the LSTM
    assert live.cell.value == 1 and g2.render(live.state()) in live.display.value
    live.act.value = 1  # choosing an activation means the vanilla RNN
    assert live.cell.value == 0 and "ReLU RNN" in live.display.value
    bundle = g2._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}


# ---- the gradient-decay widget in a browser ----------------------------------------------------------------

GD_WALK = """([root, states]) => {
  const R = document.getElementById(root), out = [];
  const set = (sel, v) => { const e = R.querySelector(sel); e.value = String(v); e.dispatchEvent(new Event("change")); };
  for (const s of states) {
    set("select.dls-cell", s.cell);
    if (s.cell == 0) set("select.dls-act", s.act);
    if (s.cell == 1) set("select.dls-fb", s.fb);
    set("select.dls-len", s.T); set("select.dls-tr", s.tr);
    const P = R.querySelector(".dls-pos"); P.value = String(s.rho); P.dispatchEvent(new Event("input"));
    out.push([R.querySelector(".dls-view").innerHTML, R.querySelector(".dls-caption").textContent,
              P.getAttribute("aria-valuetext"), R.querySelector("select.dls-cell").value]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def gd_url(gd, tmp_path_factory):
    path = tmp_path_factory.mktemp("gd") / "page.html"
    path.write_text(page_of(gd), encoding="utf-8")
    return path.as_uri()


def test_gd_javascript_draws_what_python_draws_for_every_state(open_page, gd, gd_url):
    page = open_page(gd_url)
    states = gd_states()
    drawn = page.evaluate(GD_WALK, [gd.id, states])
    for s, (view, cap, valuetext, cell) in zip(states, drawn):
        assert view == gd.render(s), s
        assert cap == gd.caption(s) and valuetext == gd.valuetext(s) and cell == str(s["cell"]), s
    assert page.errors == []
    print(f"{len(states)} states drawn identically by JavaScript and Python")


def gd_read(page, root):
    return page.evaluate("""(root) => { const R = document.getElementById(root), svg = R.querySelector("svg.gd-plot");
        return {first: svg.getAttribute("data-first"), t0: svg.getAttribute("data-t0"),
                d: R.querySelector("path.gd-curve").getAttribute("d"), caption: R.querySelector(".dls-caption").textContent,
                rho: R.querySelector(".dls-pos").value, cell: R.querySelector("select.dls-cell").value}; }""", root)


def num(v):
    return float(v.replace("\u2212", "-"))


def test_gd_in_the_book_offline_rho_cell_type_and_keyboard(open_page, site_url):
    """On the built 04b page with every non-local request blocked: the widget is there, drawn; raising rho by
    keyboard raises the curve (tanh, then a ReLU RNN that blows up), lowering it lowers it; the cell-type control
    switches to the LSTM and the GRU and the curve changes; Tab reaches every control; no console errors."""
    page = open_page(site_url + GD_PAGE)
    root = widget_id("gradient-decay")
    assert page.locator(f"#{root} svg.gd-plot path.gd-curve").count() == 1, "no gradient-decay widget on 04b"
    w = f"#{root}"
    start = gd_read(page, root)
    assert start["rho"] == "5" and start["cell"] == "0" and start["caption"].startswith("tanh RNN, T = 50, ρ = 1.00")
    # rho up by keyboard: the curve rises at every step; down: it falls
    page.focus(f"{w} .dls-pos")
    seen = [num(start["first"])]
    for _ in range(5):
        page.keyboard.press("ArrowRight")
        seen.append(num(gd_read(page, root)["first"]))
    assert gd_read(page, root)["rho"] == "10" and all(b > a for a, b in zip(seen, seen[1:])), seen
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    low = gd_read(page, root)
    assert low["rho"] == "0" and num(low["first"]) < seen[0] - 3, (low, seen)
    page.keyboard.press("End")
    assert gd_read(page, root)["rho"] == "10"
    # a ReLU RNN with T = 100 and rho = 2: the gradient blows up (more than 10^20 at t = 0)
    page.select_option(f"{w} select.dls-act", index=1)
    page.select_option(f"{w} select.dls-len", index=3)
    blown = gd_read(page, root)
    assert num(blown["first"]) > 20 and "ReLU RNN, T = 100, ρ = 2.00" in blown["caption"]
    page.keyboard.press("Home")
    assert num(gd_read(page, root)["first"]) < -40
    # the cell-type control: LSTM, then GRU; the curve and the caption change each time
    paths = {gd_read(page, root)["d"]}
    for index, name in ((1, "LSTM, forget bias 1"), (2, "GRU")):
        page.select_option(f"{w} select.dls-cell", index=index)
        now = gd_read(page, root)
        assert now["caption"].startswith(name) and now["d"] not in paths, name
        paths.add(now["d"])
    # the forget-gate bias by keyboard: a larger bias keeps more gradient (and means the LSTM)
    page.focus(f"{w} select.dls-fb")
    before = num(gd_read(page, root)["first"])
    page.keyboard.press("ArrowDown")  # bias 1 -> 2
    after = gd_read(page, root)
    assert after["cell"] == "1" and num(after["first"]) > before
    # Tab reaches every control in order
    page.focus(f"{w} select.dls-cell")
    order = []
    for _ in range(9):
        order.append(page.evaluate("() => document.activeElement.className"))
        page.keyboard.press("Tab")
    assert order == ["dls-cell", "dls-act", "dls-fb", "dls-len", "dls-tr", "dls-prev", "dls-play", "dls-next",
                     "dls-pos"], order
    # the buttons step rho; truncation cuts the curve
    rho = int(gd_read(page, root)["rho"])
    page.focus(f"{w} .dls-next")
    page.keyboard.press("Enter")
    page.keyboard.press(" ")
    assert int(gd_read(page, root)["rho"]) == rho + 2
    page.focus(f"{w} .dls-prev")
    page.keyboard.press("Enter")
    assert int(gd_read(page, root)["rho"]) == rho + 1
    page.select_option(f"{w} select.dls-tr", index=2)
    assert gd_read(page, root)["t0"] == "90" and page.locator(f"{w} rect.gd-cut").count() == 1
    assert page.errors == []


GD_CONTRAST = """(root) => {
  const R = document.getElementById(root), bad = [];
  const rgba = s => { const p = s.match(/[\\d.]+/g).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (a, b) => [0, 1, 2].map(i => a[i] * a[3] + b[i] * (1 - a[3])).concat([1]);
  const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const background = el => {
    if (el.classList.contains("gd-cut-t")) return over(rgba(getComputedStyle(R.querySelector("rect.gd-cut")).fill), background(R));
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reduceRight((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  let measured = 0;
  const walker = document.createTreeWalker(R, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest("script, style")) continue;
    const svg = el instanceof SVGElement, bg = background(svg && !el.classList.contains("gd-cut-t") ? R : el);
    const fg = over(rgba(svg ? getComputedStyle(el).fill : getComputedStyle(el).color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x), ratio = (a + 0.05) / (b + 0.05);
    measured++;
    if (ratio < 4.5) bad.push([n.textContent.trim().slice(0, 20), el.tagName, +ratio.toFixed(2)]);
  }
  return [bad, measured];
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_gd_text_contrast_and_phone_fit_in_the_book(open_page, site_url, theme):
    """Every text of the widget (SVG labels by their fill) has a contrast of at least 4.5:1, in both themes, with
    the truncation shading drawn; at 390 px the widget neither scrolls sideways nor is taller than the screen."""
    import sitecheck
    root = widget_id("gradient-decay")
    for viewport in (None, PHONE):
        page = open_page(site_url + GD_PAGE, viewport=viewport, theme=theme)
        # the longest title (LSTM, T = 100) and truncation 20 at T = 50, where "no gradient" is drawn
        page.select_option(f"#{root} select.dls-fb", index=1)
        page.select_option(f"#{root} select.dls-len", index=3)
        wide = page.evaluate("""(root) => { const R = document.getElementById(root), svg = R.querySelector("svg.gd-plot");
            const b = svg.getBoundingClientRect();
            return [...svg.querySelectorAll("text")].every(t => { const r = t.getBoundingClientRect();
                return r.left >= b.left - 0.5 && r.right <= b.right + 0.5; }); }""", root)
        assert wide, f"an SVG label sticks out of the plot ({theme}, {viewport})"
        page.select_option(f"#{root} select.dls-len", index=2)
        page.select_option(f"#{root} select.dls-tr", index=3)
        bad, measured = page.evaluate(GD_CONTRAST, root)
        assert measured > 20 and not bad, (theme, viewport, bad)
        fit = page.evaluate("""(root) => { const R = document.getElementById(root);
            return {overflow: R.scrollWidth - R.clientWidth, height: R.getBoundingClientRect().height,
                    svg: R.querySelector("svg.gd-plot").getBoundingClientRect().width}; }""", root)
        if viewport:
            assert fit["overflow"] <= 0 and fit["height"] <= PHONE["height"], fit
        sitecheck.ARTIFACTS.mkdir(exist_ok=True)
        page.locator(f"#{root}").scroll_into_view_if_needed()
        page.locator(f"#{root}").screenshot(path=str(sitecheck.ARTIFACTS /
                                                    f"widget-gradient-decay-{theme}{'-phone' if viewport else ''}.png"))
        assert page.errors == []
