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
from typing import Any, Callable

import numpy as np

from . import grad_mode
from .device import cuda


class GradScaler:
    """torch.amp.GradScaler(device='cuda', init_scale=2.**16, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True). As in torch on a machine
    without a GPU, a scaler for 'cuda' (the default) warns and disables itself: then
    scale() returns the loss as it is and step() just calls optimizer.step()."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if enabled and str(device).split(":")[0] != "cpu":
            warnings.warn(f"GradScaler: device {device!r} is not available (tinygrad_edu "
                          "computes on the CPU); disabling. Pass device='cpu' to scale.",
                          stacklevel=2)
            enabled = False
        if not (growth_factor > 1 and 0 < backoff_factor < 1 and growth_interval > 0):
            raise ValueError("GradScaler: expects growth_factor > 1, 0 < backoff_factor < 1 "
                             f"and growth_interval > 0, got {growth_factor}, "
                             f"{backoff_factor}, {growth_interval}")
        self._enabled = enabled
        self._scale = float(init_scale)
        self._growth_factor, self._backoff_factor = growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._found_inf: dict = {}            # id(optimizer) -> overflow since the update

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def scale(self, outputs: Any) -> Any:
        """outputs * S (a tensor, or a list/tuple of them, nested)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * np.float32(self._scale)

    def unscale_(self, optimizer: Any) -> None:
        """Divide every gradient of the optimizer's parameters by S, in place, and note
        whether any is inf or nan (call it before clipping gradients)."""
        if not self._enabled:
            return
        if id(optimizer) in self._found_inf:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update()")
        inverse = 1.0 / self._scale
        found = False
        with grad_mode.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        grad = p.grad.data
                        grad *= np.asarray(inverse, dtype=grad.dtype)
                        found = found or not np.isfinite(grad).all()
        self._found_inf[id(optimizer)] = found

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """optimizer.step(...) on the unscaled gradients, skipped (None) after an overflow."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._found_inf:
            self.unscale_(optimizer)
        return None if self._found_inf[id(optimizer)] else optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """S * backoff_factor after an overflow, S * growth_factor after growth_interval
        clean steps in a row (or new_scale, if given)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._found_inf.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._found_inf = {}

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
        self._scale, self._growth_tracker = float(state["scale"]), state["_growth_tracker"]
        self._growth_factor, self._backoff_factor = state["growth_factor"], state[
            "backoff_factor"]
        self._growth_interval = state["growth_interval"]


class autocast:
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None), a context
    manager or decorator. For a device other than the CPU it warns and does nothing, as
    torch without a GPU; on the CPU, computing ops in a lower precision is not built
    here, so enabled=True there is an error (enabled=False does nothing)."""

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
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
