"""torch.distributions.MultivariateNormal: a Gaussian over vectors, held by its Cholesky
factor L (Sigma = L L^T), so that every density is a triangular solve and a sum of logs
of L's diagonal, differentiable in loc and in the matrix (linalg.cholesky's VJP).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import linalg, random
from .distributions import Distribution, _check, _parameter, register_kl
from .dtypes import promote
from .shapes import broadcast_shapes
from .tensor import Tensor, _tensor

LOG_2PI = math.log(2 * math.pi)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors of size k, given one of covariance_matrix (Sigma),
    precision_matrix (Sigma^-1) or scale_tril (L, lower triangular with a positive
    diagonal); batch axes of loc and the matrix broadcast.

    With L = cholesky(Sigma) and z = L^-1 (x - loc):
    log_prob(x) = -|z|^2 / 2 - sum_i log L_ii - k log(2 pi) / 2
    entropy     = k (1 + log(2 pi)) / 2 + sum_i log L_ii
    rsample()   = loc + L eps, eps ~ N(0, I): the gradient flows to loc and L
    """

    has_rsample = True

    def __init__(self, loc: Any, covariance_matrix: Any = None, precision_matrix: Any = None,
                 scale_tril: Any = None, validate_args: bool | None = None) -> None:
        name = "MultivariateNormal"
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError(f"{name}: give exactly one of covariance_matrix, "
                             "precision_matrix and scale_tril")
        loc, matrix = _parameter(loc), _parameter(given[0])
        if loc.ndim < 1:
            raise ValueError(f"{name}: loc must be a vector (..., k), got a 0-d tensor")
        k = loc.shape[-1]
        if matrix.ndim < 2 or matrix.shape[-2:] != (k, k):
            raise ValueError(f"{name}: the matrix must have shape (..., {k}, {k}) for loc of "
                             f"shape {loc.shape}, got {matrix.shape}")
        dtype = promote(loc.dtype, matrix.dtype)               # (float32 with float64)
        loc, matrix = loc.to(dtype), matrix.to(dtype)
        _check(name, "a loc without nan", not np.isnan(loc.data).any(), validate_args)
        self.validate_args = validate_args
        if scale_tril is not None:
            diagonal = np.diagonal(matrix.data, 0, -2, -1)
            _check(name, "scale_tril lower triangular with a positive diagonal",
                   bool(np.all(np.triu(matrix.data, 1) == 0) and np.all(diagonal > 0)),
                   validate_args)
            factor = matrix
        else:
            _check(name, "a symmetric matrix (only its lower triangle would be read)",
                   bool(np.allclose(matrix.data, matrix.data.swapaxes(-1, -2), rtol=1e-5,
                                    atol=1e-6)), validate_args)      # (torch's tolerance)
            which = "covariance_matrix" if covariance_matrix is not None else "precision_matrix"
            try:
                factor = linalg.cholesky(matrix if covariance_matrix is not None
                                         else linalg.inv(matrix))
            except np.linalg.LinAlgError as error:
                raise np.linalg.LinAlgError(f"{name}: {which} must be positive-definite "
                                            f"({error})") from None
        self.batch_shape = broadcast_shapes(loc.shape[:-1], matrix.shape[:-2])
        self.event_shape = (k,)
        self.loc = loc.expand(*self.batch_shape, k)              # (as torch's attributes)
        self.scale_tril = factor.expand(*self.batch_shape, k, k)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def covariance_matrix(self) -> Tensor:
        return self.scale_tril @ self.scale_tril.mT

    @property
    def precision_matrix(self) -> Tensor:
        return linalg.inv(self.covariance_matrix)

    @property
    def variance(self) -> Tensor:
        return (self.scale_tril ** 2).sum(-1)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """loc + L eps with eps ~ N(0, I) of shape sample_shape + batch_shape + (k,)."""
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        eps = Tensor(random.generator().standard_normal(shape).astype(self.loc.dtype))
        return self.loc + (self.scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> Tensor:
        """log sqrt(det Sigma) = sum_i log L_ii."""
        return self.scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Any) -> Tensor:
        value = _tensor(value)
        k = self.event_shape[0]
        if value.ndim < 1 or value.shape[-1] != k:
            raise ValueError(f"MultivariateNormal.log_prob: the value must have shape (..., "
                             f"{k}), got {value.shape}")
        _check("MultivariateNormal.log_prob", "a value without nan",
               not np.isnan(value.data).any(), self.validate_args)
        try:
            batch = broadcast_shapes(value.shape[:-1], self.batch_shape)
        except ValueError:
            raise ValueError(f"MultivariateNormal.log_prob: the value's batch axes "
                             f"{value.shape[:-1]} do not broadcast with the batch shape "
                             f"{self.batch_shape}") from None
        diff = value - self.loc
        L = self.scale_tril.to(diff.dtype).expand(*batch, k, k)
        z = _solved(L, diff.expand(*batch, k))
        return -0.5 * ((z ** 2).sum(-1) + k * LOG_2PI) - self._half_log_det().to(diff.dtype)

    def entropy(self) -> Tensor:
        k = self.event_shape[0]
        return 0.5 * k * (1 + LOG_2PI) + self._half_log_det()


def _solved(L: Tensor, vectors: Tensor) -> Tensor:
    """L^-1 v for each vector v (..., k) of the batch."""
    return linalg.solve_triangular(L, vectors.unsqueeze(-1), upper=False).squeeze(-1)


@register_kl(MultivariateNormal, MultivariateNormal)
def kl_multivariate_normal(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """KL(p || q) = (tr(Sq^-1 Sp) + |Lq^-1 (mq - mp)|^2 - k) / 2 + log det Lq - log det Lp,
    with tr(Sq^-1 Sp) = |Lq^-1 Lp|_F^2 (two triangular solves, no inverse)."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: the distributions have event shapes {p.event_shape} "
                         f"and {q.event_shape}")
    batch = broadcast_shapes(p.batch_shape, q.batch_shape)   # (kl_divergence checked it)
    k = p.event_shape[0]
    dtype = promote(p.loc.dtype, q.loc.dtype)
    Lp, Lq = (d.scale_tril.to(dtype).expand(*batch, k, k) for d in (p, q))
    trace = (linalg.solve_triangular(Lq, Lp, upper=False) ** 2).sum((-2, -1))
    shift = _solved(Lq, (q.loc - p.loc).expand(*batch, k))
    return (0.5 * (trace + (shift ** 2).sum(-1) - k) + q._half_log_det().to(dtype)
            - p._half_log_det().to(dtype))
