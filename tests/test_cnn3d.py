"""The 3-D CNN family (tinygrad_edu.cnn3d, nn.layers_3d): against loop references written
from the definitions (values and gradients), gradcheck / gradgradcheck in float64, errors
that name the 3-D op, the modules (init, padding_mode, repr, state_dict), and (when
installed) torch: values, gradients and indices over seeded sweeps, ties included.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu.cnn3d import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                                conv_transpose3d, dropout3d, max_pool3d)
from conv_checks import (assert_close, check_gradients, convolution_matches_torch, distinct,
                         randn, t64)
import nn
from nn import layers_3d as L
from nn.unpool import lp_pool3d, max_unpool3d


def triple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * 3


# ---------------------------------------------------------------- loop references (tests only)
def reference_conv3d(x, w, b, stride=1, pads=((0, 0),) * 3, dilation=1, groups=1, seed=0):
    """out[n,o,i,j,l] = b[o] + sum_{c,a,e,f} w[o,c,a,e,f] x[n, c', i*s + a*d - front, ...]
    per axis, c' = (o // (O/G)) * (C/G) + c, x read as 0 outside. For an upstream g (drawn
    from `seed`), the gradients of the same sum term by term. Returns out, g, (dx, dw, db)."""
    stride, dilation = triple(stride), triple(dilation)
    n_batch, _, *sizes = x.shape
    out_channels, per_group, *kernel = w.shape
    out_sizes = [(n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, (lo, hi), d, k, s in zip(sizes, pads, dilation, kernel, stride)]
    out = np.zeros((n_batch, out_channels, *out_sizes))
    g = randn(*out.shape, seed=seed)
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n, o, *pos in itertools.product(range(n_batch), range(out_channels),
                                        *map(range, out_sizes)):
        at = (n, o, *pos)
        first = (o // (out_channels // groups)) * per_group
        out[at] = 0.0 if b is None else b[o]
        for c, *tap in itertools.product(range(per_group), *map(range, kernel)):
            src = tuple(i * s + a * d - lo for i, a, s, d, (lo, _) in zip(pos, tap, stride,
                                                                        dilation, pads))
            if all(0 <= j < n for j, n in zip(src, sizes)):
                cell, weight = (n, first + c, *src), (o, c, *tap)
                out[at] += w[weight] * x[cell]
                dx[cell] += g[at] * w[weight]
                dw[weight] += g[at] * x[cell]
    return out, g, (dx, dw, g.sum(axis=(0, 2, 3, 4)))


def reference_conv_transpose3d(x, w, b, stride=1, padding=0, output_padding=0, groups=1,
                               dilation=1, seed=0):
    """Every input cell spreads over a kernel-sized box of the output:
    out[n, c', i*s + a*d - p, ...] += x[n,q,i,...] w[q,c,a,...], c' = (q // (Cin/G)) * Cout/G
    + c, cells outside the output dropped; gradients term by term."""
    stride, padding, extra, dilation = map(triple, (stride, padding, output_padding, dilation))
    n_batch, in_channels, *sizes = x.shape
    _, per_group, *kernel = w.shape
    out_sizes = [(n - 1) * s - 2 * p + d * (k - 1) + 1 + e
                 for n, s, p, d, k, e in zip(sizes, stride, padding, dilation, kernel, extra)]
    out = np.zeros((n_batch, per_group * groups, *out_sizes))
    g = randn(*out.shape, seed=seed)
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n, q, *pos in itertools.product(range(n_batch), range(in_channels), *map(range, sizes)):
        for c, *tap in itertools.product(range(per_group), *map(range, kernel)):
            dst = tuple(i * s + a * d - p for i, a, s, d, p in zip(pos, tap, stride, dilation,
                                                                   padding))
            if all(0 <= j < n for j, n in zip(dst, out_sizes)):
                at = (n, (q // (in_channels // groups)) * per_group + c, *dst)
                cell, weight = (n, q, *pos), (q, c, *tap)
                out[at] += x[cell] * w[weight]
                dx[cell] += g[at] * w[weight]
                dw[weight] += g[at] * x[cell]
    if b is not None:
        out += b.reshape(-1, 1, 1, 1)
    return out, g, (dx, dw, g.sum(axis=(0, 2, 3, 4)))


def pool_windows(length, k, s, p, d, ceil):
    """The cells (input coordinates, maybe in the padding) of every window along one axis,
    by torch's documented rule: floor((L + 2p - d(k-1) - 1) / s) + 1 windows (ceil with
    ceil_mode, without a last window that would start in the right padding)."""
    span = length + 2 * p - d * (k - 1) - 1
    count = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (count - 1) * s - p >= length:
        count -= 1
    return [[i * s - p + a * d for a in range(k)] for i in range(count)]


def boxes(sizes, k, s, p, d, ceil):
    """(output position, the box's cells in (d, h, w) scan order) for every window."""
    per_axis = [pool_windows(*args, ceil) for args in zip(sizes, k, s, p, d)]
    for pos in itertools.product(*(range(len(w)) for w in per_axis)):
        yield pos, list(itertools.product(*(w[i] for w, i in zip(per_axis, pos))))


def reference_max_pool3d(x, k, s, p, d, ceil, seed=0):
    """(out, indices, g, dx): the first max in (d, h, w) order of each box's input cells
    (a later cell wins only if strictly greater); indices flat into D*H*W."""
    k, p, d = triple(k), triple(p), triple(d)
    s = k if s is None else triple(s)
    sizes = x.shape[2:]
    windows = list(boxes(sizes, k, s, p, d, ceil))
    out_sizes = tuple(n + 1 for n in windows[-1][0])
    out = np.empty(x.shape[:2] + out_sizes)
    idx = np.empty(out.shape, dtype=np.int64)
    g, dx = randn(*out.shape, seed=seed), np.zeros(x.shape)
    for (n, c), (pos, cells) in itertools.product(np.ndindex(*x.shape[:2]), windows):
        inside = [j for j in cells if all(0 <= v < m for v, m in zip(j, sizes))]
        best = inside[0]
        for j in inside:
            if x[(n, c, *j)] > x[(n, c, *best)]:
                best = j
        at = (n, c, *pos)
        out[at], idx[at] = x[(n, c, *best)], np.ravel_multi_index(best, sizes)
        dx[(n, c, *best)] += g[at]
    return out, idx, g, dx


def reference_avg_pool3d(x, k, s, p, ceil, count_include_pad, divisor_override=None, seed=0):
    """(out, g, dx): the sum of each box's input cells / its size, which counts the cells
    in the padding with count_include_pad (never those beyond it), or divisor_override."""
    k, p = triple(k), triple(p)
    s = k if s is None else triple(s)
    sizes = x.shape[2:]
    windows = list(boxes(sizes, k, s, p, (1, 1, 1), ceil))
    out = np.empty(x.shape[:2] + tuple(n + 1 for n in windows[-1][0]))
    g, dx = randn(*out.shape, seed=seed), np.zeros(x.shape)
    for pos, cells in windows:
        inside = [j for j in cells if all(0 <= v < m for v, m in zip(j, sizes))]
        padded = [j for j in cells if all(-q <= v < m + q for v, m, q in zip(j, sizes, p))]
        size = divisor_override or len(padded if count_include_pad else inside)
        at = (Ellipsis, *pos)
        out[at] = sum(x[(Ellipsis, *j)] for j in inside) / size
        for j in inside:
            dx[(Ellipsis, *j)] += g[at] / size
    return out, g, dx


def reference_adaptive3d(x, out_sizes):
    """(mean, max, indices) over the bins [floor(i*n/o), ceil((i+1)*n/o)) of each axis,
    the first max in (d, h, w) order."""
    sizes = x.shape[2:]
    per_axis = [[range(i * n // o, -(-(i + 1) * n // o)) for i in range(o)]
                for n, o in zip(sizes, out_sizes)]
    shape = x.shape[:2] + tuple(out_sizes)
    mean, top, idx = np.empty(shape), np.empty(shape), np.empty(shape, dtype=np.int64)
    for n, c, *pos in np.ndindex(*shape):
        cells = list(itertools.product(*(bins[i] for bins, i in zip(per_axis, pos))))
        values = [x[(n, c, *j)] for j in cells]
        best = int(np.argmax(values))                     # argmax: the first max
        at = (n, c, *pos)
        mean[at], top[at] = np.mean(values), values[best]
        idx[at] = np.ravel_multi_index(cells[best], sizes)
    return mean, top, idx


# ---------------------------------------------------------------- conv3d, conv_transpose3d
CONV_GRID = [   # x shape, w shape, options
    ((2, 2, 4, 4, 5), (3, 2, 2, 2, 3), {}),
    ((1, 4, 5, 4, 4), (4, 2, 3, 2, 2), dict(stride=2, padding=1, groups=2)),
    ((1, 2, 6, 5, 5), (2, 2, 3, 3, 2), dict(stride=(2, 1, 3), padding=(2, 0, 1),
                                            dilation=(2, 1, 2))),
    ((1, 2, 4, 5, 3), (2, 1, 2, 3, 2), dict(padding="same", dilation=(1, 2, 1), groups=2)),
    ((1, 2, 3, 3, 4), (2, 2, 3, 1, 3), dict(padding="valid")),
    ((1, 1, 1, 3, 3), (2, 1, 1, 2, 2), dict(padding=(0, 1, 0))),      # D = 1, kd = 1
]


def conv_pads(options, kernel):
    padding = options.get("padding", 0)
    if padding == "same":
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                     for k, d in zip(kernel, triple(options.get("dilation", 1))))
    return tuple((p, p) for p in triple(0 if padding == "valid" else padding))


@pytest.mark.parametrize("x_shape, w_shape, options", CONV_GRID)
def test_conv3d_matches_loop_reference(x_shape, w_shape, options):
    x, w, b = randn(*x_shape, seed=1), randn(*w_shape, seed=2), randn(w_shape[0], seed=3)
    params = [t64(a, requires_grad=True) for a in (x, w, b)]
    out = conv3d(*params, **options)
    expected, g, grads = reference_conv3d(x, w, b, options.get("stride", 1),
                                          conv_pads(options, w_shape[2:]),
                                          options.get("dilation", 1), options.get("groups", 1))
    assert_close(out.data, expected)
    check_gradients(out, params, g, grads)


TRANSPOSE_GRID = [   # x shape, w shape, options
    ((2, 2, 3, 2, 3), (2, 2, 2, 2, 2), {}),
    ((1, 4, 2, 3, 2), (4, 1, 3, 2, 2), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ((1, 2, 3, 2, 2), (2, 2, 2, 3, 2), dict(stride=(3, 1, 2), padding=(2, 1, 0),
                                            output_padding=(1, 0, 1), dilation=(2, 1, 1))),
    ((1, 2, 2, 2, 2), (2, 1, 2, 2, 2), dict(dilation=3, output_padding=2, padding=1)),
    ((1, 1, 1, 2, 2), (1, 2, 1, 2, 1), {}),                              # D = 1, kd = 1
]


@pytest.mark.parametrize("x_shape, w_shape, options", TRANSPOSE_GRID)
def test_conv_transpose3d_matches_loop_reference(x_shape, w_shape, options):
    out_channels = w_shape[1] * options.get("groups", 1)
    x, w, b = randn(*x_shape, seed=11), randn(*w_shape, seed=12), randn(out_channels, seed=13)
    params = [t64(a, requires_grad=True) for a in (x, w, b)]
    out = conv_transpose3d(*params, **options)
    expected, g, grads = reference_conv_transpose3d(x, w, b, **options)
    assert_close(out.data, expected)
    check_gradients(out, params, g, grads)


def test_conv_transpose3d_is_the_adjoint_of_conv3d():
    """<conv3d(x, w), y> == <x, conv_transpose3d(y, w)>; output_padding gives back x's
    size (what conv3d's floor dropped)."""
    x, w = randn(1, 4, 6, 5, 7, seed=14), randn(2, 2, 3, 2, 3, seed=15)
    options = dict(stride=(2, 1, 3), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)
    conv = conv3d(t64(x), t64(w), **options)
    y = randn(*conv.shape, seed=16)
    back = conv_transpose3d(t64(y), t64(w), output_padding=(1, 0, 0), **options)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(conv.data * y), np.sum(x * back.data), rtol=1e-12)


def test_unbatched_empty_batch_methods_and_float32():
    x, w, b = randn(2, 3, 4, 3, seed=6), randn(3, 2, 2, 2, 2, seed=7), randn(3, seed=8)
    out = t64(x).conv3d(t64(w), t64(b), padding=1)          # unbatched (C, D, H, W), a method
    assert out.shape == (3, 4, 5, 4)
    assert_close(out.data, reference_conv3d(x[None], w, b, pads=((1, 1),) * 3)[0][0])
    w_t = randn(3, 2, 2, 2, 2, seed=9)
    up = t64(out.data).conv_transpose3d(t64(w_t), padding=1)
    assert_close(up.data, reference_conv_transpose3d(out.data[None], w_t, None, padding=1)[0][0])
    empty = t64(np.zeros((0, 2, 3, 4, 3)), requires_grad=True)
    for result, channels in ((conv3d(empty, t64(w)), 3),
                             (conv_transpose3d(empty, t64(w_t[:2])), 2)):
        assert result.shape[:2] == (0, channels)
        result.sum().backward()
    assert empty.grad.shape == (0, 2, 3, 4, 3)
    x32 = conv3d(Tensor(x.astype(np.float32)), Tensor(w.astype(np.float32)), stride=2)
    assert x32.dtype == np.float32
    np.testing.assert_allclose(x32.data, reference_conv3d(x[None], w, None, 2)[0][0],
                               rtol=1e-5, atol=1e-5)
    assert conv_transpose3d(Tensor(x.astype(np.float32)),
                            Tensor(w_t[:2].astype(np.float32))).dtype == np.float32


CONV_GRAD = [   # x shape, w shape, options
    ((1, 1, 3, 3, 3), (1, 1, 2, 2, 2), {}),                                   # size-1 dims
    ((1, 2, 4, 3, 3), (2, 2, 2, 2, 1), dict(stride=2, padding=1)),
    ((1, 2, 3, 3, 3), (2, 1, 2, 2, 2), dict(padding="same", dilation=(2, 1, 1), groups=2)),
    ((2, 3, 3, 3), (2, 2, 2, 1, 2), dict(stride=(1, 2, 1))),                  # unbatched
]


@pytest.mark.parametrize("x_shape, w_shape, options", CONV_GRAD)
def test_conv3d_gradcheck_and_gradgradcheck(x_shape, w_shape, options):
    params = [t64(randn(*shape, seed=17 + i), requires_grad=True)
              for i, shape in enumerate((x_shape, w_shape, w_shape[:1]))]

    def fn(x, w, b):
        return conv3d(x, w, b, **options)
    assert gradcheck(fn, params) and gradgradcheck(fn, params)


@pytest.mark.parametrize("x_shape, w_shape, options", [
    ((1, 1, 2, 2, 2), (1, 1, 2, 2, 2), dict(padding=1)),                      # size-1 dims
    ((1, 2, 2, 2, 1), (2, 1, 2, 1, 2), dict(stride=2, padding=(1, 0, 0), output_padding=1,
                                            groups=2)),
    ((1, 2, 2, 2), (1, 2, 2, 1, 2), dict(dilation=(2, 1, 1), output_padding=(1, 0, 0))),
])
def test_conv_transpose3d_gradcheck_and_gradgradcheck(x_shape, w_shape, options):
    out_channels = w_shape[1] * options.get("groups", 1)
    params = [t64(randn(*shape, seed=20 + i), requires_grad=True)
              for i, shape in enumerate((x_shape, w_shape, (out_channels,)))]

    def fn(x, w, b):
        return conv_transpose3d(x, w, b, **options)
    assert gradcheck(fn, params) and gradgradcheck(fn, params)


# ---------------------------------------------------------------- pooling
POOLS = [   # kernel, stride, padding, dilation, ceil_mode, input shape
    (2, None, 0, 1, False, (2, 2, 4, 4, 4)),
    (3, 2, 1, 1, True, (1, 2, 5, 4, 6)),
    ((3, 2, 2), (1, 2, 3), (1, 1, 0), (2, 1, 2), True, (1, 1, 6, 5, 7)),
    ((2, 3, 1), 2, (1, 1, 0), 1, True, (1, 1, 5, 5, 3)),
    ((1, 2, 2), 1, 0, (1, 2, 1), False, (1, 2, 2, 4, 3)),
    (3, 3, 1, 1, True, (1, 1, 1, 2, 1)),                                       # size-1 dims
]


@pytest.mark.parametrize("k, s, p, d, ceil, shape", POOLS)
def test_max_pool3d_matches_loop_reference(k, s, p, d, ceil, shape):
    x = np.maximum(randn(*shape, seed=30), 0)              # relu: windows of tied zeros
    x[..., ::2, 1::2, :] = 0.5                              # and of tied positive values
    xt = t64(x, requires_grad=True)
    out, idx = max_pool3d(xt, k, s, p, d, ceil, return_indices=True)
    expected, expected_idx, g, dx = reference_max_pool3d(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(idx.data, expected_idx)
    assert idx.dtype == np.int64 and not idx.requires_grad
    check_gradients(out, [xt], g, [dx])


@pytest.mark.parametrize("k, s, p, _, ceil, shape", POOLS)
@pytest.mark.parametrize("count_include_pad, divisor_override", [(True, None), (False, None),
                                                                 (True, 5)])
def test_avg_pool3d_matches_loop_reference(k, s, p, _, ceil, shape, count_include_pad,
                                           divisor_override):
    x = t64(randn(*shape, seed=31), requires_grad=True)
    out = avg_pool3d(x, k, s, p, ceil, count_include_pad, divisor_override)
    expected, g, dx = reference_avg_pool3d(x.data, k, s, p, ceil, count_include_pad,
                                           divisor_override)
    assert_close(out.data, expected)
    check_gradients(out, [x], g, [dx])


@pytest.mark.parametrize("shape, out_sizes", [((2, 2, 5, 4, 6), (3, 2, 4)),
                                              ((1, 1, 3, 5, 2), (3, 5, 2)),
                                              ((1, 2, 2, 3, 4), (3, 1, 5))])
def test_adaptive_pools_match_loop_reference(shape, out_sizes):
    data = randn(*shape, seed=32)
    data[..., 1::2, :, ::2] = 0.25                          # ties: the first max wins
    mean, top, idx = reference_adaptive3d(data, out_sizes)
    assert_close(adaptive_avg_pool3d(t64(data), out_sizes).data, mean)
    values, indices = adaptive_max_pool3d(t64(data), out_sizes, return_indices=True)
    np.testing.assert_array_equal(values.data, top)
    np.testing.assert_array_equal(indices.data, idx)
    keep = adaptive_avg_pool3d(t64(data), (None, out_sizes[1], None))
    assert keep.shape == shape[:3] + (out_sizes[1], shape[4])


def test_pools_unbatched_empty_batch_and_methods():
    x = randn(2, 4, 5, 3, seed=34)
    out, idx = max_pool3d(t64(x), 2, 1, 1, return_indices=True)
    ref, ref_idx, _, _ = reference_max_pool3d(x[None], 2, 1, 1, 1, False)
    np.testing.assert_array_equal(out.data, ref[0])
    np.testing.assert_array_equal(idx.data, ref_idx[0])
    assert_close(t64(x).avg_pool3d(2, 1, 1).data,
                 reference_avg_pool3d(x[None], 2, 1, 1, False, True)[0][0])
    np.testing.assert_array_equal(t64(x).max_pool3d((2, 1, 3)).data,
                                  x.reshape(2, 2, 2, 5, 1, 3).max((2, 5)))
    assert adaptive_avg_pool3d(t64(x), 0).shape == (2, 0, 0, 0)
    assert adaptive_max_pool3d(t64(x), (2, 0, 1), True).indices.shape == (2, 2, 0, 1)
    empty = t64(np.zeros((0, 2, 4, 5, 3)), requires_grad=True)
    for result in (max_pool3d(empty, 2), avg_pool3d(empty, 2), adaptive_avg_pool3d(empty, 3),
                   adaptive_max_pool3d(empty, 3), lp_pool3d(empty, 2, 2)):
        assert result.shape[:2] == (0, 2)
        result.sum().backward()
    assert empty.grad.shape == (0, 2, 4, 5, 3)


POOL_GRAD = [   # id, kernel, stride, padding, dilation, ceil_mode, input shape
    ("disjoint", 2, None, 0, 1, False, (1, 2, 2, 4, 2)),
    ("overlap-pad", 2, 1, 1, 1, False, (1, 1, 2, 3, 3)),
    ("ceil-dilation", (2, 2, 1), 2, (1, 0, 0), (1, 2, 1), True, (1, 1, 3, 4, 2)),
    ("unbatched", (1, 2, 2), 1, 0, 1, False, (2, 2, 3, 3)),
]


@pytest.mark.parametrize("k, s, p, d, ceil, shape", [c[1:] for c in POOL_GRAD],
                         ids=[c[0] for c in POOL_GRAD])
def test_pools_gradcheck_and_gradgradcheck(k, s, p, d, ceil, shape):
    pools = [lambda x: max_pool3d(x, k, s, p, d, ceil)]
    if d == 1:
        pools += [lambda x: avg_pool3d(x, k, s, p, ceil, count_include_pad=False),
                  lambda x: avg_pool3d(x, k, s, p, ceil, divisor_override=3)]
    for fn in pools:
        assert gradcheck(fn, [distinct(*shape)]) and gradgradcheck(fn, [distinct(*shape)])


def seeded_dropout3d(x):
    tg.manual_seed(5)                                     # the same mask at every call
    return dropout3d(x, 0.4)


@pytest.mark.parametrize("fn", [
    lambda x: adaptive_avg_pool3d(x, (2, 3, 1)),
    lambda x: adaptive_max_pool3d(x, (2, 2, 3)),
    lambda x: lp_pool3d(x, 2, (2, 2, 1), 1),
    lambda x: lp_pool3d(x, 3, 2, ceil_mode=True),
    lambda x: lp_pool3d(x, math.inf, (1, 2, 2)),
    seeded_dropout3d,
], ids=["adaptive_avg", "adaptive_max", "lp2", "lp3-ceil", "lp-inf", "dropout3d"])
def test_other_ops_gradcheck_and_gradgradcheck(fn):
    x = distinct(1, 2, 3, 3, 3)
    x.data += 0.5                                         # positive: x^p is smooth
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


def test_max_unpool3d_puts_the_maxima_back():
    x = randn(2, 2, 4, 5, 6, seed=36)
    values, indices = max_pool3d(t64(x), 2, return_indices=True)
    out = max_unpool3d(values, indices, 2, output_size=(4, 5, 6))
    kept = out.data != 0
    np.testing.assert_array_equal(out.data[kept], x[kept])
    np.testing.assert_array_equal(max_pool3d(out, 2).data, values.data)
    assert max_unpool3d(values, indices * 0, 2).shape == (2, 2, 4, 4, 6)   # (2-1)*2 + 2, ...
    v = t64(values.data, requires_grad=True)

    def fn(v):
        return max_unpool3d(v, indices, 2, output_size=(2, 2, 4, 5, 6))
    assert gradcheck(fn, [v]) and gradgradcheck(fn, [v])


# ---------------------------------------------------------------- dropout3d
@pytest.mark.parametrize("shape", [(6, 5, 2, 2, 3), (40, 3, 2, 1)])
def test_dropout3d_drops_whole_channels(shape):
    tg.manual_seed(2)
    x = t64(np.ones(shape), requires_grad=True)
    out = dropout3d(x, 0.5)
    assert np.all((out.data == 0) | (out.data == 2))
    cells = out.data.reshape(*shape[:-3], -1)
    assert np.all(cells.min(-1) == cells.max(-1))         # one draw per channel
    assert 0 < (cells[..., 0] != 0).mean() < 1
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)    # grad = mask * scale, x = 1
    assert dropout3d(x, 0.5, training=False) is x


# ---------------------------------------------------------------- errors
def tensor(*shape, dtype=np.float64):
    return Tensor(np.ones(shape, dtype=dtype))


ERRORS = [
    (lambda: conv3d(tensor(1, 3, 4, 4, 4), tensor(2, 1, 2, 2, 2)), ValueError,
     r"conv3d: input has 3 channels but weight expects 1; input \(1, 3, 4, 4, 4\), "
     r"weight \(2, 1, 2, 2, 2\)"),
    (lambda: conv3d(tensor(1, 3, 4, 4), tensor(2, 3, 2, 2, 2)), ValueError,
     r"conv3d: input has 1 channels but weight expects 3"),
    (lambda: conv3d(tensor(3, 4, 4), tensor(2, 3, 2, 2, 2)), ValueError,
     r"conv3d: expected a 5-D input \(N, C, D, H, W\) or a 4-D unbatched input "
     r"\(C, D, H, W\), got shape \(3, 4, 4\)"),
    (lambda: conv3d(tensor(1, 3, 4, 4, 4), tensor(2, 3, 2, 2)), ValueError,
     r"conv3d: expected a 5-D weight, got shape \(2, 3, 2, 2\)"),
    (lambda: conv3d(tensor(1, 4, 4, 4, 4), tensor(2, 3, 2, 2, 2), groups=2), ValueError,
     r"conv3d: input has 4 channels but weight expects 6 \(3 per group x 2 groups\)"),
    (lambda: conv3d(tensor(1, 3, 2, 4, 4), tensor(2, 3, 3, 2, 2), dilation=(2, 1, 1)),
     ValueError, r"conv3d: kernel 3x2x2 \(dilated to 5x2x2\) is larger than the padded input "
                 r"2x4x4 \(input \(1, 3, 2, 4, 4\)\)"),
    (lambda: conv3d(tensor(1, 3, 4, 4, 4), tensor(2, 3, 2, 2, 2), stride=(1, 2)), TypeError,
     r"conv3d: stride must be an int or a tuple of three ints, got \(1, 2\)"),
    (lambda: conv3d(tensor(1, 3, 4, 4, 4), tensor(2, 3, 2, 2, 2), padding="full"), ValueError,
     "conv3d: padding must be an int, a tuple of three ints, 'valid' or 'same', got 'full'"),
    (lambda: conv3d(tensor(1, 3, 4, 4, 4), tensor(2, 3, 2, 2, 2), padding="same", stride=2),
     ValueError, r"conv3d: padding='same' needs stride 1, got stride=\(2, 2, 2\)"),
    (lambda: conv3d(tensor(1, 3, 4, 4, 4), tensor(2, 3, 2, 2, 2), tensor(3)), ValueError,
     r"conv3d: bias must have shape \(2,\) \(one per output channel\), got \(3,\)"),
    (lambda: conv3d(tensor(1, 3, 4, 4, 4, dtype=np.float32), tensor(2, 3, 2, 2, 2)), TypeError,
     "conv3d: input is float32 but weight is float64"),
    (lambda: conv_transpose3d(tensor(1, 3, 2, 2, 2), tensor(4, 2, 2, 2, 2)), ValueError,
     r"conv_transpose3d: input has 3 channels but weight expects 4; input \(1, 3, 2, 2, 2\)"),
    (lambda: conv_transpose3d(tensor(1, 4, 2, 2, 2), tensor(4, 2, 2, 2, 2), stride=2,
                              output_padding=(0, 2, 0)), ValueError,
     r"conv_transpose3d: output_padding \(0, 2, 0\) must be smaller than stride \(2, 2, 2\) "
     r"or dilation \(1, 1, 1\)"),
    (lambda: conv_transpose3d(tensor(1, 4, 2, 2, 2), tensor(4, 2, 2, 2, 2), padding=(0, 2, 0)),
     ValueError, r"conv_transpose3d: the output size \(3, -1, 3\) would be empty"),
    (lambda: conv_transpose3d(tensor(1, 4, 2, 2, 2), tensor(4, 2, 2, 2, 2), groups=3),
     ValueError, "conv_transpose3d: groups=3 does not divide the 4 input channels"),
    (lambda: max_pool3d(tensor(4, 4, 4), 2), ValueError,
     r"max_pool3d: expected a 4-D \(C, D, H, W\) or 5-D \(N, C, D, H, W\) input, got shape "
     r"\(4, 4, 4\)"),
    (lambda: max_pool3d(tensor(1, 1, 4, 4, 4), (3, 3, 1), padding=(2, 1, 0)), ValueError,
     r"max_pool3d: padding \(2, 1, 0\) must be at most half of kernel_size \(3, 3, 1\)"),
    (lambda: avg_pool3d(tensor(1, 1, 2, 4, 4), 3), ValueError,
     r"avg_pool3d: the kernel is larger than the padded input: input \(1, 1, 2, 4, 4\) with "
     r"kernel_size \(3, 3, 3\), dilation \(1, 1, 1\) and padding \(0, 0, 0\) gives an output "
     r"of 0x1x1"),
    (lambda: max_pool3d(tensor(1, 1, 4, 4, 4), (2, 2)), TypeError,
     r"max_pool3d: kernel_size must be an int or a tuple of three ints, got \(2, 2\)"),
    (lambda: max_pool3d(tensor(1, 1, 4, 4, 4, dtype=np.bool_), 2), TypeError,
     "max_pool3d: expected a floating point or integer input, got dtype bool"),
    (lambda: avg_pool3d(tensor(1, 1, 4, 4, 4), 2, divisor_override=0), ValueError,
     "avg_pool3d: divisor_override must be positive, got 0"),
    (lambda: avg_pool3d(tensor(1, 1, 4, 4, 4), 2, divisor_override=1.5), TypeError,
     "avg_pool3d: divisor_override must be an int, got float 1.5"),
    (lambda: adaptive_avg_pool3d(tensor(1, 2, 4, 4, 4), (2, 3)), TypeError,
     r"adaptive_avg_pool3d: output_size must be an int, None or three of them, got \(2, 3\)"),
    (lambda: adaptive_max_pool3d(tensor(1, 2, 4, 4, 4), (2, -1, 2)), ValueError,
     "adaptive_max_pool3d: output_size must be non-negative, got -1"),
    (lambda: adaptive_avg_pool3d(tensor(1, 2, 0, 4, 4), 2), ValueError,
     r"adaptive_avg_pool3d: expected non-empty channels and volume, got shape "
     r"\(1, 2, 0, 4, 4\)"),
    (lambda: max_unpool3d(tensor(1, 1, 2, 2, 2), Tensor(np.zeros((1, 1, 2, 2), np.int64)), 2),
     ValueError, "max_unpool3d: indices must be integers of the input's shape"),
    (lambda: max_unpool3d(tensor(1, 1, 2, 2, 2), Tensor(np.zeros((1, 1, 2, 2, 2), np.int64)),
                          2, output_size=(9, 4, 4)), ValueError,
     r"max_unpool3d: invalid output_size \[9, 4, 4\]"),
    (lambda: dropout3d(tensor(2, 3, 4)), ValueError,
     r"dropout3d: expected a 4-D \(C, D, H, W\) or 5-D \(N, C, D, H, W\) input"),
    (lambda: dropout3d(tensor(2, 3, 4, 5), 1.5), ValueError,
     "dropout3d: dropout probability has to be between 0 and 1, but got 1.5"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_errors_name_the_3d_op(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- modules
def test_conv_modules_parameters_init_and_state():
    tg.manual_seed(0)
    conv = L.Conv3d(4, 6, (3, 2, 2), stride=2, padding=1, groups=2, dtype=np.float64)
    assert conv.weight.shape == (6, 2, 3, 2, 2) and conv.bias.shape == (6,)
    assert conv.weight.dtype == np.float64
    assert list(conv.state_dict()) == ["weight", "bias"]
    x = t64(randn(2, 4, 5, 6, 5, seed=40))
    assert_close(conv(x).data, conv3d(x, conv.weight, conv.bias, 2, 1, 1, 2).data)
    up = L.ConvTranspose3d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
                           dtype=np.float64)
    assert up.weight.shape == (6, 2, 3, 3, 3) and up.bias.shape == (4,)
    assert up(conv(x)).shape == (2, 4, 6, 8, 6)
    assert up(conv(x), output_size=(5, 7, 5)).shape == (2, 4, 5, 7, 5)
    for layer, fan_in in [(L.Conv3d(8, 64, 3), 8 * 27),
                          (L.ConvTranspose3d(8, 128, 3, groups=2), 64 * 27)]:  # (out/groups)
        bound = 1 / math.sqrt(fan_in)               # kaiming_uniform(a=sqrt(5)), torch's bias
        for p in (layer.weight, layer.bias):
            assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.8 * bound
    assert L.Conv3d(2, 2, 3, bias=False).bias is None
    assert list(L.ConvTranspose3d(2, 2, 3, bias=False).state_dict()) == ["weight"]


@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"),
                                              ("circular", "wrap")])
@pytest.mark.parametrize("padding, pads", [((1, 2, 0), ((1, 1), (2, 2), (0, 0))),
                                           ("same", ((0, 1), (1, 1), (0, 1)))])
def test_conv3d_padding_mode(mode, numpy_mode, padding, pads):
    conv = L.Conv3d(2, 3, (2, 3, 2), padding=padding, padding_mode=mode, dtype=np.float64)
    x = randn(1, 2, 3, 4, 3, seed=41)
    expected = reference_conv3d(np.pad(x, ((0, 0), (0, 0), *pads), mode=numpy_mode),
                                conv.weight.data, conv.bias.data)[0]
    assert_close(conv(t64(x)).data, expected)
    assert_close(conv(t64(x[0])).data, expected[0])        # unbatched


def test_pool_and_dropout_modules():
    x = t64(randn(2, 3, 4, 5, 6, seed=42))
    values, indices = L.MaxPool3d(3, 2, 1, return_indices=True)(x)
    reference = max_pool3d(x, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(values.data, reference[0].data)
    np.testing.assert_array_equal(indices.data, reference[1].data)
    assert_close(nn.MaxUnpool3d(3, 2, 1)(values, indices, x.shape).data,
                 max_unpool3d(values, indices, 3, 2, 1, x.shape).data)
    assert_close(L.AvgPool3d(3, padding=1, count_include_pad=False, divisor_override=4)(x).data,
                 avg_pool3d(x, 3, 3, 1, False, False, 4).data)
    assert_close(L.AdaptiveAvgPool3d((2, None, 3))(x).data,
                 adaptive_avg_pool3d(x, (2, None, 3)).data)
    values, indices = L.AdaptiveMaxPool3d(2, return_indices=True)(x)
    np.testing.assert_array_equal(indices.data, adaptive_max_pool3d(x, 2, True).indices.data)
    assert_close(nn.LPPool3d(2, 2, 1)(x).data, lp_pool3d(x, 2, 2, 1).data)
    drop = L.Dropout3d(0.5)
    assert drop.eval()(x) is x
    tg.manual_seed(3)
    kept = drop.train()(x).data.reshape(2, 3, -1) != 0
    assert np.all(kept.min(-1) == kept.max(-1))


REPRS = [   # name, args, kwargs, the repr torch 2.13 prints
    ("Conv3d", (16, 33, 3), dict(stride=2),
     "Conv3d(16, 33, kernel_size=(3, 3, 3), stride=(2, 2, 2))"),
    ("Conv3d", (16, 33, (3, 5, 2)), dict(stride=(2, 1, 1), padding=(4, 2, 0)),
     "Conv3d(16, 33, kernel_size=(3, 5, 2), stride=(2, 1, 1), padding=(4, 2, 0))"),
    ("Conv3d", (4, 6, 3), dict(padding="same", dilation=2, bias=False, groups=2,
                               padding_mode="circular"),
     "Conv3d(4, 6, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=same, dilation=(2, 2, 2), "
     "groups=2, bias=False, padding_mode=circular)"),
    ("ConvTranspose3d", (16, 32, 3), dict(stride=2, padding=1, output_padding=1, groups=2,
                                          dilation=2),
     "ConvTranspose3d(16, 32, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1), "
     "dilation=(2, 2, 2), output_padding=(1, 1, 1), groups=2)"),
    ("MaxPool3d", (3,), dict(stride=2),
     "MaxPool3d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)"),
    ("MaxPool3d", ((3, 2, 2),), dict(stride=(2, 1, 2), ceil_mode=True),
     "MaxPool3d(kernel_size=(3, 2, 2), stride=(2, 1, 2), padding=0, dilation=1, "
     "ceil_mode=True)"),
    ("AvgPool3d", (3, 2), {}, "AvgPool3d(kernel_size=3, stride=2, padding=0)"),
    ("AvgPool3d", ((3, 2, 2),), dict(padding=1, divisor_override=3),
     "AvgPool3d(kernel_size=(3, 2, 2), stride=(3, 2, 2), padding=1)"),
    ("AdaptiveAvgPool3d", ((5, None, 9),), {}, "AdaptiveAvgPool3d(output_size=(5, None, 9))"),
    ("AdaptiveMaxPool3d", (5,), dict(return_indices=True), "AdaptiveMaxPool3d(output_size=5)"),
    ("LPPool3d", (2, 3), dict(stride=2),
     "LPPool3d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)"),
    ("MaxUnpool3d", ((2, 3, 2),), dict(stride=1, padding=1),
     "MaxUnpool3d(kernel_size=(2, 3, 2), stride=(1, 1, 1), padding=(1, 1, 1))"),
    ("Dropout3d", (0.3,), {}, "Dropout3d(p=0.3, inplace=False)"),
]


@pytest.mark.parametrize("name, args, kwargs, text", REPRS)
def test_module_reprs_are_torchs(name, args, kwargs, text):
    assert repr(getattr(nn, name)(*args, **kwargs)) == text


@pytest.mark.parametrize("make, error, message", [
    (lambda: L.Conv3d(2, 2, (3, 3)), TypeError,
     r"Conv3d: kernel_size must be an int or a tuple of three ints, got \(3, 3\)"),
    (lambda: L.Conv3d(2, 2, 3, stride=2, padding="same"), ValueError,
     r"Conv3d: padding='same' needs stride 1, got stride=\(2, 2, 2\)"),
    (lambda: L.Conv3d(3, 2, 3, groups=2), ValueError,
     "Conv3d: groups=2 does not divide the 3 input channels"),
    (lambda: L.Conv3d(2, 2, 3, padding_mode="wrap"), ValueError,
     "Conv3d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular'"),
    (lambda: L.ConvTranspose3d(2, 2, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose3d'),
    (lambda: L.ConvTranspose3d(2, 2, 3)(tensor(1, 2, 3, 3, 3).float(), output_size=(9, 5, 5)),
     ValueError, r"ConvTranspose3d: requested an output size of \[9, 5, 5\], but valid sizes "
                 r"range from \[5, 5, 5\] to \[5, 5, 5\]"),
    (lambda: L.AdaptiveAvgPool3d((2, 3)), TypeError,
     "AdaptiveAvgPool3d: output_size must be an int, None or three of them"),
    (lambda: nn.MaxUnpool3d((2, 2)), TypeError,
     "MaxUnpool3d: kernel_size must be an int or a tuple of three ints"),
    (lambda: L.Dropout3d(2), ValueError, r"Dropout3d: p must be in \[0, 1\], got 2"),
])
def test_module_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---------------------------------------------------------------- torch, when installed
def random_conv_configs(count, seed):
    """(op, x shape, w shape, options) drawn at random: kernel 1-3, stride 1-3, dilation
    1-2, groups 1-2 per axis or shared, padding 0-2 / 'same' / 'valid' (conv3d),
    output_padding (conv_transpose3d), batched or not."""
    rng = np.random.default_rng(seed)
    configs = []
    while len(configs) < count:
        groups = int(rng.integers(1, 3))
        k, s, d = (tuple(int(v) for v in rng.integers(1, top, 3)) for top in (4, 4, 3))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        n, sizes = int(rng.integers(0, 3)), tuple(int(v) for v in rng.integers(1, 6, 3))
        x_shape = (n, cin, *sizes) if n else (cin, *sizes)
        if len(configs) % 2:
            extra = tuple(int(rng.integers(0, max(a, b))) for a, b in zip(s, d))
            options = dict(stride=s, padding=tuple(int(v) for v in rng.integers(0, 3, 3)),
                           output_padding=extra, groups=groups, dilation=d)
            op, w_shape = "conv_transpose3d", (cin, cout // groups, *k)
            if any((i - 1) * a - 2 * p + b * (c - 1) + 1 + e < 1 for i, a, p, b, c, e in zip(
                    sizes, s, options["padding"], d, k, extra)):
                continue
        else:
            padding = [0, 1, (2, 0, 1), "same", "valid"][int(rng.integers(0, 5))]
            options = dict(stride=(1, 1, 1) if padding == "same" else s, padding=padding,
                           dilation=d, groups=groups)
            op, w_shape = "conv3d", (cout, cin // groups, *k)
            pads = (0,) * 3 if isinstance(padding, str) else triple(padding)
            if padding != "same" and any(i + 2 * p < b * (c - 1) + 1 for i, p, b, c in zip(
                    sizes, pads, d, k)):
                continue
        configs.append((op, x_shape, w_shape, options))
    return configs


@pytest.mark.filterwarnings("ignore:Using padding='same'")   # torch's note on its own copy
@pytest.mark.parametrize("op, x_shape, w_shape, options", random_conv_configs(16, seed=0))
def test_convolutions_match_torch(op, x_shape, w_shape, options):
    torch = pytest.importorskip("torch")
    ours = {"conv3d": conv3d, "conv_transpose3d": conv_transpose3d}[op]
    convolution_matches_torch(torch, ours, op != "conv3d", x_shape, w_shape, options)


def test_pools_match_torch_on_random_configurations():
    """Values, input gradients and indices of the pools against torch; the inputs are
    relu'd, so windows of tied zeros are common."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    ours = dict(max_pool3d=max_pool3d, avg_pool3d=avg_pool3d, lp_pool3d=lp_pool3d,
                adaptive_avg_pool3d=adaptive_avg_pool3d, adaptive_max_pool3d=adaptive_max_pool3d)
    compared = refused = 0
    while compared < 40:
        k, s, d = (tuple(int(v) for v in rng.integers(1, top, 3)) for top in (4, 3, 3))
        p = tuple(int(rng.integers(0, c // 2 + 1)) for c in k)
        n, sizes = int(rng.integers(1, 3)), tuple(int(v) for v in rng.integers(1, 7, 3))
        ceil, cip = bool(rng.integers(2)), bool(rng.integers(2))
        op = list(ours)[compared % 5]
        kwargs = {"max_pool3d": dict(kernel_size=k, stride=s, padding=p, dilation=d,
                                     ceil_mode=ceil, return_indices=True),
                  "avg_pool3d": dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil,
                                     count_include_pad=cip,
                                     divisor_override=[None, 3][int(rng.integers(2))]),
                  "lp_pool3d": dict(norm_type=[1, 2, 3.5][int(rng.integers(3))],
                                    kernel_size=k, stride=s, ceil_mode=ceil),
                  "adaptive_avg_pool3d": dict(output_size=tuple(
                      int(v) for v in rng.integers(1, 7, 3))),
                  "adaptive_max_pool3d": dict(output_size=tuple(
                      int(v) for v in rng.integers(1, 7, 3)), return_indices=True)}[op]
        data = np.maximum(rng.standard_normal((n, 2, *sizes) if n > 1 else (2, *sizes)), 0)
        if op == "lp_pool3d":
            data += 0.1                                    # x^p of 0 has no derivative
        tx = torch.tensor(data, requires_grad=True)
        try:
            expected = getattr(F, op)(tx, **kwargs)
        except RuntimeError as error:
            if "smaller than kernel size" in str(error):    # torch's avg_pool3d alone (not
                continue               # avg_pool2d or max_pool3d) refuses these: pooled here
            with pytest.raises((ValueError, TypeError), match=op):   # else ours refuses too
                ours[op](t64(data), **kwargs)
            refused += 1
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
    assert refused < compared


def test_max_pool3d_ties_nan_and_minus_inf_match_torch():
    """The gradient and index go to the first max in (d, h, w) order (ties); a window of
    -inf picks its first input cell; a NaN wins, the last one in scan order, as torch."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    ties = np.zeros((1, 2, 4, 4, 4))
    ties[0, 1, 1:, 2:, :3] = 1.0
    minus_inf = np.full((1, 1, 3, 3, 3), -np.inf)
    nan = np.zeros((1, 1, 3, 3, 3))
    nan[0, 0, 1, 1, 1] = nan[0, 0, 2, 0, 0] = np.nan
    for data, options in [(ties, dict(kernel_size=3, stride=1, padding=1)),
                          (ties, dict(kernel_size=(2, 3, 2), stride=2, padding=(1, 1, 0),
                                      ceil_mode=True)),
                          (minus_inf, dict(kernel_size=3, stride=1, padding=1)),
                          (nan, dict(kernel_size=2, stride=1, padding=1))]:
        x, tx = t64(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        (out, idx), (expected, expected_idx) = (
            max_pool3d(x, **options, return_indices=True),
            F.max_pool3d(tx, **options, return_indices=True))
        np.testing.assert_array_equal(idx.data, expected_idx.numpy())
        np.testing.assert_array_equal(out.data, expected.detach().numpy())
        if np.isfinite(data).all():
            out.sum().backward()
            expected.sum().backward()
            np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
        values, indices = adaptive_max_pool3d(t64(data), 2, return_indices=True)
        np.testing.assert_array_equal(indices.data, F.adaptive_max_pool3d(
            torch.tensor(data), 2, return_indices=True)[1].numpy())


def test_max_unpool3d_matches_torch():
    torch = pytest.importorskip("torch")
    data = randn(2, 2, 5, 6, 7, seed=55)
    values, indices = torch.nn.functional.max_pool3d(torch.tensor(data), 3, 2, 1,
                                                     return_indices=True)
    expected = torch.nn.functional.max_unpool3d(values, indices, 3, 2, 1, (5, 6, 7))
    out = max_unpool3d(t64(values.numpy()), Tensor(indices.numpy()), 3, 2, 1, (5, 6, 7))
    np.testing.assert_array_equal(out.data, expected.numpy())


@pytest.mark.parametrize("name, args, kwargs, _", REPRS)
def test_reprs_and_parameters_match_torch(name, args, kwargs, _):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.named_parameters()] == [
        (k, tuple(v.shape)) for k, v in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_modules_match_torch_with_its_weights(mode):
    torch = pytest.importorskip("torch")
    pairs = [(L.Conv3d(4, 6, (3, 2, 3), padding="same", padding_mode=mode, groups=2,
                       dtype=np.float64),
              torch.nn.Conv3d(4, 6, (3, 2, 3), padding="same", padding_mode=mode, groups=2))]
    if mode == "zeros":
        pairs.append((L.ConvTranspose3d(4, 6, 3, 2, 1, 1, groups=2, dtype=np.float64),
                      torch.nn.ConvTranspose3d(4, 6, 3, 2, 1, 1, groups=2)))
    for ours, theirs in pairs:
        theirs = theirs.double()
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        assert repr(ours) == repr(theirs)
        data = randn(2, 4, 3, 4, 5, seed=54)
        x, tx = t64(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out, expected = ours(x), theirs(tx)
        assert_close(out.data, expected.detach().numpy())
        out.sum().backward()
        expected.sum().backward()
        assert_close(x.grad.data, tx.grad.numpy())
        assert_close(ours.weight.grad.data, theirs.weight.grad.numpy())
        assert_close(ours.bias.grad.data, theirs.bias.grad.numpy())


def test_with_indices_forms_and_lazy_3d_convolutions():
    import nn.functional as F
    x = t64(distinct(1, 2, 4, 4, 4))
    values, indices = F.max_pool3d_with_indices(x, 2)
    expected_values, expected_indices = max_pool3d(x, 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), expected_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    for pool, args in ((F.max_pool1d_with_indices, (x[0, 0, 0], 2)),
                       (F.max_pool2d_with_indices, (x[0, 0], 2)),
                       (F.adaptive_max_pool3d_with_indices, (x, 1))):
        values, indices = pool(*args)
        assert indices.dtype == np.int64 and values.shape == indices.shape
    layer = nn.LazyConv3d(4, 2, padding=1)
    out = layer(tg.ones(1, 3, 2, 2, 2))
    assert type(layer) is nn.Conv3d and layer.weight.shape == (4, 3, 2, 2, 2)
    assert out.shape == (1, 4, 3, 3, 3)
    transposed = nn.LazyConvTranspose3d(2, 3)
    assert transposed(tg.ones(1, 5, 1, 1, 1)).shape == (1, 2, 3, 3, 3)
    assert type(transposed) is nn.ConvTranspose3d and transposed.weight.shape == (5, 2, 3, 3, 3)
