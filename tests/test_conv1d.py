"""The 1-D CNN family (tinygrad_edu.cnn1d, nn.layers_1d): against loop references written
from the definitions (values and gradients), gradcheck / gradgradcheck in float64, errors
that name the 1-D op, the modules (init, padding_mode, repr), and (when installed) torch.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu.cnn1d import (adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d,
                                 conv1d, conv_transpose1d, dropout1d, max_pool1d)
from conv_checks import (assert_close, check_gradients, convolution_matches_torch, distinct,
                         randn, t64)
from nn import layers_1d as L


# ---------------------------------------------------------------- loop references (tests only)
def reference_conv1d(x, w, b, stride=1, pads=(0, 0), dilation=1, groups=1, seed=0):
    """out[n,o,i] = b[o] + sum_{c,a} w[o,c,a] x[n, c', i*s + a*d - left], c' = (o // (O/G)) *
    (C/G) + c, x read as 0 outside. For an upstream g (drawn from `seed`), the gradients of
    the same sum term by term: dx[n,c',j] += g[n,o,i] w[o,c,a], dw[o,c,a] += g[n,o,i] x[n,c',j],
    db[o] = sum g[:, o, :]. Returns out, g, (dx, dw, db)."""
    n_batch, channels, length = x.shape
    out_channels, per_group, k = w.shape
    left, right = pads
    out_len = (length + left + right - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((n_batch, out_channels, out_len))
    g = randn(*out.shape, seed=seed)
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n, o, i in itertools.product(range(n_batch), range(out_channels), range(out_len)):
        first = (o // (out_channels // groups)) * per_group
        out[n, o, i] = 0.0 if b is None else b[o]
        for c, a in itertools.product(range(per_group), range(k)):
            j = i * stride + a * dilation - left
            if 0 <= j < length:
                out[n, o, i] += w[o, c, a] * x[n, first + c, j]
                dx[n, first + c, j] += g[n, o, i] * w[o, c, a]
                dw[o, c, a] += g[n, o, i] * x[n, first + c, j]
    return out, g, (dx, dw, g.sum(axis=(0, 2)))


def reference_conv_transpose1d(x, w, b, stride=1, padding=0, output_padding=0, groups=1,
                               dilation=1, seed=0):
    """Every input cell spreads over a kernel-sized stretch of the output:
    out[n, c', i*s + a*d - p] += x[n,j,i] w[j,c,a], c' = (j // (Cin/G)) * Cout/G + c, cells
    outside the output dropped; gradients term by term as in reference_conv1d."""
    n_batch, in_channels, length = x.shape
    _, per_group, k = w.shape
    out_len = (length - 1) * stride - 2 * padding + dilation * (k - 1) + 1 + output_padding
    out = np.zeros((n_batch, per_group * groups, out_len))
    g = randn(*out.shape, seed=seed)
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n, j, i, c, a in itertools.product(range(n_batch), range(in_channels), range(length),
                                           range(per_group), range(k)):
        q = i * stride + a * dilation - padding
        if 0 <= q < out_len:
            channel = (j // (in_channels // groups)) * per_group + c
            out[n, channel, q] += x[n, j, i] * w[j, c, a]
            dx[n, j, i] += g[n, channel, q] * w[j, c, a]
            dw[j, c, a] += g[n, channel, q] * x[n, j, i]
    if b is not None:
        out += b.reshape(-1, 1)
    return out, g, (dx, dw, g.sum(axis=(0, 2)))


def pool_windows(length, k, s, p, d, ceil):
    """The cells (input coordinates, maybe in the padding) of every window, by torch's
    documented rule: floor((L + 2p - d(k-1) - 1) / s) + 1 windows (ceil with ceil_mode,
    without a last window that would start in the right padding)."""
    span = length + 2 * p - d * (k - 1) - 1
    count = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (count - 1) * s - p >= length:
        count -= 1
    return [[i * s - p + a * d for a in range(k)] for i in range(count)]


def reference_max_pool1d(x, k, s, p, d, ceil, seed=0):
    """(out, indices, g, dx): the first max of the input cells of each window."""
    windows = pool_windows(x.shape[-1], k, s, p, d, ceil)
    out = np.empty(x.shape[:2] + (len(windows),))
    idx = np.empty(out.shape, dtype=np.int64)
    g, dx = randn(*out.shape, seed=seed), np.zeros(x.shape)
    for n, c, (i, cells) in itertools.product(range(x.shape[0]), range(x.shape[1]),
                                              enumerate(windows)):
        inside = [j for j in cells if 0 <= j < x.shape[-1]]
        best = inside[0]
        for j in inside:
            if x[n, c, j] > x[n, c, best]:
                best = j
        out[n, c, i], idx[n, c, i] = x[n, c, best], best
        dx[n, c, best] += g[n, c, i]
    return out, idx, g, dx


def reference_avg_pool1d(x, k, s, p, ceil, count_include_pad, seed=0):
    """(out, g, dx): the sum of the input cells / the window size, which counts the cells in
    the padding with count_include_pad (never those beyond it)."""
    length = x.shape[-1]
    windows = pool_windows(length, k, s, p, 1, ceil)
    out = np.empty(x.shape[:2] + (len(windows),))
    g, dx = randn(*out.shape, seed=seed), np.zeros(x.shape)
    for i, cells in enumerate(windows):
        inside = [j for j in cells if 0 <= j < length]
        size = len([j for j in cells if -p <= j < length + p]) if count_include_pad else len(inside)
        out[..., i] = x[..., inside].sum(-1) / size
        for j in inside:
            dx[..., j] += g[..., i] / size
    return out, g, dx


def reference_adaptive1d(x, out_len, seed=0):
    """(mean, max, indices, g, dx of the mean, dx of the max) over the bins
    [floor(i*L/OL), ceil((i+1)*L/OL)), the first max of each."""
    length = x.shape[-1]
    shape = x.shape[:2] + (out_len,)
    mean, top, idx = np.empty(shape), np.empty(shape), np.empty(shape, dtype=np.int64)
    g, dmean, dtop = randn(*shape, seed=seed), np.zeros(x.shape), np.zeros(x.shape)
    for i in range(out_len):
        cells = range(i * length // out_len, math.ceil((i + 1) * length / out_len))
        mean[..., i] = x[..., cells].mean(-1)
        for j in cells:
            dmean[..., j] += g[..., i] / len(cells)
        for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
            best = max(cells, key=lambda j: (x[n, c, j], -j))      # the first max
            top[n, c, i], idx[n, c, i] = x[n, c, best], best
            dtop[n, c, best] += g[n, c, i]
    return mean, top, idx, g, dmean, dtop


# ---------------------------------------------------------------- conv1d, conv_transpose1d
GRID = [(s, p, d, g) for s in (1, 2, 3) for p in (0, 1, 2, "same", "valid") for d in (1, 2)
        for g in (1, 2, 4) if not (p == "same" and s != 1)]


def same_pads(k, d):
    return d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2


@pytest.mark.parametrize("stride,padding,dilation,groups", GRID)
def test_conv1d_matches_loop_reference(stride, padding, dilation, groups):
    x, w, b = randn(2, 4, 9, seed=1), randn(8, 4 // groups, 4, seed=2), randn(8, seed=3)
    params = [t64(a, requires_grad=True) for a in (x, w, b)]
    out = conv1d(*params, stride=stride, padding=padding, dilation=dilation, groups=groups)
    pads = {"same": same_pads(4, dilation), "valid": (0, 0)}.get(padding, (padding, padding))
    expected, g, grads = reference_conv1d(x, w, b, stride, pads, dilation, groups)
    assert_close(out.data, expected)
    check_gradients(out, params, g, grads)
    if padding == "same":          # length kept; the even kernel's extra padding on the right
        assert out.shape == (2, 8, 9)


@pytest.mark.parametrize("x_shape,w_shape,options", [
    ((1, 1, 5), (1, 1, 3), {}),                                        # batch 1, C = 1
    ((2, 3, 5), (2, 3, 5), {}),                                        # a single window
    ((3, 2, 4), (5, 2, 1), dict(stride=(2,))),                         # 1-tap kernel, a tuple
    ((1, 2, 1), (3, 2, 3), dict(padding=1)),                           # L = 1
    ((1, 2, 6), (4, 2, 2), dict(padding=(1,), dilation=(3,))),
])
def test_conv1d_edge_shapes(x_shape, w_shape, options):
    x, w = randn(*x_shape, seed=4), randn(*w_shape, seed=5)
    params = [t64(x, requires_grad=True), t64(w, requires_grad=True)]
    out = conv1d(*params, **options)
    p, s, d = (np.ravel(options.get(name, v))[0]        # an int or (int,)
               for name, v in (("padding", 0), ("stride", 1), ("dilation", 1)))
    expected, g, grads = reference_conv1d(x, w, None, s, (p, p), d)
    assert_close(out.data, expected)
    check_gradients(out, params, g, grads[:2])


TRANSPOSE_GRID = [  # stride, padding, output_padding, groups, dilation
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (3, 2, 2, 2, 1), (2, 1, 0, 4, 2),
    (1, 1, 1, 2, 2),                 # output_padding >= stride, allowed as dilation is larger
    (3, 0, 1, 1, 3),
]


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation", TRANSPOSE_GRID)
def test_conv_transpose1d_matches_loop_reference(stride, padding, output_padding, groups,
                                                 dilation):
    x, w = randn(2, 4, 5, seed=11), randn(4, 3, 3, seed=12)  # 4 in, 3 out per group
    b = randn(3 * groups, seed=13)
    params = [t64(a, requires_grad=True) for a in (x, w, b)]
    out = conv_transpose1d(*params, stride=stride, padding=padding,
                           output_padding=output_padding, groups=groups, dilation=dilation)
    expected, g, grads = reference_conv_transpose1d(x, w, b, stride, padding, output_padding,
                                                    groups, dilation)
    assert_close(out.data, expected)
    check_gradients(out, params, g, grads)


@pytest.mark.parametrize("stride,padding,dilation,groups", GRID[::4])
def test_conv_transpose1d_is_the_adjoint_of_conv1d(stride, padding, dilation, groups):
    """<conv1d(x, w), y> == <x, conv_transpose1d(y, w)>; output_padding gives back x's
    length (what conv1d's floor dropped)."""
    padding = {"same": dilation, "valid": 0}.get(padding, padding)
    x, w = randn(2, 4, 9, seed=14), randn(8, 4 // groups, 3, seed=15)
    conv = conv1d(t64(x), t64(w), stride=stride, padding=padding, dilation=dilation,
                  groups=groups)
    y = randn(*conv.shape, seed=16)
    extra = 9 + 2 * padding - ((conv.shape[-1] - 1) * stride + 2 * dilation + 1)
    back = conv_transpose1d(t64(y), t64(w), stride=stride, padding=padding,
                            output_padding=extra, groups=groups, dilation=dilation)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(conv.data * y), np.sum(x * back.data), rtol=1e-12)


def test_unbatched_empty_batch_methods_and_float32():
    x, w, b = randn(3, 7, seed=6), randn(2, 3, 3, seed=7), randn(2, seed=8)
    out = t64(x).conv1d(t64(w), t64(b), padding=1)          # unbatched (C, L), a method
    assert out.shape == (2, 7)
    assert_close(out.data, reference_conv1d(x[None], w, b, pads=(1, 1))[0][0])
    assert t64(out.data).conv_transpose1d(t64(w), padding=1).shape == (3, 7)
    empty = t64(np.zeros((0, 3, 7)), requires_grad=True)
    out = conv1d(empty, t64(w, requires_grad=True))
    assert out.shape == (0, 2, 5)
    out.sum().backward()
    assert empty.grad.shape == (0, 3, 7)
    assert conv_transpose1d(t64(np.zeros((0, 2, 4))), t64(w)).shape == (0, 3, 6)
    x32 = conv1d(Tensor(x[None].astype(np.float32)), Tensor(w.astype(np.float32)), stride=2)
    assert x32.dtype == np.float32
    np.testing.assert_allclose(x32.data, reference_conv1d(x[None], w, None, 2)[0], rtol=1e-5,
                               atol=1e-5)


CONV_GRAD = [  # x shape, w shape, options
    ((1, 1, 6), (2, 1, 3), {}),                                         # batch 1, C = 1
    ((2, 2, 7), (3, 2, 2), dict(stride=2, padding=1)),
    ((1, 2, 8), (2, 2, 3), dict(stride=3, padding=2)),
    ((1, 2, 7), (2, 2, 3), dict(dilation=2, padding="same")),
    ((1, 4, 5), (4, 2, 2), dict(groups=2, padding="same")),            # even kernel
    ((1, 2, 6), (2, 1, 3), dict(groups=2, dilation=2, padding=1)),     # groups = channels
    ((3, 6), (2, 3, 3), dict(stride=2)),                                # unbatched
]


@pytest.mark.parametrize("x_shape,w_shape,options", CONV_GRAD)
def test_conv1d_gradcheck_and_gradgradcheck(x_shape, w_shape, options):
    params = [t64(randn(*shape, seed=17 + i), requires_grad=True)
              for i, shape in enumerate((x_shape, w_shape, w_shape[:1]))]

    def fn(x, w, b):
        return conv1d(x, w, b, **options)
    assert gradcheck(fn, params) and gradgradcheck(fn, params)


@pytest.mark.parametrize("x_shape,w_shape,options", [
    ((1, 1, 4), (1, 1, 3), dict(padding=1)),                            # batch 1, C = 1
    ((1, 2, 3), (2, 1, 2), dict(stride=2, padding=1, output_padding=1)),
    ((1, 2, 3), (2, 2, 3), dict(stride=3, output_padding=2)),
    ((1, 2, 3), (2, 1, 2), dict(dilation=2, output_padding=1, groups=2)),
    ((2, 3), (2, 1, 2), dict(stride=2)),                                # unbatched
])
def test_conv_transpose1d_gradcheck_and_gradgradcheck(x_shape, w_shape, options):
    out_channels = w_shape[1] * options.get("groups", 1)
    params = [t64(randn(*shape, seed=20 + i), requires_grad=True)
              for i, shape in enumerate((x_shape, w_shape, (out_channels,)))]

    def fn(x, w, b):
        return conv_transpose1d(x, w, b, **options)
    assert gradcheck(fn, params) and gradgradcheck(fn, params)


# ---------------------------------------------------------------- pooling
POOLS = [   # kernel, stride, padding, dilation, ceil_mode, input shape
    (2, None, 0, 1, False, (2, 3, 6)),
    (3, 1, 1, 1, False, (1, 2, 7)),
    (3, 2, 1, 1, True, (2, 1, 6)),
    (2, 2, 1, 1, True, (1, 1, 5)),
    (2, 3, 0, 1, True, (1, 2, 8)),
    (3, 2, 1, 2, False, (1, 2, 9)),
    (2, 1, 0, 3, True, (1, 1, 7)),
    (1, 2, 0, 1, False, (1, 3, 5)),
    (4, 4, 2, 1, True, (1, 1, 9)),
    (5, 3, 2, 1, True, (2, 2, 1)),                                   # L = 1
]


@pytest.mark.parametrize("k, s, p, d, ceil, shape", POOLS)
def test_max_pool1d_matches_loop_reference(k, s, p, d, ceil, shape):
    x = randn(*shape, seed=30)
    x[..., ::3] = 0.5                                     # ties: the first max wins
    xt = t64(x, requires_grad=True)
    out, idx = max_pool1d(xt, k, s, p, d, ceil, return_indices=True)
    expected, expected_idx, g, dx = reference_max_pool1d(x, k, s if s else k, p, d, ceil)
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(idx.data, expected_idx)
    assert idx.dtype == np.int64 and not idx.requires_grad
    check_gradients(out, [xt], g, [dx])


@pytest.mark.parametrize("k, s, p, d, ceil, shape", [c for c in POOLS if c[3] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool1d_matches_loop_reference(k, s, p, d, ceil, shape, count_include_pad):
    x = t64(randn(*shape, seed=31), requires_grad=True)
    out = avg_pool1d(x, k, s, p, ceil, count_include_pad)
    expected, g, dx = reference_avg_pool1d(x.data, k, s if s else k, p, ceil, count_include_pad)
    assert_close(out.data, expected)
    check_gradients(out, [x], g, [dx])


@pytest.mark.parametrize("shape, out_len", [((2, 3, 7), 3), ((1, 2, 5), 5), ((1, 1, 4), 7),
                                            ((2, 1, 6), 1), ((1, 2, 8), 4)])
def test_adaptive_pools_match_loop_reference(shape, out_len):
    data = randn(*shape, seed=32)
    data[..., 1::2] = 0.25                                # ties: the first max wins
    mean, top, idx, g, dmean, dtop = reference_adaptive1d(data, out_len)
    x = t64(data, requires_grad=True)
    out = adaptive_avg_pool1d(x, out_len)
    assert_close(out.data, mean)
    check_gradients(out, [x], g, [dmean])
    x = t64(data, requires_grad=True)
    values, indices = adaptive_max_pool1d(x, (out_len,), return_indices=True)
    np.testing.assert_array_equal(values.data, top)
    np.testing.assert_array_equal(indices.data, idx)
    check_gradients(values, [x], g, [dtop])


POOL_GRAD = [   # id, kernel, stride, padding, dilation, ceil_mode, input shape
    ("disjoint", 2, None, 0, 1, False, (2, 2, 4)), ("overlap", 3, 1, 1, 1, False, (1, 2, 5)),
    ("stride3", 3, 3, 1, 1, False, (1, 1, 8)), ("ceil", 2, 2, 0, 1, True, (1, 1, 5)),
    ("ceil-pad", 3, 2, 1, 1, True, (1, 2, 6)), ("dilation", 2, 1, 1, 2, False, (1, 1, 6)),
    ("unbatched", 2, 1, 0, 1, False, (3, 4)),
]


@pytest.mark.parametrize("k, s, p, d, ceil, shape", [c[1:] for c in POOL_GRAD],
                         ids=[c[0] for c in POOL_GRAD])
def test_max_pool1d_gradcheck_and_gradgradcheck(k, s, p, d, ceil, shape):
    def fn(x):
        return max_pool1d(x, k, s, p, d, ceil)
    assert gradcheck(fn, [distinct(*shape)]) and gradgradcheck(fn, [distinct(*shape)])


@pytest.mark.parametrize("k, s, p, d, ceil, shape", [c[1:] for c in POOL_GRAD if c[4] == 1],
                         ids=[c[0] for c in POOL_GRAD if c[4] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool1d_gradcheck_and_gradgradcheck(k, s, p, d, ceil, shape, count_include_pad):
    def fn(x):
        return avg_pool1d(x, k, s, p, ceil, count_include_pad)
    x = t64(randn(*shape, seed=33), requires_grad=True)
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


@pytest.mark.parametrize("shape, out_len", [((1, 2, 7), 3), ((2, 1, 4), 2), ((3, 5), 4)])
def test_adaptive_pools_gradcheck_and_gradgradcheck(shape, out_len):
    for fn in (lambda x: adaptive_avg_pool1d(x, out_len),
               lambda x: adaptive_max_pool1d(x, out_len)):
        assert gradcheck(fn, [distinct(*shape)]) and gradgradcheck(fn, [distinct(*shape)])


def test_pools_unbatched_empty_batch_and_methods():
    x = randn(3, 8, seed=34)
    out, idx = max_pool1d(t64(x), 3, 2, 1, return_indices=True)
    ref, ref_idx, _, _ = reference_max_pool1d(x[None], 3, 2, 1, 1, False)
    np.testing.assert_array_equal(out.data, ref[0])
    np.testing.assert_array_equal(idx.data, ref_idx[0])
    assert_close(t64(x).avg_pool1d(4, 2).data, reference_avg_pool1d(x[None], 4, 2, 0, False,
                                                                     True)[0][0])
    np.testing.assert_array_equal(t64(x).max_pool1d(2).data, x.reshape(3, 4, 2).max(-1))
    assert adaptive_avg_pool1d(t64(x), 0).shape == (3, 0)
    empty = t64(np.zeros((0, 3, 8)), requires_grad=True)
    for out in (max_pool1d(empty, 2), avg_pool1d(empty, 2), adaptive_avg_pool1d(empty, 3),
                adaptive_max_pool1d(empty, 3)):
        assert out.shape[:2] == (0, 3)
        out.sum().backward()
    assert empty.grad.shape == (0, 3, 8)


# ---------------------------------------------------------------- dropout1d
@pytest.mark.parametrize("shape", [(6, 5, 4), (40, 3)])
def test_dropout1d_drops_whole_channels(shape):
    tg.manual_seed(2)
    x = t64(np.ones(shape), requires_grad=True)
    out = dropout1d(x, 0.5)
    assert np.all((out.data == 0) | (out.data == 2))
    assert np.all(out.data.min(-1) == out.data.max(-1))   # one draw per channel
    assert 0 < (out.data[..., 0] != 0).mean() < 1
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)    # grad = mask * scale, x = 1
    assert dropout1d(x, 0.5, training=False) is x


def test_dropout1d_gradcheck_and_gradgradcheck():
    def fn(x):
        tg.manual_seed(5)
        return dropout1d(x, 0.4)
    x = t64(randn(3, 4, 5, seed=35), requires_grad=True)
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


# ---------------------------------------------------------------- errors
def tensor(*shape, dtype=np.float64):
    return Tensor(np.ones(shape, dtype=dtype))


CONV_ERRORS = [
    (lambda: conv1d(tensor(1, 3, 5, 5), tensor(2, 3, 3)), ValueError,
     r"conv1d: expected a 3-D input \(N, C, L\) or a 2-D unbatched input \(C, L\), got shape "
     r"\(1, 3, 5, 5\)"),
    (lambda: conv1d(tensor(5), tensor(2, 1, 3)), ValueError, r"conv1d: expected a 3-D input"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3, 3)), ValueError,
     r"conv1d: expected a 3-D weight, got shape \(2, 3, 3, 3\)"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 1, 3)), ValueError,
     r"conv1d: input has 3 channels but weight expects 1; input \(1, 3, 5\), weight \(2, 1, 3\)"),
    (lambda: conv1d(tensor(4, 5), tensor(2, 3, 3), groups=2), ValueError,
     r"conv1d: input has 4 channels but weight expects 6 \(3 per group x 2 groups\)"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), groups=2), ValueError,
     "conv1d: groups=2 does not divide the 3 input channels"),
    (lambda: conv1d(tensor(1, 4, 5), tensor(3, 2, 3), groups=2), ValueError,
     "conv1d: groups=2 does not divide the 3 output channels"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), groups=0), ValueError,
     "conv1d: groups must be a positive int, got 0"),
    (lambda: conv1d(tensor(1, 3, 2), tensor(2, 3, 3), padding=1, dilation=2), ValueError,
     r"conv1d: kernel 3 \(dilated to 5\) is larger than the padded input 4 \(input \(1, 3, 2\)\)"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), stride=0), ValueError,
     "conv1d: stride must be positive, got 0"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), dilation=(0,)), ValueError,
     r"conv1d: dilation must be positive, got \(0,\)"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), padding=-1), ValueError,
     "conv1d: padding must be non-negative, got -1"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), stride=(1, 2)), TypeError,
     r"conv1d: stride must be an int or a tuple of one int, got \(1, 2\)"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), stride=True), TypeError,
     "conv1d: stride must be an int or a tuple of one int, got True"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), padding="same", stride=2), ValueError,
     r"conv1d: padding='same' needs stride 1, got stride=\(2,\)"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), padding="full"), ValueError,
     "conv1d: padding must be an int, a tuple of one int, 'valid' or 'same', got 'full'"),
    (lambda: conv1d(tensor(1, 3, 5), tensor(2, 3, 3), tensor(3)), ValueError,
     r"conv1d: bias must have shape \(2,\) \(one per output channel\), got \(3,\)"),
    (lambda: conv1d(tensor(1, 3, 5, dtype=np.float32), tensor(2, 3, 3)), TypeError,
     r"conv1d: input is float32 but weight is float64; convert one with .to\(\)"),
    (lambda: conv1d(tensor(1, 3, 5, dtype=np.int64), tensor(2, 3, 3)), TypeError,
     "conv1d: input must be a floating point tensor, got int64"),
    (lambda: conv1d(np.ones((1, 3, 5)), tensor(2, 3, 3)), TypeError,
     "conv1d: input must be a Tensor, got ndarray"),
    (lambda: conv_transpose1d(tensor(1, 3, 3), tensor(4, 2, 3)), ValueError,
     r"conv_transpose1d: input has 3 channels but weight expects 4; input \(1, 3, 3\)"),
    (lambda: conv_transpose1d(tensor(1, 4, 3), tensor(4, 2, 3), stride=2, output_padding=2),
     ValueError, r"conv_transpose1d: output_padding \(2,\) must be smaller than stride \(2,\) "
     r"or dilation \(1,\)"),
    (lambda: conv_transpose1d(tensor(1, 4, 3), tensor(4, 2, 3), groups=3), ValueError,
     "conv_transpose1d: groups=3 does not divide the 4 input channels"),
    (lambda: conv_transpose1d(tensor(1, 4, 3), tensor(4, 2, 3), padding=3), ValueError,
     r"conv_transpose1d: the output size \(-1,\) would be empty \(input \(1, 4, 3\), "
     r"kernel \(3,\), padding \(3,\)\)"),
    (lambda: conv_transpose1d(tensor(1, 4, 3), tensor(4, 2, 3), padding="same"), TypeError,
     "conv_transpose1d: padding must be an int or a tuple of one int, got 'same'"),
    (lambda: conv_transpose1d(tensor(1, 4, 3), tensor(4, 2, 3), tensor(4)), ValueError,
     r"conv_transpose1d: bias must have shape \(2,\)"),
    (lambda: conv_transpose1d(tensor(1, 1, 4, 3), tensor(4, 2, 3)), ValueError,
     r"conv_transpose1d: expected a 3-D input \(N, C, L\)"),
]
POOL_ERRORS = [
    (lambda: max_pool1d(tensor(4), 2), ValueError,
     r"max_pool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(4,\)"),
    (lambda: avg_pool1d(tensor(1, 1, 4, 4), 2), ValueError, r"avg_pool1d: expected a 2-D"),
    (lambda: max_pool1d(tensor(1, 1, 9), 3, padding=2), ValueError,
     r"max_pool1d: padding \(2,\) must be at most half of kernel_size \(3,\)"),
    (lambda: avg_pool1d(tensor(1, 1, 2), 3), ValueError,
     r"avg_pool1d: the kernel is larger than the padded input: input \(1, 1, 2\) with "
     r"kernel_size \(3,\), dilation \(1,\) and padding \(0,\) gives an output of 0"),
    (lambda: max_pool1d(tensor(1, 1, 1), 2, padding=1, dilation=2), ValueError,
     r"max_pool1d: with dilation \(2,\) and padding \(1,\), some windows of the input "
     r"\(1, 1, 1\) cover only padding cells"),
    (lambda: max_pool1d(tensor(1, 1, 4), (2, 2)), TypeError,
     r"max_pool1d: kernel_size must be an int or a tuple of one int, got \(2, 2\)"),
    (lambda: avg_pool1d(tensor(1, 1, 4), 2, stride=1.5), TypeError,
     "avg_pool1d: stride must be an int or a tuple of one int, got 1.5"),
    (lambda: max_pool1d(tensor(1, 1, 4), 2, stride=0), ValueError,
     "max_pool1d: stride must be positive, got 0"),
    (lambda: max_pool1d(tensor(1, 1, 4, dtype=np.bool_), 2), TypeError,
     "max_pool1d: expected a floating point or integer input, got dtype bool"),
    (lambda: adaptive_avg_pool1d(tensor(1, 2, 4), (2, 3)), TypeError,
     r"adaptive_avg_pool1d: output_size must be an int or a tuple of one int, got \(2, 3\)"),
    (lambda: adaptive_max_pool1d(tensor(1, 2, 4), None), TypeError,
     "adaptive_max_pool1d: output_size must be an int or a tuple of one int, got None"),
    (lambda: adaptive_max_pool1d(tensor(1, 2, 4), -1), ValueError,
     "adaptive_max_pool1d: output_size must be non-negative, got -1"),
    (lambda: adaptive_avg_pool1d(tensor(1, 2, 0), 2), ValueError,
     r"adaptive_avg_pool1d: expected non-empty channels and signal, got shape \(1, 2, 0\)"),
    (lambda: adaptive_avg_pool1d(tensor(4), 2), ValueError,
     r"adaptive_avg_pool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input"),
    (lambda: dropout1d(tensor(2, 3, 4, 5)), ValueError,
     r"dropout1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(2, 3, 4, 5\)"),
    (lambda: dropout1d(tensor(2, 3), 1.5), ValueError,
     "dropout1d: dropout probability has to be between 0 and 1, but got 1.5"),
]


@pytest.mark.parametrize("call, error, message", CONV_ERRORS + POOL_ERRORS)
def test_errors_name_the_1d_op(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- modules
def test_conv_modules_forward_init_and_state():
    tg.manual_seed(0)
    conv = L.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, dtype=np.float64)
    assert conv.weight.shape == (6, 2, 3) and conv.weight.dtype == np.float64
    assert list(conv.state_dict()) == ["weight", "bias"]
    x = t64(randn(2, 4, 9, seed=40))
    assert_close(conv(x).data, conv1d(x, conv.weight, conv.bias, 2, 1, 1, 2).data)
    up = L.ConvTranspose1d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
                           dtype=np.float64)
    assert up.weight.shape == (6, 2, 3)
    assert up(conv(x)).shape == (2, 4, 10)
    for layer, fan_in in [(L.Conv1d(8, 16, 5), 8 * 5), (L.ConvTranspose1d(8, 16, 5, groups=2),
                                                        8 * 5)]:
        bound = 1 / math.sqrt(fan_in)               # kaiming_uniform(a=sqrt(5)), torch's bias
        for p in (layer.weight, layer.bias):
            assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.8 * bound
    assert L.Conv1d(2, 2, 3, bias=False).bias is None


@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"),
                                              ("circular", "wrap")])
@pytest.mark.parametrize("padding, pads", [(2, (2, 2)), ("same", (1, 2)), ("valid", (0, 0))])
def test_conv1d_padding_mode(mode, numpy_mode, padding, pads):
    conv = L.Conv1d(2, 3, 4, padding=padding, padding_mode=mode, dtype=np.float64)
    x = randn(2, 2, 6, seed=41)
    expected = reference_conv1d(np.pad(x, ((0, 0), (0, 0), pads), mode=numpy_mode),
                                conv.weight.data, conv.bias.data)[0]
    assert_close(conv(t64(x)).data, expected)
    assert_close(conv(t64(x[0])).data, expected[0])        # unbatched


def test_pool_and_dropout_modules():
    x = t64(randn(2, 3, 9, seed=42))
    values, indices = L.MaxPool1d(3, 2, 1, return_indices=True)(x)
    reference = max_pool1d(x, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(values.data, reference[0].data)
    np.testing.assert_array_equal(indices.data, reference[1].data)
    assert_close(L.AvgPool1d(3, padding=1, count_include_pad=False)(x).data,
                 avg_pool1d(x, 3, 3, 1, count_include_pad=False).data)
    assert_close(L.AdaptiveAvgPool1d(4)(x).data, adaptive_avg_pool1d(x, 4).data)
    values, indices = L.AdaptiveMaxPool1d(4, return_indices=True)(x)
    np.testing.assert_array_equal(indices.data, adaptive_max_pool1d(x, 4, True).indices.data)
    drop = L.Dropout1d(0.5)
    assert drop.eval()(x) is x
    tg.manual_seed(3)
    kept = drop.train()(x).data != 0
    assert np.all(kept.min(-1) == kept.max(-1))


REPRS = [   # name, args, kwargs, the repr torch 2.13 prints
    ("Conv1d", (16, 33, 3), dict(stride=2), "Conv1d(16, 33, kernel_size=(3,), stride=(2,))"),
    ("Conv1d", (16, 33, 3), dict(padding="same", dilation=2, bias=False, padding_mode="circular"),
     "Conv1d(16, 33, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,), bias=False, "
     "padding_mode=circular)"),
    ("Conv1d", (4, 6, (3,)), dict(padding=(2,), groups=2, padding_mode="reflect"),
     "Conv1d(4, 6, kernel_size=(3,), stride=(1,), padding=(2,), groups=2, padding_mode=reflect)"),
    ("ConvTranspose1d", (16, 32, 3), dict(stride=2, padding=1, output_padding=1, groups=2,
                                          dilation=2),
     "ConvTranspose1d(16, 32, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), "
     "output_padding=(1,), groups=2)"),
    ("MaxPool1d", (3,), dict(stride=2),
     "MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)"),
    ("MaxPool1d", ((3,),), {},
     "MaxPool1d(kernel_size=(3,), stride=(3,), padding=0, dilation=1, ceil_mode=False)"),
    ("AvgPool1d", (3, 2), {}, "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))"),
    ("AvgPool1d", (3,), dict(padding=1), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(1,))"),
    ("AdaptiveAvgPool1d", (5,), {}, "AdaptiveAvgPool1d(output_size=5)"),
    ("AdaptiveMaxPool1d", ((5,),), dict(return_indices=True),
     "AdaptiveMaxPool1d(output_size=(5,))"),
    ("Dropout1d", (0.3,), {}, "Dropout1d(p=0.3, inplace=False)"),
]


@pytest.mark.parametrize("name, args, kwargs, text", REPRS)
def test_module_reprs_are_torchs(name, args, kwargs, text):
    assert repr(getattr(L, name)(*args, **kwargs)) == text


@pytest.mark.parametrize("make, error, message", [
    (lambda: L.Conv1d(2, 2, 3, padding="full"), ValueError,
     "Conv1d: padding must be an int, a tuple of one int, 'valid' or 'same', got 'full'"),
    (lambda: L.Conv1d(2, 2, 3, stride=2, padding="same"), ValueError,
     r"Conv1d: padding='same' needs stride 1, got stride=\(2,\)"),
    (lambda: L.Conv1d(2, 2, (3, 3)), TypeError,
     r"Conv1d: kernel_size must be an int or a tuple of one int, got \(3, 3\)"),
    (lambda: L.Conv1d(3, 2, 3, groups=2), ValueError,
     "Conv1d: groups=2 does not divide the 3 input channels"),
    (lambda: L.Conv1d(2, 2, 3, groups=0), ValueError,
     "Conv1d: groups must be a positive int, got 0"),
    (lambda: L.Conv1d(2, 2, 3, padding_mode="wrap"), ValueError,
     "Conv1d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular'"),
    (lambda: L.ConvTranspose1d(2, 2, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose1d'),
    (lambda: L.ConvTranspose1d(2, 2, 3, padding="same"), ValueError,
     "ConvTranspose1d: padding must be an int or ints, got 'same'"),
    (lambda: L.AvgPool1d((2, 2)), TypeError, "AvgPool1d: kernel_size must be an int or a tuple"),
    (lambda: L.AdaptiveAvgPool1d((2, 3)), TypeError,
     "AdaptiveAvgPool1d: output_size must be an int or a tuple of one int"),
    (lambda: L.Dropout1d(2), ValueError, r"Dropout1d: p must be in \[0, 1\], got 2"),
])
def test_module_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---------------------------------------------------------------- torch, when installed
def random_conv_configs(count, seed):
    """(op, x shape, w shape, options) drawn at random, stride 1-3, dilation 1-2, groups
    1-3, padding 0-2 / 'same' / 'valid' (conv1d), output_padding (conv_transpose1d)."""
    rng = np.random.default_rng(seed)
    configs = []
    while len(configs) < count:
        groups, k, s, d = (int(v) for v in rng.integers(1, (4, 5, 4, 3)))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        n, length = int(rng.integers(0, 3)), int(rng.integers(1, 12))
        x_shape = (n, cin, length) if n else (cin, length)
        if len(configs) % 2:
            options = dict(stride=s, padding=int(rng.integers(0, 3)), groups=groups, dilation=d,
                           output_padding=int(rng.integers(0, max(s, d))))
            op, w_shape = "conv_transpose1d", (cin, cout // groups, k)
            if (length - 1) * s - 2 * options["padding"] + d * (k - 1) + 1 < 1:
                continue
        else:
            padding = [0, 1, 2, "same", "valid"][int(rng.integers(0, 5))]
            options = dict(stride=1 if padding == "same" else s, padding=padding,
                           dilation=d, groups=groups)
            op, w_shape = "conv1d", (cout, cin // groups, k)
            pads = 0 if isinstance(padding, str) else 2 * padding
            if padding != "same" and length + pads < d * (k - 1) + 1:
                continue
        configs.append((op, x_shape, w_shape, options))
    return configs


@pytest.mark.filterwarnings("ignore:Using padding='same'")   # torch's note on its own copy
@pytest.mark.parametrize("op, x_shape, w_shape, options", random_conv_configs(24, seed=0))
def test_convolutions_match_torch(op, x_shape, w_shape, options):
    torch = pytest.importorskip("torch")
    ours = {"conv1d": conv1d, "conv_transpose1d": conv_transpose1d}[op]
    convolution_matches_torch(torch, ours, op != "conv1d", x_shape, w_shape, options)


def test_pools_match_torch_on_random_configurations():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    ours = dict(max_pool1d=max_pool1d, avg_pool1d=avg_pool1d,
                adaptive_avg_pool1d=adaptive_avg_pool1d, adaptive_max_pool1d=adaptive_max_pool1d)
    compared = 0
    while compared < 40:
        k, s, d, length, n = (int(v) for v in rng.integers(1, (5, 4, 3, 12, 3)))
        p = int(rng.integers(0, k // 2 + 1))
        ceil, cip = bool(rng.integers(2)), bool(rng.integers(2))
        op = list(ours)[compared % 4]
        kwargs = {"max_pool1d": dict(kernel_size=k, stride=s, padding=p, dilation=d,
                                     ceil_mode=ceil, return_indices=True),
                  "avg_pool1d": dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil,
                                     count_include_pad=cip),
                  "adaptive_avg_pool1d": dict(output_size=int(rng.integers(1, 8))),
                  "adaptive_max_pool1d": dict(output_size=int(rng.integers(1, 8)),
                                              return_indices=True)}[op]
        data = rng.standard_normal((n, 3, length) if n > 1 else (3, length))
        data[..., ::3] = 0.0                               # ties, to compare the tie rule
        tx = torch.tensor(data, requires_grad=True)
        try:
            expected = getattr(F, op)(tx, **kwargs)
        except RuntimeError:                               # then ours refuses it too
            with pytest.raises((ValueError, TypeError), match=op):
                ours[op](t64(data), **kwargs)
            continue
        x = t64(data, requires_grad=True)
        out = ours[op](x, **kwargs)
        if isinstance(expected, tuple):
            (out, idx), (expected, expected_idx) = out, expected
            np.testing.assert_array_equal(idx.data, expected_idx.numpy())
        assert_close(out.data, expected.detach().numpy())
        g = rng.standard_normal(out.shape)
        out.backward(t64(g))
        expected.backward(torch.tensor(g))
        assert_close(x.grad.data, tx.grad.numpy())
        compared += 1


@pytest.mark.parametrize("name, args, kwargs, _", REPRS)
def test_reprs_and_parameters_match_torch(name, args, kwargs, _):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(L, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.named_parameters()] == [
        (k, tuple(v.shape)) for k, v in theirs.named_parameters()]


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, "same"])
def test_conv1d_module_matches_torch_with_its_weights(mode, padding):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv1d(4, 6, 4, padding=padding, padding_mode=mode, groups=2).double()
    ours = L.Conv1d(4, 6, 4, padding=padding, padding_mode=mode, groups=2, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    data = randn(2, 4, 7, seed=54)
    x, tx = t64(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, expected = ours(x), theirs(tx)
    assert_close(out.data, expected.detach().numpy())
    out.sum().backward()
    expected.sum().backward()
    assert_close(x.grad.data, tx.grad.numpy())
    assert_close(ours.weight.grad.data, theirs.weight.grad.numpy())
