"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    """torch.optim.RMSprop's rule, per parameter p with gradient g:

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        v~ = v                      (centered: a = alpha * a + (1 - alpha) * g,  v~ = v - a**2)
        momentum > 0:  b = momentum * b + g / (sqrt(v~) + eps),   p = p - lr * b
        otherwise:     p = p - lr * g / (sqrt(v~) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        check_non_negative("RMSprop", lr=lr, eps=eps, weight_decay=weight_decay,
                           momentum=momentum)
        if not 0 <= alpha <= 1:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {alpha}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            a = state["grad_avg"]
            a *= alpha
            a += (1 - alpha) * grad
            v = v - a * a
        step = grad / (np.sqrt(v) + group["eps"])
        if momentum > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(param))
            buf *= momentum
            buf += step
            step = buf
        param -= group["lr"] * step
