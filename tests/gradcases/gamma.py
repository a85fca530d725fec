"""Gradient-check cases for lgamma and polygamma (ops/gamma.py).

Both run on the edge shapes and through every region of their forwards: the series
around 1 and 2, the steps down from below 10, Stirling's and the asymptotic series
from 10 on, and the reflection below 0 (at points away from the poles).
polygamma runs with n = 0 (digamma), 1 and 2, so gradgradcheck reaches n = 4.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor, lgamma, polygamma

from . import GradCase
from .core import UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []
REGIONS = [-3.7, -1.4, -0.7, -0.3, 0.2, 0.45, 0.9, 1.2, 1.6, 2.2, 3.7, 9.9, 10.5, 40.0]


def regions() -> Tensor:
    return Tensor(np.array(REGIONS), dtype=np.float64, requires_grad=True)


FUNCTIONS = {"lgamma": lgamma, "digamma": lambda a: a.digamma(),
             "trigamma": lambda a: polygamma(1, a), "polygamma2": lambda a: a.polygamma(2)}
for name, fn in FUNCTIONS.items():
    op = "lgamma" if name == "lgamma" else "polygamma"
    for sid, shape in UNARY_SHAPES.items():
        CASES.append(GradCase(op=op, fn=fn, inputs=inputs(r(*shape, seed=3, low=0.3, high=6)),
                              id=f"{name}-{sid}"))
    CASES.append(GradCase(op=op, fn=fn, inputs=inputs(regions), id=f"{name}-regions"))
CASES.append(GradCase(op="lgamma", fn=lambda a: (a.lgamma() * a).lgamma(),
                      inputs=inputs(r(4, seed=5, low=1.5, high=3)), id="lgamma-composite"))
