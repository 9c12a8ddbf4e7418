"""Deep learning from scratch in NumPy: the shared library the chapters import."""
from .functions import sigmoid, softmax, log_softmax, cross_entropy, one_hot
from .layers import Layer, MatMul, Affine, Sigmoid, Tanh, ReLU, Softmax, SoftmaxWithLoss, Flatten
from .nodes import Add, Mul, Repeat, Sum
from .models import Sequential, TwoLayerNet
from .optim import SGD, Adam
from .train import fit, accuracy
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .datasets import spiral
