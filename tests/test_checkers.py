"""The exercise checkers pass right answers and name the mistake in typical wrong ones, in one printed sentence."""
import functools
import textwrap

import numpy as np
import pytest

import checker_runs
import lib
from lib import conv
from lib.conv import conv2d_backward as _lib_backward_imported_by_name
from lib.checkers import (CheckResult, check_affine_backward, check_conv1d_backward, check_conv2d_backward,
                          check_conv2d_forward, check_sigmoid_backward, check_softmax_with_loss_backward)
from lib.functions import one_hot, sigmoid, softmax


run, expect_fail = checker_runs.run, checker_runs.expect_fail


def expect_pass(checker, fn, capsys):
    result = checker_runs.expect_pass(checker, fn, capsys)
    assert "4 hidden cases" in result.message, result.message


# the convolution backward checkers print their sentence wrapped to the page's code column
run_76 = functools.partial(checker_runs.run, width=76)
expect_fail_76 = functools.partial(checker_runs.expect_fail, width=76)


def expect_pass_76(checker, fn, capsys):
    result = checker_runs.expect_pass(checker, fn, capsys, width=76)
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
def conv1d_backward(x, w, dout, assign=False, outputs=None, to_x="w", to_w="x"):
    """The exercise's loop over the outputs, with a reader's typical mistakes switched on."""
    K = len(w)
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for i in range(len(dout)) if outputs is None else outputs(len(dout)):
        gx = dout[i] * (w if to_x == "w" else x[i:i + K])
        gw = dout[i] * (x[i:i + K] if to_w == "x" else w)
        if assign:
            dx[i:i + K] = gx
            dw = gw
        else:
            dx[i:i + K] += gx
            dw += gw
    return dx, dw


def test_conv1d_right(capsys):
    expect_pass_76(check_conv1d_backward, conv1d_backward, capsys)


def test_conv1d_right_with_prints_and_float32(capsys):
    def chatty(x, w, dout):
        print("debugging")  # printed once by the main pass, never by the hidden watch pass
        dx, dw = conv1d_backward(x, w, dout)
        return dx.astype(np.float32), dw

    result = check_conv1d_backward(chatty)
    printed = capsys.readouterr().out
    assert result.passed and printed.count("debugging") == 4
    assert printed.startswith("debugging\n") and printed.endswith(textwrap.fill(result.message, 76) + "\n")


@pytest.mark.parametrize("shortcut, name", [
    (lambda x, w, d: (np.convolve(d, w), np.correlate(x, d, "valid")), "np.convolve"),
    (lambda x, w, d: (conv1d_backward(x, w, d)[0], np.correlate(x, d, "valid")), "np.correlate"),
    (lambda x, w, d: (conv.convolve1d(d, w, mode="full"), conv1d_backward(x, w, d)[1]), "lib.convolve1d"),
    (lambda x, w, d: tuple(g[0, 0] for g in conv.conv1d_backward(d[None, None], x[None, None], w[None, None])[:2]),
     "lib.conv1d_backward"),
])
def test_conv1d_shortcuts_are_refused(shortcut, name, capsys):
    expect_fail_76(check_conv1d_backward, shortcut, capsys, f"calls {name}", "one loop over the output positions")


@pytest.mark.parametrize("wrong, fragments", [
    (lambda x, w, d: None, ["returned None; expected a tuple (dx, dw) with shapes (7,) and (3,)"]),
    (lambda x, w, d: conv1d_backward(x, w, d, assign=True), ["`=` instead of `+=`", "windows overlap"]),
    (lambda x, w, d: (conv1d_backward(x, w, d)[0], conv1d_backward(x, w, d, assign=True)[1]),
     ["dw holds only the last window's share", "sum over all outputs"]),
    (lambda x, w, d: conv1d_backward(x, w, d, outputs=lambda n: range(n - 1)),
     ["dx misses the contribution of the last output y[4]", "all W - K + 1 = 5 outputs"]),
    (lambda x, w, d: conv1d_backward(x, w, d, outputs=lambda n: range(1, n)),
     ["dx misses the contribution of the first output y[0]"]),
    (lambda x, w, d: conv1d_backward(x, w, d, to_x="x"), ["dx multiplies dout by the input window"]),
    (lambda x, w, d: conv1d_backward(x, w, d, to_w="w"), ["dw multiplies dout by the kernel"]),
    (lambda x, w, d: conv1d_backward(x, w[::-1], d), ["dx uses the kernel reversed", "d1*w3 + d2*w2 + d3*w1"]),
    (lambda x, w, d: (conv1d_backward(x, w, d)[0], conv1d_backward(x, w, d)[1][::-1]), ["dw is reversed"]),
    (lambda x, w, d: (conv1d_backward(x, w, d)[0], conv1d_backward(x, w, d[::-1])[1]),
     ["dw pairs x with dout in reverse order"]),
    (lambda x, w, d: (conv1d_backward(x, w, d)[0], conv1d_backward(x, w, d)[1] / len(d)),
     ["dw looks like a mean over the output positions instead of a sum"]),
    (lambda x, w, d: (conv1d_backward(x, w, d)[0][1:-1], conv1d_backward(x, w, d)[1]),
     ["dx has shape (5,); expected (7,)"]),
    (lambda x, w, d: conv1d_backward(x, w, d, outputs=lambda n: range(n + len(w) - 1)),
     ["raised IndexError on hidden case 1 of 4", "visit the W - K + 1 = 5 outputs", "not the W = 7 inputs"]),
])
def test_conv1d_wrong(wrong, fragments, capsys):
    expect_fail_76(check_conv1d_backward, wrong, capsys, *fragments)


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


def dilate(d, stride):
    out = np.zeros(d.shape[:2] + tuple((n - 1) * stride + 1 for n in d.shape[2:]))
    out[:, :, ::stride, ::stride] = d
    return out


def by_forward(dout, x, w, pad, stride, *, dilated=True, rotate=True, swap_back=True, swap_kernels=True,
               full=True, pad_x=True, transpose_x=True, transpose_dout=True):
    """The exercise's solution, built from the forward lib.conv2d only, with typical mistakes switched on."""
    H, W = x.shape[2:]
    KH, KW = w.shape[2:]
    d = dilate(dout, stride) if dilated else dout
    w_rot = w[:, :, ::-1, ::-1] if rotate else w
    w_rot = w_rot.transpose(1, 0, 2, 3) if swap_kernels else w_rot
    dx = conv.conv2d(d, w_rot, pad=(KH - 1, KW - 1) if full else 0)[:, :, pad:pad + H, pad:pad + W]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad_x else x
    dw = conv.conv2d(xp.transpose(1, 0, 2, 3) if transpose_x else xp,
                     d.transpose(1, 0, 2, 3) if transpose_dout else d)
    return dx, dw.transpose(1, 0, 2, 3) if swap_back else dw, dout.sum(axis=(0, 2, 3))


def dx_by_forward_dw_of(**mistake):
    """dx right, dw from the exercise's solution with one mistake switched on."""
    return lambda d, x, w, p, s: (by_forward(d, x, w, p, s)[0], by_forward(d, x, w, p, s, **mistake)[1],
                                  d.sum(axis=(0, 2, 3)))


def test_conv2d_backward_right(capsys):
    expect_pass_76(check_conv2d_backward, conv2d_backward, capsys)


def test_conv2d_backward_by_forward_right(capsys):
    expect_pass_76(check_conv2d_backward, by_forward, capsys)


def test_conv2d_backward_loop_of_the_section_right(capsys):
    expect_pass_76(check_conv2d_backward, lambda d, x, w, p, s: naive_loop(d, x, w, p, s), capsys)


def naive_loop(dout, x, w, pad, stride, assign=False, step=None, samples=None):
    """The section's four nested loops (n, f, i, j), with typical mistakes switched on."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    step = stride if step is None else step
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = slice(i * step, i * step + KH), slice(j * step, j * step + KW)
                    d = dout[n, f, i, j]
                    if assign:
                        dxp[n, :, rows, cols] = d * w[f]
                    else:
                        dxp[n, :, rows, cols] += d * w[f]
                    if samples is None or n in samples(N):
                        dw[f] += d * xp[n, :, rows, cols]
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))


@pytest.mark.parametrize("shortcut, name", [
    (lambda d, x, w, p, s: conv.conv2d_backward(d, x, w, pad=p, stride=s), "lib.conv2d_backward"),
    (lambda d, x, w, p, s: lib.conv2d_backward(d, x, w, pad=p, stride=s), "lib.conv2d_backward"),
    (lambda d, x, w, p, s: lib.conv2d_backward_loop(d, x, w, pad=p, stride=s), "lib.conv2d_backward_loop"),
    (lambda d, x, w, p, s: (lib.conv_transpose2d(d, w, pad=p, stride=s),) + by_forward(d, x, w, p, s)[1:],
     "lib.conv_transpose2d"),
    (lambda d, x, w, p, s: by_forward(d, x, w, p, s) if s == 1 else conv2d_backward_renamed(d, x, w, pad=p, stride=s),
     "lib.conv2d_backward"),
])
def test_conv2d_backward_lib_backward_is_refused(shortcut, name, capsys):
    result = expect_fail_76(check_conv2d_backward, shortcut, capsys, f"calls {name}",
                         "asks for the backward pass written with the forward convolution lib.conv2d")
    assert result.message.count(".") == 3  # one sentence: "lib.conv2d", "lib.conv2d_backward" and the end


def test_conv2d_backward_layer_backward_is_refused(capsys):
    def with_layer(dout, x, w, pad, stride):
        layer = lib.Conv2D(w, np.zeros(w.shape[0]), stride=stride, pad=pad)
        layer.forward(x)
        dx = layer.backward(dout)
        return dx, layer.grads[0], layer.grads[1]

    expect_fail_76(check_conv2d_backward, with_layer, capsys, "calls lib.Conv2D.backward")


def test_conv2d_backward_tripwire_leaves_lib_and_profiler_alone(capsys):
    import sys

    before = sys.getprofile()
    functions = (lib.conv2d_backward, conv.conv2d_backward, conv.conv2d_backward_loop, conv.conv1d_backward)
    run_76(check_conv2d_backward, lambda d, x, w, p, s: lib.conv2d_backward(d, x, w, pad=p, stride=s), capsys)
    assert sys.getprofile() is before
    assert (lib.conv2d_backward, conv.conv2d_backward, conv.conv2d_backward_loop, conv.conv1d_backward) == functions
    expect_pass_76(check_conv2d_backward, conv2d_backward, capsys)  # and lib still works afterwards


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
     ["dx is what the kernel gives without its 180-degree rotation"]),
    (lambda d, x, w, p, s: by_forward(d, x, w, p, s, rotate=False), ["without its 180-degree rotation"]),
    (with_changed(0, padded), ["the shape of the padded input", "drop the padding (P = 1)"]),
    (with_changed(2, lambda db, d, *_: d.sum(axis=(2, 3))),
     ["db has shape (2, 4); expected (4,)", "sum dout over the axes 0, 2 and 3"]),
    (with_changed(2, lambda db, d, *_: d.sum(axis=0)), ["db has shape (4, 3, 3); expected (4,)", "every position"]),
    (with_changed(1, lambda dw, *_: 3 * dw), ["dw is wrong at index", "factor of 3.00"]),
    (lambda d, x, w, p, s: naive_loop(d, x, w, p, s, assign=True), ["dx looks like `=` instead of `+=`"]),
    (with_changed(0, lambda dx, d, x, w, p, s: conv_assign_per_window(d, x, w, p, s)),
     ["dx looks like `=` instead of `+=`"]),
    (lambda d, x, w, p, s: naive_loop(d, x, w, p, s, samples=lambda n: [0]),
     ["dw is the gradient of the first sample alone", "all N samples"]),
    (lambda d, x, w, p, s: naive_loop(d, x, w, p, s, samples=lambda n: [n - 1]),
     ["dw is the gradient of the last sample alone"]),
    (lambda d, x, w, p, s: naive_loop(d, x, w, p, s, step=1), ["dx looks as if the stride were ignored"]),
    (with_changed(1, lambda dw, d, x, w, p, s: naive_loop(d, x, w, p, s, step=1)[1]),
     ["dw looks as if the stride were ignored"]),
    (with_changed(1, lambda dw, d, x, w, p, s: dw[:, :, None] * 0 + dw[:, :, None]),
     ["dw has the right values but shape (4, 3, 1, 3, 3); expected (4, 3, 3, 3)"]),
    (with_changed(1, lambda dw, d, x, w, p, s: np.stack([dw / d.shape[0]] * d.shape[0])),
     ["one kernel gradient per sample", "sum over the batch axis"]),
    (lambda d, x, w, p, s: by_forward(d, x, w, p, s, swap_back=False), ["order (C, F, KH, KW)", "transpose"]),
    (lambda d, x, w, p, s: by_forward(d, x, w, p, s, dilated=False),
     ["dx has shape (2, 1, 5, 5); expected (2, 1, 7, 7)", "with stride S = 2, dilate dout first"]),
    (lambda d, x, w, p, s: (by_forward(d, x, w, p, s)[0],) + by_forward(d, x, w, p, s, dilated=False)[1:],
     ["dw has shape (2, 1, 6, 6)", "dilate dout (S - 1 zeros between its entries) before it slides"]),
    # slips of the exercise's solution that make lib.conv2d raise, or give a shape that names them
    (lambda d, x, w, p, s: by_forward(d, x, w, p, s, swap_kernels=False),
     ["raised ValueError on hidden case 1 of 4", "input with 4 channels and kernels that expect 3 (F and C)",
      "for dx", "swap the first two axes of the rotated kernels too"]),
    (lambda d, x, w, p, s: by_forward(d, x, w, p, s, full=False),
     ["dx has shape (2, 3, 1, 1); expected (2, 3, 5, 5)", "full convolution", "KH - 1 = 2 and KW - 1 = 2 zeros"]),
    (dx_by_forward_dw_of(pad_x=False),
     ["raised ValueError on hidden case 2 of 4", "kernel (the dilated dout) larger than x",
      "pad x with P = 1 zeros on each side first"]),
    (lambda d, x, w, p, s: by_forward(d, x, w, p, s) if s == 1 else dx_by_forward_dw_of(pad_x=False)(d, x, w, p, s),
     ["dw has shape (2, 1, 1, 1); expected (2, 1, 3, 3)", "pad x with P = 1 zeros"]),
    (dx_by_forward_dw_of(transpose_dout=False), ["2 channels and kernels that expect 4 (N and F)",
                                                 "transpose it to (F, N, OH, OW)"]),
    (dx_by_forward_dw_of(transpose_x=False), ["3 channels and kernels that expect 2 (C and N)",
                                              "transpose x to (C, N, H + 2P, W + 2P)"]),
    (dx_by_forward_dw_of(transpose_x=False, transpose_dout=False),
     ["3 channels and kernels that expect 4 (C and F)", "transpose x to (C, N, H + 2P, W + 2P) and dout"]),
])
def test_conv2d_backward_wrong(wrong, fragments, capsys):
    expect_fail_76(check_conv2d_backward, wrong, capsys, *fragments)


def conv_assign_per_window(dout, x, w, pad, stride):
    """dx of a loop over windows that writes `=` the whole batch's and all kernels' share of each window."""
    KH, KW = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + KH), slice(j * stride, j * stride + KW)
            dxp[:, :, rows, cols] = np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    return dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]


def conv2d_backward_renamed(*args, **kwargs):
    """lib's backward under another name, imported before the check: the watch must still see it."""
    return _lib_backward_imported_by_name(*args, **kwargs)


def test_conv_references_agree_with_lib_conv(capsys):
    """The test's own loop implementations and lib.conv are the same maps, so the checks above are not circular."""
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    np.testing.assert_allclose(conv2d_forward(x, w, b, 1, 1), conv.conv2d(x, w, b, pad=1, stride=1), atol=1e-12)
    dout = rng.standard_normal((2, 4, 6, 6))
    for mine, libs in zip(conv2d_backward(dout, x, w, 1, 1), conv.conv2d_backward(dout, x, w, pad=1, stride=1)):
        np.testing.assert_allclose(mine, libs, atol=1e-12)
