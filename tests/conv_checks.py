"""What the tests of the 1-D and 3-D CNN families share: float64 data, exact comparisons,
and a convolution checked against torch (values and the three gradients)."""
from __future__ import annotations

import math

import numpy as np

from tinygrad_edu import Tensor


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def t64(array, requires_grad=False):
    return Tensor(array, dtype=np.float64, requires_grad=requires_grad)


def distinct(*shape, seed=0):
    """Values 0.1 apart in random order: no ties, and eps = 1e-6 never flips a max."""
    data = np.random.default_rng(seed).permutation(math.prod(shape)).reshape(shape) * 0.1
    return t64(data, requires_grad=True)


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


def check_gradients(out, params, g, expected):
    assert out.shape == g.shape
    out.backward(t64(g))
    for p, e in zip(params, expected):
        assert_close(p.grad.data, e)


def convolution_matches_torch(torch, ours, transposed, x_shape, w_shape, options):
    """`ours` (a convolution, or with `transposed` its adjoint) against torch's function of
    the same name: the output and the gradients of input, weight and bias."""
    out_channels = w_shape[1] * options["groups"] if transposed else w_shape[0]
    arrays = [randn(*x_shape, seed=50), randn(*w_shape, seed=51), randn(out_channels, seed=52)]
    mine = [t64(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = ours(*mine, **options)
    expected = getattr(torch.nn.functional, ours.__name__)(*theirs, **options)
    assert_close(out.data, expected.detach().numpy())
    g = randn(*out.shape, seed=53)
    out.backward(t64(g))
    expected.backward(torch.tensor(g))
    for tensor, reference in zip(mine, theirs):
        assert_close(tensor.grad.data, reference.grad.numpy())
