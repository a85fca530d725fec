"""torch.jit's names as model files use them, and torch._assert. Nothing is compiled or
scripted here (Python runs every model as written), so: `Final` is typing's (timm's
`fused_attn: torch.jit.Final[bool]`), `ignore`, `unused` and `export` return the function,
`is_scripting()` and `is_tracing()` are False, and `script` returns its argument."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable, Final


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
