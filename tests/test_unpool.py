"""max_unpool1d/2d, lp_pool1d/2d and the deprecated upsample functions, against numbers
worked out by hand and finite differences."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck


def test_unpool_puts_each_max_back_where_the_pool_found_it():
    x = Tensor(np.array([[[[1.0, 5.0, 2.0, 0.0],
                           [3.0, 4.0, 8.0, 1.0],
                           [0.0, 0.0, 1.0, 1.0],
                           [7.0, 2.0, 3.0, 9.0]]]]))
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    assert indices.tolist() == [[[[1, 6], [12, 15]]]]
    out = nn.MaxUnpool2d(2)(pooled, indices)
    assert out.tolist() == [[[[0, 5, 0, 0], [0, 0, 8, 0], [0, 0, 0, 0], [7, 0, 0, 9]]]]
    wider = F.max_unpool2d(pooled, indices, 2, output_size=(1, 1, 5, 5))   # odd sizes back
    assert wider.shape == (1, 1, 5, 5) and wider.sum().item() == 29.0
    signal = Tensor(np.array([[[0.0, 3.0, 1.0, 2.0, 5.0, 4.0]]]))
    p1, i1 = F.max_pool1d(signal, 2, return_indices=True)
    assert nn.MaxUnpool1d(2)(p1, i1).tolist() == [[[0, 3, 0, 2, 5, 0]]]


def test_unpool_gradients():
    rng = np.random.default_rng(0)
    _, indices = F.max_pool2d(Tensor(rng.standard_normal((2, 3, 6, 7))), 2, 2,
                              return_indices=True)
    values = Tensor(rng.standard_normal(indices.shape), requires_grad=True)
    fn = lambda v: F.max_unpool2d(v, indices, 2, 2, output_size=(6, 7))  # noqa: E731
    assert gradcheck(fn, [values]) and gradgradcheck(fn, [values])
    out = fn(values)
    weight = rng.standard_normal(out.shape)
    (out * Tensor(weight)).sum().backward()
    expected = np.take_along_axis(weight.reshape(2, 3, -1), indices.numpy().reshape(2, 3, -1),
                                  -1).reshape(values.shape)
    np.testing.assert_array_equal(values.grad.numpy(), expected)


def test_unpool_refuses_bad_sizes_and_indices():
    pooled, indices = F.max_pool2d(tg.randn(1, 1, 6, 6), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: invalid output_size \[9, 9\] \(dim 0 "
                                         r"must be between 4 and 8, exclusive\)"):
        nn.MaxUnpool2d(2)(pooled, indices, output_size=(9, 9))
    with pytest.raises(ValueError, match=r"max_unpool2d: found an index outside the output "
                                         r"of size \(6, 6\)"):
        F.max_unpool2d(pooled, indices + 40, 2)
    with pytest.raises(ValueError, match="max_unpool2d: indices must be integers of the "
                                         "input's shape"):
        F.max_unpool2d(pooled, indices.float(), 2)
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), " \
                                      "padding=(0, 0))"


def test_lp_pool_is_the_p_norm_of_each_window():
    x = Tensor(np.array([[[[3.0, 4.0], [0.0, 12.0]]]]))
    assert F.lp_pool2d(x, 2, 2).item() == pytest.approx(13.0, rel=1e-6)   # sqrt(9+16+144)
    assert nn.LPPool2d(1, 2)(x).item() == pytest.approx(19.0, rel=1e-6)    # the sum
    line = Tensor(np.array([[[1.0, 2.0, 2.0, 1.0, 2.0]]]))
    np.testing.assert_allclose(F.lp_pool1d(line, 3, 2).numpy(), [[[9 ** (1 / 3)] * 2]],
                               rtol=1e-6)
    np.testing.assert_allclose(nn.LPPool1d(3, 2, ceil_mode=True)(line).numpy(),
                               [[[9 ** (1 / 3)] * 2 + [2 * 2 ** (1 / 3)]]], rtol=1e-6)
    x = Tensor(np.abs(np.random.default_rng(1).standard_normal((1, 2, 5, 5))) + 0.5,
               requires_grad=True)
    fn = lambda t: F.lp_pool2d(t, 2.5, (2, 3), stride=(1, 2))  # noqa: E731
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


def test_the_deprecated_upsample_functions_warn_and_interpolate():
    x = Tensor(np.arange(6.0).reshape(1, 1, 2, 3))
    with pytest.warns(UserWarning, match="upsample_bilinear is deprecated"):
        corners = F.upsample_bilinear(x, scale_factor=2)
    np.testing.assert_array_equal(corners.numpy(), F.interpolate(
        x, scale_factor=2, mode="bilinear", align_corners=True).numpy())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        near = F.upsample_nearest(x, size=(4, 6))
        same = F.upsample(x, size=(4, 6))
    assert len(caught) == 2
    np.testing.assert_array_equal(near.numpy(), x.numpy().repeat(2, 2).repeat(2, 3))
    np.testing.assert_array_equal(same.numpy(), near.numpy())


def test_lp_pool_of_infinite_order_is_the_max_or_min_magnitude():
    x = Tensor(np.array([[[[0.5, -1.0], [0.25, -2.0]]]]), requires_grad=True)
    top = F.lp_pool2d(x, float("inf"), 2)
    assert top.item() == 2.0
    top.backward()
    assert x.grad.tolist() == [[[[0.0, 0.0], [0.0, -1.0]]]]          # d|x|/dx at x = -2
    assert F.lp_pool2d(x, -float("inf"), 2).item() == 0.25
    line = Tensor(np.array([[1.0, -2.0, 1.5, 0.5]]))
    assert F.lp_pool1d(line, float("inf"), 2).tolist() == [[2.0, 1.5]]
