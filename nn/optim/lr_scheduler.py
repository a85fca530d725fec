"""Learning-rate schedules, as `torch.optim.lr_scheduler`: call `scheduler.step()` after
`optimizer.step()` (once per epoch, or once per batch for OneCycleLR;
`ReduceLROnPlateau.step(metric)` after each validation). Each writes the new rate into
every parameter group's "lr"; `t` below is `last_epoch`, the number of steps taken."""
from __future__ import annotations

import functools
import math
import warnings
from bisect import bisect_right
from typing import Any, Callable

import numpy as np

from .optimizer import Optimizer, check_non_negative


def _warning_outside_step(get_lr: Callable) -> Callable:
    """get_lr, warning as torch's schedulers do when it is called outside step(): it
    computes the next epoch's rates (recursive ones from the current lr), not the last."""
    @functools.wraps(get_lr)
    def checked(self: LRScheduler) -> list[float]:
        if not self._get_lr_called_within_step:
            warnings.warn(f"{type(self).__name__}.get_lr() is step()'s own: it computes the "
                          "next rates. To get the last learning rate computed by the "
                          "scheduler, use get_last_lr() (as torch warns)", UserWarning,
                          stacklevel=2)
        return get_lr(self)
    return checked


class LRScheduler:
    """Base class: `last_epoch` counts steps; `get_lr()` gives the rates for the next one.

    On construction the groups' "initial_lr" is recorded (base_lrs) and one step is
    taken, so the optimizer starts at the schedule's epoch-0 rate.
    """

    _not_saved: tuple[str, ...] = ("optimizer",)   # attributes state_dict leaves out
    _get_lr_called_within_step = False              # (torch's name: in the state dict too)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_lr" in cls.__dict__ and cls.__module__.startswith("nn.optim."):
            cls.get_lr = _warning_outside_step(cls.__dict__["get_lr"])

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = _checked_optimizer(self, optimizer)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: param group {i} has no 'initial_lr'; "
                               "it is needed to resume with last_epoch != -1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (call it after optimizer.step()). torch's deprecated
        step(epoch) also works, with its warning: it jumps to `epoch` (by the closed form
        where the scheduler has one)."""
        if self._step_count == 1 and not getattr(self.optimizer, "_stepped", False):
            warnings.warn(f"{type(self).__name__}.step() was called before optimizer.step(): "
                          "the schedule's first rate is skipped. Call optimizer.step() "
                          "first, then scheduler.step() (as torch warns)", UserWarning,
                          stacklevel=2)
        if epoch is not None:
            warnings.warn(f"{type(self).__name__}.step(epoch) is deprecated, as in torch: "
                          "call step() once per epoch, without an argument", UserWarning,
                          stacklevel=2)
            self._jump_to(epoch)
            return
        self._step_count += 1
        self.last_epoch += 1
        self._set_lrs(self._next_lrs())

    def _set_lrs(self, lrs: list[float]) -> None:
        groups = self.optimizer.param_groups
        if len(lrs) != len(groups):
            raise ValueError(f"{type(self).__name__}: the optimizer has {len(groups)} param "
                             f"groups but the schedule has {len(lrs)} (one per group it was "
                             "built with): add the param groups before building the scheduler")
        for group, lr in zip(groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    @property
    def _first_step(self) -> bool:
        """True during the step the constructor makes (torch's "initial step"). Recursive
        schedulers then leave the lr as it is (apart from a start factor at t = 0), so
        resuming with last_epoch=k keeps the lr loaded into the optimizer."""
        return self._step_count == 1

    def _jump_to(self, epoch: int) -> None:
        """Set the rates of `epoch` directly (SequentialLR restarts a scheduler at 0 at its
        milestone): from the closed form where the scheduler has one, else from get_lr()."""
        self._step_count += 1
        self.last_epoch = epoch
        closed_form = getattr(self, "closed_form_lr", None)
        self._set_lrs(closed_form() if closed_form else self._next_lrs())

    def _next_lrs(self) -> list[float]:
        """get_lr(), called from step (a library scheduler's get_lr warns elsewhere)."""
        self._get_lr_called_within_step = True
        try:
            return self.get_lr()
        finally:
            self._get_lr_called_within_step = False

    def get_last_lr(self) -> list[float]:
        """The rates the last `step()` set."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer (save that with the optimizer's own state_dict)."""
        return {k: v for k, v in self.__dict__.items() if k not in self._not_saved}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update({k: list(v) if isinstance(v, tuple) else v
                              for k, v in state_dict.items() if k not in self._not_saved})


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): decay by gamma every step_size epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # recursive like torch: other code (or another scheduler) may also change "lr"
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return lrs
        return [lr * self.gamma for lr in lrs]

    def closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2.

    Like torch, each step is computed recursively from the current lr, which equals the
    closed form above for t <= T_max when nothing else changes the lr (and keeps
    following the cosine beyond T_max, rising again).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._first_step:                       # the step made by the constructor (also
            return [group["lr"] for group in groups]   # when resuming), as torch 2.x
        if (t - 1 - T) % (2 * T) == 0:             # at a trough: the ratio below is 0/0
            return [group["lr"] + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [eta_min + ratio * (group["lr"] - eta_min) for group in groups]

    def closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): the lr rises from max_lr / div_factor to max_lr
    over the first pct_start of total_steps, then anneals to
    initial_lr / final_div_factor; momentum (SGD's momentum or Adam's beta1) moves the
    opposite way between max_momentum and base_momentum. Annealing is cosine by default:

        anneal(start, end, pct) = end + (start - end) * (1 + cos(pi * pct)) / 2

    With three_phase=True the lr goes up, back down to the initial lr symmetrically, and
    then anneals to the minimum. Step it once per batch.
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float | list = 0.85,
                 max_momentum: float | list = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: give total_steps, or both epochs and "
                                 "steps_per_epoch")
            _check_ints(self, epochs=epochs, steps_per_epoch=steps_per_epoch)
            total_steps = epochs * steps_per_epoch
        _check_ints(self, total_steps=total_steps)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        up = float(pct_start * total_steps) - 1
        if three_phase:
            self.phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (2 * up, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                           (total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                            "max_momentum")]
        else:
            self.phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (total_steps - 1, "max_lr", "min_lr", "base_momentum",
                            "max_momentum")]
        groups = _checked_optimizer(self, optimizer).param_groups
        max_lrs = _per_group(self, max_lr, groups, "max_lr")
        for group, top in zip(groups, max_lrs):
            if last_epoch == -1:
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"OneCycleLR: cycle_momentum is on but {type(optimizer).__name__}"
                                 " has neither 'momentum' nor 'betas'")
            self.use_beta1 = "betas" in optimizer.defaults
            lows = _per_group(self, base_momentum, groups, "momentum")
            highs = _per_group(self, max_momentum, groups, "momentum")
            for group, low, high in zip(groups, lows, highs):
                if last_epoch == -1:
                    self._set_momentum(group, high)
                    group["base_momentum"], group["max_momentum"] = low, high
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the schedule has "
                             f"total_steps={self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_from, lr_to, m_from, m_to) in enumerate(self.phases):
                if step <= end or i == len(self.phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m_from], group[m_to], pct))
                    break
                start = end
        return lrs


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones <= t): decay by gamma at each milestone.

    Milestones may come in any order; one listed twice decays twice (torch's Counter).
    """

    def __init__(self, optimizer: Optimizer, milestones: list[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = sorted(_int_list(self, "milestones", milestones, low=0))
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.count(self.last_epoch)
        return [group["lr"] * self.gamma ** hits for group in self.optimizer.param_groups]

    def closed_form_lr(self) -> list[float]:
        decays = bisect_right(self.milestones, self.last_epoch)
        return [base * self.gamma ** decays for base in self.base_lrs]

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        if isinstance(self.milestones, dict):   # torch's Counter {milestone: times listed}
            self.milestones = sorted(m for m, n in self.milestones.items() for _ in range(n))


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** t: decay by gamma every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        return lrs if self._first_step else [lr * self.gamma for lr in lrs]

    def closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class _LambdaScheduler(LRScheduler):
    """Shared by LambdaLR and MultiplicativeLR: one function of t per param group.

    state_dict() does not hold the functions (a lambda cannot be saved); construct the
    scheduler with the same functions before load_state_dict(). Unlike torch, the state of
    a callable *object* is not saved either, and a torch state_dict's "lr_lambdas" entry
    is ignored on loading.
    """

    _not_saved = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable | list,
                 last_epoch: int = -1) -> None:
        groups = _checked_optimizer(self, optimizer).param_groups
        self.lr_lambdas = _per_group(self, lr_lambda, groups, "lr_lambda")
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(f"{type(self).__name__}: lr_lambda must be a function of the "
                                f"epoch (or a list of one per param group), got "
                                f"{type(f).__name__}")
        super().__init__(optimizer, last_epoch)


class LambdaLR(_LambdaScheduler):
    """lr = base_lr * lr_lambda(t) (one lr_lambda, or a list of one per param group).

    state_dict() leaves the functions out: build the scheduler with the same ones, then
    load_state_dict().
    """

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class MultiplicativeLR(_LambdaScheduler):
    """lr_t = lr_{t-1} * lr_lambda(t) for t >= 1; lr_0 = base_lr.

    state_dict() leaves the functions out: build the scheduler with the same ones, then
    load_state_dict().
    """

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._first_step:
            return [group["lr"] for group in groups]
        return [group["lr"] * f(self.last_epoch) for group, f in zip(groups, self.lr_lambdas)]


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters)
    / total_iters): a linear ramp of the factor (a warm-up when start_factor < end_factor).

    Computed recursively like torch: each step multiplies the lr by factor(t) / factor(t-1).
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        _check_ints(self, total_iters=total_iters)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T = self.last_epoch, self.total_iters
        start, delta = self.start_factor, self.end_factor - self.start_factor
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if t == 0:
            return [lr * start for lr in lrs]
        if self._first_step or t > T:
            return lrs
        return [lr * (1 + delta / (T * start + (t - 1) * delta)) for lr in lrs]

    def closed_form_lr(self) -> list[float]:
        factor = self.start_factor + (self.end_factor - self.start_factor) * min(
            self.last_epoch, self.total_iters) / self.total_iters
        return [base * factor for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = base_lr * factor for t < total_iters, then base_lr."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if not 0 < factor <= 1:            # torch accepts 0, then divides by it at total_iters
            raise ValueError(f"ConstantLR: factor must be in (0, 1], got {factor}")
        _check_ints(self, low=0, total_iters=total_iters)   # 0: factor kept for good, as torch
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if t == 0:
            return [lr * self.factor for lr in lrs]
        if t != self.total_iters:          # (no _first_step rule here, as torch)
            return lrs
        return [lr / self.factor for lr in lrs]

    def closed_form_lr(self) -> list[float]:
        factor = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [base * factor for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """schedulers[0] until milestones[0], then schedulers[1] started afresh (its t = 0, its
    closed form where it has one) until milestones[1], and so on: at epoch t the lr is that
    of schedulers[i] at epoch t - milestones[i-1], i the number of milestones <= t.
    (MultiplicativeLR has no closed form: it goes on from the lr it finds, as in torch.)

    The schedulers must drive this optimizer; constructing them already stepped it, so the
    lr is reset to "initial_lr" and only schedulers[0] takes the first step.
    """

    _not_saved = ("optimizer", "_schedulers")

    def __init__(self, optimizer: Optimizer, schedulers: list, milestones: list,
                 last_epoch: int = -1) -> None:
        self.optimizer = _checked_optimizer(self, optimizer)
        schedulers = list(schedulers)
        milestones = _int_list(self, "milestones", milestones, low=1)
        if not schedulers:
            raise ValueError("SequentialLR: schedulers is empty; give at least one scheduler")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler) or isinstance(scheduler, SequentialLR):
                raise TypeError(f"SequentialLR: schedulers[{i}] is a "
                                f"{type(scheduler).__name__}, not a (non-sequential) LRScheduler")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR: schedulers[{i}] is a ReduceLROnPlateau, whose "
                                 "step() needs the metric")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] drives another optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: {len(schedulers)} schedulers need "
                             f"{len(schedulers) - 1} milestones, got {len(milestones)}")
        if sorted(set(milestones)) != milestones:
            raise ValueError(f"SequentialLR: milestones must be increasing, got {milestones}")
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1           # as torch
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:               # undo the constructors' steps ...
            scheduler.last_epoch -= 1
        schedulers[0]._step_count = 0              # ... and take the first one again
        schedulers[0].step()
        self._last_lr = schedulers[0].get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler._jump_to(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict:
        """Its own counters, and each scheduler's state_dict under "_schedulers"."""
        return {**super().state_dict(),
                "_schedulers": [scheduler.state_dict() for scheduler in self._schedulers]}

    def load_state_dict(self, state_dict: dict) -> None:
        states = state_dict["_schedulers"]
        if len(states) != len(self._schedulers):
            raise ValueError(f"SequentialLR.load_state_dict: the state has {len(states)} "
                             f"schedulers, this SequentialLR {len(self._schedulers)}")
        super().load_state_dict(state_dict)
        for scheduler, state in zip(self._schedulers, states):
            scheduler.load_state_dict(state)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` (not below min_lr) once the metric passed to
    `step(metric)` has not improved for more than `patience` steps in a row, then wait
    `cooldown` steps before counting again. The metric improves on `best` when

        mode='min': metric < best * (1 - threshold)  (threshold_mode='rel')
                    metric < best - threshold         (threshold_mode='abs')
        mode='max': metric > best * (1 + threshold)  or  metric > best + threshold

    A reduction smaller than eps is skipped. min_lr is one float or one per param group.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list = 0, eps: float = 1e-8) -> None:
        self.optimizer = _checked_optimizer(self, optimizer)
        if not 0 <= factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in [0, 1), got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        _check_ints(self, low=0, patience=patience, cooldown=cooldown)
        check_non_negative("ReduceLROnPlateau", threshold=threshold, eps=eps)
        self.min_lrs = _per_group(self, min_lr, optimizer.param_groups, "min_lr")
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.mode, self.factor, self.patience, self.cooldown = mode, factor, patience, cooldown
        self.threshold, self.threshold_mode, self.eps = threshold, threshold_mode, eps
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best, self.num_bad_epochs, self.cooldown_counter = self.mode_worse, 0, 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, metric: float, best: float) -> bool:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return metric < (best * (1 - self.threshold) if rel else best - self.threshold)
        return metric > (best * (1 + self.threshold) if rel else best + self.threshold)

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:
        """Record one value of the monitored metric (a number or a one-element Tensor).
        torch's deprecated `epoch` sets last_epoch, with its warning."""
        metric = float(metrics)
        if epoch is not None:
            warnings.warn("ReduceLROnPlateau.step(metrics, epoch) is deprecated, as in torch: "
                          "call step(metrics) once per validation", UserWarning, stacklevel=2)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(metric, self.best):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(self.min_lrs) != len(groups):       # a param group was added since
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(groups)} param "
                                   f"groups but min_lr has {len(self.min_lrs)} values; set "
                                   "min_lrs to one per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            new_lr = max(group["lr"] * self.factor, min_lr)
            if group["lr"] - new_lr > self.eps:
                group["lr"] = new_lr


def _checked_optimizer(scheduler: LRScheduler, optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(scheduler).__name__}: {type(optimizer).__name__} is not an "
                        "Optimizer")
    return optimizer


def _per_group(scheduler: LRScheduler, value: Any, groups: list, name: str) -> list:
    """`value` for every param group: a list or tuple of one per group, or one for all."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(f"{type(scheduler).__name__}: expected {len(groups)} values for "
                             f"{name} (one per param group), got {len(value)}")
        return list(value)
    return [value] * len(groups)


def _check_ints(scheduler: LRScheduler, low: int = 1, **values: Any) -> None:
    """Each value (or each item of a list value) must be an int >= low (0 or 1)."""
    for key, value in values.items():
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low
               for v in items):
            kind = "positive" if low == 1 else "non-negative"
            what = f"{kind} ints" if isinstance(value, list) else f"a {kind} int"
            raise ValueError(f"{type(scheduler).__name__}: {key} must be {what}, got {value!r}")


def _int_list(scheduler: LRScheduler, name: str, value: Any, low: int) -> list:
    """`value` (an iterable of epochs, each an int >= low) as a list."""
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise TypeError(f"{type(scheduler).__name__}: {name} must be a list of epochs, got "
                        f"{value!r}")
    value = list(value)
    _check_ints(scheduler, low, **{name: value})
    return value


from .lr_scheduler_more import (ChainedScheduler, CosineAnnealingWarmRestarts,  # noqa: E402,F401
                                CyclicLR, PolynomialLR)

_LRScheduler = LRScheduler
"""torch's old name of the base class, which torch 2 still keeps (tutorials subclass it)."""
