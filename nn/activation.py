"""More activation modules: ELU, SiLU, Softplus, Hardtanh, ReLU6, LogSigmoid, GELU.

Each stores its options and calls its functional form in `nn.functional` (where the
math and the derivatives are documented); the repr is torch's. `inplace` is accepted
for torch compatibility; the result is always a new tensor.
"""
from __future__ import annotations

from typing import Callable

from tinygrad_edu import Tensor

from . import functional as F
from .module import Module


class _Activation(Module):
    """An elementwise activation: `function(input, **options)`, the options named in
    `options`; the repr lists them, then ", inplace=True" when set (torch's format)."""

    function: Callable[..., Tensor]
    options: tuple[str, ...] = ()

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self).function(input, **{name: getattr(self, name) for name in self.options})

    def extra_repr(self) -> str:
        parts = [f"{name}={getattr(self, name)}" for name in self.options]
        return ", ".join(parts + (["inplace=True"] if self.inplace else []))


class ELU(_Activation):
    """x if x > 0 else alpha (e^x - 1)."""

    function = staticmethod(F.elu)
    options = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha


class SiLU(_Activation):
    """x sigmoid(x) (also called swish)."""

    function = staticmethod(F.silu)


class Softplus(_Activation):
    """(1/beta) log(1 + e^(beta x)), linear (x) where beta x > threshold."""

    function = staticmethod(F.softplus)
    options = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold


class Hardtanh(_Activation):
    """clamp(x, min_val, max_val)."""

    function = staticmethod(F.hardtanh)
    options = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        if max_val <= min_val:
            raise ValueError(f"{type(self).__name__}: max_val ({max_val}) must be greater than "
                             f"min_val ({min_val})")
        self.min_val, self.max_val = min_val, max_val


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): Hardtanh(0, 6), as torch (its repr shows only inplace)."""

    function = staticmethod(F.relu6)
    options = ()

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)


class LogSigmoid(_Activation):
    """log sigmoid(x) = -softplus(-x), stable for large |x|."""

    function = staticmethod(F.logsigmoid)

    def __init__(self) -> None:
        super().__init__()


class GELU(_Activation):
    """x Phi(x), Phi the standard normal CDF; approximate='tanh' uses torch's tanh form.
    As torch, the option is checked when the module is called."""

    function = staticmethod(F.gelu)
    options = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"
