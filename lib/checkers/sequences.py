"""Checkers for the exercises of section 3.1 (sequences and recurrent networks).

Like the checkers of chapters 1 and 2, each one runs the reader's function on hidden seeded cases, compares
the result with lib's reference, prints one sentence that names the likely mistake and returns a
`CheckResult`.
"""
import numpy as np

from . import _Case, _check_callable, _count_returned, _close, _equals, _finish, _fn_name, _run

__all__ = ["check_rnn_step_forward", "check_rnn_param_count", "check_k_step_coefficients"]


# ------------------------------------------------------------------------------------ one RNN step, concatenated
def check_rnn_step_forward(fn):
    """Check fn(x, h_prev, W, b) -> h_next = tanh([h_prev, x] W + b), with W (H + D, H) stacking Wh over Wx."""
    from ..recurrent import RNN

    rng = np.random.default_rng(311)
    cases = []
    for N, D, H in [(2, 3, 4), (3, 5, 2), (1, 4, 4), (4, 2, 3)]:
        x, h_prev = rng.standard_normal((N, D)), np.tanh(rng.standard_normal((N, H)))
        W, b = rng.standard_normal((H + D, H)) / np.sqrt(H + D), rng.standard_normal(H) * 0.5
        h_next = RNN(W[H:], W[:H], b).forward(x, h_prev)  # Wx = W[H:] (D, H), Wh = W[:H] (H, H)
        loop = np.array([[np.tanh(sum(h_prev[n, i] * W[i, j] for i in range(H))
                                  + sum(x[n, d] * W[H + d, j] for d in range(D)) + b[j])
                          for j in range(H)] for n in range(N)])
        if not _close(h_next, loop):
            raise RuntimeError("check_rnn_step_forward: lib.RNN disagrees with a direct loop; "
                               "this is a bug in lib, not in your function")
        cases.append(_Case({"x": x, "h_prev": h_prev, "W": W, "b": b}, {"h_next": h_next},
                           x=x, h_prev=h_prev, W=W, b=b))

    def pre(c, first, second, bias=True):
        return np.concatenate([first, second], axis=1) @ c["W"] + (c["b"] if bias else 0.0)

    hints = [
        _equals("h_next", lambda c: np.tanh(pre(c, c["x"], c["h_prev"])),
                "h_next reads the concatenation in the wrong order: the first H rows of W multiply h_prev "
                "(they are W_h) and the last D rows multiply x (W_x), so concatenate [h_prev, x]."),
        _equals("h_next", lambda c: pre(c, c["h_prev"], c["x"]),
                "h_next is the pre-activation [h_prev, x] W + b; apply tanh to it."),
        _equals("h_next", lambda c: np.tanh(pre(c, c["h_prev"], c["x"], bias=False)),
                "h_next is missing the bias: add b inside the tanh."),
        _equals("h_next", lambda c: 1 / (1 + np.exp(-pre(c, c["h_prev"], c["x"]))),
                "h_next uses the sigmoid; the RNN cell of this section uses tanh."),
        _equals("h_next", lambda c: np.tanh(c["x"] @ c["W"][-c["x"].shape[1]:] + c["b"]),
                "h_next ignores h_prev: without the h_prev W_h term the cell has no memory of earlier steps."),
    ]
    return _run(fn, "check_rnn_step_forward", cases, {"h_next": "(N, H), the shape of h_prev"}, hints,
                reference="lib.RNN and a direct loop")


# ------------------------------------------------------------------------------------ parameters of an RNNLM
def _rnnlm_count(V, E, H, L):
    """Parameters of lib.RNNLM(V, E, H, num_layers=L), counted from the model itself."""
    from ..language_model import RNNLM

    model = RNNLM(V, E, H, rng=np.random.default_rng(0), num_layers=L)
    return int(sum(p.size for p in model.params))


def check_rnn_param_count(fn):
    """Check fn(V, E, H, num_layers) -> the number of parameters of lib.RNNLM(V, E, H, num_layers=...)."""
    who = "check_rnn_param_count"
    bad = _check_callable(fn, who)
    if bad is not None:
        return bad
    cases = [(4, 3, 5, 1), (10, 6, 8, 2), (27, 16, 32, 3), (65, 12, 40, 2)]
    for k, (V, E, H, L) in enumerate(cases, start=1):
        expected = _rnnlm_count(V, E, H, L)
        formula = V * E + (E * H + H * H + H) + (L - 1) * (2 * H * H + H) + H * V + V
        if formula != expected:
            raise RuntimeError(f"{who}: lib.RNNLM has {expected} parameters, the formula {formula}; "
                               "this is a bug in the checker, not in your function")
        where = f"on hidden case {k} of {len(cases)} (V={V}, E={E}, H={H}, num_layers={L})"
        value, failed = _count_returned(fn, (V, E, H, L), where)
        if failed is not None:
            return failed
        if value == expected:
            continue
        wrongs = [
            (formula - (H + (L - 1) * H + V),
             "you left out the biases: each recurrent layer has a bias b of H entries, and the output layer "
             "one of V"),
            (formula - (L - 1) * H,
             "each recurrent layer has its own bias b of H entries, including the layers above the first"),
            (V * E + L * (E * H + H * H + H) + H * V + V,
             "the layers above the first read the H-dimensional hidden state of the layer below, so their "
             "W_x is (H, H), not (E, H)"),
            (V * E + (E * H + H * H + H) + H * V + V,
             "you counted one recurrent layer; with num_layers stacked layers each has its own W_x, W_h and b"),
            (formula - V * E,
             "you left out the embedding matrix, V rows of E numbers"),
            (formula - (H * V + V),
             "you left out the output layer (W_o of shape (H, V) and b_o of V entries)"),
            (formula - V * E + V * H, "the embedding matrix is (V, E), not (V, H)"),
        ]
        for wrong, why in wrongs:
            if value == wrong:
                return _finish(False, f"{_fn_name(fn)} returned {value:.0f} {where}, expected {expected}: "
                                      f"{why}.")
        return _finish(False, f"{_fn_name(fn)} returned {value:g} {where}; expected {expected}. Count "
                              "the embedding, each recurrent layer's W_x, W_h and b, and the output layer.")
    return _finish(True, f"Passed: the counts match lib.RNNLM on {len(cases)} hidden cases.")


# ------------------------------------------------------------------------------------ k steps of a linear AR model
def k_step_reference(w, b, k):
    """(w_k, b_k) with k-step prediction = window @ w_k + b_k, found by feeding predictions back.

    The window holds the tau last values oldest first, so w[-1] multiplies the most recent one. Feeding back
    is linear in the window, so running it on the tau unit windows and on the zero window reads off the map.
    """
    tau = len(w)
    win = np.vstack([np.eye(tau), np.zeros((1, tau))])  # (tau + 1, tau): unit windows, then zeros
    for _ in range(k):
        pred = win @ w + b  # (tau + 1,)
        win = np.hstack([win[:, 1:], pred[:, None]])
    b_k = pred[-1]
    return pred[:-1] - b_k, float(b_k)


def check_k_step_coefficients(fn):
    """Check fn(w, b, k) -> (w_k, b_k): the k-step-ahead prediction of a linear AR model as one affine map."""
    rng = np.random.default_rng(313)
    cases = []
    for tau, k in [(4, 3), (3, 5), (5, 1), (2, 6)]:
        w = rng.standard_normal(tau) * 0.5
        b = round(float(rng.standard_normal()), 2)
        w_k, b_k = k_step_reference(w, b, k)
        # an independent check of the reference: feed a random window back k times
        window = rng.standard_normal(tau)
        y = window.copy()
        for _ in range(k):
            y = np.append(y[1:], y @ w + b)
        if not np.isclose(window @ w_k + b_k, y[-1]):
            raise RuntimeError("check_k_step_coefficients: the reference disagrees with feeding back; "
                               "this is a bug in the checker, not in your function")
        prev = k_step_reference(w, b, k - 1) if k > 1 else (np.eye(tau)[-1], 0.0)
        nxt = k_step_reference(w, b, k + 1)
        cases.append(_Case({"w": w, "b": b, "k": k}, {"w_k": w_k, "b_k": np.array([b_k])},
                           w=w, b=b, k=k, prev=prev, next=nxt))

    bad = _check_callable(fn, "check_k_step_coefficients")
    if bad is not None:
        return bad

    def wrap(w, b, k):
        ret = fn(w, b, k)
        if isinstance(ret, tuple) and len(ret) == 2:
            return ret[0], np.atleast_1d(np.asarray(ret[1], dtype=np.float64)) if ret[1] is not None else None
        return ret

    wrap.__name__ = getattr(fn, "__name__", "fn")
    hints = [
        _equals("w_k", lambda c: c["prev"][0],
                "w_k holds the coefficients of one step fewer: the 1-step prediction is w itself, and each "
                "further step feeds one more prediction back."),
        _equals("w_k", lambda c: c["next"][0],
                "w_k holds the coefficients of one step too many: the 1-step prediction is w itself."),
        _equals("w_k", lambda c: c["w"] ** c["k"],
                "w_k is w to the power k entry by entry; the prediction that is fed back mixes all entries of "
                "the window, so follow the window through k shifts."),
        _equals("w_k", lambda c: k_step_reference(c["w"][::-1], c["b"], c["k"])[0][::-1],
                "w_k treats the window as newest first; here the window is oldest first, so w[-1] multiplies "
                "the most recent value x_{t-1}."),
        _equals("b_k", lambda c: np.array([c["b"]]),
                "b_k equals b, but the bias is added at every step and the earlier ones are carried along "
                "through the fed-back predictions."),
    ]
    notes = {"w_k": "(tau,), the shape of w", "b_k": "one number"}
    return _run(wrap, "check_k_step_coefficients", cases, notes, hints,
                reference="feeding the predictions back")
