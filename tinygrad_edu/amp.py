"""torch.amp, mixed precision, as it behaves on numpy's CPU: `GradScaler` and `autocast`
(also `tinygrad_edu.autocast` and `tinygrad_edu.cuda.amp`). Training scripts (nanoGPT's
train.py) name them even when they run on a CPU, so they exist and do what torch does.

GradScaler is the real algorithm (torch's, on the CPU): multiply the loss by a scale S
so that float16 gradients do not underflow, divide the gradients by S before the step,
skip the step when a gradient overflowed (inf or nan), and adapt S: halve it after an
overflow, double it after `growth_interval` clean steps.
"""
from __future__ import annotations

import functools
import warnings
from types import SimpleNamespace
from collections.abc import Iterable
from typing import Any, Callable

import numpy as np

from .device import cuda, is_device
from .tensor import Tensor


class GradScaler:
    """torch.amp.GradScaler(device='cuda', init_scale=2.**16, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True). As in torch on a machine
    without a GPU, a scaler for 'cuda' (the default) warns and disables itself: then
    scale() returns the loss as it is and step() just calls optimizer.step().

    Each iteration is scale(loss).backward(), [unscale_(optimizer)], step(optimizer),
    update(), in that order; S is kept as torch keeps it, a float32 number."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if enabled and str(device).split(":")[0] != "cpu":
            warnings.warn(f"GradScaler: device {device!r} is not available (tinygrad_edu "
                          "computes on the CPU); disabling. Pass device='cpu' to scale.",
                          stacklevel=2)
            enabled = False
        self._enabled = enabled
        self._scale = float(init_scale)     # (float32 from the first scale(), as torch)
        self.set_growth_factor(growth_factor)
        self.set_backoff_factor(backoff_factor)
        self.set_growth_interval(growth_interval)
        self._growth_tracker = 0
        self._scaled = False        # scale() was called (torch's lazily made _scale)
        self._stages: dict = {}     # id(optimizer) unscaled -> [found an overflow, stepped]

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, value: float) -> None:
        if not value > 1:
            raise ValueError(f"GradScaler: growth_factor must be > 1, got {value}")
        self._growth_factor = value

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, value: float) -> None:
        if not 0 < value < 1:
            raise ValueError(f"GradScaler: backoff_factor must be in (0, 1), got {value}")
        self._backoff_factor = value

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"GradScaler: growth_interval must be a positive int, got {value}")
        self._growth_interval = value

    def scale(self, outputs: Any) -> Any:
        """outputs * S: a tensor, or a list/tuple (or other iterable, lazily) of them. S is
        a float32 0-d tensor, so a 0-d float16 loss is scaled in float32, as torch."""
        if not self._enabled:
            return outputs
        if not self._scaled:
            with np.errstate(over="ignore"):
                scale = float(np.float32(self._scale))
            if not np.isfinite(scale):
                raise RuntimeError(f"GradScaler.scale: init_scale {self._scale} does not fit "
                                   "in float32 (as torch)")
            self._scale, self._scaled = scale, True
        if isinstance(outputs, Tensor):
            return outputs * Tensor(np.float32(self._scale))
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        if isinstance(outputs, Iterable):
            return map(self.scale, outputs)
        raise TypeError(f"GradScaler.scale: outputs must be a Tensor or an iterable of "
                        f"Tensors, got {type(outputs).__name__}")

    def _check_scaled(self, op: str) -> None:
        if not self._scaled:
            raise RuntimeError(f"GradScaler.{op}: scale(loss) has not been called yet (call "
                               "it, then backward, before unscale_, step and update)")

    def unscale_(self, optimizer: Any) -> None:
        """Divide every gradient of the optimizer's parameters by S (rounded to float32, as
        torch), in place, and note whether any is inf or nan (call it before clipping
        gradients). float16 gradients are refused, as torch (the parameters an optimizer
        steps should be float32)."""
        if not self._enabled:
            return
        self._check_scaled("unscale_")
        if id(optimizer) in self._stages:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update()" + (" (step() unscales too)"
                                                      if self._stages[id(optimizer)][1] else ""))
        grads = [p.grad.data for group in optimizer.param_groups for p in group["params"]
                 if p.grad is not None]
        if any(g.dtype == np.float16 for g in grads):
            raise ValueError("GradScaler.unscale_: attempting to unscale float16 gradients "
                             "(as torch, the parameters the optimizer steps must be float32)")
        inverse = float(np.float32(1.0 / self._scale))
        found = None if not grads else False          # (None: nothing was checked)
        for grad in grads:
            grad *= np.asarray(inverse, dtype=grad.dtype)
            found = found or not np.isfinite(grad).all()
        self._stages[id(optimizer)] = [found, False]

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """optimizer.step(...) on the unscaled gradients, skipped (None) after an overflow;
        once per optimizer between two update()s."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("GradScaler.step: a closure is not supported when the scaler "
                               "is enabled (as torch)")
        self._check_scaled("step")
        if id(optimizer) in self._stages and self._stages[id(optimizer)][1]:
            raise RuntimeError("step() has already been called since the last update()")
        if id(optimizer) not in self._stages:
            self.unscale_(optimizer)
        stage = self._stages[id(optimizer)]
        if stage[0] is None:
            raise RuntimeError("GradScaler.step: no inf checks were recorded for this "
                               "optimizer: none of its parameters has a gradient")
        stage[1] = True
        return None if stage[0] else optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """S * backoff_factor after an overflow, S * growth_factor after growth_interval
        clean steps in a row, unless that leaves float32's range (or new_scale, if given)."""
        if not self._enabled:
            return
        self._check_scaled("update")
        checks = [stage[0] for stage in self._stages.values() if stage[0] is not None]
        if new_scale is not None:
            self._scale = float(np.float32(new_scale))
        elif not checks:
            raise RuntimeError("GradScaler.update: no inf checks were recorded since the last "
                               "update(); call step(optimizer) (or unscale_) first")
        elif any(checks):
            self._scale = float(np.float32(self._scale * self._backoff_factor))
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                if grown <= float(np.finfo(np.float32).max):       # (torch's rule too)
                    self._scale = float(np.float32(grown))
                self._growth_tracker = 0
        self._stages = {}

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state: dict) -> None:
        if not self._enabled:
            return
        missing = {"scale", "growth_factor", "backoff_factor", "growth_interval",
                   "_growth_tracker"} - set(state)
        if missing:
            raise RuntimeError(f"GradScaler.load_state_dict: the state has no "
                               f"{', '.join(sorted(missing))} (an empty state comes from a "
                               "disabled scaler)")
        self._scale, self._growth_tracker = float(state["scale"]), state["_growth_tracker"]
        self.set_growth_factor(state["growth_factor"])
        self.set_backoff_factor(state["backoff_factor"])
        self.set_growth_interval(state["growth_interval"])


class autocast:
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None), a context
    manager or decorator. For a device other than the CPU it warns and does nothing, as
    torch without a GPU; on the CPU, computing ops in a lower precision is not built
    here, so enabled=True there is an error (enabled=False does nothing)."""

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not is_device(device_type) or ":" in device_type:
            raise ValueError(f"autocast: device_type must be a device name such as 'cpu' or "
                             f"'cuda', got {device_type!r}")
        if enabled and device_type != "cpu":
            warnings.warn(f"autocast: device_type {device_type!r} is not available "
                          "(tinygrad_edu computes on the CPU); disabling autocast.",
                          stacklevel=2)
        elif enabled:
            raise NotImplementedError(
                "autocast: mixed precision on the CPU is not built here (every op computes "
                "in its inputs' dtype); convert the model with .half() or leave autocast out "
                "(enabled=False)")

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)
        return wrapped


cuda.amp = SimpleNamespace(GradScaler=functools.partial(GradScaler, "cuda"),
                          autocast=functools.partial(autocast, "cuda"))
"""torch.cuda.amp's (deprecated) spellings: for the GPU, so disabled here, with a warning."""
