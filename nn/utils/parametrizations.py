"""torch.nn.utils.parametrizations: weight_norm and spectral_norm as parametrizations
(see parametrize.py): the weight is computed from `parametrizations.weight.original*`
whenever it is read.

    weight_norm:    original0 = g, original1 = v;  weight = g v / ||v||, the norm over
                    every dim but `dim`
    spectral_norm:  weight = original / sigma,  sigma = u^T W v with W the original as a
                    (size of dim, rest) matrix and u, v (buffers _u, _v) its singular
                    vectors by power iteration: 15 steps when registered, then in
                    training mode each read first sets u = W v / ||W v||, v = W^T u / ||W^T u||
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor, no_grad, randn
from tinygrad_edu.linear_algebra import norm

from ..module import Module
from .parametrize import register_parametrization
from .reparametrization import length, norm_axes


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / length(weight_v, norm_axes(weight_v.ndim, self.dim)))

    def right_inverse(self, weight: Tensor) -> tuple:
        return length(weight, norm_axes(weight.ndim, self.dim), keepdim=self.dim != -1), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """weight = g v / ||v||, with g and v stored as parametrizations.<name>.original0, 1."""
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if not -weight.ndim <= dim < weight.ndim:
            raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of shape "
                             f"{weight.shape}")
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
