"""Still more activation modules: PReLU (a learnable slope), Softmin, Softmax2d, GLU and the
elementwise Softsign, Hardswish, Hardsigmoid, Mish, SELU, CELU, Tanhshrink, Threshold,
Hardshrink and Softshrink.

Each stores its options and calls its functional form (in `nn.functional_extra`, where
the math and the derivatives are documented); the repr is torch's.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Tensor, softmax
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype, to_dtype

from . import functional_extra as F
from . import init as nn_init
from .activation import _Activation
from .module import Module, Parameter


class PReLU(Module):
    """x for x > 0, weight * x otherwise; weight (num_parameters,) starts at `init`
    (num_parameters = 1: one slope shared by all channels, else one per channel)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "PReLU")
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(np.empty(num_parameters, to_dtype(dtype or get_default_dtype())))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn_init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class _AlongDim(Module):
    """An activation along one dimension `dim` (repr "dim=...")."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(_AlongDim):
    """softmax(-x) along `dim` (None: torch's deprecated implicit choice, with a warning)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels (axis -3) at each position of (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape {input.shape}")
        return softmax(input, -3)


class GLU(_AlongDim):
    """a * sigmoid(b), a and b the two halves of the input along `dim`."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__(dim)

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)


class _WithoutOptions(_Activation):
    """An elementwise activation without options, not even `inplace` (repr "Name()")."""

    def __init__(self) -> None:
        super().__init__()


class Softsign(_WithoutOptions):
    """x / (1 + |x|)."""

    function = staticmethod(F.softsign)


class Tanhshrink(_WithoutOptions):
    """x - tanh(x)."""

    function = staticmethod(F.tanhshrink)


class _InplaceNotShown(_Activation):
    """An activation that takes `inplace` but, as in torch, does not show it in its repr."""

    def extra_repr(self) -> str:
        return ""


class Hardswish(_InplaceNotShown):
    """x relu6(x + 3) / 6."""

    function = staticmethod(F.hardswish)


class Hardsigmoid(_InplaceNotShown):
    """relu6(x + 3) / 6."""

    function = staticmethod(F.hardsigmoid)


class RReLU(_Activation):
    """Randomized leaky ReLU: a random slope in [lower, upper] for x <= 0 while training,
    their mean in eval mode (`F.rrelu`)."""

    options = ("lower", "upper")

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__(inplace)
        self.lower, self.upper = lower, upper

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, training=self.training)


class Mish(_Activation):
    """x tanh(softplus(x))."""

    function = staticmethod(F.mish)


class SELU(_Activation):
    """scale * elu(x, alpha) with the self-normalising constants."""

    function = staticmethod(F.selu)


class CELU(_Activation):
    """x for x > 0, alpha (e^(x / alpha) - 1) otherwise."""

    function = staticmethod(F.celu)
    options = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha


class Threshold(_Activation):
    """x where x > threshold, else value."""

    function = staticmethod(F.threshold)
    options = ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.threshold, self.value = threshold, value


class _Shrink(_Activation):
    """A shrink function with threshold `lambd`; the repr is the bare lambd, as torch."""

    options = ("lambd",)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(_Shrink):
    """x where |x| > lambd, else 0."""

    function = staticmethod(F.hardshrink)


class Softshrink(_Shrink):
    """x - lambd for x > lambd, x + lambd for x < -lambd, else 0."""

    function = staticmethod(F.softshrink)
