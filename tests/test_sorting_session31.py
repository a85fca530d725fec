"""Session 31 fixes from the sorting/searching QA sweep against torch 2.13: unique(dim=)
keeps each nan apart, histogram bins float32 input in float32, and the median of an empty
tensor can be backpropagated. torch's results are written out; the tests that call torch
are optional."""
import numpy as np
import pytest

import tinygrad_edu as tg

NAN = float("nan")


def test_unique_with_dim_keeps_each_nan_apart():
    x = tg.tensor([1.0, NAN, 2.0, NAN])
    values, inverse, counts = tg.unique(x, dim=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), [1.0, 2.0, NAN, NAN])     # nan sorts last
    assert inverse.tolist() == [0, 2, 1, 3] and counts.tolist() == [1, 1, 1, 1]


def test_unique_rows_holding_nan_are_all_distinct():
    rows = tg.tensor([[1.0, NAN], [1.0, NAN], [0.0, 2.0], [0.0, 2.0]])
    values, inverse, counts = tg.unique(rows, dim=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), [[0.0, 2.0], [1.0, NAN], [1.0, NAN]])
    assert inverse.tolist() == [1, 2, 0, 0] and counts.tolist() == [2, 1, 1]    # as torch


def test_histogram_bins_float32_in_float32():
    """torch's float32 edge 0.29999998 holds the value 0.29999998 (float64 edges cast to
    float32 gave 0.30000001, so it fell in the first bin: counts [2, 0, 1])."""
    x = tg.tensor(np.array([0.1, 0.7, 0.29999998], np.float32))
    edges = np.array([0.1, 0.29999998, 0.5, 0.7], np.float32)               # torch 2.13
    hist, bin_edges = tg.histogram(x, bins=3)
    assert hist.tolist() == [1.0, 1.0, 1.0] and bin_edges.dtype == np.float32
    np.testing.assert_array_equal(bin_edges.numpy(), edges)
    assert tg.histogram(x, 3, range=(0.1, 0.7)).hist.tolist() == [1.0, 1.0, 1.0]
    weighted = tg.histogram(x, 3, weight=tg.tensor([1.0, 2.0, 4.0])).hist
    assert weighted.tolist() == [1.0, 4.0, 2.0]
    density = tg.histogram(x, 3, density=True).hist                # 1 / 3 / width 0.2
    np.testing.assert_allclose(density.numpy(), [1.6666666, 1.6666667, 1.6666667], rtol=1e-6)
    assert density.dtype == np.float32
    given = tg.histogram(x, tg.tensor(edges), density=True).hist
    np.testing.assert_array_equal(given.numpy(), density.numpy())


def test_histogram_edges_and_errors_of_the_float32_path():
    x = tg.tensor([1.0, 2.0, 1.0, 5.0, 7.0])
    assert tg.histogram(x, 2, range=(2.0, 2.0)).bin_edges.tolist() == [1.5, 2.0, 2.5]
    assert tg.histogram(tg.tensor([]), 2).bin_edges.tolist() == [0.0, 0.5, 1.0]
    assert np.isnan(tg.histogram(x, 2, range=(10.0, 20.0), density=True).hist.numpy()).all()
    with pytest.raises(ValueError, match=r"histogram: range must have min <= max, got \(3"):
        tg.histogram(x, 2, range=(3.0, 1.0))
    with pytest.raises(TypeError, match="histogram: bins must be an int, got 2.0"):
        tg.histogram(x, 2.0)
    with pytest.raises(ValueError, match="histogram: `bins` must increase monotonically"):
        tg.histogram(x, tg.tensor([0.0]))


@pytest.mark.parametrize("reduce", [tg.median, tg.nanmedian])
def test_median_of_an_empty_tensor_backpropagates(reduce):
    x = tg.zeros(2, 0, dtype=tg.float64, requires_grad=True)
    m = reduce(x)
    assert np.isnan(m.item())
    m.backward()                          # torch: nan with a grad_fn, an empty zero .grad
    assert x.grad.shape == (2, 0) and x.grad.dtype == np.float64


@pytest.mark.parametrize("reduce", [tg.median, tg.nanmedian])
def test_median_over_an_empty_dim_raises_as_torch(reduce):
    x = tg.zeros(2, 0)
    assert reduce(x, dim=0).values.shape == (0,)
    with pytest.raises(IndexError, match="expected reduction dim 1 to have a non-zero size"):
        reduce(x, dim=1)


def test_histogram_matches_torch_in_float32():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(31)
    for trial in range(300):
        data = (rng.standard_normal(12) * 10 ** rng.uniform(-3, 3)).astype(np.float32)
        data[:4] = data[4:8]                                          # some repeated values
        weight = rng.uniform(0, 1, 12).astype(np.float32)
        bins, span = int(rng.integers(1, 40)), (float(data.min()), float(data.max()))
        for kwargs in ({}, {"range": span}, {"density": True}):
            expected = torch.histogram(torch.tensor(data), bins, **kwargs)
            got = tg.histogram(tg.tensor(data), bins, **kwargs)
            np.testing.assert_array_equal(got.bin_edges.numpy(), expected.bin_edges.numpy())
            np.testing.assert_allclose(got.hist.numpy(), expected.hist.numpy(), rtol=1e-6)
        expected = torch.histogram(torch.tensor(data), bins, weight=torch.tensor(weight))
        got = tg.histogram(tg.tensor(data), bins, weight=tg.tensor(weight))
        np.testing.assert_allclose(got.hist.numpy(), expected.hist.numpy(), rtol=1e-6)


def test_unique_with_dim_matches_torch_up_to_order():
    torch = pytest.importorskip("torch")
    for data in ([1.0, NAN, 2.0, NAN], [[1.0, NAN], [1.0, NAN], [0.0, 2.0], [0.0, 2.0]]):
        _, counts = tg.unique(tg.tensor(data), dim=0, return_counts=True)
        _, expected = torch.unique(torch.tensor(data), dim=0, return_counts=True)
        assert sorted(counts.tolist()) == sorted(expected.tolist())


def test_kthvalue_says_k_must_be_an_int():
    with pytest.raises(TypeError, match="kthvalue: k must be an int, got float 1.0"):
        tg.kthvalue(tg.tensor([3.0, 1.0, 2.0]), 1.0)
    assert tg.kthvalue(tg.tensor([3.0, 1.0, 2.0]), np.int64(2)).values.item() == 2.0
