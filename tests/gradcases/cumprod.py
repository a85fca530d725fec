"""Gradient-check cases for the Cumprod primitive, many of them at exact zeros (where its
VJP must not divide; the second derivatives there test the a[z] * VJP(b) term)."""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.statistics import cumprod

from . import GradCase
from .core import UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []
_RNG = np.random.default_rng(20240808)


def case(id: str, fn, makers) -> None:
    CASES.append(GradCase(op="cumprod", fn=fn, inputs=inputs(*makers), id=f"cumprod-{id}"))


def exact(data):
    """A float64 leaf of `data`, whose 0.0 entries are exact zeros."""
    return lambda: Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


for sid, shape in UNARY_SHAPES.items():
    case(sid, lambda a: cumprod(a, -1), [r(*shape, seed=3)])
case("3d-dim0", lambda a: cumprod(a, 0), [r(3, 2, 2, seed=4)])
case("3d-dim1", lambda a: cumprod(a, 1), [r(2, 4, 3, seed=5)])
case("empty-other", lambda a: cumprod(a, 1), [r(0, 3)])
for i in range(3):
    shape = tuple(int(n) for n in _RNG.integers(1, 5, _RNG.integers(1, 4)))
    dim = int(_RNG.integers(-len(shape), len(shape)))
    case(f"rand{i}", lambda a, dim=dim: cumprod(a, dim), [r(*shape, seed=10 + i)])

ZEROS = {  # id: a row with exact zeros
    "one-zero": [1.5, -0.7, 0.0, 2.0, -1.2],
    "zero-first": [0.0, 1.5, -2.0, 0.8],
    "zero-last": [1.5, -2.0, 0.8, 0.0],
    "two-zeros": [1.2, 0.0, -1.5, 0.0, 0.9],
    "adjacent-zeros": [0.7, 0.0, 0.0, 1.3],
    "three-zeros": [0.0, 1.1, 0.0, 0.0, -0.6],
    "all-zeros": [0.0, 0.0, 0.0],
    "lone-zero": [0.0],
}
for sid, data in ZEROS.items():
    case(sid, lambda a: cumprod(a, 0), [exact(data)])
ROWS = [[0.0, 1.5, -2.0, 0.6], [1.1, 0.0, 0.0, 1.2], [0.8, -1.1, 1.3, 0.9], [0.5, 0.0, 1.4, 0.0]]
case("rows-with-zeros", lambda a: cumprod(a, 1), [exact(ROWS)])
case("cols-with-zeros", lambda a: cumprod(a, 0), [exact(ROWS)])
case("zeros-times-input", lambda a: cumprod(a, 1) * a, [exact(ROWS)])
