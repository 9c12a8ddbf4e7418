"""Recurrent layers: gradient checks through several steps, TimeRNN = T calls of RNN, dhs = dL/dh_t,
truncated BPTT, clipping, sampling, the text pipeline, and clear errors for bad input."""
import numpy as np
import pytest

import lib
from gradcheck_wrappers import TOL, ModelLoss, SecondChunk, check
from lib.gradcheck import numerical_gradient, rel_error
from lib.language_model import RNNLM, evaluate_perplexity, sample_next, train_lm
from lib.optim import clip_grads
from lib.recurrent import (RNN, TimeAffine, TimeEmbedding, TimeRNN, TimeSoftmaxWithLoss, check_token_ids,
                           tanh_inplace)
from lib.text import CharVocab, bptt_batches, load_shakespeare

N, T, D, H, V = 3, 6, 4, 5, 7


def make_rnn(rng, **kw):
    return TimeRNN(0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)),
                   0.1 * rng.standard_normal(H), **kw)


# ------------------------------------------------------------------------------------------- gradient checks
def test_gradcheck_rnn_step(rng):
    layer = RNN(rng.standard_normal((D, H)), rng.standard_normal((H, H)) / 2, rng.standard_normal(H))
    report = check(layer, rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng=rng)
    assert set(report.errors) == {"x", "h_prev", "Wx", "Wh", "b"}


def test_gradcheck_time_rnn_through_several_steps(rng):
    report = check(make_rnn(rng), rng.standard_normal((N, T, D)), rng=rng)
    assert {"Wx", "Wh", "b"} <= set(report.errors) and len(report.errors) == 4


def test_gradcheck_time_rnn_with_initial_state(rng):
    report = check(make_rnn(rng), rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng=rng)
    assert set(report.errors) == {"xs", "h0", "Wx", "Wh", "b"}


def test_gradcheck_stateful_chunk_stops_at_the_boundary(rng):
    layer = make_rnn(rng, stateful=True)
    layer.forward(rng.standard_normal((N, T, D)))  # chunk 1 leaves its last state behind
    h_carry = layer.h.copy()
    check(SecondChunk(layer, h_carry), rng.standard_normal((N, T, D)), rng=rng)
    assert layer.dh0.shape == (N, H)  # the gradient reached the boundary and stops there


def test_gradcheck_time_embedding_affine_and_loss(rng):
    check(TimeEmbedding(rng.standard_normal((V, D))), rng.integers(0, V, (N, T)), rng=rng)
    check(TimeAffine(rng.standard_normal((H, V)), rng.standard_normal(V)), rng.standard_normal((N, T, H)), rng=rng)
    check(TimeSoftmaxWithLoss(), rng.standard_normal((N, T, V)), rng.integers(0, V, (N, T)), rng=rng)


def test_gradcheck_loss_with_ignored_padding(rng):
    ts = rng.integers(0, V, (N, T))
    ts[0, -2:] = -1
    ts[2, -1] = -1
    layer = TimeSoftmaxWithLoss(ignore_label=-1)
    check(layer, rng.standard_normal((N, T, V)), ts, rng=rng)
    scores = rng.standard_normal((N, T, V))
    keep = ts != -1
    logp = scores - np.log(np.exp(scores).sum(axis=2, keepdims=True))
    expected = -np.mean([logp[n, t, ts[n, t]] for n in range(N) for t in range(T) if keep[n, t]])
    assert layer.forward(scores, ts) == pytest.approx(expected, rel=1e-12)
    assert np.all(layer.backward()[~keep] == 0.0)  # padding gets no gradient


@pytest.mark.parametrize("num_layers", [1, 2])
def test_gradcheck_whole_language_model(rng, num_layers):
    model = RNNLM(V, D, H, rng=rng, num_layers=num_layers)
    report = check(ModelLoss(model), rng.integers(0, V, (2, 4)), rng.integers(0, V, (2, 4)), rng=rng)
    assert len(report.errors) == len(model.params)


# ------------------------------------------------------------------------------- BPTT, step by step
def test_time_rnn_equals_t_calls_of_rnn(rng):
    layer = make_rnn(rng)
    step = RNN(*[p.copy() for p in layer.params])
    xs, h0, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    hs = layer.forward(xs, h0)
    dxs, dh0 = layer.backward(dhs)

    h, steps = h0, []
    for t in range(T):
        s = RNN(*step.params)
        h = s.forward(xs[:, t], h)
        assert np.allclose(hs[:, t], h, rtol=0, atol=1e-14)
        steps.append(s)
    dh, grads, dx = np.zeros((N, H)), [np.zeros_like(p) for p in step.params], np.zeros_like(xs)
    for t in reversed(range(T)):
        dx[:, t], dh = steps[t].backward(dhs[:, t] + dh)
        for g, gs in zip(grads, steps[t].grads):
            g += gs
    assert np.allclose(dxs, dx, atol=1e-13) and np.allclose(dh0, dh, atol=1e-13)
    for g, g_ref in zip(layer.grads, grads):
        assert np.allclose(g, g_ref, atol=1e-12)


def test_dhs_is_the_gradient_that_reached_each_hidden_state(rng):
    """dhs[:, t] = dL/dh_t, where h_t is nudged after it is computed and the rest of the sequence follows."""
    layer = make_rnn(rng)
    Wx, Wh, b = layer.params
    xs, dout = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer.forward(xs)
    layer.backward(dout)
    nudges = np.zeros((N, T, H))

    def loss():
        h, total = np.zeros((N, H)), 0.0
        for t in range(T):
            h = np.tanh(xs[:, t] @ Wx + h @ Wh + b) + nudges[:, t]
            total += np.sum(h * dout[:, t])
        return total

    numeric = numerical_gradient(loss, nudges)
    err = rel_error(layer.dhs, numeric)
    print(f"dhs vs finite differences: relative error {err:.1e}")
    assert err < TOL
    norms = np.linalg.norm(layer.dhs, axis=2)  # (N, T): what chapter 4 plots
    assert norms.shape == (N, T) and np.all(norms > 0)


def test_stateful_chunks_continue_one_long_sequence(rng):
    xs = rng.standard_normal((N, 2 * T, D))
    whole = make_rnn(np.random.default_rng(1)).forward(xs)
    layer = make_rnn(np.random.default_rng(1), stateful=True)
    first, second = layer.forward(xs[:, :T]), layer.forward(xs[:, T:])
    assert np.allclose(np.concatenate([first, second], axis=1), whole, atol=1e-14)
    layer.reset_state()
    assert np.allclose(layer.forward(xs[:, T:]), make_rnn(np.random.default_rng(1)).forward(xs[:, T:]))


def test_non_stateful_layer_starts_from_zero_every_call(rng):
    layer = make_rnn(rng)
    xs = rng.standard_normal((N, T, D))
    assert np.array_equal(layer.forward(xs), layer.forward(xs)) and layer.h is None


def test_float32_and_integer_input_compute_in_float64(rng):
    layer = make_rnn(rng)
    assert layer.forward(rng.standard_normal((N, T, D)).astype(np.float32)).dtype == np.float64
    assert layer.forward(np.ones((N, T, D), dtype=np.int32)).dtype == np.float64
    assert layer.backward(np.ones((N, T, H), dtype=np.float32)).dtype == np.float64
    assert all(g.dtype == np.float64 for g in layer.grads)


def test_tanh_inplace_matches_numpy():
    a = np.concatenate([np.linspace(-900, 900, 20001), np.linspace(-1e-6, 1e-6, 101), [0.0, -0.0]])
    with np.errstate(all="raise"):
        out = tanh_inplace(a.copy())
    assert np.abs(out - np.tanh(a)).max() < 1e-15


# --------------------------------------------------------------------------------------------- clipping
def test_clip_grads_scales_to_max_norm_and_returns_the_norm_before(rng):
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    before = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    originals = [g.copy() for g in grads]
    assert clip_grads(grads, before / 4) == pytest.approx(before)
    after = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    assert after == pytest.approx(before / 4)
    assert all(np.allclose(g * 4, o) for g, o in zip(grads, originals))  # direction kept


def test_clip_grads_leaves_small_gradients_alone(rng):
    grads = [rng.standard_normal(5)]
    copy = grads[0].copy()
    clip_grads(grads, 1e6)
    assert np.array_equal(grads[0], copy)


@pytest.mark.parametrize("max_norm", [0, -1.0, float("nan"), float("inf"), "1", True])
def test_clip_grads_refuses_bad_max_norm(max_norm):
    with pytest.raises(ValueError, match="max_norm"):
        clip_grads([np.ones(3)], max_norm)


def test_clip_grads_refuses_an_overflowed_gradient():
    with pytest.raises(ValueError, match="norm is inf"):
        clip_grads([np.array([np.inf, 1.0])], 1.0)


# ------------------------------------------------------------------------------------ sampling and text
def test_greedy_sampling_is_argmax():
    scores = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]])
    assert list(sample_next(scores, temperature=0)) == [1, 0]
    assert sample_next(scores[0], temperature=0) == 1


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_sampling_follows_softmax_of_scores_over_temperature(temperature):
    scores = np.array([1.0, 0.0, -1.0, 0.5])
    rng = np.random.default_rng(7)
    draws = sample_next(np.tile(scores, (40000, 1)), temperature=temperature, rng=rng)
    freq = np.bincount(draws, minlength=4) / len(draws)
    assert np.allclose(freq, lib.softmax(scores / temperature), atol=0.01)


def test_sampling_needs_a_generator():
    with pytest.raises(TypeError, match="rng=np.random.default_rng"):
        sample_next(np.zeros(3), temperature=1.0)
    with pytest.raises(ValueError, match="temperature"):
        sample_next(np.zeros(3), temperature=-1.0, rng=np.random.default_rng(0))


def test_generate_is_reproducible_and_leaves_the_training_state_alone(rng):
    model = RNNLM(V, D, H, rng=rng)
    model.forward(rng.integers(0, V, (2, 4)), rng.integers(0, V, (2, 4)))
    carried = model.rnns[0].h.copy()
    a = model.generate([1, 2], 10, temperature=1.0, rng=np.random.default_rng(3))
    b = model.generate([1, 2], 10, temperature=1.0, rng=np.random.default_rng(3))
    assert a.shape == (10,) and np.array_equal(a, b)
    assert np.array_equal(model.rnns[0].h, carried)
    greedy = model.generate([1, 2], 10, temperature=0)
    assert np.array_equal(greedy, model.generate([1, 2], 10, temperature=0))


def test_generate_continues_from_the_state_after_the_prompt(rng):
    model = RNNLM(V, D, H, rng=rng, stateful=False)
    prompt = np.array([3, 1, 4])
    first = model.generate(prompt, 1, temperature=0)[0]
    scores = model.predict(prompt[None])[0, -1]
    assert first == int(np.argmax(scores))


def test_language_model_learns_hello():
    vocab = CharVocab("helo")
    ids = vocab.encode("hello")
    model = RNNLM(len(vocab), 8, 16, rng=np.random.default_rng(0), stateful=False)
    opt = lib.Adam(lr=0.05)
    first = model.forward(ids[None, :-1], ids[None, 1:])
    assert first == pytest.approx(np.log(len(vocab)), abs=0.5)
    for _ in range(100):
        model.forward(ids[None, :-1], ids[None, 1:])
        model.backward()
        opt.update(model.params, model.grads)
    assert model.forward(ids[None, :-1], ids[None, 1:]) < 0.05
    assert vocab.decode(model.generate(vocab.encode("hell"), 1, temperature=0)) == "o"


def test_train_lm_lowers_perplexity_with_clipping():
    text = load_shakespeare(3000)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    model = RNNLM(len(vocab), 16, 32, rng=np.random.default_rng(0))
    before = evaluate_perplexity(model, ids, batch_size=4, T=16)
    hist = train_lm(model, lib.Adam(lr=0.01), ids, epochs=3, batch_size=4, T=16, max_norm=5.0, val_ids=ids)
    assert hist["train"][-1] < hist["train"][0] and hist["val"][-1] < before
    assert len(hist["val"]) == 3 and all(np.isfinite(hist["grad_norm"]))


def test_shakespeare_ships_with_lib():
    text = load_shakespeare()
    assert len(text) == 1_115_394 and text.startswith("First Citizen:\nBefore we proceed")
    assert load_shakespeare(14) == "First Citizen:"


def test_char_vocab_round_trip():
    vocab = CharVocab("to be or not to be")
    assert len(vocab) == 7 and vocab.decode(vocab.encode("be or not")) == "be or not"


def test_bptt_batches_continue_each_lane():
    ids = np.arange(103)
    chunks = list(bptt_batches(ids, batch_size=4, T=5))
    lane = 102 // 4
    assert len(chunks) == lane // 5
    for xs, ts in chunks:
        assert xs.shape == ts.shape == (4, 5) and np.array_equal(ts, xs + 1)
    for (xs0, ts0), (xs1, _) in zip(chunks, chunks[1:]):
        assert np.array_equal(xs1[:, 0], ts0[:, -1])  # the next chunk starts where this one's targets end
    assert np.array_equal(chunks[0][0][:, 0], np.arange(4) * lane)


# ----------------------------------------------------------------------------------------- bad input
def _after_forward(layer, *args):
    layer.forward(*args)
    return layer


BAD_INPUT = [
    # (description, call, exception, text the message must contain)
    ("xs not 3-D", lambda r: make_rnn(r).forward(np.zeros((N, D))), ValueError, "must be 3-D (N, T, D), got shape (3, 4)"),
    ("T = 0", lambda r: make_rnn(r).forward(np.zeros((N, 0, D))), ValueError, "T = 0"),
    ("wrong feature count", lambda r: make_rnn(r).forward(np.zeros((N, T, D + 1))), ValueError, "Wx expects 4"),
    ("h0 of the wrong shape", lambda r: make_rnn(r).forward(np.zeros((N, T, D)), np.zeros((N, H + 1))),
     ValueError, "h0 has shape (3, 6), expected (N, H) = (3, 5)"),
    ("stateful batch size changed",
     lambda r: _after_forward(make_rnn(r, stateful=True), np.zeros((N, T, D))).forward(np.zeros((N + 1, T, D))),
     ValueError, "reset_state()"),
    ("NaN in xs", lambda r: make_rnn(r).forward(np.full((N, T, D), np.nan)), ValueError, "nan"),
    ("backward before forward", lambda r: make_rnn(r).backward(np.zeros((N, T, H))), RuntimeError,
     "TimeRNN.backward: call forward first"),
    ("upstream of the wrong shape", lambda r: _after_forward(make_rnn(r), np.zeros((N, T, D))).backward(
        np.zeros((N, T + 1, H))), ValueError, "(3, 7, 5)"),
    ("RNN step h_prev wrong", lambda r: RNN(np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)).forward(
        np.zeros((N, D)), np.zeros((N + 1, H))), ValueError, "h_prev has shape (4, 5)"),
    ("Wh not square", lambda r: TimeRNN(np.zeros((D, H)), np.zeros((H, H + 1)), np.zeros(H)), ValueError,
     "Wh must be (5, H)"),
    ("token id out of the vocabulary", lambda r: TimeEmbedding(np.zeros((V, D))).forward(np.array([[0, 7]])),
     ValueError, "token id 7 at index (0, 1) is outside the vocabulary of 7"),
    ("negative token id", lambda r: TimeEmbedding(np.zeros((V, D))).forward(np.array([[-1, 0]])), ValueError,
     "token id -1"),
    ("float token ids", lambda r: TimeEmbedding(np.zeros((V, D))).forward(np.zeros((2, 3))), TypeError,
     "must be integers, got dtype float64"),
    ("token ids not 2-D", lambda r: TimeEmbedding(np.zeros((V, D))).forward(np.zeros(3, dtype=int)), ValueError,
     "must be 2-D"),
    ("labels of the wrong shape", lambda r: TimeSoftmaxWithLoss().forward(np.zeros((N, T, V)), np.zeros((N, T - 1), int)),
     ValueError, "labels have shape (3, 5), scores (3, 6, 7) need labels (N, T) = (3, 6)"),
    ("label out of range", lambda r: TimeSoftmaxWithLoss().forward(np.zeros((1, 2, V)), np.array([[0, 9]])),
     ValueError, "label 9 at index (0, 1)"),
    ("every label ignored", lambda r: TimeSoftmaxWithLoss(ignore_label=-1).forward(np.zeros((1, 2, V)),
                                                                                   np.array([[-1, -1]])),
     ValueError, "nothing to average"),
    ("affine width mismatch", lambda r: TimeAffine(np.zeros((H, V)), np.zeros(V)).forward(np.zeros((N, T, H + 2))),
     ValueError, "W expects 5"),
    ("prompt outside vocabulary", lambda r: RNNLM(V, D, H, rng=r).generate([V], 3), ValueError, "outside the vocabulary"),
    ("unknown character", lambda r: CharVocab("abc").encode("abz"), ValueError, "'z'"),
    ("corpus too short", lambda r: list(bptt_batches(np.arange(10), 4, 5)), ValueError, "shorter than one chunk"),
]


@pytest.mark.parametrize("what, call, exc, text", BAD_INPUT, ids=[row[0] for row in BAD_INPUT])
def test_bad_input_gets_a_clear_error(rng, what, call, exc, text):
    with pytest.raises(exc) as info:
        call(rng)
    assert text in str(info.value), f"{what}: message {str(info.value)!r} does not contain {text!r}"


def test_check_token_ids_accepts_any_integer_dtype():
    assert check_token_ids(np.array([[1, 2]], dtype=np.uint8), 3, "f").dtype == np.int64
