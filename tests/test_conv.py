"""conv2d and conv_transpose2d: against loop references written from the definitions,
as each other's adjoints, gradcheck / gradgradcheck, errors, and (when installed) torch.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu.ops import conv as conv_ops


# ---------------------------------------------------------------- loop references (tests only)
def reference_conv2d(x, w, b=None, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1),
                     groups=1):
    """out[n,o,i,j] = b[o] + sum_{c,a,q} w[o,c,a,q] x[n, c', i*sh + a*dh - top, j*sw + q*dw - left],
    with c' = (o // (O/G)) * (C/G) + c and x read as 0 outside the image."""
    n_batch, channels, height, width = x.shape
    out_channels, per_group, kh, kw = w.shape
    (sh, sw), (dh, dw), ((top, bottom), (left, right)) = stride, dilation, pads
    oh = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n_batch, out_channels, oh, ow))
    for n, o, i, j in itertools.product(range(n_batch), range(out_channels), range(oh), range(ow)):
        first = (o // (out_channels // groups)) * per_group
        total = 0.0 if b is None else b[o]
        for c, a, q in itertools.product(range(per_group), range(kh), range(kw)):
            y, z = i * sh + a * dh - top, j * sw + q * dw - left
            if 0 <= y < height and 0 <= z < width:
                total += w[o, c, a, q] * x[n, first + c, y, z]
        out[n, o, i, j] = total
    return out


def reference_conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0),
                               output_padding=(0, 0), groups=1, dilation=(1, 1)):
    """Every input pixel spreads over a kernel-sized patch of the output:
    out[n, c', i*sh + a*dh - ph, j*sw + q*dw - pw] += x[n,k,i,j] w[k,c,a,q],
    c' = (k // (Cin/G)) * Cout/G + c; positions outside the output are dropped."""
    n_batch, in_channels, height, width = x.shape
    _, per_group, kh, kw = w.shape
    (sh, sw), (dh, dw), (ph, pw) = stride, dilation, padding
    oh = (height - 1) * sh - 2 * ph + dh * (kh - 1) + 1 + output_padding[0]
    ow = (width - 1) * sw - 2 * pw + dw * (kw - 1) + 1 + output_padding[1]
    out = np.zeros((n_batch, per_group * groups, oh, ow))
    for n, k, i, j, c, a, q in itertools.product(range(n_batch), range(in_channels),
                                                 range(height), range(width), range(per_group),
                                                 range(kh), range(kw)):
        y, z = i * sh + a * dh - ph, j * sw + q * dw - pw
        if 0 <= y < oh and 0 <= z < ow:
            channel = (k // (in_channels // groups)) * per_group + c
            out[n, channel, y, z] += x[n, k, i, j] * w[k, c, a, q]
    if b is not None:
        out += b.reshape(-1, 1, 1)
    return out


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def same_pads(kernel, dilation):
    """torch's 'same': total d*(k-1), the odd one extra at the bottom/right."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                 for k, d in zip(kernel, dilation))


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def t64(array, requires_grad=False):
    return Tensor(array, dtype=np.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------- conv2d forward vs the loops
GRID = [(s, p, d, g) for s in (1, 2, 3) for p in (0, 1, 2, "same") for d in (1, 2)
        for g in (1, 2, 4) if not (p == "same" and s != 1)]


@pytest.mark.parametrize("stride,padding,dilation,groups", GRID)
def test_conv2d_matches_loop_reference(stride, padding, dilation, groups):
    x = randn(2, 4, 7, 6, seed=1)                  # non-square image
    w = randn(8, 4 // groups, 3, 2, seed=2)         # non-square kernel
    b = randn(8, seed=3)
    out = tg.conv2d(t64(x), t64(w), t64(b), stride=stride, padding=padding, dilation=dilation,
                    groups=groups)
    pads = same_pads((3, 2), (dilation,) * 2) if padding == "same" else ((padding,) * 2,) * 2
    expected = reference_conv2d(x, w, b, pair(stride), pads, pair(dilation), groups)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    if padding == "same":
        assert out.shape[2:] == x.shape[2:]


@pytest.mark.parametrize("x_shape,w_shape,options", [
    ((1, 1, 5, 5), (1, 1, 3, 3), {}),                                   # batch 1, C = 1
    ((1, 1, 4, 9), (3, 1, 4, 2), dict(stride=(1, 3), padding=(0, 1))),  # kernel as tall as x
    ((3, 2, 4, 4), (5, 2, 1, 1), dict(stride=2)),                       # 1x1 kernel
    ((2, 3, 5, 5), (2, 3, 5, 5), {}),                                   # a single window
    ((1, 2, 6, 5), (4, 2, 2, 3), dict(padding="valid", dilation=(2, 1))),
    ((1, 2, 6, 5), (4, 2, 2, 4), dict(padding="same", dilation=(3, 1))),   # even kernel, 'same'
])
def test_conv2d_edge_shapes(x_shape, w_shape, options):
    x, w = randn(*x_shape, seed=4), randn(*w_shape, seed=5)
    padding = options.get("padding", 0)
    dilation = pair(options.get("dilation", 1))
    if padding == "same":
        pads = same_pads(w_shape[2:], dilation)
    else:
        pads = tuple((p, p) for p in pair(0 if padding == "valid" else padding))
    expected = reference_conv2d(x, w, None, pair(options.get("stride", 1)), pads, dilation)
    np.testing.assert_allclose(tg.conv2d(t64(x), t64(w), **options).data, expected,
                               rtol=1e-12, atol=1e-12)


def test_unbatched_input_and_method_form():
    x, w, b = randn(3, 6, 5, seed=6), randn(2, 3, 3, 3, seed=7), randn(2, seed=8)
    out = t64(x).conv2d(t64(w), t64(b), padding=1)
    assert out.shape == (2, 6, 5)
    np.testing.assert_allclose(out.data, reference_conv2d(x[None], w, b, pads=((1, 1), (1, 1)))[0],
                               rtol=1e-12, atol=1e-12)
    back = t64(out.data).conv_transpose2d(t64(w), padding=1)
    assert back.shape == (3, 6, 5)


def test_float32_stays_float32_and_is_close():
    x, w = randn(2, 3, 6, 6, seed=9), randn(4, 3, 3, 3, seed=10)
    out = tg.conv2d(Tensor(x.astype(np.float32)), Tensor(w.astype(np.float32)), stride=2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference_conv2d(x, w, stride=(2, 2)), rtol=1e-4,
                               atol=1e-4)


def test_output_is_c_contiguous_for_wide_and_narrow_rows():
    """The GEMM's (O, N*OH*width) result is copied into (N, O, OH, OW) order: later
    elementwise ops (relu) were 2-3x slower on the transposed, row-sliced view."""
    for size in (6, 30):                   # wide rows (grid <= 24 wide) and narrow rows
        out = tg.conv2d(Tensor(randn(2, 3, size, size, seed=11)), Tensor(randn(4, 3, 3, 3, seed=12)),
                        Tensor(randn(4, seed=13)), padding=1)
        assert out.data.flags.c_contiguous and out.shape == (2, 4, size, size)


# ---------------------------------------------------------------- conv_transpose2d
TRANSPOSE_GRID = [  # stride, padding, output_padding, groups, dilation
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (3, 2, (2, 1), 2, 1), ((2, 1), (0, 1), (1, 0), 4, (1, 2)),
    (1, 1, 1, 2, 2),          # output_padding >= stride, allowed because dilation is larger
    (2, 0, 0, 1, 3),
]


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation", TRANSPOSE_GRID)
def test_conv_transpose2d_matches_loop_reference(stride, padding, output_padding, groups,
                                                 dilation):
    x = randn(2, 4, 4, 3, seed=11)
    w = randn(4, 3, 3, 2, seed=12)               # 4 input channels, 3 outputs per group
    b = randn(w.shape[1] * groups, seed=13)
    out = tg.conv_transpose2d(t64(x), t64(w), t64(b), stride=stride, padding=padding,
                              output_padding=output_padding, groups=groups, dilation=dilation)
    expected = reference_conv_transpose2d(x, w, b, pair(stride), pair(padding),
                                          pair(output_padding), groups, pair(dilation))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride,padding,dilation,groups", GRID[::3])
def test_conv_transpose_is_the_adjoint_of_conv(stride, padding, dilation, groups):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for the same weight; the
    output_padding that gives back x's size is the rest conv2d's floor dropped."""
    if padding == "same":       # conv_transpose2d takes symmetric padding only
        padding = dilation
    x = randn(2, 4, 7, 6, seed=14)
    w = randn(8, 4 // groups, 3, 2, seed=15)
    conv = tg.conv2d(t64(x), t64(w), stride=stride, padding=padding, dilation=dilation,
                     groups=groups)
    y = randn(*conv.shape, seed=16)
    spans = (dilation * 2 + 1, dilation + 1)
    output_padding = tuple(n + 2 * padding - ((m - 1) * stride + span)
                           for n, m, span in zip(x.shape[2:], conv.shape[2:], spans))
    back = tg.conv_transpose2d(t64(y), t64(w), stride=stride, padding=padding,
                               output_padding=output_padding, groups=groups, dilation=dilation)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(conv.data * y), np.sum(x * back.data), rtol=1e-12)


# ---------------------------------------------------------------- gradients
GRAD_CONFIGS = [  # x shape, w shape, options
    ((1, 1, 4, 4), (2, 1, 2, 2), {}),
    ((2, 2, 4, 3), (2, 2, 2, 2), dict(stride=2, padding=1)),
    ((1, 2, 5, 5), (2, 2, 2, 2), dict(stride=3, padding=2)),
    ((1, 2, 5, 4), (2, 2, 2, 2), dict(dilation=2, padding=1)),
    ((1, 4, 3, 3), (4, 2, 2, 1), dict(groups=2, padding=(1, 0))),
    ((1, 2, 3, 4), (2, 1, 3, 2), dict(groups=2, padding="same")),      # groups = channels
    ((1, 2, 3, 4), (2, 2, 2, 2), dict(padding="same", dilation=(1, 2))),
    ((2, 3, 4), (2, 2, 2, 2), {}),                                         # unbatched
]


@pytest.mark.parametrize("x_shape,w_shape,options", GRAD_CONFIGS)
def test_conv2d_gradcheck_and_gradgradcheck(x_shape, w_shape, options):
    x = t64(randn(*x_shape, seed=17), requires_grad=True)
    w = t64(randn(*w_shape, seed=18), requires_grad=True)
    b = t64(randn(w_shape[0], seed=19), requires_grad=True)

    def fn(x, w, b):
        return tg.conv2d(x, w, b, **options)
    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


@pytest.mark.parametrize("x_shape,w_shape,options", [
    ((1, 2, 2, 3), (2, 1, 2, 2), dict(stride=2, padding=1, output_padding=1)),
    ((1, 2, 2, 2), (2, 2, 3, 2), dict(stride=(1, 3), output_padding=(0, 2), dilation=(1, 1))),
    ((1, 2, 2, 2), (2, 1, 2, 2), dict(dilation=2, output_padding=1, groups=2)),
    ((2, 3, 3), (2, 1, 2, 2), dict(stride=2)),                              # unbatched
])
def test_conv_transpose2d_gradcheck_and_gradgradcheck(x_shape, w_shape, options):
    x = t64(randn(*x_shape, seed=20), requires_grad=True)
    w = t64(randn(*w_shape, seed=21), requires_grad=True)
    b = t64(randn(w_shape[1] * options.get("groups", 1), seed=22), requires_grad=True)

    def fn(x, w, b):
        return tg.conv_transpose2d(x, w, b, **options)
    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


def test_input_gradient_is_full_correlation_with_rotated_kernel():
    """Stride 1, no padding: dL/dx = g zero-padded by k-1, correlated with w rotated 180
    degrees and its in/out channels swapped (the textbook result)."""
    x = t64(randn(2, 3, 5, 6, seed=23), requires_grad=True)
    w = randn(4, 3, 3, 2, seed=24)
    out = tg.conv2d(x, t64(w))
    g = randn(*out.shape, seed=25)
    out.backward(t64(g))
    rotated = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    full = reference_conv2d(g, rotated, pads=((2, 2), (1, 1)))
    np.testing.assert_allclose(x.grad.data, full, rtol=1e-12, atol=1e-12)


def test_weight_gradient_is_correlation_of_input_with_output_gradient():
    x = randn(2, 3, 5, 6, seed=26)
    w = t64(randn(4, 3, 3, 2, seed=27), requires_grad=True)
    out = tg.conv2d(t64(x), w, stride=2, padding=1)
    g = randn(*out.shape, seed=28)
    out.backward(t64(g))
    expected = np.zeros(w.shape)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for a, q in itertools.product(range(3), range(2)):     # dL/dw[o,c,a,q] = sum g * window
        patch = xp[:, :, a:a + 2 * out.shape[2] - 1:2, q:q + 2 * out.shape[3] - 1:2]
        expected[:, :, a, q] = np.einsum("noij,ncij->oc", g, patch)
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-12, atol=1e-12)


def test_backward_twice_with_retain_graph_accumulates():
    """Both backwards reuse the columns forward saved for dL/dw."""
    x = t64(randn(1, 2, 5, 5, seed=29), requires_grad=True)
    w = t64(randn(3, 2, 3, 3, seed=30), requires_grad=True)
    loss = (tg.conv2d(x, w, padding=1) ** 2).sum()
    loss.backward(retain_graph=True)
    first_w, first_x = w.grad.data.copy(), x.grad.data.copy()
    loss.backward()
    np.testing.assert_allclose(w.grad.data, 2 * first_w, rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, 2 * first_x, rtol=1e-12)


def test_only_the_needed_gradients_are_computed():
    x = t64(randn(1, 2, 4, 4, seed=31), requires_grad=True)
    w = t64(randn(3, 2, 2, 2, seed=32))
    tg.conv2d(x, w).sum().backward()
    assert x.grad is not None and w.grad is None


@pytest.mark.parametrize("trained", ["weight", "bias"])
def test_bias_gradient_with_or_without_the_weight_gradient(trained):
    """With dL/dw the bias gradient is the last column of the weight gradient's GEMM (the
    columns' row of ones); without it, the sum of g."""
    x = t64(randn(2, 4, 5, 5, seed=44))
    w = t64(randn(6, 2, 3, 3, seed=45), requires_grad=trained == "weight")
    b = t64(randn(6, seed=46), requires_grad=True)
    out = tg.conv2d(x, w, b, padding=1, groups=2)
    g = randn(*out.shape, seed=47)
    out.backward(t64(g))
    np.testing.assert_allclose(b.grad.data, g.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)
    assert (w.grad is not None) == (trained == "weight")


# ---------------------------------------------------------------- wide and narrow rows
def reference_weight_grad(x, g, kernel, stride, pads, dilation, groups):
    """dL/dw[o,c,a,q] = sum_{n,i,j} g[n,o,i,j] xp[n, c', i*sh + a*dh, j*sw + q*dw]."""
    (sh, sw), (dh, dw) = stride, dilation
    xp = np.pad(x, ((0, 0), (0, 0), *pads))
    out_channels, per_group = g.shape[1], x.shape[1] // groups
    grad = np.zeros((out_channels, per_group, *kernel))
    for o, c, a, q in itertools.product(range(out_channels), range(per_group),
                                        *map(range, kernel)):
        channel = (o // (out_channels // groups)) * per_group + c
        for n, i, j in itertools.product(range(g.shape[0]), range(g.shape[2]), range(g.shape[3])):
            grad[o, c, a, q] += g[n, o, i, j] * xp[n, channel, i * sh + a * dh, j * sw + q * dw]
    return grad


WIDE_CASES = [  # x shape, w shape, options: where the slack and the garbage columns matter
    ((2, 3, 5, 4), (2, 3, 2, 4), {}),                               # kernel as wide as x: OW = 1
    ((1, 2, 4, 3), (3, 2, 3, 5), dict(padding=1)),                  # as wide as the padded x
    ((2, 2, 6, 7), (2, 2, 2, 3), dict(padding=(0, 2), dilation=(1, 3))),   # slack dw*(kw-1)
    ((2, 4, 7, 5), (4, 2, 3, 2), dict(stride=(2, 1), padding=1, groups=2)),
    ((1, 2, 3, 30), (2, 2, 2, 3), {}),                              # OW = 28
    ((0, 2, 5, 5), (3, 2, 3, 3), dict(padding=1)),                  # empty batch
]


@pytest.mark.parametrize("wide_up_to", [0, 1000])       # im2col narrow / wide for every sw=1
@pytest.mark.parametrize("x_shape,w_shape,options", WIDE_CASES)
def test_wide_and_narrow_rows_match_the_loops(monkeypatch, wide_up_to, x_shape, w_shape,
                                              options):
    """Forward, dL/dx, dL/dw and dL/db in both row layouts of ops/conv.py's PaddedImage
    (col2im uses wide rows whenever sw = 1, narrow ones otherwise)."""
    monkeypatch.setattr(conv_ops, "WIDE_ROWS_UP_TO", wide_up_to)
    x = t64(randn(*x_shape, seed=37), requires_grad=True)
    w = t64(randn(*w_shape, seed=38), requires_grad=True)
    b = t64(randn(w_shape[0], seed=48), requires_grad=True)
    stride, dilation = pair(options.get("stride", 1)), pair(options.get("dilation", 1))
    pads, groups = tuple((p, p) for p in pair(options.get("padding", 0))), options.get("groups", 1)
    out = tg.conv2d(x, w, b, **options)
    expected = reference_conv2d(x.data, w.data, b.data, stride, pads, dilation, groups)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    g = randn(*out.shape, seed=39)
    out.backward(t64(g))
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, w_shape[2:])]
    extra = tuple(n + 2 * p - ((m - 1) * s + span) for n, (p, _), m, s, span
                  in zip(x_shape[2:], pads, out.shape[2:], stride, spans))
    grad_x = reference_conv_transpose2d(g, w.data, None, stride, [p for p, _ in pads], extra,
                                        groups, dilation)
    np.testing.assert_allclose(x.grad.data, grad_x, rtol=1e-12, atol=1e-12)
    grad_w = reference_weight_grad(x.data, g, w_shape[2:], stride, pads, dilation, groups)
    np.testing.assert_allclose(w.grad.data, grad_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, g.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)


def last_element(view, flat):
    """The index in `flat` of the last element a view of it reaches."""
    start = (view.__array_interface__["data"][0] - flat.__array_interface__["data"][0])
    return (start + sum((n - 1) * step for n, step in zip(view.shape, view.strides))
            ) // flat.itemsize


@pytest.mark.parametrize("wide,tight", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("x_shape,w_shape,options", WIDE_CASES[:-1])
def test_row_windows_stay_inside_their_buffer(wide, tight, x_shape, w_shape, options):
    """The windows view (im2col reads it, col2im adds into it) and the interior end
    inside the padded buffer: wide rows run past the last image row into the slack,
    never beyond, also when tight rows are closer than the padded width."""
    stride, dilation = pair(options.get("stride", 1)), pair(options.get("dilation", 1))
    pads = tuple((p, p) for p in pair(options.get("padding", 0)))
    grid = conv_ops.grid_size(x_shape[2:], w_shape[2:], stride, pads, dilation)
    layout = conv_ops.PaddedImage(x_shape[2:], pads, w_shape[2:], stride, dilation, grid,
                                  wide=wide, tight=tight)
    flat = layout.zeros(2, 3, np.float64)
    view = layout.windows(flat)
    wide = wide and stride[1] == 1
    assert view.size == 2 * 3 * w_shape[2] * w_shape[3] * grid[0] * (
        layout.pitch if wide else grid[1])
    last = last_element(view, flat)
    assert last == flat.size - 1 if wide else last < flat.size
    assert last_element(layout.interior(flat), flat) < flat.size


@pytest.mark.parametrize("wide_up_to,copies", [(0, [6]), (1000, [6, 8])])
def test_plain_backward_copies_g_once_when_both_gradients_use_one_width(monkeypatch,
                                                                        wide_up_to, copies):
    """'same' padding: col2im's tight rows are W = OW wide, as the narrow columns of dL/dw,
    so one channel-major copy of g serves both; wide columns (Wp = 8) need their own."""
    monkeypatch.setattr(conv_ops, "WIDE_ROWS_UP_TO", wide_up_to)
    widths = []
    channel_rows = conv_ops.channel_rows
    monkeypatch.setattr(conv_ops, "channel_rows",
                        lambda g, width, groups: widths.append(width) or channel_rows(
                            g, width, groups))
    x = t64(randn(2, 3, 6, 6, seed=49), requires_grad=True)
    w = t64(randn(4, 3, 3, 3, seed=50), requires_grad=True)
    out = tg.conv2d(x, w, padding=1)
    g = randn(*out.shape, seed=51)
    out.backward(t64(g))
    assert sorted(widths) == copies
    np.testing.assert_allclose(x.grad.data, reference_conv_transpose2d(g, w.data, None, (1, 1),
                                                                       (1, 1)),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.grad.data, reference_weight_grad(
        x.data, g, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("wide_up_to", [0, 1000])
def test_wide_and_narrow_rows_second_order(monkeypatch, wide_up_to):
    """gradgradcheck runs Conv2dWeightGrad (and Conv2d) with the chosen im2col rows."""
    monkeypatch.setattr(conv_ops, "WIDE_ROWS_UP_TO", wide_up_to)
    x = t64(randn(1, 2, 4, 3, seed=40), requires_grad=True)
    w = t64(randn(2, 2, 2, 3, seed=41), requires_grad=True)

    def fn(x, w):
        return tg.conv2d(x, w, padding=(1, 1), dilation=(1, 2))
    assert gradgradcheck(fn, [x, w])


def test_conv_transpose2d_wide_rows_with_output_padding():
    """Extra output columns (output_padding < dilation) with width-stride 1: the wide rows
    of the col2im then run over them too."""
    x, w = randn(2, 2, 3, 4, seed=42), randn(2, 3, 2, 3, seed=43)
    options = dict(stride=(2, 1), padding=(0, 1), output_padding=(1, 1), dilation=(1, 2))
    out = tg.conv_transpose2d(t64(x), t64(w), **options)
    expected = reference_conv_transpose2d(x, w, None, (2, 1), (0, 1), (1, 1), 1, (1, 2))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- errors
def _conv_error(exc, match, x_shape=(1, 3, 5, 5), w_shape=(2, 3, 3, 3), **options):
    with pytest.raises(exc, match=match):
        tg.conv2d(Tensor(np.zeros(x_shape, np.float32)), Tensor(np.zeros(w_shape, np.float32)),
                  **options)


def test_conv2d_errors():
    _conv_error(ValueError, r"conv2d: expected a 4-D input \(N, C, H, W\) or a 3-D unbatched "
                r"input \(C, H, W\), got shape \(5, 5\)", x_shape=(5, 5))
    _conv_error(ValueError, r"conv2d: expected a 4-D weight, got shape \(2, 3, 3\)",
                w_shape=(2, 3, 3))
    _conv_error(ValueError, "conv2d: input has 3 channels but weight expects 1",
                w_shape=(2, 1, 3, 3))
    _conv_error(ValueError, r"conv2d: input has 4 channels but weight expects 6 \(3 per group "
                r"x 2 groups\)", x_shape=(1, 4, 5, 5), w_shape=(2, 3, 3, 3), groups=2)
    _conv_error(ValueError, "conv2d: groups=2 does not divide the 3 input channels", groups=2)
    _conv_error(ValueError, "conv2d: groups=2 does not divide the 3 output channels",
                x_shape=(1, 4, 5, 5), w_shape=(3, 2, 3, 3), groups=2)
    _conv_error(ValueError, "conv2d: groups must be a positive int, got 0", groups=0)
    _conv_error(ValueError, r"conv2d: kernel 3x3 \(dilated to 5x5\) is larger than the padded "
                r"input 4x4", x_shape=(1, 3, 2, 2), padding=1, dilation=2)
    _conv_error(ValueError, r"kernel 3x3 \(dilated to 3x3\) is larger than the padded input "
                r"2x5", x_shape=(1, 3, 2, 5))
    _conv_error(ValueError, r"conv2d: stride must be positive, got 0", stride=0)
    _conv_error(ValueError, r"conv2d: dilation must be positive, got \(1, 0\)", dilation=(1, 0))
    _conv_error(ValueError, r"conv2d: padding must be non-negative, got -1", padding=-1)
    _conv_error(TypeError, r"conv2d: stride must be an int or a pair of ints, got \(1, 2, 3\)",
                stride=(1, 2, 3))
    _conv_error(ValueError, r"conv2d: padding='same' needs stride 1, got stride=\(2, 2\)",
                padding="same", stride=2)
    _conv_error(ValueError, "conv2d: padding must be an int, a pair of ints, 'valid' or 'same', got "
                "'full'", padding="full")
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(2,\) \(one per output "
                       r"channel\), got \(3,\)"):
        tg.conv2d(Tensor(np.zeros((1, 3, 5, 5))), Tensor(np.zeros((2, 3, 3, 3))),
                  Tensor(np.zeros(3)))


def test_conv2d_dtype_errors():
    x32, w64 = Tensor(np.zeros((1, 1, 3, 3), np.float32)), Tensor(np.zeros((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="conv2d: input is float32 but weight is float64; "
                       r"convert one with .to\(\)"):
        tg.conv2d(x32, w64)
    with pytest.raises(TypeError, match="conv2d: input is float32 but bias is float64"):
        tg.conv2d(x32, w64.float(), Tensor(np.zeros(1)))
    with pytest.raises(TypeError, match="conv2d: input must be a floating point tensor, "
                       "got int64"):
        tg.conv2d(Tensor(np.zeros((1, 1, 3, 3), np.int64)), w64)


def test_conv_transpose2d_errors():
    x, w = Tensor(np.zeros((1, 4, 3, 3))), Tensor(np.zeros((4, 2, 3, 3)))
    with pytest.raises(ValueError, match="conv_transpose2d: input has 3 channels but weight "
                       "expects 4"):
        tg.conv_transpose2d(Tensor(np.zeros((1, 3, 3, 3))), w)
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(2, 2\) must be "
                       r"smaller than stride \(2, 2\) or dilation \(1, 1\)"):
        tg.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="conv_transpose2d: groups=3 does not divide the 4 "
                       "input channels"):
        tg.conv_transpose2d(x, w, groups=3)
    with pytest.raises(ValueError, match=r"conv_transpose2d: the output size \(-1, -1\) would be "
                       "empty"):
        tg.conv_transpose2d(x, w, padding=3)
    with pytest.raises(ValueError, match="conv_transpose2d: stride must be positive"):
        tg.conv_transpose2d(x, w, stride=0)
    with pytest.raises(TypeError, match="conv_transpose2d: padding must be an int or a pair"):
        tg.conv_transpose2d(x, w, padding="same")
    with pytest.raises(ValueError, match=r"conv_transpose2d: bias must have shape \(2,\)"):
        tg.conv_transpose2d(x, w, Tensor(np.zeros(4)))


def test_arguments_must_be_tensors_and_numpy_integers_are_fine():
    w = Tensor(np.ones((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="conv2d: input must be a Tensor, got ndarray"):
        tg.conv2d(np.ones((1, 1, 3, 3)), w)
    out = tg.conv2d(Tensor(np.ones((1, 2, 3, 3))), Tensor(np.ones((2, 1, 2, 2))),
                    stride=np.int64(1), padding=[0, 1], groups=np.int64(2))
    np.testing.assert_array_equal(out.data[0, :, 0], [[2, 4, 4, 2], [2, 4, 4, 2]])


# ---------------------------------------------------------------- torch, when installed
TORCH_CONFIGS = [
    ("conv2d", (2, 4, 7, 6), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2),
                                                 groups=2)),
    ("conv2d", (2, 3, 6, 6), (4, 3, 4, 2), dict(padding="same", dilation=(1, 3))),
    ("conv2d", (3, 5, 5), (4, 3, 3, 3), dict(stride=3, padding=2)),
    ("conv_transpose2d", (2, 4, 3, 5), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1,
                                                          groups=2)),
    ("conv_transpose2d", (2, 2, 4, 4), (2, 3, 2, 2), dict(dilation=3, output_padding=2)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")   # torch's note on its own copy
@pytest.mark.parametrize("op,x_shape,w_shape,options", TORCH_CONFIGS)
def test_matches_torch_forward_and_gradients(op, x_shape, w_shape, options):
    torch = pytest.importorskip("torch")
    out_channels = w_shape[0] if op == "conv2d" else w_shape[1] * options.get("groups", 1)
    arrays = [randn(*x_shape, seed=33), randn(*w_shape, seed=34), randn(out_channels, seed=35)]
    ours = [t64(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = getattr(tg, op)(*ours, **options)
    expected = getattr(torch.nn.functional, op)(*theirs, **options)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = randn(*out.shape, seed=36)
    out.backward(t64(g))
    expected.backward(torch.tensor(g))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=1e-12,
                                   atol=1e-12)


def test_an_inf_in_the_image_stays_where_the_windows_put_it():
    """Wide rows would multiply the inf by a zero-extended g (0 * inf = nan) in the weight
    gradient's garbage columns; a non-finite image is laid out narrow instead, so only the
    weight entries whose windows see the inf are non-finite, as the definition says."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 1, 6, 6))
    x[0, 0, 2, 0] = np.inf                    # column 0: only kernel column b = 0 reads it
    xt = Tensor(x, requires_grad=True)
    w = Tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True)
    out = tg.conv2d(xt, w)
    out.backward(tg.ones_like(out))          # (a sum of +inf and -inf outputs would be nan)
    assert np.isinf(w.grad.data[0, 0, :, 0]).all()
    assert np.isfinite(w.grad.data[0, 0, :, 1:]).all()
    windows = np.lib.stride_tricks.sliding_window_view(x[0, 0], (3, 3))   # (4, 4, 3, 3)
    np.testing.assert_allclose(w.grad.data[0, 0, :, 1:], windows.sum((0, 1))[:, 1:])


def test_an_inf_in_the_weight_stays_in_its_own_input_gradient_cells():
    rng = np.random.default_rng(6)
    w = rng.standard_normal((1, 1, 3, 3))
    w[0, 0, 0, 0] = np.inf
    x = Tensor(rng.standard_normal((1, 1, 6, 6)), requires_grad=True)
    out = tg.conv2d(x, Tensor(w))
    out.backward(tg.ones_like(out))
    # dL/dx[y, z] = sum over windows covering (y, z) of w[y - i, z - j]; w[0, 0] reaches
    # the cells (i, j) with i, j < 4 (window origins), and no others
    assert np.isinf(x.grad.data[0, 0, :4, :4]).all()
    assert np.isfinite(x.grad.data[0, 0, 4:, :]).all() and np.isfinite(x.grad.data[0, 0, :, 4:]).all()
