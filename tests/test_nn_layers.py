"""Layers: torch's default initialisation, BatchNorm statistics, functional forms, gradients,
and (when torch is importable) the same outputs as torch for the same weights."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import functional as F
from nn import init


def spread(values: np.ndarray, bound: float) -> None:
    """Uniform on (-bound, bound): inside it, reaching near its edges, std bound / sqrt(3)."""
    n = values.size
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > (1 - 5 / n) * bound
    if n >= 1000:
        assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_default_init_is_torchs_formula():
    tg.manual_seed(0)
    linear = nn.Linear(300, 400)
    spread(linear.weight.numpy(), 1 / math.sqrt(300))      # kaiming_uniform_(a=sqrt(5))
    spread(linear.bias.numpy(), 1 / math.sqrt(300))
    conv = nn.Conv2d(8, 64, (3, 5), groups=2)
    assert conv.weight.shape == (64, 4, 3, 5)
    spread(conv.weight.numpy(), 1 / math.sqrt(4 * 15))       # fan_in = in/groups * kh * kw
    spread(conv.bias.numpy(), 1 / math.sqrt(4 * 15))
    deconv = nn.ConvTranspose2d(16, 60, 3, groups=2)
    assert deconv.weight.shape == (16, 30, 3, 3)
    spread(deconv.weight.numpy(), 1 / math.sqrt(30 * 9))     # fan_in from weight.shape[1]
    bn = nn.BatchNorm2d(5)
    assert bn.weight.tolist() == [1.0] * 5 and bn.bias.tolist() == [0.0] * 5
    assert linear.weight.dtype == np.float32 and nn.Linear(2, 2, dtype="float64").weight.dtype \
        == np.float64


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(123)
    a = nn.Conv2d(3, 4, 3).state_dict()
    tg.manual_seed(123)
    b = nn.Conv2d(3, 4, 3).state_dict()
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)


def test_init_functions():
    tg.manual_seed(0)
    w = tg.zeros(500, 200)                                  # fan_in 200, fan_out 500
    init.kaiming_normal_(w, nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    init.kaiming_uniform_(w, nonlinearity="relu")
    spread(w.numpy(), math.sqrt(2) * math.sqrt(3 / 200))
    init.xavier_uniform_(w, gain=2.0)
    spread(w.numpy(), 2.0 * math.sqrt(6 / 700))
    init.xavier_normal_(w)
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 700), rel=0.02)
    init.normal_(w, 3.0, 0.5)
    assert w.numpy().mean() == pytest.approx(3.0, abs=0.01)
    init.uniform_(w, -1.0, 2.0)
    assert w.numpy().min() >= -1.0 and w.numpy().max() < 2.0
    assert init.zeros_(w) is w and not w.numpy().any()
    assert init.ones_(w).numpy().min() == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(tg.zeros(3))


def test_batchnorm_statistics_by_hand():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(6, 3, 2, 2))
    bn = nn.BatchNorm2d(3, momentum=0.2).double()
    out = bn(tg.Tensor(x)).numpy()
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    expected = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    n = 6 * 2 * 2
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.2 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.8 + 0.2 * var * n / (n - 1), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    y = bn(tg.Tensor(x)).numpy()
    np.testing.assert_allclose(y, (x - bn.running_mean.numpy()[None, :, None, None])
                               / np.sqrt(bn.running_var.numpy()[None, :, None, None] + 1e-5))
    assert bn.num_batches_tracked.item() == 1                # eval does not count


def test_batchnorm3d_normalizes_volumes_per_channel():
    x = np.random.default_rng(1).normal(1.0, 2.0, size=(2, 3, 2, 3, 4))
    bn = nn.BatchNorm3d(3).double()
    mean, var = x.mean(axis=(0, 2, 3, 4)), x.var(axis=(0, 2, 3, 4))
    shaped = (None, slice(None), None, None, None)
    np.testing.assert_allclose(bn(tg.Tensor(x)).numpy(),
                               (x - mean[shaped]) / np.sqrt(var[shaped] + 1e-5), rtol=1e-12)
    with pytest.raises(ValueError, match="BatchNorm3d"):
        bn(tg.Tensor(x[0]))                           # (C, D, H, W): no batch axis


def test_batchnorm_cumulative_average_and_no_tracking():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [np.random.default_rng(i).normal(size=(5, 2)) for i in range(3)]
    for b in batches:
        bn(tg.Tensor(b))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([b.mean(0) for b in batches], 0))
    free = nn.BatchNorm1d(2, track_running_stats=False, affine=False).double().eval()
    assert list(free.state_dict()) == [] and list(free.parameters()) == []
    out = free(tg.Tensor(batches[0])).numpy()               # batch statistics even in eval
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-12)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(tg.randn(1, 2))
    with pytest.raises(ValueError, match="BatchNorm2d: expected 4-D input with 3 channels"):
        nn.BatchNorm2d(3)(tg.randn(2, 4, 5, 5))


def test_gradients_of_the_composed_forms():
    rng = np.random.default_rng(1)

    def t(*shape):
        return tg.Tensor(rng.normal(size=shape), requires_grad=True)

    x, w, b = t(5, 3, 2, 2), t(3), t(3)
    running_mean, running_var = tg.zeros(3, dtype="float64"), tg.ones(3, dtype="float64")
    assert tg.gradcheck(lambda x, w, b: F.batch_norm(x, running_mean, running_var, w, b,
                                                     training=True), [x, w, b])
    assert tg.gradcheck(lambda x, w, b: F.batch_norm(x, running_mean, running_var, w, b),
                        [x, w, b])
    assert tg.gradcheck(lambda x, w, b: F.linear(x, w, b), [t(4, 3), t(2, 3), t(2)])
    assert tg.gradgradcheck(lambda x: F.leaky_relu(x, 0.1), [t(4, 5)])
    z = tg.Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    F.leaky_relu(z, 0.1).sum().backward()
    assert z.grad.tolist() == [0.1, 0.1, 1.0]                 # slope at 0, as torch


def test_dropout_modules_follow_train_and_eval():
    tg.manual_seed(0)
    x = tg.ones(200, 50)
    drop = nn.Dropout(0.3)
    y = drop(x).numpy()
    assert 0.27 < (y == 0).mean() < 0.33 and np.allclose(y[y != 0], 1 / 0.7)
    drop.eval()
    assert np.array_equal(drop(x).numpy(), x.numpy())
    channels = nn.Dropout2d(0.5)(tg.ones(4, 30, 3, 3)).numpy()
    assert np.all(channels.min(axis=(2, 3)) == channels.max(axis=(2, 3)))   # whole channels
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        nn.Dropout(1.5)


def test_shapes_and_bad_input():
    x = tg.randn(2, 3, 8, 8)
    assert nn.Conv2d(3, 4, 3, stride=2, padding=1)(x).shape == (2, 4, 4, 4)
    assert nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)(x).shape \
        == (2, 4, 16, 16)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 4, 4) and nn.AvgPool2d(3, 1, 1)(x).shape \
        == x.shape
    assert nn.Flatten()(x).shape == (2, 192) and nn.Identity(5, k=1)(x) is x
    assert nn.Softmax(dim=1)(x).numpy().sum(1) == pytest.approx(1.0)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        assert np.allclose(nn.LogSoftmax()(tg.randn(2, 3)).exp().numpy().sum(1), 1.0)
    with pytest.raises(ValueError, match=r"linear: input has 5 features .* expects 4"):
        nn.Linear(4, 2)(tg.randn(3, 5))
    with pytest.raises(ValueError, match="groups=2 does not divide the 3 input channels"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="reduction must be"):
        nn.MSELoss(reduction="average")


def copy_weights(ours: nn.Module, theirs) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("build", [
    lambda m: m.Linear(6, 3),
    lambda m: m.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
    lambda m: m.Conv2d(4, 2, (2, 3), dilation=2, bias=False),
    lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
    lambda m: m.MaxPool2d(3, stride=2, padding=1),
    lambda m: m.AvgPool2d(2),
    lambda m: m.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda m: m.AvgPool2d(2, divisor_override=3),
    lambda m: m.Sequential(m.LeakyReLU(0.2), m.Sigmoid(), m.Tanh(), m.ReLU()),
    lambda m: m.Softmax(dim=1),
    lambda m: m.LogSoftmax(dim=-1),
    lambda m: m.Flatten(),
    lambda m: m.BatchNorm2d(4, momentum=0.3),
])
def test_forward_and_gradients_match_torch(build):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = build(torch.nn).double()
    ours = build(nn).double()
    copy_weights(ours, theirs)
    x_np = np.random.default_rng(0).normal(size=(3, 4, 7, 6))
    if isinstance(theirs, torch.nn.Linear):
        x_np = x_np[:, 0, :, :]
    x_t = torch.tensor(x_np, requires_grad=True)
    x = tg.Tensor(x_np, requires_grad=True)
    for _ in range(2):                      # twice: BatchNorm's running statistics move
        out_t, out = theirs(x_t), ours(x)
        np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(1).normal(size=out.shape)
    (out_t * torch.tensor(weights)).sum().backward()
    (out * tg.Tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours_params[name].grad.numpy(), p.grad.numpy(), rtol=1e-9)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-12)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(x).numpy(), theirs(x_t).detach().numpy(), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("name,args,kwargs,target", [
    ("CrossEntropyLoss", (), dict(label_smoothing=0.1), "index"),
    ("CrossEntropyLoss", (), dict(reduction="sum", ignore_index=1), "index"),
    ("NLLLoss", (), {}, "index"),
    ("MultiMarginLoss", (), dict(margin=0.5, p=2), "index"),
    ("MSELoss", (), {}, "same"),
    ("BCEWithLogitsLoss", (), dict(reduction="none"), "binary"),
])
def test_losses_match_torch(name, args, kwargs, target):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 4))
    y = {"index": rng.integers(0, 4, 5), "same": rng.normal(size=(5, 4)),
         "binary": (rng.random((5, 4)) > 0.5).astype(np.float64)}[target]
    if name == "NLLLoss":
        logits = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    x_t = torch.tensor(logits, requires_grad=True)
    x = tg.Tensor(logits, requires_grad=True)
    expected = getattr(torch.nn, name)(*args, **kwargs)(x_t, torch.tensor(y))
    got = getattr(nn, name)(*args, **kwargs)(x, tg.Tensor(y))
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-10)
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_class_weights_are_buffers():
    loss = nn.CrossEntropyLoss(weight=tg.Tensor([1.0, 2.0, 0.5]))
    assert list(loss.state_dict()) == ["weight"] and not list(loss.parameters())
    assert loss.double().weight.dtype == np.float64


def test_conv_layer_options_fail_at_construction():
    with pytest.raises(ValueError, match=r"^Conv2d: kernel_size must be positive, got 0"):
        nn.Conv2d(1, 6, 0)
    with pytest.raises(TypeError, match=r"^ConvTranspose2d: stride must be an int or a pair"):
        nn.ConvTranspose2d(1, 6, 3, stride=1.5)
    assert nn.Conv2d(1, 6, (3, 5), padding="same").kernel_size == (3, 5)
    with pytest.raises(ValueError, match=r"^Conv2d: padding must be an int, a pair of ints, 'valid'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match=r"^Conv2d: padding='same' needs stride 1"):
        nn.Conv2d(1, 1, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match=r"^ConvTranspose2d: padding must be an int or ints, "
                                         r"got 'same'"):
        nn.ConvTranspose2d(1, 1, 3, padding="same")


def test_layers_with_no_inputs_or_outputs_build_like_torch():
    assert nn.Linear(0, 3).weight.shape == (3, 0) and nn.Linear(2, 0).bias.shape == (0,)
    assert nn.Conv2d(0, 2, 3).weight.shape == (2, 0, 3, 3)
    for fill in (init.xavier_uniform_, init.xavier_normal_, init.kaiming_normal_):
        assert fill(tg.zeros(0, 4)).shape == (0, 4)


def test_upsampling_nearest_and_bilinear_2d_are_upsample_with_fixed_modes():
    x = tg.arange(4.0).reshape(1, 1, 2, 2)
    assert nn.UpsamplingNearest2d(scale_factor=2)(x)[0, 0, 0].tolist() == [0, 0, 1, 1]
    corners = nn.UpsamplingBilinear2d(size=3)(x)[0, 0]          # align_corners=True
    assert corners[1].tolist() == [1.0, 1.5, 2.0] and corners[2, 2].item() == 3.0


def test_embedding_bag_sums_means_and_maxes_bags_given_by_offsets_or_rows():
    weight = tg.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    text, offsets = tg.tensor([1, 2, 4, 5, 3]), tg.tensor([0, 3, 3])   # bags 0-2, empty, 3-4
    mean = F.embedding_bag(text, weight, offsets)
    assert mean.tolist() == [[14 / 3, 17 / 3], [0, 0], [8, 9]]
    assert F.embedding_bag(text, weight, offsets, mode="max").tolist() == [[8, 9], [0, 0],
                                                                           [10, 11]]
    rows = F.embedding_bag(tg.tensor([[1, 2], [0, 0]]), weight, mode="sum", padding_idx=0)
    assert rows.tolist() == [[6, 8], [0, 0]]                  # padding left out of the bag
    mean.sum().backward()
    assert weight.grad[:, 0].tolist() == [0, 1 / 3, 1 / 3, 1 / 2, 1 / 3, 1 / 2]
    bag = nn.EmbeddingBag(6, 2, mode="sum")
    assert bag(text, offsets).shape == (3, 2) and "mode='sum'" in repr(bag)
    with pytest.raises(ValueError, match="embedding_bag: a 1-D input needs offsets"):
        F.embedding_bag(text, weight)
    with pytest.raises(ValueError, match=r"embedding_bag: offsets\[-1\] \(7\) can not be "
                                         "greater than the input's length 5"):
        F.embedding_bag(text, weight, tg.tensor([0, 3, 7]), include_last_offset=True)
    for bad in (tg.tensor([0.0, 1.5]), tg.tensor([[0, 1]]), tg.tensor(0)):
        with pytest.raises(TypeError, match="embedding_bag: offsets must be a 1-D tensor of "
                                            "integers"):
            F.embedding_bag(text, weight, bad)
    with pytest.raises(TypeError, match="embedding_bag: per_sample_weights must have the "
                                        "weight's dtype float32, got float64"):
        F.embedding_bag(text, weight.float(), offsets, mode="sum",
                        per_sample_weights=tg.ones(5, dtype=tg.float64))


def test_linear_with_no_features_or_no_rows_has_empty_gradients():
    import nn.functional as F
    for x_shape, w_shape in [((2, 0), (3, 0)), ((2, 5), (0, 5)), ((0, 5), (3, 5))]:
        x, w = tg.zeros(*x_shape, requires_grad=True), tg.zeros(*w_shape, requires_grad=True)
        F.linear(x, w).sum().backward()
        assert x.grad.shape == x_shape and w.grad.shape == w_shape
