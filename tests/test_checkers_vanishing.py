"""The chapter-4 checkers pass right answers and name the mistake in typical wrong ones, in one printed sentence."""
import functools

import numpy as np
import pytest

import lib
import checker_runs
from lib.checkers import (check_backward_gain, check_chain_grads, check_clip_cosine, check_init_std,
                          check_relu_rnn_backward, check_transient_matrix)


# checker sentences are wrapped to the code column
run = functools.partial(checker_runs.run, width=76)
expect_fail = functools.partial(checker_runs.expect_fail, width=76)
expect_pass = functools.partial(checker_runs.expect_pass, width=76)


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# ----------------------------------------------------------------------------------------------- chain
def chain_grads(x, w, variant=None):
    h = [x]
    for w_l in w:
        h.append(sig(w_l * h[-1]))
    M = len(w)
    grads = np.zeros(M)
    g = 1.0 if variant == "no_top" else h[M] * (1 - h[M])
    for l in range(M, 0, -1):
        grads[l - 1] = g * (h[l] if variant == "shift" else h[l - 1])
        slope = h[l - 1] if variant == "output" else h[l - 1] * (1 - h[l - 1])
        g = g * w[l - 1] * slope
    return grads


def test_chain_right(capsys):
    expect_pass(check_chain_grads, chain_grads, capsys)


@pytest.mark.parametrize("variant, fragment", [
    ("no_top", "misses the slope sigma'(a_M)"),
    ("output", "multiplies by h instead of the slope"),
    ("shift", "uses the layer's own output h_l"),
])
def test_chain_typical_bugs(capsys, variant, fragment):
    expect_fail(check_chain_grads, lambda x, w: chain_grads(x, w, variant), capsys, fragment)


def test_chain_stub_says_all_zeros(capsys):
    expect_fail(check_chain_grads, lambda x, w: np.zeros(len(w)), capsys, "all zeros")


# ----------------------------------------------------------------------------------------------- gain
def test_gain_right(capsys):
    expect_pass(check_backward_gain, lambda W: np.linalg.norm(W, 2) / 4, capsys)


@pytest.mark.parametrize("fn, fragment", [
    (lambda W: 0.0, "not done yet"),
    (lambda W: np.linalg.norm(W, 2), "slope adds a factor of at most 1/4"),
    (lambda W: np.linalg.norm(W) / 4, "Frobenius"),
    (lambda W: np.abs(W).max() / 4, "largest entry"),
    (lambda W: 1.0, "expected"),
])
def test_gain_typical_bugs(capsys, fn, fragment):
    expect_fail(check_backward_gain, fn, capsys, fragment)


def test_gain_spectral_radius_is_named(capsys):
    # the first case is not square, so a spectral radius raises there: the reader hears about the exception
    expect_fail(check_backward_gain, lambda W: np.max(np.abs(np.linalg.eigvals(W))) / 4, capsys, "raised")


# ----------------------------------------------------------------------------------------------- init
def init_std(D, H, activation):
    return np.sqrt(2.0 / D) if activation == "relu" else np.sqrt(2.0 / (D + H))


def test_init_right(capsys):
    expect_pass(check_init_std, init_std, capsys)


@pytest.mark.parametrize("fn, fragment", [
    (lambda D, H, a: init_std(D, H, a) ** 2, "returned the variance"),
    (lambda D, H, a: np.sqrt(2.0 / D) if a != "relu" else np.sqrt(2.0 / (D + H)), "He's variance 2/D is for ReLU"),
    (lambda D, H, a: np.sqrt(1.0 / D) if a == "relu" else init_std(D, H, a), "doubles the variance"),
    (lambda D, H, a: np.sqrt(1.0 / D) if a != "relu" else init_std(D, H, a), "forward-only rule"),
    (lambda D, H, a: 0.01, "expected 0.1250"),
])
def test_init_typical_bugs(capsys, fn, fragment):
    expect_fail(check_init_std, fn, capsys, fragment)


# ----------------------------------------------------------------------------------------------- relu rnn
def relu_dhs(hs, Wh, dout, variant=None):
    N, T, H = hs.shape
    out, nxt = np.zeros_like(hs), np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dh = dout[:, t] + nxt if variant != "last_only" or t == T - 1 else nxt
        da = dh * (hs[:, t] > 0)
        out[:, t] = da if variant == "pre" else dh
        nxt = da @ (Wh if variant == "no_transpose" else Wh.T)
    return out


def test_relu_rnn_right(capsys):
    expect_pass(check_relu_rnn_backward, relu_dhs, capsys)


@pytest.mark.parametrize("variant, fragment", [
    ("no_transpose", "needs Wh.T"),
    ("last_only", "only carries the gradient of the last step"),
    ("pre", "after the ReLU mask"),
])
def test_relu_rnn_typical_bugs(capsys, variant, fragment):
    expect_fail(check_relu_rnn_backward, lambda hs, Wh, d: relu_dhs(hs, Wh, d, variant), capsys, fragment)


def test_relu_rnn_equals_numerical_gradient():
    """The reference walk is the gradient: check it against central differences through lib's layer."""
    from lib.gradient_flow import ActivationRNN

    rng = np.random.default_rng(0)
    layer = ActivationRNN(rng.standard_normal((2, 3)), 0.8 * rng.standard_normal((3, 3)),
                          0.3 + 0.1 * rng.standard_normal(3), activation="relu")
    xs, dout = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 4, 3))
    hs = layer.forward(xs)
    ours = relu_dhs(hs, layer.params[1], dout)
    layer.backward(dout)
    assert np.allclose(ours, layer.dhs)


# ----------------------------------------------------------------------------------------------- transient
def test_transient_right(capsys):
    expect_pass(check_transient_matrix, lambda: np.array([[0.5, 3.0], [0.0, 0.2]]), capsys)


@pytest.mark.parametrize("fn, fragment", [
    (lambda: np.eye(2), "both conditions fail"),
    (lambda: np.array([[0.9, 3.0], [0.0, 0.2]]), "spectral radius is 0.900 > 0.5"),
    (lambda: np.array([[0.4, 1.0], [0.0, 0.2]]), "s_max = 1.093 < 2"),
    (lambda: np.zeros((2, 3)), "square"),
    (lambda: None, "returned None"),
])
def test_transient_typical_bugs(capsys, fn, fragment):
    expect_fail(check_transient_matrix, fn, capsys, fragment)


# ----------------------------------------------------------------------------------------------- clipping
def flat(grads):
    return np.concatenate([g.ravel() for g in grads])


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def clip_cosine(grads, c):
    return cosine(flat(grads), flat([np.clip(g, -c, c) for g in grads]))


def clip_cosine_in_place(grads, c):
    before = flat(grads)
    for g in grads:
        np.clip(g, -c, c, out=g)
    return cosine(before, flat(grads))


def test_clip_right(capsys):
    expect_pass(check_clip_cosine, clip_cosine, capsys)


def test_clip_in_place_does_not_corrupt_the_hidden_cases(capsys):
    expect_pass(check_clip_cosine, clip_cosine_in_place, capsys)
    expect_pass(check_clip_cosine, clip_cosine_in_place, capsys)


def by_norm(grads, c):
    g = flat(grads)
    return cosine(g, g * min(1.0, c / np.linalg.norm(g)))


@pytest.mark.parametrize("fn, fragment", [
    (lambda grads, c: 0.0, "not done yet"),
    (by_norm, "clipping by norm gives"),
    (lambda grads, c: float(np.mean([cosine(g.ravel(), np.clip(g, -c, c).ravel()) for g in grads])),
     "mean of the cosines"),
    (lambda grads, c: cosine(flat(grads), flat([np.clip(g, 0, c) for g in grads])), "keeps the sign"),
    (lambda grads, c: 0.5, "expected"),
    (lambda grads, c: [np.clip(g, -c, c) for g in grads], "not a numeric array"),
])
def test_clip_typical_bugs(capsys, fn, fragment):
    expect_fail(check_clip_cosine, fn, capsys, fragment)


def test_printed_output_of_the_reader_is_kept(capsys):
    def noisy(grads, c):
        print("debug")
        return clip_cosine(grads, c)
    result = check_clip_cosine(noisy)
    printed = capsys.readouterr().out
    assert result.passed and printed.startswith("debug\n") and printed.endswith(result.message + "\n")
