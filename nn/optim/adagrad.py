"""Adagrad and Adadelta: per-coordinate steps scaled by the squared gradients seen so far."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .common import begin_step, init_state, running_average_
from .optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    """torch.optim.Adagrad's rule (Duchi et al.), per parameter p with gradient g, t = 1, 2, ...:

        g = -g                              if maximize
        g = g + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g**2                    (sum starts at initial_accumulator_value)
        p = p - lr_t * g / (sqrt(sum) + eps)

    As in torch, the state of every parameter given to the constructor exists from the start
    (step 0 and its `sum`). Each group's own initial_accumulator_value is used (torch fills
    every sum from the constructor's value, whatever a group says).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_non_negative("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                init_state(p.data, self.state.setdefault(p, {}),
                           sum=group["initial_accumulator_value"])

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        grad = begin_step(param, grad, state, group, sum=group["initial_accumulator_value"])
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        param -= lr * grad / (np.sqrt(state["sum"]) + group["eps"])


class Adadelta(Optimizer):
    """torch.optim.Adadelta's rule (Zeiler), per parameter p with gradient g:

        g = -g                              if maximize
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g**2                      (square_avg)
        dx = sqrt(u + eps) / sqrt(v + eps) * g              (u: acc_delta, before this step)
        u = rho * u + (1 - rho) * dx**2
        p = p - lr * dx

    The ratio of the two running RMS values gives the step its units; lr = 1.0 by default.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0, *,
                 maximize: bool = False) -> None:
        check_non_negative("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0 <= rho <= 1:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        grad = begin_step(param, grad, state, group, square_avg=0.0, acc_delta=0.0)
        rho, eps = group["rho"], group["eps"]
        v = state["square_avg"]
        v *= rho
        v += (1 - rho) * grad * grad            # (1 - rho) first: g*g overflows from ~2e19
        delta = np.sqrt(state["acc_delta"] + eps) / np.sqrt(v + eps) * grad
        running_average_(state["acc_delta"], delta * delta, rho)
        param -= group["lr"] * delta
