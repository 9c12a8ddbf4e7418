"""Small models assembled from the layers, following the same convention."""
import numpy as np

from .layers import Affine, Sigmoid, SoftmaxWithLoss
from .validate import check_int


class Sequential:
    """Layers applied in order, then a loss layer; params and grads gather those of the layers."""

    constant_inputs = (1,)  # t: the targets, held fixed by gradcheck

    def __init__(self, layers, loss_layer=None):
        self.layers = list(layers)
        self.loss_layer = loss_layer or SoftmaxWithLoss()
        named = [(f"layer {i}", layer) for i, layer in enumerate(self.layers)] + [("loss_layer", self.loss_layer)]
        for where, layer in named:
            missing = [a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)]
            if missing:
                raise TypeError(f"{type(self).__name__}: {where} is a {type(layer).__name__}, not a layer "
                                f"(it has no {', '.join(missing)})")
        self.loss = None  # the last loss forward returned; None until forward has run
        self.params, self.grads, self.param_names = [], [], []
        k = 0
        for layer in self.layers:
            self.params += layer.params  # the same arrays: an optimiser updates the layers
            self.grads += layer.grads
            k += bool(layer.params)  # number the layers that have parameters: W1, b1, W2, ...
            self.param_names += [f"{n}{k}" for n in getattr(layer, "param_names", ())]

    def __repr__(self):
        body = "\n".join(f"  {layer!r}" for layer in self.layers + [self.loss_layer])
        return f"{type(self).__name__}(\n{body}\n)"

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def forward(self, x, t):
        self.loss = self.loss_layer.forward(self.predict(x), t)
        return self.loss

    def backward(self, dout=1.0):
        if self.loss is None:
            raise RuntimeError(f"{type(self).__name__}.backward: call forward first")
        dout = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout


class TwoLayerNet(Sequential):
    """Affine -> activation -> Affine -> softmax with cross-entropy, weights drawn from `rng`."""

    def __init__(self, input_size, hidden_size, output_size, *, rng, weight_scale=0.01, activation=Sigmoid):
        D, H, C = (check_int("TwoLayerNet", name, v, 1) for name, v in
                   (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)))
        W1 = weight_scale * rng.standard_normal((D, H))
        W2 = weight_scale * rng.standard_normal((H, C))
        super().__init__([Affine(W1, np.zeros(H)), activation(), Affine(W2, np.zeros(C))])
