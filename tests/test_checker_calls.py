"""lib.checkers._calls.watch_calls: the one way every checker sees which of lib's functions a solution ran."""
import numpy as np

import lib
from lib.checkers._calls import watch_calls
from lib.conv import conv2d as renamed_conv2d


def test_a_call_is_seen_under_any_name_once_and_the_result_comes_back():
    def solution(x, w):
        lib.im2col(x, 2, 2)
        renamed_conv2d(x, w)
        return lib.conv2d(x, w)

    x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    result, seen, error = watch_calls(solution, (x, w), {lib.conv2d: "lib.conv2d", lib.im2col: "lib.im2col",
                                                              lib.col2im: "lib.col2im"})
    assert seen == ["lib.im2col", "lib.conv2d"] and error is None  # in order, each once; col2im never ran
    assert np.array_equal(result, lib.conv2d(x, w))


def test_methods_and_exceptions_are_reported_and_prints_can_be_hidden(capsys):
    def solution(x):
        print("reader's print")
        lib.Sigmoid().forward(x)
        raise ValueError("reader's bug")

    _, seen, error = watch_calls(solution, (np.zeros(2),), {lib.Sigmoid.forward: "Sigmoid"}, hide_prints=True)
    assert seen == ["Sigmoid"] and isinstance(error, ValueError) and capsys.readouterr().out == ""


def test_nothing_watched_nothing_seen_and_the_profiler_is_restored():
    import sys
    before = sys.getprofile()
    _, seen, error = watch_calls(lambda: np.sum(np.ones(3)), (), {lib.conv2d: "lib.conv2d"})
    assert seen == [] and error is None and sys.getprofile() is before
