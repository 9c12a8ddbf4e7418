"""The checkers of section 2.1 (check_im2col, and check_conv2d_forward's refusal of lib) pass right answers and name
typical mistakes."""
import functools
import sys

import numpy as np
import pytest

import lib
from lib.checkers import check_conv2d_forward, check_im2col

import checker_runs

# check_im2col wraps its sentence at 76 characters, the width of the page's code column
run = functools.partial(checker_runs.run, width=76)
expect_fail = functools.partial(checker_runs.expect_fail, width=76)
expect_pass = functools.partial(checker_runs.expect_pass, width=76)


# ---------------------------------------------------------------------------------------------- im2col
def im2col_by_offsets(x, KH, KW):
    """The solution of the exercise: one strided slice of x per kernel offset (p, q)."""
    N, C, H, W = x.shape
    OH, OW = H - KH + 1, W - KW + 1
    cols = np.empty((N, OH, OW, KH, KW, C))
    for p in range(KH):
        for q in range(KW):
            cols[:, :, :, p, q, :] = x[:, :, p:p + OH, q:q + OW].transpose(0, 2, 3, 1)
    return cols.reshape(N * OH * OW, KH * KW * C)


def im2col_by_windows(x, KH, KW):
    """A loop over the output positions, the other way a reader may write it."""
    N, C, H, W = x.shape
    OH, OW = H - KH + 1, W - KW + 1
    rows = [x[n, :, i:i + KH, j:j + KW].transpose(1, 2, 0).ravel()
            for n in range(N) for i in range(OH) for j in range(OW)]
    return np.array(rows)


def test_im2col_right_answers_pass(capsys):
    result = expect_pass(check_im2col, im2col_by_offsets, capsys)
    assert "lib.im2col and a direct loop on 4 hidden cases" in result.message
    expect_pass(check_im2col, im2col_by_windows, capsys)


def c_first(x, KH, KW):
    N, C, H, W = x.shape
    return np.array([x[n, :, i:i + KH, j:j + KW].ravel()
                     for n in range(N) for i in range(H - KH + 1) for j in range(W - KW + 1)])


def q_before_p(x, KH, KW):
    N, C, H, W = x.shape
    return np.array([x[n, :, i:i + KH, j:j + KW].transpose(2, 1, 0).ravel()
                     for n in range(N) for i in range(H - KH + 1) for j in range(W - KW + 1)])


def batch_last(x, KH, KW):
    N, C, H, W = x.shape
    return np.array([x[n, :, i:i + KH, j:j + KW].transpose(1, 2, 0).ravel()
                     for i in range(H - KH + 1) for j in range(W - KW + 1) for n in range(N)])


def columns_reversed(x, KH, KW):
    return im2col_by_offsets(x, KH, KW)[:, ::-1]


@pytest.mark.parametrize("wrong, fragments", [
    (lambda x, KH, KW: None, ["returned None; expected cols, an array of shape (24, 12)"]),
    (lambda x, KH, KW: im2col_by_offsets(x, KH, KW).T, ["one window per column", "transpose it"]),
    (c_first, ["ordered (c, p, q), channel first", "(p*KW + q)*C + c"]),
    (q_before_p, ["kernel offsets swapped", "x[n, c, i + p, j + q]"]),
    (batch_last, ["every row of cols is a correct window", "rows are in the wrong order", "(n*OH + i)*OW + j"]),
    (columns_reversed, ["every column of cols holds the right values", "columns are in the wrong order"]),
    (lambda x, KH, KW: im2col_by_offsets(x, KH, KW)[:-1], ["cols has shape (23, 12); expected (24, 12) (N*OH*OW rows, KH*KW*C columns)"]),
    (lambda x, KH, KW: 2 * im2col_by_offsets(x, KH, KW), ["cols is wrong at index", "factor of 2.00"]),
])
def test_im2col_typical_mistakes_are_named(wrong, fragments, capsys):
    expect_fail(check_im2col, wrong, capsys, *fragments)


def test_im2col_refuses_a_call_to_lib(capsys):
    expect_fail(check_im2col, lambda x, KH, KW: lib.im2col(x, KH, KW), capsys, "calls lib.im2col", "slices of x")
    expect_fail(check_im2col, lambda x, KH, KW: lib.conv.im2col(x, KH, KW), capsys, "calls lib.im2col")
    assert lib.im2col is lib.conv.im2col and lib.im2col.__name__ == "im2col", "the checker must restore lib.im2col"


def test_im2col_exception_and_stub(capsys):
    def im2col(x, KH, KW):
        cols = None                      # your code here
        return cols

    expect_fail(check_im2col, im2col, capsys, "returned None", "(24, 12)")

    def broken(x, KH, KW):
        raise IndexError("too many indices")

    expect_fail(check_im2col, broken, capsys, "raised IndexError (too many indices) on hidden case 1 of 4")


def test_im2col_refuses_lib_under_another_name(capsys):
    from lib.conv import im2col as patches   # imported before the check: a patched module would not see it

    expect_fail(check_im2col, lambda x, KH, KW: patches(x, KH, KW), capsys, "calls lib.im2col")
    assert sys.getprofile() is None, "the checker must remove its profiler"


# ---------------------------------------------------------------------------------------------- conv2d forward
# check_conv2d_forward (in lib/checkers/__init__.py) does not wrap its sentence: no width here
def conv2d_windows(x, w, b, pad, stride):
    """The solution of the exercise: one window of the padded input per output position."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    OH, OW = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = np.zeros((N, F, OH, OW))
    for i in range(OH):
        for j in range(OW):
            window = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]  # (N, C, KH, KW)
            y[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return y


def conv2d_on_im2col(x, w, b, pad, stride):
    """A forward pass on lib.im2col: allowed, since the reader still orders the kernels to match the columns."""
    N, F, KH, KW = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    OH, OW = (x.shape[2] + 2 * pad - KH) // stride + 1, (x.shape[3] + 2 * pad - KW) // stride + 1
    cols = lib.im2col(x, KH, KW, pad=pad, stride=stride)  # (N*OH*OW, KH*KW*C)
    y_rows = cols @ w.transpose(2, 3, 1, 0).reshape(-1, F) + b  # (N*OH*OW, F)
    return y_rows.reshape(N, OH, OW, F).transpose(0, 3, 1, 2)


def test_conv2d_forward_right_answers_pass(capsys):
    checker_runs.expect_pass(check_conv2d_forward, conv2d_windows, capsys)
    checker_runs.expect_pass(check_conv2d_forward, conv2d_on_im2col, capsys)


def conv2d_by_matrix(x, w, b, pad, stride):
    """M @ x for every image: right values, but lib did the work."""
    OH, OW = (x.shape[2] + 2 * pad - w.shape[2]) // stride + 1, (x.shape[3] + 2 * pad - w.shape[3]) // stride + 1
    M = lib.conv_matrix(w, x.shape[1:], pad=pad, stride=stride)  # (F*OH*OW, C*H*W)
    return np.stack([(M @ xn.ravel()).reshape(-1, OH, OW) for xn in x]) + b[:, None, None]


@pytest.mark.parametrize("calls_lib, name", [
    (lambda x, w, b, p, s: lib.conv2d(x, w, b, p, s), "lib.conv2d"),
    (lambda x, w, b, p, s: lib.conv.conv2d(x, w, b, pad=p, stride=s), "lib.conv2d"),
    (lib.conv2d, "lib.conv2d"),
    (lambda x, w, b, p, s: lib.conv2d_loop(x, w, b, p, s), "lib.conv2d_loop"),
    (lambda x, w, b, p, s: lib.Conv2D(w, b, stride=s, pad=p).forward(x), "lib.Conv2D"),
    (conv2d_by_matrix, "lib.conv_matrix"),
    # lib only where the stride is 2, after two right answers of its own
    (lambda x, w, b, p, s: conv2d_windows(x, w, b, p, s) if s == 1 else lib.conv2d(x, w, b, p, s), "lib.conv2d"),
])
def test_conv2d_forward_refuses_a_call_to_lib(calls_lib, name, capsys):
    checker_runs.expect_fail(check_conv2d_forward, calls_lib, capsys, f"calls {name};",
                             "compute each output from its window of the padded input yourself")
    assert sys.getprofile() is None, "the checker must remove its profiler"


def test_conv2d_forward_exception_is_reported_not_refused(capsys):
    def broken(x, w, b, pad, stride):
        raise IndexError("too many indices")

    checker_runs.expect_fail(check_conv2d_forward, broken, capsys,
                             "raised IndexError (too many indices) on hidden case 1")


def test_conv2d_forward_shows_a_readers_print_once_per_case(capsys):
    def chatty(x, w, b, pad, stride):
        print("shape", x.shape)
        return conv2d_windows(x, w, b, pad, stride)

    result = check_conv2d_forward(chatty)
    printed = capsys.readouterr().out.splitlines()
    assert result.passed and sum(line.startswith("shape") for line in printed) == 4, printed
