"""Grad mode: whether ops are recorded (`no_grad`, `enable_grad`, `set_grad_enabled`,
`inference_mode`).

Unlike torch, the mode is one switch for the whole process, not one per thread: a
`no_grad()` block in one thread also stops recording in the others.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

_enabled = True
_inference = False


def is_grad_enabled() -> bool:
    """True when new ops are recorded in the graph (the default)."""
    return _enabled


def is_inference_mode_enabled() -> bool:
    """True inside an `inference_mode()` block (here a no_grad block by another name)."""
    return _inference


def _set(mode: bool) -> None:
    global _enabled
    _enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it on exit.

    As a decorator it also works without parentheses (`@no_grad`), and on a generator
    function the mode holds inside the generator's body each time it runs, not only
    while the generator object is made (as torch).
    """

    mode: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]):
            return cls()(args[0])                 # @no_grad without parentheses
        return super().__new__(cls)

    def __init__(self) -> None:                   # no_grad() and enable_grad() take nothing
        pass

    def __enter__(self) -> None:
        self._previous = is_grad_enabled()
        _set(self.mode)

    def __exit__(self, *exc: Any) -> None:
        _set(self._previous)

    def _clone(self) -> _GradMode:
        """A fresh context manager for this mode (one per call of a decorated function)."""
        return _Switch(self.mode)

    def __call__(self, fn: Callable) -> Callable:
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                steps = fn(*args, **kwargs)
                sent = None
                while True:
                    with self._clone():
                        try:
                            value = steps.send(sent)
                        except StopIteration as stop:
                            return stop.value
                    sent = yield value
            return generator

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._clone():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Record nothing inside: `with no_grad(): ...` or `@no_grad()` on a function."""

    mode = False


class enable_grad(_GradMode):
    """Record again inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode to `mode`, at once (a plain call), for a `with` block (restored at its
    end) or for a decorated function, as torch."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._previous = is_grad_enabled()
        _set(self.mode)

    def __enter__(self) -> None:
        pass                                      # already set by __init__

    def __call__(self, fn: Callable) -> Callable:
        _set(self._previous)                      # decorating does not change the mode now
        return super().__call__(fn)


class inference_mode(_GradMode):
    """torch.inference_mode: here no_grad() (and inference_mode(False) enable_grad(), as
    in torch). torch also marks the results as inference tensors, which can never join a
    graph later, and enable_grad() inside does not record; here the results are ordinary
    tensors that do not require grad, and enable_grad() records again."""

    def __init__(self, mode: bool = True) -> None:
        self.inference, self.mode = bool(mode), not mode

    def __enter__(self) -> None:
        global _inference
        super().__enter__()
        self._was_inference, _inference = _inference, self.inference

    def __exit__(self, *exc: Any) -> None:
        global _inference
        super().__exit__(*exc)
        _inference = self._was_inference

    def _clone(self) -> inference_mode:
        return inference_mode(self.inference)


class _Switch(_GradMode):
    """Grad mode `mode` for one `with` block."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode
