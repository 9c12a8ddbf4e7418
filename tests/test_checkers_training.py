"""The checker of section 1.3 passes a right answer and names the mistake in typical wrong ones."""
import functools
import types

import lib
from lib.checkers import check_early_stopping
from lib.checkers.training import early_stopping_reference

import checker_runs

run = functools.partial(checker_runs.run, width=76)
expect_fail = functools.partial(checker_runs.expect_fail, width=76)
expect_pass = functools.partial(checker_runs.expect_pass, width=76)


def early_stopping(save_copies=True, restore="in place", choose_by="validation", count_from=1,
                   record="validation", restore_each_epoch=False):
    """An early-stopping function with one deliberate mistake switched on by the arguments."""
    def train_early_stopping(model, optimizer, x_train, t_train, x_val, t_val, *, epochs, batch_size, rng):
        val_losses, train_losses, best_epoch, best_params = [], [], None, None
        for epoch in range(1, epochs + 1):
            lib.fit(model, optimizer, x_train, t_train, epochs=1, batch_size=batch_size, rng=rng)
            train_losses.append(model.forward(x_train, t_train))
            val_losses.append(model.forward(x_val, t_val) if record == "validation" else train_losses[-1])
            watched = val_losses if choose_by == "validation" else train_losses
            if best_epoch is None or watched[-1] < min(watched[:-1]):
                best_epoch = epoch
                best_params = [p.copy() for p in model.params] if save_copies else model.params
            if restore_each_epoch:
                for p, best in zip(model.params, best_params):
                    p[...] = best
        if restore == "in place":
            for p, best in zip(model.params, best_params):
                p[...] = best
        elif restore == "rebind":
            model.params = best_params
        return best_epoch - 1 + count_from, val_losses
    return train_early_stopping


def test_right_answers_pass(capsys):
    expect_pass(check_early_stopping, early_stopping(), capsys)
    # the reference itself, under another name (the checker refuses a function that calls it by its own)
    reference = types.FunctionType(early_stopping_reference.__code__, early_stopping_reference.__globals__,
                                   "reference", early_stopping_reference.__defaults__)
    reference.__kwdefaults__ = early_stopping_reference.__kwdefaults__
    expect_pass(check_early_stopping, reference, capsys)


def test_calling_the_reference_is_refused(capsys):
    def cheat(*args, **kwargs):
        return early_stopping_reference(*args, **kwargs)

    expect_fail(check_early_stopping, cheat, capsys, "reference solution", "write the loop yourself")
    expect_fail(check_early_stopping, early_stopping_reference, capsys, "reference solution")


def test_typical_mistakes_are_named(capsys):
    expect_fail(check_early_stopping, early_stopping(save_copies=False), capsys,
                "weights of the last epoch", "p.copy()")
    expect_fail(check_early_stopping, early_stopping(restore="none"), capsys, "weights of the last epoch")
    expect_fail(check_early_stopping, early_stopping(restore="rebind"), capsys,
                "layers still compute", "in place")
    expect_fail(check_early_stopping, early_stopping(choose_by="training"), capsys,
                "smallest training loss", "validation loss")
    expect_fail(check_early_stopping, early_stopping(count_from=0), capsys, "epochs count from 1")
    expect_fail(check_early_stopping, early_stopping(record="training"), capsys, "loss on the training set")
    expect_fail(check_early_stopping, early_stopping(restore_each_epoch=True), capsys,
                "agrees up to epoch", "only after the last epoch")


def test_the_stub_and_other_shapes_of_wrong(capsys):
    def stub(model, optimizer, x_train, t_train, x_val, t_val, *, epochs, batch_size, rng):
        val_losses = []
        best_epoch = None
        return best_epoch, val_losses

    expect_fail(check_early_stopping, stub, capsys, "val_losses has 0 entries", "one per epoch")

    def one_fit(model, optimizer, x_train, t_train, x_val, t_val, *, epochs, batch_size, rng):
        lib.fit(model, optimizer, x_train, t_train, epochs=epochs, batch_size=batch_size, rng=rng)
        return epochs, [model.forward(x_val, t_val)]

    expect_fail(check_early_stopping, one_fit, capsys, "val_losses has 1 entries")

    def loss_before_training(model, optimizer, x_train, t_train, x_val, t_val, *, epochs, batch_size, rng):
        val_losses = []
        for _ in range(epochs):
            val_losses.append(model.forward(x_val, t_val))  # before the epoch, not after it
            lib.fit(model, optimizer, x_train, t_train, epochs=1, batch_size=batch_size, rng=rng)
        return 1, val_losses

    expect_fail(check_early_stopping, loss_before_training, capsys, "val_losses[0] is")
    def loss_not_epoch(model, optimizer, x_train, t_train, x_val, t_val, *, epochs, batch_size, rng):
        best_epoch, val_losses = early_stopping()(model, optimizer, x_train, t_train, x_val, t_val,
                                                  epochs=epochs, batch_size=batch_size, rng=rng)
        return min(val_losses), val_losses  # the best loss instead of its epoch

    expect_fail(check_early_stopping, loss_not_epoch, capsys, "a whole number", "not the loss itself")
    expect_fail(check_early_stopping, lambda *a, **k: (None, []), capsys, "val_losses has 0 entries")
    expect_fail(check_early_stopping, lambda *a, **k: None, capsys, "should return a pair")
    expect_fail(check_early_stopping, lambda *a, **k: 1 / 0, capsys, "raised ZeroDivisionError")

    def not_done(*args, **kwargs):
        raise NotImplementedError

    expect_fail(check_early_stopping, not_done, capsys, "not done yet")
    expect_fail(check_early_stopping, "train_early_stopping", capsys, "needs a function")
