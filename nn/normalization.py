"""Normalisation layers: BatchNorm1d / BatchNorm2d (per channel, with running statistics),
LayerNorm (per sample, over the trailing axes) and GroupNorm (per sample and group of
channels). Parameters and keys as torch: `weight` (ones) and `bias` (zeros)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype, to_dtype
from tinygrad_edu.shapes import as_tuple, new_shape

from . import functional as F
from .module import Module, Parameter


def _affine(module: Module, shape: tuple, weight: bool, bias: bool, dtype: Any) -> None:
    """Register `weight` = ones(shape) and `bias` = zeros(shape), or None for those not wanted."""
    dtype, shape = to_dtype(dtype or get_default_dtype()), new_shape(shape, type(module).__name__)
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if weight else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if bias else None)


class _Affine(Module):
    """A norm layer's optional per-element scale `weight` (ones) and shift `bias` (zeros)."""

    def reset_parameters(self) -> None:
        """weight back to ones and bias to zeros, as torch (None stays None)."""
        with no_grad():
            for name, value in (("weight", 1), ("bias", 0)):
                param = self._parameters.get(name)
                if param is not None:
                    param.fill_(value)


class _BatchNorm(_Affine):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (axis 1).

    Training: batch statistics, and running_mean/running_var move towards them with
    `momentum` (running_var from the unbiased batch variance); momentum=None uses the
    cumulative average 1/num_batches_tracked instead. Eval: the running statistics (batch
    statistics when both were set to None, as torch's test-time adaptation recipes do).
    Buffers and keys as torch: running_mean, running_var, num_batches_tracked (int64).
    `bias=False` (keyword only, as torch) keeps the weight but no bias.
    """

    expected_ndim: tuple = ()
    optional_state = ("num_batches_tracked",)   # absent from old checkpoints: load keeps ours
    _version = 2                                # (torch's: the version that added it)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine(self, (num_features,), affine, affine and bias, dtype)
        dtype = to_dtype(dtype or get_default_dtype())
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics, weight and bias as a new layer has them."""
        self.reset_running_stats()
        super().reset_parameters()

    def _check_input_dim(self, input: Tensor) -> None:
        """The input's rank and channels; torch's hook, which a subclass may relax."""
        if input.ndim not in self.expected_ndim or input.shape[1] != self.num_features:
            dims = (" or ".join(f"{n}-D" for n in self.expected_ndim)
                    if len(self.expected_ndim) < 4 else f"at least {self.expected_ndim[0]}-D")
            raise ValueError(f"{type(self).__name__}: expected {dims} input with "
                             f"{self.num_features} channels on axis 1, got shape {input.shape}")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.data)
        # As torch: evaluation uses the running statistics when there are any (also after
        # track_running_stats is switched off), training updates them only while tracking.
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        update = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if update else None,
                            self.running_var if update else None, self.weight, self.bias,
                            use_batch_stats, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """BatchNorm over (N, C) or (N, C, L) input."""

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """BatchNorm over (N, C, H, W) input."""

    expected_ndim = (4,)


class BatchNorm3d(_BatchNorm):
    """BatchNorm over (N, C, D, H, W) input (volumes; statistics over N, D, H, W)."""

    expected_ndim = (5,)


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, *) input whose statistics torch gathers across the processes
    of a distributed job. There is one process here, so it is BatchNorm over any number of
    trailing axes."""

    expected_ndim = tuple(range(2, 33))

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any = None, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """`module` with every BatchNorm1d/2d/3d in it (itself included) replaced by a
        SyncBatchNorm that holds the same Parameters and buffers, as torch's conversion;
        containers are changed in place."""
        converted = module
        if isinstance(module, (BatchNorm1d, BatchNorm2d, BatchNorm3d)):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats)
            converted._parameters.update(module._parameters)
            converted._buffers.update(module._buffers)
            converted.training = module.training
        for name, child in module._modules.items():
            converted._modules[name] = cls.convert_sync_batchnorm(child, process_group)
        return converted


class LayerNorm(_Affine):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last len(normalized_shape)
    axes of each sample (`F.layer_norm`); weight and bias of shape normalized_shape."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "LayerNorm")
        self.normalized_shape = new_shape(as_tuple(normalized_shape), "LayerNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, self.normalized_shape, elementwise_affine, elementwise_affine and bias,
                dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(_Affine):
    """Normalise each group of num_channels / num_groups channels of each sample
    (`F.group_norm`), then scale and shift per channel: weight and bias (num_channels,)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        check_device(device, "GroupNorm")
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine(self, (num_channels,), affine, affine and bias, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
