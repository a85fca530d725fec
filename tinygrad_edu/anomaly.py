"""torch.autograd's anomaly detection, for finding where a nan gradient comes from:

    with tg.autograd.detect_anomaly():
        loss = model(x)
        loss.backward()    # RuntimeError: Function 'DivBackward' returned nan values in
                           # its 0th output ... and the line of the forward pass that made it

While it is on, each recorded op keeps the stack of the forward call that made it, and
backward checks every gradient a VJP returns (check_nan=False skips the check). Both cost
time: it is for debugging, as in torch.
"""
from __future__ import annotations

import contextlib
import os
import traceback
from typing import Any

import numpy as np

enabled = False
check_nan = True
_LIBRARY = tuple(os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep + name
                 + os.sep for name in ("tinygrad_edu", "nn", "viz"))


def _set(mode: bool, nan: bool) -> None:
    global enabled, check_nan
    enabled, check_nan = bool(mode), bool(nan)


def is_anomaly_enabled() -> bool:
    return enabled


def is_anomaly_check_nan_enabled() -> bool:
    return check_nan


class set_detect_anomaly:
    """Anomaly detection on or off from here (a call), or for a `with` block."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (enabled, globals()["check_nan"])
        _set(mode, check_nan)

    def __enter__(self) -> set_detect_anomaly:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _set(*self._previous)


class detect_anomaly(contextlib.ContextDecorator):
    """Anomaly detection on inside the block (or the decorated function)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._previous: list = []            # (a stack: the block may be entered again)

    def __enter__(self) -> detect_anomaly:
        self._previous.append((enabled, check_nan))
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _set(*self._previous.pop())


def forward_stack() -> str:
    """Where the user's code made the current op: the stack without this library's frames."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_LIBRARY)]
    return "".join(traceback.format_list(frames[-4:]))


def check(node: Any, grads: tuple) -> None:
    """Raise if a gradient a VJP returned holds nan, naming the op and where it was made."""
    for i, g in enumerate(grads):
        values = np.asarray(getattr(g, "data", g)) if g is not None else None
        if values is not None and values.dtype.kind == "f" and np.isnan(values).any():
            where = getattr(node, "_forward_stack", None)
            raise RuntimeError(
                f"Function '{type(node).__name__}Backward' returned nan values in its {i}th "
                "output." + (f" The op was made here in the forward pass:\n{where}"
                             if where else ""))
