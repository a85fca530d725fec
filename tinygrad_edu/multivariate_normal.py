"""torch.distributions.MultivariateNormal: a Gaussian over vectors, held by its Cholesky
factor L (Sigma = L L^T), so that every density is a triangular solve and a sum of logs
of L's diagonal, differentiable in loc and in the matrix (linalg.cholesky's VJP).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import linalg, random
from .distributions import _check, _parameter
from .grad_mode import no_grad
from .shapes import broadcast_shapes
from .tensor import Tensor, _tensor

LOG_2PI = math.log(2 * math.pi)


class MultivariateNormal:
    """N(loc, Sigma) over vectors of size k, given one of covariance_matrix (Sigma),
    precision_matrix (Sigma^-1) or scale_tril (L, lower triangular with a positive
    diagonal); batch axes of loc and the matrix broadcast.

    With L = cholesky(Sigma) and z = L^-1 (x - loc):
    log_prob(x) = -|z|^2 / 2 - sum_i log L_ii - k log(2 pi) / 2
    entropy     = k (1 + log(2 pi)) / 2 + sum_i log L_ii
    rsample()   = loc + L eps, eps ~ N(0, I): the gradient flows to loc and L
    """

    def __init__(self, loc: Any, covariance_matrix: Any = None, precision_matrix: Any = None,
                 scale_tril: Any = None, validate_args: bool | None = None) -> None:
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("MultivariateNormal: give exactly one of covariance_matrix, "
                             "precision_matrix and scale_tril")
        self.loc = _parameter(loc)
        if self.loc.ndim < 1:
            raise ValueError("MultivariateNormal: loc must be a vector (..., k), got a 0-d "
                             "tensor")
        k = self.loc.shape[-1]
        matrix = _parameter(next(m for m in (covariance_matrix, precision_matrix, scale_tril)
                                 if m is not None))
        if matrix.ndim < 2 or matrix.shape[-2:] != (k, k):
            raise ValueError(f"MultivariateNormal: the matrix must have shape (..., {k}, {k}) "
                             f"for loc of shape {self.loc.shape}, got {matrix.shape}")
        if scale_tril is not None:
            diagonal = np.diagonal(matrix.data, 0, -2, -1)
            _check("MultivariateNormal", "scale_tril lower triangular with a positive "
                   "diagonal", bool(np.all(np.triu(matrix.data, 1) == 0) and
                                    np.all(diagonal > 0)), validate_args)
            self.scale_tril = matrix
        elif covariance_matrix is not None:
            self.scale_tril = linalg.cholesky(matrix)
        else:
            self.scale_tril = linalg.cholesky(linalg.inv(matrix))
        self.batch_shape = broadcast_shapes(self.loc.shape[:-1], matrix.shape[:-2])
        self.event_shape = (k,)

    @property
    def mean(self) -> Tensor:
        return self.loc.expand(*self.batch_shape, *self.event_shape)

    @property
    def covariance_matrix(self) -> Tensor:
        L = self.scale_tril
        return (L @ L.mT).expand(*self.batch_shape, *self.event_shape, *self.event_shape)

    @property
    def precision_matrix(self) -> Tensor:
        return linalg.inv(self.covariance_matrix)

    @property
    def variance(self) -> Tensor:
        return (self.scale_tril ** 2).sum(-1).expand(*self.batch_shape, *self.event_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """loc + L eps with eps ~ N(0, I) of shape sample_shape + batch_shape + (k,)."""
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        eps = Tensor(random.generator().standard_normal(shape).astype(self.loc.dtype))
        return self.loc + (self.scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def _half_log_det(self) -> Tensor:
        """log sqrt(det Sigma) = sum_i log L_ii."""
        return self.scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Any) -> Tensor:
        diff = _tensor(value) - self.loc
        L = self.scale_tril.expand(*diff.shape[:-1], *self.event_shape, *self.event_shape)
        z = linalg.solve_triangular(L, diff.unsqueeze(-1), upper=False).squeeze(-1)
        k = self.event_shape[0]
        return -0.5 * ((z ** 2).sum(-1) + k * LOG_2PI) - self._half_log_det()

    def entropy(self) -> Tensor:
        k = self.event_shape[0]
        return (0.5 * k * (1 + LOG_2PI) + self._half_log_det()).expand(*self.batch_shape)


def kl_multivariate_normal(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """KL(p || q) = (tr(Sq^-1 Sp) + |Lq^-1 (mq - mp)|^2 - k) / 2 + log det Lq - log det Lp,
    with tr(Sq^-1 Sp) = |Lq^-1 Lp|_F^2 (two triangular solves, no inverse)."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: the distributions have event shapes {p.event_shape} "
                         f"and {q.event_shape}")
    shape = broadcast_shapes(p.batch_shape, q.batch_shape) + p.event_shape * 2
    Lp, Lq = p.scale_tril.expand(*shape), q.scale_tril.expand(*shape)
    trace = (linalg.solve_triangular(Lq, Lp, upper=False) ** 2).sum((-2, -1))
    shift = linalg.solve_triangular(Lq, (q.loc - p.loc).expand(*shape[:-1]).unsqueeze(-1),
                                    upper=False)
    k = p.event_shape[0]
    return (0.5 * (trace + (shift ** 2).sum((-2, -1)) - k) + q._half_log_det()
            - p._half_log_det())
