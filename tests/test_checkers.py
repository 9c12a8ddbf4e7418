"""The exercise checkers pass right answers and name the mistake in typical wrong ones, in one printed sentence."""
import numpy as np
import pytest

import checker_runs
from lib import conv
from lib.checkers import (CheckResult, check_affine_backward, check_conv1d_backward, check_conv2d_backward,
                          check_conv2d_forward, check_sigmoid_backward, check_softmax_with_loss_backward)
from lib.functions import one_hot, sigmoid, softmax


run, expect_fail = checker_runs.run, checker_runs.expect_fail


def expect_pass(checker, fn, capsys):
    result = checker_runs.expect_pass(checker, fn, capsys)
    assert "4 hidden cases" in result.message, result.message



# ---------------------------------------------------------------------------------------------- shared engine
def test_result_displays_nothing_extra_in_a_notebook():
    result = CheckResult(True, "Passed: x.")
    assert result._ipython_display_() is None  # IPython then publishes no Out[] for it
    assert bool(result) and str(result) == "Passed: x."


def test_not_a_function_is_explained(capsys):
    expect_fail(check_sigmoid_backward, np.zeros(3), capsys, "needs a function", "got ndarray")


def test_exception_in_fn_is_one_sentence_naming_it(capsys):
    def broken(y, dout):
        raise KeyError("oops")

    expect_fail(check_sigmoid_backward, broken, capsys, "`broken` raised KeyError", "hidden case 1 of 4", "y (3, 4)")


def test_not_implemented_yet(capsys):
    def sigmoid_backward(y, dout):
        raise NotImplementedError

    expect_fail(check_sigmoid_backward, sigmoid_backward, capsys, "not done yet")


def test_inputs_are_copies(capsys):
    def in_place(y, dout):
        dout *= y * (1 - y)  # modifies its argument; the checker's expected values must not change
        return dout

    expect_pass(check_sigmoid_backward, in_place, capsys)


# ---------------------------------------------------------------------------------------------- sigmoid
def test_sigmoid_right(capsys):
    expect_pass(check_sigmoid_backward, lambda y, dout: dout * y * (1.0 - y), capsys)


def test_sigmoid_float32_passes(capsys):
    expect_pass(check_sigmoid_backward, lambda y, dout: (dout * y * (1.0 - y)).astype(np.float32), capsys)


@pytest.mark.parametrize("wrong, fragments", [
    (lambda y, dout: None, ["returned None; expected dx, an array of shape (3, 4)"]),
    (lambda y, dout: y * (1 - y), ["local derivative alone", "dout"]),
    (lambda y, dout: dout * y, ["dout * y", "y (1 - y)"]),
    (lambda y, dout: dout * sigmoid(y) * (1 - sigmoid(y)), ["already the sigmoid's output"]),
    (lambda y, dout: 0.5 * dout * y * (1 - y), ["dx is wrong at index", "off by a factor of 0.50 everywhere"]),
    (lambda y, dout: -dout * y * (1 - y), ["wrong sign everywhere"]),
    (lambda y, dout: dout * (1 - y), ["dx is wrong at index", "got ", "expected "]),
    (lambda y, dout: (dout * y * (1 - y)).T, ["shape (4, 3)", "transpose", "expected (3, 4)"]),
    (lambda y, dout: dout * y * (1 - y) / 0.0 * 0.0, ["contains nan"]),
    (lambda y, dout: (dout * y * (1 - y), y), ["tuple of 2 values"]),
])
def test_sigmoid_wrong(wrong, fragments, capsys):
    with np.errstate(all="ignore"):
        expect_fail(check_sigmoid_backward, wrong, capsys, *fragments)


# ---------------------------------------------------------------------------------------------- affine
def affine_backward(x, W, b, dout):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def test_affine_right(capsys):
    expect_pass(check_affine_backward, affine_backward, capsys)


@pytest.mark.parametrize("wrong, fragments", [
    (lambda x, W, b, d: None, ["returned None; expected a tuple (dx, dW, db) with shapes (4, 3), (3, 2) and (2,)"]),
    (lambda x, W, b, d: (d @ W.T, None, d.sum(0)), ["returned None for dW; expected an array of shape (3, 2)"]),
    (lambda x, W, b, d: (d @ W.T, d.T @ x, d.sum(0)), ["dW has shape (2, 3)", "transpose", "(the shape of W)"]),
    (lambda x, W, b, d: (d @ W.T, x.T @ d, d.mean(0)), ["db looks like a mean over the batch instead of a sum"]),
    (lambda x, W, b, d: (d @ W.T, x.T @ d / len(x), d.sum(0)), ["dW looks like a mean over the batch"]),
    (lambda x, W, b, d: (d @ W.T, x.T @ d, d.sum(1)), ["db has shape (4,)", "axis 0"]),
    (lambda x, W, b, d: (d @ W.T, x.T @ d, d.sum(0, keepdims=True)), ["right values but shape (1, 2)", "keepdims"]),
    (lambda x, W, b, d: (2 * d @ W.T, x.T @ d, d.sum(0)), ["dx is wrong at index", "factor of 2.00"]),
    (lambda x, W, b, d: (d @ W, x.T @ d, d.sum(0)), ["raised ValueError", "hidden case 1 of 4", "W (3, 2)"]),
    (lambda x, W, b, d: (d @ W.T, x.T @ d), ["returned 2 values; expected 3"]),
    (lambda x, W, b, d: d @ W.T, ["returned a single ndarray; expected a tuple (dx, dW, db)"]),
    (lambda x, W, b, d: (d @ W.T, x.T @ d, b), ["db is wrong at index"]),
])
def test_affine_wrong(wrong, fragments, capsys):
    expect_fail(check_affine_backward, wrong, capsys, *fragments)


# ---------------------------------------------------------------------------------------------- softmax with loss
def softmax_with_loss_backward(scores, t):
    return (softmax(scores, axis=1) - one_hot(t, scores.shape[1])) / scores.shape[0]


def test_softmax_right(capsys):
    expect_pass(check_softmax_with_loss_backward, softmax_with_loss_backward, capsys)


@pytest.mark.parametrize("wrong, fragments", [
    (lambda s, t: softmax(s) - one_hot(t, s.shape[1]), ["N = 4 times too large", "mean over the batch"]),
    (lambda s, t: softmax(s) / len(s), ["subtract the one-hot labels"]),
    (lambda s, t: softmax(s), ["equals softmax(scores)", "(y - t) / N"]),
    (lambda s, t: (one_hot(t, s.shape[1]) - softmax(s)) / len(s), ["wrong sign everywhere"]),
    (lambda s, t: (softmax(s, axis=0) - one_hot(t, s.shape[1])) / len(s), ["dscores is wrong at index"]),
    (lambda s, t: float(np.sum(s)), ["dscores has shape ()", "expected (4, 3)"]),
])
def test_softmax_wrong(wrong, fragments, capsys):
    expect_fail(check_softmax_with_loss_backward, wrong, capsys, *fragments)


# ---------------------------------------------------------------------------------------------- 1-D convolution
def test_conv1d_right(capsys):
    expect_pass(check_conv1d_backward, lambda x, w, d: (np.convolve(d, w), np.correlate(x, d, "valid")), capsys)


@pytest.mark.parametrize("wrong, fragments", [
    (lambda x, w, d: None, ["returned None; expected a tuple (dx, dw) with shapes (7,) and (3,)"]),
    (lambda x, w, d: (np.correlate(d, w, "full"), np.correlate(x, d, "valid")), ["wrong way round"]),
    (lambda x, w, d: (np.convolve(d, w), np.correlate(x, d, "valid")[::-1]), ["dw is reversed"]),
    (lambda x, w, d: (np.convolve(d, w), np.convolve(x, d, "valid")), ["reverse order", "np.correlate(x, dout"]),
    (lambda x, w, d: (np.convolve(d, w, "same"), np.correlate(x, d, "valid")), ["dx has shape (5,); expected (7,)"]),
])
def test_conv1d_wrong(wrong, fragments, capsys):
    expect_fail(check_conv1d_backward, wrong, capsys, *fragments)


# ---------------------------------------------------------------------------------------------- 2-D convolution
def conv2d_forward(x, w, b, pad, stride, start_step=None):
    """An independent loop implementation, written as a reader would (start_step: where window (i, j) starts)."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    step = stride if start_step is None else start_step
    y = np.zeros((N, F, OH, OW))
    for i in range(OH):
        for j in range(OW):
            window = xp[:, None, :, i * step:i * step + KH, j * step:j * step + KW]  # (N, 1, C, KH, KW)
            y[:, :, i, j] = (window * w[None]).sum(axis=(2, 3, 4)) + b
    return y


def test_conv2d_forward_right(capsys):
    expect_pass(check_conv2d_forward, conv2d_forward, capsys)


@pytest.mark.parametrize("wrong, fragments", [
    (lambda x, w, b, p, s: None, ["returned None; expected y, an array of shape (2, 4, 3, 3)"]),
    (lambda x, w, b, p, s: conv2d_forward(x, w, 0 * b, p, s), ["missing the bias"]),
    (lambda x, w, b, p, s: conv2d_forward(x, w[:, :, ::-1, ::-1], b, p, s), ["kernel flipped", "cross-correlation"]),
    (lambda x, w, b, p, s: conv2d_forward(x, w, b, 0, s), ["y has shape (1, 3, 4, 4)", "OH = (H + 2P - KH) // S + 1"]),
    (lambda x, w, b, p, s: conv2d_forward(x, w, b, p, 1), ["y has shape (2, 2, 7, 7); expected (2, 2, 4, 4)"]),
    (lambda x, w, b, p, s: conv2d_forward(x, w, b, p, s, start_step=1), ["reads the window of output (i, j) at (i, j)",
                                                                         "(i*S, j*S)"]),
    (lambda x, w, b, p, s: 2 * conv2d_forward(x, w, b, p, s), ["y is wrong at index", "factor of 2.00"]),
])
def test_conv2d_forward_wrong(wrong, fragments, capsys):
    expect_fail(check_conv2d_forward, wrong, capsys, *fragments)


def conv2d_backward(dout, x, w, pad, stride):
    """An independent loop implementation of the backward pass, written as a reader would."""
    KH, KW = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + KH), slice(j * stride, j * stride + KW)
            d = dout[:, :, i, j]  # (N, F)
            dw += np.einsum("nf,nchw->fchw", d, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nf,fchw->nchw", d, w)
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def test_conv2d_backward_right(capsys):
    expect_pass(check_conv2d_backward, conv2d_backward, capsys)


def with_changed(index, change):
    """A wrong backward: the right one with output `index` changed by `change(value, dout, x, w, pad, stride)`."""
    def wrong(dout, x, w, pad, stride):
        out = list(conv2d_backward(dout, x, w, pad, stride))
        out[index] = change(out[index], dout, x, w, pad, stride)
        return tuple(out)
    return wrong


def padded(dx, dout, x, w, pad, stride):
    return np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


@pytest.mark.parametrize("wrong, fragments", [
    (lambda d, x, w, p, s: None, ["returned None; expected a tuple (dx, dw, db)"]),
    (with_changed(2, lambda db, d, *_: d.mean(axis=(0, 2, 3))),
     ["db looks like a mean over the batch and all output positions instead of a sum"]),
    (with_changed(2, lambda db, d, *_: db / d.shape[0]), ["db looks like a mean over the batch instead of a sum"]),
    (with_changed(1, lambda dw, *_: dw[:, :, ::-1, ::-1]), ["dw is flipped in both spatial axes"]),
    (with_changed(0, lambda dx, d, x, w, p, s: conv2d_backward(d, x, w[:, :, ::-1, ::-1], p, s)[0]),
     ["dx uses the kernel rotated by 180 degrees the wrong way"]),
    (with_changed(0, padded), ["the shape of the padded input", "drop the padding (P = 1)"]),
    (with_changed(2, lambda db, d, *_: d.sum(axis=(2, 3))), ["db has shape (2, 4); expected (4,)"]),
    (with_changed(1, lambda dw, *_: 3 * dw), ["dw is wrong at index", "factor of 3.00"]),
])
def test_conv2d_backward_wrong(wrong, fragments, capsys):
    expect_fail(check_conv2d_backward, wrong, capsys, *fragments)


def test_conv_references_agree_with_lib_conv(capsys):
    """The test's own loop implementations and lib.conv are the same maps, so the checks above are not circular."""
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    np.testing.assert_allclose(conv2d_forward(x, w, b, 1, 1), conv.conv2d(x, w, b, pad=1, stride=1), atol=1e-12)
    dout = rng.standard_normal((2, 4, 6, 6))
    for mine, libs in zip(conv2d_backward(dout, x, w, 1, 1), conv.conv2d_backward(dout, x, w, pad=1, stride=1)):
        np.testing.assert_allclose(mine, libs, atol=1e-12)
