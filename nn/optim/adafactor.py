"""Adafactor: Adam-like steps whose second moment of a matrix is stored as a row and a column
(Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost")."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from tinygrad_edu import Tensor

from .common import running_average_
from .optimizer import Optimizer, check_non_negative

FACTORS = ("row_var", "col_var")


class Adafactor(Optimizer):
    """torch.optim.Adafactor's rule, per parameter p with gradient g, step t = 1, 2, ...,
    tau = beta2_decay, (eps1, eps2) = eps (eps1 None: the machine epsilon of p's dtype):

        g = -g                               if maximize
        w = t**tau                           (1 - beta2_t: the weight of the new g**2)
        rho = min(lr, 1 / sqrt(t))           (relative step size)
        alpha = max(eps2, RMS(p)) * rho      (the step is relative to p's own size)
        p = p * (1 - lr * weight_decay)      (decoupled, as AdamW)
        p of 2 or more dims, (..., m, n): the second moment, factored
            R = (1 - w) R + w mean(g**2, over n)     (row_var, (..., m, 1))
            C = (1 - w) C + w mean(g**2, over m)     (col_var, (..., 1, n))
            V = R C / max(mean(R, over m), eps1)     (the rank-1 estimate, (..., m, n))
        p of 0 or 1 dim:
            V = (1 - w) V + w g**2                   (variance)
        U = g / max(sqrt(V), eps1)
        p = p - alpha * U / max(1, RMS(U) / d)       (update clipping at RMS d)

    with RMS(x) = sqrt(mean(x**2)). R and C are running averages of the row and column
    means of g**2, and V = R C / mean(R) is the rank-1 matrix whose row means are R and
    column means C: a (m, n) matrix keeps m + n numbers where Adam keeps m n. The weight
    w = t**tau starts at 1 (the first averages are those of g**2 itself: no bias correction
    needed) and decays slowly, so the averages cover ever longer windows. eps1 enters only
    at the end, as torch's (the paper adds it to g**2), and lr caps rho and scales the
    weight decay (the paper has neither).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        check_non_negative("Adafactor", lr=lr, weight_decay=weight_decay)
        if not beta2_decay <= 0:
            raise ValueError(f"Adafactor: beta2_decay must be <= 0, got {beta2_decay}")
        if len(eps) != 2 or not (eps[0] is None or eps[0] >= 0) or not eps[1] >= 0:
            raise ValueError(f"Adafactor: eps must be (eps1, eps2) with eps1 None or >= 0 and "
                             f"eps2 >= 0, got {eps}")
        if not d >= 1:
            raise ValueError(f"Adafactor: d (the clipping threshold) must be >= 1, got {d}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay, maximize=maximize))

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (eps1, eps2) = group["lr"], group["eps"]
        eps1 = np.finfo(param.dtype).eps if eps1 is None else eps1
        if not state:
            state["step"] = 0
            if param.ndim > 1:
                state.update({key: np.zeros(factor_shape(param.shape, key), param.dtype)
                              for key in FACTORS})
            else:
                state["variance"] = np.zeros_like(param)
        state["step"] += 1
        t = state["step"]
        weight = t ** group["beta2_decay"]
        alpha = max(eps2, rms(param)) * min(lr, 1 / t ** 0.5)
        param *= 1 - lr * group["weight_decay"]
        if param.ndim > 1:
            row = running_average_(state["row_var"], (grad * grad).mean(-1, keepdims=True),
                                   1 - weight)
            col = running_average_(state["col_var"], (grad * grad).mean(-2, keepdims=True),
                                   1 - weight)
            variance = row * col / np.maximum(row.mean(-2, keepdims=True), eps1)
        else:
            variance = running_average_(state["variance"], grad * grad, 1 - weight)
        step = grad / np.sqrt(np.maximum(variance, eps1 * eps1))
        param -= alpha / max(1.0, rms(step) / group["d"]) * step

    def _restore(self, state_dict: dict) -> None:
        """As `Optimizer.load_state_dict`; row_var and col_var have the parameter's shape
        with the last axis (row_var) or the one before it (col_var) of size 1."""
        saved = {str(k): entry for k, entry in state_dict["state"].items()}
        super()._restore({**state_dict, "state": {
            k: {key: v for key, v in entry.items() if key not in FACTORS}
            for k, entry in saved.items()}})
        for saved_group, group in zip(state_dict["param_groups"], self.param_groups):
            for index, p in zip(saved_group["params"], group["params"]):
                for key in FACTORS:
                    if key in saved.get(str(index), {}):
                        value = saved[str(index)][key]
                        value = np.asarray(value.data if isinstance(value, Tensor) else value)
                        if value.shape != factor_shape(p.shape, key):
                            raise ValueError(f"Adafactor.load_state_dict: state {key!r} of "
                                             f"parameter {index} has shape {value.shape}, "
                                             f"expected {factor_shape(p.shape, key)} for a "
                                             f"parameter of shape {p.shape}")
                        self.state[p][key] = np.array(value, dtype=p.dtype)


def factor_shape(shape: tuple[int, ...], key: str) -> tuple[int, ...]:
    """The shape of a factored second moment of a parameter of `shape` (..., m, n):
    row_var (..., m, 1), col_var (..., 1, n)."""
    axis = -1 if key == "row_var" else -2
    return tuple(1 if i == len(shape) + axis else size for i, size in enumerate(shape))


def rms(x: np.ndarray) -> float:
    """sqrt(mean(x**2)), the root mean square of all the entries (0 for none)."""
    return float(np.linalg.norm(x)) / x.size ** 0.5 if x.size else 0.0
