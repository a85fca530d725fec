"""torch.jit's names as model files use them, torch._assert, and the pre-0.4 wrapper
torch.autograd.Variable. Nothing is compiled or scripted here (Python runs every model as
written), so: `Final` is typing's (timm's `fused_attn: torch.jit.Final[bool]`), `ignore`,
`unused` and `export` return the function, `is_scripting()` and `is_tracing()` are False,
and `script` returns its argument."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable, Final

from .tensor import Tensor


def _as_written(fn: Callable | None = None, **options: Any) -> Any:
    """A decorator, also with options (`@torch.jit.ignore(drop=True)`), that changes nothing."""
    return fn if fn is not None else (lambda f: f)


def _false() -> bool:
    return False


def _script(obj: Any, *args: Any, **kwargs: Any) -> Any:
    return obj


jit = SimpleNamespace(Final=Final, ignore=_as_written, unused=_as_written,
                      export=_as_written, is_scripting=_false, is_tracing=_false,
                      script=_script)


def _assert(condition: Any, message: str) -> None:
    """torch._assert: an assert that also survives `python -O` (torchvision's ViT)."""
    if not condition:
        raise AssertionError(message)


class _VariableType(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)


class Variable(metaclass=_VariableType):
    """torch.autograd.Variable(t, requires_grad=False): since torch 0.4 a tensor is its own
    variable, so this gives t's values (shared) as a tensor with that requires_grad, and
    every tensor is an instance (the old WGAN-GP scripts' `Variable(real_imgs)`)."""

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:
        t = data.detach() if isinstance(data, Tensor) else Tensor(data)
        return t.requires_grad_(requires_grad)
