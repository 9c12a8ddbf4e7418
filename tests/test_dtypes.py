"""The dtype rule (lib/__init__.py): float32, integer or bool input in, float64 out, for every public name.

Each case calls one public name with arrays of the dtype under test and returns everything it produced: outputs,
gradients, parameters, optimiser state. Every floating array among them must be float64. A new public name
needs a case here, or a line in NO_FLOAT_OUTPUT saying why it has none.
"""
import inspect

import numpy as np
import pytest

import lib
from lib import conv

NO_FLOAT_OUTPUT = {
    "Layer": "the abstract base class; every concrete layer has a case",
    "output_size": "returns an int",
    "conv_params_and_flops": "returns ints",
    "affine_params_and_flops": "returns ints",
    "sliding_kernel": "returns a widget, not arrays (its inputs go through as_float_array)",
    "gradient_decay": "returns a widget; it takes no arrays (its numbers come from lib.gradient_flow)",
    "sample_next": "returns token ids (ints); its scores go through float64",
    "load_shakespeare": "returns a string",
    "CharVocab": "maps text to integer token ids and back",
    "bptt_batches": "yields integer token ids",
}


class Arrays:
    """Arrays of one dtype: float32 from a normal draw, integers in [-3, 3], or bools."""

    def __init__(self, dtype):
        self.dtype, self.rng = dtype, np.random.default_rng(0)

    def __call__(self, *shape):
        if self.dtype == np.float32:
            return self.rng.standard_normal(shape).astype(np.float32)
        if self.dtype == np.bool_:
            return self.rng.random(shape) < 0.5
        return self.rng.integers(-3, 4, shape).astype(self.dtype)


def run_layer(layer, *inputs, dout):
    """Forward and backward once; return the output, the input gradients, the params and the grads."""
    y = layer.forward(*inputs)
    back = layer.backward(dout(*np.shape(y)) if np.ndim(y) else 1)
    return [y, *(back if isinstance(back, tuple) else (back,)), *layer.params, *layer.grads]


def run_optimiser(opt, a):
    p = np.zeros(4)
    opt.update([p], [a(4)])
    opt.update([p], [a(4)])
    return [p, *(v for s in getattr(opt, "state", {}).values() for v in s.values() if isinstance(v, np.ndarray))]


def gradcheck_arrays(a):
    x = np.asarray(a(4, 3), dtype=np.float32)  # an integer input would be held fixed, like a label
    report = lib.gradcheck(lib.Affine(a(3, 2), a(2)), x)
    return [np.array(list(report.errors.values()))]


def run_embedding(a):
    layer = lib.TimeEmbedding(a(5, 3))
    y = layer.forward(np.array([[0, 1], [4, 1]]))
    assert layer.backward(a(2, 2, 3)) is None  # token ids have no gradient
    return [y, *layer.params, *layer.grads]


def run_language_model(a):
    model = lib.RNNLM(5, 3, 4, rng=np.random.default_rng(0))
    ids = np.array([[0, 1, 2], [4, 3, 1]])
    loss = model.forward(ids, ids[:, ::-1])
    model.backward()
    return [np.float64(loss), *model.params, *model.grads]


def run_lstm_step(a):
    layer = lib.LSTM(a(3, 8), a(2, 8), a(8))
    h, c = layer.forward(a(2, 3), a(2, 2), a(2, 2))
    return [h, c, *layer.backward(a(2, 2), a(2, 2)), *layer.params, *layer.grads]


def run_clip_grads(a):
    grads = [np.asarray(a(3, 2), dtype=np.float64), np.asarray(a(2), dtype=np.float64)]
    return [np.float64(lib.clip_grads(grads, 0.5)), *grads]


def run_train_lm(a):
    model = lib.RNNLM(4, 3, 4, rng=np.random.default_rng(0))
    ids = np.arange(40) % 4
    hist = lib.train_lm(model, lib.SGD(0.1), ids, epochs=1, batch_size=2, T=5, max_norm=1.0, val_ids=ids)
    ppl = lib.evaluate_perplexity(model, ids, batch_size=2, T=5)
    return [np.array(v) for v in hist.values()] + [np.float64(ppl), *model.params]


def cnn(a):
    return lib.Sequential([conv.Conv2D(a(2, 1, 3, 3), a(2), pad=1), lib.ReLU(), lib.Flatten(),
                           lib.Affine(a(2 * 16, 3), a(3))])


CASES = {
    "sigmoid": lambda a: [lib.sigmoid(a(3, 4))],
    "softmax": lambda a: [lib.softmax(a(3, 4))],
    "log_softmax": lambda a: [lib.log_softmax(a(3, 4), axis=0)],
    "cross_entropy": lambda a: [np.float64(lib.cross_entropy(a(3, 4), [0, 3, 1]))],
    "one_hot": lambda a: [lib.one_hot(np.array([0, 2, 1], dtype=np.int32), 3)],
    "MatMul": lambda a: run_layer(lib.MatMul(a(4, 3)), a(5, 4), dout=a),
    "Affine": lambda a: run_layer(lib.Affine(a(4, 3), a(3)), a(5, 4), dout=a),
    "Sigmoid": lambda a: run_layer(lib.Sigmoid(), a(5, 3), dout=a),
    "Tanh": lambda a: run_layer(lib.Tanh(), a(5, 3), dout=a),
    "ReLU": lambda a: run_layer(lib.ReLU(), a(5, 3), dout=a),
    "Softmax": lambda a: run_layer(lib.Softmax(), a(5, 3), dout=a),
    "SoftmaxWithLoss": lambda a: run_layer(lib.SoftmaxWithLoss(), a(5, 3), np.array([0, 1, 2, 1, 0]), dout=a),
    "Flatten": lambda a: run_layer(lib.Flatten(), a(2, 3, 2, 2), dout=a),
    "Add": lambda a: run_layer(lib.Add(), a(3, 4), a(3, 4), dout=a),
    "Mul": lambda a: run_layer(lib.Mul(), a(3, 4), a(3, 4), dout=a),
    "Repeat": lambda a: run_layer(lib.Repeat(3), a(1, 4), dout=a),
    "Sum": lambda a: run_layer(lib.Sum(axis=1), a(3, 4), dout=a),
    "Conv2D": lambda a: run_layer(conv.Conv2D(a(2, 3, 3, 3), a(2), pad=1), a(2, 3, 4, 4), dout=a),
    "Sequential": lambda a: run_layer(cnn(a), a(3, 1, 4, 4), np.array([0, 2, 1]), dout=a),
    "TwoLayerNet": lambda a: run_layer(lib.TwoLayerNet(2, 3, 3, rng=np.random.default_rng(0)), a(4, 2),
                                       np.array([0, 1, 2, 0]), dout=a),
    "SGD": lambda a: run_optimiser(lib.SGD(0.1), a),
    "Adam": lambda a: run_optimiser(lib.Adam(0.1), a),
    "fit": lambda a: [lib.fit(lib.TwoLayerNet(2, 3, 3, rng=np.random.default_rng(0)), lib.SGD(0.1), a(6, 2),
                              np.array([0, 1, 2, 0, 1, 2]), epochs=2, batch_size=3, rng=np.random.default_rng(0))],
    "accuracy": lambda a: [np.float64(lib.accuracy(lib.TwoLayerNet(2, 3, 3, rng=np.random.default_rng(0)), a(4, 2),
                                                   [0, 1, 2, 0]))],
    "gradcheck": gradcheck_arrays,
    "numerical_gradient": lambda a: [lib.numerical_gradient(lambda: 0.0, np.zeros(2))],  # x must be float64
    "rel_error": lambda a: [np.float64(lib.rel_error(a(3), a(3)))],
    "spiral": lambda a: list(lib.spiral(5, 3, rng=np.random.default_rng(0))),
    "bars": lambda a: list(lib.bars(4, 5, rng=np.random.default_rng(0))),
    "sample_image": lambda a: [lib.sample_image(16)],
    "load_digits": lambda a: [lib.load_digits()[0]],
    "train_test_split": lambda a: list(lib.train_test_split(a(6, 2), np.array([0, 1, 0, 1, 0, 1]), test_fraction=0.4,
                                                            rng=np.random.default_rng(0)))[::2],
    "correlate1d": lambda a: [lib.correlate1d(a(6), a(3))],
    "convolve1d": lambda a: [lib.convolve1d(a(6), a(3), mode="full")],
    "conv1d": lambda a: [lib.conv1d(a(2, 3, 6), a(4, 3, 3), a(4), pad=1)],
    "conv1d_backward": lambda a: list(lib.conv1d_backward(a(2, 4, 6), a(2, 3, 6), a(4, 3, 3), pad=1)),
    "conv2d": lambda a: [lib.conv2d(a(2, 3, 5, 5), a(4, 3, 3, 3), a(4), pad=1)],
    "conv2d_backward": lambda a: list(lib.conv2d_backward(a(2, 4, 5, 5), a(2, 3, 5, 5), a(4, 3, 3, 3), pad=1)),
    "conv2d_loop": lambda a: [lib.conv2d_loop(a(1, 2, 4, 4), a(3, 2, 3, 3), a(3))],
    "conv2d_backward_loop": lambda a: list(lib.conv2d_backward_loop(a(1, 3, 2, 2), a(1, 2, 4, 4), a(3, 2, 3, 3))),
    "im2col": lambda a: [lib.im2col(a(2, 3, 4, 4), 3, 3, pad=1)],
    "col2im": lambda a: [lib.col2im(a(2 * 16, 3 * 3 * 3), (2, 3, 4, 4), 3, 3, pad=1)],
    "conv_transpose2d": lambda a: [lib.conv_transpose2d(a(2, 4, 3, 3), a(4, 3, 2, 2), stride=2)],
    "conv_matrix": lambda a: [lib.conv_matrix(a(2, 3, 3, 3), (3, 4, 4), pad=1)],
    "max_pool2d": lambda a: [lib.max_pool2d(a(2, 3, 5, 5), 3, 2)],
    "max_pool2d_backward": lambda a: [lib.max_pool2d_backward(a(2, 3, 2, 2), a(2, 3, 5, 5), 3, 2)],
    "avg_pool2d": lambda a: [lib.avg_pool2d(a(2, 3, 4, 4), 2)],
    "avg_pool2d_backward": lambda a: [lib.avg_pool2d_backward(a(2, 3, 2, 2), a(2, 3, 4, 4), 2)],
    "MaxPool2D": lambda a: run_layer(lib.MaxPool2D(2), a(2, 3, 4, 6), dout=a),
    "AvgPool2D": lambda a: run_layer(lib.AvgPool2D(3, 1), a(2, 3, 4, 5), dout=a),
    "GlobalAvgPool": lambda a: run_layer(lib.GlobalAvgPool(), a(2, 3, 4, 5), dout=a),
    "RNN": lambda a: run_layer(lib.RNN(a(3, 4), a(4, 4), a(4)), a(2, 3), a(2, 4), dout=a),
    "TimeRNN": lambda a: run_layer(lib.TimeRNN(a(3, 4), a(4, 4), a(4)), a(2, 5, 3), dout=a),
    "TimeEmbedding": run_embedding,
    "TimeAffine": lambda a: run_layer(lib.TimeAffine(a(3, 4), a(4)), a(2, 5, 3), dout=a),
    "TimeSoftmaxWithLoss": lambda a: run_layer(lib.TimeSoftmaxWithLoss(), a(2, 3, 4),
                                               np.array([[0, 1, 2], [3, 0, 1]]), dout=a),
    "RNNLM": run_language_model,
    "clip_grads": run_clip_grads,
    "train_lm": run_train_lm,
    "evaluate_perplexity": run_train_lm,
    "LSTM": run_lstm_step,
    "GRU": lambda a: run_layer(lib.GRU(a(3, 6), a(2, 6), a(6)), a(2, 3), a(2, 2), dout=a),
    "TimeLSTM": lambda a: run_layer(lib.TimeLSTM(a(3, 8), a(2, 8), a(8)), a(2, 4, 3), dout=a),
    "TimeGRU": lambda a: run_layer(lib.TimeGRU(a(3, 6), a(2, 6), a(6)), a(2, 4, 3), dout=a),
    "unfuse_gates": lambda a: [v for d in lib.unfuse_gates(a(3, 8), a(2, 8), a(8), "figo") for v in d.values()],
    "fuse_gates": lambda a: list(lib.fuse_gates(*lib.unfuse_gates(a(3, 8), a(2, 8), a(8), "figo"), "figo")),
    "lstm_step_reference": lambda a: list(lib.lstm_step_reference(
        a(2, 3), a(2, 2), a(2, 2), *lib.unfuse_gates(a(3, 8), a(2, 8), a(8), "figo"))),
    "gru_step_reference": lambda a: [lib.gru_step_reference(
        a(2, 3), a(2, 2), *lib.unfuse_gates(a(3, 6), a(2, 6), a(6), "rzg"))],
}


def public_names():
    return sorted(n for n, v in vars(lib).items() if not n.startswith("_") and not inspect.ismodule(v))


def test_every_public_name_has_a_dtype_case():
    missing = [n for n in public_names() if n not in CASES and n not in NO_FLOAT_OUTPUT]
    assert not missing, f"public names without a case in tests/test_dtypes.py: {missing}"
    assert not set(CASES) - set(public_names()), "a case for a name lib does not export"


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, np.bool_], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(CASES))
def test_float64_out(name, dtype):
    arrays = CASES[name](Arrays(dtype))
    assert arrays, "the case returned nothing to check"
    for k, out in enumerate(arrays):
        out = np.asarray(out)
        if not np.issubdtype(out.dtype, np.integer):  # labels and sizes stay integers
            assert out.dtype == np.float64, f"{name}: output {k} is {out.dtype}"


def test_float32_input_gives_the_float64_answer():
    """Converting first means float32 input gives the float64 result for the float32 values, not a float32 result."""
    x32 = np.random.default_rng(1).standard_normal((2, 3, 5, 5)).astype(np.float32)
    w32 = np.random.default_rng(2).standard_normal((4, 3, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(lib.conv2d(x32, w32), lib.conv2d(x32.astype(np.float64), w32.astype(np.float64)))
