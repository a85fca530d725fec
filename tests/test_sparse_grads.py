"""Gradients of slices: GetItem's VJP as a SparseGrad, summed by the engine in one array.

A loop over x[0], ..., x[L-1] (or unbind, split) sends x one gradient per slice, each
zero except on its slice. The engine adds them into one array where they are nonzero
(autograd.py), so backward builds one full-size array for x, not L of them.
"""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import viz
from tinygrad_edu import Function, Tensor
from tinygrad_edu.ops import movement


def _count_dense(monkeypatch) -> list:
    """Record every SparseGrad built into a full array."""
    built = []
    original = movement.SparseGrad.dense

    def counted(self):
        built.append(self.shape)
        return original(self)
    monkeypatch.setattr(movement.SparseGrad, "dense", counted)
    return built


def test_a_loop_over_slices_builds_one_array_for_x(monkeypatch):
    built = _count_dense(monkeypatch)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((50, 3, 4)), requires_grad=True)
    w = rng.standard_normal((50, 3, 4))
    total = x[0] * w[0]
    for i in range(1, 50):
        total = total + x[i] * w[i]
    total.sum().backward()
    assert built == [(50, 3, 4)]                 # the first slice; the other 49 add in place
    np.testing.assert_array_equal(x.grad.numpy(), w)


def test_unbind_split_and_chunk_gradients(monkeypatch):
    built = _count_dense(monkeypatch)
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((6, 5)), requires_grad=True)
    rows = x.unbind(0)
    columns = x.split([2, 3], dim=1)
    halves = x.chunk(2, dim=0)
    loss = (sum((k + 1) * r.sum() for k, r in enumerate(rows))
            + (columns[0] ** 2).sum() + 10 * halves[1].sum())
    loss.backward()
    expected = np.arange(1, 7, dtype=float)[:, None] * np.ones((6, 5))
    expected[:, :2] += 2 * x.numpy()[:, :2]
    expected[3:] += 10
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)
    assert built == [(6, 5)]


def test_dense_and_sparse_contributions_in_either_order():
    x_data = np.arange(12.0).reshape(4, 3)
    for dense_first in (True, False):
        x = Tensor(x_data, requires_grad=True)
        parts = [x[1], (x * 2).sum(0), x[1:3].sum(0), x[-1]]
        if not dense_first:
            parts = parts[::-1]
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        total.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(),
                                      [[2, 2, 2], [4, 4, 4], [3, 3, 3], [3, 3, 3]])


def test_repeated_integer_array_indices_add_up_with_slices():
    x = Tensor(np.zeros(5), requires_grad=True)
    (x[np.array([0, 0, 3])].sum() + x[0] * 4 + x[2:].sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6, 0, 1, 2, 1])


def test_an_intermediate_tensor_gets_the_summed_slices():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y = x * x
    y.retain_grad()
    (y[0] * 5 + y[1] * 7).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[5, 5], [7, 7]])
    np.testing.assert_array_equal(x.grad.numpy(), [[10, 20], [42, 56]])


def test_hooks_see_the_summed_gradient_as_one_tensor():
    x = Tensor(np.ones((3, 2)), requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g) or g * 2)
    (x[0].sum() + 3 * x[2].sum()).backward()
    assert len(seen) == 1 and isinstance(seen[0], Tensor)
    np.testing.assert_array_equal(seen[0].numpy(), [[1, 1], [0, 0], [3, 3]])
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 2], [0, 0], [6, 6]])


def test_slice_gradients_accumulate_into_an_existing_grad():
    x = Tensor(np.ones(4), requires_grad=True)
    x[0].backward()
    (x[1] + x[1:3].sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2, 1, 0])


class Widen(Function, register=False):
    """out = a (float32 in and out), with a VJP that returns float64: a user's op."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return Tensor(g.numpy().astype(np.float64) / 3)


def test_a_wider_dtype_is_summed_as_dense_gradients_are():
    def x_grad(first_use):
        x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        (first_use(x).sum() + Widen.apply(x).sum()).backward()
        return x.grad.numpy()
    sparse, dense = x_grad(lambda x: x[:2]), x_grad(lambda x: x * np.array([1, 1, 0], "f4"))
    # summed in float64 (float32 + float64, as numpy adds), then .grad in x's dtype (torch)
    assert sparse.dtype == dense.dtype == np.float32
    np.testing.assert_array_equal(sparse, dense)
    np.testing.assert_array_equal(sparse, (np.array([1, 1, 0]) + np.ones(3) / 3).astype("f4"))


def test_second_derivatives_through_slices_use_the_recorded_op():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x[0] ** 3 + x[1] ** 3 + x[0:2].sum() ** 2
    (g,) = tg.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [3 + 6, 12 + 6, 0])
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [6 + 4, 12 + 4, 0])


def test_trace_shows_each_slice_contribution_as_a_full_array():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    steps = viz.trace(x[0] * 2 + x[2])
    sent = [c.grad for step in steps for c in step.contributions if c.grad.shape == (3,)]
    assert len(sent) == 2
    assert sorted(map(list, sent)) == [[0, 0, 1], [2, 0, 0]]
    np.testing.assert_array_equal(x.grad.numpy(), [2, 0, 1])


@pytest.mark.parametrize("length", [1, 7])
def test_slices_of_a_float32_tensor_keep_its_dtype(length):
    x = Tensor(np.ones((length, 2), dtype=np.float32), requires_grad=True)
    sum(x[i].sum() for i in range(length)).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((length, 2)))


# ------------------------------------------------------- the two paths agree, on random indices
_SHAPE = (4, 5, 3)


def _random_index(rng: np.random.Generator):
    """One torch-style index into a (4, 5, 3) tensor: ints, slices with steps, None,
    Ellipsis, integer arrays (with repeats) and bool masks."""
    def axis_item(n):
        kind = rng.integers(5)
        if kind == 0:
            return int(rng.integers(-n, n))
        if kind == 1:
            start, stop = sorted(rng.integers(-n, n + 1, size=2).tolist())
            return slice(start, stop, int(rng.choice([1, 2, -1])) if start < stop else 1)
        if kind == 2:
            return rng.integers(-n, n, size=int(rng.integers(1, 5)))      # repeats likely
        if kind == 3:
            return rng.random(n) < 0.6
        return slice(None)
    count, trailing = int(rng.integers(1, 4)), rng.random() < 0.3
    items = [axis_item(n) for n in (_SHAPE[-count:] if trailing else _SHAPE[:count])]
    if trailing:
        items.insert(0, Ellipsis)
    if rng.random() < 0.3:
        items.insert(int(rng.integers(len(items) + 1)), None)
    arrays = [i for i, item in enumerate(items) if isinstance(item, np.ndarray)]
    for i in arrays[1:]:                   # several index arrays must broadcast: use one
        items[i] = slice(None)
    return tuple(items)


@pytest.mark.parametrize("seed", range(40))
def test_slice_sums_equal_the_recorded_index_add(seed):
    """The sparse sums of a plain backward give what the recorded IndexAdd ops give."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(_SHAPE)
    indices = [_random_index(rng) for _ in range(int(rng.integers(1, 6)))]
    dense_too = bool(rng.integers(2))
    grads = []
    for create_graph in (False, True):
        x = Tensor(data, requires_grad=True)
        loss = (x * x).sum() if dense_too else Tensor(0.0, dtype=np.float64)
        for k, index in enumerate(indices):
            part = x[index]
            loss = loss + ((k + 1) * part * part).sum()
        (g,) = tg.grad(loss, x, create_graph=create_graph)
        grads.append(g.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-13, atol=1e-13)
    assert grads[0].shape == _SHAPE


@pytest.mark.parametrize("index", [
    (np.array([3, 0, 3, -1, 3]),),                               # repeats, negative
    (np.array([[1, 1], [4, 0]]), np.array([2, 2])),              # 2-D, broadcast
    (np.array([0, 0, 2]), slice(None), np.array([1, 1, 0])),     # arrays around a slice
    (np.array([True, False, True, True, False]),),               # a mask
    (np.array([4, 4]), Ellipsis),
    (Ellipsis, np.array([2, 2, 0])),                             # starts with a slice
])
def test_scatter_add_through_flat_positions_equals_numpy_add_at(index):
    from tinygrad_edu.ops.movement import scatter_add, scattered
    rng = np.random.default_rng(0)
    base = rng.standard_normal((5, 4, 3))
    values = rng.standard_normal(base[index].shape)
    expected = base.copy()
    np.add.at(expected, index, values)
    found = base.copy()
    scatter_add(found, index, values)
    np.testing.assert_allclose(found, expected, rtol=1e-15)
    np.testing.assert_allclose(scattered(values, base.shape, index) + base, expected,
                               atol=1e-15)                 # (repeats summed before base)
    row = values.reshape(-1, *values.shape[-1:])[:1]          # values that broadcast
    if row.shape[-1] == base[index].shape[-1]:
        expected, found = base.copy(), base.copy()
        np.add.at(expected, index, row[0])
        scatter_add(found, index, row[0])
        np.testing.assert_allclose(found, expected, rtol=1e-15)
