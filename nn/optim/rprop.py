"""Rprop: resilient backpropagation, steps from the gradient's sign alone."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .common import begin_step
from .optimizer import Optimizer, check_non_negative


class Rprop(Optimizer):
    """torch.optim.Rprop's rule (Riedmiller & Braun), per coordinate of a parameter p with
    gradient g; each coordinate has its own step size s (starting at lr), and
    (etaminus, etaplus) = etas, (s_min, s_max) = step_sizes:

        g = -g                              if maximize
        g * g_prev > 0:  s = s * etaplus    (same sign as last step: speed up)
        g * g_prev < 0:  s = s * etaminus,  g = 0   (overshot: slow down, wait one step)
        s = clip(s, s_min, s_max)
        p = p - s * sign(g)
        g_prev = g

    The clip applies on every step, as in torch (whose pseudo-code leaves s alone when
    g * g_prev = 0): an lr outside step_sizes is clipped at the first step. Meant for
    full-batch training; there is no weight decay.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *,
                 maximize: bool = False) -> None:
        check_non_negative("Rprop", lr=lr)
        if len(etas) != 2 or not 0 < etas[0] < 1 < etas[1]:
            raise ValueError(f"Rprop: etas must be (etaminus, etaplus) with "
                             f"0 < etaminus < 1 < etaplus, got {etas}")
        if len(step_sizes) != 2 or not 0 <= step_sizes[0] <= step_sizes[1]:
            raise ValueError(f"Rprop: step_sizes must be (min, max) with 0 <= min <= max, "
                             f"got {step_sizes}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        grad = begin_step(param, grad, state, group, prev=0.0, step_size=group["lr"])
        (etaminus, etaplus), (smallest, largest) = group["etas"], group["step_sizes"]
        agreement, size = grad * state["prev"], state["step_size"]
        size *= np.where(agreement > 0, etaplus, np.where(agreement < 0, etaminus, 1.0))
        np.clip(size, smallest, largest, out=size)
        grad = np.where(agreement < 0, 0.0, grad)
        param -= np.sign(grad) * size
        state["prev"][...] = grad
