"""The checkers of section 2.3 pass right answers and name the mistake in typical wrong ones."""
import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import lib
from lib.checkers import check_avg_pool_backward, check_unshared_params, check_max_pool_backward

import checker_runs

# the sentences are wrapped to the page's code column, 76 characters
expect_fail = functools.partial(checker_runs.expect_fail, width=76)
expect_pass = functools.partial(checker_runs.expect_pass, width=76)


# ---------------------------------------------------------------------------------------------- average pooling
def avg_backward(dout, x, K, S, *, op="+=", divide=None, step=None, use_dout=True):
    """The loop a reader writes; with one keyword changed, a typical mistake."""
    dx = np.zeros_like(x)
    divide = K * K if divide is None else divide
    step = S if step is None else step
    N, C, OH, OW = dout.shape
    for i in range(OH):
        for j in range(OW):
            d = dout[:, :, i, j, None, None] if use_dout else 1.0
            rows, cols = slice(i * step, i * step + K), slice(j * step, j * step + K)
            if op == "+=":
                dx[:, :, rows, cols] += d / divide
            else:
                dx[:, :, rows, cols] = d / divide
    return dx


def test_avg_right_answers_pass(capsys):
    expect_pass(check_avg_pool_backward, avg_backward, capsys)
    expect_pass(check_avg_pool_backward, lambda dout, x, K, S: lib.avg_pool2d_backward(dout, x, K, S), capsys)


def test_avg_typical_mistakes_are_named(capsys):
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: avg_backward(d, x, K, S, op="="), capsys,
                "`=` instead of `+=`", "only where windows overlap")
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: avg_backward(d, x, K, S, divide=1), capsys,
                "K*K = 4 times too large")
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: avg_backward(d, x, K, S, divide=K), capsys,
                "K = 2 times too large", "not K")
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: avg_backward(d, x, K, S, divide=K ** 4), capsys,
                "times too small")
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: avg_backward(d, x, K, S, use_dout=False), capsys,
                "multiply by dout")
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: lib.max_pool2d_backward(d, x, K, S), capsys,
                "as max pooling does")
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: d, capsys, "dx has shape (2, 3, 2, 2)",
                "expected (2, 3, 4, 4)")
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: None, capsys, "returned None")


def avg_by_offsets(dout, x, K, S, op="+="):
    """The loop over the K*K offsets of Exercise ex-pool-avg-offsets; op="=" is the typical mistake."""
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for p in range(K):
        for q in range(K):
            rows, cols = slice(p, p + S * (OH - 1) + 1, S), slice(q, q + S * (OW - 1) + 1, S)
            if op == "+=":
                dx[:, :, rows, cols] += dout / (K * K)
            else:
                dx[:, :, rows, cols] = dout / (K * K)
    return dx


def test_avg_by_offsets(capsys):
    expect_pass(check_avg_pool_backward, avg_by_offsets, capsys)
    expect_fail(check_avg_pool_backward, lambda d, x, K, S: avg_by_offsets(d, x, K, S, op="="), capsys,
                "`=` instead of `+=`")


def test_avg_stride_mistake_is_named(capsys):
    def wrong_step(dout, x, K, S):
        # windows placed at i*K (wrong only where S != K); x is padded so that every such window fits
        return avg_backward(dout, np.pad(x, ((0, 0), (0, 0), (0, 8), (0, 8))), K, S, step=K)[:, :, :x.shape[2],
                                                                                              :x.shape[3]]

    expect_fail(check_avg_pool_backward, wrong_step, capsys, "stride S, not K")


def test_avg_stub_and_non_function(capsys):
    def avg_pool_backward(dout, x, K, S):
        dx = None
        return dx

    expect_fail(check_avg_pool_backward, avg_pool_backward, capsys, "returned None", "(2, 3, 4, 4)")
    expect_fail(check_avg_pool_backward, "avg", capsys, "needs a function")


# ---------------------------------------------------------------------------------------------- max pooling
def max_backward(dout, x, K, S, *, ties="first", op="+=", use_dout=True):
    """A reader's loop: each window's dout to its first maximum; with one keyword changed, a mistake."""
    dx = np.zeros_like(x)
    N, C, OH, OW = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i * S:i * S + K, j * S:j * S + K]
                    d = dout[n, c, i, j] if use_dout else 1.0
                    share = np.zeros((K, K))
                    if ties == "first":
                        share[np.unravel_index(np.argmax(window), window.shape)] = d
                    elif ties == "all":
                        share[window == window.max()] = d
                    elif ties == "split":
                        share[window == window.max()] = d / np.sum(window == window.max())
                    else:  # last
                        flat = window.ravel()
                        share.flat[len(flat) - 1 - np.argmax(flat[::-1])] = d
                    if op == "+=":
                        dx[n, c, i * S:i * S + K, j * S:j * S + K] += share
                    else:
                        dx[n, c, i * S:i * S + K, j * S:j * S + K] = share
    return dx


def max_backward_vectorised(dout, x, K, S):
    """The same with a window view and np.argmax, as a reader might vectorise it."""
    windows = sliding_window_view(x, (K, K), axis=(2, 3))[:, :, ::S, ::S]  # (N, C, OH, OW, K, K)
    N, C, OH, OW = dout.shape
    first = windows.reshape(N, C, OH, OW, K * K).argmax(axis=-1)
    dx = np.zeros_like(x)
    for i in range(OH):
        for j in range(OW):
            p, q = np.divmod(first[:, :, i, j], K)
            n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
            np.add.at(dx, (n, c, i * S + p, j * S + q), dout[:, :, i, j])
    return dx


def test_max_right_answers_pass(capsys):
    expect_pass(check_max_pool_backward, max_backward, capsys)
    expect_pass(check_max_pool_backward, max_backward_vectorised, capsys)
    expect_pass(check_max_pool_backward, lib.max_pool2d_backward, capsys)


def test_max_typical_mistakes_are_named(capsys):
    expect_fail(check_max_pool_backward, lambda d, x, K, S: max_backward(d, x, K, S, ties="all"), capsys,
                "every cell that ties", "np.argmax")
    expect_fail(check_max_pool_backward, lambda d, x, K, S: max_backward(d, x, K, S, ties="split"), capsys,
                "splits the gradient")
    expect_fail(check_max_pool_backward, lambda d, x, K, S: max_backward(d, x, K, S, ties="last"), capsys,
                "last maximum")
    expect_fail(check_max_pool_backward, lambda d, x, K, S: max_backward(d, x, K, S, op="="), capsys,
                "`=` instead of `+=`")
    expect_fail(check_max_pool_backward, lambda d, x, K, S: max_backward(d, x, K, S, use_dout=False), capsys,
                "marks each window's maximum with 1")
    expect_fail(check_max_pool_backward, lambda d, x, K, S: lib.avg_pool2d_backward(d, x, K, S), capsys,
                "as average pooling does")
    expect_fail(check_max_pool_backward, lambda d, x, K, S: -lib.max_pool2d_backward(d, x, K, S), capsys,
                "wrong sign")


def max_backward_per_cell(dout, x, K, S, *, op="+=", step=None):
    """The naive loop of the section, which writes only the winning cell; op="=" or step=K are the mistakes."""
    dx = np.zeros_like(x)
    step = S if step is None else step
    N, C, OH, OW = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = x[n, c, i * step:i * step + K, j * step:j * step + K]
                    if window.size == 0:
                        continue
                    p, q = np.unravel_index(np.argmax(window), window.shape)
                    if op == "+=":
                        dx[n, c, i * step + p, j * step + q] += dout[n, c, i, j]
                    else:
                        dx[n, c, i * step + p, j * step + q] = dout[n, c, i, j]
    return dx


def test_max_per_cell_loop(capsys):
    """`=` on the winning cell alone is named too, and a stride mistake that leaves windows off the input (empty
    windows in the checker's own loop) gets a sentence, not a traceback."""
    expect_pass(check_max_pool_backward, max_backward_per_cell, capsys)
    expect_fail(check_max_pool_backward, lambda d, x, K, S: max_backward_per_cell(d, x, K, S, op="="), capsys,
                "`=` instead of `+=`", "only where windows overlap")
    expect_fail(check_max_pool_backward, lambda d, x, K, S: max_backward_per_cell(d, x, K, S, step=K), capsys,
                "stride S, not K")


def test_max_stub(capsys):
    def max_pool_backward(dout, x, K, S):
        dx = None
        return dx

    expect_fail(check_max_pool_backward, max_pool_backward, capsys, "returned None", "(2, 2, 4, 4)")


# ---------------------------------------------------------------------------------------------- locally connected
def count(C, H, W, F, K, pad):
    OH, OW = H + 2 * pad - K + 1, W + 2 * pad - K + 1
    return OH * OW * F * (C * K * K + 1)


def test_locally_connected_right_answer_passes(capsys):
    expect_pass(check_unshared_params, count, capsys)
    expect_pass(check_unshared_params, lambda *a: np.int64(count(*a)), capsys)


def test_locally_connected_typical_mistakes_are_named(capsys):
    expect_fail(check_unshared_params, lambda C, H, W, F, K, p: F * (C * K * K + 1), capsys,
                "count of a convolution layer", "expected 5120")
    expect_fail(check_unshared_params, lambda C, H, W, F, K, p: count(C, H, W, F, K, p) - H * W * F,
                capsys, "left out the biases")
    expect_fail(check_unshared_params,
                lambda C, H, W, F, K, p: count(C, H, W, F, K, p) - H * W * F + F, capsys, "not one shared set")
    expect_fail(check_unshared_params,
                lambda C, H, W, F, K, p: (H - K + 1) * (W - K + 1) * F * (C * K * K + 1), capsys,
                "with padding P the output is larger")
    def dense(C, H, W, F, K, p):  # every output cell (F*OH*OW of them) weighs all C*H*W inputs
        outputs = F * (H + 2 * p - K + 1) * (W + 2 * p - K + 1)
        return C * H * W * outputs + outputs

    expect_fail(check_unshared_params, dense, capsys, "dense (affine) layer")
    expect_fail(check_unshared_params, lambda C, H, W, F, K, p: count(1, H, W, F, K, p), capsys,
                "C*K*K weights, not K*K")
    expect_fail(check_unshared_params, lambda *a: count(*a) + 1, capsys, "expected 5120")
    expect_fail(check_unshared_params, lambda *a: None, capsys, "returned None")
    expect_fail(check_unshared_params, lambda *a: "many", capsys, "returned a str")


def test_locally_connected_stub(capsys):
    def locally_connected_params(C, H, W, F, K, pad):
        raise NotImplementedError

    expect_fail(check_unshared_params, locally_connected_params, capsys, "not done yet")
    expect_fail(check_unshared_params, 3, capsys, "needs a function")
