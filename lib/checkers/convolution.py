"""Checkers for the exercises of section 2.1 (the convolution's forward pass) that are new in the second edition.

Like the other checkers, each one runs the reader's function on hidden seeded cases, compares the result with
lib's reference, prints one sentence that names the likely mistake and returns a `CheckResult`.
"""

import numpy as np

from . import _Case, _close, _equals, _finish, _fn_name, _run, _shape
from ._wrap import wrapped
from ._calls import watch_calls

__all__ = ["check_im2col"]


# (N, C, H, W, KH, KW): several channels, non-square images and kernels, so that every ordering mistake shows
_IM2COL_CASES = [(2, 3, 4, 5, 2, 2), (1, 2, 5, 5, 3, 3), (3, 1, 4, 4, 2, 2), (2, 4, 3, 6, 3, 2)]


def _patches(x, KH, KW):
    """The windows of x (N, C, H, W) for stride 1 and no padding, as a loop would find them: (N, OH, OW, C, KH, KW)."""
    N, C, H, W = x.shape
    OH, OW = H - KH + 1, W - KW + 1
    out = np.empty((N, OH, OW, C, KH, KW))
    for i in range(OH):
        for j in range(OW):
            out[:, i, j] = x[:, :, i:i + KH, j:j + KW]
    return out


def _rows_sorted(a):
    """The rows of a 2-D array in lexicographic order (to compare two matrices up to a reordering of rows)."""
    return a[np.lexsort(a.T[::-1])]


def _same_rows(name, axis, message):
    """Hint: output `name` holds the expected rows (axis 0) or columns (axis 1), but in another order."""
    def hint(got_name, got, expected, case):
        if got_name != name or got.shape != expected.shape or _close(got, expected):
            return None
        a, b = (got, expected) if axis == 0 else (got.T, expected.T)
        return message if _close(_rows_sorted(a), _rows_sorted(b)) else None
    return hint


@wrapped(keep_reader_prints=False)
def check_im2col(fn):
    """Check fn(x, KH, KW) -> cols (N*OH*OW, KH*KW*C): lib.im2col for stride 1 and no padding, without calling it."""
    from .. import conv

    rng = np.random.default_rng(707)
    cases = []
    for N, C, H, W, KH, KW in _IM2COL_CASES:
        x = rng.standard_normal((N, C, H, W))
        cols = conv.im2col(x, KH, KW)
        loop = _patches(x, KH, KW).transpose(0, 1, 2, 4, 5, 3).reshape(cols.shape)
        if not _close(cols, loop):
            raise RuntimeError("check_im2col: lib.im2col disagrees with a direct loop; "
                               "this is a bug in lib, not in your function")
        cases.append(_Case({"x": x, "KH": KH, "KW": KW}, {"cols": cols}, x=x, KH=KH, KW=KW))

    if callable(fn):  # a solution that only calls lib.im2col teaches nothing: refuse it before comparing
        first = cases[0]
        args = (np.copy(first.inputs["x"]), first.inputs["KH"], first.inputs["KW"])
        if watch_calls(fn, args, {conv.im2col: "lib.im2col"}, hide_prints=True)[1]:
            return _finish(False, f"{_fn_name(fn)} calls lib.im2col; build the matrix yourself from slices of x "
                                  "(one slice per kernel offset (p, q)), so that the checker tests your code.")

    def c_first(c):
        return _patches(c["x"], c["KH"], c["KW"]).reshape(-1, c["x"].shape[1] * c["KH"] * c["KW"])

    def q_before_p(c):
        p = _patches(c["x"], c["KH"], c["KW"]).transpose(0, 1, 2, 5, 4, 3)  # (N, OH, OW, KW, KH, C)
        return p.reshape(-1, c["x"].shape[1] * c["KH"] * c["KW"])

    def transposed(name, got, expected, case):
        if name == "cols" and got.ndim == 2 and got.shape == expected.T.shape and _close(got, expected.T):
            return (f"cols has shape {_shape(got.shape)}, one window per column (the layout the name im2col "
                    f"comes from); lib stores one window per row, shape {_shape(expected.shape)}: transpose it.")
        return None

    hints = [
        transposed,
        _equals("cols", c_first,
                "cols has each window in the right row, but its columns are ordered (c, p, q), channel first; "
                "lib orders them (p, q, c), channels last (column (p*KW + q)*C + c), so move the channel axis "
                "to the end before you flatten a window."),
        _equals("cols", q_before_p,
                "cols has the kernel offsets swapped: column (p*KW + q)*C + c must hold x[n, c, i + p, j + q], "
                "with p the offset down the rows and q the offset along a row."),
        _same_rows("cols", 0,
                   "every row of cols is a correct window, but the rows are in the wrong order: row "
                   "(n*OH + i)*OW + j must hold the window of output (n, i, j), image first, then the output "
                   "row, then the output column."),
        _same_rows("cols", 1,
                   "every column of cols holds the right values, but the columns are in the wrong order: "
                   "column (p*KW + q)*C + c must hold x[n, c, i + p, j + q]."),
    ]
    return _run(fn, "check_im2col", cases, {"cols": "N*OH*OW rows, KH*KW*C columns"}, hints,
                reference="lib.im2col and a direct loop")
