"""Deep learning from scratch in NumPy: the shared library the chapters import.

Dtype rule: every public function and layer converts its floating, integer or bool array input to float64
once, at the boundary (`lib.validate.as_float_array`), and returns float64. Parameters are stored as float64
and every gradient is float64, so gradient checks work to about 1e-10. Class labels, sizes and counts are
integers and stay integers. tests/test_dtypes.py checks the rule for every public name.
"""
from .functions import sigmoid, softmax, log_softmax, cross_entropy, one_hot
from .layers import Layer, MatMul, Affine, Sigmoid, Tanh, ReLU, Softmax, SoftmaxWithLoss, Flatten
from .nodes import Add, Mul, Repeat, Sum
from .models import Sequential, TwoLayerNet
from .optim import SGD, Adam
from .train import fit, accuracy
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .datasets import spiral
from .datasets import bars, sample_image, load_digits, train_test_split
from .conv import (output_size, correlate1d, convolve1d, conv1d, conv1d_backward, conv2d, conv2d_backward,
                   conv2d_loop, conv2d_backward_loop, im2col, col2im, conv_transpose2d, conv_matrix, Conv2D,
                   conv_params_and_flops, affine_params_and_flops)
from .widgets import gradient_decay, sliding_kernel
from .optim import clip_grads
from .recurrent import RNN, TimeRNN, TimeEmbedding, TimeAffine, TimeSoftmaxWithLoss
from .language_model import RNNLM, sample_next, evaluate_perplexity, train_lm
from .text import load_shakespeare, CharVocab, bptt_batches
from .gated import (LSTM, GRU, TimeLSTM, TimeGRU, lstm_step_reference, gru_step_reference, fuse_gates,
                    unfuse_gates)
from .pooling import (max_pool2d, max_pool2d_backward, avg_pool2d, avg_pool2d_backward, MaxPool2D, AvgPool2D,
                      GlobalAvgPool)
