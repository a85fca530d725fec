"""Small helpers the nn test files share: float64 leaves, values with gradients, and the
first- and second-derivative checks together."""
from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck


def leaf(values) -> Tensor:
    """A float64 Tensor that requires grad."""
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def value_and_grad(fn, values):
    """fn(x) and d sum(fn(x)) / dx at float64 values."""
    x = leaf(values)
    out = fn(x)
    (g,) = tg.grad(out.sum(), [x])
    return out.numpy(), g.numpy()


def check_both(fn, inputs) -> None:
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
