"""Opt-in allocator tuning for training loops: `tinygrad_edu.tune_malloc()`.

A training step allocates the same large temporaries (im2col columns, activations,
gradients) every time. glibc's malloc serves blocks above 128 KiB to 32 MiB
(adaptively) with fresh `mmap`s and hands them back to the OS on `free`, so each
step page-faults all of them in again: ~3,200 faults per conv-layer step, a 20-25%
slowdown measured in benchmarks/README.md. Raising glibc's mmap and trim thresholds
makes it keep freed memory for reuse instead.

This changes the whole process's allocator (numpy's and everyone else's), and freed
memory then stays with the process until it exits, so the library never does it on
its own: the demo and the benchmarks call it. The same effect without code:
`MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 python train.py`.
"""
from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def tune_malloc(threshold_bytes: int = 1 << 30) -> bool:
    """Keep freed blocks below `threshold_bytes` for reuse (glibc only).

    Returns True when glibc accepted both settings, False on other C libraries
    (macOS, musl, Windows), where nothing changes.
    """
    threshold = min(int(threshold_bytes), 2**31 - 1)       # mallopt takes a C int
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, threshold))
