"""nn.AdaptiveLogSoftmaxWithLoss: structure, values from the definition, gradients, errors,
and (when torch is installed) a seeded sweep against torch.nn.AdaptiveLogSoftmaxWithLoss."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.adaptive_softmax import AdaptiveLogSoftmaxWithLoss, _ASMoutput


def _module(*args, **kwargs) -> AdaptiveLogSoftmaxWithLoss:
    tg.manual_seed(0)
    return AdaptiveLogSoftmaxWithLoss(*args, dtype=tg.float64, **kwargs)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def _reference_log_prob(m: AdaptiveLogSoftmaxWithLoss, x: np.ndarray) -> np.ndarray:
    """The definition in numpy: shortlist from the head, cluster i = head's entry + tail_i."""
    head = x @ m.head.weight.numpy().T + (m.head.bias.numpy() if m.head_bias else 0)
    head = _log_softmax(head)
    parts = [head[:, :m.shortlist_size]]
    for i, (i2h, h2o) in enumerate(m.tail):
        tail = _log_softmax(x @ i2h.weight.numpy().T @ h2o.weight.numpy().T)
        parts.append(tail + head[:, m.shortlist_size + i, None])
    return np.concatenate(parts, 1)


def test_structure_and_parameter_names():
    m = _module(10, 20, [4, 9, 15], div_value=2.0, head_bias=True)
    assert m.cutoffs == [4, 9, 15, 20]
    assert (m.shortlist_size, m.n_clusters, m.head_size) == (4, 3, 7)
    assert len(m.tail) == 3 and all(len(t) == 2 for t in m.tail)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert list(shapes.items()) == [
        ("head.weight", (7, 10)), ("head.bias", (7,)),
        ("tail.0.0.weight", (5, 10)), ("tail.0.1.weight", (5, 5)),
        ("tail.1.0.weight", (2, 10)), ("tail.1.1.weight", (6, 2)),
        ("tail.2.0.weight", (1, 10)), ("tail.2.1.weight", (5, 1))]
    assert "head.bias" not in dict(_module(10, 20, [4]).named_parameters())
    before = m.head.weight.numpy().copy()
    m.reset_parameters()
    assert not np.allclose(m.head.weight.numpy(), before)
    assert np.abs(m.head.weight.numpy()).max() <= 1 / np.sqrt(10)


def test_values_follow_the_definition():
    m = _module(6, 12, [3, 7], head_bias=True, div_value=1.5)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((9, 6)), np.array([0, 2, 3, 6, 7, 11, 1, 8, 4])
    full = _reference_log_prob(m, x)
    np.testing.assert_allclose(np.exp(full).sum(1), 1, rtol=1e-12)
    out = m(tg.tensor(x), tg.tensor(y))
    assert isinstance(out, _ASMoutput) and out._fields == ("output", "loss")
    np.testing.assert_allclose(out.output.numpy(), full[np.arange(9), y], rtol=1e-12)
    np.testing.assert_allclose(out.loss.item(), -full[np.arange(9), y].mean(), rtol=1e-12)
    np.testing.assert_allclose(m.log_prob(tg.tensor(x)).numpy(), full, rtol=1e-12)
    pred = m.predict(tg.tensor(x))
    assert pred.dtype == tg.int64 and pred.numpy().tolist() == full.argmax(1).tolist()


def test_unbatched_and_empty_batch():
    m = _module(5, 9, [2, 6])
    x = np.random.default_rng(2).standard_normal((3, 5))
    batched = m(tg.tensor(x), tg.tensor([1, 4, 8])).output.numpy()
    for n, y in enumerate([1, 4, 8]):
        single = m(tg.tensor(x[n]), tg.tensor(y))
        assert single.output.shape == () and single.loss.shape == ()
        np.testing.assert_allclose(single.output.item(), batched[n], rtol=1e-13)
        np.testing.assert_allclose(single.loss.item(), -batched[n], rtol=1e-13)
    empty = m(tg.zeros(0, 5, dtype=tg.float64), tg.zeros(0, dtype=tg.int64))
    assert empty.output.shape == (0,) and np.isnan(empty.loss.item())


def test_int32_target_and_float32_module():
    tg.manual_seed(0)
    m = AdaptiveLogSoftmaxWithLoss(4, 8, [3])
    assert m.head.weight.dtype == tg.float32
    x = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    a = m(tg.tensor(x), tg.tensor(np.array([0, 3, 7, 2], dtype=np.int32)))
    b = m(tg.tensor(x), tg.tensor([0, 3, 7, 2]))
    assert a.output.dtype == tg.float32
    np.testing.assert_array_equal(a.output.numpy(), b.output.numpy())


@pytest.mark.parametrize("target", [[0, 1, 2, 3, 4], [5, 9, 9, 12, 13], [0, 6, 13, 1, 2]])
def test_gradcheck_loss_wrt_input(target):
    """Targets all in the shortlist, all in the clusters, mixed; cluster 2 has one hidden
    unit (4 // 2**2)."""
    m = _module(4, 14, [5, 9], div_value=2.0, head_bias=True)
    x = tg.randn(5, 4, dtype=tg.float64, requires_grad=True)
    y = tg.tensor(target)
    assert tg.gradcheck(lambda x: m(x, y).loss, [x])
    assert tg.gradgradcheck(lambda x: m(x, y).output, [x])
    assert tg.gradcheck(lambda x: m.log_prob(x), [x])


def test_gradcheck_unbatched_and_zero_width_cluster():
    m = _module(3, 10, [2, 5])            # cluster 2 has 3 // 16 = 0 hidden units
    assert m.tail[1][0].weight.shape == (0, 3)
    x = tg.randn(3, dtype=tg.float64, requires_grad=True)
    for y in (0, 4, 9):
        assert tg.gradcheck(lambda x: m(x, tg.tensor(y)).loss, [x])
    ones = np.ones((2, 3))
    out = m(tg.tensor(ones), tg.tensor([7, 9])).output.numpy()
    full = _reference_log_prob(m, ones)
    np.testing.assert_allclose(out, full[[0, 1], [7, 9]], rtol=1e-12)
    head = m.head(tg.tensor(ones)).log_softmax(1).numpy()    # its cluster-2 entry: column 3
    np.testing.assert_allclose(full[:, 5:], head[:, 3:] - np.log(5) + np.zeros((2, 5)),
                               rtol=1e-12)         # zero hidden units: uniform over 5 classes


def test_parameter_gradients_reach_only_used_clusters():
    m = _module(6, 12, [3, 7])
    x = tg.randn(4, 6, dtype=tg.float64)
    m(x, tg.tensor([0, 1, 4, 5])).loss.backward()
    assert m.tail[0][0].weight.grad is not None and m.tail[1][0].weight.grad is None
    assert np.abs(m.tail[0][1].weight.grad.numpy()).sum() > 0


@pytest.mark.parametrize("bias_shift", [+50.0, -50.0, 0.0])
def test_predict_branches_match_log_prob_argmax(bias_shift):
    """Head pushed to the shortlist (+), to the clusters (-), or mixed rows (0)."""
    m = _module(5, 15, [4, 8, 12], head_bias=True, div_value=1.0)
    rng = np.random.default_rng(4)
    with tg.no_grad():
        m.head.bias[:4] = m.head.bias[:4] + bias_shift
        for i2h, h2o in m.tail:
            h2o.weight.copy_(tg.tensor(rng.standard_normal(h2o.weight.shape) * 5))
    x = tg.tensor(rng.standard_normal((40, 5)))
    head_argmax = m.head(x).argmax(1).numpy()
    n_shortlist = int((head_argmax < 4).sum())
    assert n_shortlist == {50.0: 40, -50.0: 0}.get(bias_shift, n_shortlist)
    assert 0 < n_shortlist < 40 or bias_shift != 0
    pred = m.predict(x).numpy()
    assert pred.tolist() == m.log_prob(x).numpy().argmax(1).tolist()
    assert not m.predict(x).requires_grad


@pytest.mark.parametrize("cutoffs", [[], [5, 2], [0, 3], [3, 10], [3, 3], [2.5], [-1]])
def test_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError, match="AdaptiveLogSoftmaxWithLoss: cutoffs should be"):
        AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)


@pytest.mark.parametrize("x_shape, target, error, message", [
    ((3, 4), [0, 1], RuntimeError,
     r"same size in the batch dimension. Got input shape \(3, 4\) and target shape \(2,\)"),
    ((4,), [0, 1, 2, 3], RuntimeError, r"1D target tensor expects 2D input tensors.*\(4,\)"),
    ((2, 2, 4), [0, 1], RuntimeError, r"1D target tensor expects 2D input.*\(2, 2, 4\)"),
    ((2, 4), 1, RuntimeError, r"0D target tensor expects 1D input tensors.*\(2, 4\)"),
    ((2, 4), [[0, 1]], RuntimeError, r"0D or 1D target tensor expected.*\(1, 2\)"),
    ((2, 4), [0, 10], RuntimeError, r"Target values should be in \[0, 9\], but values in "
                                    r"range \[0, 10\] were found"),
    ((2, 4), [-1, 3], RuntimeError, r"should be in \[0, 9\].*range \[-1, 3\]"),
    ((4,), -2, RuntimeError, r"should be in \[0, 9\].*range \[-2, -2\]"),
    ((2, 5), [0, 1], ValueError, r"input of shape \(N, in_features\) with in_features = 4, "
                                 r"got shape \(2, 5\)"),
    ((5,), 1, ValueError, r"input of shape \(in_features,\) with in_features = 4, got shape "
                          r"\(5,\)"),
    ((2, 4), [0.0, 1.0], TypeError, "integer dtype, got float"),
])
def test_forward_errors(x_shape, target, error, message):
    m = _module(4, 10, [3, 6])
    with pytest.raises(error, match="AdaptiveLogSoftmaxWithLoss: .*" + message):
        m(tg.zeros(*x_shape, dtype=tg.float64), tg.tensor(target))


def test_log_prob_predict_and_dtype_errors():
    m = _module(4, 10, [3, 6])
    for method in ("log_prob", "predict"):
        with pytest.raises(ValueError, match=rf"AdaptiveLogSoftmaxWithLoss.{method}: expected "
                                             r"input of shape \(N, in_features\).*\(4,\)"):
            getattr(m, method)(tg.zeros(4, dtype=tg.float64))
    with pytest.raises(TypeError, match="input dtype float32 does not match the parameters' "
                                        "dtype float64"):
        m(tg.zeros(2, 4), tg.tensor([0, 1]))


# ---------------------------------------------------------------- against torch


def _config(rng: np.random.Generator) -> dict:
    n_classes = int(rng.integers(2, 30))
    k = int(rng.integers(1, min(4, n_classes - 1) + 1))
    cutoffs = sorted(rng.choice(np.arange(1, n_classes), k, replace=False).tolist())
    return dict(in_features=int(rng.integers(1, 13)), n_classes=n_classes, cutoffs=cutoffs,
                div_value=float(rng.choice([1.0, 1.5, 2.0, 4.0])),
                head_bias=bool(rng.integers(2)))


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch_sweep(dtype):
    torch = pytest.importorskip("torch")
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-6)
    rng, worst = np.random.default_rng(21 if dtype == "float64" else 22), 0.0
    for case in range(52):                     # 104 configurations over the two dtypes
        cfg = _config(rng)
        torch.manual_seed(case)
        theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(**cfg, dtype=getattr(torch, dtype))
        ours = AdaptiveLogSoftmaxWithLoss(**cfg, dtype=getattr(tg, dtype))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        n, c = int(rng.integers(1, 10)), cfg["n_classes"]
        top = c if rng.random() < 0.8 else cfg["cutoffs"][0]     # sometimes shortlist only
        x = rng.standard_normal((n, cfg["in_features"])).astype(dtype)
        y = rng.integers(0, top, n)
        if rng.random() < 0.2:                                  # unbatched
            x, y = x[0], y[0]
        xa, xb = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
        a, b = theirs(xa, torch.tensor(y)), ours(xb, tg.tensor(y))
        assert b.output.shape == tuple(a.output.shape) and b.output.dtype == getattr(tg, dtype)
        a.loss.backward()
        b.loss.backward()
        x2 = np.atleast_2d(x)
        pairs = [(b.output, a.output), (b.loss, a.loss), (xb.grad, xa.grad),
                 (ours.log_prob(tg.tensor(x2)), theirs.log_prob(torch.tensor(x2)))]
        mine = dict(ours.named_parameters())
        for name, p in theirs.named_parameters():
            assert (mine[name].grad is None) == (p.grad is None), name
            if p.grad is not None:
                pairs.append((mine[name].grad, p.grad))
        for got, want in pairs:
            got, want = got.numpy(), want.detach().numpy()
            np.testing.assert_allclose(got, want, **tol)
            worst = max(worst, float(np.abs(got - want).max(initial=0)))
        np.testing.assert_array_equal(ours.predict(tg.tensor(x2)).numpy(),
                                      theirs.predict(torch.tensor(x2)).numpy())
    assert worst < (1e-12 if dtype == "float64" else 1e-5)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_torch_raises_where_we_raise():
    torch = pytest.importorskip("torch")
    for cutoffs in ([], [5, 2], [3, 10], [3, 3], [2.5]):
        with pytest.raises(ValueError) as theirs:
            torch.nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)
        with pytest.raises(ValueError) as ours:
            AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)
        assert str(theirs.value) in str(ours.value).replace(" = 9, got " + str(cutoffs), "")
    m, t = _module(4, 10, [3, 6]), torch.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 6]).double()
    for shape, target in (((3, 4), [0, 1]), ((4,), [0, 1, 2, 3]), ((2, 4), 1),
                          ((2, 4), [[0, 1]]), ((2, 4), [0, 10])):
        with pytest.raises(RuntimeError) as theirs:
            t(torch.zeros(shape, dtype=torch.float64), torch.tensor(target))
        with pytest.raises(RuntimeError) as ours:
            m(tg.zeros(*shape, dtype=tg.float64), tg.tensor(target))
        first_sentence = str(theirs.value).split(",")[0].split(" but ")[0]
        assert first_sentence in str(ours.value)


def test_reachable_where_torch_keeps_it():
    assert nn.AdaptiveLogSoftmaxWithLoss is AdaptiveLogSoftmaxWithLoss
    assert nn.modules.adaptive._ASMoutput is _ASMoutput
