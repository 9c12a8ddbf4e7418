"""A language model built from the Time* layers, sampling with a temperature, and truncated-BPTT training."""
from contextlib import contextmanager

import numpy as np

from .conv import _check_int
from .functions import softmax
from .optim import clip_grads
from .recurrent import TimeAffine, TimeEmbedding, TimeRNN, TimeSoftmaxWithLoss, check_token_ids
from .text import bptt_batches


def sample_next(scores, *, temperature=1.0, rng=None):
    """A token id drawn from softmax(scores / temperature) with `rng`; temperature 0 means greedy (argmax).

    scores: (V,) gives one id, (N, V) gives N ids.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim not in (1, 2) or s.shape[-1] == 0:
        raise ValueError(f"sample_next: scores must be (V,) or (N, V) with V >= 1, got shape {s.shape}")
    if isinstance(temperature, bool) or not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"sample_next: temperature must be a finite number >= 0, got {temperature!r}")
    if temperature == 0:
        ids = s.argmax(axis=-1)
    else:
        if not isinstance(rng, np.random.Generator):
            raise TypeError("sample_next: pass rng=np.random.default_rng(seed) to sample, or use temperature=0 "
                            f"for greedy decoding (got rng={rng!r})")
        p = softmax(s / temperature, axis=-1)
        p2 = p.reshape(-1, p.shape[-1])
        u = rng.random(len(p2))[:, None]  # one uniform number per row: inverse-CDF sampling
        ids = np.minimum((np.cumsum(p2, axis=1) < u).sum(axis=1), p.shape[-1] - 1)
        ids = ids.reshape(p.shape[:-1])
    return int(ids) if s.ndim == 1 else ids.astype(np.int64)


class RNNLM:
    """TimeEmbedding -> recurrent layer(s) -> TimeAffine -> TimeSoftmaxWithLoss over V tokens.

    `cell` is the recurrent layer class: TimeRNN, or lib.TimeLSTM / lib.TimeGRU, anything with the same
    `create(D, H, rng=, stateful=)` constructor, `reset_state()` and a `state` / `set_state` pair for the
    carried memory. Stateful by default, for truncated BPTT.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, *, rng, num_layers=1, cell=TimeRNN,
                 stateful=True, ignore_label=None):
        V = _check_int("RNNLM", "vocab_size", vocab_size, 1)
        E = _check_int("RNNLM", "embed_size", embed_size, 1)
        H = _check_int("RNNLM", "hidden_size", hidden_size, 1)
        L = _check_int("RNNLM", "num_layers", num_layers, 1)
        self.embed = TimeEmbedding(rng.standard_normal((V, E)) / np.sqrt(E))
        self.rnns = [cell.create(E if i == 0 else H, H, rng=rng, stateful=stateful) for i in range(L)]
        self.affine = TimeAffine(rng.standard_normal((H, V)) / np.sqrt(H), np.zeros(V))
        self.loss_layer = TimeSoftmaxWithLoss(ignore_label)
        self.layers = [self.embed, *self.rnns, self.affine]
        self.params, self.grads, self.param_names = [], [], []
        for name, layer in zip(["embed", *[f"rnn{i + 1}" for i in range(L)], "affine"], self.layers):
            self.params += layer.params  # the same arrays: an optimiser updates the layers
            self.grads += layer.grads
            self.param_names += [f"{name}.{p}" for p in layer.param_names]

    @property
    def vocab_size(self):
        return self.embed.params[0].shape[0]

    def __repr__(self):
        body = "\n".join(f"  {layer!r}" for layer in self.layers + [self.loss_layer])
        n = sum(p.size for p in self.params)
        return f"RNNLM({n:,} parameters\n{body}\n)"

    def predict(self, ids):
        """Scores (N, T, V) for the next token after every position of ids (N, T)."""
        x = self.embed.forward(ids)
        for layer in self.rnns:
            x = layer.forward(x)
        return self.affine.forward(x)

    def forward(self, ids, ts):
        """Mean cross-entropy of predicting ts (N, T) from ids (N, T)."""
        return self.loss_layer.forward(self.predict(ids), ts)

    def backward(self, dout=1.0):
        d = self.loss_layer.backward(dout)
        d = self.affine.backward(d)
        for layer in reversed(self.rnns):
            d = layer.backward(d)
        self.embed.backward(d)

    def reset_state(self):
        """Forget the carried hidden state of every recurrent layer."""
        for layer in self.rnns:
            layer.reset_state()

    @contextmanager
    def _fresh_state(self):
        """Run with stateful layers and no carried state; put the training state back afterwards."""
        saved = [(layer.stateful, layer.state) for layer in self.rnns]  # h, or (h, c) for an LSTM
        for layer in self.rnns:
            layer.stateful = True
            layer.reset_state()
        try:
            yield
        finally:
            for layer, (stateful, state) in zip(self.rnns, saved):
                layer.stateful = stateful
                layer.set_state(state)

    def generate(self, start_ids, length, *, temperature=1.0, rng=None):
        """Read start_ids, then produce `length` more token ids, each fed back in; returns them (length,)."""
        start = check_token_ids(np.atleast_1d(start_ids), self.vocab_size, "RNNLM.generate", "start ids", ndim=1)
        length = _check_int("RNNLM.generate", "length", length, 0)
        out = np.empty(length, dtype=np.int64)
        with self._fresh_state():
            scores = self.predict(start[None])[0, -1]  # (V,): the prediction after the last start token
            for k in range(length):
                out[k] = sample_next(scores, temperature=temperature, rng=rng)
                scores = self.predict(out[None, k:k + 1])[0, -1]
        return out


def evaluate_perplexity(model, ids, *, batch_size, T):
    """exp(mean cross-entropy) of the model over ids, read in BPTT chunks from a fresh state."""
    with model._fresh_state():
        losses = [model.forward(xs, ts) for xs, ts in bptt_batches(ids, batch_size, T)]
    return float(np.exp(np.mean(losses)))


def train_lm(model, optimizer, ids, *, epochs, batch_size, T, max_norm=None, val_ids=None):
    """Truncated BPTT over ids for `epochs` passes; return a dict of per-epoch train (and val) perplexity.

    Each epoch starts from a fresh state; within it the state carries from chunk to chunk and the
    gradient stops at every chunk boundary. With max_norm, gradients are clipped to that global norm.
    """
    history = {"train": [], "val": [], "grad_norm": []}
    for _ in range(_check_int("train_lm", "epochs", epochs, 1)):
        model.reset_state()
        losses, norms = [], []
        for xs, ts in bptt_batches(ids, batch_size, T):
            losses.append(model.forward(xs, ts))
            model.backward()
            if max_norm is not None:
                norms.append(clip_grads(model.grads, max_norm))
            optimizer.update(model.params, model.grads)
        history["train"].append(float(np.exp(np.mean(losses))))
        history["grad_norm"].append(float(np.mean(norms)) if norms else float("nan"))
        if val_ids is not None:
            history["val"].append(evaluate_perplexity(model, val_ids, batch_size=batch_size, T=T))
    model.reset_state()
    return history
