"""Defects found by this session's sweeps (extreme values, architecture ports), each pinned
against the exact answer."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_normalizing_a_constant_row_gives_zero_however_large_its_values(dtype):
    # the mean's rounding error was taken out of the variance but not out of the output:
    # seven values of 300000.3 in float32 standardized to 9.88, not 0
    for value in 300000.3, 10000.1, 1e30:
        x = tg.full((2, 3, 7), value, dtype=dtype, requires_grad=True)
        outs = [F.layer_norm(x, (7,)), F.group_norm(x, 1), F.instance_norm(x),
                nn.LayerNorm(7, dtype=dtype)(x)]
        for out in outs:
            assert np.abs(out.data).max() == 0.0
        sum(((out * out).sum() for out in outs), tg.zeros((), dtype=dtype)).backward()
        assert np.isfinite(x.grad.data).all()
    shifted = tg.tensor([1e4 + 1, 1e4 + 2, 1e4 + 3], dtype=tg.float64)
    assert F.layer_norm(shifted, (3,)).tolist() == pytest.approx(
        [-1.2247448, 0.0, 1.2247448], abs=1e-5)       # (eps = 1e-5 in the variance)


def test_log_ndtr_in_float32_is_finite_where_ndtr_is_subnormal():
    # float32 ndtr(-14) is subnormal: its log was -101.487, and -inf below -14.5
    x = tg.tensor([-14.0, -15.0, -20.0, -10.0, -9.99], dtype=tg.float32, requires_grad=True)
    y = tg.special.log_ndtr(x)
    y.sum().backward()
    exact = tg.special.log_ndtr(x.detach().double()).data
    np.testing.assert_allclose(y.data, exact, rtol=2e-7)
    # d/dx ln ndtr(x) = pdf / ndtr, which tends to -x as x -> -inf
    np.testing.assert_allclose(x.grad.data, [14.0710, 15.0662, 20.0498, 10.0981, 10.0882],
                               rtol=1e-4)


def test_cumprod_along_a_size_one_axis_passes_the_gradient_through():
    x = tg.tensor([[np.inf, 1.0, 2.0]], requires_grad=True)      # out = x: dL/dx = g
    x.cumprod(0).sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0, 1.0]]


def test_plain_attributes_may_be_set_before_module_init_as_torch():
    class CausalConv1d(nn.Conv1d):                  # the WaveNet / TCN snippet
        def __init__(self, cin, cout, k, dilation=1):
            self.__padding = (k - 1) * dilation
            super().__init__(cin, cout, k, padding=self.__padding, dilation=dilation)

    assert CausalConv1d(2, 3, 2, 4).padding == (4,)

    class Early(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)
            super().__init__()

    with pytest.raises(AttributeError, match=r"cannot assign 'layer' before Module.__init__\(\) "
                       r"call; call super\(\).__init__\(\) first in Early"):
        Early()


def test_concatenate_takes_dim_as_torch():
    a, b = tg.ones(2, 1), tg.zeros(2, 1)
    assert tg.concatenate([a, b], dim=1).tolist() == [[1, 0], [1, 0]]
    assert tg.concatenate([a, b], axis=0).shape == (4, 1)


def test_vector_to_parameters_gives_each_parameter_new_memory():
    model = nn.Linear(2, 1)
    snapshot = model.state_dict()["weight"]
    before = snapshot.tolist()
    vec = tg.arange(3.0)
    nn.utils.vector_to_parameters(vec, model.parameters())
    assert model.weight.tolist() == [[0.0, 1.0]] and model.bias.tolist() == [2.0]
    assert snapshot.tolist() == before              # the old memory keeps its values, as torch
    loss = model(tg.ones(1, 2)).sum()
    with tg.no_grad():
        model.bias.add_(1.0)                        # not a change of the weight backward reads
    loss.backward()
    assert model.weight.grad.tolist() == [[1.0, 1.0]] and model.weight.requires_grad


# ------------------------------------------------------------- a dtype sweep against torch
def test_an_in_place_operator_on_a_recorded_tensor_keeps_its_dtype_and_shape():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = w * 2
    x += tg.tensor([0.5, 0.25], dtype=tg.float64)      # torch: float32 stays float32
    assert x.dtype == np.float32 and x.tolist() == [2.5, 4.25]
    x.sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.tolist() == [2.0, 2.0]
    h = tg.tensor([1.0, 2.0], dtype=tg.float16, requires_grad=True) * 2
    h *= tg.tensor([1.0, 3.0])
    assert h.dtype == np.float16 and h.tolist() == [2.0, 12.0]
    y = w * 2
    with pytest.raises(RuntimeError, match=r"x \+= y: the result \(float32, shape \(3, 2\)\) "
                       r"cannot be written into x \(float32, shape \(2,\)\)"):
        y += tg.ones(3, 2)


def test_the_functions_promote_as_the_operators_do():
    u = tg.tensor([1, 5, 9], dtype=tg.uint8)
    b = tg.tensor(-3, dtype=tg.int8)                     # 0-d: becomes uint8 253
    assert tg.fmax(u, b).tolist() == [253] * 3 and tg.fmin(u, b).tolist() == [1, 5, 9]
    m = tg.tensor([True, True])
    assert tg.div(m, 0.1, rounding_mode="trunc").tolist() == [10.0, 10.0]
    x, s = tg.tensor([0.5, 1.0]), tg.tensor(2.0, dtype=tg.float64)
    assert tg.addcmul(x, s, s).dtype == np.float32 and tg.addcdiv(x, s, s).dtype == np.float32
    i, k = tg.tensor([1, 2], dtype=tg.int8), tg.tensor(2)
    assert tg.addcmul(i, k, k).dtype == np.int8
    a = tg.tensor(4, dtype=tg.uint8)                     # a Python number first: wrapped
    for result in (tg.mul(2, a), tg.pow(2, a), tg.remainder(2, a), tg.where(tg.tensor(True),
                                                                             2, a)):
        assert result.dtype == np.uint8
    assert tg.rsub(a, 2).item() == 254 and tg.rsub(a, 2).dtype == np.uint8
    assert tg.xlogy(2.5, tg.tensor(1.25, dtype=tg.float16)).dtype == np.float16
    assert tg.square(tg.tensor([True, False])).dtype == np.int64


def test_integer_bounds_values_and_indices_follow_torchs_rules():
    assert tg.tensor([5, 9], dtype=tg.uint8).clamp(min=-3, max=-2).tolist() == [253, 253]
    assert tg.arange(np.int64(4), dtype=tg.int64).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"masked_fill: the value -2.5 does not fit in uint8"):
        tg.tensor([9, 4], dtype=tg.uint8).masked_fill(tg.tensor([True, False]), tg.tensor(-2.5))
    x = tg.zeros(3, dtype=tg.int64)
    for index in tg.tensor([0, 2]), [0, 2], tg.tensor([True, False, True]):
        with pytest.raises(RuntimeError, match="setitem: Index put requires the source and "
                           "destination dtypes match, got int64 for the destination and "
                           "float64 for the source"):
            x[index] = tg.tensor([1.7, -2.9], dtype=tg.float64)
    x[0:2] = tg.tensor([1.7, 2.5])                       # a slice copies with a cast, as torch
    x[tg.tensor([2])] = tg.tensor([7])
    assert x.tolist() == [1, 2, 7]


def test_differentiating_a_gradient_taken_without_create_graph_says_so():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    first, = tg.grad((x ** 3).sum(), x)                 # create_graph forgotten
    with pytest.raises(RuntimeError, match=r"grad: an output does not require grad and has no "
                       r"grad_fn; if it is itself a gradient, take that gradient with "
                       r"create_graph=True \(not under no_grad or through detach\)"):
        tg.grad(first.sum(), x)
    with pytest.raises(RuntimeError, match=r"requires_grad=True\? Or, if it is itself a "
                       r"gradient, take that gradient with create_graph=True"):
        first.sum().backward()


def test_cross_entropy_with_float64_probabilities_is_float64_as_torch():
    logits = tg.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
    probs = tg.tensor([[0.2, 0.3, 0.5]], dtype=tg.float64)
    loss = F.cross_entropy(logits, probs)
    loss.backward()
    assert loss.dtype == np.float64 and logits.grad.dtype == np.float32
    x = logits.data.astype(np.float64)
    log_p = x - np.log(np.exp(x).sum())
    assert loss.item() == pytest.approx(-(probs.data * log_p).sum(), rel=1e-12)


def test_powers_and_shifts_of_bool_tensors_as_torch():
    m = tg.tensor([True, False])
    assert (m ** True).dtype == np.bool_ and (m ** True).tolist() == [True, False]
    assert (m ** False).tolist() == [True, True] and (m ** 2).dtype == np.int64
    m2 = m.clone()
    m2 **= True
    assert m2.dtype == np.bool_
    with pytest.raises(TypeError, match="pow: a bool tensor to the power of a bool tensor"):
        m ** m
    with pytest.raises(TypeError, match="bitwise_left_shift: needs integer tensors, got bool "
                       "and bool"):
        m << m
    assert (m << 1).tolist() == [2, 0] and (m & m).tolist() == [True, False]
    with pytest.raises(TypeError, match="bitwise_and: needs bool or integer tensors, got bool "
                       "and float32"):
        m & tg.tensor([1.5, 2.0])


# -------------------------------------------------------- a bad-input sweep against torch
def test_batch_norm_needs_both_running_statistics_or_neither_and_a_positive_eps():
    x = tg.randn(4, 3)
    with pytest.raises(ValueError, match="batch_norm: running_mean and running_var must both "
                       "be given or both be None"):
        F.batch_norm(x, tg.zeros(3), None, training=True)
    with pytest.raises(ValueError, match="batch_norm: eps must be positive during training, "
                       "got 0"):
        F.batch_norm(x, None, None, training=True, eps=0)
    with pytest.raises(ValueError, match="eps must be positive"):
        nn.BatchNorm1d(3, eps=0)(x)
    assert F.batch_norm(x, tg.zeros(3), tg.ones(3), eps=0).shape == (4, 3)   # eval: allowed


def test_flags_must_be_bools_as_torch():
    x = tg.ones(1, 1, 5, 5)
    calls = {"max_pool2d: ceil_mode": lambda: F.max_pool2d(x, 2, ceil_mode="no"),
             "avg_pool2d: count_include_pad": lambda: F.avg_pool2d(x, 2,
                                                                   count_include_pad="no"),
             "interpolate: align_corners": lambda: F.interpolate(x, scale_factor=2,
                                                                 mode="bilinear",
                                                                 align_corners="no"),
             "grid_sample: align_corners": lambda: F.grid_sample(x, tg.zeros(1, 2, 2, 2),
                                                                 align_corners="no"),
             "affine_grid: align_corners": lambda: F.affine_grid(tg.zeros(1, 2, 3),
                                                                 (1, 1, 2, 2), align_corners=1),
             "dropout: training": lambda: F.dropout(x, training="no"),
             "batch_norm: training": lambda: F.batch_norm(tg.ones(2, 3), None, None,
                                                          training="yes")}
    for message, call in calls.items():
        with pytest.raises(TypeError, match=f"^{message} must be a bool, got"):
            call()
    assert F.max_pool2d(x, 2, ceil_mode=np.bool_(True)).shape == (1, 1, 3, 3)


def test_sizes_and_bounds_must_be_ints_and_split_with_sizes_exists():
    x = tg.ones(2, 3)
    for call, message in ((lambda: x.repeat(1.5, 1), "repeat: each size must be an int"),
                          (lambda: x.repeat("2", 1), "repeat: each size must be an int"),
                          (lambda: tg.tile(x, (2.5, 2.5)), "tile: each dim must be an int"),
                          (lambda: tg.tile(x), "tile: missing dims"),
                          (lambda: tg.tril_indices(1.5, 4), "tril_indices: row must be an int"),
                          (lambda: tg.zeros(3, dtype=tg.int64).random_(1.5, 5),
                           "random_: each bound must be an int")):
        with pytest.raises(TypeError, match=message):
            call()
    assert x.repeat(np.int64(2), 1).shape == (4, 3) and tg.tile(x, (2,)).shape == (2, 6)
    first, second = tg.arange(5.0).split_with_sizes([2, 3])
    assert first.tolist() == [0, 1] and second.tolist() == [2, 3, 4]
    with pytest.raises(TypeError, match="split_with_sizes: split_sizes must be a list of ints"):
        tg.split_with_sizes(tg.arange(5.0), 2)


def test_hyper_parameters_outside_their_range_are_refused():
    a = tg.randn(4, 3)
    for eps in -1.0, float("nan"):
        with pytest.raises(ValueError, match="cosine_similarity: eps must be non-negative"):
            F.cosine_similarity(a, a, eps=eps)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative, got nan"):
        F.smooth_l1_loss(a, a, beta=float("nan"))
    with pytest.raises(ValueError, match="normal_: expects std >= 0, got nan"):
        a.normal_(0, float("nan"))
    with pytest.raises(ValueError, match=r"uniform_: expects from <= to, got from=1.5, to=1.0"):
        a.uniform_(1.5, 1.0)


# ------------------------------------------------- a recheck of this session's fixes
def test_a_number_first_is_wrapped_only_where_torch_wraps_it():
    small = tg.tensor([1, 2, 5], dtype=tg.int8)
    assert tg.div(300, small).tolist() == [300.0, 150.0, 60.0]          # 300 does not fit
    assert tg.true_divide(-3, tg.tensor([1, 2], dtype=tg.uint8)).tolist() == [-3.0, -1.5]
    assert tg.mul(-3, tg.tensor([1], dtype=tg.uint8)).tolist() == [253]   # (wraps, as torch)
    with pytest.raises(TypeError, match="sub: the - operator on a bool tensor"):
        tg.sub(True, tg.tensor([1.0]))
    with pytest.raises(TypeError, match="hypot: expected floating point tensors, got dtypes int"):
        tg.hypot(4, tg.tensor([3], dtype=tg.uint8))


def test_integer_clamp_bounds_must_fit_and_setitem_follows_torchs_two_paths():
    for x, bound in ((tg.tensor([5, 9], dtype=tg.int8), {"max": 200}),
                     (tg.tensor([5, 9], dtype=tg.uint8), {"min": 300})):
        with pytest.raises(ValueError, match="clamp: the value .* does not fit in"):
            x.clamp(**bound)
    x = tg.zeros(3)
    x[tg.tensor([True, False, False])] = tg.tensor(1.0, dtype=tg.float64)   # masked_fill_
    x[True] = tg.tensor([5.0, 6.0, 7.0], dtype=tg.float64)                  # basic indexing
    assert x.tolist() == [5.0, 6.0, 7.0]


def test_tensor_accepts_decimals_and_assign_names_an_integer_checkpoint():
    from decimal import Decimal
    assert tg.tensor([Decimal("0.5")], dtype=tg.float32).tolist() == [0.5]
    with pytest.raises(RuntimeError, match='While copying the parameter named "weight" with '
                       'assign=True, the checkpoint\'s int64 values cannot become a parameter '
                       'that requires grad'):
        nn.Linear(2, 2).load_state_dict({"weight": tg.zeros(2, 2, dtype=tg.int64),
                                         "bias": tg.zeros(2)}, assign=True)


def test_second_recheck_a_negative_number_first_is_not_wrapped_and_more_inputs_accepted():
    u = tg.tensor([1, 7], dtype=tg.uint8)
    np.testing.assert_allclose(tg.xlogy(-1, u).data, [0.0, -np.log(7)], rtol=1e-6)
    np.testing.assert_allclose(tg.atan2(-1, u).data, np.arctan2(-1, [1, 7]), rtol=1e-6)
    assert tg.copysign(-1, u).tolist() == [1.0, 1.0]
    theta = tg.tensor([[[1.0, 0, 0], [0, 1, 0]]])
    assert F.affine_grid(theta, [1, 1, 2, 2], align_corners=None).shape == (1, 2, 2, 2)
    assert tg.zeros(3, dtype=tg.int64).random_(tg.tensor(5)).shape == (3,)
    assert tg.tril_indices(3, 3, tg.tensor(0)).shape == (2, 6)
    x = tg.zeros(4, 3)
    x[tg.tensor([True, False, True, False]), 0] = tg.tensor([1.0], dtype=tg.float64)
    assert x.sum().item() == 2.0


def test_second_recheck_the_other_norms_and_dropouts_check_their_flags():
    with pytest.raises(TypeError, match="alpha_dropout: training must be a bool, got 0"):
        F.alpha_dropout(tg.ones(3), training=0)
    with pytest.raises(TypeError, match="instance_norm: use_input_stats must be a bool"):
        F.instance_norm(tg.ones(2, 3, 4), use_input_stats=0)
    with pytest.raises(ValueError, match="instance_norm: running_mean and running_var must "
                       "both be given or both be None"):
        F.instance_norm(tg.ones(2, 3, 4), tg.zeros(3), None)
    with pytest.raises(ValueError, match="batch_norm: eps must be non-negative, got -0.5"):
        F.batch_norm(tg.ones(2, 3), tg.zeros(3), tg.ones(3), eps=-0.5)
