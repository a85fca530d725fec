"""Padding layers, as torch: {Zero, Constant, Reflection, Replication, Circular}Pad{1,2,3}d.

Each stores `padding` as torch's flat tuple (left, right[, top, bottom[, front, back]]),
an int meaning the same amount on every side, and calls `F.pad` with its mode (see
`tinygrad_edu.pad` for what each mode copies and for the gradient). The non-constant
modes pad an (N, C, *) or unbatched (C, *) input over its last 1, 2 or 3 dimensions.
"""
from __future__ import annotations

from typing import Sequence

from tinygrad_edu import Tensor, pad

from .module import Module


def _padding_tuple(name: str, padding: int | Sequence[int], length: int) -> tuple:
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * length
    values = tuple(padding) if isinstance(padding, (tuple, list)) else ()
    if len(values) != length or not all(isinstance(p, int) for p in values):
        raise ValueError(f"{name}: padding must be an int or a tuple of {length} ints, got "
                         f"{padding!r}")
    return values


class _PadNd(Module):
    """Pad the last `dims` dimensions with `mode`; repr the padding tuple."""

    mode: str
    dims: int

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _padding_tuple(type(self).__name__, padding, 2 * self.dims)

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pad with the number `value`."""

    mode = "constant"

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    dims = 3


class _ZeroPadNd(_ConstantPadNd):
    """Pad with zeros: a ConstantPad with value 0.0 (repr the padding only, as torch)."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPadNd, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPadNd, ConstantPad3d):
    pass


class _ReflectionPadNd(_PadNd):
    """Mirror about the edge, excluding it: abc -> cb|abc|ba (each amount < the size)."""

    mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    dims = 1


class ReflectionPad2d(_ReflectionPadNd):
    dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    dims = 3


class _ReplicationPadNd(_PadNd):
    """Repeat the edge element: abc -> aa|abc|cc."""

    mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    dims = 1


class ReplicationPad2d(_ReplicationPadNd):
    dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    dims = 3


class _CircularPadNd(_PadNd):
    """Wrap around: abc -> bc|abc|ab (each amount <= the size)."""

    mode = "circular"


class CircularPad1d(_CircularPadNd):
    dims = 1


class CircularPad2d(_CircularPadNd):
    dims = 2


class CircularPad3d(_CircularPadNd):
    dims = 3
