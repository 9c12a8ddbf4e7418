"""Checkers for the exercises of section 1.3 (training the network).

Like the other checkers, each one runs the reader's function on hidden seeded cases, compares the result with
a reference built from lib, prints one sentence that names the likely mistake and returns a `CheckResult`.
"""
import numpy as np

from . import _call_reader, _fn_name, _num
from ._wrap import check_callable as _check_callable, finish as _finish

__all__ = ["check_early_stopping"]


# ------------------------------------------------------------------------------------------- early stopping
def _early_stopping_case(seed):
    """A small noisy spiral split into training and validation parts, and a fresh network to train on it."""
    from ..datasets import spiral, train_test_split
    from ..models import TwoLayerNet
    from ..optim import Adam

    rng = np.random.default_rng(seed)
    x, t = spiral(40, 3, rng=rng, noise=0.2)
    wrong = rng.choice(len(t), size=10, replace=False)
    t = t.copy()
    t[wrong] = (t[wrong] + rng.integers(1, 3, size=10)) % 3  # wrong labels make the validation loss turn up
    x_train, t_train, x_val, t_val = train_test_split(x, t, test_fraction=0.4, rng=rng)

    def fresh():
        """The same untrained network, optimiser and generator every time it is called."""
        net_rng = np.random.default_rng(seed + 1)
        model = TwoLayerNet(2, 40, 3, rng=net_rng, weight_scale=3.0)
        model.params[2][...] *= 0.1  # W2 small: the first predictions are not overconfident
        return model, Adam(lr=0.05), net_rng

    return fresh, (x_train, t_train, x_val, t_val)


def early_stopping_reference(model, optimizer, x_train, t_train, x_val, t_val, *, epochs, batch_size, rng):
    """Train one epoch at a time; return (best_epoch, val_losses) and leave the best epoch's weights in model."""
    from ..train import fit

    val_losses, best_epoch, best_params = [], None, None
    for epoch in range(1, epochs + 1):
        fit(model, optimizer, x_train, t_train, epochs=1, batch_size=batch_size, rng=rng)
        val_losses.append(model.forward(x_val, t_val))
        if best_epoch is None or val_losses[-1] < val_losses[best_epoch - 1]:
            best_epoch, best_params = epoch, [p.copy() for p in model.params]
    for p, best in zip(model.params, best_params):
        p[...] = best  # in place: the layers hold these same arrays
    return best_epoch, val_losses


def _layer_params(model):
    """The parameter arrays the layers actually compute with (not the model's list, which a reader may replace)."""
    return [p for layer in model.layers for p in layer.params]


def _same(arrays, others):
    return len(arrays) == len(others) and all(
        np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-10, atol=1e-12) for a, b in zip(arrays, others))


def check_early_stopping(fn):
    """Check fn(model, optimizer, x_train, t_train, x_val, t_val, *, epochs, batch_size, rng) -> (best_epoch,
    val_losses), which must also leave the weights of the best epoch in model."""
    bad = _check_callable(fn, "check_early_stopping")
    if bad is not None:
        return bad
    from ..train import fit

    called = set(getattr(getattr(fn, "__code__", None), "co_names", ()))
    if fn is early_stopping_reference or "early_stopping_reference" in called:
        return _finish(False, f"{_fn_name(fn)} calls the checker's own reference solution; write the loop "
                              "yourself with lib.fit(..., epochs=1, ...).")

    # (seed, epochs, batch_size): full-batch training on 72 points, and minibatches of 24; the validation loss is
    # lowest at epoch 27 and 41 respectively, well before the end and not where the training loss is lowest
    cases = [(1307, 100, 72), (1306, 100, 24)]
    for k, (seed, epochs, batch_size) in enumerate(cases, start=1):
        fresh, data = _early_stopping_case(seed)
        x_train, t_train, x_val, t_val = data
        where = f"on hidden case {k} of {len(cases)} ({epochs} epochs, {len(x_train)} training points)"

        # the reference, with the training losses and the last epoch's weights recorded on the side
        model, optimizer, rng = fresh()
        train_losses, val_ref, snapshots = [], [], []
        for _ in range(epochs):
            fit(model, optimizer, x_train, t_train, epochs=1, batch_size=batch_size, rng=rng)
            train_losses.append(model.forward(x_train, t_train))
            val_ref.append(model.forward(x_val, t_val))
            snapshots.append([p.copy() for p in model.params])
        best = int(np.argmin(val_ref)) + 1
        if best == epochs or best == int(np.argmin(train_losses)) + 1:
            raise RuntimeError("check_early_stopping: a hidden case has no early minimum; this is a bug in the "
                               "checker, not in your function")
        best_params, last_params = snapshots[best - 1], snapshots[-1]

        model, optimizer, rng = fresh()
        ret, _, failure = _call_reader(fn, (model, optimizer, *(np.copy(a) for a in data)), where,
                                       dict(epochs=epochs, batch_size=batch_size, rng=rng))
        if failure is not None:
            return _finish(False, failure)

        if not isinstance(ret, (tuple, list)) or len(ret) != 2:
            return _finish(False, f"{_fn_name(fn)} should return a pair (best_epoch, val_losses), but returned "
                                  f"{type(ret).__name__ if not isinstance(ret, (tuple, list)) else f'{len(ret)} values'}.")
        best_epoch, val_losses = ret
        try:
            val = np.asarray(val_losses, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            return _finish(False, f"val_losses is a {type(val_losses).__name__}, not a list of numbers.")

        # the validation losses, epoch by epoch
        if len(val) != epochs:
            return _finish(False, f"val_losses has {len(val)} entries {where}; expected one per epoch, {epochs}: "
                                  "train one epoch at a time with lib.fit(..., epochs=1, ...) and record "
                                  "model.forward(x_val, t_val) after each.")
        if np.allclose(val, train_losses, rtol=1e-10):
            return _finish(False, "val_losses holds the loss on the training set; the validation loss is "
                                  "model.forward(x_val, t_val).")
        if not np.isclose(val[0], val_ref[0], rtol=1e-10):
            return _finish(False, f"val_losses[0] is {_num(val[0])} {where}, expected {_num(val_ref[0])}: train one "
                                  f"epoch with lib.fit(model, optimizer, x_train, t_train, epochs=1, "
                                  f"batch_size=batch_size, rng=rng), then compute model.forward(x_val, t_val).")
        off = np.flatnonzero(~np.isclose(val, val_ref, rtol=1e-10))
        if off.size:
            e = int(off[0]) + 1
            return _finish(False, f"val_losses agrees up to epoch {e - 1} and then differs {where}: keep training "
                                  f"from where the network stands; copy the best weights back only after the "
                                  f"last epoch.")

        # the best epoch, counted from 1
        try:
            whole = not isinstance(best_epoch, (bool, np.bool_)) and float(best_epoch) == int(best_epoch)
        except (TypeError, ValueError, OverflowError):
            whole = False
        if not whole:
            shown = _num(best_epoch) if isinstance(best_epoch, (float, np.floating)) else repr(best_epoch)
            return _finish(False, f"best_epoch is {shown}; expected the number of the epoch with the smallest "
                                  f"validation loss, a whole number counted from 1 (not the loss itself).")
        best_epoch = int(best_epoch)
        if best_epoch == best - 1:
            return _finish(False, f"best_epoch is {best_epoch}, the index of the smallest entry of val_losses; "
                                  f"epochs count from 1, so the best one is epoch {best}.")
        if best_epoch == int(np.argmin(train_losses)) + 1:
            return _finish(False, f"best_epoch is {best_epoch}, the epoch with the smallest training loss; choose "
                                  f"by the validation loss, which is smallest at epoch {best}.")
        if best_epoch != best:
            return _finish(False, f"best_epoch is {best_epoch} {where}, but the validation loss is smallest at "
                                  f"epoch {best}.")

        # the weights left in the model: those its layers compute with
        in_layers = _layer_params(model)
        if _same(in_layers, best_params):
            continue
        if _same(list(model.params), best_params):
            return _finish(False, "model.params holds the best weights, but the layers still compute with the "
                                  "last epoch's: you replaced the arrays in the list, so write into them in "
                                  "place instead (p[...] = best).")
        if _same(in_layers, last_params):
            return _finish(False, f"the model holds the weights of the last epoch, not of epoch {best}: save "
                                  "copies when the validation loss improves ([p.copy() for p in "
                                  "model.params], since the optimiser changes the arrays in place) and "
                                  "copy them back at the end (p[...] = best).")
        return _finish(False, f"the model's weights after the call are neither those of epoch {best} nor of "
                              f"the last epoch {where}; copy the saved ones back in place (p[...] = best).")
    return _finish(True, f"Passed: best_epoch, val_losses and the restored weights match lib on {len(cases)} "
                         "hidden cases.")
