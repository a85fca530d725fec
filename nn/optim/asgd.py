"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky 1992) with a decaying step
size (Xu 2011, "Towards optimal one pass large scale learning with averaged SGD")."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .common import begin_step
from .optimizer import Optimizer, check_non_negative


class ASGD(Optimizer):
    """torch.optim.ASGD's rule, per parameter p with gradient g, step t = 1, 2, ...; eta
    starts at lr and mu at 1:

        g = -g                              if maximize
        g = g + weight_decay * p            (L2 penalty)
        p = p * (1 - lambd * eta)           (decay term)
        p = p - eta * g                     (an SGD step of size eta)
        ax = p                              while mu == 1
        ax = ax + mu * (p - ax)             after that: a running mean of the iterates
        eta = lr / (1 + lambd * lr * t)**alpha       (the next step's size)
        mu = 1 / max(1, t - t0)                      (the next step's averaging weight)

    So (for an integer t0) ax = p up to step t0 + 2, then ax = mean(p_{t0+2}, ..., p_t).
    The optimizer moves p; the average ax is the estimate to use at the end (copy it into
    the parameters yourself, as in torch).
    State: step, eta, mu (Python numbers; torch keeps 0-d tensors of its default dtype,
    float32 unless `torch.set_default_dtype(torch.float64)`) and ax. As the other
    optimizers here, it takes none of torch's implementation switches (foreach,
    differentiable, capturable).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0, *,
                 maximize: bool = False) -> None:
        check_non_negative("ASGD", lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state.update(step=0, eta=lr, mu=1.0, ax=np.zeros_like(param))
        grad = begin_step(param, grad, state, group)
        eta, ax = state["eta"], state["ax"]
        param *= 1 - lambd * eta
        param -= eta * grad
        if state["mu"] != 1:
            ax += state["mu"] * (param - ax)
        else:
            ax[...] = param
        t = state["step"]
        state["eta"] = lr / (1 + lambd * lr * t) ** group["alpha"]
        state["mu"] = 1 / max(1, t - group["t0"])
