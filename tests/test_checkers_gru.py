"""The section 5.2 / 5.3 checkers pass right answers and name the mistake in typical wrong ones, in one sentence."""
import functools

import numpy as np

import checker_runs
from lib.checkers import (check_adding_batch, check_gate_bias_for_time_constant, check_gru_as_leaky,
                          check_gru_backward, check_swap_update_convention)
from lib.checkers.gru import _gru_backward


# checker sentences are wrapped to the code column
run = functools.partial(checker_runs.run, width=76)
expect_fail = functools.partial(checker_runs.expect_fail, width=76)
expect_pass = functools.partial(checker_runs.expect_pass, width=76)


# ------------------------------------------------------------------------------------ swap the convention
def swap(Wx, Wh, b, which=("Wx", "Wh", "b"), whole=False):
    H = Wh.shape[0]
    out = {"Wx": Wx.copy(), "Wh": Wh.copy(), "b": b.copy()}
    for name in which:
        if whole:
            out[name] *= -1
        else:
            out[name][..., H:2 * H] *= -1
    return out["Wx"], out["Wh"], out["b"]


def test_swap_right_answer_passes(capsys):
    expect_pass(check_swap_update_convention, swap, capsys)


def test_swap_right_answer_computes_the_same_function():
    """The expected answer really turns lib's GRU into the other convention."""
    rng = np.random.default_rng(0)
    D, H = 3, 4
    Wx, Wh, b = rng.standard_normal((D, 3 * H)), rng.standard_normal((H, 3 * H)), rng.standard_normal(3 * H)
    x, h = rng.standard_normal((5, D)), np.tanh(rng.standard_normal((5, H)))
    import lib
    want = lib.GRU(Wx, Wh, b).forward(x, h)
    Wx2, Wh2, b2 = swap(Wx, Wh, b)
    a = x @ Wx2 + b2
    rz = lib.sigmoid(a[:, :2 * H] + h @ Wh2[:, :2 * H])
    r, z2 = rz[:, :H], rz[:, H:]
    g = np.tanh(a[:, 2 * H:] + (r * h) @ Wh2[:, 2 * H:])
    assert np.allclose((1 - z2) * h + z2 * g, want, atol=1e-12)


def test_swap_typical_mistakes(capsys):
    expect_fail(check_swap_update_convention, lambda Wx, Wh, b: (Wx, Wh, b), capsys, "Wx2 is unchanged")
    expect_fail(check_swap_update_convention, lambda Wx, Wh, b: swap(Wx, Wh, b, which=("b",)), capsys,
                "Wx2 is unchanged")
    expect_fail(check_swap_update_convention, lambda Wx, Wh, b: swap(Wx, Wh, b, whole=True), capsys,
                "negates all three blocks")
    expect_fail(check_swap_update_convention, lambda Wx, Wh, b: swap(Wx, Wh, b, which=("Wx", "Wh")), capsys,
                "b2 is unchanged")
    expect_fail(check_swap_update_convention, lambda Wx, Wh, b: swap(Wx, Wh, b, which=("Wx", "b")), capsys,
                "Wh2 is unchanged")
    expect_fail(check_swap_update_convention, lambda Wx, Wh, b: None, capsys, "returned None")


# ------------------------------------------------------------------------------------------- GRU as leaky
def as_leaky(Wx, Wh, b, alpha, r_bias=40.0, z=None, zero_gate_weights=True):
    D, H = Wx.shape
    Wx3, Wh3, b3 = np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H)
    b3[:H] = r_bias
    zv = 1 - alpha if z is None else z
    b3[H:2 * H] = np.log(zv / (1 - zv))
    if not zero_gate_weights:
        Wx3[:, H:2 * H] = 0.1
    Wx3[:, 2 * H:], Wh3[:, 2 * H:], b3[2 * H:] = Wx, Wh, b
    return Wx3, Wh3, b3


def test_leaky_right_answer_passes(capsys):
    expect_pass(check_gru_as_leaky, as_leaky, capsys)


def test_leaky_typical_mistakes(capsys):
    expect_fail(check_gru_as_leaky, lambda Wx, Wh, b, a: as_leaky(Wx, Wh, b, a, z=a), capsys, "1 - alpha")
    expect_fail(check_gru_as_leaky, lambda Wx, Wh, b, a: as_leaky(Wx, Wh, b, a, r_bias=0.0), capsys,
                "reset gate is not 1")
    expect_fail(check_gru_as_leaky, lambda Wx, Wh, b, a: as_leaky(Wx, Wh, b, a, zero_gate_weights=False), capsys,
                "are not zero")
    D_H = lambda Wx, Wh: (Wx.shape[0], Wh.shape[0])  # noqa: E731
    expect_fail(check_gru_as_leaky, lambda Wx, Wh, b, a: (np.zeros((D_H(Wx, Wh)[0], 3 * D_H(Wx, Wh)[1])),
                                                          np.zeros((D_H(Wx, Wh)[1], 3 * D_H(Wx, Wh)[1])),
                                                          np.zeros(3 * D_H(Wx, Wh)[1])), capsys, "update gate")
    expect_fail(check_gru_as_leaky, lambda Wx, Wh, b, a: (Wx, Wh, b), capsys, "shape")
    expect_fail(check_gru_as_leaky, lambda Wx, Wh, b, a: None, capsys, "tuple")


# ------------------------------------------------------------------------------------------- GRU backward
def test_backward_right_answer_passes(capsys):
    expect_pass(check_gru_backward, _gru_backward, capsys)


def test_backward_typical_mistakes(capsys):
    for drop, fragment in [("direct", "direct path"), ("candidate", "through the candidate"),
                           ("gates", "through the gates")]:
        expect_fail(check_gru_backward, lambda *a, d=drop: _gru_backward(*a, drop=d), capsys, fragment)
    expect_fail(check_gru_backward, lambda *a: _gru_backward(*a, candidate_sees_h=True), capsys,
                "(r * h_prev).T @ da_g")
    expect_fail(check_gru_backward, lambda *a: None, capsys, "returned None")

    def swapped_z(dh, x, h_prev, Wx, Wh, b):  # uses z for the candidate's share
        dx, dh_prev, dWx, dWh, db = _gru_backward(dh, x, h_prev, Wx, Wh, b)
        return 2 * dx, dh_prev, dWx, dWh, db
    expect_fail(check_gru_backward, swapped_z, capsys, "dx", "factor of 2.00")


# ------------------------------------------------------------------------------------------ adding batch
def adding_batch(N, T, rng):
    values = rng.random((N, T))
    marks = np.zeros((N, T))
    half = T // 2
    marks[np.arange(N), rng.integers(0, half, N)] = 1
    marks[np.arange(N), rng.integers(half, T, N)] = 1
    return np.stack([values, marks], axis=2), (values * marks).sum(axis=1)


def test_adding_right_answer_passes(capsys):
    expect_pass(check_adding_batch, adding_batch, capsys)


def test_adding_typical_mistakes(capsys):
    def fixed_positions(N, T, rng):
        xs, _ = adding_batch(N, T, rng)
        xs[:, :, 1] = 0
        xs[:, 0, 1] = xs[:, -1, 1] = 1
        return xs, xs[:, 0, 0] + xs[:, -1, 0]

    def anywhere(N, T, rng):  # two distinct positions anywhere: may both be in one half
        values = rng.random((N, T))
        marks = np.zeros((N, T))
        for n in range(N):
            marks[n, rng.choice(T, 2, replace=False)] = 1
        return np.stack([values, marks], axis=2), (values * marks).sum(axis=1)

    def wrong_sum(N, T, rng):
        xs, t = adding_batch(N, T, rng)
        return xs, xs[:, :, 0].sum(axis=1)

    def normal_values(N, T, rng):
        xs, _ = adding_batch(N, T, rng)
        xs[:, :, 0] = rng.standard_normal((N, T))
        return xs, (xs[:, :, 0] * xs[:, :, 1]).sum(axis=1)

    expect_fail(check_adding_batch, fixed_positions, capsys, "same steps")
    expect_fail(check_adding_batch, anywhere, capsys, "first half")
    expect_fail(check_adding_batch, wrong_sum, capsys, "add up to")
    expect_fail(check_adding_batch, normal_values, capsys, "[0, 1)")
    expect_fail(check_adding_batch, lambda N, T, rng: (np.zeros((N, T)), np.zeros(N)), capsys, "(N, T, 2)")
    expect_fail(check_adding_batch, lambda N, T, rng: None, capsys, "tuple")


# ------------------------------------------------------------------------------------- gate time constant
def test_time_constant_right_answer_passes(capsys):
    def bias(tau):
        p = np.exp(-1 / tau)
        return np.log(p / (1 - p))
    expect_pass(check_gate_bias_for_time_constant, bias, capsys)


def test_time_constant_typical_mistakes(capsys):
    expect_fail(check_gate_bias_for_time_constant, lambda tau: np.exp(-1 / tau), capsys, "gate value")
    expect_fail(check_gate_bias_for_time_constant, lambda tau: 0.0, capsys, "not done yet")
    expect_fail(check_gate_bias_for_time_constant,
                lambda tau: np.log((1 - 1 / tau) / (1 / tau)) if tau > 1 else -np.log(np.exp(1) - 1), capsys,
                "approximation")
    expect_fail(check_gate_bias_for_time_constant,
                lambda tau: -np.log(np.exp(-1 / tau) / (1 - np.exp(-1 / tau))), capsys, "wrong sign")
