"""grid_sample(mode='bicubic'): hand-computed values from Keys' weights (A = -0.75; at
t = 1/4 they are -0.10546875, 0.87890625, 0.26171875, -0.03515625 for the pixels
floor(p) - 1 .. floor(p) + 2), torch's padding rule (each of the 4 x 4 pixels is padded,
not the point), gradcheck and gradgradcheck in float64, errors, and a seeded comparison
of values and both gradients with torch.
"""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.grid_sample import grid_sample

W_QUARTER = (-0.10546875, 0.87890625, 0.26171875, -0.03515625)     # Keys' weights at t = 1/4
PADDINGS = ("zeros", "border", "reflection")


def _normalized(pixel: float, n: int, align_corners: bool) -> float:
    """The normalized coordinate of a pixel coordinate (the inverse of grid_sample's)."""
    return pixel / (n - 1) * 2 - 1 if align_corners else (2 * pixel + 1) / n - 1


def _point(x_pixel: float, y_pixel: float, w: int, h: int, align_corners: bool) -> Tensor:
    return tg.tensor([[[[_normalized(x_pixel, w, align_corners),
                         _normalized(y_pixel, h, align_corners)]]]], dtype=tg.float64)


def test_inside_the_image_it_is_cubic_convolution_along_each_axis():
    """At column 1.25 of row 1 (y on a pixel centre: t = 0, weights 0, 1, 0, 0) the value
    is sum_k w_k v[1, k] over columns 0..3; for v[i, j] = 10 i + j^2 that is
    10 + w . (0, 1, 4, 9) = 11.609375."""
    v = 10 * np.arange(4.0)[:, None] + np.arange(4.0) ** 2
    image = tg.tensor(v.reshape(1, 1, 4, 4))
    for align_corners in (True, False):
        out = grid_sample(image, _point(1.25, 1, 4, 4, align_corners), mode="bicubic",
                          align_corners=align_corners)
        assert out.item() == pytest.approx(10 + np.dot(W_QUARTER, [0, 1, 4, 9]), abs=1e-13)
        assert out.item() == pytest.approx(11.609375, abs=1e-13)
    # both axes at t = 1/4: the outer product of the weights
    point = _point(1.25, 1.25, 4, 4, True)
    expected = np.einsum("i,j,ij->", W_QUARTER, W_QUARTER, v)
    assert grid_sample(image, point, mode="bicubic", align_corners=True).item() == \
        pytest.approx(expected, abs=1e-13)


def test_on_pixel_centres_it_reads_the_pixels():
    rng = np.random.default_rng(0)
    v = rng.standard_normal((2, 3, 4, 5))
    for align_corners in (True, False):
        xs = [_normalized(j, 5, align_corners) for j in range(5)]
        ys = [_normalized(i, 4, align_corners) for i in range(4)]
        grid = np.stack(np.meshgrid(xs, ys), axis=-1)[None].repeat(2, axis=0)   # (2, 4, 5, 2)
        for padding_mode in PADDINGS:
            out = grid_sample(tg.tensor(v), tg.tensor(grid), mode="bicubic",
                              padding_mode=padding_mode, align_corners=align_corners)
            np.testing.assert_allclose(out.numpy(), v, atol=1e-12)


def test_padding_moves_each_of_the_sixteen_pixels_not_the_point():
    """Row [1, 2, 3, 4] (height 1: the rows read have weights 0, 1, 0, 0), at column
    p = -0.75 with align_corners: t = 1/4 and the columns read are -2, -1, 0, 1.
    zeros: w2 * 1 + w3 * 2;  border: columns 0, 0, 0, 1;  reflection: 2, 1, 0, 1.
    Bilinear pads the point instead: with 'border' it reads column 0, value 1."""
    row = tg.tensor([[[[1.0, 2.0, 3.0, 4.0]]]])
    point = tg.tensor([[[[-0.75 / 3 * 2 - 1, 0.0]]]])
    w0, w1, w2, w3 = W_QUARTER
    expected = {"zeros": w2 * 1 + w3 * 2, "border": (w0 + w1 + w2) * 1 + w3 * 2,
                "reflection": w0 * 3 + w1 * 2 + w2 * 1 + w3 * 2}
    assert expected == {"zeros": 0.19140625, "border": 0.96484375, "reflection": 1.6328125}
    for padding_mode, value in expected.items():
        out = grid_sample(row, point, mode="bicubic", padding_mode=padding_mode,
                          align_corners=True)
        assert out.item() == pytest.approx(value, abs=1e-14)
    assert grid_sample(row, point, padding_mode="border", align_corners=True).item() == 1.0
    # align_corners=False mirrors at the outer edge (-0.5): columns -2, -1 read 1, 0
    point = tg.tensor([[[[(2 * -0.75 + 1) / 4 - 1, 0.0]]]])
    out = grid_sample(row, point, mode="bicubic", padding_mode="reflection")
    assert out.item() == pytest.approx(w0 * 2 + w1 * 1 + w2 * 1 + w3 * 2, abs=1e-14)


def test_a_constant_image_stays_constant_wherever_the_padding_repeats_it():
    """The weights sum to 1: with border or reflection every point, however far outside,
    reads the constant; with zeros only the points whose 16 pixels are all inside."""
    image = tg.full((1, 2, 3, 4), 2.5, dtype=tg.float64)
    rng = np.random.default_rng(1)
    points = tg.tensor(rng.uniform(-30, 30, (1, 5, 6, 2)))
    for padding_mode in ("border", "reflection"):
        for align_corners in (True, False):
            out = grid_sample(image, points, mode="bicubic", padding_mode=padding_mode,
                              align_corners=align_corners)
            np.testing.assert_allclose(out.numpy(), 2.5, rtol=1e-13)
    far = grid_sample(image, points, mode="bicubic", align_corners=True)
    assert np.abs(far.numpy()).max() == 0.0          # every point is > 2 pixels outside
    centre = grid_sample(image, _point(1.5, 1, 4, 3, True), mode="bicubic", align_corners=True)
    np.testing.assert_allclose(centre.numpy(), 2.5, rtol=1e-14)


def test_dtype_batch_and_shape():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    g = rng.uniform(-1.2, 1.2, (2, 6, 7, 2)).astype(np.float32)
    out = grid_sample(Tensor(x), Tensor(g), mode="bicubic")
    assert out.shape == (2, 3, 6, 7) and out.dtype == np.float32
    swapped = grid_sample(Tensor(x[::-1].copy()), Tensor(g[::-1].copy()), mode="bicubic")
    np.testing.assert_array_equal(swapped.numpy(), out.numpy()[::-1])   # per sample


@pytest.mark.parametrize("padding_mode, align_corners, shape", [
    ("zeros", False, (1, 2, 3, 4)), ("border", True, (1, 2, 3, 4)),
    ("reflection", False, (1, 2, 3, 4)), ("zeros", True, (2, 1, 1, 3)),
    ("border", False, (1, 1, 2, 1)), ("reflection", True, (2, 1, 1, 3))])
def test_gradcheck_and_gradgradcheck(padding_mode, align_corners, shape):
    """Input and grid; points inside, near the edges and outside (the sampled function
    is C1 everywhere: cubic convolution of the padded image); size-1 dims included."""
    rng = np.random.default_rng(sum(shape) + 7 * align_corners)
    image = tg.tensor(rng.standard_normal(shape), requires_grad=True)
    points = tg.tensor(rng.uniform(-1.8, 1.8, (shape[0], 2, 3, 2)), requires_grad=True)

    def sample(a, g):
        return grid_sample(a, g, mode="bicubic", padding_mode=padding_mode,
                           align_corners=align_corners)
    assert tg.gradcheck(sample, [image, points])
    assert tg.gradgradcheck(sample, [image, points])


def test_grid_gradient_is_the_derivative_of_the_weights():
    """d out / d p = sum_k w_k'(t) v_k. At t = 1/4, from near'(d) = 3(A+2) d^2 - 2(A+3) d
    and far'(d) = 3A d^2 - 10A d + 8A: w' = (far'(1.25), near'(0.25), -near'(0.75),
    -far'(1.75)) = (-0.140625, -0.890625, 1.265625, -0.234375) (summing to 0). On the row
    v = j^2 at p = 1.25: out = 1.609375, d out / d p = w' . (0, 1, 4, 9) = 2.0625, and
    dp / dx = (W - 1) / 2 = 1.5 for the normalized x (align_corners, W = 4); a height-1
    image with align_corners has p_y = 0 whatever y: slope 0."""
    row = tg.tensor((np.arange(4.0) ** 2).reshape(1, 1, 1, 4))
    point = tg.tensor([[[[_normalized(1.25, 4, True), 0.3]]]], dtype=tg.float64,
                      requires_grad=True)
    out = grid_sample(row, point, mode="bicubic", align_corners=True)
    out.backward()
    assert out.item() == pytest.approx(1.609375, abs=1e-14)
    w_prime = np.array([-0.140625, -0.890625, 1.265625, -0.234375])
    assert np.dot(w_prime, [0, 1, 4, 9]) == 2.0625
    np.testing.assert_allclose(point.grad.numpy(), [[[[1.5 * 2.0625, 0.0]]]], atol=1e-13)


def test_errors():
    with pytest.raises(ValueError, match=r"grid_sample: mode 'bicubic' supports only 4-D "
                                         r"input \(N, C, H, W\), got input \(1, 1, 2, 2, 2\)"):
        grid_sample(tg.zeros(1, 1, 2, 2, 2), tg.zeros(1, 1, 1, 1, 3), mode="bicubic")
    with pytest.raises(ValueError, match="grid_sample: supported are mode 'bilinear', "
                                         "'nearest' or 'bicubic'.*got 'cubic'"):
        grid_sample(tg.zeros(1, 1, 2, 2), tg.zeros(1, 1, 1, 2), mode="cubic")
    with pytest.raises(ValueError, match=r"got \(1, 1, 2, 2\) and \(1, 1, 1, 3\)"):
        grid_sample(tg.zeros(1, 1, 2, 2), tg.zeros(1, 1, 1, 3), mode="bicubic")


# ---------------------------------------------------------------------------- torch
def _grid_points(rng: np.random.Generator, n: int, shape: tuple, h: int, w: int,
                 align_corners: bool) -> np.ndarray:
    """(n, *shape, 2) points: a mix of inside, far outside, exactly on pixel centres,
    on pixel edges and on the borders -1 and 1."""
    def axis(size: int, count: int) -> np.ndarray:
        def normalized(pixel: np.ndarray) -> np.ndarray:      # (size 1 with corners: 0)
            return _normalized(pixel, size, align_corners) if size > 1 or not \
                align_corners else np.zeros(count)
        centres = rng.integers(0, size, count).astype(float)
        edges = rng.integers(-1, size + 1, count) + 0.5
        options = [rng.uniform(-1.1, 1.1, count), rng.uniform(-20, 20, count),
                   normalized(centres), normalized(edges), rng.choice([-1.0, 1.0], count)]
        return np.choose(rng.integers(0, 5, count), options)
    count = n * int(np.prod(shape))
    return np.stack([axis(w, count), axis(h, count)], axis=-1).reshape(n, *shape, 2)


def test_values_and_both_gradients_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(21)
    worst = 0.0
    for k in range(240):
        padding_mode, align_corners = PADDINGS[k % 3], bool(k // 3 % 2)
        dtype = np.float32 if k % 8 == 7 else np.float64
        n, c = (int(v) for v in rng.integers(1, 3, 2))
        h, w = (int(v) for v in rng.integers(1, 6, 2))            # size-1 dims included
        x = rng.standard_normal((n, c, h, w)).astype(dtype)
        grid = _grid_points(rng, n, (int(rng.integers(1, 4)), int(rng.integers(1, 4))), h, w,
                            align_corners).astype(dtype)
        a, g = Tensor(x, requires_grad=True), Tensor(grid, requires_grad=True)
        ta, tg_ = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
        kwargs = dict(mode="bicubic", padding_mode=padding_mode, align_corners=align_corners)
        out, tout = grid_sample(a, g, **kwargs), torch.nn.functional.grid_sample(ta, tg_,
                                                                                 **kwargs)
        up = rng.standard_normal(out.shape).astype(dtype)
        out.backward(Tensor(up))
        tout.backward(torch.tensor(up))
        tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-11,
                                                                          atol=1e-11)
        for ours, theirs in ((out.data, tout.detach()), (a.grad.data, ta.grad),
                             (g.grad.data, tg_.grad)):
            np.testing.assert_allclose(ours, theirs.numpy(), **tol, err_msg=f"case {k}")
            if dtype == np.float64:
                worst = max(worst, float(np.abs(ours - theirs.numpy()).max()))
    assert worst < 1e-11


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_zero_padding_reads_exact_zeros_next_to_an_infinite_pixel(mode):
    image = np.zeros((1, 1, 3, 3))
    image[0, 0, 0, 0] = np.inf                     # an edge pixel: outside reads must not
    x = Tensor(image, requires_grad=True)          # touch it (0 * inf = nan)
    far = Tensor(np.array([[[[-5.0, -5.0], [np.nan, 0.2]]]]))
    out = grid_sample(x, far, mode=mode, padding_mode="zeros", align_corners=False)
    assert out.data[0, 0, 0, 0] == 0                # the nan point: nan, nearest's 0 (torch's)
    assert np.isnan(out.data[0, 0, 0, 1]) == (mode != "nearest")
    out.sum().backward()
    assert not x.grad.data.any()                   # and a nan point sends no nan back
