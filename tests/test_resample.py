"""adaptive_avg_pool2d, adaptive_max_pool2d and interpolate against hand-computed values
and loop references that visit every output pixel, written from torch's documented
rules (bins [floor(i*H/OH), ceil((i+1)*H/OH)); source index (i + 0.5) * step - 0.5 or
i * (H - 1)/(OH - 1)); gradchecks in float64; one optional torch comparison per family.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import functional as F
from tinygrad_edu import Tensor, gradcheck, gradgradcheck


def _random(shape, seed, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------- adaptive
def bin_of(i, n, out):
    return range(i * n // out, math.ceil((i + 1) * n / out))


def reference_adaptive(x, out_hw):
    """(mean, max, flat index of the first max in row-major order, dL/dx of sum(g * max)
    for g = 1 + position) by visiting every output cell and its bin."""
    (oh, ow), (h, w) = out_hw, x.shape[-2:]
    lead = x.shape[:-2]
    mean, best, where = np.empty(lead + (oh, ow)), np.empty(lead + (oh, ow)), np.empty(
        lead + (oh, ow), dtype=np.int64)
    for i, j in itertools.product(range(oh), range(ow)):
        for at in np.ndindex(lead):
            cells = [(r, c) for r in bin_of(i, h, oh) for c in bin_of(j, w, ow)]
            values = [x[at + cell] for cell in cells]
            mean[at + (i, j)] = sum(values) / len(values)
            first = int(np.argmax(values))                   # the first max, row-major
            best[at + (i, j)] = values[first]
            where[at + (i, j)] = cells[first][0] * w + cells[first][1]
    return mean, best, where


def test_adaptive_avg_pool_by_hand():
    x = Tensor(np.arange(5.0).reshape(1, 1, 1, 5))
    # 5 columns into 3 bins: [0, 2), [1, 4), [3, 5) (they overlap)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (1, 3)).data[0, 0, 0], [0.5, 2, 3.5])
    y = Tensor(np.arange(12.0).reshape(3, 4))[None]          # unbatched (C, H, W)
    # rows into 2 bins [0, 2), [1, 3); columns kept (None)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(y, (2, None)).data[0],
                               [[2, 3, 4, 5], [6, 7, 8, 9]])
    np.testing.assert_allclose(F.adaptive_avg_pool2d(y, 1).data, [[[5.5]]])


def test_adaptive_max_pool_by_hand_with_ties():
    x = Tensor(np.array([[[[1.0, 3.0, 3.0],
                           [3.0, 0.0, 2.0]]]]))
    out, idx = F.adaptive_max_pool2d(x, (1, 2), return_indices=True)
    # bins of columns [0, 2) and [1, 3), one bin of rows: both hold three 3s
    np.testing.assert_array_equal(out.data[0, 0], [[3, 3]])
    np.testing.assert_array_equal(idx.data[0, 0], [[1, 1]])   # the first 3 in row-major order
    x.requires_grad_()
    F.adaptive_max_pool2d(x, (1, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 2, 0], [0, 0, 0]])


ADAPTIVE = [((1, 1, 5, 7), (3, 2)), ((2, 3, 6, 4), (3, 2)), ((2, 4, 4), (3, 5)),
            ((1, 2, 7, 3), (7, 3)), ((1, 1, 4, 6), (1, 1)), ((2, 1, 5, 5), (4, 9))]


@pytest.mark.parametrize("shape, out_hw", ADAPTIVE)
def test_adaptive_pools_match_the_definition(shape, out_hw):
    x = np.random.default_rng(1).integers(-2, 3, shape).astype(float)    # many ties
    mean, best, where = reference_adaptive(x, out_hw)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(Tensor(x), out_hw).data, mean, rtol=1e-13)
    t = Tensor(x, requires_grad=True)
    out, idx = F.adaptive_max_pool2d(t, out_hw, return_indices=True)
    np.testing.assert_array_equal(out.data, best)
    np.testing.assert_array_equal(idx.data, where)
    assert idx.dtype == np.int64
    g = np.arange(1.0, out.numel() + 1).reshape(out.shape)
    out.backward(Tensor(g))
    expected = np.zeros(x.shape)                 # each max's gradient at its index
    flat = expected.reshape(-1, x.shape[-2] * x.shape[-1])
    for row, (cells, grads) in enumerate(zip(where.reshape(len(flat), -1),
                                             g.reshape(len(flat), -1))):
        np.add.at(flat[row], cells, grads)
    np.testing.assert_array_equal(t.grad.data, expected)


def test_equal_bins_are_avg_and_max_pooling():
    x = Tensor(_random((2, 3, 6, 8), 2))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (3, 2)).data,
                               F.avg_pool2d(x, (2, 4)).data, rtol=1e-13)
    np.testing.assert_array_equal(F.adaptive_max_pool2d(x, (3, 2)).data,
                                  F.max_pool2d(x, (2, 4)).data)


@pytest.mark.parametrize("out_hw", [(3, 2), (2, 4), (4, 5), (1, 1)])
def test_adaptive_pools_gradcheck(out_hw):
    x = Tensor(_random((2, 2, 5, 4), 3), requires_grad=True)   # no ties in random data
    for pool in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
        fn = lambda t: pool(t, out_hw)  # noqa: E731
        assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


# ---------------------------------------------------------------------------- interpolate
def source(n_in, n_out, mode, scale=None, align_corners=False):
    """Per output index, the list of (input index, weight), from torch's formulas."""
    step = 1 / scale if scale else n_in / n_out
    out = []
    for i in range(n_out):
        if mode == "nearest":
            out.append([(min(math.floor(i * step), n_in - 1), 1.0)])
        elif mode == "nearest-exact":
            out.append([(min(math.floor((i + 0.5) * step), n_in - 1), 1.0)])
        else:
            if n_in == n_out:
                src = i
            elif align_corners:
                src = i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
            else:
                src = max((i + 0.5) * step - 0.5, 0.0)
            lo = min(math.floor(src), n_in - 1)
            frac = min(max(src - lo, 0.0), 1.0)
            out.append([(lo, 1 - frac), (min(lo + 1, n_in - 1), frac)])
    return out


def reference_interpolate(x, sizes, mode, scales=(None, None), align_corners=False):
    """Every output pixel as the weighted sum of the input pixels it reads."""
    rows = source(x.shape[-2], sizes[0], mode, scales[0], align_corners)
    cols = source(x.shape[-1], sizes[1], mode, scales[1], align_corners)
    out = np.zeros(x.shape[:-2] + tuple(sizes))
    for i, j in itertools.product(range(sizes[0]), range(sizes[1])):
        for (r, wr), (c, wc) in itertools.product(rows[i], cols[j]):
            out[..., i, j] += wr * wc * x[..., r, c]
    return out


def test_interpolate_by_hand():
    x = Tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=2).data[0, 0],
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    np.testing.assert_allclose(
        F.interpolate(x, size=3, mode="bilinear", align_corners=True).data[0, 0],
        [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]])
    # pixel centres: src = (i + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25
    line = Tensor(np.array([[[0.0, 1.0]]]))
    np.testing.assert_allclose(F.interpolate(line, size=4, mode="linear").data[0, 0],
                               [0, 0.25, 0.75, 1])


def test_scale_factor_sets_the_step_unless_recomputed():
    line = Tensor(np.arange(4.0).reshape(1, 1, 4))
    # scale_factor 1.7: 6 outputs; step 1/1.7 (torch 2.x's default), not 4/6
    np.testing.assert_array_equal(F.interpolate(line, scale_factor=1.7).data[0, 0],
                                  [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(
        F.interpolate(line, scale_factor=1.7, recompute_scale_factor=True).data[0, 0],
        [0, 0, 1, 2, 2, 3])
    np.testing.assert_array_equal(F.interpolate(line, size=6).data[0, 0], [0, 0, 1, 2, 2, 3])
    np.testing.assert_array_equal(
        F.interpolate(line, scale_factor=1.7, mode="nearest-exact").data[0, 0],
        [0, 0, 1, 2, 2, 3])        # floor((i + 0.5) / 1.7)


# (no scale_factor here gives the size n or 2n: see test_nearest_2d_special_cases)
CASES = [((1, 2, 3, 4), dict(size=(5, 7))), ((2, 1, 5, 4), dict(size=(2, 3))),
         ((1, 1, 4, 5), dict(scale_factor=(1.7, 0.6))), ((1, 2, 3, 3), dict(scale_factor=2.5)),
         ((1, 1, 2, 6), dict(size=(1, 9))), ((1, 1, 4, 3), dict(size=(4, 1)))]


@pytest.mark.parametrize("shape, kwargs", CASES)
@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("nearest-exact", None),
                                                 ("bilinear", False), ("bilinear", True)])
def test_interpolate_matches_the_formulas(shape, kwargs, mode, align_corners):
    x = _random(shape, 4)
    out = F.interpolate(Tensor(x), mode=mode, align_corners=align_corners, **kwargs)
    scale = kwargs.get("scale_factor", (None, None))
    scales = scale if isinstance(scale, tuple) else (scale, scale)
    sizes = kwargs.get("size") or tuple(math.floor(n * s) for n, s in zip(shape[2:], scales))
    expected = reference_interpolate(x, sizes, mode, scales, bool(align_corners))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nearest_index_is_computed_in_float32(dtype):
    """At scale_factor 2.3, output 69 sits at 69 / 2.3 = 30, but 69 * float32(1 / 2.3)
    rounds to 29.999998: torch's float32 kernels (and most of its float64 ones) copy input
    29, so does this, for both dtypes. (nearest-exact reads (69 + 0.5) / 2.3 = 30.2.)"""
    line = Tensor(np.arange(53.0).reshape(1, 1, 53).astype(dtype))
    out = F.interpolate(line, scale_factor=2.3, mode="nearest").data[0, 0]
    assert out.dtype == dtype and out[69] == 29
    step = np.float32(1 / 2.3)
    np.testing.assert_array_equal(out, np.minimum(np.floor(np.arange(121, dtype=np.float32)
                                                           * step), 52))
    exact = F.interpolate(line, scale_factor=2.3, mode="nearest-exact").data[0, 0]
    assert exact[69] == 30


def test_nearest_resizes_uint8_label_masks():
    mask = np.array([[[[0, 1], [2, 255]]]], np.uint8)
    for mode in ("nearest", "nearest-exact"):
        out = F.interpolate(Tensor(mask), size=(4, 4), mode=mode)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out.data[0, 0], mask[0, 0].repeat(2, 0).repeat(2, 1))
    with pytest.raises(TypeError, match=r"interpolate: mode='bilinear' needs a floating point "
                                        r"input, got uint8 .*resize x.float\(\)"):
        F.interpolate(Tensor(mask), size=(4, 4), mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: expected a 3-D \(N, C, L\), 4-D"):
        F.interpolate(Tensor(mask[0, 0]), size=(4, 4))


def test_volumes_interpolate_by_hand():
    cube = np.arange(8.0).reshape(1, 1, 2, 2, 2)
    x = Tensor(cube)
    nearest = F.interpolate(x, scale_factor=2).numpy()
    np.testing.assert_array_equal(nearest[0, 0], cube[0, 0].repeat(2, 0).repeat(2, 1)
                                  .repeat(2, 2))
    corners = F.interpolate(x, size=3, mode="trilinear", align_corners=True).numpy()[0, 0]
    assert corners[1, 1, 1] == cube.mean()              # the centre: all eight corners
    np.testing.assert_array_equal(corners[::2, ::2, ::2], cube[0, 0])
    assert corners[0, 0, 1] == (cube[0, 0, 0, 0, 0] + cube[0, 0, 0, 0, 1]) / 2
    area = F.interpolate(Tensor(np.arange(64.0).reshape(1, 1, 4, 4, 4)), size=(2, 2, 1),
                         mode="area").numpy()
    blocks = np.arange(64.0).reshape(2, 2, 2, 2, 1, 4).mean(axis=(1, 3, 5))
    np.testing.assert_array_equal(area[0, 0], blocks)


@pytest.mark.parametrize("mode, kwargs", [
    ("trilinear", dict(scale_factor=(1.5, 2, 0.7))),
    ("trilinear", dict(size=(3, 2, 4), align_corners=True)),
    ("nearest-exact", dict(size=(3, 1, 2))),
    ("area", dict(size=(1, 2, 3))),
])
def test_volume_interpolation_gradcheck(mode, kwargs):
    x = Tensor(np.random.default_rng(4).standard_normal((1, 2, 2, 3, 2)), requires_grad=True)
    assert tg.gradcheck(lambda t: F.interpolate(t, mode=mode, **kwargs), [x])
    assert tg.gradgradcheck(lambda t: F.interpolate(t, mode=mode, **kwargs), [x])


def test_nearest_2d_special_cases():
    """torch's 2-D nearest copies when the size is unchanged and takes i // 2 when it
    doubles, whatever the scale_factor; its 1-D nearest uses the formula."""
    x = Tensor(np.arange(4.0).reshape(1, 1, 4, 1))
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=(1.234, 1)).data.ravel(),
                                  [0, 1, 2, 3])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=(2.1, 1)).data.ravel(),
                                  [0, 0, 1, 1, 2, 2, 3, 3])
    line = Tensor(np.arange(4.0).reshape(1, 1, 4))
    np.testing.assert_array_equal(F.interpolate(line, scale_factor=1.234).data.ravel(),
                                  [0, 0, 1, 2])
    np.testing.assert_array_equal(F.interpolate(line, scale_factor=2.1).data.ravel(),
                                  [0, 0, 0, 1, 1, 2, 2, 3])


def test_properties():
    x = Tensor(_random((2, 3, 4, 5), 5))
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=(2, 3)).data,
                                  x.data.repeat(2, axis=2).repeat(3, axis=3))
    big = F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True)
    np.testing.assert_allclose(big.data[..., ::-6, ::-8], x.data[..., ::-3, ::-4],
                               rtol=1e-12)                    # the corners stay
    flat = F.interpolate(Tensor(np.full((1, 1, 3, 4), 2.5)), size=(8, 5), mode="bilinear")
    np.testing.assert_allclose(flat.data, 2.5, rtol=1e-15)
    np.testing.assert_allclose(F.interpolate(x, size=(2, 5), mode="area").data,
                               F.adaptive_avg_pool2d(x, (2, 5)).data)
    x.requires_grad_(True)
    empty = F.interpolate(x, scale_factor=(0.2, 1.0), mode="area")   # torch: empty too
    assert empty.shape == (2, 3, 0, 5)
    empty.sum().backward()
    assert x.grad.shape == x.shape and not x.grad.data.any()
    x.requires_grad_(False)
    same = F.interpolate(x, scale_factor=1.1, mode="bilinear")    # size unchanged: a copy
    np.testing.assert_array_equal(same.data, x.data)
    y = F.interpolate(Tensor(x.data.astype(np.float32)), scale_factor=1.5, mode="bilinear")
    assert y.dtype == np.float32 and y.shape == (2, 3, 6, 7)


@pytest.mark.parametrize("shape, kwargs", [
    ((1, 2, 3, 4), dict(size=(5, 3), mode="bilinear")),
    ((2, 1, 4, 3), dict(scale_factor=(1.5, 2.0), mode="bilinear", align_corners=True)),
    ((1, 2, 3, 4), dict(size=(5, 6), mode="nearest")),
    ((1, 1, 5, 4), dict(size=(3, 6), mode="nearest-exact")),
    ((2, 2, 5), dict(size=8, mode="linear")),
    ((1, 2, 5, 4), dict(size=(3, 3), mode="area")),
])
def test_interpolate_gradcheck(shape, kwargs):
    x = Tensor(_random(shape, 6), requires_grad=True)
    fn = lambda t: F.interpolate(t, **kwargs)  # noqa: E731
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


def test_upsample_gradient_is_the_transpose():
    """<interpolate(x), g> = <x, dL/dx>: the output is a linear map of x."""
    x = Tensor(_random((1, 2, 3, 4), 7), requires_grad=True)
    out = F.interpolate(x, size=(7, 5), mode="bilinear")
    g = _random(out.shape, 8)
    out.backward(Tensor(g))
    assert np.vdot(out.data, g) == pytest.approx(np.vdot(x.data, x.grad.data), rel=1e-12)


def test_modules():
    x = Tensor(_random((1, 2, 5, 6), 9))
    np.testing.assert_array_equal(nn.AdaptiveAvgPool2d((2, None))(x).data,
                                  F.adaptive_avg_pool2d(x, (2, None)).data)
    out, idx = nn.AdaptiveMaxPool2d(3, return_indices=True)(x)
    np.testing.assert_array_equal(idx.data, F.adaptive_max_pool2d(x, 3, True)[1].data)
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    np.testing.assert_array_equal(up(x).data, F.interpolate(x, scale_factor=2.0,
                                                            mode="bilinear",
                                                            align_corners=True).data)
    assert repr(up) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    assert repr(nn.AdaptiveAvgPool2d((3, None))) == "AdaptiveAvgPool2d(output_size=(3, None))"
    assert repr(nn.AdaptiveMaxPool2d(2)) == "AdaptiveMaxPool2d(output_size=2)"


@pytest.mark.parametrize("call, error, text", [
    (lambda x: F.interpolate(x), ValueError,
     "interpolate: either size or scale_factor should be defined"),
    (lambda x: F.interpolate(x, size=4, scale_factor=2), ValueError,
     "interpolate: only one of size or scale_factor should be defined"),
    (lambda x: F.interpolate(x, size=4, mode="cubic"), ValueError,
     "interpolate: mode must be one of 'nearest', 'nearest-exact', 'linear', 'bilinear', "
     "'bicubic', 'trilinear', 'area', got 'cubic'"),
    (lambda x: F.interpolate(x, size=4, mode="trilinear"), ValueError,
     r"interpolate: mode='trilinear' needs a 5-D \(N, C, D, H, W\) input, got shape "
     r"\(1, 2, 3, 4\)"),
    (lambda x: F.interpolate(x, size=4, align_corners=False), ValueError,
     "interpolate: align_corners can only be set with the interpolating modes 'linear', "
     "'bilinear', 'bicubic' and 'trilinear', not with mode='nearest'"),
    (lambda x: F.interpolate(x[0], size=4, mode="bicubic"), ValueError,
     r"interpolate: mode='bicubic' needs a 4-D \(N, C, H, W\) input, got shape \(2, 3, 4\)"),
    (lambda x: F.interpolate(x, size=4, mode="linear"), ValueError,
     r"interpolate: mode='linear' needs a 3-D \(N, C, L\) input, got shape \(1, 2, 3, 4\)"),
    (lambda x: F.interpolate(x[0], size=4, mode="bilinear"), ValueError,
     r"interpolate: mode='bilinear' needs a 4-D \(N, C, H, W\) input, got shape \(2, 3, 4\)"),
    (lambda x: F.interpolate(x[0, 0], size=4), ValueError,
     r"interpolate: expected a 3-D \(N, C, L\), 4-D \(N, C, H, W\) or 5-D \(N, C, D, H, W\) "
     "input"),
    (lambda x: F.interpolate(x, size=(4, 5, 6)), ValueError,
     r"interpolate: input \(1, 2, 3, 4\) has 2 spatial dimension\(s\) but size is \(4, 5, 6\)"),
    (lambda x: F.interpolate(x, scale_factor=0.2), ValueError,
     r"interpolate: input \(1, 2, 3, 4\) would be resized to \(0, 0\); output sizes must be "
     r"positive \(mode='nearest'\)"),
    (lambda x: F.interpolate(x, size=(-1, 2), mode="area"), ValueError,
     r"interpolate: input \(1, 2, 3, 4\) would be resized to \(-1, 2\); output sizes must "
     r"not be negative \(mode='area'\)"),
    (lambda x: F.interpolate(x, size=2.0), TypeError, "interpolate: size must be an int"),
    (lambda x: F.interpolate(x, size=4, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor is not meaningful with an explicit size"),
    (lambda x: F.interpolate(x, size=4, mode="bilinear", antialias=True), ValueError,
     "antialias=True is not supported"),
    (lambda x: F.interpolate(x.to(tg.int64), size=4), TypeError,
     "interpolate: expected a floating point input, got dtype int64"),
    (lambda x: F.adaptive_avg_pool2d(x[0, 0], 2), ValueError,
     r"adaptive_avg_pool2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) "
     r"input, got shape \(3, 4\)"),
    (lambda x: F.adaptive_max_pool2d(x, (2, 3, 4)), TypeError,
     "adaptive_max_pool2d: output_size must be an int, None or a pair of them"),
    (lambda x: F.adaptive_avg_pool2d(x, -1), ValueError,
     "adaptive_avg_pool2d: output_size must be non-negative"),
    (lambda x: F.adaptive_avg_pool2d(x[:, :, :0], 2), ValueError,
     "expected non-empty channels and image"),
    (lambda x: nn.Upsample(), ValueError, "Upsample: either size or scale_factor"),
    (lambda x: nn.Upsample(size=2, mode="bilinear", align_corners=None, scale_factor=2),
     ValueError, "Upsample: only one of size or scale_factor"),
    (lambda x: nn.Upsample(size=2, align_corners=True), ValueError,
     "Upsample: align_corners can only be set"),
    (lambda x: nn.AdaptiveAvgPool2d("2"), TypeError, "AdaptiveAvgPool2d: output_size must be"),
])
def test_errors(call, error, text):
    x = Tensor(np.zeros((1, 2, 3, 4)))
    with pytest.raises(error, match=text):
        call(x)


# ---------------------------------------------------------------------------- torch
def test_adaptive_pools_against_torch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(10)
    for _ in range(40):
        shape = tuple(int(v) for v in rng.integers(1, 3, 2)) + tuple(
            int(v) for v in rng.integers(1, 10, 2))
        out_hw = tuple(int(v) for v in rng.integers(1, 12, 2))
        x = rng.integers(-2, 3, shape).astype(float)              # ties
        g = rng.standard_normal(shape[:2] + out_hw)
        for mine, theirs in ((F.adaptive_avg_pool2d, tf.adaptive_avg_pool2d),
                             (F.adaptive_max_pool2d, tf.adaptive_max_pool2d)):
            t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            out, tout = mine(t, out_hw), theirs(tt, out_hw)
            out.backward(Tensor(g))
            tout.backward(torch.tensor(g))
            np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
            np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(F.adaptive_max_pool2d(Tensor(x), out_hw, True)[1].data,
                                      tf.adaptive_max_pool2d(torch.tensor(x), out_hw,
                                                             True)[1].numpy())


def test_interpolate_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    for k in range(200):
        mode = ("nearest", "nearest-exact", "bilinear", "linear", "area", "trilinear")[k % 6]
        spatial = {"linear": 1, "bilinear": 2, "trilinear": 3}.get(mode, 1 + k % 3)
        dtype = (np.float32, np.float64)[k // 5 % 2]
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 3)),
                 *(int(v) for v in rng.integers(1, 12, spatial)))
        kwargs = {}
        if k % 3:
            kwargs["scale_factor"] = tuple(round(float(v), 2) for v in rng.uniform(0.4, 4,
                                                                                    spatial))
            if min(math.floor(n * s) for n, s in zip(shape[2:], kwargs["scale_factor"])) < 1:
                continue
            kwargs["recompute_scale_factor"] = k % 7 == 0
        else:
            kwargs["size"] = tuple(int(v) for v in rng.integers(1, 20, spatial))
        if mode in ("linear", "bilinear", "trilinear"):
            kwargs["align_corners"] = k % 4 == 1
        x = rng.standard_normal(shape).astype(dtype)
        t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out = F.interpolate(t, mode=mode, **kwargs)
        tout = torch.nn.functional.interpolate(tt, mode=mode, **kwargs)
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(Tensor(g))
        tout.backward(torch.tensor(g))
        tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12,
                                                                          atol=1e-13)
        assert out.shape == tuple(tout.shape), (mode, shape, kwargs)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), **tol)
        np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), **tol)


def test_affine_grid_and_grid_sample_the_spatial_transformer():
    from nn import functional as F
    x = tg.tensor(np.arange(12.0).reshape(1, 1, 3, 4))
    identity = tg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=tg.float64)
    for align_corners in (False, True):
        grid = F.affine_grid(identity, (1, 1, 3, 4), align_corners=align_corners)
        same = F.grid_sample(x, grid, align_corners=align_corners)
        np.testing.assert_allclose(same.data, x.data, atol=1e-12)     # the identity map
    mirrored = tg.tensor([[[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=tg.float64)
    flipped = F.grid_sample(x, F.affine_grid(mirrored, (1, 1, 3, 4)), mode="nearest")
    assert flipped[0, 0, 0].tolist() == [3, 2, 1, 0]
    outside = tg.tensor([[[[2.0, 0.0]]]], dtype=tg.float64)            # right of the image
    assert F.grid_sample(x, outside).item() == 0.0
    assert F.grid_sample(x, outside, padding_mode="border").item() == 7.0   # row 1, last col
    beyond = tg.tensor([[[[1.5, 0.0]]]], dtype=tg.float64)     # x = 1.5 folds back to 0.5:
    assert F.grid_sample(x, beyond, padding_mode="reflection", align_corners=True
                         ).item() == 6.25                       # pixel 2.25 of row 4, 5, 6, 7
    rng = np.random.default_rng(3)
    image = tg.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    points = tg.tensor(rng.uniform(-0.9, 0.9, (1, 3, 2, 2)), requires_grad=True)
    assert tg.gradcheck(lambda a, g: F.grid_sample(a, g, align_corners=True), [image, points])
    assert tg.gradgradcheck(lambda a, g: F.grid_sample(a, g), [image, points])


def test_bicubic_interpolation_keys_kernel_and_second_derivatives():
    from nn import functional as F
    flat = F.interpolate(tg.full((1, 1, 3, 4), 2.5, dtype=tg.float64), scale_factor=2,
                         mode="bicubic")
    np.testing.assert_allclose(flat.data, 2.5, rtol=1e-15)       # the weights sum to 1
    ramp = tg.tensor(np.arange(6.0).reshape(1, 1, 1, 6))
    up = F.interpolate(ramp, size=(1, 12), mode="bicubic")
    # output 3 reads src = 3.5 / 2 - 0.5 = 1.25, t = 1/4, taps 0..3 (values 0..3) with
    # Keys' weights for A = -0.75: w = (-0.10546875, 0.87890625, 0.26171875, -0.03515625)
    assert up.data[0, 0, 0, 3] == pytest.approx(0.87890625 + 2 * 0.26171875 - 3 * 0.03515625)
    image = tg.tensor(np.random.default_rng(4).standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert tg.gradcheck(lambda a: F.interpolate(a, scale_factor=1.5, mode="bicubic"), [image])
    assert tg.gradgradcheck(lambda a: F.interpolate(a, size=(5, 3), mode="bicubic",
                                                    align_corners=True), [image])


@pytest.mark.parametrize("mode,corners", [("bilinear", False), ("bilinear", True),
                                          ("bicubic", False), ("nearest", None),
                                          ("nearest-exact", None)])
def test_interpolation_by_matrix_equals_the_gathers(mode, corners, monkeypatch):
    from tinygrad_edu import resample
    rng = np.random.default_rng(7)
    x_values = rng.standard_normal((2, 3, 9, 13))
    g_values = rng.standard_normal((2, 3, 17, 6))

    def run():
        x = tg.tensor(x_values, requires_grad=True)
        y = F.interpolate(x, size=(17, 6), mode=mode, align_corners=corners)
        upstream = tg.tensor(g_values, requires_grad=True)
        (gx,) = tg.grad(y, x, upstream, create_graph=True)
        (gg,) = tg.grad((gx * gx).sum(), upstream)
        return [y.detach().numpy(), gx.detach().numpy(), gg.numpy()]

    by_matrix = run()
    monkeypatch.setattr(resample, "MATRIX_UP_TO", 0)
    for found, expected in zip(by_matrix, run()):
        np.testing.assert_allclose(found, expected, rtol=1e-13, atol=1e-14)


def test_interpolation_keeps_the_sign_of_a_negative_zero():
    out = F.interpolate(Tensor([[[-0.0, 2.0]]]), size=4, mode="nearest").numpy()
    assert np.signbit(out[0, 0, :2]).all() and out[0, 0, 2:].tolist() == [2.0, 2.0]


def test_interpolation_keeps_an_inf_where_it_is():
    x = tg.tensor(np.ones((1, 1, 4, 4)))
    x.data[0, 0, 0, 0] = np.inf
    y = F.interpolate(x, scale_factor=2, mode="bilinear").numpy()
    assert not np.isnan(y).any() and np.isinf(y[0, 0, 0, 0]) and y[0, 0, -1, -1] == 1.0


def test_adaptive_max_pool_gives_a_bin_with_nan_its_last_nan():
    nan = float("nan")
    x = Tensor([[[1.0, nan, 3.0, nan]]], requires_grad=True)
    values, indices = F.adaptive_max_pool1d(x, 1, return_indices=True)
    assert indices.tolist() == [[[3]]] and np.isnan(values.item())      # torch's choice
    values.sum().backward()
    assert x.grad.tolist() == [[[0.0, 0.0, 0.0, 1.0]]]


def test_volumes_are_sampled_trilinearly_and_the_identity_grid_reads_every_voxel():
    """grid_sample on (N, C, D, H, W) with (x, y, z) points: trilinear interpolation is
    exact on a linear function of the voxel centres, and its gradient in the grid is that
    function's slope; affine_grid of the identity (N, 3, 4) reproduces the volume."""
    d, h, w = 3, 4, 5
    z, y, x = np.meshgrid(*[(2 * np.arange(n) + 1) / n - 1 for n in (d, h, w)], indexing="ij")
    volume = Tensor((1.0 + 2.0 * x - 3.0 * y + 0.5 * z)[None, None])         # (1, 1, D, H, W)
    points = np.random.default_rng(0).uniform(-0.6, 0.6, (1, 2, 3, 4, 3))    # inside
    grid = Tensor(points, requires_grad=True)
    out = F.grid_sample(volume, grid, align_corners=False)
    px, py, pz = points[0, ..., 0], points[0, ..., 1], points[0, ..., 2]
    np.testing.assert_allclose(out.numpy()[0, 0], 1 + 2 * px - 3 * py + 0.5 * pz, rtol=1e-13)
    out.sum().backward()
    np.testing.assert_allclose(grid.grad.numpy()[..., 0], 2.0, rtol=1e-12)     # d/dx
    np.testing.assert_allclose(grid.grad.numpy()[..., 1], -3.0, rtol=1e-12)
    np.testing.assert_allclose(grid.grad.numpy()[..., 2], 0.5, rtol=1e-12)
    identity = Tensor(np.eye(3, 4)[None])
    base = F.affine_grid(identity, (1, 1, d, h, w), align_corners=False)
    assert base.shape == (1, d, h, w, 3)
    np.testing.assert_allclose(F.grid_sample(volume, base, align_corners=False).numpy(),
                               volume.numpy(), rtol=1e-14)
    with pytest.raises(ValueError, match=r"grid_sample: expected input \(N, C, H, W\) with "
                                         r"grid \(N, H_out, W_out, 2\), or input"):
        F.grid_sample(volume, Tensor(points[..., :2]))
