"""Computational-graph nodes with their backward passes: Add, Mul, Repeat, Sum."""
import numpy as np

from .layers import Layer
from .validate import as_float_array, check_axis, check_int


class Node(Layer):
    """A parameter-free graph node."""

    def __init__(self):
        super().__init__()

    def __repr__(self):
        return f"{type(self).__name__}()"


class Add(Node):
    """z = x + y; backward passes the upstream gradient unchanged to both inputs."""

    def forward(self, x, y):
        x, y = as_float_array(x, "Add", "x"), as_float_array(y, "Add", "y")
        if x.shape != y.shape:
            raise ValueError(f"Add: x has shape {x.shape}, y has shape {y.shape}; they must match "
                             "(broadcasting is a Repeat node followed by Add)")
        return self._output(x + y)

    def backward(self, dout):
        dout = self._check_upstream(dout)
        return dout, dout.copy()


class Mul(Node):
    """z = x * y elementwise; backward multiplies the upstream gradient by the *other* input."""

    def forward(self, x, y):
        x, y = as_float_array(x, "Mul", "x"), as_float_array(y, "Mul", "y")
        if x.shape != y.shape:
            raise ValueError(f"Mul: x has shape {x.shape}, y has shape {y.shape}; they must match")
        self.x, self.y = x, y
        return self._output(x * y)

    def backward(self, dout):
        dout = self._check_upstream(dout)
        return dout * self.y, dout * self.x  # swap the inputs


class Repeat(Node):
    """Copy x (1, D) n times along `axis`; backward sums the n gradients (a branch into n)."""

    def __init__(self, n, axis=0):
        super().__init__()
        n = check_int("Repeat", "n", n, None)
        if n < 1:
            raise ValueError(f"Repeat: n must be >= 1, got {n}")
        self.n, self.axis = n, check_int("Repeat", "axis", axis, None)

    def __repr__(self):
        return f"Repeat(n={self.n}, axis={self.axis})"

    def forward(self, x):
        x = as_float_array(x, "Repeat")
        axis = check_axis("Repeat", self.axis, x.shape)
        if x.shape[axis] != 1:
            raise ValueError(f"Repeat: input must have size 1 along axis {self.axis}, got shape {x.shape}")
        return self._output(np.repeat(x, self.n, axis=axis))  # (n, D) for axis 0

    def backward(self, dout):
        dout = self._check_upstream(dout)  # (n, D) for axis 0
        return dout.sum(axis=self.axis, keepdims=True)  # (1, D)


class Sum(Node):
    """Sum x (N, D) along `axis` keeping the dimension; backward repeats the gradient N times."""

    def __init__(self, axis=0):
        super().__init__()
        self.axis = check_int("Sum", "axis", axis, None)

    def __repr__(self):
        return f"Sum(axis={self.axis})"

    def forward(self, x):
        x = as_float_array(x, "Sum")
        axis = check_axis("Sum", self.axis, x.shape)
        self.n = x.shape[axis]
        return self._output(x.sum(axis=axis, keepdims=True))  # (1, D) for axis 0

    def backward(self, dout):
        dout = self._check_upstream(dout)  # (1, D) for axis 0
        return np.repeat(dout, self.n, axis=self.axis)  # (N, D)
