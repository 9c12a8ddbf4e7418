"""How a gradient travels back through time: an RNN with a choice of activation, recurrent matrices with a
prescribed spectral radius, and the norms ||dL/dh_t|| that the gradient-decay widget of chapter 4 plots
(`gradient_norms` for the RNN, `gated_gradient_norms` for the LSTM and the GRU of lib.gated).

Shapes use the book's letters: N batch, T time steps, D input features, H hidden units. Hidden states are
rows, h_t = phi(x_t Wx + h_{t-1} Wh + b), so the gradient walks back as dL/dh_{t-1} = (dL/dh_t * phi') Wh^T.
"""
import numpy as np

from .conv import _check_int
from .recurrent import TimeRNN, _require_forward, tanh_inplace

ACTIVATIONS = ("tanh", "relu", "linear")
MATRIX_KINDS = ("orthogonal", "gaussian")


def _check_activation(who, activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"{who}: activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return activation


def activation_derivative(activation, h):
    """phi'(a_t) written with the output h_t = phi(a_t): 1 - h^2 (tanh), 1 where h > 0 (relu), 1 (linear)."""
    _check_activation("activation_derivative", activation)
    if activation == "tanh":
        return 1.0 - h * h
    if activation == "relu":
        return (h > 0).astype(np.float64)
    return np.ones_like(h)


class ActivationRNN(TimeRNN):
    """TimeRNN with a choice of activation: h_t = phi(x_t Wx + h_{t-1} Wh + b), phi = tanh, relu or linear.

    Forward and backward repeat TimeRNN's steps operation for operation, with phi and phi' in place of tanh
    and 1 - h^2, so for activation="tanh" the outputs and `dhs` are bit for bit those of TimeRNN.
    """

    def __init__(self, Wx, Wh, b, *, activation="tanh", stateful=False):
        super().__init__(Wx, Wh, b, stateful=stateful)
        self.activation = _check_activation(type(self).__name__, activation)

    @classmethod
    def create(cls, D, H, *, rng, activation="tanh", stateful=False):
        """Xavier-scaled random weights, as TimeRNN.create, with the given activation."""
        layer = super().create(D, H, rng=rng, stateful=stateful)
        layer.activation = _check_activation(cls.__name__, activation)
        return layer

    def __repr__(self):
        D, H = self.params[0].shape
        return f"ActivationRNN(D={D}, H={H}, activation={self.activation!r}, stateful={self.stateful})"

    def forward(self, xs, h0=None):
        Wx, Wh, b = self.params
        xs = self._check_input(xs)
        N, T, D = xs.shape
        H = self.hidden_size
        h = self._initial_state(h0, N)  # (N, H)
        x2 = xs.transpose(1, 0, 2).reshape(T * N, D)  # (T*N, D), time-major
        a = (x2 @ Wx + b).reshape(T, N, H)  # (T, N, H): every input projection at once
        hs = np.empty((T, N, H))
        h_start = h
        for t in range(T):
            h = np.add(a[t], h @ Wh, out=hs[t])  # a_t = x_t Wx + h_{t-1} Wh + b
            if self.activation == "tanh":
                h = tanh_inplace(h)
            elif self.activation == "relu":
                h = np.maximum(h, 0.0, out=h)
        if self.stateful:
            self.h = h.copy()
        self.cache = (x2, hs, h_start, h0 is not None)
        return hs.transpose(1, 0, 2)  # (N, T, H)

    def backward_through_states(self, dhs):
        """The recursion of backward alone: fill `dhs` (N, T, H) and `dh0` and return the gradient at every
        pre-activation, time-major (T, N, H); the weight gradients are not computed (`grads` is untouched)."""
        _require_forward(self, self.cache)
        Wh = self.params[1]
        hs = self.cache[1]
        T, N, H = hs.shape
        dhs = self._check_upstream(dhs, (N, T, H)).transpose(1, 0, 2)  # (T, N, H), from the layers above
        reached = np.empty((T, N, H))  # the gradient that reached each h_t
        da = np.empty((T, N, H))  # the gradient at each pre-activation a_t
        dphi = activation_derivative(self.activation, hs)  # (T, N, H): phi'(a_t) for every step at once
        dh_next = np.zeros((N, H))
        WhT = np.ascontiguousarray(Wh.T)
        for t in range(T - 1, -1, -1):
            dh = np.add(dhs[t], dh_next, out=reached[t])  # from above and from h_{t+1}
            np.multiply(dh, dphi[t], out=da[t])  # through phi
            dh_next = da[t] @ WhT  # on to h_{t-1}
        self.dhs = reached.transpose(1, 0, 2)  # (N, T, H)
        self.dh0 = dh_next  # (N, H); in stateful mode the gradient stops here
        return da

    def backward(self, dhs):
        """Walk t = T-1 .. 0 as TimeRNN does, multiplying by phi'(a_t) instead of 1 - h_t^2."""
        da = self.backward_through_states(dhs)  # (T, N, H)
        Wx = self.params[0]
        x2, hs, h_start, h0_given = self.cache
        T, N, H = hs.shape
        D = x2.shape[1]
        da2 = da.reshape(T * N, H)
        # Every step used the same weights, so their gradients are sums over the steps.
        self.grads[0][...] = x2.T @ da2  # (D, H)
        # h_{t-1} is h_start for t = 0 and hs[t-1] after it
        self.grads[1][...] = hs[:-1].reshape(-1, H).T @ da[1:].reshape(-1, H) + h_start.T @ da[0]  # (H, H)
        self.grads[2][...] = da2.sum(axis=0)  # (H,)
        dxs = (da2 @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)  # (N, T, D)
        return (dxs, self.dh0) if h0_given else dxs


def spectral_radius(W):
    """The largest absolute eigenvalue of a square matrix W."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W):
    """The largest singular value of W, i.e. max ||v W|| over unit vectors v (the same for W^T)."""
    return float(np.linalg.norm(W, 2))


def recurrent_matrix(H, rho, *, rng, kind="orthogonal"):
    """A random (H, H) matrix whose spectral radius is rho.

    kind="orthogonal": rho times a random orthogonal matrix, so every singular value and every |eigenvalue|
    equals rho. kind="gaussian": a matrix of independent normal entries rescaled to spectral radius rho; its
    singular values spread from near 0 to about 2 rho.
    """
    H = _check_int("recurrent_matrix", "H", H, 1)
    if isinstance(rho, bool) or not isinstance(rho, (int, float, np.number)) or not np.isfinite(rho) or rho < 0:
        raise ValueError(f"recurrent_matrix: rho must be a finite number >= 0, got {rho!r}")
    if kind not in MATRIX_KINDS:
        raise ValueError(f"recurrent_matrix: kind must be one of {', '.join(MATRIX_KINDS)}; got {kind!r}")
    G = rng.standard_normal((H, H))
    if kind == "orthogonal":
        Q, R = np.linalg.qr(G)
        Q = Q * np.where(np.diag(R) < 0, -1.0, 1.0)  # sign fix: Q is uniformly distributed
        return float(rho) * Q
    return float(rho) * G / spectral_radius(G)


def gradient_norms(T, rho, *, rng, activation="tanh", truncation=None, H=16, D=4, N=8, kind="orthogonal",
                   input_scale=1.0):
    """||dL/dh_t|| for t = 0..T-1 when the loss sits at the last step, with lib's own BPTT.

    N sequences of T random inputs (D features, scaled by input_scale) drive an ActivationRNN whose Wh is
    `recurrent_matrix(H, rho, kind=kind)` and whose Wx has variance input_scale^2 / D. The loss gradient
    dL/dh_{T-1} is a random unit vector for every sequence; the backward recursion then fills dhs. With `truncation=k`
    the sequence is run as two stateful chunks, T-k steps and then k steps, and only the last chunk is
    backpropagated (truncated BPTT): the gradient reaches h_{T-k} .. h_{T-1} and is 0 before.

    Returns (norms (T,), predicted (T,)): norms[t] is the root mean square over the N sequences of
    ||dL/dh_t||, so norms[T-1] = 1; predicted[t] = rho^(T-1-t), the rate of a linear RNN.
    """
    who = "gradient_norms"
    T = _check_int(who, "T", T, 1)
    H, D, N = _check_int(who, "H", H, 1), _check_int(who, "D", D, 1), _check_int(who, "N", N, 1)
    _check_activation(who, activation)
    k = T if truncation is None else min(_check_int(who, "truncation", truncation, 1), T)
    Wh = recurrent_matrix(H, rho, rng=rng, kind=kind)  # (H, H)
    Wx = rng.standard_normal((D, H)) * (input_scale / np.sqrt(D))  # (D, H)
    xs = rng.standard_normal((N, T, D))  # (N, T, D)
    g = rng.standard_normal((N, H))
    g /= np.linalg.norm(g, axis=1, keepdims=True)  # dL/dh_{T-1}: a unit vector per sequence
    layer = ActivationRNN(Wx, Wh, np.zeros(H), activation=activation, stateful=True)
    if k < T:
        layer.forward(xs[:, :T - k])  # the earlier chunk: its state carries over, its gradient never comes
    layer.forward(xs[:, T - k:])
    dhs = np.zeros((N, k, H))
    dhs[:, -1] = g
    layer.backward_through_states(dhs)  # the recursion of backward; the weight gradients are not needed
    norms = np.zeros(T)
    norms[T - k:] = np.sqrt(np.mean(np.sum(layer.dhs ** 2, axis=2), axis=0))  # (k,)
    predicted = float(rho) ** np.arange(T - 1, -1, -1, dtype=np.float64)  # rho^(T-1-t)
    return norms, predicted



def gated_gradient_norms(T, rho, *, rng, cell="lstm", forget_bias=1.0, truncation=None, H=16, D=4, N=8,
                         input_scale=1.0):
    """||dL/dh_t|| for t = 0..T-1 in an LSTM or a GRU, with lib's own BPTT (TimeLSTM / TimeGRU backward).

    The same experiment as `gradient_norms`, for a gated cell. What the spectral radius rho means here: each
    (H, H) gate block of the fused Wh (f, i, g, o for the LSTM, r, z, g for the GRU) is its own
    `recurrent_matrix(H, rho)`, rho times a random orthogonal matrix, so every block, the candidate's
    included, has spectral radius rho (and every singular value rho). Wx has variance input_scale^2 / D per
    entry; the biases are 0, except the LSTM's forget-gate bias, which is `forget_bias` (as in
    `TimeLSTM.create`). N sequences of T random inputs, dL/dh_{T-1} a random unit vector per sequence, the
    gradient read from the layer's `dhs` after backward. `truncation=k` runs two stateful chunks (T-k steps,
    then k) and backpropagates only the last, as `gradient_norms` does.

    Returns (norms (T,), predicted (T,)): the root mean square over the sequences of ||dL/dh_t|| (so
    norms[T-1] = 1), and rho^(T-1-t), the rate of a linear vanilla RNN with a recurrent matrix like one gate
    block (a gated cell need not follow it: its gradient also flows along the gates' products).
    """
    from .gated import TimeGRU, TimeLSTM, _check_forget_bias

    who = "gated_gradient_norms"
    T = _check_int(who, "T", T, 1)
    H, D, N = _check_int(who, "H", H, 1), _check_int(who, "D", D, 1), _check_int(who, "N", N, 1)
    if cell not in ("lstm", "gru"):
        raise ValueError(f"{who}: cell must be 'lstm' or 'gru'; got {cell!r}")
    forget_bias = _check_forget_bias(who, forget_bias)
    k = T if truncation is None else min(_check_int(who, "truncation", truncation, 1), T)
    gates = 4 if cell == "lstm" else 3
    Wh = np.concatenate([recurrent_matrix(H, rho, rng=rng) for _ in range(gates)], axis=1)  # (H, gates*H)
    Wx = rng.standard_normal((D, gates * H)) * (input_scale / np.sqrt(D))  # (D, gates*H)
    xs = rng.standard_normal((N, T, D))  # (N, T, D)
    g = rng.standard_normal((N, H))
    g /= np.linalg.norm(g, axis=1, keepdims=True)  # dL/dh_{T-1}: a unit vector per sequence
    b = np.zeros(gates * H)
    if cell == "lstm":
        b[:H] = forget_bias  # the f block comes first
        layer = TimeLSTM(Wx, Wh, b, stateful=True)
    else:
        layer = TimeGRU(Wx, Wh, b, stateful=True)
    if k < T:
        layer.forward(xs[:, :T - k])  # the earlier chunk: its state carries over, its gradient never comes
    layer.forward(xs[:, T - k:])
    dhs = np.zeros((N, k, H))
    dhs[:, -1] = g
    layer.backward(dhs)
    norms = np.zeros(T)
    norms[T - k:] = np.sqrt(np.mean(np.sum(layer.dhs ** 2, axis=2), axis=0))  # (k,)
    predicted = float(rho) ** np.arange(T - 1, -1, -1, dtype=np.float64)  # rho^(T-1-t)
    return norms, predicted
