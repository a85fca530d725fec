"""Gradient-check cases for erf, erfc, atan, atan2, log2, log10, sinh, cosh (ops/special.py).

Each unary op runs on the edge shapes (0-d, size-1 axes, empty) and two seeded random
shapes; erf and erfc also out in their tails, where e^(-x^2) is tiny, and atan on large
inputs. atan2 runs on the broadcasting shapes of the binary ops, with points on both
sides of the negative x axis (where it jumps by 2 pi) avoided.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu import math_more as M      # (registers the primitives, attaches the methods)

from . import GradCase
from .core import BINARY_SHAPES, UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []
_RNG = np.random.default_rng(20240801)


def case(op: str, id: str, fn, makers, **kw) -> None:
    CASES.append(GradCase(op=op, fn=fn, inputs=inputs(*makers), id=f"{op}-{id}", **kw))


def leaf(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def random_shape() -> tuple:
    return tuple(int(n) for n in _RNG.integers(1, 5, _RNG.integers(1, 4)))


UNARY = {  # op: (function, (low, high) of the inputs)
    "erf": (M.erf, (-3, 3)),
    "erfc": (M.erfc, (-3, 3)),
    "atan": (M.atan, (-4, 4)),
    "log2": (M.log2, (0.2, 5)),
    "log10": (M.log10, (0.2, 5)),
    "sinh": (M.sinh, (-3, 3)),
    "cosh": (M.cosh, (-3, 3)),
}
SHAPES = {**UNARY_SHAPES, **{f"rand{i}": random_shape() for i in range(2)}}
for op, (fn, (low, high)) in UNARY.items():
    for sid, shape in SHAPES.items():
        case(op, sid, fn, [r(*shape, seed=11, low=low, high=high)])
TAILS = [-5.5, -4.2, -1.1, -0.3, 0.0, 0.45, 0.9, 1.3, 3.1, 5.5]   # every region of erf_numpy
case("erf", "regions", M.erf, [lambda: leaf(TAILS)], atol=1e-8)
case("erfc", "regions", lambda a: a.erfc(), [lambda: leaf(TAILS)], atol=1e-8)
case("erf", "composite", lambda a: (a.erf() * a).erf(), [r(4, seed=2, low=-1.5, high=1.5)])
case("atan", "large", lambda a: a.atan(), [lambda: leaf([-300.0, -20.0, 15.0, 1e3])])
case("log10", "small-and-huge", lambda a: a.log10(), [lambda: leaf([2e-3, 0.07, 7e4, 2e6])])


def angle_inputs(shape: tuple, seed: int):
    """x = r cos(t), y = r sin(t) with |t| <= 2.6 < pi: away from the jump at t = pi and
    from the origin."""
    def make() -> list:
        rng = np.random.default_rng(seed)
        radius, angle = rng.uniform(0.5, 2, shape), rng.uniform(-2.6, 2.6, shape)
        return [leaf(radius * np.sin(angle)), leaf(radius * np.cos(angle))]
    return make


for sid, (sa, sb) in BINARY_SHAPES.items():
    case("atan2", sid, M.atan2,
         [r(*sa, seed=1), lambda sb=sb: leaf(np.random.default_rng(2).uniform(0.3, 2, sb))])
for sid, shape in {"all-quadrants": (3, 5), "angle-0d": ()}.items():
    CASES.append(GradCase(op="atan2", fn=lambda y, x: y.atan2(x), inputs=angle_inputs(shape, 5),
                          id=f"atan2-{sid}"))
case("atan2", "x-axis-zero", lambda y, x: y.atan2(x), [lambda: leaf([0.0, 0.0, 1.5, -2.0]),
                                                       lambda: leaf([1.0, 3.0, 0.0, 0.0])])
case("atan2", "number-x", lambda y: y.atan2(2.0), [r(3, 2, seed=4)])
