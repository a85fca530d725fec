"""Small fixes from the twenty-eighth session (torch's spellings of split and tensor_split,
float_power_, and the sweeps' findings): each test fails without its fix."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import Tensor


def test_split_size_zero_only_for_an_empty_dim():
    pieces = Tensor(np.zeros((0, 3))).split(0)              # torch: one empty piece
    assert [p.shape for p in pieces] == [(0, 3)]
    with pytest.raises(ValueError, match=r"split: split_size must be positive \(0 only for "
                                         r"a dim of size 0\), got 0 for dim 0 of size 2"):
        Tensor(np.zeros((2, 3))).split(0)


def test_tensor_split_takes_torchs_keywords():
    x = Tensor(np.arange(12.0).reshape(2, 6))
    by_indices = x.tensor_split(indices=[1, 4], dim=1)
    assert [p.tolist() for p in by_indices] == [[[0.0], [6.0]], [[1.0, 2.0, 3.0], [7.0, 8.0, 9.0]],
                                                [[4.0, 5.0], [10.0, 11.0]]]
    assert [p.shape for p in tg.tensor_split(x, sections=4, dim=1)] == [(2, 2), (2, 2),
                                                                        (2, 1), (2, 1)]
    assert [p.shape for p in x.tensor_split(tensor_indices_or_sections=Tensor(np.array(2)))
            ] == [(1, 6), (1, 6)]
    for twice in ({"indices_or_sections": 2, "sections": 2}, {}):
        with pytest.raises(TypeError, match=r"tensor_split: give the split once"):
            x.tensor_split(**twice)


def test_float_power_in_place_needs_float64_and_records_its_gradient():
    y = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    z = y * 1
    assert z.float_power_(3) is z
    z.sum().backward()
    assert z.tolist() == [8.0, 27.0]
    assert y.grad.tolist() == [12.0, 27.0]                   # 3 y^2
    with pytest.raises(TypeError, match=r"float_power_: the result is float64 but x is "
                                        r"float32; use x.float_power"):
        tg.ones(2).float_power_(2)


@pytest.mark.parametrize("pool, image", [
    (lambda x, s: nn.functional.max_pool2d(x, 2, s), (1, 2, 4, 6)),
    (lambda x, s: nn.functional.avg_pool1d(x, 2, s), (1, 2, 6)),
    (lambda x, s: nn.functional.avg_pool3d(x, 2, s), (1, 1, 4, 4, 2)),
    (lambda x, s: nn.MaxPool2d(2, s)(x), (1, 2, 4, 6))])
def test_an_empty_stride_means_the_kernel_size(pool, image):
    x = Tensor(np.random.default_rng(28).standard_normal(image))
    for empty in ((), []):
        assert pool(x, empty).tolist() == pool(x, None).tolist()


def test_conv_padding_mode_and_lp_pool_errors_name_what_the_user_wrote():
    x = tg.ones(1, 3, 4, 4)
    with pytest.raises(ValueError, match=r"Conv2d: padding=\(4, 4\) with padding_mode='reflect' "
                                         r"does not fit the input of shape \(1, 3, 4, 4\)"):
        nn.Conv2d(3, 2, 3, padding=4, padding_mode="reflect")(x)
    with pytest.raises(ValueError, match=r"lp_pool2d: norm_type must be nonzero"):
        nn.functional.lp_pool2d(x, 0, 2)
    with pytest.raises(TypeError, match=r"interpolate: mode='bilinear' needs a floating point "
                                        r"input, got uint8 .*resize x.float\(\)"):
        nn.functional.interpolate(x.byte(), scale_factor=2, mode="bilinear")


def _sgd(lr: float = 0.1) -> nn.optim.SGD:
    return nn.optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=lr)


@pytest.mark.parametrize("k", [2, 7, 12, 30])
def test_warm_restarts_resumed_at_last_epoch_k_continue_the_schedule(k):
    """Built with last_epoch=k it is where a fresh one is after k + 1 steps (epoch k + 1),
    also past several lengthened cycles (T_cur was T_i too large by then)."""
    schedule = nn.optim.lr_scheduler.CosineAnnealingWarmRestarts
    fresh = schedule(_sgd(), T_0=3, T_mult=2)
    for _ in range(k + 1):
        fresh.optimizer.step()
        fresh.step()
    resumed_optimizer = _sgd()
    resumed_optimizer.param_groups[0]["initial_lr"] = 0.1
    resumed = schedule(resumed_optimizer, T_0=3, T_mult=2, last_epoch=k)
    assert (resumed.T_cur, resumed.T_i) == (fresh.T_cur, fresh.T_i)
    assert resumed.get_last_lr() == fresh.get_last_lr()


def test_chained_scheduler_refuses_reduce_on_plateau_when_built():
    optimizer = _sgd()
    schedulers = nn.optim.lr_scheduler
    with pytest.raises(ValueError, match=r"ChainedScheduler: schedulers\[1\] is a "
                                         r"ReduceLROnPlateau, whose step\(metrics\)"):
        schedulers.ChainedScheduler([schedulers.StepLR(optimizer, 2),
                                     schedulers.ReduceLROnPlateau(optimizer)])


def test_xavier_refuses_one_dim_even_when_empty_and_old_names_warn():
    for init in (nn.init.xavier_uniform_, nn.init.xavier_normal_):
        with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(0,\)"):
            init(Tensor(np.zeros(0)))
        assert init(Tensor(np.zeros((0, 3)))).shape == (0, 3)
    weight = Tensor(np.zeros((3, 4)))
    with pytest.warns(FutureWarning, match=r"`nn.init.xavier_uniform` is now deprecated in "
                                           r"favor of `nn.init.xavier_uniform_`"):
        assert nn.init.xavier_uniform(weight) is weight
    assert np.abs(weight.numpy()).max() > 0
    for old in ("uniform", "normal", "constant", "eye", "dirac", "xavier_normal",
                "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"):
        assert getattr(nn.init, old).__name__ == old


def test_nn_utils_exports_the_fusions_as_torch():
    from nn.utils import fusion
    for name in ("fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
                 "fuse_linear_bn_weights"):
        assert getattr(nn.utils, name) is getattr(fusion, name)


def test_full_backward_hook_gives_zeros_for_a_tensor_input_without_grad():
    class Product(nn.Module):
        def forward(self, a, b, c=None):
            return a * b
    seen = []
    module = Product()
    module.register_full_backward_hook(lambda m, grad_input, grad_output: seen.append(
        [None if g is None else (g.tolist(), g.dtype) for g in grad_input]))
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    module(a, Tensor(np.array([3.0, 4.0], np.float32)), 5).sum().backward()
    assert seen == [[([3.0, 4.0], np.float64), ([0.0, 0.0], np.float32), None]]   # as torch


@pytest.mark.parametrize("value, right, expected", [(0.3, True, 2), (0.7, False, 2),
                                                    (0.1, True, 1)])
def test_searchsorted_reads_a_number_in_the_sequences_dtype(value, right, expected):
    """float32 0.3 is 0.30000001; the number 0.3 compared in float64 fell before it."""
    boundaries = tg.tensor([0.1, 0.3, 0.7])                            # float32
    assert tg.searchsorted(boundaries, value, right=right).item() == expected
    assert tg.bucketize(value, boundaries, right=right).item() == expected
    assert tg.searchsorted(tg.tensor([1, 3, 7]), 3.5).item() == 2    # (an int sequence)


def test_histogram_range_is_taken_in_the_inputs_dtype():
    x = tg.tensor([0.0, 0.1, 0.3, 0.45, 0.6])                         # float32
    assert tg.histogram(x, 3, range=(0.0, 0.6)).hist.tolist() == [2.0, 1.0, 2.0]


def test_quantile_differentiates_q_for_linear_interpolation():
    x = Tensor(np.array([3.0, 1.0, 4.0, 1.5, 9.0]), requires_grad=True)
    q = Tensor(np.array([0.3, 0.6]), requires_grad=True)
    tg.quantile(x, q).sum().backward()
    # sorted 1, 1.5, 3, 4, 9: q = 0.3 sits between 1.5 and 3, q = 0.6 between 3 and 4;
    # d/dq = (b - a)(n - 1)
    assert q.grad.tolist() == [(3 - 1.5) * 4, (4 - 3) * 4]
    assert tg.gradcheck(lambda q: tg.quantile(x.detach(), q),
                        (Tensor(np.array([0.1, 0.55, 0.9]), requires_grad=True),))
    assert tg.quantile(x, Tensor(np.zeros(0))).shape == (0,)           # an empty q, as torch


@pytest.mark.parametrize("op", ["max", "min", "median", "nanmedian"])
def test_keepdim_without_dim_is_refused_as_torch(op):
    with pytest.raises(TypeError, match=rf"{op}: keepdim=True needs a dim"):
        getattr(tg.ones(2, 3), op)(keepdim=True)


def test_ndtri_keeps_its_digits_near_one_half():
    """Near p = 1/2, ndtri(1/2 + d) = sqrt(2 pi) d (1 + pi d^2 / 3 + O(d^4)); solving
    erfc(x) = 2p near 1 lost all but 9 of its digits (relative error 1.4e-9)."""
    d = np.concatenate([np.geomspace(1e-10, 1e-5, 40), -np.geomspace(1e-10, 1e-5, 40)])
    p = 0.5 + d
    d = p - 0.5                                                   # (exact: the d of p)
    series = np.sqrt(2 * np.pi) * d * (1 + np.pi * d * d / 3)
    np.testing.assert_allclose(tg.special.ndtri(Tensor(p)).numpy(), series, rtol=1e-15)
    normal = tg.distributions.Normal(Tensor(np.array(0.0)), Tensor(np.array(1.0)))
    np.testing.assert_allclose(normal.icdf(Tensor(p)).numpy(), series, rtol=1e-15)


def test_regularized_gamma_at_a_zero_is_flat_in_x():
    """P(0, x) = 1 for x > 0 (1 / Gamma(0) = 0): its x-gradient is 0, not nan; at x = 0
    both are nan, as torch."""
    for function, value in ((tg.special.gammainc, 1.0), (tg.special.gammaincc, 0.0)):
        x = Tensor(np.array([0.5, 3.0, 0.0]), requires_grad=True)
        out = function(Tensor(np.zeros(3)), x)
        out.sum().backward()
        assert out.tolist()[:2] == [value, value] and np.isnan(out.tolist()[2])
        assert x.grad.tolist()[:2] == [0.0, 0.0] and np.isnan(x.grad.tolist()[2])


def test_round_decimals_of_float16_scales_in_float32():
    """10**5 is inf in float16 (every answer was nan), 123.456 * 1000 overflowed."""
    x = tg.tensor([123.456, 0.12345, -7.777], dtype=tg.float64).half()
    for decimals in (3, 5):
        expected = np.round(x.numpy().astype(np.float32) * np.float32(10 ** decimals)) \
            / np.float32(10 ** decimals)
        rounded = x.round(decimals=decimals)
        assert rounded.dtype == np.float16
        assert rounded.tolist() == expected.astype(np.float16).tolist()


def test_erfcx_derivatives_keep_their_digits_for_large_x():
    """erfcx'(a) = 2 a erfcx(a) - 2/sqrt(pi) cancels for large a; its own derivative then
    multiplied the leftover by 2a (4.4e284 at a = 1e300, where it is 2 / (sqrt(pi) a^3))."""
    a = np.array([1e4, 1e8, 1e300])
    x = Tensor(a, requires_grad=True)
    (slope,) = tg.autograd.grad(tg.special.erfcx(x).sum(), x, create_graph=True)
    (curvature,) = tg.autograd.grad(slope.sum(), x)
    root_pi = np.sqrt(np.pi)
    np.testing.assert_allclose(slope.numpy(), -a ** -2 / root_pi * (1 - 1.5 * a ** -2),
                               rtol=1e-14)
    np.testing.assert_allclose(curvature.numpy(), 2 * a ** -3 / root_pi * (1 - 3 * a ** -2),
                               rtol=1e-14)


def test_i1_second_derivative_near_zero_is_its_series():
    """I1(x) = x/2 + x^3/16 + ...: I1'' = 3x/8 and I1''' = 3/8 at |x| <= eps (the limit
    used there was I0/2, whose slope x/4 is not that of I1(x)/x, x/8)."""
    x = Tensor(np.array([1e-17, -1e-17, 0.0]), requires_grad=True)
    (d1,) = tg.autograd.grad(tg.special.i1(x).sum(), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.autograd.grad(d2.sum(), x)
    assert d1.tolist() == [0.5, 0.5, 0.5]
    np.testing.assert_allclose(d2.numpy(), 3 * x.numpy() / 8, rtol=1e-15)
    np.testing.assert_allclose(d3.numpy(), 3 / 8, rtol=1e-15)


def test_atan2_gradient_does_not_underflow_or_overflow():
    """a^2 + b^2 underflowed to 0 below 1e-162 (so (0, 1e-200) looked like the origin:
    gradient 1e-200 instead of 1e200) and overflowed above 1e154."""
    a = Tensor(np.array([0.0, 1e-200, 1e200, 3.0]), requires_grad=True)
    b = Tensor(np.array([1e-200, 1e-200, 1e200, 4.0]), requires_grad=True)
    tg.atan2(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1e200, 5e199, 5e-201, 0.16], rtol=1e-15)
    np.testing.assert_allclose(b.grad.numpy(), [0.0, -5e199, -5e-201, -0.12], rtol=1e-15)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: tg.amin(x, 5), IndexError, r"^amin: dimension 5 is out of range"),
    (lambda x: tg.aminmax(x, dim=5), IndexError, r"^amin: dimension 5 is out of range"),
    (lambda x: tg.nansum(x, 5), IndexError, r"^nansum: dimension 5 is out of range"),
    (lambda x: tg.linalg.vector_norm(x.long()), TypeError, r"^vector_norm: expected a floating"),
    (lambda x: tg.linalg.matrix_norm(x.long()), TypeError, r"^matrix_norm: expected a floating"),
    (lambda x: tg.corrcoef(x.reshape(2, 3, 2)), ValueError, r"^corrcoef: expected a 1-D or 2-D"),
])
def test_reduction_errors_name_the_function_called(call, error, message):
    with pytest.raises(error, match=message):
        call(tg.ones(3, 4))
