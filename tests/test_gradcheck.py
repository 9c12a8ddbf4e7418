"""gradcheck cannot be fooled: a missing, misshapen, non-finite or slightly wrong gradient fails, loudly."""
import numpy as np
import pytest

import lib
from lib.gradcheck import GradReport


class NoneSigmoid(lib.Sigmoid):
    def backward(self, dout):
        return None  # forgot the return value


class TransposedSigmoid(lib.Sigmoid):
    def backward(self, dout):
        return super().backward(dout).T  # the right numbers, the wrong shape


class OffSigmoid(lib.Sigmoid):
    def backward(self, dout):
        return super().backward(dout) + 1e-4  # off by 1e-4 everywhere


class OneOffSigmoid(lib.Sigmoid):
    def backward(self, dout):
        dx = super().backward(dout)
        dx[1, 2] += 1e-4  # off by 1e-4 in one entry only
        return dx


class HalfAdd(lib.Add):
    def backward(self, dout):
        return (dout,)  # the gradient of y is missing


class NanBiasAffine(lib.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.grads[1][...] = np.nan  # x and W are checked first and are fine
        return dx


class ShortGrads(lib.Affine):
    def __init__(self, W, b):
        super().__init__(W, b)
        self.grads = self.grads[:1]  # no gradient for b


def test_backward_returning_none_fails_naming_the_input(rng):
    with pytest.raises(ValueError, match="gradcheck: NoneSigmoid.backward returned no gradient for input x, so it "
                                         "cannot be checked"):
        lib.gradcheck(NoneSigmoid(), rng.standard_normal((4, 3)), rng=rng)


def test_gradient_of_the_wrong_shape_fails_naming_both_shapes(rng):
    with pytest.raises(ValueError, match=r"gradcheck: TransposedSigmoid.backward returned a gradient of shape "
                                         r"\(3, 4\) for input x of shape \(4, 3\)"):
        lib.gradcheck(TransposedSigmoid(), rng.standard_normal((4, 3)), rng=rng)


@pytest.mark.parametrize("layer", [OffSigmoid(), OneOffSigmoid()], ids=["everywhere", "one entry"])
def test_gradient_off_by_1e_4_fails(layer, rng):
    report = lib.gradcheck(layer, rng.standard_normal((4, 3)), rng=rng)
    assert not report.ok() and report.errors["x"] > 1e-5, report
    assert "x: " in str(report)


def test_a_missing_second_gradient_fails(rng):
    with pytest.raises(ValueError, match="gradcheck: HalfAdd.backward returned no gradient for input y"):
        lib.gradcheck(HalfAdd(), rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng=rng)


def test_a_nan_gradient_anywhere_fails(rng):
    layer = NanBiasAffine(rng.standard_normal((3, 2)), rng.standard_normal(2))
    report = lib.gradcheck(layer, rng.standard_normal((4, 3)), rng=rng)
    assert report.errors["x"] < 1e-6 and report.errors["W"] < 1e-6
    assert np.isnan(report.errors["b"]) and np.isnan(report.max_error) and not report.ok()


def test_a_parameter_without_a_gradient_fails(rng):
    layer = ShortGrads(rng.standard_normal((3, 2)), rng.standard_normal(2))
    with pytest.raises(ValueError, match="gradcheck: ShortGrads has 2 params but 1 grads"):
        lib.gradcheck(layer, rng.standard_normal((4, 3)), rng=rng)


def test_a_gradient_of_the_wrong_shape_for_a_parameter_fails(rng):
    layer = lib.Affine(rng.standard_normal((3, 2)), rng.standard_normal(2))
    layer.grads[1] = np.zeros(3)
    with pytest.raises(ValueError, match=r"gradcheck: Affine.grads\[1\] has shape \(3,\), its parameter has shape"):
        lib.gradcheck(layer, rng.standard_normal((4, 3)), rng=rng)


def test_a_gradient_replaced_by_one_of_another_shape_in_backward_fails(rng):
    class ScalarBias(lib.Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads[1] = dout.sum()  # replaces the (H,) gradient with a scalar
            return dx

    layer = ScalarBias(rng.standard_normal((3, 2)), rng.standard_normal(2))
    with pytest.raises(ValueError, match=r"gradcheck: ScalarBias.grads\[1\] has shape \(\), its parameter has shape"):
        lib.gradcheck(layer, rng.standard_normal((4, 3)), rng=rng)


def test_extra_gradients_for_integer_inputs_fail(rng):
    with pytest.raises(ValueError, match=r"gradcheck: Add.backward returned 2 gradient\(s\) for 1 float input\(s\) "
                                         r"\(x\)"):
        lib.gradcheck(lib.Add(), rng.standard_normal((2, 3)), np.ones((2, 3), dtype=int), rng=rng)


def test_nothing_to_compare_fails():
    with pytest.raises(ValueError, match="gradcheck: nothing to check in Sigmoid"):
        lib.gradcheck(lib.Sigmoid(), np.arange(6).reshape(2, 3))


def test_an_object_without_params_is_not_a_layer(rng):
    class Bare:
        def forward(self, x):
            return x

        def backward(self, dout):
            return dout

    with pytest.raises(TypeError, match="gradcheck: Bare has no params, grads"):
        lib.gradcheck(Bare(), rng.standard_normal(3))


def test_an_empty_report_is_not_ok():
    report = GradReport("nothing", {})
    assert not report.ok() and np.isnan(report.max_error)


def test_a_correct_layer_still_passes_and_names_everything(rng):
    report = lib.gradcheck(lib.Affine(rng.standard_normal((3, 2)), rng.standard_normal(2)),
                           rng.standard_normal((4, 3)), rng=rng)
    assert set(report.errors) == {"x", "W", "b"} and report.ok(), report


def test_backward_may_change_dout_in_place(rng):
    class InPlaceSigmoid(lib.Sigmoid):
        def backward(self, dout):
            dout *= self.out * (1.0 - self.out)  # overwrites the caller's array
            return dout

    assert lib.gradcheck(InPlaceSigmoid(), rng.standard_normal((4, 3)), rng=rng).ok()
