"""More normalisation layers: InstanceNorm1d/2d/3d (per sample and channel), RMSNorm (root
mean square over the trailing axes) and LocalResponseNorm (across nearby channels)."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype, to_dtype
from tinygrad_edu.shapes import as_tuple, new_shape

from .functional_norm import instance_norm, local_response_norm, rms_norm
from .module import Module, Parameter
from .normalization import _Affine, _BatchNorm


class _InstanceNorm(_BatchNorm):
    """instance_norm with BatchNorm's parameters, buffers and repr, and torch's defaults
    affine=False, track_running_stats=False. With track_running_stats the running
    statistics are updated in training and used in evaluation; num_batches_tracked stays
    0 (as torch). Accepts batched input of `expected_ndim` dimensions or unbatched input
    of one fewer (`expected_ndim`); with affine=False a channel count other than
    num_features is allowed (with torch's warning)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        """The input's rank (batched or not); torch's hook, which a subclass may relax."""
        if input.ndim not in self.expected_ndim:
            unbatched_ndim, batched_ndim = self.expected_ndim
            raise ValueError(f"{type(self).__name__}: expected a {unbatched_ndim}-D or "
                             f"{batched_ndim}-D input, got shape {input.shape}")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        name, unbatched = type(self).__name__, input.ndim == self.expected_ndim[0]
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features:
            message = (f"{name}: input of shape {input.shape} has {x.shape[1]} channels, "
                       f"num_features is {self.num_features}")
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + " (not used: affine=False)", stacklevel=3)
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """InstanceNorm over (N, C, L) or unbatched (C, L) input."""

    expected_ndim = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """InstanceNorm over (N, C, H, W) or unbatched (C, H, W) input."""

    expected_ndim = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """InstanceNorm over (N, C, D, H, W) or unbatched (C, D, H, W) input."""

    expected_ndim = (4, 5)


class RMSNorm(_Affine):
    """y = x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) axes;
    weight (ones) of shape normalized_shape, no bias; eps=None is the dtype's epsilon."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "RMSNorm")
        self.normalized_shape = new_shape(as_tuple(normalized_shape), "RMSNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        weight = np.ones(self.normalized_shape, to_dtype(dtype or get_default_dtype()))
        self.register_parameter("weight", Parameter(weight) if elementwise_affine else None)

    def forward(self, input: Tensor) -> Tensor:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
