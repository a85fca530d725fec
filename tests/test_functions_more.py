"""Functions added for torch parity (found missing by running torch's docstring examples):
order statistics, covariance, differences, cross products, splits and aliases. Values
are checked by hand, gradients by gradcheck, and against torch when it is installed."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import gradcheck, gradgradcheck


def leaf(values) -> tg.Tensor:
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_kthvalue_quantile_and_nanquantile():
    x = tg.tensor([3.0, 1.0, 2.0, 5.0])
    assert x.kthvalue(2).values.item() == 2.0 and x.kthvalue(2).indices.item() == 2
    assert tg.quantile(x, 0.5).item() == 2.5                       # between 2 and 3
    assert tg.quantile(x, 0.5, interpolation="lower").item() == 2.0
    assert tg.quantile(x, 0.5, interpolation="higher").item() == 3.0
    assert tg.quantile(x, 0.5, interpolation="nearest").item() == 3.0   # 1.5 -> 2 (even)
    assert tg.quantile(x, tg.tensor([0.0, 1.0])).tolist() == [1.0, 5.0]
    rows = tg.tensor([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    assert np.isnan(tg.quantile(rows, 0.5, dim=1).numpy()[0])
    assert tg.nanquantile(rows, 0.5, dim=1).tolist() == [2.0, 5.0]
    assert tg.quantile(rows, tg.tensor([0.5, 1.0]), dim=1, keepdim=True).shape == (2, 2, 1)
    with pytest.raises(ValueError, match="quantile: q must be in \\[0, 1\\]"):
        tg.quantile(x, 1.5)
    with pytest.raises(ValueError, match="kthvalue: k=5 is out of range"):
        x.kthvalue(5)
    assert gradcheck(lambda t: tg.quantile(t, tg.tensor([0.3, 0.8], dtype=tg.float64), dim=0),
                     [leaf(np.random.default_rng(0).standard_normal((5, 3)))])
    assert gradcheck(lambda t: t.kthvalue(2, 1, keepdim=True).values,
                     [leaf(np.random.default_rng(1).standard_normal((3, 4)))])


def test_cov_and_corrcoef():
    x = leaf([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
    assert tg.cov(x).tolist() == [[1.0, -1.0], [-1.0, 1.0]]
    assert tg.corrcoef(x).tolist() == [[1.0, -1.0], [-1.0, 1.0]]
    assert tg.cov(tg.tensor([1.0, 2.0, 4.0]), correction=0).item() == pytest.approx(14 / 9)
    fw, aw = tg.tensor([1, 2, 1]), tg.tensor([0.5, 1.0, 2.0], dtype=tg.float64)
    rows = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 3.0]])
    np.testing.assert_allclose(tg.cov(tg.tensor(rows), fweights=fw, aweights=aw).numpy(),
                               np.cov(rows, fweights=[1, 2, 1], aweights=[0.5, 1.0, 2.0]),
                               rtol=1e-12)
    assert gradgradcheck(lambda t: tg.cov(t, aweights=aw),
                         [leaf(np.random.default_rng(2).standard_normal((2, 3)))])
    with pytest.raises(ValueError, match="cov: aweights must be 0-d or 1-D with 3 entries"):
        tg.cov(x, aweights=tg.ones(2))


def test_aminmax_diff_select_ravel():
    x = tg.tensor([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]])
    low, high = tg.aminmax(x)
    assert (low.item(), high.item()) == (0.0, 6.0)
    assert tg.aminmax(x, dim=1, keepdim=True).max.tolist() == [[5.0], [6.0]]
    assert tg.diff(x).tolist() == [[4.0, -3.0], [-4.0, 6.0]]
    assert tg.diff(x, n=2, dim=1).tolist() == [[-7.0], [10.0]]
    assert tg.diff(x, dim=0, prepend=tg.zeros(1, 3)).tolist() == [[1, 5, 2], [3, -5, 4]]
    assert tg.diff(tg.tensor([True, True, False])).tolist() == [False, True]
    assert x.select(1, -1).tolist() == [2.0, 6.0] and x.ravel().shape == (6,)
    with pytest.raises(IndexError, match="select: index 3 is out of range for dimension 1"):
        x.select(1, 3)
    assert gradgradcheck(lambda t: tg.diff(t, n=2, dim=0) ** 2,
                         [leaf(np.random.default_rng(3).standard_normal((4, 2)))])


def test_cross_mv_isin_cartesian_prod_and_splits():
    a, b = leaf([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), leaf([[0.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
    assert tg.linalg.cross(a, b).tolist() == [[0.0, 0.0, 1.0], [6.0, 0.0, 0.0]]
    assert tg.cross(a.T, b.T).T.tolist() == [[0.0, 0.0, 1.0], [6.0, 0.0, 0.0]]  # first size 3
    assert gradgradcheck(lambda u, v: tg.linalg.cross(u, v), [a, b])
    assert tg.mv(tg.eye(2), tg.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert tg.isin(tg.tensor([1, 2, 3]), tg.tensor([2, 5])).tolist() == [False, True, False]
    assert tg.isin(tg.tensor([1, 2]), 2, invert=True).tolist() == [True, False]
    assert tg.cartesian_prod(tg.tensor([1, 2]), tg.tensor([3, 4])).tolist() == [
        [1, 3], [1, 4], [2, 3], [2, 4]]
    x = tg.arange(24.0).reshape(2, 4, 3)
    assert [p.shape for p in tg.hsplit(x, 2)] == [(2, 2, 3)] * 2
    assert [p.shape for p in tg.vsplit(x, [1])] == [(1, 4, 3), (1, 4, 3)]
    assert [p.shape for p in x.dsplit(3)] == [(2, 4, 1)] * 3
    with pytest.raises(ValueError, match="hsplit: 3 sections do not divide dimension 1"):
        tg.hsplit(x, 3)


def test_aliases_and_properties():
    x = tg.tensor([5.0, -7.0])
    assert tg.subtract(x, 1.0, alpha=2).tolist() == [3.0, -9.0]
    assert tg.divide(x, 2, rounding_mode="trunc").tolist() == [2.0, -3.0]
    assert x.remainder(3).tolist() == tg.remainder(x, 3).tolist() == [2.0, 2.0]
    assert x.floor_divide(3).tolist() == tg.floor_divide(x, 3).tolist() == [1.0, -3.0]
    assert tg.float_power(tg.tensor([2]), 3).dtype == np.float64
    assert (x.itemsize, x.nbytes, x.is_cuda) == (4, 8, False)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    values = rng.standard_normal((4, 7))
    t, ours = torch.tensor(values), tg.tensor(values)
    qs = [0.0, 0.1, 0.5, 0.77, 1.0]
    for how in ("linear", "lower", "higher", "midpoint", "nearest"):
        np.testing.assert_allclose(
            tg.quantile(ours, tg.tensor(qs, dtype=tg.float64), dim=1, interpolation=how).numpy(),
            torch.quantile(t, torch.tensor(qs, dtype=torch.float64), dim=1,
                           interpolation=how).numpy(), rtol=1e-12)
    np.testing.assert_allclose(tg.cov(ours).numpy(), torch.cov(t).numpy(), rtol=1e-12)
    np.testing.assert_allclose(tg.corrcoef(ours).numpy(), torch.corrcoef(t).numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.kthvalue(3, 0).values.numpy(),
                                  t.kthvalue(3, 0).values.numpy())
    np.testing.assert_array_equal(tg.diff(ours, n=3).numpy(), torch.diff(t, n=3).numpy())
    u, v = rng.standard_normal((2, 5, 3))
    np.testing.assert_allclose(tg.linalg.cross(tg.tensor(u), tg.tensor(v)).numpy(),
                               torch.linalg.cross(torch.tensor(u), torch.tensor(v)).numpy())
    assert math.isclose(tg.quantile(ours, 0.3).item(), torch.quantile(t, 0.3).item(),
                        rel_tol=1e-12)


def test_half_precision_names():
    x = tg.tensor([1.5, 2.0]).half()
    assert x.dtype == tg.float16 == tg.half and tg.HalfTensor([1.0]).dtype == np.float16
    assert (x + tg.tensor([1.0, 1.0])).dtype == np.float32 and (x * 2).dtype == np.float16
    import nn
    assert nn.Linear(2, 2).half().weight.dtype == np.float16


def test_fixes_from_the_recheck_of_the_new_functions():
    inf = float("inf")
    assert tg.cov(tg.tensor([[1.0, 2.0, 4.0]])).shape == ()              # one variable: 0-d
    assert tg.quantile(tg.arange(101.0), 0.55, interpolation="higher").item() == 55.0
    assert tg.quantile(tg.arange(101.0), 0.425, interpolation="nearest").item() == 42.0
    assert tg.quantile(tg.tensor([1.0, 2.0, inf]), 0.9, interpolation="nearest").item() == inf
    assert tg.quantile(tg.tensor([-inf, 0.0, 1.0]), 0.3).item() == -inf
    huge = tg.tensor([1e308, 1e308], dtype=tg.float64)
    assert tg.quantile(huge, 0.5, interpolation="midpoint").item() == 1e308
    with pytest.raises(TypeError, match="quantile: q must be a number or a Tensor"):
        tg.quantile(tg.ones(3), [0.1, 0.5])
    weights = tg.tensor([1.0, 2.0, 0.5, 1.0], requires_grad=True, dtype=tg.float64)
    x = tg.tensor([[1.0, 2, 4, 7], [0.0, 1, 3, 2]], dtype=tg.float64)
    assert gradcheck(lambda w: tg.cov(x, aweights=w), [weights])        # through the weights
    assert tg.arange(100.0).half().var().item() == pytest.approx(841.5, rel=1e-3)  # not inf
    assert tg.arange(2.9, dtype=tg.int64).tolist() == [0, 1]           # limits made ints first
    with pytest.raises(ValueError, match="arange: unsupported range"):
        tg.arange(float("nan"))
    assert tg.select(tg.ones(3, 2), 0, tg.tensor(1)).tolist() == [1.0, 1.0]
    assert tg.diff(tg.tensor([1.0, 2.0]), n=0, append=tg.tensor([5.0])).tolist() == [1.0, 2.0]
    assert tg.tensor([2.0]).float_power(2).dtype == np.float64
    with pytest.raises(TypeError, match="view: takes a shape or a dtype, not both"):
        tg.zeros(3, 4).view(2, 6, dtype=tg.int32)


def test_checkpoint_keyword_tensors_are_inputs_too():
    from tinygrad_edu.utils.checkpoint import checkpoint
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    doubled, same = checkpoint(lambda a, weight=None: (a * 2, weight), x, weight=w)
    (doubled.sum() + same.sum()).backward()
    assert w.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]


def test_weight_norm_of_a_vector_keeps_one_length_per_element_and_spectral_waits():
    import nn
    layer = nn.utils.weight_norm(nn.Linear(4, 3), name="bias")
    assert layer.bias_g.shape == (3,)                                    # as torch (dim 0)
    np.testing.assert_allclose(layer.bias_g.numpy(), np.abs(layer.bias_v.numpy()))
    spectral = nn.Linear(3, 2)
    before = spectral.weight.numpy().copy()
    nn.utils.spectral_norm(spectral)
    np.testing.assert_array_equal(spectral.weight.numpy(), before)      # until a forward


def test_float16_random_tensors():
    assert tg.rand(2, dtype=tg.float16).dtype == np.float16
    assert tg.randn(2, 2, dtype=tg.half).dtype == np.float16


def test_float16_uniform_draws_stay_below_one():
    tg.manual_seed(0)
    assert tg.rand(200_000, dtype=tg.float16).max().item() < 1.0
