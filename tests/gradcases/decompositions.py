"""Gradient-check cases for cholesky and eigh (ops/decompositions.py, tinygrad_edu.linalg).

Both read one triangle of A and return the symmetric gradient, so each case builds a
symmetric A from a free matrix B (B B^T + I, positive-definite, for cholesky; (B + B^T) / 2
for eigh) and the check differentiates through that. Eigenvectors are fixed only up to
sign: the eigh case flips each to a positive first entry (a constant factor).
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import linalg

from . import GradCase
from .core import inputs, r

CASES: list[GradCase] = []


def positive_definite(b):
    return b @ b.mT + np.eye(b.shape[-1])


def eigen_pair(b):
    w, V = linalg.eigh((b + b.mT) / 2)
    return w, V * V[..., :1, :].sign()


for sid, shape in {"3x3": (3, 3), "1x1": (1, 1), "batched": (2, 4, 4)}.items():
    CASES.append(GradCase(op="cholesky", fn=lambda b: linalg.cholesky(positive_definite(b)),
                          inputs=inputs(r(*shape, seed=6)), id=f"cholesky-{sid}"))
    CASES.append(GradCase(op="eigh", fn=eigen_pair, inputs=inputs(r(*shape, seed=7)),
                          id=f"eigh-{sid}"))
CASES.append(GradCase(op="cholesky", id="cholesky-upper", inputs=inputs(r(3, 3, seed=8)),
                      fn=lambda b: linalg.cholesky(positive_definite(b), upper=True)))
CASES.append(GradCase(op="eigh", id="eigh-eigenvalues-upper", inputs=inputs(r(2, 3, 3, seed=9)),
                      fn=lambda b: linalg.eigvalsh(b + b.mT, UPLO="U")))
