"""Muon: momentum whose step for a weight matrix is orthogonalized by a Newton-Schulz iteration
(Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks")."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .common import running_average_
from .optimizer import Optimizer, check_non_negative

EPS = 1e-7                                     # torch's constants (from Keller Jordan's post)
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5
ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


class Muon(Optimizer):
    """torch.optim.Muon's rule, for a weight matrix p of shape (A, B) with gradient g, momentum
    mu, (a, b, c) = ns_coefficients, k = ns_steps:

        M = mu M + (1 - mu) g                        (momentum_buffer: a running average;
                                                      torch's docs write mu M + g, its code
                                                      averages, as here)
        U = mu M + (1 - mu) g    if nesterov,  else  U = M
        O = NS(U)                                    (U's singular values made about 1)
        p = p * (1 - lr * weight_decay)              (decoupled, as AdamW)
        p = p - lr * s * O,   s = sqrt(max(1, A / B))            adjust_lr_fn None/"original"
                              s = 0.2 sqrt(max(A, B))            adjust_lr_fn "match_rms_adamw"

    The step O has every singular value near 1, whatever the gradient's: a direction that
    gets a small gradient moves as much as one that gets a large one. "original" (Keller
    Jordan's) gives tall matrices their share; "match_rms_adamw" (Moonshot's) makes the RMS
    of the step about AdamW's, so AdamW's lr and weight_decay can be reused.
    Only 2-D parameters: train biases, norms and embeddings with another optimizer (AdamW).
    torch computes NS in bfloat16 (fast on accelerators, 3 significant digits); here it runs
    in the parameter's dtype, so steps differ from torch's by about 1e-2 relative, and
    agree to rounding with a torch whose NS keeps the dtype.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B,
                                                                DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS,
                 adjust_lr_fn: str | None = None) -> None:
        check_non_negative("Muon", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if adjust_lr_fn not in ADJUST_LR_FNS:
            raise ValueError(f"Muon: adjust_lr_fn must be None, 'original' or "
                             f"'match_rms_adamw', got {adjust_lr_fn!r}")
        if len(ns_coefficients) != 3:
            raise ValueError(f"Muon: ns_coefficients must be three numbers (a, b, c), got "
                             f"{ns_coefficients}")
        if not (isinstance(ns_steps, int) and 0 <= ns_steps < 100):
            raise ValueError(f"Muon: ns_steps must be an integer in [0, 100), got {ns_steps}")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum,
                                      nesterov=nesterov, ns_coefficients=tuple(ns_coefficients),
                                      eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn))

    def add_param_group(self, group: dict) -> None:
        """As `Optimizer.add_param_group`; every parameter must be a matrix."""
        super().add_param_group(group)
        for p in self.param_groups[-1]["params"]:
            if p.ndim != 2:
                self.param_groups.pop()
                raise ValueError(f"Muon: only supports 2-D parameters (weight matrices), got "
                                 f"a parameter of shape {p.shape}; optimize biases, norms "
                                 "and embeddings with another optimizer such as AdamW")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        mu, lr = group["momentum"], group["lr"]
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(param)
        buf = running_average_(state["momentum_buffer"], grad, mu)
        direction = mu * buf + (1 - mu) * grad if group["nesterov"] else buf
        ortho = zeropower_via_newtonschulz(direction, group["ns_coefficients"],
                                           group["ns_steps"], group["eps"])
        param *= 1 - lr * group["weight_decay"]
        param -= adjust_lr(lr, group["adjust_lr_fn"], param.shape) * ortho


def zeropower_via_newtonschulz(grad: np.ndarray, ns_coefficients: tuple[float, float, float],
                               ns_steps: int, eps: float) -> np.ndarray:
    """About U V^T for grad = U S V^T (its orthogonal polar factor), by k steps of

        X = G / max(||G||_F, eps)                    (every singular value now <= 1)
        X = a X + b (X X^T) X + c (X X^T)^2 X        (k times)

    A step maps each singular value s of X to a s + b s**3 + c s**5 (U and V stay): torch's
    coefficients make that quintic steep at 0 (slope a = 3.4), so 5 steps take every s in
    [2e-3, 1] into [0.68, 1.21] (not exactly 1: speed over precision). A tall matrix is
    turned wide first, so that X X^T is the smaller Gram matrix."""
    a, b, c = ns_coefficients
    tall = grad.shape[0] > grad.shape[1]
    x = grad.T if tall else grad
    x = x / max(float(np.linalg.norm(x)), eps)
    for _ in range(ns_steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def adjust_lr(lr: float, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float:
    """lr scaled for a (A, B) matrix: sqrt(max(1, A / B)) ("original", the default), or
    0.2 sqrt(max(A, B)) ("match_rms_adamw": an orthogonal step has RMS 1 / sqrt(max(A, B)),
    AdamW's about 0.2)."""
    rows, cols = shape[:2]
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr * math.sqrt(max(1, rows / cols))
