"""torch's _foreach_* functions: one op over a list of tensors (how fused optimizers and
EMA helpers write their updates), e.g.

    tg._foreach_mul_(ema_params, decay)                  # every p *= decay, in place
    tg._foreach_add_(ema_params, params, alpha=1 - decay)
    tg._foreach_lerp_(ema_params, params, 1 - decay)

Each argument after the list is one value for all tensors (a number or a Tensor) or a
list with one per tensor. torch fuses these into few kernels; here each is a loop over
the tensors calling the method of the same name, so the numbers are the same. The `_`
forms work in place and return None, the others a tuple (as torch).
"""
from __future__ import annotations

from typing import Any, Callable

from .linear_algebra import norm

_BINARY = ("add", "sub", "mul", "div", "pow", "clamp_min", "clamp_max", "lerp", "addcmul",
           "addcdiv")
_UNARY = ("abs", "neg", "sqrt", "exp", "log", "sign", "reciprocal", "sigmoid", "tanh")


def _foreach(method: str, in_place: bool) -> Callable:
    name = f"_foreach_{method}{'_' if in_place else ''}"

    def apply(tensors: Any, *others: Any, **kwargs: Any) -> tuple | None:
        tensors = list(tensors)
        columns = []
        for other in others:
            if isinstance(other, (list, tuple)):
                if len(other) != len(tensors):
                    raise ValueError(f"{name}: {len(tensors)} tensors but a list of "
                                     f"{len(other)} values")
                columns.append(list(other))
            else:
                columns.append([other] * len(tensors))
        bound = f"{method}_" if in_place else method
        results = tuple(getattr(t, bound)(*row, **kwargs)
                        for t, *row in zip(tensors, *columns))
        return None if in_place else results
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"x.{method}{'_' if in_place else ''}(...) for every tensor x of the list."
    return apply


def _foreach_zero_(tensors: Any) -> None:
    """x.zero_() for every tensor of the list."""
    for t in tensors:
        t.zero_()


def _foreach_copy_(tensors: Any, sources: Any) -> None:
    """x.copy_(source) for every pair."""
    for t, source in zip(tensors, sources):
        t.copy_(source)


def _foreach_norm(tensors: Any, ord: float = 2) -> tuple:
    """The `ord`-norm of each tensor (over all its elements)."""
    return tuple(norm(t, ord) for t in tensors)


FOREACH = {f.__name__: f for f in (_foreach_zero_, _foreach_copy_, _foreach_norm)}
for _method in _BINARY + _UNARY:
    for _in_place in (False, True):
        _f = _foreach(_method, _in_place)
        FOREACH[_f.__name__] = _f
