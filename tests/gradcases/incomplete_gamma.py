"""Gradient-check cases for the incomplete gamma primitives (ops/incomplete_gamma.py).

The shapes a run on both sides of x = a + 1, where P switches from its series to its
continued fraction, and broadcast against x. Their derivative in a (D, summed outside the
graph) is checked to first order only: its own derivative raises by design; in x and u,
to second order.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.ops.incomplete_gamma import GammaDensity, GammaInc, GammaQuantile

from . import GradCase
from .core import inputs, r

CASES: list[GradCase] = []
SHAPES = [0.3, 0.9, 1.0, 2.5, 7.0, 12.0, 40.0]            # a: small, at 1, large (Stirling)
POINTS = [0.05, 1.5, 1.2, 5.0, 4.0, 14.0, 52.0]           # x: below and above a + 1


def fixed(values: list, requires_grad: bool = True):
    return lambda: Tensor(np.array(values), dtype=np.float64, requires_grad=requires_grad)


for upper in (False, True):
    name = "gammaincc" if upper else "gammainc"
    fn = (lambda upper: lambda a, x: GammaInc.apply(a, x, upper=upper))(upper)
    CASES += [
        GradCase(op="gamma_inc", fn=fn, inputs=inputs(fixed(SHAPES), fixed(POINTS)),
                 id=f"{name}-both-sides", second_order=False),
        GradCase(op="gamma_inc", fn=fn, inputs=inputs(r(3, 1, seed=1, low=0.5, high=4),
                                                      r(1, 4, seed=2, low=0.2, high=6)),
                 id=f"{name}-broadcast", second_order=False),
        GradCase(op="gamma_inc", fn=fn, inputs=inputs(fixed(SHAPES, False), fixed(POINTS)),
                 id=f"{name}-in-x"),
    ]
CASES += [
    GradCase(op="gamma_density", fn=GammaDensity.apply,
             inputs=inputs(fixed(SHAPES), fixed(POINTS)), id="gamma_density-both-sides"),
    GradCase(op="gamma_density", fn=GammaDensity.apply,
             inputs=inputs(r(2, 1, seed=3, low=0.5, high=4), r(3, seed=4, low=0.2, high=6)),
             id="gamma_density-broadcast"),
    GradCase(op="gamma_quantile", fn=GammaQuantile.apply,
             inputs=inputs(fixed(SHAPES), fixed([0.01, 0.3, 0.5, 0.62, 0.9, 0.999, 0.2])),
             id="gamma_quantile-tails", second_order=False),
    GradCase(op="gamma_quantile", fn=GammaQuantile.apply,
             inputs=inputs(fixed(SHAPES, False), fixed([0.01, 0.3, 0.5, 0.62, 0.9, 0.99, 0.2])),
             id="gamma_quantile-in-u"),
]
