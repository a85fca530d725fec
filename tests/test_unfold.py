"""F.unfold / F.fold (im2col / col2im) against hand-computed values, loop references
written from the definition, and the identities that tie them together: fold is
unfold's adjoint, fold(unfold(x)) counts the windows over each pixel, and unfold plus
a matrix product is conv2d. Gradient cases are in tests/gradcases/unfold.py.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import functional as F
from tinygrad_edu import Tensor


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def grid(hw, k, d, p, s):
    return tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                 for n, kk, dd, pp, ss in zip(hw, pair(k), pair(d), pair(p), pair(s)))


def window_cells(hw, k, d, p, s):
    """(row of the output, column of the output, input row, input col) for every window
    (i, j) and kernel offset (a, b), straight from the definition; the input position
    may lie in the padding."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(pair, (k, d, p, s))
    oh, ow = grid(hw, k, d, p, s)
    for i, j, a, b in itertools.product(range(oh), range(ow), range(kh), range(kw)):
        yield a * kw + b, i * ow + j, i * sh + a * dh - ph, j * sw + b * dw - pw


def reference_unfold(x, k, d=1, p=0, s=1):
    n, c, h, w = x.shape
    kk = pair(k)[0] * pair(k)[1]
    out = np.zeros((n, c * kk, np.prod(grid((h, w), k, d, p, s))))
    for row, col, r, q in window_cells((h, w), k, d, p, s):
        if 0 <= r < h and 0 <= q < w:
            out[:, row::kk, col] = x[:, :, r, q]
    return out


def reference_fold(y, hw, k, d=1, p=0, s=1):
    kk = pair(k)[0] * pair(k)[1]
    out = np.zeros((y.shape[0], y.shape[1] // kk) + tuple(hw))
    for row, col, r, q in window_cells(hw, k, d, p, s):
        if 0 <= r < hw[0] and 0 <= q < hw[1]:
            out[:, :, r, q] += y[:, row::kk, col]
    return out


# (N, C, H, W), kernel, dilation, padding, stride: overlapping windows, gaps (stride >
# kernel), windows that see only padding, non-square everything
GEOMETRIES = [
    ((1, 1, 3, 3), 2, 1, 0, 1),
    ((2, 3, 5, 4), (2, 3), 1, 1, 1),
    ((1, 2, 6, 7), 3, 2, 1, 2),
    ((2, 1, 7, 5), (3, 2), (1, 2), (0, 1), (2, 1)),
    ((1, 2, 5, 5), 2, 1, 0, 3),
    ((1, 1, 1, 1), 3, 1, 1, 2),
    ((3, 2, 4, 30), (2, 2), 1, (1, 0), 1),          # a wide grid: im2col's tight rows
]


def _random(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------------- values
def test_unfold_and_fold_by_hand():
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    cols = F.unfold(x, 2)
    np.testing.assert_array_equal(cols.data[0], [[0, 1, 3, 4],     # kernel offset (0, 0)
                                                 [1, 2, 4, 5],     # (0, 1)
                                                 [3, 4, 6, 7],     # (1, 0)
                                                 [4, 5, 7, 8]])    # (1, 1)
    # folding back counts each pixel once per window over it: 1 2 1 / 2 4 2 / 1 2 1
    np.testing.assert_array_equal(F.fold(cols, (3, 3), 2).data[0, 0],
                                  [[0, 2, 2], [6, 16, 10], [6, 14, 8]])


def test_unfold_padding_stride_dilation_and_channels_by_hand():
    x = Tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    # pad 1, stride 2: four windows, each holding one pixel in its far corner
    np.testing.assert_array_equal(F.unfold(x, 2, padding=1, stride=2).data[0],
                                  [[0, 0, 0, 4], [0, 0, 3, 0], [0, 2, 0, 0], [1, 0, 0, 0]])
    corners = F.unfold(Tensor(np.arange(9.0).reshape(1, 1, 3, 3)), 2, dilation=2)
    np.testing.assert_array_equal(corners.data[0, :, 0], [0, 2, 6, 8])
    # rows are channel-major: c * kh * kw + a * kw + b
    two = F.unfold(Tensor(np.arange(8.0).reshape(1, 2, 2, 2)), 2)
    np.testing.assert_array_equal(two.data[0, :, 0], np.arange(8.0))


@pytest.mark.parametrize("shape, k, d, p, s", GEOMETRIES)
def test_unfold_and_fold_match_the_definition(shape, k, d, p, s):
    x = _random(shape, 0)
    cols = F.unfold(Tensor(x), k, d, p, s)
    np.testing.assert_array_equal(cols.data, reference_unfold(x, k, d, p, s))
    y = _random(cols.shape, 1)
    np.testing.assert_allclose(F.fold(Tensor(y), shape[2:], k, d, p, s).data,
                               reference_fold(y, shape[2:], k, d, p, s), rtol=1e-13,
                               atol=1e-13)


@pytest.mark.parametrize("shape, k, d, p, s", GEOMETRIES)
def test_fold_of_unfold_is_x_times_its_window_count(shape, k, d, p, s):
    x = _random(shape, 2)
    count = np.zeros(shape[2:])                  # windows over each pixel, counted directly
    for _, _, r, q in window_cells(shape[2:], k, d, p, s):
        if 0 <= r < shape[2] and 0 <= q < shape[3]:
            count[r, q] += 1
    again = F.fold(F.unfold(Tensor(x), k, d, p, s), shape[2:], k, d, p, s)
    np.testing.assert_allclose(again.data, x * count, rtol=1e-13)


@pytest.mark.parametrize("shape, k, d, p, s", GEOMETRIES)
def test_fold_is_the_adjoint_of_unfold(shape, k, d, p, s):
    x = _random(shape, 3)
    cols = F.unfold(Tensor(x), k, d, p, s)
    y = _random(cols.shape, 4)
    folded = F.fold(Tensor(y), shape[2:], k, d, p, s)
    assert np.vdot(cols.data, y) == pytest.approx(np.vdot(x, folded.data), rel=1e-12)


@pytest.mark.parametrize("shape, k, d, p, s", GEOMETRIES[1:5])
def test_unfold_then_matmul_is_conv2d(shape, k, d, p, s):
    x = Tensor(_random(shape, 5), requires_grad=True)
    w = Tensor(_random((3, shape[1], *pair(k)), 6), requires_grad=True)
    oh, ow = grid(shape[2:], k, d, p, s)
    via_unfold = (w.reshape(3, -1) @ F.unfold(x, k, d, p, s)).reshape(shape[0], 3, oh, ow)
    direct = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(via_unfold.data, direct.data, rtol=1e-12, atol=1e-12)
    g = _random(direct.shape, 7)
    grads = [tg.grad(out, (x, w), Tensor(g)) for out in (via_unfold, direct)]
    for mine, conv in zip(*grads):
        np.testing.assert_allclose(mine.data, conv.data, rtol=1e-12, atol=1e-12)


def test_each_is_the_others_vjp_also_when_differentiated_again():
    x = Tensor(_random((1, 2, 4, 5), 8), requires_grad=True)
    cols = F.unfold(x, (2, 3), padding=1, stride=(1, 2))
    assert cols.grad_fn.name == "im2col"
    y = Tensor(_random(cols.shape, 9), requires_grad=True)
    (gx,) = tg.grad(cols, (x,), y, create_graph=True)
    assert gx.grad_fn.name == "col2im"           # the VJP is the other op, recorded
    np.testing.assert_array_equal(gx.data, F.fold(y, (4, 5), (2, 3), padding=1,
                                                  stride=(1, 2)).data)
    (gy,) = tg.grad((gx * gx).sum(), (y,))       # d/dy |fold(y)|^2 = 2 unfold(fold(y))
    np.testing.assert_allclose(gy.data, 2 * F.unfold(gx, (2, 3), padding=1,
                                                     stride=(1, 2)).data, rtol=1e-13)


def test_unbatched_float32_and_empty_batch():
    x = np.random.default_rng(10).standard_normal((2, 4, 5)).astype(np.float32)
    cols = F.unfold(Tensor(x), 2, padding=1)
    assert cols.shape == (8, 30) and cols.dtype == np.float32
    np.testing.assert_array_equal(cols.data, F.unfold(Tensor(x[None]), 2, padding=1).data[0])
    back = F.fold(cols, (4, 5), 2, padding=1)
    assert back.shape == (2, 4, 5) and back.dtype == np.float32
    assert F.unfold(Tensor(np.zeros((0, 2, 3, 3))), 2).shape == (0, 8, 4)
    assert F.fold(Tensor(np.zeros((0, 8, 4))), 3, 2).shape == (0, 2, 3, 3)


def test_inf_and_nan_stay_in_their_windows():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 2] = np.inf
    x[0, 0, 2, 0] = np.nan
    cols = F.unfold(Tensor(x), 2).data
    np.testing.assert_array_equal(np.isinf(cols[0]), reference_unfold(x, 2)[0] == np.inf)
    folded = F.fold(Tensor(cols), 3, 2).data[0, 0]
    assert np.isinf(folded[1, 2]) and np.isnan(folded[2, 0])
    assert np.isfinite(np.delete(folded.ravel(), [5, 6])).all()


def test_modules_call_the_functions():
    x = Tensor(_random((2, 3, 5, 6), 11))
    unfold = nn.Unfold((2, 3), dilation=(2, 1), padding=1, stride=2)
    np.testing.assert_array_equal(unfold(x).data,
                                  F.unfold(x, (2, 3), (2, 1), 1, 2).data)
    fold = nn.Fold((5, 6), (2, 3), dilation=(2, 1), padding=1, stride=2)
    np.testing.assert_array_equal(fold(unfold(x)).data,
                                  F.fold(unfold(x), (5, 6), (2, 3), (2, 1), 1, 2).data)
    assert repr(nn.Unfold(2)) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"
    assert repr(nn.Fold((3, 3), 2)) == ("Fold(output_size=(3, 3), kernel_size=2, dilation=1, "
                                        "padding=0, stride=1)")
    assert not list(unfold.parameters())


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call, error, text", [
    (lambda: F.unfold(Tensor(np.zeros((3, 3))), 2), ValueError,
     r"unfold: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape "
     r"\(3, 3\)"),
    (lambda: F.unfold(Tensor(np.zeros((1, 1, 1, 3, 3))), 2), ValueError, r"got shape \(1, 1, 1"),
    (lambda: F.unfold(Tensor(np.zeros((1, 1, 3, 3))), 4), ValueError,
     r"unfold: kernel 4x4 \(dilated to 4x4\) is larger than the padded input 3x3"),
    (lambda: F.unfold(Tensor(np.zeros((1, 1, 3, 3))), 2, dilation=3), ValueError,
     r"dilated to 4x4\) is larger than the padded input 3x3"),
    (lambda: F.unfold(Tensor(np.zeros((1, 1, 3, 3))), 2, padding=-1), ValueError,
     "unfold: padding must be non-negative"),
    (lambda: F.unfold(Tensor(np.zeros((1, 1, 3, 3))), 0), ValueError,
     "unfold: kernel_size must be positive"),
    (lambda: F.unfold(Tensor(np.zeros((1, 1, 3, 3))), (2, 2, 2)), TypeError,
     "unfold: kernel_size must be an int or a pair of ints"),
    (lambda: F.unfold(Tensor(np.zeros((1, 0, 3, 3))), 2), ValueError,
     "unfold: expected non-empty channels and image"),
    (lambda: F.unfold(Tensor(np.zeros((1, 1, 3, 3), dtype=np.int64)), 2), TypeError,
     "unfold: expected a floating point input, got dtype int64"),
    (lambda: F.unfold(np.zeros((1, 1, 3, 3), np.int64), 2), TypeError,   # arrays are wrapped
     "unfold: expected a floating point input, got dtype int64"),
    (lambda: F.fold(Tensor(np.zeros((1, 4, 4, 1))), 3, 2), ValueError,
     r"fold: expected a 2-D unbatched \(C\*kh\*kw, L\) or 3-D \(N, C\*kh\*kw, L\) input"),
    (lambda: F.fold(Tensor(np.zeros((1, 4, 4))), (4, 4), 2), ValueError,
     r"fold: input \(1, 4, 4\) has 4 columns but output_size \(4, 4\) with kernel 2x2, "
     r"dilation \(1, 1\), padding \(0, 0\) and stride \(1, 1\) has 3x3 = 9 windows"),
    (lambda: F.fold(Tensor(np.zeros((1, 5, 4))), 3, 2), ValueError,
     r"fold: input dimension 1 \(5, of input \(1, 5, 4\)\) must be C\*kh\*kw, a positive "
     "multiple of the kernel's 2x2 = 4 offsets"),
    (lambda: F.fold(Tensor(np.zeros((1, 4, 1))), 1, 2), ValueError,
     r"fold: kernel 2x2 \(dilated to 2x2\) is larger than the padded output 1x1"),
    (lambda: F.fold(Tensor(np.zeros((1, 4, 1))), (3, 3, 1), 2), TypeError,
     "fold: output_size must be an int or a pair of ints"),
    (lambda: nn.Unfold(2, stride=0), ValueError, "Unfold: stride must be positive"),
    (lambda: nn.Fold((3, -3), 2), ValueError, "Fold: output_size must be positive"),
])
def test_errors_name_the_op_and_the_shapes(call, error, text):
    with pytest.raises(error, match=text):
        call()


# ---------------------------------------------------------------------------- torch
def test_against_torch_on_random_geometries():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    checked = 0
    while checked < 40:
        k, d, p, s = (tuple(int(v) for v in rng.integers(lo, hi, 2))
                      for lo, hi in ((1, 4), (1, 3), (0, 3), (1, 4)))
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)),
                 *(int(v) for v in rng.integers(1, 12, 2)))
        if min(grid(shape[2:], k, d, p, s)) < 1:
            continue
        checked += 1
        x = rng.standard_normal(shape)
        tx = torch.tensor(x, requires_grad=True)
        mine, theirs = F.unfold(Tensor(x), k, d, p, s), torch.nn.functional.unfold(tx, k, d, p, s)
        np.testing.assert_array_equal(mine.data, theirs.detach().numpy())
        y = rng.standard_normal(mine.shape)
        np.testing.assert_allclose(F.fold(Tensor(y), shape[2:], k, d, p, s).data,
                                   torch.nn.functional.fold(torch.tensor(y), shape[2:], k, d,
                                                            p, s).numpy(), rtol=1e-13,
                                   atol=1e-13)
