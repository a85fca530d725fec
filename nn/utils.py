"""`clip_grad_norm_`: rescale gradients so that their global norm is at most `max_norm`."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from tinygrad_edu import Tensor


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """total = (sum_p ||p.grad||^q)^(1/q) over all gradients as one vector (q = norm_type,
    inf for the max-abs norm); if total > max_norm every gradient is multiplied by
    max_norm / (total + 1e-6). Returns total (before clipping), as torch."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    if norm_type == float("inf"):
        total = max(float(np.abs(g.data).max()) for g in grads)
    else:
        total = float(sum(float((np.abs(g.data.astype(np.float64)) ** norm_type).sum())
                          for g in grads) ** (1.0 / norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is non-finite ({total}), so it cannot be clipped")
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    if coefficient < 1.0:
        for p in params:
            if p.grad is not None:
                p.grad = Tensor._from_node((p.grad.data * coefficient).astype(p.grad.dtype), None)
    return Tensor(np.array(total, dtype=grads[0].dtype))
