"""The losses of nn.functional_loss and their modules (nn.loss_more): values and slopes worked
by hand, slow loop references, first and second derivatives against finite differences in
float64 for every reduction, edge shapes, errors, reprs, and (when torch is importable)
every function and module against torch."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from nn import functional_loss as FL
from nn import loss_more as L
from tinygrad_edu import Tensor

from checks import check_both, leaf

RNG = np.random.default_rng(0)
REDUCTIONS = ("none", "mean", "sum")




def randn(*shape: int) -> Tensor:
    return leaf(RNG.standard_normal(shape))


def signs(*shape: int) -> Tensor:
    return Tensor(RNG.choice([-1.0, 1.0], shape))




# ---------------------------------------------------------------------------- by hand
def test_margin_ranking_loss_by_hand():
    x1, x2, y = leaf([1.0, 2.0, 3.0, 0.5]), leaf([2.0, 2.0, 1.0, 0.0]), Tensor([1, -1, 1, 1])
    out = FL.margin_ranking_loss(x1, x2, y, margin=0.5, reduction="none")
    assert out.numpy().tolist() == [1.5, 0.5, 0.0, 0.0]       # last: -0.5 + 0.5 = 0, the kink
    g1, g2 = tg.grad(out.sum(), [x1, x2])
    assert g1.numpy().tolist() == [-1.0, 1.0, 0.0, -1.0]     # torch's clamp: slope at 0 too
    assert g2.numpy().tolist() == [1.0, -1.0, 0.0, 1.0]
    assert FL.margin_ranking_loss(x1, x2, y, 0.5).item() == 0.5
    assert FL.margin_ranking_loss(x1, x2, y, 0.5, reduction="sum").item() == 2.0
    broadcast = FL.margin_ranking_loss(randn(2, 3), randn(1, 3), Tensor(np.ones((2, 1))),
                                       reduction="none")
    assert broadcast.shape == (2, 3)


def test_hinge_embedding_loss_by_hand():
    x, y = leaf([0.3, 2.0, 0.5, 1.5, 0.7]), Tensor([1.0, -1.0, -1.0, 1.0, 0.0])
    out = FL.hinge_embedding_loss(x, y, reduction="none")
    np.testing.assert_allclose(out.numpy(), [0.3, 0.0, 0.5, 1.5, 1.0])  # y = 0: both terms
    (g,) = tg.grad(out.sum(), [x])
    assert g.numpy().tolist() == [1.0, 0.0, -1.0, 1.0, 0.0]
    assert FL.hinge_embedding_loss(x, y, margin=2.0, reduction="sum").item() == pytest.approx(
        0.3 + 0.0 + 1.5 + 1.5 + 2.0)


def test_soft_margin_loss_by_hand_and_without_overflow():
    x, y = leaf([0.5, -2.0, 1000.0, -1000.0]), Tensor([1.0, 1.0, -1.0, -1.0])
    with np.errstate(all="raise", under="ignore"):
        out = FL.soft_margin_loss(x, y, reduction="none")
        (g,) = tg.grad(out.sum(), [x])
    np.testing.assert_allclose(out.numpy(), [math.log1p(math.exp(-0.5)),
                                             math.log1p(math.exp(2.0)), 1000.0, 0.0], rtol=1e-15)
    sigmoid = lambda z: 1 / (1 + math.exp(-z))                          # noqa: E731
    np.testing.assert_allclose(g.numpy(), [-sigmoid(-0.5), -sigmoid(2.0), 1.0, 0.0], rtol=1e-15)


def test_cosine_embedding_loss_by_hand():
    x1 = leaf([[1.0, 0.0], [3.0, 4.0], [1.0, 1.0], [0.0, 0.0]])
    x2 = leaf([[1.0, 1.0], [3.0, 4.0], [1.0, 0.0], [1.0, 2.0]])
    y = Tensor([1, -1, -1, 1])
    out = FL.cosine_embedding_loss(x1, x2, y, margin=0.5, reduction="none").numpy()
    c = 1 / math.sqrt(2)
    np.testing.assert_allclose(out, [1 - c, 1.0 - 0.5, c - 0.5, 1.0], rtol=1e-11)  # zero: cos 0
    unbatched = FL.cosine_embedding_loss(Tensor([1.0, 0.0]), Tensor([0.0, 1.0]), Tensor(1))
    assert unbatched.shape == () and unbatched.item() == 1.0
    ignored = FL.cosine_embedding_loss(x1, x2, Tensor([0.5, 0, 2, 1]), reduction="none")
    np.testing.assert_allclose(ignored.numpy(), [0, 0, 0, 1.0])        # other targets: 0


def test_triplet_margin_loss_by_hand():
    a, p, n = leaf([[0.0, 0.0]]), leaf([[3.0, 4.0]]), leaf([[1.0, 0.0]])
    out = FL.triplet_margin_loss(a, p, n, margin=1.0, eps=0.0)
    assert out.item() == pytest.approx(1 + 5 - 1)
    swapped = FL.triplet_margin_loss(a, p, n, margin=1.0, eps=0.0, swap=True)
    assert swapped.item() == pytest.approx(1 + 5 - 1)                 # d(p, n) = sqrt(20) > 1
    n2 = leaf([[6.0, 8.0]])                                            # d(a, n) = 10, d(p, n) = 5
    assert FL.triplet_margin_loss(a, p, n2, eps=0.0).item() == 0.0
    assert FL.triplet_margin_loss(a, p, n2, eps=0.0, swap=True).item() == pytest.approx(1.0)
    l1 = FL.triplet_margin_loss(a, p, n, margin=2.0, p=1, eps=0.0)
    assert l1.item() == pytest.approx(2 + 7 - 1)
    assert FL.triplet_margin_loss(randn(3), randn(3), randn(3), reduction="none").shape == ()


def test_multilabel_soft_margin_loss_by_hand():
    x, y = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -2.0]]), np.array([[1, 0, 1], [0, 0, 1]])
    log_sig = lambda z: -np.log1p(np.exp(-z))                          # noqa: E731
    terms = -(y * log_sig(x) + (1 - y) * log_sig(-x))
    out = FL.multilabel_soft_margin_loss(Tensor(x), Tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(out, terms.mean(1), rtol=1e-14)
    w = np.array([1.0, 2.0, 0.5])
    weighted = FL.multilabel_soft_margin_loss(Tensor(x), Tensor(y), Tensor(w)).item()
    assert weighted == pytest.approx((terms * w).sum(1).mean() / 3, rel=1e-14)
    one = FL.multilabel_soft_margin_loss(Tensor(x[0]), Tensor(y[0]), reduction="none")
    assert one.shape == () and one.item() == pytest.approx(terms[0].mean(), rel=1e-14)


def _multilabel_margin_loop(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """torch's documented double loop, sample by sample."""
    losses = []
    for scores, targets in zip(x, t):
        labels = []
        for j in targets:
            if j < 0:
                break
            labels.append(j)
        total = sum(max(0.0, 1 - (scores[j] - scores[i]))
                    for j in labels for i in range(len(scores)) if i not in labels)
        losses.append(total / len(scores))
    return np.array(losses)


def test_multilabel_margin_loss_against_a_loop():
    out = FL.multilabel_margin_loss(Tensor([[0.1, 0.2, 0.4, 0.8]]), Tensor([[3, 0, -1, 1]]))
    assert out.item() == pytest.approx(0.85)                           # torch's docs example
    x = RNG.standard_normal((6, 5))
    t = np.array([[3, 0, -1, 1, 2], [4, 4, -1, 0, 0], [-1, 0, 1, 2, 3], [0, 1, 2, 3, 4],
                  [2, -1, 1, 4, 1], [1, 2, 3, -1, -1]])                 # duplicates count twice
    for reduction, reduce in [("none", lambda v: v), ("mean", np.mean), ("sum", np.sum)]:
        out = FL.multilabel_margin_loss(Tensor(x), Tensor(t), reduction=reduction)
        np.testing.assert_allclose(out.numpy(), reduce(_multilabel_margin_loop(x, t)),
                                   rtol=1e-14)
    one = FL.multilabel_margin_loss(Tensor(x[0]), Tensor(t[0]), reduction="none")
    assert one.shape == () and one.item() == pytest.approx(_multilabel_margin_loop(x, t)[0])
    none = FL.multilabel_margin_loss(Tensor(x), Tensor(np.full((6, 5), -1)), reduction="none")
    assert none.numpy().tolist() == [0.0] * 6


def test_poisson_nll_loss_by_hand():
    x, y = leaf([0.5, 0.5, 2.0]), Tensor([0.0, 1.0, 3.0]).double()
    out = FL.poisson_nll_loss(x, y, reduction="none")
    np.testing.assert_allclose(out.numpy(), np.exp([0.5, 0.5, 2.0]) - [0, 0.5, 6.0], rtol=1e-15)
    (g,) = tg.grad(out.sum(), [x])
    np.testing.assert_allclose(g.numpy(), np.exp([0.5, 0.5, 2.0]) - [0, 1, 3], rtol=1e-15)
    full = FL.poisson_nll_loss(x, y, full=True, reduction="none").numpy()
    stirling = 3 * math.log(3) - 3 + 0.5 * math.log(2 * math.pi * 3)   # only where y > 1
    np.testing.assert_allclose(full, out.numpy() + [0, 0, stirling], rtol=1e-15)
    rate = FL.poisson_nll_loss(x, y, log_input=False, eps=0.0, reduction="none").numpy()
    np.testing.assert_allclose(rate, [0.5, 0.5 - math.log(0.5), 2 - 3 * math.log(2)], rtol=1e-15)


def test_gaussian_nll_loss_by_hand_and_var_shapes():
    x, y = leaf([[1.0, 2.0], [0.0, -1.0]]), Tensor([[0.0, 2.0], [1.0, 1.0]])
    var = leaf([[0.5, 2.0], [1.0, 4.0]])
    out = FL.gaussian_nll_loss(x, y, var, reduction="none")
    d2 = np.array([[1.0, 0.0], [1.0, 4.0]])
    expected = 0.5 * (np.log(var.numpy()) + d2 / var.numpy())
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-15)
    full = FL.gaussian_nll_loss(x, y, var, full=True).item()
    assert full == pytest.approx(expected.mean() + 0.5 * math.log(2 * math.pi), rel=1e-15)
    shared = FL.gaussian_nll_loss(x, y, Tensor([0.5, 2.0]), reduction="none")   # (N,): unsqueezed
    np.testing.assert_allclose(shared.numpy(), 0.5 * (np.log([[0.5], [2.0]]) + d2 / [[0.5],
                                                                                      [2.0]]))
    column = FL.gaussian_nll_loss(x, y, Tensor([[0.5], [2.0]]), reduction="none")
    np.testing.assert_allclose(column.numpy(), shared.numpy())
    number = FL.gaussian_nll_loss(x, y, 2.0, reduction="sum").item()
    assert number == pytest.approx((0.5 * (math.log(2) + d2 / 2)).sum(), rel=1e-15)
    assert FL.gaussian_nll_loss(x, Tensor([[0.0, 2.0]]), var, reduction="none").shape == (2, 2)


def test_gaussian_nll_loss_clamps_the_value_of_var_not_its_slope():
    x, y, var = leaf([1.0, 1.0]), Tensor([0.0, 0.0]), leaf([1e-9, 0.0])
    out = FL.gaussian_nll_loss(x, y, var, eps=1e-3, reduction="none")
    np.testing.assert_allclose(out.numpy(), 0.5 * (math.log(1e-3) + 1 / 1e-3), rtol=1e-15)
    (g,) = tg.grad(out.sum(), [var])                # d/dv at v = eps: 0.5 (1/v - d^2/v^2)
    np.testing.assert_allclose(g.numpy(), 0.5 * (1 / 1e-3 - 1 / 1e-6), rtol=1e-12)


# ---------------------------------------------------------------------------- derivatives
def _gradient_cases():
    """name -> (loss(*inputs, reduction), inputs): the targets are fixed, the inputs checked."""
    pm = [signs(4, 3), signs(3, 1, 2), signs(2, 3), signs(4)]
    labels = Tensor(RNG.integers(0, 2, (3, 4)))
    counts, counts_1d = Tensor(RNG.poisson(2, (2, 3))), Tensor(RNG.poisson(2, (4,)))
    return {
        "margin_ranking": (lambda a, b, r: FL.margin_ranking_loss(a, b, pm[0], 0.3, reduction=r),
                           [randn(4, 3), randn(4, 3)]),
        "margin_ranking_0d": (lambda a, b, r: FL.margin_ranking_loss(
            a, b, Tensor(-1.0), 0.2, reduction=r), [randn(), randn()]),
        "hinge_embedding": (lambda x, r: FL.hinge_embedding_loss(x, pm[1], 1.3, reduction=r),
                            [leaf(RNG.uniform(0, 2.5, (3, 1, 2)))]),
        "soft_margin": (lambda x, r: FL.soft_margin_loss(x, pm[2], reduction=r), [randn(2, 3)]),
        "cosine_embedding": (lambda a, b, r: FL.cosine_embedding_loss(a, b, pm[3], 0.1,
                                                                      reduction=r),
                             [randn(4, 3), randn(4, 3)]),
        "cosine_embedding_1d": (lambda a, b, r: FL.cosine_embedding_loss(a, b, Tensor(1), 0,
                                                                         reduction=r),
                                [randn(3), randn(3)]),
        "triplet": (lambda a, p, n, r: FL.triplet_margin_loss(a, p, n, 2.0, reduction=r),
                    [randn(3, 4), randn(3, 4), randn(3, 4)]),
        "triplet_swap_p1": (lambda a, p, n, r: FL.triplet_margin_loss(a, p, n, 3.0, 1.5, 1e-6,
                                                                      True, reduction=r),
                            [randn(3, 2), randn(3, 2), randn(3, 2)]),
        "multilabel_soft_margin": (lambda x, w, r: FL.multilabel_soft_margin_loss(x, labels, w,
                                                                             reduction=r),
                                   [randn(3, 4), randn(4)]),
        "multilabel_margin": (lambda x, r: FL.multilabel_margin_loss(x, Tensor(
            [[3, 0, -1, 1], [1, 1, 2, -1], [2, 0, 1, 3]]), reduction=r), [randn(3, 4)]),
        "multilabel_margin_1d": (lambda x, r: FL.multilabel_margin_loss(x, Tensor([2, -1, 0]),
                                                                           reduction=r),
                                 [randn(3)]),
        "poisson_log": (lambda x, r: FL.poisson_nll_loss(x, counts, full=True, reduction=r),
                        [randn(2, 3)]),
        "poisson_rate": (lambda x, r: FL.poisson_nll_loss(x, counts_1d, False, reduction=r),
                         [leaf(RNG.uniform(0.2, 3, 4))]),
        "gaussian": (lambda x, v, r: FL.gaussian_nll_loss(x, Tensor(np.ones((2, 3))), v, True,
                                                          reduction=r),
                     [randn(2, 3), leaf(RNG.uniform(0.1, 2, (2, 1)))]),
        "gaussian_target": (lambda x, y, r: FL.gaussian_nll_loss(x, y, 0.7, reduction=r),
                            [randn(3, 2), randn(3, 2)]),
    }


@pytest.mark.parametrize("name", list(_gradient_cases()))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_gradients(name, reduction):
    fn, inputs = _gradient_cases()[name]
    check_both(lambda *xs: fn(*xs, reduction), inputs)


def test_empty_batches():
    empty = lambda *s: leaf(np.zeros(s))                                 # noqa: E731
    assert FL.soft_margin_loss(empty(0, 3), Tensor(np.zeros((0, 3))), reduction="sum").item() == 0
    assert FL.margin_ranking_loss(empty(0), empty(0), Tensor(np.zeros(0)), reduction="none"
                                  ).shape == (0,)
    assert FL.multilabel_margin_loss(empty(0, 3), Tensor(np.zeros((0, 3), np.int64)),
                                     reduction="none").shape == (0,)
    assert FL.triplet_margin_loss(empty(0, 2), empty(0, 2), empty(0, 2), reduction="sum"
                                  ).item() == 0


# ---------------------------------------------------------------------------- modules
@pytest.mark.parametrize("module", [
    L.MarginRankingLoss(), L.HingeEmbeddingLoss(), L.SoftMarginLoss(), L.CosineEmbeddingLoss(0.5),
    L.TripletMarginLoss(), L.MultiLabelSoftMarginLoss(), L.MultiLabelMarginLoss(),
    L.PoissonNLLLoss(), L.GaussianNLLLoss()])
def test_reprs_are_torchs(module):
    assert repr(module) == type(module).__name__ + "()"


def test_modules_pass_their_options():
    a, b, y = randn(4, 3), randn(4, 3), signs(4)
    module = L.MarginRankingLoss(0.2, reduction="sum")
    assert module(a[:, 0], b[:, 0], y).item() == FL.margin_ranking_loss(
        a[:, 0], b[:, 0], y, 0.2, reduction="sum").item()
    assert L.CosineEmbeddingLoss(0.3)(a, b, y).item() == FL.cosine_embedding_loss(
        a, b, y, 0.3).item()
    triplet = L.TripletMarginLoss(2.0, 1.0, 0.1, True, reduction="none")
    assert triplet(a, b, b * 2).numpy().tolist() == FL.triplet_margin_loss(
        a, b, b * 2, 2.0, 1.0, 0.1, True, reduction="none").numpy().tolist()
    poisson = L.PoissonNLLLoss(False, True, eps=0.5, reduction="sum")
    assert poisson(a.abs(), b.abs()).item() == FL.poisson_nll_loss(
        a.abs(), b.abs(), False, True, eps=0.5, reduction="sum").item()
    assert L.GaussianNLLLoss(full=True, eps=0.5)(a, b, 0.1).item() == FL.gaussian_nll_loss(
        a, b, 0.1, True, 0.5).item()
    weighted = L.MultiLabelSoftMarginLoss(weight=Tensor([1.0, 2.0, 3.0]))
    assert [name for name, _ in weighted.named_buffers()] == ["weight"]
    assert list(weighted.parameters()) == []


@pytest.mark.parametrize("call,error,match", [
    (lambda: FL.soft_margin_loss(randn(2), Tensor([1.0, 1.0]), reduction="avg"), ValueError,
     "reduction"),
    (lambda: L.HingeEmbeddingLoss(reduction="batchmean"), ValueError, "reduction"),
    (lambda: FL.soft_margin_loss(randn(2, 3), Tensor(np.ones(3))), ValueError, "must match"),
    (lambda: FL.hinge_embedding_loss(randn(2), Tensor(np.ones(3))), ValueError, "must match"),
    (lambda: FL.poisson_nll_loss(randn(2, 3), Tensor(np.ones(3))), ValueError, "must match"),
    (lambda: FL.margin_ranking_loss(randn(2, 3), randn(3), Tensor(np.ones(3))), ValueError,
     "same number of dimensions"),
    (lambda: FL.margin_ranking_loss(randn(2), randn(3), Tensor(np.ones(3))), ValueError,
     "cannot be broadcast"),
    (lambda: FL.cosine_embedding_loss(randn(2, 3, 4), randn(2, 3, 4), Tensor(np.ones(2))),
     ValueError, "inputs"),
    (lambda: FL.cosine_embedding_loss(randn(2, 3), randn(2, 3), Tensor(1.0)), ValueError,
     "0-d target"),
    (lambda: FL.cosine_embedding_loss(randn(2, 3), randn(2, 4), Tensor(np.ones(2))), ValueError,
     "cannot be broadcast"),
    (lambda: FL.cosine_embedding_loss(randn(2, 3), randn(2, 3), Tensor(np.ones(3))), ValueError,
     "cannot be broadcast"),
    (lambda: FL.triplet_margin_loss(randn(2, 3), randn(3), randn(2, 3)), ValueError,
     "same number of dimensions"),
    (lambda: FL.triplet_margin_loss(randn(3), randn(3), randn(3), margin=0), ValueError,
     "greater than 0"),
    (lambda: L.TripletMarginLoss(margin=-1.0), ValueError, "greater than 0"),
    (lambda: FL.multilabel_soft_margin_loss(randn(), Tensor(1.0)), ValueError, "0-d"),
    (lambda: FL.multilabel_soft_margin_loss(randn(2, 3), Tensor(np.ones((2, 3))),
                                            Tensor(np.ones(2))), ValueError, "weight of shape"),
    (lambda: FL.multilabel_margin_loss(randn(2, 4), Tensor(np.zeros((2, 3), np.int64))),
     ValueError, "same shape"),
    (lambda: FL.multilabel_margin_loss(randn(2, 2, 2), Tensor(np.zeros((2, 2, 2), np.int64))),
     ValueError, r"\(N, C\)"),
    (lambda: FL.multilabel_margin_loss(randn(4), Tensor(np.zeros(4))), TypeError, "integer"),
    (lambda: FL.multilabel_margin_loss(randn(4), Tensor([4, 3, -1, 1])), ValueError,
     "target 4 is out of range"),
    (lambda: FL.gaussian_nll_loss(randn(2, 3), randn(2, 3), Tensor(-np.ones((2, 3)))),
     ValueError, "negative"),
    (lambda: FL.gaussian_nll_loss(randn(2, 3), randn(2, 3), Tensor(np.ones((3, 2)))),
     ValueError, "does not fit"),
    (lambda: FL.gaussian_nll_loss(randn(2, 3), randn(2, 3), Tensor(np.ones((1, 1)))),
     ValueError, "does not fit"),
    (lambda: FL.gaussian_nll_loss(randn(2, 3), randn(3, 3), 1.0), ValueError,
     "cannot be broadcast"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_multilabel_margin_labels_end_at_the_first_minus_one():
    out = FL.multilabel_margin_loss(leaf([0.1, 0.2, 0.4]), Tensor([0, -1, 2]))
    assert out.item() == pytest.approx((1.1 + 1.3) / 3, rel=1e-15)   # label 0 only
    for bad in ([0, -1, 3], [0, -2, 1]):                              # checked after -1 too
        with pytest.raises(ValueError, match="out of range"):
            FL.multilabel_margin_loss(leaf([0.1, 0.2, 0.4]), Tensor(bad))


# ---------------------------------------------------------------------------- against torch
def _torch_cases(rng):
    r = rng.standard_normal
    pm = lambda *s: rng.choice([-1.0, 1.0], s)                            # noqa: E731
    labels = rng.integers(0, 5, (4, 5))
    labels[rng.random((4, 5)) < 0.3] = -1
    return {
        "margin_ranking_loss": ([r(5), r(5), pm(5)], dict(margin=0.3), 2),
        "hinge_embedding_loss": ([rng.uniform(0, 2, (3, 4)), pm(3, 4)], dict(margin=1.2), 1),
        "soft_margin_loss": ([r((3, 4)) * 3, pm(3, 4)], dict(reduction="sum"), 1),
        "cosine_embedding_loss": ([r((4, 3)), r((4, 3)), pm(4)], dict(margin=-0.2), 2),
        "triplet_margin_loss": ([r((4, 3)), r((4, 3)), r((4, 3))],
                                dict(margin=1.5, p=3, swap=True, reduction="none"), 3),
        "multilabel_soft_margin_loss": ([r((3, 4)), rng.integers(0, 2, (3, 4)) * 1.0,
                                         rng.uniform(0, 2, 4)], {}, 1),
        "multilabel_margin_loss": ([r((4, 5)), labels], dict(reduction="none"), 1),
        "poisson_nll_loss": ([r((3, 4)), rng.poisson(3, (3, 4)) * 1.0], dict(full=True), 1),
        "poisson_nll_loss_rate": ([rng.uniform(0.1, 3, (3, 4)), rng.poisson(3, (3, 4)) * 1.0],
                                  dict(log_input=False, eps=1e-3, reduction="none"), 1),
        "gaussian_nll_loss": ([r((3, 4)), r((3, 4)), rng.uniform(0, 2, (3, 1))],
                              dict(full=True, eps=0.3), 3),
        "gaussian_nll_loss_short_var": ([r((3, 4)), r((3, 4)), rng.uniform(0, 2, 3)],
                                        dict(reduction="sum"), 3),
    }


@pytest.mark.parametrize("name", list(_torch_cases(np.random.default_rng(0))))
def test_functional_forms_match_torch(name):
    torch = pytest.importorskip("torch")
    function = name.replace("_rate", "").replace("_short_var", "")
    for seed in range(3):
        args, kwargs, differentiable = _torch_cases(np.random.default_rng(seed))[name]
        ours = [Tensor(a, requires_grad=i < differentiable) for i, a in enumerate(args)]
        theirs = [torch.tensor(a, requires_grad=i < differentiable) for i, a in enumerate(args)]
        out = getattr(FL, function)(*ours, **kwargs)
        expected = getattr(torch.nn.functional, function)(*theirs, **kwargs)
        assert out.shape == tuple(expected.shape)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12,
                                   atol=1e-15)
        v = np.random.default_rng(seed).standard_normal(out.shape)
        grads = tg.grad((out * Tensor(v)).sum(), ours[:differentiable])
        expected_grads = torch.autograd.grad((expected * torch.tensor(v)).sum(),
                                             theirs[:differentiable])
        for g, e in zip(grads, expected_grads):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("build,inputs", [
    (lambda m: m.MarginRankingLoss(0.1), lambda r: [r(4), r(4), np.sign(r(4))]),
    (lambda m: m.HingeEmbeddingLoss(0.5, reduction="sum"), lambda r: [r((2, 3)),
                                                                      np.sign(r((2, 3)))]),
    (lambda m: m.SoftMarginLoss(reduction="none"), lambda r: [r(5), np.sign(r(5))]),
    (lambda m: m.CosineEmbeddingLoss(0.2), lambda r: [r((3, 4)), r((3, 4)), np.sign(r(3))]),
    (lambda m: m.TripletMarginLoss(p=1.0, swap=True), lambda r: [r((3, 2)), r((3, 2)),
                                                                 r((3, 2))]),
    (lambda m: m.MultiLabelSoftMarginLoss(), lambda r: [r((3, 4)), (r((3, 4)) > 0) * 1.0]),
    (lambda m: m.MultiLabelMarginLoss(), lambda r: [r((2, 3)), np.array([[2, -1, 0],
                                                                        [0, 1, 2]])]),
    (lambda m: m.PoissonNLLLoss(full=True), lambda r: [r((2, 3)), np.abs(r((2, 3))) * 3]),
    (lambda m: m.GaussianNLLLoss(full=True), lambda r: [r((2, 3)), r((2, 3)),
                                                        np.abs(r((2, 3)))])])
def test_loss_modules_match_torch(build, inputs):
    torch = pytest.importorskip("torch")
    args = inputs(np.random.default_rng(3).standard_normal)
    x, x_t = Tensor(args[0], requires_grad=True), torch.tensor(args[0], requires_grad=True)
    out = build(L)(x, *[Tensor(a) for a in args[1:]])
    expected = build(torch.nn)(x_t, *[torch.tensor(a) for a in args[1:]])
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-14)
