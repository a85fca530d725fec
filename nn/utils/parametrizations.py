"""torch.nn.utils.parametrizations: weight_norm, spectral_norm and orthogonal as
parametrizations (see parametrize.py): the weight is computed from
`parametrizations.weight.original*` whenever it is read.

    weight_norm:    original0 = g, original1 = v;  weight = g v / ||v||, the norm over
                    every dim but `dim`
    spectral_norm:  weight = original / sigma,  sigma = u^T W v with W the original as a
                    (size of dim, rest) matrix and u, v (buffers _u, _v) its singular
                    vectors by power iteration: 15 steps when registered, then in
                    training mode each read first sets u = W v / ||W v||, v = W^T u / ||W^T u||
    orthogonal:     weight = base Q(original), Q orthogonal for every original (below)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Tensor, cat, eye, no_grad, randn, zeros, zeros_like
from tinygrad_edu.householder import geqrf, householder_product
from tinygrad_edu.linalg import matrix_exp, solve
from tinygrad_edu.linear_algebra import norm

from ..module import Module
from .parametrize import register_parametrization
from .reparametrization import check_axis, length, norm_axes


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / length(weight_v, norm_axes(weight_v.ndim, self.dim)))

    def right_inverse(self, weight: Tensor) -> tuple:
        return length(weight, norm_axes(weight.ndim, self.dim), keepdim=self.dim != -1), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """weight = g v / ||v||, with g and v stored as parametrizations.<name>.original0, 1. A
    state_dict of the old nn.utils.weight_norm (<name>_g, <name>_v) loads into it, as torch."""
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def rename_old_keys(state_dict: dict, prefix: str, *_: Any) -> None:
        old = [f"{prefix}{name}_g", f"{prefix}{name}_v"]
        if all(key in state_dict for key in old):
            for i, key in enumerate(old):
                state_dict[f"{prefix}parametrizations.{name}.original{i}"] = state_dict.pop(key)
    module._register_load_state_dict_pre_hook(rename_old_keys)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        check_axis(weight, dim)
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim, self.eps = dim % weight.ndim, eps
        self.n_power_iterations = n_power_iterations
        if weight.ndim > 1:
            rows = self._matrix(weight.detach())
            self.register_buffer("_u", self._normalized(randn(rows.shape[0], dtype=weight.dtype)))
            self.register_buffer("_v", self._normalized(randn(rows.shape[1], dtype=weight.dtype)))
            self._power_method(rows, 15)

    def _matrix(self, weight: Tensor) -> Tensor:
        return weight.movedim(self.dim, 0).reshape(weight.shape[self.dim], -1)

    def _normalized(self, x: Tensor) -> Tensor:
        return x / float(np.maximum(np.linalg.norm(x.data), self.eps))

    def _power_method(self, rows: Tensor, steps: int) -> None:
        with no_grad():
            for _ in range(steps):
                self._u.data[...] = self._normalized(rows @ self._v).data
                self._v.data[...] = self._normalized(rows.mT @ self._u).data

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / norm(weight).clamp(min=self.eps)
        rows = self._matrix(weight)
        if self.training:
            self._power_method(rows.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        return weight / (u * (rows @ v)).sum()

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """weight = original / sigma(original) (see the module docstring); dim None: 1 for
    transposed convolutions, else 0."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter or buffer "
                         f"named {name!r}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    return register_parametrization(module, name,
                                    _SpectralNorm(weight, n_power_iterations, dim, eps))


ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


class _Orthogonal(Module):
    """Q(X): an orthogonal (n, k) matrix (orthonormal columns; rows when n < k, by
    transposing) for every X of the weight's shape, as torch's:
      matrix_exp:  Q = e^A, the first k columns, A = L - L^T skew-symmetric (L the lower
                   triangle of X, padded with zero columns to n x n): e^A is a rotation;
      cayley:      Q = (I - A/2)^-1 (I + A/2), the Cayley transform of the same A;
      householder: Q = H_1 ... H_k (householder_product) with v_i below X's diagonal and
                   tau_i = 2 / ||v_i||^2 (exact reflections), column i times int(X_ii).
    With use_trivialization (default), weight = base Q(X): assigning a weight W stores
    base = W made orthogonal (QR with diag R >= 0; completed with random columns when
    n != k) and X = -I, which every map sends to I (so weight = base), and training moves
    X from there. Without it, only householder can be assigned to (X = W's reflectors)."""

    def __init__(self, weight: Tensor, orthogonal_map: str, use_trivialization: bool) -> None:
        super().__init__()
        self.shape, self.orthogonal_map = weight.shape, orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X, n, k = X.mT, k, n
        if self.orthogonal_map == "householder":
            reflectors = X.tril(-1)
            tau = 2.0 / (1.0 + (reflectors * reflectors).sum(-2))
            Q = householder_product(reflectors, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)   # (torch's sign rule)
        else:
            L = X.tril()
            if n != k:
                L = cat([L, zeros(*L.shape[:-2], n, n - k, dtype=L.dtype)], -1)
            A = L - L.mT
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = eye(n, dtype=A.dtype)
                Q = solve(identity - A / 2, identity + A / 2)
            Q = Q[..., :k]
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        """The X to store so that the weight reads Q (see the class docstring)."""
        if Q.shape != self.shape:
            raise ValueError(f"orthogonal: expected a weight of shape {self.shape}, got "
                             f"{Q.shape}")
        given = Q
        n, k = Q.shape[-2:]
        transposed = n < k
        if transposed:
            Q, n, k = Q.mT, k, n
        if "base" not in self._buffers:
            if self.orthogonal_map != "householder":
                raise NotImplementedError(
                    f"orthogonal: the {self.orthogonal_map} map cannot be assigned to when "
                    "use_trivialization=False (only householder can)")
            reflectors, tau = geqrf(Q)
            signs = np.sign(reflectors.data.diagonal(axis1=-2, axis2=-1))
            _set_diagonal(reflectors, np.where(tau.data == 0, -signs, signs))  # (torch's)
            return reflectors.mT if transposed else reflectors
        if n != k:                           # complete the columns with random ones
            Q = cat([Q, randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype)], -1)
        if n != k or not _is_orthogonal(Q):
            Q = _make_orthogonal(Q)
        self.base = Q.clone()
        minus_identity = zeros_like(given)
        _set_diagonal(minus_identity, -1)
        return minus_identity


def _set_diagonal(x: Tensor, values: Any) -> None:
    """x[..., i, i] = values in place (the main diagonal of each matrix)."""
    i = np.arange(min(x.shape[-2:]))
    x.data[..., i, i] = values


def _is_orthogonal(Q: Tensor) -> bool:
    """Q^T Q = I to within 10 n eps, torch's test."""
    n, k = Q.shape[-2:]
    eps = 10.0 * n * float(np.finfo(Q.dtype).eps)
    return bool(np.allclose((Q.mT @ Q).data, np.eye(k), rtol=1e-5, atol=eps))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A = Q R with R's diagonal >= 0 (the QR made unique, as torch)."""
    reflectors, tau = geqrf(A)
    Q = householder_product(reflectors, tau)
    return Q * Tensor(np.sign(reflectors.data.diagonal(axis1=-2, axis2=-1))[..., None, :])


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Make module.<name> an orthogonal matrix (or a batch of them) however it is trained,
    as torch's: weight^T weight = I (weight weight^T = I for a wide one). orthogonal_map
    (class _Orthogonal): 'matrix_exp' by default for square weights, 'householder' for
    others, or 'cayley'. The weight keeps its value when registered (with trivialization)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"orthogonal: {type(module).__name__} has no parameter or buffer "
                         f"named {name!r}")
    if weight.ndim < 2:
        raise ValueError(f"orthogonal: expected a matrix or batch of matrices, got a tensor "
                         f"of {weight.ndim} dimensions")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in ORTHOGONAL_MAPS:
        raise ValueError(f"orthogonal: orthogonal_map has to be one of "
                         f"{', '.join(map(repr, ORTHOGONAL_MAPS))}, got {orthogonal_map!r}")
    return register_parametrization(
        module, name, _Orthogonal(weight, orthogonal_map, use_trivialization), unsafe=True)
