"""Layers that follow the book's convention: forward, backward, params, grads (written in place)."""
import numpy as np

from .functions import log_softmax, mean_nll, sigmoid, softmax
from .validate import as_float_array, check_targets


class Layer:
    """Base layer: holds `params` and same-shaped `grads` (float64); subclasses define forward and backward."""

    param_names = ()
    out_shape = None  # the shape forward returned; None until forward has run

    def __init__(self, *params):
        self.params = [as_float_array(p, type(self).__name__, n) for p, n in zip(params, self.param_names)]
        self.grads = [np.zeros_like(p) for p in self.params]

    def __call__(self, *inputs):
        return self.forward(*inputs)

    def __repr__(self):
        shapes = ", ".join(f"{n}={tuple(p.shape)}" for n, p in zip(self.param_names, self.params))
        return f"{type(self).__name__}({shapes})"

    def _output(self, y):
        """Return forward's output y, remembering its shape for backward's checks."""
        self.out_shape = np.shape(y)
        return y

    def _check_upstream(self, dout, shape=None):
        """dout as float64, or a clear error if forward has not run or dout is not finite or of the output's shape."""
        who = f"{type(self).__name__}.backward"
        if shape is None:
            if self.out_shape is None:
                raise RuntimeError(f"{who}: call forward first")
            shape = self.out_shape
        dout = as_float_array(dout, who, "upstream gradient dout")
        if dout.shape != tuple(shape):
            raise ValueError(f"{who}: upstream gradient has shape {dout.shape}, "
                             f"the forward output had shape {tuple(shape)}")
        return dout


class MatMul(Layer):
    """y = x W for a batch x (N, D) and weights W (D, H)."""

    param_names = ("W",)

    def __init__(self, W):
        super().__init__(W)
        if self.params[0].ndim != 2:
            raise ValueError(f"MatMul: W must be 2-D (D, H), got shape {self.params[0].shape}")
        self.x = None

    def _check_input(self, x):
        who = type(self).__name__
        x = as_float_array(x, who, ndim=2)
        D = self.params[0].shape[0]
        if x.shape[1] != D:
            raise ValueError(f"{who}: input has {x.shape[1]} features, W expects {D} "
                             f"(input shape {x.shape}, W shape {self.params[0].shape})")
        return x

    def forward(self, x):
        (W,) = self.params
        self.x = self._check_input(x)  # (N, D)
        return self._output(self.x @ W)  # (N, H)

    def backward(self, dout):
        (W,) = self.params
        dout = self._check_upstream(dout)  # (N, H)
        self.grads[0][...] = self.x.T @ dout  # (D, H)
        return dout @ W.T  # (N, D)


class Affine(MatMul):
    """y = x W + b: a MatMul followed by adding the bias, repeated over the batch."""

    param_names = ("W", "b")

    def __init__(self, W, b):
        Layer.__init__(self, W, b)
        W, b = self.params
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"Affine: W must be (D, H) and b (H,), got W {W.shape} and b {b.shape}")
        self.x = None

    def forward(self, x):
        W, b = self.params
        self.x = self._check_input(x)  # (N, D)
        return self._output(self.x @ W + b)  # (N, H); b (H,) broadcasts over the N rows

    def backward(self, dout):
        W, b = self.params
        dout = self._check_upstream(dout)  # (N, H)
        self.grads[0][...] = self.x.T @ dout  # (D, H)
        self.grads[1][...] = dout.sum(axis=0)  # (H,): backward of the Repeat node
        return dout @ W.T  # (N, D)


class Elementwise(Layer):
    """A parameter-free layer applied element by element; remembers what backward needs."""

    def __init__(self):
        super().__init__()
        self.out = None

    def __repr__(self):
        return f"{type(self).__name__}()"


class Sigmoid(Elementwise):
    """y = 1 / (1 + exp(-x)); backward multiplies by y (1 - y)."""

    def forward(self, x):
        self.out = sigmoid(as_float_array(x, "Sigmoid"))
        return self._output(self.out)

    def backward(self, dout):
        dout = self._check_upstream(dout)
        return dout * self.out * (1.0 - self.out)


class Tanh(Elementwise):
    """y = tanh(x); backward multiplies by 1 - y^2."""

    def forward(self, x):
        self.out = np.tanh(as_float_array(x, "Tanh"))
        return self._output(self.out)

    def backward(self, dout):
        dout = self._check_upstream(dout)
        return dout * (1.0 - self.out ** 2)


class ReLU(Elementwise):
    """y = max(0, x); backward lets the gradient through where x > 0."""

    def forward(self, x):
        x = as_float_array(x, "ReLU")
        self.mask = x > 0
        self.out = np.where(self.mask, x, 0.0)
        return self._output(self.out)

    def backward(self, dout):
        dout = self._check_upstream(dout)
        return dout * self.mask


class Softmax(Elementwise):
    """Row-wise softmax of scores (N, C); backward is y * (dy - sum(dy * y))."""

    def forward(self, x):
        self.out = softmax(as_float_array(x, "Softmax", ndim=2), axis=1)
        return self._output(self.out)

    def backward(self, dout):
        dout = self._check_upstream(dout)
        y = self.out
        return y * (dout - (dout * y).sum(axis=1, keepdims=True))


class SoftmaxWithLoss(Layer):
    """Softmax followed by mean cross-entropy -sum(t log y) / N; backward is (y - t) / N.

    Labels t are class indices (N,), one-hot rows (N, C), or rows of class probabilities (N, C) ("soft"
    targets, each row non-negative and summing to 1). gradcheck holds t fixed (`constant_inputs`).
    """

    constant_inputs = (1,)  # t: a target, not an input with a gradient

    def __init__(self):
        super().__init__()
        self.y = self.t = None

    def __repr__(self):
        return "SoftmaxWithLoss()"

    def forward(self, x, t):
        x = as_float_array(x, "SoftmaxWithLoss", "scores", ndim=2)  # (N, C)
        self.t = check_targets(t, x.shape[1], x.shape[0], "SoftmaxWithLoss")  # (N,) indices or (N, C) rows
        logp = log_softmax(x, axis=1)
        self.y = np.exp(logp)
        return self._output(mean_nll(logp, self.t))

    def backward(self, dout=1.0):
        dout = self._check_upstream(dout)  # a scalar
        N = self.y.shape[0]
        if self.t.ndim == 1:
            dx = self.y.copy()
            dx[np.arange(N), self.t] -= 1.0  # y - t with one-hot t
        else:
            dx = self.y - self.t  # soft targets (N, C)
        return dx * (float(dout) / N)


class Flatten(Layer):
    """Reshape (N, ...) to (N, features), e.g. conv feature maps before an Affine layer; backward reshapes back."""

    def __init__(self):
        super().__init__()
        self.in_shape = None

    def __repr__(self):
        return "Flatten()"

    def forward(self, x):
        x = as_float_array(x, "Flatten")
        self.in_shape = x.shape
        return self._output(x.reshape(x.shape[0], -1))  # (N, C*H*W)

    def backward(self, dout):
        dout = self._check_upstream(dout)  # (N, C*H*W)
        return dout.reshape(self.in_shape)
