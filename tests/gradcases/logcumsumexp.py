"""Gradient-check cases for the LogCumsumExp primitive: random shapes and axes, values
far apart (where e^(-out) alone would overflow) and upstream gradients of both signs."""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.ops.scan import LogCumsumExpJacobian

from . import GradCase
from .core import UNARY_SHAPES, inputs, r

CASES: list[GradCase] = []


def case(id: str, fn, makers) -> None:
    CASES.append(GradCase(op="log_cumsum_exp", fn=fn, inputs=inputs(*makers),
                          id=f"logcumsumexp-{id}"))


for sid, shape in UNARY_SHAPES.items():
    case(sid, lambda a: a.logcumsumexp(-1), [r(*shape, seed=21)])
case("3d-dim0", lambda a: a.logcumsumexp(0), [r(3, 2, 2, seed=22)])
case("3d-dim1", lambda a: a.logcumsumexp(1), [r(2, 4, 3, seed=23)])
case("far-apart", lambda a: a.logcumsumexp(0),
     [lambda: Tensor(np.array([-800.0, -1.0, 2.5, 700.0, 0.5]), requires_grad=True)])
case("weighted", lambda a, w: (a.logcumsumexp(1) * w).sum(),
     [r(2, 5, seed=24), r(2, 5, seed=25)])


def jacobian_case(id: str, transpose: bool, shape: tuple, dim: int, seed: int) -> None:
    """J v or J^T v of logcumsumexp with out recomputed from a (as the engine has it)."""
    def fn(v, a):
        out = a.logcumsumexp(dim)
        return LogCumsumExpJacobian.apply(v, a, out, dim=dim % len(shape), transpose=transpose)
    CASES.append(GradCase(op="log_cumsum_exp_jacobian", fn=fn,
                          inputs=inputs(r(*shape, seed=seed), r(*shape, seed=seed + 1)),
                          id=f"logcumsumexp-jacobian-{id}"))


for transpose in (False, True):
    name = "transposed" if transpose else "plain"
    jacobian_case(f"{name}-vec", transpose, (5,), 0, 30)
    jacobian_case(f"{name}-mat-dim0", transpose, (3, 2), 0, 32)
    jacobian_case(f"{name}-3d-last", transpose, (2, 2, 3), -1, 34)
