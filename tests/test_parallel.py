"""Threads in conv2d (tinygrad_edu.parallel): bitwise the same numbers as one thread.

Each chunk of a threaded im2col or col2im writes its own images, in the same
order as the single-threaded code, so the results must be equal to the last bit, not
merely close. MIN_CHUNK_BYTES is lowered so that small arrays take the threaded path
too; one test keeps the real threshold on a layer big enough to cross it.
"""
from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import parallel


@pytest.fixture(autouse=True)
def restore_threads():
    before = tg.get_num_threads()
    yield
    tg.set_num_threads(before)


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_CHUNK_BYTES", 1)


def conv_and_grads(threads: int | None, x: np.ndarray, w: np.ndarray, b: np.ndarray,
                   **options):
    """conv2d's output and its input, weight and bias gradients with `threads` threads
    (None: as set)."""
    if threads is not None:
        tg.set_num_threads(threads)
    xt, wt, bt = (tg.Tensor(a, requires_grad=True) for a in (x, w, b))
    out = tg.conv2d(xt, wt, bt, **options)
    (out * out).sum().backward()
    return out.data, xt.grad.data, wt.grad.data, bt.grad.data


def assert_same_with_one_and_two_threads(fn, *args, **kwargs):
    one = fn(1, *args, **kwargs)
    assert parallel._pool is None
    two = fn(2, *args, **kwargs)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b, strict=True)
    return parallel._pool is not None                  # whether the threads were used


def random_conv(n, c, o, size, kernel, groups=1, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c, size, size), dtype=np.float32),
            rng.standard_normal((o, c // groups, kernel, kernel), dtype=np.float32),
            rng.standard_normal(o, dtype=np.float32))


@pytest.mark.parametrize("options", [
    {"padding": 2},                                    # LeNet's first conv (wide rows)
    {"padding": 1, "stride": 2},                       # rows of OW
    {"padding": (1, 0), "dilation": 2, "groups": 2},
])
def test_conv2d_bitwise_equal_with_threads(tiny_chunks, options):
    x, w, b = random_conv(5, 4, 6, 9, 3, groups=options.get("groups", 1))
    assert assert_same_with_one_and_two_threads(conv_and_grads, x, w, b, **options)


def test_conv2d_threshold_small_arrays_inline_big_ones_threaded():
    small = random_conv(2, 3, 4, 8, 3)
    assert not assert_same_with_one_and_two_threads(conv_and_grads, *small, padding=1)
    big = random_conv(16, 32, 32, 32, 3)                 # columns of 18 MB
    assert assert_same_with_one_and_two_threads(conv_and_grads, *big, padding=1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match="positive int"):
        tg.set_num_threads(bad)


def test_for_chunks_covers_the_range_and_reraises(tiny_chunks):
    tg.set_num_threads(3)
    seen = []
    parallel.for_chunks(lambda start, stop: seen.append((start, stop)), 7, 100)
    assert sorted(seen) == [(0, 2), (2, 4), (4, 7)]

    def fail_in_a_worker(start, stop):
        if start > 0:
            raise KeyError(start)
    with pytest.raises(KeyError):
        parallel.for_chunks(fail_in_a_worker, 7, 100)


def test_forked_child_runs_a_threaded_conv(tiny_chunks):
    x, w, b = random_conv(4, 3, 4, 8, 3)
    expected = conv_and_grads(2, x, w, b, padding=1)
    assert parallel._pool is not None                  # the parent's pool had workers
    pid = os.fork()
    if pid == 0:       # child: the parent's workers are gone; a stale pool would hang
        try:
            signal.alarm(30)
            same = all(np.array_equal(a, e) for a, e in
                       zip(conv_and_grads(None, x, w, b, padding=1), expected))
            os._exit(0 if same else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
