"""Checkers for the exercises of section 5.1 (long short-term memory).

Each checker runs the reader's function on hidden seeded cases, compares with lib.gated (itself tested against
the per-gate teaching version and numerical gradients), and prints one sentence naming the likely mistake.
"""
from itertools import permutations

import numpy as np

from . import _Case, _close, _run, _shape, _verified
from ..functions import sigmoid

__all__ = ["check_lstm_step", "check_lstm_step_backward", "check_lstm_from_pytorch", "check_forget_bias_for"]

_SHAPES = [(2, 3, 4), (3, 2, 2), (1, 5, 3), (4, 3, 1)]  # (N, D, H) of the hidden cases


def _gated():
    from .. import gated
    return gated


def _lstm_case(rng, N, D, H):
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), 2 * rng.standard_normal((N, H))
    Wx, Wh = rng.standard_normal((D, 4 * H)) / np.sqrt(D), rng.standard_normal((H, 4 * H)) / np.sqrt(H)
    return x, h, c, Wx, Wh, 0.5 * rng.standard_normal(4 * H)


def _step(x, h, c, Wx, Wh, b, order="figo", g_act=np.tanh, forget=True, out_tanh=True):
    """An LSTM step that reads the blocks in `order`, with switches for the typical mistakes."""
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b
    blk = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    f, i, o = sigmoid(blk["f"]), sigmoid(blk["i"]), sigmoid(blk["o"])
    g = g_act(blk["g"])
    c_new = (f * c if forget else c) + i * g
    return o * (np.tanh(c_new) if out_tanh else c_new), c_new


def _any_output_equals(variants):
    """Hint: an output equals the same output of a typical wrong version; variants: [(fn(context), message)]."""
    def hint(name, got, expected, case):
        if got.shape != expected.shape or _close(got, expected):
            return None
        for outputs, message in variants:
            wrong = outputs(case.context).get(name)
            if wrong is not None and _close(got, wrong) and not _close(wrong, expected):
                return message
        return None
    return hint


def check_lstm_step(fn):
    """Check fn(x, h_prev, c_prev, Wx, Wh, b) -> (h, c): one LSTM step, fused gate blocks f, i, g, o."""
    gated = _gated()
    rng = np.random.default_rng(5101)
    cases = []
    for N, D, H in _SHAPES:
        x, h, c, Wx, Wh, b = _lstm_case(rng, N, D, H)
        h_new, c_new = gated.LSTM(Wx, Wh, b).forward(x, h, c)
        h_ref, c_ref = gated.lstm_step_reference(x, h, c, *gated.unfuse_gates(Wx, Wh, b, "figo"))
        if not (_close(h_new, h_ref) and _close(c_new, c_ref)):
            raise RuntimeError("check_lstm_step: lib.LSTM disagrees with lstm_step_reference; "
                               "this is a bug in lib, not in your function")
        args = (x, h, c, Wx, Wh, b)
        cases.append(_Case({"x": x, "h_prev": h, "c_prev": c, "Wx": Wx, "Wh": Wh, "b": b},
                           {"h": h_new, "c": c_new}, args=args))

    def as_dict(**kw):
        return lambda ctx: dict(zip(("h", "c"), _step(*ctx["args"], **kw)))

    variants = [(as_dict(order="".join(p)),
                 f"{{name}} matches an LSTM that reads the column blocks in the order {', '.join(p)}; lib's "
                 "order is f, i, g, o: f = a[:, :H], i = a[:, H:2H], g = a[:, 2H:3H], o = a[:, 3H:].")
                for p in permutations("figo") if "".join(p) != "figo"]
    variants += [
        (as_dict(g_act=sigmoid), "{name} matches a candidate g computed with a sigmoid; g uses tanh, so the "
                                 "values written into the cell can be negative."),
        (as_dict(forget=False), "{name} matches c_t = c_prev + i * g: the forget gate must scale the old "
                                "memory, c_t = f * c_prev + i * g."),
        (as_dict(out_tanh=False), "{name} matches h = o * c_t; the hidden state is o * tanh(c_t)."),
    ]
    hint = _any_output_equals([(v, m) for v, m in variants])

    def named(name, got, expected, case):
        message = hint(name, got, expected, case)
        return message.replace("{name}", name) if message else None

    notes = {"h": "(N, H), the new hidden state", "c": "(N, H), the new cell state"}
    return _run(fn, "check_lstm_step", cases, notes, [named], reference="lib.LSTM")


def _step_backward(x, h, c, Wx, Wh, b, dh, dc_next, h_path=True, use_dc_next=True, times_f=True,
                   tanh_c=True):
    """The backward pass of one LSTM step, with switches for the typical mistakes."""
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b
    f, i, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c_new = f * c + i * g
    tc = np.tanh(c_new)
    dc = dc_next.copy() if use_dc_next else np.zeros_like(dc_next)
    if h_path:
        dc = dc + dh * o * ((1 - tc * tc) if tanh_c else (1 - c_new * c_new))
    da = np.hstack([dc * c * f * (1 - f), dc * g * i * (1 - i), dc * i * (1 - g * g), dh * tc * o * (1 - o)])
    return {"dx": da @ Wx.T, "dh_prev": da @ Wh.T, "dc_prev": dc * f if times_f else dc,
            "dWx": x.T @ da, "dWh": h.T @ da, "db": da.sum(axis=0)}


def check_lstm_step_backward(fn):
    """Check fn(x, h_prev, c_prev, Wx, Wh, b, dh_next, dc_next) -> (dx, dh_prev, dc_prev, dWx, dWh, db)."""
    gated = _gated()
    rng = np.random.default_rng(5102)
    cases = []
    for N, D, H in _SHAPES:
        x, h, c, Wx, Wh, b = _lstm_case(rng, N, D, H)
        dh, dcn = rng.standard_normal((N, H)), rng.standard_normal((N, H))
        layer = gated.LSTM(Wx, Wh, b)
        layer.forward(x, h, c)
        dx, dh_prev, dc_prev = layer.backward(dh, dcn)
        analytic = {"dx": dx, "dh_prev": dh_prev, "dc_prev": dc_prev, "dWx": layer.grads[0].copy(),
                    "dWh": layer.grads[1].copy(), "db": layer.grads[2].copy()}

        def loss(x=x, h=h, c=c, Wx=Wx, Wh=Wh, b=b, dh=dh, dcn=dcn):
            hn, cn = _step(x, h, c, Wx, Wh, b)
            return float(np.sum(hn * dh) + np.sum(cn * dcn))

        expected = _verified("check_lstm_step_backward", analytic, loss,
                             {"dx": x, "dh_prev": h, "dc_prev": c, "dWx": Wx, "dWh": Wh, "db": b})
        args = (x, h, c, Wx, Wh, b, dh, dcn)
        cases.append(_Case({"x": x, "h_prev": h, "c_prev": c, "Wx": Wx, "Wh": Wh, "b": b, "dh_next": dh,
                            "dc_next": dcn}, expected, args=args))

    def variant(**kw):
        return lambda ctx: _step_backward(*ctx["args"], **kw)

    hint = _any_output_equals([
        (variant(h_path=False), "{name} misses the gradient that reaches c_t through h_t = o * tanh(c_t): "
                                "dc = dc_next + dh_next * o * (1 - tanh(c_t)^2)."),
        (variant(use_dc_next=False), "{name} ignores dc_next, the gradient arriving along the cell state from "
                                     "step t+1; add it to what comes through h_t."),
        (variant(tanh_c=False), "{name} uses 1 - c_t^2 as the derivative; the derivative of tanh(c_t) is "
                                "1 - tanh(c_t)^2."),
        (variant(times_f=False), "{name} is the gradient at c_t, not at c_prev: c_t = f * c_prev + i * g, so "
                                 "multiply by f."),
    ])

    def named(name, got, expected, case):
        message = hint(name, got, expected, case)
        return message.replace("{name}", name) if message else None

    notes = {"dx": "the shape of x", "dh_prev": "the shape of h_prev", "dc_prev": "the shape of c_prev",
             "dWx": "the shape of Wx", "dWh": "the shape of Wh", "db": "the shape of b"}
    return _run(fn, "check_lstm_step_backward", cases, notes, [named])


_TORCH_ORDER = "ifgo"  # PyTorch's nn.LSTM stacks its gate blocks as i, f, g, o


def _from_torch(W_ih, W_hh, b_ih, b_hh, reorder=True, transpose=True, both_biases=True):
    H = W_hh.shape[1]
    idx = (np.concatenate([np.arange(k * H, (k + 1) * H) for k in (_TORCH_ORDER.index(g) for g in "figo")])
           if reorder else np.arange(4 * H))
    Wx, Wh = (W_ih[idx].T, W_hh[idx].T) if transpose else (W_ih[idx], W_hh[idx])
    return {"Wx": Wx, "Wh": Wh, "b": (b_ih + b_hh)[idx] if both_biases else b_ih[idx]}


def check_lstm_from_pytorch(fn):
    """Check fn(W_ih, W_hh, b_ih, b_hh) -> (Wx, Wh, b): PyTorch's LSTM weights in lib's layout."""
    gated = _gated()
    rng = np.random.default_rng(5103)
    cases = []
    for N, D, H in _SHAPES:
        W_ih, W_hh = rng.standard_normal((4 * H, D)), rng.standard_normal((4 * H, H))
        b_ih, b_hh = rng.standard_normal(4 * H), rng.standard_normal(4 * H)
        expected = _from_torch(W_ih, W_hh, b_ih, b_hh)
        # the definition, gate by gate, in PyTorch's column-vector form: gate = act(W_i* x + b_i* + W_h* h + b_h*)
        x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
        blk = {g: slice(k * H, (k + 1) * H) for k, g in enumerate(_TORCH_ORDER)}
        pre = {g: x @ W_ih[s].T + b_ih[s] + h @ W_hh[s].T + b_hh[s] for g, s in blk.items()}
        c_t = sigmoid(pre["f"]) * c + sigmoid(pre["i"]) * np.tanh(pre["g"])
        h_t = sigmoid(pre["o"]) * np.tanh(c_t)
        h_lib, c_lib = gated.LSTM(expected["Wx"], expected["Wh"], expected["b"]).forward(x, h, c)
        if not (_close(h_lib, h_t) and _close(c_lib, c_t)):
            raise RuntimeError("check_lstm_from_pytorch: the reference conversion is wrong; a bug in lib")
        cases.append(_Case({"W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": b_hh}, expected,
                           args=(W_ih, W_hh, b_ih, b_hh), D=D, H=H))

    def variant(**kw):
        return lambda ctx: _from_torch(*ctx["args"], **kw)

    hint = _any_output_equals([
        (variant(reorder=False), "{name} keeps PyTorch's block order i, f, g, o; lib's order is f, i, g, o, "
                                 "so swap the first two blocks of H."),
        (variant(both_biases=False), "b holds only b_ih; PyTorch adds two biases, b_ih and b_hh, to every "
                                     "gate, so lib's single b is their sum."),
    ])

    def shape_hint(name, got, expected, case):
        if name in ("Wx", "Wh") and got.ndim == 2 and got.shape == expected.T.shape and got.shape[0] != \
                got.shape[1]:
            return (f"{name} has PyTorch's shape {_shape(got.shape)}; lib's x Wx needs the transpose, "
                    f"{_shape(expected.shape)}.")
        message = hint(name, got, expected, case)
        return message.replace("{name}", name) if message else None

    notes = {"Wx": "(D, 4H)", "Wh": "(H, 4H)", "b": "(4H,)"}
    return _run(fn, "check_lstm_from_pytorch", cases, notes, [shape_hint],
                reference="lib's layout (checked by running both LSTMs)")


def check_forget_bias_for(fn):
    """Check fn(keep, T) -> b_f such that sigmoid(b_f) ** T == keep (a gradient fraction kept over T steps)."""
    rng = np.random.default_rng(5104)
    cases = []
    for keep, T in [(0.25, 50), (0.1, 100), (0.9, 10), (float(rng.uniform(0.01, 0.3)), 20)]:
        f = keep ** (1.0 / T)
        b = np.array(np.log(f / (1.0 - f)))
        if abs(sigmoid(b) ** T - keep) > 1e-9:
            raise RuntimeError("check_forget_bias_for: the reference bias is wrong; a bug in lib")
        cases.append(_Case({"keep": keep, "T": T}, {"b_f": b}, keep=keep, T=T, f=f))

    def hint(name, got, expected, case):
        ctx = case.context
        if got.shape != () or _close(got, expected):
            return None
        if _close(got, np.array(np.log(ctx["keep"] / (1 - ctx["keep"])))):
            return ("b_f makes one step keep the fraction `keep`; the product of T forget gates must, so take "
                    "the T-th root first: f = keep ** (1 / T).")
        if _close(got, np.array(ctx["f"])):
            return (f"b_f is the forget-gate value f = keep ** (1 / T) = {ctx['f']:.4f} itself; the bias is the "
                    "input that gives it, the inverse of the sigmoid: log(f / (1 - f)).")
        if _close(got, np.array(np.log(ctx["f"]))):
            return "b_f equals log(f); the inverse of the sigmoid is the logit, log(f / (1 - f))."
        kept = float(sigmoid(got)) ** ctx["T"]
        return f"sigmoid(b_f) ** {ctx['T']} = {kept:.3g} for b_f = {float(got):.4f}, not keep = {ctx['keep']:.4f}."

    return _run(fn, "check_forget_bias_for", cases, {"b_f": "a single number"}, [hint],
                reference="the exact bias")
