"""The checkers of section 1.2 (back-propagation) pass right answers and name the mistake in typical wrong ones."""
import sys

import numpy as np

import lib
import lib.checkers
import lib.checkers.mlp
from lib.checkers import check_center_rows_backward, check_linear_t_backward, check_numerical_gradient

import checker_runs

WIDTH = 76  # the checkers of lib/checkers/mlp.py wrap their sentence to the code column


def expect_fail(checker, fn, capsys, *fragments):
    return checker_runs.expect_fail(checker, fn, capsys, *fragments, width=WIDTH)


def expect_pass(checker, fn, capsys):
    return checker_runs.expect_pass(checker, fn, capsys, width=WIDTH)


def test_the_block_leaves_the_module_names_of_other_blocks_alone():
    # lib/checkers/mlp.py holds one block per section; a block that imported the package's _finish or
    # _check_callable under those names would replace another block's functions of the same name
    for name in ("_finish", "_check_callable"):
        assert getattr(lib.checkers.mlp, name, None) is not getattr(lib.checkers, name)


# ---------------------------------------------------------------------------------------------- numerical_gradient
def numerical_gradient(f, p, eps=1e-6):
    grad = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + eps
        f_plus = f()
        p[i] = old - eps
        f_minus = f()
        p[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def variant(kind="central", restore=True, step=None, copy=False, divide=2):
    """numerical_gradient with one typical mistake switched on."""
    def fn(f, p, eps=1e-6):
        eps = step or eps
        q = p.copy() if copy else p
        grad = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = q[i]
            f_mid = f()
            q[i] = old + eps
            f_plus = f()
            q[i] = old - eps
            f_minus = f()
            if restore:
                q[i] = old
            if kind == "central":
                grad[i] = (f_plus - f_minus) / (divide * eps)
            elif kind == "forward":
                grad[i] = (f_plus - f_mid) / eps
            else:
                grad[i] = (f_mid - f_minus) / eps
        return grad
    fn.__name__ = "numerical_gradient"
    return fn


def test_numerical_gradient_right_answers_pass(capsys):
    expect_pass(check_numerical_gradient, numerical_gradient, capsys)

    def with_nditer(f, p, eps=1e-6):  # nditer instead of ndindex, and restoring with += and -=
        grad = np.zeros_like(p)
        it = np.nditer(p, flags=["multi_index"])
        for _ in it:
            i = it.multi_index
            p[i] += eps
            f_plus = f()
            p[i] -= 2 * eps
            f_minus = f()
            p[i] += eps
            grad[i] = (f_plus - f_minus) / (2 * eps)
        return grad

    expect_pass(check_numerical_gradient, with_nditer, capsys)
    expect_pass(check_numerical_gradient, variant(), capsys)


def test_numerical_gradient_typical_mistakes_are_named(capsys):
    expect_fail(check_numerical_gradient, variant(kind="forward"), capsys, "one-sided (forward)", "central")
    expect_fail(check_numerical_gradient, variant(kind="backward"), capsys, "one-sided (backward)")
    expect_fail(check_numerical_gradient, variant(divide=1), capsys, "twice too large", "2 eps")
    expect_fail(check_numerical_gradient, variant(step=1e-6), capsys, "eps = 0.01", "eps argument")
    expect_fail(check_numerical_gradient, variant(copy=True), capsys, "all zeros", "in place")
    expect_fail(check_numerical_gradient, variant(restore=False), capsys, "leaves p changed", "old value")


numerical_gradient_of_lib = lib.numerical_gradient


def test_numerical_gradient_refuses_lib_and_handles_stubs(capsys):
    expect_fail(check_numerical_gradient, lambda f, p, eps=1e-6: lib.numerical_gradient(f, p, eps), capsys,
                "calls lib.numerical_gradient", "yourself")
    module = sys.modules["lib.gradcheck"]
    assert lib.numerical_gradient is module.numerical_gradient is numerical_gradient_of_lib, "lib not restored"

    def two_loops(f, p, eps=1e-6):  # works for 1-D and 2-D arrays only
        grad = np.zeros_like(p)
        for i in range(p.shape[0]):
            for j in range(p.shape[1] if p.ndim > 1 else 1):
                idx = (i, j) if p.ndim > 1 else i
                old = p[idx].copy()
                p[idx] = old + eps
                f_plus = f()
                p[idx] = old - eps
                f_minus = f()
                p[idx] = old
                grad[idx] = (f_plus - f_minus) / (2 * eps)
        return grad

    expect_fail(check_numerical_gradient, two_loops, capsys, "hidden case 3 of 4", "np.ndindex")

    def stub(f, p, eps=1e-6):
        grad = None
        return grad

    stub.__name__ = "numerical_gradient"
    expect_fail(check_numerical_gradient, stub, capsys, "`numerical_gradient` returned None", "(3,)")
    expect_fail(check_numerical_gradient, lambda f, p, eps=1e-6: numerical_gradient(f, p, eps).ravel(), capsys,
                "right values but shape")
    expect_fail(check_numerical_gradient, 3, capsys, "needs a function")


ng = lib.numerical_gradient  # lib's function under another name, as `from lib import numerical_gradient as ng`


def test_numerical_gradient_refuses_lib_under_another_name(capsys):
    def by_alias(f, p, eps=1e-6):
        return ng(f, p, eps)

    expect_fail(check_numerical_gradient, by_alias, capsys, "uses lib's numerical_gradient", "under the name ng")

    def nested(f, p, eps=1e-6):  # the reference hidden in a function defined inside
        def inner():
            return ng(f, p, eps)
        return inner()

    expect_fail(check_numerical_gradient, nested, capsys, "under the name ng")
    closure = lib.numerical_gradient

    def by_closure(f, p, eps=1e-6):
        return closure(f, p, eps)

    expect_fail(check_numerical_gradient, by_closure, capsys, "under the name closure")


def test_numerical_gradient_keeps_what_the_readers_function_prints(capsys):
    def chatty(f, p, eps=1e-6):
        print("computing")
        return numerical_gradient(f, p, eps)

    result = check_numerical_gradient(chatty)
    printed = capsys.readouterr().out
    assert result.passed and printed.startswith("computing\n") and printed.endswith(result.message + "\n")


# ---------------------------------------------------------------------------------------------- centring rows
def test_center_rows_right_answers_pass(capsys):
    expect_pass(check_center_rows_backward, lambda x, dout: dout - dout.mean(axis=1, keepdims=True), capsys)

    def by_nodes(x, dout):  # the branch: direct path + (-1) -> Repeat -> 1/C -> Sum, all along axis 1
        N, C = x.shape
        through_mean = lib.Sum(axis=1)
        through_mean.forward(x)
        repeat = lib.Repeat(C, axis=1)
        repeat.forward(np.zeros((N, 1)))
        return dout + through_mean.backward(repeat.backward(-dout) / C)

    expect_pass(check_center_rows_backward, by_nodes, capsys)


def test_center_rows_typical_mistakes_are_named(capsys):
    expect_fail(check_center_rows_backward, lambda x, d: d, capsys, "direct path", "row mean")
    expect_fail(check_center_rows_backward, lambda x, d: d - d.mean(axis=0, keepdims=True), capsys,
                "column means", "axis 1")
    expect_fail(check_center_rows_backward, lambda x, d: d - d.mean(), capsys, "all of dout", "each row")
    expect_fail(check_center_rows_backward, lambda x, d: d - d.sum(axis=1, keepdims=True), capsys,
                "row sums", "/ D")
    expect_fail(check_center_rows_backward, lambda x, d: d * (1 - 1 / d.shape[1]), capsys, "(1 − 1/D)",
                "whole row")
    expect_fail(check_center_rows_backward, lambda x, d: d - d.mean(axis=1), capsys, "ValueError",
                "keepdims=True", "(N, 1)")
    failed = expect_fail(check_center_rows_backward, lambda x, d: d.reshape(-1, 5), capsys, "raised ValueError",
                         "cannot reshape", "hidden case 1 of 4")
    assert "keepdims" not in failed.message  # only a broadcasting error is put down to a lost keepdims
    expect_fail(check_center_rows_backward, lambda x, d: d + d.mean(axis=1, keepdims=True), capsys,
                "minus sign")
    expect_fail(check_center_rows_backward, lambda x, d: -d.mean(axis=1, keepdims=True) + 0 * d, capsys,
                "only the path through the mean")
    expect_fail(check_center_rows_backward, lambda x, d: d.mean(axis=1), capsys, "shape")

    def center_rows_backward(x, dout):
        return None

    expect_fail(check_center_rows_backward, center_rows_backward, capsys, "returned None", "(3, 4)")


# ---------------------------------------------------------------------------------------------- y = x W^T
def test_linear_t_right_answer_passes(capsys):
    result = expect_pass(check_linear_t_backward, lambda x, W, dout: (dout @ W, dout.T @ x), capsys)
    assert "lib" not in result.message  # lib has no such layer to compare with
    expect_pass(check_linear_t_backward, lambda x, W, dout: (dout @ W, (x.T @ dout).T), capsys)


def test_linear_t_typical_mistakes_are_named(capsys):
    expect_fail(check_linear_t_backward, lambda x, W, d: (d @ W.T, d.T @ x), capsys, "dx = dout @ W.T",
                "dx = dout @ W.")
    expect_fail(check_linear_t_backward, lambda x, W, d: (d @ W, x.T @ d), capsys, "(D, H)", "dW = dout.T @ x")
    expect_fail(check_linear_t_backward, lambda x, W, d: (d @ W, d.T @ x / len(x)), capsys,
                "mean over the batch")
    expect_fail(check_linear_t_backward, lambda x, W, d: (d @ W, -(d.T @ x)), capsys, "wrong sign")

    def linear_t_backward(x, W, dout):
        dx = dW = None
        return dx, dW

    expect_fail(check_linear_t_backward, linear_t_backward, capsys, "returned None for dx", "(4, 3)")
