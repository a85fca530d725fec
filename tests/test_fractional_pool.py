"""Fractional max pooling (F.fractional_max_pool2d / 3d, nn.FractionalMaxPool2d / 3d): window
starts worked out by hand, finite differences, error messages, and torch's CPU kernel."""
import numpy as np
import pytest

import nn.functional as F
import tinygrad_edu as tg
from nn.fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu.fractional_pool import (fractional_max_pool2d, fractional_max_pool3d,
                                          window_starts)


def _samples(*shape, seed=0, dtype=np.float64):
    return Tensor(np.random.default_rng(seed).random(shape).astype(dtype))


# ------------------------------------------------------------------------------- by hand
def test_windows_worked_out_by_hand():
    # 5 -> 3 cells with k = 2: alpha = (5 - 2) / (3 - 1) = 1.5.
    # u_h = 0.5: starts int(0.75) - int(0.75) = 0, int(2.25) - 0 = 2, then 5 - 2 = 3.
    # u_w = 0.0: starts 0, int(1.5) = 1, then 3.
    x = Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    u = Tensor(np.array([[[0.0, 0.5]]]))                        # (u_w, u_h), as torch
    out, indices = fractional_max_pool2d(x, 2, output_size=3, return_indices=True,
                                         _random_samples=u)
    rows, cols = np.array([0, 2, 3]) + 1, np.array([0, 1, 3]) + 1   # bottom-right cells win
    expected = rows[:, None] * 5 + cols[None, :]
    assert indices.dtype == np.int64 and indices.numpy()[0, 0].tolist() == expected.tolist()
    assert out.numpy()[0, 0].tolist() == expected.astype(float).tolist()
    out.sum().backward()
    grad = np.zeros(25)
    grad[expected.ravel()] = 1
    assert x.grad.numpy().ravel().tolist() == grad.tolist()


def test_window_starts_step_by_floor_or_ceil_of_alpha_and_end_at_the_edge():
    u = np.random.default_rng(0).random(500)
    for size, out, k in [(25, 11, 3), (10, 10, 1), (9, 4, 2), (7, 2, 6), (100, 37, 1)]:
        starts = window_starts(u, size, out, k)
        alpha = (size - k) / (out - 1)
        assert starts.shape == (500, out)
        assert (starts[:, 0] == 0).all() and (starts[:, -1] == size - k).all()
        steps = np.diff(starts, axis=1)
        assert np.isin(steps, [np.floor(alpha), np.ceil(alpha)]).all()
    assert window_starts(u[:3], 6, 1, 2).tolist() == [[4], [4], [4]]   # one window: the last
    assert window_starts(u[:3], 6, 0, 2).shape == (3, 0)


def test_3d_samples_are_d_h_w_and_indices_flat_into_the_volume():
    x = Tensor(np.arange(4 * 5 * 6.0).reshape(1, 1, 4, 5, 6))
    u = np.array([0.3, 0.6, 0.9])
    out, indices = fractional_max_pool3d(x, (2, 2, 3), output_size=(2, 3, 2),
                                         return_indices=True, _random_samples=Tensor(u[None, None]))
    last = [window_starts(u[a:a + 1], n, o, k)[0] + k - 1
            for a, (n, o, k) in enumerate([(4, 2, 2), (5, 3, 2), (6, 2, 3)])]
    expected = (last[0][:, None, None] * 30 + last[1][None, :, None] * 6
                + last[2][None, None, :])
    assert indices.numpy()[0, 0].tolist() == expected.tolist()
    assert out.numpy()[0, 0].tolist() == expected.astype(float).tolist()


def test_ties_go_to_the_first_max_and_nan_to_the_last_nan():
    x = Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    out, indices = fractional_max_pool2d(x, 3, output_size=1, return_indices=True,
                                         _random_samples=Tensor(np.zeros((1, 1, 2))))
    assert indices.item() == 5                  # window [1, 4) x [1, 4): its first cell (1, 1)
    out.sum().backward()
    assert x.grad.numpy()[0, 0, 1, 1] == 1 and x.grad.numpy().sum() == 1

    data = np.zeros((1, 1, 4, 4))
    data[0, 0, 1, 2] = data[0, 0, 3, 1] = np.nan
    data[0, 0, 2, 2] = 9
    x = Tensor(data, requires_grad=True)
    out, indices = fractional_max_pool2d(x, 3, output_size=1, return_indices=True,
                                         _random_samples=Tensor(np.zeros((1, 1, 2))))
    assert np.isnan(out.item()) and indices.item() == 13      # (3, 1), the last NaN
    out.sum().backward()
    assert x.grad.numpy()[0, 0, 3, 1] == 1 and x.grad.numpy().sum() == 1

    x = Tensor(np.full((1, 1, 3, 3), -np.inf))
    out, indices = fractional_max_pool2d(x, 2, output_size=2, return_indices=True,
                                         _random_samples=Tensor(np.zeros((1, 1, 2))))
    assert indices.numpy().tolist() == [[[[0, 1], [3, 4]]]] and (out.numpy() == -np.inf).all()


def test_overlapping_windows_add_their_gradients_at_a_shared_max():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((2, 3, 9, 8)), requires_grad=True)
    out, indices = fractional_max_pool2d(x, 4, output_size=(5, 4), return_indices=True,
                                         _random_samples=_samples(2, 3, 2, seed=2))
    g = rng.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    expected = np.zeros((6, 72))
    np.add.at(expected, (np.arange(6)[:, None], indices.numpy().reshape(6, -1)), g.reshape(6, -1))
    assert len(np.unique(indices.numpy()[0, 0])) < 20           # some windows share a max
    np.testing.assert_allclose(x.grad.numpy().reshape(6, 72), expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(out.numpy().reshape(6, -1),
                                  np.take_along_axis(x.numpy().reshape(6, -1),
                                                     indices.numpy().reshape(6, -1), -1))


# ------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("shape, kernel, options", [
    ((2, 3, 7, 6), 2, dict(output_size=(4, 3))),
    ((3, 5, 5), (3, 2), dict(output_size=3)),                       # unbatched, overlapping
    ((1, 2, 6, 6), 1, dict(output_ratio=0.5)),
    ((2, 1, 4, 5), (4, 5), dict(output_size=1)),                    # one window: the image
])
def test_gradcheck_2d(shape, kernel, options):
    x = Tensor(np.random.default_rng(3).standard_normal(shape), requires_grad=True)
    u = _samples(1 if len(shape) == 3 else shape[0], shape[-3], 2, seed=4)
    fn = lambda t: fractional_max_pool2d(t, kernel, **options, _random_samples=u)  # noqa: E731
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


@pytest.mark.parametrize("shape, kernel, options", [
    ((2, 2, 4, 5, 6), 2, dict(output_size=(2, 3, 3))),
    ((2, 4, 5, 4), (1, 3, 2), dict(output_ratio=(0.5, 0.4, 0.5))),  # unbatched
])
def test_gradcheck_3d(shape, kernel, options):
    x = Tensor(np.random.default_rng(5).standard_normal(shape), requires_grad=True)
    u = _samples(1 if len(shape) == 4 else shape[0], shape[-4], 3, seed=6)
    fn = lambda t: fractional_max_pool3d(t, kernel, **options, _random_samples=u)  # noqa: E731
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


# ------------------------------------------------------------------------------- behaviour
def test_samples_are_drawn_from_the_seeded_generator():
    x = Tensor(np.random.default_rng(7).standard_normal((3, 2, 11, 10)).astype(np.float32))
    tg.manual_seed(11)
    first = fractional_max_pool2d(x, 2, output_size=(6, 4), return_indices=True)
    tg.manual_seed(11)
    u = tg.rand(3, 2, 2, dtype=np.float32)
    given = fractional_max_pool2d(x, 2, output_size=(6, 4), return_indices=True,
                                  _random_samples=u)
    assert first[0].dtype == np.float32
    assert np.array_equal(first[1].numpy(), given[1].numpy())
    assert np.array_equal(first[0].numpy(), given[0].numpy())
    again = fractional_max_pool2d(x, 2, output_size=(6, 4), return_indices=True)
    assert not np.array_equal(first[1].numpy(), again[1].numpy())  # new draws, new windows
    tg.manual_seed(11)
    volume = tg.rand(2, 3, 6, 6, 6)
    tg.manual_seed(11)
    drawn = fractional_max_pool3d(volume, 2, output_size=3)
    tg.manual_seed(11)
    assert np.array_equal(drawn.numpy(), fractional_max_pool3d(
        volume, 2, output_size=3, _random_samples=tg.rand(2, 3, 3)).numpy())


def test_unbatched_is_the_batch_of_one_and_a_larger_sample_batch_is_cut():
    x = Tensor(np.random.default_rng(8).standard_normal((2, 9, 9)))
    u = _samples(4, 2, 2, seed=9)
    out, indices = fractional_max_pool2d(x, 3, output_ratio=(0.5, 0.6), return_indices=True,
                                         _random_samples=u)
    batched = fractional_max_pool2d(x.unsqueeze(0), 3, output_size=(4, 5),
                                    return_indices=True, _random_samples=u)
    assert out.shape == (2, 4, 5) and indices.shape == (2, 4, 5)
    assert np.array_equal(out.numpy(), batched[0].numpy()[0])
    assert np.array_equal(indices.numpy(), batched[1].numpy()[0])


def test_empty_batch_and_empty_output():
    out = fractional_max_pool2d(Tensor(np.zeros((0, 2, 5, 5))), 2, output_size=3,
                                _random_samples=_samples(0, 2, 2))
    assert out.shape == (0, 2, 3, 3)
    x = Tensor(np.ones((2, 2, 5, 5)), requires_grad=True)
    out = fractional_max_pool2d(x, 2, output_ratio=0.1)         # int(5 * 0.1) = 0
    assert out.shape == (2, 2, 0, 0)
    out.sum().backward()
    assert x.grad.numpy().tolist() == np.zeros((2, 2, 5, 5)).tolist()


def test_modules():
    pool = FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)
    assert repr(pool) == "FractionalMaxPool2d()" and pool.state_dict() == {}
    assert pool.kernel_size == (3, 3) and pool.output_ratio == (0.5, 0.5)
    assert pool.output_size is None
    out, indices = pool(tg.randn(2, 3, 10, 8))
    assert out.shape == indices.shape == (2, 3, 5, 4)
    u = _samples(2, 3, 3, seed=10)
    volume = Tensor(np.random.default_rng(11).standard_normal((2, 3, 6, 7, 8)))
    pool = FractionalMaxPool3d((2, 3, 2), output_size=(3, 4, 5), _random_samples=u)
    assert repr(pool) == "FractionalMaxPool3d()" and list(pool.state_dict()) == ["_random_samples"]
    assert pool.output_size == (3, 4, 5)
    expected = fractional_max_pool3d(volume, (2, 3, 2), output_size=(3, 4, 5), _random_samples=u)
    assert np.array_equal(pool(volume).numpy(), expected.numpy())       # fixed samples: the same
    assert np.array_equal(pool(volume).numpy(), expected.numpy())
    pool.float()
    assert pool(volume.float()).dtype == np.float32


# ------------------------------------------------------------------------------- errors
X = Tensor(np.zeros((2, 3, 7, 8)))


@pytest.mark.parametrize("call, error, message", [
    (lambda: fractional_max_pool2d(X, 2), ValueError, "exactly one of output_size"),
    (lambda: fractional_max_pool2d(X, 2, output_size=3, output_ratio=0.5), ValueError,
     "exactly one of output_size and output_ratio"),
    (lambda: fractional_max_pool2d(X, 2, output_ratio=(1.0, 0.5)), ValueError,
     "output_ratio must be between 0 and 1"),
    (lambda: fractional_max_pool2d(X, 2, output_ratio=0), ValueError, "between 0 and 1"),
    (lambda: fractional_max_pool2d(X, 2, output_ratio=(0.5, 0.5, 0.5)), TypeError,
     "output_ratio must be a number or 2 numbers"),
    (lambda: fractional_max_pool2d(X, 3, output_size=6), ValueError,
     r"output_size \(6, 6\) with kernel_size \(3, 3\) needs an input of at least output "
     r"\+ kernel - 1 = \(8, 8\) cells along \(h, w\), got shape \(2, 3, 7, 8\)"),
    (lambda: fractional_max_pool3d(Tensor(np.zeros((1, 1, 5, 5, 5))), 2, output_size=4),
     ValueError, r"output \+ kernel - 1 \+ 1 = \(6, 6, 6\)"),
    (lambda: fractional_max_pool2d(X, 0, output_size=2), ValueError,
     "kernel_size must be positive"),
    (lambda: fractional_max_pool2d(X, 2, output_size=-1), ValueError,
     "output_size must be non-negative"),
    (lambda: fractional_max_pool2d(X, (2, 2, 2), output_size=2), TypeError,
     "fractional_max_pool2d: kernel_size must be an int or"),
    (lambda: fractional_max_pool2d(X, 2.0, output_size=2), TypeError, "kernel_size"),
    (lambda: fractional_max_pool2d(X[0, 0], 2, output_size=2), ValueError,
     r"expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape \(7, 8\)"),
    (lambda: fractional_max_pool3d(X[0], 2, output_size=2), ValueError,
     r"fractional_max_pool3d: expected a 4-D \(C, D, H, W\) or 5-D"),
    (lambda: fractional_max_pool2d(Tensor(np.zeros((2, 3, 7, 8), dtype=np.int64)), 2,
                                   output_size=2), TypeError, "floating point input"),
    (lambda: fractional_max_pool2d(X[:, :0], 2, output_size=2), ValueError,
     r"non-empty channels and image, got shape \(2, 0, 7, 8\)"),
    (lambda: fractional_max_pool2d(X, 2, output_size=2, _random_samples=_samples(2, 3, 3)),
     ValueError, r"_random_samples must have shape \(N, C, 2\) = \(2, 3, 2\) for the input "
     r"\(2, 3, 7, 8\) \(a larger N is allowed\), got \(2, 3, 3\)"),
    (lambda: fractional_max_pool2d(X, 2, output_size=2, _random_samples=_samples(1, 3, 2)),
     ValueError, r"got \(1, 3, 2\)"),
    (lambda: fractional_max_pool2d(X, 2, output_size=2, _random_samples=_samples(6, 2)),
     ValueError, r"got \(6, 2\)"),
    (lambda: fractional_max_pool2d(X, 2, output_size=2,
                                   _random_samples=_samples(2, 3, 2, dtype=np.float32)),
     TypeError, "_random_samples must have the input's dtype float64, got float32"),
    (lambda: fractional_max_pool2d(X, 2, output_size=2,
                                   _random_samples=Tensor(np.full((2, 3, 2), 1.0))),
     ValueError, r"_random_samples must lie in \[0, 1\)"),
    (lambda: FractionalMaxPool2d(2), ValueError, "FractionalMaxPool2d: give exactly one"),
    (lambda: FractionalMaxPool3d(2, output_size=2, output_ratio=0.5), ValueError,
     "FractionalMaxPool3d: give exactly one"),
    (lambda: FractionalMaxPool2d(2, output_ratio=1.5), ValueError,
     "FractionalMaxPool2d: output_ratio must be between 0 and 1"),
])
def test_bad_input_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------------------- torch
def _config(rng, n, case):
    """A random pool: (x, kernel, output_size, samples) with ties and NaNs sometimes."""
    dtype = np.float32 if case % 3 else np.float64
    batch = (None, 1, 2, 3)[rng.integers(4)]
    channels = int(rng.integers(1, 4))
    sizes = tuple(int(s) for s in rng.integers(2, 11 if n == 2 else 7, n))
    strict = n - 2                                   # 3-D: output + kernel - 1 < size
    kernel = tuple(int(rng.integers(1, s + 1 - strict)) for s in sizes)
    out = tuple(int(rng.integers(0, s - k + 2 - strict)) for s, k in zip(sizes, kernel))
    x = rng.standard_normal(((batch,) if batch else ()) + (channels,) + sizes).astype(dtype)
    if case % 4 == 0:
        x = np.round(x)                                              # ties
    if case % 7 == 0:
        x.flat[rng.integers(x.size, size=3)] = np.nan
    return x, kernel, out, rng.random((batch or 1, channels, n)).astype(dtype)


def test_values_indices_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(2024)
    worst, checked = 0.0, 0
    for case in range(240):
        n = 2 + case % 2
        x, kernel, out_size, u = _config(rng, n, case)
        ours, theirs = ((fractional_max_pool2d, tf.fractional_max_pool2d) if n == 2 else
                        (fractional_max_pool3d, tf.fractional_max_pool3d))
        sizes = x.shape[-n:]
        by_ratio = case % 5 == 1 and all(0 < o < s for o, s in zip(out_size, sizes))
        options = (dict(output_ratio=tuple((o + 0.5) / s for o, s in zip(out_size, sizes)))
                   if by_ratio else dict(output_size=out_size))
        xt = Tensor(x, requires_grad=True)
        out, indices = ours(xt, kernel, **options, return_indices=True, _random_samples=Tensor(u))
        x_torch = torch.tensor(x, requires_grad=True)
        out_torch, indices_torch = theirs(x_torch, kernel, **options, return_indices=True,
                                          _random_samples=torch.tensor(u))
        assert out.shape == tuple(out_torch.shape) and out.dtype == x.dtype, case
        assert np.array_equal(out.numpy(), out_torch.detach().numpy(), equal_nan=True), case
        assert np.array_equal(indices.numpy(), indices_torch.numpy()), case
        g = rng.standard_normal(out.shape).astype(x.dtype)
        (out * Tensor(g)).sum().backward()
        (out_torch * torch.tensor(g)).sum().backward()
        worst = max(worst, float(np.abs(xt.grad.numpy() - x_torch.grad.numpy()).max(initial=0)))
        checked += 1
    assert checked == 240 and worst < 1e-6


def test_window_starts_match_torch_on_long_axes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for case in range(40):
        dtype = (np.float32, np.float64)[case % 2]
        size = int(rng.integers(2, 3000))
        k = int(rng.integers(1, min(size, 5) + 1))
        out = int(rng.integers(1, size - k + 2))
        u = rng.random((1, 32, 2)).astype(dtype)
        row = torch.arange(size, dtype=torch.float64).expand(1, 32, 1, size).to(
            torch.float32 if dtype == np.float32 else torch.float64)
        _, indices = torch.nn.functional.fractional_max_pool2d(
            row, (1, k), output_size=(1, out), return_indices=True,
            _random_samples=torch.tensor(u))
        ends = window_starts(u[0, :, 0], size, out, k) + k - 1   # u_w: the last cell wins
        assert np.array_equal(ends, indices.numpy()[0, :, 0]), (size, k, out, dtype)


@pytest.mark.parametrize("n, kwargs", [
    (2, dict(kernel_size=2)), (2, dict(kernel_size=3, output_size=6)),
    (2, dict(kernel_size=2, output_ratio=(1.0, 0.5))),
    (3, dict(kernel_size=2, output_size=4)), (3, dict(kernel_size=2, output_size=3)),
    (2, dict(kernel_size=2, output_size=2, shape=(2, 0, 7, 8))),
    (2, dict(kernel_size=2, output_size=2, samples=(1, 3, 2))),
    (2, dict(kernel_size=2, output_size=2, samples=(2, 4, 2))),
    (2, dict(kernel_size=2, output_size=2, samples=(2, 3, 3))),
    (2, dict(kernel_size=2, output_size=2, samples=(3, 3, 2))),
    (2, dict(kernel_size=2, output_size=(5, 6), shape=(3, 6, 7))),
])
def test_raises_where_torch_raises(n, kwargs):
    torch = pytest.importorskip("torch")
    shape = kwargs.pop("shape", (2, 3, 7, 8) if n == 2 else (2, 3, 5, 5, 5))
    samples = kwargs.pop("samples", None)
    x = np.random.default_rng(0).standard_normal(shape)
    u = None if samples is None else np.random.default_rng(1).random(samples)
    ours = fractional_max_pool2d if n == 2 else fractional_max_pool3d
    theirs = getattr(torch.nn.functional, ours.__name__)

    def raised(call):
        try:
            call()
        except (ValueError, TypeError, RuntimeError):
            return True
        return False

    torch_raised = raised(lambda: theirs(torch.tensor(x), **kwargs, _random_samples=(
        None if u is None else torch.tensor(u))))
    assert raised(lambda: ours(Tensor(x), **kwargs, _random_samples=(
        None if u is None else Tensor(u)))) == torch_raised


def test_modules_match_torch():
    torch = pytest.importorskip("torch")
    u = np.random.default_rng(3).random((2, 3, 2))
    x = np.random.default_rng(4).standard_normal((2, 3, 9, 9))
    ours = FractionalMaxPool2d((3, 2), output_size=(4, 5), _random_samples=Tensor(u))
    theirs = torch.nn.FractionalMaxPool2d((3, 2), output_size=(4, 5),
                                          _random_samples=torch.tensor(u))
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert np.array_equal(ours(Tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    assert repr(FractionalMaxPool3d(2, output_ratio=0.5)) == repr(
        torch.nn.FractionalMaxPool3d(2, output_ratio=0.5))


def test_with_indices_forms_take_return_indices_positionally_as_torch():
    x = Tensor(np.random.default_rng(3).standard_normal((1, 1, 6, 6)))
    u = Tensor(np.full((1, 1, 2), 0.5))
    out, indices = F.fractional_max_pool2d_with_indices(x, 2, (3, 3), None, False, u)
    assert out.shape == indices.shape == (1, 1, 3, 3)
    pooled, where = F.max_pool2d_with_indices(x, 2, 2, 0, 1, False, False)
    np.testing.assert_array_equal(pooled.data, F.max_pool2d(x, 2).data)
    assert where.dtype == np.int64
