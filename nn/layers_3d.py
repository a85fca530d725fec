"""The 3-D layers: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d,
AdaptiveMaxPool3d, LPPool3d, MaxUnpool3d and Dropout3d (BatchNorm3d is in normalization.py),
thin Modules over `tinygrad_edu.cnn3d` on volumes (N, C, D, H, W) or unbatched (C, D, H, W).

Parameters, initialisation and reprs are torch's: weights kaiming_uniform_(a=sqrt(5)),
biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn weight first from the seeded generator.
Each shares its options, repr and forward with its 2-D twin: the convolutions
layers._ConvNd (with `spatial = 3`), MaxPool3d layers._MaxPoolNd, AvgPool3d AvgPool2d,
LPPool3d and MaxUnpool3d those of nn.unpool.
"""
from __future__ import annotations

from typing import Any

from tinygrad_edu import Tensor
from tinygrad_edu.cnn3d import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                                conv_transpose3d, dropout3d, max_pool3d, output_sizes)

from .layers import AvgPool2d, Dropout, _Conv, _ConvTranspose, _MaxPoolNd
from .module import Module
from .unpool import _LPPool, _MaxUnpool, lp_pool3d, max_unpool3d


class Conv3d(_Conv):
    """3-D convolution (cross-correlation) over (N, C, D, H, W); weight (out, in/groups, kd,
    kh, kw). padding_mode as Conv2d's: F.pad(input, (left, right, top, bottom, front,
    back), mode), then padding 0."""

    spatial = 3
    functional = staticmethod(conv3d)


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-D convolution (the adjoint of Conv3d); weight (in, out/groups, kd, kh,
    kw)."""

    spatial = 3
    functional = staticmethod(conv_transpose3d)


class MaxPool3d(_MaxPoolNd):
    """Max over kernel_size boxes of (N, C, D, H, W) or (C, D, H, W); the options are kept
    as given, as torch."""

    functional = staticmethod(max_pool3d)


class AvgPool3d(AvgPool2d):
    """Mean over kernel_size boxes (stride defaults to kernel_size); the options are kept
    as given, as torch."""

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)


class _AdaptivePool3d(Module):
    """What both adaptive pools keep: output_size (an int or three, None keeping that
    axis's size; checked here, kept as given)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        output_sizes(type(self).__name__, output_size, (0, 0, 0))
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool3d(_AdaptivePool3d):
    """Mean over adaptive bins to a fixed output size."""

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptivePool3d):
    """Max over adaptive bins; with return_indices also the flat index of each max."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)


class LPPool3d(_LPPool):
    """The module of lp_pool3d."""

    def forward(self, input: Tensor) -> Tensor:
        return lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class MaxUnpool3d(_MaxUnpool):
    """The module of max_unpool3d: forward(input, indices, output_size=None)."""

    spatial = 3

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding,
                            output_size)


class Dropout3d(Dropout):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p while
    training, scale the rest by 1/(1-p)."""

    functional = staticmethod(dropout3d)
