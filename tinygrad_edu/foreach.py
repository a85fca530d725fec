"""torch's _foreach_* functions: one op over a list of tensors (how fused optimizers and
EMA helpers write their updates), e.g.

    tg._foreach_mul_(ema_params, decay)                  # every p *= decay, in place
    tg._foreach_add_(ema_params, params, alpha=1 - decay)
    tg._foreach_lerp_(ema_params, params, 1 - decay)
    tg._foreach_addcdiv_(params, exp_avgs, denoms, step_sizes)   # one scale per tensor

Each argument after the list is one value for all tensors (a number or a Tensor) or a
list with one per tensor; addcmul/addcdiv take their scales as a 4th argument (a number,
a list or a 1-D Tensor), as torch's multi-tensor Adam calls them, and pow takes a number
as its first argument too (number ** tensor). torch fuses these into few kernels; here
each is a loop over the tensors calling the method of the same name, so the numbers are
the same. The `_` forms work in place and return the list, as torch's.
"""
from __future__ import annotations

from typing import Any, Callable

from .linear_algebra import norm
from .tensor import Tensor

_BINARY = ("add", "sub", "mul", "div", "pow", "clamp_min", "clamp_max", "lerp", "maximum",
           "minimum", "addcmul", "addcdiv")
_UNARY = ("abs", "neg", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "log2", "log10",
          "sign", "reciprocal", "sigmoid", "tanh", "sin", "cos", "floor", "ceil", "round",
          "trunc", "frac", "erf", "lgamma")


def _columns(name: str, count: int, others: tuple) -> list[list]:
    """Each further argument as one value per tensor."""
    columns = []
    for other in others:
        if isinstance(other, (list, tuple)):
            if len(other) != count:
                raise ValueError(f"{name}: {count} tensors but a list of {len(other)} values")
            columns.append(list(other))
        else:
            columns.append([other] * count)
    return columns


def _foreach(method: str, in_place: bool) -> Callable:
    name = f"_foreach_{method}{'_' if in_place else ''}"

    def apply(tensors: Any, *others: Any, **kwargs: Any) -> list | tuple:
        if method == "pow" and not isinstance(tensors, (list, tuple)):   # number ** tensors
            return tuple(tensors ** t for t in others[0])
        tensors = list(tensors)
        if method in ("addcmul", "addcdiv") and len(others) == 3:        # per-tensor scales
            scales = others[2].tolist() if isinstance(others[2], Tensor) else others[2]
            columns = _columns(name, len(tensors), (*others[:2], scales))
            results = [_one(method, in_place, t, a, b, value=s, **kwargs)
                       for t, a, b, s in zip(tensors, *columns)]
        else:
            results = [_one(method, in_place, t, *row, **kwargs)
                       for t, *row in zip(tensors, *_columns(name, len(tensors), others))]
        return tensors if in_place else tuple(results)
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"x.{method}{'_' if in_place else ''}(...) for every tensor x of the list."
    return apply


def _one(method: str, in_place: bool, t: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    if not in_place:
        return getattr(t, method)(*args, **kwargs)
    if hasattr(t, method + "_"):
        return getattr(t, method + "_")(*args, **kwargs)
    return t.copy_(getattr(t, method)(*args, **kwargs))           # (maximum_, minimum_)


def _foreach_zero_(tensors: Any) -> list:
    """x.zero_() for every tensor of the list."""
    for t in tensors:
        t.zero_()
    return list(tensors)


def _foreach_copy_(tensors: Any, sources: Any) -> list:
    """x.copy_(source) for every pair (the lists of one length)."""
    tensors, sources = list(tensors), list(sources)
    if len(tensors) != len(sources):
        raise ValueError(f"_foreach_copy_: {len(tensors)} tensors but {len(sources)} sources")
    for t, source in zip(tensors, sources):
        t.copy_(source)
    return tensors


def _foreach_norm(tensors: Any, ord: float = 2) -> tuple:
    """The `ord`-norm of each tensor (over all its elements)."""
    return tuple(norm(t, ord) for t in tensors)


def _foreach_max(tensors: Any) -> tuple:
    """The largest element of each tensor."""
    return tuple(t.max() for t in tensors)


FOREACH = {f.__name__: f for f in (_foreach_zero_, _foreach_copy_, _foreach_norm, _foreach_max)}
for _method in _BINARY + _UNARY:
    for _in_place in (False, True):
        _f = _foreach(_method, _in_place)
        FOREACH[_f.__name__] = _f
