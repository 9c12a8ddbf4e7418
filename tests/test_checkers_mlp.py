"""The checkers of chapter 1 (lib/checkers/mlp.py) pass right answers and name the mistake in typical wrong ones."""
import numpy as np
import pytest

from lib.checkers import check_cross_entropy, check_xor_network
from lib.checkers.mlp import gate_name
from lib.functions import cross_entropy

import checker_runs

WIDTH = 76  # the checkers of lib/checkers/mlp.py wrap their sentence to the code column


def expect_fail(checker, fn, capsys, *fragments):
    return checker_runs.expect_fail(checker, fn, capsys, *fragments, width=WIDTH)


def expect_pass(checker, fn, capsys):
    return checker_runs.expect_pass(checker, fn, capsys, width=WIDTH)


# ================================================================================== section 1.1: XOR by hand
def xor_check(W1, b1, W2, b2, activation="step"):
    return lambda _: check_xor_network(W1, b1, W2, b2, activation=activation)


OR_NAND = (np.array([[1.0, -1.0], [1.0, -1.0]]), np.array([-0.5, 1.5]))  # hidden: OR, NAND
AND = (np.array([1.0, 1.0]), -1.5)  # output: AND of the two hidden units


def test_gate_names_cover_all_sixteen_functions():
    names = {gate_name([(k >> i) & 1 for i in (3, 2, 1, 0)]) for k in range(16)}
    assert len(names) == 16
    assert gate_name([0, 1, 1, 0]) == "XOR" and gate_name([1, 1, 1, 0]) == "NAND"


@pytest.mark.parametrize("W2_shape, b2_value", [((2,), -1.5), ((2, 1), np.array([-1.5])), ((2,), [[-1.5]])])
def test_xor_step_right_answers_pass(capsys, W2_shape, b2_value):
    W2 = AND[0].reshape(W2_shape)
    result = expect_pass(xor_check(*OR_NAND, W2, b2_value), None, capsys)
    assert "OR and NAND" in result.message
    # another classic: (x1 AND NOT x2) OR (x2 AND NOT x1), with integer lists
    expect_pass(xor_check([[1, -1], [-1, 1]], [-0.5, -0.5], [1, 1], -0.5), None, capsys)


def test_xor_sigmoid_right_answer_passes(capsys):
    W1, b1 = OR_NAND
    result = expect_pass(xor_check(10 * W1, 10 * b1, 10 * AND[0], 10 * AND[1], "sigmoid"), None, capsys)
    assert "0.01, 0.99, 0.99, 0.01" in result.message


def test_xor_sigmoid_too_soft_is_named_without_giving_part_b_away(capsys):
    W1, b1 = OR_NAND
    result = expect_fail(xor_check(W1, b1, *AND, "sigmoid"), None, capsys,
                         "With step units these weights compute XOR", "0.44 for the input (0,1)",  # as 1.1 quotes
                         "soft step", "without moving its line")
    soft = expect_fail(xor_check(4 * W1, 4 * b1, 4 * AND[0], 4 * AND[1], "sigmoid"), None, capsys,
                       "right side of 0.5", "soft step", "not yet steep enough")
    for message in (result.message, soft.message):  # the recipe is the exercise's answer, left to the hints
        assert "scale" not in message and "10" not in message
    expect_fail(xor_check(10 * W1, 10 * b1, -10 * AND[0], -10 * AND[1], "sigmoid"), None, capsys,
                "Rounded at 0.5", "XNOR")


def test_xor_step_typical_mistakes_are_named(capsys):
    W1, b1 = OR_NAND
    expect_fail(xor_check(W1, b1, -AND[0], -AND[1]), None, capsys, "XNOR", "flip the signs")
    expect_fail(xor_check([[1, 1], [1, 1]], [-0.5, -0.5], [1, 1], -1.5), None, capsys,
                "Both hidden units compute OR")
    expect_fail(xor_check([[1, 1], [1, 1]], [-0.5, 5.0], [1, 1], -1.5), None, capsys,
                "The second hidden unit outputs 1 for all four inputs")
    expect_fail(xor_check([[1, 0], [0, 1]], [-0.5, -0.5], [1, 1], -0.5), None, capsys,
                "a copy of x1 and a copy of x2", "four corners again", "choose other lines")
    expect_fail(xor_check([[1, 1], [0, 1]], [-0.5, -1.5], [1, 1], -0.5), None, capsys,
                "to the same pair (h1,h2) = (0,0)", "(0,0) and (0,1)")
    expect_fail(xor_check(W1, b1, [1, 1], -0.5), None, capsys, "OR and NAND, a good start",
                "the constant 1 (1,1,1,1)")


def test_xor_point_on_a_line_passes_with_step_0_is_0_and_is_named_for_the_sigmoid(capsys):
    # hidden OR = step(x1 + x2) and AND = step(x1 + x2 - 1): (0,0) and (0,1) lie on the lines, and
    # step(0) = 0, as the exercise defines it, makes this a correct XOR network
    on_lines = ([[1, 1], [1, 1]], [0.0, -1.0], [1, -2], 0.0)
    result = expect_pass(xor_check(*on_lines), None, capsys)
    for fragment in ("OR and AND", "(0,0) lies exactly on the line of the first hidden unit",
                     "shift b1 before part (b)"):
        assert fragment in result.message
    # the output unit's pre-activation 0 for the 0s of XOR: right with step(0) = 0, noted
    result = expect_pass(xor_check(*OR_NAND, [1, 1], -1.0), None, capsys)
    assert "(0,0) lies exactly on the output unit's line" in result.message and "shift b2" in result.message
    expect_fail(xor_check(*(10 * np.asarray(a) for a in on_lines), "sigmoid"), None, capsys,
                "(0,0) lies exactly on the line of the first hidden unit", "0.5 however steep", "shift b1")


def test_xor_point_on_a_line_that_needs_step_0_is_1_is_named(capsys):
    # would be XOR if step(0) were 1: the input (0,1) on the first hidden unit's line
    expect_fail(xor_check([[1, -1], [1, -1]], [-1.0, 1.5], [1, 1], -1.5), None, capsys,
                "(0,1) lies exactly on the line of the first hidden unit", "only for a > 0", "shift b1")
    expect_fail(xor_check(*OR_NAND, [1, 1], -2.0), None, capsys,
                "(0,1) lies exactly on the output unit's line", "shift b2")


def test_xor_bad_input_is_named(capsys):
    W1, b1 = OR_NAND
    zeros = np.zeros((2, 2))
    expect_fail(xor_check(zeros, np.zeros(2), np.zeros(2), 0.0), None, capsys,
                "The first hidden unit has all-zero weights (column 0 of W1)")
    expect_fail(xor_check(W1, b1, np.zeros(2), 0.0), None, capsys, "all-zero weights W2")
    expect_fail(xor_check(None, b1, *AND), None, capsys, "W1 is None", "(2,2)")
    expect_fail(xor_check(W1[0], b1, *AND), None, capsys, "W1 has shape (2,); expected (2,2)")
    expect_fail(xor_check(W1, b1, np.ones(3), -1.5), None, capsys, "W2 has shape (3,)")
    expect_fail(xor_check(W1, "b", *AND), None, capsys, "b1 is a str")
    expect_fail(xor_check(W1, [np.nan, 1.5], *AND), None, capsys, "b1 contains nan")
    expect_fail(xor_check(W1, b1, *AND, activation="relu"), None, capsys, "'relu'", "'step' or 'sigmoid'")


# ================================================================================== section 1.1: cross-entropy
def stable(s, t):
    z = s - s.max(axis=1, keepdims=True)  # (N, C)
    logy = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(logy[np.arange(len(t)), t])


def softmax_naive(s):
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def softmax_max(s):
    return softmax_naive(s - s.max(axis=1, keepdims=True))


def test_cross_entropy_right_answers_pass(capsys):
    result = expect_pass(check_cross_entropy, stable, capsys)
    assert "4 hidden cases" in result.message
    expect_pass(check_cross_entropy, lambda s, t: np.array([stable(s, t)]), capsys)


def test_cross_entropy_that_calls_lib_is_refused(capsys):
    import lib
    from lib.functions import log_softmax

    expect_fail(check_cross_entropy, cross_entropy, capsys, "calls lib.cross_entropy", "NumPy only")
    expect_fail(check_cross_entropy, lambda s, t: lib.cross_entropy(s, t), capsys, "calls lib.cross_entropy")
    expect_fail(check_cross_entropy, lambda s, t: -np.mean(log_softmax(s, axis=1)[np.arange(len(t)), t]),
                capsys, "calls lib.log_softmax")
    expect_fail(check_cross_entropy, lambda s, t: lib.SoftmaxWithLoss().forward(s, t), capsys,
                "calls lib.SoftmaxWithLoss")
    import sys
    assert sys.getprofile() is None  # the checker's hook is gone afterwards


def test_cross_entropy_typical_mistakes_are_named(capsys):
    n = np.arange
    expect_fail(check_cross_entropy, lambda s, t: -np.mean(np.log(softmax_naive(s)[n(len(t)), t])), capsys,
                "returned nan on hidden case 3", "subtract each row's maximum")
    expect_fail(check_cross_entropy, lambda s, t: -np.mean(np.log(softmax_max(s)[n(len(t)), t])), capsys,
                "returned inf on hidden case 3", "compute ln y directly")
    expect_fail(check_cross_entropy, lambda s, t: stable(s, t) * len(t), capsys, "N = 4 times too large")
    expect_fail(check_cross_entropy, lambda s, t: stable(s, t) / len(t), capsys, "N = 4 times too small")
    expect_fail(check_cross_entropy, lambda s, t: -stable(s, t), capsys, "wrong sign")
    expect_fail(check_cross_entropy, lambda s, t: stable(s, t) / np.log(10), capsys, "base-10")
    expect_fail(check_cross_entropy, lambda s, t: -np.log(softmax_max(s)[n(len(t)), t]), capsys,
                "shape (4,), one loss per example")
    expect_fail(check_cross_entropy, lambda s, t: -np.mean(np.log(softmax_max(s))), capsys, "every class")
    expect_fail(check_cross_entropy, lambda s, t: -np.mean(s[n(len(t)), t]), capsys, "mean score")
    expect_fail(check_cross_entropy, lambda s, t: stable(s, t) + 0.1, capsys, "The loss is wrong on hidden case 1")


def test_cross_entropy_with_a_constant_in_the_log_is_named(capsys):
    n = np.arange
    # Deep Learning from Scratch's np.log(y + 1e-7): off by 1e-5 on case 1, which must not print as equal numbers
    result = expect_fail(check_cross_entropy, lambda s, t: -np.mean(np.log(softmax_max(s)[n(len(t)), t] + 1e-7)),
                         capsys, "too small on hidden case 1", "np.log(y + 1e-07)", "compute ln y directly")
    got, expected = result.message.split("(got ")[1].split(")")[0].split(", expected ")
    assert got != expected
    expect_fail(check_cross_entropy,
                lambda s, t: -np.mean(np.log(np.clip(softmax_max(s)[n(len(t)), t], 1e-12, 1.0))), capsys,
                "too small on hidden case 3", "np.clip(y, 1e-12, 1)")

    def capped_elsewhere(s, t):  # right on the ordinary cases, capped at 50 per example
        logy = s - s.max(axis=1, keepdims=True)
        logy = logy - np.log(np.exp(logy).sum(axis=1, keepdims=True))
        return -np.mean(np.maximum(logy[n(len(t)), t], -50.0))

    expect_fail(check_cross_entropy, capped_elsewhere, capsys, "too small on hidden case 3",
                "though right on the ordinary cases")


def test_cross_entropy_stub_and_bad_returns(capsys):
    def cross_entropy_stable(s, t):
        return None

    expect_fail(check_cross_entropy, cross_entropy_stable, capsys, "returned None", "one number")

    def not_done(s, t):
        raise NotImplementedError

    expect_fail(check_cross_entropy, not_done, capsys, "not done yet")
    expect_fail(check_cross_entropy, lambda s, t: s.reshape(-1, 1, 1) @ t, capsys, "raised")
    expect_fail(check_cross_entropy, lambda s, t: "low", capsys, "returned a str")
    expect_fail(check_cross_entropy, lambda s, t: s, capsys, "shape (4,3)")
    expect_fail(check_cross_entropy, 3.0, capsys, "needs a function")
