"""Checkers for the exercises of sections 5.2 (gated recurrent units) and 5.3 (remembering across long gaps).

Each runs the reader's function on hidden seeded cases, compares with lib's reference (lib.GRU and
lib.TimeGRU, whose backward is checked against a numerical gradient here), prints one sentence naming the
likely bug and returns a CheckResult, like the checkers of the earlier chapters.
"""

import numpy as np

from . import _Case, _check_callable, _close, _equals, _finish, _fn_name, _num, _run, _verified
from ._wrap import wrapped
from ..functions import sigmoid
from ..gated import GRU, TimeGRU

__all__ = ["check_swap_update_convention", "check_gru_as_leaky", "check_gru_backward", "check_adding_batch",
           "check_gate_bias_for_time_constant"]


def _gru_params(rng, D, H, scale=0.6):
    return (rng.standard_normal((D, 3 * H)) * scale, rng.standard_normal((H, 3 * H)) * scale,
            rng.standard_normal(3 * H) * scale)


# ------------------------------------------------------------------------------------------- section 5.2
def _negate_z(Wx, Wh, b, which=("Wx", "Wh", "b"), block=True):
    """The z block of the chosen arrays negated (or the whole arrays, block=False); copies."""
    H = Wh.shape[0]
    out = {"Wx": Wx.copy(), "Wh": Wh.copy(), "b": b.copy()}
    for name in which:
        if block:
            out[name][..., H:2 * H] *= -1.0
        else:
            out[name] *= -1.0
    return out["Wx"], out["Wh"], out["b"]


@wrapped(keep_reader_prints=False)
def check_swap_update_convention(fn):
    """Check fn(Wx, Wh, b) -> (Wx2, Wh2, b2) such that h = (1 - z') h_prev + z' g with the new parameters
    equals lib's h = z h_prev + (1 - z) g with the old ones; the answer is unique: negate the z blocks."""
    rng = np.random.default_rng(521)
    cases = []
    for D, H in [(3, 4), (2, 5), (4, 2)]:
        Wx, Wh, b = _gru_params(rng, D, H)
        cases.append(_Case({"Wx": Wx, "Wh": Wh, "b": b}, dict(zip(("Wx2", "Wh2", "b2"), _negate_z(Wx, Wh, b))),
                           Wx=Wx, Wh=Wh, b=b, H=H))
    z_cols = "the columns H:2H"
    hints = [
        _equals("Wx2", lambda c: c["Wx"],
                f"Wx2 is unchanged; z depends on x_t through the z block of Wx ({z_cols}), so 1 - z = "
                "sigmoid(-a) needs that block negated too."),
        _equals("Wx2", lambda c: -c["Wx"],
                f"Wx2 negates all three blocks; only the z block ({z_cols}) computes the update gate, and r and "
                "g must stay as they are."),
        _equals("Wh2", lambda c: c["Wh"],
                f"Wh2 is unchanged; z depends on h_(t-1) through the z block of Wh ({z_cols}), so negate it too."),
        _equals("Wh2", lambda c: -c["Wh"],
                f"Wh2 negates all three blocks; only the z block ({z_cols}) computes the update gate."),
        _equals("b2", lambda c: c["b"],
                "b2 is unchanged; the bias of the update gate (b[H:2H]) is part of its pre-activation, so negate "
                "it as well."),
        _equals("b2", lambda c: -c["b"], "b2 negates all three blocks; only b[H:2H] belongs to the update gate."),
    ]
    notes = {"Wx2": "the shape of Wx, (D, 3H)", "Wh2": "the shape of Wh, (H, 3H)", "b2": "the shape of b, (3H,)"}
    return _run(fn, "check_swap_update_convention", cases, notes, hints,
                reference="the parameters that turn z into 1 - z")


def _leaky_forward(xs, Wx, Wh, b, alpha):
    N, T, _ = xs.shape
    h, hs = np.zeros((N, Wh.shape[0])), []
    for t in range(T):
        h = (1 - alpha) * h + alpha * np.tanh(xs[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return np.stack(hs, axis=1)  # (N, T, H)


@wrapped(keep_reader_prints=False)
def check_gru_as_leaky(fn):
    """Check fn(Wx, Wh, b, alpha) -> fused GRU parameters with which lib.TimeGRU equals the leaky RNN."""
    bad = _check_callable(fn, "check_gru_as_leaky")
    if bad is not None:
        return bad
    rng = np.random.default_rng(522)
    specs = [(3, 4, 0.3), (2, 5, 0.1), (4, 3, 0.75)]
    for k, (D, H, alpha) in enumerate(specs, start=1):
        Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)) / np.sqrt(H), rng.standard_normal(H)
        xs = rng.standard_normal((2, 12, D))
        where = f"on hidden case {k} of {len(specs)} (D {D}, H {H}, alpha {alpha})"
        try:
            ret = fn(Wx.copy(), Wh.copy(), b.copy(), alpha)
        except NotImplementedError:
            return _finish(False, f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet.")
        except Exception as e:  # the reader's bug becomes one sentence
            return _finish(False, f"{_fn_name(fn)} raised {type(e).__name__} ({str(e).strip()[:120]}) {where}.")
        if not isinstance(ret, (tuple, list)) or len(ret) != 3:
            return _finish(False, f"{_fn_name(fn)} should return a tuple (Wx3, Wh3, b3); got "
                                  f"{type(ret).__name__} {where}.")
        Wx3, Wh3, b3 = (np.asarray(p, dtype=np.float64) for p in ret)
        for name, p, shape in [("Wx3", Wx3, (D, 3 * H)), ("Wh3", Wh3, (H, 3 * H)), ("b3", b3, (3 * H,))]:
            if p.shape != shape:
                return _finish(False, f"{name} has shape {p.shape}; expected {shape}, three blocks r, z, g of "
                                      f"H = {H} columns each, {where}.")
        if not (np.all(np.isfinite(Wx3)) and np.all(np.isfinite(Wh3)) and np.all(np.isfinite(b3))):
            return _finish(False, f"The parameters contain inf or nan {where}; a large finite bias such as 40 "
                                  "already makes a sigmoid equal to 1 in float64.")
        hs = TimeGRU(Wx3, Wh3, b3).forward(xs)
        want = _leaky_forward(xs, Wx, Wh, b, alpha)
        if np.abs(hs - want).max() <= 1e-8:
            continue
        zb = slice(H, 2 * H)
        if np.any(Wx3[:, zb]) or np.any(Wh3[:, zb]):
            return _finish(False, f"The update gate's weights (columns H:2H of Wx3 and Wh3) are not zero {where}, "
                                  "so z changes with the input; a leaky RNN needs the same z = 1 - alpha at "
                                  "every step.")
        z = sigmoid(b3[zb])
        if _close(z, np.full(H, alpha)) and not _close(z, np.full(H, 1 - alpha)):
            return _finish(False, f"The update gate is sigmoid(b_z) = alpha = {alpha} {where}; in lib's "
                                  f"convention z multiplies h_(t-1), so it must be 1 - alpha = {1 - alpha:.2f}.")
        if not np.allclose(z, 1 - alpha, rtol=0, atol=1e-10):
            return _finish(False, f"The update gate is sigmoid(b_z) = {_num(z[0])} for unit 0 {where}; it must "
                                  f"be 1 - alpha = {1 - alpha:.2f}, so b_z = ln((1 - alpha) / alpha).")
        rb = slice(0, H)
        if np.any(Wx3[:, rb]) or np.any(Wh3[:, rb]) or np.any(sigmoid(b3[rb]) < 1 - 1e-12):
            r_min = float(np.min(sigmoid(b3[rb])))
            return _finish(False, f"The reset gate is not 1 {where} (its smallest value at zero weights is "
                                  f"{_num(r_min)}); set its weights to zero and its bias large, e.g. 40.")
        gb = slice(2 * H, 3 * H)
        if not (_close(Wx3[:, gb], Wx) and _close(Wh3[:, gb], Wh) and _close(b3[gb], b)):
            return _finish(False, f"The candidate block (columns 2H:3H) is not the leaky RNN's Wx, Wh and b "
                                  f"{where}; the candidate is the RNN step tanh(x Wx + h Wh + b).")
        return _finish(False, f"lib.TimeGRU with your parameters differs from the leaky RNN by "
                              f"{_num(np.abs(hs - want).max())} {where}.")
    return _finish(True, f"Passed: lib.TimeGRU with your parameters equals the leaky RNN on {len(specs)} hidden "
                         "cases.")


def _gru_backward(dh, x, h_prev, Wx, Wh, b, *, candidate_sees_h=False, drop=None):
    """One fused GRU step's backward, written out; the flags produce typical wrong answers for the hints."""
    H = h_prev.shape[1]
    a = x @ Wx + b
    rz = sigmoid(a[:, :2 * H] + h_prev @ Wh[:, :2 * H])
    r, z = rz[:, :H], rz[:, H:]
    rh = r * h_prev
    g = np.tanh(a[:, 2 * H:] + rh @ Wh[:, 2 * H:])
    da_g = dh * (1 - z) * (1 - g * g)
    da_z = dh * (h_prev - g) * z * (1 - z)
    d_rh = da_g @ Wh[:, 2 * H:].T
    da_r = d_rh * h_prev * r * (1 - r)
    da = np.hstack([da_r, da_z, da_g])
    dWh = np.hstack([h_prev.T @ da[:, :2 * H], (h_prev if candidate_sees_h else rh).T @ da_g])
    paths = {"direct": dh * z, "candidate": d_rh * r, "gates": da[:, :2 * H] @ Wh[:, :2 * H].T}
    dh_prev = sum(v for k, v in paths.items() if k != drop)
    return da @ Wx.T, dh_prev, x.T @ da, dWh, da.sum(axis=0)


@wrapped(keep_reader_prints=False)
def check_gru_backward(fn):
    """Check fn(dh, x, h_prev, Wx, Wh, b) -> (dx, dh_prev, dWx, dWh, db) for one fused GRU step."""
    rng = np.random.default_rng(523)
    cases = []
    names = ("dx", "dh_prev", "dWx", "dWh", "db")
    for N, D, H in [(3, 4, 5), (2, 3, 2), (4, 2, 3)]:
        Wx, Wh, b = _gru_params(rng, D, H)
        x, h_prev, dh = rng.standard_normal((N, D)), np.tanh(rng.standard_normal((N, H))), rng.standard_normal((N, H))
        layer = GRU(Wx.copy(), Wh.copy(), b.copy())
        layer.forward(x, h_prev)
        dx, dh_prev = layer.backward(dh)
        analytic = dict(zip(names, (dx, dh_prev, *[g.copy() for g in layer.grads])))
        mine = _gru_backward(dh, x, h_prev, Wx, Wh, b)
        if not all(_close(m, analytic[n]) for n, m in zip(names, mine)):
            raise RuntimeError("check_gru_backward: the written-out backward disagrees with lib.GRU; this is a bug "
                               "in lib, not in your function")
        probe = GRU(Wx, Wh, b)

        def loss(probe=probe, x=x, h_prev=h_prev, dh=dh):
            return float(np.sum(probe.forward(x, h_prev) * dh))

        expected = _verified("check_gru_backward", analytic, loss,
                             {"dx": x, "dh_prev": h_prev, "dWx": probe.params[0], "dWh": probe.params[1],
                              "db": probe.params[2]})
        cases.append(_Case({"dh": dh, "x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "b": b}, expected,
                           args=(dh, x, h_prev, Wx, Wh, b)))

    def wrong(**flags):
        return lambda c: _gru_backward(*c["args"], **flags)

    hints = [
        _equals("dh_prev", lambda c: wrong(drop="direct")(c)[1],
                "dh_prev misses the direct path dh * z: h_t = z * h_(t-1) + (1 - z) * g uses h_(t-1) itself."),
        _equals("dh_prev", lambda c: wrong(drop="candidate")(c)[1],
                "dh_prev misses the path through the candidate: the gradient reaching r * h_(t-1), "
                "(da_g @ Wh_g.T), times r."),
        _equals("dh_prev", lambda c: wrong(drop="gates")(c)[1],
                "dh_prev misses the path through the gates: da_r @ Wh_r.T + da_z @ Wh_z.T (r and z are computed "
                "from h_(t-1) too)."),
        _equals("dWh", lambda c: wrong(candidate_sees_h=True)(c)[3],
                "dWh's candidate block (columns 2H:3H) uses h_prev; that block multiplied r * h_prev in the "
                "forward pass, so its gradient is (r * h_prev).T @ da_g."),
    ]
    notes = {"dx": "the shape of x", "dh_prev": "the shape of h_prev", "dWx": "the shape of Wx",
             "dWh": "the shape of Wh", "db": "the shape of b"}
    return _run(fn, "check_gru_backward", cases, notes, hints)


# ------------------------------------------------------------------------------------------- section 5.3
@wrapped(keep_reader_prints=False)
def check_adding_batch(fn):
    """Check fn(N, T, rng) -> (xs (N, T, 2), targets (N,)) for the adding problem.

    Channel 0 holds values drawn uniformly from [0, 1); channel 1 marks exactly two steps with 1 (one in the
    first half, t < T // 2, and one in the second half), 0 elsewhere; the target is the sum of the two marked
    values. The draws are random, so the checker tests these properties, not exact numbers.
    """
    bad = _check_callable(fn, "check_adding_batch")
    if bad is not None:
        return bad
    specs = [(64, 20), (3, 2), (200, 50)]
    for k, (N, T) in enumerate(specs, start=1):
        where = f"on hidden case {k} of {len(specs)} (N {N}, T {T})"
        try:
            ret = fn(N, T, np.random.default_rng(530 + k))
        except NotImplementedError:
            return _finish(False, f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet.")
        except Exception as e:
            return _finish(False, f"{_fn_name(fn)} raised {type(e).__name__} ({str(e).strip()[:120]}) {where}.")
        if not isinstance(ret, (tuple, list)) or len(ret) != 2 or ret[0] is None or ret[1] is None:
            return _finish(False, f"{_fn_name(fn)} should return a tuple (xs, targets) of two arrays {where}.")
        xs, targets = (np.asarray(a, dtype=np.float64) for a in ret)
        if xs.shape != (N, T, 2):
            return _finish(False, f"xs has shape {xs.shape}; expected (N, T, 2) = {(N, T, 2)}, a value and a "
                                  f"marker at every step, {where}.")
        if targets.shape != (N,):
            return _finish(False, f"targets has shape {targets.shape}; expected (N,) = {(N,)}, one sum per "
                                  f"sequence, {where}.")
        values, marks = xs[:, :, 0], xs[:, :, 1]
        if values.min() < 0 or values.max() >= 1:
            return _finish(False, f"The values (channel 0) range from {_num(values.min())} to "
                                  f"{_num(values.max())} {where}; draw them uniformly from [0, 1).")
        if N * T >= 1000 and values.std() < 0.2:
            return _finish(False, f"The values (channel 0) have standard deviation {_num(values.std())} {where}; "
                                  "uniform numbers in [0, 1) have about 0.29.")
        if not np.all((marks == 0) | (marks == 1)):
            return _finish(False, f"The markers (channel 1) must be 0 or 1; found {_num(marks[(marks != 0) & (marks != 1)][0])} "
                                  f"{where}.")
        counts = marks.sum(axis=1)
        if not np.all(counts == 2):
            n = int(np.argmax(counts != 2))
            return _finish(False, f"Sequence {n} has {int(counts[n])} marked steps {where}; every sequence needs "
                                  "exactly two.")
        half = T // 2
        if not (np.all(marks[:, :half].sum(axis=1) == 1) and np.all(marks[:, half:].sum(axis=1) == 1)):
            return _finish(False, f"The two markers must lie one in the first half (t < T // 2 = {half}) and one "
                                  f"in the second half {where}.")
        if N >= 50 and T >= 10 and len({tuple(np.flatnonzero(m)) for m in marks}) < 3:
            return _finish(False, f"The markers sit at the same steps in almost every sequence {where}; draw "
                                  "their positions at random for each sequence.")
        want = (values * marks).sum(axis=1)
        if not np.allclose(targets, want, rtol=0, atol=1e-10):
            n = int(np.argmax(~np.isclose(targets, want, rtol=0, atol=1e-10)))
            return _finish(False, f"targets[{n}] is {_num(targets[n])} {where}, but the two marked values of "
                                  f"sequence {n} add up to {_num(want[n])}.")
    return _finish(True, f"Passed: shapes, values, markers and sums are right on {len(specs)} hidden cases.")


def _time_constant_bias(tau):
    p = np.exp(-1.0 / tau)  # the gate value that keeps e^{-1} after tau steps
    return np.log(p / (1.0 - p))


@wrapped(keep_reader_prints=False)
def check_gate_bias_for_time_constant(fn):
    """Check fn(tau) -> the bias b with sigmoid(b) ** tau = e^{-1}: a gate that keeps e^{-1} after tau steps."""
    taus = [1.0, 5.0, 20.0, 100.0]
    cases = [_Case({"tau": tau}, {"bias": np.array(_time_constant_bias(tau))}, tau=tau) for tau in taus]

    def scalar(name, got, expected, case):
        tau = case.context["tau"]
        if got.shape != ():
            return f"The bias for tau = {tau:g} has shape {got.shape}; return one number."
        if float(got) == 0.0:
            return f"The bias is 0.0 for tau = {tau:g} (a gate of 0.5): the exercise is not done yet."
        p = np.exp(-1.0 / tau)
        if _close(got, np.array(p)):
            return (f"For tau = {tau:g} you returned the gate value {_num(got)} itself; the bias is its log-odds, "
                    "ln(p / (1 - p)).")
        approx = 1.0 - 1.0 / tau
        if tau > 1 and _close(got, np.array(np.log(approx / (1 - approx)))):
            return (f"For tau = {tau:g} you used the approximation gate = 1 - 1/tau; the exact gate is "
                    f"exp(-1/tau) = {_num(p)}, so the bias is ln(p / (1 - p)) = {_num(expected)}.")
        if _close(got, -expected):
            return (f"The bias for tau = {tau:g} has the wrong sign: a gate close to 1 needs a large positive "
                    "bias.")
        if not _close(got, expected):
            return f"The bias for tau = {tau:g} is {_num(got)}; expected {_num(expected)}."
        return None

    return _run(fn, "check_gate_bias_for_time_constant", cases, {"bias": "a single number"}, [scalar],
                reference="ln(p / (1 - p)) with p = exp(-1/tau)")
