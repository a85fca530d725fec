"""The modules ELU ... KLDivLoss: torch's reprs, state_dict keys, parameter shapes and init
(written out here, not read from torch), their forward passes, their errors, and (when
torch is importable) every functional form and module against torch on random cases."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import functional as F
from tinygrad_edu import Tensor

RNG = np.random.default_rng(1)


@pytest.mark.parametrize("module,text", [
    (nn.ELU(), "ELU(alpha=1.0)"),
    (nn.ELU(0.5, inplace=True), "ELU(alpha=0.5, inplace=True)"),
    (nn.SiLU(), "SiLU()"),
    (nn.SiLU(inplace=True), "SiLU(inplace=True)"),
    (nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softplus(2, 10), "Softplus(beta=2, threshold=10)"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 3, True), "Hardtanh(min_val=-2, max_val=3, inplace=True)"),
    (nn.ReLU6(), "ReLU6()"),
    (nn.ReLU6(inplace=True), "ReLU6(inplace=True)"),
    (nn.LogSigmoid(), "LogSigmoid()"),
    (nn.LayerNorm(4), "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"),
    (nn.LayerNorm([3, 4], eps=1e-3, elementwise_affine=False),
     "LayerNorm((3, 4), eps=0.001, elementwise_affine=False, bias=False)"),
    (nn.LayerNorm(4, bias=False),
     "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=False)"),
    (nn.GroupNorm(2, 4), "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"),
    (nn.GroupNorm(2, 4, affine=False), "GroupNorm(2, 4, eps=1e-05, affine=False, bias=False)"),
    (nn.Embedding(10, 3), "Embedding(10, 3)"),
    (nn.Embedding(10, 3, padding_idx=-1), "Embedding(10, 3, padding_idx=9)"),
    (nn.Unflatten(1, (2, 3)), "Unflatten(dim=1, unflattened_size=(2, 3))"),
    (nn.Unflatten(-1, [2, -1]), "Unflatten(dim=-1, unflattened_size=[2, -1])"),
    (nn.L1Loss(), "L1Loss()"),
    (nn.SmoothL1Loss(beta=0.5), "SmoothL1Loss()"),
    (nn.HuberLoss(delta=2.0), "HuberLoss()"),
    (nn.BCELoss(weight=tg.ones(2)), "BCELoss()"),
    (nn.KLDivLoss(reduction="batchmean", log_target=True), "KLDivLoss()"),
])
def test_reprs_are_torchs(module, text):
    assert repr(module) == text


@pytest.mark.parametrize("module,expected", [
    (nn.LayerNorm(4), {"weight": (4,), "bias": (4,)}),
    (nn.LayerNorm((3, 4)), {"weight": (3, 4), "bias": (3, 4)}),
    (nn.LayerNorm(4, bias=False), {"weight": (4,)}),
    (nn.LayerNorm(4, elementwise_affine=False), {}),
    (nn.GroupNorm(3, 6), {"weight": (6,), "bias": (6,)}),
    (nn.GroupNorm(3, 6, bias=False), {"weight": (6,)}),
    (nn.GroupNorm(3, 6, affine=False), {}),
    (nn.Embedding(7, 5, padding_idx=0), {"weight": (7, 5)}),
    (nn.Sequential(nn.Embedding(7, 4), nn.LayerNorm(4), nn.SiLU(), nn.Unflatten(2, (2, 2)),
                   nn.GroupNorm(1, 3)),
     {"0.weight": (7, 4), "1.weight": (4,), "1.bias": (4,), "4.weight": (3,), "4.bias": (3,)}),
    (nn.Sequential(nn.ELU(), nn.Softplus(), nn.Hardtanh(), nn.ReLU6(), nn.LogSigmoid()), {}),
])
def test_state_dict_keys_and_parameter_shapes(module, expected):
    state = module.state_dict()
    assert list(state) == list(expected)                       # names and order
    assert {k: tuple(v.shape) for k, v in state.items()} == expected
    assert [name for name, _ in module.named_parameters()] == list(expected)


def test_loss_weights_are_buffers_not_parameters():
    loss = nn.BCELoss(weight=Tensor([1.0, 2.0]))
    assert list(loss.state_dict()) == ["weight"] and not list(loss.parameters())
    assert loss.double().weight.dtype == np.float64
    for cls in (nn.L1Loss, nn.SmoothL1Loss, nn.HuberLoss, nn.KLDivLoss, nn.BCELoss):
        assert list(cls().state_dict()) == []


def test_norm_parameters_start_at_one_and_zero():
    for module, size in ((nn.LayerNorm((2, 3)), (2, 3)), (nn.GroupNorm(2, 4), (4,))):
        assert module.weight.numpy().tolist() == np.ones(size).tolist()
        assert module.bias.numpy().tolist() == np.zeros(size).tolist()
        assert module.weight.dtype == np.float32 and module.weight.requires_grad
    assert nn.LayerNorm(3, dtype="float64").weight.dtype == np.float64
    assert nn.GroupNorm(1, 3, dtype=tg.float64).bias.dtype == np.float64


def test_embedding_init_is_standard_normal_seeded_with_a_zero_padding_row():
    tg.manual_seed(0)
    table = nn.Embedding(400, 50, padding_idx=3).weight.numpy()
    assert table.dtype == np.float32 and table.shape == (400, 50)
    assert not table[3].any() and table[4].all()
    rest = np.delete(table, 3, axis=0)
    assert abs(rest.mean()) < 0.01 and rest.std() == pytest.approx(1.0, rel=0.02)
    tg.manual_seed(0)
    assert np.array_equal(nn.Embedding(400, 50, padding_idx=3).weight.numpy(), table)
    assert nn.Embedding(4, 2, padding_idx=-1).padding_idx == 3
    assert nn.Embedding(4, 2, dtype="float64").weight.dtype == np.float64


def test_embedding_forward_and_padding_row_stays_put_under_training():
    tg.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=0)
    idx = Tensor([[0, 1, 1], [4, 0, 2]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    assert np.array_equal(out.numpy()[0, 1], emb.weight.numpy()[1])
    optimizer = nn.optim.SGD(emb.parameters(), lr=0.5)
    before = emb.weight.numpy().copy()
    (out ** 2).sum().backward()
    optimizer.step()
    after = emb.weight.numpy()
    assert not after[0].any()                                   # padding row: no gradient
    assert np.array_equal(after[3], before[3])                  # never looked up
    np.testing.assert_allclose(after[1], before[1] - 0.5 * 2 * 2 * before[1], rtol=1e-6)


def test_embedding_from_pretrained():
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(Tensor(table))
    assert not frozen.weight.requires_grad and frozen.weight.dtype == np.float64
    assert frozen(Tensor([2, 0])).numpy().tolist() == [[4.0, 5.0], [0.0, 1.0]]
    table[0, 0] = 99.0
    assert frozen.weight.numpy()[0, 0] == 0.0                    # a copy
    trainable = nn.Embedding.from_pretrained([[1.0, 2.0]], freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.weight.dtype == np.float32
    assert trainable.weight.numpy().tolist() == [[1.0, 2.0]]     # padding row kept as given
    with pytest.raises(ValueError, match=r"^Embedding.from_pretrained: embeddings must be 2-D"):
        nn.Embedding.from_pretrained(Tensor([1.0, 2.0]))

    w = Tensor([[1, 2.3, 3], [4, 5.1, 6.3]])                          # torch's example
    bag = nn.EmbeddingBag.from_pretrained(w)
    np.testing.assert_allclose(bag(Tensor([[1, 0]])).numpy(), [[2.5, 3.7, 4.65]], rtol=1e-6)
    assert not bag.weight.requires_grad and bag.mode == "mean"
    summed = nn.EmbeddingBag.from_pretrained(w, mode="sum", freeze=False)
    assert summed.weight.requires_grad and summed(Tensor([[1, 0]])).shape == (1, 3)


@pytest.mark.parametrize("module,function", [
    (nn.ELU(0.3), lambda x: F.elu(x, 0.3)),
    (nn.SiLU(), F.silu),
    (nn.Softplus(2.0, 3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    (nn.Hardtanh(-0.5, 0.75), lambda x: F.hardtanh(x, -0.5, 0.75)),
    (nn.ReLU6(), F.relu6),
    (nn.LogSigmoid(), F.logsigmoid),
    (nn.LayerNorm((4, 5), eps=0.1, bias=False), lambda x: F.layer_norm(x, (4, 5), eps=0.1)),
    (nn.GroupNorm(2, 4), lambda x: F.group_norm(x, 2)),
])
def test_modules_compute_their_functional_form(module, function):
    x = Tensor(RNG.standard_normal((3, 4, 5)) * 4, dtype=np.float32)   # (the modules' dtype)
    assert np.array_equal(module(x).numpy(), function(x).numpy())


def test_loss_modules_pass_their_options():
    x, y = Tensor(RNG.uniform(0.1, 0.9, (2, 3))), Tensor(RNG.uniform(0, 1, (2, 3)))
    w = Tensor(RNG.uniform(0, 2, 3))
    pairs = [(nn.L1Loss(reduction="sum"), F.l1_loss(x, y, reduction="sum")),
             (nn.SmoothL1Loss(reduction="none", beta=0.2),
              F.smooth_l1_loss(x, y, reduction="none", beta=0.2)),
             (nn.HuberLoss(delta=0.3), F.huber_loss(x, y, delta=0.3)),
             (nn.BCELoss(w, reduction="sum"), F.binary_cross_entropy(x, y, w, reduction="sum")),
             (nn.KLDivLoss(reduction="batchmean", log_target=True),
              F.kl_div(x, y, reduction="batchmean", log_target=True))]
    for module, expected in pairs:
        assert np.array_equal(module(x, y).numpy(), expected.numpy())
    with pytest.warns(UserWarning, match="batchmean"):
        nn.KLDivLoss()(x, y)


def test_unflatten():
    x = Tensor(RNG.standard_normal((2, 12)), requires_grad=True)
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4)
    assert nn.Unflatten(-1, (2, -1, 3))(x).shape == (2, 2, 2, 3)
    assert nn.Unflatten(0, [1, 2])(x).shape == (1, 2, 12)
    assert nn.Unflatten(1, (12,))(x).shape == (2, 12)
    round_trip = nn.Flatten()(nn.Unflatten(1, (3, 4))(x))
    assert np.array_equal(round_trip.numpy(), x.numpy())
    (round_trip * Tensor(np.arange(24.0).reshape(2, 12))).sum().backward()
    assert x.grad.numpy().tolist() == np.arange(24.0).reshape(2, 12).tolist()


def test_module_errors():
    with pytest.raises(ValueError, match=r"^Hardtanh: max_val \(1\) must be greater than "
                                         r"min_val \(1\)"):
        nn.Hardtanh(1, 1)
    with pytest.raises(ValueError, match=r"^GroupNorm: num_channels \(3\) must be divisible by "
                                         r"num_groups \(2\)"):
        nn.GroupNorm(2, 3)
    with pytest.raises(ValueError, match=r"^Embedding: padding_idx=4 must be within "
                                         r"num_embeddings=4"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(ValueError, match=r"^Embedding: padding_idx=-5 must be within"):
        nn.Embedding(4, 2, padding_idx=-5)
    with pytest.raises(ValueError, match=r"^L1Loss: reduction must be one of 'mean', 'sum', "
                                         r"'none', got 'batchmean'"):
        nn.L1Loss(reduction="batchmean")
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
    with pytest.raises(ValueError, match=r"^KLDivLoss: reduction must be one of .*'batchmean'"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"^layer_norm: normalized_shape \(3,\) expects input "
                                         r"of shape \(\*, 3\), got \(2, 4\)"):
        nn.LayerNorm(3)(tg.ones(2, 4))
    with pytest.raises(ValueError, match=r"^group_norm: expected weight of shape \(4,\) for input "
                                         r"of shape \(2, 4, 3\), got \(6,\)"):
        nn.GroupNorm(2, 6)(tg.ones(2, 4, 3))
    with pytest.raises(TypeError, match=r"^Unflatten: unflattened_size must be a tuple of ints, "
                                        r"got int"):
        nn.Unflatten(1, 3)
    with pytest.raises(TypeError, match=r"got float at position 1"):
        nn.Unflatten(1, (2, 3.0))
    with pytest.raises(ValueError, match=r"^Unflatten: sizes \(2, 4\) don't multiply up to the "
                                         r"size 6 of dim 1 of input \(3, 6\)"):
        nn.Unflatten(1, (2, 4))(tg.zeros(3, 6))
    for sizes in ((4, -1), (-1, -1), (0, -1)):
        with pytest.raises(ValueError, match=r"don't multiply up"):
            nn.Unflatten(1, sizes)(tg.zeros(3, 6))
    with pytest.raises(IndexError, match=r"^Unflatten: dim 2 is out of range"):
        nn.Unflatten(2, (2, 3))(tg.zeros(3, 6))


# ---------------------------------------------------------------------------- against torch
def _case(rng: np.random.Generator, name: str):
    """(positional args, kwargs, which args are differentiable) for F.name on random data."""
    def r(*shape, scale=1.0):
        return rng.standard_normal(shape) * scale

    def probs(*shape):
        return rng.uniform(0.02, 0.98, shape)

    x = r(3, 4, 5, scale=4)
    log_q = np.log(rng.dirichlet(np.ones(5), 4))
    cases = {
        "elu": ([x], dict(alpha=rng.uniform(0.1, 2)), [0]),
        "silu": ([x], {}, [0]),
        "softplus": ([x], dict(beta=rng.uniform(0.5, 3), threshold=rng.uniform(2, 20)), [0]),
        "hardtanh": ([x], dict(min_val=-rng.uniform(0.5, 3), max_val=rng.uniform(0.5, 3)), [0]),
        "relu6": ([x * 2], {}, [0]),
        "logsigmoid": ([x * 50], {}, [0]),
        "layer_norm": ([x, (4, 5), r(4, 5), r(4, 5)], dict(eps=1e-5), [0, 2, 3]),
        "group_norm": ([r(2, 6, 3, 2), int(rng.choice([1, 2, 3, 6])), r(6), r(6)], {},
                       [0, 2, 3]),
        "embedding": ([rng.integers(0, 6, (3, 4)), r(6, 3)], dict(padding_idx=2), [1]),
        "one_hot": ([rng.integers(0, 5, (2, 3))], dict(num_classes=6), []),
        "normalize": ([r(3, 4)], dict(p=float(rng.choice([1, 2, 3, np.inf])), dim=-1), [0]),
        "cosine_similarity": ([r(2, 3, 4), r(3, 4)], dict(dim=-1), [0, 1]),
        "l1_loss": ([r(3, 4), r(3, 4)], dict(reduction="sum"), [0, 1]),
        "smooth_l1_loss": ([r(3, 4), r(3, 4)], dict(beta=rng.uniform(0.1, 2)), [0, 1]),
        "huber_loss": ([r(3, 4), r(3, 4)], dict(delta=rng.uniform(0.1, 2), reduction="none"),
                       [0, 1]),
        "binary_cross_entropy": ([probs(3, 4), probs(3, 4), rng.uniform(0, 2, 4)], {}, [0, 1]),
        "kl_div": ([log_q, rng.dirichlet(np.ones(5), 4)], dict(reduction="batchmean"), [0, 1]),
        "kl_div_log_target": ([log_q, np.log(rng.dirichlet(np.ones(5), 4))],
                              dict(reduction="sum", log_target=True), [0, 1]),
    }
    return cases[name]


@pytest.mark.parametrize("name", ["elu", "silu", "softplus", "hardtanh", "relu6", "logsigmoid",
                                  "layer_norm", "group_norm", "embedding", "one_hot", "normalize",
                                  "cosine_similarity", "l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy", "kl_div", "kl_div_log_target"])
def test_functional_forms_match_torch(name):
    torch = pytest.importorskip("torch")
    function = name.replace("_log_target", "")
    for seed in range(5):
        rng = np.random.default_rng(seed)
        args, kwargs, differentiable = _case(rng, name)
        ours = [Tensor(a, requires_grad=i in differentiable) if isinstance(a, np.ndarray) else a
                for i, a in enumerate(args)]
        theirs = [torch.tensor(a, requires_grad=i in differentiable)
                  if isinstance(a, np.ndarray) else a for i, a in enumerate(args)]
        out, expected = getattr(F, function)(*ours, **kwargs), getattr(
            torch.nn.functional, function)(*theirs, **kwargs)
        assert out.shape == tuple(expected.shape) and out.dtype.name == str(expected.dtype)[6:]
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12,
                                   atol=1e-15)
        if not differentiable:
            continue
        v = rng.standard_normal(out.shape)
        grads = tg.grad((out * Tensor(v)).sum(), [ours[i] for i in differentiable])
        expected_grads = torch.autograd.grad((expected * torch.tensor(v)).sum(),
                                             [theirs[i] for i in differentiable])
        for g, e in zip(grads, expected_grads):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("build,make_input", [
    (lambda m: m.ELU(0.7), lambda rng: rng.standard_normal((2, 3, 4)) * 3),
    (lambda m: m.SiLU(), lambda rng: rng.standard_normal((2, 3, 4)) * 3),
    (lambda m: m.Softplus(1.5, 4.0), lambda rng: rng.standard_normal((2, 3, 4)) * 3),
    (lambda m: m.Hardtanh(-0.3, 1.2), lambda rng: rng.standard_normal((2, 3, 4))),
    (lambda m: m.ReLU6(), lambda rng: rng.standard_normal((2, 3, 4)) * 5),
    (lambda m: m.LogSigmoid(), lambda rng: rng.standard_normal((2, 3, 4)) * 30),
    (lambda m: m.LayerNorm((3, 4)), lambda rng: rng.standard_normal((2, 3, 4))),
    (lambda m: m.LayerNorm(4, elementwise_affine=False), lambda rng: rng.standard_normal((2, 4))),
    (lambda m: m.GroupNorm(3, 6), lambda rng: rng.standard_normal((2, 6, 2, 2))),
    (lambda m: m.GroupNorm(2, 6, affine=False), lambda rng: rng.standard_normal((2, 6, 5))),
    (lambda m: m.Embedding(7, 3, padding_idx=1), lambda rng: rng.integers(0, 7, (4, 5))),
    (lambda m: m.Unflatten(1, (2, -1)), lambda rng: rng.standard_normal((3, 8))),
])
def test_modules_match_torch(build, make_input):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs, ours = build(torch.nn).double(), build(nn).double()
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x_np = make_input(rng)
    floating = x_np.dtype.kind == "f"
    x, x_t = Tensor(x_np, requires_grad=floating), torch.tensor(x_np, requires_grad=floating)
    out, expected = ours(x), theirs(x_t)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-15)
    v = rng.standard_normal(out.shape)
    (out * Tensor(v)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    if floating:
        np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-13)
    params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(params[name].grad.numpy(), p.grad.numpy(), rtol=1e-10,
                                   atol=1e-13)


@pytest.mark.parametrize("build", [
    lambda m: m.L1Loss(), lambda m: m.SmoothL1Loss(reduction="sum", beta=0.3),
    lambda m: m.HuberLoss(reduction="none", delta=0.4), lambda m: m.BCELoss(),
    lambda m: m.KLDivLoss(reduction="batchmean"),
    lambda m: m.KLDivLoss(reduction="sum", log_target=True)])
def test_loss_modules_match_torch(build):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x_np, y_np = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0.0, 1.0, (4, 3))
    theirs, ours = build(torch.nn), build(nn)
    if isinstance(ours, nn.KLDivLoss):
        x_np = np.log(x_np)
        y_np = np.log(y_np) if ours.log_target else y_np
    x, x_t = Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    out, expected = ours(x, Tensor(y_np)), theirs(x_t, torch.tensor(y_np))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_edge_values_match_torch():
    """The stable forms agree with torch where a naive formula would not."""
    torch = pytest.importorskip("torch")
    x = np.array([-1000.0, -40.0, -1e-12, 0.0, 1e-12, 19.9, 20.0, 20.1, 1000.0])
    for name in ("elu", "silu", "softplus", "logsigmoid", "hardtanh", "relu6"):
        ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = getattr(F, name)(ours), getattr(torch.nn.functional, name)(theirs)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-14)
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-14,
                                   err_msg=name)
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.3])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(
        F.binary_cross_entropy(Tensor(p), Tensor(y), reduction="none").numpy(),
        torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y),
                                                 reduction="none").numpy(), rtol=1e-15)
    zero = np.zeros(3)
    np.testing.assert_array_equal(F.normalize(Tensor(zero), dim=0).numpy(),
                                  torch.nn.functional.normalize(torch.tensor(zero), dim=0))
    assert math.isclose(F.cosine_similarity(Tensor(zero), Tensor(np.ones(3)), dim=0).item(),
                        torch.nn.functional.cosine_similarity(torch.tensor(zero),
                                                              torch.ones(3, dtype=torch.float64),
                                                              dim=0).item())


def test_embedding_max_norm_rescales_the_rows_looked_up_in_place():
    table = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    layer = nn.Embedding.from_pretrained(table.copy(), freeze=False, max_norm=1.0)
    assert repr(layer) == "Embedding(3, 2, max_norm=1.0)"
    out = layer(Tensor(np.array([0, 1, 0])))
    scale = 1.0 / (5.0 + 1e-7)                      # torch's max_norm / (norm + 1e-7)
    np.testing.assert_allclose(out.numpy(), [[3 * scale, 4 * scale], [0.3, 0.4],
                                             [3 * scale, 4 * scale]], rtol=1e-12)
    np.testing.assert_allclose(layer.weight.numpy()[0], [3 * scale, 4 * scale], rtol=1e-12)
    np.testing.assert_array_equal(layer.weight.numpy()[2], [6.0, 8.0])   # not looked up
    assert layer.weight._version == 1
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [[2, 2], [1, 1], [0, 0]])
