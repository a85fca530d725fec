"""Adamax, NAdam and RAdam: Adam's running moments with another norm, Nesterov momentum, or
a rectified (warm-up free) step size."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .common import begin_step, check_betas, running_average_
from .optimizer import Optimizer, check_non_negative


class Adamax(Optimizer):
    """torch.optim.Adamax's rule (Adam with the infinity norm; Kingma & Ba, section 7), per
    parameter p with gradient g, step t = 1, 2, ...:

        g = -g                              if maximize
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g                     (exp_avg)
        u = max(beta2 * u, |g| + eps)                       (exp_inf)
        p = p - lr * m / ((1 - beta1**t) * u)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        check_non_negative("Adamax", lr=lr, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=check_betas("Adamax", betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        grad = begin_step(param, grad, state, group, exp_avg=0.0, exp_inf=0.0)
        beta1, beta2 = group["betas"]
        m = running_average_(state["exp_avg"], grad, beta1)
        u = state["exp_inf"]
        u *= beta2
        np.maximum(u, np.abs(grad) + group["eps"], out=u)
        param -= group["lr"] / (1 - beta1 ** state["step"]) * m / u


class NAdam(Optimizer):
    """torch.optim.NAdam's rule (Adam with Nesterov momentum; Dozat), per parameter p with
    gradient g, step t = 1, 2, ..., psi = momentum_decay:

        g = -g                              if maximize
        g = g + weight_decay * p            (decoupled_weight_decay: p = p * (1 - lr * wd))
        mu_t = beta1 * (1 - 0.5 * 0.96**(t * psi))          (momentum schedule)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = mu_{t+1} * m / (1 - mu_1 ... mu_{t+1}) + (1 - mu_t) * g / (1 - mu_1 ... mu_t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    The state keeps mu_1 ... mu_t as `mu_product` (a Python float, so float64: torch
    keeps a 0-d tensor of its default dtype, float32 unless set otherwise, and its steps
    of float64 parameters then differ from the float64 maths by about 1e-9).
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_non_negative("NAdam", lr=lr, eps=eps, weight_decay=weight_decay,
                           momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=check_betas("NAdam", betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        grad = begin_step(param, grad, state, group, exp_avg=0.0, exp_avg_sq=0.0)
        (beta1, beta2), t, psi = group["betas"], state["step"], group["momentum_decay"]
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        product = state["mu_product"] = state.get("mu_product", 1.0) * mu
        m = running_average_(state["exp_avg"], grad, beta1)
        v = running_average_(state["exp_avg_sq"], grad * grad, beta2)
        m_hat = mu_next * m / (1 - product * mu_next) + (1 - mu) * grad / (1 - product)
        param -= group["lr"] * m_hat / (np.sqrt(v) / math.sqrt(1 - beta2 ** t) + group["eps"])


class RAdam(Optimizer):
    """torch.optim.RAdam's rule (Adam with a rectified adaptive step; Liu et al.), per
    parameter p with gradient g, step t = 1, 2, ...:

        g = -g                              if maximize
        g = g + weight_decay * p            (decoupled_weight_decay: p = p * (1 - lr * wd))
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)     (length of the average of v)
        rho_t > 5:  l = sqrt(1 - beta2**t) / (sqrt(v) + eps)
                    r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    p = p - lr * m_hat * r * l
        otherwise:  p = p - lr * m_hat                      (too few steps to trust v: SGD
                                                             with momentum)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative("RAdam", lr=lr, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=check_betas("RAdam", betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        grad = begin_step(param, grad, state, group, exp_avg=0.0, exp_avg_sq=0.0)
        (beta1, beta2), t = group["betas"], state["step"]
        m = running_average_(state["exp_avg"], grad, beta1)
        v = running_average_(state["exp_avg_sq"], grad * grad, beta2)
        m_hat = m / (1 - beta1 ** t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            m_hat = m_hat * rect * math.sqrt(1 - beta2 ** t) / (np.sqrt(v) + group["eps"])
        param -= group["lr"] * m_hat
