"""Gradient-check cases for sin, cos, log1p, expm1 (ops/elementwise.py) and cumsum, prod
(ops/scan.py).

Each op runs on fixed edge shapes (0-d, size-1 axes, empty) and on shapes drawn from a
seeded generator; prod also on inputs with one, two and more zeros in a slice, where its
VJP must not divide (first and second derivatives there are exact polynomials).
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor

from . import GradCase
from .core import UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []
_RNG = np.random.default_rng(20240611)


def case(op: str, id: str, fn, makers, **kw) -> None:
    CASES.append(GradCase(op=op, fn=fn, inputs=inputs(*makers), id=f"{op}-{id}", **kw))


def random_shape(max_dims: int = 3, max_side: int = 4) -> tuple:
    """A shape of 1..max_dims axes of 1..max_side each (size-1 axes included)."""
    return tuple(int(n) for n in _RNG.integers(1, max_side + 1, _RNG.integers(1, max_dims + 1)))


def with_zeros(data):
    """A float64 leaf of `data`, where the 0.0 entries are exact zeros."""
    return lambda: Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def sprinkled(shape: tuple, seed: int):
    """Random values in [-2, 2] with about a third of them set to exactly 0."""
    def make() -> Tensor:
        rng = np.random.default_rng(seed)
        data = rng.uniform(-2, 2, shape) * (rng.random(shape) > 0.35)
        return Tensor(data, dtype=np.float64, requires_grad=True)
    return make


# ---------------------------------------------------------------- sin, cos, log1p, expm1
UNARY = {  # op: (function, (low, high) of the inputs)
    "sin": (lambda a: a.sin(), (-4, 4)),
    "cos": (lambda a: a.cos(), (-4, 4)),
    "log1p": (lambda a: a.log1p(), (-0.8, 3)),
    "expm1": (lambda a: a.expm1(), (-2, 2)),
}
SHAPES = {**UNARY_SHAPES, **{f"rand{i}": random_shape() for i in range(2)}}
for op, (fn, (low, high)) in UNARY.items():
    for sid, shape in SHAPES.items():
        case(op, sid, fn, [r(*shape, seed=7, low=low, high=high)])
case("sin", "times-cos-bcast", lambda a, b: a.sin() * b.cos(), [r(3, 1, seed=1), r(4, seed=2)])
case("log1p", "tiny", lambda a: a.log1p(), [r(4, low=-1e-9, high=1e-9)])
case("expm1", "tiny-then-log1p", lambda a: a.expm1().log1p(), [r(4, low=-1e-6, high=1e-6)])

# ---------------------------------------------------------------- cumsum
CUMSUMS = {  # id: (shape, dim)
    "vec": ((5,), 0),
    "3d-dim0": ((2, 3, 4), 0),
    "3d-dim1": ((2, 3, 4), 1),
    "3d-dim-1": ((2, 3, 4), -1),
    "0d": ((), 0),
    "size1-axis": ((1, 3, 1), 0),
    "size1-last": ((1, 3, 1), -1),
    "empty-axis": ((0, 3), 0),
    "empty-other": ((0, 3), 1),
}
for i in range(3):
    shape = random_shape()
    CUMSUMS[f"rand{i}"] = (shape, int(_RNG.integers(-len(shape), len(shape))))
for sid, (shape, dim) in CUMSUMS.items():
    case("cumsum", sid, lambda a, dim=dim: a.cumsum(dim), [r(*shape, seed=3)])
case("cumsum", "times-input", lambda a: a.cumsum(0) * a, [r(4, 2, seed=4)])

# ---------------------------------------------------------------- prod
PRODS = {
    "all": lambda a: a.prod(),
    "dim0": lambda a: a.prod(0),
    "dim-1-keep": lambda a: a.prod(-1, keepdim=True),
}
for sid, fn in PRODS.items():
    case("prod", sid, fn, [r(2, 3, 2, seed=5, low=0.5, high=1.5)])
    case("prod", f"{sid}-neg", fn, [r(3, 2, seed=6)])
case("prod", "0d", lambda a: a.prod(), [r(seed=1)])
case("prod", "0d-dim", lambda a: a.prod(0), [r(seed=2)])
case("prod", "size1-axis", lambda a: a.prod(1), [r(3, 1, seed=3)])
case("prod", "empty-axis", lambda a: a.prod(0), [r(0, 3)])
case("prod", "empty-other", lambda a: a.prod(1), [r(0, 3)])
for i in range(3):
    shape = random_shape(max_side=3)
    dim = int(_RNG.integers(-len(shape), len(shape)))
    case("prod", f"rand{i}-dim", lambda a, dim=dim: a.prod(dim), [r(*shape, seed=10 + i)])
    case("prod", f"rand{i}-all", lambda a: a.prod(), [r(*shape, seed=20 + i, low=0.6, high=1.4)])

ZEROS = {  # id: data with exact zeros
    "one-zero": [1.5, 0.0, -2.0, 0.7],
    "two-zeros": [0.0, 1.5, 0.0, -2.0],
    "three-zeros": [0.0, 0.0, 1.5, 0.0],
    "all-zeros": [0.0, 0.0, 0.0],
    "lone-zero": [0.0],
}
for sid, data in ZEROS.items():
    case("prod", sid, lambda a: a.prod(), [with_zeros(data)])
ROWS = [[0.0, 1.5, -2.0], [0.0, 0.0, 1.2], [0.8, -1.1, 1.3], [0.0, 0.0, 0.0]]
case("prod", "rows-0-1-2-3-zeros", lambda a: a.prod(1), [with_zeros(ROWS)])
case("prod", "cols-with-zeros-keep", lambda a: a.prod(0, keepdim=True), [with_zeros(ROWS)])
case("prod", "all-with-zeros", lambda a: a.prod(), [with_zeros([[0.0, 1.5], [-2.0, 0.9]])])
case("prod", "zeros-3d", lambda a: a.prod(1), [sprinkled((2, 4, 3), seed=8)])
case("prod", "zeros-times-input", lambda a: a.prod(0) * a, [with_zeros([[0.0, 2.0], [0.0, 0.5]])])


# ---------------------------------------------------------------- standardize (layer norm)
def _standardize(axes: tuple, eps: float = 1e-5):
    from tinygrad_edu.ops.normalization import Standardize
    return lambda x: Standardize.apply(x, axes=axes, eps=eps)


case("standardize", "last-axis", _standardize((1,)), [r(3, 5, seed=1)])
case("standardize", "two-axes", _standardize((1, 2)), [r(2, 3, 4, seed=2)])
case("standardize", "middle-axis", _standardize((1,), eps=0.5), [r(2, 4, 3, seed=3)])
case("standardize", "size-1-axis", _standardize((1,)), [r(3, 1, seed=4)])


# ---------------------------------------------------------------- affine (nn.Linear's op)
def _affine(x, w, b=None):
    from tinygrad_edu.ops.linalg import Affine
    return Affine.apply(x, w) if b is None else Affine.apply(x, w, b)


case("affine", "batch-bias", _affine, [r(4, 3, seed=1), r(2, 3, seed=2), r(2, seed=3)])
case("affine", "3-d-no-bias", _affine, [r(2, 3, 3, seed=4), r(5, 3, seed=5)])
case("affine", "1-d-input", _affine, [r(3, seed=6), r(2, 3, seed=7), r(2, seed=8)])
case("affine", "one-row", _affine, [r(1, 1, seed=9), r(1, 1, seed=10), r(1, seed=11)])
