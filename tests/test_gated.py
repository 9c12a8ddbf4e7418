"""Gated cells: gradient checks of LSTM and GRU (one step and whole sequences, stateful included), the fused
layers equal the teaching versions and T calls of one step, dhs/dcs = dL/dh_t, dL/dc_t, the language model
with either cell, and clear errors for bad input."""
import numpy as np
import pytest

import lib
from gradcheck_wrappers import TOL, ModelLoss, SecondChunk, check
from lib.gated import (GRU, GRU_GATES, LSTM, LSTM_GATES, TimeGRU, TimeLSTM, fuse_gates, gru_step_reference,
                       lstm_step_reference, sigmoid_inplace, unfuse_gates)
from lib.gradcheck import numerical_gradient, rel_error
from lib.language_model import RNNLM
from lib.text import CharVocab

N, T, D, H, V = 3, 6, 4, 5, 7
CELLS = {"lstm": (TimeLSTM, LSTM, 4), "gru": (TimeGRU, GRU, 3)}


def params(rng, k, d=D, h=H, scale=0.5):
    return scale * rng.standard_normal((d, k * h)), scale * rng.standard_normal((h, k * h)), \
        0.3 * rng.standard_normal(k * h)


def make(cell, rng, **kw):
    cls, _, k = CELLS[cell]
    return cls(*params(rng, k), **kw)


class StepLoss:
    """One LSTM step as a single-output layer for gradcheck: the scalar sum(h * dh) + sum(c * dc)."""

    def __init__(self, layer, rng):
        self.layer = layer
        self.params, self.grads, self.param_names = layer.params, layer.grads, layer.param_names
        self.input_names = layer.input_names
        self.dh, self.dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def forward(self, x, h_prev, c_prev):
        h, c = self.layer.forward(x, h_prev, c_prev)
        return float(np.sum(h * self.dh) + np.sum(c * self.dc))

    def backward(self, dout=1.0):
        return self.layer.backward(self.dh * dout, self.dc * dout)


# ------------------------------------------------------------------------------------------- gradient checks
def test_gradcheck_lstm_step(rng):
    layer = LSTM(*params(rng, 4))
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    report = check(StepLoss(layer, rng), x, h, c, rng=rng)
    assert set(report.errors) == {"x", "h_prev", "c_prev", "Wx", "Wh", "b"}


def test_lstm_step_backward_without_a_cell_gradient_from_above(rng):
    """dc_next=None (nothing reaches c_next from later steps) is the same as passing zeros."""
    layer = LSTM(*params(rng, 4))
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    dh = rng.standard_normal((N, H))
    layer.forward(x, h, c)
    with_zeros = [*layer.backward(dh, np.zeros((N, H))), *(g.copy() for g in layer.grads)]
    without = [*layer.backward(dh), *layer.grads]
    assert all(np.array_equal(a, b) for a, b in zip(with_zeros, without))


def test_gradcheck_gru_step(rng):
    layer = GRU(*params(rng, 3))
    report = check(layer, rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng=rng)
    assert set(report.errors) == {"x", "h_prev", "Wx", "Wh", "b"}


@pytest.mark.parametrize("cell", CELLS)
def test_gradcheck_time_layer_through_several_steps(rng, cell):
    report = check(make(cell, rng), rng.standard_normal((N, T, D)), rng=rng)
    assert {"Wx", "Wh", "b"} <= set(report.errors) and len(report.errors) == 4


def test_gradcheck_time_lstm_with_initial_states(rng):
    xs, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    report = check(make("lstm", rng), xs, h0, c0, rng=rng)
    assert set(report.errors) == {"xs", "h0", "c0", "Wx", "Wh", "b"}


def test_gradcheck_time_gru_with_initial_state(rng):
    report = check(make("gru", rng), rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng=rng)
    assert set(report.errors) == {"xs", "h0", "Wx", "Wh", "b"}


def test_gradcheck_with_large_weights_and_saturated_gates(rng):
    """Weights 3x larger push many gates near 0 or 1: the in-place sigmoid and tanh must stay exact there."""
    for cls, k in [(TimeLSTM, 4), (TimeGRU, 3)]:
        check(cls(*params(rng, k, scale=1.5)), rng.standard_normal((N, T, D)), rng=rng)


@pytest.mark.parametrize("cell", CELLS)
def test_gradcheck_stateful_chunk_stops_at_the_boundary(rng, cell):
    layer = make(cell, rng, stateful=True)
    layer.forward(rng.standard_normal((N, T, D)))  # chunk 1 leaves its last state behind
    carried = layer.state
    assert carried is not None
    check(SecondChunk(layer, carried), rng.standard_normal((N, T, D)), rng=rng)
    assert layer.dh0.shape == (N, H)  # the gradient reached the boundary and stops there
    if cell == "lstm":
        assert isinstance(carried, tuple) and len(carried) == 2 and layer.dc0.shape == (N, H)


# ------------------------------------------------------------------------------ fused = teaching version
def test_lstm_step_equals_the_reference_written_like_the_equations(rng):
    Wx, Wh, b = params(rng, 4)
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    W, bias = unfuse_gates(Wx, Wh, b, LSTM_GATES)
    assert set(W) == set("figo") and all(W[g].shape == (H + D, H) for g in W)
    h_ref, c_ref = lstm_step_reference(x, h, c, W, bias)
    h_fast, c_fast = LSTM(Wx, Wh, b).forward(x, h, c)
    assert np.allclose(h_fast, h_ref, rtol=0, atol=1e-14) and np.allclose(c_fast, c_ref, rtol=0, atol=1e-14)


def test_the_gate_blocks_are_in_the_order_f_i_g_o(rng):
    """Only the forget gate's block (columns 0:H) decides how much of c_prev survives."""
    Wx, Wh, b = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    b[:H] = -50.0  # f = 0: forget everything
    b[H:2 * H] = 50.0  # i = 1
    b[2 * H:3 * H] = 50.0  # g = tanh(50) = 1
    b[3 * H:] = 50.0  # o = 1
    h, c = LSTM(Wx, Wh, b).forward(np.ones((1, D)), np.ones((1, H)), np.full((1, H), 7.0))
    assert np.allclose(c, 1.0) and np.allclose(h, np.tanh(1.0))


def test_gru_step_equals_the_reference_written_like_the_equations(rng):
    Wx, Wh, b = params(rng, 3)
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    W, bias = unfuse_gates(Wx, Wh, b, GRU_GATES)
    assert np.allclose(GRU(Wx, Wh, b).forward(x, h), gru_step_reference(x, h, W, bias), rtol=0, atol=1e-14)


def test_gru_resets_before_the_matrix_product(rng):
    """With r = 0 the candidate sees no h_prev at all (Cho et al.), whatever Wh holds."""
    Wx, Wh, b = np.zeros((D, 3 * H)), rng.standard_normal((H, 3 * H)), np.zeros(3 * H)
    Wh[:, :2 * H] = 0.0
    b[:H] = -50.0  # r = 0
    b[H:2 * H] = -50.0  # z = 0: h = g
    b[2 * H:] = 0.3
    h = GRU(Wx, Wh, b).forward(np.zeros((2, D)), rng.standard_normal((2, H)))
    assert np.allclose(h, np.tanh(0.3))


@pytest.mark.parametrize("gates", [LSTM_GATES, GRU_GATES])
def test_fuse_and_unfuse_are_inverses(rng, gates):
    Wx, Wh, b = params(rng, len(gates))
    for a, b_ in zip(fuse_gates(*unfuse_gates(Wx, Wh, b, gates), gates), (Wx, Wh, b)):
        assert np.array_equal(a, b_)


@pytest.mark.parametrize("cell", CELLS)
def test_time_layer_equals_t_calls_of_the_step(rng, cell):
    cls, step_cls, _ = CELLS[cell]
    layer = make(cell, rng)
    xs, h0, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    c0 = rng.standard_normal((N, H))
    lstm = cell == "lstm"
    hs = layer.forward(xs, h0, c0) if lstm else layer.forward(xs, h0)
    back = layer.backward(dhs)

    h, c, steps = h0, c0, []
    for t in range(T):
        s = step_cls(*layer.params)
        if lstm:
            h, c = s.forward(xs[:, t], h, c)
        else:
            h = s.forward(xs[:, t], h)
        assert np.allclose(hs[:, t], h, rtol=0, atol=1e-14)
        steps.append(s)
    dh, dc, grads, dx = np.zeros((N, H)), np.zeros((N, H)), [np.zeros_like(p) for p in layer.params], \
        np.zeros_like(xs)
    for t in reversed(range(T)):
        if lstm:
            dx[:, t], dh, dc = steps[t].backward(dhs[:, t] + dh, dc)
        else:
            dx[:, t], dh = steps[t].backward(dhs[:, t] + dh)
        for g, gs in zip(grads, steps[t].grads):
            g += gs
    assert np.allclose(back[0], dx, atol=1e-13) and np.allclose(back[1], dh, atol=1e-13)
    if lstm:
        assert np.allclose(back[2], dc, atol=1e-13)
    for g, g_ref in zip(layer.grads, grads):
        assert np.allclose(g, g_ref, atol=1e-12)


def test_time_lstm_equals_the_reference_with_large_weights(rng):
    """The fast path's tanh(a) = 2 sigmoid(2a) - 1 is exact to rounding even where the gates saturate."""
    Wx, Wh, b = params(rng, 4, scale=4.0)
    xs = 3 * rng.standard_normal((N, T, D))
    hs = TimeLSTM(Wx, Wh, b).forward(xs)
    W, bias = unfuse_gates(Wx, Wh, b, LSTM_GATES)
    h, c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T):
        h, c = lstm_step_reference(xs[:, t], h, c, W, bias)
        assert np.abs(hs[:, t] - h).max() < 1e-14


# ------------------------------------------------------------------------------- dhs and dcs, step by step
def test_lstm_dhs_and_dcs_are_the_gradients_that_reached_each_state(rng):
    """dhs[:, t] = dL/dh_t and dcs[:, t] = dL/dc_t, each state nudged right after it is computed."""
    layer = make("lstm", rng)
    xs, dout = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer.forward(xs)
    layer.backward(dout)
    W, bias = unfuse_gates(*layer.params, LSTM_GATES)
    nudge_h, nudge_c = np.zeros((N, T, H)), np.zeros((N, T, H))

    def loss():
        h, c, total = np.zeros((N, H)), np.zeros((N, H)), 0.0
        for t in range(T):
            hx = np.concatenate([h, xs[:, t]], axis=1)
            f, i, o = (lib.sigmoid(hx @ W[k] + bias[k]) for k in "fio")
            g = np.tanh(hx @ W["g"] + bias["g"])
            c = f * c + i * g + nudge_c[:, t]  # c_t, nudged: h_t and c_{t+1} both see the nudge
            h = o * np.tanh(c) + nudge_h[:, t]  # h_t, nudged: the output and h_{t+1} see it
            total += np.sum(h * dout[:, t])
        return total

    err_h = rel_error(layer.dhs, numerical_gradient(loss, nudge_h))
    err_c = rel_error(layer.dcs, numerical_gradient(loss, nudge_c))
    print(f"dhs vs finite differences: {err_h:.1e}; dcs: {err_c:.1e}")
    assert err_h < TOL and err_c < TOL
    assert layer.dhs.shape == layer.dcs.shape == (N, T, H)


def test_gru_dhs_is_the_gradient_that_reached_each_hidden_state(rng):
    layer = make("gru", rng)
    xs, dout = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer.forward(xs)
    layer.backward(dout)
    W, bias = unfuse_gates(*layer.params, GRU_GATES)
    nudges = np.zeros((N, T, H))

    def loss():
        h, total = np.zeros((N, H)), 0.0
        for t in range(T):
            h = gru_step_reference(xs[:, t], h, W, bias) + nudges[:, t]
            total += np.sum(h * dout[:, t])
        return total

    err = rel_error(layer.dhs, numerical_gradient(loss, nudges))
    print(f"dhs vs finite differences: relative error {err:.1e}")
    assert err < TOL


# ---------------------------------------------------------------------------------------------- state
@pytest.mark.parametrize("cell", CELLS)
def test_stateful_chunks_continue_one_long_sequence(rng, cell):
    xs = rng.standard_normal((N, 2 * T, D))
    whole = make(cell, np.random.default_rng(1)).forward(xs)
    layer = make(cell, np.random.default_rng(1), stateful=True)
    first, second = layer.forward(xs[:, :T]), layer.forward(xs[:, T:])
    assert np.allclose(np.concatenate([first, second], axis=1), whole, atol=1e-14)
    layer.reset_state()
    assert layer.state is None
    assert np.allclose(layer.forward(xs[:, T:]), make(cell, np.random.default_rng(1)).forward(xs[:, T:]))


@pytest.mark.parametrize("cell", CELLS)
def test_non_stateful_layer_starts_from_zero_every_call(rng, cell):
    layer = make(cell, rng)
    xs = rng.standard_normal((N, T, D))
    assert np.array_equal(layer.forward(xs), layer.forward(xs)) and layer.state is None


def test_lstm_state_carries_the_cell_state_too(rng):
    layer = make("lstm", rng, stateful=True)
    xs = rng.standard_normal((N, T, D))
    layer.forward(xs)
    h, c = layer.state
    assert h is layer.h and c is layer.c and not np.allclose(h, c)
    out = layer.forward(xs)
    layer.set_state((h, c))
    assert np.array_equal(layer.forward(xs), out)
    layer.set_state((h, np.zeros((N, H))))  # the same h with a forgotten cell state continues differently
    assert not np.allclose(layer.forward(xs), out)


def test_initial_states_given_override_the_carried_ones(rng):
    layer = make("lstm", rng, stateful=True)
    xs, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    layer.forward(xs)  # now a state is carried
    assert np.array_equal(layer.forward(xs, h0, c0), TimeLSTM(*layer.params).forward(xs, h0, c0))


def test_create_sets_the_forget_bias_and_nothing_else(rng):
    layer = TimeLSTM.create(D, H, rng=rng)
    b = layer.params[2]
    assert np.all(b[:H] == 1.0) and np.all(b[H:] == 0.0)
    assert np.all(TimeLSTM.create(D, H, rng=rng, forget_bias=0).params[2] == 0.0)
    assert np.all(TimeLSTM.create(D, H, rng=rng, forget_bias=-2.5).params[2][:H] == -2.5)
    gru = TimeGRU.create(D, H, rng=rng, stateful=True)
    assert gru.stateful and np.all(gru.params[2] == 0.0) and gru.params[0].shape == (D, 3 * H)
    assert repr(layer) == f"TimeLSTM(D={D}, H={H}, stateful=False)"


def test_forget_bias_one_keeps_the_cell_state_longer(rng):
    """At initialisation bias 1 opens the forget gate (about sigmoid(1) = 0.73 instead of 0.5), and the
    gradient of the last step reaches c_0 far less diminished."""
    xs = rng.standard_normal((64, 20, 16))
    dout = np.zeros((64, 20, 32))
    dout[:, -1] = rng.standard_normal((64, 32))  # only the last step's output matters
    means, kept = [], []
    for fb in (0.0, 1.0):
        layer = TimeLSTM.create(16, 32, rng=np.random.default_rng(5), forget_bias=fb)
        layer.forward(xs)
        layer.backward(dout)
        means.append(float(layer.cache[1][..., :32].mean()))  # the forget gate of every step
        norms = np.linalg.norm(layer.dcs, axis=(0, 2))  # (T,)
        kept.append(norms[0] / norms[-1])
    assert abs(means[0] - 0.5) < 0.02 and 0.65 < means[1] < 0.75
    assert kept[1] > 50 * kept[0]  # about 90 times, over 19 steps


def test_float32_and_integer_input_compute_in_float64(rng):
    for cell in CELLS:
        layer = make(cell, rng)
        assert layer.forward(rng.standard_normal((N, T, D)).astype(np.float32)).dtype == np.float64
        assert layer.forward(np.ones((N, T, D), dtype=np.int32)).dtype == np.float64
        assert layer.backward(np.ones((N, T, H), dtype=np.float32)).dtype == np.float64
        assert all(g.dtype == np.float64 for g in layer.grads)
    h, c = LSTM(*params(rng, 4)).forward(np.ones((N, D), np.float32), np.ones((N, H), np.float32),
                                         np.ones((N, H), np.float32))
    assert h.dtype == c.dtype == np.float64


def test_sigmoid_inplace_matches_lib_sigmoid():
    a = np.concatenate([np.linspace(-900, 900, 20001), np.linspace(-1e-6, 1e-6, 101), [0.0, -0.0]])
    with np.errstate(all="raise"):
        out = sigmoid_inplace(a.copy())
    assert np.abs(out - lib.sigmoid(a)).max() < 2e-16


# ------------------------------------------------------------------------------------- language model
@pytest.mark.parametrize("cell", [TimeLSTM, TimeGRU], ids=["lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_gradcheck_language_model_with_a_gated_cell(rng, cell, num_layers):
    model = RNNLM(V, D, H, rng=rng, num_layers=num_layers, cell=cell)
    report = check(ModelLoss(model), rng.integers(0, V, (2, 4)), rng.integers(0, V, (2, 4)), rng=rng)
    assert len(report.errors) == len(model.params)
    assert model.param_names[1:4] == ["rnn1.Wx", "rnn1.Wh", "rnn1.b"]


@pytest.mark.parametrize("cell", [TimeLSTM, TimeGRU], ids=["lstm", "gru"])
def test_language_model_with_a_gated_cell_learns_hello(cell):
    vocab = CharVocab("helo")
    ids = vocab.encode("hello")
    model = RNNLM(len(vocab), 8, 16, rng=np.random.default_rng(0), stateful=False, cell=cell)
    opt = lib.Adam(lr=0.05)
    for _ in range(100):
        model.forward(ids[None, :-1], ids[None, 1:])
        model.backward()
        opt.update(model.params, model.grads)
    assert model.forward(ids[None, :-1], ids[None, 1:]) < 0.05
    assert vocab.decode(model.generate(vocab.encode("hell"), 1, temperature=0)) == "o"


def test_generate_leaves_the_lstm_training_state_alone(rng):
    """generate() runs from a fresh state and puts back both h and c of the training run afterwards."""
    model = RNNLM(V, D, H, rng=rng, cell=TimeLSTM)
    ids, ts = rng.integers(0, V, (2, 4)), rng.integers(0, V, (2, 4))
    model.forward(ids, ts)
    h, c = (s.copy() for s in model.rnns[0].state)
    a = model.generate([1, 2], 10, temperature=1.0, rng=np.random.default_rng(3))
    b = model.generate([1, 2], 10, temperature=1.0, rng=np.random.default_rng(3))
    assert np.array_equal(a, b)
    assert np.array_equal(model.rnns[0].h, h) and np.array_equal(model.rnns[0].c, c)
    next_chunk = model.forward(ids, ts)  # continues from the training state
    model.rnns[0].set_state((h, c))
    assert model.forward(ids, ts) == next_chunk


def test_evaluate_perplexity_and_training_with_a_gated_cell():
    text = lib.load_shakespeare(2000)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    model = RNNLM(len(vocab), 16, 32, rng=np.random.default_rng(0), cell=TimeLSTM)
    before = lib.evaluate_perplexity(model, ids, batch_size=4, T=16)
    hist = lib.train_lm(model, lib.Adam(lr=0.01), ids, epochs=2, batch_size=4, T=16, max_norm=5.0)
    assert hist["train"][-1] < hist["train"][0] and lib.evaluate_perplexity(model, ids, batch_size=4, T=16) < before


# ----------------------------------------------------------------------------------------- bad input
def _after_forward(layer, *args):
    layer.forward(*args)
    return layer


BAD_INPUT = [
    # (description, call, exception, text the message must contain)
    ("LSTM Wx not (D, 4H)", lambda r: TimeLSTM(np.zeros((D, 3 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)),
     ValueError, "Wh must be (5, 4H = 20), Wx (D, 4H = 20) and b (4H = 20,); got Wx (4, 15)"),
    ("LSTM Wh not (H, 4H)", lambda r: TimeLSTM(np.zeros((D, 4 * H)), np.zeros((H, H)), np.zeros(4 * H)),
     ValueError, "Wh must be (5, 4H = 20)"),
    ("LSTM b wrong", lambda r: LSTM(np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(H)), ValueError,
     "b (4H = 20,)"),
    ("GRU Wx not (D, 3H)", lambda r: TimeGRU(np.zeros((D, 4 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H)),
     ValueError, "Wx (D, 3H = 15)"),
    ("GRU b 2-D", lambda r: GRU(np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros((1, 3 * H))),
     ValueError, "b 1-D"),
    ("xs not 3-D", lambda r: make("lstm", r).forward(np.zeros((N, D))), ValueError,
     "must be 3-D (N, T, D), got shape (3, 4)"),
    ("LSTM T = 0", lambda r: make("lstm", r).forward(np.zeros((N, 0, D))), ValueError, "T = 0"),
    ("GRU T = 0", lambda r: make("gru", r).forward(np.zeros((N, 0, D))), ValueError, "T = 0"),
    ("wrong feature count", lambda r: make("gru", r).forward(np.zeros((N, T, D + 1))), ValueError,
     "Wx expects 4"),
    ("h0 of the wrong shape", lambda r: make("lstm", r).forward(np.zeros((N, T, D)), np.zeros((N, H + 1))),
     ValueError, "h0 has shape (3, 6), expected (N, H) = (3, 5)"),
    ("c0 of the wrong shape", lambda r: make("lstm", r).forward(np.zeros((N, T, D)), None, np.zeros((H, N))),
     ValueError, "c0 has shape (5, 3), expected (N, H) = (3, 5)"),
    ("GRU h0 of the wrong shape", lambda r: make("gru", r).forward(np.zeros((N, T, D)), np.zeros((N + 1, H))),
     ValueError, "h0 has shape (4, 5)"),
    ("stateful LSTM batch size changed",
     lambda r: _after_forward(make("lstm", r, stateful=True), np.zeros((N, T, D))).forward(
         np.zeros((N + 1, T, D))), ValueError, "call reset_state() before changing the batch size"),
    ("stateful GRU batch size changed",
     lambda r: _after_forward(make("gru", r, stateful=True), np.zeros((N, T, D))).forward(
         np.zeros((N + 1, T, D))), ValueError, "a batch of 3, this call has a batch of 4"),
    ("NaN in xs", lambda r: make("lstm", r).forward(np.full((N, T, D), np.nan)), ValueError, "nan"),
    ("backward before forward", lambda r: make("lstm", r).backward(np.zeros((N, T, H))), RuntimeError,
     "TimeLSTM.backward: call forward first"),
    ("GRU step backward before forward", lambda r: GRU(*params(r, 3)).backward(np.zeros((N, H))), RuntimeError,
     "GRU.backward: call forward first"),
    ("upstream of the wrong shape", lambda r: _after_forward(make("gru", r), np.zeros((N, T, D))).backward(
        np.zeros((N, T + 1, H))), ValueError, "(3, 7, 5)"),
    ("LSTM step c_prev wrong", lambda r: LSTM(*params(r, 4)).forward(np.zeros((N, D)), np.zeros((N, H)),
                                                                    np.zeros((N, H + 1))),
     ValueError, "c_prev has shape (3, 6), expected (N, H) = (3, 5)"),
    ("LSTM step x wrong", lambda r: LSTM(*params(r, 4)).forward(np.zeros((N, D + 2)), np.zeros((N, H)),
                                                               np.zeros((N, H))),
     ValueError, "x has 6 features, Wx expects 4"),
    ("forget_bias NaN", lambda r: TimeLSTM.create(D, H, rng=r, forget_bias=float("nan")), ValueError,
     "forget_bias must be a finite number"),
    ("forget_bias inf", lambda r: TimeLSTM.create(D, H, rng=r, forget_bias=float("inf")), ValueError,
     "got inf"),
    ("forget_bias a string", lambda r: TimeLSTM.create(D, H, rng=r, forget_bias="1"), ValueError, "got '1'"),
    ("forget_bias a bool", lambda r: TimeLSTM.create(D, H, rng=r, forget_bias=True), ValueError, "got True"),
    ("forget_bias None", lambda r: TimeLSTM.create(D, H, rng=r, forget_bias=None), ValueError, "got None"),
    ("create without a generator", lambda r: TimeGRU.create(D, H, rng=0), TypeError, "rng=np.random.default_rng"),
    ("create with H = 0", lambda r: TimeLSTM.create(D, 0, rng=r), ValueError, "H must be a positive integer"),
    ("set_state with one array", lambda r: make("lstm", r).set_state(np.zeros((2, H))), ValueError,
     "expects a tuple of 2 arrays (h, c), got ndarray"),
    ("fuse_gates missing a gate", lambda r: fuse_gates(*unfuse_gates(*params(r, 3), "rzg"), "figo"), ValueError,
     "gate(s) f, i, o"),
]


@pytest.mark.parametrize("what, call, exc, text", BAD_INPUT, ids=[row[0] for row in BAD_INPUT])
def test_bad_input_gets_a_clear_error(rng, what, call, exc, text):
    with pytest.raises(exc) as info:
        call(rng)
    assert text in str(info.value), f"{what}: message {str(info.value)!r} does not contain {text!r}"


def test_time_rnn_has_the_same_state_interface(rng):
    """RNNLM saves and restores every layer's memory through state / set_state, TimeRNN's included."""
    layer = lib.TimeRNN.create(D, H, rng=rng, stateful=True)
    assert layer.state is None
    xs = rng.standard_normal((N, T, D))
    layer.forward(xs)
    saved = layer.state
    assert saved is layer.h
    out = layer.forward(xs)
    layer.set_state(saved)
    assert np.array_equal(layer.forward(xs), out)
    layer.set_state(None)
    assert layer.state is None
