"""Convolution: loop == vectorised, gradient checks, transposed convolution, conv as a matrix, clear errors."""
import itertools

import numpy as np
import pytest

import lib
from lib.conv import (Conv2D, affine_params_and_flops, col2im, conv1d, conv1d_backward, conv2d, conv2d_backward,
                      conv2d_backward_loop, conv2d_loop, conv_matrix, conv_params_and_flops, conv_transpose2d,
                      convolve1d, correlate1d, im2col, output_size)

TOL = 1e-6


class FunctionLayer:
    """Wrap conv functions (forward(x, w, b), backward(dout, x, w) -> (dx, dw, db)) as a layer for lib.gradcheck."""

    param_names = ("W", "b")

    def __init__(self, forward, backward, w, b, pad=0, stride=1, name=None):
        self.fwd, self.bwd, self.pad, self.stride = forward, backward, pad, stride
        self.params = [w, b]
        self.grads = [np.zeros_like(w), np.zeros_like(b)]
        self.name = name or forward.__name__

    def forward(self, x):
        self.x = x
        return self.fwd(x, self.params[0], self.params[1], pad=self.pad, stride=self.stride)

    def backward(self, dout):
        dx, dw, db = self.bwd(dout, self.x, self.params[0], pad=self.pad, stride=self.stride)
        self.grads[0][...] = dw
        self.grads[1][...] = db
        return dx


def gradcheck_ok(layer, x, rng):
    report = lib.gradcheck(layer, x, rng=rng)
    print(report)
    assert set(report.errors) == {"x", "W", "b"}, report
    assert report.ok(TOL), f"{report} exceeds {TOL}"
    return report


# Configurations (N, C, F, H, W, KH, KW, pad, stride) that fit exactly: batch, channels, non-square, pads 0-2,
# strides 1-3.
def fitting_configs():
    out = []
    for pad, stride, (KH, KW) in itertools.product((0, 1, 2), (1, 2, 3), ((1, 1), (2, 3), (3, 3), (3, 2))):
        H = stride * 2 + KH - 2 * pad + stride  # OH = 4 (H >= 1 always here)
        W = stride * 1 + KW - 2 * pad + 2 * stride  # OW = 4
        if H < 1 or W < 1:
            continue
        N, C, F = 1 + (pad + stride) % 3, 1 + stride % 3, 1 + (pad + KH) % 3
        out.append((N, C, F, H, W, KH, KW, pad, stride))
    return out


CONFIGS = fitting_configs()


def make(cfg, rng):
    N, C, F, H, W, KH, KW, pad, stride = cfg
    n = rng.standard_normal
    return n((N, C, H, W)), n((F, C, KH, KW)), n(F), pad, stride


# ---- the worked example and the 1-D teaching functions -------------------------------------------------

def test_worked_example():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.arange(4.0).reshape(1, 1, 2, 2)
    first = 0 * 0 + 1 * 1 + 3 * 2 + 4 * 3  # the top-left window times the kernel, summed
    assert first == 19
    for f in (conv2d, conv2d_loop):
        assert f(x, w).tolist() == [[[[19.0, 25.0], [37.0, 43.0]]]]


def test_correlate_and_convolve_1d(rng):
    x, w = rng.standard_normal(9), rng.standard_normal(3)
    assert np.allclose(correlate1d(x, w), np.correlate(x, w, mode="valid"))
    assert np.allclose(convolve1d(x, w), np.convolve(x, w, mode="valid"))
    assert np.allclose(convolve1d(x, w), correlate1d(x, w[::-1]))
    assert not np.allclose(convolve1d(x, w), correlate1d(x, w))  # they differ unless w is symmetric
    assert np.allclose(correlate1d(x, w, mode="full"), np.correlate(x, w, mode="full"))
    assert np.allclose(convolve1d(x, w, mode="full"), np.convolve(x, w, mode="full"))
    assert correlate1d([1.0, 2.0, 3.0, 4.0], [1.0, 0.0, -1.0]).tolist() == [-2.0, -2.0]


def test_1d_gradient_by_hand():
    """x3 reaches O1 through w3, O2 through w2 and O3 through w1; w1 collects x1 d1 + x2 d2 + x3 d3."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    w = np.array([0.5, -1.0, 2.0])
    d = np.array([1.0, 10.0, 100.0])
    dx, dw, _ = conv1d_backward(d[None, None], x[None, None], w[None, None])
    assert dx[0, 0, 2] == pytest.approx(d[0] * w[2] + d[1] * w[1] + d[2] * w[0])
    assert dw[0, 0, 0] == pytest.approx(x[0] * d[0] + x[1] * d[1] + x[2] * d[2])
    assert np.allclose(dx[0, 0], convolve1d(d, w, mode="full"))  # full convolution of d with w ...
    assert np.allclose(dx[0, 0], correlate1d(d, w[::-1], mode="full"))  # ... = full correlation, flipped kernel
    assert np.allclose(dw[0, 0], correlate1d(x, d))


def conv1d_reference(x, w, b, pad, stride):
    """Batched 1-D convolution from the teaching function correlate1d, one (sample, kernel, channel) at a time."""
    N, F = x.shape[0], w.shape[0]
    rows = [[sum(correlate1d(np.pad(x[n, c], pad), w[f, c]) for c in range(x.shape[1]))[::stride] + b[f]
             for f in range(F)] for n in range(N)]
    return np.array(rows)


@pytest.mark.parametrize("pad,stride,K", list(itertools.product((0, 1, 2), (1, 2, 3), (1, 2, 3))))
def test_conv1d_matches_the_reference(pad, stride, K, rng):
    L = 3 * stride + K - 2 * pad + stride  # OL = 5
    if L < 1:
        pytest.skip("no such input")
    x, w, b = rng.standard_normal((2, 3, L)), rng.standard_normal((4, 3, K)), rng.standard_normal(4)
    y = conv1d(x, w, b, pad=pad, stride=stride)
    assert y.shape == (2, 4, output_size(L, K, pad, stride))
    assert np.allclose(y, conv1d_reference(x, w, b, pad, stride))
    assert np.allclose(y, conv2d_loop(x[:, :, None], w[:, :, None], b, pad=(0, pad), stride=(1, stride))[:, :, 0])
    dout = rng.standard_normal(y.shape)
    loop = conv2d_backward_loop(dout[:, :, None], x[:, :, None], w[:, :, None], pad=(0, pad), stride=(1, stride))
    for got, want in zip(conv1d_backward(dout, x, w, pad=pad, stride=stride), loop):
        assert np.allclose(got, np.squeeze(want, axis=2) if want.ndim == 4 else want)


# ---- loop == vectorised ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "N{}C{}F{}_{}x{}_k{}x{}_p{}s{}".format(*c))
def test_loop_equals_vectorised(cfg, rng):
    x, w, b, pad, stride = make(cfg, rng)
    y = conv2d(x, w, b, pad=pad, stride=stride)
    assert y.shape == (x.shape[0], w.shape[0], 4, 4)
    assert np.allclose(y, conv2d_loop(x, w, b, pad=pad, stride=stride))
    dout = rng.standard_normal(y.shape)
    vec = conv2d_backward(dout, x, w, pad=pad, stride=stride)
    loop = conv2d_backward_loop(dout, x, w, pad=pad, stride=stride)
    for name, v, l, like in zip(("dx", "dw", "db"), vec, loop, (x, w, b)):
        assert v.shape == like.shape, name
        assert np.allclose(v, l), name


def test_no_bias_means_zero_bias(rng):
    x, w, b, pad, stride = make(CONFIGS[5], rng)
    assert np.allclose(conv2d(x, w, pad=pad, stride=stride), conv2d(x, w, np.zeros_like(b), pad=pad, stride=stride))
    assert np.allclose(conv2d_loop(x, w, pad=pad, stride=stride), conv2d(x, w, pad=pad, stride=stride))


def test_im2col_layout_and_col2im_adjoint(rng):
    x = rng.standard_normal((2, 3, 5, 4))
    cols = im2col(x, 3, 2, pad=1, stride=1)
    OH, OW = output_size(5, 3, 1, 1), output_size(4, 2, 1, 1)
    assert cols.shape == (2 * OH * OW, 3 * 2 * 3)
    n, i, j, p, q, c = 1, 2, 1, 2, 1, 2  # row (n, i, j), column (p, q, c) holds x[n, c, i + p - 1, j + q - 1]
    assert cols[(n * OH + i) * OW + j, (p * 2 + q) * 3 + c] == x[n, c, i + p - 1, j + q - 1]
    assert cols[0, 0] == 0.0  # top-left tap of the first patch lies on the padding
    r = rng.standard_normal(cols.shape)  # col2im is the transpose of im2col: <im2col(x), r> = <x, col2im(r)>
    assert np.sum(cols * r) == pytest.approx(np.sum(x * col2im(r, x.shape, 3, 2, pad=1, stride=1)))
    ones = col2im(np.ones_like(cols), x.shape, 3, 2, pad=1)  # how many patches cover each input cell
    assert ones[0, 0, 0, 0] == 2 * 2 and ones[0, 0, 2, 1] == 3 * 2


# ---- gradient checks --------------------------------------------------------------------------------------

@pytest.mark.parametrize("cfg", [CONFIGS[i] for i in (0, 7, 13, 20, len(CONFIGS) - 1)],
                         ids=lambda c: "N{}C{}F{}_{}x{}_k{}x{}_p{}s{}".format(*c))
def test_conv2d_layer_gradcheck(cfg, rng):
    x, w, b, pad, stride = make(cfg, rng)
    layer = Conv2D(w, b, stride=stride, pad=pad)
    gradcheck_ok(layer, x, rng)


def test_conv2d_layer_gradcheck_multichannel(rng):
    layer = Conv2D(rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3), stride=1, pad=1)
    gradcheck_ok(layer, rng.standard_normal((2, 2, 5, 4)), rng)


@pytest.mark.parametrize("cfg", [CONFIGS[i] for i in (2, 11, 25)],
                         ids=lambda c: "N{}C{}F{}_{}x{}_k{}x{}_p{}s{}".format(*c))
def test_loop_backward_gradcheck(cfg, rng):
    x, w, b, pad, stride = make(cfg, rng)
    gradcheck_ok(FunctionLayer(conv2d_loop, conv2d_backward_loop, w, b, pad, stride), x, rng)


@pytest.mark.parametrize("pad,stride", [(0, 1), (1, 1), (2, 3), (1, 2)])
def test_conv1d_backward_gradcheck(pad, stride, rng):
    K = 3
    L = 2 * stride + K - 2 * pad + stride  # OL = 4
    x, w, b = rng.standard_normal((2, 3, L)), rng.standard_normal((2, 3, K)), rng.standard_normal(2)
    gradcheck_ok(FunctionLayer(conv1d, conv1d_backward, w, b, pad, stride), x, rng)


def test_gradcheck_catches_a_broken_backward(rng):
    """A backward that correlates dout with the kernel instead of convolving (no flip) must fail the check."""
    def forgot_the_flip(dout, x, w, pad=0, stride=1):
        dx, dw, db = conv2d_backward(dout, x, w, pad=pad, stride=stride)
        wrong = conv2d(np.pad(dout, ((0, 0), (0, 0), (1, 1), (1, 1))), w.transpose(1, 0, 2, 3))  # unflipped
        return wrong, dw, db

    w, b = rng.standard_normal((2, 3, 2, 2)), rng.standard_normal(2)
    layer = FunctionLayer(conv2d, forgot_the_flip, w, b)
    report = lib.gradcheck(layer, rng.standard_normal((2, 3, 4, 4)), rng=rng)
    assert report.errors["x"] > 0.1 and report.errors["W"] < TOL


def test_gradcheck_catches_a_wrong_kernel_gradient(rng):
    class MeanBias(Conv2D):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads[0][...] *= 0.5  # a wrong factor on dW
            return dx

    layer = MeanBias(rng.standard_normal((2, 1, 2, 2)), np.zeros(2))
    report = lib.gradcheck(layer, rng.standard_normal((2, 1, 4, 4)), rng=rng)
    assert report.errors["W"] > 0.1 and report.errors["x"] < TOL


# ---- the layer ---------------------------------------------------------------------------------------------

def test_layer_repr_and_in_place_grads(rng):
    layer = Conv2D(rng.standard_normal((8, 1, 3, 3)), np.zeros(8), stride=1, pad=1)
    assert repr(layer) == "Conv2D(W=(8, 1, 3, 3), b=(8,), stride=1, pad=1)"
    held = [g for g in layer.grads]
    y = layer.forward(rng.standard_normal((2, 1, 5, 5)))
    assert y.shape == (2, 8, 5, 5)
    dx = layer.backward(np.ones(y.shape))
    assert dx.shape == (2, 1, 5, 5)
    assert all(a is b for a, b in zip(held, layer.grads)) and np.all(layer.grads[1] == 2 * 25)


def test_layer_matches_functions(rng):
    x, w, b, pad, stride = make(CONFIGS[16], rng)
    layer = Conv2D(w, b, stride=stride, pad=pad)
    y = layer.forward(x)
    assert np.allclose(y, conv2d(x, w, b, pad=pad, stride=stride))
    dout = rng.standard_normal(y.shape)
    dx = layer.backward(dout)
    ref = conv2d_backward(dout, x, w, pad=pad, stride=stride)
    assert np.allclose(dx, ref[0]) and np.allclose(layer.grads[0], ref[1]) and np.allclose(layer.grads[1], ref[2])


def test_small_cnn_trains(rng):
    """Conv2D -> ReLU -> Flatten -> Affine learns to tell a horizontal bar from a vertical one."""
    N = 64
    x = 0.1 * rng.standard_normal((N, 1, 6, 6))
    t = rng.integers(0, 2, N)
    pos = rng.integers(0, 6, N)
    for n in range(N):
        if t[n]:
            x[n, 0, :, pos[n]] += 1.0
        else:
            x[n, 0, pos[n], :] += 1.0
    model = lib.Sequential([Conv2D(0.3 * rng.standard_normal((4, 1, 3, 3)), np.zeros(4), pad=1), lib.ReLU(),
                            lib.Flatten(), lib.Affine(0.05 * rng.standard_normal((4 * 36, 2)), np.zeros(2))])
    losses = lib.fit(model, lib.Adam(0.01), x, t, epochs=30, batch_size=16, rng=rng)
    assert losses[-1] < 0.5 * losses[0]
    assert lib.accuracy(model, x, t) > 0.95


# ---- transposed convolution and the conv matrix --------------------------------------------------------------

@pytest.mark.parametrize("cfg", [CONFIGS[i] for i in (0, 4, 9, 17, 22, 30)],
                         ids=lambda c: "N{}C{}F{}_{}x{}_k{}x{}_p{}s{}".format(*c))
def test_transposed_convolution_is_the_input_gradient(cfg, rng):
    x, w, _, pad, stride = make(cfg, rng)
    y = rng.standard_normal(conv2d(x, w, pad=pad, stride=stride).shape)
    xt = conv_transpose2d(y, w, pad=pad, stride=stride)
    assert xt.shape == x.shape
    assert np.allclose(xt, conv2d_backward(y, x, w, pad=pad, stride=stride)[0])
    # the adjoint identity <conv2d(x), y> = <x, conv_transpose2d(y)>
    assert np.sum(conv2d(x, w, pad=pad, stride=stride) * y) == pytest.approx(np.sum(x * xt))
    assert np.allclose(conv_transpose2d(y, w, pad=pad, stride=stride, output_size=x.shape[2:]), xt)


def test_transposed_convolution_does_not_invert(rng):
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    back = conv_transpose2d(conv2d(x, w, pad=1), w, pad=1)
    assert back.shape == x.shape
    assert not np.allclose(back, x)
    assert np.linalg.norm(back - x) > 0.1 * np.linalg.norm(x)
    # even a single-channel 1x1 "kernel" 2 only inverts if scaled: transpose gives 4x, not x
    assert np.allclose(conv_transpose2d(conv2d(x[:, :1], np.full((1, 1, 1, 1), 2.0)), np.full((1, 1, 1, 1), 2.0)),
                       4 * x[:, :1])


@pytest.mark.parametrize("pad,stride", [(0, 1), (1, 1), (1, 2), (2, 3)])
def test_conv_matrix(pad, stride, rng):
    C, F, KH, KW = 2, 3, 3, 2
    H, W = 2 * stride + KH - 2 * pad + stride, 2 * stride + KW - 2 * pad + stride  # OH = OW = 4
    w, x = rng.standard_normal((F, C, KH, KW)), rng.standard_normal((C, H, W))
    M = conv_matrix(w, (C, H, W), pad=pad, stride=stride)
    assert M.shape == (F * 4 * 4, C * H * W)
    assert np.allclose(conv2d(x[None], w, pad=pad, stride=stride).ravel(), M @ x.ravel())
    y = rng.standard_normal((1, F, 4, 4))
    assert np.allclose(conv_transpose2d(y, w, pad=pad, stride=stride).ravel(), M.T @ y.ravel())
    assert np.count_nonzero(M) <= M.shape[0] * C * KH * KW  # each row holds at most one kernel's worth


def test_transposed_convolution_upsamples(rng):
    y = rng.standard_normal((1, 1, 3, 3))
    assert conv_transpose2d(y, np.ones((1, 1, 2, 2)), stride=2).shape == (1, 1, 6, 6)
    assert np.allclose(conv_transpose2d(y, np.ones((1, 1, 2, 2)), stride=2)[0, 0, ::2, ::2], y[0, 0])


# ---- sizes, parameters, FLOPs ----------------------------------------------------------------------------------

def test_output_size():
    assert output_size(3, 2) == 2
    assert output_size(32, 3, pad=1) == 32
    assert output_size(7, 3, pad=0, stride=2) == 3
    assert output_size(5, 5) == 1
    for n, k, p, s in itertools.product(range(1, 9), range(1, 5), range(3), range(1, 4)):
        if n + 2 * p >= k and (n + 2 * p - k) % s == 0:
            positions = [i for i in range(n + 2 * p) if i * s + k <= n + 2 * p]  # where the window still fits
            assert output_size(n, k, p, s) == len(positions)


def test_params_and_flops(rng):
    params, flops = conv_params_and_flops(C=3, F=8, KH=3, KW=3, OH=30, OW=30)
    assert params == 8 * 3 * 3 * 3 + 8 == Conv2D(np.zeros((8, 3, 3, 3)), np.zeros(8)).params[0].size + 8
    assert flops == 2 * 3 * 3 * 3 * 8 * 30 * 30
    params, flops = affine_params_and_flops(D=784, H=100)
    assert (params, flops) == (784 * 100 + 100, 2 * 784 * 100)
    # the conv layer as an affine layer on the flattened image: same FLOPs per non-zero, far more parameters
    dense_params, _ = affine_params_and_flops(3 * 32 * 32, 8 * 30 * 30)
    assert dense_params > 1000 * conv_params_and_flops(3, 8, 3, 3, 30, 30)[0]


# ---- clear errors -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    ((6, 3, 0, 2), r"output_size: n=6, k=3, pad=0, stride=2 give \(n \+ 2\*pad - k\) / stride = 1\.5, not a whole "
                   r"number; n=5 or n=7 would fit; no padding fits \(with the even stride 2"),
    ((6, 3, 1, 3), r"n=6, k=3, pad=1, stride=3 .* = 1\.667, not a whole number; n=4 or n=7 would fit, or pad 0"),
    ((3, 5, 0, 1), r"output_size: kernel k=5 is larger than the padded input n \+ 2\*pad = 3 \(n=3, pad=0"),
    ((5, 3, 0, 0), r"output_size: stride must be a positive integer, got 0"),
    ((5, 3, 0, -1), r"output_size: stride must be a positive integer, got -1"),
    ((5, 3, -1, 1), r"output_size: pad must be a non-negative integer, got -1"),
])
def test_output_size_errors(args, message):
    with pytest.raises(ValueError, match=message):
        output_size(*args)


def test_output_size_type_error():
    with pytest.raises(TypeError, match=r"output_size: stride must be an integer, got 1\.5"):
        output_size(5, 3, 0, 1.5)


def test_suggested_sizes_really_fit():
    for (n, k, p, s), text, fits in [
            ((10, 3, 0, 3), "n=9 or n=12 would fit, or pad 1 with this size", [(9, 3, 0, 3), (12, 3, 0, 3), (10, 3, 1, 3)]),
            ((10, 4, 0, 4), "n=8 or n=12 would fit, or pad 1 with this size", [(8, 4, 0, 4), (12, 4, 0, 4), (10, 4, 1, 4)]),
            ((10, 3, 0, 4), "n=7 or n=11 would fit; no padding fits", [(7, 3, 0, 4), (11, 3, 0, 4)])]:
        with pytest.raises(ValueError) as info:
            output_size(n, k, p, s)
        assert text in str(info.value)
        for args in fits:
            output_size(*args)  # no error: the suggestion is real


@pytest.mark.parametrize("call,message", [
    (lambda: conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 5, 5))),
     r"conv2d: kernel \(5, 5\) is larger than padded input \(3, 3\)"),
    (lambda: conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 6, 6)), pad=1),
     r"conv2d: kernel \(6, 6\) is larger than padded input \(5, 5\) \(input \(3, 3\), pad \(1, 1\)\)"),
    (lambda: conv2d(np.ones((1, 3, 4, 4)), np.ones((1, 2, 3, 3))), r"conv2d: input has 3 channels, kernel expects 2"),
    (lambda: conv2d(np.ones((1, 1, 6, 7)), np.ones((1, 1, 3, 3)), stride=2),
     r"conv2d: input height 6 does not fit kernel 3 with pad 0 and stride 2: \(6 \+ 2\*0 - 3\) / 2 = 1\.5 is not "
     r"a whole number; input height 5 or input height 7 would fit"),
    (lambda: conv2d(np.ones((1, 1, 6, 7)), np.ones((1, 1, 3, 3)), stride=3),
     r"conv2d: input width 7 does not fit kernel 3 .* input width 6 or input width 9 would fit, or pad 1 with"),
    (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=0),
     r"conv2d: stride must be a positive integer, got 0"),
    (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), pad=-1),
     r"conv2d: pad must be a non-negative integer, got -1"),
    (lambda: conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3))),
     r"conv2d: input x \(N, C, H, W\) must be 4-D, got shape \(1, 4, 4\)"),
    (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 3, 3))),
     r"conv2d: kernel w \(F, C, KH, KW\) must be 4-D, got shape \(1, 3, 3\)"),
    (lambda: conv2d(np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3)), np.ones(3)),
     r"conv2d: bias has shape \(3,\), expected \(2,\) for 2 kernels"),
    (lambda: conv2d(np.ones((0, 1, 4, 4)), np.ones((1, 1, 3, 3))), r"conv2d: input x .* is empty"),
    (lambda: conv2d(np.full((1, 1, 4, 4), np.nan), np.ones((1, 1, 3, 3))),
     r"conv2d: input x \(N, C, H, W\) contains nan at index \(0, 0, 0, 0\)"),
    (lambda: conv2d_loop(np.ones((1, 3, 4, 4)), np.ones((1, 2, 3, 3))),
     r"conv2d_loop: input has 3 channels, kernel expects 2"),
    (lambda: conv2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))),
     r"conv2d_backward: upstream gradient has shape \(1, 1, 3, 3\), the forward output has shape \(1, 1, 2, 2\)"),
    (lambda: conv2d_backward_loop(np.ones((1, 2, 2, 2)), np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))),
     r"conv2d_backward_loop: upstream gradient has shape \(1, 2, 2, 2\), the forward output has shape"),
    (lambda: conv1d(np.ones((1, 1, 3)), np.ones((1, 1, 5))), r"conv1d: kernel 5 is larger than padded input 3"),
    (lambda: conv1d(np.ones((1, 2, 6)), np.ones((1, 3, 3))), r"conv1d: input has 2 channels, kernel expects 3"),
    (lambda: conv1d(np.ones((1, 1, 6)), np.ones((1, 1, 3)), stride=2),
     r"conv1d: input length 6 does not fit kernel 3 with pad 0 and stride 2"),
    (lambda: conv1d_backward(np.ones((1, 1, 3)), np.ones((1, 1, 6)), np.ones((1, 1, 3))),
     r"conv1d_backward: upstream gradient has shape \(1, 1, 3\), the forward output has shape \(1, 1, 4\)"),
    (lambda: correlate1d(np.ones(2), np.ones(3)), r"correlate1d: kernel length 3 is larger than the signal length 2"),
    (lambda: convolve1d(np.ones((2, 2)), np.ones(3)), r"convolve1d: signal x must be 1-D, got shape \(2, 2\)"),
    (lambda: correlate1d(np.ones(4), np.ones(3), mode="same"), r"mode must be 'valid' or 'full', got 'same'"),
    (lambda: conv_transpose2d(np.ones((1, 3, 2, 2)), np.ones((2, 1, 3, 3))),
     r"conv_transpose2d: input has 3 channels, kernel expects 2"),
    (lambda: conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), output_size=(5, 5)),
     r"conv_transpose2d: output_size \(5, 5\) is not reachable: .* gives .* = \(4, 4\)"),
    (lambda: conv_transpose2d(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)), pad=1),
     r"conv_transpose2d: .* gives output \(-1, -1\), which is empty"),
    (lambda: conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), stride=0),
     r"conv_transpose2d: stride must be a positive integer, got 0"),
    (lambda: conv_matrix(np.ones((1, 2, 3, 3)), (1, 4, 4)), r"conv_matrix: input has 1 channels, kernel expects 2"),
    (lambda: im2col(np.ones((1, 1, 3, 3)), 4, 4), r"im2col: kernel \(4, 4\) is larger than padded input \(3, 3\)"),
    (lambda: col2im(np.ones((4, 5)), (1, 1, 3, 3), 2, 2),
     r"col2im: cols has shape \(4, 5\), expected \(N\*OH\*OW, KH\*KW\*C\) = \(4, 4\)"),
    (lambda: Conv2D(np.ones((2, 1, 3, 3)), np.ones(3)),
     r"Conv2D: W must be \(F, C, KH, KW\) and b \(F,\), got W \(2, 1, 3, 3\) and b \(3,\)"),
    (lambda: Conv2D(np.ones((2, 1, 3, 3)), np.ones(2), stride=0), r"Conv2D: stride must be a positive integer"),
    (lambda: Conv2D(np.ones((2, 1, 3, 3)), np.ones(2)).forward(np.ones((1, 2, 5, 5))),
     r"Conv2D: input has 2 channels, kernel expects 1"),
    (lambda: Conv2D(np.ones((2, 1, 3, 3)), np.ones(2)).forward(np.ones((1, 1, 2, 5))),
     r"Conv2D: kernel \(3, 3\) is larger than padded input \(2, 5\)"),
])
def test_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_layer_backward_errors(rng):
    layer = Conv2D(np.ones((2, 1, 3, 3)), np.ones(2))
    with pytest.raises(RuntimeError, match="Conv2D.backward: call forward first"):
        layer.backward(np.ones((1, 2, 2, 2)))
    layer.forward(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"Conv2D.backward: upstream gradient has shape \(1, 2, 3, 3\), the forward "
                                         r"output had shape \(1, 2, 2, 2\)"):
        layer.backward(np.ones((1, 2, 3, 3)))
