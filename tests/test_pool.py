"""max_pool2d / avg_pool2d against slow loop references written from the definitions.

The references visit every (n, c, oh, ow) window and every kernel cell explicitly and
apply torch's rules (output size, ceil_mode, -inf / zero padding, divisor); the fast
ops must agree with them to float64 precision, in values, indices and gradients.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def out_len(n, k, s, p, d, ceil):
    """Output length from the definition: count the window starts oh*s - p that fit."""
    last_start = n + 2 * p - d * (k - 1) - 1            # in padded coordinates
    count = (int(np.ceil(last_start / s)) if ceil else last_start // s) + 1
    while ceil and (count - 1) * s >= n + p:            # a window must not start in the right pad
        count -= 1
    return count


def windows(x, k, s, p, d, ceil):
    """Yield (n, c, oh, ow, cells): cells lists the (row, col) of each kernel offset in
    row-major order, in input coordinates (may lie in the padding)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = map(pair, (k, s, p, d))
    n_, c_, h, w = x.shape
    oh_, ow_ = out_len(h, kh, sh, ph, dh, ceil), out_len(w, kw, sw, pw, dw, ceil)
    for n, c, oh, ow in itertools.product(range(n_), range(c_), range(oh_), range(ow_)):
        cells = [(oh * sh - ph + i * dh, ow * sw - pw + j * dw)
                 for i in range(kh) for j in range(kw)]
        yield n, c, oh, ow, cells


def reference_max_pool(x, g, k, s=None, p=0, d=1, ceil=False):
    """(out, flat indices, dL/dx for upstream g): first max wins, padding is -inf."""
    s = k if s is None else s
    n_, c_, h, w = x.shape
    shape = (n_, c_) + tuple(out_len(*a, ceil) for a in zip((h, w), pair(k), pair(s), pair(p),
                                                              pair(d)))
    out, idx, grad = np.empty(shape), np.empty(shape, dtype=np.int64), np.zeros(x.shape)
    for n, c, oh, ow, cells in windows(x, k, s, p, d, ceil):
        best, best_at = -np.inf, None
        for r, q in cells:
            if 0 <= r < h and 0 <= q < w and (best_at is None or x[n, c, r, q] > best):
                best, best_at = x[n, c, r, q], (r, q)
        out[n, c, oh, ow] = best
        idx[n, c, oh, ow] = best_at[0] * w + best_at[1]
        grad[n, c][best_at] += g[n, c, oh, ow]
    return out, idx, grad


def reference_avg_pool(x, g, k, s=None, p=0, ceil=False, count_include_pad=True):
    """(out, dL/dx): sum of the input cells / the window size by torch's rule (cells in
    the zero padding count when count_include_pad; cells beyond the padding never do)."""
    s = k if s is None else s
    n_, c_, h, w = x.shape
    (ph, pw) = pair(p)
    shape = (n_, c_) + tuple(out_len(*a, 1, ceil) for a in zip((h, w), pair(k), pair(s), pair(p)))
    out, grad = np.empty(shape), np.zeros(x.shape)
    for n, c, oh, ow, cells in windows(x, k, s, p, 1, ceil):
        inside = [(r, q) for r, q in cells if 0 <= r < h and 0 <= q < w]
        in_padded = [(r, q) for r, q in cells if -ph <= r < h + ph and -pw <= q < w + pw]
        size = len(in_padded) if count_include_pad else len(inside)
        out[n, c, oh, ow] = sum(x[n, c, r, q] for r, q in inside) / size
        for r, q in inside:
            grad[n, c, r, q] += g[n, c, oh, ow] / size
    return out, grad


CONFIGS = [   # kernel, stride, padding, dilation, ceil_mode, input shape
    (2, None, 0, 1, False, (2, 3, 6, 6)),
    (3, 1, 1, 1, False, (1, 2, 5, 7)),
    (3, 2, 1, 1, True, (2, 1, 6, 5)),
    (2, 2, 1, 1, True, (1, 1, 5, 5)),
    (2, 3, 0, 1, True, (1, 2, 7, 8)),
    ((3, 2), (2, 1), (1, 1), 1, False, (2, 2, 7, 5)),
    (3, 2, 1, 2, False, (1, 2, 9, 8)),
    (2, 1, 0, (2, 3), True, (1, 1, 6, 7)),
    (1, 2, 0, 1, False, (1, 3, 5, 4)),
    (4, 4, 2, 1, True, (1, 1, 9, 9)),
]


@pytest.mark.parametrize("k, s, p, d, ceil, shape", CONFIGS)
def test_max_pool_matches_loop_reference(k, s, p, d, ceil, shape):
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)
    out, idx = tg.max_pool2d(x, k, s, p, d, ceil, return_indices=True)
    g = rng.standard_normal(out.shape)
    ref_out, ref_idx, ref_grad = reference_max_pool(x.data, g, k, s, p, d, ceil)
    assert out.shape == ref_out.shape
    np.testing.assert_array_equal(out.data, ref_out)
    np.testing.assert_array_equal(idx.data, ref_idx)
    assert idx.dtype == np.int64
    out.backward(Tensor(g))
    np.testing.assert_allclose(x.grad.data, ref_grad, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("k, s, p, d, ceil, shape", [c for c in CONFIGS if c[3] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_matches_loop_reference(k, s, p, d, ceil, shape, count_include_pad):
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)
    out = tg.avg_pool2d(x, k, s, p, ceil, count_include_pad)
    g = rng.standard_normal(out.shape)
    ref_out, ref_grad = reference_avg_pool(x.data, g, k, s, p, ceil, count_include_pad)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-13, atol=1e-14)
    out.backward(Tensor(g))
    np.testing.assert_allclose(x.grad.data, ref_grad, rtol=1e-13, atol=1e-14)


def distinct(*shape, seed=0):
    """Values 0.1 apart in random order: no ties, and eps = 1e-6 never flips a max."""
    n = int(np.prod(shape))
    data = np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1
    return Tensor(data, dtype=np.float64, requires_grad=True)


GRAD_CONFIGS = [   # id: (kernel, stride, padding, dilation, ceil_mode, input shape)
    ("disjoint", 2, None, 0, 1, False, (2, 2, 4, 4)),
    ("overlap", 3, 1, 1, 1, False, (1, 2, 4, 5)),
    ("overlap-s2", 3, 2, 0, 1, False, (1, 1, 7, 7)),
    ("ceil", 2, 2, 0, 1, True, (1, 1, 5, 5)),
    ("ceil-pad", 3, 2, 1, 1, True, (1, 1, 6, 5)),
    ("pad", 2, 1, 1, 1, False, (1, 2, 3, 4)),
    ("dilation", 2, 1, 1, 2, False, (1, 1, 5, 6)),
    ("batch1-c1", (2, 3), (1, 2), (1, 1), 1, False, (1, 1, 4, 6)),
    ("unbatched", 2, 1, 0, 1, False, (2, 3, 4)),
]


@pytest.mark.parametrize("k, s, p, d, ceil, shape", [c[1:] for c in GRAD_CONFIGS],
                         ids=[c[0] for c in GRAD_CONFIGS])
def test_max_pool_gradcheck_and_gradgradcheck(k, s, p, d, ceil, shape):
    fn = lambda x: tg.max_pool2d(x, k, s, p, d, ceil)  # noqa: E731
    assert gradcheck(fn, [distinct(*shape)])
    assert gradgradcheck(fn, [distinct(*shape)])


@pytest.mark.parametrize("k, s, p, d, ceil, shape", [c[1:] for c in GRAD_CONFIGS if c[4] == 1],
                         ids=[c[0] for c in GRAD_CONFIGS if c[4] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_gradcheck_and_gradgradcheck(k, s, p, d, ceil, shape, count_include_pad):
    fn = lambda x: tg.avg_pool2d(x, k, s, p, ceil, count_include_pad)  # noqa: E731
    x = Tensor(np.random.default_rng(2).standard_normal(shape), requires_grad=True)
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


def test_second_derivative_of_max_pool_is_a_gather():
    """d/dv of <grad of sum(w * maxpool(x)) against x, v> : the VJP of the scatter reads v
    at each window's argmax."""
    x = distinct(1, 1, 4, 4)
    w = Tensor(np.arange(4.0).reshape(1, 1, 2, 2), requires_grad=True)
    (gx,) = tg.grad((tg.max_pool2d(x, 2) * w).sum(), [x], create_graph=True)
    v = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    (gw,) = tg.grad((gx * v).sum(), [w])
    _, idx = tg.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(gw.data, v.data.reshape(-1)[idx.data])


def test_ties_send_the_gradient_to_the_first_max():
    x = Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)    # every window is a 4-way tie
    out, idx = tg.max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.data[0, 0], expected)
    np.testing.assert_array_equal(idx.data[0, 0], [[0, 2], [8, 10]])


def test_ties_in_overlapping_windows_like_after_relu():
    x = Tensor(np.array([[[[0.0, 0.0, 0.5], [0.0, 0.0, 0.0], [2.0, 0.0, 0.0]]]]),
               requires_grad=True)
    tg.max_pool2d(x, 2, stride=1).sum().backward()
    # windows: top-left all 0 -> (0,0); top-right 0.5 at (0,2); bottom-left 2 at (2,0);
    # bottom-right all 0 -> its first cell (1,1)
    expected = np.zeros((3, 3))
    expected[0, 0] = expected[0, 2] = expected[2, 0] = expected[1, 1] = 1
    np.testing.assert_array_equal(x.grad.data[0, 0], expected)


def test_a_nan_window_sends_the_gradient_to_its_last_nan_like_torch():
    nan = np.nan      # torch's CPU kernel takes a NaN as the max, and the last one it meets
    x = Tensor(np.array([[[[1.0, nan, 5.0, 0.0], [2.0, 3.0, nan, nan]]]]), requires_grad=True)
    out, idx = tg.max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    assert np.isnan(out.data).all()
    np.testing.assert_array_equal(idx.data[0, 0], [[1, 7]])
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 1, 0, 0], [0, 0, 0, 1]])


def test_windows_of_minus_inf_pick_an_input_cell_not_the_padding_like_torch():
    x = Tensor(np.array([[[[-np.inf, 1.0], [2.0, 3.0]]]]), requires_grad=True)
    out, idx = tg.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    out.sum().backward()
    assert out.data[0, 0, 0, 0] == -np.inf and idx.data[0, 0, 0, 0] == 0   # was -3: padding
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 2], [2, 4]])
    blank = Tensor(np.full((1, 1, 3, 3), -np.inf), requires_grad=True)
    out, idx = tg.max_pool2d(blank, 2, stride=2, padding=1, ceil_mode=True, return_indices=True)
    out.sum().backward()                          # each window's first input cell
    np.testing.assert_array_equal(idx.data[0, 0], [[0, 1], [3, 4]])
    np.testing.assert_array_equal(blank.grad.data[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_kernels_of_more_than_256_cells_and_of_one_cell():
    """The first-max offset is counted in uint16 once a window has more than 256 cells."""
    x = np.random.default_rng(5).standard_normal((2, 3, 17, 18))
    for kernel in ((17, 17), (1, 1)):
        t = Tensor(x, requires_grad=True)
        tg.max_pool2d(t, kernel, stride=1).sum().backward()
        expected = np.zeros_like(x)
        rows, cols = kernel
        for n, c, i, j in np.ndindex(2, 3, 18 - rows, 19 - cols):
            a, b = np.unravel_index(x[n, c, i:i + rows, j:j + cols].argmax(), kernel)
            expected[n, c, i + a, j + b] += 1
        np.testing.assert_array_equal(t.grad.data, expected)


def test_unbatched_and_method_and_dtype():
    x = np.random.default_rng(3).standard_normal((3, 6, 6)).astype(np.float32)
    out = Tensor(x).max_pool2d(2)
    assert out.shape == (3, 3, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, tg.max_pool2d(Tensor(x[None]), 2).data[0])
    avg = Tensor(x).avg_pool2d(3, 1, 1)
    assert avg.shape == (3, 6, 6) and avg.dtype == np.float32


def test_avg_pool_divisor_override():
    x = Tensor(np.ones((1, 1, 4, 4)))
    np.testing.assert_array_equal(tg.avg_pool2d(x, 2, divisor_override=2).data, 2.0)


@pytest.mark.parametrize("call, message", [
    (lambda: tg.max_pool2d(Tensor(np.ones((4, 4))), 2),
     r"max_pool2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape \(4, 4\)"),
    (lambda: tg.avg_pool2d(Tensor(np.ones((1, 1, 1, 4, 4))), 2), r"avg_pool2d: expected a 3-D"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, stride=0),
     r"max_pool2d: stride must be positive, got 0"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, padding=-1),
     r"max_pool2d: padding must be non-negative, got -1"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 0),
     r"max_pool2d: kernel_size must be positive, got 0"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 9, 9))), 3, padding=2),
     r"max_pool2d: padding \(2, 2\) must be at most half of kernel_size \(3, 3\)"),
    (lambda: tg.avg_pool2d(Tensor(np.ones((1, 1, 9, 9))), (4, 2), padding=(1, 2)),
     r"avg_pool2d: padding \(1, 2\) must be at most half of kernel_size \(4, 2\)"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 2, 2))), 3),
     r"max_pool2d: the kernel is larger than the padded input: input \(1, 1, 2, 2\) with "
     r"kernel_size \(3, 3\), dilation \(1, 1\) and padding \(0, 0\) gives an output of 0x0"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, dilation=4),
     r"max_pool2d: the kernel is larger than the padded input"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 3, 1))), (1, 2), padding=(0, 1), dilation=2),
     r"max_pool2d: with dilation \(2, 2\) and padding \(0, 1\), some windows of the input "
     r"\(1, 1, 3, 1\) cover only padding cells"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 4, 4), dtype=bool)), 2),
     r"max_pool2d: expected a floating point input, got dtype bool"),
    (lambda: tg.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), (2, 2, 2)),
     r"max_pool2d: kernel_size must be an int or a pair of ints, got \(2, 2, 2\)"),
    (lambda: tg.avg_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, stride=1.5),
     r"avg_pool2d: stride must be an int or a pair of ints, got 1.5"),
])
def test_bad_input_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


TORCH_CONFIGS = [c for c in CONFIGS if c[3] == 1][:5] + [CONFIGS[6], CONFIGS[7]]


@pytest.mark.parametrize("k, s, p, d, ceil, shape", TORCH_CONFIGS)
def test_against_torch(k, s, p, d, ceil, shape):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    data = rng.standard_normal(shape)
    data[..., ::3, :] = 0.0                         # some ties, to compare the tie rule too
    for pool, kwargs in [("max_pool2d", dict(dilation=d)), ("avg_pool2d", {})]:
        if pool == "avg_pool2d" and d != 1:
            continue
        x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out = getattr(tg, pool)(x, k, s, p, ceil_mode=ceil, **kwargs)
        tout = getattr(F, pool)(tx, k, s, p, ceil_mode=ceil, **kwargs)
        g = rng.standard_normal(out.shape)
        out.backward(Tensor(g))
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-14)
    _, idx = tg.max_pool2d(Tensor(data), k, s, p, d, ceil, return_indices=True)
    _, tidx = F.max_pool2d(torch.tensor(data), k, s, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(idx.data, tidx.numpy())


@pytest.mark.parametrize("kernel", [(4, 4), (2, 8), (5, 3)])
def test_big_tiling_windows_reshaped_agree_with_the_offset_loop(kernel, monkeypatch):
    from tinygrad_edu.ops import pool
    rng = np.random.default_rng(6)
    x_values = np.round(rng.standard_normal((2, 3, 11, 17)) * 2)     # ties in windows
    x_values[0, 0, :5, :5] = -np.inf
    g_values = rng.standard_normal((2, 3, 11 // kernel[0], 17 // kernel[1]))

    def run():
        x = tg.tensor(x_values, requires_grad=True)
        results = []
        for pooled in (tg.max_pool2d(x, kernel), tg.avg_pool2d(x, kernel)):
            upstream = tg.tensor(g_values, requires_grad=True)
            (gx,) = tg.grad(pooled, x, upstream, create_graph=True)
            (gg,) = tg.grad((gx * gx).sum(), upstream)     # through the VJP's own VJP
            results += [pooled.detach().numpy(), gx.detach().numpy(), gg.numpy()]
        _, indices = tg.max_pool2d(x, kernel, return_indices=True)
        return results + [indices.numpy()]

    monkeypatch.setattr(pool, "TILED_FROM", 1)
    tiled = run()
    monkeypatch.setattr(pool, "TILED_FROM", 10 ** 9)
    for found, expected in zip(tiled, run()):                  # (sums add in another order)
        np.testing.assert_allclose(found, expected, rtol=1e-14, atol=1e-16)


def test_max_pool2d_dilates_and_erodes_integer_masks():
    mask = np.zeros((1, 1, 5, 5), np.uint8)
    mask[0, 0, 2, 2] = 1
    dilated, indices = tg.max_pool2d(Tensor(mask), 3, 1, 1, return_indices=True)
    assert dilated.dtype == np.uint8
    np.testing.assert_array_equal(dilated.numpy()[0, 0], np.pad(np.ones((3, 3)), 1))
    assert indices.numpy()[0, 0, 2, 2] == 12                 # the centre, row 2 * 5 + col 2
    labels = Tensor(mask.astype(np.int64))
    eroded = -tg.max_pool2d(-labels, 3, 1, 1)
    assert eroded.dtype == np.int64 and eroded.numpy().sum() == 0
    with pytest.raises(ValueError, match="max_pool2d: integer inputs are pooled as float64"):
        tg.max_pool2d(Tensor(np.full((1, 1, 2, 2), 2 ** 60)), 2)
    with pytest.raises(TypeError, match="max_pool2d: expected a floating point input, got "
                                        "dtype bool"):
        tg.max_pool2d(Tensor(mask.astype(bool)), 2)
