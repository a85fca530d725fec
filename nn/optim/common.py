"""Pieces the update rules share: the opening of a step (state, weight decay),
running averages, and the betas check."""
from __future__ import annotations

import numpy as np


def check_betas(name: str, betas: tuple[float, float]) -> tuple[float, float]:
    """Adam-style (beta1, beta2): two numbers in [0, 1) (nan is refused). Returns a tuple."""
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ValueError(f"{name}: betas must be two numbers in [0, 1), got {betas}")
    return tuple(betas)


def init_state(param: np.ndarray, state: dict, **fills: float) -> None:
    """The state before the first step: step = 0 and, for each name, an array like `param`
    filled with its value (torch's keys and order)."""
    state["step"] = 0
    for key, value in fills.items():
        state[key] = np.full_like(param, value)


def begin_step(param: np.ndarray, grad: np.ndarray, state: dict, group: dict,
               **fills: float) -> np.ndarray:
    """The opening of every rule here, for one parameter p with gradient g:

        first step: init_state(p, state, **fills);   then step = step + 1
        g = g + weight_decay * p                (L2 penalty, coupled; the default)
        p = p * (1 - lr * weight_decay)         if decoupled_weight_decay (as AdamW)

    Returns g (a new array when changed: `.grad` itself is never written)."""
    if not state:
        init_state(param, state, **fills)
    state["step"] += 1
    weight_decay = group.get("weight_decay", 0)
    if weight_decay and group.get("decoupled_weight_decay", False):
        param *= 1 - group["lr"] * weight_decay
    elif weight_decay:
        grad = grad + weight_decay * param
    return grad


def running_average_(average: np.ndarray, value: np.ndarray, decay: float) -> np.ndarray:
    """average = decay * average + (1 - decay) * value, in place; returns `average`."""
    average *= decay
    average += (1 - decay) * value
    return average
