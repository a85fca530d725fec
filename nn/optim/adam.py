"""Adam and AdamW: adaptive steps from running averages of the gradient and its square."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .common import begin_step, check_betas
from .optimizer import Optimizer, check_non_negative


class Adam(Optimizer):
    """torch.optim.Adam's rule (Kingma & Ba), per parameter p with gradient g, step t = 1, 2, ...:

        g = g + weight_decay * p                     (L2 penalty, coupled; or, with
                                                      decoupled_weight_decay, AdamW's
                                                      p = p - lr * weight_decay * p)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)                   (bias corrections: m, v start at 0)
        v_hat = v / (1 - beta2**t)
                (amsgrad: v_max = max(v_max, v),  v_hat = v_max / (1 - beta2**t))
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    sqrt(v_hat) is computed as sqrt(v) / sqrt(1 - beta2**t), as torch does: v_hat itself
    overflows float32 for gradients over ~1e19 (the step would be 0 instead of lr).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        name = type(self).__name__
        check_non_negative(name, lr=lr, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=check_betas(name, betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2) = group["lr"], group["betas"]
        grad = begin_step(param, grad, state, group, exp_avg=0.0, exp_avg_sq=0.0)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        m_hat = m / (1 - beta1 ** t)
        param -= lr * m_hat / (np.sqrt(v) / math.sqrt(1 - beta2 ** t) + group["eps"])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): before the Adam step,

        p = p - lr * weight_decay * p

    and the gradient itself gets no L2 term. Default weight_decay = 0.01, as torch.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
