"""Cases that differential fuzzing against torch found, with torch's answers written out
(no torch needed): layouts, aliasing, and gradients next to an infinite one."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu import Tensor


def test_contiguous_then_view_works_on_a_graph_tensor():
    q = Tensor(np.arange(2 * 4 * 5 * 8.0).reshape(2, 4, 5, 8), requires_grad=True)
    heads = (q * 2).transpose(1, 2).contiguous()          # the attention reshape
    assert heads.data.flags.c_contiguous
    merged = heads.view(2, 5, 32)
    merged.sum().backward()
    np.testing.assert_array_equal(q.grad.data, np.full(q.shape, 2.0))


def test_create_graph_gives_each_leaf_its_own_row_major_grad():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    ((a + b) ** 2).sum().backward(create_graph=True)      # one g for both leaves
    assert a.grad is not b.grad and a.grad.data is not b.grad.data
    np.testing.assert_array_equal(b.grad.data, [8.0, 12.0])
    with tg.no_grad():
        a.grad.zero_()
    np.testing.assert_array_equal(b.grad.data, [8.0, 12.0])
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (x.T * Tensor(np.arange(6.0).reshape(3, 2))).sum().backward(create_graph=True)
    assert x.grad.data.flags.c_contiguous and x.grad.view(-1).shape == (6,)


@pytest.mark.parametrize("gate", [
    lambda t: t.relu(), lambda t: t.clamp(min=0),
    lambda t: tg.maximum(t, Tensor(np.zeros(3)))])
def test_a_closed_gate_passes_zero_even_next_to_an_infinite_gradient(gate):
    x = Tensor(np.array([4.0, -1e-12, 9.0]), requires_grad=True)
    with np.errstate(divide="ignore"):
        gate(x).sqrt().sum().backward()             # sqrt'(0) = inf meets the gate's 0
    np.testing.assert_allclose(x.grad.data, [0.25, 0.0, 1 / 6], rtol=1e-15)


def test_max_pool_routes_zero_to_the_losers_next_to_an_infinite_gradient():
    x = Tensor(np.array([[[[0.0, -1.0], [-2.0, -3.0]]]]), requires_grad=True)
    with np.errstate(divide="ignore"):
        tg.max_pool2d(x, 2).sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad.data.ravel(), [np.inf, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("mode, amounts", [("replicate", (0, 0)), ("reflect", (-1, -1)),
                                           ("circular", (-1, 0)), ("constant", (0, 0))])
def test_pad_never_returns_its_input_or_a_view_of_it(mode, amounts):
    x = Tensor(np.arange(4.0).reshape(1, 1, 4))
    y = tg.pad(x, amounts, mode=mode)
    y.mul_(-1)
    np.testing.assert_array_equal(x.data.ravel(), [0.0, 1.0, 2.0, 3.0])


def test_cumsum_gradient_is_row_major():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    (g,) = tg.grad(x.cumsum(1).sum(), [x])
    assert g.view(-1).tolist() == [3.0, 2.0, 1.0, 3.0, 2.0, 1.0]


def test_image_ops_take_arrays_and_name_themselves():
    image = np.arange(16.0).reshape(1, 1, 4, 4)
    assert F.interpolate(image, scale_factor=2).shape == (1, 1, 8, 8)
    assert tg.pad(np.zeros(3), ()).shape == (3,)
    with pytest.raises(ValueError, match=r"unfold: expected a 3-D \(C, H, W\) or 4-D"):
        F.unfold([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="interpolate: expected non-empty channels and sizes"):
        F.interpolate(Tensor(np.zeros((1, 1, 0, 4))), size=(2, 2), mode="bilinear")
    assert nn.Upsample(scale_factor=2)(image).shape == (1, 1, 8, 8)
