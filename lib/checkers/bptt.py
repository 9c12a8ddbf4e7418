"""Checkers for the exercises of section 3.2 (backpropagation through time).

Both follow the engine of `lib.checkers`: seeded hidden cases, lib's reference verified against a numerical
gradient, and one printed sentence that names the likely bug (found by comparing the reader's answer with
the typical wrong versions computed here).
"""
import numpy as np

from . import _Case, _equals, _run, _verified

__all__ = ["check_time_rnn_backward", "check_leaky_rnn_backward"]


def _recurrent():
    """lib.recurrent, imported only when a checker runs (lib.checkers is imported by lib's users early)."""
    from .. import recurrent
    return recurrent


def _time_backward(xs, h0, hs, Wx, Wh, dhs, *, future=True, dWh_uses="h_prev", accumulate=True,
                   through_tanh=True):
    """BPTT for xs (N, T, D), h0 (N, H), hs (N, T, H), dhs (N, T, H): the right answer with the defaults,
    and with one flag changed, a typical wrong one. Returns (dxs, dh0, dWx, dWh, db)."""
    N, T, D = xs.shape
    dxs = np.zeros_like(xs)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        h_prev = h0 if t == 0 else hs[:, t - 1]
        dh = dhs[:, t] + (dh_next if future else 0.0)
        da = dh * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ Wx.T
        h_used = h_prev if dWh_uses == "h_prev" else hs[:, t]
        if accumulate:
            dWx += xs[:, t].T @ da
            dWh += h_used.T @ da
            db += da.sum(axis=0)
        else:
            dWx, dWh, db = xs[:, t].T @ da, h_used.T @ da, da.sum(axis=0)
        dh_next = (da if through_tanh else dh) @ Wh.T
    return dxs, dh_next, dWx, dWh, db


def check_time_rnn_backward(fn):
    """Check fn(xs, h0, hs, Wx, Wh, dhs) -> (dxs, dh0, dWx, dWh, db), the backward pass of T RNN steps.

    xs (N, T, D) are the inputs, h0 (N, H) the initial state, hs (N, T, H) the hidden states h_1 .. h_T
    computed by the forward pass, and dhs (N, T, H) the gradient each h_t receives from above (via o_t).
    """
    rec = _recurrent()
    rng = np.random.default_rng(3202)
    cases = []
    for N, T, D, H in [(2, 5, 3, 4), (3, 4, 2, 3), (1, 6, 4, 5), (2, 3, 5, 2)]:
        Wx, Wh = rng.standard_normal((D, H)) * 0.8, rng.standard_normal((H, H)) * 0.8
        b = rng.standard_normal(H) * 0.3
        xs, h0, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)) * 0.5, rng.standard_normal((N, T, H))
        layer = rec.TimeRNN(Wx, Wh, b)
        hs = layer.forward(xs, h0)
        dxs, dh0 = layer.backward(dhs)
        dWx, dWh, db = (g.copy() for g in layer.grads)

        def loss(layer=layer, xs=xs, h0=h0, dhs=dhs):
            return float(np.sum(layer.forward(xs, h0) * dhs))

        expected = _verified("check_time_rnn_backward",
                             {"dxs": dxs, "dh0": dh0, "dWx": dWx, "dWh": dWh, "db": db}, loss,
                             {"dxs": xs, "dh0": h0, "dWx": layer.params[0], "dWh": layer.params[1],
                              "db": layer.params[2]})
        args = {"xs": xs, "h0": h0, "hs": hs, "Wx": Wx, "Wh": Wh, "dhs": dhs}
        cases.append(_Case(args, expected, **args))

    def wrong(**flags):
        return lambda c, i: _time_backward(c["xs"], c["h0"], c["hs"], c["Wx"], c["Wh"], c["dhs"], **flags)[i]

    order = {"dxs": 0, "dh0": 1, "dWx": 2, "dWh": 3, "db": 4}
    hints = []
    for name in order:
        i = order[name]
        hints += [
            _equals(name, lambda c, i=i: wrong(future=False)(c, i),
                    f"{name} matches a backward pass in which h_t receives gradient only from above (dhs[:, t]); "
                    "add the gradient that comes back from h_{t+1}, i.e. (dL/da_{t+1}) Wh^T."),
            _equals(name, lambda c, i=i: wrong(through_tanh=False)(c, i),
                    f"{name} matches a loop that sends dh (not da = dh * (1 - h_t**2)) back to h_{{t-1}}; the "
                    "gradient must pass through tanh before it is multiplied by Wh^T."),
        ]
    for name in ("dWx", "dWh", "db"):
        hints.append(_equals(name, lambda c, i=order[name]: wrong(accumulate=False)(c, i),
                             f"{name} holds only the contribution of the first step (the last one the backward "
                             "loop visits); the weights are shared, so add every step's contribution (+=)."))
    hints.append(_equals("dWh", lambda c: wrong(dWh_uses="h_t")(c, 3),
                         "dWh uses h_t where it needs h_{t-1}: step t computes a_t = x_t Wx + h_{t-1} Wh + b, "
                         "so its contribution is h_{t-1}^T da_t (and h0 for the first step)."))
    notes = {"dxs": "the shape of xs, (N, T, D)", "dh0": "the shape of h0, (N, H)", "dWx": "the shape of Wx",
             "dWh": "the shape of Wh", "db": "(H,), the shape of b"}
    return _run(fn, "check_time_rnn_backward", cases, notes, hints)


def _leaky_backward(x, h_prev, Wx, Wh, b, alpha, dh_next, *, identity=True, scale=True, tanh_of="z"):
    """Backward of h_next = (1 - alpha) h_prev + alpha tanh(x Wx + h_prev Wh + b); flags give wrong versions."""
    z = np.tanh(x @ Wx + h_prev @ Wh + b)
    h_next = (1 - alpha) * h_prev + alpha * z
    dz = (alpha if scale else 1.0) * dh_next
    da = dz * (1.0 - (z if tanh_of == "z" else h_next) ** 2)
    dh_prev = da @ Wh.T + ((1 - alpha) * dh_next if identity else 0.0)
    return da @ Wx.T, dh_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def check_leaky_rnn_backward(fn):
    """Check fn(x, h_prev, Wx, Wh, b, alpha, dh_next) -> (dx, dh_prev, dWx, dWh, db) for one leaky step
    h_next = (1 - alpha) h_prev + alpha tanh(x Wx + h_prev Wh + b)."""
    rec = _recurrent()
    rng = np.random.default_rng(3203)
    cases = []
    for N, D, H, alpha in [(3, 4, 5, 0.5), (2, 3, 3, 0.2), (4, 2, 6, 0.8), (1, 5, 4, 1.0)]:
        Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)) * 0.7, rng.standard_normal(H) * 0.3
        x, h_prev, dh_next = rng.standard_normal((N, D)), np.tanh(rng.standard_normal((N, H))), rng.standard_normal((N, H))
        cell = rec.RNN(Wx.copy(), Wh.copy(), b.copy())

        def step(x=x, h_prev=h_prev, cell=cell, alpha=alpha):
            return (1 - alpha) * h_prev + alpha * cell.forward(x, h_prev)

        step()
        dx, dh_prev = cell.backward(alpha * dh_next)
        dh_prev = dh_prev + (1 - alpha) * dh_next
        dWx, dWh, db = (g.copy() for g in cell.grads)
        expected = _verified("check_leaky_rnn_backward",
                             {"dx": dx, "dh_prev": dh_prev, "dWx": dWx, "dWh": dWh, "db": db},
                             lambda step=step, dh_next=dh_next: float(np.sum(step() * dh_next)),
                             {"dx": x, "dh_prev": h_prev, "dWx": cell.params[0], "dWh": cell.params[1],
                              "db": cell.params[2]})
        args = {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "b": b, "alpha": alpha, "dh_next": dh_next}
        cases.append(_Case(args, expected, **args))

    def wrong(i, **flags):
        return lambda c: _leaky_backward(c["x"], c["h_prev"], c["Wx"], c["Wh"], c["b"], c["alpha"],
                                         c["dh_next"], **flags)[i]

    hints = [
        _equals("dx", wrong(0, tanh_of="h_next"),
                "dx uses 1 - h_next**2 as the derivative of tanh, but in a leaky cell h_next is not tanh(a); "
                "use 1 - z**2 with z = tanh(x Wx + h_prev Wh + b)."),
        _equals("dx", wrong(0, scale=False),
                "dx is missing the factor alpha: the tanh branch enters h_next as alpha * z, so dz = alpha * "
                "dh_next."),
        _equals("dh_prev", wrong(1, identity=False),
                "dh_prev is missing the direct path: h_prev also enters h_next as (1 - alpha) * h_prev, so add "
                "(1 - alpha) * dh_next."),
        _equals("dh_prev", wrong(1, tanh_of="h_next"),
                "dh_prev uses 1 - h_next**2 as the derivative of tanh; use 1 - z**2 with z = tanh(a)."),
    ]
    notes = {"dx": "the shape of x", "dh_prev": "the shape of h_prev", "dWx": "the shape of Wx",
             "dWh": "the shape of Wh", "db": "(H,), the shape of b"}
    return _run(fn, "check_leaky_rnn_backward", cases, notes, hints)
