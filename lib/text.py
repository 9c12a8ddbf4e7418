"""Text as data: the tiny Shakespeare corpus shipped with lib, a character vocabulary, and BPTT batches.

The corpus (1,115,394 characters of Shakespeare, public domain) is `data/tinyshakespeare/input.txt` of
the char-rnn repository by Andrej Karpathy; lib ships it gzipped so nothing is downloaded at read time.
"""
import gzip
from pathlib import Path

import numpy as np

from .conv import _check_int

SHAKESPEARE = Path(__file__).parent / "data" / "tinyshakespeare.txt.gz"


def load_shakespeare(n_chars=None):
    """The tiny Shakespeare text as one string, or its first `n_chars` characters."""
    text = gzip.decompress(SHAKESPEARE.read_bytes()).decode("utf-8")
    if n_chars is None:
        return text
    n_chars = _check_int("load_shakespeare", "n_chars", n_chars, 1)
    if n_chars > len(text):
        raise ValueError(f"load_shakespeare: n_chars={n_chars} is more than the {len(text)} characters there are")
    return text[:n_chars]


class CharVocab:
    """The sorted set of characters of a text, with encode (str -> ids) and decode (ids -> str)."""

    def __init__(self, text):
        if not isinstance(text, str) or not text:
            raise ValueError(f"CharVocab: needs a non-empty string, got {type(text).__name__} {text!r:.40}")
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def __repr__(self):
        return f"CharVocab({len(self)} characters: {''.join(self.chars)!r})"

    def encode(self, text):
        """Token ids (len(text),) int64 of the characters of `text`."""
        unknown = sorted(set(text) - self.index.keys())
        if unknown:
            raise ValueError(f"CharVocab.encode: characters {''.join(unknown)!r} are not in the vocabulary")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        """The string whose characters have the token ids `ids`."""
        ids = np.asarray(ids).ravel()
        if ids.size and (not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"CharVocab.decode: ids must be integers in 0..{len(self) - 1}, got {ids[:8]}...")
        return "".join(self.chars[i] for i in ids)


def bptt_batches(ids, batch_size, T):
    """Yield (xs, ts), each (batch_size, T), for truncated BPTT with a carried hidden state.

    The corpus is cut into batch_size equal lanes; row n of every batch continues lane n where the
    previous batch stopped, so the state carried from one chunk to the next belongs to the same text.
    The targets ts are the inputs shifted one character ahead.
    """
    ids = np.asarray(ids)
    N = _check_int("bptt_batches", "batch_size", batch_size, 1)
    T = _check_int("bptt_batches", "T", T, 1)
    lane = (len(ids) - 1) // N  # each lane needs one extra character for its last target
    if lane < T:
        raise ValueError(f"bptt_batches: {len(ids)} tokens give lanes of {lane} for batch_size={N}, "
                         f"shorter than one chunk of T={T}")
    starts = np.arange(N)[:, None] * lane  # (N, 1)
    for c in range(lane // T):
        pos = starts + c * T + np.arange(T)  # (N, T)
        yield ids[pos], ids[pos + 1]
