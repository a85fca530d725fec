"""Cases that differential fuzzing against torch found, with torch's answers written out
(no torch needed): layouts, aliasing, and gradients next to an infinite one."""
import math

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu import Tensor


def test_contiguous_then_view_works_on_a_graph_tensor():
    q = Tensor(np.arange(2 * 4 * 5 * 8.0).reshape(2, 4, 5, 8), requires_grad=True)
    heads = (q * 2).transpose(1, 2).contiguous()          # the attention reshape
    assert heads.data.flags.c_contiguous
    merged = heads.view(2, 5, 32)
    merged.sum().backward()
    np.testing.assert_array_equal(q.grad.data, np.full(q.shape, 2.0))


def test_create_graph_gives_each_leaf_its_own_row_major_grad():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    ((a + b) ** 2).sum().backward(create_graph=True)      # one g for both leaves
    assert a.grad is not b.grad and a.grad.data is not b.grad.data
    np.testing.assert_array_equal(b.grad.data, [8.0, 12.0])
    with tg.no_grad():
        a.grad.zero_()
    np.testing.assert_array_equal(b.grad.data, [8.0, 12.0])
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (x.T * Tensor(np.arange(6.0).reshape(3, 2))).sum().backward(create_graph=True)
    assert x.grad.data.flags.c_contiguous and x.grad.view(-1).shape == (6,)


@pytest.mark.parametrize("gate", [
    lambda t: t.relu(), lambda t: t.clamp(min=0),
    lambda t: tg.maximum(t, Tensor(np.zeros(3)))])
def test_a_closed_gate_passes_zero_even_next_to_an_infinite_gradient(gate):
    x = Tensor(np.array([4.0, -1e-12, 9.0]), requires_grad=True)
    with np.errstate(divide="ignore"):
        gate(x).sqrt().sum().backward()             # sqrt'(0) = inf meets the gate's 0
    np.testing.assert_allclose(x.grad.data, [0.25, 0.0, 1 / 6], rtol=1e-15)


def test_max_pool_routes_zero_to_the_losers_next_to_an_infinite_gradient():
    x = Tensor(np.array([[[[0.0, -1.0], [-2.0, -3.0]]]]), requires_grad=True)
    with np.errstate(divide="ignore"):
        tg.max_pool2d(x, 2).sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad.data.ravel(), [np.inf, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("mode, amounts", [("replicate", (0, 0)), ("reflect", (-1, -1)),
                                           ("circular", (-1, 0)), ("constant", (0, 0))])
def test_pad_never_returns_its_input_or_a_view_of_it(mode, amounts):
    x = Tensor(np.arange(4.0).reshape(1, 1, 4))
    y = tg.pad(x, amounts, mode=mode)
    y.mul_(-1)
    np.testing.assert_array_equal(x.data.ravel(), [0.0, 1.0, 2.0, 3.0])


def test_cumsum_gradient_is_row_major():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    (g,) = tg.grad(x.cumsum(1).sum(), [x])
    assert g.view(-1).tolist() == [3.0, 2.0, 1.0, 3.0, 2.0, 1.0]


def test_image_ops_take_arrays_and_name_themselves():
    image = np.arange(16.0).reshape(1, 1, 4, 4)
    assert F.interpolate(image, scale_factor=2).shape == (1, 1, 8, 8)
    assert tg.pad(np.zeros(3), ()).shape == (3,)
    with pytest.raises(ValueError, match=r"unfold: expected a 3-D \(C, H, W\) or 4-D"):
        F.unfold([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="interpolate: expected non-empty channels and sizes"):
        F.interpolate(Tensor(np.zeros((1, 1, 0, 4))), size=(2, 2), mode="bilinear")
    assert nn.Upsample(scale_factor=2)(image).shape == (1, 1, 8, 8)


# ---------------------------------------------------------------- eighth session's fuzzing
def test_std_of_nan_is_nan_not_zero():
    x = tg.Tensor([math.nan, 1.0, 2.0])
    assert math.isnan(x.std().item()) and math.isnan(tg.std_mean(x)[0].item())
    assert x.var().item() != x.var().item()


def test_an_empty_dim_tuple_reduces_every_dim_as_torch():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.sum(dim=()).item() == 15 and x.mean(dim=()).item() == 2.5
    assert x.amax(dim=()).item() == 5 and tg.nansum(x, dim=()).item() == 15
    assert tg.var_mean(x, dim=())[1].item() == 2.5
    assert x.flip(()).tolist() == x.tolist() and x.unsqueeze(0).squeeze(()).shape == (1, 2, 3)


def test_xlogy_gradient_in_x_at_zero_is_log_y():
    x = Tensor(np.array([0.0, 0.0]), requires_grad=True)
    y = Tensor(np.array([2.0, 0.5]), requires_grad=True)
    tg.xlogy(x, y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.log([2.0, 0.5]))
    assert not np.signbit(tg.xlogy(Tensor(np.zeros(1)), Tensor(np.array([0.5]))).numpy()).any()


def test_take_with_a_0d_index_is_a_copy():
    x = tg.Tensor([1.0, 2.0, 3.0])
    picked = tg.take(x, tg.tensor(1))
    with tg.no_grad():
        picked += 10
    assert x.tolist() == [1.0, 2.0, 3.0] and picked.item() == 12 and x._version == 0


def test_sinh_and_cosh_gradients_are_finite_up_to_their_overflow():
    x = Tensor(np.array([709.9, -710.4, 0.5]), requires_grad=True)
    x.sinh().backward(tg.ones(3, dtype=tg.float64))     # (their sum would overflow)
    np.testing.assert_allclose(x.grad.numpy(), [math.cosh(709.9), math.cosh(710.4),
                                                math.cosh(0.5)], rtol=1e-14)
    x.grad = None
    x.cosh().backward(tg.ones(3, dtype=tg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [math.sinh(709.9), -math.cosh(710.4),
                                                math.sinh(0.5)], rtol=1e-14)


def test_swapdims_of_a_0d_tensor_and_index_add_with_an_int_alpha():
    s = tg.tensor(3.0)
    assert tg.swapdims(s, 0, -1).item() == 3.0 and s.transpose(0, 0).shape == ()
    added = tg.tensor([0, 0, 0]).index_add(0, tg.tensor([0, 1]), tg.tensor([3, 5]), alpha=1.5)
    assert added.tolist() == [3, 5, 0]                     # alpha truncated to 1 first


def test_hardswish_and_softshrink_keep_nan():
    x = tg.Tensor([math.nan, -4.0, 0.2, 4.0])
    assert math.isnan(F.hardswish(x).numpy()[0]) and math.isnan(F.softshrink(x).numpy()[0])
    assert F.softshrink(x).numpy()[1:].tolist() == pytest.approx([-3.5, 0.0, 3.5])


def test_sequential_insert_keeps_the_names_before_it_and_handles_are_context_managers():
    from collections import OrderedDict
    seq = nn.Sequential(OrderedDict(conv=nn.Linear(1, 1), act=nn.ReLU()))
    seq.insert(len(seq), nn.Linear(1, 1))
    assert [n for n, _ in seq.named_parameters()] == ["conv.weight", "conv.bias",
                                                       "2.weight", "2.bias"]
    x = tg.ones(2, requires_grad=True)
    with x.register_hook(lambda g: g * 2):
        (x * 1).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_conv_transpose_output_size_and_norm_reset_parameters():
    up = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = tg.randn(1, 2, 5, 5)
    assert up(x).shape == (1, 3, 9, 9) and up(x, output_size=[10, 10]).shape == (1, 3, 10, 10)
    assert up(x, output_size=(1, 3, 9, 9)).shape == (1, 3, 9, 9)
    with pytest.raises(ValueError, match=r"valid sizes range from \[9, 9\] to \[10, 10\]"):
        up(x, output_size=[12, 12])
    with pytest.raises(ValueError, match=r"ConvTranspose2d: for a 4-D input, output_size must "
                                         r"have 2 or 4 elements, got 3: \[3, 10, 10\]"):
        up(x, output_size=(3, 10, 10))
    for layer in (nn.BatchNorm1d(3), nn.InstanceNorm1d(3, affine=True), nn.LayerNorm(3),
                  nn.GroupNorm(1, 3), nn.RMSNorm(3)):
        with tg.no_grad():
            for p in layer.parameters():
                p.fill_(7)
        layer.reset_parameters()
        assert layer.weight.tolist() == [1.0, 1.0, 1.0]
        assert getattr(layer, "bias", None) is None or layer.bias.tolist() == [0.0] * 3


# --------------------------------------------- ninth session: indexing, in-place, selection
def test_a_python_bool_in_an_index_is_a_mask_of_no_axes_as_in_torch():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x[0, :, True].shape == (3, 1)                 # numpy: (1, 3)
    assert x[1, ..., True].shape == (3, 1)
    assert x[True, 1, [0, 1]].shape == (2,)              # numpy: (1, 2)
    assert x[None, True, 0].shape == (1, 1, 3) and x[0, False].shape == (0, 3)
    x[True, 1, [0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0], [1, 0, 1]])
    y = Tensor(np.zeros((2, 3)))
    y[0, :, True] = Tensor(np.full((3, 1), 9.0))
    np.testing.assert_array_equal(y.numpy(), [[9, 9, 9], [0, 0, 0]])


def test_a_uint8_index_is_refused_where_torch_and_numpy_disagree():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(IndexError, match="a uint8 index: torch reads it as a mask"):
        x[Tensor(np.array([1, 0], np.uint8))]
    assert x[Tensor(np.array([1, 0], np.uint8)).bool()].shape == (1, 3)


def test_setitem_drops_leading_ones_of_the_value_and_writes_through_int_steps():
    x = tg.zeros(3)
    x[0] = tg.ones(1)
    y = tg.zeros(2, 3)
    y[1, 2] = tg.ones(1, 1)
    z = tg.zeros(4)
    z[0, Tensor(True)] = 1.0
    assert x.tolist() == [1, 0, 0] and y.tolist() == [[0, 0, 0], [0, 0, 1]]
    assert z.tolist() == [1, 0, 0, 0]
    with pytest.raises(ValueError, match=r"setitem: cannot write a value of shape \(2,\) into "
                                         r"the \(3,\) elements selected"):
        y[0] = tg.ones(2)


def test_add_and_sub_with_alpha_scale_in_the_result_dtype():
    x = tg.zeros(2)
    x.add_(Tensor(np.array([200, 100], np.uint8)), alpha=2)     # not 144 (uint8 wrap-around)
    assert x.tolist() == [400.0, 200.0]
    y = tg.zeros(1)
    y.sub_(Tensor(np.array([3], np.uint8)), alpha=-1)
    assert y.tolist() == [3.0]
    z = tg.zeros(1, dtype=tg.float64)
    z.add_(tg.tensor([0.1]), alpha=0.1)                          # the product in float64
    assert z.item() == np.float64(np.float32(0.1)) * 0.1


def test_take_along_dim_broadcasts_checks_and_flattens_as_torch():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    picked = tg.take_along_dim(x, Tensor([[1]]), 1)             # indices broadcast over rows
    assert picked.tolist() == [[1.0], [4.0]]
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [0, 1, 0]])
    assert tg.take_along_dim(x, Tensor([1, 5])).tolist() == [1.0, 5.0]     # dim None: flat
    assert x.take_along_dim(Tensor([[-1]]), 1).tolist() == [[2.0], [5.0]]
    with pytest.raises(ValueError, match="same number of dimensions, got shapes"):
        tg.take_along_dim(x, Tensor([1]), 1)
    with pytest.raises(ValueError, match="cannot be broadcast along the dimensions other than 0"):
        tg.take_along_dim(x, Tensor([[0, 1]]), 0)
    with pytest.raises(IndexError, match="out of range for dim 1 of size 3"):
        tg.take_along_dim(x, Tensor([[3]]), 1)
    with pytest.raises(TypeError, match="indices must be integers"):
        tg.take_along_dim(x, Tensor([[0.5]]), 1)


def test_an_empty_index_keeps_src_in_the_graph():
    src = tg.ones(0, 3, requires_grad=True)
    out = tg.zeros(2, 3).index_add(0, Tensor(np.zeros(0, np.int64)), src)
    assert out.requires_grad
    out.sum().backward()
    assert src.grad.shape == (0, 3)
    big = tg.ones(2, 3, dtype=tg.float64, requires_grad=True)
    kept = Tensor(np.array([[-0.0, 1.0, 2.0]])).scatter_add(0, Tensor(np.zeros((0, 3), np.int64)),
                                                            big)
    assert np.signbit(kept.numpy()[0, 0]) and kept.tolist() == [[0.0, 1.0, 2.0]]
    kept.sum().backward()
    np.testing.assert_array_equal(big.grad.numpy(), np.zeros((2, 3)))


def test_fill_and_copy_refuse_values_torch_refuses():
    with pytest.raises(TypeError, match=r"fill_: the value must be a number or a 0-d tensor, "
                                        r"got a Tensor of shape \(3,\)"):
        tg.zeros(3).fill_(tg.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="got a list of shape"):
        tg.zeros(3).fill_([1, 2, 3])
    with pytest.raises(ValueError, match=r"copy_: cannot write values of shape \(1, 3\) into "
                                         r"a tensor of shape \(3,\)"):
        tg.zeros(3).copy_(tg.ones(1, 3))
    assert tg.zeros(2, 3).copy_(tg.ones(3)).tolist() == [[1.0] * 3] * 2
    assert tg.zeros(2).fill_(tg.tensor(4.0)).tolist() == [4.0, 4.0]


def test_flatten_of_a_0d_tensor_checks_its_dims_and_masked_fill_in_place():
    assert tg.tensor(1.0).flatten(0, -1).shape == (1,)
    with pytest.raises(IndexError, match="flatten: dimension 1 is out of range for a 0-d"):
        tg.tensor(1.0).flatten(1, 0)
    scores = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert scores.masked_fill_(tg.tensor([True, False]), -1.0) is scores
    assert scores.tolist() == [[-1.0, 2.0], [-1.0, 4.0]]
    with pytest.raises(ValueError, match=r"masked_fill_: a mask of shape \(2, 1, 2\) does not "
                                         "broadcast to the tensor's shape"):
        scores.masked_fill_(np.ones((2, 1, 2), bool), 0.0)


# ------------------------------------------ ninth session: dtypes, reductions, creation
def _u8(values):
    return Tensor(np.array(values, np.uint8))


def test_min_of_unsigned_and_extreme_integers_and_bools_is_exact():
    """min was -max(-x): -x wraps a uint 0 and int8's -128; ~x = -x - 1 never does."""
    assert tg.minimum(_u8([0]), _u8([5])).tolist() == [0]
    assert _u8([3, 0]).amin().item() == 0
    values, indices = _u8([3, 0]).min(0)
    assert (values.item(), indices.item()) == (0, 1)
    assert Tensor(np.array([-128, 5], np.int8)).amin().item() == -128
    assert Tensor([True, False]).min().item() is False and Tensor([True, True]).amin().item()
    assert tg.max(tg.tensor(3.0), 0) == (3.0, 0) and tg.min(tg.tensor(3.0), 0) == (3.0, 0)
    x = tg.tensor([3.0, 1.0, 1.0], requires_grad=True)
    x.min().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]


def test_integer_operands_of_float_results_never_wrap_first():
    assert tg.logsumexp(_u8([0, 5]), 0).item() == pytest.approx(5.006715348, rel=1e-6)
    assert tg.logsumexp(Tensor(np.array([-100, 100], np.int8)), 0).item() == 100.0
    assert tg.atan2(_u8([2]), Tensor(np.int32(-1000))).item() == pytest.approx(3.1395926, 1e-6)
    with np.errstate(invalid="ignore"):
        assert math.isnan(tg.xlogy(_u8([2]), Tensor(np.int32(-1))).item())
    assert (Tensor(np.array([100], np.int8)) / np.int64(1000)).item() == pytest.approx(0.1)
    assert (_u8([5]) / -3).item() == pytest.approx(-5 / 3) and (7 / _u8([2])).item() == 3.5
    with pytest.raises(TypeError, match="hypot: expected floating point tensors, got dtypes "
                                        "int64 and int64"):
        tg.hypot(tg.tensor([3]), tg.tensor([4]))


def test_integer_fill_values_must_fit_and_small_integer_dtypes_exist():
    with pytest.raises(ValueError, match=r"full: the value 10000000000.0 does not fit in int32"):
        tg.full((2,), 1e10, dtype=tg.int32)
    with pytest.raises(ValueError, match=r"full: the value -2.5 does not fit in uint8 \(\[0, "):
        tg.full((2,), -2.5, dtype=tg.uint8)
    with pytest.raises(ValueError, match=r"fill_: the value 1000 does not fit in int8"):
        tg.zeros(2, dtype=tg.int8).fill_(1000)
    assert tg.full((2,), 2.7, dtype=tg.int32).tolist() == [2, 2]        # truncates, as torch
    assert (tg.uint8, tg.int8, tg.int16, tg.short) == (np.uint8, np.int8, np.int16, np.int16)
    assert tg.tensor([1, 2]).to("uint8").dtype == np.uint8


def test_clamp_with_tensor_bounds_promotes_all_three_and_keeps_nan():
    x = Tensor(np.array([1, 5, -3], np.int32))
    out = tg.clamp(x, Tensor(np.float32(0.5)), Tensor(np.float64(2.5)))
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.5, 0.5]
    assert math.isnan(tg.clamp(tg.tensor([1.0]), tg.tensor([math.nan])).item())
    kept = tg.clamp(tg.tensor([math.nan, 2.0]), tg.tensor([0.0]), 1.5).tolist()
    assert math.isnan(kept[0]) and kept[1] == 1.5


def test_comparisons_of_tensors_use_the_promoted_dtype():
    assert (tg.tensor([0.1]) == Tensor(np.float64(0.1))).item()        # numpy: False
    assert (tg.tensor([16777217]) == tg.tensor([16777216.0])).item()   # in float32, as torch
    assert (tg.tensor([1, 2]) < tg.tensor([1.5, 1.5])).tolist() == [True, False]


def test_the_max_of_a_slice_holding_nan_sends_the_gradient_to_the_nan():
    x = tg.tensor([1.0, math.nan, 3.0], requires_grad=True)
    x.max().backward()                                   # was nan everywhere (0 / 0)
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    y = tg.tensor([[1.0, math.nan, math.nan], [2.0, 5.0, 5.0]], requires_grad=True)
    y.amax(1).sum().backward()                           # torch: nan for the first row
    assert y.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.5, 0.5]]


def test_sign_of_bools_is_the_bools():
    assert tg.sign(tg.tensor([True, False])).tolist() == [True, False]
    assert tg.sign(tg.tensor([-2.0, 0.0, 3.0])).tolist() == [-1.0, 0.0, 1.0]


# ------------------------------------------------- ninth session: CNN ops and losses
def test_conv_transpose_with_output_padding_beyond_padding_reads_only_its_own_memory():
    """Tight col2im rows put the image's last row `left` past the padded rows when the
    windows do not reach the image's end (output_padding beyond the padding, stride 1):
    the buffer must hold it (it read past its end: garbage such as 6.9e-310)."""
    from tinygrad_edu.ops.conv import transposed_layout
    from numpy.lib.array_utils import byte_bounds
    for k, d, p, e, w_in in [(1, 3, 1, 2, 3), (1, 2, 0, 1, 4), (2, 3, 1, 2, 2), (1, 3, 0, 2, 1)]:
        out_w = (w_in - 1) - 2 * p + d * (k - 1) + 1 + e
        weight = np.ones((1, 1, 1, k))
        layout = transposed_layout((1, out_w), weight, (1, w_in),
                                   dict(padding=((0, 0), (p, p)), stride=(1, 1),
                                        dilation=(1, d)))
        flat = layout.zeros(2, 3, np.float64)
        low, high = byte_bounds(flat)
        view_low, view_high = byte_bounds(layout.interior(flat))
        assert low <= view_low and view_high <= high, (k, d, p, e, w_in)
    x = Tensor(np.arange(1.0, 7.0).reshape(2, 1, 3))
    out = F.conv_transpose1d(x, Tensor(np.ones((1, 1, 1))), dilation=3, padding=1,
                             output_padding=2)
    assert out.tolist() == [[[2.0, 3.0, 0.0]], [[5.0, 6.0, 0.0]]]          # torch's values


def test_bce_with_logits_checks_its_weights_and_conv_refuses_empty_kernels():
    x, t = Tensor(np.zeros((3, 4))), Tensor(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: weight of shape "
                                         r"\(2, 3, 4\) cannot be broadcast to input shape"):
        F.binary_cross_entropy_with_logits(x, t, weight=Tensor(np.ones((2, 3, 4))))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(3,\) cannot be broadcast"):
        F.binary_cross_entropy_with_logits(x, t, pos_weight=Tensor(np.ones(3)))
    loss = F.binary_cross_entropy_with_logits(x, t, weight=Tensor(np.full((3, 1), 2.0)),
                                              pos_weight=Tensor(np.full(4, 3.0)))
    assert loss.item() == pytest.approx(2 * 3 * math.log(2), rel=1e-12)
    with pytest.raises(ValueError, match=r"conv2d: the weight \(1, 1, 0, 2\) has an empty axis"):
        F.conv2d(Tensor(np.ones((1, 1, 3, 3))), Tensor(np.ones((1, 1, 0, 2))))
    with pytest.raises(ValueError, match=r"conv_transpose2d: the weight \(1, 1, 0, 2\) has an "):
        F.conv_transpose2d(Tensor(np.ones((1, 1, 3, 3))), Tensor(np.ones((1, 1, 0, 2))))
    with pytest.raises(ValueError, match=r"conv2d: the weight \(0, 1, 2, 2\) has an empty axis"):
        F.conv2d(Tensor(np.ones((2, 1, 3, 3))), Tensor(np.ones((0, 1, 2, 2))))
    with pytest.raises(TypeError, match="avg_pool2d: divisor_override must be an int, got 1.5"):
        F.avg_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, divisor_override=1.5)


def test_python_ints_outside_int64_are_refused_as_torch():
    for data in ([2 ** 63], [2 ** 63, 1], [[1, -2 ** 63 - 1]], 2 ** 70):
        with pytest.raises(OverflowError, match="does not fit in int64"):
            tg.tensor(data)
    assert tg.tensor([2 ** 63 - 1, -2 ** 63]).dtype == np.int64
    assert tg.tensor([1e19, 2.0]).dtype == np.float32           # floats that large are fine


# ---------------------------------------------------- ninth session: engine semantics
def test_grad_accumulates_in_place_so_a_held_reference_sees_the_sum():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    held = x.grad
    (x * 3).sum().backward()
    assert held is x.grad and held.tolist() == [6.0, 6.0]            # torch: the same
    y = tg.tensor([1.0], requires_grad=True)
    (y ** 2).sum().backward(create_graph=True)
    first = y.grad
    (y ** 2).sum().backward(create_graph=True)                       # a graph: a new sum
    assert y.grad.tolist() == [4.0] and first.tolist() == [2.0] and y.grad.requires_grad


def test_grad_runs_no_hook_where_nothing_asked_for_lies():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    calls = []
    v = x * 2
    v.register_hook(lambda g: calls.append(g.tolist()))
    y = (v * w).sum()
    (gw,) = tg.grad(y, [w], retain_graph=True)
    assert gw.tolist() == [2.0, 4.0] and calls == []                  # as torch
    (gv,) = tg.grad(y, [v])                                          # v asked for: it runs
    assert gv.tolist() == [3.0, 4.0] and calls == [[3.0, 4.0]]


def test_backward_with_inputs_and_detach_in_place():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    v = x * 2
    y = (v * w).sum()
    y.backward(inputs=[w, v], retain_graph=True)
    assert w.grad.tolist() == [2.0, 4.0] and v.grad.tolist() == [3.0, 4.0] and x.grad is None
    y.backward(inputs=x)
    assert x.grad.tolist() == [6.0, 8.0] and w.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="inputs must be a non-empty list of tensors"):
        (x * 2).sum().backward(inputs=[tg.tensor([1.0])])
    z = x * 5
    assert z.detach_() is z and z.grad_fn is None and z.is_leaf and not z.requires_grad


def test_a_mean_can_be_backpropagated_twice_as_in_torch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.mean()
    y.backward()
    y.backward()                              # Mean saves nothing (sum / n saved Div's)
    assert x.grad.tolist() == [1.0, 1.0]
    z = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    m = z.mean(0).sum()
    m.backward()
    m.backward()
    assert z.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert z.mean().grad_fn.name == "mean"


# ------------------------------------------------------ tenth session: nn layers, attention
def test_batch_norm_follows_its_buffers_not_the_flag_as_torch():
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2)) * 3 + 1)
    bn = nn.BatchNorm1d(2).double()
    bn.running_mean.fill_(5.0)
    bn.running_var.fill_(2.0)
    bn.track_running_stats = False            # switched off after construction
    bn.eval()                                 # evaluation still uses the running statistics
    np.testing.assert_allclose(bn(x).numpy(), (x.numpy() - 5) / np.sqrt(2 + 1e-5))
    bn.train()                                # training uses the batch, updates nothing
    bn(x)
    assert bn.running_mean.tolist() == [5.0, 5.0] and bn.num_batches_tracked.item() == 0
    adapted = nn.BatchNorm1d(2).double()      # test-time adaptation: no buffers, batch stats
    adapted.running_mean = adapted.running_var = None
    adapted.eval()
    np.testing.assert_allclose(adapted(x).numpy(), F.batch_norm(x, None, None, training=True)
                               .numpy())


def test_a_checkpoint_without_num_batches_tracked_loads_strictly_as_torch():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model[1].num_batches_tracked.fill_(7)
    old = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    result = model.load_state_dict(old)
    assert result.missing_keys == [] and model[1].num_batches_tracked.item() == 7
    with pytest.raises(RuntimeError, match='Missing key.*"1.running_var"'):
        model.load_state_dict({k: v for k, v in old.items() if k != "1.running_var"})


def test_group_norm_of_one_value_and_a_bool_gain_are_errors_as_torch():
    with pytest.raises(ValueError, match=r"group_norm: expected more than 1 value per group, "
                                         r"got input of shape \(1, 3\) in 3 groups"):
        nn.GroupNorm(3, 3)(Tensor(np.ones((1, 3))))
    assert nn.GroupNorm(3, 3)(Tensor(np.ones((2, 3), np.float32))).shape == (2, 3)
    with pytest.raises(ValueError, match="negative_slope True is not a valid number"):
        nn.init.calculate_gain("leaky_relu", True)
    assert nn.init.calculate_gain("leaky_relu", 1) == 1.0


# ---------------------------------------------------- tenth session: math, binning, shapes
def test_integer_arguments_are_checked_and_sorter_indices_bounded():
    v = Tensor([0.5, 1.5, 2.5])
    for call, message in [(lambda: tg.histc(v, bins=2.5), "histc: bins must be an int"),
                          (lambda: tg.bincount(Tensor([0, 1]), minlength=2.5),
                           "bincount: minlength must be an int"),
                          (lambda: tg.rot90(Tensor(np.ones((2, 3))), 1.5), "rot90: k must be"),
                          (lambda: tg.tensordot(Tensor(np.ones((2, 2))), Tensor(np.ones((2, 2))),
                                                dims=1.0), "tensordot: dims must be an int")]:
        with pytest.raises(TypeError, match=message):
            call()
    sequence = Tensor([3.0, 1.0, 2.0])
    for sorter in ([1, 2, -3], [1, 2, 5]):        # -3 used to wrap around silently
        with pytest.raises(IndexError, match=r"sorter index out of range.*\[0, 3\)"):
            tg.searchsorted(sequence, Tensor([2.5]), sorter=Tensor(sorter))
    assert tg.searchsorted(sequence, Tensor([2.5]), sorter=Tensor([1, 2, 0])).tolist() == [2]


def test_cdist_without_coordinates_and_xlogy_of_bools_as_torch():
    a, b = Tensor(np.ones((2, 0))), Tensor(np.ones((3, 0)))
    for p in (1.0, 2.0, math.inf):
        assert tg.cdist(a, b, p).tolist() == [[0.0] * 3] * 2
    out = tg.xlogy(Tensor(np.float64(2.5)), Tensor([True, False]))
    assert out.dtype == np.float64 and out.tolist() == [0.0, -math.inf]


# ------------------------------------------ tenth session: torch's calling conventions
def test_pad_value_none_is_zero_as_torch():
    out = F.pad(Tensor([1.0, 2.0]), (1, 1), mode="constant", value=None)
    assert out.tolist() == [0.0, 1.0, 2.0, 0.0]              # was nan


def test_softmax_and_sum_take_dtype_and_softmax_its_implicit_dim():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 5.0]], np.float32))
    assert F.softmax(x, dim=-1, dtype=tg.float64).dtype == np.float64
    assert x.log_softmax(1, tg.float64).dtype == np.float64
    np.testing.assert_allclose(F.softmax(x, -1, dtype=tg.float64).numpy(),
                               F.softmax(x.double(), -1).numpy(), rtol=0)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        implicit = F.softmax(x)                               # 2-D: torch's dim 1
    np.testing.assert_array_equal(implicit.numpy(), F.softmax(x, 1).numpy())
    assert Tensor([1.5, 2.5]).sum(dtype=tg.int64).item() == 3  # cast first: 1 + 2
    assert x.sum(dim=0, dtype=tg.float64).dtype == np.float64


def test_all_and_any_over_a_dim_and_as_functions():
    m = Tensor([[True, False], [True, True]])
    assert m.all(dim=1).tolist() == [False, True] and m.any(0).tolist() == [True, True]
    assert m.all(1, keepdim=True).shape == (2, 1)
    assert tg.all(m).item() is False and tg.any(m, dim=0).tolist() == [True, True]


def test_div_rounding_modes_add_sub_alpha_and_one_argument_where():
    a, b = Tensor([7, -7, 7, -7, 6]), Tensor([2, 2, -2, -2, 3])
    assert tg.div(a, b, rounding_mode="trunc").tolist() == [3, -3, -3, 3, 2]
    assert a.div(b, rounding_mode="floor").tolist() == [3, -4, -4, 3, 2]
    assert tg.div(a, b, rounding_mode="trunc").dtype == np.int64
    f = Tensor([7.5, -7.5])
    assert f.div(2.0, rounding_mode="trunc").tolist() == [3.0, -3.0]
    assert f.div(2.0).tolist() == [3.75, -3.75]
    with pytest.raises(ValueError, match="rounding_mode must be None, 'trunc' or 'floor'"):
        f.div(2.0, rounding_mode="round")
    g = Tensor([9.0, -9.0])
    g.div_(4.0, rounding_mode="floor")
    assert g.tolist() == [2.0, -3.0]
    assert tg.add(Tensor([1.0]), Tensor([2.0]), alpha=3).tolist() == [7.0]
    assert Tensor([1.0]).sub(Tensor([2.0]), alpha=0.5).tolist() == [0.0]
    rows, cols = tg.where(Tensor([[True, False], [False, True]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]


def test_flip_varargs_correction_none_and_positional_var_mean():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.flip(0, 1).tolist() == x.flip((0, 1)).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert x.std(correction=None).item() == x.std().item()
    var, mean = tg.var_mean(x, 1, False)                  # torch's (input, dim, unbiased)
    assert var.tolist() == [2 / 3, 2 / 3] and mean.tolist() == [1.0, 4.0]
    std, _ = tg.std_mean(x, 1, 0, True)
    assert std.shape == (2, 1)


# ------------------------------------------------ eleventh session: the autograd API
def test_backward_inputs_counts_each_tensor_once_and_retains_non_leaf_grads():
    a = Tensor([1.0, 2.0], requires_grad=True)
    (a * 3).sum().backward(inputs=[a, a])
    assert a.grad.tolist() == [3.0, 3.0]                  # not 6: one .grad per tensor
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    z = (c * c).sum()
    z.backward(inputs=[c], retain_graph=True)             # torch retains c's grad
    z.backward()
    assert c.retains_grad and c.grad.tolist() == [8.0, 16.0]
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    c.retain_grad()
    (c * c).sum().backward(inputs=[a])
    assert c.grad.tolist() == [4.0, 8.0] and a.grad.tolist() == [8.0, 16.0]


def test_a_plain_backward_adds_into_a_grad_that_has_a_graph_in_place():
    a = Tensor([1.0, 2.0], requires_grad=True)
    (a ** 3).sum().backward(create_graph=True)
    first = a.grad
    (a * 5).sum().backward()
    assert a.grad is first and first.tolist() == [8.0, 17.0] and first.requires_grad


def test_second_backward_through_tril_and_triu_works():
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    z = a.tril().sum() + a.triu(1).sum()
    z.backward()
    z.backward()                                          # nothing it needs was freed
    assert a.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_autograd_backward_takes_several_tensors_and_grad_tensors():
    a = Tensor([1.0, 2.0], requires_grad=True)
    tg.autograd.backward([(a * a).sum(), a.sum()])
    assert a.grad.tolist() == [3.0, 5.0]
    a.grad = None
    tg.autograd.backward([a * a, a.sum()], [tg.ones(2), None])
    assert a.grad.tolist() == [3.0, 5.0]


def test_gradients_must_be_tensors_one_per_output():
    a = Tensor([1.0, 2.0], requires_grad=True)
    for bad in (np.ones(2), 1.0, [1.0, 1.0]):
        with pytest.raises(TypeError, match="backward: gradients must be Tensors or None"):
            (a * a).backward(bad)
    with pytest.raises(TypeError, match="grad: grad_outputs must be a Tensor, a sequence"):
        tg.grad(a * a, a, np.array(1.0))
    with pytest.raises(RuntimeError, match="grad: got 2 gradients for 1 outputs"):
        tg.grad(a * a, a, [tg.ones(2), tg.ones(2)])


def test_grad_materialize_grads_gives_zeros_for_unused_inputs():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([5.0], requires_grad=True)
    ga, gb = tg.grad((a * a).sum(), [a, b], materialize_grads=True)
    assert ga.tolist() == [2.0, 4.0] and gb.tolist() == [0.0]
    with pytest.raises(ValueError, match="materialize_grads=True needs allow_unused"):
        tg.grad((a * a).sum(), [a, b], allow_unused=False, materialize_grads=True)


def test_second_derivative_of_piecewise_linear_ops_is_zero_not_absent():
    # as torch: relu's and abs's VJPs stay tied to x (threshold_backward, sgn), so the
    # gradient requires grad and its derivative is 0, not "does not require grad"
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (g,) = tg.grad((x.relu() + x.abs()).sum(), x, create_graph=True)
    assert g.tolist() == [2.0, -1.0, 2.0] and g.requires_grad
    (h,) = tg.grad(g.sum(), x, retain_graph=True)
    assert h.tolist() == [0.0, 0.0, 0.0]
    assert tg.grad(g.sum(), [x], allow_unused=True)[0].tolist() == [0.0, 0.0, 0.0]


def test_matmul_needs_one_dtype_as_torch():
    with pytest.raises(TypeError, match="matmul: both operands must have the same dtype, "
                                        "got int64 and float32"):
        tg.arange(6).reshape(2, 3) @ tg.ones(3, 2)
    with pytest.raises(TypeError, match="matmul: bool operands are not supported"):
        Tensor([True, False]) @ Tensor([True, True])
    assert (tg.arange(6).reshape(2, 3) @ tg.arange(3)).tolist() == [5, 14]


def test_cross_entropy_names_the_dtype_of_a_one_hot_integer_target():
    with pytest.raises(TypeError, match=r"cross_entropy: a target shaped like the input "
                                        r"\(2, 3\) holds class probabilities and must be "
                                        "floating point, got int64"):
        F.cross_entropy(tg.ones(2, 3), Tensor([[1, 0, 0], [0, 1, 0]]))


# --------------------------------------- eleventh session: derivatives at special points
def test_logistic_regression_hessian_at_zero_weights():
    """Newton's method from w = 0: every logit is 0, where softplus'' = 1/4."""
    X = Tensor(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]))
    w = Tensor(np.zeros(2), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(X @ w, Tensor(np.array([1.0, 0.0, 1.0])))
    (g,) = tg.grad(loss, w, create_graph=True)
    hessian = [tg.grad(g[i], w, retain_graph=True)[0].tolist() for i in range(2)]
    np.testing.assert_allclose(hessian, np.array([[41, -3], [-3, 21]]) / 48, rtol=1e-14)


def test_pow_derivatives_in_the_exponent_at_zero_exponent_and_zero_base():
    def leaf(v):
        return Tensor(np.float64(v), requires_grad=True)

    a, b = leaf(2.0), leaf(0.0)
    (da,) = tg.grad(a ** b, a, create_graph=True)           # b a^(b-1)
    assert tg.grad(da, b)[0].item() == 0.5                   # a^(b-1) (1 + b ln a) = 1/2
    for x0, second, third in ((0.0, 4.48045301391820, -20.6507908187083),
                              (1.0, 3.05753314705608, 5.02598539434121)):
        x = leaf(x0)                                         # f = (x + 1/2)^x (sympy)
        (g1,) = tg.grad((x + 0.5) ** x, x, create_graph=True)
        (g2,) = tg.grad(g1, x, create_graph=True)
        (g3,) = tg.grad(g2, x)
        np.testing.assert_allclose([g2.item(), g3.item()], [second, third], rtol=1e-12)
    a, b = leaf(0.0), leaf(-1.0)
    (a ** b).backward()                                      # 0^-1 = inf, without a warning
    assert a.grad.item() == -np.inf and b.grad.item() == -np.inf   # torch's limits


def test_logsumexp_of_nothing_hardswish_at_infinity_and_prod_past_overflow():
    assert tg.logsumexp(tg.zeros(2, 0), 1).tolist() == [-np.inf, -np.inf]     # log(0)
    x = Tensor([np.inf, -np.inf, 1.0], requires_grad=True)
    F.hardswish(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 0.0, 1 / 3 + 1 / 2])          # not nan
    x = Tensor(np.array([1e308, 1e308, 0.0]), requires_grad=True)
    with np.errstate(over="ignore"):
        x.prod().backward()                  # numpy's product is inf * 0 = nan, the exact 0
    assert x.grad.tolist() == [0.0, 0.0, np.inf]


# ------------------------------------------- eleventh session: optimizers in torch's style
def test_optimizer_state_is_a_defaultdict_and_keeps_tensors_through_a_checkpoint():
    p = tg.zeros(2, requires_grad=True)
    sgd = nn.optim.SGD([p], lr=0.1)
    assert sgd.state[p] == {} and sgd.state_dict()["state"] == {}   # the custom-rule idiom
    sgd.state[p] = {"buf": Tensor([1.0, 2.0])}           # a rule that keeps Tensors
    resumed = nn.optim.SGD([p], lr=0.1)
    resumed.load_state_dict(sgd.state_dict())
    assert isinstance(resumed.state[p]["buf"], Tensor)
    assert resumed.state[p]["buf"].tolist() == [1.0, 2.0]


def test_optimizer_takes_named_parameters_and_torch_steps_as_0d_arrays():
    model = nn.Linear(2, 1)
    adam = nn.optim.Adam(model.named_parameters())
    assert adam.param_groups[0]["param_names"] == ["weight", "bias"]
    state = {"step": np.array(3.0, np.float32),              # torch's, converted by .numpy()
             "exp_avg": np.zeros((1, 2), np.float32), "exp_avg_sq": np.zeros((1, 2), np.float32)}
    fresh = nn.optim.Adam(nn.Linear(2, 1).parameters())
    fresh.load_state_dict({"state": {0: state}, "param_groups": adam.state_dict()["param_groups"]})
    assert fresh.state[fresh.param_groups[0]["params"][0]]["step"] == 3.0


def test_constant_lr_with_total_iters_0_keeps_the_factor_as_torch():
    p = tg.zeros(1, requires_grad=True)
    sgd = nn.optim.SGD([p], lr=1.0)
    schedule = nn.optim.lr_scheduler.ConstantLR(sgd, factor=0.5, total_iters=0)
    lrs = [sgd.param_groups[0]["lr"]]
    for _ in range(3):
        sgd.step()
        schedule.step()
        lrs.append(sgd.param_groups[0]["lr"])
    assert lrs == [0.5, 0.5, 0.5, 0.5]                    # torch 2.13's sequence


# ------------------------------------------- eleventh session: clear errors at the call
def test_modules_take_arrays_and_lists_like_the_other_functions():
    x = np.ones((2, 3), np.float32)
    for module in (nn.Linear(3, 2), nn.ReLU(), nn.LeakyReLU(), nn.BatchNorm1d(3), nn.Flatten()):
        out = module(x)
        assert isinstance(out, Tensor) and out.shape[0] == 2
    np.testing.assert_allclose(F.leaky_relu([-2.0, 3.0], 0.5).data, [-1.0, 3.0])


def test_batch_norm_names_wrong_lengths_and_refuses_statistics_that_require_grad():
    x = tg.randn(4, 3, 5)
    with pytest.raises(ValueError, match=r"batch_norm: weight should contain 3 elements, "
                                         r"one per channel of input \(4, 3, 5\), got shape"):
        F.batch_norm(x, None, None, weight=tg.ones(4), training=True)
    with pytest.raises(ValueError, match="batch_norm: running_var should contain 3 elements"):
        F.batch_norm(x, tg.zeros(3), tg.ones(4), training=False)
    with pytest.raises(RuntimeError, match="batch_norm: not differentiable with respect to "
                                           "running_mean or running_var"):
        F.batch_norm(x, tg.zeros(3, requires_grad=True), tg.ones(3), training=False)


def test_a_class_weight_that_requires_grad_is_refused_not_silently_detached():
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    logits, target = tg.randn(2, 3), Tensor([0, 1])
    for loss in (F.cross_entropy, F.nll_loss, F.multi_margin_loss):
        with pytest.raises(RuntimeError, match=f"{loss.__name__}: the class weight is not "
                                               "differentiated here; pass weight.detach()"):
            loss(logits, target, weight=w)
    with tg.no_grad():
        assert F.cross_entropy(logits, target, weight=w).shape == ()


def test_reshape_says_only_one_dimension_can_be_inferred():
    with pytest.raises(ValueError, match=r"reshape: only one dimension can be inferred \(-1\), "
                                         r"got \(-1, -1\)"):
        tg.ones(2, 3).reshape(-1, -1)


def test_two_tensors_sharing_an_array_stay_two_inputs_in_second_derivatives():
    """Ops find the Tensor of a saved input by its array: x.detach() twice (or x next to
    x.detach()) used to hand both operands the first one's graph."""
    x = Tensor([1.0, 2.0])
    a, b = x.detach().requires_grad_(), x.detach().requires_grad_()
    ga, _ = tg.grad((a * b).sum(), (a, b), create_graph=True)      # ga = b
    assert tg.grad(ga.sum(), (a, b), allow_unused=True)[0] is None
    y = Tensor([3.0, 4.0], requires_grad=True)
    (g,) = tg.grad((y * y.detach() * y).sum(), y, create_graph=True)   # 2 y c, c = y
    assert tg.grad(g.sum(), y)[0].tolist() == [6.0, 8.0]               # 2 c, not 4 y


# -------------------------------------- eleventh session: classic exercises, side by side
def test_conv_input_gradients_and_upsampled_images_are_row_major_as_in_torch():
    x = tg.randn(3, 1, 8, 8, requires_grad=True)
    critic_out = tg.conv2d(x, tg.randn(4, 1, 4, 4), stride=2, padding=1)
    (g,) = tg.grad(critic_out.sum(), x, create_graph=True)
    assert g.view(g.size(0), -1).shape == (3, 64)            # WGAN-GP's gradient penalty line
    z = tg.randn(2, 4, 3, 3)
    assert tg.conv_transpose2d(z, tg.randn(4, 1, 4, 4), stride=2, padding=1).view(2, -1).shape \
        == (2, 36)                                           # DCGAN's generator output
    for mode in ("nearest", "bilinear", "area"):
        assert F.interpolate(z, scale_factor=2, mode=mode).view(2, -1).shape == (2, 144)


def test_function_forms_take_arrays_and_grad_takes_only_inputs():
    outputs = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], np.float32)
    _, predicted = tg.max(outputs, 1)            # the CIFAR-10 tutorial's line on .data
    assert predicted.tolist() == [1, 2]
    assert tg.std(outputs, 1, keepdim=True).shape == (2, 1)
    assert tg.transpose(outputs, 0, 1).shape == (3, 2) and tg.clone([1, 2]).tolist() == [1, 2]
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert tg.grad((x * x).sum(), x, only_inputs=True)[0].tolist() == [2.0, 4.0]  # WGAN-GP's


# ------------------------------------------ eleventh session: torch's tutorials, ported
def test_tutorial_spellings_comparisons_legacy_constructors_random_and_devices():
    assert tg.eq(Tensor([1.0, 2.0]), tg.ones(2)).tolist() == [True, False]
    assert tg.ge(Tensor([1, 3]), 2).tolist() == [False, True]
    assert tg.LongTensor([1, 2]).dtype == np.int64 and tg.FloatTensor(2, 3).shape == (2, 3)
    tg.manual_seed(0)
    target = tg.empty(3, dtype=tg.long).random_(5)       # the loss docs' target
    assert target.dtype == np.int64 and all(0 <= v < 5 for v in target.tolist())
    assert set(tg.zeros(200).random_(2, 4).tolist()) == {2.0, 3.0}
    tg.set_default_device("cpu")
    with pytest.raises(RuntimeError, match="set_default_device: tinygrad_edu computes on the "
                                           "CPU only"):
        tg.set_default_device("cuda")
    with pytest.raises(TypeError, match=r"Tensor\(5, 3\): the second argument is the dtype"):
        tg.Tensor(5, 3)


def test_in_place_shape_methods_and_function_forms_of_arrays():
    x = Tensor([1.0, 2.0])
    assert x.unsqueeze_(0) is x and x.shape == (1, 2)
    assert x.t_().shape == (2, 1) and x.squeeze_().shape == (2,)
    with pytest.raises(RuntimeError, match="unsqueeze_: a tensor that requires grad cannot "
                                           "change its shape in place"):
        Tensor([1.0], requires_grad=True).unsqueeze_(0)
    assert isinstance(tg.flatten(np.ones((2, 3))), Tensor)
    assert tg.unsqueeze(np.ones(2), 0).shape == (1, 2)


def test_reflected_add_and_mul_record_the_tensor_first_as_torch():
    a = Tensor([1.0, 2.0], requires_grad=True)
    d = 2 * a.sin() + 1                                   # the autograd tutorial's walk
    assert d.grad_fn.next_functions[1] == (None, 0)
    assert type(d.grad_fn.next_functions[0][0].next_functions[0][0]).__name__ == "Sin"


# ----------------------------------------- eleventh session: today's features, rechecked
def test_in_place_methods_take_a_float64_operand_into_float32_and_compare_in_place():
    x = tg.ones(3)
    x.addcmul_(tg.ones(3, dtype=tg.float64), tg.ones(3, dtype=tg.float64))
    assert x.dtype == np.float32 and x.tolist() == [2.0, 2.0, 2.0]   # same kind: cast, as torch
    x.gt_(Tensor([1.0, 2.5, 3.0]))
    assert x.tolist() == [1.0, 0.0, 0.0]
    assert tg.greater(Tensor([1, 3]), 2).tolist() == [False, True]


def test_solve_left_false_refuses_what_is_not_x_a_equals_b():
    a = tg.tensor(np.array([[[2.0, 1.0], [0.0, 3.0]]]))
    with pytest.raises(ValueError, match=r"solve: X A = B \(left=False\) needs B of shape "
                                         r"\(\.\.\., k, 2\)"):
        tg.linalg.solve(a, tg.tensor(np.array([[1.0], [2.0]])), left=False)


def test_setup_context_sees_forwards_defaults_and_addcmul_promotes_first(unregister):
    class Power(tg.Function):
        """out = x^k.   VJP: dL/dx = g k x^(k-1).   Saves x."""

        @staticmethod
        def forward(x, k=2.0):
            return x ** k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, ctx.k = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.k * x ** (ctx.k - 1), None

    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    Power.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    total = tg.addcmul(tg.zeros(1, dtype=tg.float64), Tensor([0.1]), Tensor([0.3])).item()
    assert total == np.float64(np.float32(0.1)) * np.float64(np.float32(0.3))   # in float64


def test_legacy_types_random_ranges_and_helpers_as_torch():
    x = Tensor([1.5])
    assert x.type() == "tinygrad_edu.FloatTensor" and x.type(tg.LongTensor).tolist() == [1]
    assert x.type("torch.LongTensor").dtype == np.int64 and tg.FloatTensor().shape == (0,)
    with pytest.raises(ValueError, match=r"random_: \[-3, 3\) is out of the range of uint8"):
        tg.zeros(5, dtype=tg.uint8).random_(-3, 3)
    from nn.utils.rnn import pad_sequence
    assert pad_sequence([tg.ones(2, 1), tg.ones(1, 1, dtype=tg.float64)]).dtype == np.float32
    p = tg.zeros(2, requires_grad=True)
    nn.utils.vector_to_parameters(tg.ones(2, 1), [p])
    assert p.tolist() == [1.0, 1.0]
    sgd = nn.optim.SGD([p], lr=1.0)
    assert nn.optim.lr_scheduler.PolynomialLR(sgd, total_iters=0).get_last_lr() == [1.0]


def test_a_fully_masked_softmax_row_is_nan_without_a_numpy_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Tensor([[-np.inf, -np.inf], [0.0, 0.0]]).softmax(1)
    assert np.isnan(out.data[0]).all() and out.data[1].tolist() == [0.5, 0.5]   # as torch


def test_users_forward_gets_read_only_arrays_and_none_for_a_left_out_argument(unregister):
    class Sort(tg.Function):
        """out = sorted a, written the numpy way, in place.   VJP: g.   Saves nothing."""

        @staticmethod
        def forward(ctx, a):
            a.sort()
            return a

        @staticmethod
        def backward(ctx, g):
            return g

    x = Tensor([3.0, 1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="read-only"):
        Sort.apply(x)
    assert x.tolist() == [3.0, 1.0, 2.0]                  # the caller's tensor is untouched

    class Linear(tg.Function):                            # torch's docs: bias without default
        """out = x W^T (+ bias).   VJP: dL/dx = g W,  dL/dW = g^T x.   Saves x, W."""

        @staticmethod
        def forward(input, weight, bias):
            return input @ weight.T if bias is None else input @ weight.T + bias

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0], inputs[1])

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g @ w, g.T @ x, None

    x, w = tg.randn(2, 3, dtype=tg.float64), tg.randn(4, 3, dtype=tg.float64)
    assert tg.gradgradcheck(lambda a, b: Linear.apply(a, b, None),
                            [x.requires_grad_(), w.requires_grad_()])


def test_dropout2d_of_a_2d_input_drops_elements_with_torchs_warning():
    with pytest.warns(UserWarning, match="dropout2d: Received a 2-D input to dropout2d"):
        out = nn.Dropout2d(0.5)(tg.ones(4, 128))
    assert out.shape == (4, 128) and 0.3 < (out.data == 0).mean() < 0.7


def test_unfold_windows_rng_state_total_norm_and_functional_in_place_forms():
    windows = tg.arange(10.0).unfold(0, 4, 3)              # a moving window, the DQN plot's
    assert windows.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    x = tg.arange(6.0).reshape(2, 3).requires_grad_()
    x.unfold(1, 2, 1).sum().backward()                    # overlapping windows add up
    assert x.grad.tolist() == [[1, 2, 1], [1, 2, 1]]
    state = tg.get_rng_state()
    first = tg.randn(3).tolist()
    tg.set_rng_state(state)
    assert tg.randn(3).tolist() == first
    grads = [Tensor([3.0, 4.0]), Tensor([12.0])]
    assert nn.utils.get_total_norm(grads).item() == 13.0
    y = Tensor([-1.0, 2.0])
    assert tg.relu_(y) is y and y.tolist() == [0.0, 2.0]


# --------------------------------------- eleventh session: the last hour's additions, rechecked
def test_grid_sample_border_has_no_grid_gradient_at_the_edge_and_survives_nan():
    image = tg.tensor(np.arange(9.0).reshape(1, 1, 3, 3) ** 2)
    edge = tg.tensor([[[[1.0, 0.0]]]], dtype=tg.float64, requires_grad=True)   # x = +1
    F.grid_sample(image, edge, padding_mode="border", align_corners=True).sum().backward()
    assert edge.grad.tolist() == [[[[0.0, 39.0]]]]          # torch: the clamped x has slope 0
    nan_point = tg.tensor([[[[np.nan, 0.0]]]])
    assert np.isnan(F.grid_sample(tg.ones(1, 1, 3, 3), nan_point).item())
    assert F.grid_sample(tg.ones(1, 1, 3, 3), nan_point, padding_mode="border").item() == 1.0
    with pytest.raises(TypeError, match="affine_grid: theta must be floating point"):
        F.affine_grid(tg.zeros(1, 2, 3, dtype=tg.int64), (1, 1, 2, 2))


def test_packed_padding_with_minus_inf_and_embedding_bags_of_padding_only():
    from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    x = tg.ones(3, 2, 1)
    padded, _ = pad_packed_sequence(pack_padded_sequence(x, [3, 1]), padding_value=-np.inf)
    assert padded[:, 1, 0].tolist() == [1.0, -np.inf, -np.inf]   # not nan: where, not +
    table = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert F.embedding_bag(Tensor([[0, 0]]), table, mode="max", padding_idx=0).tolist() == [[0, 0]]


def test_kl_divergence_with_impossible_outcomes_and_support_checks():
    from tinygrad_edu.distributions import Bernoulli, Categorical, kl_divergence
    even = Categorical(probs=Tensor([0.5, 0.5]))
    assert kl_divergence(even, Categorical(probs=Tensor([1.0, 0.0]))).item() == np.inf
    assert kl_divergence(Bernoulli(probs=Tensor([0.0])), Bernoulli(probs=Tensor([0.4]))
                         ).item() == pytest.approx(-np.log(0.6))
    assert even.log_prob(Tensor(1.0)).item() == pytest.approx(np.log(0.5))   # a float action
    with pytest.raises(ValueError, match="Categorical.log_prob: values must be integers"):
        even.log_prob(Tensor(2))
    with pytest.raises(ValueError, match="Bernoulli.log_prob: expected values 0 or 1"):
        Bernoulli(probs=Tensor(0.3)).log_prob(Tensor(0.5))


# ------------------------------------------ nineteenth session: a tensor-op fuzzer vs torch
def test_cat_skips_the_legacy_empty_1d_tensor_a_loop_starts_from():
    preds = Tensor([])                                  # shape (0,), float32
    for batch in (tg.ones(2, 3, dtype=tg.int64), tg.full((1, 3), 2, dtype=tg.int64)):
        preds = tg.cat([preds, batch])
    assert preds.shape == (3, 3) and preds.dtype == np.float32        # it still promotes
    assert preds.tolist() == [[1.0] * 3, [1.0] * 3, [2.0] * 3]
    assert tg.cat([Tensor([]), tg.ones(2, 3)], dim=1).shape == (2, 3)
    assert tg.cat([Tensor([]), Tensor([])]).shape == (0,)
    assert tg.cat([Tensor([]), Tensor([])], dim=1).shape == (0,)          # as torch
    empty, x = Tensor([], requires_grad=True), tg.ones(2, 3, requires_grad=True)
    grads = tg.grad(tg.cat([empty, x]).sum(), [empty, x])     # the empty one in the graph
    assert grads[0].shape == (0,) and grads[1].tolist() == [[1.0] * 3] * 2
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3\) and \(2, 2\) differ"):
        tg.cat([tg.ones(2, 3), Tensor([]), tg.ones(2, 2)], dim=0)


def test_masked_scatter_on_a_0d_input():
    x, src = Tensor(1.0, requires_grad=True), Tensor([5.0, 6.0], requires_grad=True)
    out = x.masked_scatter(Tensor(True), src)
    assert out.shape == () and out.item() == 5.0
    out.backward()
    assert x.grad.item() == 0.0 and src.grad.tolist() == [1.0, 0.0]
    assert Tensor(1.0).masked_scatter(Tensor(False), src).item() == 1.0


def test_split_refuses_negative_sizes_that_add_up():
    with pytest.raises(ValueError, match=r"split: sizes \[4, -1\] must be non-negative"):
        tg.arange(3.0).split([4, -1])


def test_repeat_of_a_0d_tensor_takes_no_sizes():
    assert Tensor(2.0).repeat(()).tolist() == 2.0 and Tensor(2.0).repeat([]).shape == ()
    with pytest.raises(ValueError, match=r"repeat: 0 sizes for a tensor of shape \(1, 2\)"):
        tg.ones(1, 2).repeat(())


def test_expand_names_a_minus_one_in_a_new_leading_dimension():
    with pytest.raises(ValueError, match="expand: cannot expand shape \\(3,\\) to \\(-1, 3\\): "
                                         "-1 keeps an existing size"):
        tg.broadcast_to(tg.ones(3), (-1, 3))
    assert tg.ones(3).expand(2, -1).shape == (2, 3)


def test_put_writes_the_input_read_as_1d():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.put(Tensor([0, -1]), Tensor([9.0, 8.0])).tolist() == [[9, 1, 2], [3, 4, 8]]
    assert tg.put(x, Tensor([[0, 0]]), Tensor([1.0, 2.0]), accumulate=True).tolist() == \
        [[3, 1, 2], [3, 4, 5]]
    y = x.clone()
    assert y.put_(Tensor([1]), Tensor([7.0])) is y and y.tolist() == [[0, 7, 2], [3, 4, 5]]
    a, s = Tensor([1.0, 2.0, 3.0], requires_grad=True), Tensor([5.0, 6.0], requires_grad=True)
    (a.put(Tensor([0, 2]), s) * Tensor([2.0, 3.0, 4.0])).sum().backward()
    assert a.grad.tolist() == [0.0, 3.0, 0.0] and s.grad.tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match=r"put: index has 2 elements but source has 1"):
        x.put(Tensor([0, 1]), Tensor([9.0]))
    with pytest.raises(IndexError, match=r"put: index 6 is out of range"):
        x.put(Tensor([6]), Tensor([9.0]))


def test_combinations_as_torch():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    pairs = tg.combinations(a)
    assert pairs.tolist() == [[1, 2], [1, 3], [2, 3]]
    pairs.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0, 2.0]
    assert tg.combinations(Tensor([1, 2]), with_replacement=True).tolist() == \
        [[1, 1], [1, 2], [2, 2]]
    assert tg.combinations(Tensor([1, 2, 3]), r=0).shape == (0,)
    assert not tg.combinations(a, r=0).requires_grad                      # as torch
    assert tg.combinations(Tensor([1, 2, 3]), r=4).shape == (0, 4)
    with pytest.raises(ValueError, match=r"combinations: expects a 1-D tensor"):
        tg.combinations(tg.ones(2, 2))


def test_gather_takes_sparse_grad_false_and_refuses_true():
    x = tg.arange(6.0).reshape(2, 3)
    assert tg.gather(x, 1, Tensor([[0], [2]]), sparse_grad=False).tolist() == [[0.0], [5.0]]
    with pytest.raises(NotImplementedError, match="gather: sparse_grad=True"):
        x.gather(1, Tensor([[0], [2]]), sparse_grad=True)


def test_leaky_relu_is_a_primitive_refusing_integers_as_torch():
    x = Tensor([0.0, -1.0, 2.0, -np.inf], requires_grad=True)
    out = F.leaky_relu(x, 0.1)
    assert out.tolist() == [0.0, np.float32(-0.1), 2.0, -np.inf]          # float32 slope
    assert out.grad_fn.name == "leaky_relu"
    out[:3].sum().backward()
    assert np.allclose(x.grad.numpy(), [0.1, 0.1, 1.0, 0.0])          # slope at 0, as torch
    with pytest.raises(TypeError, match="leaky_relu: expected a floating point input"):
        F.leaky_relu(Tensor([1, -2]))


def test_a_gradient_penalty_through_a_relu_critic_gives_the_first_bias_zeros():
    # WGAN-GP's penalty backwarded alone: torch's threshold_backward keeps relu's input in
    # the graph of the gradient, so the bias before it gets .grad 0 (AdamW then decays it)
    tg.manual_seed(0)
    critic = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)).double()
    x = tg.randn(2, 3, dtype=tg.float64, requires_grad=True)
    (gx,) = tg.grad(critic(x).sum(), x, create_graph=True)
    ((gx.norm(dim=1) - 1) ** 2).mean().backward()
    assert critic[0].bias.grad.tolist() == [0.0] * 4
    assert np.abs(critic[0].weight.grad.numpy()).sum() > 0
    for act in (nn.LeakyReLU(0.2), nn.MaxPool1d(1)):
        b = Tensor([0.3], dtype=tg.float64, requires_grad=True)
        y = act((x * 1.0 + b).unsqueeze(1))
        (g,) = tg.grad(y.sum(), x, create_graph=True)
        assert tg.grad(g.sum(), b)[0].tolist() == [0.0]
