"""Gradient-check cases for i0, i0e, i1, i1e and erfcx (tinygrad_edu/bessel.py): the edge
shapes, and points on both sides of each switch of the forwards (|x| = 8 for the Bessel
functions; 0.84375, 1.25 and 1/0.35 for erfcx), 0 included where the function is smooth
(i0e and i1e have the kink of e^-|x| there)."""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.bessel import erfcx, i0, i0e, i1, i1e

from . import GradCase
from .core import UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []
FUNCTIONS = {"i0": (i0, [-8.3, -7.6, -0.5, 0.0, 0.4, 2.0, 8.2]),
             "i0e": (i0e, [-20.0, -8.5, -7.9, -0.6, 0.4, 3.0, 7.9, 8.1]),
             "i1": (i1, [-8.3, -2.0, -0.4, 0.0, 0.9, 7.7, 8.4]),
             "i1e": (i1e, [-30.0, -8.1, -7.9, -1.0, 0.6, 7.9, 8.1]),
             "erfcx": (erfcx, [-2.5, -0.5, 0.0, 0.8, 0.9, 1.2, 1.3, 2.8, 2.9, 9.0])}


def fixed(values: list):
    return lambda: Tensor(np.array(values), dtype=np.float64, requires_grad=True)


for op, (fn, regions) in FUNCTIONS.items():
    for sid, shape in UNARY_SHAPES.items():
        CASES.append(GradCase(op=op, fn=fn, inputs=inputs(r(*shape, seed=9, low=0.2, high=3)),
                              id=f"{op}-{sid}"))
    CASES.append(GradCase(op=op, fn=fn, inputs=inputs(fixed(regions)), id=f"{op}-regions"))
