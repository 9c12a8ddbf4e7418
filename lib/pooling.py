"""Pooling: max and average pooling over K x K windows, their backward passes, and global average pooling.

A pooling layer summarises every K x K window of every channel by one number and has no parameters:

* max pooling keeps the window's largest value; its backward pass is a switch that sends the upstream
  gradient to the position of that value and nothing to the others;
* average pooling keeps the window's mean; its backward pass spreads the upstream gradient evenly,
  dout / (K*K) to every cell of the window;
* global average pooling averages each whole feature map, (N, C, H, W) -> (N, C).

Shapes: input x (N, C, H, W), output (N, C, OH, OW) with OH = (H - K) / S + 1 and OW = (W - K) / S + 1. The
stride S defaults to K (windows side by side). As for lib.conv, the windows must tile the input exactly:
(H - K) and (W - K) must be multiples of S, or the call raises an error that names the sizes.

Ties: when several cells of a window hold its maximum, the first of them in reading order (row by row, left
to right) receives the window's gradient, as np.argmax picks it. Where windows overlap (S < K), a cell that
is in several windows collects the sum of their gradients.

The vectorised code reads the windows through the strided window view of lib.conv (no copy) and adds
gradients back with the same helper col2im uses.
"""
import numpy as np

from .conv import _accumulate_patches, _check_upstream, _fitting_sizes, _patch_view
from .layers import Layer
from .validate import as_float_array, check_int

__all__ = ["max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward", "MaxPool2D", "AvgPool2D",
           "GlobalAvgPool"]


# ---- sizes and argument checks --------------------------------------------------------------------

def _window_args(who, size, stride):
    """The window size K and stride S (S = K when stride is None), checked."""
    K = check_int(who, "size", size, 1)
    S = K if stride is None else check_int(who, "stride", stride, 1)
    return K, S


def _a(n):
    """The article for a size read aloud: 'an 8x8', 'an 11x11', 'a 3x3'."""
    return "an" if str(n).startswith("8") or n in (11, 18) else "a"


def _pool_sizes(who, shape, K, S):
    """Output sizes (OH, OW) for an input (N, C, H, W), or an error naming window, stride and input sizes."""
    H, W = shape[2:]
    window = f"{_a(K)} {K}x{K} window" + ("" if S == K else f" with stride {S}")
    if K > H or K > W:
        raise ValueError(f"{who}: {window} does not fit in {_a(H)} {H}x{W} input: the window is larger than the "
                         f"input (input shape {tuple(shape)})")
    bad = [(name, n) for name, n in (("height", H), ("width", W)) if (n - K) % S]
    if bad:
        whys = "; ".join(f"{name} ({n} - {K}) / {S} = {(n - K) / S:.4g} is not a whole number "
                         f"({' or '.join(str(m) for m in _fitting_sizes(n, K, 0, S))} would fit)" for name, n in bad)
        raise ValueError(f"{who}: {window} does not fit {_a(H)} {H}x{W} input exactly: {whys}; lib never drops "
                         "leftover rows or columns")
    return (H - K) // S + 1, (W - K) // S + 1


def _check_input(who, x, K, S):
    """x as float64 (N, C, H, W) and the output sizes (OH, OW)."""
    x = as_float_array(x, who, "input x (N, C, H, W)", ndim=4)
    return x, _pool_sizes(who, x.shape, K, S)


# ---- the vectorised core ------------------------------------------------------------------------------

def _windows(x, K, S, out):
    """Read-only view (N, OH, OW, K, K, C) of the windows of x (N, C, H, W); no copy."""
    return _patch_view(x.transpose(0, 2, 3, 1), (K, K), (S, S), out)


def _to_nchw(a):
    """Channels-last (N, OH, OW, C) -> (N, C, OH, OW), contiguous."""
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


def _max_and_switch(windows):
    """The maximum of every window (N, OH, OW, K, K, C), and the index 0..K*K-1 (reading order) of its first
    occurrence: both (N, OH, OW, C)."""
    N, OH, OW, K, _, C = windows.shape
    flat = windows.transpose(0, 1, 2, 5, 3, 4).reshape(N, OH, OW, C, K * K)
    switch = flat.argmax(axis=-1)  # np.argmax returns the first maximum: the tie rule
    return np.take_along_axis(flat, switch[..., None], axis=-1)[..., 0], switch


def _scatter(cell_grads, in_shape, S):
    """Add window gradients (N, OH, OW, K, K, C) back onto the input: (N, C, H, W)."""
    dxp = _accumulate_patches(cell_grads, in_shape[2:], (S, S))  # (N, H, W, C); overlaps add up
    return _to_nchw(dxp)


def _max_backward(dout, switch, in_shape, K, S):
    """Route dout (N, C, OH, OW) to the winning cell of each window."""
    N, C, OH, OW = dout.shape
    one_hot = switch[..., None] == np.arange(K * K)  # (N, OH, OW, C, K*K): True at the winner
    grads = one_hot * dout.transpose(0, 2, 3, 1)[..., None]  # dout where the switch points, 0 elsewhere
    return _scatter(grads.reshape(N, OH, OW, C, K, K).transpose(0, 1, 2, 4, 5, 3), in_shape, S)


def _avg_backward(dout, in_shape, K, S):
    """Spread dout (N, C, OH, OW) evenly over each window: dout / (K*K) to every cell."""
    share = dout.transpose(0, 2, 3, 1)[:, :, :, None, None, :] / (K * K)  # (N, OH, OW, 1, 1, C)
    N, C, OH, OW = dout.shape
    return _scatter(np.broadcast_to(share, (N, OH, OW, K, K, C)), in_shape, S)


# ---- the functions ------------------------------------------------------------------------------------

def max_pool2d(x, size, stride=None):
    """Max pooling of x (N, C, H, W) over size x size windows (stride defaults to size) -> (N, C, OH, OW)."""
    K, S = _window_args("max_pool2d", size, stride)
    x, out = _check_input("max_pool2d", x, K, S)
    return _to_nchw(_windows(x, K, S, out).max(axis=(3, 4)))


def max_pool2d_backward(dout, x, size, stride=None):
    """Gradient dx of max_pool2d: each window's dout goes to its first maximum, the other cells get 0."""
    who = "max_pool2d_backward"
    K, S = _window_args(who, size, stride)
    x, out = _check_input(who, x, K, S)
    dout = _check_upstream(who, dout, x.shape[:2] + out)
    return _max_backward(dout, _max_and_switch(_windows(x, K, S, out))[1], x.shape, K, S)


def avg_pool2d(x, size, stride=None):
    """Average pooling of x (N, C, H, W) over size x size windows (stride defaults to size) -> (N, C, OH, OW)."""
    K, S = _window_args("avg_pool2d", size, stride)
    x, out = _check_input("avg_pool2d", x, K, S)
    return _to_nchw(_windows(x, K, S, out).mean(axis=(3, 4)))


def avg_pool2d_backward(dout, x, size, stride=None):
    """Gradient dx of avg_pool2d: each window's dout / (K*K) goes to every cell of the window."""
    who = "avg_pool2d_backward"
    K, S = _window_args(who, size, stride)
    x, out = _check_input(who, x, K, S)
    dout = _check_upstream(who, dout, x.shape[:2] + out)
    return _avg_backward(dout, x.shape, K, S)


# ---- the layers ---------------------------------------------------------------------------------------

class _Pool2D(Layer):
    """Shared parts of the two pooling layers: window size, stride, repr, input checks."""

    def __init__(self, size, stride=None):
        super().__init__()  # no parameters: params = grads = []
        self.size, self.stride = _window_args(type(self).__name__, size, stride)
        self.in_shape = None

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, stride={self.stride})"

    def _input(self, x):
        x, out = _check_input(type(self).__name__, x, self.size, self.stride)
        self.in_shape = x.shape
        return x, out


class MaxPool2D(_Pool2D):
    """Max pooling layer: (N, C, H, W) -> (N, C, OH, OW); backward routes each gradient to its window's maximum."""

    def forward(self, x):
        x, out = self._input(x)
        windows = _windows(x, self.size, self.stride, out)  # (N, OH, OW, K, K, C), a view
        maxima, self.switch = _max_and_switch(windows)  # (N, OH, OW, C) each: the maximum and where it sits
        return self._output(_to_nchw(maxima))

    def backward(self, dout):
        dout = self._check_upstream(dout)  # (N, C, OH, OW)
        return _max_backward(dout, self.switch, self.in_shape, self.size, self.stride)


class AvgPool2D(_Pool2D):
    """Average pooling layer: (N, C, H, W) -> (N, C, OH, OW); backward spreads each gradient evenly."""

    def forward(self, x):
        x, _ = self._input(x)
        return self._output(avg_pool2d(x, self.size, self.stride))

    def backward(self, dout):
        dout = self._check_upstream(dout)  # (N, C, OH, OW)
        return _avg_backward(dout, self.in_shape, self.size, self.stride)


class GlobalAvgPool(Layer):
    """Global average pooling: (N, C, H, W) -> (N, C), the mean of each feature map; backward spreads it evenly."""

    def __init__(self):
        super().__init__()
        self.in_shape = None

    def __repr__(self):
        return "GlobalAvgPool()"

    def forward(self, x):
        x = as_float_array(x, "GlobalAvgPool", "input x (N, C, H, W)", ndim=4)
        self.in_shape = x.shape
        return self._output(x.mean(axis=(2, 3)))  # (N, C)

    def backward(self, dout):
        dout = self._check_upstream(dout)  # (N, C)
        N, C, H, W = self.in_shape
        return np.broadcast_to(dout[:, :, None, None] / (H * W), self.in_shape).copy()  # (N, C, H, W)
