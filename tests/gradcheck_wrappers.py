"""Gradient-check helpers shared by the recurrent tests: the check itself and two wrappers that turn a
stateful chunk or a whole language model into a 'layer' that lib.gradcheck can perturb."""
import lib

TOL = 1e-6


def check(layer, *inputs, rng):
    """Gradient-check `layer` on `inputs`; print every relative error; fail above TOL or if nothing was checked."""
    report = lib.gradcheck(layer, *inputs, rng=rng)
    print(report)  # the relative error of every gradient, shown with -s or on failure
    assert report.errors, "gradcheck checked nothing"
    assert report.ok(TOL), f"{report} exceeds {TOL}"
    return report


class SecondChunk:
    """The output of a stateful layer's second chunk, with the state carried from the first held fixed."""

    def __init__(self, layer, carried):
        self.layer, self.carried = layer, carried
        self.params, self.grads, self.param_names = layer.params, layer.grads, layer.param_names

    def forward(self, xs):
        self.layer.set_state(self.carried)
        return self.layer.forward(xs)

    def backward(self, dout):
        return self.layer.backward(dout)


class ModelLoss:
    """A whole RNNLM as one 'layer' for gradcheck: forward(ids, ts) -> loss, gradients of every parameter."""

    def __init__(self, model):
        self.model = model
        self.params, self.grads, self.param_names = model.params, model.grads, model.param_names

    def forward(self, ids, ts):
        self.model.reset_state()
        return self.model.forward(ids, ts)

    def backward(self, dout=1.0):
        self.model.backward(dout)
