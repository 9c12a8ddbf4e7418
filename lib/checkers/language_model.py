"""Checkers for the exercises of section 3.3, the character-level language model.

Each checker runs the reader's function on hidden seeded cases, compares with lib's reference
(`lib.evaluate_perplexity`'s formula, `lib.sample_next`, `lib.bptt_batches`), prints one sentence that
names the likely bug, and returns a `CheckResult`.
"""

import numpy as np

from ..functions import log_softmax, softmax
from ..text import bptt_batches
from . import _call_reader, _fn_name, _num
from ._wrap import check_callable as _check_callable, finish as _finish

__all__ = ["check_perplexity", "check_sample_with_temperature", "check_bptt_batches"]


def _shape(shape):
    """A shape written without inner spaces, "(2,5,7)", so the wrapped sentence never splits it."""
    return "(" + ",".join(str(int(d)) for d in shape) + ")"


def _scalar(value):
    """The reader's return value as a float, or None if it is not one number."""
    if value is None:
        return None
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(a) if a.size == 1 else None


# ----------------------------------------------------------------------------------------------- perplexity
def _perplexity_cases():
    rng = np.random.default_rng(3303)
    cases = []
    for N, T, V, scale in [(2, 5, 7, 1.0), (3, 4, 11, 2.5), (1, 9, 5, 0.5), (4, 3, 6, 3.0)]:
        scores = rng.standard_normal((N, T, V)) * scale  # (N, T, V)
        ts = rng.integers(0, V, size=(N, T))  # (N, T)
        cases.append((scores, ts))
    return cases


def check_perplexity(fn):
    """Check fn(scores (N, T, V), ts (N, T)) -> the perplexity exp(mean cross-entropy), one float."""
    who = "check_perplexity"
    bad = _check_callable(fn, who)
    if bad is not None:
        return bad
    cases = _perplexity_cases()
    for k, (scores, ts) in enumerate(cases, start=1):
        N, T, V = scores.shape
        where = f"on hidden case {k} of {len(cases)} (scores {_shape((N, T, V))}, ts {_shape((N, T))})"
        ret, _, problem = _call_reader(fn, (scores.copy(), ts.copy()), where)
        if problem:
            return _finish(False, problem)
        got = _scalar(ret)
        if got is None:
            shape = np.shape(ret) if ret is not None else None
            what = "None" if ret is None else f"something of shape {_shape(shape)}"
            return _finish(False, f"{_fn_name(fn)} returned {what} {where}; expected one number, the "
                                  "perplexity of all N*T predictions together.")
        logp = log_softmax(scores, axis=2)
        ce = -np.take_along_axis(logp, ts[..., None], axis=2)[..., 0]  # (N, T) per-position losses
        expected = float(np.exp(ce.mean()))
        if np.isclose(got, expected, rtol=1e-6, atol=0):
            continue
        wrong = f"{_fn_name(fn)} returned {_num(got)} {where}, expected {_num(expected)}"
        alternatives = [
            (ce.mean(), "that is the mean cross-entropy itself; perplexity is its exponential, "
                        "exp(mean cross-entropy)."),
            (np.exp(ce.sum()), "that is exp of the summed cross-entropy; average over the N*T positions "
                               "before taking exp."),
            (np.exp(ce).mean(), "that averages exp(loss) position by position; take exp of the mean loss "
                                "instead (the geometric mean of 1/p, not the arithmetic one)."),
            (np.exp(ce.mean() / np.log(2)), "that mixes bases: 2 ** (bits) or exp(nats) are equal, but exp "
                                            "of a base-2 loss is not."),
            (np.exp(np.mean(-np.log(np.take_along_axis(softmax(scores, axis=1), ts[..., None], axis=2)))),
             "the softmax runs over the wrong axis; normalise the V scores of each position (axis 2)."),
            (np.exp(np.mean(-np.take_along_axis(scores, ts[..., None], axis=2)[..., 0])),
             "the scores were used as log-probabilities without a softmax; take log_softmax of the scores "
             "first."),
        ]
        for value, message in alternatives:
            if message and np.isfinite(value) and np.isclose(got, value, rtol=1e-6, atol=0):
                return _finish(False, f"{wrong}: {message}")
        return _finish(False, f"{wrong}.")
    return _finish(True, f"Passed: your perplexity matches exp(mean cross-entropy) on {len(cases)} hidden cases.")


# ----------------------------------------------------------------------------------------------- sampling
_DRAWS = 4000  # draws per case: the frequencies are then within about 0.01 of the probabilities
_Z = 5.0  # a frequency further than this many standard errors from its probability is a bug


def _matches(freq, p, n=_DRAWS):
    """True if the observed frequencies freq (V,) are consistent with the probabilities p (V,)."""
    se = np.sqrt(p * (1 - p) / n) + 0.5 / n  # the 0.5/n keeps p = 0 from demanding exactness
    return bool(np.all(np.abs(freq - p) <= _Z * se))


def _draw(fn, scores, temperature, seed, n, where):
    """n ids from fn(scores, temperature, rng) with one rng seeded `seed`; (ids, None) or (None, sentence)."""
    rng = np.random.default_rng(seed)
    V = len(scores)
    ids = np.empty(n, dtype=np.int64)
    for i in range(n):
        ret, _, problem = _call_reader(fn, (scores.copy(), temperature, rng), where)
        if problem:
            return None, problem
        if isinstance(ret, (bool, np.bool_)) or not isinstance(ret, (int, np.integer)):
            a = np.asarray(ret) if ret is not None else None
            if a is not None and a.size == 1 and np.issubdtype(a.dtype, np.integer):
                ret = int(a)
            else:
                what = "None" if ret is None else f"a {type(ret).__name__}" + (
                    f" of shape {_shape(a.shape)}" if a is not None and a.ndim else f" ({ret!r:.30})")
                return None, (f"{_fn_name(fn)} returned {what} {where}; expected one integer token id "
                              f"in 0..{V - 1}.")
        if not 0 <= int(ret) < V:
            return None, f"{_fn_name(fn)} returned the id {int(ret)} {where}; ids run from 0 to {V - 1}."
        ids[i] = int(ret)
    return ids, None


def check_sample_with_temperature(fn):
    """Check fn(scores (V,), temperature, rng) -> one id drawn from softmax(scores / temperature).

    Temperature 0 must mean greedy decoding (the argmax). The checker draws thousands of ids with a seeded
    rng and compares their frequencies with the right distribution (and with typical wrong ones).
    """
    who = "check_sample_with_temperature"
    bad = _check_callable(fn, who)
    if bad is not None:
        return bad
    rng = np.random.default_rng(3304)
    cases = [(rng.standard_normal(6) * 1.5, 1.0), (rng.standard_normal(8) * 1.5, 0.5),
             (rng.standard_normal(5), 2.0), (rng.standard_normal(7) * 2.0, 0.7)]
    for k, (scores, temp) in enumerate(cases, start=1):
        where = f"on hidden case {k} of {len(cases) + 1} (V = {len(scores)}, temperature {temp})"
        ids, problem = _draw(fn, scores, temp, 1000 + k, _DRAWS, where)
        if problem:
            return _finish(False, problem)
        freq = np.bincount(ids, minlength=len(scores)) / _DRAWS
        expected = softmax(scores / temp)
        if not _matches(freq, expected):
            alternatives = [
                (softmax(scores * temp), "the scores are multiplied by the temperature; divide them by it, "
                                         "softmax(scores / temperature)."),
                (softmax(scores), "the temperature has no effect; sample from softmax(scores / temperature)."),
                (np.eye(len(scores))[np.argmax(scores)], "it returns the most likely id every time, which is "
                                                         "greedy decoding; for temperature > 0, draw at random "
                                                         "from the distribution."),
                (np.full(len(scores), 1 / len(scores)), "every id is equally likely; the draw must follow "
                                                        "softmax(scores / temperature)."),
            ]
            for p, message in alternatives:
                if temp != 1.0 or "temperature" not in message.split(";")[0]:
                    if _matches(freq, p):
                        return _finish(False, f"The ids drawn {where} follow the wrong distribution: {message}")
            worst = int(np.argmax(np.abs(freq - expected)))
            return _finish(False, f"The ids drawn {where} follow the wrong distribution: id {worst} came up "
                                  f"{freq[worst]:.3f} of the time, but softmax(scores / temperature) gives it "
                                  f"{expected[worst]:.3f}.")
        again, problem = _draw(fn, scores, temp, 1000 + k, 200, where)
        if problem:
            return _finish(False, problem)
        if not np.array_equal(again, ids[:200]):
            return _finish(False, f"Two runs with rngs of the same seed gave different ids {where}: draw the "
                                  "random numbers from the rng argument (rng.random or rng.choice), not from "
                                  "np.random, so a sample can be reproduced.")
    scores = np.array([0.3, -1.2, 2.5, 2.4, 0.0])
    where = f"on hidden case {len(cases) + 1} of {len(cases) + 1} (V = 5, temperature 0)"
    ids, problem = _draw(fn, scores, 0.0, 2000, 50, where)
    if problem:
        return _finish(False, problem.rstrip(".") + "; temperature 0 means greedy decoding: return "
                                                    "argmax(scores) without dividing.")
    if not np.all(ids == 2):
        return _finish(False, f"With temperature 0 {_fn_name(fn)} returned id {int(ids[ids != 2][0])} {where}; "
                              "temperature 0 means greedy decoding, always argmax(scores) = 2 here.")
    return _finish(True, f"Passed: the ids follow softmax(scores / temperature) on {len(cases)} hidden cases "
                         f"({_DRAWS} draws each), and temperature 0 is greedy.")


# ----------------------------------------------------------------------------------------------- BPTT batches
def _as_batches(fn, ret, where):
    """The reader's batches as a list of (xs, ts) int arrays, or (None, a sentence saying why not)."""
    if ret is None:
        return None, f"{_fn_name(fn)} returned None {where}; expected the batches (xs, ts), e.g. with yield."
    try:
        items = list(ret)
    except TypeError:
        return None, f"{_fn_name(fn)} returned a {type(ret).__name__} {where}; expected an iterable of (xs, ts)."
    except NotImplementedError:
        return None, f"{_fn_name(fn)} raised NotImplementedError: the exercise is not done yet."
    except Exception as e:  # a generator fails only when it is run
        text = str(e).strip().splitlines()[0] if str(e).strip() else ""
        detail = f" ({text[:150]})" if text else ""
        return None, f"{_fn_name(fn)} raised {type(e).__name__}{detail} {where}."
    out = []
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            return None, (f"{_fn_name(fn)} produced a {type(item).__name__} {where}; each batch should be a "
                          "pair (xs, ts).")
        out.append((np.asarray(item[0]), np.asarray(item[1])))
    return out, None


def _diagnose_positions(got, want, N, T, lane):
    """Name the bug in batches read from the text 0, 1, 2, ... where every id is its own position."""
    for c, (xs, ts) in enumerate(got):
        if np.array_equal(ts, xs):
            return "the targets ts equal the inputs xs; they must be the inputs shifted one character ahead."
        if not np.array_equal(ts, xs + 1):
            n, t = (int(i) for i in np.argwhere(ts != xs + 1)[0])
            return (f"in batch {c} the target at row {n}, step {t} is position {int(ts[n, t])} but its input is "
                    f"position {int(xs[n, t])}; each target is the character right after its input.")
        steps = np.diff(xs, axis=1)
        if np.any(steps != 1):
            n = int(np.argwhere(np.any(steps != 1, axis=1))[0, 0])
            return (f"row {n} of batch {c} is not a run of consecutive characters ({xs[n, :4].tolist()}...); each "
                    "row must be T characters in a row of the text.")
    x0 = got[0][0]
    if not np.array_equal(x0[:, 0], np.arange(N) * lane):
        if len(got) > 1 and np.array_equal(got[1][0][0, 0], x0[-1, -1] + 1):
            return (f"row n of one batch does not continue row n of the batch before (row 0 of batch 1 starts "
                    f"at position {int(got[1][0][0, 0])}, not {int(x0[0, -1]) + 1}): consecutive chunks were "
                    f"dealt to the rows, so the carried hidden state belongs to other text. Cut the text into N "
                    f"lanes of {lane} characters and let row n walk along lane n.")
        return (f"the rows of batch 0 start at positions {x0[:, 0].tolist()}; with lanes of (len(ids) - 1) // N "
                f"= {lane} characters they should start at {(np.arange(N) * lane).tolist()}.")
    for c in range(1, min(len(got), len(want))):
        prev, cur = got[c - 1][0], got[c][0]
        if not np.array_equal(cur[:, 0], prev[:, -1] + 1):
            n = int(np.argwhere(cur[:, 0] != prev[:, -1] + 1)[0, 0])
            return (f"row {n} of batch {c} starts at position {int(cur[n, 0])}, but row {n} of batch {c - 1} "
                    f"stopped at {int(prev[n, -1])}: the lanes must continue from batch to batch, or the carried "
                    f"hidden state belongs to other text.")
    if len(got) != len(want):
        return (f"there are {len(got)} batches; lanes of {lane} characters hold {len(want)} whole chunks of "
                f"T = {T} (lane // T), each lane keeping one extra character for its last target.")
    return None


def check_bptt_batches(fn):
    """Check fn(ids, batch_size, T) -> iterable of (xs, ts), each (batch_size, T), against lib.bptt_batches."""
    who = "check_bptt_batches"
    bad = _check_callable(fn, who)
    if bad is not None:
        return bad
    rng = np.random.default_rng(3305)
    # the text 0, 1, 2, ... first, so every id tells where it came from; then a real-looking one
    cases = [(np.arange(50), 3, 4), (np.arange(103), 4, 5), (np.arange(64), 2, 7),
             (rng.integers(0, 9, size=80), 3, 6)]
    for k, (ids, N, T) in enumerate(cases, start=1):
        where = f"on hidden case {k} of {len(cases)} (len(ids) = {len(ids)}, batch_size = {N}, T = {T})"
        ret, _, problem = _call_reader(fn, (ids.copy(), N, T), where)
        if problem:
            return _finish(False, problem)
        got, problem = _as_batches(fn, ret, where)
        if problem:
            return _finish(False, problem)
        want = list(bptt_batches(ids, N, T))
        if not got:
            return _finish(False, f"{_fn_name(fn)} produced no batches {where}; expected {len(want)}.")
        for c, (xs, ts) in enumerate(got):
            for name, a in (("xs", xs), ("ts", ts)):
                if a.dtype == object:
                    return _finish(False, f"{name} of batch {c} is {a.item()!r:.40} {where}; expected an integer "
                                          f"array of shape (batch_size, T) = {_shape((N, T))}.")
                if a.shape != (N, T):
                    hint = " (the transpose: rows are lanes, columns time steps)" if a.shape == (T, N) else ""
                    return _finish(False, f"{name} of batch {c} has shape {_shape(a.shape)} {where}; expected "
                                          f"(batch_size, T) = {_shape((N, T))}{hint}.")
        if len(got) == len(want) and all(np.array_equal(a, b) and np.array_equal(s, u)
                                          for (a, s), (b, u) in zip(got, want)):
            continue
        lane = (len(ids) - 1) // N
        if k <= 3:
            message = _diagnose_positions(got, want, N, T, lane)
            if message:
                return _finish(False, f"In the text 0, 1, 2, ... (each id is its own position) {where}, {message}")
        c = next((c for c, ((a, s), (b, u)) in enumerate(zip(got, want))
                  if not (np.array_equal(a, b) and np.array_equal(s, u))), min(len(got), len(want)))
        return _finish(False, f"Batch {c} differs from lib.bptt_batches {where}.")
    return _finish(True, f"Passed: your batches match lib.bptt_batches on {len(cases)} hidden cases: lanes continue "
                         "from batch to batch and the targets are shifted by one.")
