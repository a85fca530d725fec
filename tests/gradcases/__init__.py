"""Gradient-check cases for the registry-driven test (`tests/test_op_registry.py`).

Each module `tests/gradcases/<family>.py` defines `CASES`, a list of `GradCase`s.
`fn(*inputs())` must call the op named by `op`; the registry test runs `gradcheck`
(and `gradgradcheck` when `second_order`) on every case and fails when a
registered op has no case at all. A family module starts with

    from . import GradCase, rand_tensor

(a relative import, so it works however pytest puts `tests/` on the path).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

import numpy as np

from tinygrad_edu import Tensor


@dataclass
class GradCase:
    op: str                              # name in tinygrad_edu.OPS
    fn: Callable                         # fn(*inputs) -> Tensor (or tuple of Tensors)
    inputs: Callable[[], list]           # fresh float64 inputs on every call
    id: str                              # short, unique, shows in pytest's test ids
    second_order: bool = True            # also run gradgradcheck
    atol: float = 1e-5
    rtol: float = 1e-3
    eps: float = 1e-6                    # finite-difference step (larger for float32 outputs)


def rand_tensor(*shape: int, low: float = -2.0, high: float = 2.0, seed: int = 0,
                requires_grad: bool = True) -> Tensor:
    """A float64 Tensor uniform on [low, high), reproducible from `seed`."""
    data = np.random.default_rng(seed).uniform(low, high, size=shape)
    return Tensor(data, dtype=np.float64, requires_grad=requires_grad)


def all_cases() -> list[GradCase]:
    """The CASES of every module in this package, in module-name order."""
    cases: list[GradCase] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        cases.extend(importlib.import_module(f"{__name__}.{module.name}").CASES)
    return cases
