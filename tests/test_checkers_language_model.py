"""The checkers of section 3.3: a correct solution passes, typical wrong ones fail with the sentence that names the bug."""
import numpy as np
import pytest

import lib
from lib.checkers import check_bptt_batches, check_perplexity, check_sample_with_temperature
from lib.functions import log_softmax, softmax


def run(checker, fn, capsys):
    result = checker(fn)
    printed = capsys.readouterr().out.strip()
    assert " ".join(printed.split()) == " ".join(result.message.split()), "print exactly its message, once"
    assert all(len(line) <= 76 for line in printed.splitlines()), "wrapped to the code column"
    return result


# ----------------------------------------------------------------------------------------------- perplexity
def good_perplexity(scores, ts):
    logp = log_softmax(scores, axis=2)
    return float(np.exp(-np.take_along_axis(logp, ts[..., None], axis=2).mean()))


def test_perplexity_passes(capsys):
    result = run(check_perplexity, good_perplexity, capsys)
    assert result.passed and result.message.startswith("Passed")


def test_perplexity_accepts_a_numpy_scalar_and_a_0d_array(capsys):
    assert run(check_perplexity, lambda s, t: np.float64(good_perplexity(s, t)), capsys).passed
    assert run(check_perplexity, lambda s, t: np.array(good_perplexity(s, t)), capsys).passed


@pytest.mark.parametrize("fn, words", [
    (lambda s, t: np.log(good_perplexity(s, t)), "mean cross-entropy itself"),
    (lambda s, t: np.exp(np.log(good_perplexity(s, t)) * t.size), "summed cross-entropy"),
    (lambda s, t: np.exp(-np.take_along_axis(log_softmax(s, axis=2), t[..., None], axis=2)).mean(),
     "averages exp(loss) position by position"),
    (lambda s, t: np.exp(np.log(good_perplexity(s, t)) / np.log(2)), "mixes bases"),
    (lambda s, t: np.exp(-np.log(np.take_along_axis(softmax(s, axis=1), t[..., None], axis=2)).mean()),
     "wrong axis"),
    (lambda s, t: np.exp(-np.take_along_axis(s, t[..., None], axis=2).mean()), "without a softmax"),
    (lambda s, t: None, "returned None"),
    (lambda s, t: np.ones(t.shape), "expected one number"),
])
def test_perplexity_names_the_bug(fn, words, capsys):
    result = run(check_perplexity, fn, capsys)
    assert not result.passed
    assert words in result.message


def test_perplexity_stub_and_exception(capsys):
    def stub(scores, ts):
        raise NotImplementedError

    assert "not done yet" in run(check_perplexity, stub, capsys).message
    assert "raised IndexError" in run(check_perplexity, lambda s, t: s[99], capsys).message
    assert "pass the function itself" in run(check_perplexity, 3.0, capsys).message


# ----------------------------------------------------------------------------------------------- sampling
def good_sampler(scores, temperature, rng):
    if temperature == 0:
        return int(np.argmax(scores))
    return int(rng.choice(len(scores), p=softmax(scores / temperature)))


def test_sampler_passes(capsys):
    assert run(check_sample_with_temperature, good_sampler, capsys).passed


def test_sampler_passes_with_lib(capsys):
    fn = lambda s, temperature, rng: lib.sample_next(s, temperature=temperature, rng=rng)  # noqa: E731
    assert run(check_sample_with_temperature, fn, capsys).passed


@pytest.mark.parametrize("fn, words", [
    (lambda s, th, rng: int(rng.choice(len(s), p=softmax(s * th))) if th else int(np.argmax(s)),
     "multiplied by the temperature"),
    (lambda s, th, rng: int(rng.choice(len(s), p=softmax(s))) if th else int(np.argmax(s)),
     "temperature has no effect"),
    (lambda s, th, rng: int(np.argmax(s)), "greedy decoding"),
    (lambda s, th, rng: int(rng.integers(len(s))) if th else int(np.argmax(s)), "equally likely"),
    (lambda s, th, rng: int(np.random.choice(len(s), p=softmax(s / th))) if th else int(np.argmax(s)),
     "same seed gave different ids"),
    (lambda s, th, rng: int(rng.choice(len(s), p=softmax(s / th))), "temperature 0 means greedy"),
    (lambda s, th, rng: int(rng.choice(len(s), p=softmax(s / th))) if th else 0, "temperature 0 means greedy"),
    (lambda s, th, rng: None, "returned None"),
    (lambda s, th, rng: softmax(s), "expected one integer token id"),
    (lambda s, th, rng: len(s), "ids run from 0"),
])
def test_sampler_names_the_bug(fn, words, capsys):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the division by a temperature of 0
        result = run(check_sample_with_temperature, fn, capsys)
    assert not result.passed
    assert words in result.message


def test_sampler_accepts_numpy_integers(capsys):
    fn = lambda s, th, rng: np.int64(good_sampler(s, th, rng))  # noqa: E731
    assert run(check_sample_with_temperature, fn, capsys).passed


# ----------------------------------------------------------------------------------------------- BPTT batches
def good_batches(ids, batch_size, T):
    lane = (len(ids) - 1) // batch_size
    starts = np.arange(batch_size)[:, None] * lane
    for c in range(lane // T):
        pos = starts + c * T + np.arange(T)
        yield ids[pos], ids[pos + 1]


def consecutive_chunks(ids, batch_size, T):
    for c in range((len(ids) - 1) // (batch_size * T)):
        pos = (c * batch_size + np.arange(batch_size))[:, None] * T + np.arange(T)
        yield ids[pos], ids[pos + 1]


def not_shifted(ids, batch_size, T):
    for xs, _ in good_batches(ids, batch_size, T):
        yield xs, xs


def lane_too_long(ids, batch_size, T):
    lane = len(ids) // batch_size
    starts = np.arange(batch_size)[:, None] * lane
    for c in range(lane // T):
        pos = starts + c * T + np.arange(T)
        yield ids[pos], ids[np.minimum(pos + 1, len(ids) - 1)]


def transposed(ids, batch_size, T):
    for xs, ts in good_batches(ids, batch_size, T):
        yield xs.T, ts.T


def restart_every_batch(ids, batch_size, T):
    lane = (len(ids) - 1) // batch_size
    starts = np.arange(batch_size)[:, None] * lane
    for _ in range(lane // T):
        pos = starts + np.arange(T)
        yield ids[pos], ids[pos + 1]


def one_batch_short(ids, batch_size, T):
    batches = list(good_batches(ids, batch_size, T))
    return batches[:-1]


def stub(ids, batch_size, T):
    yield None, None


def test_batches_pass(capsys):
    assert run(check_bptt_batches, good_batches, capsys).passed
    assert run(check_bptt_batches, lib.bptt_batches, capsys).passed
    assert run(check_bptt_batches, lambda i, n, t: list(good_batches(i, n, t)), capsys).passed


@pytest.mark.parametrize("fn, words", [
    (consecutive_chunks, "consecutive chunks were dealt to the rows"),
    (not_shifted, "targets ts equal the inputs"),
    (lane_too_long, "should start at"),
    (transposed, "the transpose"),
    (restart_every_batch, "the lanes must continue from batch to batch"),
    (one_batch_short, "whole chunks"),
    (stub, "is None"),
    (lambda i, n, t: None, "returned None"),
    (lambda i, n, t: 5, "expected an iterable"),
    (lambda i, n, t: [], "produced no batches"),
])
def test_batches_name_the_bug(fn, words, capsys):
    result = run(check_bptt_batches, fn, capsys)
    assert not result.passed
    assert words in result.message


def test_batches_stub_that_raises(capsys):
    def raising(ids, batch_size, T):
        raise NotImplementedError
        yield  # a generator: the error appears only when it is run

    assert "not done yet" in run(check_bptt_batches, raising, capsys).message


def test_shapes_are_written_without_inner_spaces(capsys):
    """A shape like (2, 5) must not be split across two printed lines: it is written (2,5)."""
    message = run(check_perplexity, lambda s, t: None, capsys).message
    assert "scores (2,5,7), ts (2,5)" in message
    message = run(check_perplexity, lambda s, t: np.ones(t.shape), capsys).message
    assert "something of shape (2,5)" in message

    def stub(ids, batch_size, T):
        yield None, None

    message = run(check_bptt_batches, stub, capsys).message
    assert "(batch_size, T) = (3,4)" in message

    def transposed(ids, batch_size, T):
        for xs, ts in lib.bptt_batches(ids, batch_size, T):
            yield xs.T, ts.T

    message = run(check_bptt_batches, transposed, capsys).message
    assert "has shape (4,3)" in message and "(batch_size, T) = (3,4)" in message
