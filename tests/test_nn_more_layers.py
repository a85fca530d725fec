"""The activations, shuffles, distances, paddings and normalizations of nn.functional_extra,
nn.functional_norm and their modules: values and slopes worked by hand (torch's slope at
each kink), slow loop references, first and second derivatives against finite differences
in float64, edge shapes (0-d, empty, size-1 axes), errors, reprs written out, and (when
torch is importable) every function and module against torch."""
from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import functional_extra as FX
from nn import functional_more as FM
from nn import functional_norm as FN
from nn.activation_more import (CELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Mish,
                                PReLU, Softmax2d, Softmin, Softshrink, Softsign, Tanhshrink,
                                Threshold)
from nn.distance import CosineSimilarity, PairwiseDistance
from nn import activation_more, normalization_more, shuffle
from nn import padding as P
from nn.normalization_more import (InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                                   LocalResponseNorm, RMSNorm)
from nn.shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from tinygrad_edu import Tensor

from checks import check_both, leaf, value_and_grad

RNG = np.random.default_rng(0)








def away_from(kinks, shape, low=-5.0, high=5.0) -> Tensor:
    """Random float64 values at least 0.05 from every kink (finite differences there are
    one-sided)."""
    x = RNG.uniform(low, high, shape)
    for k in kinks:
        near = np.abs(x - k) < 0.05
        x[near] = k + np.where(x[near] >= k, 0.1, -0.1)
    return leaf(x)


# ---------------------------------------------------------------------------- activations
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def test_elementwise_activation_values_and_slopes_by_hand():
    x = [-4.0, -3.0, -1.0, 0.0, 1.5, 3.0, 4.0]
    out, g = value_and_grad(FX.softsign, x)
    np.testing.assert_allclose(out, [-0.8, -0.75, -0.5, 0.0, 0.6, 0.75, 0.8], rtol=1e-15)
    np.testing.assert_allclose(g, [1 / 25, 1 / 16, 1 / 4, 1.0, 1 / 6.25, 1 / 16, 1 / 25],
                               rtol=1e-15)
    out, g = value_and_grad(FX.hardswish, x)     # torch's slopes: 0 at -3, 1 at 3
    np.testing.assert_allclose(out, [0, 0, -1 / 3, 0, 1.5 * 4.5 / 6, 3, 4], rtol=1e-15)
    np.testing.assert_allclose(g, [0, 0, 1 / 6, 0.5, 1.0, 1, 1], rtol=1e-15)
    out, g = value_and_grad(FX.hardsigmoid, x)   # no slope at -3 and 3 (strict inside)
    np.testing.assert_allclose(out, [0, 0, 1 / 3, 0.5, 0.75, 1, 1], rtol=1e-15)
    np.testing.assert_allclose(g, [0, 0, 1 / 6, 1 / 6, 1 / 6, 0, 0], rtol=1e-15)
    out, g = value_and_grad(FX.tanhshrink, x)
    np.testing.assert_allclose(out, np.array(x) - np.tanh(x), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(g, np.tanh(x) ** 2, rtol=1e-14)
    out, g = value_and_grad(lambda t: FX.threshold(t, 1.5, -7.0), x)
    assert out.tolist() == [-7, -7, -7, -7, -7, 3, 4] and g.tolist() == [0, 0, 0, 0, 0, 1, 1]
    out, g = value_and_grad(lambda t: FX.hardshrink(t, 1.0), x)
    assert out.tolist() == [-4, -3, 0, 0, 1.5, 3, 4] and g.tolist() == [1, 1, 0, 0, 1, 1, 1]
    out, g = value_and_grad(lambda t: FX.softshrink(t, 1.0), x)
    assert out.tolist() == [-3, -2, 0, 0, 0.5, 2, 3] and g.tolist() == [1, 1, 0, 0, 1, 1, 1]


def test_exponential_activations_by_hand():
    x = np.array([-2.0, 0.0, 0.5])
    out, g = value_and_grad(FX.selu, x)
    np.testing.assert_allclose(out, SELU_SCALE * np.array([SELU_ALPHA * math.expm1(-2), 0, 0.5]),
                               rtol=1e-15)
    np.testing.assert_allclose(g, SELU_SCALE * np.array([SELU_ALPHA * math.exp(-2), SELU_ALPHA,
                                                         1]), rtol=1e-15)
    out, g = value_and_grad(lambda t: FX.celu(t, 0.5), x)
    np.testing.assert_allclose(out, [0.5 * math.expm1(-4), 0, 0.5], rtol=1e-15)
    np.testing.assert_allclose(g, [math.exp(-4), 1, 1], rtol=1e-15)     # slope 1 at 0
    out, g = value_and_grad(FX.mish, x)
    sp = np.log1p(np.exp(x))
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(out, x * np.tanh(sp), rtol=1e-15)
    np.testing.assert_allclose(g, np.tanh(sp) + x * sig * (1 - np.tanh(sp) ** 2), rtol=1e-14)


def test_mish_does_not_overflow():
    with np.errstate(all="raise", under="ignore"):
        out, g = value_and_grad(FX.mish, [-1000.0, 1000.0])
    np.testing.assert_allclose(out, [0.0, 1000.0], atol=1e-300)
    np.testing.assert_allclose(g, [0.0, 1.0], atol=1e-300)


def test_threshold_and_hardshrink_keep_nan():
    x = Tensor([math.nan, 0.1])
    assert np.isnan(FX.threshold(x, 0.5, 2.0).numpy()[0])
    assert np.isnan(FX.hardshrink(x).numpy()[0])


def test_integer_inputs_as_torch_threshold_keeps_ints_softsign_makes_floats():
    x = tg.arange(-3, 3)
    assert FX.threshold(x, 0, 0.5).tolist() == [0, 0, 0, 0, 1, 2]      # torch's example
    assert FX.threshold(x, 0.5, 7).dtype == np.int64
    assert FM.hardtanh(x, -0.5, 1.5).tolist() == [0, 0, 0, 0, 1, 1]    # clamp, truncate
    assert FM.relu6(x * 3).tolist() == [0, 0, 0, 0, 3, 6] and FM.relu6(x).dtype == np.int64
    assert FX.softsign(x).dtype == np.float32 and FX.softsign(x).tolist()[2] == -0.5
    assert FX.tanhshrink(x).dtype == np.float32
    with pytest.raises(TypeError, match="threshold: expected a number tensor, got dtype bool"):
        FX.threshold(tg.tensor([True]), 0, 1)


@pytest.mark.parametrize("fn,kinks", [
    (FX.softsign, [0.0]), (FX.hardswish, [-3.0, 3.0]), (FX.hardsigmoid, [-3.0, 3.0]),
    (FX.mish, []), (FX.selu, [0.0]), (lambda x: FX.celu(x, 0.7), []),
    (lambda x: FX.celu(x, -1.5), []), (FX.tanhshrink, []),
    (lambda x: FX.threshold(x, 0.3, 9.0), [0.3]), (FX.hardshrink, [-0.5, 0.5]),
    (lambda x: FX.softshrink(x, 1.2), [-1.2, 1.2])])
@pytest.mark.parametrize("shape", [(3, 1, 4), (), (0, 2)])
def test_elementwise_activation_gradients(fn, kinks, shape):
    x = away_from(kinks, shape, -4.0, 4.0)
    assert fn(x).shape == x.shape
    check_both(fn, [x])


def test_celu_at_zero_is_smooth_and_selu_is_scaled_elu():
    for alpha in (0.5, 1.0, 3.0):
        x = leaf([0.0])
        (g,) = tg.grad(FX.celu(x, alpha).sum(), [x], create_graph=True)
        (gg,) = tg.grad(g.sum(), [x])
        assert g.item() == 1.0 and gg.item() == pytest.approx(1 / alpha)    # left curvature


def test_prelu_shared_and_per_channel_slopes_by_hand():
    x = leaf([[[-1.0, 2.0], [-3.0, 0.0]]])                           # (N=1, C=2, L=2)
    shared = leaf([0.25])
    out = FX.prelu(x, shared)
    assert out.numpy().tolist() == [[[-0.25, 2.0], [-0.75, 0.0]]]
    gx, gw = tg.grad(out.sum(), [x, shared])
    assert gx.numpy().tolist() == [[[0.25, 1.0], [0.25, 0.25]]]       # slope weight at 0
    assert gw.numpy().tolist() == [-4.0]                              # sum of x where x <= 0
    per_channel = leaf([0.1, 0.5])
    out = FX.prelu(x, per_channel)
    np.testing.assert_allclose(out.numpy(), [[[-0.1, 2.0], [-1.5, 0.0]]], rtol=1e-15)
    gx, gw = tg.grad(out.sum(), [x, per_channel])
    assert gw.numpy().tolist() == [-1.0, -3.0]
    assert FX.prelu(leaf(-2.0), leaf(0.5)).shape == ()                # 0-d input and weight


@pytest.mark.parametrize("shape,slopes", [((2, 3, 4), 3), ((2, 3), 1), ((4,), 1), ((), 1),
                                          ((1, 2, 1, 2), 2)])
def test_prelu_gradients(shape, slopes):
    check_both(FX.prelu, [away_from([0.0], shape), leaf(RNG.uniform(-1, 1, slopes))])


def test_softmin_glu_and_softmax2d():
    x = RNG.standard_normal((2, 3, 2, 2))
    out = FX.softmin(Tensor(x), 1).numpy()
    np.testing.assert_allclose(out, np.exp(-x) / np.exp(-x).sum(1, keepdims=True), rtol=1e-14)
    out = Softmax2d()(Tensor(x)).numpy()
    np.testing.assert_allclose(out, np.exp(x) / np.exp(x).sum(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(Softmax2d()(Tensor(x[0])).numpy(), out[0], rtol=1e-15)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        implicit = FX.softmin(Tensor(x[0, :, 0]))                      # 2-D: dim 1
    np.testing.assert_allclose(implicit.numpy(), FX.softmin(Tensor(x[0, :, 0]), 1).numpy())
    assert FX.softmin(Tensor(x), 0, dtype=tg.float32).dtype == np.float32
    a, b = x[:, :, :1], x[:, :, 1:]
    np.testing.assert_allclose(FX.glu(Tensor(x), 2).numpy(), a / (1 + np.exp(-b)), rtol=1e-15)
    np.testing.assert_allclose(GLU(1)(Tensor(x[:, :2])).numpy(),
                               x[:, :1] / (1 + np.exp(-x[:, 1:2])), rtol=1e-15)


@pytest.mark.parametrize("fn,shape", [(lambda x: FX.softmin(x, 1), (2, 3, 1)),
                                      (lambda x: FX.softmin(x, 0), (4,)),
                                      (FX.glu, (3, 1, 4)), (lambda x: FX.glu(x, 0), (2,)),
                                      (lambda x: Softmax2d()(x), (3, 2, 1))])
def test_softmin_glu_softmax2d_gradients(fn, shape):
    check_both(fn, [leaf(RNG.standard_normal(shape))])


# ---------------------------------------------------------------------------- shuffles
def test_pixel_shuffle_moves_each_element_where_the_formula_says():
    r, x = 2, RNG.standard_normal((2, 3, 8, 2, 3))                  # (*, C r^2, H, W)
    out = FX.pixel_shuffle(Tensor(x), r).numpy()
    assert out.shape == (2, 3, 2, 4, 6)
    expected = np.empty_like(out)
    for c, h, w, i, j in np.ndindex(2, 2, 3, r, r):
        expected[..., c, h * r + i, w * r + j] = x[..., c * r * r + i * r + j, h, w]
    assert np.array_equal(out, expected)
    assert np.array_equal(FX.pixel_unshuffle(Tensor(out), r).numpy(), x)
    assert np.array_equal(PixelShuffle(2)(Tensor(x[0])).numpy(), out[0])          # 3-D
    assert np.array_equal(PixelUnshuffle(2)(Tensor(out[0])).numpy(), x[0])
    assert FX.pixel_shuffle(Tensor(np.zeros((0, 4, 1, 1))), 2).shape == (0, 1, 2, 2)


def test_channel_shuffle_interleaves_the_groups():
    x = np.arange(6.0).reshape(1, 6, 1)
    assert FX.channel_shuffle(Tensor(x), 2).numpy().ravel().tolist() == [0, 3, 1, 4, 2, 5]
    assert FX.channel_shuffle(Tensor(x), 3).numpy().ravel().tolist() == [0, 2, 4, 1, 3, 5]
    assert ChannelShuffle(1)(Tensor(x)).numpy().ravel().tolist() == list(range(6))


@pytest.mark.parametrize("fn,shape", [(lambda x: FX.pixel_shuffle(x, 2), (1, 4, 2, 1)),
                                      (lambda x: FX.pixel_unshuffle(x, 2), (2, 1, 2, 4)),
                                      (lambda x: FX.channel_shuffle(x, 2), (2, 4, 1, 3))])
def test_shuffle_gradients(fn, shape):
    check_both(fn, [leaf(RNG.standard_normal(shape))])


# ---------------------------------------------------------------------------- distances
def test_pairwise_distance_adds_eps_to_every_difference():
    a, b = Tensor([[1.0, 2.0, 3.0]]).double(), Tensor([[1.0, 2.0, 3.0]]).double()
    np.testing.assert_allclose(FX.pairwise_distance(a, b).numpy(), [math.sqrt(3) * 1e-6],
                               rtol=1e-12)
    c = Tensor([[4.0, 6.0, 3.0]]).double()
    np.testing.assert_allclose(FX.pairwise_distance(c, a, eps=0).numpy(), [5.0], rtol=1e-15)
    np.testing.assert_allclose(FX.pairwise_distance(c, a, p=1, eps=0.5).numpy(), [8.5],
                               rtol=1e-15)                        # |3.5| + |4.5| + |0.5|
    np.testing.assert_allclose(FX.pairwise_distance(c, a, p=math.inf, eps=0).numpy(), [4.0])
    keep = PairwiseDistance(keepdim=True)(a, c)
    assert keep.shape == (1, 1)
    assert FX.pairwise_distance(Tensor(np.ones(3)), Tensor(np.zeros((2, 3)))).shape == (2,)


def test_pdist_is_the_upper_triangle_of_the_distance_matrix():
    x = RNG.standard_normal((5, 3))
    for p in (2.0, 1.0, 3.0, math.inf):
        full = np.array([[np.linalg.norm(u - v, ord=p) for v in x] for u in x])
        i, j = np.triu_indices(5, 1)
        np.testing.assert_allclose(FX.pdist(Tensor(x), p).numpy(), full[i, j], rtol=1e-14)
    assert FX.pdist(Tensor(np.ones((1, 3)))).shape == (0,)
    assert FX.pdist(Tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]), 0).numpy().tolist() == [
        2.0, 1.0, 2.0]
    x = leaf([[1.0, 2.0], [1.0, 2.0]])                                 # equal rows: slope 0
    (g,) = tg.grad(FX.pdist(x).sum(), [x])
    assert g.numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("fn,shapes", [
    (FX.pairwise_distance, [(4, 3), (4, 3)]),
    (lambda a, b: FX.pairwise_distance(a, b, 1.5, 1e-3, True), [(2, 1, 3), (3,)]),
    (lambda a, b: FX.pairwise_distance(a, b, 3), [(), ()]),
    (lambda a, b: CosineSimilarity(0)(a, b), [(3, 2), (3, 1)])])
def test_distance_gradients(fn, shapes):
    check_both(fn, [leaf(RNG.standard_normal(s)) for s in shapes])


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_pdist_gradients(p):
    check_both(lambda x: FX.pdist(x, p), [leaf(RNG.standard_normal((4, 3)))])


# ---------------------------------------------------------------------------- normalization
def test_instance_norm_by_hand_and_running_statistics():
    x = RNG.standard_normal((2, 3, 5))
    mean, var = x.mean(2, keepdims=True), x.var(2, keepdims=True)
    np.testing.assert_allclose(FN.instance_norm(Tensor(x)).numpy(),
                               (x - mean) / np.sqrt(var + 1e-5), rtol=1e-13)
    w, b = np.array([1.0, 2.0, -1.0]), np.array([0.5, 0.0, 1.0])
    rm, rv = Tensor(np.zeros(3)), Tensor(np.ones(3))
    out = FN.instance_norm(Tensor(x), rm, rv, Tensor(w), Tensor(b), momentum=0.2, eps=0.0)
    np.testing.assert_allclose(out.numpy(), (x - mean) / np.sqrt(var) * w[:, None] + b[:, None],
                               rtol=1e-13)
    np.testing.assert_allclose(rm.numpy(), 0.2 * x.mean(2).mean(0), rtol=1e-13)
    np.testing.assert_allclose(rv.numpy(), 0.8 + 0.2 * x.var(2, ddof=1).mean(0), rtol=1e-13)
    evaluated = FN.instance_norm(Tensor(x), rm, rv, use_input_stats=False)
    np.testing.assert_allclose(evaluated.numpy(), (x - rm.numpy()[:, None]) / np.sqrt(
        rv.numpy()[:, None] + 1e-5), rtol=1e-13)


def test_instance_norm_modules():
    x = RNG.standard_normal((2, 3, 4, 2))
    m = InstanceNorm2d(3, affine=True, track_running_stats=True).double()
    assert sorted(m.state_dict()) == ["bias", "num_batches_tracked", "running_mean",
                                      "running_var", "weight"]
    out = m(Tensor(x))
    np.testing.assert_allclose(out.numpy(), FN.instance_norm(Tensor(x)).numpy(), rtol=1e-14)
    assert m.num_batches_tracked.item() == 0 and m.running_mean.numpy().any()
    m.eval()
    frozen = m.running_mean.numpy().copy()
    np.testing.assert_allclose(m(Tensor(x[0])).numpy(), m(Tensor(x)).numpy()[0], rtol=1e-14)
    assert np.array_equal(m.running_mean.numpy(), frozen)              # eval: no update
    plain = InstanceNorm1d(3)
    assert list(plain.state_dict()) == [] and plain(Tensor(x[0, ..., 0])).shape == (3, 4)
    with pytest.warns(UserWarning, match="num_features is 5"):
        InstanceNorm1d(5)(Tensor(x[0]))
    assert InstanceNorm3d(3)(Tensor(x[..., None])).shape == (2, 3, 4, 2, 1)


def test_rms_norm_by_hand():
    x = np.array([[3.0, 4.0], [1.0, -1.0]])
    out = FN.rms_norm(Tensor(x), 2, eps=0.0).numpy()
    np.testing.assert_allclose(out, [[3 / math.sqrt(12.5), 4 / math.sqrt(12.5)], [1, -1]],
                               rtol=1e-15)
    tiny = FN.rms_norm(Tensor(np.full(3, 1e-9)), [3]).numpy()           # eps = dtype's eps
    np.testing.assert_allclose(tiny, 1e-9 / np.sqrt(1e-18 + np.finfo(np.float64).eps))
    tiny32 = FN.rms_norm(Tensor(np.full(3, 1e-3, np.float32)), [3]).numpy()
    np.testing.assert_allclose(tiny32, 1e-3 / np.sqrt(1e-6 + np.finfo(np.float32).eps),
                               rtol=1e-6)
    m = RMSNorm([2], eps=0.0).double()
    with tg.no_grad():
        m.weight.copy_(Tensor([2.0, 0.5]))
    np.testing.assert_allclose(m(Tensor(x)).numpy(), out * [2.0, 0.5], rtol=1e-15)
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    assert list(RMSNorm(2, elementwise_affine=False).named_parameters()) == []


def test_local_response_norm_against_a_loop():
    x = RNG.standard_normal((2, 5, 3, 2))
    for size in (1, 2, 3, 4, 7):
        expected = np.empty_like(x)
        for c in range(5):
            window = range(max(c - size // 2, 0), min(c + (size - 1) // 2 + 1, 5))
            total = sum(x[:, d] ** 2 for d in window)
            expected[:, c] = x[:, c] / (2.0 + 0.1 / size * total) ** 0.6
        out = FN.local_response_norm(Tensor(x), size, 0.1, 0.6, 2.0)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14)
    lrn = LocalResponseNorm(3)(Tensor(x[:, :, :, 0]))                  # 3-D input
    np.testing.assert_allclose(lrn.numpy(), FN.local_response_norm(Tensor(x), 3).numpy()[..., 0],
                               rtol=1e-15)
    assert FN.local_response_norm(Tensor(np.zeros((0, 3, 2))), 2).shape == (0, 3, 2)


@pytest.mark.parametrize("fn,shapes", [
    (FN.instance_norm, [(2, 3, 4)]),
    (lambda x, w, b: FN.instance_norm(x, weight=w, bias=b), [(1, 2, 3, 2), (2,), (2,)]),
    (lambda x, w, b: FN.instance_norm(x, Tensor(np.zeros(2)), Tensor(np.ones(2)), w, b,
                                      use_input_stats=False), [(3, 2, 2), (2,), (2,)]),
    (lambda x: FN.rms_norm(x, (3,)), [(2, 3)]),
    (lambda x, w: FN.rms_norm(x, (1, 3), w), [(2, 1, 3), (1, 3)]),
    (lambda x: FN.rms_norm(x, 4), [(4,)]),
    (lambda x: FN.local_response_norm(x, 3, 0.5, 0.75, 1.0), [(2, 4, 3)]),
    (lambda x: FN.local_response_norm(x, 2, 0.5, 0.5, 2.0), [(1, 3, 2, 1)])])
def test_normalization_gradients(fn, shapes):
    check_both(fn, [leaf(RNG.standard_normal(s)) for s in shapes])


# ---------------------------------------------------------------------------- padding
@pytest.mark.parametrize("module,mode,pad,shape", [
    (P.ZeroPad1d(2), "constant", (2, 2), (1, 2, 3)),
    (P.ConstantPad2d((1, 0, 2, 1), 3.5), "constant", (1, 0, 2, 1), (2, 3)),
    (P.ConstantPad3d(1, -1.0), "constant", (1,) * 6, (1, 2, 2, 2)),
    (P.ReflectionPad1d((2, 1)), "reflect", (2, 1), (2, 3)),
    (P.ReflectionPad2d(1), "reflect", (1,) * 4, (1, 1, 3, 2)),
    (P.ReflectionPad3d((1, 0, 0, 1, 1, 0)), "reflect", (1, 0, 0, 1, 1, 0), (1, 2, 2, 2)),
    (P.ReplicationPad1d(3), "replicate", (3, 3), (1, 2, 2)),
    (P.ReplicationPad2d((0, 2, 1, 0)), "replicate", (0, 2, 1, 0), (2, 2, 3)),
    (P.ReplicationPad3d(1), "replicate", (1,) * 6, (1, 1, 2, 1, 2)),
    (P.CircularPad1d(1), "circular", (1, 1), (1, 2, 3)),
    (P.CircularPad2d((2, 0, 1, 1)), "circular", (2, 0, 1, 1), (1, 2, 3)),
    (P.CircularPad3d(1), "circular", (1,) * 6, (1, 2, 2, 2)),
    (P.ZeroPad2d((1, 2, 3, 4)), "constant", (1, 2, 3, 4), (2, 2))])
def test_padding_modules_call_pad(module, mode, pad, shape):
    x = leaf(RNG.standard_normal(shape))
    value = getattr(module, "value", 0)
    out = module(x)
    assert np.array_equal(out.numpy(), tg.pad(x, pad, mode, value).numpy())
    check_both(module, [x])


def test_constant_padding_by_hand():
    out = P.ConstantPad1d((1, 2), 9.0)(Tensor([[1.0, 2.0]]))
    assert out.numpy().tolist() == [[9, 1, 2, 9, 9]]
    assert P.ZeroPad2d((0, 1, 1, 0))(Tensor([[1.0]])).numpy().tolist() == [[0, 0], [1, 0]]
    assert isinstance(P.ZeroPad2d(1), P.ConstantPad2d) and P.ZeroPad2d(1).value == 0.0


# ---------------------------------------------------------------------------- modules
@pytest.mark.parametrize("module,text", [
    (PReLU(), "PReLU(num_parameters=1)"), (PReLU(3, 0.1), "PReLU(num_parameters=3)"),
    (Softmin(), "Softmin(dim=None)"), (Softmin(1), "Softmin(dim=1)"),
    (Softsign(), "Softsign()"), (Tanhshrink(), "Tanhshrink()"),
    (Hardswish(True), "Hardswish()"), (Hardsigmoid(inplace=True), "Hardsigmoid()"),
    (Mish(), "Mish()"), (Mish(True), "Mish(inplace=True)"), (SELU(True), "SELU(inplace=True)"),
    (CELU(), "CELU(alpha=1.0)"), (CELU(0.5, True), "CELU(alpha=0.5, inplace=True)"),
    (Threshold(0.1, 20), "Threshold(threshold=0.1, value=20)"),
    (Threshold(0.1, 20, True), "Threshold(threshold=0.1, value=20, inplace=True)"),
    (Hardshrink(), "Hardshrink(0.5)"), (Softshrink(0.3), "Softshrink(0.3)"),
    (GLU(), "GLU(dim=-1)"), (GLU(1), "GLU(dim=1)"), (Softmax2d(), "Softmax2d()"),
    (P.ZeroPad1d(2), "ZeroPad1d((2, 2))"), (P.ZeroPad2d(1), "ZeroPad2d((1, 1, 1, 1))"),
    (P.ZeroPad3d(1), "ZeroPad3d((1, 1, 1, 1, 1, 1))"),
    (P.ConstantPad1d(2, 3.5), "ConstantPad1d(padding=(2, 2), value=3.5)"),
    (P.ConstantPad2d((1, 2, 3, 4), 0.0), "ConstantPad2d(padding=(1, 2, 3, 4), value=0.0)"),
    (P.ReflectionPad2d((1, 2, 3, 4)), "ReflectionPad2d((1, 2, 3, 4))"),
    (P.ReplicationPad1d(2), "ReplicationPad1d((2, 2))"),
    (P.CircularPad1d([1, 2]), "CircularPad1d((1, 2))"),
    (CosineSimilarity(0, 1e-3), "CosineSimilarity()"),
    (PairwiseDistance(1, 1e-3, True), "PairwiseDistance()"),
    (PixelShuffle(2), "PixelShuffle(upscale_factor=2)"),
    (PixelUnshuffle(3), "PixelUnshuffle(downscale_factor=3)"),
    (ChannelShuffle(2), "ChannelShuffle(groups=2)"),
    (InstanceNorm1d(3), "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, "
                        "track_running_stats=False)"),
    (InstanceNorm2d(4, affine=True, track_running_stats=True),
     "InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, "
     "track_running_stats=True)"),
    (RMSNorm(4), "RMSNorm((4,), eps=None, elementwise_affine=True)"),
    (RMSNorm([2, 3], eps=1e-5, elementwise_affine=False),
     "RMSNorm((2, 3), eps=1e-05, elementwise_affine=False)"),
    (LocalResponseNorm(2, 1e-3, 0.5, 2), "LocalResponseNorm(2, alpha=0.001, beta=0.5, k=2)"),
])
def test_reprs_are_torchs(module, text):
    assert repr(module) == text


def test_prelu_module_parameter():
    m = PReLU(3, 0.1)
    assert m.weight.shape == (3,) and m.weight.dtype == np.float32
    assert np.all(m.weight.numpy() == np.float32(0.1))
    x = Tensor(-np.ones((2, 3, 2), np.float32))
    m(x).sum().backward()
    assert m.weight.grad.numpy().tolist() == [-4.0, -4.0, -4.0]
    assert PReLU(dtype=tg.float64).weight.dtype == np.float64


def test_activation_modules_call_their_functions():
    x = Tensor(RNG.standard_normal((2, 4)))
    for module, expected in [(Softsign(), FX.softsign(x)), (Mish(), FX.mish(x)),
                             (CELU(0.3), FX.celu(x, 0.3)), (Threshold(0.1, 2.0),
                                                            FX.threshold(x, 0.1, 2.0)),
                             (Softshrink(0.2), FX.softshrink(x, 0.2)), (SELU(), FX.selu(x)),
                             (Softmin(0), FX.softmin(x, 0)), (Hardsigmoid(), FX.hardsigmoid(x))]:
        assert np.array_equal(module(x).numpy(), expected.numpy())


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,match", [
    (lambda: FX.celu(Tensor([1.0]), 0.0), ValueError, "alpha cannot be 0"),
    (lambda: FX.softshrink(Tensor([1.0]), -1.0), ValueError, "lambd must be non-negative"),
    (lambda: FX.softsign(Tensor([True, False])), TypeError, "floating point"),
    (lambda: FX.glu(Tensor(np.zeros((3, 3)))), ValueError, "halving dimension must be even"),
    (lambda: FX.glu(Tensor(1.0)), ValueError, "0-d"),
    (lambda: FX.prelu(Tensor(np.zeros(3)), Tensor(np.ones(3))), ValueError, "3 slopes"),
    (lambda: FX.prelu(Tensor(np.zeros((2, 3))), Tensor(np.ones(2))), ValueError, "3 channels"),
    (lambda: FX.prelu(Tensor(np.zeros((2, 3))), Tensor(np.ones((3, 1)))), ValueError,
     "scalar or 1-D"),
    (lambda: Softmax2d()(Tensor(np.zeros((2, 3)))), ValueError, "3-D or 4-D"),
    (lambda: FX.pixel_shuffle(Tensor(np.zeros((4, 3))), 2), ValueError, r"\(\*, C, H, W\)"),
    (lambda: FX.pixel_shuffle(Tensor(np.zeros((3, 2, 2))), 2), ValueError, "divisible by"),
    (lambda: FX.pixel_shuffle(Tensor(np.zeros((4, 2, 2))), 0), ValueError, "positive integer"),
    (lambda: FX.pixel_unshuffle(Tensor(np.zeros((1, 3, 2))), 2), ValueError, "divisible by"),
    (lambda: FX.channel_shuffle(Tensor(np.zeros((1, 3, 2))), 2), ValueError, "groups=2"),
    (lambda: FX.channel_shuffle(Tensor(np.zeros((1, 4))), 2), ValueError, "at least 3"),
    (lambda: FX.pairwise_distance(Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))),
     ValueError, "cannot be broadcast"),
    (lambda: FX.pdist(Tensor(np.ones((1, 3, 2)))), ValueError, "2-D"),
    (lambda: FX.pdist(Tensor(np.ones((2, 3))), -1), ValueError, "non-negative"),
    (lambda: FN.instance_norm(Tensor(np.ones((2, 3, 1)))), ValueError, "more than 1 spatial"),
    (lambda: FN.instance_norm(Tensor(np.ones(3))), ValueError, r"\(N, C, \*\)"),
    (lambda: FN.instance_norm(Tensor(np.ones((2, 3, 2))), use_input_stats=False), ValueError,
     "needs running_mean"),
    (lambda: FN.instance_norm(Tensor(np.ones((2, 3, 2))), weight=Tensor(np.ones(2))),
     ValueError, "weight of shape"),
    (lambda: InstanceNorm1d(4, affine=True)(Tensor(np.ones((2, 3, 5)))), ValueError,
     "num_features is 4"),
    (lambda: InstanceNorm2d(3)(Tensor(np.ones((1, 3, 5, 2, 1)))), ValueError, "3-D or 4-D"),
    (lambda: FN.rms_norm(Tensor(np.ones((1, 3))), [4]), ValueError, r"\(\*, 4\)"),
    (lambda: FN.rms_norm(Tensor(np.ones(3)), []), ValueError, "at least one element"),
    (lambda: FN.local_response_norm(Tensor(np.ones((2, 3))), 2), ValueError, "at least 3"),
    (lambda: P.ZeroPad2d((1, 2, 3)), ValueError, "tuple of 4 ints"),
    (lambda: P.ReflectionPad1d(3)(Tensor(np.ones((1, 2, 3)))), ValueError, "smaller than"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------- against torch
NEW_MODULES = SimpleNamespace(**{name: cls for source in (activation_more, normalization_more,
                                                          shuffle, P)
                                 for name, cls in vars(source).items() if name[0].isupper()})
"""The modules of this file's subject by name, as `torch.nn` holds torch's."""

def _torch_cases(rng):
    r = rng.standard_normal
    return {
        "prelu": ([r((2, 3, 4)) * 3, rng.uniform(-1, 1, 3)], {}),
        "softmin": ([r((2, 3, 4))], dict(dim=1)),
        "softsign": ([r((2, 5)) * 3], {}),
        "hardswish": ([r((3, 5)) * 4], {}),
        "hardsigmoid": ([r((3, 5)) * 4], {}),
        "mish": ([r((3, 5)) * 4], {}),
        "selu": ([r((3, 5)) * 2], {}),
        "celu": ([r((3, 5)) * 2], dict(alpha=0.7)),
        "tanhshrink": ([r((3, 5))], {}),
        "threshold": ([r((3, 5))], dict(threshold=0.2, value=-3.0)),
        "hardshrink": ([r((3, 5))], dict(lambd=0.4)),
        "softshrink": ([r((3, 5))], dict(lambd=0.4)),
        "glu": ([r((2, 6, 3))], dict(dim=1)),
        "pixel_shuffle": ([r((2, 8, 3, 2))], dict(upscale_factor=2)),
        "pixel_unshuffle": ([r((2, 2, 6, 4))], dict(downscale_factor=2)),
        "channel_shuffle": ([r((2, 6, 3))], dict(groups=3)),
        "pairwise_distance": ([r((4, 3)), r((4, 3))], dict(p=1.5, eps=1e-4)),
        "pdist": ([r((5, 3))], dict(p=3.0)),
        "instance_norm": ([r((2, 3, 5)), None, None, r(3), r(3)], {}),
        "rms_norm": ([r((2, 3, 4)), (3, 4), r((3, 4))], dict(eps=1e-3)),
        "local_response_norm": ([r((2, 5, 3, 2))], dict(size=3, alpha=0.5, beta=0.7, k=1.5)),
    }


@pytest.mark.parametrize("name", list(_torch_cases(np.random.default_rng(0))))
def test_functional_forms_match_torch(name):
    torch = pytest.importorskip("torch")
    function = getattr(FX, name, None) or getattr(FN, name)
    for seed in range(3):
        args, kwargs = _torch_cases(np.random.default_rng(seed))[name]
        ours = [Tensor(a, requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
        theirs = [torch.tensor(a, requires_grad=True) if isinstance(a, np.ndarray) else a
                  for a in args]
        out = function(*ours, **kwargs)
        expected = getattr(torch.nn.functional, name)(*theirs, **kwargs)
        assert out.shape == tuple(expected.shape)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12,
                                   atol=1e-15)
        v = np.random.default_rng(seed).standard_normal(out.shape)
        wrt = [t for t in ours if isinstance(t, Tensor)]
        grads = tg.grad((out * Tensor(v)).sum(), wrt)
        expected_grads = torch.autograd.grad((expected * torch.tensor(v)).sum(),
                                             [t for t in theirs if isinstance(t, torch.Tensor)])
        # torch's hardsigmoid slope 1/6 and celu's 1/alpha are float32 numbers (ours exact)
        rtol = 1e-6 if name in ("hardsigmoid", "celu") else 1e-10
        for g, e in zip(grads, expected_grads):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=rtol, atol=1e-13)


def test_slopes_at_the_kinks_match_torch():
    torch = pytest.importorskip("torch")
    x_np = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, 0.2])
    for name, kwargs in [("hardswish", {}), ("hardsigmoid", {}), ("hardshrink", {}),
                         ("softshrink", {}), ("threshold", dict(threshold=0.2, value=1.0)),
                         ("selu", {}), ("celu", dict(alpha=2.0)), ("softsign", {}),
                         ("mish", {}), ("tanhshrink", {})]:
        _, g = value_and_grad(lambda t: getattr(FX, name)(t, **kwargs), x_np)
        x_t = torch.tensor(x_np, requires_grad=True)
        getattr(torch.nn.functional, name)(x_t, **kwargs).sum().backward()
        np.testing.assert_allclose(g, x_t.grad.numpy(), rtol=1e-6, err_msg=name)   # (float32
        # constants in torch's hardsigmoid and celu slopes; the kinks differ by 1/2 if wrong)
    x, w = leaf([0.0, -1.0]), leaf([0.3])
    gx, gw = tg.grad(FX.prelu(x, w).sum(), [x, w])
    x_t, w_t = torch.tensor([0.0, -1.0], requires_grad=True), torch.tensor([0.3],
                                                                           requires_grad=True)
    torch.nn.functional.prelu(x_t, w_t).sum().backward()
    np.testing.assert_allclose(gx.numpy(), x_t.grad.numpy())
    np.testing.assert_allclose(gw.numpy(), w_t.grad.numpy())


@pytest.mark.parametrize("build,shape", [
    (lambda m: m.PReLU(3, 0.2), (2, 3, 4)), (lambda m: m.Softmin(dim=1), (2, 3)),
    (lambda m: m.Softmax2d(), (2, 3, 2, 2)), (lambda m: m.GLU(0), (4, 3)),
    (lambda m: m.Hardswish(), (3, 4)), (lambda m: m.CELU(0.5), (3, 4)),
    (lambda m: m.Threshold(0.1, 5), (3, 4)), (lambda m: m.Softshrink(0.2), (3, 4)),
    (lambda m: m.ReflectionPad2d((1, 2, 0, 1)), (1, 2, 3, 3)),
    (lambda m: m.ReplicationPad1d(2), (2, 3)), (lambda m: m.CircularPad2d(1), (2, 3, 2)),
    (lambda m: m.ConstantPad3d((1, 0, 2, 0, 0, 1), 2.5), (1, 2, 2, 2)),
    (lambda m: m.ZeroPad2d(1), (2, 3)),
    (lambda m: m.PixelShuffle(2), (1, 8, 2, 3)), (lambda m: m.PixelUnshuffle(2), (1, 2, 4, 2)),
    (lambda m: m.ChannelShuffle(2), (2, 4, 3)),
    (lambda m: m.InstanceNorm1d(3, affine=True), (2, 3, 5)),
    (lambda m: m.InstanceNorm2d(3, track_running_stats=True), (2, 3, 2, 3)),
    (lambda m: m.InstanceNorm1d(3, momentum=None, track_running_stats=True), (3, 4)),
    (lambda m: m.RMSNorm((3, 2), eps=1e-4), (2, 3, 2)), (lambda m: m.RMSNorm(2), (3, 2)),
    (lambda m: m.LocalResponseNorm(2, 0.3), (2, 4, 3))])
def test_modules_match_torch(build, shape):
    torch = pytest.importorskip("torch")
    theirs, ours = build(torch.nn).double(), build(NEW_MODULES).double()
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(shape)
    for _ in range(2):                                      # twice: running statistics move
        x, x_t = Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
        out, expected = ours(x), theirs(x_t)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12,
                                   atol=1e-15)
        v = rng.standard_normal(out.shape)
        (out * Tensor(v)).sum().backward()
        (expected * torch.tensor(v)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-13)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(),
                                       rtol=1e-12)
    params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(params[name].grad.numpy(), p.grad.numpy(), rtol=1e-10,
                                   atol=1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.eval(), ours.eval()
        np.testing.assert_allclose(ours(Tensor(x_np)).numpy(),
                                   theirs(torch.tensor(x_np)).detach().numpy(), rtol=1e-12,
                                   atol=1e-15)


def test_bilinear_layer_and_function():
    layer = nn.Bilinear(3, 4, 2, dtype=tg.float64)
    bound = 1 / np.sqrt(3)
    assert layer.weight.shape == (2, 3, 4) and layer.bias.shape == (2,)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    expected = np.einsum("ni,oij,nj->no", x1, layer.weight.data, x2) + layer.bias.data
    np.testing.assert_allclose(layer(tg.tensor(x1), tg.tensor(x2)).detach().numpy(), expected)
    inputs = [tg.tensor(rng.standard_normal(s), requires_grad=True)
              for s in ((2, 3), (2, 4), (5, 3, 4), (5,))]
    assert tg.gradcheck(nn.functional.bilinear, inputs)
    assert "in1_features=3, in2_features=4, out_features=2, bias=True" in repr(layer)
    with pytest.raises(ValueError, match=r"bilinear: expected weight \(out, in1, in2\)"):
        nn.functional.bilinear(inputs[0], inputs[0], inputs[2])
