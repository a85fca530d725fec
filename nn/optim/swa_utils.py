"""torch.optim.swa_utils: weight averaging. `AveragedModel` keeps a copy of a model whose
parameters are a running average of the model's over training:

    SWA (the default):  avg <- avg + (p - avg) / (n + 1)       (equal weights, Izmailov 2018)
    EMA:                avg <- decay avg + (1 - decay) p       (get_ema_multi_avg_fn)

`update_bn` recomputes BatchNorm statistics for the averaged weights, and `SWALR` anneals
the learning rate to a constant for the averaging phase.
"""
from __future__ import annotations

import copy
import math
from typing import Any, Callable, Iterable, Sequence

import tinygrad_edu as tg
from tinygrad_edu import Tensor

from ..module import Module
from ..normalization import _BatchNorm
from .lr_scheduler import LRScheduler
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"get_ema_avg_fn: decay must be in [0, 1], got {decay}")


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """avg_fn(avg, p, n) = decay avg + (1 - decay) p."""
    _check_decay(decay)
    return lambda averaged, current, num_averaged: decay * averaged + (1 - decay) * current


def get_swa_avg_fn() -> Callable:
    """avg_fn(avg, p, n) = avg + (p - avg) / (n + 1): the mean of the n + 1 models seen."""
    return lambda averaged, current, num_averaged: averaged + (current - averaged) / (
        num_averaged + 1)


def _in_place(avg_fn: Callable) -> Callable:
    """A multi_avg_fn from an avg_fn: each averaged tensor overwritten with avg_fn's value."""
    def update(averaged: Sequence[Tensor], current: Sequence[Tensor], num_averaged: Any) -> None:
        with tg.no_grad():
            for a, p in zip(averaged, current):
                a.copy_(avg_fn(a, p, num_averaged))
    return update


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """multi_avg_fn(avgs, ps, n): every avg <- decay avg + (1 - decay) p, in place."""
    return _in_place(get_ema_avg_fn(decay))


def get_swa_multi_avg_fn() -> Callable:
    """multi_avg_fn(avgs, ps, n): every avg <- avg + (p - avg) / (n + 1), in place."""
    return _in_place(get_swa_avg_fn())


class AveragedModel(Module):
    """A deep copy of `model` (`.module`) whose parameters `update_parameters(model)` moves
    to the running average: the first call copies the model, the later ones apply avg_fn
    (one tensor at a time) or multi_avg_fn (the lists at once), by default the SWA mean.
    With use_buffers=True the buffers (BatchNorm's running statistics) are averaged too;
    otherwise they are copied from the model. `n_averaged` counts the models averaged (a
    buffer, so it is in state_dict). Calling it runs the averaged copy."""

    def __init__(self, model: Module, device: Any = None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", tg.tensor(0, dtype=tg.int64))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _averaged_tensors(self, model: Module) -> tuple[list[Tensor], list[Tensor]]:
        if self.use_buffers:
            return ([*self.module.parameters(), *self.module.buffers()],
                    [*model.parameters(), *model.buffers()])
        return list(self.module.parameters()), list(model.parameters())

    def update_parameters(self, model: Module) -> None:
        averaged, current = self._averaged_tensors(model)
        current = [p.detach() for p in current]
        n = int(self.n_averaged.item())
        with tg.no_grad():
            if n == 0:
                for a, p in zip(averaged, current):
                    a.copy_(p)
            elif self.avg_fn is not None:
                _in_place(self.avg_fn)(averaged, current, self.n_averaged)
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(averaged, current,
                                                               self.n_averaged)
            if not self.use_buffers:
                for mine, theirs in zip(self.module.buffers(), model.buffers()):
                    mine.copy_(theirs.detach())
            self.n_averaged.add_(1)


def update_bn(loader: Iterable, model: Module, device: Any = None) -> None:
    """Recompute every BatchNorm's running mean and variance for the current weights: reset
    them, then one pass over `loader` in train mode with momentum None (the cumulative
    average); a batch that is a list or tuple gives its first element to the model."""
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    if not norms:
        return
    momenta = {m: m.momentum for m in norms}
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    was_training = model.training
    model.train()
    with tg.no_grad():
        for batch in loader:
            model(batch[0] if isinstance(batch, (list, tuple)) else batch)
    for m, momentum in momenta.items():
        m.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's lr to its swa_lr over anneal_epochs steps ("cos":
    alpha = (1 - cos(pi t)) / 2, or "linear": alpha = t, t = step / anneal_epochs), then
    keeps it there: lr = alpha swa_lr + (1 - alpha) lr_start, where lr_start is recovered
    from the group's current lr, so SWALR can take over from another scheduler."""

    def __init__(self, optimizer: Optimizer, swa_lr: float | Sequence[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        groups = optimizer.param_groups
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(swa_lrs) != len(groups):
            raise ValueError(f"SWALR: expected {len(groups)} values for swa_lr, got "
                             f"{len(swa_lrs)}")
        for value, group in zip(swa_lrs, groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) \
                or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be an int >= 0, got {anneal_epochs!r}")
        self.anneal_strategy, self.anneal_epochs = anneal_strategy, anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _alpha(self, step: int) -> float:
        t = max(0.0, min(1.0, step / max(1, self.anneal_epochs)))
        return t if self.anneal_strategy == "linear" else (1 - math.cos(math.pi * t)) / 2

    def get_lr(self) -> list[float]:
        step = self._step_count - 1 if self.anneal_epochs else max(1, self._step_count - 1)
        previous, alpha = self._alpha(step - 1), self._alpha(step)
        lrs = []
        for group in self.optimizer.param_groups:
            start = group["swa_lr"] if previous == 1 else (
                (group["lr"] - previous * group["swa_lr"]) / (1 - previous))
            lrs.append(group["swa_lr"] * alpha + start * (1 - alpha))
        return lrs
