"""Gradient clipping, as torch.nn.utils: `clip_grad_norm_` (= `get_total_norm` of the
gradients, then `clip_grads_with_norm_`) and `clip_grad_value_`; `clip_grad_norm` is
torch's deprecated old name."""
from __future__ import annotations

import math
import warnings
from typing import Iterable

import numpy as np

from tinygrad_edu import Tensor, no_grad


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """total = the q-norm (q = norm_type) of the vector of each gradient's q-norm, as torch:
    for q > 0 or q < 0 the norm of all gradients as one vector (inf: the largest |g|), for
    q = 0 the number of gradients that are not all zero. If total > max_norm every
    gradient is multiplied in place by max_norm / (total + 1e-6) (a nan total makes them
    nan, as torch). Returns total (before clipping) in the gradients' promoted dtype.
    `foreach` picks one of torch's two implementations; here there is one."""
    # listed once: model.parameters() is a generator, used up by the first pass
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = get_total_norm(_grads(params), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float,
                   norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """clip_grad_norm_ under its old name, with torch's FutureWarning."""
    warnings.warn("`nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The norm_type-norm of the vector of each tensor's norm_type-norm (see
    clip_grad_norm_), in the tensors' promoted dtype; 0 for no tensors."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if not tensors:
        return Tensor(0.0)
    q = float(norm_type)
    norms = np.array([_norm(t.data.astype(np.float64).ravel(), q) for t in tensors])
    total = float(_norm(norms, q))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is non-finite ({total}), so it cannot be clipped")
    return Tensor(np.array(total, dtype=np.result_type(*[t.dtype for t in tensors])))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Multiply every gradient in place by max_norm / (total_norm + 1e-6) when that is
    below 1 (a nan total makes them nan, as torch)."""
    coefficient = float(max_norm) / (float(total_norm) + 1e-6)
    if not coefficient >= 1.0:                       # (nan: clipped too)
        with no_grad():
            for g in _grads(parameters):
                g.mul_(coefficient)


def _norm(v: np.ndarray, q: float) -> float:
    """torch.linalg.vector_norm(v, q): inf / -inf the largest / smallest |v|, 0 the count
    of non-zeros, else (sum |v|^q)^(1/q)."""
    v = np.abs(v)
    if q == 0:
        return float(np.count_nonzero(v))
    if math.isinf(q):
        return float(0.0 if not v.size else v.max() if q > 0 else v.min())
    with np.errstate(divide="ignore"):              # q < 0: |0|^q = inf, and inf^(1/q) = 0
        return float((v ** q).sum() ** (1.0 / q))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient to [-clip_value, clip_value], in place."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]
