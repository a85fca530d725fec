"""nn.functional's activations, norms, embedding, encodings and regression/probability losses:
values worked by hand, first and second derivatives against finite differences (float64),
the edge cases where a naive formula overflows or makes nan, and the errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import nn
from nn import functional as F
from tinygrad_edu import Tensor, gradcheck

from checks import check_both, leaf, value_and_grad

RNG = np.random.default_rng(0)




def randn(*shape: int) -> Tensor:
    return leaf(RNG.standard_normal(shape))






@pytest.fixture
def strict_numpy():
    """Every overflow, invalid operation (nan) or division by zero in numpy raises."""
    with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------- values by hand
def test_elu_values_and_slope_alpha_at_zero():
    out, g = value_and_grad(lambda x: F.elu(x, alpha=0.5), [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(out, [0.5 * (math.exp(-1) - 1), 0.0, 2.0], rtol=1e-15)
    np.testing.assert_allclose(g, [0.5 * math.exp(-1), 0.5, 1.0], rtol=1e-15)   # alpha at 0


def test_elu_of_tiny_negatives_keeps_every_digit():
    out, g = value_and_grad(F.elu, [-1e-12, -3e-9])       # e^x - 1 computed naively: 1e-4 off
    np.testing.assert_allclose(out, [math.expm1(-1e-12), math.expm1(-3e-9)], rtol=1e-15)
    np.testing.assert_allclose(g, [math.exp(-1e-12), math.exp(-3e-9)], rtol=1e-15)


def test_silu_values():
    out, g = value_and_grad(F.silu, [-1.0, 0.0, 2.0])
    s = sigmoid(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_allclose(out, [-1 * s[0], 0.0, 2 * s[2]], rtol=1e-15)
    np.testing.assert_allclose(g, s * (1 + np.array([-1.0, 0.0, 2.0]) * (1 - s)), rtol=1e-15)


def test_softplus_values_threshold_and_beta():
    out, g = value_and_grad(F.softplus, [0.0, -40.0, 20.0, 20.5, 1.0])
    np.testing.assert_allclose(out, [math.log(2), math.log1p(math.exp(-40)),
                                     20 + math.log1p(math.exp(-20)), 20.5, math.log1p(math.e)],
                               rtol=1e-15)
    np.testing.assert_allclose(g, [0.5, sigmoid(-40.0), sigmoid(20.0), 1.0, sigmoid(1.0)],
                               rtol=1e-15)
    out, g = value_and_grad(lambda x: F.softplus(x, beta=2, threshold=10), [1.0, 4.0, 6.0])
    np.testing.assert_allclose(out, [math.log1p(math.exp(2)) / 2, math.log1p(math.exp(8)) / 2,
                                     6.0], rtol=1e-15)                 # 2 * 6 > 10: linear
    np.testing.assert_allclose(g, [sigmoid(2.0), sigmoid(8.0), 1.0], rtol=1e-15)


def test_hardtanh_and_relu6_have_no_slope_at_their_edges():
    out, g = value_and_grad(F.hardtanh, [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0])
    assert out.tolist() == [-1.0, -1.0, 0.0, 0.5, 1.0, 1.0]
    assert g.tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    out, g = value_and_grad(lambda x: F.hardtanh(x, -2, 3), [-3.0, 2.5, 4.0])
    assert out.tolist() == [-2.0, 2.5, 3.0] and g.tolist() == [0.0, 1.0, 0.0]
    out, g = value_and_grad(F.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0])
    assert out.tolist() == [0.0, 0.0, 3.0, 6.0, 6.0]
    assert g.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert F.relu6(tg.ones(2)).dtype == np.float32


def test_logsigmoid_values():
    out, g = value_and_grad(F.logsigmoid, [-1000.0, -2.0, 0.0, 3.0, 1000.0])
    np.testing.assert_allclose(out, [-1000.0, -math.log1p(math.exp(2)), -math.log(2),
                                     -math.log1p(math.exp(-3)), 0.0], rtol=1e-15)
    np.testing.assert_allclose(g, [1.0, sigmoid(2.0), 0.5, sigmoid(-3.0), 0.0], rtol=1e-15)


def test_activations_never_overflow_or_make_nan(strict_numpy):
    x = leaf([-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4])
    for fn in (F.elu, F.silu, F.softplus, F.logsigmoid,
               lambda x: F.softplus(x, beta=0.5, threshold=1e6)):
        out = fn(x)
        (g,) = tg.grad(out.sum(), [x], create_graph=True)
        (gg,) = tg.grad(g.sum(), [x])
        assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(g.numpy()))
        assert np.all(np.isfinite(gg.numpy()))
    big = F.softplus(leaf([1e4]), beta=0.5, threshold=1e6).item()   # below the threshold
    assert big == pytest.approx(1e4)


def test_layer_norm_by_hand():
    x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 9.0]])
    out = F.layer_norm(Tensor(x), 3).numpy()
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)             # biased
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-14)
    np.testing.assert_allclose(out[0], [-1, 0, 1] / np.sqrt(2 / 3 + 1e-5), rtol=1e-14)
    w, b = Tensor([2.0, 1.0, 0.5]).double(), Tensor([0.0, 1.0, -1.0]).double()
    affine = F.layer_norm(Tensor(x), [3], w, b, eps=0.0).numpy()
    np.testing.assert_allclose(affine[0], [-2 * math.sqrt(1.5), 1.0, 0.5 * math.sqrt(1.5) - 1],
                               rtol=1e-14)
    two_axes = F.layer_norm(Tensor(x), x.shape).numpy()                # over both axes
    np.testing.assert_allclose(two_axes, (x - x.mean()) / np.sqrt(x.var() + 1e-5), rtol=1e-14)


def test_group_norm_by_hand():
    x = np.array([1.0, 2.0, 3.0, 5.0, 0.0, 4.0]).reshape(1, 6, 1)     # (N, C, L)
    out = F.group_norm(Tensor(x), 2, eps=0.0).numpy().ravel()
    first = (np.array([1, 2, 3]) - 2) / math.sqrt(2 / 3)
    second = (np.array([5, 0, 4]) - 3) / math.sqrt(14 / 3)
    np.testing.assert_allclose(out, np.concatenate([first, second]), rtol=1e-14)
    w = Tensor(np.arange(1.0, 7.0))
    b = Tensor(np.full(6, 0.5))
    scaled = F.group_norm(Tensor(x), 2, w, b, eps=0.0).numpy().ravel()
    np.testing.assert_allclose(scaled, np.concatenate([first, second]) * np.arange(1, 7) + 0.5,
                               rtol=1e-14)
    images = RNG.standard_normal((2, 4, 3, 3))
    per_channel = F.group_norm(Tensor(images), 4).numpy()            # G = C: instance norm
    mean = images.mean((2, 3), keepdims=True)
    np.testing.assert_allclose(per_channel, (images - mean) / np.sqrt(
        images.var((2, 3), keepdims=True) + 1e-5), rtol=1e-12)
    whole = F.group_norm(Tensor(images), 1).numpy()                  # G = 1: layer norm
    np.testing.assert_allclose(whole, F.layer_norm(Tensor(images), (4, 3, 3)).numpy(), rtol=1e-12)


def test_embedding_rows_repeats_and_padding():
    weight = leaf(np.arange(8.0).reshape(4, 2))
    idx = Tensor([[1, 1], [3, 0]])
    out = F.embedding(idx, weight)
    assert out.numpy().tolist() == [[[2, 3], [2, 3]], [[6, 7], [0, 1]]]
    (g,) = tg.grad((out * Tensor(np.arange(8.0).reshape(2, 2, 2))).sum(), [weight])
    assert g.numpy().tolist() == [[6, 7], [2, 4], [0, 0], [4, 5]]     # row 1 twice: 0+2, 1+3
    padded = F.embedding(idx, weight, padding_idx=1)
    assert padded.numpy().tolist() == out.numpy().tolist()            # values unchanged
    (g,) = tg.grad(padded.sum(), [weight])
    assert g.numpy().tolist() == [[1, 1], [0, 0], [0, 0], [1, 1]]     # row 1: no gradient
    (g,) = tg.grad(F.embedding(idx, weight, padding_idx=-1).sum(), [weight])
    assert g.numpy().tolist() == [[1, 1], [2, 2], [0, 0], [0, 0]]     # -1 is row 3
    assert F.embedding(Tensor(2), weight).numpy().tolist() == [4, 5]  # 0-d index: one row
    # torch's options for other kinds of table gradient: their defaults work, True is refused
    same = F.embedding(idx, weight, None, None, 2.0, False, False)
    assert same.numpy().tolist() == out.numpy().tolist()
    for option in ("scale_grad_by_freq", "sparse"):
        with pytest.raises(NotImplementedError, match=f"embedding: {option}=True is not"):
            F.embedding(idx, weight, **{option: True})
        with pytest.raises(NotImplementedError, match=f"Embedding: {option}=True"):
            nn.Embedding(4, 2, **{option: True})


def test_one_hot():
    out = F.one_hot(Tensor([0, 2, 1]))
    assert out.dtype == np.int64 and not out.requires_grad
    assert out.numpy().tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(Tensor([[1], [0]]), num_classes=4).numpy().tolist() == [[[0, 1, 0, 0]],
                                                                             [[1, 0, 0, 0]]]
    assert F.one_hot(Tensor(np.zeros(0, np.int64)), 3).shape == (0, 3)
    assert F.one_hot(Tensor(np.array([1], np.int32)), 2).dtype == np.int64


def test_normalize_by_hand():
    x = Tensor([[3.0, -4.0]]).double()
    np.testing.assert_allclose(F.normalize(x).numpy(), [[0.6, -0.8]], rtol=1e-15)
    np.testing.assert_allclose(F.normalize(x, p=1).numpy(), [[3 / 7, -4 / 7]], rtol=1e-15)
    np.testing.assert_allclose(F.normalize(x, p=math.inf).numpy(), [[0.75, -1.0]], rtol=1e-15)
    np.testing.assert_allclose(F.normalize(x, dim=0).numpy(), [[1.0, -1.0]], rtol=1e-15)
    np.testing.assert_allclose(F.normalize(Tensor(np.ones((2, 2))), dim=(0, 1)).numpy(),
                               np.full((2, 2), 0.5), rtol=1e-15)
    # (I - y y^T) / ||x|| for x = (3, -4): the gradient of sum(y) is (1 - y.sum() y) / 5
    _, g = value_and_grad(F.normalize, [[3.0, -4.0]])
    np.testing.assert_allclose(g, [[(1 + 0.2 * 0.6) / 5, (1 - 0.2 * 0.8) / 5]], rtol=1e-14)


def test_normalize_zero_vector_is_zero_with_slope_one_over_eps(strict_numpy):
    for p in (2, 1, 3, math.inf):
        out, g = value_and_grad(lambda x: F.normalize(x, p=p, dim=0), [0.0, 0.0])
        assert out.tolist() == [0.0, 0.0]
        np.testing.assert_allclose(g, [1e12, 1e12])          # x / eps near 0: slope 1 / eps


def test_cosine_similarity_by_hand():
    a, b = Tensor([[1.0, 0.0], [3.0, 4.0]]).double(), Tensor([[1.0, 1.0], [-3.0, -4.0]]).double()
    np.testing.assert_allclose(F.cosine_similarity(a, b).numpy(), [1 / math.sqrt(2), -1.0],
                               rtol=1e-15)
    rows = F.cosine_similarity(a, Tensor([1.0, 0.0]).double(), dim=-1)   # broadcast (2,2) (2,)
    np.testing.assert_allclose(rows.numpy(), [1.0, 0.6], rtol=1e-15)
    assert F.cosine_similarity(Tensor([1.0, 2.0]), Tensor([2.0, 4.0]), dim=0).shape == ()
    # d/dx1 of x1.x2 / (|x1| |x2|) at x1 = (1, 0), x2 = (1, 1): (x2/|x2| - c x1/|x1|) / |x1|
    _, g = value_and_grad(lambda x: F.cosine_similarity(x, Tensor([1.0, 1.0]).double(), dim=0),
                          [1.0, 0.0])
    np.testing.assert_allclose(g, [0.0, 1 / math.sqrt(2)], atol=1e-16)


def test_cosine_similarity_of_a_zero_vector(strict_numpy):
    out, g = value_and_grad(lambda x: F.cosine_similarity(x, Tensor([1.0, 2.0]).double(),
                                                          dim=0), [0.0, 0.0])
    assert out == 0.0
    np.testing.assert_allclose(g, np.array([1.0, 2.0]) / math.sqrt(5) / 1e-8, rtol=1e-12)


def test_regression_losses_by_hand():
    x, y = Tensor([1.0, 2.0, 3.0, -1.0]).double(), Tensor([2.0, 2.0, 5.0, -0.5]).double()
    assert F.l1_loss(x, y, reduction="none").numpy().tolist() == [1.0, 0.0, 2.0, 0.5]
    assert F.l1_loss(x, y).item() == 0.875 and F.l1_loss(x, y, reduction="sum").item() == 3.5
    # d = x - y = (-1, 0, -2, -0.5)
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, reduction="none").numpy(),
                               [0.5, 0.0, 1.5, 0.125], rtol=1e-15)
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, reduction="none", beta=2.0).numpy(),
                               [0.25, 0.0, 1.0, 0.0625], rtol=1e-15)
    assert F.smooth_l1_loss(x, y, reduction="none", beta=0.0).numpy().tolist() == [1, 0, 2, 0.5]
    np.testing.assert_allclose(F.huber_loss(x, y, reduction="none").numpy(),
                               [0.5, 0.0, 1.5, 0.125], rtol=1e-15)
    np.testing.assert_allclose(F.huber_loss(x, y, reduction="none", delta=0.5).numpy(),
                               [0.375, 0.0, 0.875, 0.125], rtol=1e-15)
    # gradients: sign(d), clamp(d / beta, -1, 1) and clamp(d, -delta, delta), summed
    for loss, expected in ((F.l1_loss, [-1, 0, -1, -1]), (F.smooth_l1_loss, [-1, 0, -1, -0.5]),
                           (lambda a, b, **k: F.huber_loss(a, b, delta=0.75, **k),
                            [-0.75, 0, -0.75, -0.5])):
        _, g = value_and_grad(lambda a: loss(a, y, reduction="sum"), x.numpy())
        np.testing.assert_allclose(g, expected, rtol=1e-15)


def test_binary_cross_entropy_by_hand():
    x, y = Tensor(np.array([0.5, 0.9, 0.2])), Tensor(np.array([1.0, 0.0, 0.25]))
    expected = [math.log(2), -math.log(0.1), -(0.25 * math.log(0.2) + 0.75 * math.log(0.8))]
    np.testing.assert_allclose(F.binary_cross_entropy(x, y, reduction="none").numpy(), expected,
                               rtol=1e-15)
    weighted = F.binary_cross_entropy(x, y, weight=Tensor(np.array([2.0, 0.0, 1.0])),
                                      reduction="sum")
    assert weighted.item() == pytest.approx(2 * expected[0] + expected[2], rel=1e-15)
    _, g = value_and_grad(lambda a: F.binary_cross_entropy(a, y, reduction="sum"), x.numpy())
    np.testing.assert_allclose(g, (x.numpy() - y.numpy()) / (x.numpy() * (1 - x.numpy())),
                               rtol=1e-14)


def test_binary_cross_entropy_at_exactly_0_and_1(strict_numpy):
    x = leaf([0.0, 1.0, 0.0, 1.0, 0.0])
    y = leaf([1.0, 0.0, 0.0, 1.0, 0.25])
    losses = F.binary_cross_entropy(x, y, reduction="none")
    assert losses.numpy().tolist() == [100.0, 100.0, 0.0, 0.0, 25.0]       # logs floored at -100
    gx, gy = tg.grad(losses.sum(), [x, y])
    # the derivative of the floored function: its flat -100 pieces contribute nothing, the
    # live log contributes 1/(1 - x) at x = 0 and -1/x at x = 1
    assert gx.numpy().tolist() == [0.0, 0.0, 1.0, -1.0, 0.75]
    assert gy.numpy().tolist() == [100.0, -100.0, 100.0, -100.0, 100.0]    # -(log x - log(1-x))
    # one-sided differences from inside [0, 1] where the live log is the whole loss (where a
    # floored log counts, the floor holds only within e^-100 of the edge: a step off 0 or 1
    # leaves it and the loss jumps, in torch as here)
    for i, step in ((2, 1e-7), (3, -1e-7)):
        moved = x.numpy().copy()
        moved[i] += step
        change = F.binary_cross_entropy(Tensor(moved), y.detach(), reduction="sum").item() \
            - losses.sum().item()
        assert change / step == pytest.approx(gx.numpy()[i], rel=1e-6)
    inside = leaf([0.3, 0.6, 0.2, 0.9, 0.25])        # the target's gradient at x = 0 and 1
    check_both(lambda t: F.binary_cross_entropy(x.detach(), t), [inside])


def test_kl_div_by_hand_and_reductions():
    q = np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])
    p = np.array([[1.0, 0.0, 0.0], [0.2, 0.2, 0.6]])
    terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / q), 0.0)
    log_q = Tensor(np.log(q))
    none = F.kl_div(log_q, Tensor(p), reduction="none").numpy()
    np.testing.assert_allclose(none, terms, rtol=1e-14)
    assert none[0].tolist()[1:] == [0.0, 0.0]                           # 0 log 0 = 0
    assert F.kl_div(log_q, Tensor(p), reduction="batchmean").item() == pytest.approx(
        terms.sum() / 2, rel=1e-14)                                    # KL per sample
    assert F.kl_div(log_q, Tensor(p), reduction="sum").item() == pytest.approx(terms.sum())
    with pytest.warns(UserWarning, match="'batchmean'"):
        mean = F.kl_div(log_q, Tensor(p))
    assert mean.item() == pytest.approx(terms.sum() / 6, rel=1e-14)
    with np.errstate(divide="ignore"):
        log_p = Tensor(np.log(p))                                     # -inf where p = 0
    np.testing.assert_allclose(F.kl_div(log_q, log_p, reduction="none", log_target=True).numpy(),
                               terms, rtol=1e-14)
    assert F.kl_div(Tensor(0.0), Tensor(0.5), reduction="batchmean").item() == pytest.approx(
        0.5 * math.log(0.5))                                            # 0-d: no batch to divide


def test_kl_div_zero_probabilities_give_zero_not_nan(strict_numpy):
    log_q = leaf([-math.inf, -1.0, -2.0])               # q = 0 where p = 0 as well
    p = leaf([0.0, 0.5, 0.5])
    out = F.kl_div(log_q, p, reduction="none")
    assert out.numpy()[0] == 0.0 and np.all(np.isfinite(out.numpy()))
    gq, gp = tg.grad(out.sum(), [log_q, p])
    assert gq.numpy().tolist() == [0.0, -0.5, -0.5]                     # -p
    assert gp.numpy()[0] == 0.0                                        # torch: nan
    np.testing.assert_allclose(gp.numpy()[1:], np.log(0.5) + 1 - np.array([-1.0, -2.0]))
    log_p = leaf([-math.inf, math.log(0.5), math.log(0.5)])              # log_target: e^-inf = 0
    out = F.kl_div(log_q, log_p, reduction="none", log_target=True)
    assert out.numpy()[0] == 0.0
    gq, gp = tg.grad(out.sum(), [log_q, log_p])
    assert gq.numpy()[0] == 0.0 and gp.numpy()[0] == 0.0


@pytest.mark.parametrize("loss", [F.l1_loss, F.smooth_l1_loss, F.huber_loss,
                                  F.binary_cross_entropy])
def test_reductions_of_the_losses(loss):
    x, y = RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0, 1, (3, 4))
    none = loss(Tensor(x), Tensor(y), reduction="none")
    assert none.shape == (3, 4)
    assert loss(Tensor(x), Tensor(y)).item() == pytest.approx(none.numpy().mean(), rel=1e-12)
    assert loss(Tensor(x), Tensor(y), reduction="sum").item() == pytest.approx(
        none.numpy().sum(), rel=1e-12)


# ---------------------------------------------------------------------------- gradients
def away_from(values: np.ndarray, points, gap: float = 1e-3) -> np.ndarray:
    """values moved off the kinks at `points` (finite differences straddle a kink)."""
    for p in points:
        near = np.abs(values - p) < gap
        values = np.where(near, p + 2 * gap, values)
    return values


@pytest.mark.parametrize("fn", [
    lambda x: F.elu(x), lambda x: F.elu(x, alpha=0.3), F.silu, F.logsigmoid,
    lambda x: F.softplus(x), lambda x: F.softplus(x, beta=2.0, threshold=5.0),
    lambda x: F.softplus(x, beta=-1.5),
    lambda x: F.hardtanh(x), lambda x: F.hardtanh(x, -0.5, 2.0), F.relu6,
])
def test_activation_gradients(fn):
    x = away_from(RNG.standard_normal((3, 5)) * 3, (0.0, 1.0, -1.0, -0.5, 2.0, 6.0))
    check_both(fn, [leaf(x)])


def test_activation_gradients_at_the_edges():
    # softplus well above the threshold (linear) and far below (e^x), logsigmoid at +-1000
    check_both(F.softplus, [leaf([-50.0, -30.0, 25.0, 40.0, 1e3])])
    check_both(lambda x: F.softplus(x, beta=3.0, threshold=4.0), [leaf([1.5, 2.0, -0.5])])
    check_both(F.logsigmoid, [leaf([-1000.0, -40.0, 40.0, 1000.0])])
    check_both(F.elu, [leaf([-800.0, -20.0, -1e-3, 800.0])])
    assert gradcheck(F.elu, [leaf([-1e-9, 1e-9])])      # C1 at 0 for alpha = 1 (not C2)


@pytest.mark.parametrize("shape,normalized,affine", [
    ((4, 5), 5, True), ((2, 3, 4), (3, 4), True), ((3, 6), [6], False)])
def test_layer_norm_gradients(shape, normalized, affine):
    x = randn(*shape)
    size = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    params = [randn(*size), randn(*size)] if affine else []
    check_both(lambda x, *wb: F.layer_norm(x, normalized, *wb), [x, *params])


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 1), ((2, 6, 3), 3), ((2, 6, 3), 6),
                                          ((2, 4, 2, 3), 2), ((3, 4), 2)])
def test_group_norm_gradients(shape, groups):
    x, w, b = randn(*shape), randn(shape[1]), randn(shape[1])
    check_both(lambda x, w, b: F.group_norm(x, groups, w, b), [x, w, b])
    check_both(lambda x: F.group_norm(x, groups, eps=0.1), [randn(*shape)])


@pytest.mark.parametrize("norm, shape", [
    (lambda x: F.group_norm(x, 2), (0, 4, 3)), (lambda x: F.group_norm(x, 2), (0, 4)),
    (lambda x: F.group_norm(x, 2), (2, 4, 0)), (lambda x: F.layer_norm(x, (0,)), (2, 4, 0)),
    (lambda x: F.instance_norm(x), (2, 4, 0)), (lambda x: F.instance_norm(x), (0, 4, 3))])
def test_norms_of_empty_batches_and_axes_give_empty_gradients_as_torch(norm, shape):
    """An empty result has an empty gradient (group_norm's backward raised on N = 0, and
    every norm over an empty axis warned 'mean of empty slice', then raised)."""
    x = Tensor(np.zeros(shape), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = norm(x)
        out.sum().backward()
    assert out.shape == shape and x.grad.shape == shape


def test_embedding_gradients_with_repeats_and_padding():
    idx = Tensor([[0, 2, 2], [4, 0, 1], [2, 2, 2]])
    check_both(lambda w: F.embedding(idx, w) ** 2, [randn(5, 3)])
    # the padding row gets no gradient by decree, so finite differences would see it: make it
    # a constant and check the gradients of the other rows
    pad_row = Tensor(RNG.standard_normal((1, 3)))
    for padding_idx in (2, -3):
        check_both(lambda top, bottom: F.embedding(idx, tg.cat([top, pad_row, bottom]),
                                                   padding_idx) ** 2, [randn(2, 3), randn(2, 3)])


@pytest.mark.parametrize("p,dim", [(2, 1), (2, -1), (1, 0), (3, 1), (1.5, (0, 1)),
                                   (math.inf, 1)])
def test_normalize_gradients(p, dim):
    x = randn(3, 4)
    check_both(lambda x: F.normalize(x, p=p, dim=dim), [x])


def test_normalize_and_cosine_similarity_with_a_zero_vector():
    x = leaf([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])      # row 0 below eps: x / eps there
    check_both(lambda x: F.normalize(x, eps=1e-3), [x])
    check_both(lambda x: F.cosine_similarity(x, Tensor([[1.0, 2.0, 3.0]]).double(), eps=1e-3),
               [x])


@pytest.mark.parametrize("shape1,shape2,dim", [((4, 3), (4, 3), 1), ((2, 3, 4), (3, 4), -1),
                                               ((5,), (5,), 0), ((3, 1, 2), (1, 4, 2), 2)])
def test_cosine_similarity_gradients(shape1, shape2, dim):
    check_both(lambda a, b: F.cosine_similarity(a, b, dim=dim), [randn(*shape1), randn(*shape2)])


@pytest.mark.parametrize("loss", [
    F.l1_loss, F.smooth_l1_loss, lambda x, y, **k: F.smooth_l1_loss(x, y, beta=0.4, **k),
    lambda x, y, **k: F.smooth_l1_loss(x, y, beta=0.0, **k), F.huber_loss,
    lambda x, y, **k: F.huber_loss(x, y, delta=0.3, **k)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_regression_loss_gradients(loss, reduction):
    x = randn(3, 4)
    y = leaf(x.numpy() + away_from(RNG.standard_normal((3, 4)), (0.0, 0.3, -0.3, 0.4, -0.4, 1.0,
                                                                 -1.0)))
    check_both(lambda x, y: loss(x, y, reduction=reduction), [x, y])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_binary_cross_entropy_gradients(reduction):
    x = leaf(np.concatenate([RNG.uniform(0.05, 0.95, 6), [1e-4, 1 - 1e-4]]))
    y = leaf(RNG.uniform(0.01, 0.99, 8))
    w = leaf(RNG.uniform(0.5, 2, 8))
    check_both(lambda x, y, w: F.binary_cross_entropy(x, y, w, reduction=reduction), [x, y, w])
    hard = Tensor(np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]))   # 0/1 targets: constants
    check_both(lambda x: F.binary_cross_entropy(x, hard, reduction=reduction), [x])


@pytest.mark.parametrize("reduction", ["none", "batchmean", "sum"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradients(reduction, log_target):
    log_q = leaf(np.log(RNG.dirichlet(np.ones(4), 3)))
    p = RNG.dirichlet(np.ones(4), 3)
    p[0, 1] = p[2, 3] = 0.0                                     # zero targets
    with np.errstate(divide="ignore"):
        target = np.log(p) if log_target else p                 # log 0 = -inf
    check_both(lambda x: F.kl_div(x, Tensor(target), reduction=reduction,
                                  log_target=log_target), [log_q])
    positive = leaf(RNG.dirichlet(np.ones(4), 3))              # the target's own gradient
    if log_target:
        positive = leaf(np.log(positive.numpy()))
    check_both(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
               [log_q, positive])


def test_kl_div_mean_gradient():
    with pytest.warns(UserWarning):
        check_both(lambda x: F.kl_div(x, Tensor(np.full((2, 3), 1 / 3))), [randn(2, 3)])


def test_one_hot_is_not_differentiable():
    out = F.one_hot(Tensor([1, 0]), 3)
    assert out.grad_fn is None and out.dtype.kind == "i"


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("loss", ["l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy", "kl_div"])
def test_loss_shape_and_reduction_errors(loss):
    fn = getattr(F, loss)
    with pytest.raises(ValueError, match=rf"^{loss}: target shape \(3,\) must match input "
                                         rf"shape \(2, 3\)"):
        fn(tg.full((2, 3), 0.5), tg.full((3,), 0.5))
    with pytest.raises(ValueError, match=rf"^{loss}: reduction must be one of .*'avg'"):
        fn(tg.full((3,), 0.5), tg.full((3,), 0.5), reduction="avg")
    if loss != "kl_div":
        with pytest.raises(ValueError, match="reduction must be one of"):
            fn(tg.full((3,), 0.5), tg.full((3,), 0.5), reduction="batchmean")


def test_loss_option_errors():
    x = tg.full((3,), 0.5)
    with pytest.raises(ValueError, match=r"^smooth_l1_loss: beta must be non-negative, got -1"):
        F.smooth_l1_loss(x, x, beta=-1)
    with pytest.raises(ValueError, match=r"^huber_loss: delta must be positive, got 0"):
        F.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: all elements of input should "
                                         r"be between 0 and 1, got 1.5"):
        F.binary_cross_entropy(Tensor([0.5, 1.5]), Tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"input should be between 0 and 1, got nan"):
        F.binary_cross_entropy(Tensor([math.nan]), Tensor([1.0]))
    with pytest.raises(ValueError, match=r"all elements of target should be between 0 and 1, "
                                         r"got -0.5"):
        F.binary_cross_entropy(Tensor([0.5]), Tensor([-0.5]))
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: weight of shape \(3,\) cannot "
                                         r"be broadcast to input shape \(2, 2\)"):
        F.binary_cross_entropy(tg.full((2, 2), 0.5), tg.full((2, 2), 0.5), weight=tg.ones(3))
    with pytest.raises(TypeError, match=r"^l1_loss: expected a floating point input"):
        F.l1_loss(Tensor([1, 2]), Tensor([1, 2]))


def test_activation_and_norm_errors():
    with pytest.raises(ValueError, match=r"^hardtanh: min_val \(1\) cannot be greater than "
                                         r"max_val \(0\)"):
        F.hardtanh(tg.ones(2), 1, 0)
    with pytest.raises(ValueError, match=r"^softplus: beta must be nonzero"):
        F.softplus(tg.ones(2), beta=0)
    with pytest.raises(TypeError, match=r"^elu: expected a floating point input, got dtype int64"):
        F.elu(Tensor([1, 2]))
    with pytest.raises(ValueError, match=r"^layer_norm: normalized_shape \(4,\) expects input "
                                         r"of shape \(\*, 4\), got \(2, 3\)"):
        F.layer_norm(tg.ones(2, 3), 4)
    with pytest.raises(ValueError, match=r"^layer_norm: expected weight of shape \(3,\) for input "
                                         r"of shape \(2, 3\), got \(4,\)"):
        F.layer_norm(tg.ones(2, 3), (3,), weight=tg.ones(4))
    with pytest.raises(ValueError, match=r"^layer_norm: normalized_shape must have at least"):
        F.layer_norm(tg.ones(2, 3), ())
    with pytest.raises(ValueError, match=r"^group_norm: num_groups=2 must divide the 3 channels "
                                         r"of input \(2, 3, 4\)"):
        F.group_norm(tg.ones(2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"^group_norm: expected bias of shape \(4,\) for input "
                                         r"of shape \(2, 4\), got \(2,\)"):
        F.group_norm(tg.ones(2, 4), 2, bias=tg.ones(2))
    with pytest.raises(ValueError, match=r"^group_norm: expected input of shape \(N, C, \*\), "
                                         r"got \(4,\)"):
        F.group_norm(tg.ones(4), 2)


def test_lookup_and_encoding_errors():
    w = tg.zeros(5, 2)
    with pytest.raises(IndexError, match=r"^embedding: index 5 is out of range for weight of "
                                         r"shape \(5, 2\) \(expected 0 <= index < 5\)"):
        F.embedding(Tensor([1, 5]), w)
    with pytest.raises(IndexError, match=r"^embedding: index -1 is out of range"):
        F.embedding(Tensor([-1]), w)
    with pytest.raises(TypeError, match=r"^embedding: indices must have an integer dtype, got "
                                        r"float32"):
        F.embedding(Tensor([1.0]), w)
    with pytest.raises(ValueError, match=r"^embedding: padding_idx=5 must be within "
                                         r"num_embeddings=5"):
        F.embedding(Tensor([1]), w, padding_idx=5)
    with pytest.raises(ValueError, match=r"^embedding: weight must be 2-D"):
        F.embedding(Tensor([1]), tg.zeros(5))
    with pytest.raises(ValueError, match=r"^one_hot: class values must be smaller than "
                                         r"num_classes=3, got 3"):
        F.one_hot(Tensor([1, 3]), 3)
    with pytest.raises(ValueError, match=r"^one_hot: class values must be non-negative, got -1"):
        F.one_hot(Tensor([-1, 0]))
    with pytest.raises(ValueError, match=r"^one_hot: cannot infer the number of classes"):
        F.one_hot(Tensor(np.zeros(0, np.int64)))
    with pytest.raises(TypeError, match=r"^one_hot: expected an integer index tensor"):
        F.one_hot(Tensor([1.0]))
    with pytest.raises(ValueError, match=r"^normalize: p must be positive \(or inf\), got 0"):
        F.normalize(tg.ones(2, 2), p=0)
    with pytest.raises(IndexError, match=r"^normalize: dimension 1 is out of range"):
        F.normalize(tg.ones(3))
    with pytest.raises(ValueError, match=r"^cosine_similarity: x1 of shape \(2, 3\) and x2 of "
                                         r"shape \(4, 3\) cannot be broadcast together"):
        F.cosine_similarity(tg.ones(2, 3), tg.ones(4, 3))
    with pytest.raises(IndexError, match=r"^cosine_similarity: dimension 1 is out of range"):
        F.cosine_similarity(tg.ones(3), tg.ones(3))


def test_fuzz_found_gradients_follow_torch():
    # cosine_similarity: the clamp on a norm below eps changes the value only (torch)
    a = Tensor(np.array([[0.3, 0.4]]), requires_grad=True)
    b = Tensor(np.array([[1.0, 2.0]]))
    F.cosine_similarity(a, b, dim=1, eps=1.0).sum().backward()
    value = 1.1 / np.sqrt(5)                       # a.b / (max(0.5, 1) * sqrt 5)
    np.testing.assert_allclose(a.grad.data, [[1 / np.sqrt(5) - value * 0.6,
                                              2 / np.sqrt(5) - value * 0.8]], rtol=1e-12)
    # kl_div: dL/dx = -p is smooth in p, so d(sum dL/dx)/dp = -1, also where p = 0
    x = Tensor(np.log([0.5, 0.5]), requires_grad=True)
    p = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    (grad_x,) = tg.grad(F.kl_div(x, p, reduction="sum"), x, create_graph=True)
    np.testing.assert_array_equal(grad_x.data, [0.0, -1.0])
    grad_x.sum().backward()
    np.testing.assert_array_equal(p.grad.data, [-1.0, -1.0])
    # huber / smooth_l1: an infinite error has slope +-delta, and delta = inf is 0.5 d^2
    d = Tensor(np.array([np.inf, -np.inf, 3.0]), requires_grad=True)
    for loss in (F.huber_loss, F.smooth_l1_loss):
        d.grad = None
        loss(d, Tensor(np.zeros(3)), reduction="sum").backward()
        np.testing.assert_array_equal(d.grad.data, [1.0, -1.0, 1.0])
    e = Tensor(np.array([0.5, -3.0]), requires_grad=True)
    F.huber_loss(e, Tensor(np.zeros(2)), reduction="sum", delta=float("inf")).backward()
    np.testing.assert_array_equal(e.grad.data, [0.5, -3.0])


def test_norms_of_big_float32_vectors_do_not_overflow():
    x = Tensor(np.array([[3e20, 4e20]], np.float32), requires_grad=True)
    y = F.cosine_similarity(x, Tensor(np.array([[4e20, 3e20]], np.float32)))
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [0.96], rtol=1e-6)       # (12 + 12) / 25
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(F.normalize(x).numpy(), [[0.6, 0.8]], rtol=1e-6)


def test_gumbel_softmax_samples_the_categorical_and_hard_passes_the_soft_gradient():
    tg.manual_seed(1)
    logits = tg.zeros(20000, 3) + Tensor(np.log([1.0, 2.0, 3.0]).astype(np.float32))
    frequencies = F.gumbel_softmax(logits, hard=True).data.mean(0)
    np.testing.assert_allclose(frequencies, [1 / 6, 2 / 6, 3 / 6], atol=0.01)   # seeded
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    tg.manual_seed(2)
    soft = F.gumbel_softmax(x, tau=0.5)
    tg.manual_seed(2)                                      # the same noise
    hard = F.gumbel_softmax(x, tau=0.5, hard=True)
    assert sorted(hard.tolist()[0]) == [0, 0, 1] and hard.data.argmax() == soft.data.argmax()
    np.testing.assert_allclose(soft.sum(1).data, [1.0], rtol=1e-6)
    (g_soft,) = tg.grad((soft * Tensor([[1.0, 2.0, 3.0]])).sum(), x)
    (g_hard,) = tg.grad((hard * Tensor([[1.0, 2.0, 3.0]])).sum(), x)
    np.testing.assert_allclose(g_hard.data, g_soft.data, rtol=1e-6)   # straight-through


def test_linear_takes_a_1d_weight_without_bias_and_prelu_one_dtype_as_torch():
    x = tg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    w = tg.tensor([1.0, -2.0, 0.5, 3.0], dtype=tg.float64, requires_grad=True)
    out = F.linear(x, w)
    assert out.tolist() == [8.0, 18.0, 28.0]
    out.sum().backward()
    assert w.grad.tolist() == [12.0, 15.0, 18.0, 21.0] and x.grad.tolist() == [w.tolist()] * 3
    with pytest.raises(ValueError, match=r"linear: weight must be 2-D .* or 1-D without a bias"):
        F.linear(x, w, tg.tensor(1.0, dtype=tg.float64))
    with pytest.raises(TypeError, match=r"prelu: input \(float32\) and weight \(float64\) must "
                                        "have one dtype"):
        F.prelu(tg.tensor([[-1.0, 2.0]]), tg.tensor([0.25], dtype=tg.float64))
