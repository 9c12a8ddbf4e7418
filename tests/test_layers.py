"""Gradient checks of every layer, node and model in lib, plus their error messages and numerical safety."""
import warnings

import numpy as np
import pytest

import lib
from lib.gradcheck import GradReport

TOL = 1e-6


def check(layer, *inputs, rng):
    report = lib.gradcheck(layer, *inputs, rng=rng)
    print(report)  # shown with -s or on failure: the relative error of every gradient
    assert isinstance(report, GradReport) and report.errors, "gradcheck checked nothing"
    assert report.ok(TOL), f"{report} exceeds {TOL}"
    return report


def layer_cases(rng):
    n = rng.standard_normal
    return {
        "MatMul": (lib.MatMul(n((4, 3))), (n((5, 4)),)),
        "Affine": (lib.Affine(n((4, 3)), n(3)), (n((5, 4)),)),
        "Sigmoid": (lib.Sigmoid(), (n((5, 3)),)),
        "Tanh": (lib.Tanh(), (n((5, 3)),)),
        "ReLU": (lib.ReLU(), (n((5, 3)) + 0.05 * np.sign(n((5, 3))),)),  # keep away from the kink at 0
        "Softmax": (lib.Softmax(), (n((5, 3)),)),
        "SoftmaxWithLoss": (lib.SoftmaxWithLoss(), (n((6, 4)), rng.integers(0, 4, 6))),
        "Add": (lib.Add(), (n((3, 4)), n((3, 4)))),
        "Mul": (lib.Mul(), (n((3, 4)), n((3, 4)))),
        "Repeat": (lib.Repeat(5), (n((1, 4)),)),
        "Sum": (lib.Sum(axis=0), (n((5, 4)),)),
        "Sum axis 1": (lib.Sum(axis=1), (n((5, 4)),)),
        "Flatten": (lib.Flatten(), (n((2, 3, 4, 4)),)),
    }


@pytest.mark.parametrize("name", list(layer_cases(np.random.default_rng(0))))
def test_layer_gradients(name, rng):
    layer, inputs = layer_cases(rng)[name]
    report = check(layer, *inputs, rng=rng)
    n_float_inputs = sum(np.issubdtype(np.asarray(a).dtype, np.floating) for a in inputs)
    assert len(report.errors) == n_float_inputs + len(layer.params)


@pytest.mark.parametrize("activation", [lib.Sigmoid, lib.Tanh, lib.ReLU])
def test_two_layer_net_gradients(activation, rng):
    x, t = rng.standard_normal((12, 2)), rng.integers(0, 3, 12)  # away from ReLU's kink at 0
    net = lib.TwoLayerNet(2, 6, 3, rng=rng, weight_scale=1.0, activation=activation)
    report = check(net, x, t, rng=rng)
    assert set(report.errors) == {"x", "W1", "b1", "W2", "b2"}


def test_gradcheck_catches_a_broken_backward(rng):
    class BrokenSigmoid(lib.Sigmoid):
        def backward(self, dout):
            return dout * self.out  # forgot the (1 - y) factor

    report = lib.gradcheck(BrokenSigmoid(), rng.standard_normal((4, 3)), rng=rng)
    assert report.max_error > 1e-2


def test_gradcheck_catches_a_wrong_bias_gradient(rng):
    class MeanBiasAffine(lib.Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads[1][...] = dout.mean(axis=0)  # mean instead of sum over the batch
            return dx

    layer = MeanBiasAffine(rng.standard_normal((3, 2)), rng.standard_normal(2))
    report = lib.gradcheck(layer, rng.standard_normal((4, 3)), rng=rng)
    assert report.errors["b"] > 0.5 and report.errors["W"] < TOL


def test_gradcheck_refuses_float32(rng):
    class Float32MatMul:  # a hand-written layer that keeps float32 weights (lib's layers store float64)
        def __init__(self, W):
            self.params, self.grads = [W], [np.zeros_like(W)]

        def forward(self, x):
            self.x = x
            return x @ self.params[0]

        def backward(self, dout):
            self.grads[0][...] = self.x.T @ dout
            return dout @ self.params[0].T

    layer = Float32MatMul(rng.standard_normal((3, 2)).astype(np.float32))
    with pytest.raises(TypeError, match="gradcheck: Float32MatMul parameter 0 is float32; a gradient check needs "
                                        "float64"):
        lib.gradcheck(layer, rng.standard_normal((4, 3)))


def test_gradients_have_the_shape_of_their_parameters(rng):
    net = lib.TwoLayerNet(2, 5, 3, rng=rng)
    x, t = lib.spiral(4, 3, rng=rng)
    net.forward(x, t)
    net.backward()
    for p, g in zip(net.params, net.grads):
        assert p.shape == g.shape


def test_grads_are_written_in_place(rng):
    layer = lib.Affine(rng.standard_normal((3, 2)), np.zeros(2))
    held = layer.grads[0]
    layer.forward(rng.standard_normal((4, 3)))
    layer.backward(np.ones((4, 2)))
    assert layer.grads[0] is held and np.any(held != 0)


# ---- labels (the clear errors for bad input are one table: test_bad_input.py) ------------------------------

def test_one_hot_labels_are_accepted():
    scores = np.array([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]])
    a = lib.SoftmaxWithLoss().forward(scores, np.array([0, 1]))
    b = lib.SoftmaxWithLoss().forward(scores, lib.one_hot(np.array([0, 1]), 3))
    assert a == pytest.approx(b)


def soft_targets(rng, N, C):
    t = rng.random((N, C)) + 0.1
    return t / t.sum(axis=1, keepdims=True)  # (N, C), rows of class probabilities


def test_soft_targets_give_the_cross_entropy_of_those_targets(rng):
    x, t = rng.standard_normal((5, 4)), soft_targets(rng, 5, 4)
    expected = -np.sum(t * np.log(lib.softmax(x, axis=1))) / 5  # -sum t log y / N
    layer = lib.SoftmaxWithLoss()
    assert layer.forward(x, t) == pytest.approx(expected, rel=1e-13)
    assert lib.cross_entropy(x, t) == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(layer.backward(), (lib.softmax(x, axis=1) - t) / 5, rtol=1e-13)


def test_soft_targets_are_gradient_checked(rng):
    x, t = rng.standard_normal((5, 4)), soft_targets(rng, 5, 4)
    report = check(lib.SoftmaxWithLoss(), x, t, rng=rng)
    assert set(report.errors) == {"x"}  # the targets are held fixed
    net = lib.TwoLayerNet(3, 4, 4, rng=rng, weight_scale=1.0)
    assert set(check(net, rng.standard_normal((5, 3)), t, rng=rng).errors) == {"x", "W1", "b1", "W2", "b2"}


def test_hard_labels_are_unchanged(rng):
    """Integer labels and one-hot rows (int or float) give the loss and gradient of the indexing formula, exactly."""
    x, t = rng.standard_normal((6, 3)), np.array([0, 2, 1, 1, 0, 2])
    logp = lib.log_softmax(x, axis=1)
    want_loss = float(-logp[np.arange(6), t].mean())
    want_dx = np.exp(logp)
    want_dx[np.arange(6), t] -= 1.0
    want_dx *= 1.0 / 6
    for labels in (t, lib.one_hot(t, 3), lib.one_hot(t, 3).astype(int), lib.one_hot(t, 3).astype(bool)):
        layer = lib.SoftmaxWithLoss()
        assert layer.forward(x, labels) == want_loss
        np.testing.assert_array_equal(layer.backward(), want_dx)
        assert lib.cross_entropy(x, labels) == want_loss


def test_accuracy_takes_one_hot_labels(rng):
    net = lib.TwoLayerNet(2, 4, 3, rng=rng, weight_scale=1.0)
    x, t = lib.spiral(10, 3, rng=rng)
    assert lib.accuracy(net, x, lib.one_hot(t, 3)) == lib.accuracy(net, x, t)


def test_fit_trains_on_soft_targets(rng):
    x, t = lib.spiral(20, 3, rng=np.random.default_rng(1))
    soft = 0.9 * lib.one_hot(t, 3) + 0.1 / 3  # label smoothing
    history = lib.fit(lib.TwoLayerNet(2, 10, 3, rng=rng, weight_scale=1.0), lib.Adam(0.05), x, soft,
                      epochs=30, batch_size=20, rng=rng)
    assert history[-1] < history[0]


# ---- numerical safety --------------------------------------------------------------------------

def test_extreme_logits_stay_finite():
    scores = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = lib.softmax(scores)
        loss_right = lib.SoftmaxWithLoss().forward(scores, np.array([0, 2]))
        loss_wrong = lib.SoftmaxWithLoss().forward(scores, np.array([1, 0]))
    assert np.all(np.isfinite(y)) and np.allclose(y.sum(axis=1), 1.0)
    assert loss_right == pytest.approx(0.0, abs=1e-12)
    assert loss_wrong == pytest.approx(2000.0)  # -log softmax = 2000 for both rows, finite


def test_sigmoid_without_overflow_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = lib.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert y.tolist() == [0.0, 0.5, 1.0]


def test_softmax_matches_the_definition(rng):
    x = rng.standard_normal((4, 5))
    expected = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert np.allclose(lib.softmax(x), expected)


def test_softmax_with_loss_backward_is_y_minus_t_over_n(rng):
    x, t = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0])
    layer = lib.SoftmaxWithLoss()
    layer.forward(x, t)
    assert np.allclose(layer.backward(), (lib.softmax(x) - lib.one_hot(t, 3)) / 5)


# ---- datasets, optimisers, training -----------------------------------------------------------

def test_spiral_is_deterministic_and_shaped():
    x1, t1 = lib.spiral(50, 3, rng=np.random.default_rng(7))
    x2, t2 = lib.spiral(50, 3, rng=np.random.default_rng(7))
    x3, _ = lib.spiral(50, 3, rng=np.random.default_rng(8))
    assert x1.shape == (150, 2) and t1.shape == (150,)
    assert np.array_equal(x1, x2) and np.array_equal(t1, t2)
    assert not np.array_equal(x1, x3)
    assert np.bincount(t1).tolist() == [50, 50, 50]


def test_lib_leaves_the_global_seed_alone(rng):
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    lib.spiral(20, 3, rng=rng)
    lib.fit(lib.TwoLayerNet(2, 4, 3, rng=rng), lib.SGD(0.1), *lib.spiral(20, 3, rng=rng),
            epochs=2, batch_size=10, rng=rng)
    assert np.random.random() == before


@pytest.mark.parametrize("opt", [lib.SGD(lr=0.1), lib.Adam(lr=0.1)])
def test_optimisers_descend_a_quadratic(opt):
    p = np.array([3.0, -2.0])
    for _ in range(200):
        opt.update([p], [2 * p])  # gradient of |p|^2
    assert np.linalg.norm(p) < 1e-2


def test_training_learns_the_spiral(rng):
    x, t = lib.spiral(100, 3, rng=np.random.default_rng(1))
    net = lib.TwoLayerNet(2, 30, 3, rng=rng, weight_scale=1.0)
    history = lib.fit(net, lib.Adam(0.05), x, t, epochs=150, batch_size=30, rng=rng)
    assert history[-1] < history[0] / 3
    assert lib.accuracy(net, x, t) >= 0.9


def test_reprs_teach_something(rng):
    assert repr(lib.Affine(np.ones((2, 4)), np.zeros(4))) == "Affine(W=(2, 4), b=(4,))"
    assert repr(lib.Sigmoid()) == "Sigmoid()"
    assert repr(lib.Repeat(3)) == "Repeat(n=3, axis=0)"
    assert "Affine(W=(2, 5), b=(5,))" in repr(lib.TwoLayerNet(2, 5, 3, rng=rng))


def test_bars_are_deterministic_shaped_and_hold_one_bar_each():
    x1, t1 = lib.bars(30, 6, rng=np.random.default_rng(3), noise=0.0)
    x2, t2 = lib.bars(30, 6, rng=np.random.default_rng(3), noise=0.0)
    assert x1.shape == (30, 1, 6, 6) and t1.shape == (30,)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(t1, t2)
    assert set(np.unique(t1)) == {0, 1, 2}
    img = x1[:, 0]
    assert np.all(img.sum(axis=(1, 2)) == 6)  # one bar of `size` ones, nothing else
    for im, t in zip(img, t1):
        if t == 0:
            assert (im.sum(axis=1) == 6).sum() == 1  # one full row
        elif t == 1:
            assert (im.sum(axis=0) == 6).sum() == 1  # one full column
        else:
            assert im.sum(axis=0).max() == 1 and im.sum(axis=1).max() == 1  # one cell per row and column
    with pytest.raises(ValueError, match="size >= 3"):
        lib.bars(5, 2, rng=np.random.default_rng(0))


def test_sample_image_is_a_grayscale_square_in_unit_range():
    im = lib.sample_image(32)
    assert im.shape == (32, 32) and 0.0 <= im.min() < 0.2 and 0.8 < im.max() <= 1.0
    np.testing.assert_array_equal(im, lib.sample_image(32))
    with pytest.raises(ValueError, match="between 8 and 512"):
        lib.sample_image(4)


def test_digits_are_the_scikit_learn_images_scaled_to_unit_range():
    x, t = lib.load_digits()
    assert x.shape == (1797, 1, 8, 8) and t.shape == (1797,)
    assert x.min() == 0.0 and x.max() == 1.0 and set(np.unique(t)) == set(range(10))


def test_train_test_split_is_a_stratified_partition():
    x = np.arange(40.0).reshape(20, 2)
    t = np.repeat([0, 1, 2, 3], 5)
    x_tr, t_tr, x_te, t_te = lib.train_test_split(x, t, test_fraction=0.4, rng=np.random.default_rng(0))
    assert np.bincount(t_te).tolist() == [2, 2, 2, 2] and np.bincount(t_tr).tolist() == [3, 3, 3, 3]
    rows = np.concatenate([x_tr, x_te])[:, 0] // 2  # every original row exactly once, with its own label
    assert sorted(rows.tolist()) == list(range(20))
    assert np.array_equal(np.concatenate([t_tr, t_te]), t[rows.astype(int)])
