"""Gradient-check cases for cholesky, eigh and svd (ops/decompositions.py, tinygrad_edu.linalg).

cholesky and eigh read one triangle of A and return the symmetric gradient, so each case builds
a symmetric A from a free matrix B (B B^T + I, positive-definite, for cholesky; (B + B^T) / 2
for eigh) and the check differentiates through that. Eigenvectors are fixed only up to sign:
the eigh case flips each to a positive first entry (a constant factor). Singular vectors
too: the svd case returns the sign-free products u_i v_i^T, and s.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import linalg

from . import GradCase
from .core import full_rank, inputs, r

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


def singular_triplets(a):
    U, S, Vh = linalg.svd(a, full_matrices=False)
    return U.mT.unsqueeze(-1) * Vh.unsqueeze(-2), S       # u_i v_i^T for each i, and s


for sid, shape in {"square": (3, 3), "tall": (4, 2), "wide": (2, 4), "batched": (2, 3, 4),
                   "1x1": (1, 1)}.items():
    CASES.append(GradCase(op="svd", fn=singular_triplets, inputs=inputs(r(*shape, seed=10)),
                          id=f"svd-{sid}"))
CASES.append(GradCase(op="svd", id="svd-spectral-norm", inputs=inputs(r(3, 5, seed=11)),
                      fn=lambda a: linalg.matrix_norm(a, 2)))


for sid, shape in {"square": (3, 3), "tall": (4, 2), "wide": (2, 4), "batched": (2, 3, 2),
                   "1x1": (1, 1)}.items():
    CASES.append(GradCase(op="qr", fn=lambda a: tuple(linalg.qr(a)),
                          inputs=inputs(full_rank(*shape, seed=12, boost=2.0)), id=f"qr-{sid}"))
