"""Bad input gets one clear sentence: the exception type, and a message that names the function and the culprit.

One row per bad input: (call, exception type, text the message must contain). The type must match exactly, so a
raw numpy error that merely subclasses ValueError (AxisError, say) fails the row. Convolution's own table of
size and shape errors is `test_conv.py::test_clear_errors`.
"""
import re

import numpy as np
import pytest

import lib
from lib.conv import Conv2D, col2im, conv2d_backward, conv_matrix, conv_transpose2d


def after_forward(layer, *inputs):
    """The layer after one forward pass, ready for a backward call."""
    layer.forward(*inputs)
    return layer


def net():
    return lib.TwoLayerNet(2, 4, 3, rng=np.random.default_rng(0))


def nan_at(shape, index):
    a = np.ones(shape)
    a[index] = np.nan
    return a


def read_only(a):
    a.flags.writeable = False
    return a


def fit(**kw):
    x, t = lib.spiral(4, 3, rng=np.random.default_rng(0))
    args = dict(epochs=1, batch_size=4, rng=np.random.default_rng(0)) | kw
    return lib.fit(net(), lib.SGD(0.1), x, t, **args)


S = np.zeros((3, 3))  # scores of 3 rows over 3 classes
SCORES4 = np.zeros((4, 3))
CONV = (np.ones((2, 1, 3, 3)), np.ones(2))  # Conv2D weights and bias

ROWS = [
    # ---- train/test split ---------------------------------------------------------------------------------
    ("train_test_split fraction", lambda: lib.train_test_split(S, [0, 1, 2], test_fraction=1.5,
                                                               rng=np.random.default_rng(0)),
     ValueError, "train_test_split: test_fraction must be between 0 and 1 (exclusive), got 1.5"),
    ("train_test_split rows", lambda: lib.train_test_split(S, [0, 1], test_fraction=0.5, rng=np.random.default_rng(0)),
     ValueError, "train_test_split: x needs one row per label; got x of shape (3, 3) and t of shape (2,)"),
    ("train_test_split tiny class", lambda: lib.train_test_split(S, [0, 1, 1], test_fraction=0.5,
                                                                 rng=np.random.default_rng(0)),
     ValueError, "train_test_split: class 0 has 1 examples, too few"),
    ("train_test_split float labels", lambda: lib.train_test_split(S, [0.0, 1.0, 1.0], test_fraction=0.5,
                                                                   rng=np.random.default_rng(0)),
     TypeError, "train_test_split: labels t must be integers, got dtype float64"),
    # ---- labels: no silent wrong answers, no raw IndexError -----------------------------------------------
    ("cross_entropy negative label", lambda: lib.cross_entropy(S, [0, -1, 2]),
     ValueError, "cross_entropy: label -1 at index 1 is out of range for 3 classes"),
    ("cross_entropy label too large", lambda: lib.cross_entropy(S, [0, 3, 2]),
     ValueError, "cross_entropy: label 3 at index 1 is out of range for 3 classes"),
    ("one_hot negative label", lambda: lib.one_hot([0, -1], 3),
     ValueError, "one_hot: label -1 at index 1 is out of range for 3 classes"),
    ("one_hot label too large", lambda: lib.one_hot([0, 5], 3),
     ValueError, "one_hot: label 5 at index 1 is out of range for 3 classes"),
    ("SoftmaxWithLoss label too large", lambda: lib.SoftmaxWithLoss().forward(SCORES4, np.array([0, 1, 5, 2])),
     ValueError, "SoftmaxWithLoss: label 5 at index 2 is out of range for 3 classes"),
    ("SoftmaxWithLoss negative label", lambda: lib.SoftmaxWithLoss().forward(S, [0, -1, 2]),
     ValueError, "SoftmaxWithLoss: label -1 at index 1 is out of range for 3 classes"),
    ("SoftmaxWithLoss label count", lambda: lib.SoftmaxWithLoss().forward(SCORES4, np.array([0, 1, 2])),
     ValueError, "SoftmaxWithLoss: 3 labels for a batch of 4 rows"),
    ("cross_entropy float labels", lambda: lib.cross_entropy(S, [0.0, 1.0, 2.0]),
     TypeError, "cross_entropy: class labels must be integers, got dtype float64"),
    ("SoftmaxWithLoss float labels", lambda: lib.SoftmaxWithLoss().forward(S, [0.0, 1.5, 2.0]),
     TypeError, "SoftmaxWithLoss: class labels must be integers, got dtype float64"),
    ("one_hot float labels", lambda: lib.one_hot([0.0, 1.0], 3),
     TypeError, "one_hot: class labels must be integers, got dtype float64"),
    ("cross_entropy string labels", lambda: lib.cross_entropy(S, ["a", "b", "c"]),
     TypeError, "cross_entropy: class labels must be integers, got dtype <U1"),
    ("SoftmaxWithLoss string labels", lambda: lib.SoftmaxWithLoss().forward(S, ["0", "1", "2"]),
     TypeError, "SoftmaxWithLoss: class labels must be integers, got dtype <U1"),
    ("one_hot string labels", lambda: lib.one_hot(["cat"], 3),
     TypeError, "one_hot: class labels must be integers, got dtype <U3"),
    ("one_hot n_classes float", lambda: lib.one_hot([0, 1], 2.5),
     TypeError, "one_hot: n_classes must be an integer, got 2.5"),
    ("all-zero one-hot row", lambda: lib.SoftmaxWithLoss().forward(S, [[1, 0, 0], [0, 0, 0], [0, 0, 1]]),
     ValueError, "SoftmaxWithLoss: row 1 of the 2-D labels sums to 0"),
    ("all-zero one-hot row, cross_entropy", lambda: lib.cross_entropy(S, [[1, 0, 0], [0, 1, 0], [0, 0, 0]]),
     ValueError, "cross_entropy: row 2 of the 2-D labels sums to 0"),
    ("integer row that is not one-hot", lambda: lib.SoftmaxWithLoss().forward(S, [[1, 0, 0], [0, 2, 0], [0, 0, 1]]),
     ValueError, "SoftmaxWithLoss: row 1 of the 2-D labels sums to 2"),
    ("negative entry in 2-D labels", lambda: lib.cross_entropy(S, [[1, 0, 0], [1.5, -0.5, 0], [0, 0, 1]]),
     ValueError, "cross_entropy: 2-D labels hold -0.5 at index (1, 1)"),
    ("probability rows not summing to 1", lambda: lib.cross_entropy(S, np.full((3, 3), 0.3)),
     ValueError, "cross_entropy: row 0 of the 2-D labels sums to 0.9"),
    ("2-D labels with nan", lambda: lib.SoftmaxWithLoss().forward(S, nan_at((3, 3), (2, 1))),
     ValueError, "SoftmaxWithLoss: 2-D labels contains nan at index (2, 1)"),
    ("2-D labels, wrong number of columns", lambda: lib.SoftmaxWithLoss().forward(S, np.eye(4)[:3]),
     ValueError, "SoftmaxWithLoss: one-hot labels have 4 columns, scores have 3 classes"),
    ("one_hot of probability rows", lambda: lib.one_hot(np.full((2, 2), 0.5), 2),
     ValueError, "one_hot: takes class indices or one-hot rows, not rows of class probabilities"),
    ("accuracy label out of range", lambda: lib.accuracy(net(), np.zeros((2, 2)), [0, 7]),
     ValueError, "accuracy: label 7 at index 1 is out of range for 3 classes"),

    # ---- backward before forward: one RuntimeError wording for every layer, node and model --------------------
    *[(f"{name}.backward before forward", (lambda make=make: make().backward(np.ones((2, 3)))),
       RuntimeError, f"{name}.backward: call forward first")
      for name, make in [("MatMul", lambda: lib.MatMul(np.ones((3, 3)))),
                         ("Affine", lambda: lib.Affine(np.ones((3, 3)), np.zeros(3))),
                         ("Sigmoid", lib.Sigmoid), ("Tanh", lib.Tanh), ("ReLU", lib.ReLU), ("Softmax", lib.Softmax),
                         ("SoftmaxWithLoss", lib.SoftmaxWithLoss), ("Flatten", lib.Flatten), ("Add", lib.Add),
                         ("Mul", lib.Mul), ("Repeat", lambda: lib.Repeat(2)), ("Sum", lib.Sum),
                         ("Conv2D", lambda: Conv2D(*CONV)), ("MaxPool2D", lambda: lib.MaxPool2D(2)),
                         ("AvgPool2D", lambda: lib.AvgPool2D(2)), ("GlobalAvgPool", lib.GlobalAvgPool),
                         ("TwoLayerNet", net),
                         ("Sequential", lambda: lib.Sequential([lib.Sigmoid()]))]],
    ("SoftmaxWithLoss.backward() before forward", lambda: lib.SoftmaxWithLoss().backward(),
     RuntimeError, "SoftmaxWithLoss.backward: call forward first"),

    # ---- pooling: the whole-size rule, window and stride, shapes ---------------------------------------------
    ("MaxPool2D window does not tile", lambda: lib.MaxPool2D(3, 2).forward(np.zeros((1, 1, 8, 8))),
     ValueError, "MaxPool2D: a 3x3 window with stride 2 does not fit an 8x8 input exactly: height (8 - 3) / 2 = 2.5 "
                 "is not a whole number (7 or 9 would fit)"),
    ("AvgPool2D width does not tile", lambda: lib.AvgPool2D(2).forward(np.zeros((2, 3, 4, 7))),
     ValueError, "AvgPool2D: a 2x2 window does not fit a 4x7 input exactly: width (7 - 2) / 2 = 2.5 is not a whole "
                 "number (6 or 8 would fit)"),
    ("max_pool2d window larger than input", lambda: lib.max_pool2d(np.zeros((1, 1, 2, 2)), 3),
     ValueError, "max_pool2d: a 3x3 window does not fit in a 2x2 input: the window is larger than the input"),
    ("MaxPool2D non-integer size", lambda: lib.MaxPool2D(2.0),
     TypeError, "MaxPool2D: size must be an integer, got 2.0"),
    ("AvgPool2D stride 0", lambda: lib.AvgPool2D(2, stride=0),
     ValueError, "AvgPool2D: stride must be a positive integer, got 0"),
    ("avg_pool2d size 0", lambda: lib.avg_pool2d(np.zeros((1, 1, 4, 4)), 0),
     ValueError, "avg_pool2d: size must be a positive integer, got 0"),
    ("MaxPool2D 3-D input", lambda: lib.MaxPool2D(2).forward(np.zeros((1, 4, 4))),
     ValueError, "MaxPool2D: input x (N, C, H, W) must be 4-D, got shape (1, 4, 4)"),
    ("GlobalAvgPool 2-D input", lambda: lib.GlobalAvgPool().forward(np.zeros((4, 4))),
     ValueError, "GlobalAvgPool: input x (N, C, H, W) must be 4-D, got shape (4, 4)"),
    ("max_pool2d nan input", lambda: lib.max_pool2d(nan_at((1, 1, 2, 2), (0, 0, 1, 0)), 2),
     ValueError, "max_pool2d: input x (N, C, H, W) contains nan at index (0, 0, 1, 0)"),
    ("max_pool2d_backward dout shape", lambda: lib.max_pool2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 6, 6)),
                                                                       2),
     ValueError, "max_pool2d_backward: upstream gradient has shape (1, 1, 2, 2), the forward output has shape "
                 "(1, 1, 3, 3)"),
    ("MaxPool2D.backward dout shape", lambda: after_forward(lib.MaxPool2D(2), np.ones((1, 2, 4, 4))).backward(
        np.ones((1, 2, 4, 4))),
     ValueError, "MaxPool2D.backward: upstream gradient has shape (1, 2, 4, 4), the forward output had shape "
                 "(1, 2, 2, 2)"),
    ("GlobalAvgPool.backward nan dout", lambda: after_forward(lib.GlobalAvgPool(), np.ones((2, 3, 4, 4))).backward(
        nan_at((2, 3), (1, 2))),
     ValueError, "GlobalAvgPool.backward: upstream gradient dout contains nan at index (1, 2)"),

    # ---- upstream gradients: the layer agrees with the function --------------------------------------------
    ("Conv2D.backward nan dout", lambda: after_forward(Conv2D(*CONV), np.ones((1, 1, 4, 4))).backward(
        nan_at((1, 2, 2, 2), (0, 0, 0, 0))),
     ValueError, "Conv2D.backward: upstream gradient dout contains nan at index (0, 0, 0, 0)"),
    ("conv2d_backward nan dout", lambda: conv2d_backward(nan_at((1, 2, 2, 2), (0, 0, 0, 0)), np.ones((1, 1, 4, 4)),
                                                         CONV[0]),
     ValueError, "conv2d_backward: upstream gradient dout contains nan at index (0, 0, 0, 0)"),
    ("Affine.backward inf dout", lambda: after_forward(lib.Affine(np.ones((2, 3)), np.zeros(3)), np.ones((4, 2)))
     .backward(np.full((4, 3), np.inf)),
     ValueError, "Affine.backward: upstream gradient dout contains inf at index (0, 0)"),
    ("Sigmoid.backward string dout", lambda: after_forward(lib.Sigmoid(), np.ones(2)).backward(["a", "b"]),
     TypeError, "Sigmoid.backward: upstream gradient dout must be numeric, got dtype <U1"),
    ("Affine.backward wrong dout shape", lambda: after_forward(lib.Affine(np.ones((3, 2)), np.zeros(2)),
                                                               np.ones((4, 3))).backward(np.ones((4, 3))),
     ValueError, "Affine.backward: upstream gradient has shape (4, 3), the forward output had shape (4, 2)"),

    # ---- inputs --------------------------------------------------------------------------------------------
    ("complex input", lambda: lib.sigmoid(np.array([1 + 2j])),
     TypeError, "sigmoid: input must be real, got dtype complex128"),
    ("complex layer input", lambda: lib.Affine(np.ones((2, 3)), np.zeros(3)).forward(np.ones((1, 2)) * 1j),
     TypeError, "Affine: input must be real, got dtype complex128"),
    ("string input", lambda: lib.Sigmoid().forward(["a", "b"]),
     TypeError, "Sigmoid: input must be numeric, got dtype <U1"),
    ("ragged input", lambda: lib.Tanh().forward([[1.0, 2.0], [3.0]]),
     ValueError, "Tanh: input is not a rectangular array (its rows have different lengths)"),
    ("nan input", lambda: lib.Sigmoid().forward(nan_at((2, 3), (1, 2))),
     ValueError, "Sigmoid: input contains nan at index (1, 2)"),
    ("empty batch", lambda: lib.Affine(np.ones((2, 3)), np.zeros(3)).forward(np.ones((0, 2))),
     ValueError, "Affine: input is empty (shape (0, 2))"),
    ("Affine input features", lambda: lib.Affine(np.ones((2, 4)), np.zeros(4)).forward(np.ones((5, 3))),
     ValueError, "Affine: input has 3 features, W expects 2"),
    ("MatMul 1-D input", lambda: lib.MatMul(np.ones((3, 2))).forward(np.ones(3)),
     ValueError, "MatMul: input must be 2-D, got shape (3,)"),
    ("Affine bias shape", lambda: lib.Affine(np.ones((2, 4)), np.ones(3)),
     ValueError, "Affine: W must be (D, H) and b (H,), got W (2, 4) and b (3,)"),
    ("Add shapes", lambda: lib.Add().forward(np.ones((2, 3)), np.ones(3)),
     ValueError, "Add: x has shape (2, 3), y has shape (3,)"),
    ("softmax axis", lambda: lib.softmax(np.ones((2, 3)), axis=2),
     ValueError, "softmax: axis 2 is out of range for input of shape (2, 3)"),
    ("log_softmax axis", lambda: lib.log_softmax(np.ones((2, 3)), axis=-3),
     ValueError, "log_softmax: axis -3 is out of range for input of shape (2, 3)"),

    # ---- nodes -----------------------------------------------------------------------------------------------
    ("Repeat non-integer n", lambda: lib.Repeat(n=2.7),
     TypeError, "Repeat: n must be an integer, got 2.7"),
    ("Repeat n = 0", lambda: lib.Repeat(0),
     ValueError, "Repeat: n must be >= 1, got 0"),
    ("Repeat non-integer axis", lambda: lib.Repeat(2, axis=1.0),
     TypeError, "Repeat: axis must be an integer, got 1.0"),
    ("Repeat axis out of range", lambda: lib.Repeat(2, axis=2).forward(np.ones((1, 3))),
     ValueError, "Repeat: axis 2 is out of range for input of shape (1, 3)"),
    ("Repeat input size", lambda: lib.Repeat(2).forward(np.ones((2, 3))),
     ValueError, "Repeat: input must have size 1 along axis 0, got shape (2, 3)"),
    ("Sum axis out of range", lambda: lib.Sum(axis=2).forward(np.ones((2, 3))),
     ValueError, "Sum: axis 2 is out of range for input of shape (2, 3)"),

    # ---- col2im and other shape arguments ----------------------------------------------------------------------
    ("col2im non-integer KH", lambda: col2im(np.ones((4, 4)), (1, 1, 3, 3), 2.5, 2),
     TypeError, "col2im: KH must be an integer, got 2.5"),
    ("col2im zero KH", lambda: col2im(np.ones((4, 4)), (1, 1, 3, 3), 0, 2),
     ValueError, "col2im: KH must be a positive integer, got 0"),
    ("col2im zero KW", lambda: col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 0),
     ValueError, "col2im: KW must be a positive integer, got 0"),
    ("col2im non-integer x_shape", lambda: col2im(np.ones((4, 4)), (1, 1, 3.5, 3), 2, 2),
     TypeError, "col2im: x_shape entry H must be an integer, got 3.5"),
    ("col2im x_shape length", lambda: col2im(np.ones((4, 4)), (1, 1, 3), 2, 2),
     ValueError, "col2im: x_shape must be (N, C, H, W), got (1, 1, 3)"),
    ("conv_matrix non-integer in_shape", lambda: conv_matrix(np.ones((1, 1, 2, 2)), (1, 4.0, 4)),
     TypeError, "conv_matrix: in_shape entry H must be an integer, got 4.0"),
    ("conv_transpose2d non-integer output_size", lambda: conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
                                                                          output_size=(4.5, 4)),
     TypeError, "conv_transpose2d: output_size must be an integer, got 4.5"),

    # ---- optimisers ------------------------------------------------------------------------------------------
    ("SGD lr string", lambda: lib.SGD(lr="0.1"), TypeError, "SGD: lr must be a number, got '0.1'"),
    ("SGD lr bool", lambda: lib.SGD(lr=True), TypeError, "SGD: lr must be a number, got True"),
    ("SGD lr zero", lambda: lib.SGD(lr=0), ValueError, "SGD: learning rate must be positive, got 0"),
    ("SGD lr negative", lambda: lib.SGD(lr=-0.1), ValueError, "SGD: learning rate must be positive, got -0.1"),
    ("SGD lr nan", lambda: lib.SGD(lr=np.nan), ValueError, "SGD: learning rate must be finite, got nan"),
    ("SGD lr inf", lambda: lib.SGD(lr=np.inf), ValueError, "SGD: learning rate must be finite, got inf"),
    ("Adam lr zero", lambda: lib.Adam(lr=0.0), ValueError, "Adam: learning rate must be positive, got 0.0"),
    ("Adam lr nan", lambda: lib.Adam(lr=float("nan")), ValueError, "Adam: learning rate must be finite, got nan"),
    ("Adam beta1 = 1", lambda: lib.Adam(beta1=1.0), ValueError, "Adam: beta1 must be in [0, 1), got 1.0"),
    ("Adam beta1 < 0", lambda: lib.Adam(beta1=-0.1), ValueError, "Adam: beta1 must be in [0, 1), got -0.1"),
    ("Adam beta2 = 1", lambda: lib.Adam(beta2=1), ValueError, "Adam: beta2 must be in [0, 1), got 1"),
    ("Adam beta2 nan", lambda: lib.Adam(beta2=np.nan), ValueError, "Adam: beta2 must be in [0, 1), got nan"),
    ("Adam beta1 string", lambda: lib.Adam(beta1="0.9"), TypeError, "Adam: beta1 must be a number, got '0.9'"),
    ("Adam eps < 0", lambda: lib.Adam(eps=-1e-8),
     ValueError, "Adam: eps must be a non-negative finite number, got -1e-08"),
    ("Adam eps inf", lambda: lib.Adam(eps=np.inf),
     ValueError, "Adam: eps must be a non-negative finite number, got inf"),
    ("optimiser count mismatch", lambda: lib.SGD(0.1).update([np.zeros(2)], [np.zeros(2), np.zeros(2)]),
     ValueError, "SGD.update: 1 params but 2 grads"),
    ("optimiser shape mismatch", lambda: lib.SGD(0.1).update([np.zeros(2)], [np.zeros(3)]),
     ValueError, "SGD.update: param 0 has shape (2,), its grad has shape (3,)"),
    ("optimiser param not an array", lambda: lib.SGD(0.1).update([1.0], [0.5]),
     TypeError, "SGD.update: param 0 is a float, not a NumPy array"),
    ("optimiser float32 param", lambda: lib.Adam().update([np.zeros(2, np.float32)], [np.ones(2)]),
     TypeError, "Adam.update: param 0 is float32; lib keeps parameters in float64"),
    ("optimiser integer param", lambda: lib.SGD(0.1).update([np.zeros(2, int)], [np.ones(2)]),
     TypeError, "SGD.update: param 0 is int64; lib keeps parameters in float64"),
    ("optimiser read-only param", lambda: lib.SGD(0.1).update([read_only(np.zeros(2))], [np.ones(2)]),
     ValueError, "SGD.update: param 0 is read-only"),
    ("optimiser nan grad", lambda: lib.Adam().update([np.zeros(2)], [nan_at(2, 1)]),
     ValueError, "Adam.update: grad 0 contains nan at index (1,)"),

    # ---- models and training -----------------------------------------------------------------------------------
    ("TwoLayerNet non-integer size", lambda: lib.TwoLayerNet(2.5, 4, 3, rng=np.random.default_rng(0)),
     TypeError, "TwoLayerNet: input_size must be an integer, got 2.5"),
    ("Sequential of a non-layer", lambda: lib.Sequential([lib.Sigmoid(), np.tanh]),
     TypeError, "Sequential: layer 1 is a ufunc, not a layer (it has no forward, backward, params, grads)"),
    ("fit non-integer batch_size", lambda: fit(batch_size=2.5),
     TypeError, "fit: batch_size must be an integer, got 2.5"),
    ("fit epochs = 0", lambda: fit(epochs=0), ValueError, "fit: epochs must be a positive integer, got 0"),

    # ---- gradient checking (more in test_gradcheck.py) -----------------------------------------------------------
    ("numerical_gradient of float32", lambda: lib.numerical_gradient(lambda: 0.0, np.ones(2, np.float32)),
     TypeError, "numerical_gradient: x must be a float64 array (it is perturbed in place by eps=1e-06), got float32"),
    ("numerical_gradient of a non-scalar f", lambda: lib.numerical_gradient(lambda: np.ones(2), np.ones(2)),
     ValueError, "numerical_gradient: f() must return a scalar, got an array of shape (2,)"),
    ("gradcheck dout shape", lambda: lib.gradcheck(lib.Sigmoid(), np.ones((2, 3)), dout=np.ones((1, 3))),
     ValueError, "gradcheck: dout has shape (1, 3), Sigmoid.forward returned shape (2, 3)"),
    ("gradcheck with nothing to check", lambda: lib.gradcheck(lib.Sigmoid(), np.arange(6).reshape(2, 3)),
     ValueError, "gradcheck: nothing to check in Sigmoid: it has no parameters and no float inputs (input dtypes: "
                 "int64)"),
]


@pytest.mark.parametrize("call,exc,text", [pytest.param(*row[1:], id=row[0]) for row in ROWS])
def test_bad_input_gets_a_clear_sentence(call, exc, text):
    with pytest.raises(Exception) as info:
        call()
    assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    assert re.search(re.escape(text), message), message
    assert "\n" not in message, "one sentence, one line"
