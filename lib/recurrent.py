"""Recurrent layers: RNN (one step), TimeRNN (a whole sequence) and the Time* layers around it.

Shapes use one letter each, as everywhere in the book: N batch, T time steps, D input features,
H hidden units, V vocabulary size. Every layer follows the book's convention (forward, backward,
params, grads written in place) and computes in float64.
"""
import numpy as np

from .conv import _check_int
from .functions import log_softmax
from .layers import Layer
from .validate import as_float_array


def _check_rnn_params(who, Wx, Wh, b, gates=1):
    """Raise a clear error unless Wx (D, gates*H), Wh (H, gates*H) and b (gates*H,) fit together."""
    if Wx.ndim != 2 or Wh.ndim != 2 or b.ndim != 1:
        raise ValueError(f"{who}: Wx must be 2-D (D, {gates}H), Wh 2-D (H, {gates}H) and b 1-D, "
                         f"got Wx {Wx.shape}, Wh {Wh.shape}, b {b.shape}")
    H = Wh.shape[0]
    if Wh.shape != (H, gates * H) or Wx.shape[1] != gates * H or b.shape != (gates * H,):
        want = "H" if gates == 1 else f"{gates}H = {gates * H}"
        raise ValueError(f"{who}: with H = {H} hidden units Wh must be ({H}, {want}), Wx (D, {want}) and "
                         f"b ({want},); got Wx {Wx.shape}, Wh {Wh.shape}, b {b.shape}")


def tanh_inplace(a):
    """tanh(a) written into a, as 2 / (1 + exp(-2a)) - 1 (absolute error < 1e-15).

    About twice as fast as np.tanh here, because numpy's exp is SIMD-vectorised and its tanh is not.
    """
    with np.errstate(over="ignore", under="ignore"):  # exp(-2a) = inf (a < -354) gives -1, 0 gives 1
        np.multiply(a, -2.0, out=a)
        np.exp(a, out=a)
        a += 1.0
        np.divide(2.0, a, out=a)
    a -= 1.0
    return a


def _require_forward(layer, cached):
    if cached is None:
        raise RuntimeError(f"{type(layer).__name__}.backward: call forward first")


def check_token_ids(ids, vocab_size, who, name="token ids", ndim=2):
    """Return `ids` as an int64 array of `ndim` dimensions, every id in 0..vocab_size-1, or raise clearly."""
    a = np.asarray(ids)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{who}: {name} must be integers, got dtype {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{who}: {name} must be {ndim}-D, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{who}: {name} are empty (shape {a.shape})")
    bad = (a < 0) | (a >= vocab_size)
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        raise ValueError(f"{who}: {name[:-1] if name.endswith('s') else name} {a[i]} at index {i} is outside "
                         f"the vocabulary of {vocab_size} (ids 0..{vocab_size - 1})")
    return a.astype(np.int64)


def check_sequence(xs, who, name="xs"):
    """Return xs as a float64 (N, T, D) array with T >= 1, or raise a clear error."""
    a = np.asarray(xs)
    if a.ndim == 3 and a.shape[1] == 0:
        raise ValueError(f"{who}: {name} has T = 0 time steps (shape {a.shape}); a sequence needs at least one")
    if a.ndim != 3:
        raise ValueError(f"{who}: {name} must be 3-D (N, T, D), got shape {a.shape}")
    return as_float_array(a, who, name).astype(np.float64, copy=False)


def check_layer_input(layer, xs):
    """xs as float64 (N, T, D) with D the rows of the layer's first parameter Wx, or a clear error."""
    who, Wx = type(layer).__name__, layer.params[0]
    xs = check_sequence(xs, who)  # (N, T, D)
    if xs.shape[2] != Wx.shape[0]:
        raise ValueError(f"{who}: xs has {xs.shape[2]} features per step, Wx expects {Wx.shape[0]} "
                         f"(xs {xs.shape}, Wx {Wx.shape})")
    return xs


class RNN(Layer):
    """One step h_next = tanh(x Wx + h_prev Wh + b): x (N, D), h_prev (N, H) -> h_next (N, H)."""

    param_names = ("Wx", "Wh", "b")
    input_names = ("x", "h_prev")

    def __init__(self, Wx, Wh, b):
        super().__init__(Wx, Wh, b)
        _check_rnn_params(type(self).__name__, *self.params)
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        (D, H), who = Wx.shape, type(self).__name__
        x = as_float_array(x, who, "x", ndim=2).astype(np.float64, copy=False)  # (N, D)
        h_prev = as_float_array(h_prev, who, "h_prev", ndim=2).astype(np.float64, copy=False)  # (N, H)
        if x.shape[1] != D:
            raise ValueError(f"{who}: x has {x.shape[1]} features, Wx expects {D} (x {x.shape}, Wx {Wx.shape})")
        if h_prev.shape != (x.shape[0], H):
            raise ValueError(f"{who}: h_prev has shape {h_prev.shape}, expected (N, H) = {(x.shape[0], H)}")
        h_next = np.tanh(x @ Wx + h_prev @ Wh + b)  # (N, H)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        _require_forward(self, self.cache)
        Wx, Wh, _ = self.params
        x, h_prev, h_next = self.cache
        dh_next = self._check_upstream(dh_next, h_next.shape)  # (N, H)
        da = dh_next * (1.0 - h_next ** 2)  # through tanh: (N, H)
        self.grads[0][...] = x.T @ da  # (D, H)
        self.grads[1][...] = h_prev.T @ da  # (H, H)
        self.grads[2][...] = da.sum(axis=0)  # (H,)
        return da @ Wx.T, da @ Wh.T  # dx (N, D), dh_prev (N, H)


class TimeRNN(Layer):
    """T steps of one RNN with shared weights: xs (N, T, D) -> hs (N, T, H).

    With `stateful=True` the last hidden state of one call is the first of the next (truncated BPTT):
    the state carries over, the gradient stops at the boundary. `reset_state()` starts afresh.
    After `backward`, `dhs` (N, T, H) holds the gradient that reached each hidden state h_t and `dh0`
    the gradient to the initial state.
    """

    param_names = ("Wx", "Wh", "b")
    input_names = ("xs", "h0")

    def __init__(self, Wx, Wh, b, *, stateful=False):
        super().__init__(Wx, Wh, b)
        _check_rnn_params(type(self).__name__, *self.params)
        self.stateful = bool(stateful)
        self.h = None  # the carried hidden state (N, H) in stateful mode
        self.cache = None
        self.dhs = self.dh0 = None

    @classmethod
    def create(cls, D, H, *, rng, stateful=False):
        """A layer with Xavier-scaled random weights (variance 1/D for Wx, 1/H for Wh) and zero bias."""
        D, H = _check_int(cls.__name__, "D", D, 1), _check_int(cls.__name__, "H", H, 1)
        Wx = rng.standard_normal((D, H)) / np.sqrt(D)
        Wh = rng.standard_normal((H, H)) / np.sqrt(H)
        return cls(Wx, Wh, np.zeros(H), stateful=stateful)

    def __repr__(self):
        D, H = self.params[0].shape
        return f"{type(self).__name__}(D={D}, H={H}, stateful={self.stateful})"

    @property
    def hidden_size(self):
        return self.params[1].shape[0]

    def reset_state(self):
        """Forget the carried hidden state: the next forward starts from zeros."""
        self.h = None

    @property
    def state(self):
        """The carried state (h, or None); gated layers with more memory return a tuple."""
        return self.h

    def set_state(self, state):
        """Put back a state read from `state` (None forgets it)."""
        self.h = state

    def _initial_state(self, h0, N):
        """The first hidden state: h0 if given, else the carried state (stateful), else zeros (N, H)."""
        who, H = type(self).__name__, self.hidden_size
        if h0 is not None:
            h0 = as_float_array(h0, who, "h0", ndim=2).astype(np.float64, copy=False)
            if h0.shape != (N, H):
                raise ValueError(f"{who}: h0 has shape {h0.shape}, expected (N, H) = {(N, H)}")
            return h0
        if self.stateful and self.h is not None:
            if self.h.shape[0] != N:
                raise ValueError(f"{who}: the carried hidden state is for a batch of {self.h.shape[0]}, this call "
                                 f"has a batch of {N}; call reset_state() before changing the batch size")
            return self.h
        return np.zeros((N, H))

    def _check_input(self, xs):
        return check_layer_input(self, xs)

    def forward(self, xs, h0=None):
        Wx, Wh, b = self.params
        xs = self._check_input(xs)
        N, T, D = xs.shape
        H = self.hidden_size
        h = self._initial_state(h0, N)  # (N, H)
        # The input projection of every step at once, time-major so each step reads a contiguous block.
        x2 = xs.transpose(1, 0, 2).reshape(T * N, D)  # (T*N, D), time-major copy
        a = (x2 @ Wx + b).reshape(T, N, H)  # (T, N, H)
        hs = np.empty((T, N, H))
        h_start = h
        for t in range(T):
            h = tanh_inplace(np.add(a[t], h @ Wh, out=hs[t]))  # h_t = tanh(x_t Wx + h_{t-1} Wh + b)
        if self.stateful:
            self.h = h.copy()
        self.cache = (x2, hs, h_start, h0 is not None)
        return hs.transpose(1, 0, 2)  # (N, T, H)

    def backward(self, dhs):
        """Walk t = T-1 .. 0; return dxs (N, T, D), and (dxs, dh0) when forward was given h0."""
        _require_forward(self, self.cache)
        Wx, Wh, _ = self.params
        x2, hs, h_start, h0_given = self.cache
        T, N, H = hs.shape
        D = x2.shape[1]
        dhs = self._check_upstream(dhs, (N, T, H)).transpose(1, 0, 2)  # (T, N, H), from the layers above
        reached = np.empty((T, N, H))  # the gradient that reached each h_t
        da = np.empty((T, N, H))  # the gradient at each step's pre-activation
        dtanh = 1.0 - hs * hs  # (T, N, H): tanh'(a_t) = 1 - h_t^2, for every step at once
        dh_next = np.zeros((N, H))
        WhT = np.ascontiguousarray(Wh.T)
        for t in range(T - 1, -1, -1):
            dh = np.add(dhs[t], dh_next, out=reached[t])  # from o_t above and from h_{t+1}
            np.multiply(dh, dtanh[t], out=da[t])  # through tanh
            dh_next = da[t] @ WhT  # on to h_{t-1}
        da2 = da.reshape(T * N, H)
        # Every step used the same weights, so their gradients are sums over the steps.
        self.grads[0][...] = x2.T @ da2  # (D, H)
        # h_{t-1} is h_start for t = 0 and hs[t-1] after it
        self.grads[1][...] = hs[:-1].reshape(-1, H).T @ da[1:].reshape(-1, H) + h_start.T @ da[0]  # (H, H)
        self.grads[2][...] = da2.sum(axis=0)  # (H,)
        self.dhs = reached.transpose(1, 0, 2)  # (N, T, H)
        self.dh0 = dh_next  # (N, H); in stateful mode the gradient stops here
        dxs = (da2 @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)  # (N, T, D)
        return (dxs, dh_next) if h0_given else dxs


class TimeEmbedding(Layer):
    """Look up row W[id] for every token id: ids (N, T) -> (N, T, D), with W (V, D)."""

    param_names = ("W",)

    def __init__(self, W):
        super().__init__(W)
        if self.params[0].ndim != 2:
            raise ValueError(f"TimeEmbedding: W must be 2-D (V, D), got shape {self.params[0].shape}")
        self.ids = None

    def forward(self, ids):
        (W,) = self.params
        self.ids = check_token_ids(ids, W.shape[0], "TimeEmbedding")  # (N, T)
        return W[self.ids]  # (N, T, D)

    def backward(self, dout):
        """Add each step's gradient into the row it read; token ids have no gradient, so return None."""
        _require_forward(self, self.ids)
        N, T = self.ids.shape
        dout = self._check_upstream(dout, (N, T, self.params[0].shape[1]))
        self.grads[0][...] = 0.0
        np.add.at(self.grads[0], self.ids, dout)  # a token seen twice collects both gradients
        return None


class TimeAffine(Layer):
    """x W + b at every step, as one matrix product: x (N, T, H) -> (N, T, V)."""

    param_names = ("W", "b")

    def __init__(self, W, b):
        super().__init__(W, b)
        W, b = self.params
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"TimeAffine: W must be (H, V) and b (V,), got W {W.shape} and b {b.shape}")
        self.x = None

    def forward(self, x):
        W, b = self.params
        x = check_sequence(x, "TimeAffine", "x")  # (N, T, H)
        if x.shape[2] != W.shape[0]:
            raise ValueError(f"TimeAffine: x has {x.shape[2]} features per step, W expects {W.shape[0]} "
                             f"(x {x.shape}, W {W.shape})")
        self.x = x
        N, T, H = x.shape
        return (x.reshape(N * T, H) @ W + b).reshape(N, T, -1)  # (N, T, V)

    def backward(self, dout):
        _require_forward(self, self.x)
        W, _ = self.params
        N, T, H = self.x.shape
        dout = self._check_upstream(dout, (N, T, W.shape[1])).reshape(N * T, -1)  # (N*T, V)
        self.grads[0][...] = self.x.reshape(N * T, H).T @ dout  # (H, V)
        self.grads[1][...] = dout.sum(axis=0)  # (V,)
        return (dout @ W.T).reshape(N, T, H)


class TimeSoftmaxWithLoss(Layer):
    """Softmax and cross-entropy at every step, averaged over the N*T labelled positions.

    Positions whose label equals `ignore_label` (e.g. padding) add nothing to the loss or the gradient.
    """

    def __init__(self, ignore_label=None):
        super().__init__()
        if ignore_label is not None:
            ignore_label = _check_int("TimeSoftmaxWithLoss", "ignore_label", ignore_label, -2 ** 62)
        self.ignore_label = ignore_label
        self.cache = None

    def __repr__(self):
        return f"TimeSoftmaxWithLoss(ignore_label={self.ignore_label})"

    def forward(self, scores, ts):
        who = "TimeSoftmaxWithLoss"
        scores = check_sequence(scores, who, "scores")  # (N, T, V)
        N, T, V = scores.shape
        t = np.asarray(ts)
        if t.shape != (N, T):
            raise ValueError(f"{who}: labels have shape {t.shape}, scores {scores.shape} need labels (N, T) = {(N, T)}")
        keep = np.ones((N, T), dtype=bool) if self.ignore_label is None else t != self.ignore_label
        if not keep.any():
            raise ValueError(f"{who}: every label equals ignore_label={self.ignore_label}; there is nothing to average")
        t = check_token_ids(np.where(keep, t, 0), V, who, "labels")  # (N, T), ignored positions read class 0
        logp = log_softmax(scores, axis=2)  # (N, T, V)
        picked = np.take_along_axis(logp, t[..., None], axis=2)[..., 0]  # (N, T): log y of the right class
        n = int(keep.sum())
        self.cache = (np.exp(logp), t, keep, n)
        return float(-(picked * keep).sum() / n) + 0.0

    def backward(self, dout=1.0):
        _require_forward(self, self.cache)
        y, t, keep, n = self.cache
        dx = y.copy()  # (N, T, V)
        np.put_along_axis(dx, t[..., None], np.take_along_axis(dx, t[..., None], axis=2) - 1.0, axis=2)  # y - t
        dx *= keep[..., None] * (float(dout) / n)
        return dx
