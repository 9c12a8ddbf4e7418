"""lib.gradient_flow: the activation RNN equals TimeRNN for tanh and finite differences for every activation;
recurrent matrices have the spectral radius asked for; gradient_norms is lib's BPTT, truncation included."""
import numpy as np
import pytest

import lib
import lib.gradient_flow
from lib.gradcheck import numerical_gradient, rel_error
from lib.gradient_flow import (ACTIVATIONS, ActivationRNN, activation_derivative, gradient_norms,
                               largest_singular_value, recurrent_matrix, spectral_radius)
from lib.recurrent import TimeRNN

N, T, D, H = 3, 7, 4, 5


def weights(rng):
    return 0.6 * rng.standard_normal((D, H)), 0.6 * rng.standard_normal((H, H)), 0.1 * rng.standard_normal(H)


def test_tanh_equals_time_rnn_bit_for_bit(rng):
    Wx, Wh, b = weights(rng)
    xs, dhs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H)), rng.standard_normal((N, H))
    ours, ref = ActivationRNN(Wx, Wh, b, activation="tanh"), TimeRNN(Wx, Wh, b)
    for kwargs in ({}, {"h0": h0}):
        assert np.array_equal(ours.forward(xs, **kwargs), ref.forward(xs, **kwargs))
        back_ours, back_ref = ours.backward(dhs), ref.backward(dhs)
        back_ours = back_ours if isinstance(back_ours, tuple) else (back_ours,)
        back_ref = back_ref if isinstance(back_ref, tuple) else (back_ref,)
        for a, r in zip(back_ours, back_ref):
            assert np.array_equal(a, r)
        assert np.array_equal(ours.dhs, ref.dhs) and np.array_equal(ours.dh0, ref.dh0)
        for g, r in zip(ours.grads, ref.grads):
            assert np.array_equal(g, r)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradcheck_every_activation(rng, activation):
    Wx, Wh, b = weights(rng)
    layer = ActivationRNN(Wx, Wh, b + 0.3, activation=activation)  # a shifted bias keeps relu units away from 0
    report = lib.gradcheck(layer, rng.standard_normal((N, T, D)), rng=rng)
    assert set(report.errors) == {"x", "Wx", "Wh", "b"}
    assert report.ok(1e-6), report


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dhs_is_the_gradient_of_the_loss_with_respect_to_each_hidden_state(rng, activation):
    """dhs[:, t] = dL/dh_t: perturb h_t by adding eps to the input of step t+1 through a unit offset."""
    Wx, Wh, b = weights(rng)
    layer = ActivationRNN(Wx, Wh, b + 0.3, activation=activation)
    xs, g = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer.forward(xs)
    layer.backward(g)
    for t in range(T):
        # L(e) = sum(hs * g) where h_t is replaced by h_t + e and the later steps recomputed from it
        e = np.zeros((N, H))

        def loss(t=t, e=e):
            hs_first = layer.forward(xs[:, :t + 1])  # (N, t+1, H)
            h_t = hs_first[:, -1] + e
            total = float(np.sum(hs_first[:, :-1] * g[:, :t])) + float(np.sum(h_t * g[:, t]))
            if t + 1 < T:
                total += float(np.sum(layer.forward(xs[:, t + 1:], h0=h_t) * g[:, t + 1:]))
            return total

        assert rel_error(layer.dhs[:, t], numerical_gradient(loss, e)) < 1e-6


def test_activation_derivative_from_the_output():
    h = np.array([-0.5, 0.0, 0.25, 2.0])
    assert np.allclose(activation_derivative("tanh", h), 1 - h ** 2)
    assert np.array_equal(activation_derivative("relu", h), [0.0, 0.0, 1.0, 1.0])
    assert np.array_equal(activation_derivative("linear", h), np.ones(4))


@pytest.mark.parametrize("kind", ["orthogonal", "gaussian"])
@pytest.mark.parametrize("rho", [0.5, 1.0, 1.3])
def test_recurrent_matrix_has_the_spectral_radius_asked_for(rng, kind, rho):
    W = recurrent_matrix(24, rho, rng=rng, kind=kind)
    assert W.shape == (24, 24)
    assert spectral_radius(W) == pytest.approx(rho, rel=1e-10)
    if kind == "orthogonal":
        assert np.allclose(np.linalg.svd(W, compute_uv=False), rho)
    else:
        assert largest_singular_value(W) > 1.2 * rho  # a Gaussian matrix is far from normal


def test_linear_orthogonal_gradient_follows_rho_exactly(rng):
    norms, predicted = gradient_norms(40, 0.9, rng=rng, activation="linear", H=16)
    assert norms[-1] == pytest.approx(1.0)
    assert np.allclose(norms, predicted, rtol=1e-10)


def test_gradient_norms_are_lib_bptt(rng):
    """The tanh norms equal those of TimeRNN.backward's dhs, computed here independently."""
    T_, H_, D_, N_ = 12, 6, 3, 4
    norms, predicted = gradient_norms(T_, 0.8, rng=np.random.default_rng(5), H=H_, D=D_, N=N_)
    r = np.random.default_rng(5)  # the same draws, in the same order
    Wh = recurrent_matrix(H_, 0.8, rng=r)
    Wx = r.standard_normal((D_, H_)) / np.sqrt(D_)
    xs = r.standard_normal((N_, T_, D_))
    g = r.standard_normal((N_, H_))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    layer = TimeRNN(Wx, Wh, np.zeros(H_))
    layer.forward(xs)
    dhs = np.zeros((N_, T_, H_))
    dhs[:, -1] = g
    layer.backward(dhs)
    expected = np.sqrt(np.mean(np.sum(layer.dhs ** 2, axis=2), axis=0))
    assert np.allclose(norms, expected, rtol=1e-12)
    assert np.allclose(predicted, 0.8 ** np.arange(T_ - 1, -1, -1))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_truncation_stops_the_gradient_k_steps_back(rng, activation):
    full, _ = gradient_norms(30, 0.95, rng=np.random.default_rng(3), activation=activation)
    cut, _ = gradient_norms(30, 0.95, rng=np.random.default_rng(3), activation=activation, truncation=8)
    assert np.all(cut[:22] == 0) and np.all(cut[22:] > 0)
    assert np.allclose(cut[22:], full[22:], rtol=1e-12)  # the same forward states, the same last 8 steps
    longer, _ = gradient_norms(30, 0.95, rng=np.random.default_rng(3), activation=activation, truncation=50)
    assert np.array_equal(longer, full)


def test_tanh_and_relu_decay_faster_than_linear(rng):
    lin, pred = gradient_norms(60, 1.0, rng=np.random.default_rng(1), activation="linear")
    tanh, _ = gradient_norms(60, 1.0, rng=np.random.default_rng(1), activation="tanh")
    relu, _ = gradient_norms(60, 1.0, rng=np.random.default_rng(1), activation="relu")
    assert np.allclose(lin, pred)
    assert tanh[0] < 1e-3 * lin[0] and relu[0] < 1e-3 * lin[0]


@pytest.mark.parametrize("call, exc, text", [
    (lambda r: gradient_norms(10, 0.9, rng=r, activation="sigmoid"), ValueError, "one of tanh, relu, linear"),
    (lambda r: gradient_norms(0, 0.9, rng=r), ValueError, "T"),
    (lambda r: gradient_norms(10, -1.0, rng=r), ValueError, "rho must be a finite number >= 0"),
    (lambda r: gradient_norms(10, 0.9, rng=r, truncation=0), ValueError, "truncation"),
    (lambda r: recurrent_matrix(4, 1.0, rng=r, kind="identity"), ValueError, "orthogonal, gaussian"),
    (lambda r: ActivationRNN(np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3), activation="elu"), ValueError,
     "activation must be one of"),
])
def test_bad_input_gets_a_clear_error(rng, call, exc, text):
    with pytest.raises(exc, match=text):
        call(rng)


def test_create_and_repr(rng):
    layer = ActivationRNN.create(3, 4, rng=rng, activation="relu")
    assert layer.activation == "relu" and "relu" in repr(layer)
    assert layer.params[1].shape == (4, 4)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_through_states_is_backward_without_the_weights(rng, activation):
    Wx, Wh, b = weights(rng)
    layer = ActivationRNN(Wx, Wh, b, activation=activation)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer.forward(xs)
    layer.backward(dhs)
    full_dhs, full_dh0, grads = layer.dhs.copy(), layer.dh0.copy(), [g.copy() for g in layer.grads]
    for g in layer.grads:
        g[...] = 7.0
    layer.backward_through_states(dhs)
    assert np.array_equal(layer.dhs, full_dhs) and np.array_equal(layer.dh0, full_dh0)
    assert all(np.all(g == 7.0) for g in layer.grads)
    assert grads[1].any()


# ---- gated_gradient_norms: the same experiment for the LSTM and the GRU ------------------------------------

def gated_draws(seed, cell, T_, H_, D_, N_, rho, forget_bias):
    """The weights, inputs and loss gradient gated_gradient_norms draws, in its order."""
    r = np.random.default_rng(seed)
    gates = 4 if cell == "lstm" else 3
    blocks = [recurrent_matrix(H_, rho, rng=r) for _ in range(gates)]
    Wx = r.standard_normal((D_, gates * H_)) / np.sqrt(D_)
    xs = r.standard_normal((N_, T_, D_))
    g = r.standard_normal((N_, H_))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    b = np.zeros(gates * H_)
    if cell == "lstm":
        b[:H_] = forget_bias
    return blocks, np.concatenate(blocks, axis=1), Wx, b, xs, g


@pytest.mark.parametrize("cell, rho, forget_bias", [("lstm", 0.9, 1.0), ("lstm", 1.5, 3.0), ("lstm", 0.5, -1.0),
                                                    ("gru", 0.9, 0.0), ("gru", 2.0, 0.0)])
def test_gated_norms_are_the_derivative_of_the_loss_at_every_step(cell, rho, forget_bias):
    """Each norm equals a finite-difference derivative of L = sum_n g_n . h_{T-1} with respect to h_t: perturb
    h_t (the LSTM's c_t held, as dhs means), run the remaining steps with lib's layer, read the change of L."""
    T_, H_, D_, N_ = 7, 5, 3, 2
    norms, predicted = lib.gradient_flow.gated_gradient_norms(
        T_, rho, rng=np.random.default_rng(9), cell=cell, forget_bias=forget_bias, H=H_, D=D_, N=N_)
    _, Wh, Wx, b, xs, g = gated_draws(9, cell, T_, H_, D_, N_, rho, forget_bias)
    Layer = lib.TimeLSTM if cell == "lstm" else lib.TimeGRU
    expected = np.zeros(T_)
    for t in range(T_):
        head = Layer(Wx, Wh, b, stateful=True)
        head.forward(xs[:, :t + 1])
        h_t, c_t = head.h, getattr(head, "c", None)

        def loss(h):
            if t == T_ - 1:
                return np.sum(g * h)
            tail = Layer(Wx, Wh, b)
            hs = tail.forward(xs[:, t + 1:], h, c_t) if cell == "lstm" else tail.forward(xs[:, t + 1:], h)
            return np.sum(g * hs[:, -1])

        dh = np.zeros_like(h_t)
        for idx in np.ndindex(*h_t.shape):
            e = np.zeros_like(h_t)
            e[idx] = 1e-6
            dh[idx] = (loss(h_t + e) - loss(h_t - e)) / 2e-6
        expected[t] = np.sqrt(np.mean(np.sum(dh ** 2, axis=1)))
    assert norms[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(norms, expected, rtol=1e-6)
    np.testing.assert_allclose(predicted, rho ** np.arange(T_ - 1, -1, -1.0))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_norms_read_the_layers_dhs(cell):
    """gated_gradient_norms is exactly the root mean square of TimeLSTM / TimeGRU's dhs after backward."""
    T_, H_, D_, N_ = 20, 6, 4, 3
    norms, _ = lib.gradient_flow.gated_gradient_norms(T_, 1.1, rng=np.random.default_rng(4), cell=cell,
                                                      forget_bias=2.0, H=H_, D=D_, N=N_)
    blocks, Wh, Wx, b, xs, g = gated_draws(4, cell, T_, H_, D_, N_, 1.1, 2.0)
    for block in blocks:  # what rho means for a gated cell: every gate block of Wh has spectral radius rho
        assert spectral_radius(block) == pytest.approx(1.1) and largest_singular_value(block) == pytest.approx(1.1)
    layer = (lib.TimeLSTM if cell == "lstm" else lib.TimeGRU)(Wx, Wh, b)
    layer.forward(xs)
    dhs = np.zeros((N_, T_, H_))
    dhs[:, -1] = g
    layer.backward(dhs)
    np.testing.assert_array_equal(norms, np.sqrt(np.mean(np.sum(layer.dhs ** 2, axis=2), axis=0)))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_truncation_stops_the_gradient_k_steps_back(cell):
    full, _ = lib.gradient_flow.gated_gradient_norms(30, 1.0, rng=np.random.default_rng(3), cell=cell)
    cut, _ = lib.gradient_flow.gated_gradient_norms(30, 1.0, rng=np.random.default_rng(3), cell=cell, truncation=8)
    assert np.all(cut[:22] == 0) and np.all(cut[22:] > 0)
    np.testing.assert_allclose(cut[22:], full[22:], rtol=1e-12)  # the same forward states, the same last steps
    longer, _ = lib.gradient_flow.gated_gradient_norms(30, 1.0, rng=np.random.default_rng(3), cell=cell,
                                                       truncation=50)
    np.testing.assert_array_equal(longer, full)


def test_a_larger_forget_bias_keeps_the_lstm_gradient_alive():
    first = [lib.gradient_flow.gated_gradient_norms(50, 1.0, rng=np.random.default_rng(0), forget_bias=fb)[0][0]
             for fb in (0.0, 1.0, 3.0)]
    assert first[0] < first[1] < first[2]


@pytest.mark.parametrize("call, text", [
    (lambda r: lib.gradient_flow.gated_gradient_norms(10, 0.9, rng=r, cell="rnn"), "cell must be 'lstm' or 'gru'"),
    (lambda r: lib.gradient_flow.gated_gradient_norms(10, 0.9, rng=r, forget_bias=float("nan")), "forget_bias"),
    (lambda r: lib.gradient_flow.gated_gradient_norms(10, -0.5, rng=r), "rho must be a finite number >= 0"),
    (lambda r: lib.gradient_flow.gated_gradient_norms(10, 0.9, rng=r, truncation=0), "truncation"),
    (lambda r: lib.gradient_flow.gated_gradient_norms(0, 0.9, rng=r, cell="gru"), "T"),
])
def test_gated_bad_input_gets_a_clear_error(rng, call, text):
    with pytest.raises(ValueError, match=text):
        call(rng)
