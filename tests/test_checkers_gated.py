"""The section 5.1 checkers pass right answers and name the mistake in typical wrong ones, in one sentence."""
import numpy as np
import pytest

import checker_runs
from lib.checkers import (check_forget_bias_for, check_lstm_from_pytorch, check_lstm_step,
                          check_lstm_step_backward)
from lib.checkers.gated import _from_torch, _step, _step_backward
from lib.functions import sigmoid


run, expect_fail = checker_runs.run, checker_runs.expect_fail


def expect_pass(checker, fn, capsys):
    result = checker_runs.expect_pass(checker, fn, capsys)
    assert "4 hidden cases" in result.message, result.message



# ------------------------------------------------------------------------------------------- lstm_step
def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    f, i, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def test_lstm_step_right(capsys):
    expect_pass(check_lstm_step, lstm_step, capsys)


@pytest.mark.parametrize("wrong, fragments", [
    (lambda *a: (None, None), ["returned None for h; expected an array of shape (2, 4)"]),
    (lambda *a: _step(*a, order="ifgo"), ["order i, f, g, o", "lib's order is f, i, g, o"]),
    (lambda *a: _step(*a, order="fgio"), ["order f, g, i, o"]),
    (lambda *a: _step(*a, g_act=sigmoid), ["candidate g computed with a sigmoid"]),
    (lambda *a: _step(*a, forget=False), ["c_t = c_prev + i * g", "forget gate must scale"]),
    (lambda *a: _step(*a, out_tanh=False), ["h matches h = o * c_t", "o * tanh(c_t)"]),
    (lambda *a: _step(*a)[::-1], ["h is wrong"]),
])
def test_lstm_step_wrong(capsys, wrong, fragments):
    expect_fail(check_lstm_step, wrong, capsys, *fragments)


# ---------------------------------------------------------------------------------- lstm_step_backward
def right_backward(*args):
    d = _step_backward(*args)
    return d["dx"], d["dh_prev"], d["dc_prev"], d["dWx"], d["dWh"], d["db"]


def wrong_backward(**kw):
    def fn(*args):
        d = _step_backward(*args, **kw)
        return d["dx"], d["dh_prev"], d["dc_prev"], d["dWx"], d["dWh"], d["db"]
    return fn


def test_lstm_step_backward_right(capsys):
    expect_pass(check_lstm_step_backward, right_backward, capsys)


@pytest.mark.parametrize("kw, fragments", [
    ({"h_path": False}, ["dx misses the gradient that reaches c_t through h_t"]),
    ({"use_dc_next": False}, ["dx ignores dc_next"]),
    ({"tanh_c": False}, ["dx uses 1 - c_t^2"]),
    ({"times_f": False}, ["dc_prev is the gradient at c_t, not at c_prev", "multiply by f"]),
])
def test_lstm_step_backward_wrong(capsys, kw, fragments):
    expect_fail(check_lstm_step_backward, wrong_backward(**kw), capsys, *fragments)


def test_lstm_step_backward_too_few_outputs(capsys):
    expect_fail(check_lstm_step_backward, lambda *a: right_backward(*a)[:3], capsys, "returned 3 values; expected 6")


# ------------------------------------------------------------------------------------- from PyTorch
def from_pytorch(W_ih, W_hh, b_ih, b_hh):
    d = _from_torch(W_ih, W_hh, b_ih, b_hh)
    return d["Wx"], d["Wh"], d["b"]


def test_from_pytorch_right(capsys):
    def by_hand(W_ih, W_hh, b_ih, b_hh):
        H = W_hh.shape[1]
        i, f, g, o = (slice(k * H, (k + 1) * H) for k in range(4))
        order = np.r_[f, i, g, o]
        b = b_ih + b_hh
        return W_ih[order].T, W_hh[order].T, b[order]

    expect_pass(check_lstm_from_pytorch, by_hand, capsys)
    expect_pass(check_lstm_from_pytorch, from_pytorch, capsys)


@pytest.mark.parametrize("kw, fragments", [
    ({"reorder": False}, ["Wx keeps PyTorch's block order i, f, g, o"]),
    ({"transpose": False}, ["Wx has PyTorch's shape (16, 3)", "transpose, (3, 16)"]),
    ({"both_biases": False}, ["b holds only b_ih"]),
])
def test_from_pytorch_wrong(capsys, kw, fragments):
    def fn(*args):
        d = _from_torch(*args, **kw)
        return d["Wx"], d["Wh"], d["b"]

    expect_fail(check_lstm_from_pytorch, fn, capsys, *fragments)


# --------------------------------------------------------------------------------------- forget bias
def test_forget_bias_right(capsys):
    def forget_bias_for(keep, T):
        f = keep ** (1 / T)
        return np.log(f / (1 - f))

    expect_pass(check_forget_bias_for, forget_bias_for, capsys)


@pytest.mark.parametrize("wrong, fragments", [
    (lambda keep, T: np.log(keep / (1 - keep)), ["take the T-th root first"]),
    (lambda keep, T: keep ** (1 / T), ["is the forget-gate value f = keep ** (1 / T) = 0.9727 itself"]),
    (lambda keep, T: np.log(keep ** (1 / T)), ["equals log(f)"]),
    (lambda keep, T: None, ["returned None"]),
    (lambda keep, T: 0.0, ["sigmoid(b_f) ** 50 = 8.88e-16 for b_f = 0.0000, not keep = 0.2500."]),
])
def test_forget_bias_wrong(capsys, wrong, fragments):
    expect_fail(check_forget_bias_for, wrong, capsys, *fragments)
