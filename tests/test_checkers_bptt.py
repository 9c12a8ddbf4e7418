"""The BPTT exercise checkers pass right answers and name the typical mistakes in one printed sentence."""
import numpy as np
import pytest

from lib.checkers import check_leaky_rnn_backward, check_time_rnn_backward
from test_checkers import expect_fail, expect_pass


# ---------------------------------------------------------------------------------------------- the time loop
def time_backward(xs, h0, hs, Wx, Wh, dhs, future=True, h_for_dWh="prev", accumulate=True, tanh=True,
                  forward_order=False):
    """A reader's BPTT loop; each keyword switches on one typical mistake."""
    N, T, D = xs.shape
    dxs, dWx, dWh, db = np.zeros_like(xs), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dh_next = np.zeros_like(h0)
    steps = range(T) if forward_order else reversed(range(T))
    for t in steps:
        h_prev = h0 if t == 0 else hs[:, t - 1]
        dh = dhs[:, t] + (dh_next if future else 0)
        da = dh * (1 - hs[:, t] ** 2)
        dxs[:, t] = da @ Wx.T
        h_used = h_prev if h_for_dWh == "prev" else hs[:, t]
        if accumulate:
            dWx += xs[:, t].T @ da
            dWh += h_used.T @ da
            db += da.sum(axis=0)
        else:
            dWx, dWh, db = xs[:, t].T @ da, h_used.T @ da, da.sum(axis=0)
        dh_next = (da if tanh else dh) @ Wh.T
    return dxs, dh_next, dWx, dWh, db


def test_time_loop_right(capsys):
    expect_pass(check_time_rnn_backward, time_backward, capsys)


def test_time_loop_float32_passes(capsys):
    expect_pass(check_time_rnn_backward,
                lambda *a: tuple(g.astype(np.float32) for g in time_backward(*a)), capsys)


@pytest.mark.parametrize("kw, fragments", [
    ({"future": False}, ["dxs matches", "only from above", "h_{t+1}"]),
    ({"tanh": False}, ["dxs matches", "through tanh"]),
    ({"accumulate": False}, ["dWx holds only the contribution of the first step", "+="]),
    ({"h_for_dWh": "t"}, ["dWh uses h_t where it needs h_{t-1}"]),
    ({"forward_order": True}, ["dxs is wrong at index"]),
])
def test_time_loop_wrong(kw, fragments, capsys):
    expect_fail(check_time_rnn_backward, lambda *a: time_backward(*a, **kw), capsys, *fragments)


def test_time_loop_stub_and_shapes(capsys):
    expect_fail(check_time_rnn_backward, lambda *a: (None,) * 5, capsys, "returned None for dxs")
    expect_fail(check_time_rnn_backward, lambda *a: time_backward(*a)[:4], capsys, "returned 4 values")

    def dWh_transposed(*a):
        dxs, dh0, dWx, dWh, db = time_backward(*a)
        return dxs, dh0, dWx, dWh.T, db
    expect_fail(check_time_rnn_backward, dWh_transposed, capsys, "dWh is wrong at index")


# ---------------------------------------------------------------------------------------------- the leaky step
def leaky_backward(x, h_prev, Wx, Wh, b, alpha, dh_next, identity=True, scale=True, tanh_of="z"):
    z = np.tanh(x @ Wx + h_prev @ Wh + b)
    h_next = (1 - alpha) * h_prev + alpha * z
    dz = (alpha if scale else 1.0) * dh_next
    da = dz * (1 - (z if tanh_of == "z" else h_next) ** 2)
    dh_prev = da @ Wh.T + ((1 - alpha) * dh_next if identity else 0)
    return da @ Wx.T, dh_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def test_leaky_right(capsys):
    expect_pass(check_leaky_rnn_backward, leaky_backward, capsys)


@pytest.mark.parametrize("kw, fragments", [
    ({"identity": False}, ["dh_prev is missing the direct path", "(1 - alpha) * dh_next"]),
    ({"scale": False}, ["dx is missing the factor alpha"]),
    ({"tanh_of": "h_next"}, ["dx uses 1 - h_next**2", "1 - z**2"]),
])
def test_leaky_wrong(kw, fragments, capsys):
    expect_fail(check_leaky_rnn_backward, lambda *a: leaky_backward(*a, **kw), capsys, *fragments)


def test_leaky_plain_rnn_fails_with_a_sentence(capsys):
    def plain(x, h_prev, Wx, Wh, b, alpha, dh_next):   # ignores alpha: the backward of an ordinary step
        h = np.tanh(x @ Wx + h_prev @ Wh + b)
        da = dh_next * (1 - h ** 2)
        return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    expect_fail(check_leaky_rnn_backward, plain, capsys, "dx is missing the factor alpha")


def test_leaky_not_implemented(capsys):
    def stub(*a):
        raise NotImplementedError
    expect_fail(check_leaky_rnn_backward, stub, capsys, "not done yet")
