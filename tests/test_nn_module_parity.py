"""nn modules where a differential fuzz against torch.nn found them apart: lazy norms,
SyncBatchNorm, empty batches, default child modules, and errors that must name the
layer or argument the user wrote."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


@pytest.mark.parametrize("name, shape", [
    ("LazyBatchNorm1d", (4, 3, 5)), ("LazyBatchNorm2d", (2, 3, 2, 2)),
    ("LazyBatchNorm3d", (2, 3, 2, 2, 2)), ("LazyInstanceNorm1d", (2, 3, 5)),
    ("LazyInstanceNorm2d", (2, 3, 4, 4)), ("LazyInstanceNorm3d", (2, 3, 2, 3, 3)),
])
def test_lazy_norms_learn_the_channels_with_torchs_defaults(name, shape):
    layer = getattr(nn, name)(bias=False)
    assert list(layer.state_dict()) == ["weight", "running_mean", "running_var",
                                        "num_batches_tracked"]       # before the first call too
    assert list(getattr(nn, name)(track_running_stats=False).state_dict()) == ["weight", "bias"]
    x = np.random.default_rng(0).standard_normal(shape)
    out = layer.double()(tg.tensor(x))
    assert type(layer).__name__ == name[4:] and layer.num_features == 3
    assert layer.affine and layer.track_running_stats and layer.bias is None   # (torch's)
    assert layer.weight.shape == (3,) and out.shape == shape
    per_instance = x.reshape(shape[0], 3, -1).mean(-1)
    batch_mean = per_instance.mean(0) if "Instance" in name else x.swapaxes(0, 1).reshape(
        3, -1).mean(-1)
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.1 * batch_mean, rtol=1e-12)
    assert layer.num_batches_tracked.item() == (0 if "Instance" in name else 1)  # (torch's)


def test_sync_batch_norm_takes_bias_and_converts_batch_norms_in_place():
    assert nn.SyncBatchNorm(3, bias=False).bias is None
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2),
                          nn.Sequential(nn.BatchNorm1d(3, affine=False), nn.InstanceNorm1d(3)))
    model.eval()
    weight, running = model[1].weight, model[2][0].running_var
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert [type(m).__name__ for m in (model[1], model[2][0], model[2][1])] == [
        "SyncBatchNorm", "SyncBatchNorm", "InstanceNorm1d"]
    assert model[1].weight is weight and model[2][0].running_var is running
    assert not model[1].training and model[2][0].weight is None
    single = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(4))
    assert type(single) is nn.SyncBatchNorm and single.num_features == 4


def test_batch_norm_on_an_empty_batch_gives_an_empty_result():
    layer = nn.BatchNorm1d(3)
    out = layer(tg.zeros(0, 3, 4))
    assert out.shape == (0, 3, 4) and layer.num_batches_tracked.item() == 1
    assert layer.running_mean.tolist() == [0, 0, 0] and layer.running_var.tolist() == [1, 1, 1]
    out.sum().backward()
    assert layer.weight.grad.tolist() == [0, 0, 0] and layer.bias.grad.tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="expected more than 1 value per channel"):
        layer(tg.zeros(1, 3))


def test_triplet_loss_with_distance_registers_its_default_distance():
    loss = nn.TripletMarginWithDistanceLoss()
    assert [name for name, _ in loss.named_modules()] == ["", "distance_function"]
    assert isinstance(loss.distance_function, nn.PairwiseDistance)
    a, p, n = tg.tensor([[0.0, 0.0]]), tg.tensor([[3.0, 4.0]]), tg.tensor([[1.0, 0.0]])
    assert loss(a, p, n).item() == pytest.approx(5.0 - 1.0 + 1.0, rel=1e-6)


def test_errors_name_what_the_user_wrote():
    with pytest.raises(IndexError, match=r"^softmin: dimension 2 is out of range"):
        nn.Softmin(dim=2)(tg.ones(3, 1))
    with pytest.raises(ValueError, match=r"^lp_pool1d: the kernel is larger"):
        nn.LPPool1d(2, 3)(tg.ones(2, 1, 1))
    with pytest.raises(ValueError, match=r"^lp_pool2d: the kernel is larger"):
        nn.LPPool2d(float("inf"), 3)(tg.ones(1, 2, 2))
    with pytest.raises(ValueError, match=r"^lp_pool3d: expected a 4-D or 5-D input, got shape "
                                         r"\(3, 4, 4\)"):
        nn.LPPool3d(2, 2)(tg.zeros(3, 4, 4))
    pooled = nn.LPPool2d(2, 2)(tg.ones(1, 2, 4, 4, dtype=tg.int64))      # (int: float32)
    assert pooled.dtype == tg.float32 and pooled.flatten().tolist() == [2.0] * 8
    attention = nn.MultiheadAttention(4, 2).double()
    q = tg.ones(3, 2, 4, dtype=tg.float64)
    for keyword, mask in (("attn_mask", tg.zeros(3, 3)), ("key_padding_mask", tg.zeros(2, 3))):
        with pytest.raises(TypeError, match=f"MultiheadAttention: {keyword} must be bool or "
                                            f"have the query's dtype float64, got float32; "
                                            f"convert it with {keyword}.to"):
            attention(q, q, q, **{keyword: mask})
    assert attention(q, q, q, attn_mask=tg.zeros(3, 3), need_weights=False)[0].shape == (3, 2, 4)


def test_bad_layer_configurations_are_refused_at_construction():
    with pytest.raises(ValueError, match="Bilinear: in1_features must be > 0, got 0"):
        nn.Bilinear(0, 2, 3)
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1, got stride=\(3, 3\)"):
        nn.LazyConv2d(1, 2, stride=3, padding="same")
    with pytest.raises(ValueError, match="groups=2 does not divide the 3 output channels"):
        nn.LazyConv1d(3, 2, groups=2)
    tg.manual_seed(0)
    expected = tg.randn(3).tolist()
    tg.manual_seed(0)
    nn.LazyConv2d(4, 3)                      # (its check draws nothing from the generator)
    assert tg.randn(3).tolist() == expected


def test_lazy_norms_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4))
    for name in ("LazyBatchNorm2d", "LazyInstanceNorm2d"):
        ours, theirs = getattr(nn, name)().double(), getattr(torch.nn, name)().double()
        for _ in range(2):
            np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                                       theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)
        assert repr(ours) == repr(theirs) and sorted(ours.state_dict()) == sorted(
            theirs.state_dict())
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(),
                                   rtol=1e-12)


def test_transposed_convolution_output_size_range_is_torchs():
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, dilation=3)
    assert layer(tg.ones(1, 1, 4, 4), output_size=(14, 13)).shape == (1, 1, 14, 13)
    with pytest.raises(ValueError, match=r"valid sizes range from \[13, 13\] to \[14, 14\]"):
        layer(tg.ones(1, 1, 4, 4), output_size=(15, 15))      # (output_padding 2 < dilation)
