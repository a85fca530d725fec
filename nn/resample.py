"""`nn.AdaptiveAvgPool2d`, `nn.AdaptiveMaxPool2d` and `nn.Upsample` (also as torch's
UpsamplingNearest2d and UpsamplingBilinear2d): modules of the
resampling functions (`F.adaptive_avg_pool2d`, `F.adaptive_max_pool2d`, `F.interpolate`)."""
from __future__ import annotations

from typing import Any

from tinygrad_edu import Tensor
from tinygrad_edu.resample import check_mode, check_size_or_scale, output_pair

from . import functional as F
from .module import Module


class _AdaptivePool(Module):
    """What the adaptive pools of every rank keep: output_size, checked by the class's
    `check_size(op, output_size)` and kept as given; forward calls `functional`."""

    check_size: Any
    functional: Any

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.check_size(type(self).__name__, output_size)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Any:
        return self.functional(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPool(_AdaptivePool):
    """An adaptive pool that can also return the index of each max (return_indices)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return self.functional(input, self.output_size, self.return_indices)


def _check_pair(op: str, output_size: Any) -> None:
    output_pair(op, output_size, (0, 0))


class AdaptiveAvgPool2d(_AdaptivePool):
    """Mean over adaptive bins to a fixed output size (None keeps that axis's size)."""

    check_size, functional = staticmethod(_check_pair), staticmethod(F.adaptive_avg_pool2d)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """Max over adaptive bins; with return_indices also the flat index of each max."""

    check_size, functional = staticmethod(_check_pair), staticmethod(F.adaptive_max_pool2d)


class Upsample(Module):
    """Resize by `size` or `scale_factor` with `F.interpolate` (modes 'nearest',
    'nearest-exact', 'linear', 'bilinear', 'bicubic', 'area')."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        check_mode(name, mode, align_corners)
        check_size_or_scale(name, size, scale_factor)
        self.size = size
        self.scale_factor = (tuple(float(f) for f in scale_factor)
                             if isinstance(scale_factor, (tuple, list))
                             else None if scale_factor is None else float(scale_factor))
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """torch's older spelling of `Upsample(size, scale_factor, mode='nearest')`."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """torch's older spelling of `Upsample(size, scale_factor, mode='bilinear',
    align_corners=True)` (corner pixels aligned, unlike Upsample's default)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
