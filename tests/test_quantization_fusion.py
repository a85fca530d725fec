"""Compression tools the pruning/quantization port reached for: fake quantization with
the straight-through gradient, batch norm folded into a conv or linear layer
(nn.utils.fusion), and data_ptr (counting tied weights once)."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval
from tinygrad_edu import Tensor


def test_fake_quantize_rounds_half_to_even_and_passes_the_gradient_inside_the_range():
    x = Tensor(np.array([-1.0, 0.25, 0.5, 0.75, 3.0, -4.0], np.float32), requires_grad=True)
    y = tg.fake_quantize_per_tensor_affine(x, 0.5, 2, 0, 7)
    # x / 0.5 + 2 = 0, 2.5, 3, 3.5, 8, -6 -> round 0, 2, 3, 4, 8, -6 -> clamp to [0, 7]
    assert y.numpy().tolist() == [-1.0, 0.0, 0.5, 1.0, 2.5, -1.0]
    y.sum().backward()
    assert x.grad.numpy().tolist() == [1, 1, 1, 1, 0, 0]          # cut by the clamp: 0
    w = Tensor(np.array([[0.26, -0.5], [1.0, 0.04]], np.float32), requires_grad=True)
    q = tg.fake_quantize_per_channel_affine(w, Tensor(np.array([0.1, 0.5], np.float32)),
                                            Tensor(np.array([0, 1], np.int32)), 1, -4, 3)
    np.testing.assert_allclose(q.numpy(), [[0.3, -0.5], [0.3, 0.0]], rtol=1e-6)
    q.sum().backward()
    assert w.grad.numpy().tolist() == [[1, 1], [0, 1]]             # 1.0 / 0.1 = 10 > 3
    with pytest.raises(ValueError, match="zero_point must be between quant_min"):
        tg.fake_quantize_per_tensor_affine(x, 0.5, 9, 0, 7)
    with pytest.raises(ValueError, match=r"scale and zero_point must have shape \(2,\)"):
        tg.fake_quantize_per_channel_affine(w, Tensor(np.ones(3, np.float32)),
                                            Tensor(np.zeros(3, np.int32)), 1, 0, 7)


def batch_norm_with_statistics(bn: nn.Module, shape: tuple) -> nn.Module:
    bn.train()
    bn(Tensor(np.random.default_rng(0).standard_normal(shape) * 3 + 1))
    bn.weight.data[...] = np.linspace(0.5, 2.0, bn.num_features)
    bn.bias.data[...] = np.linspace(-1.0, 1.0, bn.num_features)
    return bn.eval()


def test_fused_layers_compute_the_batch_norm_of_the_layer():
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 6, 6)))
    conv = nn.Conv2d(3, 4, 3).double().eval()
    bn = batch_norm_with_statistics(nn.BatchNorm2d(4).double(), (8, 4, 4, 4))
    fused = fuse_conv_bn_eval(conv, bn)
    np.testing.assert_allclose(fused(x).numpy(), bn(conv(x)).numpy(), rtol=1e-13, atol=1e-14)
    assert fused is not conv and isinstance(fused.weight, nn.Parameter)
    up = nn.ConvTranspose2d(3, 2, 3).double().eval()
    bn_up = batch_norm_with_statistics(nn.BatchNorm2d(2).double(), (8, 2, 8, 8))
    np.testing.assert_allclose(fuse_conv_bn_eval(up, bn_up, transpose=True)(x).numpy(),
                               bn_up(up(x)).numpy(), rtol=1e-13, atol=1e-14)
    layer = nn.Linear(5, 3, bias=False).double().eval()
    bn1 = batch_norm_with_statistics(nn.BatchNorm1d(3).double(), (16, 3))
    z = Tensor(np.random.default_rng(2).standard_normal((4, 5)))
    np.testing.assert_allclose(fuse_linear_bn_eval(layer, bn1)(z).numpy(),
                               bn1(layer(z)).numpy(), rtol=1e-13, atol=1e-14)
    with pytest.raises(RuntimeError, match="fuse_conv_bn_eval: fusion is only for eval"):
        fuse_conv_bn_eval(conv.train(), bn)


def test_data_ptr_is_shared_by_tied_weights():
    embedding = nn.Embedding(10, 4)
    head = nn.Linear(4, 10, bias=False)
    head.weight = embedding.weight
    model = nn.ModuleList([embedding, head])
    unique = {p.data_ptr(): p.numel() for p in model.parameters()}
    assert sum(unique.values()) == 40
    rows = embedding.weight.detach()[1:]                 # a view, one row of 4 floats in
    assert rows.data_ptr() == embedding.weight.data_ptr() + 4 * 4
