"""Gradient-check cases for erfinv and erfcinv (ops/inverse_erf.py): both sides of the
switch at |y| = 1/2 between Halley's steps on erf and on erfc, and the tails."""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.ops.inverse_erf import ErfcInv, ErfInv

from . import GradCase
from .core import UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []


def fixed(values: list):
    return lambda: Tensor(np.array(values), dtype=np.float64, requires_grad=True)


for sid, shape in UNARY_SHAPES.items():
    CASES.append(GradCase(op="erf_inv", fn=ErfInv.apply, id=f"erfinv-{sid}",
                          inputs=inputs(r(*shape, seed=7, low=-0.9, high=0.9))))
CASES += [
    GradCase(op="erf_inv", fn=ErfInv.apply, id="erfinv-switch-and-tails",
             inputs=inputs(fixed([-0.999, -0.5001, -0.4999, 0.0, 0.3, 0.5001, 0.99]))),
    GradCase(op="erfc_inv", fn=ErfcInv.apply, id="erfcinv-both-halves",
             inputs=inputs(fixed([1e-4, 0.02, 0.7, 1.0, 1.3, 1.97]))),
    GradCase(op="erfc_inv", fn=ErfcInv.apply, id="erfcinv-matrix",
             inputs=inputs(r(2, 3, seed=8, low=0.1, high=1.9))),
]
