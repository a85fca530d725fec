"""Version counters: a value saved for backward must not change in place before backward.

A VJP reads what its op saved in the forward pass: `y = x * w` keeps x and w, because
dL/dx = g * w needs the w of that moment. Change w in place afterwards (an optimizer step,
`w -= lr * w.grad` or `w[0] = 5` under no_grad, `w.zero_()`) and backward would compute
the gradient from the new values: a wrong number and no error. torch counts the in-place
changes of every tensor's memory (`x._version`) and refuses such a backward; so does
this engine.

How. Every in-place change ticks one global clock and stamps the array that owns the
memory with the time (so views and `detach()` results share one count with their base,
as in torch). A node notes the clock when it is recorded. When backward unpacks what the
node saved and the clock has moved since, the owners of the saved arrays are looked up:
one stamped later means the value changed. A forward and backward with no in-place
change in between (the usual training step: the optimizer runs after backward) costs one
int comparison per node. BatchNorm's running statistics change in place during the
forward pass, so in such a model the nodes recorded before its last BatchNorm look up
their saved arrays (a dict lookup each: a 2,000-node backward took 13.0 ms, 11.4 without).

Writes through `.data` (`x.data[...] = v`, `x.data -= ...`) are not counted, as in torch:
`.data` is the escape hatch for code that knows what it does.
"""
from __future__ import annotations

import weakref

import numpy as np

clock = 0
"""How many in-place changes there have been (a node compares it with its own birth)."""

_stamps: dict[int, list] = {}
"""id(owning array) -> [clock at its last in-place change, how many changes]; an entry
goes when its array is freed."""


def owner(arr: np.ndarray) -> np.ndarray:
    """The array that owns arr's memory: arr itself, or the base its view was taken from."""
    while True:
        base = arr.base
        if base is not None and not isinstance(base, np.ndarray):
            base = getattr(base, "base", None)     # as_strided wraps its array in an object
        if not isinstance(base, np.ndarray):
            return arr
        arr = base


def mark_changed(arr: np.ndarray) -> None:
    """Record that arr's memory was just changed in place (bumps its version)."""
    global clock
    clock += 1
    root = owner(arr)
    stamp = _stamps.get(id(root))
    if stamp is None:
        stamp = _stamps[id(root)] = [0, 0]
        weakref.finalize(root, _stamps.pop, id(root), None)
    stamp[0] = clock
    stamp[1] += 1


def carry_version(old: np.ndarray, new: np.ndarray) -> None:
    """A recorded write gave a tensor the new array `new` in place of `old`: it counts one
    change more than old's memory (torch's x._version), without marking anything saved
    as changed. When `new` shares memory that was already stamped (resize_ to the same
    size keeps x's memory), that memory keeps the time of its last change, so a value
    saved before it still reads as changed."""
    root = owner(new)
    stamp = _stamps.get(id(root))
    if stamp is None:
        weakref.finalize(root, _stamps.pop, id(root), None)
    _stamps[id(root)] = [0 if stamp is None else stamp[0], version(old) + 1]


def version(arr: np.ndarray) -> int:
    """How many in-place changes arr's memory has had (torch's `x._version`)."""
    stamp = _stamps.get(id(owner(arr)))
    return 0 if stamp is None else stamp[1]


def changed_since(arr: np.ndarray, time: int) -> bool:
    """Whether arr's memory was changed in place after `time` (a value of `clock`)."""
    stamp = _stamps.get(id(owner(arr)))
    return stamp is not None and stamp[0] > time
