"""Gradient-check cases for inverse, solve, det and log |det| (ops/linalg.py,
tinygrad_edu.linalg).

The matrices are random plus 3 I (well conditioned, so central differences are exact to
~1e-9): single, 1x1, batched, and for solve a batch of right-hand sides broadcast against
one A, and a vector right-hand side.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu import linalg

from . import GradCase
from .core import full_rank, inputs, r

CASES: list[GradCase] = []


def matrix(*shape: int, seed: int):
    def make() -> Tensor:
        n = shape[-1]
        values = np.random.default_rng(seed).standard_normal(shape) + 3 * np.eye(n)
        return Tensor(values, requires_grad=True)
    return make


for sid, shape in {"3x3": (3, 3), "1x1": (1, 1), "batched": (2, 3, 3)}.items():
    CASES.append(GradCase(op="inverse", fn=linalg.inv, inputs=inputs(matrix(*shape, seed=1)),
                          id=f"inverse-{sid}"))
for sid, (sa, sb) in {"matrix-rhs": ((3, 3), (3, 2)), "broadcast-A": ((3, 3), (2, 3, 1)),
                      "batched": ((2, 3, 3), (2, 3, 4)), "vector-rhs": ((3, 3), (3,))}.items():
    CASES.append(GradCase(op="solve", fn=linalg.solve,
                          inputs=inputs(matrix(*sa, seed=2), r(*sb, seed=3)), id=f"solve-{sid}"))
for sid, shape in {"3x3": (3, 3), "1x1": (1, 1), "batched": (2, 3, 3)}.items():
    CASES.append(GradCase(op="log_abs_det", fn=lambda a: linalg.slogdet(a).logabsdet,
                          inputs=inputs(matrix(*shape, seed=4)), id=f"log_abs_det-{sid}"))
for sid, shape in {"3x3": (3, 3), "1x1": (1, 1), "batched": (2, 3, 3)}.items():
    CASES.append(GradCase(op="det", fn=linalg.det, inputs=inputs(matrix(*shape, seed=5)),
                          id=f"det-{sid}"))


def rank_deficient(rank: int):
    """A 4x4 matrix of the given rank (det 0): its cofactors are the gradient."""
    def make() -> Tensor:
        rng = np.random.default_rng(10 + rank)
        values = rng.standard_normal((4, rank)) @ rng.standard_normal((rank, 4))
        return Tensor(values, requires_grad=True)
    return make


for rank in (3, 2):            # cofactors nonzero at rank n - 1, zero below; second
    CASES.append(GradCase(op="det", fn=linalg.det, inputs=inputs(rank_deficient(rank)),
                          id=f"det-rank-{rank}", second_order=False))   # order: refused


for sid, shape in {"tall": (4, 2), "wide": (2, 3), "square": (3, 3), "batched": (2, 3, 2),
                   "1x1": (1, 1)}.items():
    CASES.append(GradCase(op="pseudo_inverse", fn=linalg.pinv,
                          inputs=inputs(full_rank(*shape, seed=7)), id=f"pinv-{sid}"))

for sid, shape in {"3x3": (3, 3), "1x1": (1, 1), "batched": (2, 2, 2)}.items():
    CASES.append(GradCase(op="matrix_exp", fn=linalg.matrix_exp,
                          inputs=inputs(full_rank(*shape, seed=8)), id=f"matrix-exp-{sid}"))
CASES.append(GradCase(op="matrix_exp", fn=lambda a: linalg.matrix_exp(a * 4),   # squarings
                      inputs=inputs(full_rank(3, 3, seed=9)), id="matrix-exp-large"))
