"""The 3-D layers: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d,
AdaptiveMaxPool3d and Dropout3d (BatchNorm3d is in normalization.py, LPPool3d and
MaxUnpool3d in unpool.py with their 1-D and 2-D twins), thin Modules over
`tinygrad_edu.cnn3d` on volumes (N, C, D, H, W) or unbatched (C, D, H, W).

Parameters, initialisation and reprs are torch's: weights kaiming_uniform_(a=sqrt(5)),
biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn weight first from the seeded generator.
Each shares its options, repr and forward with its 2-D twin: the convolutions
layers._ConvNd (with `spatial = 3`), MaxPool3d layers._MaxPoolNd, AvgPool3d AvgPool2d,
the adaptive pools resample._AdaptivePool.
"""
from __future__ import annotations

from typing import Any

from tinygrad_edu import Tensor
from tinygrad_edu.cnn3d import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                                conv_transpose3d, dropout3d, max_pool3d, output_sizes)

from .layers import AvgPool2d, Dropout, _Conv, _ConvTranspose, _MaxPoolNd
from .resample import _AdaptiveMaxPool, _AdaptivePool


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


def _check_sizes(op: str, output_size: Any) -> None:
    output_sizes(op, output_size, (0, 0, 0))


class AdaptiveAvgPool3d(_AdaptivePool):
    """Mean over adaptive bins to a fixed output size (an int or three, None keeping that
    axis's size; kept as given)."""

    check_size, functional = staticmethod(_check_sizes), staticmethod(adaptive_avg_pool3d)


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """Max over adaptive bins; with return_indices also the flat index of each max."""

    check_size, functional = staticmethod(_check_sizes), staticmethod(adaptive_max_pool3d)


class Dropout3d(Dropout):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p while
    training, scale the rest by 1/(1-p)."""

    functional = staticmethod(dropout3d)
