"""The checkers of section 3.1 pass right answers and name the mistake in typical wrong ones."""
import numpy as np

from lib.checkers import check_k_step_coefficients, check_rnn_param_count, check_rnn_step_forward
from lib.checkers.sequences import k_step_reference

from test_checkers import expect_fail, expect_pass


# ---------------------------------------------------------------------------------------------- one RNN step
def rnn_step(x, h_prev, W, b):
    return np.tanh(np.concatenate([h_prev, x], axis=1) @ W + b)


def test_rnn_step_right_answers_pass(capsys):
    expect_pass(check_rnn_step_forward, rnn_step, capsys)

    def split(x, h_prev, W, b):  # the same step with W split into W_h and W_x
        H = h_prev.shape[1]
        return np.tanh(x @ W[H:] + h_prev @ W[:H] + b)

    expect_pass(check_rnn_step_forward, split, capsys)


def test_rnn_step_typical_mistakes_are_named(capsys):
    expect_fail(check_rnn_step_forward, lambda x, h, W, b: np.tanh(np.concatenate([x, h], 1) @ W + b),
                capsys, "wrong order", "[h_prev, x]")
    expect_fail(check_rnn_step_forward, lambda x, h, W, b: np.concatenate([h, x], 1) @ W + b,
                capsys, "apply tanh")
    expect_fail(check_rnn_step_forward, lambda x, h, W, b: np.tanh(np.concatenate([h, x], 1) @ W),
                capsys, "missing the bias")
    expect_fail(check_rnn_step_forward,
                lambda x, h, W, b: 1 / (1 + np.exp(-(np.concatenate([h, x], 1) @ W + b))), capsys, "sigmoid")
    expect_fail(check_rnn_step_forward, lambda x, h, W, b: np.tanh(x @ W[-x.shape[1]:] + b), capsys,
                "ignores h_prev")
    expect_fail(check_rnn_step_forward, lambda x, h, W, b: None, capsys, "returned None")


def test_rnn_step_stub_names_the_shape(capsys):
    def rnn_step_concat(x, h_prev, W, b):
        h_next = None
        return h_next

    expect_fail(check_rnn_step_forward, rnn_step_concat, capsys, "returned None", "(2, 4)")


# ---------------------------------------------------------------------------------------------- parameter count
def count(V, E, H, L):
    return V * E + (E * H + H * H + H) + (L - 1) * (2 * H * H + H) + H * V + V


def test_param_count_right_answer_passes(capsys):
    expect_pass(check_rnn_param_count, count, capsys)
    expect_pass(check_rnn_param_count, lambda V, E, H, L: np.int64(count(V, E, H, L)), capsys)


def test_param_count_typical_mistakes_are_named(capsys):
    expect_fail(check_rnn_param_count, lambda V, E, H, L: V * E + E * H + H * H + (L - 1) * 2 * H * H + H * V,
                capsys, "left out the biases")
    expect_fail(check_rnn_param_count, lambda V, E, H, L: V * E + L * (E * H + H * H + H) + H * V + V,
                capsys, "(H, H), not (E, H)")
    expect_fail(check_rnn_param_count, lambda V, E, H, L: V * E + E * H + H * H + H + H * V + V,
                capsys, "counted one recurrent layer")
    expect_fail(check_rnn_param_count, lambda V, E, H, L: count(V, E, H, L) - V * E, capsys, "embedding")
    expect_fail(check_rnn_param_count, lambda V, E, H, L: count(V, E, H, L) - H * V - V, capsys, "output layer")
    expect_fail(check_rnn_param_count, lambda V, E, H, L: count(V, E, H, L) + 1, capsys, "expected 81")
    expect_fail(check_rnn_param_count, lambda V, E, H, L: None, capsys, "returned None")
    expect_fail(check_rnn_param_count, lambda V, E, H, L: "many", capsys, "returned a str")


def test_param_count_stub_and_non_function(capsys):
    def rnn_param_count(V, E, H, num_layers):
        raise NotImplementedError

    expect_fail(check_rnn_param_count, rnn_param_count, capsys, "not done yet")
    expect_fail(check_rnn_param_count, 3, capsys, "needs a function")


# ---------------------------------------------------------------------------------------------- k-step AR map
def k_step_by_matrix(w, b, k):
    """The companion-matrix solution: the state [window, 1] is multiplied by the same matrix k times."""
    tau = len(w)
    A = np.zeros((tau + 1, tau + 1))
    A[:tau - 1, 1:tau] = np.eye(tau - 1)  # shift the window by one
    A[tau - 1, :tau], A[tau - 1, tau] = w, b  # the new value
    A[tau, tau] = 1.0  # the constant 1 stays 1
    row = np.linalg.matrix_power(A, k)[tau - 1]  # the newest entry after k steps
    return row[:tau], row[tau]


def test_k_step_reference_agrees_with_the_companion_matrix():
    rng = np.random.default_rng(0)
    for tau, k in [(1, 1), (3, 4), (6, 10)]:
        w, b = rng.standard_normal(tau), float(rng.standard_normal())
        w_k, b_k = k_step_reference(w, b, k)
        w_m, b_m = k_step_by_matrix(w, b, k)
        assert np.allclose(w_k, w_m) and np.isclose(b_k, b_m)
    w_1, b_1 = k_step_reference(np.array([0.2, 0.3]), 0.5, 1)
    assert np.allclose(w_1, [0.2, 0.3]) and np.isclose(b_1, 0.5)


def test_k_step_right_answers_pass(capsys):
    expect_pass(check_k_step_coefficients, k_step_by_matrix, capsys)
    expect_pass(check_k_step_coefficients, lambda w, b, k: (list(k_step_by_matrix(w, b, k)[0]),
                                                           float(k_step_by_matrix(w, b, k)[1])), capsys)


def test_k_step_typical_mistakes_are_named(capsys):
    expect_fail(check_k_step_coefficients, lambda w, b, k: k_step_by_matrix(w, b, k - 1) if k > 1 else
                (np.eye(len(w))[-1], 0.0), capsys, "one step fewer")
    expect_fail(check_k_step_coefficients, lambda w, b, k: k_step_by_matrix(w, b, k + 1), capsys,
                "one step too many")
    expect_fail(check_k_step_coefficients, lambda w, b, k: (w ** k, k_step_by_matrix(w, b, k)[1]), capsys,
                "power k")
    expect_fail(check_k_step_coefficients,
                lambda w, b, k: (k_step_by_matrix(w[::-1], b, k)[0][::-1], k_step_by_matrix(w, b, k)[1]),
                capsys, "newest first")
    expect_fail(check_k_step_coefficients, lambda w, b, k: (k_step_by_matrix(w, b, k)[0], b), capsys,
                "b_k equals b")


def test_k_step_stub(capsys):
    def k_step_coefficients(w, b, k):
        w_k = b_k = None
        return w_k, b_k

    expect_fail(check_k_step_coefficients, k_step_coefficients, capsys, "returned None for w_k", "(4,)")
    expect_fail(check_k_step_coefficients, "w", capsys, "needs a function")
