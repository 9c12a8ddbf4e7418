"""Gated recurrent cells: LSTM and GRU, one step and a whole sequence, fast and as teaching references.

Shapes use the book's letters: N batch, T time steps, D input features, H hidden units.

Both cells fuse their gates' affine maps into one matrix each, as lib's RNN does for its single map:

* LSTM: Wx (D, 4H), Wh (H, 4H), b (4H,), the column blocks in the gate order **f, i, g, o** (forget gate,
  input gate, candidate values, output gate; the order the notation page lists them):

      a = x_t Wx + h_{t-1} Wh + b                          (N, 4H)
      f = sigmoid(a[:, 0:H])     i = sigmoid(a[:, H:2H])
      g = tanh(a[:, 2H:3H])      o = sigmoid(a[:, 3H:4H])
      c_t = f * c_{t-1} + i * g  h_t = o * tanh(c_t)

  With this order the three blocks that the cell-state gradient multiplies (f, i, g) sit side by side, so the
  backward pass handles them in one broadcast product.

* GRU: Wx (D, 3H), Wh (H, 3H), b (3H,), the blocks in the order **r, z, g** (reset gate, update gate,
  candidate state). lib uses the variant of the original paper (Cho et al., 2014), as d2l and Deep Learning
  from Scratch 2 do: the reset gate scales h_{t-1} *before* the matrix product,

      r = sigmoid(x_t Wx_r + h_{t-1} Wh_r + b_r)   z = sigmoid(x_t Wx_z + h_{t-1} Wh_z + b_z)
      g = tanh(x_t Wx_g + (r * h_{t-1}) Wh_g + b_g)
      h_t = z * h_{t-1} + (1 - z) * g

  (cuDNN and PyTorch apply r after the product instead, r * (h_{t-1} Wh_g + b_hg); the two are different
  functions with the same parameter count.)

`lstm_step_reference` and `gru_step_reference` compute one step the way the equations are written, with one
(H + D, H) matrix per gate acting on the concatenation [h_{t-1}, x_t]; `unfuse_gates` and `fuse_gates` convert
between the two layouts. The tests prove the fused layers equal the references.
"""
import numbers

import numpy as np

from .conv import _check_int
from .functions import sigmoid
from .layers import Layer
from .recurrent import _check_rnn_params, _require_forward, check_layer_input, tanh_inplace
from .validate import as_float_array

LSTM_GATES = "figo"  # the column blocks of the LSTM's fused Wx, Wh, b
GRU_GATES = "rzg"  # the column blocks of the GRU's fused Wx, Wh, b


def sigmoid_inplace(a):
    """sigmoid(a) written into a, as 1 / (1 + exp(-a)) (error < 2e-16); returns a.

    exp(-a) overflows to inf for a < -709, which gives exactly 0, the right limit; no warnings are raised.
    """
    with np.errstate(over="ignore", under="ignore"):  # exp(-a) = inf gives 0, exp(-a) = 0 gives 1
        np.negative(a, out=a)
        np.exp(a, out=a)
        a += 1.0
        np.reciprocal(a, out=a)  # tiny results (a < -708) round to subnormals or 0, as they should
    return a


# ------------------------------------------------------------------------------------- teaching versions
def unfuse_gates(Wx, Wh, b, gates):
    """Split fused (D, kH), (H, kH), (kH,) parameters into one (H + D, H) matrix and (H,) bias per gate.

    Each gate's matrix acts on the concatenation [h_{t-1}, x_t]: its first H rows are the gate's block of Wh,
    the last D rows its block of Wx. Returns (W, b) as two dicts keyed by gate letter, e.g. W["f"].
    """
    Wx, Wh, b = (np.asarray(p, dtype=np.float64) for p in (Wx, Wh, b))
    _check_rnn_params("unfuse_gates", Wx, Wh, b, gates=len(gates))
    H = Wh.shape[0]
    blocks = {name: slice(k * H, (k + 1) * H) for k, name in enumerate(gates)}
    W = {name: np.vstack([Wh[:, s], Wx[:, s]]) for name, s in blocks.items()}  # (H + D, H) each
    bias = {name: b[s].copy() for name, s in blocks.items()}  # (H,) each
    return W, bias


def fuse_gates(W, b, gates):
    """The inverse of unfuse_gates: per-gate (H + D, H) matrices and (H,) biases -> Wx (D, kH), Wh (H, kH), b."""
    missing = [g for g in gates if g not in W or g not in b]
    if missing:
        raise ValueError(f"fuse_gates: no weights or bias for gate(s) {', '.join(missing)}; expected {list(gates)}")
    H = np.shape(b[gates[0]])[0]
    for g in gates:
        if np.ndim(W[g]) != 2 or np.shape(W[g])[1] != H or np.shape(W[g])[0] <= H or np.shape(b[g]) != (H,):
            raise ValueError(f"fuse_gates: gate {g} needs W (H + D, H) and b (H,) with H = {H}, "
                             f"got W {np.shape(W[g])} and b {np.shape(b[g])}")
    Wh = np.hstack([np.asarray(W[g], dtype=np.float64)[:H] for g in gates])  # (H, kH)
    Wx = np.hstack([np.asarray(W[g], dtype=np.float64)[H:] for g in gates])  # (D, kH)
    return Wx, Wh, np.concatenate([np.asarray(b[g], dtype=np.float64) for g in gates])


def lstm_step_reference(x, h_prev, c_prev, W, b):
    """One LSTM step written like its equations: W[gate] (H + D, H) acts on [h_{t-1}, x_t]; returns (h, c)."""
    x, h_prev, c_prev = (np.asarray(a, dtype=np.float64) for a in (x, h_prev, c_prev))
    hx = np.concatenate([h_prev, x], axis=1)  # [h_{t-1}, x_t]  (N, H + D)
    f = sigmoid(hx @ W["f"] + b["f"])  # forget gate: how much of c_{t-1} to keep
    i = sigmoid(hx @ W["i"] + b["i"])  # input gate: how much of the candidate to write
    g = np.tanh(hx @ W["g"] + b["g"])  # candidate values
    o = sigmoid(hx @ W["o"] + b["o"])  # output gate: how much of the memory to show
    c = f * c_prev + i * g  # (N, H)
    h = o * np.tanh(c)  # (N, H)
    return h, c


def gru_step_reference(x, h_prev, W, b):
    """One GRU step written like its equations (reset before the product, as Cho et al.); returns h."""
    x, h_prev = (np.asarray(a, dtype=np.float64) for a in (x, h_prev))
    hx = np.concatenate([h_prev, x], axis=1)  # [h_{t-1}, x_t]  (N, H + D)
    r = sigmoid(hx @ W["r"] + b["r"])  # reset gate: how much of h_{t-1} the candidate sees
    z = sigmoid(hx @ W["z"] + b["z"])  # update gate: how much of h_{t-1} to keep
    rhx = np.concatenate([r * h_prev, x], axis=1)  # [r * h_{t-1}, x_t]
    g = np.tanh(rhx @ W["g"] + b["g"])  # candidate state
    return z * h_prev + (1.0 - z) * g  # (N, H)


# ------------------------------------------------------------------------------------------ shared checks
def _check_step_input(who, x, D, states, H):
    """x as float64 (N, D) and each named state as float64 (N, H), or a clear error."""
    x = as_float_array(x, who, "x", ndim=2).astype(np.float64, copy=False)
    if x.shape[1] != D:
        raise ValueError(f"{who}: x has {x.shape[1]} features, Wx expects {D} (x {x.shape})")
    out = [x]
    for name, s in states.items():
        s = as_float_array(s, who, name, ndim=2).astype(np.float64, copy=False)
        if s.shape != (x.shape[0], H):
            raise ValueError(f"{who}: {name} has shape {s.shape}, expected (N, H) = {(x.shape[0], H)}")
        out.append(s)
    return out


def _check_forget_bias(who, forget_bias):
    if isinstance(forget_bias, bool) or not isinstance(forget_bias, numbers.Real) or not np.isfinite(forget_bias):
        raise ValueError(f"{who}: forget_bias must be a finite number (the initial bias of the forget gate, "
                         f"e.g. 1.0), got {forget_bias!r}")
    return float(forget_bias)


def _init_weights(who, D, H, gates, rng):
    """Xavier-scaled random weights for each gate (variance 1/D for Wx, 1/H for Wh) and a zero bias."""
    D, H = _check_int(who, "D", D, 1), _check_int(who, "H", H, 1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{who}: pass rng=np.random.default_rng(seed), got rng={rng!r}")
    Wx = rng.standard_normal((D, gates * H)) / np.sqrt(D)
    Wh = rng.standard_normal((H, gates * H)) / np.sqrt(H)
    return Wx, Wh, np.zeros(gates * H)


# --------------------------------------------------------------------------------------------- one step
class LSTM(Layer):
    """One LSTM step: x (N, D), h_prev (N, H), c_prev (N, H) -> (h_next, c_next), each (N, H).

    Fused parameters Wx (D, 4H), Wh (H, 4H), b (4H,), gate blocks in the order f, i, g, o.
    `backward(dh_next, dc_next)` returns (dx, dh_prev, dc_prev); dc_next=None means no gradient arrives
    at c_next from later steps.
    """

    param_names = ("Wx", "Wh", "b")
    input_names = ("x", "h_prev", "c_prev")

    def __init__(self, Wx, Wh, b):
        super().__init__(Wx, Wh, b)
        _check_rnn_params(type(self).__name__, *self.params, gates=4)
        self.cache = None

    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        H = Wh.shape[0]
        x, h_prev, c_prev = _check_step_input(type(self).__name__, x, Wx.shape[0],
                                              {"h_prev": h_prev, "c_prev": c_prev}, H)
        a = x @ Wx + h_prev @ Wh + b  # (N, 4H)
        f, i, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
        g = np.tanh(a[:, 2 * H:3 * H])
        c_next = f * c_prev + i * g  # (N, H)
        tc = np.tanh(c_next)
        h_next = o * tc  # (N, H)
        self.cache = (x, h_prev, c_prev, f, i, g, o, tc)
        return h_next, c_next

    def backward(self, dh_next, dc_next=None):
        _require_forward(self, self.cache)
        Wx, Wh, _ = self.params
        x, h_prev, c_prev, f, i, g, o, tc = self.cache
        dh_next = self._check_upstream(dh_next, tc.shape)  # (N, H)
        dc = np.zeros_like(tc) if dc_next is None else self._check_upstream(dc_next, tc.shape)
        dc = dc + dh_next * o * (1.0 - tc * tc)  # both paths into c_t: from c_{t+1} and through h_t
        da = np.hstack([dc * c_prev * f * (1 - f),  # forget gate
                        dc * g * i * (1 - i),  # input gate
                        dc * i * (1 - g * g),  # candidate
                        dh_next * tc * o * (1 - o)])  # output gate: (N, 4H)
        self.grads[0][...] = x.T @ da  # (D, 4H)
        self.grads[1][...] = h_prev.T @ da  # (H, 4H)
        self.grads[2][...] = da.sum(axis=0)  # (4H,)
        return da @ Wx.T, da @ Wh.T, dc * f  # dx (N, D), dh_prev (N, H), dc_prev (N, H)


class GRU(Layer):
    """One GRU step: x (N, D), h_prev (N, H) -> h_next (N, H); backward(dh_next) -> (dx, dh_prev).

    Fused parameters Wx (D, 3H), Wh (H, 3H), b (3H,), blocks r, z, g; the reset gate scales h_prev before
    the matrix product (Cho et al., 2014): g = tanh(x Wx_g + (r * h_prev) Wh_g + b_g).
    """

    param_names = ("Wx", "Wh", "b")
    input_names = ("x", "h_prev")

    def __init__(self, Wx, Wh, b):
        super().__init__(Wx, Wh, b)
        _check_rnn_params(type(self).__name__, *self.params, gates=3)
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        H = Wh.shape[0]
        x, h_prev = _check_step_input(type(self).__name__, x, Wx.shape[0], {"h_prev": h_prev}, H)
        xa = x @ Wx + b  # (N, 3H): the input's share of every block
        rz = sigmoid(xa[:, :2 * H] + h_prev @ Wh[:, :2 * H])
        r, z = rz[:, :H], rz[:, H:]
        rh = r * h_prev
        g = np.tanh(xa[:, 2 * H:] + rh @ Wh[:, 2 * H:])
        self.cache = (x, h_prev, r, z, g, rh)
        return z * h_prev + (1.0 - z) * g  # (N, H)

    def backward(self, dh_next):
        _require_forward(self, self.cache)
        Wx, Wh, _ = self.params
        x, h_prev, r, z, g, rh = self.cache
        H = h_prev.shape[1]
        dh = self._check_upstream(dh_next, h_prev.shape)  # (N, H)
        dag = dh * (1.0 - z) * (1.0 - g * g)  # (N, H)
        daz = dh * (h_prev - g) * z * (1.0 - z)
        drh = dag @ Wh[:, 2 * H:].T  # the gradient reaching r * h_prev
        dar = drh * h_prev * r * (1.0 - r)
        da = np.hstack([dar, daz, dag])  # (N, 3H)
        self.grads[0][...] = x.T @ da  # (D, 3H)
        self.grads[1][:, :2 * H] = h_prev.T @ da[:, :2 * H]  # (H, 2H)
        self.grads[1][:, 2 * H:] = rh.T @ dag  # (H, H): the candidate's matrix saw r * h_prev
        self.grads[2][...] = da.sum(axis=0)  # (3H,)
        dh_prev = dh * z + drh * r + da[:, :2 * H] @ Wh[:, :2 * H].T  # three paths back to h_prev
        return da @ Wx.T, dh_prev


# ---------------------------------------------------------------------------------------- whole sequences
class _TimeGated(Layer):
    """What TimeLSTM and TimeGRU share: input checks, the initial state, stateful carrying, repr."""

    param_names = ("Wx", "Wh", "b")
    gates = ""  # the gate letters, one column block each
    state_names = ("h",)  # the carried state(s)

    def __init__(self, Wx, Wh, b, *, stateful=False):
        super().__init__(Wx, Wh, b)
        _check_rnn_params(type(self).__name__, *self.params, gates=len(self.gates))
        self.stateful = bool(stateful)
        for name in self.state_names:
            setattr(self, name, None)  # the carried state (N, H) in stateful mode
        self.cache = None

    def __repr__(self):
        D, H = self.params[0].shape[0], self.hidden_size
        return f"{type(self).__name__}(D={D}, H={H}, stateful={self.stateful})"

    @property
    def hidden_size(self):
        return self.params[1].shape[0]

    def reset_state(self):
        """Forget the carried state: the next forward starts from zeros."""
        for name in self.state_names:
            setattr(self, name, None)

    @property
    def state(self):
        """The carried state: None, or h (N, H) for one state, or a tuple (h, c) for the LSTM."""
        if getattr(self, self.state_names[0]) is None:
            return None
        values = tuple(getattr(self, name) for name in self.state_names)
        return values[0] if len(values) == 1 else values

    def set_state(self, state):
        """Put back a state read from `state` (None forgets it)."""
        if state is None:
            self.reset_state()
            return
        k = len(self.state_names)
        if k > 1 and (not isinstance(state, (tuple, list)) or len(state) != k):
            raise ValueError(f"{type(self).__name__}.set_state expects a tuple of {k} arrays "
                             f"({', '.join(self.state_names)}), got {type(state).__name__}")
        values = (state,) if k == 1 else tuple(state)
        for name, v in zip(self.state_names, values):
            setattr(self, name, v)

    def _check_input(self, xs):
        return check_layer_input(self, xs)

    def _initial(self, name, given, N):
        """State `name` at the start: the given array, else the carried one (stateful), else zeros (N, H)."""
        who, H = type(self).__name__, self.hidden_size
        if given is not None:
            given = as_float_array(given, who, f"{name}0", ndim=2).astype(np.float64, copy=False)
            if given.shape != (N, H):
                raise ValueError(f"{who}: {name}0 has shape {given.shape}, expected (N, H) = {(N, H)}")
            return given
        carried = getattr(self, name)
        if self.stateful and carried is not None:
            if carried.shape[0] != N:
                raise ValueError(f"{who}: the carried state {name} is for a batch of {carried.shape[0]}, this "
                                 f"call has a batch of {N}; call reset_state() before changing the batch size")
            return carried
        return np.zeros((N, H))

    def _project(self, xs):
        """The input projection of every step at once, time-major: (T*N, D) copy and (T, N, kH) result."""
        Wx, _, b = self.params
        N, T, D = xs.shape
        x2 = xs.transpose(1, 0, 2).reshape(T * N, D)  # (T*N, D), time-major copy
        return x2, (x2 @ Wx + b).reshape(T, N, Wx.shape[1])


class TimeLSTM(_TimeGated):
    """T steps of one LSTM with shared weights: xs (N, T, D) -> hs (N, T, H).

    Fused parameters Wx (D, 4H), Wh (H, 4H), b (4H,), gate blocks in the order f, i, g, o.
    `forward(xs, h0=None, c0=None)`; `backward(dhs)` returns dxs (N, T, D), or (dxs, dh0, dc0) when forward
    was given h0 or c0. After backward, `dhs` and `dcs` (N, T, H) hold the gradient that reached each
    hidden state h_t and each cell state c_t (from above and from step t+1), and `dh0`, `dc0` the gradient
    to the initial states. With `stateful=True` the last h and c of one call start the next (truncated BPTT:
    the state carries over, the gradient stops at the boundary); `reset_state()` starts afresh.
    """

    input_names = ("xs", "h0", "c0")
    gates = LSTM_GATES
    state_names = ("h", "c")

    def __init__(self, Wx, Wh, b, *, stateful=False):
        super().__init__(Wx, Wh, b, stateful=stateful)
        self.dhs = self.dcs = self.dh0 = self.dc0 = None

    @classmethod
    def create(cls, D, H, *, rng, stateful=False, forget_bias=1.0):
        """Xavier-scaled random weights, zero biases except the forget gate's, which starts at `forget_bias`.

        The default 1.0 (Gers, Schmidhuber & Cummins 2000; Jozefowicz, Zaremba & Sutskever 2015) makes
        f = sigmoid(1) = 0.73 at the start instead of 0.5, so the cell state and its gradient fade over
        tens of steps instead of a handful while the network learns when to forget.
        """
        forget_bias = _check_forget_bias(f"{cls.__name__}.create", forget_bias)
        Wx, Wh, b = _init_weights(cls.__name__, D, H, 4, rng)
        b[:Wh.shape[0]] = forget_bias
        return cls(Wx, Wh, b, stateful=stateful)

    def forward(self, xs, h0=None, c0=None):
        _, Wh, _ = self.params
        xs = self._check_input(xs)
        N, T, _ = xs.shape
        H = self.hidden_size
        h_start, c_start = self._initial("h", h0, N), self._initial("c", c0, N)
        x2, A = self._project(xs)  # A (T, N, 4H) becomes the gate values f, i, g, o in place
        # tanh(a) = 2 sigmoid(2a) - 1: with the g block's pre-activation doubled (its columns of Wh and of
        # the projection scaled by 2), one sigmoid over all 4H columns serves the four gates.
        A[:, :, 2 * H:3 * H] *= 2.0
        Wh2 = Wh.copy()
        Wh2[:, 2 * H:3 * H] *= 2.0
        hs, cs, tcs = np.empty((T, N, H)), np.empty((T, N, H)), np.empty((T, N, H))
        h, c = h_start, c_start
        for t in range(T):
            a = np.add(A[t], h @ Wh2, out=A[t])  # (N, 4H) pre-activations, the g block doubled
            sigmoid_inplace(a)  # f, i, o; and sigmoid(2 a_g)
            g = a[:, 2 * H:3 * H]
            g *= 2.0
            g -= 1.0  # g = tanh(a_g)
            c = np.multiply(a[:, :H], c, out=cs[t])  # f * c_{t-1}
            tc = np.multiply(a[:, H:2 * H], a[:, 2 * H:3 * H], out=tcs[t])  # i * g (scratch)
            c += tc  # c_t = f * c_{t-1} + i * g
            np.copyto(tc, c)
            tanh_inplace(tc)  # tanh(c_t)
            h = np.multiply(a[:, 3 * H:], tc, out=hs[t])  # h_t = o * tanh(c_t)
        if self.stateful:
            self.h, self.c = h.copy(), c.copy()
        self.cache = (x2, A, hs, cs, tcs, h_start, c_start, h0 is not None or c0 is not None)
        return hs.transpose(1, 0, 2)  # (N, T, H)

    def backward(self, dhs):
        """Walk t = T-1 .. 0; return dxs (N, T, D), or (dxs, dh0, dc0) when forward was given h0 or c0."""
        _require_forward(self, self.cache)
        Wx, Wh, _ = self.params
        x2, A, hs, cs, tcs, h_start, c_start, state_given = self.cache
        T, N, H = hs.shape
        D = x2.shape[1]
        dhs = self._check_upstream(dhs, (N, T, H)).transpose(1, 0, 2)  # (T, N, H)
        G = A.reshape(T, N, 4, H)  # gate values, G[:, :, k] the k-th of f, i, g, o
        f, i, g, o = G[:, :, 0], G[:, :, 1], G[:, :, 2], G[:, :, 3]
        # Every local derivative at once, before the loop: the loop then only multiplies by the gradient.
        # dL/da_f = dc c_{t-1} f(1-f), dL/da_i = dc g i(1-i), dL/da_g = dc i (1-g^2), dL/da_o = dh tanh(c) o(1-o)
        K = np.empty((T, N, 4, H))
        np.multiply(f, 1.0 - f, out=K[:, :, 0])
        K[0, :, 0] *= c_start
        K[1:, :, 0] *= cs[:-1]
        np.multiply(g, i * (1.0 - i), out=K[:, :, 1])
        np.multiply(i, 1.0 - g * g, out=K[:, :, 2])
        np.multiply(tcs, o * (1.0 - o), out=K[:, :, 3])
        dtc = o * (1.0 - tcs * tcs)  # (T, N, H): dh_t reaches c_t times o (1 - tanh^2 c_t)
        dA = np.empty((T, N, 4, H))
        reached_h, reached_c = np.empty((T, N, H)), np.empty((T, N, H))
        dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
        WhT = np.ascontiguousarray(Wh.T)
        for t in range(T - 1, -1, -1):
            dh = np.add(dhs[t], dh_next, out=reached_h[t])  # from above and from h_{t+1}
            dc = np.multiply(dh, dtc[t], out=reached_c[t])
            dc += dc_next  # through tanh(c_t), and from c_{t+1} along the cell state
            np.multiply(dc[:, None, :], K[t, :, :3], out=dA[t, :, :3])  # f, i, g
            np.multiply(dh, K[t, :, 3], out=dA[t, :, 3])  # o
            dc_next = np.multiply(dc, f[t], out=dc_next)  # on to c_{t-1}: dc_t * f_t
            dh_next = dA[t].reshape(N, 4 * H) @ WhT  # on to h_{t-1}
        dA2 = dA.reshape(T * N, 4 * H)
        # Every step used the same weights, so their gradients are sums over the steps.
        self.grads[0][...] = x2.T @ dA2  # (D, 4H)
        dA3 = dA.reshape(T, N, 4 * H)
        self.grads[1][...] = hs[:-1].reshape(-1, H).T @ dA3[1:].reshape(-1, 4 * H) + h_start.T @ dA3[0]
        self.grads[2][...] = dA2.sum(axis=0)  # (4H,)
        self.dhs, self.dcs = reached_h.transpose(1, 0, 2), reached_c.transpose(1, 0, 2)  # (N, T, H)
        self.dh0, self.dc0 = dh_next, dc_next  # (N, H); in stateful mode the gradient stops here
        dxs = (dA2 @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)  # (N, T, D)
        return (dxs, dh_next, dc_next) if state_given else dxs


class TimeGRU(_TimeGated):
    """T steps of one GRU with shared weights: xs (N, T, D) -> hs (N, T, H).

    Fused parameters Wx (D, 3H), Wh (H, 3H), b (3H,), blocks r, z, g; the reset gate scales h_{t-1} before
    the matrix product (Cho et al., 2014). `forward(xs, h0=None)`; `backward(dhs)` returns dxs, or
    (dxs, dh0) when forward was given h0. After backward `dhs` (N, T, H) holds the gradient that reached each
    h_t and `dh0` the gradient to the initial state. `stateful=True` carries h between calls.
    """

    input_names = ("xs", "h0")
    gates = GRU_GATES
    state_names = ("h",)

    def __init__(self, Wx, Wh, b, *, stateful=False):
        super().__init__(Wx, Wh, b, stateful=stateful)
        self.dhs = self.dh0 = None

    @classmethod
    def create(cls, D, H, *, rng, stateful=False):
        """Xavier-scaled random weights (variance 1/D for Wx, 1/H for Wh) and zero biases."""
        return cls(*_init_weights(cls.__name__, D, H, 3, rng), stateful=stateful)

    def forward(self, xs, h0=None):
        _, Wh, _ = self.params
        xs = self._check_input(xs)
        N, T, _ = xs.shape
        H = self.hidden_size
        h_start = self._initial("h", h0, N)
        x2, A = self._project(xs)  # A (T, N, 3H) becomes the values r, z, g in place
        Wh_rz, Wh_g = np.ascontiguousarray(Wh[:, :2 * H]), np.ascontiguousarray(Wh[:, 2 * H:])
        hs, RH = np.empty((T, N, H)), np.empty((T, N, H))
        h = h_start
        for t in range(T):
            rz = np.add(A[t, :, :2 * H], h @ Wh_rz, out=A[t, :, :2 * H])
            sigmoid_inplace(rz)  # r, z
            rh = np.multiply(rz[:, :H], h, out=RH[t])  # r * h_{t-1}
            g = np.add(A[t, :, 2 * H:], rh @ Wh_g, out=A[t, :, 2 * H:])
            tanh_inplace(g)  # the candidate
            h_new = np.subtract(h, g, out=hs[t])
            h_new *= rz[:, H:]
            h = np.add(h_new, g, out=h_new)  # h_t = z * h_{t-1} + (1 - z) * g = g + z (h_{t-1} - g)
        if self.stateful:
            self.h = h.copy()
        self.cache = (x2, A, hs, RH, h_start, h0 is not None)
        return hs.transpose(1, 0, 2)  # (N, T, H)

    def backward(self, dhs):
        """Walk t = T-1 .. 0; return dxs (N, T, D), and (dxs, dh0) when forward was given h0."""
        _require_forward(self, self.cache)
        Wx, Wh, _ = self.params
        x2, A, hs, RH, h_start, h0_given = self.cache
        T, N, H = hs.shape
        D = x2.shape[1]
        dhs = self._check_upstream(dhs, (N, T, H)).transpose(1, 0, 2)  # (T, N, H)
        G = A.reshape(T, N, 3, H)
        r, z, g = G[:, :, 0], G[:, :, 1], G[:, :, 2]
        h_prev = np.empty((T, N, H))
        h_prev[0], h_prev[1:] = h_start, hs[:-1]
        # Local derivatives of every step at once: dL/da_r = (drh) h_{t-1} r(1-r),
        # dL/da_z = dh (h_{t-1} - g) z(1-z), dL/da_g = dh (1-z)(1-g^2)
        K = np.empty((T, N, 3, H))
        np.multiply(h_prev, r * (1.0 - r), out=K[:, :, 0])
        np.multiply(h_prev - g, z * (1.0 - z), out=K[:, :, 1])
        np.multiply(1.0 - z, 1.0 - g * g, out=K[:, :, 2])
        dA = np.empty((T, N, 3, H))
        reached = np.empty((T, N, H))
        dh_next, tmp = np.zeros((N, H)), np.empty((N, H))
        WhT_rz = np.ascontiguousarray(Wh[:, :2 * H].T)  # (2H, H)
        WhT_g = np.ascontiguousarray(Wh[:, 2 * H:].T)  # (H, H)
        for t in range(T - 1, -1, -1):
            dh = np.add(dhs[t], dh_next, out=reached[t])  # from above and from h_{t+1}
            np.multiply(dh[:, None, :], K[t, :, 1:], out=dA[t, :, 1:])  # z, g
            drh = dA[t, :, 2] @ WhT_g  # the gradient reaching r * h_{t-1}
            np.multiply(drh, K[t, :, 0], out=dA[t, :, 0])  # r
            dh_next = np.multiply(dh, z[t], out=dh_next)  # straight through the update gate
            dh_next += np.multiply(drh, r[t], out=tmp)  # through r * h_{t-1}
            dh_next += dA[t, :, :2].reshape(N, 2 * H) @ WhT_rz  # through the gates r and z
        dA2 = dA.reshape(T * N, 3 * H)
        self.grads[0][...] = x2.T @ dA2  # (D, 3H)
        self.grads[1][:, :2 * H] = h_prev.reshape(T * N, H).T @ dA2[:, :2 * H]  # (H, 2H)
        self.grads[1][:, 2 * H:] = RH.reshape(T * N, H).T @ dA2[:, 2 * H:]  # (H, H): it saw r * h_{t-1}
        self.grads[2][...] = dA2.sum(axis=0)  # (3H,)
        self.dhs = reached.transpose(1, 0, 2)  # (N, T, H)
        self.dh0 = dh_next  # (N, H)
        dxs = (dA2 @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)  # (N, T, D)
        return (dxs, dh_next) if h0_given else dxs
