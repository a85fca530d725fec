"""More schedules of torch.optim.lr_scheduler: PolynomialLR, CosineAnnealingWarmRestarts
(SGDR), CyclicLR and ChainedScheduler. Imported into `lr_scheduler`, where they are used."""
from __future__ import annotations

import math
import numbers

from typing import Any, Callable

from .lr_scheduler import LRScheduler, ReduceLROnPlateau, _check_ints, _per_group
from .optimizer import Optimizer


class PolynomialLR(LRScheduler):
    """lr_t = base_lr * (1 - min(t, total_iters) / total_iters) ** power: from base_lr down
    to 0 at t = total_iters, then 0. Computed recursively from the current lr, as torch."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        _check_ints(self, low=0, total_iters=total_iters)      # 0: the lr stays, as torch
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, n = self.last_epoch, self.total_iters
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self._first_step or t == 0 or t > n:   # (resuming keeps the lr loaded, as torch)
            return lrs
        factor = ((1 - t / n) / (1 - (t - 1) / n)) ** self.power
        return [lr * factor for lr in lrs]

    def closed_form_lr(self) -> list[float]:
        t, n = self.last_epoch, self.total_iters
        return [base * (1 - min(n, t) / n) ** self.power for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): a cosine from base_lr down to eta_min over T_i steps,
    then a restart at base_lr with T_i multiplied by T_mult (T_0 for the first cycle):

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    with T_cur the steps since the last restart. `step(epoch)` also takes a (fractional)
    epoch, as torch (`scheduler.step(epoch + i / iters)` inside an epoch's loop).
    Built with last_epoch=k it resumes in the cycle where epoch k + 1 falls (torch takes
    T_cur mod T_i, which is off once T_mult > 1 has lengthened the cycles).
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        _check_ints(self, T_0=T_0, T_mult=T_mult)
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real):
            raise ValueError(f"CosineAnnealingWarmRestarts: eta_min must be a float or an "
                             f"int, got {eta_min!r} of type {type(eta_min).__name__}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:                              # one step on
            epoch = self.last_epoch + 1
            self.T_cur += 1
            while self.T_cur >= self.T_i:           # (more than one cycle on a resume)
                self.T_cur, self.T_i = self.T_cur - self.T_i, self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got {epoch}")
        elif epoch < self.T_0:                         # in the first cycle
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:                                          # cycle n starts at T_0 (m^n - 1)/(m - 1)
            m = self.T_mult
            n = int(math.log(epoch / self.T_0 * (m - 1) + 1, m))
            self.T_cur = epoch - self.T_0 * (m ** n - 1) / (m - 1)
            self.T_i = self.T_0 * m ** n
        self._step_count += 1
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self._next_lrs())


class CyclicLR(LRScheduler):
    """The cyclical learning rate (Smith): a triangle from base_lr up to max_lr over
    step_size_up steps and back down over step_size_down (step it once per batch):

        x = t / (up + down) - cycle + 1 in [0, 1),  cycle = floor(1 + t / (up + down))
        lr = base_lr + (max_lr - base_lr) * h(x) * scale

    h rising from 0 to 1 over the first up / (up + down) of x and back. `mode` sets the
    scale: 'triangular' 1, 'triangular2' 1 / 2^(cycle - 1), 'exp_range' gamma^t; or give
    `scale_fn` with `scale_mode` 'cycle' or 'iterations'. With cycle_momentum, the
    optimizer's momentum (beta1 for Adam) moves the opposite way, from max_momentum down
    to base_momentum and back. As torch, constructing it sets the lr to base_lr.
    """

    def __init__(self, optimizer: Optimizer, base_lr: Any, max_lr: Any,
                 step_size_up: float = 2000, step_size_down: float | None = None,
                 mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: Any = 0.8,
                 max_momentum: Any = 0.9, last_epoch: int = -1) -> None:
        groups = optimizer.param_groups
        base_lrs = _per_group(self, base_lr, groups, "base_lr")
        if last_epoch == -1:
            for lr, group in zip(base_lrs, groups):
                group["lr"] = lr
        self.max_lrs = _per_group(self, max_lr, groups, "max_lr")
        up = float(step_size_up)
        self.total_size = up + (up if step_size_down is None else float(step_size_down))
        self.step_ratio = up / self.total_size
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"CyclicLR: mode must be 'triangular', 'triangular2' or "
                             f"'exp_range' (or give scale_fn), got {mode!r}")
        self.mode, self.gamma, self.scale_fn = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            defaults = getattr(optimizer, "defaults", {})
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError("CyclicLR: the optimizer must have momentum or betas when "
                                 "cycle_momentum=True")
            self.use_beta1 = "betas" in defaults
            self.base_momentums = _per_group(self, base_momentum, groups, "base_momentum")
            self.max_momentums = _per_group(self, max_momentum, groups, "max_momentum")
            if last_epoch == -1:
                self._set_momentums(groups, self.max_momentums)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _scale(self, cycle: int) -> float:
        x = cycle if self.scale_mode == "cycle" else self.last_epoch
        if self.scale_fn is not None:
            return self.scale_fn(x)
        return {"triangular": 1.0, "triangular2": 1 / 2.0 ** (x - 1),
                "exp_range": self.gamma ** x}[self.mode]

    def _set_momentums(self, groups: list, momentums: list) -> None:
        for momentum, group in zip(momentums, groups):
            if self.use_beta1:
                group["betas"] = (momentum, *group["betas"][1:])
            else:
                group["momentum"] = momentum

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self._scale(cycle)
        if self.cycle_momentum:
            self._set_momentums(self.optimizer.param_groups,
                                [high - (high - low) * rise * scale for low, high in
                                 zip(self.base_momentums, self.max_momentums)])
        return [low + (high - low) * rise * scale
                for low, high in zip(self.base_lrs, self.max_lrs)]


class ChainedScheduler(LRScheduler):
    """Several schedulers of one optimizer stepped together: each step() steps each in
    order, so their factors compose (e.g. ConstantLR warm-up times ExponentialLR)."""

    _not_saved = ("optimizer", "_schedulers")

    def __init__(self, schedulers: list, optimizer: Optimizer | None = None) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler: schedulers is empty; give at least one")
        self.optimizer = optimizer or schedulers[0].optimizer
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):        # (its step needs the metric)
                raise ValueError(f"ChainedScheduler: schedulers[{i}] is a ReduceLROnPlateau, "
                                 "whose step(metrics) needs a value; step it on its own")
            if scheduler.optimizer is not self.optimizer:
                raise ValueError(f"ChainedScheduler: schedulers[{i}] drives another optimizer")
        self._schedulers = schedulers
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Each scheduler's state_dict under "_schedulers"."""
        return {**super().state_dict(),
                "_schedulers": [scheduler.state_dict() for scheduler in self._schedulers]}

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        for scheduler, state in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(state)
