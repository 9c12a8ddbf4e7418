"""Convolution (deep learning's cross-correlation) in 1-D and 2-D, its backward pass, and a Conv2D layer.

Two implementations of the same maps, proved equal by the tests:

* loop versions (`conv2d_loop`, `conv2d_backward_loop`) that read like the math, for teaching;
* vectorised versions (`conv2d`, `conv2d_backward`, the `Conv2D` layer) built on im2col / col2im.

Shapes: input x (N, C, H, W), kernels w (F, C, KH, KW), bias b (F,), output (N, F, OH, OW), with
OH = (H + 2P - KH) / S + 1 (and the same for OW), which must be a whole number.

Column layout (channels last). `im2col` returns a matrix of shape (N*OH*OW, KH*KW*C):
row r = (n*OH + i)*OW + j holds the patch that output cell (n, :, i, j) sees, and column
k = (p*KW + q)*C + c holds the input value x[n, c, i*S + p - P, j*S + q - P] (zero in the padding).
The kernels then become a (KH*KW*C, F) matrix, so the whole forward pass is one matrix product
(N*OH*OW, KH*KW*C) @ (KH*KW*C, F) -> (N*OH*OW, F). Putting C last keeps each copied run of memory
contiguous and makes the output come out channels-last: the results are returned as (N, F, OH, OW) views of
that memory, and the only layout copies are the input's (made while padding it) and the upstream gradient's
(skipped when it is already channels-last, as the output of the next ReLU is).

FLOP convention: a multiply-add counts as 2 FLOPs, so one output of a dot product of length L (plus its
bias) costs L multiplies + (L - 1) additions + 1 bias addition = 2L FLOPs exactly.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .layers import Layer
from .validate import as_float_array
from .validate import check_int as _check_int  # lib.widgets imports it from here

_AXIS_NAMES = {1: ("length",), 2: ("height", "width")}


# ---- sizes and argument checks --------------------------------------------------------------------

def _fitting_sizes(n, k, pad, stride):
    """The input sizes nearest to n (one below or equal, one above) for which (m + 2*pad - k) is a multiple of
    stride and the kernel fits."""
    r = (n + 2 * pad - k) % stride
    return [m for m in (n - r, n - r + stride) if m >= 1 and m + 2 * pad >= k]


def _fit_suggestions(n, k, pad, stride, label):
    """Nearest input sizes and paddings for which (n + 2*pad - k) is a multiple of stride."""
    text = " or ".join(f"{label}{m}" for m in _fitting_sizes(n, k, pad, stride)) + " would fit"
    pads = [p for p in range(0, pad + stride + 1) if p != pad and (n + 2 * p - k) % stride == 0 and n + 2 * p >= k]
    if pads:
        text += f", or pad {min(pads, key=lambda p: (abs(p - pad), p))} with this size"
    elif stride % 2 == 0:
        text += f"; no padding fits (with the even stride {stride}, input size minus kernel size must be even)"
    return text


def _fit(who, n, k, pad, stride, what="input size"):
    """Output length along one axis, or a clear error naming n, k, pad and stride."""
    if n + 2 * pad < k:
        raise ValueError(f"{who}: kernel {k} is larger than padded {what} {n + 2 * pad} "
                         f"({what} {n}, pad {pad})")
    span = n + 2 * pad - k
    if span % stride:
        raise ValueError(
            f"{who}: {what} {n} does not fit kernel {k} with pad {pad} and stride {stride}: "
            f"({n} + 2*{pad} - {k}) / {stride} = {span / stride:.4g} is not a whole number; "
            + _fit_suggestions(n, k, pad, stride, f"{what} "))
    return span // stride + 1


def _tuple_arg(who, name, v, nd, minimum):
    """An int or a tuple of nd ints (one per spatial axis), checked."""
    vals = tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd
    if len(vals) != nd:
        raise ValueError(f"{who}: {name} must be an integer or {nd} integers, got {v!r}")
    return tuple(_check_int(who, name, x, minimum) for x in vals)


def output_size(n, k, pad=0, stride=1):
    """Output length (n + 2*pad - k) / stride + 1 of a convolution along one axis; raises if it is not whole."""
    who = "output_size"
    n, k = _check_int(who, "input size n", n, 1), _check_int(who, "kernel size k", k, 1)
    pad, stride = _check_int(who, "pad", pad, 0), _check_int(who, "stride", stride, 1)
    if n + 2 * pad < k:
        raise ValueError(f"{who}: kernel k={k} is larger than the padded input n + 2*pad = {n + 2 * pad} "
                         f"(n={n}, pad={pad}, stride={stride})")
    span = n + 2 * pad - k
    if span % stride:
        raise ValueError(
            f"{who}: n={n}, k={k}, pad={pad}, stride={stride} give (n + 2*pad - k) / stride = "
            f"{span / stride:.4g}, not a whole number; " + _fit_suggestions(n, k, pad, stride, "n="))
    return span // stride + 1


def _shape_text(t):
    return str(t[0]) if len(t) == 1 else str(tuple(t))


def _check_conv(who, x, w, b, pad, stride, nd):
    """Validate a convolution's arguments; return arrays, pads, strides and output sizes (one per axis)."""
    letters = {1: "(N, C, W)", 2: "(N, C, H, W)"}[nd]
    kletters = {1: "(F, C, K)", 2: "(F, C, KH, KW)"}[nd]
    x = as_float_array(x, who, f"input x {letters}", ndim=nd + 2)
    w = as_float_array(w, who, f"kernel w {kletters}", ndim=nd + 2)
    F, C = w.shape[:2]
    if b is not None:
        b = as_float_array(b, who, "bias b (F,)")
        if b.shape != (F,):
            raise ValueError(f"{who}: bias has shape {b.shape}, expected ({F},) for {F} kernels "
                             f"(kernel shape {w.shape})")
    pads = _tuple_arg(who, "pad", pad, nd, 0)
    strides = _tuple_arg(who, "stride", stride, nd, 1)
    if x.shape[1] != C:
        raise ValueError(f"{who}: input has {x.shape[1]} channels, kernel expects {C} "
                         f"(input shape {x.shape}, kernel shape {w.shape})")
    size, ksize = x.shape[2:], w.shape[2:]
    padded = tuple(n + 2 * p for n, p in zip(size, pads))
    if any(k > n for k, n in zip(ksize, padded)):
        raise ValueError(f"{who}: kernel {_shape_text(ksize)} is larger than padded input {_shape_text(padded)} "
                         f"(input {_shape_text(size)}, pad {_shape_text(pads)})")
    out = tuple(_fit(who, n, k, p, s, f"input {name}")
                for n, k, p, s, name in zip(size, ksize, pads, strides, _AXIS_NAMES[nd]))
    return x, w, b, pads, strides, out


def _check_upstream(who, dout, shape):
    dout = as_float_array(dout, who, "upstream gradient dout")
    if dout.shape != tuple(shape):
        raise ValueError(f"{who}: upstream gradient has shape {dout.shape}, "
                         f"the forward output has shape {tuple(shape)}")
    return dout


# ---- 1-D: the teaching versions --------------------------------------------------------------------

def _vectors(who, x, w, mode):
    x = as_float_array(x, who, "signal x", ndim=1)
    w = as_float_array(w, who, "kernel w", ndim=1)
    if mode not in ("valid", "full"):
        raise ValueError(f"{who}: mode must be 'valid' or 'full', got {mode!r}")
    if mode == "full":
        x = np.pad(x, len(w) - 1)
    if len(w) > len(x):
        raise ValueError(f"{who}: kernel length {len(w)} is larger than the signal length {len(x)} "
                         f"(mode {mode!r})")
    return x, w


def correlate1d(x, w, mode="valid"):
    """Cross-correlation y[i] = sum_k x[i + k] w[k]: slide w over x (what deep learning calls convolution)."""
    x, w = _vectors("correlate1d", x, w, mode)
    K = len(w)
    return np.array([x[i:i + K] @ w for i in range(len(x) - K + 1)])  # (L - K + 1,)


def convolve1d(x, w, mode="valid"):
    """True convolution y[i] = sum_k x[i + K-1 - k] w[k]: the same sliding sum with the kernel flipped."""
    x, w = _vectors("convolve1d", x, w, mode)
    return correlate1d(x, w[::-1])


# ---- the vectorised core: channels-last im2col / col2im ---------------------------------------------

def _pad_channels_last(x, pads):
    """(N, C, H, W) -> zero-padded (N, H + 2PH, W + 2PW, C), one copy."""
    N, C, H, W = x.shape
    ph, pw = pads
    xp = np.zeros((N, H + 2 * ph, W + 2 * pw, C), dtype=x.dtype)
    xp[:, ph:ph + H, pw:pw + W, :] = x.transpose(0, 2, 3, 1)
    return xp


def _patch_view(xp, ksize, strides, out):
    """Padded channels-last input (N, HP, WP, C) -> read-only view of its patches (N, OH, OW, KH, KW, C)."""
    (sh, sw), (OH, OW) = strides, out
    windows = sliding_window_view(xp, ksize, axis=(1, 2))  # (N, HP-KH+1, WP-KW+1, C, KH, KW), no copy
    return windows[:, :sh * (OH - 1) + 1:sh, :sw * (OW - 1) + 1:sw].transpose(0, 1, 2, 4, 5, 3)


def _columns(x, ksize, pads, strides, out):
    """The column matrix (N*OH*OW, KH*KW*C) of x (N, C, H, W): the one copy im2col cannot avoid."""
    view = _patch_view(_pad_channels_last(x, pads), ksize, strides, out)
    return view.reshape(x.shape[0] * out[0] * out[1], -1)


def _accumulate_patches(cols, padded, strides):
    """Inverse bookkeeping of the patch view: add patches (N, OH, OW, KH, KW, C) back onto (N, HP, WP, C)."""
    N, OH, OW, KH, KW, C = cols.shape
    (sh, sw) = strides
    dxp = np.zeros((N, padded[0], padded[1], C), dtype=cols.dtype)
    for p in range(KH):
        for q in range(KW):
            dxp[:, p:p + sh * (OH - 1) + 1:sh, q:q + sw * (OW - 1) + 1:sw, :] += cols[:, :, :, p, q, :]
    return dxp


def _unpad(dxp, in_size, pads):
    """Padded channels-last (N, HP, WP, C) -> (N, C, H, W) without the padding (a view)."""
    (H, W), (ph, pw) = in_size, pads
    return dxp[:, ph:ph + H, pw:pw + W, :].transpose(0, 3, 1, 2)


def _kernel_matrix(w):
    """Kernels (F, C, KH, KW) -> the (KH*KW*C, F) matrix matching the column layout."""
    F = w.shape[0]
    return w.transpose(2, 3, 1, 0).reshape(-1, F)


def _sample_blocks(N, rows_per_sample, rows=4096):
    """Split the batch into blocks of about `rows` matrix rows, so each block's temporaries stay in cache."""
    B = max(1, rows // rows_per_sample)
    return [(n, min(N, n + B)) for n in range(0, N, B)]


def _input_gradient(dout_rows, w, in_size, pads, strides, out):
    """col2im(dout_rows @ kernel matrix.T), fused: dout_rows (N*OH*OW, F) -> padded channels-last (N, HP, WP, C).

    Same product as one (N*OH*OW, F) @ (F, KH*KW*C) matrix product, computed one batch block and one kernel
    offset (p, q) at a time: each offset gives a contiguous (block, OH, OW, C) array that is added onto the
    input cells it came from, with no large temporary and no scattered small copies.
    """
    F, C, KH, KW = w.shape
    (OH, OW), (sh, sw) = out, strides
    N = dout_rows.shape[0] // (OH * OW)
    w_offsets = w.transpose(2, 3, 0, 1).reshape(KH * KW, F, C)  # one (F, C) matrix per kernel offset
    dxp = np.zeros((N, in_size[0] + 2 * pads[0], in_size[1] + 2 * pads[1], C), dtype=np.result_type(dout_rows, w))
    for n0, n1 in _sample_blocks(N, OH * OW):
        parts = np.matmul(dout_rows[n0 * OH * OW:n1 * OH * OW], w_offsets)  # (KH*KW, block*OH*OW, C)
        parts = parts.reshape(KH, KW, n1 - n0, OH, OW, C)
        block = dxp[n0:n1]
        for p in range(KH):
            for q in range(KW):
                block[:, p:p + sh * (OH - 1) + 1:sh, q:q + sw * (OW - 1) + 1:sw, :] += parts[p, q]
    return dxp


def _forward(x, w, b, pads, strides, out):
    """Vectorised forward; returns the output (N, F, OH, OW) and the column matrix for the backward pass."""
    N, F = x.shape[0], w.shape[0]
    cols = _columns(x, w.shape[2:], pads, strides, out)  # (N*OH*OW, KH*KW*C)
    y = cols @ _kernel_matrix(w)  # (N*OH*OW, F)
    if b is not None:
        y += b
    return y.reshape(N, out[0], out[1], F).transpose(0, 3, 1, 2), cols  # (N, F, OH, OW), channels-last memory


def _backward(dout, cols, x_shape, w, pads, strides):
    """Vectorised backward from the column matrix: (dx, dw, db)."""
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    out = dout.shape[2:]
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (N*OH*OW, F); free if dout is channels-last
    dw = (cols.T @ dout_rows).reshape(KH, KW, C, F).transpose(3, 2, 0, 1)  # (F, C, KH, KW)
    db = dout_rows.sum(axis=0)  # (F,)
    dxp = _input_gradient(dout_rows, w, (H, W), pads, strides, out)  # (N, HP, WP, C)
    return _unpad(dxp, (H, W), pads), dw, db


def im2col(x, KH, KW, pad=0, stride=1):
    """Patches of x (N, C, H, W) as rows of a (N*OH*OW, KH*KW*C) matrix, columns ordered (p, q, c)."""
    who = "im2col"
    x = as_float_array(x, who, "input x (N, C, H, W)", ndim=4)
    KH, KW = _check_int(who, "KH", KH, 1), _check_int(who, "KW", KW, 1)
    w_stub = np.zeros((1, x.shape[1], KH, KW))  # only its shape is used, to run the shared size checks
    _, _, _, pads, strides, out = _check_conv(who, x, w_stub, None, pad, stride, 2)
    return _columns(x, (KH, KW), pads, strides, out)


def _shape_arg(who, name, shape, letters):
    """A shape argument such as x_shape (N, C, H, W): a tuple of positive integers, one per letter."""
    if not isinstance(shape, (tuple, list, np.ndarray)) or len(shape) != len(letters):
        raise ValueError(f"{who}: {name} must be ({', '.join(letters)}), got {shape!r}")
    return tuple(_check_int(who, f"{name} entry {c}", s, 1) for c, s in zip(letters, shape))


def col2im(cols, x_shape, KH, KW, pad=0, stride=1):
    """Add the rows of a (N*OH*OW, KH*KW*C) column matrix back onto an input of shape x_shape (N, C, H, W)."""
    who = "col2im"
    N, C, H, W = _shape_arg(who, "x_shape", x_shape, "NCHW")
    KH, KW = _check_int(who, "KH", KH, 1), _check_int(who, "KW", KW, 1)
    pads = _tuple_arg(who, "pad", pad, 2, 0)
    strides = _tuple_arg(who, "stride", stride, 2, 1)
    OH = _fit(who, H, KH, pads[0], strides[0], "input height")
    OW = _fit(who, W, KW, pads[1], strides[1], "input width")
    cols = as_float_array(cols, who, "cols", ndim=2)
    want = (N * OH * OW, KH * KW * C)
    if cols.shape != want:
        raise ValueError(f"{who}: cols has shape {cols.shape}, expected (N*OH*OW, KH*KW*C) = {want} "
                         f"for x_shape {(N, C, H, W)}, kernel ({KH}, {KW})")
    dxp = _accumulate_patches(cols.reshape(N, OH, OW, KH, KW, C), (H + 2 * pads[0], W + 2 * pads[1]), strides)
    return np.ascontiguousarray(_unpad(dxp, (H, W), pads))


# ---- 2-D: loops that read like the math -------------------------------------------------------------

def conv2d_loop(x, w, b=None, pad=0, stride=1):
    """2-D convolution with plain loops: out[n, f, i, j] = sum(window * w[f]) + b[f]."""
    x, w, b, (ph, pw), (sh, sw), (OH, OW) = _check_conv("conv2d_loop", x, w, b, pad, stride, 2)
    N, F, KH, KW = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # (N, C, H + 2PH, W + 2PW)
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):  # fix the output cell (i, j) ...
                for j in range(OW):
                    window = xp[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]  # (C, KH, KW)
                    out[n, f, i, j] = np.sum(window * w[f])  # ... move (c, p, q): product and sum
            if b is not None:
                out[n, f] += b[f]
    return out


def conv2d_backward_loop(dout, x, w, pad=0, stride=1):
    """Backward of conv2d with loops: each output cell sends dout * w back to its window and dout * window to w."""
    who = "conv2d_backward_loop"
    x, w, _, (ph, pw), (sh, sw), (OH, OW) = _check_conv(who, x, w, None, pad, stride, 2)
    N, F, KH, KW = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    dout = _check_upstream(who, dout, (N, F, OH, OW))
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    rows, cols = slice(i * sh, i * sh + KH), slice(j * sw, j * sw + KW)
                    dw[f] += dout[n, f, i, j] * xp[n, :, rows, cols]  # kernel: correlate input with dout
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * w[f]  # input: scatter dout through w
    db = dout.sum(axis=(0, 2, 3))  # (F,): the bias is repeated over n, i, j
    dx = dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]
    return dx, dw, db


# ---- 2-D and 1-D: vectorised ------------------------------------------------------------------------

def conv2d(x, w, b=None, pad=0, stride=1):
    """2-D convolution of x (N, C, H, W) with kernels w (F, C, KH, KW) -> (N, F, OH, OW), via im2col."""
    x, w, b, pads, strides, out = _check_conv("conv2d", x, w, b, pad, stride, 2)
    return _forward(x, w, b, pads, strides, out)[0]


def conv2d_backward(dout, x, w, pad=0, stride=1):
    """Gradients (dx, dw, db) of conv2d for the upstream gradient dout (N, F, OH, OW), via col2im."""
    who = "conv2d_backward"
    x, w, _, pads, strides, out = _check_conv(who, x, w, None, pad, stride, 2)
    dout = _check_upstream(who, dout, (x.shape[0], w.shape[0]) + out)
    cols = _columns(x, w.shape[2:], pads, strides, out)
    return _backward(dout, cols, x.shape, w, pads, strides)


def conv1d(x, w, b=None, pad=0, stride=1):
    """1-D convolution of x (N, C, W) with kernels w (F, C, K) -> (N, F, OW)."""
    x, w, b, (p,), (s,), (OW,) = _check_conv("conv1d", x, w, b, pad, stride, 1)
    y, _ = _forward(x[:, :, None, :], w[:, :, None, :], b, (0, p), (1, s), (1, OW))
    return y[:, :, 0, :]


def conv1d_backward(dout, x, w, pad=0, stride=1):
    """Gradients (dx, dw, db) of conv1d for the upstream gradient dout (N, F, OW)."""
    who = "conv1d_backward"
    x, w, _, (p,), (s,), (OW,) = _check_conv(who, x, w, None, pad, stride, 1)
    dout = _check_upstream(who, dout, (x.shape[0], w.shape[0], OW))
    x4, w4 = x[:, :, None, :], w[:, :, None, :]
    cols = _columns(x4, w4.shape[2:], (0, p), (1, s), (1, OW))
    dx, dw, db = _backward(dout[:, :, None, :], cols, x4.shape, w4, (0, p), (1, s))
    return dx[:, :, 0, :], dw[:, :, 0, :], db


def conv_transpose2d(y, w, pad=0, stride=1, output_size=None):
    """Transposed convolution: y (N, F, OH, OW) -> (N, C, H, W), exactly the input-gradient map of conv2d.

    H = (OH - 1) * S + KH - 2P. `output_size`, if given as (H, W), is checked against that size.
    It is the adjoint (transpose) of conv2d, not its inverse.
    """
    who = "conv_transpose2d"
    y = as_float_array(y, who, "input y (N, F, OH, OW)", ndim=4)
    w = as_float_array(w, who, "kernel w (F, C, KH, KW)", ndim=4)
    F, C, KH, KW = w.shape
    if y.shape[1] != F:
        raise ValueError(f"{who}: input has {y.shape[1]} channels, kernel expects {F} "
                         f"(the kernel (F, C, KH, KW) = {w.shape} maps F={F} channels back to C={C}; "
                         f"input shape {y.shape})")
    pads = _tuple_arg(who, "pad", pad, 2, 0)
    strides = _tuple_arg(who, "stride", stride, 2, 1)
    N, _, OH, OW = y.shape
    size = tuple((o - 1) * s + k - 2 * p for o, s, k, p in zip((OH, OW), strides, (KH, KW), pads))
    if min(size) < 1:
        raise ValueError(f"{who}: input {(OH, OW)} with kernel {(KH, KW)}, stride {strides} and pad {pads} "
                         f"gives output {size}, which is empty; use a smaller pad")
    want = None if output_size is None else _tuple_arg(who, "output_size", output_size, 2, 1)
    if want is not None and want != size:
        raise ValueError(f"{who}: output_size {want} is not reachable: input {(OH, OW)} with "
                         f"kernel {(KH, KW)}, stride {strides} and pad {pads} gives (OH - 1)*S + K - 2P = {size} "
                         "(this book's conv2d never drops leftover rows, so exactly one size fits)")
    rows = y.transpose(0, 2, 3, 1).reshape(-1, F)  # (N*OH*OW, F)
    xp = _input_gradient(rows, w, size, pads, strides, (OH, OW))  # (N, H + 2PH, W + 2PW, C)
    return np.ascontiguousarray(_unpad(xp, size, pads))


def conv_matrix(w, in_shape, pad=0, stride=1):
    """Dense matrix M (F*OH*OW, C*H*W) with conv2d(x[None], w).ravel() == M @ x.ravel() for one x (C, H, W)."""
    who = "conv_matrix"
    C, H, W = _shape_arg(who, "in_shape", in_shape, "CHW")
    _, w, _, (ph, pw), (sh, sw), (OH, OW) = _check_conv(who, np.zeros((1, C, H, W)), w, None, pad, stride, 2)
    F, _, KH, KW = w.shape
    M = np.zeros((F, OH, OW, C, H, W))
    for f in range(F):
        for i in range(OH):
            for j in range(OW):
                for p in range(KH):
                    for q in range(KW):
                        r, s = i * sh + p - ph, j * sw + q - pw  # the input cell under kernel tap (p, q)
                        if 0 <= r < H and 0 <= s < W:  # taps on the padding multiply zeros: no entry
                            M[f, i, j, :, r, s] = w[f, :, p, q]
    return M.reshape(F * OH * OW, C * H * W)


# ---- the layer and its cost -------------------------------------------------------------------------

class Conv2D(Layer):
    """Convolution layer: x (N, C, H, W) -> x * W + b (N, F, OH, OW), with W (F, C, KH, KW) and b (F,)."""

    param_names = ("W", "b")

    def __init__(self, W, b, stride=1, pad=0):
        super().__init__(W, b)
        W, b = self.params
        if W.ndim != 4 or b.shape != (W.shape[0],):
            raise ValueError(f"Conv2D: W must be (F, C, KH, KW) and b (F,), got W {W.shape} and b {b.shape}")
        self.stride = _tuple_arg("Conv2D", "stride", stride, 2, 1)
        self.pad = _tuple_arg("Conv2D", "pad", pad, 2, 0)
        self.x_shape = self.cols = None

    def __repr__(self):
        W, b = self.params
        one = lambda t: t[0] if t[0] == t[1] else t  # noqa: E731 - print 1 rather than (1, 1)
        return f"Conv2D(W={W.shape}, b={b.shape}, stride={one(self.stride)}, pad={one(self.pad)})"

    def forward(self, x):
        W, b = self.params
        x, _, _, pads, strides, out = _check_conv("Conv2D", x, W, b, self.pad, self.stride, 2)
        y, self.cols = _forward(x, W, b, pads, strides, out)  # cols (N*OH*OW, KH*KW*C) kept for backward
        self.x_shape = x.shape
        return self._output(y)

    def backward(self, dout):
        dout = self._check_upstream(dout)  # (N, F, OH, OW); refuses a call before forward, like every layer
        dx, dW, db = _backward(dout, self.cols, self.x_shape, self.params[0], self.pad, self.stride)
        self.grads[0][...] = dW
        self.grads[1][...] = db
        return dx


def conv_params_and_flops(C, F, KH, KW, OH, OW):
    """Parameters F*C*KH*KW + F and FLOPs 2*C*KH*KW*F*OH*OW (multiply-add = 2) of one conv layer, one sample."""
    return F * C * KH * KW + F, 2 * C * KH * KW * F * OH * OW


def affine_params_and_flops(D, H):
    """Parameters D*H + H and FLOPs 2*D*H (multiply-add = 2) of an affine layer D -> H, one sample."""
    return D * H + H, 2 * D * H
