"""Optimisers: Adam as published, state that belongs to each parameter array, SGD unchanged."""
import numpy as np
import pytest

import lib


def published_adam(p, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Kingma & Ba (2015), Algorithm 1, line by line, for one parameter and a sequence of gradients."""
    p, m, v = p.copy(), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


@pytest.mark.parametrize("scale", [1.0, 1e-6])  # 1e-6: where epsilon inside the bias correction changed updates by 60%
def test_adam_is_the_published_algorithm(scale, rng):
    p0 = rng.standard_normal(7)
    grads = [scale * rng.standard_normal(7) for _ in range(25)]
    p = p0.copy()
    opt = lib.Adam(lr=0.01)
    for g in grads:
        opt.update([p], [g])
    np.testing.assert_allclose(p - p0, published_adam(p0, grads, lr=0.01) - p0, rtol=1e-12, atol=0)


def test_adam_first_step_is_lr_times_g_over_abs_g_plus_eps():
    """At t = 1, m_hat = g and v_hat = g^2, so every entry moves by lr * g / (|g| + eps)."""
    g = np.array([1e-6, -3e-6, 2.0])
    p = np.zeros(3)
    lib.Adam(lr=0.1, eps=1e-8).update([p], [g])
    np.testing.assert_allclose(p, -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-14)


def test_adam_accepts_eps_zero():
    p = np.zeros(2)
    lib.Adam(lr=0.5, eps=0).update([p], [np.array([3.0, -2.0])])
    np.testing.assert_allclose(p, [-0.5, 0.5])


def model(seed):
    return lib.TwoLayerNet(2, 5, 3, rng=np.random.default_rng(seed), weight_scale=1.0)


def test_one_adam_for_two_models_keeps_their_moments_apart():
    x, t = lib.spiral(10, 3, rng=np.random.default_rng(0))
    shared, a, b = lib.Adam(0.05), model(1), model(2)
    alone_a, alone_b = model(1), model(2)
    opt_a, opt_b = lib.Adam(0.05), lib.Adam(0.05)
    for _ in range(5):
        for m, opt in ((a, shared), (b, shared), (alone_a, opt_a), (alone_b, opt_b)):
            m.forward(x, t)
            m.backward()
            opt.update(m.params, m.grads)
    for p, q in zip(a.params + b.params, alone_a.params + alone_b.params):
        np.testing.assert_array_equal(p, q)


def test_an_optimiser_reused_on_parameters_of_other_shapes_starts_fresh_state():
    opt, fresh = lib.Adam(0.1), lib.Adam(0.1)
    opt.update([np.zeros(2)], [np.ones(2)])
    p, q = np.zeros(3), np.zeros(3)
    opt.update([p], [np.array([1.0, -2.0, 3.0])])  # was a broadcast error
    fresh.update([q], [np.array([1.0, -2.0, 3.0])])
    np.testing.assert_array_equal(p, q)


def test_adam_state_belongs_to_the_memory_not_the_python_object(rng):
    """Fresh views of the same parameter continue its moments, exactly as passing the array itself."""
    W = rng.standard_normal((3, 2))
    V = W.copy()
    opt_views, opt_arrays = lib.Adam(0.1), lib.Adam(0.1)
    for _ in range(4):
        g = rng.standard_normal((3, 2))
        opt_views.update([W[:]], [g])  # a new view object every step
        opt_arrays.update([V], [g])
    np.testing.assert_array_equal(W, V)
    assert len(opt_views.state) == 1


def test_adam_counts_steps_per_parameter():
    opt, p, q = lib.Adam(), np.zeros(2), np.zeros(2)
    for _ in range(3):
        opt.update([p], [np.ones(2)])
    opt.update([q], [np.ones(2)])
    assert sorted(s["t"] for s in opt.state.values()) == [1, 3]


def test_reprs():
    assert repr(lib.SGD(0.1)) == "SGD(lr=0.1)"
    assert repr(lib.Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"


@pytest.mark.parametrize("opt", [lib.SGD(lr=0.1), lib.Adam(lr=0.1)])
def test_optimisers_take_grads_of_any_numeric_dtype(opt):
    p = np.ones(2)
    opt.update([p], [np.array([1, -1], dtype=np.int32)])
    assert p.dtype == np.float64 and p[0] < 1 < p[1]
