"""Threads for conv2d's memory-bound numpy copies (im2col, col2im; see ops/conv.py).

OpenBLAS runs a GEMM on every core, but numpy's copies and in-place adds run on one
thread, and they are a large part of a conv layer's time (im2col ~4 ms and col2im
~5 ms of the benchmark layer's 40 ms step). numpy releases the GIL inside those loops,
so Python threads that each copy a disjoint slice of the images do run at once.
`for_chunks` splits a range (the images of a batch) into contiguous chunks, one per
thread; the calling thread does the first chunk itself. Each element is written by
one thread, in the same order as without threads, so the results are bitwise equal.

`set_num_threads(n)` sets how many threads (default: os.cpu_count()); with 1 no
thread is ever started and the ops run exactly the single-threaded code.

Measured with 2 threads (2 cores): the benchmark layer's im2col 3.7 -> 2.2 ms, col2im
9.5 -> 7.0 ms (with a 3.7 ms copy of its columns), the layer's step 43 -> 40 ms. Small
arrays do not gain: waking a pool thread and hearing back takes ~120 us here, and each
of col2im's 25 adds per chunk hands the GIL back and forth; LeNet's second conv (5 MB
of columns) was no faster, its im2col 0.21 -> 0.24 ms slower. Hence MIN_CHUNK_BYTES.
Threaded max-pooling (split over the batch) took the 2x2 pool of (32, 64, 32, 32)
7.4 -> 6.8 ms alone but gained nothing in benchmarks/bench_pool.py; it is not used.

Caveat: after a GEMM, OpenBLAS's idle workers keep spinning on the other cores for
about 0.1 s by default and take those cores from our threads: without
OPENBLAS_THREAD_TIMEOUT=4 (set in the environment before numpy is imported; the
library cannot do that for you) the threads did not make the benchmark layer faster
(44.3 ms either way; 39.6 ms with it). The setting is a trade-off, so it is left to
the user: with it every GEMM first waits for OpenBLAS's sleeping workers, and a model
of many small GEMMs loses more than the threads win (LeNet-5's step 8.7 -> 9.4 ms).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

MIN_CHUNK_BYTES = 4 << 20
"""A chunk must move at least this many bytes (LeNet's ~5 MB columns stay in one)."""

_num_threads = os.cpu_count() or 1
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def set_num_threads(n: int) -> None:
    """Use at most `n` threads (counting the caller) for conv2d's im2col and col2im, as
    torch.set_num_threads; 1 turns threads off."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, got {n!r}")
    with _pool_lock:
        _num_threads = n
        _drop_pool()


def get_num_threads() -> int:
    """The number of threads conv2d may use (set_num_threads)."""
    return _num_threads


def _drop_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False)
    _pool = None


def _forget_pool_in_child() -> None:
    """After fork only the forking thread exists: the pool's workers are gone."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_in_child)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_num_threads - 1, thread_name_prefix="tinygrad_edu")
        return _pool


def chunk_bounds(length: int, chunks: int) -> list[tuple[int, int]]:
    """[0, length) as `chunks` contiguous (start, stop) ranges, sizes differing by <= 1."""
    edges = [length * k // chunks for k in range(chunks + 1)]
    return list(zip(edges[:-1], edges[1:]))


def chunk_count(length: int, nbytes: int) -> int:
    """Into how many chunks for_chunks splits [0, length) when they move `nbytes`: at most
    one per thread, each moving at least MIN_CHUNK_BYTES (1: no threads)."""
    return max(1, min(_num_threads, length, nbytes // MIN_CHUNK_BYTES))


def for_chunks(fn: Callable[[int, int], object], length: int, nbytes: int) -> None:
    """fn(start, stop) on contiguous chunks of [0, length), in parallel when each chunk
    moves at least MIN_CHUNK_BYTES of `nbytes`; returns when all are done and re-raises
    the first exception. fn must only write memory that no other chunk touches."""
    chunks = chunk_count(length, nbytes)
    if chunks == 1:
        fn(0, length)
        return
    first, *rest = chunk_bounds(length, chunks)
    futures = [_executor().submit(fn, *bounds) for bounds in rest]
    try:
        fn(*first)
    finally:
        wait(futures)
    for future in futures:
        future.result()
