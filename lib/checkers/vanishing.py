"""Checkers for the exercises of chapter 4 (vanishing and exploding gradients).

Each runs the reader's function on hidden seeded cases, compares with lib's reference (checked against a
numerical gradient where it is a gradient), prints one sentence naming the likely bug and returns a
CheckResult, like the checkers of chapters 1 and 2.
"""
import functools

import numpy as np

from . import _Case, _check_callable, _close, _equals, _finish, _fn_name, _num, _run, _verified
from ._wrap import wrapped
from ..functions import sigmoid
from ..gradient_flow import ActivationRNN, largest_singular_value, spectral_radius

__all__ = ["check_chain_grads", "check_backward_gain", "check_init_std", "check_relu_rnn_backward",
           "check_transient_matrix", "check_clip_cosine"]


def _scalar_zero(what):
    """Hint: a scalar answer of exactly 0 is the untouched stub."""
    def hint(name, got, expected, case):
        if expected.shape == () and got.shape == () and float(got) == 0.0 and float(expected) != 0.0:
            return (f"{what} is 0.0 for {case.describe()}; expected {_num(expected)}: the exercise is not done "
                    "yet.")
        return None
    return hint


def _scalar_wrong(what):
    """Last hint for a single-number answer: say what was returned and what was expected, in words."""
    def hint(name, got, expected, case):
        if expected.shape == () and got.shape == () and not _close(got, expected):
            return f"{what} is {_num(got)} for {case.describe()}; expected {_num(expected)}."
        return None
    return hint


# ------------------------------------------------------------------------------------------- section 4.1
def _chain(x, w):
    """Forward pass of the scalar sigmoid chain: the list h_0 = x, h_1, ..., h_M."""
    h = [float(x)]
    for w_l in w:
        h.append(float(sigmoid(np.array(w_l * h[-1]))))
    return h


def _chain_grads(x, w, *, slope_of_output=False, skip_top=False, shift=False):
    """dy/dw_l of the chain by one backward walk; the flags produce typical wrong answers for the hints."""
    h = _chain(x, w)
    M = len(w)
    grads = np.zeros(M)
    g = 1.0 if skip_top else h[M] * (1 - h[M])
    for l in range(M, 0, -1):
        grads[l - 1] = g * (h[l] if shift else h[l - 1])
        slope = h[l - 1] if slope_of_output else h[l - 1] * (1 - h[l - 1])
        g = g * w[l - 1] * slope
    return grads


@wrapped
def check_chain_grads(fn):
    """Check fn(x, w) -> dy/dw (M,) for the chain a_l = w_l h_{l-1}, h_l = sigmoid(a_l), h_0 = x, y = h_M."""
    rng = np.random.default_rng(401)
    cases = []
    for M in (3, 5, 2, 8):
        x = round(float(rng.uniform(0.5, 2.0)), 2)
        w = rng.uniform(-2.0, 2.0, size=M)
        grads = _chain_grads(x, w)
        expected = _verified("check_chain_grads", {"dy/dw": grads}, lambda: _chain(x, w)[-1], {"dy/dw": w})
        cases.append(_Case({"x": x, "w": w}, expected, x=x, w=w))
    hints = [
        _equals("dy/dw", lambda c: _chain_grads(c["x"], c["w"], skip_top=True),
                "dy/dw misses the slope sigma'(a_M) of the top unit: the walk back must start at "
                "dy/da_M = h_M (1 - h_M), not at 1."),
        _equals("dy/dw", lambda c: _chain_grads(c["x"], c["w"], slope_of_output=True),
                "dy/dw multiplies by h instead of the slope h (1 - h) when it passes a sigmoid."),
        _equals("dy/dw", lambda c: _chain_grads(c["x"], c["w"], shift=True),
                "dy/dw_l uses the layer's own output h_l; the weight w_l multiplies the input of its layer, "
                "so dy/dw_l = (dy/da_l) h_(l-1)."),
    ]
    return _run(fn, "check_chain_grads", cases, {"dy/dw": "one entry per weight, the shape of w"}, hints)


@wrapped
def check_backward_gain(fn):
    """Check fn(W) -> s_max(W) / 4, the largest factor a sigmoid layer with weights W can stretch a gradient by."""
    rng = np.random.default_rng(402)
    cases = []
    for D, H in ((5, 3), (4, 4), (2, 6), (8, 8)):
        W = rng.standard_normal((D, H)) * rng.uniform(0.2, 2.0)
        cases.append(_Case({"W": W}, {"gain": np.array(largest_singular_value(W) / 4)}, W=W))
    hints = [
        _scalar_zero("The gain"),
        _equals("gain", lambda c: largest_singular_value(c["W"]),
                "The gain is s_max(W) itself; the sigmoid's slope adds a factor of at most 1/4."),
        _equals("gain", lambda c: np.linalg.norm(c["W"]) / 4,
                "The gain uses the Frobenius norm of W, which is larger than the largest singular value; "
                "use np.linalg.norm(W, 2)."),
        _equals("gain", lambda c: np.abs(c["W"]).max() / 4,
                "The gain uses the largest entry of W; the stretch of v W^T is bounded by the largest singular "
                "value, np.linalg.norm(W, 2)."),
        _equals("gain", lambda c: np.abs(c["W"]).sum(axis=1).max() / 4,
                "The gain uses the largest row sum of |W| (np.linalg.norm(W, inf)), a bound for the max norm; "
                "the Euclidean stretch is bounded by the largest singular value, np.linalg.norm(W, 2)."),
    ]

    def square_only(name, got, expected, case):
        W = case.context["W"]
        if W.shape[0] == W.shape[1] and _close(got, np.array(spectral_radius(W) / 4)) \
                and not _close(got, expected):
            return ("The gain uses the spectral radius (the largest |eigenvalue|); one step can stretch a vector "
                    "by up to the largest singular value, np.linalg.norm(W, 2), which is larger unless W is normal.")
        return None

    return _run(fn, "check_backward_gain", cases, {"gain": "a single number"},
                hints + [square_only, _scalar_wrong("The gain")],
                reference="the largest singular value over 4")


def _init_std(D, H, activation):
    return float(np.sqrt(2.0 / D)) if activation == "relu" else float(np.sqrt(2.0 / (D + H)))


@wrapped
def check_init_std(fn):
    """Check fn(D, H, activation) -> the standard deviation of Xavier (tanh, sigmoid) or He (relu) weights."""
    specs = [(64, 64, "tanh"), (100, 20, "relu"), (30, 10, "sigmoid"), (256, 128, "relu"), (12, 48, "tanh")]
    cases = [_Case({"D": D, "H": H, "activation": a}, {"std": np.array(_init_std(D, H, a))}, D=D, H=H,
                   activation=a) for D, H, a in specs]

    def variance(name, got, expected, case):
        if _close(got, expected ** 2):
            return (f"For D={case.context['D']}, H={case.context['H']} ({case.context['activation']}) you returned "
                    f"the variance {_num(got)}; the weights are drawn as std * N(0, 1), so return its square root "
                    f"{_num(expected)}.")
        return None

    def swapped(name, got, expected, case):
        D, H, a = case.context["D"], case.context["H"], case.context["activation"]
        other = _init_std(D, H, "tanh" if a == "relu" else "relu")
        if _close(got, np.array(other)) and not _close(got, expected):
            rule = "He (2/D)" if a != "relu" else "Xavier (2/(D+H))"
            return (f"For activation {a!r} you used {rule}; He's variance 2/D is for ReLU, Xavier's 2/(D+H) for "
                    "tanh and sigmoid.")
        return None

    def relu_without_two(name, got, expected, case):
        D, a = case.context["D"], case.context["activation"]
        if a == "relu" and _close(got, np.array(np.sqrt(1.0 / D))):
            return ("For ReLU you returned sqrt(1/D); ReLU zeroes half of the pre-activations and halves their "
                    "mean square, so He doubles the variance: sqrt(2/D).")
        return None

    def fan_in_only(name, got, expected, case):
        D, H, a = case.context["D"], case.context["H"], case.context["activation"]
        if a != "relu" and D != H and _close(got, np.array(np.sqrt(1.0 / D))):
            return (f"For {a!r} with D={D}, H={H} you returned sqrt(1/D), the forward-only rule; this exercise "
                    "asks for Xavier's compromise between forward and backward, variance 2/(D+H).")
        return None

    return _run(fn, "check_init_std", cases, {"std": "a single number"},
                [variance, swapped, relu_without_two, fan_in_only, _scalar_wrong("The standard deviation")], reference="the Xavier and He formulas")


# ------------------------------------------------------------------------------------------- section 4.2
def _relu_dhs(hs, Wh, dout, *, transpose=True, add_upstream=True, shift=False, pre=False):
    """dL/dh_t of a ReLU RNN given its hidden states; the flags produce typical wrong answers for the hints."""
    N, T, H = hs.shape
    M = Wh.T if transpose else Wh
    out = np.zeros_like(hs)
    nxt = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dh = (dout[:, t] if add_upstream or t == T - 1 else 0.0) + nxt
        if shift:
            mask = (hs[:, t - 1] > 0) if t > 0 else np.ones((N, H))
        else:
            mask = hs[:, t] > 0
        da = dh * mask
        out[:, t] = da if pre else dh
        nxt = da @ M
    return out


@wrapped
def check_relu_rnn_backward(fn):
    """Check fn(hs, Wh, dout) -> dhs (N, T, H), the gradient reaching every h_t of h_t = relu(x_t Wx + h_{t-1} Wh + b)."""
    rng = np.random.default_rng(403)
    cases = []
    for N, T, D, H in ((2, 5, 3, 4), (3, 4, 2, 3), (1, 6, 2, 5), (2, 3, 4, 2)):
        Wx, Wh, b = rng.standard_normal((D, H)), 0.8 * rng.standard_normal((H, H)), 0.3 * rng.standard_normal(H)
        xs, dout = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
        layer = ActivationRNN(Wx, Wh, b, activation="relu")
        hs = layer.forward(xs)
        layer.backward(dout)
        dhs = layer.dhs.copy()
        if not np.allclose(dhs, _relu_dhs(hs, Wh, dout)):
            raise RuntimeError("check_relu_rnn_backward: lib's ActivationRNN disagrees with the reference walk; "
                               "this is a bug in lib, not in your function")
        cases.append(_Case({"hs": hs, "Wh": Wh, "dout": dout}, {"dhs": dhs}, hs=hs, Wh=Wh, dout=dout))
    hints = [
        _equals("dhs", lambda c: _relu_dhs(c["hs"], c["Wh"], c["dout"], transpose=False),
                "dhs multiplies by Wh where the backward pass needs Wh.T: h_t = relu(... + h_(t-1) Wh), so "
                "dL/dh_(t-1) gets (dL/da_t) Wh^T."),
        _equals("dhs", lambda c: _relu_dhs(c["hs"], c["Wh"], c["dout"], add_upstream=False),
                "dhs only carries the gradient of the last step; every h_t also receives dout[:, t] from the "
                "layer above, added to what comes back from h_(t+1)."),
        _equals("dhs", lambda c: _relu_dhs(c["hs"], c["Wh"], c["dout"], shift=True),
                "dhs applies the ReLU mask of h_(t-1) at step t; the slope at step t is 1 where h_t > 0."),
        _equals("dhs", lambda c: _relu_dhs(c["hs"], c["Wh"], c["dout"], pre=True),
                "dhs holds the gradient after the ReLU mask (dL/da_t); store the gradient that reached h_t "
                "before multiplying by the mask."),
    ]
    return _run(fn, "check_relu_rnn_backward", cases, {"dhs": "(N, T, H), the shape of hs"}, hints,
                reference="lib's ActivationRNN")


@wrapped
def check_transient_matrix(fn):
    """Check fn() -> a square W with s_max(W) >= 2 and spectral radius <= 0.5: one step may double, the long run decays."""
    bad = _check_callable(fn, "check_transient_matrix")
    if bad is not None:
        return bad
    try:
        W = fn()
    except NotImplementedError:
        return _finish(False, f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet.")
    except Exception as e:  # the reader's bug becomes one sentence
        return _finish(False, f"{_fn_name(fn)} raised {type(e).__name__} ({str(e).strip()[:120]}).")
    if W is None:
        return _finish(False, f"{_fn_name(fn)} returned None; expected a square matrix.")
    try:
        W = np.asarray(W, dtype=np.float64)
    except (TypeError, ValueError):
        return _finish(False, f"{_fn_name(fn)} returned a {type(W).__name__}, not a numeric matrix.")
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        return _finish(False, f"W has shape {W.shape}; a recurrent matrix is square (H, H).")
    if not np.all(np.isfinite(W)):
        return _finish(False, "W contains a non-finite entry; every entry should be a finite number.")
    s, rho = largest_singular_value(W), spectral_radius(W)
    if s < 2 and rho > 0.5:
        return _finish(False, f"W has s_max = {s:.3f} < 2 and spectral radius {rho:.3f} > 0.5; both conditions "
                              "fail.")
    if rho > 0.5:
        return _finish(False, f"W has s_max = {s:.3f}, but its spectral radius is {rho:.3f} > 0.5: shrink the "
                              "eigenvalues (for a triangular matrix, the diagonal entries).")
    if s < 2:
        return _finish(False, f"W has spectral radius {rho:.3f}, but s_max = {s:.3f} < 2: one step must be able "
                              "to double a vector; a large entry off the diagonal does that without changing "
                              "the eigenvalues of a triangular matrix.")
    powers = [largest_singular_value(np.linalg.matrix_power(W, k)) for k in range(1, 41)]
    peak = int(np.argmax(powers)) + 1
    return _finish(True, f"Passed: s_max = {s:.3f} >= 2 and spectral radius {rho:.3f} <= 0.5; ||W^k|| peaks at "
                         f"{_num(max(powers))} for k = {peak} and is {_num(powers[-1])} at k = 40.")


def _cosine_after_clipping(grads, c, *, per_array=False, clip=None):
    """Cosine between the full gradient and the gradient clipped by value; flags give typical wrong answers."""
    clip = clip or (lambda g: np.clip(g, -c, c))
    if per_array:
        return float(np.mean([np.sum(g * clip(g)) / (np.linalg.norm(g) * np.linalg.norm(clip(g)))
                              for g in grads]))
    g = np.concatenate([a.ravel() for a in grads])
    k = np.concatenate([clip(a).ravel() for a in grads])
    return float(g @ k / (np.linalg.norm(g) * np.linalg.norm(k)))


@wrapped
def check_clip_cosine(fn):
    """Check fn(grads, c) -> the cosine between the full gradient and the gradient clipped by value to [-c, c]."""
    rng = np.random.default_rng(404)
    cases = []
    for shapes, c, scale in (([(3, 4), (4,), (4, 2)], 1.0, 2.0), ([(5,), (2, 2)], 0.5, 1.0),
                             ([(2, 3), (3,)], 0.3, 3.0), ([(4, 4), (4,)], 2.0, 1.5)):
        grads = [scale * rng.standard_normal(s) for s in shapes]
        grads[0].flat[0] = 8.0 * c  # one entry far above c, like a spike in W_h's gradient
        inputs = {"grads": grads, "c": c}
        cases.append(_Case(inputs, {"cosine": np.array(_cosine_after_clipping(grads, c))}, grads=grads, c=c))

    def by_norm(name, got, expected, case):
        if _close(got, np.array(1.0)) and not _close(got, expected):
            return (f"The cosine is {_num(got)} for {case.describe()}; expected {_num(expected)}. A cosine of 1 is "
                    "what clipping by norm gives (it only shortens the vector); clip every entry to [-c, c] "
                    "with np.clip and compare the directions.")
        return None

    def per_array(name, got, expected, case):
        want = _cosine_after_clipping(case.context["grads"], case.context["c"], per_array=True)
        if _close(got, np.array(want)) and not _close(got, expected):
            return ("The cosine is the mean of the cosines of the separate arrays; the step is one vector, so "
                    "flatten all arrays into one before comparing the directions.")
        return None

    def one_sided(name, got, expected, case):
        c = case.context["c"]
        want = _cosine_after_clipping(case.context["grads"], c, clip=lambda g: np.clip(g, 0.0, c))
        if _close(got, np.array(want)) and not _close(got, expected):
            return "The entries were clipped to [0, c]; clipping by value keeps the sign: np.clip(g, -c, c)."
        return None

    class _Described(_Case):
        def describe(self):
            shapes = ", ".join(str(tuple(g.shape)) for g in self.inputs["grads"])
            return f"grads of shapes {shapes}, c {self.inputs['c']}"

    for case in cases:
        case.__class__ = _Described

    @functools.wraps(fn)
    def on_copies(grads, c):  # the reader may clip in place; the hidden cases must not change
        return fn([g.copy() for g in grads], c)

    if not callable(fn):
        return _check_callable(fn, "check_clip_cosine")
    return _run(on_copies, "check_clip_cosine", cases, {"cosine": "a single number"},
                [_scalar_zero("The cosine"), by_norm, per_array, one_sided, _scalar_wrong("The cosine")],
                reference="the cosine after np.clip")
