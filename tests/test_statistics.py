"""statistics.py (var_mean, std_mean, nanmean, nansum, median, mode, cumprod, cummax,
cummin) and binning.py (bincount, histc, searchsorted, bucketize): values against numpy,
slow loops and hand-worked numbers, gradients by hand and by finite differences (first
and second order), the errors. Cumprod's own gradient cases are in tests/gradcases/cumprod.py.

Only the tests named *_torch use torch (skipped without it).
"""
from __future__ import annotations

import itertools
import math
import warnings
from collections import Counter

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu.binning import bincount, bucketize, histc, searchsorted
from tinygrad_edu.statistics import (cummax, cummin, cumprod, median, mode, nanmean, nansum,
                                     std_mean, var_mean)

nan = math.nan
RNG = np.random.default_rng(11)


def f64(data, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


def rand(*shape: int) -> Tensor:
    return f64(RNG.standard_normal(shape))


def check_grads(fn, inputs) -> None:
    assert gradcheck(fn, inputs) and gradgradcheck(fn, inputs)


# ---------------------------------------------------------------- var_mean, std_mean
def test_var_mean_and_std_mean():
    x = rand(3, 4)
    v, m = var_mean(x, 1, keepdim=True)
    np.testing.assert_allclose(v.data, np.var(x.data, 1, ddof=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(m.data, np.mean(x.data, 1, keepdims=True), rtol=1e-12)
    s, m = std_mean(x, correction=0)
    np.testing.assert_allclose(s.data, np.std(x.data), rtol=1e-12)
    assert var_mean(x, unbiased=False)[0].item() == pytest.approx(np.var(x.data), rel=1e-12)
    assert type(var_mean(x)) is tuple and len(std_mean(x, (0, 1))) == 2
    check_grads(lambda t: var_mean(t, 0), [x])
    check_grads(lambda t: std_mean(t, -1, correction=0), [x])
    with pytest.raises(ValueError, match="var: 1 elements with correction=1"):
        var_mean(f64([1.0]))


# ---------------------------------------------------------------- nansum, nanmean
def test_nansum_and_nanmean_values():
    x = f64([[1.0, nan, 3.0], [nan, nan, nan], [2.0, 4.0, -1.0]])
    np.testing.assert_array_equal(nansum(x, 1).data, [4.0, 0.0, 5.0])
    assert nansum(x).item() == 9.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # 0 / 0 in an all-nan row: no warning
        means = nanmean(x, 1)
    np.testing.assert_array_equal(means.data, [2.0, nan, 5.0 / 3.0])
    np.testing.assert_allclose(nanmean(x, 0, keepdim=True).data, [[1.5, 4.0, 1.0]])
    assert math.isnan(nanmean(Tensor(np.zeros(0))).item())
    assert x.nansum(dim=0).tolist() == [3.0, 4.0, 2.0] and x.nanmean().item() == 9.0 / 5
    ints = Tensor(np.array([1, 2], np.int32))
    assert nansum(ints).dtype == np.int64 and nansum(ints).item() == 3
    assert nansum(Tensor([1.0, 2.0]), dtype=tg.float64).dtype == np.float64
    with pytest.raises(TypeError, match="nanmean: expected a floating point tensor, got dtype "
                                        "int64"):
        nanmean(Tensor([1, 2]))


def test_nansum_and_nanmean_gradients():
    x = f64([[1.0, nan, 3.0], [nan, nan, nan], [2.0, 4.0, -1.0]])
    nansum(x, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 0, 1], [0, 0, 0], [1, 1, 1]])
    x.grad = None
    nanmean(x, 1).where(np.array([True, False, True]), 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.5, 0, 0.5], [0, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    y = rand(3, 4)
    y.data[0, 1] = y.data[2, 3] = nan                   # no slice of nans only
    check_grads(lambda t: nansum(t, 1), [y])
    check_grads(lambda t: nanmean(t, 1, keepdim=True), [y])
    check_grads(lambda t: nanmean(t), [y])


# ---------------------------------------------------------------- median
def slow_median(values) -> tuple[float, int]:
    """The lower median of a list and the index picked, by a loop (first nan if any)."""
    values = list(values)
    nans = [i for i, v in enumerate(values) if v != v]
    if nans:
        return nan, nans[0]
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    i = order[(len(values) - 1) // 2]
    return values[i], i


def test_median_global():
    assert median(f64([3.0, 1.0, 4.0, 1.5])).item() == 1.5          # the lower of 1.5, 3
    assert median(f64([3.0, 1.0, 4.0])).item() == 3.0
    assert math.isnan(median(f64([1.0, nan, 2.0])).item())
    assert math.isnan(median(Tensor(np.zeros((0, 3)))).item())
    ints = median(Tensor([[5, 1], [3, 4]]))
    assert ints.dtype == np.int64 and ints.item() == 3
    x = f64([1.0, 2.0, 2.0, 3.0, 2.0])
    median(x).backward()
    np.testing.assert_allclose(x.grad.data, [0, 1 / 3, 1 / 3, 0, 1 / 3])   # ties share it
    x = f64([1.0, nan, 2.0, nan])
    median(x).backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0.5, 0, 0.5])
    check_grads(lambda t: median(t), [rand(2, 3)])
    with pytest.raises(TypeError, match="median: not implemented for bool"):
        median(Tensor([True, False]))


def test_median_with_dim_matches_a_loop():
    data = RNG.integers(0, 4, (5, 6)).astype(np.float64)
    data[1, 2] = data[3, 0] = data[3, 4] = nan
    x = f64(data)
    for dim in (0, 1):
        values, indices = median(x, dim)
        slices = data.T if dim == 0 else data
        expected = [slow_median(row) for row in slices]
        np.testing.assert_array_equal(values.data, [v for v, _ in expected])
        np.testing.assert_array_equal(indices.data, [i for _, i in expected])
    values, indices = x.median(1, keepdim=True)
    assert values.shape == indices.shape == (5, 1)
    values.sum().backward()
    expected = np.zeros((5, 6))
    expected[np.arange(5), indices.data[:, 0]] = 1      # to the chosen element only
    np.testing.assert_array_equal(x.grad.data, expected)
    check_grads(lambda t: median(t, -1).values, [rand(3, 4)])
    assert median(f64(2.5), 0).values.item() == 2.5 and median(f64(2.5), 0).indices.item() == 0
    assert median(Tensor(np.zeros((0, 3))), 1).values.shape == (0,)
    with pytest.raises(IndexError, match=r"median: expected reduction dim 0 to have a "
                                         r"non-zero size \(input shape \(0, 3\)\)"):
        median(Tensor(np.zeros((0, 3))), 0)
    with pytest.raises(IndexError, match="median: dimension 2 is out of range"):
        median(x, 2)


# ---------------------------------------------------------------- mode
def test_mode_hand_values_and_gradient():
    x = f64([[1.0, 2.0, 2.0, 3.0, 3.0, 0.0], [5.0, 5.0, 1.0, 1.0, 1.0, 5.0]])
    values, indices = mode(x, 1)
    assert values.tolist() == [2.0, 1.0]           # smallest of the most frequent
    assert indices.tolist() == [2, 4]              # its last occurrence
    values.sum().backward()
    assert x.grad.tolist() == [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0]]
    v, i = mode(f64([4.0, nan, nan, 1.0]))         # each nan counts once
    assert v.item() == 1.0 and i.item() == 3
    assert mode(f64(3.0)).values.item() == 3.0 and mode(f64(3.0)).indices.item() == 0
    check_grads(lambda t: mode(t, 0, keepdim=True).values, [f64([[1.0, 2.0], [3.0, 0.5]])])
    with pytest.raises(IndexError, match="mode: expected reduction dim 0"):
        mode(Tensor(np.zeros((0, 2))), 0)


def test_mode_matches_a_loop():
    data = RNG.integers(0, 4, (6, 7))
    values, indices = Tensor(data).mode(0)
    for j in range(7):
        counts = Counter(data[:, j].tolist())
        best = min(counts, key=lambda v: (-counts[v], v))
        assert values.data[j] == best
        assert indices.data[j] == max(i for i in range(6) if data[i, j] == best)


# ---------------------------------------------------------------- cumprod
def test_cumprod_values():
    x = rand(3, 4)
    for dim in (0, 1, -1):
        np.testing.assert_allclose(cumprod(x, dim).data, np.cumprod(x.data, dim), rtol=1e-12)
    ints = Tensor([1, 3, 3]).cumprod(0)
    assert ints.dtype == np.int64 and ints.tolist() == [1, 3, 9]
    assert Tensor([True, True]).cumprod(0).dtype == np.int64
    assert cumprod(Tensor([1, 2]), 0, dtype=tg.float64).dtype == np.float64
    assert cumprod(f64(2.5), 0).shape == () and cumprod(f64(2.5), -1).item() == 2.5
    with pytest.raises(IndexError, match="cumprod: dimension 2 is out of range"):
        cumprod(x, 2)


def slow_cumprod_hessian(a: np.ndarray) -> np.ndarray:
    """d^2 sum_i out[i] / da[j] da[l] = sum_{i >= max(j, l)} prod_{k <= i, k not in {j, l}} a[k]
    for j != l (0 on the diagonal): a loop."""
    n = len(a)
    h = np.zeros((n, n))
    for j, l in itertools.permutations(range(n), 2):
        h[j, l] = sum(np.prod([a[k] for k in range(i + 1) if k not in (j, l)])
                      for i in range(max(j, l), n))
    return h


def test_cumprod_gradient_and_hessian_at_zeros_by_hand():
    x = f64([2.0, 0.0, 3.0, 4.0])
    cumprod(x, 0).sum().backward()
    # d/dx1 = x0 + x0 x2 + x0 x2 x3 = 2 + 6 + 24; after the zero the gradient is 0
    assert x.grad.tolist() == [1.0, 32.0, 0.0, 0.0]
    for data in ([2.0, 0.0, 3.0, 4.0], [0.0, 1.5, 0.0, -2.0], [0.0, 0.0, 0.0], [1.2, -0.5, 3.0]):
        x = f64(data)
        (g,) = tg.grad(cumprod(x, 0).sum(), [x], create_graph=True)
        rows = [tg.grad(g[i], [x], retain_graph=True)[0].data for i in range(len(data))]
        np.testing.assert_allclose(rows, slow_cumprod_hessian(np.array(data)), rtol=1e-12,
                                   atol=1e-14)


# ---------------------------------------------------------------- cummax, cummin
def slow_running(values, better) -> tuple[list, list]:
    """Running extreme and its index by a loop, torch's rule: a nan, or a value at least as
    good as the extreme so far (while that is not nan), takes over."""
    out, idx = [], []
    for i, v in enumerate(values):
        if not out or v != v or (out[-1] == out[-1] and better(v, out[-1])):
            out.append(v)
            idx.append(i)
        else:
            out.append(out[-1])
            idx.append(idx[-1])
    return out, idx


def test_cummax_cummin_hand_values():
    x = f64([1.0, 3.0, 3.0, 2.0, 5.0, nan, 6.0, nan, 7.0])
    values, indices = cummax(x, 0)
    np.testing.assert_array_equal(values.data, [1, 3, 3, 3, 5, nan, nan, nan, nan])
    assert indices.tolist() == [0, 1, 2, 2, 4, 5, 5, 7, 7]
    values, indices = cummin(f64([3.0, 1.0, 1.0, 2.0, 0.0, nan, -1.0]), 0)
    np.testing.assert_array_equal(values.data, [3, 1, 1, 1, 0, nan, nan])
    assert indices.tolist() == [0, 1, 2, 2, 4, 5, 5]
    assert Tensor([False, True, False]).cummax(0).indices.tolist() == [0, 1, 1]
    assert cummax(f64(2.0), 0).indices.item() == 0


@pytest.mark.parametrize("fn, better", [(cummax, lambda a, b: a >= b),
                                        (cummin, lambda a, b: a <= b)])
def test_cummax_cummin_match_a_loop_and_route_the_gradient(fn, better):
    data = RNG.integers(0, 4, (4, 7)).astype(np.float64)
    data[2, 3] = nan
    x = f64(data)
    values, indices = fn(x, 1)
    for row in range(4):
        out, idx = slow_running(data[row].tolist(), better)
        np.testing.assert_array_equal(values.data[row], out)
        assert indices.data[row].tolist() == idx
    values.sum().backward()
    expected = np.zeros_like(data)
    np.add.at(expected, (np.arange(4)[:, None], indices.data), 1)   # repeats add up
    np.testing.assert_array_equal(x.grad.data, expected)
    check_grads(lambda t: fn(t, 0).values, [rand(3, 2)])


# ---------------------------------------------------------------- bincount, histc
def test_bincount():
    x = Tensor([1, 1, 4])
    assert bincount(x, minlength=2).tolist() == [0, 2, 0, 0, 1]
    assert bincount(x, minlength=7).shape == (7,)
    weighted = bincount(x, Tensor([0.5, 1.0, 2.0]))
    assert weighted.dtype == np.float32 and weighted.tolist() == [0, 1.5, 0, 0, 2]
    assert bincount(x, Tensor([1, 2, 3])).dtype == np.float64
    assert x.bincount().tolist() == [0, 2, 0, 0, 1]
    assert bincount(Tensor(np.array([], np.int64))).shape == (0,)
    for bad in (Tensor([-1, 1]), Tensor([[1, 1]]), Tensor([1.0, 2.0]), Tensor([True])):
        with pytest.raises(ValueError, match="bincount: only supports 1-D non-negative integer"):
            bincount(bad)
    with pytest.raises(ValueError, match="weights should be 1-D and as long as input"):
        bincount(x, Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="minlength should be >= 0"):
        bincount(x, minlength=-1)


def test_histc():
    assert histc(Tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist() == [0, 2, 1, 0]
    assert histc(Tensor([1.0, 2.0, 1.0, 5.0]), bins=4).tolist() == [2, 1, 0, 1]  # data range
    assert histc(Tensor([2.0, 2.0]), bins=4).tolist() == [0, 0, 2, 0]     # widened by 1
    assert histc(Tensor([0.0, 5.0]), bins=4, min=2, max=2).tolist() == [1, 0, 0, 1]
    assert histc(Tensor([1.0, nan, 9.0]), bins=3, min=0, max=3).tolist() == [0, 1, 0]
    assert histc(Tensor(np.zeros(0)), bins=2).tolist() == [0, 0]
    out = f64(RNG.uniform(-1, 1, 50)).histc(5, -1, 1)
    assert out.dtype == np.float64 and not out.requires_grad and out.sum().item() == 50
    with pytest.raises(TypeError, match="histc: expected a floating point tensor"):
        histc(Tensor([1, 2]))
    with pytest.raises(ValueError, match="bins must be > 0"):
        histc(Tensor([1.0]), bins=0)
    with pytest.raises(ValueError, match="max must be larger than min"):
        histc(Tensor([1.0]), min=3, max=1)
    with pytest.raises(ValueError, match=r"histc: the range \[1.0, inf\] is not finite"):
        histc(Tensor([1.0, math.inf]))


def test_histc_matches_numpy_away_from_the_edges():
    data = RNG.uniform(-2, 3, 200)
    counts = histc(f64(data, requires_grad=False), bins=7, min=-2, max=3)
    np.testing.assert_array_equal(counts.data, np.histogram(data, 7, (-2, 3))[0])


# ---------------------------------------------------------------- searchsorted, bucketize
def test_searchsorted_1d_and_batched():
    seq = Tensor([1, 3, 5, 7, 9])
    values = Tensor([[3, 6, 9], [3, 6, 9]])
    assert searchsorted(seq, values).tolist() == [[1, 3, 4], [1, 3, 4]]
    assert searchsorted(seq, values, right=True).tolist() == [[2, 3, 5], [2, 3, 5]]
    assert searchsorted(seq, values, side="right").tolist() == [[2, 3, 5], [2, 3, 5]]
    rows = Tensor([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]])
    assert searchsorted(rows, values, right=True).tolist() == [[2, 3, 5], [1, 3, 4]]
    assert searchsorted(rows, values).tolist() == [[1, 3, 4], [1, 2, 4]]
    out = searchsorted(seq, 4)
    assert out.shape == () and out.item() == 2
    assert searchsorted(seq, Tensor([3]), out_int32=True).dtype == np.int32
    assert searchsorted(Tensor([5, 1, 3]), Tensor([3, 4]),
                        sorter=Tensor([1, 2, 0])).tolist() == [1, 2]
    assert searchsorted(seq, Tensor([3.5])).tolist() == [2]


def test_batched_searchsorted_matches_numpy_row_by_row():
    seq = np.sort(RNG.integers(0, 6, (2, 3, 8)), axis=-1).astype(np.float64)
    values = RNG.integers(-1, 7, (2, 3, 5)).astype(np.float64)
    for right in (False, True):
        out = searchsorted(Tensor(seq), Tensor(values), right=right)
        side = "right" if right else "left"
        expected = [[np.searchsorted(s, v, side) for s, v in zip(ss, vs)]
                    for ss, vs in zip(seq, values)]
        np.testing.assert_array_equal(out.data, expected)


def test_searchsorted_errors():
    seq = Tensor([1, 3, 5])
    with pytest.raises(ValueError, match="side and right can't be set to opposites"):
        searchsorted(seq, Tensor([3]), side="left", right=True)
    with pytest.raises(ValueError, match="side can only be 'left' or 'right', got 'middle'"):
        searchsorted(seq, Tensor([3]), side="middle")
    with pytest.raises(ValueError, match="at least 1 dimension"):
        searchsorted(Tensor(5), Tensor([3]))
    with pytest.raises(ValueError, match=r"sorted_sequence of shape \(2, 5\) must be 1-D, or "
                                         r"its leading dims must equal those of input \(shape "
                                         r"\(1, 3\)\)"):
        searchsorted(Tensor(np.ones((2, 5))), Tensor(np.ones((1, 3))))
    with pytest.raises(ValueError, match="must be 1-D"):
        searchsorted(Tensor(np.ones((1, 5))), 4)
    with pytest.raises(TypeError, match="bool"):
        searchsorted(Tensor([False, True]), Tensor([True]))
    with pytest.raises(ValueError, match="sorter must be integer indices"):
        searchsorted(seq, Tensor([3]), sorter=Tensor([0, 1]))


def test_bucketize():
    boundaries = Tensor([1, 3, 5, 7, 9])
    values = Tensor([[1, 3, 9], [3, 6, 10]])
    assert bucketize(values, boundaries).tolist() == [[0, 1, 4], [1, 3, 5]]
    assert bucketize(values, boundaries, right=True).tolist() == [[1, 2, 5], [2, 3, 5]]
    assert bucketize(3, Tensor([1, 3])).item() == 1
    with pytest.raises(ValueError, match=r"bucketize: boundaries must be 1-D, got shape \(1, 2\)"):
        bucketize(Tensor([1]), Tensor([[1, 3]]))


# ---------------------------------------------------------------- edge shapes
EDGE_CASES = {  # id: (function, input shape): 0-d, size-1 and empty axes, random shapes
    "var_mean-0d": (lambda t: var_mean(t, correction=0), ()),
    "std_mean-size1": (lambda t: std_mean(t, 1, keepdim=True, correction=0), (3, 1, 2)),
    "var_mean-empty-other": (lambda t: var_mean(t, 1), (0, 3)),
    "nansum-0d": (nansum, ()),
    "nansum-empty": (lambda t: nansum(t, 0), (0, 2)),
    "nanmean-size1": (lambda t: nanmean(t, 1), (2, 1)),
    "median-0d": (median, ()),
    "median-size1": (lambda t: median(t, 1).values, (3, 1)),
    "median-0d-dim": (lambda t: median(t, 0).values, ()),
    "mode-size1": (lambda t: mode(t, 0).values, (1, 3)),
    "mode-0d": (lambda t: mode(t).values, ()),
    "cummax-0d": (lambda t: cummax(t, 0).values, ()),
    "cummin-size1": (lambda t: cummin(t, 1).values, (2, 1)),
    "cummax-empty": (lambda t: cummax(t, 0).values, (0, 2)),
}
for _i in range(3):
    _shape = tuple(int(n) for n in RNG.integers(1, 4, _i + 1))
    _dim = int(RNG.integers(0, len(_shape)))
    EDGE_CASES[f"median-rand{_i}"] = (lambda t, d=_dim: median(t, d).values, _shape)
    EDGE_CASES[f"cummin-rand{_i}"] = (lambda t, d=_dim: cummin(t, d).values, _shape)
    EDGE_CASES[f"nanmean-rand{_i}"] = (lambda t, d=_dim: nanmean(t, d), _shape)
    EDGE_CASES[f"std_mean-rand{_i}"] = (lambda t, d=_dim: std_mean(t, d, correction=0), _shape)


@pytest.mark.parametrize("fn, shape", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_gradients_on_edge_shapes(fn, shape):
    check_grads(fn, [rand(*shape)])


# ---------------------------------------------------------------- against torch (optional)
def test_statistics_against_torch():
    torch = pytest.importorskip("torch")
    data = RNG.standard_normal((4, 5))
    data[1, 2] = nan
    clean = RNG.standard_normal((3, 4))
    clean[0, 1] = clean[2, 0] = clean[2, 2] = 0.0                   # zeros for cumprod
    cases = [  # (ours, torch's) as functions of one tensor, and the data
        (lambda x: nansum(x, 1), lambda t: torch.nansum(t, 1), data),
        (lambda x: nanmean(x, 0), lambda t: torch.nanmean(t, 0), data),
        (lambda x: median(x, 1).values, lambda t: t.median(1).values, data),
        (lambda x: cummax(x, 1).values, lambda t: t.cummax(1).values, data),
        (lambda x: cummin(x, 0).values, lambda t: t.cummin(0).values, data),
        (lambda x: cumprod(x, 1), lambda t: t.cumprod(1), clean),
        (lambda x: median(x), lambda t: t.median(), clean),
        (lambda x: var_mean(x, 1)[0], lambda t: torch.var_mean(t, 1)[0], clean),
        (lambda x: std_mean(x)[0], lambda t: torch.std_mean(t)[0], clean),
    ]
    for ours, theirs, array in cases:
        x, t = f64(array), torch.tensor(array, requires_grad=True)
        out, expected = ours(x), theirs(t)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-15)
        g = np.random.default_rng(3).standard_normal(out.shape)
        (mine,) = tg.grad(out, [x], Tensor(g))
        (grad,) = torch.autograd.grad(expected, [t], torch.tensor(g))
        np.testing.assert_allclose(mine.data, grad.numpy(), rtol=1e-10, atol=1e-12)
    ints = RNG.integers(0, 4, (5, 6))
    for dim in (0, 1):
        ours, theirs = Tensor(ints).mode(dim), torch.tensor(ints).mode(dim)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
        ours, theirs = Tensor(ints).cummax(dim), torch.tensor(ints).cummax(dim)
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())


def test_binning_against_torch():
    torch = pytest.importorskip("torch")
    data = RNG.standard_normal(300).astype(np.float32)
    for bins, low, high in ((10, 0, 0), (7, -1, 1), (13, -3, 2.5)):
        np.testing.assert_array_equal(histc(Tensor(data), bins, low, high).data,
                                      torch.histc(torch.tensor(data), bins, low, high).numpy())
    seq = np.sort(RNG.integers(0, 9, (3, 10)), axis=-1)
    values = RNG.integers(-1, 10, (3, 6))
    for right in (False, True):
        np.testing.assert_array_equal(
            searchsorted(Tensor(seq), Tensor(values), right=right).data,
            torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right).numpy())
        np.testing.assert_array_equal(
            bucketize(Tensor(values), Tensor(seq[0]), right=right).data,
            torch.bucketize(torch.tensor(values), torch.tensor(seq[0]), right=right).numpy())
    counts = RNG.integers(0, 5, 20)
    weights = RNG.standard_normal(20)
    np.testing.assert_allclose(bincount(Tensor(counts), Tensor(weights), 8).data,
                               torch.bincount(torch.tensor(counts), torch.tensor(weights),
                                              8).numpy(), rtol=1e-12)


def test_histogram_as_numpy_and_torch():
    t = tg.tensor([1.0, 2.0, 1.0, 5.0, 7.0])
    hist, edges = tg.histogram(t, bins=4, range=(0.0, 8.0), weight=tg.tensor([1.0, 2, 1, 1, 1]))
    assert hist.tolist() == [2.0, 2.0, 1.0, 1.0] and edges.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    density = t.histogram(3, density=True)                  # torch 2.13: [0.3, 0, 0.2]
    np.testing.assert_allclose(density.hist.numpy(), [0.3, 0.0, 0.2], rtol=1e-6)
    assert density.bin_edges.tolist() == [1.0, 3.0, 5.0, 7.0]
    assert tg.histogram(t, tg.tensor([0.0, 2.0, 6.0])).hist.tolist() == [2.0, 2.0]
    assert tg.histogram(t.double(), 2).hist.dtype == np.float64
    with pytest.raises(TypeError, match="histogram: expected a floating point tensor"):
        tg.histogram(tg.tensor([1, 2]), 2)
    with pytest.raises(ValueError, match="histogram: the range .* is not finite"):
        tg.histogram(tg.tensor([1.0, float("nan")]), 2)
