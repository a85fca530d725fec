"""Gradient-check cases for asin, acos, atanh, asinh, acosh (ops/inverse_trig.py).

Each runs on the edge shapes (0-d, size-1 axes, empty) and a random shape inside its
domain, and near the ends of the domain (+-0.97 for asin, acos and atanh; 1.05 for acosh),
where 1 - x^2 is small and the derivatives large.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu import inverse_trig as T

from . import GradCase
from .core import UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []

DOMAINS = {  # op: (function, (low, high) of the inputs, points near the domain's ends)
    "asin": (T.asin, (-0.9, 0.9), [-0.97, 0.97]),
    "acos": (T.acos, (-0.9, 0.9), [-0.97, 0.97]),
    "atanh": (T.atanh, (-0.9, 0.9), [-0.97, 0.97]),
    "asinh": (T.asinh, (-4, 4), [-300.0, 250.0]),
    "acosh": (T.acosh, (1.2, 5), [1.05, 400.0]),
}
for op, (fn, (low, high), ends) in DOMAINS.items():
    for sid, shape in {**UNARY_SHAPES, "rand": (3, 2, 4)}.items():
        CASES.append(GradCase(op=op, fn=fn, inputs=inputs(r(*shape, seed=7, low=low, high=high)),
                              id=f"{op}-{sid}"))
    CASES.append(GradCase(
        op=op, fn=fn, id=f"{op}-domain-ends",
        inputs=inputs(lambda ends=ends: Tensor(np.array(ends), requires_grad=True))))
