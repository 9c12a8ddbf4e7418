"""Pooling: loops == vectorised, gradient checks (also for overlapping windows), the tie rule, clear errors."""
import numpy as np
import pytest

import lib
from lib import (AvgPool2D, GlobalAvgPool, MaxPool2D, avg_pool2d, avg_pool2d_backward, max_pool2d,
                 max_pool2d_backward)

TOL = 1e-6


# ---- an independent reference: loops that read like the definitions -------------------------------------

def pool_loop(x, K, S, kind):
    """Forward pass with loops: y[n, c, i, j] = max or mean of the window x[n, c, iS:iS+K, jS:jS+K]."""
    N, C, H, W = x.shape
    OH, OW = (H - K) // S + 1, (W - K) // S + 1
    y = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i * S:i * S + K, j * S:j * S + K]
                    y[n, c, i, j] = window.max() if kind == "max" else window.mean()
    return y


def pool_backward_loop(dout, x, K, S, kind):
    """Backward pass with loops: each window sends dout to its first maximum, or dout / K^2 to every cell."""
    dx = np.zeros_like(x)
    N, C, OH, OW = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    rows, cols = slice(i * S, i * S + K), slice(j * S, j * S + K)
                    if kind == "max":
                        window = x[n, c, rows, cols]
                        p, q = divmod(int(np.argmax(window)), K)  # the first maximum in reading order
                        dx[n, c, i * S + p, j * S + q] += dout[n, c, i, j]
                    else:
                        dx[n, c, rows, cols] += dout[n, c, i, j] / (K * K)
    return dx


# (N, C, H, W, K, S): side by side, overlapping (S < K), gaps (S > K), non-square, batch and channels
CONFIGS = [(2, 3, 4, 4, 2, 2), (1, 2, 6, 8, 2, 2), (2, 1, 5, 5, 3, 2), (1, 3, 7, 5, 3, 1), (2, 2, 6, 6, 3, 3),
           (1, 1, 7, 7, 1, 3), (3, 2, 9, 7, 3, 2), (1, 1, 4, 6, 2, 1)]
IDS = ["N{}C{}_{}x{}_K{}S{}".format(*c) for c in CONFIGS]
FUNCS = {"max": (max_pool2d, max_pool2d_backward, MaxPool2D), "avg": (avg_pool2d, avg_pool2d_backward, AvgPool2D)}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_loop_equals_vectorised(cfg, kind, rng):
    N, C, H, W, K, S = cfg
    forward, backward, _ = FUNCS[kind]
    x = rng.standard_normal((N, C, H, W))
    y = forward(x, K, S)
    np.testing.assert_allclose(y, pool_loop(x, K, S, kind), rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(y.shape)
    np.testing.assert_allclose(backward(dout, x, K, S), pool_backward_loop(dout, x, K, S, kind),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_layer_gradcheck(cfg, kind, rng):
    """Central differences in float64 agree with the layer's backward pass, with and without overlap."""
    N, C, H, W, K, S = cfg
    layer = FUNCS[kind][2](K, S)
    report = lib.gradcheck(layer, rng.standard_normal((N, C, H, W)), rng=rng)
    print(f"{layer!r}: {report}")  # the relative error, shown with pytest -s
    assert set(report.errors) == {"x"} and report.ok(TOL), report


class FunctionLayer:
    """The functions max_pool2d / max_pool2d_backward (or avg) as a parameter-free layer for lib.gradcheck."""

    def __init__(self, kind, K, S):
        self.fwd, self.bwd = FUNCS[kind][:2]
        self.K, self.S, self.name = K, S, f"{kind}_pool2d"
        self.params, self.grads = [], []

    def forward(self, x):
        self.x = x
        return self.fwd(x, self.K, self.S)

    def backward(self, dout):
        return self.bwd(dout, self.x, self.K, self.S)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("K,S", [(2, 2), (3, 2), (3, 1)], ids=["side-by-side", "overlap-S2", "overlap-S1"])
def test_function_gradcheck(kind, K, S, rng):
    H, W = (7, 7) if K == 3 else (6, 4)  # sizes the windows tile exactly
    report = lib.gradcheck(FunctionLayer(kind, K, S), rng.standard_normal((2, 2, H, W)), rng=rng)
    print(report)
    assert report.ok(TOL), report


def test_global_avg_pool_gradcheck_and_equals_a_whole_window(rng):
    x = rng.standard_normal((3, 4, 5, 5))
    layer = GlobalAvgPool()
    report = lib.gradcheck(layer, x, rng=rng)
    print(report)
    assert report.ok(TOL), report
    y = layer.forward(x)
    assert y.shape == (3, 4)
    np.testing.assert_allclose(y, avg_pool2d(x, 5)[:, :, 0, 0], rtol=1e-12)
    dout = rng.standard_normal((3, 4))
    np.testing.assert_allclose(layer.backward(dout), avg_pool2d_backward(dout[:, :, None, None], x, 5), rtol=1e-12)
    rect = rng.standard_normal((2, 3, 4, 6))  # not square: one mean over all H*W cells
    assert np.allclose(GlobalAvgPool().forward(rect), rect.mean(axis=(2, 3)))
    assert lib.gradcheck(GlobalAvgPool(), rect, rng=rng).ok(TOL)


def test_gradcheck_catches_a_broken_backward(rng):
    """Forgetting to divide by K*K, or writing = where windows overlap, fails the check."""
    class NoDivide(AvgPool2D):
        def backward(self, dout):
            return super().backward(dout) * self.size ** 2

    class Overwrites(FunctionLayer):
        def backward(self, dout):  # = instead of +=: the last window wins where windows overlap
            dx = np.zeros_like(self.x)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dx[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] = dout[:, :, i:i + 1, j:j + 1] / 9
            return dx

    x = rng.standard_normal((2, 1, 5, 5))
    assert lib.gradcheck(NoDivide(3, 2), x, rng=rng).errors["x"] > 0.5
    assert lib.gradcheck(Overwrites("avg", 3, 2), x, rng=rng).errors["x"] > 0.1


# ---- what the gradient does ----------------------------------------------------------------------------------

def test_max_gradient_goes_to_the_winner_only():
    x = np.array([[1., 3., 2., 0.], [4., 2., 1., 5.], [0., 1., 6., 2.], [3., 2., 1., 1.]])[None, None]
    assert max_pool2d(x, 2)[0, 0].tolist() == [[4., 5.], [3., 6.]]
    dx = max_pool2d_backward(np.array([[[[10., 20.], [30., 40.]]]]), x, 2)[0, 0]
    expected = np.zeros((4, 4))
    expected[1, 0], expected[1, 3], expected[3, 0], expected[2, 2] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(avg_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2), np.full((1, 1, 4, 4), 0.25))


def test_ties_go_to_the_first_maximum_in_reading_order():
    """The rule: when a window holds its maximum more than once, the first in reading order gets the gradient."""
    x = np.array([[0., 7., 2., 2.],
                  [7., 1., 2., 2.],
                  [5., 5., 0., 0.],
                  [1., 5., 0., 0.]])[None, None]
    dx = max_pool2d_backward(np.array([[[[1., 2.], [3., 4.]]]]), x, 2)[0, 0]
    expected = np.zeros((4, 4))
    expected[0, 1] = 1  # 7 at (0, 1) and (1, 0): (0, 1) comes first
    expected[0, 2] = 2  # all four cells hold 2: the top-left one
    expected[2, 0] = 3  # 5 at (2, 0), (2, 1), (3, 1): (2, 0)
    expected[2, 2] = 4  # an all-zero window, as after a ReLU: the top-left one
    np.testing.assert_array_equal(dx, expected)
    layer = MaxPool2D(2)
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.array([[[[1., 2.], [3., 4.]]]])), dx[None, None])
    assert dx.sum() == 1 + 2 + 3 + 4  # every window's gradient goes somewhere, exactly once


def test_overlapping_windows_add_up():
    """A cell that is the maximum of two overlapping windows collects both gradients."""
    x = np.zeros((1, 1, 3, 5))
    x[0, 0, 1, 2] = 9.0  # in both 3x3 windows of stride 2 (columns 0-2 and 2-4)
    dx = max_pool2d_backward(np.array([[[[1.5, 2.5]]]]), x, 3, 2)
    assert dx[0, 0, 1, 2] == 4.0 and dx.sum() == 4.0
    ones = avg_pool2d_backward(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 5, 5)), 3, 2)[0, 0] * 9
    np.testing.assert_array_equal(ones[2], [2, 2, 4, 2, 2])  # the shared row: two windows, four in the centre
    np.testing.assert_array_equal(ones[0], [1, 1, 2, 1, 1])


def test_functions_do_not_change_their_inputs(rng):
    x, dout = rng.standard_normal((2, 2, 4, 4)), rng.standard_normal((2, 2, 2, 2))
    x0, d0 = x.copy(), dout.copy()
    for forward, backward, _ in FUNCS.values():
        forward(x, 2)
        backward(dout, x, 2)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, d0)


# ---- the layers ----------------------------------------------------------------------------------------------

def test_layers_follow_the_convention(rng):
    for layer, text in [(MaxPool2D(2), "MaxPool2D(size=2, stride=2)"), (AvgPool2D(3, 1), "AvgPool2D(size=3, stride=1)"),
                        (GlobalAvgPool(), "GlobalAvgPool()")]:
        assert repr(layer) == text
        assert layer.params == [] and layer.grads == []
    x = rng.standard_normal((2, 3, 6, 6))
    for kind, (forward, backward, cls) in FUNCS.items():
        layer = cls(3, 3)
        y = layer.forward(x)
        assert y.shape == (2, 3, 2, 2) and np.allclose(y, forward(x, 3))
        dout = rng.standard_normal(y.shape)
        assert np.allclose(layer.backward(dout), backward(dout, x, 3, 3))


def test_a_cnn_with_pooling_gradchecks_and_trains(rng):
    """Conv -> ReLU -> MaxPool -> Conv -> ReLU -> GlobalAvgPool -> Affine: the whole model's gradient, then training."""
    def model():
        r = np.random.default_rng(3)
        return lib.Sequential([lib.Conv2D(0.5 * r.standard_normal((3, 1, 3, 3)), np.zeros(3), pad=1), lib.ReLU(),
                               MaxPool2D(2), lib.Conv2D(0.5 * r.standard_normal((4, 3, 3, 3)), np.zeros(4), pad=1),
                               lib.ReLU(), GlobalAvgPool(), lib.Affine(0.5 * r.standard_normal((4, 2)), np.zeros(2))])
    x = rng.standard_normal((3, 1, 6, 6))
    report = lib.gradcheck(model(), x, np.array([0, 1, 1]), rng=rng)
    print(report)
    assert report.ok(TOL), report

    N = 64
    x = 0.1 * rng.standard_normal((N, 1, 6, 6))
    t = rng.integers(0, 2, N)
    rows = rng.integers(0, 6, N)
    for k in range(N):  # a horizontal (class 0) or vertical (class 1) bar
        if t[k] == 0:
            x[k, 0, rows[k], :] += 1.0
        else:
            x[k, 0, :, rows[k]] += 1.0
    net = model()
    lib.fit(net, lib.Adam(0.05), x, t, epochs=30, batch_size=16, rng=rng)
    assert lib.accuracy(net, x, t) > 0.95


def test_global_avg_pool_makes_a_circular_cnn_shift_invariant(rng):
    """With circular padding, Conv -> ReLU -> GlobalAvgPool gives the same features for every circular shift."""
    w, b = rng.standard_normal((4, 1, 3, 3)), rng.standard_normal(4)
    x = rng.standard_normal((2, 1, 6, 6))

    def features(x):
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="wrap")
        return GlobalAvgPool().forward(np.maximum(lib.conv2d(xp, w, b), 0))

    for s in [(0, 1), (2, 3), (5, 5)]:
        assert np.allclose(features(np.roll(x, s, axis=(2, 3))), features(x), rtol=0, atol=1e-12)


# ---- errors -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call,message", [
    (lambda: MaxPool2D(3, 2).forward(np.zeros((1, 1, 8, 8))),
     "MaxPool2D: a 3x3 window with stride 2 does not fit an 8x8 input exactly: height (8 - 3) / 2 = 2.5 is not a "
     "whole number (7 or 9 would fit); width (8 - 3) / 2 = 2.5 is not a whole number (7 or 9 would fit)"),
    (lambda: AvgPool2D(2).forward(np.zeros((1, 1, 6, 5))),
     "AvgPool2D: a 2x2 window does not fit a 6x5 input exactly: width (5 - 2) / 2 = 1.5 is not a whole number "
     "(4 or 6 would fit)"),
    (lambda: max_pool2d(np.zeros((1, 1, 2, 4)), 3),
     "max_pool2d: a 3x3 window does not fit in a 2x4 input: the window is larger than the input"),
    (lambda: avg_pool2d_backward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 4, 4)), 2),
     "avg_pool2d_backward: upstream gradient has shape (1, 1, 3, 3), the forward output has shape (1, 1, 2, 2)"),
])
def test_clear_errors(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_suggested_sizes_really_fit():
    for n in range(3, 12):
        for K in (2, 3):
            for S in (1, 2, 3):
                try:
                    max_pool2d(np.zeros((1, 1, n, n)), K, S)
                except ValueError as e:
                    sizes = [int(s) for s in str(e).split("(")[-1].split(" would")[0].split(" or ")]
                    for m in sizes:
                        assert max_pool2d(np.zeros((1, 1, m, m)), K, S).shape[2] >= 1
