"""cross_entropy (fused primitive) and the composed losses against loop references."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck


def reference_cross_entropy(x, target, weight=None, ignore_index=-100, reduction="mean",
                            smoothing=0.0):
    """torch's definition, one sample and one class at a time; x is (N, C)."""
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    losses, denominator = [], 0.0
    for i in range(n):
        top = max(x[i])
        lse = top + math.log(sum(math.exp(v - top) for v in x[i]))
        logp = [x[i, k] - lse for k in range(c)]
        if target.ndim == 2:                                  # probabilities
            q = [w[k] * ((1 - smoothing) * target[i, k] + smoothing / c) for k in range(c)]
            denominator += 1
        elif target[i] == ignore_index:
            q = [0.0] * c
        else:
            y = target[i]
            q = [w[k] * ((1 - smoothing) * (k == y) + smoothing / c) for k in range(c)]
            denominator += w[y]
        losses.append(-sum(q[k] * logp[k] for k in range(c)))
    if reduction == "none":
        return np.array(losses)
    return sum(losses) / denominator if reduction == "mean" else sum(losses)


RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4)) * 3
INDICES = np.array([0, 3, -100, 2, 1, 3])
PROBS = RNG.dirichlet(np.ones(4), 6)
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("target", [INDICES, PROBS], ids=["indices", "probabilities"])
def test_cross_entropy_matches_loop_reference(reduction, weight, smoothing, target):
    x = Tensor(LOGITS, requires_grad=True)
    t = Tensor(target)
    w = None if weight is None else Tensor(weight)
    out = tg.cross_entropy(x, t, w, reduction=reduction, label_smoothing=smoothing)
    expected = reference_cross_entropy(LOGITS, target, weight, reduction=reduction,
                                       smoothing=smoothing)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    fn = lambda x: tg.cross_entropy(x, t, w, reduction=reduction,  # noqa: E731
                                    label_smoothing=smoothing)
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("target", [INDICES, PROBS], ids=["indices", "probabilities"])
def test_cross_entropy_keeps_float32(weight, smoothing, target):
    x = Tensor(LOGITS.astype(np.float32), requires_grad=True)
    w = None if weight is None else Tensor(weight.astype(np.float32))
    t = Tensor(target.astype(np.float32) if target.dtype == np.float64 else target)
    loss = tg.cross_entropy(x, t, w, label_smoothing=smoothing)   # (float64 probabilities
    loss.backward()                                               # make it float64: torch)
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    expected = reference_cross_entropy(LOGITS.astype(np.float32).astype(np.float64), target,
                                       weight, smoothing=smoothing)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-6)


def test_unweighted_gradient_is_softmax_minus_onehot_over_n():
    x = Tensor(LOGITS, requires_grad=True)
    y = np.array([1, 0, 3, 2, 2, 0])
    tg.cross_entropy(x, Tensor(y)).backward()
    softmax = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.data, (softmax - np.eye(4)[y]) / 6, rtol=1e-12)


def test_ignore_index_samples_get_no_gradient_and_leave_the_mean():
    x = Tensor(LOGITS, requires_grad=True)
    loss = tg.cross_entropy(x, Tensor(np.array([0, 7, 7, 2, 1, 3])), ignore_index=7)
    loss.backward()
    np.testing.assert_array_equal(x.grad.data[1:3], 0.0)
    kept = [0, 3, 4, 5]
    expected = reference_cross_entropy(LOGITS[kept], np.array([0, 2, 1, 3]))
    np.testing.assert_allclose(loss.data, expected, rtol=1e-13)


@pytest.mark.parametrize("loss_fn", [tg.cross_entropy,
                                     lambda x, t: tg.nll_loss(x.log_softmax(1), t)])
def test_all_targets_ignored_gives_nan_mean_and_zero_gradient_like_torch(loss_fn):
    x = Tensor(LOGITS[:2], requires_grad=True)
    loss = loss_fn(x, Tensor(np.array([-100, -100])))
    assert np.isnan(loss.item())
    loss.backward()                            # no sample contributes: 0, not nan
    np.testing.assert_array_equal(x.grad.data, 0.0)
    assert tg.cross_entropy(Tensor(LOGITS[:2]), Tensor(np.array([-100, -100])),
                            reduction="sum").item() == 0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_minus_inf_logit_of_another_class_gives_a_finite_loss(reduction):
    logits = np.array([[1.0, -np.inf, 2.0], [0.5, 0.0, -np.inf]])
    x = Tensor(logits, requires_grad=True)
    loss = tg.cross_entropy(x, Tensor(np.array([0, 1])), reduction=reduction)
    finite = logits[:, :2].copy()
    finite[0, 1] = 2.0                               # the classes with p > 0 per row
    expected = np.log(np.exp(finite).sum(1)) - np.array([1.0, 0.0])
    np.testing.assert_allclose(loss.data, {"mean": expected.mean(), "sum": expected.sum(),
                                           "none": expected}[reduction], rtol=1e-15)
    loss.sum().backward()
    assert np.isfinite(x.grad.data).all() and x.grad.data[0, 1] == x.grad.data[1, 2] == 0
    smoothed = tg.cross_entropy(Tensor(logits), Tensor(np.array([0, 1])), label_smoothing=0.1)
    assert smoothed.item() == np.inf              # then every class has q > 0: log 0 counts


def test_probability_targets_are_differentiable():
    x, t = Tensor(LOGITS, requires_grad=True), Tensor(PROBS, requires_grad=True)
    fn = lambda x, t: tg.cross_entropy(x, t, Tensor(WEIGHT), label_smoothing=0.1)  # noqa: E731
    assert gradcheck(fn, [x, t]) and gradgradcheck(fn, [x, t])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_give_finite_loss_and_gradient(dtype):
    x = Tensor(np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4]], dtype=dtype), requires_grad=True)
    loss = tg.cross_entropy(x, Tensor(np.array([1, 0])), reduction="none")
    assert loss.dtype == dtype
    # sample 0: lse = 1e4, loss = 1e4 - 0; sample 1: lse = 1e4 + ln 2, loss = 2e4 + ln 2
    np.testing.assert_allclose(loss.data, [1e4, 2e4 + math.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[1, -1, 0], [-1, 0.5, 0.5]], atol=1e-6)
    assert np.all(np.isfinite(x.grad.data))


def test_dense_targets_and_unbatched():
    x = RNG.standard_normal((2, 3, 2, 2))
    t = np.array([[[0, 2], [1, 1]], [[2, 2], [0, -100]]])
    out = tg.cross_entropy(Tensor(x), Tensor(t), reduction="none")
    flat_x = x.transpose(0, 2, 3, 1).reshape(-1, 3)
    expected = reference_cross_entropy(flat_x, t.reshape(-1), reduction="none").reshape(2, 2, 2)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    np.testing.assert_allclose(tg.cross_entropy(Tensor(x), Tensor(t)).data,
                               reference_cross_entropy(flat_x, t.reshape(-1)), rtol=1e-13)
    single = tg.cross_entropy(Tensor(LOGITS[0]), Tensor(np.array(2)))
    assert single.shape == ()
    np.testing.assert_allclose(single.data, reference_cross_entropy(LOGITS[:1], np.array([2])))


# ------------------------------------------------------------------------ composed losses
def test_nll_loss_of_log_softmax_is_cross_entropy():
    x = Tensor(LOGITS, requires_grad=True)
    for reduction in ("mean", "sum", "none"):
        nll = tg.nll_loss(tg.log_softmax(x, 1), Tensor(INDICES), Tensor(WEIGHT),
                          reduction=reduction)
        ce = tg.cross_entropy(x, Tensor(INDICES), Tensor(WEIGHT), reduction=reduction)
        np.testing.assert_allclose(nll.data, ce.data, rtol=1e-13)
    fn = lambda x: tg.nll_loss(x, Tensor(INDICES), Tensor(WEIGHT))  # noqa: E731
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


def test_mse_loss():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    x = Tensor(a, requires_grad=True)
    np.testing.assert_allclose(tg.mse_loss(x, Tensor(b)).data, ((a - b) ** 2).mean())
    np.testing.assert_allclose(tg.mse_loss(x, Tensor(b), reduction="sum").data,
                               ((a - b) ** 2).sum())
    np.testing.assert_allclose(tg.mse_loss(x, Tensor(b), reduction="none").data, (a - b) ** 2)
    assert gradgradcheck(lambda x: tg.mse_loss(x, Tensor(b)), [x])


def reference_bce(x, t, w, pw):
    s = 1 / (1 + np.exp(-x))
    return -w * (pw * t * np.log(s) + (1 - t) * np.log(1 - s))


def test_binary_cross_entropy_with_logits():
    x = RNG.standard_normal((3, 4)) * 2
    t = RNG.uniform(0, 1, (3, 4))
    w, pw = RNG.uniform(0.5, 2, (3, 4)), RNG.uniform(0.5, 2, 4)
    out = tg.binary_cross_entropy_with_logits(Tensor(x), Tensor(t), Tensor(w), reduction="none",
                                              pos_weight=Tensor(pw))
    np.testing.assert_allclose(out.data, reference_bce(x, t, w, pw), rtol=1e-12)
    fn = lambda x, t: tg.binary_cross_entropy_with_logits(  # noqa: E731
        x, t, Tensor(w), pos_weight=Tensor(pw))
    xs, ts = Tensor(x, requires_grad=True), Tensor(t, requires_grad=True)
    assert gradcheck(fn, [xs, ts]) and gradgradcheck(fn, [xs, ts])


def test_binary_cross_entropy_with_logits_is_stable_and_exact_at_zero():
    x = Tensor(np.array([1e4, -1e4, 0.0, 0.0]), requires_grad=True)
    t = Tensor(np.array([0.0, 1.0, 1.0, 0.0]))
    loss = tg.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.data, [1e4, 1e4, math.log(2), math.log(2)])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, -0.5, 0.5])   # sigmoid(x) - t


def reference_multi_margin(x, y, p, margin, w):
    n, c = x.shape
    return np.array([sum(w[y[i]] * max(0.0, margin - x[i, y[i]] + x[i, k]) ** p
                         for k in range(c) if k != y[i]) / c for i in range(n)])


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(p):
    x = RNG.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    out = tg.multi_margin_loss(Tensor(x), Tensor(y), p, 0.8, Tensor(WEIGHT), reduction="none")
    np.testing.assert_allclose(out.data, reference_multi_margin(x, y, p, 0.8, WEIGHT),
                               rtol=1e-13)
    fn = lambda x: tg.multi_margin_loss(x, Tensor(y), p, 0.8, Tensor(WEIGHT))  # noqa: E731
    assert gradcheck(fn, [Tensor(x, requires_grad=True)])


def test_multi_margin_loss_is_the_cs231n_svm_loss_over_c():
    x = RNG.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    svm = np.mean([sum(max(0.0, x[i, k] - x[i, y[i]] + 1) for k in range(4) if k != y[i])
                   for i in range(5)])
    np.testing.assert_allclose(4 * tg.multi_margin_loss(Tensor(x), Tensor(y)).item(), svm,
                               rtol=1e-13)


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize("call, message", [
    (lambda: tg.cross_entropy(Tensor(LOGITS), Tensor(np.array([0, 1, 4, 0, 0, 0]))),
     r"cross_entropy: target 4 is out of bounds for input of shape \(6, 4\) "
     r"\(expected 0 <= target < 4 or target == ignore_index=-100\)"),
    (lambda: tg.cross_entropy(Tensor(LOGITS), Tensor(np.zeros(6))),
     r"cross_entropy: class-index target of shape \(6,\) must have an integer dtype, "
     r"got float64"),
    (lambda: tg.cross_entropy(Tensor(LOGITS), Tensor(np.zeros(5, dtype=np.int64))),
     r"cross_entropy: input of shape \(6, 4\) needs class indices of shape \(6,\) or "
     r"probabilities of shape \(6, 4\), got target of shape \(5,\)"),
    (lambda: tg.cross_entropy(Tensor(LOGITS), Tensor(INDICES), Tensor(np.ones(3))),
     r"cross_entropy: weight must have shape \(4,\), one per class of input \(6, 4\), "
     r"got \(3,\)"),
    (lambda: tg.cross_entropy(Tensor(LOGITS), Tensor(INDICES), reduction="avg"),
     r"cross_entropy: reduction must be one of \('none', 'mean', 'sum'\), got 'avg'"),
    (lambda: tg.cross_entropy(Tensor(np.ones((2, 3), dtype=np.int64)),
                              Tensor(np.zeros(2, dtype=np.int64))),
     r"cross_entropy: expected a floating point input, got dtype int64"),
    (lambda: tg.cross_entropy(Tensor(LOGITS), Tensor(INDICES), label_smoothing=1.5),
     r"cross_entropy: label_smoothing must be between 0 and 1, got 1.5"),
    (lambda: tg.cross_entropy(Tensor(LOGITS), Tensor(PROBS), ignore_index=0),
     r"cross_entropy: ignore_index \(0\) does not apply to class probability targets"),
    (lambda: tg.nll_loss(Tensor(LOGITS), Tensor(np.array([0, 1, 2, 3, 0, -1]))),
     r"nll_loss: target -1 is out of bounds"),
    (lambda: tg.multi_margin_loss(Tensor(LOGITS), Tensor(np.array([0, 1, 2, 3, 0, -100]))),
     r"multi_margin_loss: target -100 is out of bounds for input of shape \(6, 4\) "
     r"\(expected 0 <= target < 4\)"),
    (lambda: tg.mse_loss(Tensor(np.ones((2, 3))), Tensor(np.ones(3))),
     r"mse_loss: target shape \(3,\) must match input shape \(2, 3\)"),
    (lambda: tg.binary_cross_entropy_with_logits(Tensor(np.ones(3)), Tensor(np.ones(4))),
     r"binary_cross_entropy_with_logits: target shape \(4,\) must match input shape \(3,\)"),
])
def test_bad_input_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# ------------------------------------------------------------------------ torch
@pytest.mark.parametrize("kwargs", [
    dict(), dict(reduction="sum", label_smoothing=0.3), dict(weight=WEIGHT, ignore_index=3),
    dict(weight=WEIGHT, label_smoothing=0.2, reduction="none"), dict(probs=True),
    dict(probs=True, weight=WEIGHT, label_smoothing=0.1)])
def test_cross_entropy_against_torch(kwargs):
    torch = pytest.importorskip("torch")
    kwargs = dict(kwargs)
    target = PROBS if kwargs.pop("probs", False) else np.array([0, 3, 3, 2, 1, 3])
    weight = kwargs.pop("weight", None)
    x, tx = Tensor(LOGITS, requires_grad=True), torch.tensor(LOGITS, requires_grad=True)
    out = tg.cross_entropy(x, Tensor(target), None if weight is None else Tensor(weight), **kwargs)
    tout = torch.nn.functional.cross_entropy(
        tx, torch.tensor(target), None if weight is None else torch.tensor(weight), **kwargs)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_composed_losses_against_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, t = RNG.standard_normal((4, 5)), RNG.uniform(0, 1, (4, 5))
    y = np.array([1, 0, 4, 2])
    pairs = [
        (tg.mse_loss(Tensor(x), Tensor(t)), F.mse_loss(torch.tensor(x), torch.tensor(t))),
        (tg.binary_cross_entropy_with_logits(Tensor(x * 20), Tensor(t), pos_weight=Tensor(t[0])),
         F.binary_cross_entropy_with_logits(torch.tensor(x * 20), torch.tensor(t),
                                            pos_weight=torch.tensor(t[0]))),
        (tg.multi_margin_loss(Tensor(x), Tensor(y), p=2, margin=0.5, reduction="sum"),
         F.multi_margin_loss(torch.tensor(x), torch.tensor(y), p=2, margin=0.5, reduction="sum")),
        (tg.nll_loss(Tensor(x), Tensor(y), reduction="none"),
         F.nll_loss(torch.tensor(x), torch.tensor(y), reduction="none")),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_arguments_after_torchs_deprecated_size_average_are_keyword_only():
    """torch keeps size_average/reduce positional after `weight` (or after the target) in
    the functional losses, so a positional argument there means those in torch code: here
    it is a TypeError, never a different option silently."""
    import inspect
    import nn.functional as F
    first_keyword_only = {
        F.cross_entropy: "ignore_index", F.nll_loss: "ignore_index", F.mse_loss: "reduction",
        F.l1_loss: "reduction", F.smooth_l1_loss: "reduction", F.kl_div: "reduction",
        F.binary_cross_entropy: "reduction", F.binary_cross_entropy_with_logits: "reduction",
        F.multi_margin_loss: "reduction", F.margin_ranking_loss: "reduction",
        F.poisson_nll_loss: "eps", F.triplet_margin_loss: "reduction"}
    for fn, name in first_keyword_only.items():
        parameters = list(inspect.signature(fn).parameters.values())
        first = next(p for p in parameters if p.kind is p.KEYWORD_ONLY)
        assert first.name == name, fn
    x, t = Tensor(np.zeros((2, 3))), Tensor(np.array([0, 2]))
    with pytest.raises(TypeError):
        tg.cross_entropy(x, t, None, -1)        # torch: size_average=-1 (deprecated)
    assert tg.cross_entropy(x, t, None, ignore_index=2).item() == pytest.approx(math.log(3))


def test_loss_modules_take_torchs_positional_arguments_and_legacy_reductions():
    """The loss modules' constructors are torch's, argument for argument, including the
    deprecated size_average/reduce where torch has them: reduce=False means 'none', else
    size_average=False means 'sum', else 'mean' (whatever `reduction` says)."""
    import nn
    w = Tensor(np.array([1.0, 2.0, 3.0]))
    positional = [  # torch code calling the constructors positionally, and what it means
        (nn.CrossEntropyLoss(w, None, 2, False), {"ignore_index": 2, "reduction": "none"}),
        (nn.NLLLoss(None, False, 1), {"ignore_index": 1, "reduction": "sum"}),
        (nn.BCEWithLogitsLoss(None, None, None, "sum", w), {"reduction": "sum"}),
        (nn.MultiMarginLoss(2, 0.5, None, False), {"p": 2, "margin": 0.5, "reduction": "sum"}),
        (nn.SmoothL1Loss(None, None, "none", 0.5), {"beta": 0.5, "reduction": "none"}),
        (nn.BCELoss(None, True, False), {"reduction": "none"}),
        (nn.KLDivLoss(None, None, "batchmean", True), {"log_target": True}),
        (nn.MarginRankingLoss(0.3, False), {"margin": 0.3, "reduction": "sum"}),
        (nn.HingeEmbeddingLoss(2.0, None, False), {"margin": 2.0, "reduction": "none"}),
        (nn.CosineEmbeddingLoss(0.1, None, None, "sum"), {"margin": 0.1, "reduction": "sum"}),
        (nn.TripletMarginLoss(1.0, 1.0, 1e-3, True, False), {"swap": True, "reduction": "sum"}),
        (nn.MultiLabelSoftMarginLoss(None, False), {"reduction": "sum"}),
        (nn.PoissonNLLLoss(False, True, None, 1e-4, False),
         {"log_input": False, "full": True, "eps": 1e-4, "reduction": "none"}),
        (nn.MSELoss(None, False), {"reduction": "none"}), (nn.L1Loss(False), {"reduction": "sum"})]
    for module, options in positional:
        for name, value in options.items():
            assert getattr(module, name) == value, (type(module).__name__, name)
    assert nn.BCEWithLogitsLoss(None, None, None, "sum", w).pos_weight is not None
    assert nn.KLDivLoss(None, None, "batchmean").reduction == "batchmean"
    assert nn.KLDivLoss(size_average=False, reduction="batchmean").reduction == "sum"
    loss = nn.CrossEntropyLoss(size_average=False)(Tensor(np.zeros((2, 3))),
                                                  Tensor(np.array([0, 1])))
    assert loss.item() == pytest.approx(2 * math.log(3))


def test_loss_module_signatures_are_torchs():
    """Every loss module that torch has takes torch's parameters: same names, order, kinds
    and defaults."""
    torch = pytest.importorskip("torch")
    import inspect
    import nn

    def parameters(cls):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]
    names = [name for name in dir(nn) if name.endswith("Loss") and hasattr(torch.nn, name)]
    assert len(names) >= 20
    for name in names:
        assert parameters(getattr(nn, name)) == parameters(getattr(torch.nn, name)), name


def test_elementwise_weights_of_l1_mse_and_huber_as_torch():
    """torch 2.x: one weight per element; the mean divides by sum(w) for l1 and mse, by
    the count for huber (torch's own choice, kept)."""
    import nn.functional as F
    rng = np.random.default_rng(3)
    x, t, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0.1, 2, (3, 4))
    d = x - t
    huber = np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5)
    for fn, terms, mean in [(F.l1_loss, np.abs(d), np.sum(w * np.abs(d)) / w.sum()),
                            (F.mse_loss, d * d, np.sum(w * d * d) / w.sum()),
                            (F.huber_loss, huber, np.mean(w * huber))]:
        args = (Tensor(x), Tensor(t))
        np.testing.assert_allclose(fn(*args, reduction="none", weight=Tensor(w)).numpy(),
                                   w * terms, rtol=1e-15)
        assert fn(*args, reduction="sum", weight=Tensor(w)).item() == pytest.approx(
            np.sum(w * terms), rel=1e-14)
        assert fn(*args, weight=Tensor(w)).item() == pytest.approx(mean, rel=1e-14)
        xs = Tensor(x, requires_grad=True)
        assert gradcheck(lambda v: fn(v, Tensor(t), weight=Tensor(w)), [xs])
        with pytest.raises(ValueError, match=r"weight must have the input's shape \(3, 4\), "
                                             r"got \(4,\)"):
            fn(*args, weight=Tensor(w[0]))


@pytest.mark.parametrize("layout", ["transposed", "permuted", "clip-style"])
def test_cross_entropy_gradient_of_non_contiguous_logits(layout):
    """The logits' gradient comes out right whatever their memory layout (a transposed
    view once lost the -1 at the targets: the write went to a copy)."""
    import nn.functional as F
    rng = np.random.default_rng(11)
    values = rng.standard_normal((5, 5) if layout == "clip-style" else (2, 3, 4))
    target = Tensor(np.arange(5) if layout == "clip-style" else np.array([[0, 1, 2], [3, 0, 1]]))

    def loss(f, x):
        if layout == "clip-style":
            return (f(x, target) + f(x.T, target)) / 2
        view = x.transpose(1, 2) if layout == "transposed" else x.permute(0, 2, 1).contiguous()
        return f(view, target)

    fused = Tensor(values, requires_grad=True)
    loss(F.cross_entropy, fused).backward()
    composed = Tensor(values, requires_grad=True)
    loss(lambda x, t: F.nll_loss(F.log_softmax(x, 1), t), composed).backward()
    np.testing.assert_allclose(fused.grad.numpy(), composed.grad.numpy(), rtol=1e-12,
                               atol=1e-15)


def test_cross_entropy_over_no_positions():
    import nn.functional as F
    logits, target = tg.zeros((2, 3, 0)), tg.zeros((2, 0), dtype=tg.int64)
    assert np.isnan(F.cross_entropy(logits, target).item())       # 0/0, as torch
    assert F.cross_entropy(logits, target, reduction="sum").item() == 0.0
